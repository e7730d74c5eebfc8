/* SPDX-License-Identifier: MIT */
/* struct teehost_image: open, measure and sign any enclave input teehost measure takes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/api.h"
#include "sgx/keys.h"
#include "sgx/sigstruct.h"
#include "sgx/signer.h"
#include "teehost/image.h"
#include "util/sized.h"

_Static_assert(TEEHOST_SIGSTRUCT_SIZE == sizeof(struct sgx_sigstruct), "public SIGSTRUCT size");

TEEHOST_API int teehost_image_open(const char *path, const struct teehost_image_opts *opts,
				   struct teehost_image **out)
{
	struct teehost_image_opts o;
	struct th_image_options iopts;
	struct th_err err = { { 0 } };
	struct teehost_image *img;
	int rc;

	*out = NULL;
	rc = th_sized_copy(opts, &o, sizeof(o), "teehost_image_opts", &err);
	if (rc < 0)
		return th_api_fail(rc, "teehost_image_open", path, &err);
	memset(&iopts, 0, sizeof(iopts));
	if (o.flat)
		iopts.flags |= TH_IMAGE_FLAT;
	iopts.elf.heap_size = o.heap_size;
	img = calloc(1, sizeof(*img));
	if (!img || !(img->path = strdup(path))) {
		free(img);
		return th_api_fail(-ENOMEM, "teehost_image_open", path, &err);
	}
	rc = th_image_open(path, &iopts, &img->img, &err);
	if (rc < 0) {
		free(img->path);
		free(img);
		return th_api_fail(rc, "teehost_image_open", path, &err);
	}
	*out = img;
	return 0;
}

TEEHOST_API void teehost_image_free(struct teehost_image *img)
{
	if (!img)
		return;
	th_image_close(&img->img);
	free(img->path);
	free(img);
}

TEEHOST_API const char *teehost_image_format(const struct teehost_image *img)
{
	return th_plan_format_name(img->img.plan.format);
}

static int check_len(size_t len, size_t want, const char *func, const char *what)
{
	struct th_err err;

	if (len == want)
		return 0;
	th_fail(&err, EINVAL, what, "%zu bytes given, %zu needed", len, want);
	return th_api_fail(-EINVAL, func, NULL, &err);
}

TEEHOST_API int teehost_image_measure(const struct teehost_image *img, uint8_t *mrenclave,
				      size_t len)
{
	struct th_err err = { { 0 } };
	int rc = check_len(len, TEEHOST_MRENCLAVE_SIZE, "teehost_image_measure", "mrenclave");

	if (rc == 0 && (rc = th_plan_measure(&img->img.plan, mrenclave, &err)) < 0)
		th_api_fail(rc, "teehost_image_measure", img->path, &err);
	return rc;
}

TEEHOST_API int teehost_image_sigstruct(const struct teehost_image *img, void *sigstruct,
					size_t len)
{
	struct th_err err;
	int rc = check_len(len, TEEHOST_SIGSTRUCT_SIZE, "teehost_image_sigstruct", "sigstruct");

	if (rc < 0)
		return rc;
	if (!img->img.plan.sigstruct) {
		th_fail(&err, ENOENT, "sigstruct", "the %s input carries no SIGSTRUCT",
			teehost_image_format(img));
		return th_api_fail(-ENOENT, "teehost_image_sigstruct", img->path, &err);
	}
	memcpy(sigstruct, img->img.plan.sigstruct, TEEHOST_SIGSTRUCT_SIZE);
	return 0;
}

/* The signer's choices of OPTS laid over the input's own (an SDK .so's SIGSTRUCT) or ours. */
static void sign_body(const struct teehost_image *img, const struct teehost_sign_opts *o,
		      bool throwaway, struct sgx_sigstruct *ss)
{
	const struct th_plan *plan = &img->img.plan;
	struct th_sign_params p;

	memset(ss, 0, sizeof(*ss));
	if (plan->sigstruct)
		memcpy(ss, plan->sigstruct, sizeof(*ss));
	else
		th_sign_defaults(ss, &plan->attributes, plan->miscselect);
	memset(&p, 0, sizeof(p));
	if (o->isvprodid) {
		p.isv_prod_id = o->isvprodid;
		p.set |= TH_SIGN_ISVPRODID;
	}
	if (o->isvsvn) {
		p.isv_svn = o->isvsvn;
		p.set |= TH_SIGN_ISVSVN;
	}
	if (o->date) {
		p.date = o->date;
		p.set |= TH_SIGN_DATE;
	}
	if (o->debug || throwaway) {
		p.debug = true;
		p.set |= TH_SIGN_DEBUG;
	}
	th_sign_params_apply(ss, &p);
}

TEEHOST_API int teehost_image_sign(const struct teehost_image *img, const char *key_path,
				   const struct teehost_sign_opts *opts, void *sigstruct,
				   size_t len)
{
	static const char func[] = "teehost_image_sign";
	struct teehost_sign_opts o;
	struct th_err err = { { 0 } };
	struct sgx_sigstruct *ss = NULL;
	EVP_PKEY *key = NULL;
	const char *what = img->path;
	int rc;

	rc = check_len(len, TEEHOST_SIGSTRUCT_SIZE, func, "sigstruct");
	if (rc < 0)
		return rc;
	rc = th_sized_copy(opts, &o, sizeof(o), "teehost_sign_opts", &err);
	if (rc < 0)
		return th_api_fail(rc, func, NULL, &err);
	ss = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!ss)
		return th_api_fail(-ENOMEM, func, NULL, &err);
	sign_body(img, &o, !key_path, ss);
	rc = th_plan_measure(&img->img.plan, ss->enclave_hash, &err);
	if (rc == 0) {
		what = key_path ? key_path : "throw-away key";
		rc = key_path ? th_key_load(key_path, &key, &err) : th_key_generate(&key, &err);
	}
	if (rc == 0)
		rc = th_sigstruct_sign(ss, key, &err);
	if (rc == 0)
		memcpy(sigstruct, ss, TEEHOST_SIGSTRUCT_SIZE);
	else
		th_api_fail(rc, func, what, &err);
	th_key_free(key);
	free(ss);
	return rc;
}
