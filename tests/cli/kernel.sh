#!/usr/bin/env bash
# teehost kernel: usage and bad input. Each bad input gives one line on stderr,
# a non-zero exit, and leaves nothing half-written. Uses a fake kernel tree
# (just the files teehost checks for), so no real tree or build is needed.
source "$(dirname "$0")/../lib.sh"
export TEEHOST_DATADIR="$_lib_root/kernel"

# A tree that passes teehost's checks but has no real kconfig.
fake=$TMP/fake-linux
mkdir -p "$fake/scripts/kconfig" "$fake/arch/x86"
printf 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION =\n' >"$fake/Makefile"
touch "$fake/Kconfig" "$fake/scripts/kconfig/merge_config.sh" "$fake/scripts/config" \
	"$fake/scripts/kconfig/Makefile" "$fake/arch/x86/Kconfig"
printf 'hello\n' >"$fake/a.txt"
printf 'CONFIG_X86_SGX=y\n' >"$TMP/good.config"

one_line() { [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ]; }

# --- usage ------------------------------------------------------------------------
run "$TEEHOST" kernel
is "$rc" 2 "no verb: usage error"
run "$TEEHOST" kernel --help
is "$rc" 0 "kernel --help exits 0"
like "$out" "  config +make a .config" "help lists verbs from the table"
like "$out" "  boot-test " "help lists boot-test"
run "$TEEHOST" kernel conf
is "$rc" 2 "verb prefixes are not accepted"
for v in config verify build boot-test deploy; do
	run "$TEEHOST" kernel $v --help
	is "$rc" 0 "kernel $v --help exits 0"
	like "$out" "^Usage: teehost kernel $v" "kernel $v --help prints its usage"
done
run "$TEEHOST" kernel config
is "$rc" 2 "config without --src: usage error"
like "$err" "--src TREE" "config usage error names --src"
run "$TEEHOST" kernel verify --src "$fake"
is "$rc" 2 "verify without CONFIG: usage error"
run "$TEEHOST" kernel verify --src "$fake" "$TMP/good.config"
is "$rc" 2 "verify without a profile or fragment: usage error"
run "$TEEHOST" kernel build --src "$fake"
is "$rc" 2 "build without --config: usage error"
run "$TEEHOST" kernel build --src "$fake" --config "$TMP/good.config" --jobs 0
is "$rc" 2 "build --jobs 0: usage error"
run "$TEEHOST" kernel build --src "$fake" --config x --series a --patches b
is "$rc" 2 "build --series and --patches: usage error"
run "$TEEHOST" kernel boot-test
is "$rc" 2 "boot-test without ARTIFACT: usage error"
run "$TEEHOST" kernel boot-test x --accel hvf
is "$rc" 2 "boot-test --accel hvf: usage error"
run "$TEEHOST" kernel deploy x
is "$rc" 2 "deploy without --inventory: usage error"

# --- a missing tree, a tree that is not a kernel ------------------------------------
run "$TEEHOST" kernel config --src "$TMP/nope" --profile sgx-host --out "$TMP/o.config"
is "$rc" 1 "missing tree: exit 1"
is "$err" "teehost: $TMP/nope: kernel tree: No such file or directory" "missing tree: message"
[ ! -e "$TMP/o.config" ]; ok $? "missing tree: no output"

mkdir -p "$TMP/notkernel" && echo 'all:' >"$TMP/notkernel/Makefile"
run "$TEEHOST" kernel config --src "$TMP/notkernel" --profile sgx-host --out "$TMP/o.config"
is "$rc" 1 "not a kernel tree: exit 1"
is "$err" "teehost: $TMP/notkernel: not a kernel tree (no Makefile with VERSION and PATCHLEVEL)" \
	"not a kernel tree: message"
run "$TEEHOST" kernel verify --src "$TMP/good.config" --profile sgx-host "$TMP/good.config"
is "$rc" 1 "a file as tree: exit 1"
is "$err" "teehost: $TMP/good.config: kernel tree: not a directory" "a file as tree: message"

# --- a config that is not a config ---------------------------------------------------
run "$TEEHOST" kernel verify --src "$fake" --profile sgx-host /etc/passwd
is "$rc" 1 "passwd as config: exit 1"
is "$err" "teehost: /etc/passwd: no CONFIG_ line: not a kernel config" "passwd as config: says so"
one_line "$err"; ok $? "passwd as config: one line"
printf 'root:x:0:0\nCONFIG_X=y\n' >"$TMP/mixed.config"
run "$TEEHOST" kernel verify --src "$fake" --profile sgx-host "$TMP/mixed.config"
is "$rc" 1 "garbage line in a config: exit 1"
like "$err" "^teehost: $TMP/mixed.config: line 1: expected CONFIG_NAME=VALUE" "garbage line: names line 1"
printf '# only a comment\n' >"$TMP/empty.config"
run "$TEEHOST" kernel config --src "$fake" --base "$TMP/empty.config" --out "$TMP/o.config"
is "$rc" 1 "empty base: exit 1"
is "$err" "teehost: $TMP/empty.config: no CONFIG_ line: not a kernel config" "empty base: message"
printf 'CONFIG_A=y\nCONFIG_B=y y\n' >"$TMP/bad.config"
run "$TEEHOST" kernel config --src "$fake" --fragment "$TMP/bad.config" --base "$TMP/good.config" \
	--out "$TMP/o.config"
is "$rc" 1 "bad fragment: exit 1"
is "$err" "teehost: $TMP/bad.config: line 2: bad value for CONFIG_B" "bad fragment: names file and line"
[ ! -e "$TMP/o.config" ]; ok $? "bad fragment: no output"
head -c 300 /dev/urandom >"$TMP/random.bin"
run "$TEEHOST" kernel verify --src "$fake" --fragment "$TMP/random.bin" "$TMP/good.config"
is "$rc" 1 "binary fragment: exit 1"
one_line "$err"; ok $? "binary fragment: one line"

