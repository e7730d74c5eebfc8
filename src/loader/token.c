/* SPDX-License-Identifier: MIT */
/*
 * Launch tokens for the legacy isgx driver (no flexible launch control), in the order Intel's
 * common loader looks: the launch enclave itself needs none (its signer is the platform's
 * launch key hash); then Intel's libsgx_launch.so.1 when installed (real hardware with AESM);
 * otherwise teehost runs a launch enclave itself: Intel's production launch enclave
 * (libsgx_le.signed.so with its le_prod_css.bin SIGSTRUCT), loaded through this loader and
 * called with the SDK's ECALL convention: the runtime's initialization ECALL, then ECALL 0,
 * le_get_launch_token_wrapper(mrenclave, mrsigner, attributes, token).
 *
 * Where the launch enclave is: $TEEHOST_LAUNCH_ENCLAVE (the .so) and
 * $TEEHOST_LAUNCH_ENCLAVE_SIGSTRUCT (default: le_prod_css.bin beside it), else Intel PSW's
 * install locations. It is loaded for each token and deleted at once, so no enclave, mapping
 * or fd outlives the request.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/internal.h"
#include "loader/sdk_call.h"
#include "sgx/image.h"
#include "sgx/sigstruct.h"
#include "sgx_enclave_common.h"
#include "util/file.h"

#define LE_ECALL_GET_LAUNCH_TOKEN 0

/* The launch enclave's marshalling structure for le_get_launch_token_wrapper (edger8r). */
struct le_ms_get_token {
	int32_t retval;
	uint32_t pad;
	const uint8_t *mrenclave;
	const uint8_t *mrsigner;
	const struct sgx_attributes *attributes;
	struct sgx_einittoken *token;
};

static const char *const le_default_paths[] = {
	"/usr/lib/x86_64-linux-gnu/libsgx_le.signed.so",
	"/opt/intel/sgxpsw/aesm/libsgx_le.signed.so",
	"/usr/lib/libsgx_le.signed.so",
	NULL,
};

static int from_libsgx_launch(const struct sgx_sigstruct *ss, const struct sgx_attributes *attr,
			      struct sgx_einittoken *token, bool *tried,
			      struct teehost_sgx_status *st, struct th_err *err)
{
	typedef int (*get_launch_token_fn)(const void *css, const void *attributes, void *token);
	uint8_t buf[1024];
	void *h = dlopen("libsgx_launch.so.1", RTLD_NOW | RTLD_LOCAL);
	get_launch_token_fn fn;
	int status;

	*tried = false;
	if (!h)
		return 0;
	fn = (get_launch_token_fn)(uintptr_t)dlsym(h, "get_launch_token");
	if (!fn) {
		dlclose(h);
		return 0;
	}
	*tried = true;
	memset(buf, 0, sizeof(buf));
	status = fn(ss, attr, buf);
	dlclose(h);
	if (status != 0)
		return th_lfail(st, err, "token", status == 0x4004 ? ENCLAVE_NOT_AUTHORIZED :
				ENCLAVE_SERVICE_NOT_AVAILABLE, EPERM,
				"libsgx_launch.so.1: get_launch_token failed with sgx_status_t %#x",
				status);
	memcpy(token, buf, sizeof(*token));
	return 0;
}

