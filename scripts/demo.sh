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

# --- load and run the sample enclave (loader) ------------------------------------------------
# On the best backend present: a real SGX driver when there is one, else the simulator playing
# the in-kernel driver. `teehost run` says which backend ran.
echo
echo "== load and run the sample enclave through the SGX loader"
if "$T" run --sigstruct "$D/sample.elf.sig" "$D/sample.elf" >/dev/null 2>&1; then
	"$T" run --verbose --sigstruct "$D/sample.elf.sig" "$D/sample.elf" -- add 2 40
else
	echo "(no SGX driver on this machine: running on the simulator)"
	"$T" sim -- "$T" run --verbose --sigstruct "$D/sample.elf.sig" "$D/sample.elf" -- add 2 40
	"$T" sim --driver dcap -- "$T" run --sigstruct "$D/sample.elf.sig" "$D/sample.elf" -- add 2 40
	le=../shared/vectors/ratel-psw/libsgx_le.signed.so
	if [ -r "$le" ]; then
		# non-FLC: Intel's launch enclave must mint a token; it grants tokens to debug
		# enclaves of any signer (production ones need Intel's white list), so sign on the fly
		export TEEHOST_LAUNCH_ENCLAVE=$PWD/$le
		"$T" sim --driver isgx -- "$T" run --verbose "$D/sample.elf" -- add 2 40 2>&1 |
			grep -E 'launch|loaded|add'
	else
		echo "(isgx: no launch enclave at $le, skipped)"
	fi
fi
# --- the platform check (host): always last ------------------------------------------------
echo
echo "== teehost check (this machine)"
"$T" check || true   # a host without TEE hardware is reported, not an error of the demo
