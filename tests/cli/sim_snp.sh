#!/bin/bash
# teehost sim --snp-guest: /dev/sev-guest for a static program (seccomp user notification),
# the kernel's errno rules, the extended report's length protocol, our verifier, openssl on the
# chain, attest collateral, tampering.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../guest-lib.sh"
CLIENT=$BUILD/tests/snp-client
export TEEHOST_SIM_STATE_DIR=$TMP/state

guest_sim_smoke --snp-guest "sim --snp-guest runs a program (exit status passed through)" 7

run "$TEEHOST" sim --snp-guest -- "$CLIENT" errnos
is "$rc" 0 "static client opens /dev/sev-guest"
like "$out" "msg_version_zero 22 0x1234" "msg_version 0: EINVAL, request untouched"
like "$out" "report_null_req 22 0xff" "NULL req_data: EINVAL, exitinfo2 0xff written back"
like "$out" "report_bad_resp 14 " "unmapped resp_data: EFAULT"
like "$out" "report_vmpl4 0 status 22" "VMPL 4: firmware INVALID_PARAM in the response"
like "$out" "key_null_req 22 0xff" "derived key, NULL req: EINVAL"
like "$out" "key_reserved 0 status 22" "derived key, reserved bits: INVALID_PARAM"
like "$out" "ext_unaligned 22 0xff" "ext report, certs_len not page-aligned: EINVAL"
like "$out" "ext_too_big 22 0xff" "ext report, certs_len > 16K: EINVAL"
like "$out" "ext_too_small 5 0x100000000 len 8192" "ext report, small buffer: EIO, VMM INVALID_LEN, needed length"
like "$out" "unknown_cmd 25" "other ioctl numbers reach the kernel: ENOTTY"

run "$TEEHOST" sim --snp-guest --vmpl 2 -- "$CLIENT" report "$TMP/r0.bin"
is "$rc" 1 "VMPL 0 report from a VMPL 2 guest is refused"

run "$TEEHOST" sim --snp-guest --measurement "$(printf 'ab%.0s' {1..48})" --host-data 0102 -- \
	"$CLIENT" report "$TMP/r.bin" "$TMP/certs.bin"
is "$rc" 0 "extended report through the length protocol"
run "$TEEHOST" attest collateral --tee snp --out "$TMP/col"
is "$rc" 0 "attest collateral --tee snp"
like "$out" "SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}" "collateral shows the ARK fingerprint"
for f in ark.pem ask.pem vcek.pem vcek.der; do [ -s "$TMP/col/$f" ]; ok $? "collateral $f"; done
run openssl verify -CAfile "$TMP/col/ark.pem" -untrusted "$TMP/col/ask.pem" "$TMP/col/vcek.pem"
is "$rc" 0 "openssl: VCEK <- ASK <- ARK"
run openssl x509 -in "$TMP/col/vcek.pem" -noout -text
like "$out" "Signature Algorithm: rsassaPss" "VCEK signed with RSA-PSS"
like "$out" "1.3.6.1.4.1.3704.1.4" "VCEK has the KDS hwID extension"
like "$out" "Issuer: .*CN ?= ?SEV-Genoa.*description = .teehost simulated" "issuer SEV-Genoa, marked simulated"
like "$out" "ASN1 OID: secp384r1" "VCEK key is P-384"
run openssl x509 -in "$TMP/col/vcek.der" -inform der -noout -fingerprint
ok $? "vcek.der is DER"

run "$TEEHOST" attest verify --tee snp --collateral "$TMP/col" "$TMP/r.bin"
is "$rc" 0 "our verifier accepts the report"
run "$TEEHOST" attest verify --tee snp --collateral "$TMP/col" --json "$TMP/r.bin"
is "$(jq -r .report.measurement <<<"$out")" "$(printf 'ab%.0s' {1..48})" "measurement"
is "$(jq -r .report.host_data <<<"$out")" "0102$(printf '0%.0s' {1..60})" "host_data"
is "$(jq -r .report.report_data <<<"$out" | cut -c1-36)" "$(printf 'teehost snp-client' | xxd -p)" "report_data"
is "$(jq -r .report.product <<<"$out")" "Genoa" "product from CPUID fields"
is "$(jq -r .report.reported_tcb.snp <<<"$out")" 23 "reported TCB"
# the certificate table's VCEK is the collateral's
off=$(od -An -tu4 -j16 -N4 "$TMP/certs.bin" | tr -d ' '); len=$(od -An -tu4 -j20 -N4 "$TMP/certs.bin" | tr -d ' ')
cmp -s <(tail -c +$((off + 1)) "$TMP/certs.bin" | head -c "$len") "$TMP/col/vcek.der"
ok $? "certificate table VCEK == collateral vcek.der"

for at in 0x50 0x90 0x1a0 0x2a0; do
	cp "$TMP/r.bin" "$TMP/bad.bin"
	byte=$(od -An -tu1 -j$((at)) -N1 "$TMP/r.bin" | tr -d ' ')
	printf "\\x$(printf %02x $((byte ^ 1)))" | dd of="$TMP/bad.bin" bs=1 seek=$((at)) conv=notrunc status=none
	cmp -s "$TMP/r.bin" "$TMP/bad.bin" && echo "# tamper did not change the file"
	run "$TEEHOST" attest verify --tee snp --collateral "$TMP/col" "$TMP/bad.bin"
	is "$rc" 1 "one byte changed at $at: rejected ($err)"
done
other=$(mktemp -d "$TMP/other.XXXX")
TEEHOST_SIM_STATE_DIR=$other run "$TEEHOST" attest collateral --tee snp --out "$TMP/col2"
cp "$TMP/col/ask.pem" "$TMP/col/vcek.pem" "$TMP/col2/" 2>/dev/null
run "$TEEHOST" attest verify --tee snp --collateral "$TMP/col2" "$TMP/r.bin"
is "$rc" 1 "another platform's ARK does not anchor the chain"

run "$TEEHOST" sim --snp-guest -- "$CLIENT" key 0 0x3f
k1=$out
run "$TEEHOST" sim --snp-guest -- "$CLIENT" key 0 0x3f
is "$out" "$k1" "derived key stable across runs"
run "$TEEHOST" sim --snp-guest --measurement 01 -- "$CLIENT" key 0 0x3f
[ "$out" != "$k1" ]; ok $? "measurement-mixed key changes with the measurement"
run "$TEEHOST" sim --snp-guest --measurement 01 -- "$CLIENT" key 0 0
k0=$out
run "$TEEHOST" sim --snp-guest -- "$CLIENT" key 0 0
is "$out" "$k0" "key without guest fields ignores the measurement"

run "$TEEHOST" sim --snp-guest --policy 0x10000 -- /bin/true
is "$rc" 2 "policy without bit 17 is a usage error"
done_testing
