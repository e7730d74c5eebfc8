/* SPDX-License-Identifier: MIT */
/*
 * The loader core: driver probe (Intel's order, overridable), the process checks the drivers
 * impose (READ_IMPLIES_EXEC, /dev mounted noexec), one enclave object driven through a backend
 * table, and the error mapping to the common loader's codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/internal.h"
#include "loader/mountinfo.h"
#include "sgx/dcap_uapi.h"
#include "sgx/plan.h"
#include "sgx/sigstruct.h"
#include "sgx/uapi.h"
#include "sgx_enclave_common.h"

int th_lfail(struct teehost_sgx_status *st, struct th_err *err, const char *step, uint32_t code,
	     int errnum, const char *fmt, ...)
{
	va_list ap;

	if (st) {
		st->code = code;
		st->step = step;
	}
	va_start(ap, fmt);
	th_vfail(err, errnum, step, fmt, ap);
	va_end(ap);
	return -errnum;
}

uint32_t th_loader_errno_code(const char *step, int errnum)
{
	bool epc_step = !strcmp(step, "create") || !strcmp(step, "add");

	switch (errnum) {
	case 0:
		return ENCLAVE_ERROR_SUCCESS;
	case ENOMEM:
		/* ECREATE/EADD run out of EPC; anything else ran out of ordinary memory */
		return epc_step ? ENCLAVE_DEVICE_NO_RESOURCES : ENCLAVE_OUT_OF_MEMORY;
	case EINVAL:
		return ENCLAVE_INVALID_PARAMETER;
	case EEXIST:
		return ENCLAVE_INVALID_ADDRESS;
	case EACCES:
		return ENCLAVE_NOT_AUTHORIZED;
	case EPERM:
		if (!strcmp(step, "open") || !strcmp(step, "probe"))
			return ENCLAVE_NOT_AUTHORIZED;
		if (!strcmp(step, "map") || !strcmp(step, "reserve"))
			return ENCLAVE_MEMORY_MAP_FAILURE;
		return ENCLAVE_UNEXPECTED;
	case EIO:
		return !strcmp(step, "init") ? ENCLAVE_LOST : ENCLAVE_UNEXPECTED;
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case ENOTTY:
		return ENCLAVE_NOT_SUPPORTED;
	default:
		return ENCLAVE_UNEXPECTED;
	}
}

uint32_t th_loader_sgx_code(int sgx_error)
{
	switch (sgx_error) {
	case SGX_SUCCESS:
		return ENCLAVE_ERROR_SUCCESS;
	case SGX_INVALID_SIG_STRUCT:
		return ENCLAVE_INVALID_SIG_STRUCT;
	case SGX_INVALID_SIGNATURE:
		return ENCLAVE_INVALID_SIGNATURE;
	case SGX_INVALID_ATTRIBUTE:
		return ENCLAVE_INVALID_ATTRIBUTE;
	case SGX_INVALID_MEASUREMENT:
		return ENCLAVE_INVALID_MEASUREMENT;
	case SGX_UNMASKED_EVENT:
		return ENCLAVE_RETRY;
	case SGX_INVALID_EINITTOKEN:
		return ENCLAVE_NOT_AUTHORIZED;
	case 0x40000000: /* isgx: power lost */
		return ENCLAVE_LOST;
	case 0x40000002: /* Intel's SGX_INVALID_PRIVILEGE */
		return ENCLAVE_NOT_AUTHORIZED;
	default:
		return ENCLAVE_UNEXPECTED;
	}
}

const char *th_sgx_error_name(int e)
{
	switch (e) {
	case SGX_INVALID_SIG_STRUCT: return "SGX_INVALID_SIG_STRUCT";
	case SGX_INVALID_ATTRIBUTE: return "SGX_INVALID_ATTRIBUTE";
	case SGX_INVALID_MEASUREMENT: return "SGX_INVALID_MEASUREMENT";
	case SGX_INVALID_SIGNATURE: return "SGX_INVALID_SIGNATURE";
	case SGX_INVALID_EINITTOKEN: return "SGX_INVALID_EINITTOKEN";
	case SGX_UNMASKED_EVENT: return "SGX_UNMASKED_EVENT";
	case SGX_INVALID_CPUSVN: return "SGX_INVALID_CPUSVN";
	case SGX_INVALID_ISVSVN: return "SGX_INVALID_ISVSVN";
	case 0x40000000: return "SGX_POWER_LOST_ENCLAVE";
	case 0x40000001: return "SGX_LE_ROLLBACK";
	default: return "SGX error";
	}
}

