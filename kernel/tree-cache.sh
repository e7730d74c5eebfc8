#!/bin/sh
# Print the path of an extracted kernel source tree for TARBALL (default:
# Debian's linux-source-6.12), extracting it once into a cache keyed by the
# tarball's sha256: $TEEHOST_KERNEL_CACHE, else /var/cache/teehost/kernel-src
# when writable, else ${XDG_CACHE_HOME:-$HOME/.cache}/teehost/kernel-src.
# Extraction goes to a temp dir renamed into place, so a half-extracted
# tree is never used. Tests and `make check-kernel` share the cache.
set -eu
tarball=${1:-/usr/src/linux-source-6.12.tar.xz}
[ -r "$tarball" ] || { echo "tree-cache: $tarball: not readable (apt-get install linux-source-6.12)" >&2; exit 1; }
if [ -n "${TEEHOST_KERNEL_CACHE:-}" ]; then
	cache=$TEEHOST_KERNEL_CACHE
elif mkdir -p /var/cache/teehost/kernel-src 2>/dev/null && [ -w /var/cache/teehost/kernel-src ]; then
	cache=/var/cache/teehost/kernel-src
else
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/teehost/kernel-src
fi
mkdir -p "$cache"
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
tree=$cache/$sum
if [ ! -f "$tree/Makefile" ]; then
	tmp=$(mktemp -d "$cache/.extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	tar -xf "$tarball" -C "$tmp"
	top=$(ls "$tmp")
	[ "$(echo "$top" | wc -l)" = 1 ] && [ -f "$tmp/$top/Makefile" ] || {
		echo "tree-cache: $tarball: not a single kernel tree" >&2; exit 1; }
	mv "$tmp/$top" "$tree" 2>/dev/null || [ -f "$tree/Makefile" ]
fi
echo "$tree"
