#!/usr/bin/env bash
# libsgx_enclave_common.so.1 fed one page per call as Intel's urts feeds it, against one call
# per run through the same library in the same run (see bench/urts_pattern.c), on each driver.
#
# Then, when given Intel's build (never part of this repository), enclave creation through
# Intel's unmodified urts with teehost's library against Intel's libsgx_enclave_common: same
# simulator, same urts, same run. Each round runs both, in alternating order, as new
# processes; each process creates and destroys the enclave URTS_APP_CREATES times. Reported per
# enclave: the medians of the first create (what a program pays: a cold process), the median
# of the per-round ratios ours/Intel's and in how many rounds ours was no slower, and the
# medians of the later creates in the same process (warm). Variables:
#   URTS_INTEL_COMMON  directory holding Intel's libsgx_enclave_common.so.1 (the baseline)
#   URTS_APP           a program linked against libsgx_urts: `APP ENCLAVE [COUNT]` calls
#                      sgx_create_enclave and sgx_destroy_enclave COUNT times (default 1) and
#                      prints `RESULT create=<status> secs=<seconds>` for each create;
#                      JUDGE_DEBUG=0 asks it for a non-debug create (Intel-signed PCE/QE/PvE)
#   URTS_URTS          directory of libsgx_urts.so.2 when the app's rpath does not find it
#   URTS_LAUNCH        directory of a libsgx_launch.so.1 (AESM's client, or a stand-in) that
#                      both libraries use for isgx launch tokens; Intel's needs one on isgx
#   URTS_APP_DRIVERS (kernel), URTS_APP_ROUNDS (11), URTS_APP_CREATES (4),
#   URTS_ENCLAVES (names below)
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
creates=${URTS_APP_CREATES:-4}
# one process: "<first create s> <median of the later creates s>", or "fail(<status>)"
run_app() {
	local lib=$1 d=$2 n=$3 dbg=1
	case $n in PCE|QE|PvE) dbg=0 ;; esac
	JUDGE_DEBUG=$dbg LD_LIBRARY_PATH=$lib${URTS_URTS:+:$URTS_URTS}${URTS_LAUNCH:+:$URTS_LAUNCH} \
		timeout 600 "$b/teehost" sim --driver "$d" --epc 2G -- "$URTS_APP" "${enclave[$n]}" \
		"$creates" >"$tmp" 2>/dev/null || true
	local bad first
	bad=$(awk '/^RESULT create=/ { split($2, c, "="); if (c[2] != "0") { print c[2]; exit } }' "$tmp")
	first=$(sed -n 's/^RESULT create=0 secs=\([^ ]*\).*/\1/p' "$tmp" | head -n 1)
	if [ -n "$bad" ] || [ -z "$first" ]; then
		echo "fail(${bad:-none})"
		return
	fi
	echo "$first $(sed -n 's/^RESULT create=0 secs=\([^ ]*\).*/\1/p' "$tmp" | tail -n +2 | median)"
}
# the median of the numbers on stdin, one a line (0 for none)
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR == 0 ? 0 : NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.rows"' EXIT
rounds=${URTS_APP_ROUNDS:-11}
for d in ${URTS_APP_DRIVERS:-kernel}; do
	echo "-- urts vs Intel ($d driver): $rounds rounds, alternating order, $creates creates a" \
		"process; sgx_create_enclave wall s; ratio = ours/Intel's"
	printf '%-14s %9s %9s %7s %6s | %9s %9s %7s\n' enclave first Intel ratio no-slower warm Intel ratio
	for n in ${URTS_ENCLAVES:-SampleEnclave TestEnclave hashmachine iot-gateway sgx-hash PCE QE PvE}; do
		fail= ; : >"$tmp.rows"
		for ((r = 0; r < rounds; r++)); do
			if ((r % 2)); then
				i=$(run_app "$URTS_INTEL_COMMON" "$d" "$n"); o=$(run_app "$b" "$d" "$n")
			else
				o=$(run_app "$b" "$d" "$n"); i=$(run_app "$URTS_INTEL_COMMON" "$d" "$n")
			fi
			case "$o $i" in *fail*) fail="$o / $i"; break ;; esac
			echo "$o $i" >>"$tmp.rows"
		done
		if [ -n "$fail" ]; then
			printf '%-14s %s\n' "$n" "ours / Intel's: $fail"
			continue
		fi
		of=$(cut -d' ' -f1 "$tmp.rows" | median); ow=$(cut -d' ' -f2 "$tmp.rows" | median)
		if_=$(cut -d' ' -f3 "$tmp.rows" | median); iw=$(cut -d' ' -f4 "$tmp.rows" | median)
		ratio=$(awk '{ print ($3 > 0 ? $1 / $3 : 0) }' "$tmp.rows" | median)
		wins=$(awk '$1 <= $3 { k++ } END { print k + 0 }' "$tmp.rows")
		awk -v n="$n" -v of="$of" -v if_="$if_" -v r="$ratio" -v k="$wins/$rounds" -v ow="$ow" \
			-v iw="$iw" 'BEGIN { printf "%-14s %9.4f %9.4f %7.2f %6s | %9.4f %9.4f %7.2f\n",
				n, of, if_, r, k, ow, iw, (iw > 0 ? ow / iw : 0) }'
	done
done
rm -f "$tmp.rows"
