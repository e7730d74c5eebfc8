/* Generates fuzz/corpus/{elf,sgxs,image,cli_args}: gcc -Itests/unit -Isrc scripts/gen_formats_corpus.c && ./a.out */
#include <stdio.h>
#include "synth.h"
#include "sgx/arch.h"
static void put(const char *p, const void *d, size_t n) { FILE *f = fopen(p, "wb"); fwrite(d, 1, n, f); fclose(f); }
static uint8_t b[1 << 16];
int main(void) {
	size_t len; uint8_t *d, *p;
	d = synth_elf_small(&len); put("fuzz/corpus/elf/small", d, len); put("fuzz/corpus/image/small-elf", d, len);
	put("fuzz/corpus/elf/truncated", d, 200);
	d[16 + 2 * 56 + 64 + 40 - 16] = 0; /* scribble */
	{ const struct synth_seg s[] = { {0, PF_R|PF_W, 8192, 8192, 0}, {0x2000, PF_R|PF_X, 100, 100, 0x90}, {0x3000, PF_R|PF_W, 16, 1u << 30, 1} };
	  d = synth_elf(s, 3, 0x3000, 0x2000, &len); put("fuzz/corpus/elf/two-tcs-big-bss", d, len); }
	{ const struct synth_seg s[] = { {0, PF_R|PF_W, 4096, 4096, 0}, {0x1000, PF_R|PF_X, 6000, 6000, 0x90}, {0x2000, PF_R|PF_W, 16, 16, 1} };
	  d = synth_elf(s, 3, 0x2000, 0x1000, &len); put("fuzz/corpus/elf/overlap", d, len); }
	{ const struct synth_seg s[] = { {0, PF_R|PF_W, 4096, 4096, 0}, {0x1000, PF_R|PF_X, 64, 64, 0x90}, {0x2000, PF_R|PF_W, 16, 16, 1} };
	  d = synth_elf(s, 3, 0x80000, 0x1000, &len); put("fuzz/corpus/elf/bad-ossa", d, len); }
	{ const struct synth_seg s[] = { {0x10000, PF_R|PF_W, 4096, 4096, 0}, {0x11000, PF_R|PF_X, 64, 64, 0x90}, {0x13000, PF_R|PF_W|PF_X, 16, 8000, 1} };
	  d = synth_elf(s, 3, 0x3000, 0x1000, &len); put("fuzz/corpus/elf/base-and-hole", d, len); }
	p = sgxs_ecreate(b, 1, 0x8000);
	p = sgxs_page(p, 0, SGX_SECINFO_TYPE(1), 0xffff, 0);
	p = sgxs_page(p, 0x1000, SGX_SECINFO_TYPE(2) | 5, 0x0f0f, 0xc3);
	p = sgxs_page(p, 0x2000, SGX_SECINFO_TYPE(2) | 3, 0, 0);
	put("fuzz/corpus/sgxs/small", b, (size_t)(p - b)); put("fuzz/corpus/image/small-sgxs", b, (size_t)(p - b));
	put("fuzz/corpus/sgxs/truncated", b, (size_t)(p - b) - 100);
	p = sgxs_ecreate(b, 1, 0x4000); p = sgxs_page(p, 0x1000, SGX_SECINFO_TYPE(2) | 3, 0, 0); p = sgxs_page(p, 0x1000, SGX_SECINFO_TYPE(2) | 3, 1, 7);
	put("fuzz/corpus/sgxs/duplicate-page", b, (size_t)(p - b));
	p = sgxs_ecreate(b, 1, 0x4000); p = sgxs_put(p, "EADD\0\0\0", 0, 0x203); p = sgxs_put(p, "EEXTEND", 0x200, 0); p += 256; p = sgxs_put(p, "EEXTEND", 0x100, 0); p += 256;
	put("fuzz/corpus/sgxs/out-of-order", b, (size_t)(p - b));
	p = sgxs_ecreate(b, 1, 0x4000); p = sgxs_put(p, "UNMEASRD", 0, 0);
	put("fuzz/corpus/sgxs/unknown-tag", b, (size_t)(p - b));
	p = sgxs_ecreate(b, 1, 0x3000); put("fuzz/corpus/sgxs/bad-size", b, (size_t)(p - b));
	{ uint8_t ss[1808] = { 0x06, 0, 0, 0, 0xe1, 0, 0, 0, 0, 0, 1, 0 }; const uint8_t h2[16] = SGX_SIGSTRUCT_HEADER2;
	  memcpy(ss + 24, h2, 16); ss[512] = 3; put("fuzz/corpus/image/sigstruct-shaped", ss, sizeof(ss)); }
	memset(b, 0x5a, 4096); put("fuzz/corpus/image/flat-one-page", b, 4096);
	memset(b, 0x90, 9000); b[0] = 0x7f; b[1] = 'E'; b[2] = 'L'; b[3] = 'F'; put("fuzz/corpus/image/elf-magic-only", b, 9000);
	{ static const char *args[] = {
		"\x00--json\0enclave.elf", "\x00--flat\0--heap\0" "0x10000\0x", "\x00--heap", "\x00-h",
		"\x01--key\0k.pem\0--out\0o.sig\0--isvprodid\0" "7\0--isvsvn\0" "0x10\0--date\0" "20240102\0--debug\0e.elf",
		"\x01--key\0k.pem\0--attributes\0" "0x5\0e", "\x01-k\0k\0--date\0" "2024-13-01\0e", "\x01--xfrm\0--vendor\0" "1",
		"\x02--force\0key.pem", "\x02", "\x03--json\0a.sig", "\x03--bogus", "\x01--key", "\x00-", "\x01--miscmask\0" "4294967296\0--key\0k\0e" };
	  static const size_t lens[] = { 20, 26, 7, 3, 73, 29, 25, 18, 15, 1, 12, 8, 6, 2, 31 };
	  for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) { char n[64]; snprintf(n, sizeof n, "fuzz/corpus/cli_args/args-%02zu", i); put(n, args[i], lens[i]); } }
	return 0;
}
