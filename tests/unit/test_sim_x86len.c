/* SPDX-License-Identifier: MIT */
/*
 * The simulator's length table of common instructions (src/sim/x86len.c) against Capstone,
 * which the page scan of cpuid.c would ask otherwise: every claim the table can make is
 * decoded by Capstone, with exactly the claimed bytes and with more after them, and must be
 * one instruction of the claimed length. All prefix forms it admits (none, 66, F2, F3, each
 * with no REX or any of the 16), both opcode maps, all 256 opcodes, all 256 ModRM bytes with a
 * SIB byte of base 4 and of base 5, and for each claimed opcode all 256 SIB bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <capstone/capstone.h>

#include "../../src/sim/x86len.c"

static csh cs;
static unsigned long claims, bad, wrong;

/* Capstone's length of the instruction at BUF (N bytes), 0 if it does not decode */
static size_t cs_len(const uint8_t *buf, size_t n)
{
	cs_insn *insn;
	size_t len = 0;

	if (cs_disasm(cs, buf, n, 0x7f1234560000ull, 1, &insn) == 1) {
		len = insn->size;
		cs_free(insn, 1);
	}
	return len;
}

/* BUF holds an instruction then filler: a claim must be Capstone's length, with and without
 * the filler */
static void check(const uint8_t *buf, size_t n)
{
	size_t len = th_sim_x86_len(buf, n);

	if (len == TH_SIM_X86_BAD) {
		/* Capstone must refuse it however many bytes follow */
		bad++;
		for (size_t k = 1; k <= n; k++) {
			if (th_sim_x86_len(buf, k) == TH_SIM_X86_BAD && cs_len(buf, k) && wrong++ < 20)
				print_message("claimed undecodable, Capstone %zu: %02x %02x %02x\n",
					      cs_len(buf, k), buf[0], buf[1], buf[2]);
		}
		return;
	}
	if (!len)
		return;
	claims++;
	if (th_sim_x86_len(buf, len - 1) || cs_len(buf, n) != len || cs_len(buf, len) != len) {
		if (wrong++ < 20) {
			char hex[64] = "";

			for (size_t i = 0; i < len && i < 16; i++)
				snprintf(hex + 3 * i, 4, "%02x ", buf[i]);
			print_message("claimed %zu, Capstone %zu (%zu with filler): %s\n", len,
				      cs_len(buf, len), cs_len(buf, n), hex);
		}
	}
}

static void test_claims(void **state)
{
	static const uint8_t pfx[] = { 0, 0x66, 0xf2, 0xf3 };

	(void)state;
	for (size_t p = 0; p < sizeof(pfx); p++)
		for (int rex = 0x3f; rex <= 0x4f; rex++)
			for (int esc = 0; esc < 2; esc++)
				for (int op = 0; op < 256; op++)
					for (int modrm = 0; modrm < 256; modrm++)
						for (int sib = 4; sib <= ((modrm & 0xc7) == 4 ? 5 : 4);
						     sib++) {
							uint8_t buf[24];
							size_t i = 0;

							memset(buf, 0x11, sizeof(buf));
							if (pfx[p])
								buf[i++] = pfx[p];
							if (rex >= 0x40)
								buf[i++] = (uint8_t)rex;
							if (esc)
								buf[i++] = 0x0f;
							buf[i++] = (uint8_t)op;
							buf[i++] = (uint8_t)modrm;
							buf[i] = (uint8_t)(0x20 | sib);
							check(buf, sizeof(buf));
						}
	print_message("%lu claims, %lu undecodable\n", claims, bad);
	assert_true(claims > 1000000);
	assert_true(bad > 10000);
	assert_int_equal(wrong, 0);
}

/* every SIB byte under each claimed memory form without prefixes */
static void test_sib(void **state)
{
	(void)state;
	claims = wrong = 0;
	for (int esc = 0; esc < 2; esc++)
		for (int op = 0; op < 256; op++)
			for (int mod = 0; mod < 3; mod++)
				for (int reg = 0; reg < 8; reg++)
					for (int sib = 0; sib < 256; sib++) {
						uint8_t buf[24];
						size_t i = 0;

						memset(buf, 0x33, sizeof(buf));
						if (esc)
							buf[i++] = 0x0f;
						buf[i++] = (uint8_t)op;
						buf[i++] = (uint8_t)(mod << 6 | reg << 3 | 4);
						buf[i] = (uint8_t)sib;
						check(buf, sizeof(buf));
					}
	assert_true(claims > 100000);
	assert_int_equal(wrong, 0);
}

/* the undecodable claims with every byte after them and three fillers after that */
static void test_undecodable(void **state)
{
	static const uint8_t fill[] = { 0x00, 0x24, 0xff };

	(void)state;
	bad = wrong = 0;
	for (int rex = 0x3f; rex <= 0x4f; rex++)
		for (int op = 0; op < 256; op++)
			for (int next = 0; next < 256; next++)
				for (size_t f = 0; f < sizeof(fill); f++) {
					uint8_t buf[15];
					size_t i = 0;

					memset(buf, fill[f], sizeof(buf));
					if (rex >= 0x40)
						buf[i++] = (uint8_t)rex;
					buf[i++] = (uint8_t)op;
					buf[i] = (uint8_t)next;
					if (th_sim_x86_len(buf, sizeof(buf)) == TH_SIM_X86_BAD)
						check(buf, sizeof(buf));
				}
	print_message("%lu undecodable\n", bad);
	assert_true(bad > 100000);
	assert_int_equal(wrong, 0);
}

/* the table's refusals that the scan relies on: the sites' opcodes are always Capstone's */
static void test_sites_not_claimed(void **state)
{
	static const uint8_t sites[][4] = {
		{ 0x0f, 0xa2 }, { 0x0f, 0xae, 0x20 }, { 0x0f, 0xae, 0x28 }, { 0x0f, 0xae, 0x30 },
		{ 0x0f, 0xc7, 0x20 }, { 0x0f, 0x01, 0xd0 },
	};
	static const uint8_t pfx[] = { 0, 0x66, 0xf2, 0xf3 };

	(void)state;
	for (size_t s = 0; s < sizeof(sites) / sizeof(sites[0]); s++)
		for (size_t p = 0; p < sizeof(pfx); p++)
			for (int rex = 0x3f; rex <= 0x4f; rex++) {
				uint8_t buf[16] = { 0 };
				size_t i = 0;

				if (pfx[p])
					buf[i++] = pfx[p];
				if (rex >= 0x40)
					buf[i++] = (uint8_t)rex;
				memcpy(buf + i, sites[s], 4);
				assert_int_equal(th_sim_x86_len(buf, sizeof(buf)), 0);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sites_not_claimed),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_sib),
		cmocka_unit_test(test_undecodable),
	};
	int rc;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cs_close(&cs);
	return rc;
}
