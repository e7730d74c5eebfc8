#!/usr/bin/env bash
# teehost kernel series on the real tree (TEEHOST_KERNEL_E2E=1; CI sets it): Debian's
# linux-source-6.12 as the base (no git history), (a) patches whose change the tree
# already has -> status calls them all upstream, (b) a small TEE series of our own ->
# applies, (c) bisect finds the deliberately bad patch 11 of a 16-patch series on the tiny
# SGX kernel in at most 5 builds, all in one object tree.
source "$(dirname "$0")/../lib.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

if [ "${TEEHOST_SERIES_E2E:-0}" != 1 ]; then
	skip "kernel series end to end" "not yet verified end to end: set TEEHOST_SERIES_E2E=1 (slow: tiny kernel builds)"
	done_testing
	exit 0
fi
case $BUILD in
*-san)
	skip "kernel series end to end" "runs once, with the normal build"
	done_testing
	exit 0 ;;
esac
if [ ! -r /usr/src/linux-source-6.12.tar.xz ] || ! command -v git >/dev/null; then
	skip "kernel series end to end" "linux-source-6.12 or git not installed"
	done_testing
	exit 0
fi
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=$TMP GIT_AUTHOR_NAME=t \
	GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
tree=$("$_lib_root/kernel/tree-cache.sh")
ok $? "base: linux-source-6.12 at $tree"
sgx=arch/x86/kernel/cpu/sgx

# A scratch repository holding copies of FILES at their tree paths, for making patches.
mkrepo() { # DIR FILE...
	local d=$1 f; shift
	mkdir -p "$d"
	for f in "$@"; do mkdir -p "$d/$(dirname "$f")" && cp "$tree/$f" "$d/$f"; done
	git -C "$d" init -q && git -C "$d" add -A && git -C "$d" commit -qm base
}

# (a) Upstream-only patches already in the tree: each adds back a line the tree has
# (made by removing it in a copy and diffing towards the tree).
files=$(cd "$tree" && ls $sgx/*.c | head -n 6)
# shellcheck disable=SC2086
mkrepo "$TMP/up" $files
for f in $files; do
	sed -i '20d' "$TMP/up/$f" && git -C "$TMP/up" commit -qam "drop a line of $f"
done
nf=$(echo $files | wc -w)
git -C "$TMP/up" revert --no-edit "HEAD~$nf..HEAD" >/dev/null
git -C "$TMP/up" format-patch -q -o "$TMP/debian" "HEAD~$nf..HEAD"
(cd "$TMP/debian" && ls *.patch) >"$TMP/debian/series"
run "$TEEHOST" kernel series status "$TMP/debian/series" --onto "$tree" --json
is "$(jq -r .summary <<<"$out")" "$nf of $nf patches already upstream in $tree, 0 still needed, 0 conflict" \
	"upstream-only patches: all already in the base"
is "$(jq -r '[.patches[].method] | unique | join(",")' <<<"$out")" "git apply -R --check (reverse-apply)" \
	"decided by reverse-apply (the tree has no history)"

# (b) Our own TEE series: a message and a comment in the SGX driver.
mkrepo "$TMP/tee" $sgx/main.c $sgx/driver.c
sed -i '0,/^static int __init sgx_init(void)/s//\/* teehost: SGX init *\/\n&/' "$TMP/tee/$sgx/main.c"
git -C "$TMP/tee" commit -qam "x86/sgx: mark sgx_init"
echo '/* teehost: driver */' >>"$TMP/tee/$sgx/driver.c"
git -C "$TMP/tee" commit -qam "x86/sgx: mark the driver"
git -C "$TMP/tee" format-patch -q -o "$TMP/teeseries" HEAD~2..HEAD
(cd "$TMP/teeseries" && ls *.patch) >"$TMP/teeseries/series"
run "$TEEHOST" kernel series status "$TMP/teeseries/series" --onto "$tree"
is "$rc" 0 "TEE series: status exit 0"
like "$out" "0 of 2 patches already upstream in $tree, 2 still needed, 0 conflict" "TEE series: both needed"

# (c) 16 patches on files the tiny SGX kernel compiles; patch 11 does not compile.
mkrepo "$TMP/b16" $sgx/main.c $sgx/encl.c $sgx/ioctl.c $sgx/driver.c
set -- main.c encl.c ioctl.c driver.c
for i in $(seq 1 16); do
	f=$TMP/b16/$sgx/$(eval echo "\${$(( (i - 1) % 4 + 1 ))}")
	if [ "$i" = 11 ]; then echo "teehost_bisect_bad_patch $i;" >>"$f"; else echo "/* teehost bisect $i */" >>"$f"; fi
	git -C "$TMP/b16" commit -qam "x86/sgx: bisect step $i"
done
git -C "$TMP/b16" format-patch -q -o "$TMP/b16s" HEAD~16..HEAD
(cd "$TMP/b16s" && ls *.patch) >"$TMP/b16s/series"
start=$(date +%s)
run "$TEEHOST" kernel series bisect "$TMP/b16s/series" --onto "$tree" --jobs "$(nproc)" --json
echo "# bisect of 16 patches: $(( $(date +%s) - start )) s"
is "$(jq -r '.culprit.index' <<<"$out")" 11 "bisect: patch 11 is the first bad one"
is "$(jq -r '.culprit.subject' <<<"$out")" "x86/sgx: bisect step 11" "bisect: with its subject"
like "$(jq -r '.culprit.evidence' <<<"$out")" "error" "bisect: the compiler's error is the evidence"
n=$(jq -r '.steps | length' <<<"$out")
[ "$n" -le 5 ]; ok $? "bisect: $n builds <= 5"
step_secs=$(jq -r '[.steps[].seconds | floor | tostring] | join(",")' <<<"$out")
echo "# step seconds: $step_secs"

done_testing
