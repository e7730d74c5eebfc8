/* SPDX-License-Identifier: MIT */
/*
 * The ENCLS leaves of the simulated machine, driven directly (no device, no preload): the SDM
 * faults and error codes of ECREATE, EADD, EEXTEND, EINIT (signature, measurement, attributes,
 * launch control with IA32_SGXLEPUBKEYHASH and with an EINITTOKEN), EAUG, EMODPR, EMODT,
 * EREMOVE, ETRACK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

/* the machine, without the preload library around it */
#include "../../src/sim/keys.c"
#include "../../src/sim/machine.c"
#include "../../src/sim/paging.c"

struct th_sim_config th_sim_cfg = { .epc_size = 64ull << 20, .flc = true };
bool th_sim_cpuid_in_code;      /* cpuid.c's rewrite of enclave CPUIDs: not part of this test */

void th_sim_cpuid_release(struct th_sim_encl *e, struct th_sim_tcs *ts, uint32_t cssa)
{
	(void)e;
	(void)ts;
	(void)cssa;
}

void th_sim_cpuid_forget_page(struct th_sim_encl *e, uint64_t page)
{
	(void)e;
	(void)page;
}

void *th_sim_real_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
	return mmap(a, l, p, f, fd, o);
}

int th_sim_real_mprotect(void *a, size_t l, int p)
{
	return mprotect(a, l, p);
}

int th_sim_real_munmap(void *a, size_t l)
{
	return munmap(a, l);
}

void th_sim_log(const char *fmt, ...)
{
	(void)fmt;
}

static EVP_PKEY *key;
static uint8_t page[4096] __attribute__((aligned(4096)));

#define BASE 0x7e0000000000ull
#define SIZE 0x10000ull

static void secs_init(struct sgx_secs *s)
{
	memset(s, 0, sizeof(*s));
	s->size = SIZE;
	s->base = BASE;
	s->ssa_frame_size = 1;
	s->attributes.flags = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	s->attributes.xfrm = 3;
}

static struct th_sim_encl *create(const struct sgx_secs *s, int *rc)
{
	struct th_sim_encl *e = NULL;
	int fd = (int)syscall(SYS_memfd_create, "epc", 0);

	*rc = th_encls_ecreate(&e, s, fd);
	if (*rc)
		close(fd);
	return e;
}

static void test_ecreate(void **state)
{
	struct sgx_secs s;
	struct th_sim_encl *e, *e2;
	int rc;

	(void)state;
	secs_init(&s);
	s.size = 0x3000;
	create(&s, &rc);
	assert_int_equal(rc, -13);               /* not a power of two */
	secs_init(&s);
	s.base = BASE + 0x1000;
	create(&s, &rc);
	assert_int_equal(rc, -13);               /* base not aligned to the size */
	secs_init(&s);
	s.attributes.flags |= SGX_ATTR_INIT;
	create(&s, &rc);
	assert_int_equal(rc, -13);
	secs_init(&s);
	s.attributes.flags &= ~SGX_ATTR_MODE64BIT;
	create(&s, &rc);
	assert_int_equal(rc, -13);
	secs_init(&s);
	s.attributes.xfrm = 1;                   /* SSE is mandatory */
	create(&s, &rc);
	assert_int_equal(rc, -13);
	secs_init(&s);
	s.ssa_frame_size = 0;
	create(&s, &rc);
	assert_int_equal(rc, -13);
	secs_init(&s);
	s.miscselect = 2;                        /* reserved MISCSELECT bit */
	create(&s, &rc);
	assert_int_equal(rc, -13);
	secs_init(&s);
	e = create(&s, &rc);
	assert_int_equal(rc, 0);
	e2 = create(&s, &rc);                    /* a second SECS over the same range */
	assert_int_equal(rc, -13);
	(void)e2;
	th_sim_encl_destroy(e);
}

static void add(struct th_sim_encl *e, uint64_t off, uint64_t flags, int want)
{
	assert_int_equal(th_encls_eadd(e, BASE + off, page, flags), want);
}

static void tcs_page(uint64_t ossa)
{
	struct sgx_tcs *t = (struct sgx_tcs *)page;

	memset(page, 0, sizeof(page));
	t->ossa = ossa;
	t->nssa = 1;
	t->oentry = 0x3000;
}

/* TCS, SSA, code: a minimal enclave whose MRENCLAVE is computed alongside */
static struct th_sim_encl *small_enclave(uint8_t mrenclave[32])
{
	struct sgx_secs s;
	struct th_mr mr;
	struct th_sim_encl *e;
	int rc;

