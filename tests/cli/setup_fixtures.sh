#!/usr/bin/env bash
# teehost setup on fixture roots: the exact files written, idempotence, --dry-run changes
# nothing, a read-only root fails cleanly, stricter settings are kept, /dev is not remounted.
source "$(dirname "$0")/../lib.sh"
hosts="$(cd "$(dirname "$0")/../hosts" && pwd)"

# a listing of every file with its mode, owner and content hash
snapshot() { (cd "$1" && find . -path ./dev/cpu -prune -o -printf '%p %m %u %g %y\n' | sort && find . -path ./dev/cpu -prune -o -type f -print0 | sort -z | xargs -0 md5sum); }

setup_on() { # NAME [ARGS...]: build a fresh root $R for fixture NAME
	R="$TMP/$1"; rm -rf "$R"; "$hosts/build.sh" "$1" "$R"; CPUID="$hosts/$1/cpuid.txt"
}

# --- a laptop without group, rules or msr autoload ----------------------------------------------
setup_on laptop-sgx-disabled
before=$(snapshot "$R")
run "$TEEHOST" setup --dry-run --root "$R" --cpuid "$CPUID" --user bob
is "$rc" 0 "dry run: exit 0"
like "$out" $'\\+\\+\\+ b/etc/group' "dry run: diff of /etc/group"
like "$out" '\+sgx_prv:x:999:bob' "dry run: the new group line"
like "$out" '--- /dev/null' "dry run: new files diffed against /dev/null"
like "$out" '\+SUBSYSTEM=="misc",KERNEL=="sgx_provision",GROUP="sgx_prv",MODE="0660",SYMLINK\+="sgx/provision"' "dry run: the provision rule"
is "$(snapshot "$R")" "$before" "dry run: nothing changed"

run "$TEEHOST" setup --root "$R" --cpuid "$CPUID" --user bob
is "$rc" 0 "setup: exit 0"
like "$out" 'changed 4 files' "setup: says what it changed"
is "$(cat "$R/etc/udev/rules.d/90-teehost-sgx.rules")" "$(cat "$(dirname "$0")/../../udev/90-teehost-sgx.rules")" "udev rules: exactly udev/90-teehost-sgx.rules"
is "$(cat "$R/etc/group")" $'root:x:0:\nkvm:x:108:\nbob:x:1000:\nsgx_prv:x:999:bob' "/etc/group: sgx_prv added with bob"
is "$(cat "$R/etc/gshadow")" $'root:*::\nkvm:!::\nbob:!::\nsgx_prv:!::bob' "/etc/gshadow: sgx_prv added with bob"
is "$(cat "$R/etc/modules-load.d/teehost-msr.conf")" $'# Installed by teehost setup: /dev/cpu/*/msr for teehost check.\nmsr' "modules-load.d: msr"
is "$(stat -c %a "$R/etc/group")" 644 "/etc/group keeps its mode"
is "$(find "$R/etc" -name '.*teehost*' | wc -l)" 0 "no temporary files left"

after=$(snapshot "$R")
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID" --user bob
is "$rc" 0 "second run: exit 0"
like "$out" 'nothing to change' "second run: nothing to change"
is "$(snapshot "$R")" "$after" "second run: no file touched"

run "$TEEHOST" check --root "$R" --cpuid "$CPUID" --user bob --json
like "$out" '"id":"sgx.udev","status":"pass"' "check after setup: sgx.udev passes"
like "$out" '"id":"sgx.group","status":"pass"' "check after setup: sgx.group passes"

run "$TEEHOST" setup --root "$R" --cpuid "$CPUID" --user nobody
is "$rc" 1 "unknown --user: exit 1"
is "$(printf '%s\n' "$err" | wc -l)" 1 "unknown --user: one line"
like "$err" '^teehost: setup: nobody: no such user' "unknown --user: names the user"

# a user name longer than /etc/group itself, added to a new and then an existing group
setup_on laptop-sgx-disabled
long=$(printf 'u%.0s' $(seq 300))
echo "$long:x:1001:1001::/home/u:/bin/sh" >>"$R/etc/passwd"
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID" --user "$long"
is "$rc" 0 "300-character user: exit 0"
is "$(tail -n 1 "$R/etc/group")" "sgx_prv:x:999:$long" "300-character user: in the new group"
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID" --user bob
is "$(tail -n 1 "$R/etc/group")" "sgx_prv:x:999:$long,bob" "and a second member after it"

# --- a read-only root: fails cleanly, nothing half-written ---------------------------------------
setup_on laptop-sgx-disabled
before=$(snapshot "$R")
mkdir -p "$TMP/ro"
if mount --bind "$R" "$TMP/ro" 2>/dev/null && mount -o remount,bind,ro "$TMP/ro" 2>/dev/null; then
	run "$TEEHOST" setup --root "$TMP/ro" --cpuid "$CPUID" --user bob
	is "$rc" 1 "read-only root: exit 1"
	is "$(printf '%s\n' "$err" | wc -l)" 1 "read-only root: one line of error"
	like "$err" 'Read-only file system\); nothing was changed' "read-only root: says nothing changed"
	umount "$TMP/ro"
	is "$(snapshot "$R")" "$before" "read-only root: every file as it was"
