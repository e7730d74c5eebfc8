#!/usr/bin/env bash
# bench/series: (1) `teehost kernel series status` of a 100-patch series on Debian's
# linux-source-6.12 tree against a plain `git apply --check` loop over the same patches in
# the same tree, same run: ratio, target <= 1.5x. (2) `compose` of two 50-patch series (both
# orders, same-lines pairs) against one `status` of the 100 patches: target <= 3x.
# The patches each change one line of a different file (generated here with
# git diff --no-index). Median of $RUNS (default 3) runs each.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
teehost=$BUILD/teehost
runs=${RUNS:-3}
if [ ! -r /usr/src/linux-source-6.12.tar.xz ]; then
	echo "bench/series: skipped: linux-source-6.12 not installed"
	exit 0
fi
tree=$("$root/kernel/tree-cache.sh") || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/teehost-bench-series.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

mkdir -p "$tmp/all" "$tmp/a" "$tmp/b" "$tmp/x"
i=0
for f in $(cd "$tree" && ls drivers/net/ethernet/intel/*/*.c | head -n 100); do
	i=$((i + 1))
	n=$(printf %04d $i)
	mkdir -p "$tmp/x/a/$(dirname "$f")" "$tmp/x/b/$(dirname "$f")"
	cp "$tree/$f" "$tmp/x/a/$f"
	sed '3s/$/ \/* teehost bench *\//' "$tree/$f" >"$tmp/x/b/$f"
	(cd "$tmp/x" && git diff --no-index --no-prefix "a/$f" "b/$f") >"$tmp/all/$n.patch"
	if [ $i -le 50 ]; then cp "$tmp/all/$n.patch" "$tmp/a/"; else cp "$tmp/all/$n.patch" "$tmp/b/"; fi
done
for d in all a b; do (cd "$tmp/$d" && ls *.patch) >"$tmp/$d/series"; done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
loop() { cd "$tree" && for p in "$tmp"/all/*.patch; do git apply --check "$p" || return 1; done; }
status() { "$teehost" kernel series status "$tmp/all/series" --onto "$tree"; }
compose() { "$teehost" kernel series compose "$tmp/a/series" "$tmp/b/series" --onto "$tree"; }

status >"$tmp/status.out" 2>&1 || { tail -3 "$tmp/status.out"; echo "bench/series: status failed" >&2; exit 1; }
base=$(for _ in $(seq "$runs"); do secs loop; done | median)
st=$(for _ in $(seq "$runs"); do secs status; done | median)
co=$(for _ in $(seq "$runs"); do secs compose; done | median)
printf 'bench/series: git apply --check loop (100 patches) %.2f s, status %.2f s: ratio %.2f (target <= 1.5)\n' \
	"$base" "$st" "$(echo "$st / $base" | bc -l)"
printf 'bench/series: compose 2 x 50 patches %.2f s, one status of 100 %.2f s: ratio %.2f (target <= 3)\n' \
	"$co" "$st" "$(echo "$co / $st" | bc -l)"
