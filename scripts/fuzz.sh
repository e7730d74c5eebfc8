#!/bin/sh
# scripts/fuzz.sh SECONDS fuzz/a.c fuzz/b.c ...: build each target with clang's libFuzzer plus
# ASan/UBSan and run it for SECONDS on a scratch copy of its corpus (new finds are not committed
# automatically: minimise and add the interesting ones by hand). FUZZ_RUNS=N stops a target
# after N executions instead (SECONDS still bounds it). Prints, per target, the executions
# libFuzzer reports ("Done N runs in S second(s)") and a summary table at the end; exits
# non-zero when a target crashed (its crash-* input is left in build-fuzz/).
set -u
secs=$1; shift
lib_src=$(find src -name '*.c' ! -path 'src/cli/*' ! -path 'src/sim/*' | sort)
mkdir -p build-fuzz
summary=build-fuzz/summary.txt
: >"$summary"
status=0
for t in "$@"; do
	name=$(basename "$t" .c)
	echo "== fuzz $name for ${secs}s${FUZZ_RUNS:+ or $FUZZ_RUNS runs}"
	clang -std=gnu11 -g -O1 -Isrc -Iinclude -D_GNU_SOURCE -DTEEHOST_VERSION='"fuzz"' \
		-fsanitize=fuzzer,address,undefined -o "build-fuzz/$name" "$t" $lib_src \
		$(pkg-config --cflags --libs fuse3) -lcrypto -lelf -lz -ljansson -lcapstone || exit 1
	work="build-fuzz/corpus-$name"
	rm -rf "$work" && mkdir -p "$work"
	[ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
	log="build-fuzz/$name.log"
	"build-fuzz/$name" -max_total_time="$secs" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} \
		-max_len=65536 -artifact_prefix="build-fuzz/$name-" "$work" >"$log" 2>&1
	rc=$?
	tail -n 3 "$log"
	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ] || [ -z "$runs" ]; then
		status=1
		printf '%-16s CRASHED (exit %d), see %s\n' "$name" "$rc" "$log" | tee -a "$summary"
	else
		printf '%-16s %12s executions in %s s\n' "$name" "${runs% *}" "${runs#* }" |
			tee -a "$summary"
	fi
done
echo "== executions per target"
cat "$summary"
exit "$status"
