/* SPDX-License-Identifier: MIT */
/*
 * The driver probe: ask each backend, in Intel's order (DCAP's /dev/sgx/enclave, the kernel's
 * nodes, isgx), whether its driver is behind the device nodes, or take the one the user forced;
 * then open-test the node and check the process can use enclaves at all (READ_IMPLIES_EXEC,
 * /dev mounted noexec). th_sgx_detect() is the node part alone, against any root directory, for
 * the host check.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "loader/internal.h"
#include "loader/mountinfo.h"
#include "sgx_enclave_common.h"
#include "util/file.h"

/* Intel's order: the DCAP-style node first, which the in-kernel driver may also sit behind. */
static const struct th_backend *const probe_order[] = {
	&th_backend_dcap, &th_backend_kernel, &th_backend_isgx,
};

void th_loader_path(const struct teehost_loader_opts *opts, const char *path, char *out,
		    size_t outlen)
{
	const char *root = opts && opts->root ? opts->root : "";

	snprintf(out, outlen, "%s%s", root, path);
}


/* Resolve PATH inside ROOT as the root's own processes would see it (RESOLVE_IN_ROOT). */
static int stat_in_root(const char *root, const char *path, struct stat *sb, bool follow)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT,
	};
	int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd, rc;

	if (dfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	close(dfd);
	if (fd < 0) {
		char full[TH_PATH_MAX * 2];

		if (errno != ENOSYS)
			return -1;
		/* a kernel before 5.6: plain prefixing, as the loader always did */
		snprintf(full, sizeof(full), "%s%s", root, path);
		return follow ? stat(full, sb) : lstat(full, sb);
	}
	rc = fstatat(fd, "", sb, AT_EMPTY_PATH);
	close(fd);
	return rc;
}

bool th_node_exists(const struct teehost_loader_opts *opts, const char *path, bool *is_link,
		    bool *is_chr)
{
	const char *root = opts && opts->root && *opts->root ? opts->root : NULL;
	struct stat sb;
	bool ok;

	if (is_link)
		*is_link = (root ? stat_in_root(root, path, &sb, false) : lstat(path, &sb)) == 0 &&
			   S_ISLNK(sb.st_mode);
	ok = (root ? stat_in_root(root, path, &sb, true) : stat(path, &sb)) == 0;
	if (is_chr)
		*is_chr = ok && S_ISCHR(sb.st_mode);
	return ok;
}

void th_probe_found(const struct teehost_loader_opts *opts, enum teehost_sgx_driver d,
		    const char *node, const char *const *provision, struct teehost_sgx_probe *out)
{
	out->driver = d;
	out->flat_nodes = false;
	th_loader_path(opts, node, out->enclave_node, sizeof(out->enclave_node));
	for (; provision && *provision; provision++)
		if (th_node_exists(opts, *provision, NULL, NULL)) {
			th_loader_path(opts, *provision, out->provision_node,
				       sizeof(out->provision_node));
			return;
		}
}


#define NBACKENDS (sizeof(probe_order) / sizeof(probe_order[0]))

const struct th_backend *th_backend_of(enum teehost_sgx_driver d)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		if (probe_order[i]->driver == d)
			return probe_order[i];
	return NULL;
}

const char *teehost_sgx_driver_name(enum teehost_sgx_driver d)
{
	const struct th_backend *be = th_backend_of(d);

	return be ? be->name : "none";
}

int teehost_sgx_driver_parse(const char *s, enum teehost_sgx_driver *out)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		if (!strcmp(s, probe_order[i]->name)) {
			*out = probe_order[i]->driver;
			return 0;
		}
	return -EINVAL;
}

/*
 * Is NODE's filesystem mounted noexec? One statvfs, of NODE or, when it is not there (a
 * simulated node), the nearest directory above it. The kernel builds /proc/self/mountinfo
 * anew for every read (30-90 us, more with many mounts), so that is read only to name the
 * mount point, or for a --root tree, whose mountinfo is a file.
 */
