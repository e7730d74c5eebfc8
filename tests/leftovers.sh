#!/usr/bin/env bash
# What the test suite left behind: tests write only to build directories, mktemp directories
# they remove, and the documented caches. tests/run.sh takes a snapshot before the first test
# and compares after the last one; anything new is a failure of its own.
#   tests/leftovers.sh snap DIR        record the top-level entries of /, $HOME and the work
#                                      tree (git status --porcelain --ignored) into DIR
#   tests/leftovers.sh check DIR       snapshot again and print TAP: one test per place, each
#                                      failing with the entries that are new
# Documented locations under $HOME are not counted: the cache (${XDG_CACHE_HOME:-~/.cache}) and
# the simulator's state (${XDG_STATE_HOME:-~/.local/state}/teehost, see src/sim/keys.c) when
# they sit directly in $HOME.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)

snap() {
	local out=$1
	ls -A / >"$out/root" 2>/dev/null
	if [ -n "${HOME:-}" ] && [ -d "$HOME" ]; then
		ls -A "$HOME" >"$out/home" 2>/dev/null
	else
		: >"$out/home"
	fi
	if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$root" status --porcelain --ignored >"$out/tree" 2>/dev/null
	else
		echo "(not a git work tree)" >"$out/tree"
	fi
}

# Top-level entries of $HOME that the documented caches may create.
allowed_home() {
	local p
	for p in "${XDG_CACHE_HOME:-$HOME/.cache}" "${XDG_STATE_HOME:-$HOME/.local/state}"; do
		case $p in
		"$HOME"/*) p=${p#"$HOME"/}; echo "${p%%/*}" ;;
		esac
	done
}

# report N WHAT BEFORE AFTER [IGNORE...]
report() {
	local n=$1 what=$2 before=$3 after=$4 new
	shift 4
	new=$(comm -13 <(sort "$before") <(sort "$after"))
	if [ $# -gt 0 ] && [ -n "$new" ]; then
		new=$(printf '%s\n' "$new" | grep -vxF -f <(printf '%s\n' "$@"))
	fi
	if [ -z "$new" ]; then
		echo "ok $n - nothing new in $what"
	else
		echo "not ok $n - new in $what: $(printf '%s\n' "$new" | head -n 20 | tr '\n' ' ')"
	fi
}

check() {
	local before=$1 after
	after=$(mktemp -d "${TMPDIR:-/tmp}/teehost-leftovers.XXXXXX") || exit 2
	snap "$after"
	echo "1..3"
	report 1 "/" "$before/root" "$after/root"
	# shellcheck disable=SC2046
	report 2 "\$HOME ($HOME)" "$before/home" "$after/home" $(allowed_home)
	report 3 "the work tree (git status --porcelain --ignored)" "$before/tree" "$after/tree"
	rm -rf "$after"
}

case ${1:-} in
snap) snap "$2" ;;
check) check "$2" ;;
*) echo "usage: tests/leftovers.sh snap|check DIR" >&2; exit 2 ;;
esac
