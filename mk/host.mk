# Host readiness (teehost check / setup): src/host/, src/cli/check.c, src/cli/setup.c.
# /proc/config.gz is gzip: the host probes inflate it with zlib.
# JSON (fleet records) is jansson, linked by mk/attest.mk.
LDLIBS += -lz
# cpuid: `cpuid -r` makes the dumps that --cpuid reads (tests compare with the live CPU);
# jq: the tests parse --json output with a real JSON parser.
DEPS_HOST := zlib1g-dev cpuid jq

# The SGX udev rules teehost setup writes, for packagers who prefer shipping them.
INSTALL_HOOKS += install-host
.PHONY: install-host
install-host:
	install -d $(DESTDIR)$(DATADIR)/teehost/udev
	install -m 0644 udev/90-teehost-sgx.rules $(DESTDIR)$(DATADIR)/teehost/udev/
