#!/usr/bin/env bash
# teehost check on every fixture machine under tests/hosts/: the verdict of every check id
# (expected.tsv: id<TAB>status, and the exit status) is asserted, not just the exit code.
source "$(dirname "$0")/../lib.sh"
hosts="$(cd "$(dirname "$0")/../hosts" && pwd)"

for dir in "$hosts"/*/; do
	name=$(basename "$dir")
	[ -f "$dir/expected.tsv" ] || continue
	root="$TMP/$name"
	"$hosts/build.sh" "$name" "$root"
	args=()
	[ -f "$dir/args" ] && read -r -a args <"$dir/args"
	run "$TEEHOST" check --json --root "$root" --cpuid "$dir/cpuid.txt" "${args[@]}"
	got=$(printf '%s\n' "$out" | "$hosts/verdicts.sh")
	want_exit=$(awk -F'\t' '$1 == "exit" { print $2 }' "$dir/expected.tsv")
	is "$rc" "$want_exit" "$name: exit status"
	# every expected id, in order, with its status
	while IFS=$'\t' read -r id status; do
		[ "$id" = exit ] && continue
		g=$(printf '%s\n' "$got" | awk -F'\t' -v id="$id" '$1 == id { print $2 }')
		is "$g" "$status" "$name: $id"
	done <"$dir/expected.tsv"
	# and no check the table does not know
	is "$(printf '%s\n' "$got" | cut -f1 | tr '\n' ' ')" \
		"$(grep -v '^exit' "$dir/expected.tsv" | cut -f1 | tr '\n' ' ')" "$name: the same ids in the same order"
	# the JSON is JSON, with one object per check and a summary that adds up
	if command -v jq >/dev/null; then
		printf '%s' "$out" | jq -e --argjson n "$(grep -vc '^exit' "$dir/expected.tsv")" \
			'(.checks | length) == $n and (.summary | .pass + .warn + .fail + .skip) == $n and
			 (.summary.ready == (.summary.required_fail == 0)) and
			 all(.checks[]; (.id | type) == "string" and (.evidence | type) == "string" and (.fix | type) == "string")' >/dev/null
		ok $? "$name: valid JSON, counts add up"
	else
		skip "$name: valid JSON" "jq not installed (make deps)"
	fi
	# the text report agrees with the JSON one
	run "$TEEHOST" check --root "$root" --cpuid "$dir/cpuid.txt" "${args[@]}"
	is "$rc" "$want_exit" "$name: text report exit status"
	rm -rf "$root"
done
done_testing
