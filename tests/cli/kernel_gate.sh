#!/usr/bin/env bash
# The roll-out's health gate (deploy/roles/teehost_kernel/files/gate.sh) on a
# made-up host root (TEEHOST_GATE_ROOT): the release, the profiles' options in
# the running kernel's own config, driver presence at the 'kernel' level, and
# teehost check's verdict with fixes at the 'hardware' level.
source "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$TMP"' EXIT
gate=$_lib_root/deploy/roles/teehost_kernel/files/gate.sh
prof=$_lib_root/kernel/profiles/sgx-host.config
root=$TMP/root
rel=6.12.117-lab
mkdir -p "$root/proc/sys/kernel" "$root/boot" "$root/dev"
echo "$rel" >"$root/proc/sys/kernel/osrelease"
echo "flags		: fpu sse2" >"$root/proc/cpuinfo"
# The new kernel's own config: the SGX profile, all as asked.
grep '^CONFIG_' "$prof" >"$root/boot/config-$rel"
export TEEHOST_GATE_ROOT=$root

run "$gate" "$rel" kernel "$TEEHOST" sgx "$prof"
is "$rc" 0 "kernel level, profile met, SGX built in on a CPU without it: pass"
like "$out" "PASS release: running $rel" "the release is checked"
like "$out" "PASS sgx-host: CONFIG_X86_SGX=y" "the profile's options are checked in the kernel's config"
like "$out" "PASS sgx driver: built in, unsupported on this CPU" "the driver is present but unsupported"

run "$gate" 6.12.118-other kernel "$TEEHOST" sgx "$prof"
is "$rc" 1 "another kernel running: fail"
like "$out" "FAIL release: running $rel, not 6.12.118-other" "says which kernel answered"

grep -v '^CONFIG_X86_SGX=' "$prof" | grep '^CONFIG_' >"$root/boot/config-$rel"
run "$gate" "$rel" kernel "$TEEHOST" sgx "$prof"
is "$rc" 1 "kernel without X86_SGX: fail"
like "$out" "FAIL sgx-host: CONFIG_X86_SGX: asked y, the running kernel has n" "names the missing option"
grep '^CONFIG_' "$prof" >"$root/boot/config-$rel"

echo "flags		: fpu sse2 sgx" >"$root/proc/cpuinfo"
run "$gate" "$rel" kernel "$TEEHOST" sgx "$prof"
is "$rc" 1 "SGX CPU but no /dev/sgx_enclave: fail"
like "$out" "FAIL sgx driver: the CPU has sgx but there is no /dev/sgx_enclave" "says the driver did not come up"

rm "$root/boot/config-$rel"
gzip -c "$prof" >"$root/proc/config.gz"
echo "flags		: fpu sse2" >"$root/proc/cpuinfo"
run "$gate" "$rel" kernel "$TEEHOST" sgx "$prof"
is "$rc" 0 "no /boot/config: /proc/config.gz is read"
rm "$root/proc/config.gz"
run "$gate" "$rel" kernel "$TEEHOST" - "$prof"
is "$rc" 1 "no config at all: fail"
like "$out" "FAIL config: neither /boot/config-$rel nor /proc/config.gz" "says so"

# hardware level: teehost check --json --only sgx on the same root.
grep '^CONFIG_' "$prof" >"$root/boot/config-$rel"
"$TEEHOST" check --only sgx --root "$root" >/dev/null 2>&1
want=$?
run "$gate" "$rel" hardware "$TEEHOST" sgx "$prof"
if [ "$want" = 0 ]; then
	is "$rc" 0 "hardware level: teehost check passes here, so does the gate"
else
	is "$rc" 1 "hardware level on a machine without SGX: fail"
	like "$out" "FAIL sgx: not ready" "the family is not ready"
	like "$out" "FAIL sgx\.[a-z_0-9]+: " "the failing check is named with its evidence"
	like "$out" "  fix: " "and its fix"
fi
run "$gate" "$rel" firmware "$TEEHOST" sgx "$prof"
is "$rc" 1 "an unknown gate level: fail"
like "$out" "FAIL gate: level 'firmware' is neither hardware nor kernel" "says so"

done_testing
