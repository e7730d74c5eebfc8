#!/usr/bin/env bash
# The CLI paths of measure/sign/keygen/show under valgrind: no memory errors, no leaks.
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
done_testing