else
	umount "$TMP/ro" 2>/dev/null
	skip "read-only root" "cannot bind-mount read-only here (needs root and mount rights)"
	skip "read-only root: one line of error" "no read-only mount"
	skip "read-only root: says nothing changed" "no read-only mount"
	skip "read-only root: every file as it was" "no read-only mount"
fi
# a root where one of several files cannot be written: the others are not written either
setup_on laptop-sgx-disabled
before=$(snapshot "$R")
mkdir -p "$R/etc/modules-load.d/teehost-msr.conf"  # a directory in the way of the last file
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID" --user bob
is "$rc" 1 "blocked file: exit 1"
is "$(cat "$R/etc/group")" $'root:x:0:\nkvm:x:108:\nbob:x:1000:' "blocked file: /etc/group untouched"
[ ! -e "$R/etc/udev/rules.d/90-teehost-sgx.rules" ]; ok $? "blocked file: no udev rules written"
is "$(find "$R" -name '.*teehost*' | wc -l)" 0 "blocked file: no temporary files left"

# --- a server already set up by Intel's packages: nothing to add ---------------------------------
setup_on sgx2-flc-server
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID" --user alice
like "$out" 'write /etc/modules-load.d/teehost-msr.conf' "SGX server: only the msr autoload"
[ ! -e "$R/etc/udev/rules.d/90-teehost-sgx.rules" ]; ok $? "SGX server: Intel's rules are enough"

# --- never loosen: a stricter enclave mode elsewhere is kept ---------------------------------------
setup_on sgx2-flc-server
printf 'KERNEL=="sgx_enclave", GROUP="sgx", MODE="0660"\n' >"$R/etc/udev/rules.d/60-site-sgx.rules"
rm "$R/etc/udev/rules.d/90-sgx-v40.rules"
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID"
like "$(cat "$R/etc/udev/rules.d/90-teehost-sgx.rules")" 'KERNEL=="sgx_enclave",MODE="0660",SYMLINK\+="sgx/enclave"' "stricter MODE=0660 kept"
like "$out" 'kept the stricter MODE="0660" for sgx_enclave from /etc/udev/rules.d/60-site-sgx.rules' "says it kept it"

# --- /dev noexec: explained, not remounted --------------------------------------------------------
setup_on dev-noexec
m=$(cat "$R/proc/self/mountinfo")
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID"
like "$out" 'note: /dev is mounted noexec and stays so' "noexec: explained"
like "$out" 'mount -o remount,exec /dev' "noexec: says how"
is "$(cat "$R/proc/self/mountinfo")" "$m" "noexec: nothing remounted"

# --- SEV-SNP host with sev_snp off: module options for what the CPU has ----------------------------
setup_on snp-host-snp-off
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID"
is "$rc" 0 "SNP host: exit 0"
is "$(cat "$R/etc/modprobe.d/teehost-kvm-amd.conf")" $'# Installed by teehost setup: KVM runs SEV guests the CPU supports.\noptions kvm_amd sev=1 sev_es=1 sev_snp=1' "SNP host: kvm_amd options"
[ ! -e "$R/etc/udev/rules.d/90-teehost-sgx.rules" ]; ok $? "SNP host: no SGX rules on AMD"
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID"
like "$out" 'nothing to change' "SNP host: second run changes nothing"
# an admin's explicit sev_snp=0 stays
setup_on snp-host-snp-off
mkdir -p "$R/etc/modprobe.d"; printf 'options kvm-amd sev_snp=0\n' >"$R/etc/modprobe.d/site.conf"
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID"
like "$(cat "$R/etc/modprobe.d/teehost-kvm-amd.conf")" 'options kvm_amd sev=1 sev_es=1$' "admin's sev_snp=0 kept"
like "$out" 'left kvm_amd sev_snp off: /etc/modprobe.d/site.conf' "says it left it"
# ready host: its options are already on
setup_on snp-host-ready
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID"
[ ! -e "$R/etc/modprobe.d/teehost-kvm-amd.conf" ]; ok $? "SNP ready: no duplicate kvm_amd options"

# --- TDX host ---------------------------------------------------------------------------------------
setup_on tdx-host
run "$TEEHOST" setup --root "$R" --cpuid "$CPUID" --only tdx
is "$(cat "$R/etc/modprobe.d/teehost-kvm-intel.conf")" $'# Installed by teehost setup: KVM runs TD guests.\noptions kvm_intel tdx=1' "TDX host: kvm_intel tdx=1"
[ ! -e "$R/etc/udev/rules.d/90-teehost-sgx.rules" ]; ok $? "--only tdx: no SGX changes"

# --- nothing to do ----------------------------------------------------------------------------------
for name in amd-no-sev this-vm tdx-guest snp-guest; do
	setup_on $name
	before=$(snapshot "$R")
	run "$TEEHOST" setup --root "$R" --cpuid "$CPUID"
	is "$rc" 0 "$name: exit 0"
	like "$out" 'nothing to change' "$name: nothing to change"
	is "$(snapshot "$R")" "$before" "$name: no file touched"
done

run "$TEEHOST" setup --bogus
is "$rc" 2 "unknown option: exit 2"
run "$TEEHOST" setup --only foo
is "$rc" 2 "bad --only: exit 2"
done_testing
