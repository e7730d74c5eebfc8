#!/usr/bin/env bash
# make install PREFIX=DIR gives a working, self-contained tree.
source "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
san=0
case $BUILD in *-san) san=1 ;; esac
prefix="$TMP/prefix"

make -s -C "$root" install SAN=$san BUILD="$BUILD" PREFIX="$prefix" >"$TMP/install.log" 2>&1
ok $? "make install PREFIX=$prefix"

[ -x "$prefix/bin/teehost" ]; ok $? "bin/teehost installed"
run "$prefix/bin/teehost" version
is "$rc" 0 "installed teehost runs"
soname=$(readelf -d "$prefix/lib/libteehost.so.0" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
is "$soname" "libteehost.so.0" "shared library carries its soname"
exported=$(nm -D --defined-only "$prefix/lib/libteehost.so.0" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -v '^teehost_' | head -n 5)
is "$exported" "" "the shared library exports only teehost_* symbols"
[ -f "$prefix/include/teehost/teehost.h" ]; ok $? "public header installed"
[ -f "$prefix/share/man/man8/teehost.8" ]; ok $? "man page installed"
[ -f "$prefix/share/bash-completion/completions/teehost" ]; ok $? "bash completion installed"

# Nothing in the installed tree may point back into the build tree (debug info aside).
leaks=""
while IFS= read -r f; do
	if file -b "$f" | grep -q ELF; then
		objcopy --strip-debug "$f" "$TMP/stripped" 2>/dev/null || cp "$f" "$TMP/stripped"
		strings -a "$TMP/stripped" | grep -qF "$root" && leaks="$leaks $f"
	elif grep -qF "$root" "$f"; then
		leaks="$leaks $f"
	fi
done < <(find "$prefix" -type f)
is "$leaks" "" "no installed file refers to the source tree"

make -s -C "$root" install SAN=$san BUILD="$BUILD" DESTDIR="$TMP/stage" PREFIX=/usr >"$TMP/stage.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr"
[ -x "$TMP/stage/usr/bin/teehost" ]; ok $? "DESTDIR staging honoured"

done_testing
