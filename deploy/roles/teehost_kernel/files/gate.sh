#!/bin/sh
# teehost's kernel health gate, run on the host after the one-shot boot:
#   gate.sh RELEASE LEVEL TEEHOST FAMILIES PROFILE...
# RELEASE   the kernel that must be running (uname -r)
# LEVEL     hardware: `teehost check --json --only F` must pass for every family
#           kernel:   only what a machine without the hardware shows: the
#                     profiles' options in the running kernel's own config, and
#                     each TEE driver built in and either up or unsupported
# TEEHOST   the teehost binary sent with the role; FAMILIES: "sgx sev" or "-"
# PROFILE   teehost profile fragments (CONFIG_X=v lines) the kernel was built with
# One line per check, "PASS what" or "FAIL what: evidence" (and "  fix: ..." lines);
# exit 0 when every check passed, 1 otherwise. TEEHOST_GATE_ROOT reads every file
# (/proc, /boot, /dev) under another root, as `teehost check --root` does (tests).
set -u
root=${TEEHOST_GATE_ROOT:-}
want=$1 level=$2 teehost=$3 families=$4
shift 4
fail=0
pass() { echo "PASS $*"; }
bad() { echo "FAIL $*"; fail=1; }

rel=$(cat "$root/proc/sys/kernel/osrelease" 2>/dev/null || uname -r)
if [ "$rel" = "$want" ]; then pass "release: running $rel"
else bad "release: running $rel, not $want (the new kernel did not come up; see the console)"; fi

config=$root/boot/config-$rel
tmpconf=
if [ ! -r "$config" ] && [ -r "$root/proc/config.gz" ]; then
	tmpconf=$(mktemp) && zcat "$root/proc/config.gz" >"$tmpconf" && config=$tmpconf
fi
if [ ! -r "$config" ]; then
	bad "config: neither /boot/config-$rel nor /proc/config.gz"
	config=/dev/null
fi
for profile in "$@"; do
	awk -v prof="$(basename "$profile" .config)" '
	FNR == NR {
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) { e = index($0, "="); want[substr($0, 8, e - 8)] = substr($0, e + 1) }
		else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/) want[substr($2, 8)] = "n"
		next
	}
	/^CONFIG_/ { e = index($0, "="); got[substr($0, 8, e - 8)] = substr($0, e + 1) }
	END {
		bad = 0
		for (k in want) {
			a = want[k]; g = (k in got) ? got[k] : "n"
			if (g == a || (a == "m" && g == "y")) print "PASS " prof ": CONFIG_" k "=" g
			else { print "FAIL " prof ": CONFIG_" k ": asked " a ", the running kernel has " g; bad = 1 }
		}
		exit bad
	}' "$profile" "$config" || fail=1
done
[ -n "$tmpconf" ] && rm -f "$tmpconf"

on() { grep -q "^CONFIG_$1=y" "$config"; }
flag() { grep -qw "$1" "$root/proc/cpuinfo"; }
driver() {	# FAMILY OPTION CPUFLAG NODE
	on "$2" || return 0
	if [ -e "$root$4" ]; then pass "$1 driver: up ($4)"
	elif flag "$3"; then bad "$1 driver: the CPU has $3 but there is no $4: $(dmesg 2>/dev/null | grep -i "$1" | tail -n 1)"
	else pass "$1 driver: built in, unsupported on this CPU (no $3 flag)"; fi
}

for f in $([ "$families" = - ] || echo "$families"); do
	case $level in
	kernel)
		case $f in
		sgx) driver sgx X86_SGX sgx /dev/sgx_enclave ;;
		sev) driver sev AMD_MEM_ENCRYPT sev /dev/sev ;;
		tdx) driver tdx INTEL_TDX_HOST tdx_host_platform /sys/firmware/tdx ;;
		esac ;;
	hardware)
		out=$("$teehost" check --json --only "$f" ${root:+--root "$root"} 2>&1)
		rc=$?
		echo "$out" | python3 -c '
import json, sys
f, rc = sys.argv[1], int(sys.argv[2])
try:
    doc = json.load(sys.stdin)
except ValueError as e:
    print("FAIL %s: teehost check --json --only %s gave no JSON (exit %d): %s" % (f, f, rc, e))
    sys.exit(1)
for c in doc.get("checks", []):
    if c.get("status") in ("fail", "warn") and (c.get("required") or c.get("status") == "fail"):
        print("%s %s: %s: %s" % ("FAIL" if c.get("required") else "WARN", c.get("id"), c.get("explanation", ""), c.get("evidence", "")))
        if c.get("fix"):
            print("  fix: " + c["fix"])
ready = doc.get("summary", {}).get("ready")
print(("PASS %s: ready" if ready else "FAIL %s: not ready") % f)
sys.exit(0 if ready else 1)
' "$f" "$rc" || fail=1 ;;
	*) bad "gate: level '$level' is neither hardware nor kernel" ;;
	esac
done
exit $fail
