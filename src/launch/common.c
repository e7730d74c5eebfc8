/* SPDX-License-Identifier: MIT */
/*
 * The SGX common loader API (sgx_enclave_common.h) over teehost's loader core: what
 * build/libsgx_enclave_common.so.1 exports, a drop-in for Intel's library. The error codes
 * follow Intel's mapping, with the additions sgx_enclave_common(3) lists: out of EPC is
 * ENCLAVE_DEVICE_NO_RESOURCES, a device without permission ENCLAVE_NOT_AUTHORIZED, and EINIT
 * failures the kernel reports only as -EPERM are named (signature, attributes, measurement).
 *
 * Messages: failures the user must fix (no device, no permission, READ_IMPLIES_EXEC, /dev
 * noexec, no provision access) are printed once to stderr as Intel's library prints them;
 * every failure is printed with TEEHOST_SGX_LOG=1.
 */
#include <errno.h>
#include <cpuid.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "launch/launch.h"
#include "loader/internal.h"
#include "sgx_enclave_common.h"

#define API __attribute__((visibility("default")))

static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;
static struct th_encl *enclaves;
static struct teehost_sgx_probe probed;
static bool have_probe;
/*
 * The drivers refuse a bad EINIT with a bare -EPERM (isgx aside). On DCAP, where a launch token
 * is one more cause, keep a running MRENCLAVE so the cause can be named. Not on the in-kernel
 * driver: it hashes every page a second time in software, which Intel's library does not, and
 * makes creation slower than theirs (BENCHMARKS.md, urts); there a refusal whose signature,
 * SIGSTRUCT and attributes check out is the measurement (mr_elided). TEEHOST_LOADER_MEASURE=1
 * keeps the running measure everywhere.
 */
static const struct teehost_loader_opts api_opts = { .sz = sizeof(api_opts) };
static const struct teehost_loader_opts api_opts_measure = { .sz = sizeof(api_opts), .measure = true };

/* Per-enclave state the API keeps beside the core object. */
struct api_extra {
	uint8_t token[sizeof(struct sgx_einittoken)];
	bool have_token;
};

static struct api_extra *extra_of(struct th_encl *e);

static void report(const struct th_err *err, bool always)
{
	const char *v = getenv("TEEHOST_SGX_LOG");

	if (always || (v && *v && *v != '0'))
		fprintf(stderr, "libsgx_enclave_common (teehost): %s\n", err->msg);
}

static void set(uint32_t *out, uint32_t code)
{
	if (out)
		*out = code;
}

/* Probe once per process, as Intel's loader does; a failed probe is retried next time. */
static int probe(struct th_sgx_status *st, struct th_err *err)
{
	int rc = 0;

	if (!have_probe) {
		rc = th_sgx_probe(NULL, &probed, st, err);
		have_probe = rc == 0;
	}
	return rc;
}

static struct th_encl *find_exact(uint64_t base)
{
	for (struct th_encl *e = enclaves; e; e = e->next)
		if (e->base == base)
			return e;
	return NULL;
}

/* Take api_lock and find the enclave holding all of [ADDR, +SIZE); none: NULL, lock released. */
static struct th_encl *lock_range(uint64_t addr, size_t size)
{
	pthread_mutex_lock(&api_lock);
	for (struct th_encl *e = enclaves; e; e = e->next) {
		if (addr >= e->base && addr - e->base < e->size) {
			if (addr + size <= e->base + e->size)
				return e;
			break;
		}
	}
	pthread_mutex_unlock(&api_lock);
	return NULL;
}

/* The extra state lives in a side table keyed by the core object. */
struct extra_slot {
	struct th_encl *e;
	struct api_extra x;
	struct extra_slot *next;
};
static struct extra_slot *extras;

static struct api_extra *extra_of(struct th_encl *e)
{
	for (struct extra_slot *s = extras; s; s = s->next)
		if (s->e == e)
			return &s->x;
	return NULL;
}

