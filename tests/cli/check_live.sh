#!/usr/bin/env bash
# teehost check on the machine running the tests: it tells the truth about this machine.
# Every assertion compares with an independent source (/proc/cpuinfo, /dev, cpuid(1)).
source "$(dirname "$0")/../lib.sh"
hosts="$(cd "$(dirname "$0")/../hosts" && pwd)"

run "$TEEHOST" check --json
live_rc=$rc
ok_if "live: exit 0 or 1 (got $rc)" [ "$rc" -le 1 ]
v=$(printf '%s\n' "$out" | "$hosts/verdicts.sh")
st() { printf '%s\n' "$v" | awk -F'\t' -v id="$1" '$1 == id { print $2 }'; }
like "$out" '"summary":\{"pass":[0-9]+' "live: JSON has a summary"

vendor=$(awk -F': ' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo)
if [ "$vendor" = AuthenticAMD ]; then
	is "$(st sgx.cpu)" skip "AMD CPU: SGX checks skipped, not failed"
	if grep -qw sev /proc/cpuinfo; then
		is "$(st sev.cpu)" pass "AMD with the sev flag: sev.cpu passes"
	elif grep -qw hypervisor /proc/cpuinfo; then
		is "$(st sev.cpu)" skip "AMD VM without SEV: sev.cpu skipped"
	else
		skip "sev.cpu on bare metal without the sev flag" "the firmware may have SEV off; not decidable from cpuinfo"
	fi
elif [ "$vendor" = GenuineIntel ]; then
	is "$(st sev.cpu)" skip "Intel CPU: SEV checks skipped, not failed"
	if grep -qw sgx /proc/cpuinfo; then
		is "$(st sgx.cpu)" pass "the kernel lists sgx: sgx.cpu passes"
	else
		skip "sgx.cpu against cpuinfo" "no sgx flag: CPUID may still have SGX with firmware off"
	fi
else
	skip "vendor-specific truth" "neither Intel nor AMD"
fi
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	is "$(st kvm.dev)" pass "/dev/kvm usable here: kvm.dev passes"
	like "$out" 'KVM_GET_API_VERSION=12' "kvm.dev: asked the API version"
elif [ ! -e /dev/kvm ]; then
	ok $([ "$(st kvm.dev)" != pass ]; echo $?) "no /dev/kvm: kvm.dev does not pass"
	skip "kvm.dev API version" "no /dev/kvm"
else
	skip "kvm.dev" "/dev/kvm not usable by this user"
	skip "kvm.dev API version" "/dev/kvm not usable by this user"
fi

# the CPUID instruction and a `cpuid -r` dump of it give the same verdicts
if command -v cpuid >/dev/null; then
	cpuid -r >"$TMP/live.txt" 2>/dev/null
	run "$TEEHOST" check --json --cpuid "$TMP/live.txt"
	is "$(printf '%s\n' "$out" | "$hosts/verdicts.sh")" "$v" "live CPUID and its cpuid -r dump agree on every check"
	is "$rc" "$live_rc" "and on the exit status"
else
	skip "live CPUID vs cpuid -r" "cpuid(1) not installed (make deps)"
	skip "exit status of the dump" "cpuid(1) not installed"
fi

# as an unprivileged user: what root can read and open is now denied; no crash, no failure
# of a required check because of it, and KVM's verdict says why
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$TEEHOST" check --json 2>&1)
	urc=$?
	is "$urc" "$live_rc" "as nobody: the same exit status"
	uv=$(printf '%s\n' "$out" | "$hosts/verdicts.sh")
	if [ -c /dev/kvm ] && [ "$(stat -c %a /dev/kvm)" = 600 ]; then
		is "$(printf '%s\n' "$uv" | awk -F'\t' '$1 == "kvm.dev" { print $2 }')" warn "as nobody: /dev/kvm 0600 is a warning"
	else
		skip "as nobody: kvm.dev" "/dev/kvm is not root-only here"
	fi
else
	skip "as nobody" "needs root and setpriv"
	skip "as nobody: kvm.dev" "needs root and setpriv"
fi

# --root / reads the same files through the confined resolver: the same verdicts
run "$TEEHOST" check --json --root /
is "$(printf '%s\n' "$out" | "$hosts/verdicts.sh")" "$v" "--root / and the live machine agree on every check"

# Speed is not asserted here: a wall-clock bound fails on a loaded machine, not on slow code.
# bench/check.sh measures it as a ratio against `cat /proc/cpuinfo` in the same run.
done_testing
