# Host readiness (teehost check / setup): src/host/, src/cli/check.c, src/cli/setup.c.
# /proc/config.gz is gzip: the host probes inflate it with zlib.
# json-c statically: the teehost binary is sent to lab hosts (kernel gate, fleet check)
# that need not have libjson-c5.
LDLIBS += -lz -Wl,-Bstatic -ljson-c -Wl,-Bdynamic
# cpuid: `cpuid -r` makes the dumps that --cpuid reads (tests compare with the live CPU);
# jq: the tests parse --json output with a real JSON parser.
DEPS_HOST := zlib1g-dev cpuid jq libjson-c-dev

# The SGX udev rules teehost setup writes, for packagers who prefer shipping them.
INSTALL_HOOKS += install-host
.PHONY: install-host
install-host:
	install -d $(DESTDIR)$(DATADIR)/teehost/udev
	install -m 0644 udev/90-teehost-sgx.rules $(DESTDIR)$(DATADIR)/teehost/udev/
