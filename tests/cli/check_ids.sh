#!/usr/bin/env bash
# Check ids are stable and documented: every id teehost check reports (on the fixtures) is in
# man/teehost-check.8, every id there is reported, and the fixture tables know all of them.
source "$(dirname "$0")/../lib.sh"
top="$(cd "$(dirname "$0")/../.." && pwd)"
hosts="$top/tests/hosts"

documented=$(sed -n 's/^\.B \([a-z]*\.[a-z0-9_]*\)$/\1/p' "$top/man/teehost-check.8" | sort -u)
reported=$(cat "$hosts"/*/expected.tsv | cut -f1 | grep -v '^exit$' | sort -u)
is "$reported" "$documented" "the ids the fixtures assert are exactly the documented ones"
n=$(printf '%s\n' "$documented" | wc -l)
ok_if "documented ids: $n" [ "$n" -ge 50 ]

R="$TMP/r"
"$hosts/build.sh" sgx2-flc-server "$R"
run "$TEEHOST" check --json --root "$R" --cpuid "$hosts/sgx2-flc-server/cpuid.txt"
is "$(printf '%s\n' "$out" | "$hosts/verdicts.sh" | cut -f1 | sort -u)" "$documented" "one run reports every documented id"
run "$TEEHOST" check --help
is "$rc" 0 "--help: exit 0"
like "$out" 'teehost-check\(8\)' "--help points to the man page"
done_testing
