#!/usr/bin/env bash
# make demo: show teehost working on this machine. Steps are added as the pieces land.
set -e
cd "$(dirname "$0")/.."
T=${BUILD:-build}/teehost
echo "== teehost"
"$T" version

# --- measure and sign the sample enclave (formats) -------------------------------------------
# The signing key is generated for this run under $BUILD/demo and never committed.
echo
echo "== measure and sign the sample enclave"
D=${BUILD:-build}/demo
mkdir -p "$D"
cp "${BUILD:-build}/sample.elf" "$D/sample.elf"
[ -f "$D/demo-signer.pem" ] || "$T" keygen "$D/demo-signer.pem"
"$T" measure "$D/sample.elf"
"$T" sign --key "$D/demo-signer.pem" --isvprodid 1 --isvsvn 1 "$D/sample.elf"
"$T" show "$D/sample.elf.sig"
