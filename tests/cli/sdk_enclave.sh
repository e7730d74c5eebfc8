#!/usr/bin/env bash
# What SDK applications use beyond create + ECALL, kept by our own test enclave
# (tests/enclaves/sdk) and SDK call driver (tests/enclaves/sdk_driver.c, the SDK's ECALL ABI
# over libsgx_enclave_common.so.1) under `teehost sim` on each driver: nested ECALLs from
# OCALLs, two-phase exceptions (AEX, ECMD_EXCEPT, ERESUME), many threads on many TCSs, sealing
# stable across runs, local attestation, KSS, EDMM (in-kernel driver), switchless calls,
# AEX-Notify and where isgx places a mapping made without an address. Skips name what the simulator lacks (see the driver's messages).
source "$(dirname "$0")/../lib.sh"
DRV=$BUILD/tests/enclaves/sdk_driver
ENCL=$BUILD/tests/enclaves/sdk_encl.elf

if [ ! -x "$DRV" ] || [ ! -r "$ENCL" ]; then
	skip "SDK-ABI test enclave" "$DRV or $ENCL not built (make tests)"
	done_testing
	exit
fi
# the simulated platform's secret (seal keys) lives here, not in the user's state directory
export TEEHOST_SIM_STATE_DIR=$TMP/state
mkdir -p "$TEEHOST_SIM_STATE_DIR"
"$TEEHOST" keygen "$TMP/k.pem" >/dev/null 2>&1
ok $? "teehost keygen: the signing key"

le=$VECTORS/ratel-psw/libsgx_le.signed.so
for d in kernel dcap isgx; do
	if [ "$d" = isgx ]; then
		if [ ! -r "$le" ]; then
			skip "isgx driver" "Intel's launch enclave ($le) is not available"
			continue
		fi
		export TEEHOST_LAUNCH_ENCLAVE=$le
	fi
	# mapalign: isgx's get_unmapped_area (the others place a mapping as the kernel's mm does)
	maps=; [ "$d" = isgx ] && maps=mapalign
	for m in abi except threads attest kss edmm switchless xsave $maps; do
		# isgx: the driver takes ATTRIBUTES.KSS (intel/linux-sgx-driver 077f50c took bit 7 out
		# of SGX_ATTR_RESERVED_MASK); Intel's launch enclave grants a token for it only since
		# sgx_2.5 (KSS left FLAGS_SECURITY_BITS_RESERVED, tseal_migration_attr.h). The signed LE
		# at hand is the 2016 one (ISVSVN 2): it runs and refuses, as it does on hardware.
		if [ "$d" = isgx ] && [ "$m" = kss ]; then
			run env SDK_DRIVER_DRIVER=$d "$TEEHOST" sim --driver "$d" -- "$DRV" "$m" "$ENCL" \
				"$TMP/k.pem"
			like "$err" "the launch enclave refused a token \(ae_error_t 40\)" \
				"$d: $m: Intel's 2016 launch enclave runs and answers LE_INVALID_ATTRIBUTE to KSS"
			like "$out" "enclave_initialize: 0x6" \
				"$d: $m: enclave_initialize fails with ENCLAVE_NOT_AUTHORIZED"
			continue
		fi
		SDK_DRIVER_DRIVER=$d tap_sub --comments "$d: $m" "$TEEHOST" sim --driver "$d" -- \
			"$DRV" "$m" "$ENCL" "$TMP/k.pem"
	done
done
unset TEEHOST_LAUNCH_ENCLAVE
# Intel's uRTS enters with its own ENCLU when there is no vDSO: the same ABI on that path
for m in abi except aexnotify; do
	SDK_DRIVER_NO_VDSO=1 tap_sub --comments "kernel, ENCLU without the vDSO: $m" "$TEEHOST" sim -- \
		"$DRV" "$m" "$ENCL" "$TMP/k.pem"
done
SDK_DRIVER_DRIVER=kernel tap_sub --comments "kernel: aexnotify" "$TEEHOST" sim -- \
	"$DRV" aexnotify "$ENCL" "$TMP/k.pem"
