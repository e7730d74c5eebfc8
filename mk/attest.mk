# Attestation (src/attest/): quotes, the test PKI, collateral, our verifier; the drop-in
# build/libsgx_dcap_ql.so.1; the simulated QE (src/sim/qe.c) links the attest objects into
# the simulator's preload library. JSON collateral is read with Jansson.
DEPS_ATTEST := libjansson-dev
LDLIBS += -ljansson

# the preload library's own copies of the attest objects the QE needs (no Jansson there)
ATTEST_SIM_OBJ := $(patsubst %.c,$(BUILD)/sim-obj/%.o,src/attest/quote.c src/attest/ec.c \
	src/attest/pki.c)
$(BUILD)/libteehost-sim.so: $(ATTEST_SIM_OBJ)
