#!/usr/bin/env bash
# Lab scenario 5, on real machines: two bookworm VMs booted from their disks under
# QEMU (tests/lab/vm.sh) and one inventory entry nobody answers give one
# `teehost fleet check` report with three rows; each VM's row carries the kernel
# release the VM itself reports. TEEHOST_KERNEL_E2E=1 TEEHOST_LAB_E2E=1 only (minutes under TCG).
source "$(dirname "$0")/../lib.sh"
source "$_lib_root/tests/lab/vm.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

lab_setup "fleet check of two lab VMs and an unreachable host"
lab_vms_up vm1 vm2
rel1=$(lab_ssh vm1 uname -r)
rel2=$(lab_ssh vm2 uname -r)

{
	echo "[lab]"
	lab_inventory_line vm1
	lab_inventory_line vm2
	echo "gone ansible_host=127.0.0.1 ansible_port=9 ansible_user=root ansible_ssh_common_args='-o ConnectTimeout=5 -o BatchMode=yes'"
} >"$TMP/lab.ini"
lab_ansible_env

run "$TEEHOST" fleet check --inventory "$TMP/lab.ini" --json
is "$rc" 1 "a host did not answer: exit 1"
[ "$rc" = 1 ] || printf '%s\n' "$err" | tail -n 10 | sed 's/^/# /'
is "$(printf '%s' "$out" | jq '.hosts | length')" 3 "one report, three rows"
is "$(printf '%s' "$out" | jq -r '[.hosts[] | "\(.name):\(.answered)"] | join(" ")')" \
	"gone:false vm1:true vm2:true" "both VMs answered, the unreachable entry did not"
is "$(printf '%s' "$out" | jq -r '.hosts[1].kernel')" "$rel1" "vm1: the release it runs ($rel1)"
is "$(printf '%s' "$out" | jq -r '.hosts[2].kernel')" "$rel2" "vm2: the release it runs"
like "$(printf '%s' "$out" | jq -r '.hosts[0].note')" "^unreachable: " "gone: listed as unreachable"
# TCG's CPU has no SGX: the VM's own teehost check says so, with a fix.
is "$(printf '%s' "$out" | jq -r '.hosts[1].ready.sgx')" false "vm1: SGX not ready"
is "$(printf '%s' "$out" | jq -r '[.hosts[1].issues[] | select(.status == "fail")][0].fix | length > 0')" true \
	"vm1: a failing check carries its fix"
run "$TEEHOST" fleet check --inventory "$TMP/lab.ini"
like "$out" "vm1 +$rel1 " "text report: vm1's row"
done_testing
