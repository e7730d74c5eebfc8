#!/bin/bash
# The TD's measurement registers in sysfs under teehost sim --tdx-guest, as Linux 6.16's
# tdx-guest/tsm-mr present them: the files, their values, RTMR extension
# (RTMR = SHA-384(RTMR || data)) seen by the next TDREPORT and quote, and the kernel's errno for
# a short write, a write past the end and a write to a read-only register. Static busybox.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../guest-lib.sh"
CLIENT=$BUILD/tests/tdx-client
export TEEHOST_SIM_STATE_DIR=$TMP/state
guest_busybox_fuse --tdx-guest "TDX measurements"
MRTD=$(printf 'a1%.0s' {1..48})
RTMR2=$(printf 'cd%.0s' {1..48})
D1=$(printf '11%.0s' {1..48}) D2=$(printf '22%.0s' {1..48})
hex() { xxd -p -c 256 "$@"; }
sha384() { xxd -r -p | openssl dgst -sha384 -r | cut -c1-96; }
want1=$(printf '%s%s' "$RTMR2" "$D1" | sha384)
want2=$(printf '%s%s' "$want1" "$D2" | sha384)
xxd -r -p <<<"$D1" >"$TMP/d1.bin"
xxd -r -p <<<"$D2" >"$TMP/d2.bin"
head -c 47 "$TMP/d1.bin" >"$TMP/d47.bin"

script='M=/sys/class/misc/tdx_guest/measurements
e() { "$@" 2>&1 >/dev/null | busybox sed -n "s/.*: //p" | busybox tail -n 1; }
echo "files: $(busybox ls $M | busybox tr "\n" " ")"
echo "modes: $(busybox stat -c "%a %s" "$M/rtmr0:sha384") $(busybox stat -c "%a" "$M/mrtd:sha384")"
busybox cat "$M/mrtd:sha384" > "$1/mrtd.bin"
busybox cat "$M/rtmr2:sha384" > "$1/rtmr2-0.bin"
echo "short: $(e busybox dd if="$1/d47.bin" of="$M/rtmr2:sha384" bs=47 count=1)"
echo "past_end: $(e busybox dd if="$1/d1.bin" of="$M/rtmr2:sha384" bs=48 seek=1 count=1 conv=notrunc)"
echo "readonly: $(e busybox dd if="$1/d1.bin" of="$M/mrtd:sha384" bs=48 count=1)"
busybox cat "$M/rtmr2:sha384" > "$1/rtmr2-after-errors.bin"
busybox dd if="$1/d1.bin" of="$M/rtmr2:sha384" bs=48 count=1 2>/dev/null; echo "extend1: $?"
busybox cat "$M/rtmr2:sha384" > "$1/rtmr2-1.bin"
busybox cat "$1/d2.bin" > "$M/rtmr2:sha384"; echo "extend2: $?"
busybox cat "$M/rtmr2:sha384" > "$1/rtmr2-2.bin"
busybox dd if="/sys/devices/virtual/misc/tdx_guest/measurements/rtmr2:sha384" bs=1 skip=40 count=100 2>/dev/null > "$1/tail.bin"
R=/sys/kernel/config/tsm/report; mkdir $R/q
busybox printf "%064d" 1 > $R/q/inblob; busybox cat $R/q/outblob > "$1/quote.bin"; rmdir $R/q
'
run "$TEEHOST" sim --tdx-guest --mrtd "$MRTD" --rtmr "2:$RTMR2" -- "$BUSYBOX" sh -c "$script" sh "$TMP"
is "$rc" 0 "busybox script under --tdx-guest ($err)"
like "$out" "files: mrconfigid mrowner mrownerconfig mrtd:sha384 rtmr0:sha384 rtmr1:sha384 rtmr2:sha384 rtmr3:sha384 $" \
	"measurements: the files of 6.16's tdx-guest"
like "$out" "modes: 644 48 444" "RTMRs 0644 and 48 bytes, MRTD 0444"
is "$(hex "$TMP/mrtd.bin")" "$MRTD" "mrtd:sha384 reads --mrtd"
is "$(hex "$TMP/rtmr2-0.bin")" "$RTMR2" "rtmr2:sha384 reads --rtmr 2:..."
like "$out" "short: Invalid argument" "47-byte write: EINVAL (no partial writes)"
like "$out" "past_end: File too large" "write at offset 48: EFBIG"
like "$out" "readonly: Permission denied" "MRTD opened for writing: EACCES"
is "$(hex "$TMP/rtmr2-after-errors.bin")" "$RTMR2" "refused writes leave RTMR2 as it was"
like "$out" "extend1: 0" "48-byte write extends"
is "$(hex "$TMP/rtmr2-1.bin")" "$want1" "RTMR2 = SHA-384(RTMR2 || data)"
is "$(hex "$TMP/rtmr2-2.bin")" "$want2" "a second extension chains"
is "$(hex "$TMP/tail.bin")" "${want2:80}" "a read from offset 40 gets the last 8 bytes"
run "$TEEHOST" show --json "$TMP/quote.bin"
is "$(jq -r .td_quote_body.rtmr2 <<<"$out")" "$want2" "the next quote carries the extended RTMR2"
is "$(jq -r .td_quote_body.rtmr1 <<<"$out")" "$(printf '0%.0s' {1..96})" "other RTMRs untouched"
run "$TEEHOST" attest collateral --tee tdx --out "$TMP/intel"
run "$TEEHOST" attest verify --collateral "$TMP/intel" "$TMP/quote.bin"
is "$rc" 0 "our verifier accepts the quote after extension"

# the ioctl's TDREPORT sees extensions too: extend RTMR3, then TDX_CMD_GET_REPORT0
run "$TEEHOST" sim --tdx-guest -- "$BUSYBOX" sh -c \
	"busybox cat '$TMP/d1.bin' > '/sys/class/misc/tdx_guest/measurements/rtmr3:sha384' && '$CLIENT' report 00 '$TMP/td.bin'"
is "$rc" 0 "extend RTMR3, then a TDREPORT through /dev/tdx_guest"
is "$(od -An -tx1 -v -j$((512 + 208 + 144)) -N48 "$TMP/td.bin" | tr -d ' \n')" \
	"$(printf '%096d%s' 0 "$D1" | sha384)" "TDREPORT's RTMR3 is the extended value"
run "$TEEHOST" sim --snp-guest -- "$BUSYBOX" ls /sys/class/misc/tdx_guest
is "$rc" 1 "--snp-guest has no tdx_guest measurements"
done_testing
