/* SPDX-License-Identifier: MIT */
/*
 * Intel SGX SDK enclaves: every "SDK .signed.so" row of ../shared/vectors/EXPECTED.tsv
 * (detect, plan, MRENCLAVE, enclave size, SSA frame size, metadata versions, every metadata
 * copy), a synthetic enclave whose MRENCLAVE is computed here record by record, re-signing
 * round trips with a fresh RSA-3072 e=3 key, and hostile inputs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "sgx/sdk.h"
#include "sgx/sdk_metadata.h"
#include "sgx/sigstruct.h"
#include "test_sdk_synth.h"
#include "util/file.h"
#include "vectors.h"

/* ---------------------------------------------------------------------------------------- */
/* The vectors, as EXPECTED.tsv describes them                                               */

struct sdk_row {
	char path[256];
	char mrenclave[65];
	char versions[64];
	uint64_t enclave_size;
	uint32_t ssa_frame_size;
};

#define MAX_ROWS 32
static struct sdk_row rows[MAX_ROWS];
static size_t nrows;

static void load_expected(void)
{
	char path[4096], line[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/EXPECTED.tsv", vectors_dir());
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && nrows < MAX_ROWS) {
		char *col[24] = { 0 }, *save = NULL, *tok;
		int n = 0;
		bool dup = false;

		line[strcspn(line, "\n")] = '\0';
		for (tok = strtok_r(line, "\t", &save); tok && n < 24; tok = strtok_r(NULL, "\t", &save))
			col[n++] = tok;
		if (n < 19 || strncmp(col[1], "SDK .signed.so", 14))
			continue;
		for (size_t i = 0; i < nrows; i++)
			dup |= !strcmp(rows[i].path, col[0]);
		if (dup)
			continue;
		snprintf(rows[nrows].path, sizeof(rows[nrows].path), "%s", col[0]);
		snprintf(rows[nrows].mrenclave, sizeof(rows[nrows].mrenclave), "%s", col[2]);
		snprintf(rows[nrows].versions, sizeof(rows[nrows].versions), "%s", col[16]);
		rows[nrows].enclave_size = strtoull(col[17], NULL, 0);
		rows[nrows].ssa_frame_size = (uint32_t)strtoul(col[18], NULL, 0);
		nrows++;
	}
	fclose(f);
}

static void versions_string(const struct th_sdk_info *info, char *out, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < info->ncopies; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%u.%u", i ? "," : "",
					 info->copies[i].version_major, info->copies[i].version_minor);
}

static void test_vector(void **state)
{
	const struct sdk_row *row = *state;
	struct th_mapped_file mf;
	struct th_err err = { "" };
	struct th_sdk_info info;
	struct th_plan plan;
	uint8_t mr[32];
	char path[4096], hex[65], versions[64];

	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), row->path);
	if (th_map_file(path, &mf, &err) < 0)
		skip();
	assert_true(th_sdk_detect(mf.data, mf.size));
	assert_int_equal(th_sdk_plan_build(mf.data, mf.size, &plan, &info, &err), 0);
	assert_int_equal(th_plan_measure(&plan, mr, &err), 0);
	hex_encode(mr, 32, hex);
	assert_string_equal(hex, row->mrenclave);
	assert_memory_equal(info.sigstruct->enclave_hash, mr, 32);
	assert_ptr_equal(plan.sigstruct, info.sigstruct);
	assert_int_equal(plan.format, TH_FORMAT_SDK);
	assert_int_equal(plan.size, row->enclave_size);
	assert_int_equal(plan.ssa_frame_size, row->ssa_frame_size);
	versions_string(&info, versions, sizeof(versions));
	assert_string_equal(versions, row->versions);
	assert_int_equal(info.used, 0);         /* the newest copy comes first in these files */
	th_plan_free(&plan);

	/* every metadata copy (1.4 for SGX1 loaders, 2.1, 2.4) describes the same enclave */
	for (size_t c = 0; c < info.ncopies; c++) {
		struct th_sdk_info ci;

		assert_int_equal(th_sdk_plan_build_copy(mf.data, mf.size, c, &plan, &ci, &err), 0);
		assert_int_equal(ci.used, c);
		assert_int_equal(th_plan_measure(&plan, mr, &err), 0);
		hex_encode(mr, 32, hex);
		assert_string_equal(hex, row->mrenclave);
		th_plan_free(&plan);
	}
	th_unmap_file(&mf);
}

