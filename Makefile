# teehost: one CLI and one library for Linux TEE hosts.
# `make` builds; `make check` runs everything; `make demo` shows it working. See README.md.

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
SONAME_MAJOR := 0

ifeq ($(SAN),1)
BUILD    ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD    ?= build
SANFLAGS :=
endif

CC       ?= cc
CFLAGS   ?= -O2 -g
CPPFLAGS += -Isrc -Iinclude -D_GNU_SOURCE -DTEEHOST_VERSION='"$(VERSION)"'
WARNFLAGS := -std=gnu11 -Wall -Wextra -Werror -fPIC -fvisibility=hidden
ALL_CFLAGS = $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) $(SANFLAGS)
LDLIBS   := -lcrypto -lelf
TEST_LDLIBS := -lcmocka

ifeq ($(V),1)
Q :=
else
Q := @
endif

# --- sources: every module directory but cli/ and sim/ makes up the library ----------------
LIB_DIRS := $(filter-out src/cli src/sim,$(patsubst %/,%,$(wildcard src/*/)))
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC  := $(wildcard src/cli/*.c)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(filter-out fuzz/replay.c,$(wildcard fuzz/*.c))
FUZZ_REPLAY := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)

# The shared library carries only what its API needs (the public layer, the launch layer, the
# loader core, the SGX architecture, utilities), not the CLI's host/kernel/attest modules; the
# drop-in common loader (launch/common.c) is a library of its own (mk/loader.mk).
LIBSO_DIRS := src/lib src/launch src/loader src/sgx src/util
LIBSO_OBJ := $(filter-out $(BUILD)/src/launch/common.o,\
	$(filter $(LIBSO_DIRS:%=$(BUILD)/%/%),$(LIB_OBJ)))

LIBA   := $(BUILD)/libteehost.a
LIBSO  := $(BUILD)/libteehost.so.$(SONAME_MAJOR)
CLI    := $(BUILD)/teehost

# Targets other areas add to (in mk/*.mk).
ALL_TARGETS := $(CLI) $(LIBA) $(LIBSO)
TEST_TARGETS := $(UNIT_BIN) $(FUZZ_REPLAY)
INSTALL_HOOKS :=

.PHONY: all install uninstall check check-quick deps check-deps demo fuzz bench clean
.DEFAULT_GOAL := all

include $(sort $(wildcard mk/*.mk))

all: $(ALL_TARGETS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBSO): $(LIBSO_OBJ) src/libteehost.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -shared -Wl,-soname,libteehost.so.$(SONAME_MAJOR) \
		-Wl,--version-script=src/libteehost.map -Wl,-z,noexecstack -Wl,-z,defs -o $@ \
		$(LIBSO_OBJ) $(LDLIBS) -ldl

$(CLI): $(CLI_OBJ) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -Wl,-z,noexecstack -o $@ $(CLI_OBJ) $(LIBA) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBA)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LIBA) $(LDLIBS) $(TEST_LDLIBS)

# Fuzz targets double as corpus replayers: fuzz/replay.c supplies main(). The target comes
# last: with one -o, gcc writes one .d, and the last source's is the one kept.
$(BUILD)/fuzz/%: fuzz/%.c fuzz/replay.c $(LIBA)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ fuzz/replay.c $< $(LIBA) $(LDLIBS)

# Dependency files only: a packaged source copy under $(BUILD)/deb has directories such as
# etc/modprobe.d in its host fixtures, which make would try to read as makefiles.
-include $(shell find $(BUILD) -path '$(BUILD)/deb' -prune -o -name '*.d' -type f -print 2>/dev/null)

# --- install --------------------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/teehost \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DATADIR)/teehost
	install -m 0755 $(CLI) $(DESTDIR)$(BINDIR)/teehost
	install -m 0755 $(LIBSO) $(DESTDIR)$(LIBDIR)/libteehost.so.$(SONAME_MAJOR)
	ln -sf libteehost.so.$(SONAME_MAJOR) $(DESTDIR)$(LIBDIR)/libteehost.so
	install -m 0644 include/teehost/*.h $(DESTDIR)$(INCLUDEDIR)/teehost/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 completion/teehost.bash $(DESTDIR)$(BASHCOMPDIR)/teehost
	$(foreach h,$(INSTALL_HOOKS),$(MAKE) --no-print-directory $(h) &&) true

# --- dependencies: every DEPS_* variable (mk/*.mk add theirs) -------------------------------
DEPS_CORE := build-essential pkg-config libssl-dev libelf-dev libcmocka-dev clang \
	libclang-rt-14-dev valgrind git
deps:
	@scripts/deps.sh $(sort $(foreach v,$(filter DEPS_%,$(.VARIABLES)),$($(v))))

# What only the suite needs, not the build: the headless browser that judges the fleet
# report's HTML (tests/cli/fleet_check.sh renders it to PNG), ansible-lint for the role
# and playbooks in deploy/ (tests/cli/deploy_lint.sh) and Debian's OVMF, the real firmware
# whose SNP launch digest sev-snp-measure gave (tests/cli/sim_snp_launch.sh).
CHECK_DEPS := chromium ansible-lint ovmf
check-deps: deps
	@scripts/deps.sh $(CHECK_DEPS)

# --- tests ----------------------------------------------------------------------------------
# The whole suite: a normal and a sanitizer build, unit + CLI tests + fuzz-corpus replay in
# both. tests/run.sh prints the closing "N passed, N failed, N skipped" line.
check: check-deps
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)$(MAKE) --no-print-directory SAN=1 all tests
	$(Q)tests/run.sh build build-san

check-quick: all tests
	$(Q)tests/run.sh $(BUILD)

tests: $(TEST_TARGETS)

FUZZ_SECONDS ?= 60
fuzz:
	$(Q)scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_SRC)

bench: all
	$(Q)set -e; for b in $(sort $(wildcard bench/*.sh)); do echo "== $$b"; BUILD=$(BUILD) bash $$b; done

clean:
	rm -rf build build-san build-fuzz

demo: deps all
	$(Q)BUILD=$(BUILD) scripts/demo.sh
