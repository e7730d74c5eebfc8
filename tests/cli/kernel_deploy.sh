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
# The two fields of teehost kernel build's manifest.json that a roll-out reads.
printf '{\n  "tool": "teehost kernel build",\n  "kernel_release": "%s",\n  "profiles": ["sgx-host", "boot-test"],\n  "patches": []\n}\n' \
	"$rel" >"$TMP/art/manifest.json"

cat >"$TMP/inventory.ini" <<EOF
[lab]
testhost ansible_connection=community.general.chroot ansible_host=$target ansible_become=false ansible_python_interpreter=/usr/bin/python3
EOF
export ANSIBLE_NOCOLOR=1 ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_HOME=$TMP/ansible-home ANSIBLE_LOCAL_TEMP=$TMP/ansible-local \
	ANSIBLE_SSH_CONTROL_PATH_DIR=$TMP/ansible-cp ANSIBLE_REMOTE_TEMP=$TMP/ansible-remote \
	ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0

# --- bad input: one line, exit != 0, no host touched ---------------------------------
printf '[lab]\n' >"$TMP/empty.ini"
run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/empty.ini"
is "$rc" 1 "inventory naming no hosts: exit 1"
is "$err" "teehost: $TMP/empty.ini: inventory: names no hosts" "inventory naming no hosts: one-line error"
run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini" --limit nosuchhost
is "$rc" 1 "--limit matching no host: exit 1"
like "$err" "names no hosts matching --limit nosuchhost$" "--limit matching no host: says so"
mkdir -p "$TMP/notours" && cp "$TMP/art/"*.deb "$TMP/notours/"
run "$TEEHOST" kernel deploy "$TMP/notours" --inventory "$TMP/inventory.ini"
is "$rc" 1 "artifact without manifest.json: exit 1"
is "$err" "teehost: $TMP/notours: no manifest.json: not a 'teehost kernel build' output" \
	"artifact without manifest.json: one-line error"
echo '{"kernel_release": "6.1.0-other", "profiles": []}' >"$TMP/notours/manifest.json"
run "$TEEHOST" kernel deploy "$TMP/notours" --inventory "$TMP/inventory.ini"
is "$rc" 1 "manifest of another kernel: exit 1"
like "$err" "^teehost: $TMP/notours/manifest.json: kernel_release: 6.1.0-other, but the package is $rel" \
	"manifest of another kernel: names both releases"
echo '{"kernel_release": "'"$rel"'", "profiles": ["sgx-host", 7]}' >"$TMP/notours/manifest.json"
run "$TEEHOST" kernel deploy "$TMP/notours" --inventory "$TMP/inventory.ini"
is "$rc" 1 "malformed manifest profiles: exit 1"
like "$err" "manifest.json: profiles: not a list" "malformed manifest profiles: names the field"
run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini" --profile nosuch
is "$rc" 1 "unknown profile: exit 1"
like "$err" "^teehost: --profile: nosuch: no such teehost profile" "unknown profile: one-line error"
run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini" --profile tdx-host
is "$rc" 1 "a profile the kernel was not built with: exit 1"
like "$err" "^teehost: --profile: tdx-host: this kernel was not built with it" \
	"a profile the kernel was not built with: one-line error"
run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini" --serial 1,0
is "$rc" 1 "--serial 1,0: exit 1"
is "$(printf '%s\n' "$err" | wc -l)" 1 "--serial 1,0: one line"
[ ! -e "$target/var/cache/teehost/kernel" ]; ok $? "bad input: nothing copied to the host"

run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini" --check
is "$rc" 0 "--check: exit 0"
like "$out" "testhost *: ok=[0-9]+ +changed=[1-9]" "--check: reports what it would change"
like "$out" "failed=0" "--check: nothing failed"
[ ! -e "$target/boot/vmlinuz-$rel" ]; ok $? "--check: nothing installed"
[ ! -e "$target/var/cache/teehost/kernel" ]; ok $? "--check: nothing copied"

case $BUILD in
*-san)
	# The role runs the teehost it sends (`teehost --version`) before touching the kernel; an
	# ASan teehost needs libasan and, for LeakSanitizer, /proc, which the chroot target lacks.
	# The --check run above took deploy.c's whole path under ASan; the normal build installs.
	skip "deploy and deploy again on the chroot target" \
		"the ASan teehost sent to the target cannot run there (no libasan, no /proc); the normal build runs this"
	done_testing
	exit 0 ;;
esac
run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini"
is "$rc" 0 "deploy: exit 0"
like "$out" "failed=0" "deploy: nothing failed"
[ -f "$target/boot/vmlinuz-$rel" ]; ok $? "deploy: kernel installed on the target"
is "$(chroot "$target" dpkg-query -W -f='${Status}' "linux-image-$rel")" "install ok installed" \
	"deploy: package registered with dpkg on the target"
like "$out" "installed $rel; still running .*, default unchanged" "deploy: stops before the reboot and says so"
[ -x "$target/var/cache/teehost/kernel/gate.sh" ]; ok $? "deploy: the gate is staged"
[ -f "$target/var/cache/teehost/kernel/profiles/sgx-host.config" ]; ok $? "deploy: the kernel's profiles are staged"
[ -x "$target/var/cache/teehost/kernel/teehost" ]; ok $? "deploy: teehost is staged for the gate's check"
like "$out" "no grub-set-default on testhost" "deploy: no GRUB on the target is reported, not fatal"

run "$TEEHOST" kernel deploy "$TMP/art" --inventory "$TMP/inventory.ini"
is "$rc" 0 "deploy again: exit 0"
is "$(printf '%s\n' "$out" | grep -A1 'Install the kernel package' | tail -n1)" "skipping: [testhost]" \
	"deploy again: the install is skipped"
like "$out" "testhost *: ok=[0-9]+ +changed=0 " "deploy again: nothing changed (idempotent)"

done_testing
