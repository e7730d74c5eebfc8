#!/usr/bin/env bash
# make install gives a self-contained tree that works wherever it lands: installed to one
# prefix and moved to another, and staged with DESTDIR and moved, the installed teehost finds
# its data (profiles, probe, sample enclave, simulator) relative to its own executable.
# Each installed tree is run end to end, and programs are built against its headers/libs.
source "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
san=0
case $BUILD in *-san) san=1 ;; esac
# The sanitizer build's libraries need the sanitizer runtimes in the programs linked to them.
use_cflags=""
[ "$san" = 1 ] && use_cflags="-fsanitize=address,undefined"
hosts="$root/tests/hosts"
# The installed tree must need no hint from the environment.
unset TEEHOST_DATADIR TEEHOST_SAMPLE TEEHOST_SIM_LIB TEEHOST_SGX_DRIVER

# --- static checks on an install to a plain prefix ----------------------------------------
prefix="$TMP/prefix"
make -s -C "$root" install SAN=$san BUILD="$BUILD" PREFIX="$prefix" >"$TMP/install.log" 2>&1
ok $? "make install PREFIX=$prefix"
[ -x "$prefix/bin/teehost" ]; ok $? "bin/teehost installed"
soname=$(readelf -d "$prefix/lib/libteehost.so.0" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
is "$soname" "libteehost.so.0" "shared library carries its soname"
exported=$(nm -D --defined-only "$prefix/lib/libteehost.so.0" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -v '^teehost_' | head -n 5)
is "$exported" "" "the shared library exports only teehost_* symbols"
[ -f "$prefix/include/teehost/teehost.h" ]; ok $? "public header installed"
[ -f "$prefix/share/man/man8/teehost.8" ]; ok $? "man page installed"
[ -f "$prefix/share/bash-completion/completions/teehost" ]; ok $? "bash completion installed"
for f in kernel/profiles/sgx-host.config kernel/recipes/tiny-sgx.recipe \
	kernel/probe/kconfig-probe.c deploy/teehost-kernel.yml ci-templates/github-actions/kernel.yml \
	sample.elf udev/90-teehost-sgx.rules; do
	[ -f "$prefix/share/teehost/$f" ]; ok $? "data installed: share/teehost/$f"
done
# Intel's library names are never installed where the dynamic linker looks by default: the
# drop-ins live in lib/teehost/, which teehost sim uses and an administrator may opt in to.
over=$(cd "$prefix/lib" && ls -d libsgx_* 2>/dev/null | tr '\n' ' ')
is "$over" "" "no libsgx_* in lib/ (nothing installed over Intel's libraries)"
for f in libsgx_enclave_common.so.1 libsgx_dcap_ql.so.1 libteehost-sim.so; do
	[ -f "$prefix/lib/teehost/$f" ]; ok $? "lib/teehost/$f installed"
done
is "$(readlink -f "$prefix/lib/teehost/sim-lib/libsgx_enclave_common.so.1")" \
	"$(readlink -f "$prefix/lib/teehost/libsgx_enclave_common.so.1")" \
	"lib/teehost/sim-lib/ holds the drop-in common loader"
[ -f "$prefix/include/teehost/sgx_enclave_common.h" ]; ok $? "sgx_enclave_common.h installed under include/teehost/"
[ -f "$prefix/lib/pkgconfig/libteehost.pc" ]; ok $? "libteehost.pc installed"
[ -f "$prefix/share/man/man3/libteehost.3" ]; ok $? "libteehost(3) installed"

# Nothing in the installed tree may point back into the build tree (debug info aside).
leaks=""
while IFS= read -r f; do
	if file -b "$f" | grep -qE 'ELF|ar archive'; then
		objcopy --strip-debug "$f" "$TMP/stripped" 2>/dev/null || cp "$f" "$TMP/stripped"
		strings -a "$TMP/stripped" | grep -qF "$root" && leaks="$leaks $f"
	elif grep -qF "$root" "$f"; then
		leaks="$leaks $f"
	fi
done < <(find "$prefix" -type f)
is "$leaks" "" "no installed file refers to the source tree"

# The fixture root for setup --dry-run, and what the build tree's teehost says about it.
fixture=laptop-sgx-disabled
"$hosts/build.sh" "$fixture" "$TMP/fixture" >/dev/null
run "$TEEHOST" setup --dry-run --root "$TMP/fixture" --cpuid "$hosts/$fixture/cpuid.txt"
want_setup=$out

# Kernel tree for `kernel config` (the cached Debian tree; extracting it is the slow part,
# and the normal build's run shows the data is found: the sanitizer build checks the listing).
tree=""
if [ "$san" = 0 ] && [ -r /usr/src/linux-source-6.12.tar.xz ]; then
	tree=$("$root/kernel/tree-cache.sh" 2>"$TMP/tree.err") || tree=""
fi

# exercise P WHERE [FULL]: run the installed tree at P end to end (FULL: kernel config on the
# real tree too; once is enough, it takes a minute).
exercise() {
	local p=$1 where=$2 full=${3:-} t=$1/bin/teehost
	run "$t" version
	is "$rc" 0 "$where: teehost version runs"
	run "$t" kernel config --help
	like "$out" "Profiles: .*sgx-host.*tdx-host" "$where: kernel config finds the installed profiles"
	if [ -n "$tree" ] && [ -n "$full" ]; then
		run "$t" kernel config --src "$tree" --profile sgx-host --out "$TMP/sgx-host.config"
		is "$rc" 0 "$where: kernel config --profile sgx-host on the Debian tree (probe built from share/teehost)"
		[ "$rc" = 0 ] || echo "# $err" | head -n 3
		grep -qx 'CONFIG_X86_SGX=y' "$TMP/sgx-host.config"; ok $? "$where: the config has CONFIG_X86_SGX=y"
		rm -f "$TMP/sgx-host.config"
	else
		skip "$where: kernel config on the Debian tree" \
			"run once, on the PREFIX install of the normal build, with linux-source-6.12"
	fi
	run "$t" sim -- "$t" run "$p/share/teehost/sample.elf"
	is "$rc" 0 "$where: teehost sim -- teehost run of the installed sample.elf"
	like "$out" "add 2 40 = 42" "$where: the installed sample enclave computes 2 + 40"
	run "$t" check --json
	ok $(( rc > 1 )) "$where: teehost check --json exits 0 or 1 (got $rc)"
	[ -n "$out" ] && printf '%s' "$out" | jq -e '.summary.pass >= 0' >/dev/null; ok $? "$where: check --json is JSON with a summary"
	run "$t" setup --dry-run --root "$TMP/fixture" --cpuid "$hosts/$fixture/cpuid.txt"
	is "$rc" 0 "$where: setup --dry-run --root exits 0"
	is "$out" "$want_setup" "$where: setup --dry-run gives what the build tree's teehost gives"
	like "$out" "90-teehost-sgx.rules" "$where: setup --dry-run would install the udev rules"

	# Programs against the installed headers and libraries, each library on its own.
	cat >"$TMP/use-teehost.c" <<'C'
#include <stdio.h>
#include <teehost/teehost.h>
int main(void) { const char *v = teehost_version(); if (!v || !*v) return 1; printf("%s\n", v); return 0; }
C
	cc $use_cflags -o "$TMP/use-teehost" "$TMP/use-teehost.c" -I"$p/include" -L"$p/lib" -lteehost \
		-Wl,-rpath,"$p/lib" 2>"$TMP/cc.err"
	ok $? "$where: a C program builds with -lteehost against the installed tree"
	run "$TMP/use-teehost"
	is "$rc:$out" "0:$("$t" version | grep -o '[^ ]*$')" "$where: it runs and gets teehost_version()"
	cat >"$TMP/use-common.c" <<'C'
#include <stdio.h>
#include <sgx_enclave_common.h>
/* No enclave type 0 exists: the library must say ENCLAVE_NOT_SUPPORTED or INVALID_PARAMETER. */
int main(void)
{
	uint32_t e = 0;
	void *b = enclave_create(NULL, 0x10000, 0, 0, NULL, 0, &e);
	printf("%p %#x features %#x\n", b, e, enclave_get_features());
	return b == NULL && (e == ENCLAVE_NOT_SUPPORTED || e == ENCLAVE_INVALID_PARAMETER) ? 0 : 1;
}
C
	# The drop-in is linked from its private directory, as a program opting in would.
	cc $use_cflags -o "$TMP/use-common" "$TMP/use-common.c" -I"$p/include/teehost" \
		-L"$p/lib/teehost" -lsgx_enclave_common -Wl,-rpath,"$p/lib/teehost" 2>"$TMP/cc.err"
	ok $? "$where: a C program builds with -lsgx_enclave_common against the installed tree"
	run "$TMP/use-common"
	is "$rc" 0 "$where: it runs: enclave_create refuses enclave type 0 ($out)"
	ldd "$TMP/use-common" | grep -q "$p/lib/teehost/libsgx_enclave_common.so.1"
	ok $? "$where: it loaded the installed lib/teehost/libsgx_enclave_common.so.1"
	# pkg-config, with the prefix taken from where the .pc file now is (the tree moved).
	flags=$(PKG_CONFIG_PATH="$p/lib/pkgconfig" PKG_CONFIG_LIBDIR= pkg-config --define-prefix \
		--cflags --libs libteehost 2>"$TMP/pc.err")
	ok $? "$where: pkg-config --cflags --libs libteehost ($flags)"
	# shellcheck disable=SC2086 # flags are words
	cc $use_cflags -o "$TMP/use-teehost" "$TMP/use-teehost.c" $flags -Wl,-rpath,"$p/lib" 2>"$TMP/cc.err"
	ok $? "$where: it builds with pkg-config's flags"
	run "$TMP/use-teehost"
	is "$rc" 0 "$where: and runs"

	# examples/enclave.c against the installed tree: open the installed sample, measure it,
	# sign it, load it and call it under the installed simulator.
	# shellcheck disable=SC2086 # flags are words
	cc $use_cflags -std=gnu11 -Wall -Wextra -Werror -o "$TMP/enclave" "$root/examples/enclave.c" \
		$flags -Wl,-rpath,"$p/lib" 2>"$TMP/cc.err"
	ok $? "$where: examples/enclave.c builds with pkg-config's flags, -Wall -Wextra -Werror"
	[ -s "$TMP/cc.err" ] && sed 's/^/# /' "$TMP/cc.err" | head -n 5
	ldd "$TMP/enclave" | grep -q "$p/lib/libteehost.so.0"
	ok $? "$where: the example loads the installed libteehost.so.0"
	run "$t" measure "$p/share/teehost/sample.elf"
	want_mr=$(printf '%s\n' "$out" | awk '$1 == "mrenclave" {print $2}')
	like "$want_mr" '^[0-9a-f]{64}$' "$where: teehost measure gives the sample's MRENCLAVE"
	run "$t" keygen "$TMP/example-signer.pem"
	is "$rc" 0 "$where: teehost keygen makes a throw-away signing key"
	for signer in "$TMP/example-signer.pem" ""; do
		what="signed with a key made by libteehost"
		[ -n "$signer" ] && what="signed with teehost keygen's key"
		run "$t" sim -- "$TMP/enclave" "$p/share/teehost/sample.elf" $signer
		is "$rc" 0 "$where: the example ($what) runs under teehost sim"
		[ "$rc" = 0 ] || echo "# $err" | head -n 5
		is "$(printf '%s\n' "$out" | awk '$1 == "mrenclave" {print $2}')" "$want_mr" \
			"$where: teehost_image_measure equals teehost measure ($what)"
		like "$out" "format elf" "$where: teehost_image_format says elf ($what)"
		like "$out" "loaded on the [a-z]+ driver, 2 TCS" "$where: teehost_enclave_load loaded it ($what)"
		like "$out" "add 2 40 = 42" "$where: the enclave answers add 2 40 = 42 ($what)"
	done
	# a missing input: the library returns -ENOENT and prints why
	run "$t" sim -- "$TMP/enclave" "$TMP/no-such.elf"
	is "$rc" 1 "$where: the example fails on a missing enclave"
	like "$err" "libteehost: teehost_image_open: $TMP/no-such.elf: " \
		"$where: libteehost printed why through its default print callback ($err)"
	rm -f "$TMP/use-teehost" "$TMP/use-common" "$TMP/enclave" "$TMP/example-signer.pem"
}

# --- PREFIX given only at install time, then the tree moved ---------------------------------
mv "$prefix" "$TMP/moved"
exercise "$TMP/moved" "PREFIX install moved" full

# --- DESTDIR staging, moved out of the stage ---------------------------------------------
make -s -C "$root" install SAN=$san BUILD="$BUILD" DESTDIR="$TMP/stage" PREFIX=/opt/teehost >"$TMP/stage.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/opt/teehost"
[ -x "$TMP/stage/opt/teehost/bin/teehost" ]; ok $? "DESTDIR staging honoured"
[ ! -e /opt/teehost ]; ok $? "nothing written to the real /opt/teehost"
mv "$TMP/stage/opt/teehost" "$TMP/elsewhere"
exercise "$TMP/elsewhere" "DESTDIR install moved"

done_testing
