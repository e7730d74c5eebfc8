#!/usr/bin/env bash
# Run every test against one or more build directories and count TAP results.
#   tests/run.sh BUILD_DIR [BUILD_DIR...] [TEST...]
# Unit tests (cmocka, TAP output), CLI tests (bash TAP scripts) and fuzz-corpus replays run per
# build directory. TEST names (or shell patterns) pick some of them by the name the summary
# shows after "BUILD_DIR/": test_host_check, cli/check_ids, 'cli/kernel*', fuzz/fuzz_sigstruct.
# A test file counts as one failure more when it exits non-zero without reporting a failure,
# reports nothing, prints no plan ("1..N": it died before the end) or a plan that differs from
# the number of results. The last line is "N passed, N failed, N skipped".
set -u
# `make check` runs this from a recipe, so make's own state (MAKELEVEL, MAKEFLAGS with its
# jobserver) would reach every build a test starts; the kernel selftest's lib.mk then left
# OUTPUT empty and wrote its binaries to /. Tests run as they would from a shell.
unset MAKELEVEL MAKEFLAGS MFLAGS MAKEOVERRIDES MAKE_TERMOUT MAKE_TERMERR
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
pass=0 fail=0 skip=0
failed_names=()
builds=() picks=()
for arg in "$@"; do
	if [ -d "$arg" ]; then builds+=("$arg"); else picks+=("$arg"); fi
done
[ ${#builds[@]} -gt 0 ] || { echo "usage: tests/run.sh BUILD_DIR [BUILD_DIR...] [TEST...]" >&2; exit 2; }

# picked NAME: true when no TEST was named or NAME matches one of them
picked() {
	local p
	[ ${#picks[@]} -eq 0 ] && return 0
	for p in "${picks[@]}"; do
		# shellcheck disable=SC2053 # $p is a pattern on purpose
		[[ $1 == $p ]] && return 0
	done
	return 1
}
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/teehost-tests.XXXXXX")
trap 'rm -rf "$log_dir"' EXIT
# Before any test: what /, $HOME and the work tree hold (compared after the last test).
mkdir -p "$log_dir/before" && tests/leftovers.sh snap "$log_dir/before"

# count_tap NAME LOGFILE EXIT_STATUS
count_tap() {
	local name=$1 log=$2 status=$3 p=0 f=0 s=0 plans=0 planned=0 line
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"* | "ok "*"# skip"* | "not ok "*"# SKIP"* | "not ok "*"# skip"*) s=$((s + 1)) ;;
		"ok "*) p=$((p + 1)) ;;
		"1..0 # SKIP"* | "1..0 # skip"*) s=$((s + 1)) plans=$((plans + 1)) planned=$((planned + 1)) ;;
		"not ok "*) f=$((f + 1)); failed_names+=("$name: ${line#not ok }") ;;
		1..*)
			# a plan; cmocka prints one per test group
			if [[ $line =~ ^1\.\.([0-9]+)([[:space:]]|$) ]]; then
				plans=$((plans + 1)) planned=$((planned + BASH_REMATCH[1]))
			fi
			;;
		esac
	done <"$log"
	local ran=$((p + f + s))
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=$((f + 1)); failed_names+=("$name: exited with status $status")
	fi
	if [ "$ran" -eq 0 ]; then
		f=$((f + 1)); failed_names+=("$name: reported no test")
	elif [ "$plans" -eq 0 ]; then
		f=$((f + 1)); failed_names+=("$name: no plan line (1..N): it stopped before its end")
	elif [ "$planned" -ne "$ran" ]; then
		f=$((f + 1)); failed_names+=("$name: planned $planned tests, ran $ran")
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	printf '%-48s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	if [ "$f" -gt 0 ] || [ -n "${VERBOSE:-}" ]; then
		sed 's/^/    | /' "$log" | tail -n 60
	fi
}

