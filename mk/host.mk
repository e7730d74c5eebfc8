# Host readiness (teehost check / setup): src/host/, src/cli/check.c, src/cli/setup.c.
# /proc/config.gz is gzip: the host probes inflate it with zlib.
LDLIBS += -lz
# cpuid: `cpuid -r` makes the dumps that --cpuid reads (tests compare with the live CPU).
DEPS_HOST := zlib1g-dev cpuid
