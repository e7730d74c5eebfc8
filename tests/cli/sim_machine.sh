#!/usr/bin/env bash
# The simulated machine as programs see it: an Intel SGX part wherever they look (teehost check,
# /proc/cpuinfo, the driver's sysfs and kernel configuration), who may open the provision node
# (--provision, Intel's PCE as the case), and the libsgx_enclave_common.so.1 PROGRAM gets.
source "$(dirname "$0")/../lib.sh"
export TEEHOST_SIM_STATE_DIR=$TMP/state
PCE=$VECTORS/ratel-psw/libsgx_pce.signed.so

# --- identity --------------------------------------------------------------------------------
run "$TEEHOST" sim -- "$TEEHOST" check --only sgx
is "$rc" 0 "teehost check --only sgx on the simulator: ready"
like "$out" "^teehost check: GenuineIntel Intel\(R\) Xeon\(R\) CPU \(teehost simulated SGX\) \(family 0x6 model 0x6a\)" \
	"an Intel part, family 6 model 0x6A, whatever the host"
like "$out" "PASS  sgx.sgx2 " "SGX2"
like "$out" "PASS  sgx.flc  .*Flexible Launch Control" "FLC"
like "$out" "PASS  sgx.cpuinfo " "/proc/cpuinfo has the sgx flags"
like "$out" "PASS  sgx.kconfig " "the kernel configuration has CONFIG_X86_SGX=y"
like "$out" "PASS  sgx.epc_sysfs " "node0/x86/sgx_total_bytes agrees with CPUID"
run "$TEEHOST" sim --epc 96M -- cat /sys/devices/system/node/node0/x86/sgx_total_bytes
is "$out" "100663296" "sgx_total_bytes is --epc"

run "$TEEHOST" sim -- cat /proc/cpuinfo
like "$out" "vendor_id	: GenuineIntel" "cpuinfo: vendor_id"
like "$out" "model name	: Intel\(R\) Xeon\(R\) CPU \(teehost simulated SGX\)" "cpuinfo: model name"
like "$out" "flags		: .* sgx( |$)" "cpuinfo: sgx flag"
like "$out" "flags		: .* sgx_lc( |$)" "cpuinfo: sgx_lc flag"
! grep -qE '^vendor_id.*AuthenticAMD|^flags.* (svm|sev|sev_snp)( |$)' <<<"$out"
ok $? "cpuinfo: no AMD vendor or AMD-only flag"
host_avx512=$(grep -c '^flags.* avx512f' /proc/cpuinfo)
is "$(grep -c '^flags.* avx512f' <<<"$out")" "$host_avx512" "cpuinfo: AVX-512 only as the host has it"
run "$TEEHOST" sim -- python3 -c 'print(open("/proc/cpuinfo").read().count("GenuineIntel") > 0)'
if [ "$rc" = 127 ]; then skip "fopen()" "no python3"; else is "$out" "True" "fopen() sees it too"; fi

run "$TEEHOST" sim --driver isgx -- cat /proc/cpuinfo
! grep -q ' sgx_lc' <<<"$out"
ok $? "isgx (no FLC): no sgx_lc"
run "$TEEHOST" sim --driver isgx -- "$TEEHOST" check --only sgx
like "$out" "PASS  sgx.driver .*isgx" "isgx: the loader's probe (/dev/isgx) says which driver"
run "$TEEHOST" sim --driver dcap -- "$TEEHOST" check --only sgx
is "$rc" 0 "dcap: ready"
like "$out" "sgx.driver .*DCAP driver \(intel_sgx\) is in use" "dcap: the loader's probe (/dev/sgx/enclave, no vDSO entry) says which driver"