# a kernel that has not enabled FSGSBASE (before 5.9, nofsgsbase: RDFSBASE is #UD there): the
# machine reads and writes the FS/GS bases with arch_prctl, here on a host that has it
for m in abi except threads; do
	TEEHOST_SIM_NO_FSGSBASE=1 tap_sub --comments "kernel, FSGSBASE off: $m" "$TEEHOST" sim -- \
		"$DRV" "$m" "$ENCL" "$TMP/k.pem"
done

# Sealing: EGETKEY(SEAL) is the same in two processes on the same simulated platform, differs
# for another enclave under MRENCLAVE policy and not under MRSIGNER, and differs on another
# platform. seal_of SIZE_MIB POLICY [STATE_DIR]: the driver's CMAC under the seal key.
seal_of() {
	TEEHOST_SIM_STATE_DIR=${3:-$TEEHOST_SIM_STATE_DIR} "$TEEHOST" sim -- \
		"$DRV" seal "$ENCL" "$TMP/k.pem" "$1" "$2" 2>/dev/null | sed -n 's/^seal //p'
}
a1=$(seal_of 1 1)
a2=$(seal_of 1 1)
b1=$(seal_of 2 1)
s1=$(seal_of 1 2)
s2=$(seal_of 2 2)
like "$a1" '^[0-9a-f]{32}$' "seal: the enclave derives a seal key (MRENCLAVE policy)"
is "$a2" "$a1" "seal: the same key in a second process on the same platform"
[ -n "$b1" ] && [ "$b1" != "$a1" ]
ok $? "seal: another enclave (another MRENCLAVE) gets another key under MRENCLAVE policy"
[ -n "$s1" ] && [ "$s1" = "$s2" ] && [ "$s1" != "$a1" ]
ok $? "seal: both enclaves share the key under MRSIGNER policy (same signer)"
mkdir -p "$TMP/other"
o1=$(seal_of 1 1 "$TMP/other")
[ -n "$o1" ] && [ "$o1" != "$a1" ]
ok $? "seal: another simulated platform (another platform secret) gets another key"
"$TEEHOST" keygen "$TMP/k2.pem" >/dev/null 2>&1
k2=$(TEEHOST_SIM_STATE_DIR=$TEEHOST_SIM_STATE_DIR "$TEEHOST" sim -- \
	"$DRV" seal "$ENCL" "$TMP/k2.pem" 1 2 2>/dev/null | sed -n 's/^seal //p')
[ -n "$k2" ] && [ "$k2" != "$s1" ]
ok $? "seal: another signer gets another key under MRSIGNER policy"
# remote attestation as SDK applications do it: Intel's quote library API, found by the dynamic
# linker under `teehost sim` (sim-lib/libsgx_dcap_ql.so.1), EREPORT to the QE inside an ECALL;
# the quote verifies with our verifier and names this enclave and its REPORTDATA
for d in kernel dcap; do
	rm -f "$TMP/sdk-q.bin"
	SDK_DRIVER_DRIVER=$d tap_sub "$d: quote" "$TEEHOST" sim --driver "$d" --common-lib teehost -- \
		"$DRV" quote "$ENCL" "$TMP/k.pem" "$TMP/sdk-q.bin" 5d4b0a11ce
	mr=$(sed -n 's/^mrenclave //p' "$TMP/sub.out")
	like "$(grep '^# libsgx_dcap_ql' "$TMP/sub.out")" "sim-lib/libsgx_dcap_ql.so.1\$" \
		"$d: the library is teehost's, from sim-lib/ beside the common loader"
	run "$TEEHOST" attest verify --json "$TMP/sdk-q.bin"
	is "$(jq -r .verified <<<"$out" 2>/dev/null)" true "$d: the SDK enclave's quote verifies"
	run "$TEEHOST" show --json "$TMP/sdk-q.bin"
	[ -n "$mr" ] && [ "$(jq -r .report.mrenclave <<<"$out" 2>/dev/null)" = "$mr" ]
	ok $? "$d: the quote names the SDK enclave's MRENCLAVE (${mr:0:16}...)"
	like "$(jq -r .report.report_data <<<"$out" 2>/dev/null)" "^5d4b0a11ce0000" \
		"$d: and the REPORTDATA its ECALL was given"
done
done_testing
