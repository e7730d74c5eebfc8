#!/usr/bin/env bash
# Bad input to teehost check: garbage or truncated CPUID dumps, malformed kernel config,
# unreadable files, cyclic symlinks under --root. A clear one-line error or a skip with the
# reason; never a crash or a hang.
source "$(dirname "$0")/../lib.sh"
hosts="$(cd "$(dirname "$0")/../hosts" && pwd)"
dump="$hosts/sgx2-flc-server/cpuid.txt"

one_line_error() { # DESC REGEX
	is "$rc" 1 "$1: exit 1"
	is "$(printf '%s\n' "$err" | wc -l)" 1 "$1: one line on stderr"
	like "$err" "$2" "$1: says what is wrong"
	is "$out" "" "$1: nothing on stdout"
}

printf '\x7fELF\x02\x01\x01\x00garbage' >"$TMP/garbage"
run "$TEEHOST" check --cpuid "$TMP/garbage"
one_line_error "binary CPUID dump" "^teehost: check: $TMP/garbage: cpuid dump: line 1: "
head -c 200 "$dump" >"$TMP/truncated"
run "$TEEHOST" check --cpuid "$TMP/truncated"
one_line_error "dump cut mid-line" 'cpuid dump: line 4: expected ebx=0x'
: >"$TMP/empty"
run "$TEEHOST" check --cpuid "$TMP/empty"
one_line_error "empty dump" 'no leaf 0x00000000'
run "$TEEHOST" check --cpuid "$TMP/does-not-exist"
one_line_error "missing dump" 'does-not-exist'
run "$TEEHOST" check --cpuid "$TMP"
one_line_error "dump is a directory" "$TMP"
run "$TEEHOST" check --root "$TMP/no-such-root"
one_line_error "missing root" 'cannot open root directory'
run "$TEEHOST" check --only foo
is "$rc" 2 "bad --only: exit 2"
run "$TEEHOST" check extra
is "$rc" 2 "stray argument: exit 2"

# a root of traps: cyclic symlinks, a directory where a file should be, a FIFO, bad configs
R="$TMP/traps"
"$hosts/build.sh" sgx2-flc-server "$R"
rm -f "$R/proc/cpuinfo" "$R/proc/self/mountinfo" "$R/etc/group" "$R/dev/sgx_enclave" "$R/proc/config.gz"
ln -s cpuinfo "$R/proc/cpuinfo"                       # a link to itself
ln -s ../self/mountinfo "$R/proc/self/mountinfo"      # and through ..
ln -s /etc/group2 "$R/etc/group"; ln -s /etc/group "$R/etc/group2"  # a cycle of two
ln -s ../../../../../../dev/sgx_enclave "$R/dev/sgx_enclave"        # climbs out: stays in
mkfifo "$R/proc/sys/kernel/osrelease.fifo"
rm "$R/proc/sys/kernel/osrelease"; mv "$R/proc/sys/kernel/osrelease.fifo" "$R/proc/sys/kernel/osrelease"
printf 'not gzip at all' >"$R/proc/config.gz"
run timeout 600 "$TEEHOST" check --json --root "$R" --cpuid "$dump"
is "$rc" 1 "traps: finishes with exit 1 (required checks fail), no crash"
ok_if "traps: no hang (not killed by timeout)" [ "$rc" -ne 124 ]
v=$(printf '%s\n' "$out" | "$hosts/verdicts.sh")
st() { printf '%s\n' "$v" | awk -F'\t' -v id="$1" '$1 == id { print $2 }'; }
is "$(st host.kconfig)" warn "not-gzip /proc/config.gz: host.kconfig warns"
like "$out" 'not a complete gzip stream' "not-gzip /proc/config.gz: says so"
is "$(st sgx.kconfig)" skip "no config: sgx.kconfig skips"
is "$(st sgx.cpuinfo)" skip "cyclic /proc/cpuinfo: sgx.cpuinfo skips"
is "$(st sgx.dev_noexec)" skip "cyclic mountinfo: sgx.dev_noexec skips"
is "$(st sgx.group)" warn "cyclic /etc/group: no group found (warn)"
# /dev/sgx_enclave climbs out and lands on itself, /dev/sgx/enclave links to it: no node resolves,
# so the loader's probe finds no driver and neither does the check
is "$(st sgx.driver)" fail "escaping symlink to itself: no driver (fail)"
is "$(st sgx.dev_enclave)" skip "escaping symlink to itself: no node to look at (skip)"
is "$(st host.kernel)" skip "FIFO osrelease: host.kernel skips"

# a malformed /boot config: the parser's message, as a warning
R2="$TMP/badconfig"
"$hosts/build.sh" laptop-sgx-disabled "$R2"
printf 'CONFIG_X86_SGX=y\nthis is not kconfig\n' >"$R2/boot/config-6.1.0-18-amd64"
run "$TEEHOST" check --json --root "$R2" --cpuid "$hosts/laptop-sgx-disabled/cpuid.txt"
like "$out" '"id":"host.kconfig","status":"warn","required":false,"evidence":"/boot/config-6.1.0-18-amd64: line 2: ' "malformed config: host.kconfig warns with the line"

# --only makes a family required even without the hardware
run "$TEEHOST" check --json --only sgx --root "$hosts/amd-no-sev/root" --cpuid "$hosts/amd-no-sev/cpuid.txt"
is "$rc" 1 "--only sgx on AMD: exit 1"
like "$out" '"id":"sgx.cpu","status":"fail"' "--only sgx on AMD: sgx.cpu fails"
run "$TEEHOST" check --json --only sev --root "$hosts/amd-no-sev/root" --cpuid "$hosts/amd-no-sev/cpuid.txt"
like "$out" '"id":"sev.cpu","status":"fail"' "--only sev without SEV: sev.cpu fails"
[[ "$out" != *'"id":"sgx.'* ]]; ok $? "--only sev: no SGX checks listed"
done_testing
