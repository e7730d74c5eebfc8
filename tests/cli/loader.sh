#!/usr/bin/env bash
# The drop-in libsgx_enclave_common.so.1 as a runtime uses it: tests/loader/common_test (written
# only against sgx_enclave_common.h) loads and enters the kernel selftest's test_encl.elf and
# teehost's sample enclave, both signed by `teehost sign`, under `teehost sim` playing each of
# the three drivers; then the failures, each with its exact common-loader code and a check that
# no mapping or fd is left behind.
source "$(dirname "$0")/../lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
CT=$BUILD/tests/loader/common_test
SAMPLE=$BUILD/sample.elf

# tap_sub PREFIX CMD...: run a TAP-speaking command, re-number its lines as ours
tap_sub() {
	local prefix=$1 line; shift
	"$@" >"$TMP/sub.out" 2>"$TMP/sub.err"
	local rc=$?
	local seen=0
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			seen=1
			_n=$((_n + 1))
			local st=${line%% [0-9]*} rest=${line#* - }
			[ "$st" = "not ok" ] && _failed=$((_failed + 1))
			echo "$st $_n - $prefix: $rest"
			;;
		esac
	done <"$TMP/sub.out"
	if [ "$seen" = 0 ] || { [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$TMP/sub.out"; }; then
		ok 1 "$prefix: ran (exit $rc)"
		sed 's/^/# /' "$TMP/sub.err" | tail -5
	fi
}

[ -x "$CT" ] || { skip "common loader test program" "$CT not built (make tests)"; done_testing; exit; }

lib=$BUILD/libsgx_enclave_common.so.1
is "$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" "libsgx_enclave_common.so.1" \
	"the drop-in library's soname is Intel's"
is "$(nm -D --defined-only "$lib" | awk '{print $3}' | sort | tr '\n' ' ')" \
	"enclave_alloc enclave_create enclave_create_ex enclave_delete enclave_get_features enclave_get_information enclave_initialize enclave_load_data enclave_modify enclave_set_information " \
	"it exports the ten API functions and nothing else"
readelf -d "$CT" | grep -q 'NEEDED.*libsgx_enclave_common.so.1'
ok $? "the test program is linked against it by soname"
tap_sub "no device (outside the simulator)" "$CT" nodev

"$TEEHOST" keygen "$TMP/k.pem" >/dev/null 2>&1
"$TEEHOST" sign -k "$TMP/k.pem" --debug -o "$TMP/sample.sig" "$SAMPLE" >/dev/null
ok $? "teehost sign: the sample enclave"
"$TEEHOST" sign -k "$TMP/k.pem" --debug --attributes 0x16 -o "$TMP/prov.sig" "$SAMPLE" >/dev/null
ok $? "teehost sign: the sample enclave asking for the PROVISIONKEY"
sgx=$("$root/tests/selftest/build.sh" 2>"$TMP/build.err")
if [ $? -eq 0 ]; then
	cp "$sgx/test_encl.elf" "$TMP/test_encl.elf"
	"$TEEHOST" sign -k "$TMP/k.pem" --debug -o "$TMP/encl.sig" "$TMP/test_encl.elf" >/dev/null
	ok $? "teehost sign: the kernel selftest's test_encl.elf"
	"$TEEHOST" sign -k "$TMP/k.pem" --debug --heap 65536 -o "$TMP/heap.sig" "$TMP/test_encl.elf" >/dev/null
	ok $? "teehost sign: test_encl.elf with a 64 KiB heap"
fi

# A flat image for the `sources` mode: a TCS (OSSA page 1, one SSA, entry page 2), 600 zero
# pages (urts' NULL source, more than one call's chunk), 40 data pages (loaded unaligned).
{
	printf '\0%.0s' $(seq 16)
	printf '\0\020\0\0\0\0\0\0' ; printf '\0\0\0\0\1\0\0\0'
	printf '\0\040\0\0\0\0\0\0' ; printf '\0%.0s' $(seq 24)
	printf '\377\017\0\0\377\017\0\0'
	head -c $((4096 - 72 + 600 * 4096)) /dev/zero
	head -c $((40 * 4096)) /dev/zero | tr '\0' '\125'
} >"$TMP/flat.bin"
"$TEEHOST" sign -k "$TMP/k.pem" --debug --flat -o "$TMP/flat.sig" "$TMP/flat.bin" >/dev/null
ok $? "teehost sign --flat: a TCS, 600 zero pages, 40 data pages"

le=$VECTORS/ratel-psw/libsgx_le.signed.so
for d in kernel dcap isgx; do
	if [ "$d" = isgx ]; then
		if [ ! -r "$le" ]; then
			skip "isgx driver" "Intel's launch enclave ($le) is not available"
			continue
		fi
		export TEEHOST_LAUNCH_ENCLAVE=$le
	fi
	sim=("$TEEHOST" sim --driver "$d" --)
	tap_sub "$d: sample" env COMMON_TEST_DRIVER=$d "${sim[@]}" "$CT" run "$SAMPLE" \
		"$TMP/sample.sig" sample
	if [ -f "$TMP/encl.sig" ]; then
		tap_sub "$d: test_encl.elf" "${sim[@]}" "$CT" run "$TMP/test_encl.elf" "$TMP/encl.sig" selftest
	else
		skip "$d: test_encl.elf" "$(tail -1 "$TMP/build.err")"
	fi
	tap_sub "$d: NULL and unaligned sources" "${sim[@]}" "$CT" sources "$TMP/flat.bin" \
		"$TMP/flat.sig"
	tap_sub "$d: EINIT failures" env COMMON_TEST_DRIVER=$d "${sim[@]}" "$CT" neg "$SAMPLE" \
		"$TMP/sample.sig"
	tap_sub "$d: enclave larger than the EPC" "$TEEHOST" sim --driver "$d" --epc 4M -- "$CT" epc "$SAMPLE" "$TMP/sample.sig"
	# 16 EPC pages for the 32 of the sample (and, on isgx, the launch enclave's): every
	# access may fault a written-back page in, evicting another
	tap_sub "$d: sample enclave paged through a 64 KiB EPC" env COMMON_TEST_DRIVER=$d \
		"$TEEHOST" sim --driver "$d" --epc 64K -- "$CT" run "$SAMPLE" "$TMP/sample.sig" sample
	tap_sub "$d: mmap/mprotect/munmap edges" env COMMON_TEST_DRIVER=$d "${sim[@]}" "$CT" mm \
		"$SAMPLE" "$TMP/sample.sig"
	tap_sub "$d: READ_IMPLIES_EXEC" env COMMON_TEST_READ_IMPLIES_EXEC=1 "${sim[@]}" "$CT" fail \
		"$SAMPLE" "$TMP/sample.sig" 0x0006 "READ_IMPLIES_EXEC process"
done
tap_sub "kernel: busy TCS" "$TEEHOST" sim -- "$CT" busy "$SAMPLE" "$TMP/sample.sig"
if [ -f "$TMP/heap.sig" ]; then
	tap_sub "kernel: SGX2 (enclave_alloc, enclave_modify)" "$TEEHOST" sim -- "$CT" sgx2 \
		"$TMP/test_encl.elf" "$TMP/heap.sig" 65536
	tap_sub "dcap: no SGX2" "$TEEHOST" sim --driver dcap -- "$CT" sgx2 \
		"$TMP/test_encl.elf" "$TMP/heap.sig" 65536
	tap_sub "kernel --sgx1-only: no SGX2" "$TEEHOST" sim --sgx1-only -- "$CT" sgx2 \
		"$TMP/test_encl.elf" "$TMP/heap.sig" 65536
fi

# provisioning without access: the DCAP model's /dev/sgx/provision is root's, mode 0660
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	pub=$(mktemp -d /tmp/teehost-loader.XXXXXX)
	chmod 755 "$pub"
	cp "$SAMPLE" "$TMP/prov.sig" "$CT" "$pub/"
	chmod 644 "$pub/sample.elf" "$pub/prov.sig"
	chmod 755 "$pub/common_test"
	cp "$BUILD/libsgx_enclave_common.so.1" "$pub/"
	tap_sub "dcap: provision key without provision access" \
		setpriv --reuid=65534 --regid=65534 --clear-groups env LD_LIBRARY_PATH="$pub" \
		"$TEEHOST" sim --driver dcap -- "$pub/common_test" fail "$pub/sample.elf" \
		"$pub/prov.sig" 0x0006 "PROVISIONKEY without access to /dev/sgx/provision"
	tap_sub "dcap: provision key with access (root)" "$TEEHOST" sim --driver dcap -- \
		"$CT" run "$SAMPLE" "$TMP/prov.sig" sample
	rm -rf "$pub"
else
	skip "provision key without provision access" "needs root and setpriv to drop to nobody"
fi

# /dev mounted noexec: in a private mount namespace only
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	for d in kernel dcap isgx; do
		tap_sub "$d: /dev mounted noexec" unshare -m sh -c \
			'mount -o remount,noexec /dev && exec "$@"' sh "$TEEHOST" sim --driver "$d" -- \
			"$CT" fail "$SAMPLE" "$TMP/sample.sig" 0x0013 "/dev mounted noexec"
	done
else
	skip "/dev mounted noexec" "needs root and unshare -m"
fi
done_testing
