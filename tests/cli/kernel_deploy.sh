#!/usr/bin/env bash
# teehost kernel deploy: the Ansible role in deploy/ against a test host made here,
# a debootstrap'd Debian chroot reached through Ansible's chroot connection
# (deploy/test-target.sh). --check (dry run) changes nothing; the real run
# installs the .deb and stops short of the reboot. The artifact is a build
# output directory holding a small linux-image .deb made here with dpkg-deb
# (a real kernel build is exercised by make check-kernel).
source "$(dirname "$0")/../lib.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

why=
[ "$(id -u)" = 0 ] || why="needs root (chroot)"
command -v ansible-playbook >/dev/null || why=${why:-"ansible not installed (make deps)"}
command -v debootstrap >/dev/null || why=${why:-"debootstrap not installed (make deps)"}
if [ -z "$why" ]; then
	target=$TMP/target
	"$_lib_root/deploy/test-target.sh" "$target" >"$TMP/target.log" 2>&1 ||
		why="cannot make the chroot target: $(tail -n 1 "$TMP/target.log")"
fi
if [ -n "$why" ]; then
	skip "deploy to a chroot test host" "$why"
	done_testing
	exit 0
fi
trap 'rm -rf "$TMP"' EXIT

# A build output with a minimal kernel image package.
rel=6.12.0-teehost-test
pkg=$TMP/pkg
mkdir -p "$pkg/DEBIAN" "$pkg/boot" "$TMP/art"
echo "not a real kernel" >"$pkg/boot/vmlinuz-$rel"
echo "# config" >"$pkg/boot/config-$rel"
cat >"$pkg/DEBIAN/control" <<EOF
Package: linux-image-$rel
Version: $rel-1
Architecture: amd64
Maintainer: teehost tests <root@localhost>
Description: teehost deploy test kernel package
EOF
dpkg-deb --root-owner-group --build "$pkg" "$TMP/art/linux-image-${rel}_${rel}-1_amd64.deb" >/dev/null
ok $? "made a test kernel package"

cat >"$TMP/inventory.ini" <<EOF
[lab]
testhost ansible_connection=community.general.chroot ansible_host=$target ansible_become=false ansible_python_interpreter=/usr/bin/python3
EOF
export ANSIBLE_NOCOLOR=1 ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_LOCAL_TEMP=$TMP/ansible-local \
	ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0

run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini" --check
is "$rc" 0 "--check: exit 0"
like "$out" "testhost *: ok=[0-9]+ +changed=[1-9]" "--check: reports what it would change"
like "$out" "failed=0" "--check: nothing failed"
[ ! -e "$target/boot/vmlinuz-$rel" ]; ok $? "--check: nothing installed"
[ ! -e "$target/var/cache/teehost/kernel" ]; ok $? "--check: nothing copied"

run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini"
is "$rc" 0 "deploy: exit 0"
like "$out" "failed=0" "deploy: nothing failed"
[ -f "$target/boot/vmlinuz-$rel" ]; ok $? "deploy: kernel installed on the target"
is "$(chroot "$target" dpkg-query -W -f='${Status}' "linux-image-$rel")" "install ok installed" \
	"deploy: package registered with dpkg on the target"
like "$out" "installed $rel; running .* until the next reboot" "deploy: stops before the reboot and says so"
like "$out" "no grub-set-default on testhost" "deploy: no GRUB on the target is reported, not fatal"

run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini"
is "$rc" 0 "deploy again: exit 0"
is "$(printf '%s\n' "$out" | grep -A1 'Install the kernel package' | tail -n1)" "skipping: [testhost]" \
	"deploy again: the install is skipped (idempotent)"

done_testing
