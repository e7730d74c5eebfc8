#!/bin/sh
# Run by tests/cli/deb.sh (not a test of its own) inside the bookworm chroot with the packages installed: builds the
# two shipped examples with pkg-config and a program against the drop-in common loader, runs them.
set -u
cd "$(mktemp -d)" || exit 1
ex=/usr/share/doc/libteehost-dev/examples/live.c
# shellcheck disable=SC2046 # pkg-config's output is words
cc -o live "$ex" $(pkg-config --cflags --libs libteehost) || exit 1
printf 'live: '; teehost sim -- ./live /usr/share/teehost/sample.elf | tail -n 1 || exit 1
# The other shipped example, with the house warnings: open, measure, sign (throw-away key) and
# load the installed sample under the installed simulator. Its lines come out as "enclave: ...",
# after the MRENCLAVE `teehost measure` gives, for deb.sh to compare.
ex=/usr/share/doc/libteehost-dev/examples/enclave.c
# shellcheck disable=SC2046 # pkg-config's output is words
cc -std=gnu11 -Wall -Wextra -Werror -o enclave "$ex" $(pkg-config --cflags --libs libteehost) || exit 1
printf 'measure: '; teehost measure /usr/share/teehost/sample.elf | awk '$1 == "mrenclave" {print $2}'
out=$(teehost sim -- ./enclave /usr/share/teehost/sample.elf) || exit 1
printf '%s\n' "$out" | sed 's/^/enclave: /'
cat >common.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <sgx_enclave_common.h>
int main(void)
{
	struct link_map *m = NULL;
	void *h = dlopen("libsgx_enclave_common.so.1", RTLD_NOW | RTLD_NOLOAD);
	if (!h || dlinfo(h, RTLD_DI_LINKMAP, &m))
		return 1;
	printf("common: %s features %#x\n", m->l_name, enclave_get_features());
	return 0;
}
C
cc -o common common.c -I/usr/include/teehost -L/usr/lib/x86_64-linux-gnu/teehost \
	-lsgx_enclave_common -Wl,-rpath,/usr/lib/x86_64-linux-gnu/teehost || exit 1
./common || exit 1
# Without the rpath the linker's default path has no libsgx_enclave_common.so.1.
cat >none.c <<'C'
#include <dlfcn.h>
#include <stdio.h>
int main(void)
{
	puts(dlopen("libsgx_enclave_common.so.1", RTLD_NOW) ? "default: found" : "default: not found");
	return 0;
}
C
cc -o none none.c -ldl || exit 1
./none || exit 1
dir=$PWD
cd / && rm -rf "$dir"