/* The 512 MiB iot-gateway enclave: the file is mapped, pages are hashed straight from it. */
static void test_iot_gateway_speed(void **state)
{
	struct th_mapped_file mf;
	struct th_err err = { "" };
	struct th_plan plan;
	struct th_plan_stats st;
	struct timespec t0, t1;
	struct rusage ru;
	uint8_t mr[32];
	char path[4096];
	double secs;

	(void)state;
	snprintf(path, sizeof(path), "%s/initc3-auditee/iot-gateway/enclave.signed.so", vectors_dir());
	if (th_map_file(path, &mf, &err) < 0)
		skip();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(th_sdk_plan_build(mf.data, mf.size, &plan, NULL, &err), 0);
	assert_int_equal(th_plan_measure(&plan, mr, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	th_plan_stats(&plan, &st);
	getrusage(RUSAGE_SELF, &ru);
	print_message("# iot-gateway: %.4f s, %llu pages added, %llu measured, %llu dynamic, %zu runs, max RSS %ld KiB\n",
		      secs, (unsigned long long)st.pages_added, (unsigned long long)st.pages_measured,
		      (unsigned long long)st.pages_dynamic, plan.nruns, ru.ru_maxrss);
	assert_int_equal(plan.size, 0x20000000);
	assert_true(st.pages_dynamic > 0);      /* EDMM heap and threads in the 2.4 metadata */
	/* no bound on secs: wall time depends on the machine's load (bench/ has the ratio) */
	assert_true(ru.ru_maxrss < 64 * 1024);
	th_plan_free(&plan);
	th_unmap_file(&mf);
}

/* ---------------------------------------------------------------------------------------- */
/* The synthetic enclave, measured here from the SDM's records                               */

struct ref {
	EVP_MD_CTX *md;
};

static void ref_record(struct ref *r, const char *tag, uint64_t a, uint64_t b)
{
	uint8_t rec[64] = { 0 };

	memcpy(rec, tag, strlen(tag));
	if (!strcmp(tag, "ECREATE")) {
		uint32_t ssa = (uint32_t)a;

		memcpy(rec + 8, &ssa, 4);
		memcpy(rec + 12, &b, 8);
	} else {
		memcpy(rec + 8, &a, 8);
		if (!strcmp(tag, "EADD"))
			memcpy(rec + 16, &b, 8);
	}
	EVP_DigestUpdate(r->md, rec, 64);
}

static void ref_page(struct ref *r, uint64_t off, uint64_t secinfo, const uint8_t *page, bool measure)
{
	ref_record(r, "EADD", off, secinfo);
	if (!measure)
		return;
	for (int c = 0; c < 16; c++) {
		ref_record(r, "EEXTEND", off + c * 256u, 0);
		EVP_DigestUpdate(r->md, page + c * 256, 256);
	}
}

static void syn_reference(const uint8_t *file, bool v13, bool textrel, uint8_t out[32])
{
	/* a text relocation makes both pages of segment 0 writable */
	const uint64_t RX = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_X |
			    (textrel ? SGX_SECINFO_W : 0);
	const uint64_t RW = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W;
	const uint8_t *meta = file + SYN_META_OFFSET;
	uint8_t pg[4096];
	struct ref r = { EVP_MD_CTX_new() };
	unsigned n;

	EVP_DigestInit_ex(r.md, EVP_sha256(), NULL);
	ref_record(&r, "ECREATE", 1, SYN_ENCLAVE_SIZE);
	/* segment 0: file bytes 0..0x1800 with "PATCHED!" at 0x100 */
	memcpy(pg, file, 4096);
	memcpy(pg + 0x100, "PATCHED!", 8);
	ref_page(&r, 0, RX, pg, true);
	memset(pg, 0, 4096);
	memcpy(pg, file + 0x1000, 0x800);
	ref_page(&r, 0x1000, RX, pg, true);
	/* segment 1 at 0x3100: zeros, 0x300 file bytes, "ABCD" at rva 0x3180, zeros; then .bss */
	memset(pg, 0, 4096);
	memcpy(pg + 0x100, file + SYN_SEG1_OFFSET, SYN_SEG1_FILESZ);
	memcpy(pg + 0x180, "ABCD", 4);
	ref_page(&r, 0x3000, RW, pg, true);
	memset(pg, 0, 4096);
	ref_page(&r, 0x4000, RW, pg, true);
	if (v13)
		ref_page(&r, 0x5000, RW, pg, true);
	/* heap: added, not measured; EDMM heap and guards: nothing */
	ref_page(&r, 0x6000, RW, NULL, false);
	ref_page(&r, 0x7000, RW, NULL, false);
	for (uint64_t delta = 0; delta <= 0xc000; delta += 0x6000) {
		struct sgx_tcs tcs;

		memset(pg, 0xcc, 4096);
		ref_page(&r, 0xb000 + delta, RW, pg, true);
		memset(&tcs, 0, sizeof(tcs));
		memcpy(&tcs, meta + SYN_M_TCS, TH_SDK_TCS_TEMPLATE_SIZE);
		tcs.ossa += 0xc000 + delta;
		tcs.ofsbase += 0xc000 + delta;
		tcs.ogsbase += 0xc000 + delta;
		assert_int_equal(tcs.ossa, 0xd000 + delta);
		ref_page(&r, 0xc000 + delta, SGX_SECINFO_TYPE(SGX_PT_TCS), (const uint8_t *)&tcs, true);
		memset(pg, 0, 4096);
		ref_page(&r, 0xd000 + delta, RW, pg, true);
		ref_page(&r, 0xe000 + delta, RW, pg, true);
		memcpy(pg, meta + SYN_M_TD, SYN_TD_CONTENT);
		ref_page(&r, 0xf000 + delta, RW, pg, true);
	}
	EVP_DigestFinal_ex(r.md, out, &n);
	EVP_MD_CTX_free(r.md);
}

static void check_synthetic(uint64_t version, bool v13, bool textrel)
{
	static uint8_t file[SYN_FILE_SIZE];
	struct th_err err = { "" };
	struct th_sdk_info info;
	struct th_plan plan;
	struct th_plan_stats st;
	uint8_t mr[32], want[32];

	syn_build_ex(file, version, textrel);
	assert_true(th_sdk_detect(file, sizeof(file)));
	assert_int_equal(th_sdk_plan_build(file, sizeof(file), &plan, &info, &err), 0);
	assert_int_equal(info.ncopies, 1);
	assert_int_equal(info.copies[0].file_offset, SYN_META_OFFSET);
	assert_int_equal(info.copies[0].tcs_policy, 1);
	assert_int_equal(th_plan_measure(&plan, mr, &err), 0);
	syn_reference(file, v13, textrel, want);
	assert_memory_equal(mr, want, 32);
	th_plan_stats(&plan, &st);
	assert_int_equal(st.tcs_count, 3);
	assert_int_equal(st.pages_dynamic, 3);          /* 2 heap pages + 1 dynamic TCS */
	assert_int_equal(st.pages_added, (v13 ? 5 : 4) + 2 + 3 * 5);
	assert_int_equal(st.pages_measured, st.pages_added - 2);
	th_plan_free(&plan);
}

static void test_synthetic_v24(void **state)
{
	(void)state;
	check_synthetic(TH_SDK_VERSION(2, 4), false, false);
}

/* DT_TEXTREL: the loader adds W to every initialised page a relocation touches. */
static void test_synthetic_textrel(void **state)
{
	(void)state;
	check_synthetic(TH_SDK_VERSION(2, 4), false, true);
}

/* Metadata 1.3 keeps SDK 1.5's extra zero page after the segment ending at 0x5000. */
static void test_synthetic_v13(void **state)
{
	(void)state;
	check_synthetic(TH_SDK_VERSION_1_3, true, false);
}

/* ---------------------------------------------------------------------------------------- */
/* Re-signing                                                                                */

static EVP_PKEY *gen_key(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
	BIGNUM *e = BN_new();
	EVP_PKEY *key = NULL;

	assert_non_null(ctx);
	assert_non_null(e);
	BN_set_word(e, 3);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 3072), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &key), 1);
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* MRSIGNER from the key itself: SHA-256 of the modulus, little-endian, 384 bytes. */
static void key_mrsigner(EVP_PKEY *key, uint8_t out[32])
{
	BIGNUM *n = NULL;
	uint8_t le[SGX_MODULUS_SIZE];
	unsigned len;

	assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	assert_int_equal(BN_bn2lebinpad(n, le, sizeof(le)), (int)sizeof(le));
	EVP_Digest(le, sizeof(le), out, &len, EVP_sha256(), NULL);
	BN_free(n);
}

