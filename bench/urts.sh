#!/usr/bin/env bash
# libsgx_enclave_common.so.1 fed one page per call as Intel's urts feeds it, against one call
# per run through the same library in the same run (see bench/urts_pattern.c), on each driver.
#
# Then, when given Intel's build (never part of this repository), enclave creation through
# Intel's unmodified urts with teehost's library against Intel's libsgx_enclave_common, same
# simulator, same urts, same run, alternating, best of URTS_APP_ROUNDS wall times:
#   URTS_INTEL_COMMON  directory holding Intel's libsgx_enclave_common.so.1 (the baseline)
#   URTS_APP           a program linked against libsgx_urts: `APP ENCLAVE` calls
#                      sgx_create_enclave and prints `RESULT create=<status> secs=<seconds>`;
#                      JUDGE_DEBUG=0 asks it for a non-debug create (Intel-signed PCE/QE/PvE)
#   URTS_URTS          directory of libsgx_urts.so.2 when the app's rpath does not find it
#   URTS_APP_DRIVERS (kernel), URTS_APP_ROUNDS (3), URTS_ENCLAVES (names below)
set -e
b=${BUILD:-build}
v=$(cd "$(dirname "$0")/../../shared/vectors" 2>/dev/null && pwd || true)
export TEEHOST_LAUNCH_ENCLAVE=${TEEHOST_LAUNCH_ENCLAVE:-$v/ratel-psw/libsgx_le.signed.so}
for d in ${URTS_DRIVERS-kernel dcap isgx}; do
	echo "-- $d"
	LD_LIBRARY_PATH=$b "$b/teehost" sim --driver "$d" --epc 1G -- "$b/bench/urts_pattern" \
		"${URTS_MIB:-32}" "${URTS_ROUNDS:-3}"
done

if [ -z "${URTS_INTEL_COMMON:-}" ] || [ -z "${URTS_APP:-}" ]; then
	echo "-- urts vs Intel: skipped (set URTS_INTEL_COMMON and URTS_APP to compare with Intel's library)"
	exit 0
fi
if [ ! -e "$URTS_INTEL_COMMON/libsgx_enclave_common.so.1" ] || [ ! -x "$URTS_APP" ] || [ -z "$v" ]; then
	echo "-- urts vs Intel: skipped ($URTS_INTEL_COMMON/libsgx_enclave_common.so.1, $URTS_APP or ../shared/vectors missing)"
	exit 0
fi
declare -A enclave=(
	[SampleEnclave]=$v/terryxhx-mr-computation/sample-enclave.signed.so
	[TestEnclave]=$v/terryxhx-mr-computation/TestEnclave.signed.so
	[hashmachine]=$v/initc3-auditee/hashmachine/Enclave.signed.so
	[iot-gateway]=$v/initc3-auditee/iot-gateway/enclave.signed.so
	[sgx-hash]=$v/initc3-auditee/sgx-hash/Enclave.signed.so
	[PCE]=$v/ratel-psw/libsgx_pce.signed.so
	[QE]=$v/ratel-psw/libsgx_qe.signed.so
	[PvE]=$v/ratel-psw/libsgx_pve.signed.so
)
b=$(cd "$b" && pwd)
# one run: "<create wall s> <whole run CPU s (user+sys, simulator included)>", or "fail(<status>)"
create() {
	local lib=$1 d=$2 n=$3 dbg=1 out cpu TIMEFORMAT='%3U %3S'
	case $n in PCE|QE|PvE) dbg=0 ;; esac
	cpu=$( { time JUDGE_DEBUG=$dbg LD_LIBRARY_PATH=$lib${URTS_URTS:+:$URTS_URTS} \
		"$b/teehost" sim --driver "$d" -- "$URTS_APP" "${enclave[$n]}" >"$tmp" 2>/dev/null; } 2>&1 ) || true
	out=$(sed -n 's/^RESULT create=\([^ ]*\) secs=\([^ ]*\).*/\1 \2/p' "$tmp" | tail -n 1)
	case $out in
	"0 "*) echo "${out#0 } $(awk -v t="$cpu" 'BEGIN { split(t, a, " "); printf "%.3f", a[1] + a[2] }')" ;;
	*) echo "fail(${out%% *})" ;;
	esac
}
# the smaller of two results per field; a failure sticks
best() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ /fail/ || b ~ /fail/) { print (a ~ /fail/ ? a : b); exit }
		if (a == "") { print b; exit }
		split(a, x, " "); split(b, y, " ")
		printf "%s %s\n", (y[1] + 0 < x[1] + 0 ? y[1] : x[1]), (y[2] + 0 < x[2] + 0 ? y[2] : x[2]) }'
}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for d in ${URTS_APP_DRIVERS:-kernel}; do
	echo "-- urts vs Intel ($d driver): best of ${URTS_APP_ROUNDS:-3}, alternating;" \
		"create = sgx_create_enclave wall s, cpu = whole run user+sys s"
	printf '%-14s %9s %9s %7s | %9s %9s %7s\n' enclave create Intel ratio cpu Intel ratio
	for n in ${URTS_ENCLAVES:-SampleEnclave TestEnclave hashmachine iot-gateway sgx-hash PCE QE PvE}; do
		ours=; intel=
		for ((r = 0; r < ${URTS_APP_ROUNDS:-3}; r++)); do
			ours=$(best "$ours" "$(create "$b" "$d" "$n")")
			intel=$(best "$intel" "$(create "$URTS_INTEL_COMMON" "$d" "$n")")
		done
		awk -v n="$n" -v a="$ours" -v b="$intel" 'BEGIN {
			if (a ~ /fail/ || b ~ /fail/) { printf "%-14s %s / %s\n", n, a, b; exit }
			split(a, x, " "); split(b, y, " ")
			printf "%-14s %9.3f %9.3f %7.2f | %9.3f %9.3f %7.2f\n", n, x[1], y[1],
				(y[1] > 0 ? x[1] / y[1] : 0), x[2], y[2], (y[2] > 0 ? x[2] / y[2] : 0) }'
	done
done
