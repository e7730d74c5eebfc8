#!/usr/bin/env bash
# teehost attest: quotes of the sample enclave on the simulated machine, collateral checked
# with openssl alone, our verifier's verdicts (and every negative case), TCB scenarios,
# platforms that differ, Intel's real root refused, the drop-in libsgx_dcap_ql.so.1.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../guest-lib.sh"
export TEEHOST_SIM_STATE_DIR=$TMP/state
unset TEEHOST_SIM_TCB
SAMPLE=$BUILD/sample.elf
export TEEHOST_SAMPLE=$SAMPLE
Q=$TMP/q.bin C=$TMP/coll

run "$TEEHOST" attest --help
is "$rc" 0 "attest --help exits 0"
like "$out" "teehost attest quote" "help documents quote"
run "$TEEHOST" attest frob
is "$rc" 2 "an unknown verb is a usage error"
run "$TEEHOST" attest quote
is "$rc" 2 "quote without --out is a usage error"
run "$TEEHOST" attest quote --report-data xyz --out "$Q"
is "$rc" 2 "bad --report-data is a usage error"
run "$TEEHOST" attest quote --out "$Q"
is "$rc" 1 "quote outside the simulator fails"
like "$err" "run it on the simulated machine: teehost sim -- teehost attest quote" "and says how"
[ ! -e "$Q" ]; ok $? "nothing written"

run "$TEEHOST" sim -- "$TEEHOST" attest quote --report-data 0011aabb --out "$Q"
is "$rc" 0 "quote v3 under teehost sim"
like "$out" "quote v3, [0-9]+ bytes" "says what it wrote"
like "$out" "root CA key SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}  OU=teehost simulated platform, not Intel" "quote prints the root's fingerprint"
run "$TEEHOST" sim -- "$TEEHOST" attest quote --quote-version 4 --out "$TMP/q4.bin"
is "$rc" 0 "quote v4 under teehost sim"

run "$TEEHOST" show --json "$Q"
is "$rc" 0 "show reads a quote"
is "$(jq -r .version <<<"$out")" 3 "show --json: version"
is "$(jq -r .qe_vendor_id <<<"$out")" 939a7233f79c4ca9940a0db3957f0607 "show --json: Intel's QE vendor id"
like "$(jq -r .report.report_data <<<"$out")" "^0011aabb0000" "show --json: --report-data reached REPORTDATA"
is "$(jq -r .root_ou <<<"$out")" "teehost simulated platform, not Intel" "show --json: the root is marked"
mr=$("$TEEHOST" measure --json "$SAMPLE" | jq -r .mrenclave)
is "$(jq -r .report.mrenclave <<<"$out")" "$mr" "the quoted MRENCLAVE is the sample enclave's"
run "$TEEHOST" show "$TMP/q4.bin"
like "$out" "quote v4 \(SGX\)" "show: v4"
like "$out" "root CA key SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}  OU=teehost" "show prints the root fingerprint"

run "$TEEHOST" attest collateral --out "$C"
is "$rc" 0 "collateral (outside the simulator, after a quote)"
like "$out" "TCB up-to-date" "up-to-date by default"
like "$out" "test root CA \(not Intel\) key SHA-256" "prints the root fingerprint"
for f in root-ca.pem pck-ca.pem pck.pem tcb-signing.pem tcb-info.json qe-identity.json \
	root-ca.crl pck-ca.crl; do
	[ -s "$C/$f" ]; ok $? "collateral has $f"
done

# --- the collateral checks out with openssl alone ---
run openssl verify -x509_strict -crl_check_all -CAfile "$C/root-ca.pem" -untrusted "$C/pck-ca.pem" \
	-CRLfile "$C/root-ca.crl" -CRLfile "$C/pck-ca.crl" "$C/pck.pem"
