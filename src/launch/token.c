/* SPDX-License-Identifier: MIT */
/*
 * Launch tokens for the legacy isgx driver (no flexible launch control): teehost's provider
 * for teehost_loader_opts.launch_token, above the loader core (which only asks for a token).
 * In the order Intel's common loader looks: the launch enclave itself needs none (its signer is the platform's
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
 *
 * Intel's launch enclave gives a production (non-debug) enclave a token only once a white
 * list of signers has been registered with it (otherwise LE_WHITELIST_UNINITIALIZED_ERROR):
 * AESM does that first, ECALL 1 le_init_white_list_wrapper with Intel's signed white list
 * certificate chain, which the enclave verifies itself. We do the same with the first of
 * $TEEHOST_LAUNCH_WHITE_LIST, white_list_cert.bin or white_list_cert_to_be_verify.bin beside
 * the launch enclave, and AESM's own copies, that exists.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch/launch.h"
#include "launch/sdk_call.h"
#include "loader/internal.h"
#include "sgx/image.h"
#include "sgx/sigstruct.h"
#include "sgx_enclave_common.h"
#include "util/file.h"

#define LE_ECALL_GET_LAUNCH_TOKEN 0
#define LE_ECALL_INIT_WHITE_LIST 1
#define LE_WHITE_LIST_ALREADY_UPDATED 213       /* ae_error_t: an equal or newer one is cached */
#define LE_WHITE_LIST_MAX (1u << 20)            /* the enclave takes at most 512 signers */

/* The launch enclave's marshalling structure for le_get_launch_token_wrapper (edger8r). */
struct le_ms_get_token {
	int32_t retval;
	uint32_t pad;
	const uint8_t *mrenclave;
	const uint8_t *mrsigner;
	const struct sgx_attributes *attributes;
	struct sgx_einittoken *token;
};

/* The launch enclave's marshalling structure for le_init_white_list_wrapper (edger8r). */
struct le_ms_init_white_list {
	uint32_t retval;
	uint32_t pad;
	const uint8_t *wl_cert_chain;
	uint32_t wl_cert_chain_size;
	uint32_t pad2;
};
_Static_assert(sizeof(struct le_ms_init_white_list) == 24, "le_init_white_list_wrapper ms");
_Static_assert(offsetof(struct le_ms_init_white_list, wl_cert_chain) == 8, "wl_cert_chain");
_Static_assert(offsetof(struct le_ms_init_white_list, wl_cert_chain_size) == 16, "size");

/* AESM's white list: the verified copy it keeps, then the one its package ships */
static const char *const wl_default_paths[] = {
	"/var/opt/aesmd/data/white_list_cert.bin",
	"/var/opt/aesmd/data/white_list_cert_to_be_verify.bin",
	"/opt/intel/sgxpsw/aesm/data/white_list_cert_to_be_verify.bin",
	NULL,
};

static const char *const le_default_paths[] = {
	"/usr/lib/x86_64-linux-gnu/libsgx_le.signed.so",
	"/opt/intel/sgxpsw/aesm/libsgx_le.signed.so",
	"/usr/lib/libsgx_le.signed.so",
	NULL,
};

typedef int (*get_launch_token_fn)(const void *css, const void *attributes, void *token);

static pthread_once_t libsgx_launch_once = PTHREAD_ONCE_INIT;
static get_launch_token_fn libsgx_launch_get_token;

/*
 * Looked up once and kept, as Intel's common loader keeps it: AESM's client library pulls in
 * libprotobuf, and loading and unloading that for every token would cost each enclave load a
 * millisecond or more.
 */
