#!/usr/bin/env bash
# teehost sign: SIGSTRUCTs for ELF/SGXS/flat, re-signed SDK .so, options, failures that leave
# nothing behind.
source "$(dirname "$0")/../lib.sh"
SAMPLE="$BUILD/sample.elf"
field() { printf '%s\n' "$1" | awk -v k="$2" '$1 == k { print $2 }'; }

"$TEEHOST" keygen "$TMP/key.pem" >/dev/null
cp "$SAMPLE" "$TMP/sample.elf"
mr=$(field "$("$TEEHOST" measure "$TMP/sample.elf")" mrenclave)

run "$TEEHOST" sign --help
is "$rc" 0 "--help exits 0"
run "$TEEHOST" sign "$TMP/sample.elf"
is "$rc" 2 "missing --key is a usage error"
run "$TEEHOST" sign --key "$TMP/key.pem" --date 2024-01-02 "$TMP/sample.elf"
is "$rc" 2 "bad --date is a usage error"
run "$TEEHOST" sign --key "$TMP/key.pem" --isvsvn 70000 "$TMP/sample.elf"
is "$rc" 2 "--isvsvn out of range is a usage error"
run "$TEEHOST" sign --key "$TMP/key.pem" --attributes 0x5 "$TMP/sample.elf"
is "$rc" 2 "INIT in --attributes is a usage error"
run "$TEEHOST" sign --key "$TMP/key.pem" --out
is "$rc" 2 "--out without a value is a usage error"

# ELF -> ENCLAVE.sig by default
run "$TEEHOST" sign --key "$TMP/key.pem" "$TMP/sample.elf"
is "$rc" 0 "sign sample.elf"
is "$(stat -c %s "$TMP/sample.elf.sig" 2>/dev/null)" 1808 "default output ENCLAVE.sig, 1808 bytes"
run "$TEEHOST" show "$TMP/sample.elf.sig"
is "$(field "$out" mrenclave) $(field "$out" signature_valid) $(field "$out" q1q2_valid)" "$mr true true" \
	"show: same MRENCLAVE, signature and Q1/Q2 valid"
is "$(field "$out" attributes) $(field "$out" attribute_mask)" \
	"04000000000000000300000000000000 fdffffffffffffffffffffffffffffff" "default attributes and mask"
signer=$(field "$out" mrsigner)

run "$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/opts.sig" --isvprodid 7 --isvsvn 0x10 \
	--date 20240102 --debug --vendor 0x8086 --miscselect 1 --miscmask 0xfffffffe \
	--xfrm 0x7 --xfrm-mask 0x3 --attribute-mask 0xff "$TMP/sample.elf"
is "$rc" 0 "sign with every option"
run "$TEEHOST" show --json "$TMP/opts.sig"
is "$(printf '%s' "$out" | jq -r '[.isv_prod_id, .isv_svn, .date, .vendor, .misc_select, .misc_mask, .attributes, .attribute_mask, .signature_valid, .q1q2_valid, .mrenclave] | map(tostring) | join(" ")')" \
	"7 16 20240102 0x8086 00000001 fffffffe 06000000000000000700000000000000 ff000000000000000300000000000000 true true $mr" \
	"options land in the SIGSTRUCT"
is "$(printf '%s' "$out" | jq -r .mrsigner)" "$signer" "MRSIGNER is the key's"

