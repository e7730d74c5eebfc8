#!/usr/bin/env bash
# Lab scenario 1, on a real machine: a good kernel. One bookworm VM booted from its
# disk under QEMU (tests/lab/vm.sh) runs Debian's 6.1 kernel; `teehost kernel deploy
# --reboot` rolls the lab kernel out to it over SSH with the gate at the `kernel` level
# (TCG has no SGX): installed, booted once, gated, made GRUB's default. A reboot then
# comes back on it. The lab kernel (tests/lab/kernel.sh, built once into the lab cache)
# is a real `teehost kernel build` output: the tiny SGX kernel of kernel_e2e.sh plus
# what the image needs to boot; its manifest names sgx-host and boot-test, and the gate
# checks those profiles' options in the running kernel's own config.
# TEEHOST_KERNEL_E2E=1 TEEHOST_LAB_E2E=1 only (minutes under TCG).
source "$(dirname "$0")/../lib.sh"
source "$_lib_root/tests/lab/vm.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

lab_setup "good kernel rolled out to a lab VM, reboot comes back on it"
lab_kernel_artifact "$TMP/art"
new=$LAB_RELEASE

lab_vms_up vm1
old=$(lab_ssh vm1 uname -r)
like "$old" '^6\.1\.[0-9]+-[0-9]+-amd64$' "vm1 runs the image's Debian 6.1 kernel ($old)"

lab_kernel_inventory "$TMP/lab.ini" vm1
lab_ansible_env
export ANSIBLE_STDOUT_CALLBACK=default

t0=$SECONDS
run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/lab.ini" --reboot
echo "# deploy --reboot (stage, install, one-shot boot, gate, commit) took $((SECONDS - t0)) s"
is "$rc" 0 "deploy --reboot: exit 0"
[ "$rc" = 0 ] || printf '%s\n%s\n' "$out" "$err" | grep -E 'FAIL|fatal|msg' | tail -n 15 | sed 's/^/# /'
like "$out" "vm1: $(lab_re "$new") passed the gate \\(kernel level\\) and is the default" "the role reports the gate passed and the commit"
is "$(lab_ssh vm1 uname -r)" "$new" "vm1 runs the new kernel after the one-shot boot"
lab_ssh vm1 'zcat /proc/config.gz | grep -qx CONFIG_X86_SGX=y'; ok $? "vm1's running kernel has X86_SGX built in"
is "$(lab_saved_entry vm1)" \
	"Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux $new" "GRUB's saved default is the new kernel"
is "$(lab_ssh vm1 cat /var/lib/teehost/kernel-previous)" "$old" "the previous default is remembered for rollback"
is "$(lab_ssh vm1 grub-editenv list | sed -n 's/^next_entry=//p')" "" "no one-shot boot left armed"

lab_vm_reboot vm1; r=$?
ok $r "vm1 rebooted"
is "$(lab_ssh vm1 uname -r)" "$new" "after a plain reboot vm1 comes back on the new kernel"
done_testing
