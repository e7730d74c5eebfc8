#!/usr/bin/env bash
# teehost run: the sample enclave under each simulated driver, driver choice and its reasons,
# SIGSTRUCT handling, the SDK vectors' initialization ECALL, and the failures with their
# common-loader codes.
source "$(dirname "$0")/../lib.sh"
SAMPLE=$BUILD/sample.elf
le=$VECTORS/ratel-psw/libsgx_le.signed.so

run "$TEEHOST" run --help
is "$rc" 0 "run --help exits 0"
like "$out" "--driver D" "run --help documents --driver"
run "$TEEHOST" run
is "$rc" 2 "run without ENCLAVE is a usage error"
run "$TEEHOST" run --driver sgx9 "$SAMPLE"
is "$rc" 2 "an unknown --driver is a usage error"
like "$err" "use kernel, dcap or isgx" "and says which drivers exist"
run "$TEEHOST" run "$SAMPLE" -- frobnicate
is "$rc" 2 "an unknown operation is a usage error"

# outside the simulator this machine has no SGX device
run "$TEEHOST" run "$SAMPLE"
is "$rc" 1 "no SGX device: exit 1"
like "$err" "no SGX device.*common-loader error 0x0001" "no SGX device: ENCLAVE_NOT_SUPPORTED, explained"
like "$err" "signed on the fly with a throw-away test key" "no --sigstruct: says it signs with a throw-away key"

export TEEHOST_LAUNCH_ENCLAVE=$le
for d in kernel dcap isgx; do
	if [ "$d" = isgx ] && [ ! -r "$le" ]; then
		skip "run under isgx" "Intel's launch enclave $le is not available"
		continue
	fi
	run "$TEEHOST" sim --driver "$d" -- "$TEEHOST" run --verbose "$SAMPLE"
	is "$rc" 0 "$d: teehost run of the sample enclave exits 0"
	like "$out" "loaded on the $d driver" "$d: says which backend ran"
	like "$out" "add 2 40 = 42" "$d: the enclave answers add 2 40 = 42"
	like "$err" "driver $d: " "$d: --verbose says which driver was chosen and why"
	run "$TEEHOST" sim --driver "$d" -- "$TEEHOST" run --tcs 1 "$SAMPLE" -- hash teehost
	like "$out" "hash teehost = 14999358508677162463 " "$d: hash on TCS 1 (FNV-1a 64 of 'teehost')"
done
run "$TEEHOST" sim --driver isgx -- "$TEEHOST" run --verbose "$SAMPLE"
like "$err" "launch token: minted by the launch enclave" "isgx: Intel's launch enclave minted the token"

"$TEEHOST" keygen "$TMP/prod.pem" >/dev/null 2>&1
"$TEEHOST" sign -k "$TMP/prod.pem" -o "$TMP/prod.sig" "$SAMPLE" >/dev/null
if [ -r "$le" ]; then
	run "$TEEHOST" sim --driver isgx -- "$TEEHOST" run --sigstruct "$TMP/prod.sig" "$SAMPLE"
	is "$rc" 1 "isgx: a production enclave of a signer off Intel's white list is not launched"
	like "$err" "launch enclave refused a token.*common-loader error 0x0006" \
		"isgx: the launch enclave's refusal is ENCLAVE_NOT_AUTHORIZED"
fi
# Intel's production enclaves are on Intel's white list: registered with the launch enclave
# first (as AESM does), they get tokens; without it the enclave refuses them all
wl=$VECTORS/ratel-psw/white_list_cert_to_be_verify.bin
if [ -r "$le" ] && [ -r "$wl" ]; then
	for ae in pce qe pve; do
		run "$TEEHOST" sim --driver isgx -- "$TEEHOST" run --verbose "$VECTORS/ratel-psw/libsgx_$ae.signed.so"
		is "$rc" 0 "isgx: Intel's production $ae launches with a token from Intel's launch enclave"
	done
	like "$err" "white list .*white_list_cert_to_be_verify.bin registered" \
		"isgx: the white list beside the launch enclave was registered with it"
	# one signer's byte changed: the certificate's signature no longer verifies
	cp "$wl" "$TMP/wl.bin" && chmod u+w "$TMP/wl.bin"
	printf '\377' | dd of="$TMP/wl.bin" bs=1 seek=300 conv=notrunc 2>/dev/null
	run env TEEHOST_LAUNCH_WHITE_LIST="$TMP/wl.bin" "$TEEHOST" sim --driver isgx -- \
		"$TEEHOST" run --verbose "$VECTORS/ratel-psw/libsgx_qe.signed.so"
	is "$rc" 1 "isgx: a tampered white list (TEEHOST_LAUNCH_WHITE_LIST) is not accepted"
	like "$err" "wl.bin: the launch enclave rejected it" "isgx: the launch enclave rejects the tampered list"
	like "$err" "refused a token \(ae_error_t 42\).*0x0006" \
		"isgx: and then refuses the token (white list uninitialized): ENCLAVE_NOT_AUTHORIZED"
