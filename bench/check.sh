#!/usr/bin/env bash
# bench/check.sh: `teehost check` on this machine against `cat /proc/cpuinfo`, in the same run.
# Both are run N times (default 200) back to back; prints the mean wall time of each and the
# ratio. The issue's budget: teehost check finishes in under 50 ms.
set -eu
BUILD=${BUILD:-build}
T="$BUILD/teehost"
N=${N:-200}

time_loop() { # prints mean microseconds of N runs of "$@"
	local t0 t1
	t0=${EPOCHREALTIME/./}
	for ((i = 0; i < N; i++)); do "$@" >/dev/null; done
	t1=${EPOCHREALTIME/./}
	echo $(( (t1 - t0) / N ))
}

"$T" check >/dev/null || true          # warm the page cache for both
cat /proc/cpuinfo >/dev/null
base=$(time_loop cat /proc/cpuinfo)
check=$(time_loop "$T" check)
json=$(time_loop "$T" check --json)
fmt() { printf '%d.%03d ms' $(( $1 / 1000 )) $(( $1 % 1000 )); }
echo "cat /proc/cpuinfo:     $(fmt "$base") per run ($N runs)"
echo "teehost check:         $(fmt "$check") per run, $(awk -v a="$check" -v b="$base" 'BEGIN { printf "%.2f", a / b }')x cat"
echo "teehost check --json:  $(fmt "$json") per run, $(awk -v a="$json" -v b="$base" 'BEGIN { printf "%.2f", a / b }')x cat"
if [ "$check" -ge 50000 ]; then
	echo "bench/check: over the 50 ms budget" >&2
	exit 1
fi
