/* SPDX-License-Identifier: MIT */
/*
 * Table-driven over ../shared/vectors/EXPECTED.tsv at the library level, one test per row:
 * SIGSTRUCT fields and verdicts (th_sigstruct_*), and MRENCLAVE / layout through the one path
 * every consumer uses (th_image_build -> th_plan_measure).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sgx/image.h"
#include "sgx/sigstruct.h"
#include "vectors.h"

#define NCOLS 20
#define MAX_ROWS 64

struct row {
	char *col[NCOLS];       /* path kind mrenclave mrsigner isvprodid isvsvn attributes
				 * attribute_mask miscselect miscmask header.type vendor date
				 * hw_version sig_verifies q1q2_ok metadata_versions enclave_size
				 * ssa_frame_size independent_recompute */
};
enum { C_PATH, C_KIND, C_MRE, C_MRS, C_PROD, C_SVN, C_ATTR, C_AMASK, C_MISC, C_MMASK, C_HTYPE,
       C_VENDOR, C_DATE, C_HWV, C_SIG, C_Q1Q2, C_MDV, C_ESIZE, C_SSA };

static struct row rows[MAX_ROWS];
static size_t nrows;
static char *tsv;

static void check_sigstruct(const struct row *r, const struct sgx_sigstruct *ss)
{
	struct th_sigstruct_verdict v;
	uint8_t mrs[32];
	char hex[65], buf[64];
	uint32_t type;

	hex_encode(ss->enclave_hash, 32, hex);
	assert_string_equal(hex, r->col[C_MRE]);
	th_sigstruct_mrsigner(ss, mrs);
	hex_encode(mrs, 32, hex);
	assert_string_equal(hex, r->col[C_MRS]);
	assert_int_equal(ss->isv_prod_id, strtoul(r->col[C_PROD], NULL, 10));
	assert_int_equal(ss->isv_svn, strtoul(r->col[C_SVN], NULL, 10));
	hex_encode((const uint8_t *)&ss->attributes, 16, hex);
	assert_string_equal(hex, r->col[C_ATTR]);
	hex_encode((const uint8_t *)&ss->attribute_mask, 16, hex);
	assert_string_equal(hex, r->col[C_AMASK]);
	snprintf(buf, sizeof(buf), "%08x", ss->miscselect);
	assert_string_equal(buf, r->col[C_MISC]);
	snprintf(buf, sizeof(buf), "%08x", ss->miscmask);
	assert_string_equal(buf, r->col[C_MMASK]);
	memcpy(&type, ss->header1 + SGX_SIGSTRUCT_TYPE_OFFSET, 4);
	snprintf(buf, sizeof(buf), "0x%x", type);
	assert_string_equal(buf, r->col[C_HTYPE]);
	snprintf(buf, sizeof(buf), "0x%x", ss->vendor);
	assert_string_equal(buf, r->col[C_VENDOR]);
	snprintf(buf, sizeof(buf), "%08x", ss->date);
	assert_string_equal(buf, r->col[C_DATE]);
	assert_int_equal(ss->swdefined, strtoul(r->col[C_HWV], NULL, 10));
	th_sigstruct_check(ss, &v);
	assert_int_equal(v.signature_valid, !strcmp(r->col[C_SIG], "True"));
	assert_int_equal(v.q1q2_valid, !strcmp(r->col[C_Q1Q2], "True"));
}

static void check_measure(const struct row *r, const char *rel, unsigned flags,
			  const struct sgx_sigstruct **embedded)
{
	struct th_image_options opts = { .flags = flags };
	struct th_image img;
	struct th_err err = { { 0 } };
	uint8_t *data, mr[32];
	char hex[65], buf[32];
	size_t len;
	int ret;

	data = vector_read(rel, &len);
	assert_non_null(data);
	ret = th_image_build(data, len, &opts, &img, &err);
	if (ret)
		fail_msg("%s: %s", rel, err.msg);
	assert_int_equal(th_plan_measure(&img.plan, mr, &err), 0);
	hex_encode(mr, 32, hex);
	assert_string_equal(hex, r->col[C_MRE]);
	if (strcmp(r->col[C_ESIZE], "-")) {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)img.plan.size);
		assert_string_equal(buf, r->col[C_ESIZE]);
		assert_int_equal(img.plan.ssa_frame_size, strtoul(r->col[C_SSA], NULL, 10));
	}
	if (embedded && img.sdk.sigstruct) {
		static struct sgx_sigstruct copy;

		memcpy(&copy, img.sdk.sigstruct, sizeof(copy));
		*embedded = &copy;
	}
	th_image_close(&img);
	free(data);
}

