# Guest devices (teehost sim --snp-guest): src/guest/, src/attest/snp*.c. The test client is
# linked statically: a preload library could never see it, the seccomp supervisor must.
DEPS_GUEST := libseccomp-dev busybox-static

SNP_CLIENT := $(BUILD)/tests/snp-client
TEST_TARGETS += $(SNP_CLIENT)

$(SNP_CLIENT): tests/guest/snp-client.c src/guest/uapi.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) -static -o $@ $<