static EVP_PKEY *resign_key;

static int resign_setup(void **state)
{
	(void)state;
	resign_key = gen_key();
	return resign_key ? 0 : -1;
}

static int resign_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(resign_key);
	return 0;
}

static void check_resign(const uint8_t *data, size_t len, bool set_svn, bool signed_input)
{
	struct th_err err = { "" };
	struct th_sdk_info info, info2;
	struct th_sign_params params = { 0 };
	struct th_plan plan;
	uint8_t *out = NULL, mr_before[32], mr_after[32], want_signer[32], signer[32];
	size_t out_len = 0, pos = 0;

	assert_int_equal(th_sdk_plan_build(data, len, &plan, &info, &err), 0);
	assert_int_equal(th_plan_measure(&plan, mr_before, &err), 0);
	th_plan_free(&plan);
	if (set_svn) {
		params.set = TH_SIGN_ISVSVN | TH_SIGN_DATE;
		params.isv_svn = 4242;
		params.date = 0x20261125;
	}
	assert_int_equal(th_sdk_resign(data, len, &info, &params, resign_key, &out, &out_len, &err), 0);
	assert_int_equal(out_len, len);
	key_mrsigner(resign_key, want_signer);

	for (size_t i = 0; i < info.ncopies; i++) {
		const struct sgx_sigstruct *old = (const void *)(data + info.copies[i].sigstruct_offset);
		struct sgx_sigstruct ss;

		if (th_sigstruct_parse(out + info.copies[i].sigstruct_offset, sizeof(ss), &ss, &err))
			fail_msg("metadata copy %zu: %s", i, err.msg);
		assert_int_equal(th_sigstruct_verify(&ss, &err), 0);
		/* the enclave hash is carried over (a vector's is its MRENCLAVE; the synthetic
		 * enclave's metadata holds the zero hash of an unsigned build) */
		assert_memory_equal(ss.enclave_hash, old->enclave_hash, 32);
		if (signed_input)
			assert_memory_equal(ss.enclave_hash, mr_before, 32);
		th_sigstruct_mrsigner(&ss, signer);
		assert_memory_equal(signer, want_signer, 32);
		assert_int_equal(ss.isv_prod_id, old->isv_prod_id);
		assert_int_equal(ss.isv_svn, set_svn ? 4242 : old->isv_svn);
		assert_int_equal(ss.date, set_svn ? 0x20261125 : old->date);
		assert_memory_equal(&ss.attributes, &old->attributes, sizeof(ss.attributes));
		assert_memory_equal(&ss.attribute_mask, &old->attribute_mask, sizeof(ss.attribute_mask));
		assert_int_equal(ss.miscselect, old->miscselect);
		assert_int_equal(ss.vendor, old->vendor);
		assert_memory_equal(ss.header1, old->header1, sizeof(ss.header1));
		/* every byte between this copy and the previous one is untouched */
		assert_memory_equal(out + pos, data + pos, info.copies[i].sigstruct_offset - pos);
		pos = info.copies[i].sigstruct_offset + sizeof(ss);
	}
	assert_memory_equal(out + pos, data + pos, len - pos);

	/* the re-signed file still measures the same and carries the new SIGSTRUCT */
	assert_int_equal(th_sdk_plan_build(out, out_len, &plan, &info2, &err), 0);
	assert_int_equal(th_plan_measure(&plan, mr_after, &err), 0);
	assert_memory_equal(mr_after, mr_before, 32);
	assert_int_equal(info2.ncopies, info.ncopies);
	th_plan_free(&plan);
	free(out);
}