else
	skip "Intel's production enclaves on isgx" "$le or $wl is not available"
fi

# driver choice: probe order and overrides
run "$TEEHOST" sim --driver dcap -- "$TEEHOST" run --driver isgx "$SAMPLE"
is "$rc" 1 "--driver isgx where only the DCAP node exists: exit 1"
like "$err" "driver 'isgx' was asked for but .*/dev/isgx does not exist" "and says so"
run "$TEEHOST" sim --driver dcap -- "$TEEHOST" run --verbose --driver kernel "$SAMPLE"
like "$err" "driver kernel: .*/dev/sgx/enclave.*\(chosen by request\)" \
	"--driver kernel on /dev/sgx/enclave: the kernel ABI is used, as asked"
run env TEEHOST_SGX_DRIVER=isgx "$TEEHOST" sim -- "$TEEHOST" run "$SAMPLE"
like "$err" "driver 'isgx' was asked for" "TEEHOST_SGX_DRIVER is honoured"
run env TEEHOST_SGX_DRIVER=bogus "$TEEHOST" sim -- "$TEEHOST" run "$SAMPLE"
like "$err" "TEEHOST_SGX_DRIVER='bogus' is not one of" "a bad TEEHOST_SGX_DRIVER is refused"

# SIGSTRUCTs
"$TEEHOST" keygen "$TMP/k.pem" >/dev/null 2>&1
"$TEEHOST" sign -k "$TMP/k.pem" --debug -o "$TMP/s.sig" "$SAMPLE" >/dev/null
run "$TEEHOST" sim -- "$TEEHOST" run --sigstruct "$TMP/s.sig" "$SAMPLE" -- add 1 2
is "$rc" 0 "--sigstruct: a SIGSTRUCT from teehost sign is used"
like "$out" "add 1 2 = 3 " "and the enclave runs"
[ "${err#*throw-away}" = "$err" ]
ok $? "with --sigstruct nothing is signed on the fly"
sgx=$("$(dirname "$0")/../selftest/build.sh" 2>/dev/null) &&
	"$TEEHOST" sign -k "$TMP/k.pem" --debug -o "$TMP/other.sig" "$sgx/test_encl.elf" >/dev/null
if [ -f "$TMP/other.sig" ]; then
	run "$TEEHOST" sim -- "$TEEHOST" run --sigstruct "$TMP/other.sig" "$SAMPLE"
	is "$rc" 1 "another enclave's SIGSTRUCT: exit 1"
	like "$err" "SGX_INVALID_MEASUREMENT.*common-loader error 0x0005" "wrong MRENCLAVE: ENCLAVE_INVALID_MEASUREMENT"
else
	skip "wrong MRENCLAVE through teehost run" "the kernel selftest could not be built"
fi
head -c 1808 /dev/zero >"$TMP/zero.sig"
run "$TEEHOST" sim -- "$TEEHOST" run --sigstruct "$TMP/zero.sig" "$SAMPLE"
is "$rc" 1 "a SIGSTRUCT of zeros is refused"

# Intel SGX SDK enclaves: the runtime's initialization ECALL
for so in "$VECTORS"/initc3-auditee/*/*.signed.so "$VECTORS"/ratel-psw/libsgx_pce.signed.so; do
	[ -r "$so" ] || { skip "SDK enclave $so" "vector missing"; continue; }
	run timeout 300 "$TEEHOST" sim -- "$TEEHOST" run "$so"
	like "$out" "SDK runtime initialization ECALL \(metadata [0-9.]+\) succeeded" \
		"SDK: $(basename "$(dirname "$so")")/$(basename "$so"): the trts initialization ECALL succeeds"
done
done_testing
