#!/usr/bin/env bash
# The kernel SGX selftest's own test_encl.elf, built from /usr/src/linux-source-6.12.tar.xz
# (apt package linux-source-6.12) when present: teehost measures it with the selftest loader's
# layout (segment 0 = two TCS pages, file bytes to the page end, --heap as its heap_size).
# Nothing from the kernel tree is committed; the build is cached under $BUILD/selftest-sgx.
source "$(dirname "$0")/../lib.sh"

src=/usr/src/linux-source-6.12.tar.xz
cache="$BUILD/selftest-sgx"
elf="$cache/test_encl.elf"
if [ ! -f "$elf" ]; then
	if [ ! -f "$src" ]; then
		skip "test_encl.elf" "no $src (apt-get install linux-source-6.12)"; done_testing; exit
	fi
	mkdir -p "$cache"
	tar -xJf "$src" -C "$cache" --strip-components=1 --wildcards \
		'linux-source-6.12/tools/testing/selftests/sgx/*' 'linux-source-6.12/tools/include/*' \
		'linux-source-6.12/arch/x86/include/asm/sgx.h' 'linux-source-6.12/arch/x86/include/asm/enclu.h' \
		'linux-source-6.12/arch/x86/include/uapi/asm/sgx.h' 2>/dev/null
	d="$cache/tools/testing/selftests/sgx"
	if ! (cd "$d" && ${CC:-cc} -Wall -static-pie -nostdlib -ffreestanding -fPIE -fno-stack-protector \
		-mrdrnd -I../../../../tools/include -Wl,-T,test_encl.lds,--build-id=none \
		-Wl,-z,noexecstack test_encl.c test_encl_bootstrap.S -o "$elf") >/dev/null 2>&1; then
		rm -f "$elf"
		skip "test_encl.elf" "the selftest enclave did not build here"; done_testing; exit
	fi
fi

run "$TEEHOST" measure --json "$elf"
is "$rc" 0 "measure the selftest's test_encl.elf"
is "$(printf '%s' "$out" | jq -r '[.format, .tcs_count, .ssa_frame_size, (.pages_added == .pages_measured)] | map(tostring) | join(" ")')" \
	"elf 2 1 true" "two TCSs from segment 0, SSA frame size 1, everything measured"
# selftest: encl_size = next power of two of the segments' page-rounded file sizes (+ heap)
end=0
while read -r _ _ vaddr _ filesz _; do
	end=$(( vaddr + (filesz + 4095) / 4096 * 4096 ))
done < <(readelf -lW "$elf" | awk '$1 == "LOAD"')
want=4096
while [ "$want" -lt $((end + 4096)) ]; do want=$((want * 2)); done
run "$TEEHOST" measure --json --heap 4096 "$elf"
is "$(printf '%s' "$out" | jq -r '[.enclave_size, .pages_added - .pages_measured] | map(tostring) | join(" ")')" \
	"$want 1" "--heap 4096 (the selftest's default heap): one unmeasured page, the selftest's size"
"$TEEHOST" keygen "$TMP/k.pem" >/dev/null
run "$TEEHOST" sign --key "$TMP/k.pem" --heap 4096 --out "$TMP/t.sig" "$elf"
is "$rc" 0 "sign it"
run "$TEEHOST" show --json "$TMP/t.sig"
is "$(printf '%s' "$out" | jq -r '[.signature_valid, .q1q2_valid] | map(tostring) | join(" ")')" "true true" "its SIGSTRUCT verifies"
done_testing