static void test_resign_vectors(void **state)
{
	static const char *paths[] = {
		"initc3-auditee/hashmachine/Enclave.signed.so",  /* three copies: 2.4, 2.1, 1.4 */
		"ratel-psw/libsgx_le.signed.so",                 /* 1.3, Intel vendor, debug type */
	};
	int done = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		size_t len;
		uint8_t *data = vector_read(paths[i], &len);

		if (!data)
			continue;
		check_resign(data, len, i == 0, true);
		free(data);
		done++;
	}
	if (!done)
		skip();
}

static void test_resign_synthetic(void **state)
{
	static uint8_t file[SYN_FILE_SIZE];

	(void)state;
	syn_build(file, TH_SDK_VERSION(2, 4));
	check_resign(file, sizeof(file), true, false);
}

static void test_resign_rejects_bad_key(void **state)
{
	static uint8_t file[SYN_FILE_SIZE];
	struct th_err err = { "" };
	EVP_PKEY *key = EVP_RSA_gen(2048);
	uint8_t *out = (uint8_t *)&err;
	size_t out_len = 1;

	(void)state;
	syn_build(file, TH_SDK_VERSION(2, 4));
	assert_int_equal(th_sdk_resign(file, sizeof(file), NULL, NULL, key, &out, &out_len, &err), -EINVAL);
	assert_null(out);
	assert_int_equal(out_len, 0);
	assert_string_equal(err.msg, "key: RSA-2048, SGX needs RSA-3072");
	EVP_PKEY_free(key);
}

