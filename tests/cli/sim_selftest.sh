#!/usr/bin/env bash
# The kernel's own SGX selftest (linux-source-6.12, built unmodified by tests/selftest/build.sh)
# under `teehost sim`: every one of its tests must pass, none skipped.
source "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
# the simulated platform secret of these runs stays out of the home directory
export TEEHOST_SIM_STATE_DIR=$TMP/state

sgx=$("$root/tests/selftest/build.sh" 2>"$TMP/build.err")
brc=$?
if [ "$brc" -eq 3 ]; then
	skip "kernel SGX selftest under teehost sim" "$(tail -1 "$TMP/build.err")"
	done_testing
	exit
fi
is "$brc" 0 "the kernel's SGX selftest builds from linux-source-6.12"
if [ "$brc" -ne 0 ]; then
	sed 's/^/# /' "$TMP/build.err"
	done_testing
	exit
fi

cd "$sgx" || exit 1
timeout 900 "$TEEHOST" sim -- ./test_sgx >"$TMP/out" 2>&1
rc=$?
# its own TAP lines, renamed so they read as ours
grep -E '^(not )?ok [0-9]+ ' "$TMP/out" | sed -E 's/^(not ok|ok) [0-9]+ /\1 0 - selftest /' |
	while IFS= read -r l; do _n=$((_n + 1)); echo "${l/ 0 - / $_n - }"; done
n_ok=$(grep -cE '^ok [0-9]+ ' "$TMP/out")
totals=$(grep -E '^# Totals:' "$TMP/out")
echo "# $totals"
_n=$((_n + n_ok + $(grep -cE '^not ok [0-9]+ ' "$TMP/out")))
is "$rc" 0 "test_sgx exits 0 under teehost sim"
like "$totals" "pass:16 fail:0 xfail:0 xpass:0 skip:0 error:0" "16 passed, 0 failed, 0 skipped"
[ "$rc" -eq 0 ] || tail -30 "$TMP/out" | sed 's/^/# /'

# As an SGX1 machine the selftest skips its SGX2 tests, as on SGX1 hardware.
timeout 300 "$TEEHOST" sim --sgx1-only -- ./test_sgx >"$TMP/out1" 2>&1
like "$(grep -E '^# Totals:' "$TMP/out1")" "pass:6 fail:0 xfail:0 xpass:0 skip:10 error:0" \
	"--sgx1-only: the 10 SGX2 tests skip, the 6 others pass"
done_testing
