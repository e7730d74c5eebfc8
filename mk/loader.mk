# The SGX loader: build/libsgx_enclave_common.so.1 (the drop-in common loader: soname
# libsgx_enclave_common.so.1, exporting only the API through an anonymous version node as
# Intel's does), the test program written against sgx_enclave_common.h alone, and install.
# tests/cli/loader.sh drops privileges with setpriv and makes a private mount namespace with
# unshare (util-linux), and sets personalities as setarch does.
DEPS_LOADER := util-linux

COMMON_LIB := $(BUILD)/libsgx_enclave_common.so.1
COMMON_MAP := src/launch/sgx_enclave_common.map
COMMON_OBJ := $(BUILD)/src/launch/common.o

ALL_TARGETS += $(COMMON_LIB) $(BUILD)/libsgx_enclave_common.so
TEST_TARGETS += $(BUILD)/tests/loader/common_test

$(COMMON_LIB): $(COMMON_OBJ) $(LIBA) $(COMMON_MAP)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -shared -Wl,-soname,libsgx_enclave_common.so.1 \
		-Wl,--version-script=$(COMMON_MAP) -Wl,-z,noexecstack -Wl,-z,defs -o $@ \
		$(COMMON_OBJ) $(LIBA) $(LDLIBS) -lpthread -ldl

$(BUILD)/libsgx_enclave_common.so: $(COMMON_LIB)
	$(Q)ln -sf libsgx_enclave_common.so.1 $@

# Written only against include/sgx_enclave_common.h and linked with -lsgx_enclave_common, as a
# runtime would use Intel's library. It includes no teehost header.
$(BUILD)/tests/loader/common_test: tests/loader/common_test.c include/sgx_enclave_common.h \
		$(BUILD)/libsgx_enclave_common.so
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -g $(SANFLAGS) -Iinclude -Wl,-z,noexecstack \
		-o $@ $< -L$(BUILD) -lsgx_enclave_common -Wl,-rpath,'$$ORIGIN/../..' -lpthread

# AESM's client library as test_launch_token sees it: a stand-in it finds on LD_LIBRARY_PATH.
FAKE_LAUNCH := $(BUILD)/tests/fake/libsgx_launch.so.1
TEST_TARGETS += $(FAKE_LAUNCH)

$(FAKE_LAUNCH): tests/unit/fake/libsgx_launch.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -g -fPIC -shared \
		-Wl,-soname,libsgx_launch.so.1 -Wl,-z,noexecstack -o $@ $<

$(BUILD)/tests/test_launch_token: $(FAKE_LAUNCH)

# The drop-in goes to a private directory, never over Intel's copy in LIBDIR: `teehost sim`
# uses it from there (through sim-lib/, mk/sim.mk), and an administrator opts in with
# LD_LIBRARY_PATH or ld.so.conf.d. Programs link it with -L$(COMMON_LIBDIR) and an rpath.
INSTALL_HOOKS += install-loader
COMMON_LIBDIR := $(LIBDIR)/teehost
.PHONY: install-loader
install-loader: $(COMMON_LIB)
	install -d $(DESTDIR)$(COMMON_LIBDIR) $(DESTDIR)$(INCLUDEDIR)/teehost
	install -m 0755 $(COMMON_LIB) $(DESTDIR)$(COMMON_LIBDIR)/libsgx_enclave_common.so.1
	ln -sf libsgx_enclave_common.so.1 $(DESTDIR)$(COMMON_LIBDIR)/libsgx_enclave_common.so
	install -m 0644 include/sgx_enclave_common.h $(DESTDIR)$(INCLUDEDIR)/teehost/sgx_enclave_common.h
	install -d $(DESTDIR)$(MANDIR)/man3
	install -m 0644 man/sgx_enclave_common.3 $(DESTDIR)$(MANDIR)/man3/sgx_enclave_common.3

# bench/load: loader throughput under the simulator vs th_plan_measure (run by `make bench`)
BENCH_LOAD := $(BUILD)/bench/load
ALL_TARGETS += $(BENCH_LOAD)

$(BENCH_LOAD): bench/load.c bench/bench.h tests/unit/synth.h $(LIBA)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

# bench/urts_calltime.so: time spent inside the common library's create calls, preloaded into
# Intel's urts by bench/urts.sh. Never sanitized: it goes into programs that are not.
BENCH_CALLTIME := $(BUILD)/bench/urts_calltime.so
ALL_TARGETS += $(BENCH_CALLTIME)

$(BENCH_CALLTIME): bench/urts_calltime.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -g -fPIC -shared -fvisibility=hidden \
		-Wl,-z,noexecstack -o $@ $< -ldl

# bench/urts_pattern: the common library fed one page per call, as urts feeds it (make bench)
BENCH_URTS := $(BUILD)/bench/urts_pattern
ALL_TARGETS += $(BENCH_URTS)

$(BENCH_URTS): bench/urts_pattern.c bench/bench.h tests/unit/synth.h include/sgx_enclave_common.h $(BUILD)/libsgx_enclave_common.so
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -g $(SANFLAGS) -Iinclude -Wl,-z,noexecstack \
		-o $@ $< -L$(BUILD) -lsgx_enclave_common -Wl,-rpath,'$$ORIGIN/..'
