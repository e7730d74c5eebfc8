#!/usr/bin/env bash
# Build the kernel's SGX selftest, unmodified, from linux-source-6.12 into a cache outside the
# repository, and print the directory holding test_sgx. The selftest's code is never copied
# into this repository.
#   tests/selftest/build.sh            -> prints the directory on stdout
# Exit 0 built (or already built), 3 when the kernel source cannot be had (reason on stderr),
# 1 on a build failure.
#
# Environment: TEEHOST_SELFTEST_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/teehost),
#              LINUX_SOURCE_TARBALL (default /usr/src/linux-source-6.12.tar.xz).
set -u
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
cache=${TEEHOST_SELFTEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/teehost}
top=linux-source-6.12
dir=$cache/selftest-6.12
sgx=$dir/$top/tools/testing/selftests/sgx

if [ ! -r "$tarball" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "selftest: installing linux-source-6.12 (apt)" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -qq --no-install-recommends linux-source-6.12 >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 &&
			  apt-get install -y -qq --no-install-recommends linux-source-6.12 >/dev/null 2>&1; }
	fi
	if [ ! -r "$tarball" ]; then
		echo "linux-source-6.12 is not installed and cannot be installed here ($tarball missing)" >&2
		exit 3
	fi
fi

stamp=$dir/.built-from
want="$(stat -c '%s %Y' "$tarball")"
if [ -x "$sgx/test_sgx" ] && [ -f "$sgx/test_encl.elf" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	echo "$sgx"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir" || exit 1
# Only what the selftest's Makefile reaches: the sgx directory, the kselftest harness, lib.mk,
# the x86 compiler probe and its program, tools/include and three SGX headers.
if ! tar -xJf "$tarball" -C "$dir" \
	"$top/tools/testing/selftests/sgx" \
	"$top/tools/testing/selftests/lib.mk" \
	"$top/tools/testing/selftests/x86/check_cc.sh" \
	"$top/tools/testing/selftests/x86/trivial_64bit_program.c" \
	"$top/tools/include" \
	"$top/arch/x86/include/asm/sgx.h" \
	"$top/arch/x86/include/asm/enclu.h" \
	"$top/arch/x86/include/uapi/asm/sgx.h" \
	--wildcards "$top/tools/testing/selftests/kselftest*" >&2; then
	echo "selftest: cannot extract from $tarball" >&2
	exit 1
fi
if ! make -s -C "$dir/$top/tools/testing/selftests/sgx" -j2 >"$dir/build.log" 2>&1; then
	echo "selftest: build failed, see $dir/build.log" >&2
	tail -20 "$dir/build.log" >&2
	exit 1
fi
echo "$want" >"$stamp"
echo "$sgx"