	secs_init(&s);
	e = create(&s, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(th_mr_init(&mr, 1, SIZE), 0);
	tcs_page(0x1000);
	add(e, 0, SGX_SECINFO_TYPE(SGX_PT_TCS), 0);
	th_mr_eadd(&mr, 0, SGX_SECINFO_TYPE(SGX_PT_TCS));
	memset(page, 0, sizeof(page));
	add(e, 0x1000, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W, 0);
	th_mr_eadd(&mr, 0x1000, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W);
	memset(page, 0x90, sizeof(page));
	add(e, 0x3000, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_X, 0);
	th_mr_add_page(&mr, 0x3000, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_X,
		       page, 0xffff);
	for (uint64_t c = 0; c < 4096; c += 256)
		assert_int_equal(th_encls_eextend(e, BASE + 0x3000 + c), 0);
	assert_int_equal(th_mr_final(&mr, mrenclave), 0);
	return e;
}

static void test_eadd_eextend(void **state)
{
	struct sgx_secs s;
	struct th_sim_encl *e;
	int rc;

	(void)state;
	secs_init(&s);
	e = create(&s, &rc);
	memset(page, 0, sizeof(page));
	add(e, 0x1000, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_W, -13);       /* W without R */
	add(e, 0x1000, SGX_SECINFO_TYPE(SGX_PT_VA) | SGX_SECINFO_R, -13);        /* bad type */
	add(e, 0x1000, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | 0x10000, -13);
	add(e, 0x1000, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R, 0);
	add(e, 0x1000, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R, -14);       /* in use */
	tcs_page(0x1000);
	((struct sgx_tcs *)page)->nssa = 0;
	add(e, 0, SGX_SECINFO_TYPE(SGX_PT_TCS), -13);                            /* NSSA 0 */
	tcs_page(0x1001);
	add(e, 0, SGX_SECINFO_TYPE(SGX_PT_TCS), -13);                            /* OSSA unaligned */
	tcs_page(0x1000);
	add(e, 0, SGX_SECINFO_TYPE(SGX_PT_TCS), 0);
	assert_int_equal(e->pages[0].rwx, 0);    /* the CPU zeroes a TCS's permissions */
	assert_int_equal(th_encls_eextend(e, BASE + 0x1080), -13);               /* unaligned */
	assert_int_equal(th_encls_eextend(e, BASE + 0x2000), -14);               /* no page */
	assert_int_equal(th_encls_eextend(e, BASE + 0x1100), 0);
	th_sim_encl_destroy(e);
}

static void sign(struct sgx_sigstruct *ss, const uint8_t mrenclave[32], uint64_t attr)
{
	th_sigstruct_init(ss, false);
	ss->attributes.flags = attr;
	ss->attributes.xfrm = 3;
	ss->attribute_mask.flags = ~0ull;
	ss->attribute_mask.xfrm = ~0ull;
	memcpy(ss->enclave_hash, mrenclave, 32);
	assert_int_equal(th_sigstruct_sign(ss, key, NULL), 0);
}

static void test_einit_codes(void **state)
{
	static struct sgx_sigstruct ss;
	uint8_t mre[32], mrsigner[32];
	uint64_t attr = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	struct th_sim_encl *e;

	(void)state;
	e = small_enclave(mre);
	sign(&ss, mre, attr);
	th_sigstruct_mrsigner(&ss, mrsigner);
	memcpy(th_sim_m.lepubkeyhash, mrsigner, 32);    /* FLC: the kernel writes MRSIGNER */

	ss.signature[3] ^= 1;
	assert_int_equal(th_encls_einit(e, &ss, NULL), SGX_INVALID_SIGNATURE);
	ss.signature[3] ^= 1;
	ss.header2[0] ^= 1;
	assert_int_equal(th_encls_einit(e, &ss, NULL), SGX_INVALID_SIG_STRUCT);
	ss.header2[0] ^= 1;

	sign(&ss, mre, attr & ~SGX_ATTR_DEBUG);
	assert_int_equal(th_encls_einit(e, &ss, NULL), SGX_INVALID_ATTRIBUTE);
	{
		uint8_t bad[32];

		memcpy(bad, mre, 32);
		bad[31] ^= 1;
		sign(&ss, bad, attr);
		assert_int_equal(th_encls_einit(e, &ss, NULL), SGX_INVALID_MEASUREMENT);
	}
	/* launch control: another signer than IA32_SGXLEPUBKEYHASH and no token */
	sign(&ss, mre, attr);
	memset(th_sim_m.lepubkeyhash, 0x5a, 32);
	assert_int_equal(th_encls_einit(e, &ss, NULL), SGX_INVALID_EINITTOKEN);
	{
		static struct sgx_einittoken tk;
		uint8_t k[16];

		/* a token as a launch enclave makes it: MAC with the launch key */
		memset(&tk, 0, sizeof(tk));
		tk.valid = 1;
		tk.attributes.flags = attr | SGX_ATTR_INIT;
		tk.attributes.xfrm = 3;
		memcpy(tk.mrenclave, mre, 32);
		memcpy(tk.mrsigner, mrsigner, 32);
		memcpy(tk.cpusvn_le, th_sim_cpusvn, 16);
		memset(tk.keyid, 0x11, 32);
		assert_int_equal(th_sim_launch_key(&tk, k), 0);
		th_sim_cmac(k, &tk, SGX_EINITTOKEN_MACED_SIZE, tk.mac);
		tk.mac[0] ^= 1;
		assert_int_equal(th_encls_einit(e, &ss, &tk), SGX_INVALID_EINITTOKEN);
		tk.mac[0] ^= 1;
		tk.valid = 0;
		assert_int_equal(th_encls_einit(e, &ss, &tk), SGX_INVALID_EINITTOKEN);
		tk.valid = 1;
		assert_int_equal(th_encls_einit(e, &ss, &tk), 0);
	}
	assert_true(e->initialized);
	assert_memory_equal(e->mrenclave, mre, 32);
	assert_memory_equal(e->mrsigner, mrsigner, 32);
	assert_int_equal(th_encls_einit(e, &ss, NULL), -13);  /* twice */
	memset(page, 0, sizeof(page));
	add(e, 0x4000, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R, -13);       /* after EINIT */
	th_sim_encl_destroy(e);
}

static void test_sgx2_leaves(void **state)
{
	static struct sgx_sigstruct ss;
	uint8_t mre[32];
	struct th_sim_encl *e;
	struct th_sim_page *p;

	(void)state;
	e = small_enclave(mre);
	assert_int_equal(th_encls_eaug(e, BASE + 0x5000), -13);          /* not initialized */
	sign(&ss, mre, SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG);
	th_sigstruct_mrsigner(&ss, th_sim_m.lepubkeyhash);
	assert_int_equal(th_encls_einit(e, &ss, NULL), 0);
	assert_int_equal(th_encls_eaug(e, BASE + 0x5000), 0);
	p = th_sim_page_at(e, BASE + 0x5000);
	assert_int_equal(p->state, TH_EPCM_VALID | TH_EPCM_PENDING);
	assert_int_equal(p->rwx, SGX_SECINFO_R | SGX_SECINFO_W);
	assert_int_equal(th_encls_eaug(e, BASE + 0x5000), -14);          /* in use */
	assert_int_equal(th_encls_emodpr(e, BASE + 0x5000, SGX_SECINFO_R), SGX_PAGE_NOT_MODIFIABLE);
	assert_int_equal(th_encls_emodpr(e, BASE + 0x6000, SGX_SECINFO_R), -14);    /* no page */
	assert_int_equal(th_encls_emodpr(e, BASE, SGX_SECINFO_R), -14);             /* TCS */
	assert_int_equal(th_encls_emodpr(e, BASE + 0x1000, SGX_SECINFO_W), -13);    /* W w/o R */
	assert_int_equal(th_encls_emodpr(e, BASE + 0x1000, SGX_SECINFO_R), 0);
	p = th_sim_page_at(e, BASE + 0x1000);
	assert_int_equal(p->rwx, SGX_SECINFO_R);
	assert_true(p->state & TH_EPCM_PR);
	assert_true(p->gen > e->tracked);        /* EACCEPT would say SGX_NOT_TRACKED ... */
	assert_int_equal(th_encls_etrack(e), 0);
	assert_false(p->gen > e->tracked);       /* ... until ETRACK */
	assert_int_equal(th_encls_emodt(e, BASE + 0x3000, SGX_SECINFO_TYPE(SGX_PT_TRIM)), 0);
	p = th_sim_page_at(e, BASE + 0x3000);
	assert_int_equal(p->type, SGX_PT_TRIM);
	assert_true(p->state & TH_EPCM_MODIFIED);
	assert_int_equal(th_encls_emodt(e, BASE + 0x3000, SGX_SECINFO_TYPE(SGX_PT_TRIM)),
			 SGX_PAGE_NOT_MODIFIABLE);
	assert_int_equal(th_encls_emodt(e, BASE + 0x1000, SGX_SECINFO_TYPE(SGX_PT_REG)), -13);
	/* the kernel's REMOVE_PAGES probe: EMODPR on a trimmed page not yet accepted */
	assert_int_equal(th_encls_emodpr(e, BASE + 0x3000, 7), SGX_PAGE_NOT_MODIFIABLE);
	p->state &= ~TH_EPCM_MODIFIED;           /* as EACCEPT leaves it */
	assert_int_equal(th_encls_emodpr(e, BASE + 0x3000, 7), -14);
	assert_int_equal(th_encls_eremove(e, BASE + 0x3000), 0);
	assert_int_equal(p->state, 0);
	th_sim_cfg.sgx1_only = true;
	assert_int_equal(th_encls_eaug(e, BASE + 0x6000), -6);           /* #UD on SGX1 */
	th_sim_cfg.sgx1_only = false;
	th_sim_encl_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecreate),
		cmocka_unit_test(test_eadd_eextend),
		cmocka_unit_test(test_einit_codes),
		cmocka_unit_test(test_sgx2_leaves),
	};
	char dir[] = "/tmp/teehost-simmachine.XXXXXX", cmd[128];
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *e3 = BN_new();
	int rc;

	if (!c || !e3 || EVP_PKEY_keygen_init(c) <= 0 || !BN_set_word(e3, 3) ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(c, 3072) <= 0 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, e3) <= 0 || EVP_PKEY_keygen(c, &key) <= 0)
		return 1;
	BN_free(e3);
	EVP_PKEY_CTX_free(c);
	if (!mkdtemp(dir))
		return 1;
	setenv("TEEHOST_SIM_STATE_DIR", dir, 1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		rc = 1;
	EVP_PKEY_free(key);
	return rc;
}
