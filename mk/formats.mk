# Enclave formats and the measure/sign/keygen/show CLI: extra build pieces and dependencies.
# jq, binutils' readelf and GNU time are used by tests/cli/{measure,sign,show,vectors}.sh.
DEPS_FORMATS := jq binutils time

BENCH_MEASURE := $(BUILD)/bench/measure
ALL_TARGETS += $(BENCH_MEASURE)

$(BENCH_MEASURE): bench/measure.c bench/bench.h tests/unit/synth.h $(LIBA)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBA) $(LDLIBS)
