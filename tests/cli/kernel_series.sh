#!/usr/bin/env bash
# teehost kernel series status|rebase|compose|bisect on synthetic git trees built here:
# every verdict (upstream verbatim, upstream reworked, half upstream, real conflict,
# offset, fuzz, clean), two series touching the same lines, a series whose patch 5
# breaks the build, one whose patch 3 fails the test, and the bad inputs. Fast: files
# of 40 lines, a fake build and test command (real kernels: kernel_series_e2e.sh).
source "$(dirname "$0")/../lib.sh"
export TEEHOST_DATADIR="$_lib_root/kernel" TMPDIR=$TMP

if ! command -v git >/dev/null; then
	skip "kernel series" "git is not installed"
	done_testing
	exit 0
fi
export GIT_CONFIG_NOSYSTEM=1 HOME=$TMP GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
one_line() { [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; }
lines() { for i in $(seq 1 40); do echo "$1 line $i"; done; }
# set LINE TEXT FILE: replace line LINE of FILE
setl() { sed -i "$1s/.*/$2/" "$3"; }
commit() { git -C "$up" add -A && git -C "$up" commit -qm "$1"; }

# --- the fixture: upstream v1, a series on v1, upstream v2 that took some of it ---------
up=$TMP/up
mkdir -p "$up/src"
for f in a b c d e; do lines "$f" >"$up/src/$f.c"; done
git -C "$up" init -q && commit base && git -C "$up" tag v1
git -C "$up" checkout -q -b series v1
setl 5 'a five' "$up/src/a.c" && commit "a: verbatim change"
setl 20 'a twenty' "$up/src/a.c" && commit "a: change reworked upstream"
setl 5 'b five' "$up/src/b.c" && setl 30 'b thirty' "$up/src/b.c" && commit "b: two hunks, one upstream"
setl 10 'c ten ours' "$up/src/c.c" && commit "c: conflicts with upstream"
setl 30 'c thirty' "$up/src/c.c" && commit "c: clean"
setl 30 'd thirty' "$up/src/d.c" && commit "d: lands at an offset"
setl 15 'e fifteen' "$up/src/e.c" && commit "e: needs fuzz"
git -C "$up" format-patch -q -o "$TMP/s1" v1..series
(cd "$TMP/s1" && ls *.patch) >"$TMP/s1/series"
git -C "$up" checkout -q -b main v1
git -C "$up" cherry-pick series~6 >/dev/null
setl 18 'a eighteen up' "$up/src/a.c" && setl 20 'a twenty' "$up/src/a.c" &&
	setl 22 'a twentytwo up' "$up/src/a.c" && commit "a: reworked upstream"
setl 5 'b five' "$up/src/b.c" && commit "b: one hunk upstream"
setl 10 'c ten theirs' "$up/src/c.c" && commit "c: upstream's own change"
sed -i '1i d new 1\nd new 2' "$up/src/d.c" && commit "d: two lines on top"
setl 13 'e thirteen up' "$up/src/e.c" && commit "e: near the patch"
git -C "$up" tag v2
is "$(git -C "$up" rev-list --count v1..v2)" 6 "fixture: upstream v2 is 6 commits on v1"
S=$TMP/s1/series

verdict() { # verdict JSON INDEX -> "verdict|method"
	jq -r ".patches[$2] | .verdict + \"|\" + .method" <<<"$1"
}

# --- status against a ref with history ------------------------------------------------------
run "$TEEHOST" kernel series status "$S" --onto v2 --repo "$up" --json
is "$rc" 1 "status v2: exit 1 (a patch conflicts)"
j=$out
is "$(verdict "$j" 0)" "upstream|git patch-id" "upstream verbatim: decided by git patch-id"
like "$(jq -r '.patches[0].upstream_commit' <<<"$j")" "^$(git -C "$up" rev-parse main~5)$" \
	"verbatim: names the upstream commit"
is "$(verdict "$j" 1)" "upstream|per hunk: git apply -R --check (-C0: context ignored)" \
	"upstream reworked (other context): every hunk present, context ignored"
is "$(jq -r '.patches[2].verdict' <<<"$j")" "partly-upstream" "half upstream: partly-upstream"
like "$(jq -r '.patches[2].evidence' <<<"$j")" "in the base: src/b.c#1 ; still needed \(applied\): src/b.c#2" \
	"half upstream: names the hunk in the base and the one still needed"
is "$(jq -r '.patches[3].verdict' <<<"$j")" "conflict" "real conflict: conflict"
is "$(jq -r '.patches[3].conflict.file + "#" + (.patches[3].conflict.hunk|tostring)' <<<"$j")" \
	"src/c.c#1" "conflict: names file and hunk"
like "$(jq -r '.patches[3].evidence' <<<"$j")" "3way" "conflict: the 3-way merge was tried too"
is "$(verdict "$j" 4)" "applies|git apply" "clean patch: applies"
is "$(jq -r '.patches[5].verdict' <<<"$j")" "applies-offset" "moved lines: applies-offset"
like "$(jq -r '.patches[5].evidence' <<<"$j")" "offset 2 lines" "offset: git's own hunk report"
is "$(verdict "$j" 6)" "applies-fuzz|git apply -C1" "changed context: applies-fuzz"
is "$(jq -r '.summary' <<<"$j")" \
	"2 of 7 patches already upstream in v2, 4 still needed, 1 conflict" "status: summary line"
is "$(jq -r '.patch_id.compared' <<<"$j")" true "status: patch-ids compared (the base has history)"

run "$TEEHOST" kernel series status "$S" --onto v2 --repo "$up"
like "$out" "0001 upstream +0001-a-verbatim-change.patch: a: verbatim change" \
	"status text: patch line with subject"
like "$out" "2 of 7 patches already upstream in v2, 4 still needed, 1 conflict" "status text: summary"

run "$TEEHOST" kernel series status "$S" --onto v1 --repo "$up" --json
is "$rc" 0 "status v1: exit 0"
is "$(jq -r '[.patches[].verdict] | unique | join(",")' <<<"$out")" "applies" \
	"status v1: every patch applies cleanly on its own base"

# A tree without history: reverse-apply decides, and the note says patch-id was not used.
mkdir "$TMP/v2tree" && git -C "$up" archive v2 | tar -x -C "$TMP/v2tree"
run "$TEEHOST" kernel series status "$S" --onto "$TMP/v2tree" --json
is "$(verdict "$out" 0)" "upstream|git apply -R --check (reverse-apply)" \
	"plain tree: verbatim upstream found by reverse-apply"
is "$(jq -r '.patch_id.compared' <<<"$out")" false "plain tree: patch-id not compared"
like "$(jq -r '.patch_id.note' <<<"$out")" "a miss proves nothing" "plain tree: says so"
is "$(jq -r '.summary' <<<"$out")" \
	"2 of 7 patches already upstream in $TMP/v2tree, 4 still needed, 1 conflict" \
	"plain tree: same verdicts as the ref"
is "$(git -C "$up" status --porcelain | wc -l)" 0 "status leaves the repository's checkout alone"

# --- rebase: stops at the conflict, --continue, the new series applies cleanly ----------------
run "$TEEHOST" kernel series rebase "$S" --onto v2 --repo "$up" --out "$TMP/r"
is "$rc" 1 "rebase: stops at the real conflict"
like "$err" "0004-c-conflicts-with-upstream.patch: conflict in src/c.c hunk #1 \(patch 4 of 7" \
	"rebase: names patch, file and hunk"
one_line "$err"; ok $? "rebase: one-line message"
[ ! -e "$TMP/r" ]; ok $? "rebase: nothing in OUT while the series does not apply"
grep -q '^<<<<<<<' "$TMP/r.rebase/t/src/c.c"; ok $? "rebase: conflict left to resolve in OUT.rebase/t"
run "$TEEHOST" kernel series rebase --continue --out "$TMP/r"
is "$rc" 1 "rebase --continue with markers left: refused"
like "$err" "conflict markers" "rebase --continue: says markers remain"
git -C "$up" show v2:src/c.c | sed '10s/.*/c ten both/' >"$TMP/r.rebase/t/src/c.c"
run "$TEEHOST" kernel series rebase --continue --out "$TMP/r"
is "$rc" 0 "rebase --continue after resolving: done"
is "$(cat "$TMP/r/series" | tr '\n' ' ')" \
	"0003-b-two-hunks-one-upstream.patch 0004-c-conflicts-with-upstream.patch 0005-c-clean.patch 0006-d-lands-at-an-offset.patch 0007-e-needs-fuzz.patch " \
	"rebase: new series keeps the needed patches under their names"
is "$(jq -r '[.dropped[].file] | join(" ")' "$TMP/r/rebase.json")" \
	"0001-a-verbatim-change.patch 0002-a-change-reworked-upstream.patch" "rebase.json: dropped patches"
like "$(jq -r '.dropped[0].method' "$TMP/r/rebase.json")" "patch-id" "rebase.json: why (method)"
[ ! -e "$TMP/r.rebase" ]; ok $? "rebase: work tree removed when done"
run "$TEEHOST" kernel series status "$TMP/r/series" --onto v2 --repo "$up" --json
is "$(jq -r '[.patches[].verdict] | unique | join(",")' <<<"$out")" "applies" \
	"rebased series applies cleanly to v2 (context refreshed, no offset or fuzz)"
grep -q '^+b thirty' "$TMP/r/0003-b-two-hunks-one-upstream.patch" &&
	! grep -q '^+b five' "$TMP/r/0003-b-two-hunks-one-upstream.patch"
ok $? "rebase: the half-upstream patch keeps only its needed hunk"
grep -q '^+c ten both' "$TMP/r/0004-c-conflicts-with-upstream.patch"
ok $? "rebase: the resolution is in the refreshed patch"

# --- compose: two series touching the same hunk; two that fit -------------------------------
mkcommit_series() { # NAME FILE LINE TEXT [FILE LINE TEXT]... -> $TMP/NAME/series
	local name=$1; shift
	git -C "$up" checkout -q -b "$name" v1
	while [ $# -gt 0 ]; do
		setl "$2" "$3" "$up/src/$1" && commit "$name: $1 line $2"
		shift 3
	done
	git -C "$up" format-patch -q -o "$TMP/$name" "v1..$name"
	(cd "$TMP/$name" && ls *.patch) >"$TMP/$name/series"
}
mkcommit_series sgx a.c 8 'sgx eight' b.c 12 'sgx twelve'
mkcommit_series snp c.c 3 'snp three' b.c 12 'snp twelve'
mkcommit_series snp2 c.c 3 'snp three' d.c 20 'snp twenty'
git -C "$up" checkout -q main
run "$TEEHOST" kernel series compose "$TMP/sgx/series" "$TMP/snp/series" --onto v1 --repo "$up"
is "$rc" 1 "compose, same hunk: exit 1"
like "$out" "no: blocked by sgx/0002 vs snp/0002 in src/b.c" "compose: names the blocking pair"
like "$out" "same lines: sgx/0002 vs snp/0002 in src/b.c" "compose: lists patches touching the same lines"
run "$TEEHOST" kernel series compose "$TMP/sgx/series" "$TMP/snp/series" --onto v1 --repo "$up" --json
is "$(jq -r '[.orders[].ok] | join(",")' <<<"$out")" "false,false" "compose json: both orders conflict"
is "$(jq -r '.orders[1].patches[] | select(.verdict=="conflict") | .series + "/" + (.index|tostring)' <<<"$out")" \
	"sgx/2" "compose json: B then A conflicts at A's patch"
run "$TEEHOST" kernel series compose "$TMP/sgx/series" "$TMP/snp2/series" --onto v1 --repo "$up" \
	--out "$TMP/composed"
is "$rc" 0 "compose, disjoint: exit 0"
like "$out" "one kernel: yes \(order sgx then snp2\)" "compose: yes with the order"
like "$out" "Kconfig proof not run: no profiles" "compose: says the Kconfig proof did not run"
is "$(cat "$TMP/composed/series" | wc -l)" 4 "compose --out: series of 4"
grep -q "^ref = $(git -C "$up" rev-parse v1)" "$TMP/composed/composed.recipe" &&
	grep -q '^series = series' "$TMP/composed/composed.recipe"
ok $? "compose --out: a recipe naming the base commit and the series"
run "$TEEHOST" kernel series status "$TMP/composed/composed.recipe" --onto v1 --repo "$up" --json
is "$(jq -r '.summary' <<<"$out")" "0 of 4 patches already upstream in v1, 4 still needed, 0 conflict" \
	"the composed recipe's series applies on the base"

# --- bisect: patch 5 breaks the build; patch 3 fails the test; 16 patches in <= 5 builds -----
mkbisect() { # NAME N BAD WORD -> series of N patches, patch BAD adds WORD
	local name=$1 n=$2 bad=$3 word=$4 i
	git -C "$up" checkout -q -b "$name" v1
	for i in $(seq 1 "$n"); do
		if [ "$i" = "$bad" ]; then setl "$i" "$word" "$up/src/e.c"; else setl "$i" "ok $i" "$up/src/e.c"; fi
		commit "$name: step $i"
	done
	git -C "$up" format-patch -q -o "$TMP/$name" "v1..$name"
	(cd "$TMP/$name" && ls *.patch) >"$TMP/$name/series"
	git -C "$up" checkout -q main
}
mkbisect b8 8 5 BROKEN
build='echo "$TEEHOST_OBJ" >>"$0.objs"; ! grep -q BROKEN src/e.c'
build=${build//\$0/$TMP/b8}
run "$TEEHOST" kernel series bisect "$TMP/b8/series" --onto v1 --repo "$up" --build "$build" --json
is "$rc" 1 "bisect build: culprit found (exit 1)"
is "$(jq -r '.culprit.index' <<<"$out")" 5 "bisect build: patch 5 is the first bad one"
is "$(jq -r '.culprit.subject' <<<"$out")" "b8: step 5" "bisect build: with its subject"
like "$(jq -r '.culprit.evidence' <<<"$out")" "." "bisect build: with the failing evidence"
steps=$(jq -r '.steps | length' <<<"$out")
[ "$steps" -le 4 ]; ok $? "bisect build: $steps builds <= ceil(log2 8)+1"
is "$(sort -u "$TMP/b8.objs" | wc -l)" 1 "bisect: every step used the same object tree"
is "$(wc -l <"$TMP/b8.objs")" "$steps" "bisect: one build per step"

mkbisect t6 6 3 PANIC
run "$TEEHOST" kernel series bisect "$TMP/t6/series" --onto v1 --repo "$up" --build true \
	--test '! grep -n PANIC src/e.c'
is "$rc" 1 "bisect test: culprit found"
like "$out" "first bad patch: t6/0003 0003-t6-step-3.patch \(3 of 6\): t6: step 3" \
	"bisect test: patch 3 named with its subject"
like "$out" "evidence: test exited 1: 3:PANIC" "bisect test: the test's failing output"

mkbisect b16 16 11 BROKEN
run "$TEEHOST" kernel series bisect "$TMP/b16/series" --onto v1 --repo "$up" \
	--build '! grep -q BROKEN src/e.c' --json
is "$(jq -r '.culprit.index' <<<"$out")" 11 "bisect 16: patch 11 found"
[ "$(jq -r '.steps | length' <<<"$out")" -le 5 ]; ok $? "bisect 16: at most 5 builds"
run "$TEEHOST" kernel series bisect "$TMP/s1/series" --onto v1 --repo "$up" --build true
is "$rc" 0 "bisect: a good series is reported good (exit 0)"
like "$out" "no bad patch" "bisect: says so"

# --- bad input: one line naming the file or ref, exit != 0, no output dir ---------------------
bad() { # DESC REGEX ARGS...
	local desc=$1 re=$2; shift 2
	run "$TEEHOST" kernel series "$@"
	[ "$rc" -ne 0 ] && one_line "$err"; ok $? "$desc: one-line error, exit $rc"
	like "$err" "$re" "$desc: names it"
}
mkdir "$TMP/bad" && cp "$TMP/s1"/*.patch "$TMP/bad/"
sed -i 's/^@@ -2,7 +2,7 @@/@@ -2,9 +2,7 @@/' "$TMP/bad/0001-a-verbatim-change.patch"
(cd "$TMP/bad" && ls *.patch) >"$TMP/bad/series"
bad "malformed patch" "^teehost: $TMP/bad/0001-a-verbatim-change.patch: line [0-9]+: " \
	rebase "$TMP/bad/series" --onto v2 --repo "$up" --out "$TMP/o1"
printf '0001-a-verbatim-change.patch\nnope.patch\n' >"$TMP/s1/missing"
bad "missing patch" "^teehost: $TMP/s1/missing: line 2: patch nope.patch: No such file" \
	rebase "$TMP/s1/missing" --onto v2 --repo "$up" --out "$TMP/o1"
bad "ref not a commit" "^teehost: v9: not a commit in $up" \
	rebase "$S" --onto v9 --repo "$up" --out "$TMP/o1"
bad "tree object, not a commit" "not a commit" \
	status "$S" --onto "v2^{tree}" --repo "$up"
git -C "$up" checkout -q v1 && echo dirty >>"$up/src/a.c"
bad "dirty work tree" "^teehost: $up: work tree has uncommitted changes" \
	rebase "$S" --onto "$up" --out "$TMP/o1"
git -C "$up" checkout -q -- src/a.c
printf '0001.patch -p0\n' >"$TMP/s1/opt"
bad "series option" "^teehost: $TMP/s1/opt: line 1: option '-p0'" status "$TMP/s1/opt" --onto v1 --repo "$up"
echo "not a patch" >"$TMP/bad/0002-x.patch" && printf '0002-x.patch\n' >"$TMP/bad/s2"
bad "text that is no patch" "0002-x.patch: patch: no diff in it" status "$TMP/bad/s2" --onto v1 --repo "$up"
[ ! -e "$TMP/o1" ] && [ ! -e "$TMP/o1.rebase" ] && [ ! -e "$TMP/o1.partial" ]
ok $? "bad input: no output dir, no rebase work tree"
run "$TEEHOST" kernel series status "$S"
is "$rc" 2 "status without --onto: usage error"

done_testing
