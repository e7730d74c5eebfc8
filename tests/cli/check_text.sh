#!/usr/bin/env bash
# The text report of teehost check: one line per check, evidence and fix under what is wrong,
# runs of skips with the same reason folded (all listed with --verbose), one summary line.
source "$(dirname "$0")/../lib.sh"
hosts="$(cd "$(dirname "$0")/../hosts" && pwd)"
R="$TMP/laptop"
"$hosts/build.sh" laptop-sgx-disabled "$R"
run "$TEEHOST" check --root "$R" --cpuid "$hosts/laptop-sgx-disabled/cpuid.txt" --user bob
is "$rc" 1 "laptop: exit 1"
like "$(printf '%s\n' "$out" | head -n 1)" '^teehost check: GenuineIntel Intel\(R\) Core\(TM\) i7-8650U CPU @ 1\.90GHz \(family 0x6 model 0x8e\); root ' "header names the CPU and the root"
like "$(printf '%s\n' "$out" | grep -A1 '^FAIL  sgx.enabled ' | tail -n 1)" '^      evidence: MSR 0x3A IA32_FEATURE_CONTROL=0x5: LOCK=1 SGX_ENABLE\(bit 18\)=0' "a failure, then its evidence"
like "$out" "      fix: The firmware has SGX 'Software Controlled': run Intel's sgx_enable once as root and reboot" "then its fix"
like "$out" 'kernel log: "x86/cpu: SGX disabled or unsupported by BIOS."' "the kernel's own words as evidence"
like "$out" 'SKIP  sgx.sgx1 \.\. sgx.epc \(6 checks\): SGX is disabled in the firmware \(see sgx.enabled\)' "skips with one reason folded"
is "$(printf '%s\n' "$out" | tail -n 1)" "summary: 10 passed, 4 warnings, 2 failed (2 required), 43 skipped: NOT READY (a required check failed)" "summary line"
[[ "$out" != *"evidence: CPUID.(EAX=7,ECX=0):EBX[2] SGX=1"* ]]; ok $? "no evidence under passing checks by default"

run "$TEEHOST" check --verbose --root "$R" --cpuid "$hosts/laptop-sgx-disabled/cpuid.txt" --user bob
is "$(printf '%s\n' "$out" | grep -cE '^(PASS|WARN|FAIL|SKIP)  ')" 59 "--verbose: every check on its own line"
like "$out" 'evidence: CPUID.\(EAX=7,ECX=0\):EBX\[2\] SGX=1' "--verbose: evidence of passing checks"

R2="$TMP/amd"
"$hosts/build.sh" amd-no-sev "$R2"
run "$TEEHOST" check --root "$R2" --cpuid "$hosts/amd-no-sev/cpuid.txt"
is "$rc" 0 "AMD without SEV: exit 0"
like "$out" 'SKIP  sgx.cpu \.\. sgx.epc_sysfs \(26 checks\): CPU vendor is AuthenticAMD: SGX is an Intel feature' "AMD: SGX not relevant, one line"
[[ "$out" != *FAIL* ]]; ok $? "AMD: nothing fails"
like "$(printf '%s\n' "$out" | tail -n 1)" 'no TEE hardware here; nothing relevant failed$' "AMD: the summary says why it is 0"
done_testing
