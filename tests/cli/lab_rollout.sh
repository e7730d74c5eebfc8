#!/usr/bin/env bash
# run.sh: background
# The lab roll-out, on real machines: two bookworm VMs booted from their disks under QEMU
# (tests/lab/vm.sh), both on Debian's 6.1 kernel, driven over SSH by Ansible exactly as lab
# hosts, gate level `kernel` (TCG has no SGX, SEV or TDX). One pair of VMs carries every
# scenario in turn, so that the boots, which are most of the time under TCG, are paid once:
#   3 + 4, kernel without the TEE option its profile asks for, as a canary: the lab kernel
#     (tests/lab/kernel.sh: tinyconfig + sgx-host + what the image needs) with a manifest
#     naming tdx-host (its config has no CONFIG_INTEL_TDX_HOST; checked below in the
#     build's own tarball) rolled out to vm1 and vm2. vm1, the canary, boots it once, fails
#     the gate on that option and is rolled back to the old default; vm2 is never touched.
#   1, good kernel: the same lab kernel with its own manifest (sgx-host) rolled out to vm1:
#     installed, booted once, gated, made GRUB's default; a plain reboot comes back on it.
#   2, kernel that panics at boot: the tiny SGX kernel kernel_e2e.sh builds (tinyconfig +
#     sgx-host + boot-test: no PCI, no virtio-blk, so it cannot mount the image's root)
#     rolled out to vm2. It panics, panic=10 resets the VM, GRUB's one-shot entry is spent
#     and the old default boots; the role reports the failure with the console's panic lines.
#   5, fleet check: vm1 (now on the lab kernel), vm2 (on Debian's) and an inventory entry
#     nobody answers give one `teehost fleet check` report with three rows.
# TEEHOST_KERNEL_E2E=1 only (CI sets it): a cold run builds the image and the lab kernel,
# then boots VMs for about 20 minutes under TCG. tests/run.sh runs it in the background,
# beside the rest of the suite, because its VMs keep one core busy while most tests use the
# other (the "run.sh: background" line above); README, "Rolling out to a lab", has the figures.
# Scenario 2 takes kernel_e2e.sh's kernel from $BUILD/kernel-e2e/sgx: run.sh lists the tests
# still to run in $TEEHOST_TESTS_PENDING, and this test waits there until kernel_e2e is done.
source "$(dirname "$0")/../lib.sh"
source "$_lib_root/tests/lab/vm.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

lab_setup "kernel roll-out scenarios and fleet check on lab VMs"
# The VMs boot while the lab kernel builds (lab_setup started it).
lab_vms_up vm1 vm2
lab_kernel_artifact "$TMP/good"
lab_kernel_artifact "$TMP/notdx" tdx-host
new=$LAB_RELEASE

# The option the no-TEE scenario relies on really is off in that kernel's config.
tar -xzOf "$LAB_KERNEL/linux-$new.tar.gz" "./boot/config-$new" >"$TMP/config-$new"
grep -q '^CONFIG_INTEL_TDX_HOST=y' "$TMP/config-$new"; r=$?
[ -s "$TMP/config-$new" ] && [ "$r" = 1 ]; ok $? "the lab kernel's $new config has no CONFIG_INTEL_TDX_HOST=y"
grep -qx 'CONFIG_INTEL_TDX_HOST=y' "$TEEHOST_DATADIR/profiles/tdx-host.config"; ok $? "the tdx-host profile asks for it"
# Without an initramfs the kernel's package tells Debian's hooks INITRD=No: no update-initramfs in the VM.
! grep -q '^CONFIG_BLK_DEV_INITRD=y' "$TMP/config-$new"; ok $? "the lab kernel needs no initramfs"

old=$(lab_ssh vm1 uname -r)
like "$old" '^6\.1\.[0-9]+-[0-9]+-amd64$' "vm1 runs the image's Debian 6.1 kernel ($old)"
old_entry="Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux $old"
new_entry="Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux $new"
# What "never touched" means for vm2: the same kernel, GRUB environment and
# /etc/default/grub, no teehost stage directory, no new package.
vm2_state() {
	lab_ssh vm2 'uname -r; grub-editenv list; sha256sum /etc/default/grub /boot/grub/grub.cfg;
		ls -d /var/cache/teehost /var/lib/teehost 2>&1; dpkg-query -W "linux-image-6.12*" 2>&1'
}
vm2_before=$(vm2_state)
next_entry() { lab_ssh "$1" grub-editenv list | sed -n 's/^next_entry=//p'; }

