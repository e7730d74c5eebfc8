# shellcheck shell=bash
# Lab machines for the roll-out tests: throw-away VMs booted from the cached lab
# image (tests/lab/image.sh) under QEMU (KVM when /dev/kvm is there, else TCG),
# each with its SSH port forwarded to 127.0.0.1 only, driven by Ansible over SSH
# exactly as a lab host. Source after tests/lib.sh:
#   lab_why                 prints why the lab cannot run here (empty: it can)
#   lab_image               builds or reuses the image; sets LAB_CACHE (prints the log tail on failure)
#   lab_vm_start NAME       boots NAME on a copy-on-write overlay in $TMP; sets LAB_PORT_<NAME>;
#                           its serial console goes to $TMP/NAME.console
#   lab_vm_wait_ssh NAME    waits until root@NAME answers over SSH (the boot, however slow
#                           TCG is, bounded by LAB_BOOT_TIMEOUT seconds, default 900)
#   lab_ssh NAME CMD...     runs CMD on NAME as root
#   lab_inventory_line NAME the Ansible inventory line for NAME
#   lab_vm_stop_all         powers every VM of this test off (also on EXIT)

lab_why() {
	# Off in CI until a lab test has run green end to end once on the CI machine.
	[ "${TEEHOST_LAB_E2E:-}" = 1 ] ||
		{ echo "not yet verified end to end: set TEEHOST_LAB_E2E=1 (and TEEHOST_KERNEL_E2E=1)"; return; }
	[ "${TEEHOST_KERNEL_E2E:-}" = 1 ] ||
		{ echo "boots VMs for minutes: set TEEHOST_KERNEL_E2E=1 (CI does)"; return; }
	case $BUILD in *-san) echo "runs once, with the normal build"; return ;; esac
	[ "$(id -u)" = 0 ] || { echo "needs root (the image is built through a loop device)"; return; }
	local t
	for t in qemu-system-x86_64 qemu-img debootstrap ansible-playbook ssh ssh-keygen sfdisk losetup; do
		command -v "$t" >/dev/null || { echo "$t not installed (make deps)"; return; }
	done
}

lab_image() {
	LAB_CACHE=$("$_lib_root/tests/lab/image.sh" 2>"$TMP/lab-image.log") || {
		tail -n 5 "$TMP/lab-image.log" | sed 's/^/# /'
		return 1
	}
	export LAB_CACHE
}

lab_vm_pids=()
lab_vm_stop_all() {
	local p
	for p in "${lab_vm_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${lab_vm_pids[@]}"; do
		while kill -0 "$p" 2>/dev/null; do sleep 0.2; done
	done
	lab_vm_pids=()
}

# A free TCP port on 127.0.0.1 (the kernel picks it; QEMU binds it right after).
lab_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

lab_vm_start() {
	local name=$1 port accel=tcg
	port=$(lab_free_port)
	printf -v "LAB_PORT_$name" '%s' "$port"
	[ -w /dev/kvm ] && accel=kvm
	qemu-img create -q -f qcow2 -F qcow2 -b "$LAB_CACHE/disk.qcow2" "$TMP/$name.qcow2" || return 1
	# -cpu max: the guest sees what TCG can emulate; reboots stay inside QEMU (no
	# -no-reboot), so a panic=N reset comes back through GRUB as on a lab machine.
	qemu-system-x86_64 -machine q35,accel=$accel -cpu max -m 768 -smp 1 \
		-display none -monitor none -serial "file:$TMP/$name.console" \
		-drive "file=$TMP/$name.qcow2,if=virtio,format=qcow2" \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=n0 \
		</dev/null >"$TMP/$name.qemu.log" 2>&1 &
	lab_vm_pids+=($!)
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
