/* SPDX-License-Identifier: MIT */
/*
 * Guest devices for any process, static and Go programs included: a seccomp filter with
 * SECCOMP_RET_USER_NOTIF on openat/open and on the guest ioctl numbers. The supervisor (this
 * process, unfiltered) answers an open of /dev/sev-guest with a memfd named "teehost-sev-guest"
 * put into the program by SECCOMP_IOCTL_NOTIF_ADDFD, serves the device's ioctls on that fd with
 * process_vm_readv/writev, and lets every other open and ioctl continue to the kernel.
 * Why not LD_PRELOAD: Go and static programs make raw system calls. Why not FUSE/CUSE for the
 * device: CUSE is absent here, and FUSE passes only "restricted" ioctls whose argument size is
 * in the command, not the buffers SNP_GET_REPORT's pointers lead to.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/supervisor.h"
#include "guest/uapi.h"

/* the devices, by the name under /dev and the memfd that stands for an open of it */
enum guest_dev { DEV_NONE, DEV_SEV_GUEST, DEV_TDX_GUEST };
static const char *const dev_names[] = { "", "sev-guest", "tdx_guest" };
#define MEMFD_PREFIX "teehost-"

static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 7),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		/* ioctl: only the guest devices' command numbers (low 32 bits of args[1]) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SNP_GET_REPORT, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SNP_GET_DERIVED_KEY, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TDX_CMD_GET_REPORT0, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SNP_GET_EXT_REPORT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* killable wait: Go's SIGURG preemption would otherwise restart every trapped call */
	fd = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd < 0 ? -errno : fd;
}

/* FD, or (FD < 0) a message without one carrying the errno */
static int send_fd(int sock, int fd)
{
	char c = fd < 0 ? (char)-fd : 0, buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			      .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	if (fd < 0) {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
	}
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char c, buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			      .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -EIO;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return c ? -(int)(unsigned char)c : -EIO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

struct proc_mem {
	pid_t pid;
};

static int pm_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(((struct proc_mem *)ctx)->pid, &l, 1, &r, 1, 0) == (ssize_t)len ?
	       0 : -EFAULT;
}

static int pm_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct iovec l = { (void *)buf, len }, r = { (void *)(uintptr_t)addr, len };

	return process_vm_writev(((struct proc_mem *)ctx)->pid, &l, 1, &r, 1, 0) == (ssize_t)len ?
	       0 : -EFAULT;
}

/* A NUL-terminated string from the process, read page by page (it may end near a hole). */
static int read_str(pid_t pid, uint64_t addr, char *out, size_t n)
{
	struct proc_mem pm = { pid };
	size_t got = 0;

	while (got < n - 1) {
		size_t chunk = 4096 - ((addr + got) & 4095);

		if (chunk > n - 1 - got)
			chunk = n - 1 - got;
		if (pm_read(&pm, addr + got, out + got, chunk))
			return -EFAULT;
		if (memchr(out + got, 0, chunk))
			return 0;
		got += chunk;
	}
	out[n - 1] = 0;
	return -ENAMETOOLONG;
}

/* Which guest device PATH (relative to DIRFD of PID) names, if any. Resolves the directory. */
static enum guest_dev device_path(pid_t pid, int dirfd, const char *path)
{
	char dir[PATH_MAX], link[64], joined[2 * PATH_MAX + 2], *slash, *real;
	enum guest_dev dev = DEV_NONE;
	ssize_t n;

	if (!strstr(path, "sev-guest") && !strstr(path, "tdx_guest"))
		return DEV_NONE;
	if (path[0] == '/') {
		snprintf(joined, sizeof(joined), "%s", path);
	} else {
		if (dirfd == AT_FDCWD)
			snprintf(link, sizeof(link), "/proc/%d/cwd", pid);
		else
			snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, dirfd);
		n = readlink(link, dir, sizeof(dir) - 1);
		if (n < 0)
			return DEV_NONE;
		dir[n] = 0;
		snprintf(joined, sizeof(joined), "%s/%s", dir, path);
	}
	slash = strrchr(joined, '/');
	if (!slash)
		return DEV_NONE;
	if (!strcmp(slash + 1, dev_names[DEV_SEV_GUEST]))
		dev = DEV_SEV_GUEST;
	else if (!strcmp(slash + 1, dev_names[DEV_TDX_GUEST]))
		dev = DEV_TDX_GUEST;
	else
		return DEV_NONE;
	*slash = 0;
	real = realpath(*joined ? joined : "/", NULL);
	if (!real || strcmp(real, "/dev"))
		dev = DEV_NONE;
	free(real);
	return dev;
}

