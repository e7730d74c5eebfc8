#!/usr/bin/env bash
# bench/kernel: (1) `teehost kernel config` (Debian's config + every profile, the proof
# included) against a bare `make olddefconfig` of the same config on the same tree, both
# from a fresh O= directory (so both build the tree's conf), in the same run: ratio,
# target <= 2x. (2) boot-test seconds to verdict under TCG for the tiny SGX kernel that
# `make check-kernel` built (target <= 3 s); skipped when there is none.
# Median of $RUNS (default 3) runs each.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac
teehost=$BUILD/teehost
export TEEHOST_DATADIR=$root/kernel
runs=${RUNS:-3}
debian=/usr/src/linux-config-6.12/config.amd64_none_amd64.xz
if [ ! -r /usr/src/linux-source-6.12.tar.xz ] || [ ! -r "$debian" ]; then
	echo "bench/kernel: skipped: linux-source-6.12 / linux-config-6.12 not installed"
	exit 0
fi
tree=$("$root/kernel/tree-cache.sh") || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/teehost-bench-kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
xz -dc "$debian" >"$tmp/debian.config"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "bench/kernel: failed: $*" >&2; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

bare() { rm -rf "$tmp/o" && mkdir "$tmp/o" && cp "$tmp/debian.config" "$tmp/o/.config" &&
	make -s -C "$tree" O="$tmp/o" olddefconfig; }
tool() { "$teehost" kernel config --src "$tree" --base "$tmp/debian.config" --profile sgx-host \
	--profile sev-snp-host --profile snp-guest --profile tdx-guest --profile tdx-host \
	--out "$tmp/out.config"; }

: >"$tmp/bare"; : >"$tmp/tool"
for _ in $(seq "$runs"); do
	secs bare >>"$tmp/bare"
	secs tool >>"$tmp/tool"
done
b=$(median <"$tmp/bare"); t=$(median <"$tmp/tool")
printf 'kernel config (Debian + 5 profiles + proof): %.2f s; bare make olddefconfig: %.2f s; ratio %.2fx (target <= 2x)\n' \
	"$t" "$b" "$(echo "$t / $b" | bc -l)"

art=${KERNEL_ARTIFACT:-$BUILD/kernel-e2e/sgx}
if [ -f "$art/manifest.json" ]; then
	: >"$tmp/boot"
	for _ in $(seq "$runs"); do
		"$teehost" kernel boot-test "$art" --accel tcg --json 2>/dev/null | jq -r .seconds >>"$tmp/boot"
	done
	printf 'kernel boot-test (tiny SGX kernel, TCG): %.2f s to verdict (target <= 3 s)\n' "$(median <"$tmp/boot")"
else
	echo "kernel boot-test: skipped: no tiny kernel at $art (run make check-kernel first)"
fi