/* ---------------------------------------------------------------------------------------- */
/* Hostile input                                                                             */

static void expect_fail(const uint8_t *data, size_t len, const char *field_prefix)
{
	struct th_err err = { "" };
	struct th_plan plan;

	assert_true(th_sdk_plan_build(data, len, &plan, NULL, &err) < 0);
	if (strncmp(err.msg, field_prefix, strlen(field_prefix)))
		fail_msg("error \"%s\" does not start with \"%s\"", err.msg, field_prefix);
	assert_null(strchr(err.msg, '\n'));
	assert_null(plan.runs);                 /* freed on failure */
}

static void put_layout(uint8_t *file, unsigned i, const struct th_sdk_layout_entry *e)
{
	memcpy(file + SYN_META_OFFSET + SYN_M_LAYOUT + i * 32, e, sizeof(*e));
}

static void get_layout(const uint8_t *file, unsigned i, struct th_sdk_layout_entry *e)
{
	memcpy(e, file + SYN_META_OFFSET + SYN_M_LAYOUT + i * 32, sizeof(*e));
}

static void test_bad_input(void **state)
{
	static uint8_t file[SYN_FILE_SIZE];
	struct th_sdk_layout_entry e;
	struct th_sdk_metadata_hdr h;
	uint8_t *m = file + SYN_META_OFFSET;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	syn_build(file, TH_SDK_VERSION(2, 4));
	/* truncated: no header, no section table, half a note */
	expect_fail(file, 10, "elf: file too short");
	assert_false(th_sdk_detect(file, 10));
	expect_fail(file, 0x1000, "elf.e_shoff: ");
	assert_false(th_sdk_detect(file, 0x1000));
	expect_fail(file, SYN_META_OFFSET + 100, "elf.e_shoff: ");

	/* not ELF / not SDK */
	syn_build(file, TH_SDK_VERSION(2, 4));
	file[1] = 'X';
	expect_fail(file, sizeof(file), "elf.e_ident: ");
	assert_false(th_sdk_detect(file, sizeof(file)));

	/* wrong metadata magic */
	syn_build(file, TH_SDK_VERSION(2, 4));
	m[0] ^= 0xff;
	expect_fail(file, sizeof(file), "metadata.magic_num: ");
	assert_false(th_sdk_detect(file, sizeof(file)));

	/* metadata past the end of the file: the note descriptor, then the block size */
	syn_build(file, TH_SDK_VERSION(2, 4));
	v32 = 0x7fffffff;
	memcpy(file + SYN_NOTE_OFFSET + 4, &v32, 4);
	expect_fail(file, sizeof(file), "elf.note.sgxmeta: ");
	syn_build(file, TH_SDK_VERSION(2, 4));
	v32 = SYN_M_SIZE + 1;
	memcpy(m + offsetof(struct th_sdk_metadata_hdr, size), &v32, 4);
	expect_fail(file, sizeof(file), "metadata.size: ");
	syn_build(file, TH_SDK_VERSION(2, 4));
	memcpy(&h, m, sizeof(h));
	h.dirs[TH_SDK_DIR_LAYOUT].size = 0x10000;
	memcpy(m, &h, sizeof(h));
	expect_fail(file, sizeof(file), "metadata.dirs[layout]: ");
	syn_build(file, TH_SDK_VERSION(2, 4));
	v64 = 0x123000;                 /* not a power of two */
	memcpy(m + offsetof(struct th_sdk_metadata_hdr, enclave_size), &v64, 8);
	expect_fail(file, sizeof(file), "metadata.enclave_size: ");
	syn_build(file, TH_SDK_VERSION(2, 4));
	v64 = TH_SDK_VERSION(12, 4);    /* ELRANGE metadata: not supported */
	memcpy(m + offsetof(struct th_sdk_metadata_hdr, version), &v64, 8);
	expect_fail(file, sizeof(file), "metadata.version: ");

	/* overlapping layout entries: the SSA moved onto the TCS */
	syn_build(file, TH_SDK_VERSION(2, 4));
	get_layout(file, 5, &e);
	e.rva = 0xc000;
	put_layout(file, 5, &e);
	expect_fail(file, sizeof(file), "metadata.layout[");
	/* a guard overlapping the heap counts too (the loader checks every entry) */
	syn_build(file, TH_SDK_VERSION(2, 4));
	get_layout(file, 2, &e);
	e.rva = 0x7000;
	put_layout(file, 2, &e);
	expect_fail(file, sizeof(file), "metadata.layout[");
	/* a huge page count, an unaligned rva, content past the block */
	syn_build(file, TH_SDK_VERSION(2, 4));
	get_layout(file, 0, &e);
	e.page_count = 0xffffffff;
	put_layout(file, 0, &e);
	expect_fail(file, sizeof(file), "metadata.layout[0]: ");
	syn_build(file, TH_SDK_VERSION(2, 4));
	get_layout(file, 3, &e);
	e.rva = 0xb010;
	put_layout(file, 3, &e);
	expect_fail(file, sizeof(file), "metadata.layout[3]: ");
	syn_build(file, TH_SDK_VERSION(2, 4));
	get_layout(file, 6, &e);
	e.content_offset = SYN_M_SIZE - 4;
	put_layout(file, 6, &e);
	expect_fail(file, sizeof(file), "metadata.layout[6].content_offset: ");
	/* a group claiming more entries than precede it, or a huge repeat count */
	syn_build(file, TH_SDK_VERSION(2, 4));
	m[SYN_M_LAYOUT + 7 * 32 + 2] = 50;
	expect_fail(file, sizeof(file), "metadata.layout[7].entry_count: ");
	syn_build(file, TH_SDK_VERSION(2, 4));
	v32 = 0xffffffff;
	memcpy(m + SYN_M_LAYOUT + 7 * 32 + 4, &v32, 4);
	expect_fail(file, sizeof(file), "metadata.layout[7].load_step: ");
	/* a page type that cannot be added */
	syn_build(file, TH_SDK_VERSION(2, 4));
	get_layout(file, 5, &e);
	e.si_flags = SGX_SECINFO_TYPE(SGX_PT_VA);
	put_layout(file, 5, &e);
	expect_fail(file, sizeof(file), "metadata.layout[5].si_flags: ");
	/* a patch writing past the end of the file, or reading past the block */
	syn_build(file, TH_SDK_VERSION(2, 4));
	v64 = SYN_FILE_SIZE - 2;
	memcpy(m + SYN_M_PATCH, &v64, 8);
	expect_fail(file, sizeof(file), "metadata.patch[0]: ");
	syn_build(file, TH_SDK_VERSION(2, 4));
	v32 = SYN_M_SIZE;
	memcpy(m + SYN_M_PATCH + 8, &v32, 4);
	expect_fail(file, sizeof(file), "metadata.patch[0]: ");
	/* a segment reaching past the file, and two segments sharing a page */
	syn_build(file, TH_SDK_VERSION(2, 4));
	v64 = 0x100000;
	memcpy(file + 64 + 56 + offsetof(Elf64_Phdr, p_filesz), &v64, 8);
	expect_fail(file, sizeof(file), "elf.segment[1]: ");
	syn_build(file, TH_SDK_VERSION(2, 4));
	v64 = 0x1900;
	memcpy(file + 64 + 56 + offsetof(Elf64_Phdr, p_vaddr), &v64, 8);
	expect_fail(file, sizeof(file), "elf.segment[1]: overlaps elf.segment[0]");
	/* a segment overlapping a layout entry: a page added twice */
	syn_build(file, TH_SDK_VERSION(2, 4));
	v64 = 0x6100;
	memcpy(file + 64 + 56 + offsetof(Elf64_Phdr, p_vaddr), &v64, 8);
	expect_fail(file, sizeof(file), "layout: ");
}