int th_einit_diagnose(const struct th_encl *e, const struct sgx_sigstruct *ss)
{
	static const uint8_t h1[16] = SGX_SIGSTRUCT_HEADER1, h2[16] = SGX_SIGSTRUCT_HEADER2;
	uint64_t want_flags, have_flags, want_xfrm, have_xfrm;

	/* header1's type dword may carry the debug bit (0x80000000) */
	if (memcmp(ss->header1, h1, 12) || memcmp(ss->header1 + 12, h1 + 12, 3) ||
	    memcmp(ss->header2, h2, 16) || ss->exponent != 3 ||
	    (ss->vendor != 0 && ss->vendor != SGX_SIGSTRUCT_VENDOR_INTEL))
		return SGX_INVALID_SIG_STRUCT;
	if (th_sigstruct_verify(ss, NULL) < 0)
		return SGX_INVALID_SIGNATURE;
	/* a debug signer's SIGSTRUCT (header type bit 31) launches debug enclaves only */
	if ((ss->header1[15] & 0x80) && !(e->attributes.flags & SGX_ATTR_DEBUG))
		return SGX_INVALID_SIG_STRUCT;
	want_flags = ss->attributes.flags & ss->attribute_mask.flags;
	have_flags = e->attributes.flags & ss->attribute_mask.flags;
	want_xfrm = ss->attributes.xfrm & ss->attribute_mask.xfrm;
	have_xfrm = e->attributes.xfrm & ss->attribute_mask.xfrm;
	if (want_flags != have_flags || want_xfrm != have_xfrm ||
	    (ss->miscselect & ss->miscmask) != (e->miscselect & ss->miscmask))
		return SGX_INVALID_ATTRIBUTE;
	if (e->have_mrenclave && memcmp(e->mrenclave, ss->enclave_hash, 32))
		return SGX_INVALID_MEASUREMENT;
	if (!e->have_mrenclave && e->mr_elided)
		return SGX_INVALID_MEASUREMENT;     /* nothing else left on this driver */
	return 0;
}

void th_loader_log(const struct teehost_loader_opts *opts, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!opts || !opts->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	opts->log(opts->log_ctx, line);
}

void th_loader_path(const struct teehost_loader_opts *opts, const char *path, char *out,
		    size_t outlen)
{
	const char *root = opts && opts->root ? opts->root : "";

	snprintf(out, outlen, "%s%s", root, path);
}

int th_secinfo_prot(uint64_t secinfo)
{
	int prot = 0;

	if (th_secinfo_type(secinfo) == SGX_PT_TCS)
		return PROT_READ | PROT_WRITE;
	if (secinfo & SGX_SECINFO_R)
		prot |= PROT_READ;
	if (secinfo & SGX_SECINFO_W)
		prot |= PROT_WRITE;
	if (secinfo & SGX_SECINFO_X)
		prot |= PROT_EXEC;
	return prot;
}

/* ---- driver names ------------------------------------------------------------------------ */

const char *teehost_sgx_driver_name(enum teehost_sgx_driver d)
{
	switch (d) {
	case TEEHOST_SGX_KERNEL: return "kernel";
	case TEEHOST_SGX_DCAP: return "dcap";
	case TEEHOST_SGX_ISGX: return "isgx";
	default: return "none";
	}
}

int teehost_sgx_driver_parse(const char *s, enum teehost_sgx_driver *out)
{
	if (!strcmp(s, "kernel"))
		*out = TEEHOST_SGX_KERNEL;
	else if (!strcmp(s, "dcap"))
		*out = TEEHOST_SGX_DCAP;
	else if (!strcmp(s, "isgx"))
		*out = TEEHOST_SGX_ISGX;
	else
		return -EINVAL;
	return 0;
}

/* ---- probe ------------------------------------------------------------------------------- */

static bool node_exists(const char *path, bool *is_link)
{
	struct stat sb;

	if (is_link)
		*is_link = lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);
	return stat(path, &sb) == 0;
}

/* The process-level conditions every driver since DCAP 1.33 (and the kernel) enforces. */
static int check_process(const struct teehost_loader_opts *opts, const char *node,
			 struct teehost_sgx_status *st, struct th_err *err)
{
	char path[TH_PATH_MAX], *text = NULL;
	struct th_mount m;
	int pers = personality(0xffffffff);

