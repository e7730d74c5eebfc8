# shellcheck shell=bash
# Lab machines for the roll-out tests: throw-away VMs booted from the cached lab
# image (tests/lab/image.sh) under QEMU (KVM when the CPU has vmx/svm and /dev/kvm opens, else TCG),
# each with its SSH port forwarded to 127.0.0.1 only, driven by Ansible over SSH
# exactly as a lab host. Source after tests/lib.sh:
#   lab_why                 prints why the lab cannot run here (empty: it can)
#   lab_image               builds or reuses the image; sets LAB_CACHE (prints the log tail on failure)
#   lab_vm_start NAME       boots NAME on a copy-on-write overlay in $TMP; sets LAB_PORT_<NAME>;
#                           its serial console goes to $TMP/NAME.console; a guest reset
#                           restarts QEMU on the same disk (a power cycle)
#   lab_vm_wait_ssh NAME    waits until root@NAME answers over SSH (the boot, however slow
#                           TCG is, bounded by LAB_BOOT_TIMEOUT seconds, default 900)
#   lab_ssh NAME CMD...     runs CMD on NAME as root
#   lab_inventory_line NAME the Ansible inventory line for NAME
#   lab_vm_reboot NAME      reboots NAME and waits until it answers from the new boot
#   lab_vm_stop_all         powers every VM of this test off (also on EXIT)
#   lab_ansible_env         points Ansible's state (home, temp dirs, SSH control sockets)
#                           into $TMP: HOME stays clean
#   lab_saved_entry NAME    GRUB's saved default entry on NAME (grub-editenv)
#   lab_re STRING           STRING as an extended regex matching itself (for like)
#   lab_setup DESC          skip DESC unless the lab can run; else the EXIT trap, the image,
#                           and the lab kernel's build started beside it
#   lab_kernel_artifact DIR [PROFILE]  the lab kernel (tests/lab/kernel.sh) as a deploy
#                           artifact in DIR, its manifest naming PROFILE if given
#   lab_vms_up NAME...      lab_vm_start + lab_vm_wait_ssh for each, with a result line each
#   lab_kernel_inventory FILE NAME...  a lab inventory for `teehost kernel deploy` (gate level
#                           kernel, console command printing the serial log around a reset)

lab_why() {
	[ "${TEEHOST_KERNEL_E2E:-}" = 1 ] ||
		{ echo "builds an image and a kernel, then boots VMs for about 20 minutes: set TEEHOST_KERNEL_E2E=1 (CI does)"; return; }
	case $BUILD in *-san) echo "runs once, with the normal build"; return ;; esac
	[ "$(id -u)" = 0 ] || { echo "needs root (the image is built through a loop device)"; return; }
	local t
	for t in qemu-system-x86_64 qemu-img debootstrap ansible-playbook ssh ssh-keygen sfdisk losetup; do
		command -v "$t" >/dev/null || { echo "$t not installed (make deps)"; return; }
	done
	# the lab kernel (tests/lab/kernel.sh) is built from Debian's 6.12 source
	[ -r /usr/src/linux-source-6.12.tar.xz ] || echo "needs linux-source-6.12 for the lab kernel (make deps)"
}

lab_image() {
	LAB_CACHE=$("$_lib_root/tests/lab/image.sh" 2>"$TMP/lab-image.log") || {
		tail -n 5 "$TMP/lab-image.log" | sed 's/^/# /'
		return 1
	}
	export LAB_CACHE
}

lab_vm_pids=() lab_vm_names=()
lab_vm_stop_all() {
	local i
	for i in "${!lab_vm_pids[@]}"; do
		touch "$TMP/${lab_vm_names[$i]}.stopped"
	done
	# A reset may start the next QEMU between two looks: kill until the loop is gone.
	for i in "${!lab_vm_pids[@]}"; do
		while kill -0 "${lab_vm_pids[$i]}" 2>/dev/null; do
			kill "$(cat "$TMP/${lab_vm_names[$i]}.qemu.pid" 2>/dev/null)" 2>/dev/null
			sleep 0.2
		done
	done
	lab_vm_pids=() lab_vm_names=()
}

# A free TCP port on 127.0.0.1 (the kernel picks it; QEMU binds it right after).
lab_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# KVM only where the boot test would use it (src/kernel/boottest.c, th_kvm_usable): the
# CPU flags name vmx or svm and /dev/kvm opens read-write. A paravirtual /dev/kvm without
# them (kvm-pvm) opens, yet its guests hung in GRUB here. TEEHOST_LAB_ACCEL=kvm|tcg forces one.
lab_accel() {
	if [ -n "${TEEHOST_LAB_ACCEL:-}" ]; then
		echo "$TEEHOST_LAB_ACCEL"
	elif grep -qwE 'vmx|svm' /proc/cpuinfo && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		echo kvm
	else
		echo tcg
	fi
}

