/* SPDX-License-Identifier: MIT */
/*
 * The public loader calls: teehost/loader.h's types in, a negative errno out, the reason
 * printed. Loading takes an opened image and SIGSTRUCT bytes; the enclave runs with the
 * attributes the SIGSTRUCT asks for, and isgx launch tokens come from teehost's provider
 * (launch/) unless the caller gives one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "launch/launch.h"
#include "lib/api.h"
#include "sgx/sigstruct.h"
#include "teehost/loader.h"

/* The loader's notes go to the print callback when the caller set no log of its own. */
static void log_to_print(void *ctx, const char *line)
{
	(void)ctx;
	th_api_print(TEEHOST_INFO, "%s\n", line);
}

static int sized_opts(const struct teehost_loader_opts *in, struct teehost_loader_opts *out,
		      const char *func)
{
	struct th_err err = { { 0 } };
	int rc = th_loader_opts_get(in, out, NULL, &err);

	if (rc < 0)
		return th_api_fail(rc, func, NULL, &err);
	if (!out->log)
		out->log = log_to_print;
	return 0;
}

TEEHOST_API int teehost_sgx_probe(const struct teehost_loader_opts *opts,
				  struct teehost_sgx_probe *out)
{
	struct teehost_loader_opts o;
	struct th_err err = { { 0 } };
	int rc = sized_opts(opts, &o, "teehost_sgx_probe");

	if (rc == 0 && (rc = th_sgx_probe(&o, out, NULL, &err)) < 0)
		th_api_fail(rc, "teehost_sgx_probe", NULL, &err);
	return rc;
}

TEEHOST_API int teehost_enclave_load(const struct teehost_image *image, const void *sigstruct,
				     size_t len, const struct teehost_loader_opts *opts,
				     struct teehost_enclave **out)
{
	static const char func[] = "teehost_enclave_load";
	struct teehost_loader_opts o;
	struct th_err err = { { 0 } };
	struct sgx_sigstruct *ss = NULL;
	struct th_plan plan;
	int rc;

	*out = NULL;
	if (!image || !sigstruct) {
		th_fail(&err, EINVAL, image ? "sigstruct" : "image", "NULL");
		return th_api_fail(-EINVAL, func, NULL, &err);
	}
	rc = sized_opts(opts, &o, func);
	if (rc < 0)
		return rc;
	ss = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!ss)
		return th_api_fail(-ENOMEM, func, NULL, &err);
	rc = th_sigstruct_parse(sigstruct, len, ss, &err);
	if (rc < 0) {
		free(ss);
		return th_api_fail(rc, func, "sigstruct", &err);
	}
	/* SECS as the signer asked (INIT is EINIT's to set); the image stays as opened */
	plan = image->img.plan;
	plan.attributes.flags = ss->attributes.flags & ~SGX_ATTR_INIT;
	plan.attributes.xfrm = ss->attributes.xfrm;
	plan.miscselect = ss->miscselect;
	th_launch_opts(&o);
	rc = th_enclave_load(&plan, ss, &o, out, NULL, &err);
	if (rc < 0)
		th_api_fail(rc, func, image->path, &err);
	free(ss);
	return rc;
}

TEEHOST_API int teehost_enclave_enter(struct teehost_enclave *e, size_t tcs_index,
				      struct teehost_enter *io)
{
	struct th_err err = { { 0 } };
	int rc = th_enclave_enter(e, tcs_index, io, &err);

	/* an exception the enclave took is an answer (IO says which), not a failure to report */
	if (rc == -EFAULT)
		th_api_print(TEEHOST_INFO, "teehost_enclave_enter: %s\n", err.msg);
	else if (rc < 0)
		th_api_fail(rc, "teehost_enclave_enter", NULL, &err);
	return rc;
}