static const char *find_le(char *sigpath, size_t len)
{
	const char *so = getenv("TEEHOST_LAUNCH_ENCLAVE"), *sig;

	if (!so || !*so) {
		so = NULL;
		for (int i = 0; le_default_paths[i]; i++)
			if (access(le_default_paths[i], R_OK) == 0) {
				so = le_default_paths[i];
				break;
			}
	}
	if (!so)
		return NULL;
	sig = getenv("TEEHOST_LAUNCH_ENCLAVE_SIGSTRUCT");
	if (sig && *sig) {
		snprintf(sigpath, len, "%s", sig);
	} else {
		char dir[TH_PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", so);
		snprintf(sigpath, len, "%s/le_prod_css.bin", dirname(dir));
	}
	return so;
}

static int from_launch_enclave(const struct sgx_sigstruct *ss, const struct sgx_attributes *attr,
			       const struct teehost_loader_opts *opts, struct sgx_einittoken *token,
			       struct teehost_sgx_status *st, struct th_err *err)
{
	struct teehost_loader_opts lopts = { .sz = sizeof(lopts), .driver = TEEHOST_SGX_ISGX };
	struct teehost_sgx_status lst;
	struct teehost_enclave *le = NULL;
	struct th_image img;
	struct th_image_options iopts;
	struct th_mapped_file cssf;
	struct sgx_sigstruct *css = NULL;
	struct le_ms_get_token ms;
	struct th_err lerr = { { 0 } };
	uint8_t mrsigner[32] __attribute__((aligned(64)));
	uint8_t mrenclave[32] __attribute__((aligned(64)));
	struct sgx_attributes want __attribute__((aligned(16)));
	struct sgx_einittoken out __attribute__((aligned(512)));
	char sigpath[TH_PATH_MAX];
	const char *so = find_le(sigpath, sizeof(sigpath));
	uint64_t status = 0;
	int rc;

	if (!so)
		return th_lfail(st, err, "token", ENCLAVE_SERVICE_NOT_AVAILABLE, ENOENT,
				"no launch token provider: libsgx_launch.so.1 is not installed and "
				"no launch enclave was found (set TEEHOST_LAUNCH_ENCLAVE to "
				"libsgx_le.signed.so, with le_prod_css.bin beside it)");
	if (opts) {
		lopts.root = opts->root;
		lopts.log = opts->log;
		lopts.log_ctx = opts->log_ctx;
	}
	memset(&iopts, 0, sizeof(iopts));
	if (th_image_open(so, &iopts, &img, &lerr) < 0)
		return th_lfail(st, err, "token", ENCLAVE_SERVICE_NOT_AVAILABLE, EINVAL,
				"launch enclave %s: %s", so, lerr.msg);
	css = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!css) {
		th_image_close(&img);
		return th_lfail(st, err, "token", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
	}
	if (th_map_file(sigpath, &cssf, &lerr) < 0 ||
	    th_sigstruct_parse(cssf.data, cssf.size, css, &lerr) < 0) {
		rc = th_lfail(st, err, "token", ENCLAVE_SERVICE_NOT_AVAILABLE, EINVAL,
			      "launch enclave SIGSTRUCT %s: %s", sigpath, lerr.msg);
		goto out;
	}
	th_unmap_file(&cssf);
	img.plan.attributes.flags = css->attributes.flags & ~SGX_ATTR_INIT;
	img.plan.attributes.xfrm = css->attributes.xfrm;
	img.plan.miscselect = css->miscselect;
	th_loader_log(opts, "launch token: running the launch enclave %s", so);
	rc = teehost_enclave_load(&img.plan, css, &lopts, &le, &lst, &lerr);
	if (rc < 0) {
		rc = th_lfail(st, err, "token", ENCLAVE_SERVICE_NOT_AVAILABLE, -rc,
			      "launch enclave %s: %s", so, lerr.msg);
		goto out;
	}
	rc = th_sdk_init(le, 0, img.sdk.copies[img.sdk.used].version_major, &status, &lerr);
	if (rc == 0 && status != 0)
		rc = th_fail(&lerr, EIO, "ecall", "initialization ECALL returned %#llx",
			     (unsigned long long)status);
	if (rc < 0) {
		rc = th_lfail(st, err, "token", ENCLAVE_SERVICE_NOT_AVAILABLE, -rc,
			      "launch enclave %s: %s", so, lerr.msg);
		goto out;
	}
	memcpy(mrenclave, ss->enclave_hash, 32);
	th_sigstruct_mrsigner(ss, mrsigner);
	/* the token names the attributes the enclave will have once initialized */
	want.flags = attr->flags | SGX_ATTR_INIT;
	want.xfrm = attr->xfrm;
	memset(&out, 0, sizeof(out));
	memset(&ms, 0, sizeof(ms));
	ms.mrenclave = mrenclave;
	ms.mrsigner = mrsigner;
	ms.attributes = &want;
	ms.token = &out;
	rc = th_sdk_ecall(le, 0, LE_ECALL_GET_LAUNCH_TOKEN, &ms, &status, &lerr);
	if (rc == 0 && status != 0)
		rc = th_fail(&lerr, EIO, "ecall", "le_get_launch_token_wrapper: sgx_status_t %#llx",
			     (unsigned long long)status);
	if (rc < 0) {
		rc = th_lfail(st, err, "token", ENCLAVE_SERVICE_NOT_AVAILABLE, -rc,
			      "launch enclave %s: %s", so, lerr.msg);
		goto out;
	}
	if (ms.retval != 0) {
		/* the launch enclave refused: white list, attributes (e.g. PROVISIONKEY) */
		rc = th_lfail(st, err, "token", ENCLAVE_NOT_AUTHORIZED, EPERM,
			      "the launch enclave refused a token (ae_error_t %d)%s", ms.retval,
			      attr->flags & SGX_ATTR_DEBUG ? "" :
			      ": a production (non-debug) enclave's signer must be on Intel's "
			      "launch white list");
		goto out;
	}
	memcpy(token, &out, sizeof(*token));
	th_loader_log(opts, "launch token: minted by the launch enclave");
	rc = 0;
out:
	teehost_enclave_destroy(le);
	th_image_close(&img);
	free(css);
	return rc;
}

int th_token_get(const struct sgx_sigstruct *ss, const struct sgx_attributes *attributes,
		 const struct teehost_loader_opts *opts, struct sgx_einittoken *token,
		 struct teehost_sgx_status *st, struct th_err *err)
{
	bool tried;
	int rc;

	memset(token, 0, sizeof(*token));
	/* The launch enclave launches with its own key, without a token. */
	if (attributes->flags & SGX_ATTR_EINITTOKENKEY)
		return 0;
	rc = from_libsgx_launch(ss, attributes, token, &tried, st, err);
	if (tried)
		return rc;
	return from_launch_enclave(ss, attributes, opts, token, st, err);
}