is "$rc" 0 "openssl verify: PCK chain with both CRLs"
run openssl verify -x509_strict -crl_check -CAfile "$C/root-ca.pem" -CRLfile "$C/root-ca.crl" "$C/tcb-signing.pem"
is "$rc" 0 "openssl verify: TCB signing certificate"
for crl in root-ca pck-ca; do
	ca=$C/root-ca.pem; [ $crl = pck-ca ] && ca=$C/pck-ca.pem
	run openssl crl -in "$C/$crl.crl" -CAfile "$ca" -noout -text
	like "$err$out" "verify OK" "openssl crl: $crl.crl signature"
	like "$out" "X509v3 CRL Number" "$crl.crl has a CRL Number"
	like "$out" "X509v3 Authority Key Identifier" "$crl.crl has an Authority Key Identifier"
done
run openssl x509 -in "$C/root-ca.pem" -noout -subject -serial
like "$out" "CN = Intel SGX Root CA, O = Intel Corporation, L = Santa Clara, ST = CA, C = US, OU = \"teehost simulated platform, not Intel\"" "root: Intel's names plus the OU"
like "$out" "serial=544545484F53542D53494D" "root serial begins with TEEHOST-SIM"
run openssl x509 -in "$C/pck.pem" -noout -text
like "$out" "1.2.840.113741.1.13.1" "PCK certificate has the SGX extension"

openssl x509 -in "$C/tcb-signing.pem" -pubkey -noout > "$TMP/tcb.pub"
json_sig_ok() {  # FILE KEY: the hex r||s signature over the compact body, with openssl dgst
	local sig r s
	jq -j -c ".$2" "$1" > "$TMP/body"
	sig=$(jq -r .signature "$1"); r=${sig:0:64}; s=${sig:64:64}
	printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "$r" "$s" > "$TMP/sig.cnf"
	openssl asn1parse -genconf "$TMP/sig.cnf" -out "$TMP/sig.der" >/dev/null &&
		openssl dgst -sha256 -verify "$TMP/tcb.pub" -signature "$TMP/sig.der" "$TMP/body"
}
run json_sig_ok "$C/tcb-info.json" tcbInfo
like "$out" "Verified OK" "openssl dgst: tcb-info.json signature"
run json_sig_ok "$C/qe-identity.json" enclaveIdentity
like "$out" "Verified OK" "openssl dgst: qe-identity.json signature"
is "$(jq -r .tcbInfo.id "$C/tcb-info.json") $(jq -r .tcbInfo.version "$C/tcb-info.json")" "SGX 3" "TCB info v3, id SGX"
is "$(jq -r .enclaveIdentity.id "$C/qe-identity.json") $(jq -r .enclaveIdentity.version "$C/qe-identity.json")" "QE 2" "QE identity v2, id QE"

# --- our verifier ---
run "$TEEHOST" attest verify --collateral "$C" "$Q"
is "$rc" 0 "verify: the quote verifies"
like "$out" "TCB status +UpToDate" "UpToDate"
run "$TEEHOST" attest verify --collateral "$C" "$TMP/q4.bin"
is "$rc" 0 "verify: the v4 quote verifies"
run "$TEEHOST" attest verify --json "$Q"
is "$rc" 0 "verify without --collateral: fresh collateral of this platform"
is "$(jq -r .verified <<<"$out")" true "verify --json: verified"

refused_tampered "$Q" "$C" 112:report.mrenclave:quote_signature \
	368:report.report_data:quote_signature 436:signature:quote_signature \
	520:attest_key:qe_report_data 700:qe_report:qe_report_signature \
	948:qe_report_signature:qe_report_signature 1020:qe_auth_data:qe_report_data \
	1200:certification_data:pck_chain
