#!/usr/bin/env bash
# The CLI paths of measure/sign/keygen/show under valgrind: no memory errors, no leaks. And of
# the simulator what valgrind can run: `teehost sim` itself up to its exec of PROGRAM on each
# driver, the enclave code-page scan (cpuid.c, over its fuzz corpus) and the /proc text
# rewriters. The preload library's enclave paths cannot run under valgrind (3.19): by default
# it reads FS/GS with RDFSBASE/RDGSBASE, which VEX does not decode (SIGILL at start-up); with
# TEEHOST_SIM_NO_FSGSBASE=1 it starts, but its signal trampoline (entry.S) moves the kernel's
# signal frame below the stack pointer on the alternate stack, which valgrind, delivering
# frames of its own layout, takes for invalid writes, and the emulated fault then repeats.
source "$(dirname "$0")/../lib.sh"

if ! command -v valgrind >/dev/null; then
	skip "valgrind" "valgrind is not installed"; done_testing; exit
fi
case $BUILD in *-san|*-san/) skip "valgrind" "sanitizer build (ASan and valgrind do not mix)"; done_testing; exit ;; esac

vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible "$@"; }

run vg "$TEEHOST" keygen "$TMP/key.pem"
is "$rc" 0 "keygen clean under valgrind"
run vg "$TEEHOST" measure --json "$BUILD/sample.elf"
is "$rc" 0 "measure ELF clean under valgrind"
run vg "$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/s.sig" "$BUILD/sample.elf"
is "$rc" 0 "sign ELF clean under valgrind"
run vg "$TEEHOST" show --json "$TMP/s.sig"
is "$rc" 0 "show SIGSTRUCT clean under valgrind"
run vg "$TEEHOST" sign --key "$TMP/missing.pem" "$BUILD/sample.elf"
is "$rc" 1 "failing sign (missing key) clean under valgrind"
run vg "$TEEHOST" measure "$TMP/key.pem"
is "$rc" 1 "failing measure (not an enclave) clean under valgrind"
if [ -f "$VECTORS/fortanix/le.signed.sgxs" ]; then
	run vg "$TEEHOST" measure "$VECTORS/fortanix/le.signed.sgxs"
	is "$rc" 0 "measure SGXS clean under valgrind"
	run vg "$TEEHOST" show "$VECTORS/ratel-psw/libsgx_pce.signed.so"
	is "$rc" 0 "show signed .so clean under valgrind"
	run vg "$TEEHOST" sign --key "$TMP/key.pem" --out "$TMP/r.so" "$VECTORS/ratel-psw/libsgx_pce.signed.so"
	is "$rc" 0 "re-sign .so clean under valgrind"
else
	skip "vector paths under valgrind" "no vectors"
fi

export TEEHOST_SIM_STATE_DIR=$TMP/state
for d in kernel dcap isgx; do
	run vg "$TEEHOST" sim --driver "$d" --epc 16M -- true
	is "$rc" 0 "sim --driver $d (up to the exec of PROGRAM) clean under valgrind"
done
run vg "$TEEHOST" sim --epc 12x -- true
is "$rc" 2 "failing sim (bad --epc) clean under valgrind"
corpus=$(dirname "$0")/../../fuzz/corpus
run vg "$BUILD/fuzz/sim_codescan" "$corpus/sim_codescan"
is "$rc" 0 "enclave code-page scan over its corpus clean under valgrind"
run vg "$BUILD/tests/test_sim_proctext"
is "$rc" 0 "/proc text rewriters (test_sim_proctext) clean under valgrind"
done_testing
