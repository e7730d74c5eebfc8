#!/usr/bin/env bash
# teehost kernel series on the real tree (TEEHOST_KERNEL_E2E=1; CI sets it): Debian's
# linux-source-6.12 as the base (no git history), (a) patches whose change the tree
# already has -> status calls them all upstream, (b) a small TEE series of our own ->
# applies, (c) bisect finds the deliberately bad patch 11 of a 16-patch series on the tiny
# SGX kernel in at most 5 builds, all in one object tree, (d) bisect --test CMD runs CMD
# inside the booted guest (QEMU + busybox) and finds the patch that changes what the guest
# sees, starting from (c)'s object tree. One cold tiny build (c's first step); every other
# step recompiles the few files the patches touch and relinks.
source "$(dirname "$0")/../lib.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

if [ "${TEEHOST_KERNEL_E2E:-}" != 1 ]; then
	skip "kernel series end to end" "tiny kernel builds take minutes: set TEEHOST_KERNEL_E2E=1 (CI does)"
	done_testing
	exit 0
fi
case $BUILD in
*-san)
	skip "kernel series end to end" "runs once, with the normal build"
	done_testing
	exit 0 ;;
esac
if [ ! -r /usr/src/linux-source-6.12.tar.xz ] || ! command -v git >/dev/null ||
	! command -v qemu-system-x86_64 >/dev/null || [ ! -x /bin/busybox ]; then
	skip "kernel series end to end" "needs linux-source-6.12, git, qemu-system-x86, busybox-static (make deps)"
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
# One bisect work directory for (c) and (d), kept in the cache like the extracted tree
# (removed by hand or with the cache): a cold tiny build the first time, then every run,
# here and in (d), starts from its object tree.
bw=${XDG_CACHE_HOME:-$HOME/.cache}/teehost/series-e2e-bisect
mkdir -p "$bw"
start=$(date +%s)
run "$TEEHOST" kernel series bisect "$TMP/b16s/series" --onto "$tree" --jobs "$(nproc)" \
	--workdir "$bw" --json
echo "# bisect of 16 patches: $(( $(date +%s) - start )) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
is "$rc" 1 "bisect: exit 1 (a culprit)"
[ "$rc" = 1 ] || echo "# $err"
is "$(jq -r '.culprit.index' <<<"$out")" 11 "bisect: patch 11 is the first bad one"
is "$(jq -r '.culprit.subject' <<<"$out")" "x86/sgx: bisect step 11" "bisect: with its subject"
like "$(jq -r '.culprit.evidence' <<<"$out")" "^build exited [0-9]+: .*/$sgx/ioctl\.c:[0-9]+:[0-9]+: error: " \
	"bisect: the compiler's error in patch 11's file is the evidence"
n=$(jq -r '.steps | length' <<<"$out")
[ "$n" -le 5 ]; ok $? "bisect: $n builds <= 5"
echo "# step seconds (patches applied: seconds): $(jq -r '[.steps[] | "\(.applied):\(.seconds | floor)"] | join(" ")' <<<"$out")"
# From step 3 on every step is incremental: make finds the object tree up to date except
# for what the patches in between touch, so it compiles only SGX files (and the version
# stamps and bzImage's boot code every link redoes; step 1 stops at
# the broken patch, so on a cold cache step 2 still finishes the first build).
for i in $(seq 3 "$n"); do
	grep -E '^  CC ' "$bw/step-$i.log" | grep -v -E "$sgx/|init/version|kernel/configs|arch/x86/boot/"
done >"$TMP/other-cc"
is "$(cat "$TMP/other-cc")" "" "bisect: steps 3-$n compile only the files the patches touch"

# (d) --test CMD runs inside the booted guest: patch 3 of 4 adds a line to /proc/version.
# On the host the command passes at every step (its /proc/version lacks the line, and
# its CPU is no QEMU one); only a guest running each step's kernel tells them apart.
mkrepo "$TMP/g4" fs/proc/version.c
v=$TMP/g4/fs/proc/version.c
for i in 1 2 3 4; do
	if [ "$i" = 3 ]; then
		sed -i '/^static int version_proc_show/,/^}/s/^\treturn 0;$/\tseq_puts(m, "teehost-bisect-bad\\n");\n&/' "$v"
		grep -q teehost-bisect-bad "$v"; ok $? "guest series: patch 3 changes /proc/version"
	else
		echo "/* teehost guest bisect $i */" >>"$v"
	fi
	git -C "$TMP/g4" commit -qam "proc: guest bisect step $i"
done
git -C "$TMP/g4" format-patch -q -o "$TMP/g4s" HEAD~4..HEAD
(cd "$TMP/g4s" && ls *.patch) >"$TMP/g4s/series"
start=$(date +%s)
run "$TEEHOST" kernel series bisect "$TMP/g4s/series" --onto "$tree" --jobs "$(nproc)" \
	--workdir "$bw" --test 'grep -q QEMU /proc/cpuinfo || exit 3; cat /proc/version; ! grep -q teehost-bisect-bad /proc/version' --json
echo "# bisect --test CMD of 4 patches: $(( $(date +%s) - start )) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
is "$rc" 1 "bisect --test CMD: exit 1 (a culprit)"
[ "$rc" = 1 ] || echo "# $err"
is "$(jq -r '.culprit.index' <<<"$out")" 3 "bisect --test CMD in the guest: patch 3 is the first bad one"
is "$(jq -r '.culprit.evidence' <<<"$out")" "test exited 1 in the guest: teehost-bisect-bad" \
	"bisect --test CMD: the guest's output is the evidence"
is "$(jq -r '[.steps[] | select(.passed) | .applied] | join(",")' <<<"$out")" 2 \
	"bisect --test CMD: the guest passed with 2 patches (and failed with 4 and 3)"
echo "# step seconds (patches applied: seconds): $(jq -r '[.steps[] | "\(.applied):\(.seconds | floor)"] | join(" ")' <<<"$out")"
# The kept object tree was built with (c)'s SGX patches: the fresh tree has those files
# back as in the base, and make must recompile them rather than keep (c)'s objects.
grep -q -E "^  CC .*$sgx/main.o" "$bw/step-1.log"
ok $? "bisect --workdir: files an earlier run patched are recompiled from the base"

done_testing
