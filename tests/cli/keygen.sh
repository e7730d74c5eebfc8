#!/usr/bin/env bash
# teehost keygen: RSA-3072 e=3, PEM, 0600, atomic, no overwrite without --force.
source "$(dirname "$0")/../lib.sh"

run "$TEEHOST" keygen --help
is "$rc" 0 "--help exits 0"
run "$TEEHOST" keygen
is "$rc" 2 "no FILE is a usage error"
run "$TEEHOST" keygen --what "$TMP/k"
is "$rc" 2 "unknown option is a usage error"

run "$TEEHOST" keygen "$TMP/key.pem"
is "$rc" 0 "keygen exits 0"
is "$(stat -c %a "$TMP/key.pem")" 600 "key file mode is 0600"
like "$(head -n1 "$TMP/key.pem")" "^-----BEGIN PRIVATE KEY-----$" "PEM private key"
txt=$(openssl pkey -in "$TMP/key.pem" -noout -text 2>/dev/null)
like "$txt" "Private-Key: \(3072 bit" "RSA-3072"
like "$txt" "publicExponent: 3 \(0x3\)" "public exponent 3"

sum=$(sha256sum <"$TMP/key.pem")
run "$TEEHOST" keygen "$TMP/key.pem"
is "$rc" 1 "existing file is refused"
like "$err" "^teehost: $TMP/key.pem: output: already exists" "refusal names the file"
is "$(sha256sum <"$TMP/key.pem")" "$sum" "existing key untouched"

run "$TEEHOST" keygen --force "$TMP/key.pem"
is "$rc" 0 "--force replaces"
[ "$(sha256sum <"$TMP/key.pem")" != "$sum" ]; ok $? "a new key was written"
is "$(stat -c %a "$TMP/key.pem")" 600 "replaced key is 0600 too"

run "$TEEHOST" keygen "$TMP/no/such/dir/key.pem"
is "$rc" 1 "unwritable location exits 1"
like "$err" "^teehost: $TMP/no/such/dir/key.pem: output: cannot create" "error names file and field"
is "$(ls -A "$TMP" | grep -c 'tmp\.')" 0 "no temporary files left behind"
done_testing