# the other formats
if [ -f "$VECTORS/fortanix/test_enclave.sgxs" ]; then
	run "$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/te.sig" "$VECTORS/fortanix/test_enclave.sgxs"
	is "$rc" 0 "sign an SGXS"
	run "$TEEHOST" show "$TMP/te.sig"
	is "$(field "$out" mrenclave) $(field "$out" signature_valid) $(field "$out" q1q2_valid)" \
		"784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc true true" "SGXS signature round trip"
	run "$TEEHOST" sign --key "$TMP/key.pem" --flat --out "$TMP/encl.sig" "$VECTORS/enarx-sgx/encl.bin"
	run "$TEEHOST" show "$TMP/encl.sig"
	is "$(field "$out" mrenclave) $(field "$out" signature_valid)" \
		"b999536238fcf4e9d360ef6cd3e0c20ef8a684c7b93f74a9c4a4c6d517d61fc0 true" "flat image signature round trip"

	# SDK .so: re-signed copy, same MRENCLAVE, new MRSIGNER, verifies
	so="$VECTORS/initc3-auditee/sgx-hash/Enclave.signed.so"
	cp "$so" "$TMP/enclave.so"
	sum=$(sha256sum <"$TMP/enclave.so")
	run "$TEEHOST" sign --key "$TMP/key.pem" "$TMP/enclave.so"
	is "$rc" 1 "re-signing refuses to replace the input by default"
	like "$err" "^teehost: $TMP/enclave.so: output: would replace the input" "refusal says why"
	is "$(sha256sum <"$TMP/enclave.so")" "$sum" "input untouched"
	run "$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/resigned.so" --isvsvn 9 "$TMP/enclave.so"
	is "$rc" 0 "re-sign an SDK .so with --out"
	run "$TEEHOST" show "$TMP/resigned.so"
	is "$(field "$out" mrenclave) $(field "$out" mrsigner) $(field "$out" isv_svn) $(field "$out" signature_valid) $(field "$out" q1q2_valid) $(field "$out" mrenclave_matches)" \
		"901c3b2c92fd8c08654bae68d858f59c81a6121f81e8998cbf9daf236e2ead74 $signer 9 true true true" \
		"re-signed .so: same MRENCLAVE, new MRSIGNER, valid"
	run "$TEEHOST" measure "$TMP/resigned.so"
	is "$(field "$out" mrenclave)" "901c3b2c92fd8c08654bae68d858f59c81a6121f81e8998cbf9daf236e2ead74" "re-signed .so measures the same"
	run "$TEEHOST" sign --key "$TMP/key.pem" --force "$TMP/enclave.so"
	is "$rc" 0 "--force re-signs in place"
	run "$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/x.sig" "$VECTORS/fortanix/test_enclave.sig"
	is "$rc" 1 "signing a SIGSTRUCT fails"
	like "$err" "format: a SIGSTRUCT, not an enclave" "and says what it is"
else
	skip "vector formats" "no vectors"
fi

# failures leave nothing behind
mkdir "$TMP/out"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/rsa2048.pem" 2>/dev/null
run "$TEEHOST" sign --key "$TMP/rsa2048.pem" --out "$TMP/out/a.sig" "$TMP/sample.elf"
is "$rc" 1 "RSA-2048 key refused"
like "$err" "^teehost: $TMP/rsa2048.pem: key: " "error names the key file and field"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$TMP/rsa65537.pem" 2>/dev/null
run "$TEEHOST" sign --key "$TMP/rsa65537.pem" --out "$TMP/out/b.sig" "$TMP/sample.elf"
is "$rc" 1 "RSA-3072 with e=65537 refused"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -pkeyopt rsa_keygen_pubexp:3 \
	-aes128 -pass pass:secret -out "$TMP/encrypted.pem" 2>/dev/null
run "$TEEHOST" sign --key "$TMP/encrypted.pem" --out "$TMP/out/enc.sig" "$TMP/sample.elf"
is "$rc" 1 "encrypted key refused without prompting"
echo "not a key" >"$TMP/garbage.pem"
run "$TEEHOST" sign --key "$TMP/garbage.pem" --out "$TMP/out/c.sig" "$TMP/sample.elf"
is "$rc" 1 "garbage key refused"
like "$err" "^teehost: $TMP/garbage.pem: key: not a PEM private key" "garbage key error"
run "$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/out/no/dir/d.sig" "$TMP/sample.elf"
is "$rc" 1 "unwritable output exits 1"
like "$err" "^teehost: $TMP/out/no/dir/d.sig: output: cannot create" "error names the output"
head -c 3000 "$TMP/sample.elf" >"$TMP/bad.elf"
run "$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/out/e.sig" "$TMP/bad.elf"
is "$rc" 1 "bad enclave exits 1"
is "$(ls -A "$TMP/out")" "" "no output or temporary file left behind by any failure"
run "$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/sample.elf" "$TMP/sample.elf"
is "$rc" 1 "output onto the input enclave refused"
done_testing
