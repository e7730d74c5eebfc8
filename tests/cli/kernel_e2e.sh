#!/usr/bin/env bash
# End to end (make check-kernel): a tiny SGX kernel from Debian's 6.12 source goes
# config -> build (bindeb-pkg, tarball, manifest) -> boot-test under QEMU and passes;
# a tiny kernel built without X86_SGX fails the boot verdict when SGX is expected.
# Two tiny builds: several minutes on 2 cores, so plain `make check` skips it unless
# TEEHOST_KERNEL_E2E=1 (CI sets it); then it runs once, against the normal build.
source "$(dirname "$0")/../lib.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

if [ "${TEEHOST_KERNEL_E2E:-}" != 1 ]; then
	skip "tiny kernel build -> package -> boot-test" "takes minutes: run 'make check-kernel'"
	done_testing
	exit 0
fi
case $BUILD in
*-san)
	skip "tiny kernel build -> package -> boot-test" "runs once, with the normal build"
	done_testing
	exit 0 ;;
esac
tarball=/usr/src/linux-source-6.12.tar.xz
if [ ! -r "$tarball" ] || ! command -v qemu-system-x86_64 >/dev/null || [ ! -x /bin/busybox ]; then
	skip "tiny kernel build -> package -> boot-test" "needs linux-source-6.12, qemu-system-x86, busybox-static (make deps)"
	done_testing
	exit 0
fi
tree=$("$_lib_root/kernel/tree-cache.sh" "$tarball") || { ok 1 "extract $tarball"; done_testing; exit 1; }
recipe=$_lib_root/kernel/recipes/tiny-sgx.recipe
jobs=${JOBS:-2}
cd "$TMP" || exit 1

# --- the SGX kernel ---------------------------------------------------------------------
run "$TEEHOST" kernel config --recipe "$recipe" --src "$tree" --out "$TMP/tiny.config"
is "$rc" 0 "config: tinyconfig + sgx-host + boot-test, all options stick"
# A one-patch series (documentation only, so vmlinuz stays comparable across runs).
mkdir -p "$TMP/series"
cat >"$TMP/series/0001-teehost-e2e.patch" <<'PATCH'
--- a/README
+++ b/README
@@ -1,3 +1,4 @@
+Patched by teehost's end-to-end test.
 Linux kernel
 ============
 
PATCH
head -n 3 "$tree/README" | cmp -s - <(printf 'Linux kernel\n============\n\n') ||
	echo "# note: $tree/README does not start as the test patch expects"
echo 0001-teehost-e2e.patch >"$TMP/series/series"
t0=$(date +%s)
run "$TEEHOST" kernel build --recipe "$recipe" --src "$tree" --config "$TMP/tiny.config" \
	--series "$TMP/series/series" --out "$TMP/sgx" --jobs "$jobs" --epoch 1700000000
is "$rc" 0 "build: exit 0"
[ "$rc" = 0 ] || echo "# $err"
echo "# build took $(( $(date +%s) - t0 )) s"
rel=$(jq -r .kernel_release sgx/manifest.json)
# The release the tree must give, from its input (the Makefile's version lines and the
# config's LOCALVERSION), as the kernel's KERNELRELEASE is made: never a literal.
mk_var() { sed -n "s/^$1[[:space:]]*=[[:space:]]*//p" "$tree/Makefile" | head -n 1; }
want_rel="$(mk_var VERSION).$(mk_var PATCHLEVEL).$(mk_var SUBLEVEL)$(mk_var EXTRAVERSION)"
want_rel+=$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"$/\1/p' "$TMP/tiny.config")
echo "# release from $tree/Makefile: $want_rel"
is "$rel" "$want_rel" "manifest: kernel release (the tree's Makefile says $want_rel)"
ls sgx/linux-image-"$rel"_*.deb >/dev/null; ok $? "a linux-image .deb"
[ -s "sgx/linux-$rel.tar.gz" ]; ok $? "a tarball"
is "$(tar -tzf "sgx/linux-$rel.tar.gz" | grep -c -E '^\./boot/(vmlinuz|System\.map|config)-')" 3 \
	"tarball: vmlinuz, System.map, config"