# The vectors sit next to the main checkout; a work tree elsewhere names them with VECTORS=.
export VECTORS="${VECTORS:-$root/../shared/vectors}"

# A CLI test with the line "# run.sh: background" (the lab VMs: long, and one core of QEMU
# while most tests use the other) starts before the build's other tests and runs beside
# them; its result is counted after theirs. TEEHOST_TESTS_PENDING/NAME exists for each
# test of the build not yet finished (NAME as picked: cli/kernel_e2e), so that a
# background test can wait for what another one makes.
background() { grep -qx '# run.sh: background' "$1"; }
bg_names=() bg_logs=() bg_pids=()
export TEEHOST_TESTS_PENDING
for build in "${builds[@]}"; do
	[ -d "$build" ] || { echo "tests/run.sh: no build directory $build" >&2; exit 2; }
	export BUILD="$root/$build" TEEHOST="$root/$build/teehost"
	TEEHOST_TESTS_PENDING=$log_dir/pending/$build
	mkdir -p "$TEEHOST_TESTS_PENDING/cli"
	for t in tests/cli/*.sh; do
		[ -f "$t" ] && picked "cli/$(basename "$t" .sh)" && touch "$TEEHOST_TESTS_PENDING/cli/$(basename "$t" .sh)"
	done
	for t in tests/cli/*.sh; do
		name=cli/$(basename "$t" .sh)
		[ -f "$t" ] && picked "$name" && background "$t" || continue
		log="$log_dir/$build-$(basename "$t").log"
		( timeout 3600 bash "$t" >"$log" 2>&1 </dev/null; echo $? >"$log.status"
		  rm -f "$TEEHOST_TESTS_PENDING/$name" ) &
		bg_pids+=($!) bg_names+=("$build/$name") bg_logs+=("$log")
	done
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		picked "$(basename "$t")" || continue
		log="$log_dir/$(basename "$t").log"
		# the status first: a $(...) in count_tap's arguments would reset $? before it is read
		CMOCKA_MESSAGE_OUTPUT=TAP timeout 1200 "$t" >"$log" 2>&1
		status=$?
		count_tap "$build/$(basename "$t")" "$log" "$status"
	done
	for t in tests/cli/*.sh; do
		[ -f "$t" ] || continue
		picked "cli/$(basename "$t" .sh)" || continue
		background "$t" && continue
		log="$log_dir/$(basename "$t").log"
		timeout 1800 bash "$t" >"$log" 2>&1 </dev/null
		status=$?
		rm -f "$TEEHOST_TESTS_PENDING/cli/$(basename "$t" .sh)"
		count_tap "$build/cli/$(basename "$t" .sh)" "$log" "$status"
	done
	for t in "$build"/fuzz/*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		picked "fuzz/$name" || continue
		log="$log_dir/fuzz-$name.log"
		echo "1..1" >"$log"
		if [ -d "fuzz/corpus/$name" ]; then
			n=$(find "fuzz/corpus/$name" -type f | wc -l)
			if timeout 600 "$t" "fuzz/corpus/$name" >>"$log" 2>&1; then
				echo "ok 1 - replay $n corpus files" >>"$log"
			else
				echo "not ok 1 - replay of fuzz/corpus/$name" >>"$log"
			fi
		else
			echo "not ok 1 - no corpus directory fuzz/corpus/$name" >>"$log"
		fi
		count_tap "$build/fuzz/$name" "$log" 0
	done
done

for i in "${!bg_pids[@]}"; do
	wait "${bg_pids[$i]}"
	count_tap "${bg_names[$i]}" "${bg_logs[$i]}" "$(cat "${bg_logs[$i]}.status" 2>/dev/null || echo 1)"
done

if [ ${#picks[@]} -gt 0 ] && [ $((pass + fail + skip)) -eq 0 ]; then
	echo "tests/run.sh: no test matches: ${picks[*]}" >&2
	exit 2
fi

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
