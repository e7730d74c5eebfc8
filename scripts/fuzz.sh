#!/bin/sh
# scripts/fuzz.sh SECONDS fuzz/a.c fuzz/b.c ...: build each target with clang's libFuzzer plus
# ASan/UBSan and run it for SECONDS on a scratch copy of its corpus (new finds are not committed
# automatically: minimise and add the interesting ones by hand).
set -e
secs=$1; shift
lib_src=$(find src -name '*.c' ! -path 'src/cli/*' ! -path 'src/sim/*' | sort)
mkdir -p build-fuzz
for t in "$@"; do
	name=$(basename "$t" .c)
	echo "== fuzz $name for ${secs}s"
	clang -std=gnu11 -g -O1 -Isrc -Iinclude -D_GNU_SOURCE -DTEEHOST_VERSION='"fuzz"' \
		-fsanitize=fuzzer,address,undefined -o "build-fuzz/$name" "$t" $lib_src -lcrypto -lelf -lz -ljson-c
	work="build-fuzz/corpus-$name"
	rm -rf "$work" && mkdir -p "$work"
	[ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
	"build-fuzz/$name" -max_total_time="$secs" -max_len=65536 "$work" 2>&1 | tail -n 3
done