static bool node_noexec(const struct teehost_loader_opts *opts, const char *node,
			struct th_mount *m)
{
	bool in_root = opts->root && *opts->root, noexec = !in_root;
	char path[TH_PATH_MAX], *text, *slash;
	struct statvfs sv;
	size_t len;

	memset(m, 0, sizeof(*m));
	if (!in_root) {
		snprintf(path, sizeof(path), "%s", node);
		while (statvfs(path, &sv) < 0) {
			slash = strrchr(path, '/');
			if (errno != ENOENT || !slash || slash == path)
				return false;
			*slash = 0;
		}
		if (!(sv.f_flag & ST_NOEXEC))
			return false;
		snprintf(m->mount_point, sizeof(m->mount_point), "%s", path);
	}
	th_loader_path(opts, "/proc/self/mountinfo", path, sizeof(path));
	if (th_read_file(path, 4u << 20, &text, &len, NULL) < 0)
		return noexec;  /* no /proc: only statvfs has a say */
	/* statvfs said noexec: that stands even when mountinfo cannot name the mount */
	noexec = (th_mountinfo_find(text, node, m) == 0 && m->noexec) || !in_root;
	free(text);
	return noexec;
}

/* The process-level conditions every driver since DCAP 1.33 (and the kernel) enforces. */
static int check_process(const struct teehost_loader_opts *opts, const char *node,
			 struct th_sgx_status *st, struct th_err *err)
{
	struct th_mount m;
	int pers = personality(0xffffffff);

	if (pers != -1 && (pers & READ_IMPLIES_EXEC))
		return th_lfail(st, err, "probe", ENCLAVE_NOT_AUTHORIZED, EACCES,
				"READ_IMPLIES_EXEC process (linked with an executable stack, or "
				"setarch -X): SGX drivers refuse it; relink with -z noexecstack "
				"(readelf -lW PROG | grep GNU_STACK must say RW, not RWE)");
	if (node_noexec(opts, node, &m))
		return th_lfail(st, err, "probe", ENCLAVE_MEMORY_MAP_FAILURE, EPERM,
				"%s is on %s, mounted noexec: enclave code cannot be mapped from "
				"it; mount -o remount,exec %s", node, m.mount_point, m.mount_point);
	return 0;
}

bool th_sgx_vdso_present(void)
{
	return th_vdso_lookup("__vdso_sgx_enter_enclave") != NULL;
}

/* The nodes of no driver we know: name what is missing, or the driver we do not speak. */
static int no_driver(const char *unsupported, struct teehost_sgx_probe *out)
{
	if (unsupported[0]) {
		snprintf(out->why, sizeof(out->why), "%s", unsupported);
		return -EPROTONOSUPPORT;
	}
	snprintf(out->why, sizeof(out->why), "no SGX device: no ");
	for (size_t i = 0; i < NBACKENDS; i++) {
		size_t n = strlen(out->why);

		snprintf(out->why + n, sizeof(out->why) - n, "%s%s", i == 0 ? "" :
			 i + 1 == NBACKENDS ? " or " : ", ", probe_order[i]->node);
	}
	return -ENODEV;
}

/* Ask the backends in Intel's order; OUT->vdso set. */
static int probe_nodes(const struct teehost_loader_opts *opts, struct teehost_sgx_probe *out)
{
	char unsupported[sizeof(out->why)] = "";
	bool vdso = out->vdso;

	for (size_t i = 0; i < NBACKENDS; i++) {
		int rc = probe_order[i]->probe(opts, false, out);

		if (rc == 0)
			return 0;
		if (rc == -EPROTONOSUPPORT && !unsupported[0])
			snprintf(unsupported, sizeof(unsupported), "%s", out->why);
		memset(out, 0, sizeof(*out));
		out->vdso = vdso;
	}
	return no_driver(unsupported, out);
}