/* Every byte of the ELF headers, the note and the metadata, flipped in turn: never a crash (the
 * sanitizer build runs this too), and every rejection is one "FIELD: message" line. */
static void test_mutations(void **state)
{
	static uint8_t file[SYN_FILE_SIZE];
	static const uint8_t flips[] = { 0xff, 0x80, 0x01 };
	size_t ok = 0, rejected = 0;

	(void)state;
	for (size_t off = 0; off < SYN_FILE_SIZE; off++) {
		bool header = off < 0x100 || (off >= SYN_NOTE_OFFSET && off < SYN_META_OFFSET + SYN_M_SIZE + 0x100);

		if (!header)
			continue;
		for (size_t f = 0; f < sizeof(flips); f++) {
			struct th_err err = { "" };
			struct th_sdk_info info;
			struct th_plan plan;
			struct th_plan_stats st;
			uint8_t mr[32];

			syn_build_ex(file, TH_SDK_VERSION(2, 4), off & 1);
			file[off] ^= flips[f];
			if (th_sdk_plan_build(file, sizeof(file), &plan, &info, &err) < 0) {
				assert_non_null(strstr(err.msg, ": "));
				assert_null(strchr(err.msg, '\n'));
				rejected++;
				continue;
			}
			th_plan_stats(&plan, &st);
			if (st.pages_added <= 8192)
				assert_int_equal(th_plan_measure(&plan, mr, &err), 0);
			th_plan_free(&plan);
			ok++;
		}
	}
	print_message("# mutations: %zu built, %zu rejected\n", ok, rejected);
	assert_true(ok > 0 && rejected > 0);
}