# --- an unknown profile ---------------------------------------------------------------
run "$TEEHOST" kernel config --src "$fake" --base "$TMP/good.config" --profile sgx-hots \
	--out "$TMP/o.config"
is "$rc" 1 "unknown profile: exit 1"
like "$err" "^teehost: sgx-hots: unknown profile \(known: .*sgx-host" "unknown profile lists known ones"
one_line "$err"; ok $? "unknown profile: one line"
run "$TEEHOST" kernel config --src "$fake" --base "$TMP/good.config" --profile ../etc/passwd
is "$rc" 1 "profile with a path: refused"

# --- recipes ------------------------------------------------------------------------------
printf 'name = x\nflavour = y\n' >"$TMP/bad.recipe"
run "$TEEHOST" kernel config --recipe "$TMP/bad.recipe"
is "$rc" 1 "bad recipe: exit 1"
like "$err" "^teehost: $TMP/bad.recipe: line 2: unknown key 'flavour'" "bad recipe: names the line"
for r in "$_lib_root"/kernel/recipes/*.recipe; do
	run "$TEEHOST" kernel config --recipe "$r" --src "$TMP/nope"
	is "$rc" 1 "shipped recipe $(basename "$r") parses (fails only on the missing tree)"
	like "$err" "kernel tree: No such file" "shipped recipe $(basename "$r"): error is about the tree"
done

# --- a patch that does not apply; a busy output dir -------------------------------------
mkdir -p "$TMP/patches"
cat >"$TMP/patches/0001-good.patch" <<'EOF'
--- a/a.txt
+++ b/a.txt
@@ -1 +1 @@
-hello
+hello, world
EOF
cat >"$TMP/patches/0002-bad.patch" <<'EOF'
--- a/a.txt
+++ b/a.txt
@@ -1 +1 @@
-goodbye
+farewell
EOF
run "$TEEHOST" kernel build --src "$fake" --config "$TMP/good.config" --patches "$TMP/patches" \
	--out "$TMP/out" --jobs 1
is "$rc" 1 "patch that does not apply: exit 1"
like "$err" "^teehost: $TMP/patches/0002-bad.patch: patch 2 of 2 does not apply to 6.12.0; see /.*\.log$" \
	"names the failing patch and the log"
one_line "$err"; ok $? "failing patch: one line"
[ ! -e "$TMP/out" ]; ok $? "failing patch: no output dir"
is "$(ls -A "$TMP" | grep -c partial)" 0 "failing patch: no staging dir left"
is "$(cat "$fake/a.txt")" "hello" "the base tree is not modified by patching"
log=$(printf '%s' "$err" | sed 's/.*see //')
[ -s "$log" ]; ok $? "the named log exists"
rm -f "$log"

# The good patch alone applies; the fake tree then fails at the config phase:
# a one-line error naming the phase and the log, and no output.
rm "$TMP/patches/0002-bad.patch"
run "$TEEHOST" kernel build --src "$fake" --config "$TMP/good.config" --patches "$TMP/patches" \
	--out "$TMP/out" --jobs 1
is "$rc" 1 "fake tree after patching: exit 1"
like "$err" "^teehost: make: 'make olddefconfig' failed \(exit [0-9]+\); see /.*\.log$" \
	"names the failed phase and the log"
[ ! -e "$TMP/out" ]; ok $? "failed build: no output dir"
is "$(ls -A "$TMP" | grep -c partial)" 0 "failed build: no staging dir left"
is "$(cat "$fake/a.txt")" "hello" "the base tree is not modified by a patch that applied"
rm -f "$(printf '%s' "$err" | sed 's/.*see //')"
printf '# series\n0001-good.patch\nmissing.patch\n' >"$TMP/patches/series"
run "$TEEHOST" kernel build --src "$fake" --config "$TMP/good.config" --series "$TMP/patches/series" \
	--out "$TMP/out"
is "$rc" 1 "series naming a missing patch: exit 1"
like "$err" "^teehost: $TMP/patches/series: patch missing.patch: No such file" "names the missing patch"

mkdir -p "$TMP/busy" && echo keep >"$TMP/busy/file"
run "$TEEHOST" kernel build --src "$fake" --config "$TMP/good.config" --out "$TMP/busy"
is "$rc" 1 "busy output dir: exit 1"
is "$err" "teehost: $TMP/busy: output exists and is not an empty directory" "busy output dir: message"
is "$(ls -A "$TMP/busy")" "file" "busy output dir: untouched"
run "$TEEHOST" kernel build --src "$fake" --config "$TMP/good.config" --out "$TMP/busy/file"
is "$rc" 1 "output is a file: exit 1"

# --- boot-test / deploy on things that are not build outputs -----------------------------
run "$TEEHOST" kernel boot-test "$TMP/busy"
is "$rc" 1 "boot-test of a dir without a tarball: exit 1"
like "$err" "no linux-\*\.tar\.gz here" "boot-test: says it is not a build output"
run "$TEEHOST" kernel boot-test "$TMP/good.config" --accel tcg
is "$rc" 1 "boot-test of a non-tarball: exit 1"
like "$err" "not a kernel tarball" "boot-test: not a kernel tarball"
run "$TEEHOST" kernel deploy "$TMP/busy" --inventory "$TMP/nope.ini"
is "$rc" 1 "deploy of a non-build: exit 1"
like "$err" "no linux-image-\*\.deb" "deploy: says it is not a build output"

done_testing