	if (pers != -1 && (pers & READ_IMPLIES_EXEC))
		return th_lfail(st, err, "probe", ENCLAVE_NOT_AUTHORIZED, EACCES,
				"READ_IMPLIES_EXEC process (linked with an executable stack, or "
				"setarch -X): SGX drivers refuse it; relink with -z noexecstack "
				"(readelf -lW PROG | grep GNU_STACK must say RW, not RWE)");
	th_loader_path(opts, "/proc/self/mountinfo", path, sizeof(path));
	{
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		size_t cap = 0, len = 0;

		if (fd < 0)
			return 0; /* no /proc: nothing to say */
		for (;;) {
			ssize_t n;

			if (len + 4096 + 1 > cap) {
				char *t = realloc(text, cap = cap ? cap * 2 : 65536);

				if (!t) {
					free(text);
					close(fd);
					return 0;
				}
				text = t;
			}
			n = read(fd, text + len, cap - len - 1);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		close(fd);
		if (!text)
			return 0;
		text[len] = 0;
	}
	if (th_mountinfo_find(text, node, &m) == 0 && m.noexec) {
		free(text);
		return th_lfail(st, err, "probe", ENCLAVE_MEMORY_MAP_FAILURE, EPERM,
				"%s is on %s, mounted noexec: enclave code cannot be mapped from "
				"it; mount -o remount,exec %s", node, m.mount_point, m.mount_point);
	}
	free(text);
	return 0;
}

static int probe_one(const struct teehost_loader_opts *opts, enum teehost_sgx_driver d,
		     bool forced, struct teehost_sgx_probe *out)
{
	char p[TH_PATH_MAX];
	bool link = false, vdso = out->vdso;

	switch (d) {
	case TEEHOST_SGX_KERNEL:
	case TEEHOST_SGX_DCAP:
		/* Intel's order: /dev/sgx/enclave first, then the flat node */
		th_loader_path(opts, "/dev/sgx/enclave", p, sizeof(p));
		if (node_exists(p, &link)) {
			bool kernel_abi = link || vdso;

			if (d == TEEHOST_SGX_KERNEL && !kernel_abi && !forced)
				break;
			if (d == TEEHOST_SGX_DCAP && kernel_abi && !forced)
				break;
			out->driver = d;
			out->flat_nodes = false;
			snprintf(out->enclave_node, sizeof(out->enclave_node), "%s", p);
			th_loader_path(opts, "/dev/sgx/provision", p, sizeof(p));
			if (!node_exists(p, NULL))
				th_loader_path(opts, "/dev/sgx_provision", p, sizeof(p));
			if (node_exists(p, NULL))
				snprintf(out->provision_node, sizeof(out->provision_node), "%s", p);
			if (d == TEEHOST_SGX_KERNEL)
				snprintf(out->why, sizeof(out->why),
					 "%s is %s and the vDSO %s __vdso_sgx_enter_enclave: the "
					 "in-kernel ABI behind the DCAP-style node",
					 out->enclave_node, link ? "a symlink" : "a device",
					 vdso ? "has" : "lacks");
			else
				snprintf(out->why, sizeof(out->why),
					 "%s is a device node and the vDSO has no "
					 "__vdso_sgx_enter_enclave: the DCAP out-of-tree driver "
					 "(1.30-1.36), entered with the loader's own ENCLU",
					 out->enclave_node);
			return 0;
		}
		if (d == TEEHOST_SGX_DCAP)
			break;
		th_loader_path(opts, "/dev/sgx_enclave", p, sizeof(p));
		if (node_exists(p, NULL)) {
			out->driver = d;
			out->flat_nodes = true;
			snprintf(out->enclave_node, sizeof(out->enclave_node), "%s", p);
			th_loader_path(opts, "/dev/sgx_provision", p, sizeof(p));
			if (node_exists(p, NULL))
				snprintf(out->provision_node, sizeof(out->provision_node), "%s", p);
			snprintf(out->why, sizeof(out->why),
				 "%s exists: the in-kernel driver (Linux 5.11+), entered through "
				 "the vDSO", out->enclave_node);
			return 0;
		}
		break;
	case TEEHOST_SGX_ISGX:
		th_loader_path(opts, "/dev/isgx", p, sizeof(p));
		if (node_exists(p, NULL)) {
			out->driver = d;
			snprintf(out->enclave_node, sizeof(out->enclave_node), "%s", p);
			snprintf(out->why, sizeof(out->why),
				 "%s exists: the legacy out-of-tree driver (no flexible launch "
				 "control): launch tokens, the loader's own ENCLU",
				 out->enclave_node);
			return 0;
		}
		break;
	default:
		break;
	}
	return -ENOENT;
}

int teehost_sgx_probe(const struct teehost_loader_opts *opts, struct teehost_sgx_probe *out,
		      struct teehost_sgx_status *st, struct th_err *err)
{
	struct teehost_loader_opts sized;
	enum teehost_sgx_driver forced;
	const char *env = getenv("TEEHOST_SGX_DRIVER");
	int fd, rc;