static void forget(struct th_encl *e)
{
	for (struct th_encl **pp = &enclaves; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	for (struct extra_slot **pp = &extras; *pp; pp = &(*pp)->next)
		if ((*pp)->e == e) {
			struct extra_slot *s = *pp;

			*pp = s->next;
			free(s);
			break;
		}
}

static bool check_ex(uint32_t ex_features, const void *ex_features_p[32],
		     const enclave_elrange_t **elrange)
{
	*elrange = NULL;
	if ((ex_features | _ENCLAVE_CREATE_EX_FEATURES_MASK_) != _ENCLAVE_CREATE_EX_FEATURES_MASK_)
		return false;
	if (ex_features_p) {
		for (unsigned i = 0; i < ENCLAVE_CREATE_MAX_EX_FEATURES_COUNT; i++)
			if (ex_features_p[i] && !(ex_features & (1u << i)))
				return false;
		if (ex_features & ENCLAVE_CREATE_EX_EL_RANGE)
			*elrange = ex_features_p[ENCLAVE_CREATE_EX_EL_RANGE_BIT_IDX];
	}
	if ((ex_features & ENCLAVE_CREATE_EX_EL_RANGE) && !*elrange)
		return false;
	return true;
}

API void *enclave_create_ex(void *base_address, size_t virtual_size, size_t initial_commit,
			    uint32_t type, const void *info, size_t info_size,
			    const uint32_t ex_features, const void *ex_features_p[32],
			    uint32_t *enclave_error)
{
	struct th_sgx_status st = { 0 };
	struct th_err err = { { 0 } };
	const enclave_elrange_t *elr;
	struct sgx_secs *secs;
	struct th_encl *e = NULL;
	struct extra_slot *slot;
	uint64_t fixed = 0;
	int rc;

	(void)initial_commit;
	if ((type != ENCLAVE_TYPE_SGX1 && type != ENCLAVE_TYPE_SGX2) || !info ||
	    info_size != sizeof(enclave_create_sgx_t) || !check_ex(ex_features, ex_features_p, &elr)) {
		set(enclave_error, ENCLAVE_INVALID_PARAMETER);
		return NULL;
	}
	secs = aligned_alloc(SGX_PAGE_SIZE, sizeof(*secs));
	slot = calloc(1, sizeof(*slot));
	if (!secs || !slot) {
		free(secs);
		free(slot);
		set(enclave_error, ENCLAVE_OUT_OF_MEMORY);
		return NULL;
	}
	memcpy(secs, info, sizeof(*secs));
	if (elr) {
		uint64_t s = elr->elrange_size, b = elr->elrange_start_address;

		if (!s || (s & (s - 1)) || (b & (s - 1)) || b + s < b ||
		    elr->enclave_image_address < b || elr->enclave_image_address >= b + s) {
			set(enclave_error, ENCLAVE_INVALID_PARAMETER);
			goto out_free;
		}
		if (elr->enclave_image_address != b || virtual_size != s) {
			/* teehost maps the whole ELRANGE; a partial image range is not modelled */
			set(enclave_error, ENCLAVE_NOT_SUPPORTED);
			goto out_free;
		}
		secs->base = b;
		secs->size = s;
		fixed = b;
	} else {
		if (!virtual_size || virtual_size > secs->size) {
			/* SECS.SIZE is the enclave's size; VIRTUAL_SIZE must not promise more */
			if (!secs->size)
				secs->size = virtual_size;
			if (virtual_size > secs->size) {
				set(enclave_error, ENCLAVE_INVALID_SIZE);
				goto out_free;
			}
		}
		if (base_address && !((uint64_t)(uintptr_t)base_address & (secs->size - 1)))
			fixed = (uint64_t)(uintptr_t)base_address;
	}

	pthread_mutex_lock(&api_lock);
	rc = probe(&st, &err);
	if (rc == 0) {
		if (elr && probed.driver != TEEHOST_SGX_KERNEL) {
			pthread_mutex_unlock(&api_lock);
			set(enclave_error, ENCLAVE_NOT_SUPPORTED);
			goto out_free;
		}
		bool measure = probed.driver == TEEHOST_SGX_DCAP ||
			       (getenv("TEEHOST_LOADER_MEASURE") &&
				!strcmp(getenv("TEEHOST_LOADER_MEASURE"), "1"));

		rc = th_encl_create(measure ? &api_opts_measure : &api_opts, &probed, secs, fixed, &e,
				    &st, &err);
		if (rc == 0)
			e->mr_elided = !measure;
	}
	if (rc < 0) {
		pthread_mutex_unlock(&api_lock);
		report(&err, !strcmp(st.step ? st.step : "", "probe"));
		set(enclave_error, st.code ? st.code : ENCLAVE_UNEXPECTED);
		goto out_free;
	}
	e->next = enclaves;
	enclaves = e;
	slot->e = e;
	slot->next = extras;
	extras = slot;
	slot = NULL;
	pthread_mutex_unlock(&api_lock);
	set(enclave_error, ENCLAVE_ERROR_SUCCESS);
	free(secs);
	return (void *)(uintptr_t)e->base;
out_free:
	free(secs);
	free(slot);
	return NULL;
}

API void *enclave_create(void *base_address, size_t virtual_size, size_t initial_commit,
			 uint32_t type, const void *info, size_t info_size, uint32_t *enclave_error)
{
	return enclave_create_ex(base_address, virtual_size, initial_commit, type, info, info_size,
				 0, NULL, enclave_error);
}

/*
 * Sources for enclave_load_data() that are not the caller's own page-aligned buffer. urts adds
 * one page per call (every heap, stack-guard and zero-filled page of a 1 GiB enclave is a call
 * of its own), so nothing here may cost more than the page itself: zero pages come from one
 * read-only anonymous mapping made once per process (every page of it is the kernel's shared
 * zero page: nothing is allocated, zeroed or copied), and unaligned data is copied into one
 * static page-aligned buffer, used under api_lock.
 */
#define ZERO_PAGES 256u         /* 1 MiB of address space, no memory */
#define BOUNCE_PAGES 16u

static const uint8_t *zero_pages;
static uint8_t bounce_buf[BOUNCE_PAGES * SGX_PAGE_SIZE] __attribute__((aligned(SGX_PAGE_SIZE)));

/* The zero mapping, made on first use (api_lock held). NULL when mmap fails. */
static const uint8_t *zero_source(void)
{
	if (!zero_pages) {
		void *p = mmap(NULL, ZERO_PAGES * SGX_PAGE_SIZE, PROT_READ,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p != MAP_FAILED)
			zero_pages = p;
	}
	return zero_pages;
}

API size_t enclave_load_data(void *target_address, size_t target_size, const void *source_buffer,
			     uint32_t data_properties, uint32_t *enclave_error)
{
	struct th_sgx_status st = { 0 };
	struct th_err err = { { 0 } };
	uint64_t addr = (uint64_t)(uintptr_t)target_address, secinfo;
	const uint8_t *in = source_buffer;
	struct th_encl *e;
	uint16_t mask;
	size_t done = 0;
	int rc = 0;

	if (!target_address || (addr & (SGX_PAGE_SIZE - 1)) || target_size < SGX_PAGE_SIZE ||
	    target_size % SGX_PAGE_SIZE) {
		set(enclave_error, ENCLAVE_INVALID_PARAMETER);
		return 0;
	}
	if (data_properties & ENCLAVE_PAGE_THREAD_CONTROL)
		secinfo = SGX_SECINFO_TYPE(SGX_PT_TCS);
	else
		secinfo = (data_properties & 0x0707u & ~(uint32_t)ENCLAVE_PAGE_UNVALIDATED) |
			  ENCLAVE_PAGE_REG;
	mask = (data_properties & ENCLAVE_PAGE_UNVALIDATED) ? 0 : 0xffff;

	e = lock_range(addr, target_size);
	if (!e) {
		set(enclave_error, ENCLAVE_INVALID_ADDRESS);
		return 0;
	}
	if (!in && !zero_source()) {
		pthread_mutex_unlock(&api_lock);
		set(enclave_error, ENCLAVE_OUT_OF_MEMORY);
		return 0;
	}
	while (done < target_size) {
		size_t n = (target_size - done) / SGX_PAGE_SIZE;
		const uint8_t *src;

		if (!in) {
			if (n > ZERO_PAGES)
				n = ZERO_PAGES;
			src = zero_pages;
		} else if ((uintptr_t)in & (SGX_PAGE_SIZE - 1)) {
			/* the drivers read whole, page-aligned source pages */
			if (n > BOUNCE_PAGES)
				n = BOUNCE_PAGES;
			memcpy(bounce_buf, in + done, n * SGX_PAGE_SIZE);
			src = bounce_buf;
		} else {
			src = in + done;
		}
		rc = th_encl_add(e, addr - e->base + done, src, n, secinfo, mask, &st, &err);
		if (rc < 0)
			break;
		done += n * SGX_PAGE_SIZE;
	}
	pthread_mutex_unlock(&api_lock);
	if (rc < 0) {
		report(&err, false);
		set(enclave_error, st.code ? st.code : ENCLAVE_UNEXPECTED);
		return 0;
	}
	set(enclave_error, ENCLAVE_ERROR_SUCCESS);
	return target_size;
}

API bool enclave_initialize(void *base_address, const void *info, size_t info_size,
			    uint32_t *enclave_error)
{
	struct th_sgx_status st = { 0 };
	struct th_err err = { { 0 } };
	struct sgx_sigstruct *ss = NULL;
	struct sgx_einittoken *token = NULL;
	struct th_encl *e;
	struct api_extra *x;
	int rc;

	if (!base_address || !info) {
		set(enclave_error, ENCLAVE_INVALID_PARAMETER);
		return false;
	}
	pthread_mutex_lock(&api_lock);
	e = find_exact((uint64_t)(uintptr_t)base_address);
	if (!e) {
		pthread_mutex_unlock(&api_lock);
		set(enclave_error, ENCLAVE_INVALID_ADDRESS);
		return false;
	}
	if (info_size != sizeof(enclave_init_sgx_t)) {
		pthread_mutex_unlock(&api_lock);
		set(enclave_error, ENCLAVE_INVALID_PARAMETER);
		return false;
	}
	if (e->initialized) {
		pthread_mutex_unlock(&api_lock);
		set(enclave_error, ENCLAVE_ALREADY_INITIALIZED);
		return false;
	}
	ss = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	token = aligned_alloc(512, 512);
	if (!ss || !token) {
		rc = th_lfail(&st, &err, "init", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
		goto out;
	}
	memcpy(ss, info, sizeof(*ss));
	memset(token, 0, 512);
	x = extra_of(e);
	rc = 0;
	if (e->be->launch_token) {
		if (x && x->have_token)
			memcpy(token, x->token, sizeof(*token));
		else
			rc = th_token_get(ss, &e->attributes, NULL, token, &st, &err);
	}
	if (rc == 0)
		rc = th_encl_init(e, ss, token, &st, &err);
	if (rc == 0 && x && e->be->launch_token) {
		memcpy(x->token, token, sizeof(*token));
		x->have_token = true;
	}
out:
	pthread_mutex_unlock(&api_lock);
	free(ss);
	free(token);
	if (rc < 0) {
		report(&err, st.code == ENCLAVE_NOT_AUTHORIZED);
		set(enclave_error, st.code ? st.code : ENCLAVE_UNEXPECTED);
		return false;
	}
	set(enclave_error, ENCLAVE_ERROR_SUCCESS);
	return true;
}

API bool enclave_delete(void *base_address, uint32_t *enclave_error)
{
	struct th_encl *e;

	if (!base_address) {
		set(enclave_error, ENCLAVE_INVALID_PARAMETER);
		return false;
	}
	pthread_mutex_lock(&api_lock);
	e = find_exact((uint64_t)(uintptr_t)base_address);
	if (e)
		forget(e);
	pthread_mutex_unlock(&api_lock);
	if (!e) {
		set(enclave_error, ENCLAVE_INVALID_PARAMETER);
		return false;
	}
	th_encl_free(e);
	set(enclave_error, ENCLAVE_ERROR_SUCCESS);
	return true;
}

/*
 * The launch token, the one information type: enclave_get_information copies it out of the
 * enclave (STORE false, *SIZE in/out), enclave_set_information into it (STORE true, *SIZE in).
 */
static bool token_information(void *base_address, uint32_t info_type, void *buf, size_t *size,
			      bool store, uint32_t *enclave_error)
{
	struct th_encl *e;
	struct api_extra *x;
	bool ok = false;

	if (info_type != ENCLAVE_LAUNCH_TOKEN) {
		set(enclave_error, ENCLAVE_NOT_SUPPORTED);
		return false;
	}
	if (store ? !buf || *size < sizeof(struct sgx_einittoken) : !size) {
		set(enclave_error, ENCLAVE_INVALID_PARAMETER);
		return false;
	}
	pthread_mutex_lock(&api_lock);
	e = find_exact((uint64_t)(uintptr_t)base_address);
	x = e ? extra_of(e) : NULL;
	if (!e || (store && !x)) {
		set(enclave_error, ENCLAVE_INVALID_ADDRESS);
	} else if (store && e->initialized) {
		set(enclave_error, ENCLAVE_ALREADY_INITIALIZED);
	} else if (store) {
		/* Used by the isgx driver's EINIT; the others need no token and ignore it. */
		memcpy(x->token, buf, sizeof(x->token));
		x->have_token = true;
		set(enclave_error, ENCLAVE_ERROR_SUCCESS);
		ok = true;
	} else if (!x || !x->have_token) {
		set(enclave_error, ENCLAVE_NOT_SUPPORTED);  /* no token: not an isgx enclave yet */
	} else if (*size < sizeof(x->token) || !buf) {
		*size = sizeof(x->token);
		set(enclave_error, ENCLAVE_INVALID_SIZE);
	} else {
		memcpy(buf, x->token, sizeof(x->token));
		*size = sizeof(x->token);
		set(enclave_error, ENCLAVE_ERROR_SUCCESS);
		ok = true;
	}
	pthread_mutex_unlock(&api_lock);
	return ok;
}

API bool enclave_get_information(void *base_address, uint32_t info_type, void *output_info,
				 size_t *output_info_size, uint32_t *enclave_error)
{
	return token_information(base_address, info_type, output_info, output_info_size, false,
				 enclave_error);
}

API bool enclave_set_information(void *base_address, uint32_t info_type, void *input_info,
				 size_t input_info_size, uint32_t *enclave_error)
{
	return token_information(base_address, info_type, input_info, &input_info_size, true,
				 enclave_error);
}

/*
 * SGX1 when a driver is there (none loads without the CPU's SGX); SGX2 when the driver has
 * the SGX2 ioctls (they answer ENOTTY where absent and ENODEV where the CPU lacks SGX2) and,
 * when CPUID leaf 0x12 reports SGX at all, it reports SGX2 too. A CPUID that reports no SGX
 * beside a working driver (a library under `teehost sim`, whose CPUID is patched in the
 * program only) is not believed over the driver.
 */
API uint32_t enclave_get_features(void)
{
	unsigned a = 0, b, c, d;
	uint32_t f = ENCLAVE_FEATURE_NONE;
	const struct th_backend *be;

	pthread_mutex_lock(&api_lock);
	if (probe(NULL, NULL) < 0) {
		pthread_mutex_unlock(&api_lock);
		return f;
	}
	pthread_mutex_unlock(&api_lock);
	f |= ENCLAVE_FEATURE_SGX1;
	if (__get_cpuid_max(0, NULL) >= 0x12)
		__cpuid_count(0x12, 0, a, b, c, d);
	(void)b; (void)c; (void)d;
	be = th_backend_of(probed.driver);
	if ((!(a & 1) || (a & 2)) && be && be->has_sgx2 && be->has_sgx2(probed.enclave_node))
		f |= ENCLAVE_FEATURE_SGX2;
	return f;
}

static uint32_t fail_code(uint32_t *enclave_error, uint32_t code)
{
	set(enclave_error, code);
	return code;
}

API uint32_t enclave_alloc(void *target_addr, size_t target_size, uint32_t data_properties,
			   uint32_t alloc_flags, uint32_t *enclave_error)
{
	uint64_t addr = (uint64_t)(uintptr_t)target_addr;
	struct th_encl *e;
	int rc;

	(void)data_properties;
	(void)alloc_flags;
	if ((addr & (SGX_PAGE_SIZE - 1)) || !target_size || target_size % SGX_PAGE_SIZE)
		return fail_code(enclave_error, ENCLAVE_INVALID_PARAMETER);
	e = lock_range(addr, target_size);
	if (!e)
		return fail_code(enclave_error, ENCLAVE_INVALID_ADDRESS);
	if (!e->be->augment || !e->be->has_sgx2 || !e->be->has_sgx2(e->node)) {
		/* no SGX2 in the driver (or CPU): a mapping would only fault */
		pthread_mutex_unlock(&api_lock);
		return fail_code(enclave_error, ENCLAVE_NOT_SUPPORTED);
	}
	rc = e->be->augment(e, addr - e->base, target_size, PROT_READ | PROT_WRITE);
	pthread_mutex_unlock(&api_lock);
	return fail_code(enclave_error, rc < 0 ? th_loader_errno_code("map", -rc) : 0);
}

#define PAGE_TYPE_MASK 0xff00u
#define PERM_MASK 0x7u

API uint32_t enclave_modify(void *target_addr, size_t target_size, uint32_t from_data_properties,
			    uint32_t to_data_properties, uint32_t *enclave_error)
{
	uint64_t addr = (uint64_t)(uintptr_t)target_addr, off;
	uint32_t type_from = from_data_properties & PAGE_TYPE_MASK;
	uint32_t type_to = to_data_properties & PAGE_TYPE_MASK;
	uint32_t prot_from = from_data_properties & PERM_MASK, prot_to = to_data_properties & PERM_MASK;
	struct th_encl *e;
	int rc = 0;

	if (target_size % SGX_PAGE_SIZE || (addr & (SGX_PAGE_SIZE - 1)))
		return fail_code(enclave_error, ENCLAVE_INVALID_PARAMETER);
	e = lock_range(addr, target_size);
	if (!e)
		return fail_code(enclave_error, ENCLAVE_INVALID_ADDRESS);
	if (!e->be->modify_type) {
		pthread_mutex_unlock(&api_lock);
		return fail_code(enclave_error, ENCLAVE_NOT_SUPPORTED);
	}
	off = addr - e->base;
	if (type_from == ENCLAVE_PAGE_TRIM && type_to != ENCLAVE_PAGE_TRIM) {
		rc = -EINVAL;
	} else if (prot_to != prot_from && type_to != type_from) {
		rc = -EINVAL;
	} else if (type_from == ENCLAVE_PAGE_TRIM) {
		/* the enclave has EACCEPTed the trim: remove the pages */
		rc = e->be->remove(e, off, target_size);
		if (rc == 0 && prot_to == 0 && mprotect(target_addr, target_size, PROT_NONE) < 0)
			rc = -errno;
	} else if (type_to == ENCLAVE_PAGE_TRIM) {
		rc = e->be->modify_type(e, off, target_size, SGX_PT_TRIM);
	} else if (type_to == ENCLAVE_PAGE_THREAD_CONTROL) {
		rc = type_from != ENCLAVE_PAGE_REG ? -EINVAL :
		     e->be->modify_type(e, off, target_size, SGX_PT_TCS);
	} else if (type_to != type_from) {
		rc = -EINVAL;
	} else if (prot_to == prot_from) {
		if (prot_to == 0 && mprotect(target_addr, target_size, PROT_NONE) < 0)
			rc = -errno;
	} else if (type_from == ENCLAVE_PAGE_REG) {
		rc = e->be->restrict_perm(e, off, target_size, prot_to);
		if (rc == 0 && mprotect(target_addr, target_size,
					prot_to ? (int)th_secinfo_prot(prot_to) : PROT_READ) < 0)
			rc = -errno;
	} else {
		rc = -EINVAL;
	}
	pthread_mutex_unlock(&api_lock);
	return fail_code(enclave_error, rc < 0 ? th_loader_errno_code("modify", -rc) : 0);
}