/* Which device FD of PID stands for: our memfds are named "teehost-<device>". */
static enum guest_dev device_fd(pid_t pid, uint64_t fd)
{
	char link[64], target[128];
	const char *pfx = "/memfd:" MEMFD_PREFIX;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, (int)fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return DEV_NONE;
	target[n] = 0;
	if (strncmp(target, pfx, strlen(pfx)))
		return DEV_NONE;
	for (int d = DEV_SEV_GUEST; d <= DEV_TDX_GUEST; d++)
		if (!strncmp(target + strlen(pfx), dev_names[d], strlen(dev_names[d])) &&
		    (target[strlen(pfx) + strlen(dev_names[d])] == ' ' ||
		     !target[strlen(pfx) + strlen(dev_names[d])]))
			return (enum guest_dev)d;
	return DEV_NONE;
}

static bool served(const struct guest_supervisor *s, enum guest_dev d)
{
	return (d == DEV_SEV_GUEST && s->snp) || (d == DEV_TDX_GUEST && s->tdx);
}

static void answer(int listener, struct seccomp_notif_resp *resp)
{
	/* ENOENT: the call was interrupted or the process died; nothing to answer */
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

static void handle_open(struct guest_supervisor *s, int listener, struct seccomp_notif *req,
			struct seccomp_notif_resp *resp)
{
	char path[PATH_MAX];
	int dirfd = AT_FDCWD, flags;
	uint64_t path_addr;
	enum guest_dev dev = DEV_NONE;
	char memfd_name[64];

	if (req->data.nr == __NR_openat) {
		dirfd = (int)req->data.args[0];
		path_addr = req->data.args[1];
		flags = (int)req->data.args[2];
	} else {
		path_addr = req->data.args[0];
		flags = (int)req->data.args[1];
	}
	if (!read_str(req->pid, path_addr, path, sizeof(path)))
		dev = device_path(req->pid, dirfd, path);
	if (!served(s, dev)) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		answer(listener, resp);
		return;
	}
	{
		int fd = (snprintf(memfd_name, sizeof(memfd_name), MEMFD_PREFIX "%s", dev_names[dev]),
			  memfd_create(memfd_name, MFD_CLOEXEC));
		struct seccomp_notif_addfd add = {
			.id = req->id, .flags = SECCOMP_ADDFD_FLAG_SEND, .srcfd = (uint32_t)fd,
			.newfd_flags = flags & O_CLOEXEC ? O_CLOEXEC : 0,
		};

		s->opens++;
		if (fd < 0 || ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0) {
			resp->error = -ENOMEM;
			if (errno != ENOENT)
				answer(listener, resp);
		}
		if (fd >= 0)
			close(fd);
	}
}

static void handle_ioctl(struct guest_supervisor *s, int listener, struct seccomp_notif *req,
			 struct seccomp_notif_resp *resp)
{
	struct proc_mem pm = { req->pid };
	struct guest_mem mem = { pm_read, pm_write, &pm };
	enum guest_dev dev = device_fd(req->pid, req->data.args[0]);
	long rc;

	if (!served(s, dev)) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		answer(listener, resp);
		return;
	}
	/* the process may have died or given up meanwhile; then its memory is not ours to write */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id))
		return;
	if (dev == DEV_SEV_GUEST)
		rc = snp_guest_ioctl(s->snp, (unsigned)req->data.args[1], req->data.args[2], &mem);
	else
		rc = tdx_guest_ioctl(s->tdx, (unsigned)req->data.args[1], req->data.args[2], &mem);
	s->ioctls++;
	if (rc < 0)
		resp->error = (int32_t)rc;
	else
		resp->val = rc;
	answer(listener, resp);
}

static void serve(struct guest_supervisor *s, int listener, struct guest_tsm *tsm,
		  struct guest_fuse *mr, pid_t child, int *status)
{
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	int pidfd = (int)syscall(SYS_pidfd_open, child, 0);

