#!/usr/bin/env bash
# teehost kernel build --ref / recipe 'ref': the ref is checked (git work tree,
# resolves to a commit) before anything is created, with a one-line error.
# Uses a tiny fake tree in a git repo, so no real tree or build is needed.
source "$(dirname "$0")/../lib.sh"
export TEEHOST_DATADIR="$_lib_root/kernel" TMPDIR=$TMP   # failed-build logs stay in $TMP

if ! command -v git >/dev/null; then
	skip "kernel --ref checks" "git is not installed"
	done_testing
	exit 0
fi
export GIT_CONFIG_NOSYSTEM=1 HOME=$TMP GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t

one_line() { [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; }
mkfake() {
	mkdir -p "$1/scripts/kconfig" "$1/arch/x86"
	printf 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION =\n' >"$1/Makefile"
	touch "$1/Kconfig" "$1/scripts/kconfig/merge_config.sh" "$1/scripts/config" \
		"$1/scripts/kconfig/Makefile" "$1/arch/x86/Kconfig"
	printf 'hello\n' >"$1/a.txt"
}
printf 'CONFIG_X86_SGX=y\n' >"$TMP/good.config"

tree=$TMP/linux-git
mkfake "$tree"
git -C "$tree" init -q && git -C "$tree" add -A && git -C "$tree" commit -qm base &&
	git -C "$tree" tag v6.12
ok $? "fixture: fake tree committed in a git repo"
treeobj=$(git -C "$tree" rev-parse HEAD:)

# Nothing may appear in OUT (an empty dir) or next to it (staging dirs).
mkdir "$TMP/out"
nothing_written() {
	is "$(ls -A "$TMP/out" | wc -l)" 0 "$1: nothing created in --out"
	is "$(ls -A "$TMP" | grep -c partial)" 0 "$1: no staging dir"
}

# --- usage ----------------------------------------------------------------------------
run "$TEEHOST" kernel build --help
like "$out" "--ref REF" "build --help names --ref"

# --- (a) a ref that is not a commit -------------------------------------------------------
run "$TEEHOST" kernel build --src "$tree" --config "$TMP/good.config" --ref v9.9 --out "$TMP/out"
is "$rc" 1 "bad ref: exit 1"
is "$err" "teehost: $tree: ref: 'v9.9' is not a commit in this tree" "bad ref: exact one-line message"
nothing_written "bad ref"

run "$TEEHOST" kernel build --src "$tree" --config "$TMP/good.config" --ref "$treeobj" --out "$TMP/out"
is "$rc" 1 "ref naming a tree object: exit 1"
is "$err" "teehost: $tree: ref: '$treeobj' is not a commit in this tree" "tree object: not a commit"
nothing_written "tree-object ref"

run "$TEEHOST" kernel build --src "$tree" --config "$TMP/good.config" --ref "--output=$TMP/x" \
	--out "$TMP/out"
is "$rc" 1 "ref that looks like an option: exit 1"
is "$err" "teehost: $tree: ref: '--output=$TMP/x' is not a commit in this tree" \
	"option-like ref: rejected as a ref, not run as an option"
[ ! -e "$TMP/x" ]; ok $? "option-like ref: git did not write the file it names"
nothing_written "option-like ref"

printf 'name = t\nsrc = %s\nref = no-such-branch\n' "$tree" >"$TMP/t.recipe"
run "$TEEHOST" kernel build --recipe "$TMP/t.recipe" --config "$TMP/good.config" --out "$TMP/out"
is "$rc" 1 "recipe with a bad ref: exit 1"
is "$err" "teehost: $tree: ref: 'no-such-branch' is not a commit in this tree" \
	"recipe ref: same one-line message"
nothing_written "recipe bad ref"

# --- (b) a ref on a tree that is not a git work tree (or not its top) ----------------------
plain=$TMP/linux-plain
mkfake "$plain"
run "$TEEHOST" kernel build --src "$plain" --config "$TMP/good.config" --ref v6.12 --out "$TMP/out"
is "$rc" 1 "non-git src with a ref: exit 1"
one_line "$err"; ok $? "non-git src: one line on stderr"
like "$err" "^teehost: $plain: ref: 'v6.12' given, but this is not the top of a git work tree$" \
	"non-git src: says why"
nothing_written "non-git src"

inner=$TMP/outer/linux
mkfake "$inner"
git -C "$TMP/outer" init -q && git -C "$TMP/outer" add -A && git -C "$TMP/outer" commit -qm outer
run "$TEEHOST" kernel build --src "$inner" --config "$TMP/good.config" --ref HEAD --out "$TMP/out"
is "$rc" 1 "src inside another repo: a ref is refused, not resolved in the outer repo"
like "$err" "not the top of a git work tree" "src inside another repo: says why"
nothing_written "src inside another repo"

# --- a good ref passes the check and leaves the checkout alone ------------------------------
# (the fake tree has no real kconfig, so the build stops at olddefconfig.)
printf 'changed\n' >"$tree/a.txt"
run "$TEEHOST" kernel build --src "$tree" --config "$TMP/good.config" --ref v6.12 --out "$TMP/out"
is "$rc" 1 "good ref on a fake tree: fails later (no real kconfig)"
unlike_ref=$(printf '%s' "$err" | grep -c "ref:")
is "$unlike_ref" 0 "good ref: accepted (the error is not about the ref)"
is "$(cat "$tree/a.txt")" "changed" "good ref: SRC's checkout not touched"
is "$(git -C "$tree" status --porcelain)" " M a.txt" "good ref: SRC's git state unchanged"
nothing_written "good ref, failed build"

# The patch fits the committed a.txt, not the changed checkout: it applies only
# if the build works on the ref's export.
mkdir "$TMP/patches"
printf -- '--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-hello\n+world\n' >"$TMP/patches/1.patch"
run "$TEEHOST" kernel build --src "$tree" --config "$TMP/good.config" --patches "$TMP/patches" \
	--out "$TMP/out"
like "$err" "patch 1 of 1 does not apply" "control: without --ref the patch meets the checkout"
run "$TEEHOST" kernel build --src "$tree" --config "$TMP/good.config" --patches "$TMP/patches" \
	--ref v6.12 --out "$TMP/out"
like "$err" "olddefconfig" "with --ref the patch applies to the commit, build goes on to config"
is "$(cat "$tree/a.txt")" "changed" "patched ref: SRC's checkout not touched"
nothing_written "patched ref, failed build"
# A --patches directory relative to the caller's cwd (patch -d would not see it otherwise).
(cd "$TMP" && "$TEEHOST" kernel build --src "$tree" --config "$TMP/good.config" --patches patches \
	--ref v6.12 --out "$TMP/out") 2>"$TMP/rel.err"
like "$(cat "$TMP/rel.err")" "olddefconfig" "a relative --patches directory applies too"
nothing_written "relative patches, failed build"

done_testing