lab_vm_start() {
	local name=$1 port accel
	port=$(lab_free_port)
	printf -v "LAB_PORT_$name" '%s' "$port"
	accel=$(lab_accel)
	qemu-img create -q -f qcow2 -F qcow2 -b "$LAB_CACHE/disk.qcow2" "$TMP/$name.qcow2" || return 1
	# -cpu max: the guest sees what TCG can emulate. A guest reset (a reboot, a
	# panic=N) ends QEMU (-no-reboot) and the loop starts a new one on the same disk,
	# as a power cycle of a lab machine does; the console file is appended to.
	# (QEMU's own warm reset under TCG left GRUB in "Loading initial ramdisk" for 4
	# and then more than 10 minutes, where a cold start boots to SSH in about 90 s.)
	(
		while [ ! -e "$TMP/$name.stopped" ]; do
			qemu-system-x86_64 -machine q35,accel=$accel -cpu max -m 768 -smp 1 -no-reboot \
				-display none -monitor none \
				-chardev "file,id=console,path=$TMP/$name.console,append=on" -serial chardev:console \
				-drive "file=$TMP/$name.qcow2,if=virtio,format=qcow2" \
				-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=n0 \
				</dev/null >>"$TMP/$name.qemu.log" 2>&1 &
			echo $! >"$TMP/$name.qemu.pid"
			wait $! || break
		done
	) &
	lab_vm_pids+=($!)
	lab_vm_names+=("$name")
}

lab_ssh_opts() {
	local name=$1 port_var="LAB_PORT_$1"
	echo "-i $LAB_CACHE/id_ed25519 -p ${!port_var} -o BatchMode=yes -o StrictHostKeyChecking=no" \
		"-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5"
}

lab_ssh() {
	local name=$1
	shift
	# shellcheck disable=SC2046
	ssh $(lab_ssh_opts "$name") root@127.0.0.1 "$@"
}

lab_vm_wait_ssh() {
	local name=$1 deadline=$((SECONDS + ${LAB_BOOT_TIMEOUT:-900}))
	while [ "$SECONDS" -lt "$deadline" ]; do
		lab_ssh "$name" true 2>/dev/null && return 0
		sleep 3
	done
	echo "# $name did not answer over SSH; console tail:"
	tail -n 15 "$TMP/$name.console" | sed 's/^/#   /'
	return 1
}

lab_inventory_line() {
	local name=$1 port_var="LAB_PORT_$1"
	echo "$name ansible_host=127.0.0.1 ansible_port=${!port_var} ansible_user=root" \
		"ansible_ssh_private_key_file=$LAB_CACHE/id_ed25519 ansible_python_interpreter=/usr/bin/python3" \
		"ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'"
}

# The boot id changes on every boot: that, not SSH answering, says the reboot happened.
lab_vm_reboot() {
	local name=$1 before now deadline=$((SECONDS + ${LAB_BOOT_TIMEOUT:-900}))
	before=$(lab_ssh "$name" cat /proc/sys/kernel/random/boot_id) || return 1
	lab_ssh "$name" systemctl reboot 2>/dev/null
	while [ "$SECONDS" -lt "$deadline" ]; do
		sleep 3
		now=$(lab_ssh "$name" cat /proc/sys/kernel/random/boot_id 2>/dev/null) || continue
		[ "$now" != "$before" ] && return 0
	done
	echo "# $name did not come back from the reboot; console tail:"
	tail -n 15 "$TMP/$name.console" | sed 's/^/#   /'
	return 1
}

lab_ansible_env() {
	export ANSIBLE_NOCOLOR=1 ANSIBLE_HOME=$TMP/ansible-home ANSIBLE_LOCAL_TEMP=$TMP/ansible-local \
		ANSIBLE_SSH_CONTROL_PATH_DIR=$TMP/ansible-cp ANSIBLE_REMOTE_TEMP=$TMP/ansible-remote \
		ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0 ANSIBLE_HOST_KEY_CHECKING=0
}

lab_saved_entry() {
	lab_ssh "$1" grub-editenv list | sed -n 's/^saved_entry=//p'
}

