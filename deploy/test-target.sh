#!/bin/sh
# Make a throw-away Debian target for testing the Ansible role through
# Ansible's chroot connection: a debootstrap'd minbase bookworm with python3 and
# libjansson4 and libfuse3-3 (the teehost sent to hosts links them, as a lab host with teehost
# has them),
# built once into a cache ($TEEHOST_DEPLOY_CACHE, default
# /var/cache/teehost/deploy-target) and copied fresh to DEST for each run.
#   deploy/test-target.sh DEST
# Needs root and debootstrap (Debian's mirror). Prints DEST.
set -eu
dest=$1
cache=${TEEHOST_DEPLOY_CACHE:-/var/cache/teehost/deploy-target}
base=$cache/bookworm-minbase
mirror=${TEEHOST_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)}
mirror=${mirror:-http://deb.debian.org/debian}
if [ ! -x "$base/usr/bin/python3" ] || [ ! -e "$base/usr/lib/x86_64-linux-gnu/libjansson.so.4" ] ||
	[ ! -e "$base/usr/lib/x86_64-linux-gnu/libfuse3.so.3" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.debootstrap.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	debootstrap --variant=minbase --include=python3,libjansson4,libfuse3-3 bookworm "$tmp/root" "$mirror" >"$tmp/log" 2>&1 ||
		{ tail -n 5 "$tmp/log" >&2; exit 1; }
	rm -rf "$base"
	mv "$tmp/root" "$base"
fi
rm -rf "$dest"
cp -a "$base" "$dest"
echo "$dest"
