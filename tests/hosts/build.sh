#!/usr/bin/env bash
# Build a fixture machine's root tree: tests/hosts/build.sh NAME DEST
# Copies tests/hosts/NAME/root to DEST, then applies NAME/nodes.txt (device and socket
# stand-ins with their modes and owners, directories, symlinks, binary files, gzip files) and
# NAME/msr.txt (MSR index -> value) as DEST/dev/cpu/0/msr, a sparse file with the value of
# MSR i at offset i * 8 (the live msr device uses offset i; neighbours would overlap in a file).
# Git keeps none of these (no device nodes, owners, empty directories or 3 GiB sparse files).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=$1 dest=$2
src="$here/$name"
[ -d "$src" ] || { echo "build.sh: no fixture $name" >&2; exit 2; }
mkdir -p "$dest"
if [ -d "$src/root" ]; then cp -a "$src/root/." "$dest/"; fi

hexbytes() { # "0102ff" -> printf escapes
	local h=$1 out=
	while [ -n "$h" ]; do out="$out\\x${h:0:2}"; h=${h:2}; done
	printf "$out"
}

if [ -f "$src/nodes.txt" ]; then
	while read -r kind path a b c; do
		case $kind in
		'' | '#'*) continue ;;
		c | s | f)
			mkdir -p "$dest$(dirname "$path")"
			: >"$dest$path"
			chmod "$a" "$dest$path"
			chown "$b:$c" "$dest$path" 2>/dev/null || true ;;
		d) mkdir -p "$dest$path" ;;
		l) mkdir -p "$dest$(dirname "$path")"; ln -sfn "$a" "$dest$path" ;;
		x) mkdir -p "$dest$(dirname "$path")"; hexbytes "$a" >"$dest$path" ;;
		gz) mkdir -p "$dest$(dirname "$path")"; gzip -9nc "$src/$a" >"$dest$path" ;;
		*) echo "build.sh: $name/nodes.txt: unknown kind '$kind'" >&2; exit 2 ;;
		esac
	done <"$src/nodes.txt"
fi

if [ -f "$src/msr.txt" ]; then
	mkdir -p "$dest/dev/cpu/0"
	msr="$dest/dev/cpu/0/msr"
	: >"$msr"
	while read -r idx val _; do
		case $idx in '' | '#'*) continue ;; esac
		v=$(printf '%016x' "$((val))")
		le=
		for i in 14 12 10 8 6 4 2 0; do le="$le${v:$i:2}"; done
		hexbytes "$le" | dd of="$msr" bs=1 seek=$((idx * 8)) conv=notrunc status=none
	done <"$src/msr.txt"
fi