lab_kernel_inventory "$TMP/lab.ini" vm1 vm2
lab_ansible_env
export ANSIBLE_STDOUT_CALLBACK=default

# --- scenarios 3 and 4: no TDX_HOST in the kernel tdx-host asks for; vm1 is the canary ---
t0=$SECONDS
run "$TEEHOST" kernel deploy "$TMP/notdx" --inventory "$TMP/lab.ini" --reboot
echo "# no-TEE canary (vm1: stage, install, one-shot boot, gate, back): $((SECONDS - t0)) s"
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
is "$(next_entry vm1)" "" "no-TEE kernel: no one-shot boot left armed on vm1"
lab_ssh vm1 test -e /var/lib/teehost/kernel-previous; is $? 1 "no-TEE kernel: nothing recorded for rollback on vm1"
printf '%s\n' "$out" | grep -q '\[vm2\]'; is $? 1 "canary: no task ran on vm2"
is "$(vm2_state)" "$vm2_before" "canary: vm2 untouched (kernel, GRUB env and config, no stage dir, no package)"

# --- scenarios 1 and 2 at once, each on its own VM (one core of QEMU each) ------------------
# Two roll-outs limited to one host each, as a lab would run two kernels on two machines.
# run_bg NAME CMD...: CMD in the background, its stdout, stderr and status in $TMP/NAME.*;
# result NAME: sets out, err and rc from them once it ended. (A plain `wait` would also
# wait for the VMs' QEMU loops.)
bg_pids=()
run_bg() {
	local name=$1
	shift
	( "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"; echo $? >"$TMP/$name.rc" ) &
	bg_pids+=($!)
}
result() { out=$(cat "$TMP/$1.out"); err=$(cat "$TMP/$1.err"); rc=$(cat "$TMP/$1.rc"); }
# 1: the good kernel on vm1, then a plain reboot
good_kernel() {
	local t0=$SECONDS
	"$TEEHOST" kernel deploy "$TMP/good" --inventory "$TMP/lab.ini" --limit vm1 --reboot
	local r=$?
	echo "# good kernel (vm1: stage, one-shot boot, gate, commit): $((SECONDS - t0)) s" >&2
	lab_ssh vm1 uname -r >"$TMP/good.uname1"
	lab_vm_reboot vm1 >"$TMP/good.reboot" 2>&1; echo $? >"$TMP/good.reboot.rc"
	return $r
}
run_bg good good_kernel
# 2: kernel_e2e.sh's tiny kernel on vm2. kernel_e2e.sh makes it in the same suite: wait
# (bounded by run.sh's timeout of that test).
tiny=$BUILD/kernel-e2e/sgx
while [ -n "${TEEHOST_TESTS_PENDING:-}" ] && [ -e "$TEEHOST_TESTS_PENDING/cli/kernel_e2e" ]; do
	sleep 5
done
if [ -f "$tiny/manifest.json" ]; then
	tiny_rel=$(jq -r .kernel_release "$tiny/manifest.json")
	run_bg panic "$TEEHOST" kernel deploy "$tiny" --inventory "$TMP/lab.ini" --limit vm2 --reboot
fi
t0=$SECONDS
wait "${bg_pids[@]}"
echo "# scenarios 1 and 2 side by side: $((SECONDS - t0)) s after the tiny kernel was there"

result good
sed -n 's/^# good kernel/&/p' <<<"$err"
is "$rc" 0 "good kernel: deploy --reboot exit 0"
[ "$rc" = 0 ] || printf '%s\n%s\n' "$out" "$err" | grep -E 'FAIL|fatal|msg' | tail -n 15 | sed 's/^/# /'
like "$out" "vm1: $(lab_re "$new") passed the gate \\(kernel level\\) and is the default" \
	"good kernel: the role reports the gate passed and the commit"
is "$(cat "$TMP/good.uname1")" "$new" "good kernel: vm1 runs it after the one-shot boot"
is "$(cat "$TMP/good.reboot.rc")" 0 "good kernel: vm1 rebooted"
[ "$(cat "$TMP/good.reboot.rc")" = 0 ] || cat "$TMP/good.reboot"
is "$(lab_ssh vm1 uname -r)" "$new" "good kernel: after a plain reboot vm1 comes back on it"
lab_ssh vm1 'zcat /proc/config.gz | grep -qx CONFIG_X86_SGX=y'; ok $? "good kernel: vm1's running kernel has X86_SGX built in"
is "$(lab_saved_entry vm1)" "$new_entry" "good kernel: GRUB's saved default is the new kernel"
is "$(lab_ssh vm1 cat /var/lib/teehost/kernel-previous)" "$old" "good kernel: the previous default is remembered for rollback"
is "$(next_entry vm1)" "" "good kernel: no one-shot boot left armed"

