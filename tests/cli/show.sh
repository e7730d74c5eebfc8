#!/usr/bin/env bash
# teehost show: fields, JSON keys, verdicts on tampered input, errors.
source "$(dirname "$0")/../lib.sh"
field() { printf '%s\n' "$1" | awk -v k="$2" '$1 == k { print $2 }'; }

run "$TEEHOST" show --help
is "$rc" 0 "--help exits 0"
run "$TEEHOST" show
is "$rc" 2 "no FILE is a usage error"

"$TEEHOST" keygen "$TMP/key.pem" >/dev/null
"$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/s.sig" --date 20250101 "$BUILD/sample.elf" >/dev/null

run "$TEEHOST" show --json "$TMP/s.sig"
is "$rc" 0 "show --json"
is "$(printf '%s' "$out" | jq -r '[keys_unsorted[]] | join(" ")')" \
	"file format mrenclave mrsigner isv_prod_id isv_svn attributes attribute_mask misc_select misc_mask header_type vendor date hw_version signature_valid q1q2_valid" \
	"JSON keys"
is "$(printf '%s' "$out" | jq -r '[(.isv_prod_id|type), (.isv_svn|type), (.signature_valid|type), (.q1q2_valid|type), (.attributes|length), (.attribute_mask|length), (.mrsigner|length)] | map(tostring) | join(" ")')" \
	"number number boolean boolean 32 32 64" "JSON types: integers, booleans, 32-hex attributes"

# tamper with a signed field: the signature no longer verifies, Q1/Q2 still do
cp "$TMP/s.sig" "$TMP/t.sig"
printf '\x05' | dd of="$TMP/t.sig" bs=1 seek=1026 conv=notrunc 2>/dev/null
run "$TEEHOST" show "$TMP/t.sig"
is "$rc:$(field "$out" isv_svn):$(field "$out" signature_valid):$(field "$out" q1q2_valid)" "0:5:false:true" \
	"tampered ISVSVN: signature invalid, Q1/Q2 valid"
cp "$TMP/s.sig" "$TMP/q.sig"
printf '\x01' | dd of="$TMP/q.sig" bs=1 seek=1100 conv=notrunc 2>/dev/null
run "$TEEHOST" show "$TMP/q.sig"
is "$(field "$out" signature_valid):$(field "$out" q1q2_valid)" "true:false" "tampered Q1: Q1/Q2 invalid"

head -c 1807 "$TMP/s.sig" >"$TMP/short.sig"
run "$TEEHOST" show "$TMP/short.sig"
is "$rc" 1 "SIGSTRUCT of the wrong size exits 1"
like "$err" "^teehost: $TMP/short.sig: format: " "wrong size: names file and field"
cp "$TMP/s.sig" "$TMP/h.sig"
printf '\x07' | dd of="$TMP/h.sig" bs=1 seek=0 conv=notrunc 2>/dev/null
run "$TEEHOST" show "$TMP/h.sig"
is "$rc" 1 "bad header exits 1"
cp "$TMP/s.sig" "$TMP/e.sig"
printf '\x11' | dd of="$TMP/e.sig" bs=1 seek=512 conv=notrunc 2>/dev/null
run "$TEEHOST" show "$TMP/e.sig"
is "$rc" 1 "exponent other than 3 exits 1"
like "$err" "^teehost: $TMP/e.sig: exponent: " "names the exponent"

run "$TEEHOST" show "$BUILD/sample.elf"
is "$rc" 1 "an unsigned ELF has no SIGSTRUCT"
like "$err" "sigstruct: this elf enclave carries no SIGSTRUCT" "says where to look"

so="$VECTORS/ratel-psw/libsgx_pce.signed.so"
if [ -f "$so" ]; then
	run "$TEEHOST" show --json "$so"
	is "$(printf '%s' "$out" | jq -r '[.format, .mrenclave_matches, .signature_valid] | map(tostring) | join(" ")')" \
		"sdk true true" "signed .so: embedded MRENCLAVE matches a fresh measurement"
	is "$(printf '%s' "$out" | jq -r .measured_mrenclave)" "$(printf '%s' "$out" | jq -r .mrenclave)" "measured_mrenclave reported"
else
	skip "signed .so" "no vectors"
fi
done_testing
