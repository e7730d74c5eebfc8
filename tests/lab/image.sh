#!/bin/sh
# Build, once, the lab machine the roll-out tests drive: a small bookworm disk
# image that boots like a lab host does, from its disk through GRUB (BIOS,
# serial console), with openssh-server, python3 for Ansible, libjansson4 for the
# teehost the roll-out sends, dbus (Ansible's reboot runs `shutdown -r 0 MSG`, which
# asks logind over D-Bus: without it the role's one-shot boot fails, as it would
# not on a lab host), the current Debian kernel (linux-image-amd64) and root login
# by key only. Boots to SSH in about 90 s under TCG; a cold build took 7 minutes at
# load 5-7 and 14 at load 12-15 (README, "Rolling out to a lab").
#   tests/lab/image.sh            prints the cache directory holding
#     disk.qcow2   the image (tests boot throw-away overlays on it)
#     id_ed25519   the SSH key root accepts (made here; a test key, not a secret)
# Cache: $TEEHOST_LAB_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/teehost/lab-vm.
# Needs root (loop device, mount, chroot), debootstrap, qemu-utils, grub-pc-bin,
# and Debian's mirror. A partial build never becomes the cached image: it is
# made in a temp dir and renamed into place.
# Used by tests/cli/lab_*.sh through tests/lab/vm.sh. The scenarios roll out the
# lab kernel (tests/lab/kernel.sh: the tiny SGX kernel plus tests/lab/vm-kernel.config,
# what it needs to boot this image; good, and no-TEE with a tdx-host manifest) and
# kernel_e2e.sh's tiny SGX kernel (panics: no virtio-blk).
set -eu
cache=${TEEHOST_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/teehost/lab-vm}
# Bump when the recipe below changes, so an old cached image is not reused.
version=4
if [ -f "$cache/disk.qcow2" ] && [ "$(cat "$cache/version" 2>/dev/null)" = "$version" ]; then
	echo "$cache"
	exit 0
