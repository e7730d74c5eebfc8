# Guest devices (teehost sim --snp-guest): src/guest/, src/attest/snp*.c. The test client is
# linked statically: a preload library could never see it, the seccomp supervisor must.
DEPS_GUEST := libseccomp-dev busybox-static

SNP_CLIENT := $(BUILD)/tests/snp-client
TEST_TARGETS += $(SNP_CLIENT)

$(SNP_CLIENT): tests/guest/snp-client.c src/guest/uapi.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) -static -o $@ $<

TDX_CLIENT := $(BUILD)/tests/tdx-client
TEST_TARGETS += $(TDX_CLIENT)

$(TDX_CLIENT): tests/guest/tdx-client.c src/guest/uapi.h
	@mkdir -p $(@D)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) -static -o $@ $<

# configfs-tsm over FUSE (src/guest/tsm.c)
DEPS_GUEST += libfuse3-dev fuse3
CPPFLAGS += $(shell pkg-config --cflags fuse3 2>/dev/null || echo -I/usr/include/fuse3)
LDLIBS += -lfuse3