# bytes inside the PCK certificate's signed body, found in the quote's own PEM: a byte of its
# public key and a byte of the PPID in its SGX extension (Intel's QvE takes the chain from the
# quote, and QVL then refuses both too); and the line break between two certificates, which no
# signature covers: refused (RFC 7468; QVL's PEM reader accepts it, see teehost-attest(8))
pem_offset() {  # WHAT: the quote offset of a base64 character encoding that part of the PCK
	python3 - "$Q" "$1" <<'PY'
import base64, struct, sys
d = open(sys.argv[1], 'rb').read()
off = 48 + 384 + 4 + 64 + 64 + 384 + 64
off += 2 + struct.unpack_from('<H', d, off)[0] + 6
pem = d[off:]
b = pem.index(b'-----BEGIN CERTIFICATE-----\n') + 28
e = pem.index(b'-----END CERTIFICATE-----')
der = base64.b64decode(pem[b:e])
if sys.argv[2] == 'key':
    k = der.index(b'\x03\x42\x00\x04') + 4 + 10
elif sys.argv[2] == 'ppid':
    k = der.index(bytes.fromhex('060a2a864886f84d010d0101')) + 12 + 2 + 5
else:
    print(off + e + 25); sys.exit()
c = k * 4 // 3
print(off + b + c + c // 64)
PY
}
# tamper_b64 QUOTE OFFSET: flip the low bit of the 6-bit value of the base64 character at
# OFFSET, so the PEM stays valid base64 and only the certificate's bytes change (flipping a bit
# of the character itself turns A, Z, a, z, + and / into characters that are not base64)
tamper_b64() {
	python3 -c 'import sys
a = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
d = bytearray(open(sys.argv[1], "rb").read()); i = int(sys.argv[2])
d[i] = a[a.index(d[i]) ^ 1]
open(sys.argv[3], "wb").write(d)' "$1" "$2" "$TMP/t.bin"
}
for spec in key:"the public key does not decode: PCK certificate" \
	ppid:"certificate signature failure: PCK certificate" \
	eol:"the certification data holds 0 certificates"; do
	what=${spec%%:*}
	off=$(pem_offset "$what")
	if [ "$what" = eol ]; then tamper "$Q" "$off"; else tamper_b64 "$Q" "$off"; fi
	run "$TEEHOST" attest verify --collateral "$C" "$TMP/t.bin"
	is "$rc" 1 "certification data, PCK certificate's $what (offset $off): not verified"
	like "$out" "NOT verified: pck_chain: ${spec#*:}" "  ... ${spec#*:}"
done
head -c 600 "$Q" > "$TMP/short.bin"
run "$TEEHOST" attest verify --collateral "$C" "$TMP/short.bin"
is "$rc" 1 "a truncated quote is an error"
like "$err" "^teehost: $TMP/short.bin: [a-z_.]+: quote ends" "one line naming the field"
run "$TEEHOST" show "$TMP/short.bin"
is "$rc" 1 "show: a truncated quote is an error"

# edited collateral
cp -r "$C" "$TMP/bad"
jq -c '.tcbInfo.tcbEvaluationDataNumber = 99' "$C/tcb-info.json" > "$TMP/bad/tcb-info.json"
run "$TEEHOST" attest verify --collateral "$TMP/bad" "$Q"
like "$out" "NOT verified: tcb_info: the signature does not verify" "an edited TCB info fails its signature"
echo '{"tcbInfo":' > "$TMP/bad/tcb-info.json"
run "$TEEHOST" attest verify --collateral "$TMP/bad" "$Q"
like "$out" "NOT verified: tcb_info: tcb-info.json: json: line" "malformed TCB info JSON is named"
rm "$TMP/bad/qe-identity.json"
run "$TEEHOST" attest verify --collateral "$TMP/bad" "$Q"
is "$rc" 1 "missing collateral file"
like "$err" "qe-identity.json" "names the missing file"

# Intel's real root: a certificate with Intel's real root public key must not verify anything
# the simulator issued
intel_root_pem "$TMP/intel-root.pem"
run "$TEEHOST" attest verify --collateral "$C" --root "$TMP/intel-root.pem" "$Q"
is "$rc" 1 "verify against Intel's real root key fails"
like "$out" "NOT verified: pck_chain: the chain's root is not the trusted root" "  ... the chain is not Intel's"
ours=$(openssl x509 -in "$C/root-ca.pem" -pubkey -noout | openssl pkey -pubin -outform DER | xxd -p | tr -d '\n')
[ "${ours: -130}" != "$intel_key" ]; ok $? "the test root's key is not Intel's"
run openssl verify -CAfile "$TMP/intel-root.pem" -untrusted "$C/pck-ca.pem" "$C/pck.pem"
[ $rc -ne 0 ]; ok $? "openssl verify: the PCK chain does not verify under Intel's key"

# --- TCB scenarios ---
for s in out-of-date:OutOfDate revoked:Revoked; do
	IFS=: read -r opt status <<<"$s"
	run "$TEEHOST" sim --tcb "$opt" -- "$TEEHOST" attest collateral --out "$TMP/c-$opt"
	is "$rc" 0 "sim --tcb $opt: collateral"
	run "$TEEHOST" attest verify --json --collateral "$TMP/c-$opt" "$Q"
	is "$rc" 1 "--tcb $opt: not verified"
	is "$(jq -r .tcb_status <<<"$out")" "$status" "--tcb $opt: TCB status $status"
	is "$(jq -r .failed_step <<<"$out")" tcb_status "--tcb $opt: only the TCB status fails"
done
run "$TEEHOST" sim --tcb sideways -- true
is "$rc" 2 "sim --tcb: a bad level is a usage error"

# --- another platform: other identity, and its quote fails under this platform's collateral ---
run env TEEHOST_SIM_STATE_DIR="$TMP/state2" "$TEEHOST" sim -- "$TEEHOST" attest quote --out "$TMP/qb.bin"
is "$rc" 0 "quote on a second platform"
run "$TEEHOST" attest verify --collateral "$C" "$TMP/qb.bin"
is "$rc" 1 "platform B's quote does not verify with platform A's collateral"
run "$TEEHOST" sim -- "$TEEHOST" attest quote --out "$TMP/q2.bin"
is "$(cmp -s <("$TEEHOST" show --json "$TMP/q2.bin" | jq -r .attest_pub_key) <("$TEEHOST" show --json "$Q" | jq -r .attest_pub_key); echo $?)" 0 "attestation key stable across runs of one platform"
is "$(cmp -s <("$TEEHOST" show --json "$TMP/qb.bin" | jq -r .attest_pub_key) <("$TEEHOST" show --json "$Q" | jq -r .attest_pub_key); echo $?)" 1 "attestation keys differ between platforms"

# --- the drop-in libsgx_dcap_ql.so.1 ---
DQ=$BUILD/tests/attest/dcap_ql_test
run "$DQ" "$BUILD/libsgx_dcap_ql.so.1" "$SAMPLE" "$TMP/dq.bin"
like "$out" "sgx_qe_get_target_info 0xe016" "outside the simulator: SGX_QL_ENCLAVE_LOAD_ERROR"
run "$TEEHOST" sim -- "$DQ" "$BUILD/libsgx_dcap_ql.so.1" "$SAMPLE" "$TMP/dq.bin"
is "$rc" 0 "libsgx_dcap_ql under teehost sim: quote"
like "$out" "wrong size 0xe002" "a wrong quote size: SGX_QL_ERROR_INVALID_PARAMETER"
like "$out" "flipped report 0xe015" "a report whose MAC fails: SGX_QL_INVALID_REPORT"
run "$TEEHOST" attest verify --collateral "$C" "$TMP/dq.bin"
is "$rc" 0 "the libsgx_dcap_ql quote verifies"
[ "$(nm -D --defined-only "$BUILD/libsgx_dcap_ql.so.1" | grep -c ' T ')" = 6 ]; ok $? "libsgx_dcap_ql exports exactly the API"

done_testing