static void libsgx_launch_open(void)
{
	void *h = dlopen("libsgx_launch.so.1", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
	libsgx_launch_get_token = (get_launch_token_fn)(uintptr_t)dlsym(h, "get_launch_token");
	if (!libsgx_launch_get_token)
		dlclose(h);
}

static int from_libsgx_launch(const struct sgx_sigstruct *ss, const struct sgx_attributes *attr,
			      struct sgx_einittoken *token, bool *tried,
			      struct th_sgx_status *st, struct th_err *err)
{
	uint8_t buf[1024];
	int status;

	pthread_once(&libsgx_launch_once, libsgx_launch_open);
	*tried = libsgx_launch_get_token != NULL;
	if (!*tried)
		return 0;
	memset(buf, 0, sizeof(buf));
	status = libsgx_launch_get_token(ss, attr, buf);
	if (status != 0)
		return th_lfail(st, err, "token", status == 0x4004 ? ENCLAVE_NOT_AUTHORIZED :
				ENCLAVE_SERVICE_NOT_AVAILABLE, status == 0x4004 ? EPERM : EIO,
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

/* The white list file for the launch enclave at LE_SO, in WL_PATH; false when there is none. */
static bool find_white_list(const char *le_so, char *wl_path, size_t len)
{
	static const char *const beside[] = { "white_list_cert.bin", "white_list_cert_to_be_verify.bin" };
	const char *v = getenv("TEEHOST_LAUNCH_WHITE_LIST");
	char dir[TH_PATH_MAX];

	if (v && *v) {
		snprintf(wl_path, len, "%s", v);
		return true;
	}
	snprintf(dir, sizeof(dir), "%s", le_so);
	dirname(dir);
	for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		int n = snprintf(wl_path, len, "%s/%s", dir, beside[i]);

		if (n > 0 && (size_t)n < len && access(wl_path, R_OK) == 0)
			return true;
	}
	for (int i = 0; wl_default_paths[i]; i++)
		if (access(wl_default_paths[i], R_OK) == 0) {
			snprintf(wl_path, len, "%s", wl_default_paths[i]);
			return true;
		}
	return false;
}

/*
 * Register the white list with a fresh launch enclave, as AESM does before its first token
 * request. Failing that is not fatal: debug enclaves need no white list, and a production
 * one is then refused by the enclave itself, with the reason in the log.
 */
static void register_white_list(struct teehost_enclave *le, const char *le_so,
				 const struct teehost_loader_opts *opts)
{
	struct le_ms_init_white_list ms;
	struct th_mapped_file wl;
	struct th_err werr = { { 0 } };
	char path[TH_PATH_MAX];
	uint64_t status = 0;
	uint8_t *copy;

	if (!find_white_list(le_so, path, sizeof(path))) {
		th_loader_log(opts, "launch token: no launch white list found (set TEEHOST_LAUNCH_WHITE_LIST)");
		return;
	}
	if (th_map_file(path, &wl, &werr) < 0) {
		th_loader_log(opts, "launch token: white list %s: %s", path, werr.msg);
		return;
	}
	if (wl.size == 0 || wl.size > LE_WHITE_LIST_MAX) {
		th_loader_log(opts, "launch token: white list %s: size %zu is not a white list", path,
			      wl.size);
		th_unmap_file(&wl);
		return;
	}
	/* the ECALL's [in, size] buffer: a private copy, so the file may change meanwhile */
	copy = malloc(wl.size);
	if (!copy) {
		th_unmap_file(&wl);
		return;
	}
	memcpy(copy, wl.data, wl.size);
	memset(&ms, 0, sizeof(ms));
	ms.wl_cert_chain = copy;
	ms.wl_cert_chain_size = (uint32_t)wl.size;
	if (th_sdk_ecall(le, 0, LE_ECALL_INIT_WHITE_LIST, &ms, &status, &werr) < 0)
		th_loader_log(opts, "launch token: white list %s: %s", path, werr.msg);
	else if (status != 0)
		th_loader_log(opts, "launch token: white list %s: le_init_white_list_wrapper: "
			      "sgx_status_t %#llx", path, (unsigned long long)status);
	else if (ms.retval != 0 && ms.retval != LE_WHITE_LIST_ALREADY_UPDATED)
		th_loader_log(opts, "launch token: white list %s: the launch enclave rejected it "
			      "(ae_error_t %u)", path, ms.retval);
	else
		th_loader_log(opts, "launch token: white list %s registered", path);
	free(copy);
	th_unmap_file(&wl);
}

static int from_launch_enclave(const struct sgx_sigstruct *ss, const struct sgx_attributes *attr,
			       const struct teehost_loader_opts *opts, struct sgx_einittoken *token,
			       struct th_sgx_status *st, struct th_err *err)
{
	struct teehost_loader_opts lopts = { .sz = sizeof(lopts), .driver = TEEHOST_SGX_ISGX };
	struct th_sgx_status lst;
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
	rc = th_enclave_load(&img.plan, css, &lopts, &le, &lst, &lerr);
	if (rc < 0)
		goto le_failed;
	rc = th_sdk_init(le, 0, img.sdk.copies[img.sdk.used].version_major, &status, &lerr);
	if (rc == 0 && status != 0)
		rc = th_fail(&lerr, EIO, "ecall", "initialization ECALL returned %#llx",
			     (unsigned long long)status);
	if (rc < 0)
		goto le_failed;
	if (!(attr->flags & SGX_ATTR_DEBUG))
		register_white_list(le, so, opts);
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
	if (rc < 0)
		goto le_failed;
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
	goto out;
le_failed:
	/* loading, initializing or asking the launch enclave failed: LERR says which step */
	rc = th_lfail(st, err, "token", ENCLAVE_SERVICE_NOT_AVAILABLE, -rc,
		      "launch enclave %s: %s", so, lerr.msg);
out:
	teehost_enclave_destroy(le);
	th_image_close(&img);
	free(css);
	return rc;
}

int th_token_get(const struct sgx_sigstruct *ss, const struct sgx_attributes *attributes,
		 const struct teehost_loader_opts *opts, struct sgx_einittoken *token,
		 struct th_sgx_status *st, struct th_err *err)
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

int th_launch_token(void *ctx, struct teehost_token_request *req)
{
	const struct sgx_attributes attributes = { .flags = req->attributes, .xfrm = req->xfrm };
	struct th_err err = { { 0 } };
	static const char field[] = "token: ";
	int rc;

	rc = th_token_get(req->sigstruct, &attributes, ctx, req->token, NULL, &err);
	if (rc < 0)
		snprintf(req->msg, sizeof(req->msg), "%s", strncmp(err.msg, field, strlen(field)) ?
			 err.msg : err.msg + strlen(field));
	return rc;
}

void th_launch_opts(struct teehost_loader_opts *out)
{
	if (!out->launch_token) {
		out->launch_token = th_launch_token;
		out->launch_token_ctx = out;
	}
}

int th_launch_load(const struct th_plan *plan, const struct sgx_sigstruct *ss,
		   const struct teehost_loader_opts *opts, struct teehost_enclave **out,
		   struct th_sgx_status *st, struct th_err *err)
{
	struct teehost_loader_opts sized;
	int rc;

	*out = NULL;
	rc = th_loader_opts_get(opts, &sized, st, err);
	if (rc < 0)
		return rc;
	th_launch_opts(&sized);
	return th_enclave_load(plan, ss, &sized, out, st, err);
}
