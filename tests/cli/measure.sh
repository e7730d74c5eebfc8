#!/usr/bin/env bash
# teehost measure: output, JSON keys, formats, usage and bad-input errors.
source "$(dirname "$0")/../lib.sh"
SAMPLE="$BUILD/sample.elf"

run "$TEEHOST" measure --help
is "$rc" 0 "--help exits 0"
like "$out" "^Usage: teehost measure" "--help prints usage"
run "$TEEHOST" measure
is "$rc" 2 "no ENCLAVE is a usage error"
run "$TEEHOST" measure --bogus "$SAMPLE"
is "$rc" 2 "unknown option is a usage error"
like "$err" "^teehost measure: unknown option '--bogus'" "unknown option is named"
run "$TEEHOST" measure "$SAMPLE" "$SAMPLE"
is "$rc" 2 "two files is a usage error"
run "$TEEHOST" measure --heap lots "$SAMPLE"
is "$rc" 2 "bad --heap is a usage error"

run "$TEEHOST" measure "$SAMPLE"
is "$rc" 0 "measure sample.elf"
like "$out" "^mrenclave       [0-9a-f]{64}$" "text output starts with MRENCLAVE"
like "$out" "tcs_count       2" "sample has two TCSs"
mr_text=$(printf '%s\n' "$out" | awk '$1 == "mrenclave" { print $2 }')

run "$TEEHOST" measure --json "$SAMPLE"
is "$rc" 0 "measure --json"
is "$(printf '%s' "$out" | jq -r '[.mrenclave, .format, (.enclave_size|type), (.ssa_frame_size|type), (.pages_added|type), (.pages_measured|type)] | join(" ")')" \
	"$mr_text elf number number number number" "JSON has mrenclave, format, enclave_size, ssa_frame_size, pages_added, pages_measured"
like "$(printf '%s' "$out" | jq -r .mrenclave)" "^[0-9a-f]{64}$" "mrenclave is 64 lower-case hex"
is "$(printf '%s' "$out" | jq -r '.pages_added == .pages_measured and .tcs_count == 2')" true "sample: all pages measured"

run "$TEEHOST" measure --json --heap 65536 "$SAMPLE"
is "$(printf '%s' "$out" | jq -r '.pages_added - .pages_measured')" 16 "--heap adds unmeasured pages"

run "$TEEHOST" measure "$TMP/missing.elf"
is "$rc" 1 "missing file exits 1"
is "$err" "teehost: $TMP/missing.elf: open: No such file or directory" "missing file: one-line error naming file and field"

head -c 5000 /dev/urandom >"$TMP/junk"
run "$TEEHOST" measure "$TMP/junk"
is "$rc" 1 "unknown format exits 1"
like "$err" "^teehost: $TMP/junk: format: " "unknown format names the field"
is "$(printf '%s\n' "$err" | wc -l)" 1 "error is one line"

run "$TEEHOST" measure --flat "$TMP/junk"
is "$rc" 0 "--flat takes any bytes as a flat image"
like "$out" "format          flat" "flat format reported"

head -c 100 "$SAMPLE" >"$TMP/trunc.elf"
run "$TEEHOST" measure "$TMP/trunc.elf"
is "$rc" 1 "truncated ELF exits 1"
like "$err" "^teehost: $TMP/trunc.elf: e_phoff: " "truncated ELF names e_phoff"

if [ -f "$VECTORS/fortanix/test_enclave.sgxs" ]; then
	head -c 1000 "$VECTORS/fortanix/test_enclave.sgxs" >"$TMP/trunc.sgxs"
	run "$TEEHOST" measure "$TMP/trunc.sgxs"
	is "$rc" 1 "truncated SGXS exits 1"
	like "$err" "^teehost: $TMP/trunc.sgxs: (eextend|record): " "truncated SGXS names the record"
	run "$TEEHOST" measure "$VECTORS/fortanix/test_enclave.sig"
	is "$rc" 1 "a SIGSTRUCT is not an enclave"
	like "$err" "format: a SIGSTRUCT, not an enclave" "says to use show"
else
	skip "SGXS bad input" "no vectors"
fi

: >"$TMP/empty"
run "$TEEHOST" measure "$TMP/empty"
is "$rc" 1 "empty file exits 1"
run "$TEEHOST" measure "$TMP"
is "$rc" 1 "a directory exits 1"
like "$err" "^teehost: $TMP: file: not a regular file" "directory refused"

# the 512 MiB iot-gateway enclave: well under a second, a few MiB of RSS (the input is mapped)
big="$VECTORS/initc3-auditee/iot-gateway/enclave.signed.so"
case $BUILD in *-san|*-san/) san=1 ;; *) san= ;; esac
if [ -f "$big" ] && [ -x /usr/bin/time ] && [ -z "$san" ]; then
	run /usr/bin/time -f "%e %M" "$TEEHOST" measure "$big"
	read -r secs kib <<<"$(printf '%s\n' "$err" | tail -n1)"
	is "$rc" 0 "measure the 512 MiB iot-gateway enclave"
	ok "$(awk -v s="$secs" 'BEGIN { exit !(s < 1.0) }'; echo $?)" "in under a second (${secs}s)"
	ok "$([ "$kib" -lt 16384 ]; echo $?)" "in under 16 MiB peak RSS (${kib} KiB)"
else
	skip "512 MiB enclave time and RSS" "needs the vectors, /usr/bin/time and a non-sanitizer build"
fi

# the sample enclave: never writable+executable, non-executable stack
run readelf -lW "$SAMPLE"
like "$out" "GNU_STACK +0x0+ 0x0+ 0x0+ 0x0+ 0x0+ RW " "PT_GNU_STACK is RW (no executable stack)"
is "$(printf '%s\n' "$out" | awk '$1 == "LOAD" && $7 ~ /W/ && $7 ~ /E/' | wc -l)" 0 "no PT_LOAD segment is W and X"
done_testing
