# The user-mode SGX machine: build/libteehost-sim.so (the LD_PRELOAD library `teehost sim`
# loads into the program). It links the library objects it needs (MRENCLAVE, SIGSTRUCT) from
# libteehost.a. Under SAN=1 it is built with UBSan only: ASan's runtime would have to be
# preloaded into every program the simulator runs, and it interposes the same mmap/signal
# functions the simulator does.
DEPS_SIM := libcapstone-dev xz-utils

SIM_SRC := $(wildcard src/sim/*.c)
SIM_ASM := $(wildcard src/sim/*.S)
SIM_OBJ := $(SIM_SRC:%.c=$(BUILD)/sim-obj/%.o) $(SIM_ASM:%.S=$(BUILD)/sim-obj/%.o)
SIM_LIB := $(BUILD)/libteehost-sim.so
ifeq ($(SAN),1)
SIM_SANFLAGS := -fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
SIM_SANFLAGS :=
endif
SIM_CFLAGS = $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) $(SIM_SANFLAGS) -ftls-model=initial-exec \
	-fno-stack-protector
SIM_LDLIBS := -lcrypto -lelf -lcapstone -ldl -lz

ALL_TARGETS += $(SIM_LIB)

$(BUILD)/sim-obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(SIM_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/sim-obj/%.o: %.S
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AS      $@")
	$(Q)$(CC) $(CPPFLAGS) -MMD -MP -c $< -o $@

# libteehost.a objects are built with the sanitizers of the build; the preload library takes
# its own copies of the few it needs.
SIM_LIBOBJ := $(patsubst %.c,$(BUILD)/sim-obj/%.o,src/sgx/measure.c src/sgx/sigstruct.c \
	src/util/err.c src/util/file.c src/util/state.c)

$(SIM_LIB): $(SIM_OBJ) $(SIM_LIBOBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(SIM_SANFLAGS) -shared -Wl,-z,noexecstack -Wl,-z,now \
		-o $@ $^ $(SIM_LDLIBS)

# sim-lib/: a directory holding only teehost's libsgx_enclave_common.so.1 and libsgx_dcap_ql.so.1
# (mk/attest.mk), which `teehost sim` puts on PROGRAM's LD_LIBRARY_PATH when the system has no
# such library (--common-lib)
SIM_COMMON_DIR := $(BUILD)/sim-lib
ALL_TARGETS += $(SIM_COMMON_DIR)/libsgx_enclave_common.so.1
$(SIM_COMMON_DIR)/libsgx_enclave_common.so.1: $(COMMON_LIB)
	@mkdir -p $(@D)
	$(Q)ln -sf ../libsgx_enclave_common.so.1 $@

# An installed teehost looks for the preload library in ../lib/teehost or, for a multiarch
# LIBDIR such as Debian's, ../lib/TRIPLET/teehost: the triplet is the compiler's.
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
$(BUILD)/src/cli/sim.o: CPPFLAGS += $(if $(MULTIARCH),-DTEEHOST_MULTIARCH='"$(MULTIARCH)"')

# sim-lib/ points at the drop-in in $(COMMON_LIBDIR) (mk/loader.mk), never at LIBDIR's copy.
INSTALL_HOOKS += install-sim
.PHONY: install-sim
install-sim:
	install -d $(DESTDIR)$(LIBDIR)/teehost
	install -m 0755 $(SIM_LIB) $(DESTDIR)$(LIBDIR)/teehost/libteehost-sim.so
	install -d $(DESTDIR)$(LIBDIR)/teehost/sim-lib
	ln -sf ../libsgx_enclave_common.so.1 \
		$(DESTDIR)$(LIBDIR)/teehost/sim-lib/libsgx_enclave_common.so.1

# bench/sim: ECALL round trip and compute loop on the simulator (run by `make bench`)
SIM_BENCH := $(BUILD)/bench/sim
ALL_TARGETS += $(SIM_BENCH)
$(SIM_BENCH): bench/sim.c tests/enclaves/simencl.h $(LIBA)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDLIBS) -ldl

# bench/sim_scan: the enclave page scan against the one it replaced (run by bench/sim.sh)
SIM_SCAN_BENCH := $(BUILD)/bench/sim_scan
ALL_TARGETS += $(SIM_SCAN_BENCH)
$(SIM_SCAN_BENCH): bench/sim_scan.c bench/bench.h fuzz/sim_codescan.c tests/unit/sim_scan_ref.h \
		src/sim/cpuid.c src/sim/xsave.c src/sim/x86len.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS) -lcapstone

# fuzz/sim_codescan.c includes cpuid.c: its replayer needs Capstone, as does the test of
# x86len.c's claims against it and the scan's against the old one
$(BUILD)/fuzz/sim_codescan $(BUILD)/tests/test_sim_x86len $(BUILD)/tests/test_sim_codescan: \
	LDLIBS += -lcapstone
