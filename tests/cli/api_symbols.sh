#!/usr/bin/env bash
# libteehost exports exactly what its installed headers declare with TEEHOST_API: the names in
# include/teehost/*.h, the version script src/libteehost.map and `nm -D` of the built library
# are the same set, and every export carries the version node.
source "$(dirname "$0")/../lib.sh"
root=$_lib_root
lib=$BUILD/libteehost.so.0

declared=$(for h in "$root"/include/teehost/*.h; do
	grep -v '^#define' "$h" | tr '\n' ' ' | grep -o 'TEEHOST_API[^(;]*(' |
		sed 's/.*[ *]\([A-Za-z_0-9]*\) *($/\1/'
done | sort)
ok $(( $(printf '%s\n' "$declared" | grep -c .) < 10 )) "the headers declare the API ($(printf '%s\n' "$declared" | grep -c .) functions)"
listed=$(sed -n '/global:/,/local:/p' "$root/src/libteehost.map" | grep -o '^[[:space:]]*[A-Za-z_0-9]*;' |
	tr -d ' \t;' | sort)
is "$listed" "$declared" "src/libteehost.map lists every TEEHOST_API function by name, and nothing else"
grep -q '[*?]' <(sed -n '/global:/,/local:/p' "$root/src/libteehost.map")
ok $(( ! $? )) "the version script's global list has no glob"
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort)
is "$exported" "$declared" "nm -D of libteehost.so.0 shows exactly the TEEHOST_API functions"
unversioned=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /@@TEEHOST_/ {print $3}')
is "$unversioned" "" "every export carries a TEEHOST_ version node"
done_testing