tar -tzf "sgx/linux-$rel.tar.gz" | grep -q 'kvm-intel.ko$'; ok $? "tarball: modules"
is "$(jq -r '.tee_options[] | select(.name=="X86_SGX") | .final' sgx/manifest.json)" y "manifest: X86_SGX final y"
is "$(jq -r '.recipe.path' sgx/manifest.json)" "$recipe" "manifest: recipe recorded"
is "$(jq -r '.patches[0].name' sgx/manifest.json)" "0001-teehost-e2e.patch" "manifest: the patch"
is "$(jq -r '.patches[0].sha256' sgx/manifest.json)" \
	"$(sha256sum "$TMP/series/0001-teehost-e2e.patch" | cut -d' ' -f1)" "manifest: the patch's sha256"
grep -q 'Patched by teehost' "$tree/README"; [ $? -ne 0 ]; ok $? "the cached base tree was not modified"
like "$(jq -r .compiler sgx/manifest.json)" "gcc" "manifest: compiler"
is "$(jq -r .source_date_epoch sgx/manifest.json)" 1700000000 "manifest: SOURCE_DATE_EPOCH"
bad=0
while read -r name sum; do
	[ -f "sgx/$name" ] || continue
	[ "$(sha256sum "sgx/$name" | cut -d' ' -f1)" = "$sum" ] || bad=1
done < <(jq -r '.artifacts[] | "\(.name) \(.sha256)"' sgx/manifest.json)
is "$bad" 0 "manifest: artifact sha256 sums match the files"
run "$TEEHOST" kernel boot-test "$TMP/sgx" --accel tcg --json
is "$rc" 0 "boot-test of the SGX kernel: pass"
is "$(printf '%s' "$out" | jq -r .verdict)" pass "boot-test --json: verdict pass"
secs=$(printf '%s' "$out" | jq -r .seconds)
echo "# boot-test seconds to verdict: $secs"
like "$(printf '%s' "$out" | jq -r '.checks[].text')" "SGX: present-and-unsupported" \
	"guest saw SGX built in and unsupported (QEMU)"
like "$(printf '%s' "$out" | jq -r '.checks[].text')" "release ${want_rel//./\\.} \(as built\)" "guest checked the release"

# Keep the SGX kernel for bench/kernel.sh (boot-test seconds to verdict).
rm -rf "$BUILD/kernel-e2e" && mkdir -p "$BUILD/kernel-e2e" && cp -r "$TMP/sgx" "$BUILD/kernel-e2e/sgx"

# --- a kernel without X86_SGX must fail when SGX is expected ---------------------------
run "$TEEHOST" kernel config --src "$tree" --base tinyconfig --profile boot-test --out "$TMP/nosgx.config"
is "$rc" 0 "config without the SGX profile"
grep -q '^CONFIG_X86_SGX=y' nosgx.config; [ $? -ne 0 ]; ok $? "that config has no X86_SGX"
run "$TEEHOST" kernel build --src "$tree" --config "$TMP/nosgx.config" --profile boot-test \
	--out "$TMP/nosgx" --jobs "$jobs" --epoch 1700000000
is "$rc" 0 "build without SGX: exit 0"
run "$TEEHOST" kernel boot-test "$TMP/nosgx" --accel tcg --profile sgx-host
is "$rc" 1 "boot-test of a kernel without X86_SGX, SGX expected: FAIL"
like "$out" "verdict: FAIL" "verdict says FAIL"
like "$err" "^teehost: $TMP/nosgx: boot-test: CONFIG_.*: asked .*, the running kernel has n" \
	"one-line error names a missing option"
like "$out" "FAIL CONFIG_X86_SGX: asked y, the running kernel has n" "the guest found X86_SGX off"

done_testing
