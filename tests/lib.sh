# shellcheck shell=bash
# TAP helpers for CLI tests. Source it first thing:  source "$(dirname "$0")/../lib.sh"
# Provides $TEEHOST, $BUILD, $VECTORS, $TMP and the functions below; call done_testing last:
# it prints the plan ("1..N"), and tests/run.sh counts a test without one (it died half-way) or
# with one that differs from the results it saw as failed.
set -u
_lib_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BUILD:=$_lib_root/build}"
: "${TEEHOST:=$BUILD/teehost}"
: "${VECTORS:=$_lib_root/../shared/vectors}"
export BUILD TEEHOST VECTORS
TMP=$(mktemp -d "${TMPDIR:-/tmp}/teehost-cli.XXXXXX")
_n=0
_failed=0
_done=0
# A script that ends without done_testing (set -e, an `exit` in the middle, a bash error under
# set -u) says so and exits non-zero. Scripts that set their own EXIT trap lose this note, not
# the check: the runner still finds no plan.
_lib_exit() {
	local rc=$?
	rm -rf "$TMP"
	if [ "$_done" = 0 ]; then
		echo "# stopped after $_n tests without done_testing (exit $rc)"
		[ "$rc" -ne 0 ] || exit 1
	fi
}
trap _lib_exit EXIT

# ok STATUS DESC: pass when STATUS is 0 (use: ok $? "desc", or: [ ... ]; ok $? "desc")
ok() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}

# ok_if DESC CMD [ARG...]: pass when CMD succeeds, so the condition reads the way the test
# means it:  ok_if "exit 0 or 1 (got $rc)" [ "$rc" -le 1 ]
ok_if() {
	local desc=$1
	shift
	"$@"
	ok $? "$desc"
}

# is GOT EXPECTED DESC
is() {
	_n=$((_n + 1))
	if [ "$1" == "$2" ]; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		echo "#   got:      '$1'"
		echo "#   expected: '$2'"
		_failed=$((_failed + 1))
	fi
}

# like GOT REGEX DESC (extended regex)
like() {
	_n=$((_n + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		echo "ok $_n - $3"
	else
		echo "not ok $_n - $3"
		echo "#   got:      '$1'"
		echo "#   expected to match: '$2'"
		_failed=$((_failed + 1))
	fi
}

# skip DESC REASON
skip() {
	_n=$((_n + 1))
	echo "ok $_n - $1 # SKIP $2"
}

# run CMD ARGS...: sets $out (stdout), $err (stderr), $rc (exit status)
run() {
	local ef="$TMP/.stderr"
	out=$("$@" 2>"$ef")
	rc=$?
	err=$(cat "$ef")
}

# Under VALGRIND=1, CLI invocations go through valgrind (see tests/cli/valgrind.sh).
done_testing() {
	_done=1
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}

# tap_sub [--comments] PREFIX CMD...: run a TAP-speaking test program, re-number its ok/not ok
# lines as ours under PREFIX (--comments: pass its "# " lines through too); a program that
# printed no result, or failed without a "not ok", is one failure with its stderr's tail
tap_sub() {
	local comments=0 prefix line rc seen=0
	[ "$1" = --comments ] && { comments=1; shift; }
	prefix=$1; shift
	"$@" >"$TMP/sub.out" 2>"$TMP/sub.err"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			seen=1
			_n=$((_n + 1))
			local st=${line%% [0-9]*} rest=${line#* - }
			[ "$st" = "not ok" ] && _failed=$((_failed + 1))
			echo "$st $_n - $prefix: $rest"
			;;
		"# "*) [ "$comments" = 1 ] && echo "$line" ;;
		esac
	done <"$TMP/sub.out"
	if [ "$seen" = 0 ] || { [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$TMP/sub.out"; }; then
		ok 1 "$prefix: ran (exit $rc)"
		sed 's/^/# /' "$TMP/sub.err" | tail -5
	fi
}