	memset(out, 0, sizeof(*out));
	if (st)
		memset(st, 0, sizeof(*st));
	rc = th_loader_opts_get(opts, &sized, st, err);
	if (rc < 0)
		return rc;
	opts = &sized;
	forced = opts->driver;
	out->vdso = th_vdso_lookup("__vdso_sgx_enter_enclave") != NULL;
	if (forced == TEEHOST_SGX_NONE && env && *env &&
	    teehost_sgx_driver_parse(env, &forced) < 0)
		return th_lfail(st, err, "probe", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"TEEHOST_SGX_DRIVER='%s' is not one of kernel, dcap, isgx", env);

	if (forced != TEEHOST_SGX_NONE) {
		rc = probe_one(opts, forced, true, out);
		if (rc < 0) {
			char p[TH_PATH_MAX];

			th_loader_path(opts, forced == TEEHOST_SGX_ISGX ? "/dev/isgx" :
				       forced == TEEHOST_SGX_DCAP ? "/dev/sgx/enclave" :
				       "/dev/sgx_enclave", p, sizeof(p));
			return th_lfail(st, err, "probe", ENCLAVE_NOT_SUPPORTED, ENODEV,
					"driver '%s' was asked for but %s does not exist",
					teehost_sgx_driver_name(forced), p);
		}
		{
			size_t n = strlen(out->why);

			snprintf(out->why + n, sizeof(out->why) - n, " (chosen by %s)",
				 opts && opts->driver ? "request" : "TEEHOST_SGX_DRIVER");
		}
	} else if (probe_one(opts, TEEHOST_SGX_DCAP, false, out) < 0 &&
		   probe_one(opts, TEEHOST_SGX_KERNEL, false, out) < 0 &&
		   probe_one(opts, TEEHOST_SGX_ISGX, false, out) < 0) {
		char p[TH_PATH_MAX];

		th_loader_path(opts, "/dev/sgx", p, sizeof(p));
		if (node_exists(p, NULL)) {
			struct stat sb;

			if (stat(p, &sb) == 0 && S_ISCHR(sb.st_mode))
				return th_lfail(st, err, "probe", ENCLAVE_NOT_SUPPORTED, ENODEV,
						"%s is a DCAP driver older than 1.30, whose ABI "
						"teehost does not speak; install the in-kernel "
						"driver (Linux 5.11+) or DCAP 1.30+", p);
		}
		return th_lfail(st, err, "probe", ENCLAVE_NOT_SUPPORTED, ENODEV,
				"no SGX device: no /dev/sgx/enclave, /dev/sgx_enclave or /dev/isgx "
				"(SGX off in firmware, no driver, or no CONFIG_X86_SGX; see "
				"'teehost check')");
	}

	fd = open(out->enclave_node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM)
			return th_lfail(st, err, "probe", ENCLAVE_NOT_AUTHORIZED, e,
					"%s: permission denied: add the user to the group that "
					"owns it (usually 'sgx': usermod -aG sgx USER) or install "
					"teehost's udev rules", out->enclave_node);
		return th_lfail(st, err, "probe", th_loader_errno_code("open", e), e,
				"%s: %s", out->enclave_node, strerror(e));
	}
	close(fd);
	return check_process(opts, out->enclave_node, st, err);
}

/* ---- the enclave object ------------------------------------------------------------------ */

const struct th_backend *th_backend_of(enum teehost_sgx_driver d)
{
	switch (d) {
	case TEEHOST_SGX_KERNEL: return &th_backend_kernel;
	case TEEHOST_SGX_DCAP: return &th_backend_dcap;
	case TEEHOST_SGX_ISGX: return &th_backend_isgx;
	default: return NULL;
	}
}

void th_encl_free(struct th_encl *e)
{
	if (!e)
		return;
	if (e->be)
		e->be->destroy(e);
	if (e->mr) {
		th_mr_abort(e->mr);
		free(e->mr);
	}
	free(e->regions);
	free(e->tcs);
	free(e->tcs_busy);
	free(e);
}

int th_encl_create(const struct teehost_loader_opts *opts, const struct teehost_sgx_probe *pr,
		   struct sgx_secs *secs, uint64_t fixed_base, struct th_encl **out,
		   struct teehost_sgx_status *st, struct th_err *err)
{
	struct th_encl *e;
	int rc;