# --- provisioning access ---------------------------------------------------------------------
run "$TEEHOST" sim --provision maybe -- true
is "$rc" 2 "--provision: a bad policy is a usage error"
run "$TEEHOST" sim --provision deny -- sh -c 'exec 3</dev/sgx_provision'
is "$rc" 2 "deny: nobody opens /dev/sgx_provision, root included"
run "$TEEHOST" sim --provision allow -- sh -c 'exec 3</dev/sgx_provision'
is "$rc" 0 "allow: everyone does"
run "$TEEHOST" sim --provision group:root -- sh -c 'exec 3</dev/sgx_provision'
is "$rc" 0 "group:NAME: root does"
# The node's group, as udev would set it, looked up once by `teehost sim`: the program's stat of
# the node takes TEEHOST_SIM_PROVISION_GID and makes no NSS lookup of its own.
gid=$(getent group nogroup | cut -d: -f3)
if [ -n "$gid" ]; then
	run "$TEEHOST" sim --provision group:nogroup -- stat -c '%g %a' /dev/sgx_provision
	is "$out" "$gid 660" "group:nogroup: /dev/sgx_provision is root:nogroup 0660"
	run "$TEEHOST" sim --provision group:nogroup -- sh -c 'echo $TEEHOST_SIM_PROVISION_GID'
	is "$out" "$gid" "teehost sim passes the group's id it looked up"
	run "$TEEHOST" sim --provision group:nogroup -- env TEEHOST_SIM_PROVISION_GID=4242 \
		stat -c '%g %a' /dev/sgx_provision
	is "$out" "4242 660" "the program's stat takes that id, without a lookup of its own"
else
	skip "group:nogroup" "this system has no group nogroup"
fi
run "$TEEHOST" sim --provision group:teehost-no-such-group -- \
	sh -c 'echo $TEEHOST_SIM_PROVISION_GID; stat -c "%g %a" /dev/sgx_provision'
is "$out" "none
0 600" "group:NAME of a group that does not exist: root's node, 0600"
run "$TEEHOST" sim --provision allow -- sh -c 'echo "${TEEHOST_SIM_PROVISION_GID-unset}"'
is "$out" "unset" "allow: no group to look up"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$TEEHOST" sim --provision group:root -- \
		sh -c 'exec 3</dev/sgx_provision'
	is "$rc" 2 "group:root: nobody does not"
	run setpriv --reuid=65534 --regid=0 --clear-groups "$TEEHOST" sim --provision group:root -- \
		sh -c 'exec 3</dev/sgx_provision'
	is "$rc" 0 "group:root: a member of root does"
else
	skip "group:NAME as another user" "needs root and setpriv"
fi
if [ -r "$PCE" ]; then
	run "$TEEHOST" sim --provision deny -- "$TEEHOST" run "$PCE"
	is "$rc" 1 "deny, kernel: Intel's PCE (PROVISIONKEY) is refused"
	like "$err" "common-loader error 0x0006" "as ENCLAVE_NOT_AUTHORIZED"
	run "$TEEHOST" sim --provision allow -- "$TEEHOST" run "$PCE"
	is "$rc" 0 "allow, kernel: Intel's PCE loads"
	run "$TEEHOST" sim --driver dcap --provision deny -- "$TEEHOST" run "$PCE"
	is "$rc" 0 "deny, dcap: Intel's PCE loads anyway (the driver's Intel-signer allow-list)"
	"$TEEHOST" keygen "$TMP/k.pem" >/dev/null 2>&1
	"$TEEHOST" sign -k "$TMP/k.pem" --debug --attributes 0x16 -o "$TMP/prov.sig" "$BUILD/sample.elf" >/dev/null
	run "$TEEHOST" sim --driver dcap --provision deny -- "$TEEHOST" run --sigstruct "$TMP/prov.sig" \
		"$BUILD/sample.elf"
	like "$err" "common-loader error 0x0006" "deny, dcap: another signer's PROVISIONKEY enclave is refused"
else
	skip "Intel's PCE under --provision" "$PCE is not available"
fi

