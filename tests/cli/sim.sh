#!/usr/bin/env bash
# teehost sim: options, exit codes, the environment it gives PROGRAM and its children.
source "$(dirname "$0")/../lib.sh"
export TEEHOST_SIM_STATE_DIR=$TMP/state

run "$TEEHOST" sim --help
is "$rc" 0 "sim --help exits 0"
like "$out" "^Usage: teehost sim \[--epc SIZE\] \[--sgx1-only\] \[--strict\] \[--driver D\] \[--provision P\]" "sim --help usage"

run "$TEEHOST" sim
is "$rc" 2 "no PROGRAM is a usage error"
like "$err" "no PROGRAM to run" "says what is missing"

run "$TEEHOST" sim --epc 12x -- true
is "$rc" 2 "a bad --epc is a usage error"
like "$err" "--epc: '12x' is not a size" "quotes the bad value"

run "$TEEHOST" sim --epc 4097 -- true
is "$rc" 2 "--epc must be whole pages"

run "$TEEHOST" sim --bogus -- true
is "$rc" 2 "an unknown option is a usage error"

run "$TEEHOST" sim -- true
is "$rc" 0 "runs PROGRAM"

run "$TEEHOST" sim -- sh -c 'exit 7'
is "$rc" 7 "PROGRAM's exit status is teehost's"

run "$TEEHOST" sim -- /nonexistent/program
is "$rc" 1 "a PROGRAM that cannot run fails"
like "$err" "^teehost: /nonexistent/program: cannot execute" "and says why"

run "$TEEHOST" sim --epc 128M --sgx1-only --strict -- sh -c 'sh -c "echo \$LD_PRELOAD \$TEEHOST_SIM_EPC \$TEEHOST_SIM_SGX1 \$TEEHOST_SIM_STRICT"'
like "$out" "libteehost-sim\.so 134217728 1 1$" "children of PROGRAM inherit the simulator and its options"

run env LD_PRELOAD=/nonexistent.so "$TEEHOST" sim -- sh -c 'echo $LD_PRELOAD 2>/dev/null'
like "$out" "libteehost-sim\.so:/nonexistent\.so$" "an existing LD_PRELOAD is kept after the simulator"

run env TEEHOST_SIM_LIB=/nonexistent.so "$TEEHOST" sim -- true
is "$rc" 1 "a missing library fails"
like "$err" "libteehost-sim.so" "and names it"

# A static program cannot be simulated: said plainly
if printf 'int main(void){return 0;}\n' | cc -static -x c - -o "$TMP/static" 2>/dev/null; then
	run "$TEEHOST" sim -- "$TMP/static"
	is "$rc" 1 "a statically linked PROGRAM is refused"
	like "$err" "statically linked" "and the message says why"
else
	skip "a statically linked PROGRAM is refused" "no static libc to build one"
fi

# Installed layout: PREFIX/bin/teehost finds PREFIX/lib/teehost/libteehost-sim.so
mkdir -p "$TMP/prefix/bin" "$TMP/prefix/lib/teehost"
cp "$TEEHOST" "$TMP/prefix/bin/teehost"
cp "$BUILD/libteehost-sim.so" "$TMP/prefix/lib/teehost/"
run "$TMP/prefix/bin/teehost" sim -- sh -c 'echo $LD_PRELOAD'
is "$out" "$TMP/prefix/bin/../lib/teehost/libteehost-sim.so" "an installed teehost finds PREFIX/lib/teehost/libteehost-sim.so"

# The device nodes exist for the program, with the kernel's modes.
run "$TEEHOST" sim -- stat -c '%F %a' /dev/sgx_enclave /dev/sgx_provision
is "$out" "character special file 666
character special file 600" "stat sees /dev/sgx_enclave and /dev/sgx_provision"

run stat /dev/sgx_enclave
is "$rc" 1 "and nothing outside the simulator does"

done_testing