/* A vector cut short anywhere before its metadata, and with its note pointing past the end. */
static void test_bad_vector(void **state)
{
	size_t len;
	uint8_t *data = vector_read("initc3-auditee/hashmachine/Enclave.signed.so", &len);
	struct th_sdk_info info;
	struct th_plan plan;
	struct th_err err = { "" };

	(void)state;
	if (!data)
		skip();
	assert_int_equal(th_sdk_plan_build(data, len, &plan, &info, &err), 0);
	th_plan_free(&plan);
	for (size_t cut = 0; cut < len; cut += len / 7 + 1)
		expect_fail(data, cut, "elf");
	expect_fail(data, info.copies[0].file_offset + 100, "elf");
	free(data);
}

/* With SDK_WRITE_CORPUS=DIR, write the synthetic enclave and a few broken variants as fuzz
 * seeds (fuzz/corpus/sdk/): nothing there is copied from a vector. */
static void write_seed(const char *dir, const char *name, const uint8_t *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len)
		exit(1);
	fclose(f);
}

static void write_corpus(const char *dir)
{
	static uint8_t file[SYN_FILE_SIZE];
	uint8_t *m = file + SYN_META_OFFSET;
	struct th_sdk_layout_entry e;
	uint32_t v32;

	syn_build(file, TH_SDK_VERSION(2, 4));
	write_seed(dir, "synthetic-v2.4", file, sizeof(file));
	write_seed(dir, "truncated", file, SYN_META_OFFSET + 200);
	syn_build(file, TH_SDK_VERSION(1, 3));
	write_seed(dir, "synthetic-v1.3", file, sizeof(file));
	syn_build_ex(file, TH_SDK_VERSION(2, 4), true);
	write_seed(dir, "synthetic-textrel", file, sizeof(file));
	syn_build(file, TH_SDK_VERSION(2, 4));
	get_layout(file, 5, &e);
	e.rva = 0xc000;
	put_layout(file, 5, &e);
	write_seed(dir, "overlapping-layout", file, sizeof(file));
	syn_build(file, TH_SDK_VERSION(2, 4));
	v32 = 0x100000;
	memcpy(m + SYN_M_LAYOUT + 7 * 32 + 4, &v32, 4);
	write_seed(dir, "huge-group", file, sizeof(file));
	syn_build(file, TH_SDK_VERSION(2, 4));
	v32 = 0x7fffffff;
	memcpy(file + SYN_NOTE_OFFSET + 4, &v32, 4);
	write_seed(dir, "note-past-eof", file, sizeof(file));
}