int th_sgx_detect(const char *root, bool vdso, struct teehost_sgx_probe *out)
{
	struct teehost_loader_opts opts = { .sz = sizeof(opts), .root = root };
	int rc;

	if (root && !strcmp(root, "/"))
		opts.root = NULL;
	memset(out, 0, sizeof(*out));
	out->vdso = vdso;
	rc = probe_nodes(&opts, out);
	return rc == -EPROTONOSUPPORT ? -ENODEV : rc;
}

/* The driver OPTS->driver or $TEEHOST_SGX_DRIVER asks for: NONE when neither does. */
static int forced_driver(const struct teehost_loader_opts *opts, enum teehost_sgx_driver *out,
			 struct th_sgx_status *st, struct th_err *err)
{
	const char *env = getenv("TEEHOST_SGX_DRIVER");

	*out = opts->driver;
	if (*out == TEEHOST_SGX_NONE && env && *env && teehost_sgx_driver_parse(env, out) < 0)
		return th_lfail(st, err, "probe", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"TEEHOST_SGX_DRIVER='%s' is not one of kernel, dcap, isgx", env);
	return 0;
}

static int probe_forced(const struct teehost_loader_opts *opts, enum teehost_sgx_driver forced,
			struct teehost_sgx_probe *out, struct th_sgx_status *st,
			struct th_err *err)
{
	const struct th_backend *be = th_backend_of(forced);
	size_t n;

	if (be->probe(opts, true, out) < 0) {
		char p[TH_PATH_MAX];

		th_loader_path(opts, be->node, p, sizeof(p));
		return th_lfail(st, err, "probe", ENCLAVE_NOT_SUPPORTED, ENODEV,
				"driver '%s' was asked for but %s does not exist",
				teehost_sgx_driver_name(forced), p);
	}
	n = strlen(out->why);
	snprintf(out->why + n, sizeof(out->why) - n, " (chosen by %s)",
		 opts->driver ? "request" : "TEEHOST_SGX_DRIVER");
	return 0;
}

/* Can this process open the node at all? Name the usual fix when it cannot. */
static int open_test(const char *node, struct th_sgx_status *st, struct th_err *err)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM)
			return th_lfail(st, err, "probe", ENCLAVE_NOT_AUTHORIZED, e,
					"%s: permission denied: add the user to the group that "
					"owns it (usually 'sgx': usermod -aG sgx USER) or install "
					"teehost's udev rules", node);
		return th_lfail(st, err, "probe", th_loader_errno_code("open", e), e,
				"%s: %s", node, strerror(e));
	}
	close(fd);
	return 0;
}

int th_sgx_probe(const struct teehost_loader_opts *opts, struct teehost_sgx_probe *out,
		 struct th_sgx_status *st, struct th_err *err)
{
	struct teehost_loader_opts sized;
	enum teehost_sgx_driver forced;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st)
		memset(st, 0, sizeof(*st));
	rc = th_loader_opts_get(opts, &sized, st, err);
	if (rc < 0)
		return rc;
	opts = &sized;
	out->vdso = th_sgx_vdso_present();
	rc = forced_driver(opts, &forced, st, err);
	if (rc < 0)
		return rc;
	if (forced != TEEHOST_SGX_NONE)
		rc = probe_forced(opts, forced, out, st, err);
	else if ((rc = probe_nodes(opts, out)) < 0)
		rc = th_lfail(st, err, "probe", ENCLAVE_NOT_SUPPORTED, ENODEV, "%s%s", out->why,
			      rc == -ENODEV ? " (SGX off in firmware, no driver, or no "
			      "CONFIG_X86_SGX; see 'teehost check')" : "");
	if (rc < 0)
		return rc;
	rc = open_test(out->enclave_node, st, err);
	if (rc < 0)
		return rc;
	return check_process(opts, out->enclave_node, st, err);
}
