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

# The artefacts exist and test_sgx runs: `-l` makes the kselftest harness list its tests
# (on stderr) and
# exit without touching SGX; test_encl.elf is an x86-64 ELF.
artefacts_ok() {
	[ -x "$sgx/test_sgx" ] && [ -f "$sgx/test_encl.elf" ] || return 1
	"$sgx/test_sgx" -l 2>&1 | grep -q 'unclobbered_vdso' || return 1
	[ "$(head -c 4 "$sgx/test_encl.elf" | od -An -c | tr -d ' ')" = '177ELF' ]
}

stamp=$dir/.built-from
want="$(stat -c '%s %Y' "$tarball")"
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && artefacts_ok; then
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
# The selftest's lib.mk sets OUTPUT only when MAKELEVEL is 0 and otherwise takes whatever the
# parent make passed: run from inside `make check`, the inherited MAKELEVEL/MAKEFLAGS left
# OUTPUT empty and the binaries were written to /. This build is its own top-level make: none
# of the caller's make state is passed on, and OUTPUT is given explicitly.
if ! env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKE_TERMOUT -u MAKE_TERMERR \
	make -s -C "$sgx" -j2 OUTPUT="$sgx" >"$dir/build.log" 2>&1; then
	echo "selftest: build failed, see $dir/build.log" >&2
	tail -20 "$dir/build.log" >&2
	exit 1
fi
# make's exit status alone proved nothing (it was 0 with the output in /): the cache is good
# only when the artefacts are where they were promised and test_sgx runs.
if ! artefacts_ok; then
	echo "selftest: make succeeded but $sgx/test_sgx or test_encl.elf is missing or does not run; see $dir/build.log" >&2
	exit 1
fi
echo "$want" >"$stamp"
echo "$sgx"