int main(void)
{
	struct CMUnitTest vt[MAX_ROWS];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iot_gateway_speed),
		cmocka_unit_test(test_synthetic_v24),
		cmocka_unit_test(test_synthetic_v13),
		cmocka_unit_test(test_synthetic_textrel),
		cmocka_unit_test(test_resign_vectors),
		cmocka_unit_test(test_resign_synthetic),
		cmocka_unit_test(test_resign_rejects_bad_key),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_bad_vector),
		cmocka_unit_test(test_mutations),
	};
	const char *corpus = getenv("SDK_WRITE_CORPUS");
	int failed;

	if (corpus && *corpus) {
		write_corpus(corpus);
		return 0;
	}
	load_expected();
	for (size_t i = 0; i < nrows; i++)
		vt[i] = (struct CMUnitTest){ rows[i].path, test_vector, NULL, NULL, &rows[i] };
	failed = nrows ? _cmocka_run_group_tests("sdk_vectors", vt, nrows, NULL, NULL) : 0;
	if (!nrows) {
		/* no EXPECTED.tsv here: report the vector checks as skipped, not passed */
		printf("ok - sdk vectors # SKIP ../shared/vectors/EXPECTED.tsv not found\n");
	}
	failed += cmocka_run_group_tests_name("sdk", tests, resign_setup, resign_teardown);
	return failed;
}
