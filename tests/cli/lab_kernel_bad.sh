#!/usr/bin/env bash
# Lab scenarios 2, 3 and 4, on real machines: two bookworm VMs booted from their
# disks under QEMU (tests/lab/vm.sh), both running Debian's 6.1 kernel, gate level
# `kernel` (TCG has no SGX or TDX).
#   3 + 4, kernel without the TEE option its profile asks for, as a canary: the lab
#     kernel (tests/lab/kernel.sh: the tiny SGX kernel plus what the image needs) with
#     a manifest naming tdx-host (its config has no CONFIG_INTEL_TDX_HOST; checked
#     below in the build's own tarball) rolled out to vm1 and vm2. vm1, the canary, boots it once, fails the gate on that option and
#     is rolled back to the old default; vm2 is never touched.
#   2, kernel that panics at boot: the tiny SGX kernel kernel_e2e.sh builds with
#     `teehost kernel build` (tinyconfig + sgx-host + boot-test: no PCI, no
#     virtio-blk, so it cannot mount the image's root) rolled out to vm2. Its initramfs
#     gives up on /dev/vda1 and panics, panic=10 resets the VM, GRUB's one-shot entry is
#     spent and the old default boots; the role reports the failure with the console's
#     panic lines.
# TEEHOST_KERNEL_E2E=1 TEEHOST_LAB_E2E=1 only (minutes under TCG). Scenario 2 takes
# kernel_e2e.sh's kernel from $BUILD/kernel-e2e/sgx (it runs first in the suite).
source "$(dirname "$0")/../lib.sh"
source "$_lib_root/tests/lab/vm.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

lab_setup "kernel without its TEE option, canary, panicking kernel on lab VMs"
lab_kernel_artifact "$TMP/notdx" tdx-host
new=$LAB_RELEASE

# The option the no-TEE scenario relies on really is off in that kernel's config.
tar -xzOf "$LAB_KERNEL/linux-$new.tar.gz" "./boot/config-$new" >"$TMP/config-$new"
grep -q '^CONFIG_INTEL_TDX_HOST=y' "$TMP/config-$new"; r=$?
[ -s "$TMP/config-$new" ] && [ "$r" = 1 ]; ok $? "the lab kernel's $new config has no CONFIG_INTEL_TDX_HOST=y"
grep -qx 'CONFIG_INTEL_TDX_HOST=y' "$TEEHOST_DATADIR/profiles/tdx-host.config"; ok $? "the tdx-host profile asks for it"

lab_vms_up vm1 vm2
old=$(lab_ssh vm1 uname -r)
like "$old" '^6\.1\.[0-9]+-[0-9]+-amd64$' "vm1 runs the image's Debian 6.1 kernel ($old)"
old_entry="Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux $old"
# What "never touched" means for vm2: the same kernel, GRUB environment and
# /etc/default/grub, no teehost stage directory, no new package.
vm2_state() {
	lab_ssh vm2 'uname -r; grub-editenv list; sha256sum /etc/default/grub /boot/grub/grub.cfg;
		ls -d /var/cache/teehost /var/lib/teehost 2>&1; dpkg-query -W "linux-image-6.12*" 2>&1'
}
vm2_before=$(vm2_state)

lab_kernel_inventory "$TMP/lab.ini" vm1 vm2
lab_ansible_env
export ANSIBLE_STDOUT_CALLBACK=default

# --- scenarios 3 and 4: no TDX_HOST in the kernel tdx-host asks for; vm1 is the canary
run "$TEEHOST" kernel deploy "$TMP/notdx" --inventory "$TMP/lab.ini" --reboot
is "$rc" 1 "no-TEE kernel: deploy fails (exit 1)"
like "$out" "kernel $(lab_re "$new") failed the gate on vm1; default left at $(lab_re "$old_entry")" \
	"no-TEE kernel: the role reports vm1 failed the gate, default left at the old kernel"
like "$out" "FAIL tdx-host: CONFIG_INTEL_TDX_HOST: asked y, the running kernel has n" \
	"no-TEE kernel: the failing check is named: CONFIG_INTEL_TDX_HOST"
# The role reports only failing checks: no failing release check means the gate ran on
# the new kernel; the console shows it starting.
printf '%s\n' "$out" | grep -q 'FAIL release'; is $? 1 "no-TEE kernel: the gate ran on $new (no release check failed)"
grep -aq "Linux version $new " "$TMP/vm1.console"; ok $? "no-TEE kernel: vm1's console shows $new booting"
is "$(lab_ssh vm1 uname -r)" "$old" "no-TEE kernel: vm1 rolled back, runs $old again"
is "$(lab_saved_entry vm1)" "$old_entry" "no-TEE kernel: vm1's GRUB default is still the old kernel"
is "$(lab_ssh vm1 grub-editenv list | sed -n 's/^next_entry=//p')" "" "no-TEE kernel: no one-shot boot left armed on vm1"
lab_ssh vm1 test -e /var/lib/teehost/kernel-previous; is $? 1 "no-TEE kernel: nothing recorded for rollback on vm1"
printf '%s\n' "$out" | grep -q '\[vm2\]'; is $? 1 "canary: no task ran on vm2"
is "$(vm2_state)" "$vm2_before" "canary: vm2 untouched (kernel, GRUB env and config, no stage dir, no package)"

# --- scenario 2: a kernel that panics at boot, on vm2 -------------------------------------
tiny=$BUILD/kernel-e2e/sgx
if [ ! -f "$tiny/manifest.json" ]; then
	skip "panicking kernel on vm2" "no tiny kernel in $tiny: kernel_e2e.sh builds it (TEEHOST_KERNEL_E2E=1)"
	done_testing
	exit
fi
tiny_rel=$(jq -r .kernel_release "$tiny/manifest.json")
tar -xzOf "$tiny/linux-$tiny_rel.tar.gz" "./boot/config-$tiny_rel" >"$TMP/config-$tiny_rel"
! grep -qE '^CONFIG_(VIRTIO_BLK|PCI)=y' "$TMP/config-$tiny_rel"; ok $? "the tiny kernel ($tiny_rel) has no virtio-blk: it cannot mount the VM's root"
run "$TEEHOST" kernel deploy "$tiny" --inventory "$TMP/lab.ini" --limit vm2 --reboot
is "$rc" 1 "panicking kernel: deploy fails (exit 1)"
like "$out" "kernel $(lab_re "$tiny_rel") failed the gate on vm2; default left at $(lab_re "$old_entry")" \
	"panicking kernel: the role reports the failure, default left at the old kernel"
like "$out" "FAIL release: running $(lab_re "$old"), not $(lab_re "$tiny_rel")" "panicking kernel: the gate found the old kernel running"
like "$out" "console:" "panicking kernel: the report carries the console"
like "$out" "Kernel panic|Rebooting automatically due to panic=" "panicking kernel: the console evidence shows the panic"
grep -aq "Linux version $tiny_rel " "$TMP/vm2.console"; ok $? "vm2's console: the tiny kernel did start"
is "$(lab_ssh vm2 uname -r)" "$old" "panicking kernel: vm2 reset and came back on $old"
is "$(lab_saved_entry vm2)" "$old_entry" "panicking kernel: vm2's GRUB default unchanged"
is "$(lab_ssh vm2 grub-editenv list | sed -n 's/^next_entry=//p')" "" "panicking kernel: the one-shot entry is spent"
done_testing
