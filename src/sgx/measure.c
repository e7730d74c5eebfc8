/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "sgx/measure.h"

static void flush(struct th_mr *mr)
{
	if (mr->fill) {
		EVP_DigestUpdate(mr->md, mr->buf, mr->fill);
		mr->fill = 0;
	}
}

/* Space for LEN more bytes in the batch buffer. */
static uint8_t *reserve(struct th_mr *mr, uint32_t len)
{
	uint8_t *p;

	if (mr->fill + len > sizeof(mr->buf))
		flush(mr);
	p = mr->buf + mr->fill;
	mr->fill += len;
	return p;
}

static void put_header(uint8_t rec[64], const char tag[8], uint64_t offset)
{
	memcpy(rec, tag, 8);
	memcpy(rec + 8, &offset, 8);      /* x86-64: little-endian, as the SDM's records */
	memset(rec + 16, 0, 48);
}

int th_mr_init(struct th_mr *mr, uint32_t ssa_frame_size, uint64_t enclave_size)
{
	uint8_t *rec;

	mr->fill = 0;
	mr->md = EVP_MD_CTX_new();
	if (!mr->md)
		return -ENOMEM;
	if (EVP_DigestInit_ex(mr->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(mr->md);
		mr->md = NULL;
		return -ENOMEM;
	}
	rec = reserve(mr, 64);
	memset(rec, 0, 64);
	memcpy(rec, "ECREATE\0", 8);
	memcpy(rec + 8, &ssa_frame_size, 4);
	memcpy(rec + 12, &enclave_size, 8);
	return 0;
}

void th_mr_eadd(struct th_mr *mr, uint64_t offset, uint64_t secinfo_flags)
{
	uint8_t *rec = reserve(mr, 64);

	put_header(rec, "EADD\0\0\0\0", offset);
	memcpy(rec + 16, &secinfo_flags, 8);
}

void th_mr_eextend(struct th_mr *mr, uint64_t offset, const uint8_t chunk[SGX_EEXTEND_CHUNK])
{
	uint8_t *rec = reserve(mr, 64 + SGX_EEXTEND_CHUNK);

	put_header(rec, "EEXTEND\0", offset);
	memcpy(rec + 64, chunk, SGX_EEXTEND_CHUNK);
}

void th_mr_add_page(struct th_mr *mr, uint64_t offset, uint64_t secinfo_flags,
		    const uint8_t page[SGX_PAGE_SIZE], uint16_t measure_mask)
{
	th_mr_eadd(mr, offset, secinfo_flags);
	for (unsigned i = 0; i < SGX_CHUNKS_PER_PAGE; i++)
		if (measure_mask & (1u << i))
			th_mr_eextend(mr, offset + i * SGX_EEXTEND_CHUNK, page + i * SGX_EEXTEND_CHUNK);
}

int th_mr_final(struct th_mr *mr, uint8_t out[32])
{
	unsigned int len = 0;
	int ok;

	flush(mr);
	ok = EVP_DigestFinal_ex(mr->md, out, &len) == 1 && len == 32;
	EVP_MD_CTX_free(mr->md);
	mr->md = NULL;
	return ok ? 0 : -EIO;
}

void th_mr_abort(struct th_mr *mr)
{
	EVP_MD_CTX_free(mr->md);
	mr->md = NULL;
	mr->fill = 0;
}
