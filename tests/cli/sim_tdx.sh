#!/bin/bash
# teehost sim --tdx-guest: /dev/tdx_guest for a static program (seccomp user notification), the
# kernel's errno rules for TDX_CMD_GET_REPORT0, the TDREPORT's fields and MAC binding.
source "$(dirname "$0")/../lib.sh"
CLIENT=$BUILD/tests/tdx-client
export TEEHOST_SIM_STATE_DIR=$TMP/state

run "$TEEHOST" sim --tdx-guest -- /bin/true
if [ "$rc" -ne 0 ] && grep -q "seccomp" <<<"$err"; then
	skip "sim --tdx-guest" "no seccomp user notification here: $err"
	done_testing
	exit
fi
is "$rc" 0 "sim --tdx-guest runs a program"
run "$TEEHOST" sim --tdx-guest -- /bin/sh -c 'exit 9'
is "$rc" 9 "PROGRAM's exit status is sim's"

run "$TEEHOST" sim --tdx-guest -- "$CLIENT" errnos
is "$rc" 0 "static client opens /dev/tdx_guest"
like "$out" "ok 0" "TDX_CMD_GET_REPORT0 succeeds"
like "$out" "null_arg 14" "NULL argument: EFAULT"
like "$out" "unmapped_arg 14" "unmapped argument: EFAULT"
like "$out" "readonly_tdreport 14" "TDREPORT not writable: EFAULT"
like "$out" "other_cmd 25" "another 'T' command: ENOTTY"
like "$out" "snp_cmd_on_tdx 25" "an SEV-SNP ioctl on /dev/tdx_guest: ENOTTY"
run "$TEEHOST" sim --snp-guest -- "$CLIENT" errnos
like "$err" "/dev/tdx_guest: No such file" "--snp-guest does not present /dev/tdx_guest"

MRTD=$(printf 'a1%.0s' {1..48})
run "$TEEHOST" sim --tdx-guest --mrtd "$MRTD" --rtmr 2:ccdd --mrconfigid 11 --debug -- \
	"$CLIENT" report 0102 "$TMP/td.bin"
is "$rc" 0 "TDREPORT through the ioctl"
is "$(stat -c %s "$TMP/td.bin")" 1024 "TDREPORT is 1024 bytes"
hexat() { od -An -tx1 -v -j"$2" -N"$3" "$1" | tr -d ' \n'; }
is "$(hexat "$TMP/td.bin" 0 1)" 81 "REPORTTYPE.TYPE 0x81 (TDX)"
is "$(hexat "$TMP/td.bin" 16 16)" "$(printf 'TEEHOST-SIM-TDX\001' | xxd -p)" "CPUSVN marks the simulator"
is "$(hexat "$TMP/td.bin" 128 4)" 01020000 "REPORTDATA from the caller"
is "$(hexat "$TMP/td.bin" $((512 + 16)) 48)" "$MRTD" "TDINFO.MRTD"
is "$(hexat "$TMP/td.bin" $((512 + 64)) 2)" 1100 "TDINFO.MRCONFIGID"
is "$(hexat "$TMP/td.bin" $((512 + 208 + 96)) 3)" ccdd00 "TDINFO.RTMR2"
is "$(hexat "$TMP/td.bin" 512 1)" 01 "TDINFO.ATTRIBUTES DEBUG"
is "$(hexat "$TMP/td.bin" 80 48)" "$(tail -c 512 "$TMP/td.bin" | openssl dgst -sha384 -r | cut -c1-96)" \
	"TEE_INFO_HASH = SHA-384(TDINFO)"
is "$(hexat "$TMP/td.bin" 32 48)" "$(dd if="$TMP/td.bin" bs=1 skip=256 count=239 status=none | \
	openssl dgst -sha384 -r | cut -c1-96)" "TEE_TCB_INFO_HASH = SHA-384(TEE_TCB_INFO)"
run "$TEEHOST" sim --tdx-guest --rtmr 4:00 -- /bin/true
is "$rc" 2 "--rtmr 4: usage error"
run "$TEEHOST" sim --tdx-guest --mrtd xyz0 -- /bin/true
is "$rc" 2 "--mrtd not hex: usage error"

done_testing