	if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz))
		sz = (struct seccomp_notif_sizes){ sizeof(*req), sizeof(*resp), sizeof(struct seccomp_data) };
	req = calloc(1, sz.seccomp_notif > sizeof(*req) ? sz.seccomp_notif : sizeof(*req));
	resp = calloc(1, sz.seccomp_notif_resp > sizeof(*resp) ? sz.seccomp_notif_resp : sizeof(*resp));
	for (;;) {
		struct pollfd p[4] = { { listener, POLLIN, 0 }, { pidfd, POLLIN, 0 },
				       { tsm ? guest_tsm_fd(tsm) : -1, POLLIN, 0 },
				       { mr ? guest_fuse_fd(mr) : -1, POLLIN, 0 } };

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN)
			break;           /* PROGRAM exited: its status is ours */
		if (p[2].revents & POLLIN && guest_tsm_process(tsm) < 0) {
			guest_tsm_free(tsm);     /* the mount went away with its namespace */
			tsm = NULL;
		}
		if (p[3].revents & POLLIN && guest_fuse_process(mr) < 0) {
			guest_fuse_free(mr);
			mr = NULL;
		}
		if (p[0].revents & (POLLHUP | POLLERR))
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		memset(req, 0, sz.seccomp_notif);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req))
			continue;
		memset(resp, 0, sz.seccomp_notif_resp);
		resp->id = req->id;
		if (req->data.nr == __NR_ioctl)
			handle_ioctl(s, listener, req, resp);
		else
			handle_open(s, listener, req, resp);
	}
	free(req);
	free(resp);
	guest_tsm_free(tsm);
	guest_fuse_free(mr);
	while (waitpid(child, status, 0) < 0 && errno == EINTR)
		;
	if (pidfd >= 0)
		close(pidfd);
}

int guest_supervise(struct guest_supervisor *s, char **argv)
{
	int sv[2], listener, status = 0;
	struct guest_tsm *tsm = NULL;
	struct guest_fuse *mr = NULL;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		int fuse_fd = s->tsm ? guest_tsm_mount() : -ENOENT, fd;
		/* the TD's measurements files, in the same private mount namespace */
		int mr_fd = s->tdx && fuse_fd >= 0 ? guest_tdx_mr_mount() : -ENOENT;
		char go;

		close(sv[0]);
		if (s->tsm && fuse_fd < 0 && s->tsm_required) {
			fprintf(stderr, "teehost: sim: configfs-tsm: cannot mount at "
				"/sys/kernel/config: %s\n", strerror(-fuse_fd));
			_exit(127);
		}
		fd = install_filter();
		if (fd < 0 || send_fd(sv[1], fd) || (s->tsm && send_fd(sv[1], fuse_fd)) ||
		    (s->tsm && s->tdx && send_fd(sv[1], mr_fd))) {
			fprintf(stderr, "teehost: sim: seccomp user notification: %s\n",
				strerror(fd < 0 ? -fd : errno));
			_exit(127);
		}
		close(fd);
		/* wait until the supervisor holds the listener: our own opens are trapped now */
		if (read(sv[1], &go, 1) != 1)
			_exit(127);
		close(sv[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "teehost: %s: cannot execute: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	listener = recv_fd(sv[0]);
	if (listener >= 0 && s->tsm) {
		int fuse_fd = recv_fd(sv[0]);

		if (fuse_fd >= 0 && !(tsm = guest_tsm_new(fuse_fd, s->tsm))) {
			close(fuse_fd);
			fuse_fd = -EIO;
		}
		s->tsm_error = fuse_fd < 0 ? fuse_fd : 0;
		if (s->tdx) {
			int mr_fd = recv_fd(sv[0]);

			if (mr_fd >= 0 && !(mr = guest_tdx_mr_new(mr_fd, s->tdx))) {
				close(mr_fd);
				mr_fd = -EIO;
			}
			s->mr_error = mr_fd < 0 ? mr_fd : 0;
		}
	}
	if (listener < 0 || write(sv[0], "g", 1) != 1) {
		guest_tsm_free(tsm);
		guest_fuse_free(mr);
		close(sv[0]);
		waitpid(child, &status, 0);
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	close(sv[0]);
	signal(SIGINT, SIG_IGN);     /* the terminal's ^C reaches PROGRAM; we follow its exit */
	signal(SIGQUIT, SIG_IGN);
	serve(s, listener, tsm, mr, child, &status);
	close(listener);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