	*out = NULL;
	if (!secs->size || (secs->size & (secs->size - 1)) || secs->size < 2 * SGX_PAGE_SIZE)
		return th_lfail(st, err, "create", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"SECS.SIZE %#llx is not a power of two of at least 8 KiB",
				(unsigned long long)secs->size);
	if (fixed_base & (secs->size - 1))
		return th_lfail(st, err, "create", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"base %#llx is not aligned to SECS.SIZE %#llx",
				(unsigned long long)fixed_base, (unsigned long long)secs->size);
	e = calloc(1, sizeof(*e));
	if (!e)
		return th_lfail(st, err, "create", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
	e->fd = -1;
	e->driver = pr->driver;
	e->be = th_backend_of(pr->driver);
	e->opts = opts;
	e->size = secs->size;
	e->base = fixed_base;
	e->attributes = secs->attributes;
	e->miscselect = secs->miscselect;
	e->ssa_frame_size = secs->ssa_frame_size;
	snprintf(e->node, sizeof(e->node), "%s", pr->enclave_node);
	snprintf(e->provision_node, sizeof(e->provision_node), "%s", pr->provision_node);
	if (pr->vdso)
		e->vdso_enter = th_vdso_lookup("__vdso_sgx_enter_enclave");
	if (!e->be) {
		free(e);
		return th_lfail(st, err, "create", ENCLAVE_NOT_SUPPORTED, ENODEV, "no driver");
	}
	if (opts && opts->measure) {
		e->mr = malloc(sizeof(*e->mr));
		if (!e->mr || th_mr_init(e->mr, secs->ssa_frame_size, secs->size) < 0) {
			free(e->mr);
			e->mr = NULL;
		}
	}
	rc = e->be->create(e, secs, st, err);
	if (rc < 0) {
		e->be = NULL;   /* the backend cleaned up after itself */
		th_encl_free(e);
		return rc;
	}
	if ((secs->attributes.flags & SGX_ATTR_PROVISIONKEY) && e->be->provision) {
		struct th_err perr;

		if (e->be->provision(e, &perr) < 0)
			th_loader_log(opts, "provision key access not granted (%s); EINIT will "
				      "refuse unless the driver allows this signer", perr.msg);
	}
	th_loader_log(opts, "%s: ECREATE base %#llx size %#llx attributes %#llx/%#llx",
		      e->be->name, (unsigned long long)e->base, (unsigned long long)e->size,
		      (unsigned long long)e->attributes.flags,
		      (unsigned long long)e->attributes.xfrm);
	*out = e;
	return 0;
}

static int note_region(struct th_encl *e, uint64_t off, uint64_t len, int prot)
{
	struct th_region *r = e->nregions ? &e->regions[e->nregions - 1] : NULL;

	if (r && r->prot == prot && r->off + r->len == off) {
		r->len += len;
		return 0;
	}
	if (e->nregions == e->regions_cap) {
		size_t cap = e->regions_cap ? e->regions_cap * 2 : 16;
		struct th_region *n = realloc(e->regions, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->regions = n;
		e->regions_cap = cap;
	}
	e->regions[e->nregions++] = (struct th_region){ off, len, prot };
	return 0;
}

static int note_tcs(struct th_encl *e, uint64_t addr)
{
	if (e->ntcs == e->tcs_cap) {
		size_t cap = e->tcs_cap ? e->tcs_cap * 2 : 8;
		uint64_t *t = realloc(e->tcs, cap * sizeof(*t));
		atomic_int *b;

		if (!t)
			return -ENOMEM;
		e->tcs = t;
		b = realloc(e->tcs_busy, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		e->tcs_busy = b;
		e->tcs_cap = cap;
	}
	e->tcs[e->ntcs] = addr;
	atomic_init(&e->tcs_busy[e->ntcs], 0);
	e->ntcs++;
	return 0;
}

int th_encl_add(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		uint64_t secinfo, uint16_t mask, struct teehost_sgx_status *st, struct th_err *err)
{
	int rc;

	if (e->initialized)
		return th_lfail(st, err, "add", ENCLAVE_ALREADY_INITIALIZED, EINVAL,
				"the enclave is already initialized");
	if ((off & (SGX_PAGE_SIZE - 1)) || off >= e->size || npages > (e->size - off) / SGX_PAGE_SIZE)
		return th_lfail(st, err, "add", ENCLAVE_INVALID_ADDRESS, EINVAL,
				"pages [%#llx, +%llu) are outside the enclave",
				(unsigned long long)off, (unsigned long long)npages);
	rc = e->be->add(e, off, src, npages, secinfo, mask, st, err);
	if (rc < 0)
		return rc;
	if (e->mr)
		for (uint64_t i = 0; i < npages; i++)
			th_mr_add_page(e->mr, off + i * SGX_PAGE_SIZE, secinfo,
				       src + i * SGX_PAGE_SIZE, mask);
	e->pages_added += npages;
	if (note_region(e, off, npages * SGX_PAGE_SIZE, th_secinfo_prot(secinfo)) < 0)
		return th_lfail(st, err, "add", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
	if (th_secinfo_type(secinfo) == SGX_PT_TCS)
		for (uint64_t i = 0; i < npages; i++)
			if (note_tcs(e, e->base + off + i * SGX_PAGE_SIZE) < 0)
				return th_lfail(st, err, "add", ENCLAVE_OUT_OF_MEMORY, ENOMEM,
						"out of memory");
	return 0;
}

int th_encl_init(struct th_encl *e, const struct sgx_sigstruct *ss,
		 const struct sgx_einittoken *token, struct teehost_sgx_status *st,
		 struct th_err *err)
{
	int rc;

	if (e->initialized)
		return th_lfail(st, err, "init", ENCLAVE_ALREADY_INITIALIZED, EINVAL,
				"the enclave is already initialized");
	/* Map what was added (DCAP maps only added pages; the kernel refuses PROT_NONE). */
	for (size_t i = 0; i < e->nregions; i++) {
		rc = e->be->map(e, e->regions[i].off, e->regions[i].len, e->regions[i].prot, st,
				err);
		if (rc < 0)
			return rc;
	}
	e->nregions = 0;
	if (e->mr && !e->have_mrenclave) {
		if (th_mr_final(e->mr, e->mrenclave) == 0)
			e->have_mrenclave = true;
		free(e->mr);
		e->mr = NULL;
	}
	rc = e->be->init(e, ss, token, st, err);
	if (rc > 0) {
		uint32_t code = th_loader_sgx_code(rc);

		if (st)
			st->sgx_error = rc;
		return th_lfail(st, err, "init", code, EPERM, "EINIT failed: %s (%d)%s",
				th_sgx_error_name(rc), rc,
				rc == SGX_INVALID_MEASUREMENT ?
				": the SIGSTRUCT's ENCLAVEHASH is not this enclave's MRENCLAVE" :
				rc == SGX_INVALID_ATTRIBUTE ?
				": SECS attributes/MISCSELECT differ from the SIGSTRUCT's under its masks" :
				rc == SGX_INVALID_SIGNATURE ? ": the SIGSTRUCT's RSA signature is bad" :
				rc == SGX_INVALID_EINITTOKEN ? ": the launch token was refused" : "");
	}
	if (rc < 0)
		return rc;
	e->initialized = true;
	th_loader_log(e->opts, "%s: EINIT ok, %llu pages, %zu TCS", e->be->name,
		      (unsigned long long)e->pages_added, e->ntcs);
	return 0;
}

/* ---- teehost API ------------------------------------------------------------------------- */

struct teehost_enclave {
	struct th_encl *e;
};

TEEHOST_API int teehost_enclave_load(const struct th_plan *plan, const struct sgx_sigstruct *ss,
				     const struct teehost_loader_opts *opts,
				     struct teehost_enclave **out, struct teehost_sgx_status *st,
				     struct th_err *err)
{
	struct teehost_sgx_probe pr;
	struct sgx_secs *secs = NULL;
	struct sgx_einittoken *token = NULL;
	struct th_encl *e = NULL;
	struct teehost_enclave *h = NULL;
	uint8_t *batch = NULL;
	const size_t batch_pages = 256;
	int rc;

	struct teehost_loader_opts sized;

	*out = NULL;
	if (st)
		memset(st, 0, sizeof(*st));
	rc = th_loader_opts_get(opts, &sized, st, err);
	if (rc < 0)
		return rc;
	opts = &sized;
	if (!plan->finalized)
		return th_lfail(st, err, "load", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"the page plan is not finalized");
	rc = teehost_sgx_probe(opts, &pr, st, err);
	if (rc < 0)
		return rc;
	th_loader_log(opts, "driver %s: %s", teehost_sgx_driver_name(pr.driver), pr.why);

	secs = aligned_alloc(SGX_PAGE_SIZE, sizeof(*secs));
	batch = aligned_alloc(SGX_PAGE_SIZE, batch_pages * SGX_PAGE_SIZE);
	h = calloc(1, sizeof(*h));
	if (!secs || !batch || !h) {
		rc = th_lfail(st, err, "load", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
		goto fail;
	}
	memset(secs, 0, sizeof(*secs));
	secs->size = plan->size;
	secs->base = plan->base;
	secs->ssa_frame_size = plan->ssa_frame_size;
	secs->miscselect = plan->miscselect;
	secs->attributes = plan->attributes;
	rc = th_encl_create(opts, &pr, secs, plan->base, &e, st, err);
	if (rc < 0)
		goto fail;

	for (size_t r = 0; r < plan->nruns; r++) {
		const struct th_plan_run *run = &plan->runs[r];

		if (run->dynamic)
			continue;
		for (uint64_t i = 0; i < run->npages; ) {
			uint64_t n = run->npages - i;

			if (n > batch_pages)
				n = batch_pages;
			const uint8_t *src = batch, *first = NULL;
			bool direct = true;

			/* Pages straight from a page-aligned input go to the driver as they are;
			 * composed (patched, filled) or unaligned ones through the batch buffer. */
			for (uint64_t k = 0; k < n; k++) {
				uint8_t *dst = batch + k * SGX_PAGE_SIZE;
				const uint8_t *pg = th_plan_page(plan, run, i + k, dst);

				if (k == 0)
					first = pg;
				if (pg == dst || ((uintptr_t)pg & (SGX_PAGE_SIZE - 1)) ||
				    pg != first + k * SGX_PAGE_SIZE) {
					if (direct)
						for (uint64_t j = 0; j < k; j++)
							memcpy(batch + j * SGX_PAGE_SIZE,
							       first + j * SGX_PAGE_SIZE, SGX_PAGE_SIZE);
					direct = false;
				}
				if (!direct && pg != dst)
					memcpy(dst, pg, SGX_PAGE_SIZE);
			}
			if (direct)
				src = first;
			rc = th_encl_add(e, run->offset + i * SGX_PAGE_SIZE, src, n, run->secinfo,
					 run->measure_mask, st, err);
			if (rc < 0)
				goto fail;
			i += n;
		}
	}
	if (e->driver == TEEHOST_SGX_ISGX) {
		token = aligned_alloc(512, 512);
		if (!token) {
			rc = th_lfail(st, err, "token", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
			goto fail;
		}
		memset(token, 0, 512);
		if (opts && opts->einittoken)
			memcpy(token, opts->einittoken, sizeof(*token));
		else if ((rc = th_token_get(ss, &e->attributes, opts, token, st, err)) < 0)
			goto fail;
	}
	rc = th_encl_init(e, ss, token, st, err);
	if (rc == -EPERM && !e->have_mrenclave && (!st || !st->sgx_error) &&
	    th_plan_measure(plan, e->mrenclave, NULL) == 0) {
		/* the driver did not say why and no running measure was kept: name it now */
		int why;

		e->have_mrenclave = true;
		why = th_einit_diagnose(e, ss);
		if (why > 0) {
			if (st)
				st->sgx_error = why;
			rc = th_lfail(st, err, "init", th_loader_sgx_code(why), EPERM,
				      "EINIT refused: %s%s", th_sgx_error_name(why),
				      why == SGX_INVALID_MEASUREMENT ?
				      ": the SIGSTRUCT's ENCLAVEHASH is not this enclave's MRENCLAVE" :
				      why == SGX_INVALID_ATTRIBUTE ?
				      ": SECS attributes/MISCSELECT differ from the SIGSTRUCT's under "
				      "its masks" : "");
		}
	}
	if (rc < 0)
		goto fail;
	h->e = e;
	*out = h;
	e->opts = NULL;
	free(secs);
	free(batch);
	free(token);
	return 0;
fail:
	th_encl_free(e);
	free(h);
	free(secs);
	free(batch);
	free(token);
	return rc;
}

TEEHOST_API uint64_t teehost_enclave_base(const struct teehost_enclave *h) { return h->e->base; }
TEEHOST_API uint64_t teehost_enclave_size(const struct teehost_enclave *h) { return h->e->size; }
TEEHOST_API size_t teehost_enclave_tcs_count(const struct teehost_enclave *h) { return h->e->ntcs; }
TEEHOST_API uint64_t teehost_enclave_tcs(const struct teehost_enclave *h, size_t i)
{
	return i < h->e->ntcs ? h->e->tcs[i] : 0;
}
TEEHOST_API enum teehost_sgx_driver teehost_enclave_driver(const struct teehost_enclave *h)
{
	return h->e->driver;
}
TEEHOST_API uint64_t teehost_enclave_pages_added(const struct teehost_enclave *h)
{
	return h->e->pages_added;
}

TEEHOST_API int teehost_enclave_enter(struct teehost_enclave *h, size_t tcs_index,
				      struct teehost_enter *io, struct th_err *err)
{
	struct th_encl *e = h->e;
	int expect = 0, rc;

	io->exception = false;
	io->leaf = 0;
	io->vector = io->error_code = 0;
	io->address = 0;
	if (tcs_index >= e->ntcs)
		return th_fail(err, EINVAL, "enter", "no TCS %zu (the enclave has %zu)", tcs_index,
			       e->ntcs);
	if (!e->initialized)
		return th_fail(err, EINVAL, "enter", "the enclave is not initialized");
	/* A TCS serves one thread at a time; EENTER on a busy one would #GP. */
	if (!atomic_compare_exchange_strong(&e->tcs_busy[tcs_index], &expect, 1))
		return th_fail(err, EBUSY, "enter", "TCS %zu (%#llx) is busy: another thread is "
			       "inside the enclave on it", tcs_index,
			       (unsigned long long)e->tcs[tcs_index]);
	if (!e->be->own_entry && e->vdso_enter)
		rc = th_enter_vdso(e, e->tcs[tcs_index], io);
	else
		rc = th_enter_enclu(e, e->tcs[tcs_index], io);
	atomic_store(&e->tcs_busy[tcs_index], 0);
	if (rc < 0)
		return th_fail(err, -rc, "enter", "ENCLU could not be attempted (%s)", strerror(-rc));
	if (io->exception) {
		if (io->leaf == SGX_EENTER && io->vector == 13)
			return th_fail(err, EBUSY, "enter", "EENTER raised #GP on TCS %#llx: busy "
				       "(entered by another thread or process) or not a TCS",
				       (unsigned long long)e->tcs[tcs_index]);
		return th_fail(err, EFAULT, "enter", "the enclave took exception vector %u "
			       "(error code %#x, address %#llx) in %s", io->vector, io->error_code,
			       (unsigned long long)io->address,
			       io->leaf == SGX_EENTER ? "EENTER" : "the enclave");
	}
	return 0;
}

TEEHOST_API void teehost_enclave_destroy(struct teehost_enclave *h)
{
	if (!h)
		return;
	th_encl_free(h->e);
	free(h);
}

/* The DCAP driver took the in-kernel ADD_PAGES layout; th_add_pages_ioctl relies on it. */
_Static_assert(sizeof(struct dcap_enclave_add_pages) == sizeof(struct sgx_enclave_add_pages) &&
	       offsetof(struct dcap_enclave_add_pages, count) ==
	       offsetof(struct sgx_enclave_add_pages, count),
	       "DCAP and in-kernel ADD_PAGES share one layout");

int th_add_pages_ioctl(struct th_encl *e, unsigned long request, const char *name,
		       uint64_t measure_flag, uint64_t off, const uint8_t *src, uint64_t npages,
		       uint64_t secinfo_flags, uint16_t mask, struct teehost_sgx_status *st,
		       struct th_err *err)
{
	struct sgx_secinfo secinfo;
	struct sgx_enclave_add_pages a;

	if (mask != 0 && mask != 0xffff)
		return th_lfail(st, err, "add", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"page at %#llx measures only some 256-byte chunks (mask %#x); "
				"this driver measures whole pages or none",
				(unsigned long long)off, mask);
	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = secinfo_flags;
	memset(&a, 0, sizeof(a));
	a.src = (uint64_t)(uintptr_t)src;
	a.offset = off;
	a.length = npages * SGX_PAGE_SIZE;
	a.secinfo = (uint64_t)(uintptr_t)&secinfo;
	a.flags = mask ? measure_flag : 0;
	while (a.length) {
		a.count = 0;
		if (ioctl(e->fd, request, &a) < 0 && a.count == 0) {
			int en = errno;

			/* interrupted or EPC reclaim in progress: the driver asks to retry */
			if (en == EINTR || en == EAGAIN || en == EBUSY)
				continue;
			return th_lfail(st, err, "add", th_loader_errno_code("add", en), en,
					"%s at offset %#llx: %s%s", name,
					(unsigned long long)a.offset, strerror(en),
					en == ENOMEM ? " (out of EPC)" : "");
		}
		a.src += a.count;
		a.offset += a.count;
		a.length -= a.count;
	}
	return 0;
}

int th_map_device(struct th_encl *e, uint64_t off, uint64_t len, int prot,
		  struct teehost_sgx_status *st, struct th_err *err)
{
	void *p = mmap(e->resv + off, len, prot, MAP_SHARED | MAP_FIXED, e->fd, 0);

	if (p == MAP_FAILED) {
		int en = errno;

		return th_lfail(st, err, "map", th_loader_errno_code("map", en), en,
				"mmap of [%#llx, +%#llx) prot %d: %s%s",
				(unsigned long long)(e->base + off), (unsigned long long)len, prot,
				strerror(en),
				en == EPERM ? " (is /dev mounted noexec?)" :
				en == EACCES ? " (READ_IMPLIES_EXEC process, a page not added, or "
					       "protections above the pages' EPCM permissions)" : "");
	}
	return 0;
}
