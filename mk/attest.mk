# Attestation (src/attest/): quotes, the test PKI, collateral, our verifier; the drop-in
# build/libsgx_dcap_ql.so.1; the simulated QE (src/sim/qe.c) links the attest objects into
# the simulator's preload library. JSON collateral is read with Jansson.
DEPS_ATTEST := libjansson-dev jq xxd python3
LDLIBS += -ljansson

# the preload library's own copies of the attest objects the QE needs (no Jansson there)
ATTEST_SIM_OBJ := $(patsubst %.c,$(BUILD)/sim-obj/%.o,src/attest/quote.c src/attest/ec.c \
	src/attest/pki.c)
$(BUILD)/libteehost-sim.so: $(ATTEST_SIM_OBJ)

# build/libsgx_dcap_ql.so.1: Intel's soname and API, answered by the simulated QE (dlsym);
# it links nothing of teehost.
DCAP_QL_LIB := $(BUILD)/libsgx_dcap_ql.so.1
ALL_TARGETS += $(DCAP_QL_LIB) $(BUILD)/tests/attest/dcap_ql_test
$(DCAP_QL_LIB): $(BUILD)/src/attest/dcap_ql/dcap_ql.o src/attest/dcap_ql/sgx_dcap_ql.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -shared -Wl,-soname,libsgx_dcap_ql.so.1 \
		-Wl,--version-script=src/attest/dcap_ql/sgx_dcap_ql.map -Wl,-z,noexecstack \
		-Wl,-z,defs -o $@ $(BUILD)/src/attest/dcap_ql/dcap_ql.o -ldl

# a program that quotes through the drop-in library only (dlopen, Intel's names)
$(BUILD)/tests/attest/dcap_ql_test: tests/attest/dcap_ql_test.c $(LIBA)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDLIBS) -ldl

INSTALL_HOOKS += install-attest
.PHONY: install-attest
install-attest: $(DCAP_QL_LIB)
	install -d $(DESTDIR)$(LIBDIR)
	install -m 0755 $(DCAP_QL_LIB) $(DESTDIR)$(LIBDIR)/libsgx_dcap_ql.so.1