# lab_setup DESC: the start of a lab test. Skips DESC (and ends the test) when the lab
# cannot run here; else powers the VMs off on exit, starts the lab kernel's build (or
# reuse) and builds or reuses the image beside it.
lab_setup() {
	local why r
	why=$(lab_why)
	if [ -n "$why" ]; then
		skip "$1" "$why"
		done_testing
		exit 0
	fi
	# A test that ends early still waits for the kernel build: left running, it would
	# outlive the test.
	trap 'lab_vm_stop_all; [ -z "${lab_kernel_pid:-}" ] || wait "$lab_kernel_pid"; rm -rf "$TMP"' EXIT
	# The lab kernel builds (CPU) while the image is made (mostly the mirror and dpkg) and
	# the VMs boot; lab_kernel_artifact waits for it.
	"$_lib_root/tests/lab/kernel.sh" >"$TMP/lab-kernel.out" 2>"$TMP/lab-kernel.log" &
	lab_kernel_pid=$!
	lab_image; r=$?
	ok $r "lab image built or reused (${LAB_CACHE:-})"
	[ "$r" = 0 ] || { done_testing; exit 1; }
}

# lab_kernel_artifact DIR [PROFILE]: the lab kernel (tests/lab/kernel.sh: tinyconfig,
# sgx-host and what the image needs, built once into the lab cache; after lab_setup, whose
# build the first call waits for, later ones take the same) as an artifact for `teehost
# kernel deploy`: DIR is the build output itself (its manifest names sgx-host), or, with
# PROFILE, DIR gets its .deb and a copy of its manifest naming PROFILE instead (a kernel
# without that profile's options). Sets LAB_DEB and LAB_RELEASE.
lab_kernel_artifact() {
	local dir=$1 profile=${2:-} r
	# lab_setup's build, waited for once: a later call takes the same kernel
	if [ -n "${lab_kernel_pid:-}" ]; then
		wait "$lab_kernel_pid"; r=$?
		lab_kernel_pid=
		LAB_KERNEL=$(cat "$TMP/lab-kernel.out")
		ok $r "lab kernel built or reused (${LAB_KERNEL:-})"
		[ "$r" = 0 ] || { tail -n 5 "$TMP/lab-kernel.log" | sed 's/^/# /'; done_testing; exit 1; }
	fi
	LAB_RELEASE=$(jq -r .kernel_release "$LAB_KERNEL/manifest.json")
	LAB_DEB=$(ls "$LAB_KERNEL/linux-image-${LAB_RELEASE}_"*.deb)
	if [ -z "$profile" ]; then
		ln -s "$LAB_KERNEL" "$dir"
		return
	fi
	mkdir -p "$dir"
	ln -s "$LAB_DEB" "$dir/${LAB_DEB##*/}"
	jq --arg p "$profile" '.profiles = [$p]' "$LAB_KERNEL/manifest.json" >"$dir/manifest.json"
}

# lab_vms_up NAME...: boots the VMs together, waits until each answers over SSH; ends
# the test when one does not.
lab_vms_up() {
	local name r all=0
	for name in "$@"; do lab_vm_start "$name" || all=1; done
	ok $all "VMs started: $*"
	for name in "$@"; do
		lab_vm_wait_ssh "$name"; r=$?
		ok $r "$name answers over SSH on 127.0.0.1"
		[ "$r" = 0 ] || all=1
	done
	[ "$all" = 0 ] || { done_testing; exit 1; }
}

# lab_kernel_inventory FILE NAME...: the inventory a lab would give `teehost kernel
# deploy` for these VMs: the gate at the kernel level (TCG has no SGX, SEV or TDX) and,
# as the console command, the VM's serial log around its last reset (a panic).
lab_kernel_inventory() {
	local file=$1 name
	shift
	cat >"$TMP/console.sh" <<'SH'
#!/bin/sh
grep -a -E -B 25 -A 2 'Kernel panic|Rebooting automatically|Rebooting in' "$1" | tail -n 30 | tr -d '\r'
SH
	chmod +x "$TMP/console.sh"
	{
		echo "[lab]"
		for name in "$@"; do
			echo "$(lab_inventory_line "$name") teehost_kernel_console_command='$TMP/console.sh $TMP/$name.console'"
		done
		echo "[lab:vars]"
		echo "teehost_kernel_gate_level=kernel"
	} >"$file"
}

# lab_re STRING: STRING as an extended regex matching only itself (for like): kernel
# releases carry '+' and '.' (6.12.118+deb12-amd64), GRUB entries '>'.
lab_re() {
	printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'
}
