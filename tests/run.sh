#!/usr/bin/env bash
# Run every test against one or more build directories and count TAP results.
#   tests/run.sh BUILD_DIR [BUILD_DIR...]
# Unit tests (cmocka, TAP output), CLI tests (bash TAP scripts) and fuzz-corpus replays run per
# build directory. A test file that exits non-zero without reporting a failure counts as one
# failure, and so does one that reports nothing. The last line is "N passed, N failed, N skipped".
set -u
# `make check` runs this from a recipe, so make's own state (MAKELEVEL, MAKEFLAGS with its
# jobserver) would reach every build a test starts; the kernel selftest's lib.mk then left
# OUTPUT empty and wrote its binaries to /. Tests run as they would from a shell.
unset MAKELEVEL MAKEFLAGS MFLAGS MAKEOVERRIDES MAKE_TERMOUT MAKE_TERMERR
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
pass=0 fail=0 skip=0
failed_names=()
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/teehost-tests.XXXXXX")
trap 'rm -rf "$log_dir"' EXIT
# Before any test: what /, $HOME and the work tree hold (compared after the last test).
mkdir -p "$log_dir/before" && tests/leftovers.sh snap "$log_dir/before"

# count_tap NAME LOGFILE EXIT_STATUS
count_tap() {
	local name=$1 log=$2 status=$3 p=0 f=0 s=0 line
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"* | "ok "*"# skip"* | "not ok "*"# SKIP"* | "not ok "*"# skip"*) s=$((s + 1)) ;;
		"ok "*) p=$((p + 1)) ;;
		"1..0 # SKIP"* | "1..0 # skip"*) s=$((s + 1)) ;;
		"not ok "*) f=$((f + 1)); failed_names+=("$name: ${line#not ok }") ;;
		esac
	done <"$log"
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1; failed_names+=("$name: exited with status $status")
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		f=1; failed_names+=("$name: reported no test")
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	printf '%-48s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	if [ "$f" -gt 0 ] || [ -n "${VERBOSE:-}" ]; then
		sed 's/^/    | /' "$log" | tail -n 60
	fi
}

export VECTORS="$root/../shared/vectors"
for build in "$@"; do
	[ -d "$build" ] || { echo "tests/run.sh: no build directory $build" >&2; exit 2; }
	export BUILD="$root/$build" TEEHOST="$root/$build/teehost"
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		log="$log_dir/$(basename "$t").log"
		CMOCKA_MESSAGE_OUTPUT=TAP timeout 1200 "$t" >"$log" 2>&1
		count_tap "$build/$(basename "$t")" "$log" $?
	done
	for t in tests/cli/*.sh; do
		[ -f "$t" ] || continue
		log="$log_dir/$(basename "$t").log"
		timeout 1800 bash "$t" >"$log" 2>&1 </dev/null
		count_tap "$build/cli/$(basename "$t" .sh)" "$log" $?
	done
	for t in "$build"/fuzz/*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		log="$log_dir/fuzz-$name.log"
		if [ -d "fuzz/corpus/$name" ]; then
			n=$(find "fuzz/corpus/$name" -type f | wc -l)
			if timeout 600 "$t" "fuzz/corpus/$name" >"$log" 2>&1; then
				echo "ok 1 - replay $n corpus files" >>"$log"
			else
				echo "not ok 1 - replay of fuzz/corpus/$name" >>"$log"
			fi
		else
			echo "not ok 1 - no corpus directory fuzz/corpus/$name" >"$log"
		fi
		count_tap "$build/fuzz/$name" "$log" 0
	done
done

# After the last test: nothing new outside build directories and the documented caches.
tests/leftovers.sh check "$log_dir/before" >"$log_dir/leftovers.log" 2>&1
count_tap "suite/leftovers" "$log_dir/leftovers.log" $?

if [ ${#failed_names[@]} -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failed_names[@]}"
fi
echo
if [ $((pass + fail + skip)) -eq 0 ]; then
	echo "tests/run.sh: no test ran" >&2
	fail=1
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