static void test_row(void **state)
{
	const struct row *r = *state;
	const char *kind = r->col[C_KIND];
	struct sgx_sigstruct ss;
	struct th_err err = { { 0 } };

	if (!strncmp(kind, "SDK", 3)) {
		const struct sgx_sigstruct *emb = NULL;

		check_measure(r, r->col[C_PATH], 0, &emb);
		assert_non_null(emb);
		check_sigstruct(r, emb);
	} else if (!strncmp(kind, "SGXS", 4)) {
		check_measure(r, r->col[C_PATH], 0, NULL);
	} else {
		size_t len;
		uint8_t *data = vector_read(r->col[C_PATH], &len);

		assert_non_null(data);
		assert_int_equal(th_sigstruct_parse(data, len, &ss, &err), 0);
		free(data);
		check_sigstruct(r, &ss);
		if (!strncmp(kind, "SIGSTRUCT for ", 14)) {
			const char *target = kind + 14;
			size_t tl = strlen(target);

			check_measure(r, target, tl > 4 && !strcmp(target + tl - 4, ".bin") ? TH_IMAGE_FLAT : 0, NULL);
		}
	}
}

/* Rows that do not parse (fewer or more than NCOLS columns, or past MAX_ROWS): a truncated or
 * damaged EXPECTED.tsv fails instead of shrinking the table. */
static size_t bad_rows;

static int load_rows(void)
{
	char *line, *save = NULL;
	size_t len;

	tsv = (char *)vector_read("EXPECTED.tsv", &len);
	if (!tsv)
		return -1;
	tsv = realloc(tsv, len + 1);
	tsv[len] = '\0';
	for (line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct row *r = &rows[nrows];
		char *c = line;
		int i;

		if (!strncmp(line, "path\t", 5))
			continue;
		if (nrows == MAX_ROWS) {
			printf("# EXPECTED.tsv: more than %d rows\n", MAX_ROWS);
			bad_rows++;
			continue;
		}
		for (i = 0; i < NCOLS && c; i++) {
			r->col[i] = c;
			c = strchr(c, '\t');
			if (c)
				*c++ = '\0';
		}
		if (i == NCOLS && !c) {
			nrows++;
		} else {
			printf("# EXPECTED.tsv: a row does not have %d columns: %.60s\n", NCOLS, line);
			bad_rows++;
		}
	}
	return 0;
}

int main(void)
{
	struct CMUnitTest tests[MAX_ROWS + 1];
	int ret;

	if (load_rows() < 0) {
		const char *ci = getenv("CI");

		/* CI has the vectors beside the checkout: there, missing is a failure. */
		if (ci && !strcmp(ci, "true")) {
			printf("1..1\nnot ok 1 - no vectors at %s (CI=true: they must be there)\n",
			       vectors_dir());
			return 1;
		}
		printf("1..0 # SKIP no vectors at %s\n", vectors_dir());
		return 0;
	}
	for (size_t i = 0; i < nrows; i++)
		tests[i] = (struct CMUnitTest){ rows[i].col[C_PATH], test_row, NULL, NULL, &rows[i] };
	printf("# EXPECTED.tsv: %zu rows\n", nrows);
	if (nrows == 0 || bad_rows) {
		printf("1..1\nnot ok 1 - EXPECTED.tsv: %zu rows, %zu that do not parse\n", nrows,
		       bad_rows);
		free(tsv);
		return 1;
	}
	ret = _cmocka_run_group_tests("vectors", tests, nrows, NULL, NULL);
	free(tsv);
	return ret;
}