# --- EPC paging: iot-gateway's 512 MiB ELRANGE through a 64 MiB EPC -----------------------
IOT=$VECTORS/initc3-auditee/iot-gateway/enclave.signed.so
LE=$VECTORS/ratel-psw/libsgx_le.signed.so
if [ -r "$IOT" ] && [ -r "$LE" ]; then
	[ -f "$TMP/k.pem" ] || "$TEEHOST" keygen "$TMP/k.pem" >/dev/null 2>&1
	# debug-signed: Intel's launch enclave gives production enclaves of other signers no token
	"$TEEHOST" sign --key "$TMP/k.pem" --debug --out "$TMP/iot.so" "$IOT" >/dev/null
	for d in kernel dcap isgx; do
		run env TEEHOST_LAUNCH_ENCLAVE="$LE" "$TEEHOST" sim --driver "$d" --epc 64M -- \
			"$TEEHOST" run "$TMP/iot.so"
		like "$out" "SDK runtime initialization ECALL .* succeeded" \
			"$d: iot-gateway (512 MiB ELRANGE) loads and enters with --epc 64M"
	done
else
	skip "iot-gateway through a small EPC" "$IOT or $LE is not available"
fi

# --- libsgx_enclave_common.so.1 for PROGRAM -------------------------------------------------
run "$TEEHOST" sim -- sh -c 'echo "$LD_LIBRARY_PATH"'
like "$out" "/sim-lib$" "no system copy: teehost's sim-lib/ goes on LD_LIBRARY_PATH"
is "$(readlink -f "$BUILD/sim-lib/libsgx_enclave_common.so.1")" "$(readlink -f "$BUILD/libsgx_enclave_common.so.1")" \
	"sim-lib/ holds teehost's library"
is "$(readlink -f "$BUILD/sim-lib/libsgx_dcap_ql.so.1")" "$(readlink -f "$BUILD/libsgx_dcap_ql.so.1")" \
	"sim-lib/ holds teehost's quote library (mk/attest.mk)"
is "$(ls "$BUILD/sim-lib" | tr '\n' ' ')" "libsgx_dcap_ql.so.1 libsgx_enclave_common.so.1 " \
	"and nothing else"
mkdir -p "$TMP/installed"
cp "$BUILD/libsgx_enclave_common.so.1" "$TMP/installed/"
run env LD_LIBRARY_PATH="$TMP/installed" "$TEEHOST" sim -- sh -c 'echo "$LD_LIBRARY_PATH"'
is "$out" "$TMP/installed" "an installed copy is found: it is left to be used"
run env LD_LIBRARY_PATH="$TMP/installed" "$TEEHOST" sim --common-lib teehost -- sh -c 'echo "$LD_LIBRARY_PATH"'
like "$out" "/sim-lib:$TMP/installed$" "--common-lib teehost: teehost's first"
run "$TEEHOST" sim --common-lib system -- sh -c 'echo "[$LD_LIBRARY_PATH]"'
is "$out" "[]" "--common-lib system: the search path is left alone"
CT=$BUILD/tests/loader/common_test
if [ -x "$CT" ]; then
	# a copy whose $ORIGIN/../.. runpath finds no library: as on a host with none installed
	mkdir -p "$TMP/app/x/y"
	cp "$CT" "$TMP/app/x/y/"
	"$TEEHOST" sign -k "$TMP/k.pem" --debug -o "$TMP/sample.sig" "$BUILD/sample.elf" >/dev/null
	run env -u LD_LIBRARY_PATH "$TMP/app/x/y/common_test" nodev
	is "$rc" 127 "without the simulator the program finds no libsgx_enclave_common.so.1"
	run env -u LD_LIBRARY_PATH "$TEEHOST" sim -- "$TMP/app/x/y/common_test" run "$BUILD/sample.elf" \
		"$TMP/sample.sig" sample
	is "$rc" 0 "under it, teehost's is provided and the enclave runs"
else
	skip "a program linked against libsgx_enclave_common.so.1" "$CT not built (make tests)"
fi
done_testing
