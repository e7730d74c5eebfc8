#!/usr/bin/env bash
# libsgx_enclave_common.so.1 fed one page per call as Intel's urts feeds it, against one call
# per run through the same library in the same run (see bench/urts_pattern.c), on each driver.
#
# Then, when given Intel's build (never part of this repository), enclave creation through
# Intel's unmodified urts with teehost's library against Intel's libsgx_enclave_common: same
# simulator, same urts, same run. Each round runs both, in alternating order, as new
# processes; each process creates and destroys the enclave URTS_APP_CREATES times. Reported per
# enclave, as medians over the rounds with the median of the per-round ratios ours/Intel's:
# the first create's wall time (what a program pays: a cold process) and in how many rounds
# ours was no slower; the later creates' (warm); and the thread CPU time spent inside the
# library's create calls per create (bench/urts_calltime.so, preloaded: the library and the
# device work it asks for, without urts' own work or the neighbours). Variables:
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
	rm -f "$tmp.ct"
	JUDGE_DEBUG=$dbg LD_LIBRARY_PATH=$lib${URTS_URTS:+:$URTS_URTS}${URTS_LAUNCH:+:$URTS_LAUNCH} \
		LD_PRELOAD=$b/bench/urts_calltime.so URTS_CALLTIME_OUT=$tmp.ct \
		timeout 600 "$b/teehost" sim --driver "$d" --epc 2G -- "$URTS_APP" "${enclave[$n]}" \
		"$creates" >"$tmp" 2>/dev/null || true
	local bad secs lib_cpu
	bad=$(awk '/^RESULT create=/ { split($2, c, "="); if (c[2] != "0") { print c[2]; exit } }' "$tmp")
	secs=$(sed -n 's/^RESULT create=0 secs=\([^ ]*\).*/\1/p' "$tmp")
	if [ -n "$bad" ] || [ -z "$secs" ]; then
		echo "fail(${bad:-none})"
		return
	fi
	# CPU time inside the library's create calls, per create (bench/urts_calltime.c)
	lib_cpu=$(awk '/^CALLTIME/ { split($2, n, "="); split($3, c, "=")
		if (n[2] > 0) printf "%.6f", c[2] / n[2] }' "$tmp.ct" 2>/dev/null)
	echo "$(head -n 1 <<<"$secs") $(tail -n +2 <<<"$secs" | median) ${lib_cpu:-0}"
}
# the median of the numbers on stdin, one a line (0 for none)
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR == 0 ? 0 : NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
# Over the rounds of $tmp.rows (ours: first, warm, library CPU; then Intel's the same): the
# median of column C, the median of the per-round ratios A/B, the rounds where A <= B
col() { cut -d' ' -f"$1" "$tmp.rows" | median; }
ratio() { awk -v a="$1" -v b="$2" '{ print ($b > 0 ? $a / $b : 0) }' "$tmp.rows" | median; }
wins() { awk -v a="$1" -v b="$2" '$a <= $b { k++ } END { print k + 0 }' "$tmp.rows"; }
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.rows" "$tmp.ct"' EXIT
rounds=${URTS_APP_ROUNDS:-11}
for d in ${URTS_APP_DRIVERS:-kernel}; do
	echo "-- urts vs Intel ($d driver): $rounds rounds, alternating order, $creates creates a" \
		"process; sgx_create_enclave wall s; ratio = ours/Intel's"
	printf '%-14s %8s %8s %6s %6s | %8s %8s %6s | %8s %8s %6s %6s\n' enclave first Intel ratio \
		no-slwr warm Intel ratio lib-cpu Intel ratio no-slwr
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
		printf '%-14s %8.4f %8.4f %6.2f %3s/%-2s | %8.4f %8.4f %6.2f | %8.5f %8.5f %6.2f %3s/%-2s\n' \
			"$n" "$(col 1)" "$(col 4)" "$(ratio 1 4)" "$(wins 1 4)" "$rounds" \
			"$(col 2)" "$(col 5)" "$(ratio 2 5)" \
			"$(col 3)" "$(col 6)" "$(ratio 3 6)" "$(wins 3 6)" "$rounds"
	done
done
rm -f "$tmp.rows"