if [ ! -f "$tiny/manifest.json" ]; then
	skip "panicking kernel on vm2" "no tiny kernel in $tiny: kernel_e2e.sh builds it (TEEHOST_KERNEL_E2E=1)"
else
	tar -xzOf "$tiny/linux-$tiny_rel.tar.gz" "./boot/config-$tiny_rel" >"$TMP/config-$tiny_rel"
	! grep -qE '^CONFIG_(VIRTIO_BLK|PCI)=y' "$TMP/config-$tiny_rel"
	ok $? "the tiny kernel ($tiny_rel) has no virtio-blk: it cannot mount the VM's root"
	result panic
	is "$rc" 1 "panicking kernel: deploy fails (exit 1)"
	like "$out" "kernel $(lab_re "$tiny_rel") failed the gate on vm2; default left at $(lab_re "$old_entry")" \
		"panicking kernel: the role reports the failure, default left at the old kernel"
	like "$out" "FAIL release: running $(lab_re "$old"), not $(lab_re "$tiny_rel")" "panicking kernel: the gate found the old kernel running"
	like "$out" "console:" "panicking kernel: the report carries the console"
	like "$out" "Kernel panic|Rebooting automatically due to panic=" "panicking kernel: the console evidence shows the panic"
	grep -aq "Linux version $tiny_rel " "$TMP/vm2.console"; ok $? "vm2's console: the tiny kernel did start"
	is "$(lab_ssh vm2 uname -r)" "$old" "panicking kernel: vm2 reset and came back on $old"
	is "$(lab_saved_entry vm2)" "$old_entry" "panicking kernel: vm2's GRUB default unchanged"
	is "$(next_entry vm2)" "" "panicking kernel: the one-shot entry is spent"
fi

# --- scenario 5: one fleet report of vm1, vm2 and a host that does not answer ---------------
rel1=$(lab_ssh vm1 uname -r)
rel2=$(lab_ssh vm2 uname -r)
{
	echo "[lab]"
	lab_inventory_line vm1
	lab_inventory_line vm2
	echo "gone ansible_host=127.0.0.1 ansible_port=9 ansible_user=root ansible_ssh_common_args='-o ConnectTimeout=5 -o BatchMode=yes'"
} >"$TMP/fleet.ini"
run "$TEEHOST" fleet check --inventory "$TMP/fleet.ini" --json
is "$rc" 1 "fleet: a host did not answer: exit 1"
[ "$rc" = 1 ] || printf '%s\n' "$err" | tail -n 10 | sed 's/^/# /'
is "$(printf '%s' "$out" | jq '.hosts | length')" 3 "fleet: one report, three rows"
is "$(printf '%s' "$out" | jq -r '[.hosts[] | "\(.name):\(.answered)"] | join(" ")')" \
	"gone:false vm1:true vm2:true" "fleet: both VMs answered, the unreachable entry did not"
is "$(printf '%s' "$out" | jq -r '.hosts[1].kernel')" "$rel1" "fleet: vm1, the release it runs ($rel1)"
is "$(printf '%s' "$out" | jq -r '.hosts[2].kernel')" "$rel2" "fleet: vm2, the release it runs ($rel2)"
like "$(printf '%s' "$out" | jq -r '.hosts[0].note')" "^unreachable: " "fleet: gone is listed as unreachable"
# TCG's CPU has no SGX: each VM's own teehost check says so, with a fix.
is "$(printf '%s' "$out" | jq -r '[.hosts[1,2].ready.sgx] | join(" ")')" "false false" "fleet: SGX ready on neither VM"
is "$(printf '%s' "$out" | jq -r '[.hosts[2].issues[] | select(.status == "fail")][0].fix | length > 0')" true \
	"fleet: vm2's failing check carries its fix"
run "$TEEHOST" fleet check --inventory "$TMP/fleet.ini"
like "$out" "vm1 +$(lab_re "$rel1") " "fleet: text report, vm1's row"
done_testing
