#!/bin/sh
# Build teehost's Debian packages from the work tree (tracked files and untracked ones git
# does not ignore), in OUT/src, leaving the .debs, .changes and .buildinfo in OUT, then run
# lintian at its default level. Exit non-zero on a build failure or a lintian error/warning.
#   scripts/make-deb.sh OUT
set -eu
# The package builds with its own Makefile defaults, not the caller's make state or build dir
# (a BUILD pointing here would make the copy's make read this tree's files).
unset BUILD SAN MAKELEVEL MAKEFLAGS MFLAGS MAKEOVERRIDES
out=$1
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -SVersion)
src=$out/src/teehost-$version

rm -rf "$out" && mkdir -p "$src"
# A copy of what git knows, not the build directories: the package builds from source only.
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	tar --null -T - -cf -) | tar -C "$src" -xf -

(cd "$src" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	echo "make-deb: dpkg-buildpackage failed; log: $out/build.log" >&2
	exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"
ls "$out"/*.deb
lintian --fail-on error,warning "$out"/*.changes