fi
mirror=${TEEHOST_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)}
mirror=${mirror:-http://deb.debian.org/debian}
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.build.XXXXXX")
root=$tmp/root
loop=
cleanup() {
	for m in etc/grub.d/10_linux dev/pts dev proc sys ""; do
		mountpoint -q "$root/$m" 2>/dev/null && umount "$root/$m"
	done
	[ -n "$loop" ] && losetup -d "$loop"
	# --one-file-system: should an unmount above have failed, never descend into
	# a still bind-mounted /dev, /proc or /sys of this machine.
	rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
log=$tmp/log
step() { echo "lab image: $*" >&2; }

step "partitioning a 3 GiB sparse disk"
truncate -s 3G "$tmp/disk.raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$tmp/disk.raw"
# The partition through a loop device at its offset: partition scanning
# (losetup -P) does not make device nodes in every container.
loop=$(losetup --find --show --offset $((2048 * 512)) "$tmp/disk.raw")
mkfs.ext4 -q -L labroot "$loop"
mkdir -p "$root"
mount "$loop" "$root"

step "debootstrap bookworm from $mirror (the slow part of a cold run)"
# Small initramfs: only what the image's own disk needs (faster TCG boots). Set
# before debootstrap, so that the kernel's and initramfs-tools' own runs of
# update-initramfs inside it do not first build the large default one (minutes);
# the modules are listed, and the initramfs rebuilt, below.
mkdir -p "$root/etc/initramfs-tools/conf.d"
printf 'MODULES=list\n' >"$root/etc/initramfs-tools/conf.d/teehost-lab.conf"
debootstrap --variant=minbase \
	--include=systemd-sysv,dbus,udev,kmod,openssh-server,python3,linux-image-amd64,grub-pc,initramfs-tools,libssl3,zlib1g,libjansson4,libfuse3-3,iproute2,procps \
	bookworm "$root" "$mirror" >"$log" 2>&1 || { tail -n 20 "$log" >&2; exit 1; }

step "configuring: network, SSH key, fstab, serial console, GRUB"
echo lab >"$root/etc/hostname"
echo 'LABEL=labroot / ext4 errors=remount-ro 0 1' >"$root/etc/fstab"
cat >"$root/etc/systemd/network/50-dhcp.network" <<'NET'
[Match]
Name=en* eth*
[Network]
DHCP=ipv4
NET
ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
[ -f "$cache/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C teehost-lab-test -f "$cache/id_ed25519"
install -d -m 0700 "$root/root/.ssh"
install -m 0600 "$cache/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' \
	>"$root/etc/ssh/sshd_config.d/teehost-lab.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' >>"$root/etc/initramfs-tools/modules"
# root=/dev/vda1 rather than UUID=: a kernel without initramfs can mount it too.
cat >"$root/etc/default/grub" <<'GRUB'
GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0,115200 panic=10"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_LINUX_UUID=true
GRUB_DISABLE_LINUX_PARTUUID=true
GRUB_DISABLE_OS_PROBER=true
GRUB
# systemd waits for no network to come up; apt never runs at boot.
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
for m in dev dev/pts proc sys; do mount --bind "/$m" "$root/$m"; done
chroot "$root" update-initramfs -u -k all >>"$log" 2>&1 || { tail -n 20 "$log" >&2; exit 1; }
# What grub-install does for BIOS, by hand, because the disk is a file here:
# a core image that finds /boot/grub on the first partition, its modules, then
# boot.img in the MBR (before the partition table) and the core right after it.
# grub-mkimage fills in the core's sector count itself.
mkdir -p "$root/boot/grub/i386-pc"
cp "$root"/usr/lib/grub/i386-pc/*.mod "$root"/usr/lib/grub/i386-pc/*.lst "$root/boot/grub/i386-pc/"
chroot "$root" grub-mkimage -O i386-pc -o /boot/grub/i386-pc/core.img -p '(hd0,msdos1)/boot/grub' \
	biosdisk part_msdos ext2 >>"$log" 2>&1 || { tail -n 20 "$log" >&2; exit 1; }
dd if="$root/usr/lib/grub/i386-pc/boot.img" of="$tmp/disk.raw" bs=440 count=1 conv=notrunc status=none
dd if="$root/boot/grub/i386-pc/core.img" of="$tmp/disk.raw" bs=512 seek=1 conv=notrunc status=none
# Debian's 10_linux writes no menu entry at all when / is a loop device backed by
# a file ("We can't cope with devices loop-mounted from files here": it exits 0),
# which is exactly the case here. update-grub runs with a copy of it, bind-mounted
# over the packaged one only for this run, in which that loop-device case never
# matches; the file in the image stays the package's own, so update-grub on the VM
# (the kernel packages run it) uses Debian's script unchanged.
linux_gen=$root/etc/grub.d/10_linux
grep -q '^  /dev/loop/\*|/dev/loop\[0-9\])$' "$linux_gen" ||
	{ echo "lab image: $linux_gen has no loop-device case any more: recheck this workaround" >&2; exit 1; }
sed 's@^  /dev/loop/\*|/dev/loop\[0-9\])$@  /dev/loop/teehost-lab-never-matches)@' "$linux_gen" >"$tmp/10_linux"
chmod 0755 "$tmp/10_linux"
mount --bind "$tmp/10_linux" "$linux_gen"
chroot "$root" update-grub >>"$log" 2>&1 || { umount "$linux_gen"; tail -n 20 "$log" >&2; exit 1; }
umount "$linux_gen"
# grub-mkconfig names the root device as grub-probe sees it from the chroot (the
# loop device, or what mountinfo says for it): on the VM it is the first virtio
# disk's partition, whatever was written. (update-grub on the VM itself, as the
# kernel package runs it, then writes root=/dev/vda1 on its own.)
sed -i -E 's@^([[:space:]]*linux[[:space:]]+[^[:space:]]+)[[:space:]]+root=[^[:space:]]+@\1 root=/dev/vda1@' \
	"$root/boot/grub/grub.cfg"
grep -q 'root=/dev/vda1' "$root/boot/grub/grub.cfg" ||
	{ echo "lab image: grub.cfg has no root=/dev/vda1:" >&2; grep -E '^[[:space:]]*linux' "$root/boot/grub/grub.cfg" >&2; exit 1; }
chroot "$root" apt-get clean
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale"
for m in dev/pts dev proc sys ""; do umount "$root/$m"; done
losetup -d "$loop"
loop=

step "converting to qcow2"
qemu-img convert -O qcow2 "$tmp/disk.raw" "$tmp/disk.qcow2"
mv "$tmp/disk.qcow2" "$cache/disk.qcow2"
echo "$version" >"$cache/version"
echo "$cache"
