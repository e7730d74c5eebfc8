#!/usr/bin/env bash
# teehost check and setup under valgrind: no memory errors, no leaks (live, fixture, dry run,
# apply, bad input). Valgrind has no openat2, so this also runs the path walk fallback.
source "$(dirname "$0")/../lib.sh"
hosts="$(cd "$(dirname "$0")/../hosts" && pwd)"

if ! command -v valgrind >/dev/null; then
	skip "valgrind" "valgrind is not installed"; done_testing; exit
fi
case $BUILD in *-san|*-san/) skip "valgrind" "sanitizer build (ASan and valgrind do not mix)"; done_testing; exit ;; esac

vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible "$@" 2>&1 | grep -v -e 'unhandled amd64-linux syscall' -e 'own handler' -e README_MISSING -e 'consider this a bug' -e 'bug_reports.html'; return "${PIPESTATUS[0]}"; }

run vg "$TEEHOST" check
ok_if "check (live) clean under valgrind" [ "$rc" -le 1 ]
run vg "$TEEHOST" check --json
ok_if "check --json (live) clean under valgrind" [ "$rc" -le 1 ]
for name in sgx2-flc-server laptop-sgx-disabled snp-host-snp-off tdx-host; do
	"$hosts/build.sh" $name "$TMP/$name"
	run vg "$TEEHOST" check --json --root "$TMP/$name" --cpuid "$hosts/$name/cpuid.txt" --user alice
	ok_if "check $name clean under valgrind" [ "$rc" -le 1 ]
	run vg "$TEEHOST" setup --dry-run --root "$TMP/$name" --cpuid "$hosts/$name/cpuid.txt"
	is "$rc" 0 "setup --dry-run $name clean under valgrind"
	run vg "$TEEHOST" setup --root "$TMP/$name" --cpuid "$hosts/$name/cpuid.txt"
	is "$rc" 0 "setup $name clean under valgrind"
done
# the walk fallback gives the same verdicts as openat2
run "$TEEHOST" check --json --root "$TMP/sgx2-flc-server" --cpuid "$hosts/sgx2-flc-server/cpuid.txt"
direct=$(printf '%s\n' "$out" | "$hosts/verdicts.sh")
out=$(valgrind -q "$TEEHOST" check --json --root "$TMP/sgx2-flc-server" --cpuid "$hosts/sgx2-flc-server/cpuid.txt" 2>/dev/null)
is "$(printf '%s\n' "$out" | "$hosts/verdicts.sh")" "$direct" "path walk (under valgrind) and openat2 agree on every verdict"
printf 'garbage' >"$TMP/bad"
run vg "$TEEHOST" check --cpuid "$TMP/bad"
is "$rc" 1 "bad dump clean under valgrind"
done_testing
