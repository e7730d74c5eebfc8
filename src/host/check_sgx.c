/* SGX checks: CPUID 7/0x12, MSR 0x3A and 0x8C-0x8F, EFI variables, kernel,
 * driver and its nodes, udev rules, the sgx_prv group, /dev noexec, AESM,
 * and the kernel's EPC counters.  Modelled on what sgx-detect (Fortanix) and
 * is-sgx-available (Gramine) look at, plus the fixes they leave to the user. */
#include "host/aesm.h"
#include "host/check.h"
#include "loader/loader.h"
#include "teehost/loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* The rules of Intel's "Transition from DCAP driver to kernel" note (seed 003),
 * which the PSW packages install too. */
const char th_sgx_udev_rules[] =
	"# Installed by teehost setup: SGX device nodes of the in-kernel driver.\n"
	"# /dev/sgx_enclave for everyone; /dev/sgx_provision (platform identity) for group sgx_prv;\n"
	"# /dev/sgx/* names for software written for Intel's DCAP driver.\n"
	"SUBSYSTEM==\"misc\",KERNEL==\"sgx_enclave\",MODE=\"0666\",SYMLINK+=\"sgx/enclave\"\n"
	"SUBSYSTEM==\"misc\",KERNEL==\"sgx_provision\",GROUP=\"sgx_prv\",MODE=\"0660\",SYMLINK+=\"sgx/provision\"\n";

#define EFI_DIR "/sys/firmware/efi/efivars"
#define EFI_EPCBIOS EFI_DIR "/EPCBIOS-c60aa7f6-e8d6-4956-8ba1-fe26298f5e87"
#define EFI_EPCSW EFI_DIR "/EPCSW-d69a279b-58eb-45d1-a148-771bb9eb5251"
#define EFI_SGXSTATUS EFI_DIR "/SOFTWAREGUARDSTATUS-9cb2e73f-7325-40f4-a484-659bb344c3cd"
#define AESM_SOCKET "/var/run/aesmd/aesm.socket"

static const char *size_str(uint64_t v, char *buf, size_t cap)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int u = 0;
	double d = (double)v / 1024;
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (d == (double)(uint64_t)d)
		snprintf(buf, cap, "%llu %s", (unsigned long long)d, unit[u]);
	else
		snprintf(buf, cap, "%.1f %s", d, unit[u]);
	return buf;
}

/* What the SGX checks share, probed once before the table runs (sgx_probe). */
struct sgx_state {
	char absent[200];        /* why SGX is not here: the gates' reason */
	uint32_t l7[4], l12_0[4], l12_1[4];
	bool flc, sgx1, sgx2, on;
	int fc_err;
	uint64_t fc;
	uint64_t epc_total;      /* set by sgx.epc, compared by sgx.epc_sysfs */
	int efi_status;          /* -1 absent, else SOFTWAREGUARDSTATUS[1:0] */
	bool oot;                /* an out-of-tree driver (DCAP or isgx) is in use */
	struct teehost_sgx_probe probe; /* the loader's probe on this root (detect_driver) */
	char driver_seen[800];   /* what the driver probe looked at */
};

static void read_efi(struct th_host *h, struct sgx_state *s, struct th_check *c)
{
	char *buf;
	size_t len;
	bool any = false;

	s->efi_status = -1;
	if (th_root_read(&h->root, EFI_SGXSTATUS, 4096, &buf, &len) == 0) {
		any = true;
		if (len >= 5) {
			s->efi_status = (unsigned char)buf[4] & 3;
			static const char *const names[] = { "disabled", "enabled", "software controlled", "invalid" };
			if (c)
				th_check_ev(c, "EFI SOFTWAREGUARDSTATUS=%d (%s)", s->efi_status, names[s->efi_status]);
		} else if (c) {
			th_check_ev(c, "EFI SOFTWAREGUARDSTATUS: %zu bytes, too short", len);
		}
		free(buf);
	}
	if (!c)
		return;
	if (th_root_read(&h->root, EFI_EPCBIOS, 4096, &buf, &len) == 0) {
		any = true;
		if (len >= 16) {
			uint32_t v[3];
			memcpy(v, buf + 4, sizeof(v));
			th_check_ev(c, "EFI EPCBIOS: PRM bins 0x%x, max EPC size %u MiB, current EPC size %u MiB",
				    v[0], v[1], v[2]);
		} else {
			th_check_ev(c, "EFI EPCBIOS: %zu bytes, too short", len);
		}
		free(buf);
	}
	if (th_root_read(&h->root, EFI_EPCSW, 4096, &buf, &len) == 0) {
		any = true;
		if (len >= 8) {
			uint32_t v;
			memcpy(&v, buf + 4, sizeof(v));
			th_check_ev(c, "EFI EPCSW: requested EPC size %u MiB", v);
		} else {
			th_check_ev(c, "EFI EPCSW: %zu bytes, too short", len);
		}
		free(buf);
	}
	if (!any) {
		th_check_set(c, TH_SKIP, "no SGX EFI variables under %s (not an EFI system, or the firmware publishes none)", EFI_DIR);
		return;
	}
	if (!s->on && s->efi_status == 2) {
		th_check_set(c, TH_WARN, "SGX is software-controlled: firmware enables it after a request from the OS");
		th_check_fix(c, "Run Intel's sgx_enable utility once as root, then reboot; or set SGX to 'Enabled' in the firmware setup.");
	} else if (!s->on && s->efi_status == 0) {
		th_check_set(c, TH_WARN, "the firmware reports SGX disabled");
		th_check_fix(c, "Set SGX to 'Enabled' in the firmware setup and reboot.");
	} else {
		th_check_set(c, TH_PASS, "SGX EFI variables are consistent with the CPU state");
	}
}

/*
 * Whether the kernel's vDSO has __vdso_sgx_enter_enclave: what tells the loader's probe the
 * in-kernel driver from DCAP's behind a /dev/sgx/enclave device node. The live machine: its
 * vDSO, as the loader looks. A --root tree's vDSO cannot be looked at, so its kernel
 * configuration answers: the kernel builds vsgx.o into the vDSO exactly when CONFIG_X86_SGX=y
 * (arch/x86/entry/vdso/Makefile, 5.11+). No configuration: taken as absent, as the probe does
 * without a vDSO entry.
 */
static bool sgx_vdso(struct th_host *h, char *ev, size_t cap)
{
	char k;

	if (h->root.live) {
		snprintf(ev, cap, "the vDSO: this kernel's");
		return th_sgx_vdso_present();
	}
	k = th_host_kconfig(h, "X86_SGX");
	if (k == '?')
		snprintf(ev, cap, "the vDSO: no kernel configuration, taken to lack it");
	else
		snprintf(ev, cap, "the vDSO: %s has CONFIG_X86_SGX=%c", h->kconfig_src, k);
	return k == 'y';
}

/* Which driver is present, as the loader's probe (th_sgx_detect) decides it on this root, so
 * that teehost check and teehost run cannot disagree. EV: the probe's reasons. */
static enum teehost_sgx_driver detect_driver(struct th_host *h, struct teehost_sgx_probe *pr,
					     char *ev, size_t cap)
{
	char vdso_ev[400];
	bool vdso = sgx_vdso(h, vdso_ev, sizeof(vdso_ev));

	th_sgx_detect(h->root.live ? NULL : h->root.path, vdso, pr);
	snprintf(ev, cap, "%s (%s)", pr->why, vdso_ev);
	return pr->driver;
}

/* The enclave node the probe's choice opens (th_probe_found names it with the root in front);
 * test_host_check holds the two together. NULL without a driver. */
static const char *enclave_node(const struct teehost_sgx_probe *pr)
{
	switch (pr->driver) {
	case TEEHOST_SGX_ISGX:
		return "/dev/isgx";
	case TEEHOST_SGX_KERNEL:
		return pr->flat_nodes ? "/dev/sgx_enclave" : "/dev/sgx/enclave";
	case TEEHOST_SGX_DCAP:
		return "/dev/sgx/enclave";
	case TEEHOST_SGX_NONE:
		break;
	}
	return NULL;
}

/* udev: the effective sgx_enclave/sgx_provision assignments across rules files. */
struct udev_view {
	char enc_mode[8], enc_link[64], prv_group[64], prv_mode[8], prv_link[64];
	char files[256];
	int bad_lines;
};

static void udev_take(struct th_span v, char *dst, size_t cap)
{
	snprintf(dst, cap, "%.*s", (int)(v.n < cap - 1 ? v.n : cap - 1), v.p);
}

static void udev_scan_file(struct th_host *h, const char *path, struct udev_view *u)
{
	char *buf;
	size_t len, pos = 0;
	struct th_span l;
	bool relevant = false;

	if (th_root_read(&h->root, path, 1u << 20, &buf, &len))
		return;
	while (th_next_line(buf, len, &pos, &l)) {
		struct th_udev_rule r;
		struct th_span k, v;
		int rc = th_udev_line(l, &r);
		if (rc < 0) {
			u->bad_lines++;
			continue;
		}
		if (rc || !th_udev_get(&r, "KERNEL", "==", &k))
			continue;
		if (th_span_eq(k, "sgx_enclave")) {
			relevant = true;
			if (th_udev_get(&r, "MODE", "=", &v))
				udev_take(v, u->enc_mode, sizeof(u->enc_mode));
			if (th_udev_get(&r, "SYMLINK", "+=", &v))
				udev_take(v, u->enc_link, sizeof(u->enc_link));
		} else if (th_span_eq(k, "sgx_provision")) {
			relevant = true;
			if (th_udev_get(&r, "MODE", "=", &v))
				udev_take(v, u->prv_mode, sizeof(u->prv_mode));
			if (th_udev_get(&r, "GROUP", "=", &v))
				udev_take(v, u->prv_group, sizeof(u->prv_group));
			if (th_udev_get(&r, "SYMLINK", "+=", &v))
				udev_take(v, u->prv_link, sizeof(u->prv_link));
		}
	}
	free(buf);
	if (relevant)
		snprintf(u->files + strlen(u->files), sizeof(u->files) - strlen(u->files), "%s%s",
			 u->files[0] ? ", " : "", path);
}

static void udev_scan(struct th_host *h, struct udev_view *u)
{
	/* udev reads every *.rules of these directories in lexical order of the file name;
	 * a name in /etc overrides the same name in /run and /lib. */
	static const char *const dirs[] = { "/etc/udev/rules.d", "/run/udev/rules.d",
					    "/usr/lib/udev/rules.d", "/lib/udev/rules.d" };
	char *names[256];
	int n = 0;

	memset(u, 0, sizeof(*u));
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir;
		struct dirent *de;
		if (th_root_opendir(&h->root, dirs[d], &dir))
			continue;
		while ((de = readdir(dir)) && n < 256) {
			size_t len = strlen(de->d_name);
			if (len < 7 || strcmp(de->d_name + len - 6, ".rules"))
				continue;
			bool dup = false;
			for (int i = 0; i < n; i++)
				if (!strcmp(strrchr(names[i], '/') + 1, de->d_name))
					dup = true;
			if (dup)
				continue;
			char *p = malloc(strlen(dirs[d]) + len + 2);
			if (!p)
				break;
			sprintf(p, "%s/%s", dirs[d], de->d_name);
			names[n++] = p;
		}
		closedir(dir);
	}
	/* sort by file name only */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(strrchr(names[j - 1], '/'), strrchr(names[j], '/')) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		udev_scan_file(h, names[i], u);
		free(names[i]);
	}
}

/* The mount that holds /dev: the last mountinfo entry for "/dev", else "/". */
static int dev_mount(struct th_host *h, char *opts, size_t cap, char *where, size_t wcap)
{
	char *buf;
	size_t len, pos = 0;
	struct th_span l;
	bool found = false, root_found = false;
	char rootopts[256] = "";

	if (th_root_read(&h->root, "/proc/self/mountinfo", 4u << 20, &buf, &len))
		return -ENOENT;
	while (th_next_line(buf, len, &pos, &l)) {
		struct th_mount m;
		if (th_mountinfo_line(l, &m))
			continue;
		if (!strcmp(m.mnt, "/dev")) {
			snprintf(opts, cap, "%.*s", (int)m.opts.n, m.opts.p);
			snprintf(where, wcap, "/dev (%.*s)", (int)m.fstype.n, m.fstype.p);
			found = true;
		} else if (!strcmp(m.mnt, "/")) {
			snprintf(rootopts, sizeof(rootopts), "%.*s", (int)m.opts.n, m.opts.p);
			root_found = true;
		}
	}
	free(buf);
	if (!found && root_found) {
		snprintf(opts, cap, "%s", rootopts);
		snprintf(where, wcap, "/ (no separate /dev mount)");
		found = true;
	}
	return found ? 0 : -ENOENT;
}

/* Connect to AESM's socket (through the root) and ask it GetWhiteListSize: true when it
 * answers with a well-formed response, whatever its error code. */
static bool aesm_answers(struct th_host *h, const char *path, char *why, size_t cap)
{
	struct sockaddr_un sa;
	struct timeval tv = { .tv_sec = 1 };
	uint8_t req[16], hdr[4], body[512];
	uint32_t len, code;
	bool ok = false;
	int fd = th_root_open(&h->root, path, O_PATH);
	if (fd < 0) {
		snprintf(why, cap, "%s", strerror(-fd));
		return false;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d", fd);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(why, cap, "connect: %s", strerror(errno));
		goto out;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	size_t n = th_aesm_request(req);
	if (send(s, req, n, MSG_NOSIGNAL) != (ssize_t)n) {
		snprintf(why, cap, "connected, but sending a request failed: %s", strerror(errno));
		goto out;
	}
	if (recv(s, hdr, sizeof(hdr), MSG_WAITALL) != (ssize_t)sizeof(hdr)) {
		snprintf(why, cap, "connected, but no answer to GetWhiteListSize within 1 s");
		goto out;
	}
	memcpy(&len, hdr, sizeof(len));
	if (len > sizeof(body) || recv(s, body, len, MSG_WAITALL) != (ssize_t)len ||
	    th_aesm_parse_response(body, len, &code)) {
		snprintf(why, cap, "connected, but the answer is not an AESM response (%u bytes)", len);
		goto out;
	}
	snprintf(why, cap, "answers (GetWhiteListSize: error code %u%s)", code, code ? "" : ", success");
	ok = true;
out:
	if (s >= 0)
		close(s);
	close(fd);
	return ok;
}

/*
 * The sample enclave: $TEEHOST_SAMPLE, else next to the executable (build tree), else
 * PREFIX/share/teehost/sample.elf relative to PREFIX/bin/teehost. On failure BUF names the
 * installed location that was expected.
 */
static bool find_sample(char *buf, size_t cap)
{
	const char *env = getenv("TEEHOST_SAMPLE");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env) {
		snprintf(buf, cap, "%s", env);
		return access(buf, R_OK) == 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		snprintf(buf, cap, "/proc/self/exe unreadable");
		return false;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	if (snprintf(buf, cap, "%s/sample.elf", exe) < (int)cap && access(buf, R_OK) == 0)
		return true;
	if (snprintf(buf, cap, "%s/../share/teehost/sample.elf", exe) >= (int)cap)
		return false;
	return access(buf, R_OK) == 0;
}

#define SGX_OFF "SGX is disabled in the firmware (see sgx.enabled)"
#define NEEDS_SGX1 "needs SGX1 (see sgx.sgx1)"
#define NO_DRIVER "no SGX driver (see sgx.driver)"

/* The checks after sgx.enabled need SGX on; those after sgx.sgx1 need SGX1 as well. */
static bool skipped_unless_on(const struct sgx_state *s, struct th_check *c)
{
	if (!s->on)
		th_check_set(c, TH_SKIP, "%s", SGX_OFF);
	return !s->on;
}

static bool skipped_unless_sgx1(const struct sgx_state *s, struct th_check *c)
{
	if (!s->on || !s->sgx1)
		th_check_set(c, TH_SKIP, "%s", s->on ? NEEDS_SGX1 : SGX_OFF);
	return !s->on || !s->sgx1;
}

/* ---- CPU and firmware ---------------------------------------------------------------------- */

static void sgx_cpu(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	if (!h->sgx_hw) {
		/* only reached with --only sgx (the gate skips it otherwise) */
		th_check_ev(c, "%s", s->absent);
		th_check_set(c, TH_FAIL, "no SGX on this CPU, and --only sgx asked for it");
		th_check_fix(c, "Use an Intel CPU with SGX (Xeon E3 v5+, Xeon Scalable 3rd gen+), or a VM given SGX by its host.");
		return;
	}
	th_check_ev(c, "CPUID.(EAX=7,ECX=0):EBX[2] SGX=1, ECX[30] SGX_LC=%d", s->flc);
	th_check_set(c, TH_PASS, "the CPU implements SGX");
}

static void sgx_enabled(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	char line[256];

	if (!s->fc_err)
		th_check_ev(c, "MSR 0x3A IA32_FEATURE_CONTROL=0x%llx: LOCK=%d SGX_ENABLE(bit 18)=%d SGX_LC_ENABLE(bit 17)=%d",
			    (unsigned long long)s->fc, (int)(s->fc & 1), (int)(s->fc >> 18 & 1), (int)(s->fc >> 17 & 1));
	else
		th_check_ev(c, "MSR 0x3A unreadable (%s)", strerror(-s->fc_err));
	th_check_ev(c, "CPUID.(EAX=0x12,ECX=0):EAX=0x%08x (SGX1=%d)", s->l12_0[TH_EAX], s->sgx1);
	if (s->efi_status >= 0)
		th_check_ev(c, "EFI SOFTWAREGUARDSTATUS=%d", s->efi_status);
	if (th_host_kmsg_find(h, "SGX disabled", line, sizeof(line)))
		th_check_ev(c, "kernel log: \"%s\"", line);
	if (s->on) {
		th_check_set(c, TH_PASS, "the firmware enabled SGX");
	} else {
		th_check_set(c, TH_FAIL, "SGX is disabled in the firmware: the CPU has it, but no enclave can run");
		if (s->efi_status == 2)
			th_check_fix(c, "The firmware has SGX 'Software Controlled': run Intel's sgx_enable once as root and reboot, or set SGX to 'Enabled' in the firmware setup.");
		else
			th_check_fix(c, "Enable SGX in the firmware setup (often Security > Intel SGX: Enabled; give PRMRR/EPC a size), then reboot.");
	}
}

static void sgx_sgx1(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	(void)h;
	if (skipped_unless_on(s, c))
		return;
	th_check_ev(c, "CPUID.(EAX=0x12,ECX=0):EAX[0] SGX1=%d", s->sgx1);
	if (s->sgx1) {
		th_check_set(c, TH_PASS, "SGX1 instructions are available");
	} else {
		th_check_set(c, TH_FAIL, "leaf 0x12 reports no SGX1 although SGX is enabled: firmware or hypervisor bug");
		th_check_fix(c, "Update the firmware (or, in a VM, give the VM SGX with its EPC section: QEMU -object memory-backend-epc).");
	}
}

static void sgx_sgx2(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	(void)h;
	if (skipped_unless_sgx1(s, c))
		return;
	th_check_ev(c, "CPUID.(EAX=0x12,ECX=0):EAX[1] SGX2=%d", s->sgx2);
	if (s->sgx2) {
		th_check_set(c, TH_PASS, "SGX2: enclaves can add, trim and restrict pages at run time (EDMM)");
	} else {
		th_check_set(c, TH_WARN, "no SGX2: enclave memory is fixed at build time (no EDMM); runtimes fall back to preallocating everything");
		th_check_fix(c, "Nothing to change on this CPU; size enclaves for their peak memory.");
	}
}

static void sgx_features(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	(void)h;
	if (skipped_unless_sgx1(s, c))
		return;
	uint64_t attr = (uint64_t)s->l12_1[TH_EBX] << 32 | s->l12_1[TH_EAX];
	uint32_t misc = s->l12_0[TH_EBX], a = s->l12_0[TH_EAX];
	th_check_ev(c, "EDECCSSA=%d ENCLV=%d OVERSUB=%d (CPUID.0x12.0:EAX[11,5,6]); MISCSELECT=0x%x (EXINFO=%d CPINFO=%d); CET=%d KSS=%d AEXNOTIFY=%d (CPUID.0x12.1 ATTRIBUTES[6,7,10])",
		    (int)(a >> 11 & 1), (int)(a >> 5 & 1), (int)(a >> 6 & 1), misc, (int)(misc & 1),
		    (int)(misc >> 1 & 1), (int)(attr >> 6 & 1), (int)(attr >> 7 & 1), (int)(attr >> 10 & 1));
	th_check_set(c, TH_PASS, "optional SGX features, for runtimes that use them (AEX-Notify and EDECCSSA harden against single-stepping)");
}

static void sgx_enclave_size(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	char sz[32];
	(void)h;
	if (skipped_unless_sgx1(s, c))
		return;
	unsigned n32 = s->l12_0[TH_EDX] & 0xff, n64 = s->l12_0[TH_EDX] >> 8 & 0xff;
	th_check_ev(c, "CPUID.(EAX=0x12,ECX=0):EDX=0x%08x: MaxEnclaveSize_Not64=2^%u, MaxEnclaveSize_64=2^%u", s->l12_0[TH_EDX], n32, n64);
	/* smallest useful enclave: SECS aside, 2 REG + 1 TCS pages (sgx-detect's bound) */
	if (n32 >= 14 && n64 >= 14 && n32 < 64 && n64 < 64) {
		th_check_set(c, TH_PASS, "enclaves up to %s (64-bit)", size_str(1ull << n64, sz, sizeof(sz)));
	} else {
		th_check_set(c, TH_FAIL, "maximum enclave size below 12 KiB: no useful enclave fits");
		th_check_fix(c, "Update the firmware or hypervisor: it reports a broken CPUID leaf 0x12.");
	}
}

static void sgx_attributes(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	(void)h;
	if (skipped_unless_sgx1(s, c))
		return;
	uint64_t attr = (uint64_t)s->l12_1[TH_EBX] << 32 | s->l12_1[TH_EAX];
	uint64_t xfrm = (uint64_t)s->l12_1[TH_EDX] << 32 | s->l12_1[TH_ECX];
	const uint64_t need = 1u << 1 | 1u << 2 | 1u << 4 | 1u << 5; /* DEBUG MODE64BIT PROVISIONKEY EINITTOKEN_KEY */
	th_check_ev(c, "CPUID.(EAX=0x12,ECX=1): ATTRIBUTES mask 0x%016llx, XFRM mask 0x%016llx; MISCSELECT mask 0x%08x",
		    (unsigned long long)attr, (unsigned long long)xfrm, s->l12_0[TH_EBX]);
	if ((attr & need) == need && (xfrm & 3) == 3) {
		th_check_set(c, TH_PASS, "DEBUG, MODE64BIT, PROVISIONKEY, EINITTOKEN_KEY and XFRM x87|SSE can be set");
	} else {
		th_check_set(c, TH_FAIL, "the standard enclave attributes (DEBUG, MODE64BIT, PROVISIONKEY, EINITTOKEN_KEY, XFRM x87|SSE) are not all allowed");
		th_check_fix(c, "Update the firmware or hypervisor: it reports a broken CPUID leaf 0x12 sub-leaf 1.");
	}
}

/* CPUID leaf 0x12 sub-leaves 2..: one EPC section each, until a type 0 one. */
static void sgx_epc(struct th_host *h, void *family, struct th_check *c)
{
	struct sgx_state *s = family;
	unsigned sections = 0;
	char sz[32];

	if (skipped_unless_sgx1(s, c))
		return;
	for (uint32_t sub = 2; sub < 2 + 64; sub++) {
		uint32_t r[4];
		th_cpuid_query(&h->cpuid, 0x12, sub, r);
		if ((r[TH_EAX] & 0xf) == 0)
			break;
		if ((r[TH_EAX] & 0xf) != 1) {
			th_check_ev(c, "sub-leaf %u: unknown section type %u", sub, r[TH_EAX] & 0xf);
			continue;
		}
		uint64_t base = (uint64_t)(r[TH_EBX] & 0xfffff) << 32 | (r[TH_EAX] & 0xfffff000u);
		uint64_t size = (uint64_t)(r[TH_EDX] & 0xfffff) << 32 | (r[TH_ECX] & 0xfffff000u);
		unsigned prop = r[TH_ECX] & 0xf;
		th_check_ev(c, "CPUID.(EAX=0x12,ECX=%u): EPC section at 0x%llx, %s%s", sub,
			    (unsigned long long)base, size_str(size, sz, sizeof(sz)),
			    prop == 1 ? " (confidentiality and integrity)" : prop == 2 ? " (confidentiality only)" : "");
		if (prop == 1 || prop == 2)
			s->epc_total += size;
		sections++;
	}
	if (s->epc_total >= 0x5000) {
		th_check_set(c, TH_PASS, "%u EPC section%s, %s in all", sections, sections == 1 ? "" : "s",
			     size_str(s->epc_total, sz, sizeof(sz)));
	} else {
		th_check_set(c, TH_FAIL, "%s of EPC: too little for one enclave (VA + SECS + 2 REG + TCS pages)",
			     sections ? size_str(s->epc_total, sz, sizeof(sz)) : "no");
		th_check_fix(c, "Give SGX memory in the firmware setup (PRMRR size / 'SGX EPC size'), then reboot.");
	}
}

/* ---- launch control ------------------------------------------------------------------------ */

static void sgx_flc(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	(void)h;
	th_check_ev(c, "CPUID.(EAX=7,ECX=0):ECX[30] SGX_LC=%d", s->flc);
	if (s->flc) {
		th_check_set(c, TH_PASS, "Flexible Launch Control: the kernel decides which enclaves may launch, no launch token needed");
	} else {
		th_check_set(c, TH_WARN, "no Flexible Launch Control: only the legacy isgx driver works, and every enclave needs a launch token from AESM's Intel-signed launch enclave");
		th_check_fix(c, "Keep the isgx driver and AESM (sgx.aesm); the in-kernel driver needs an FLC CPU.");
	}
}

static void sgx_flc_enabled(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	/* a locked launch control disables the in-kernel driver; isgx lives with it */
	c->required = s->flc && h->sgx_drv != TEEHOST_SGX_ISGX;
	if (!s->flc) {
		th_check_set(c, TH_SKIP, "the CPU has no FLC (see sgx.flc)");
		return;
	}
	if (s->fc_err) {
		th_check_set(c, TH_SKIP, "MSR 0x3A unreadable (%s); see host.msr", strerror(-s->fc_err));
		return;
	}
	th_check_ev(c, "MSR 0x3A=0x%llx: SGX_LC_ENABLE(bit 17)=%d LOCK=%d", (unsigned long long)s->fc,
		    (int)(s->fc >> 17 & 1), (int)(s->fc & 1));
	if (s->fc >> 17 & 1) {
		th_check_set(c, TH_PASS, "launch control is unlocked: the kernel can run any signed enclave");
	} else {
		th_check_set(c, h->sgx_drv == TEEHOST_SGX_ISGX ? TH_WARN : TH_FAIL,
			     "the firmware locked launch control to Intel's key: the in-kernel driver disables SGX (\"SGX Launch Control is locked\")");
		th_check_fix(c, "Set the firmware's SGX Launch Control policy to 'Unlocked', then reboot.");
	}
}

static void sgx_le_hash(struct th_host *h, void *family, struct th_check *c)
{
	static const uint64_t intel[4] = { 0xa6053e051270b7acull, 0x6cfbe8ba8b3b413dull,
					   0xc4916d99f2b3735dull, 0xd4f8c05909f9bb3bull };
	const struct sgx_state *s = family;
	uint64_t hash[4];
	int err = 0;

	if (!s->flc) {
		th_check_set(c, TH_SKIP, "the CPU has no FLC (see sgx.flc)");
		return;
	}
	for (int i = 0; i < 4 && !err; i++)
		err = th_host_msr(h, 0x8c + (uint32_t)i, &hash[i]);
	if (err) {
		th_check_set(c, TH_SKIP, "MSRs 0x8C-0x8F unreadable (%s)", strerror(-err));
		return;
	}
	th_check_ev(c, "MSRs 0x8C-0x8F IA32_SGXLEPUBKEYHASH0-3: %016llx %016llx %016llx %016llx",
		    (unsigned long long)hash[0], (unsigned long long)hash[1],
		    (unsigned long long)hash[2], (unsigned long long)hash[3]);
	th_check_set(c, TH_PASS, "%s", !memcmp(hash, intel, sizeof(hash)) ?
		     "launch enclave key hash is Intel's (reset value)" :
		     "launch enclave key hash set by the kernel or firmware");
}

static void sgx_efi(struct th_host *h, void *family, struct th_check *c)
{
	read_efi(h, family, c);
}

/* ---- kernel and driver --------------------------------------------------------------------- */

static void sgx_kernel(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	if (!h->have_release || !h->kmajor) {
		th_check_set(c, TH_SKIP, "kernel release unknown (see host.kernel)");
		return;
	}
	unsigned v = h->kmajor * 1000 + h->kminor;
	th_check_ev(c, "Linux %u.%u", h->kmajor, h->kminor);
	if (v >= 5011) {
		if (s->sgx2 && v < 6000 && !s->oot) {
			th_check_set(c, TH_WARN, "the in-kernel driver is there (5.11+), but SGX2 page management (EDMM) needs 6.0");
			th_check_fix(c, "Boot Linux 6.0 or later to use SGX2.");
		} else {
			th_check_set(c, TH_PASS, "the kernel has the in-kernel SGX driver (5.11+)%s", s->sgx2 ? " and EDMM (6.0+)" : "");
		}
	} else if (s->oot) {
		th_check_set(c, TH_PASS, "kernel before 5.11: SGX through the out-of-tree driver");
	} else {
		th_check_set(c, TH_FAIL, "Linux %u.%u predates the in-kernel SGX driver (5.11) and no out-of-tree driver is loaded", h->kmajor, h->kminor);
		th_check_fix(c, "Boot Linux 5.11 or later (6.0+ for SGX2) built with CONFIG_X86_SGX=y.");
	}
}

static void sgx_kconfig(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	char k = th_host_kconfig(h, "X86_SGX");
	if (k == '?') {
		th_check_set(c, TH_SKIP, "no kernel configuration (see host.kconfig)");
		return;
	}
	char kv = th_host_kconfig(h, "X86_SGX_KVM");
	th_check_ev(c, "%s: CONFIG_X86_SGX=%c, CONFIG_X86_SGX_KVM=%c", h->kconfig_src, k, kv);
	if (k == 'y') {
		th_check_set(c, TH_PASS, "the kernel is built with SGX%s", kv == 'y' ? " and SGX for KVM guests" : "");
	} else if (s->oot) {
		th_check_set(c, TH_WARN, "the kernel is built without SGX; the out-of-tree driver stands in");
		th_check_fix(c, "Move to a kernel with CONFIG_X86_SGX=y and drop the out-of-tree driver.");
	} else {
		th_check_set(c, TH_FAIL, "the kernel is built without SGX (CONFIG_X86_SGX)");
		th_check_fix(c, "Boot a kernel with CONFIG_X86_SGX=y (most distro kernels since 5.11 have it; `teehost kernel` builds one).");
	}
}

static void sgx_driver(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	th_check_ev(c, "%s", s->driver_seen);
	if (skipped_unless_on(s, c))
		return;
	switch (h->sgx_drv) {
	case TEEHOST_SGX_KERNEL:
		th_check_set(c, TH_PASS, "the in-kernel SGX driver is in use");
		break;
	case TEEHOST_SGX_DCAP:
		th_check_set(c, TH_WARN, "Intel's out-of-tree DCAP driver (intel_sgx) is in use: superseded by the in-kernel driver since 5.11");
		th_check_fix(c, "Remove the DCAP driver (its DKMS package) and boot a kernel with CONFIG_X86_SGX=y.");
		break;
	case TEEHOST_SGX_ISGX:
		if (s->flc) {
			th_check_set(c, TH_WARN, "the legacy isgx driver is in use on an FLC CPU: it needs AESM launch tokens the in-kernel driver would not");
			th_check_fix(c, "Unload and remove isgx (`modprobe -r isgx`, remove its package), then boot a kernel with CONFIG_X86_SGX=y.");
		} else {
			th_check_set(c, TH_PASS, "the legacy isgx driver: the only driver for CPUs without FLC");
		}
		break;
	case TEEHOST_SGX_NONE:
		th_check_set(c, TH_FAIL, "no SGX driver: no /dev/sgx_enclave, /dev/sgx/enclave or /dev/isgx");
		if (s->flc)
			th_check_fix(c, "Boot a kernel 5.11+ with CONFIG_X86_SGX=y (see sgx.kconfig, sgx.cpuinfo for why the kernel may have refused SGX).");
		else
			th_check_fix(c, "Install Intel's legacy isgx driver (linux-sgx-driver) and AESM: CPUs without FLC cannot use the in-kernel driver.");
		break;
	}
}

static void sgx_cpuinfo(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	char line[256], cmdline[1024];

	if (skipped_unless_on(s, c))
		return;
	if (s->oot) {
		th_check_set(c, TH_SKIP, "an out-of-tree driver is in use; the cpuinfo sgx flag belongs to the in-kernel driver");
		return;
	}
	if (!h->have_flags) {
		th_check_set(c, TH_SKIP, "/proc/cpuinfo has no flags line");
		return;
	}
	bool f = th_host_flag(h, "sgx"), lc = th_host_flag(h, "sgx_lc");
	th_check_ev(c, "/proc/cpuinfo flags: sgx %s, sgx_lc %s", f ? "present" : "absent", lc ? "present" : "absent");
	if (th_host_read_line(h, "/proc/cmdline", cmdline, sizeof(cmdline)) && strstr(cmdline, "nosgx"))
		th_check_ev(c, "/proc/cmdline has nosgx");
	if (th_host_kmsg_find(h, "SGX Launch Control is locked", line, sizeof(line)) ||
	    th_host_kmsg_find(h, "SGX disabled", line, sizeof(line)) ||
	    th_host_kmsg_find(h, "There are zero EPC sections", line, sizeof(line)))
		th_check_ev(c, "kernel log: \"%s\"", line);
	if (f && (lc || !s->flc)) {
		th_check_set(c, TH_PASS, "the kernel enabled SGX");
	} else {
		th_check_set(c, TH_FAIL, "the kernel turned SGX off at boot (it clears the flag when firmware settings or the kernel config rule SGX out)");
		th_check_fix(c, "Fix what the kernel log line says (sgx.flc_enabled, sgx.enabled, sgx.kconfig), and do not boot with nosgx.");
	}
}

/* ---- device nodes and who may open them ---------------------------------------------------- */

static void sgx_dev_enclave(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	struct stat st;
	char desc[160];

	if (!s->on || h->sgx_drv == TEEHOST_SGX_NONE) {
		th_check_set(c, TH_SKIP, "%s", !s->on ? SGX_OFF : NO_DRIVER);
		return;
	}
	const char *p = enclave_node(&s->probe);
	int err = th_root_stat(&h->root, p, &st, true);
	if (err) {
		th_check_ev(c, "%s: %s", p, strerror(-err));
		th_check_set(c, TH_FAIL, "the driver's enclave node is missing");
		th_check_fix(c, "Check that udev runs (`udevadm trigger`), and the kernel log for the driver's errors.");
		return;
	}
	th_host_describe_node(h, &st, desc, sizeof(desc));
	th_check_ev(c, "%s: %s", p, desc);
	if ((st.st_mode & 0006) == 0006) {
		th_check_set(c, TH_PASS, "every user can create enclaves");
	} else {
		th_check_set(c, TH_WARN, "only its owner or group can create enclaves");
		th_check_fix(c, "`teehost setup` installs the udev rule giving it mode 0666 (the kernel checks enclave permissions itself).");
	}
}

static void sgx_dev_provision(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	struct stat st;
	char desc[160], group[64];

	if (!s->on || h->sgx_drv == TEEHOST_SGX_NONE) {
		th_check_set(c, TH_SKIP, "%s", !s->on ? SGX_OFF : NO_DRIVER);
		return;
	}
	if (h->sgx_drv == TEEHOST_SGX_ISGX) {
		th_check_set(c, TH_SKIP, "the legacy isgx driver has no provision node");
		return;
	}
	const char *p = th_host_exists(h, "/dev/sgx_provision") ? "/dev/sgx_provision" : "/dev/sgx/provision";
	int err = th_root_stat(&h->root, p, &st, true);
	if (err) {
		th_check_ev(c, "/dev/sgx_provision, /dev/sgx/provision: %s", strerror(-err));
		th_check_set(c, TH_WARN, "no provision node: enclaves cannot get the PROVISIONKEY (DCAP quoting enclaves need it)");
		th_check_fix(c, "Use a kernel or DCAP driver that has it (in-kernel since 5.11).");
		return;
	}
	th_host_gid_name(h, st.st_gid, group, sizeof(group));
	th_host_describe_node(h, &st, desc, sizeof(desc));
	th_check_ev(c, "%s: %s", p, desc);
	if (st.st_mode & 0006) {
		th_check_set(c, TH_WARN, "every user can open it and so derive the platform's provisioning key");
		th_check_fix(c, "`teehost setup` installs the udev rule: group sgx_prv, mode 0660.");
	} else if (strcmp(group, TH_SGX_PRV_GROUP) || (st.st_mode & 0060) != 0060) {
		th_check_set(c, TH_WARN, "members of sgx_prv cannot open it (group %s, mode %04o)", group, (unsigned)(st.st_mode & 07777));
		th_check_fix(c, "`teehost setup` installs the udev rule: group sgx_prv, mode 0660.");
	} else {
		th_check_set(c, TH_PASS, "only root and group sgx_prv can open it");
	}
}

static void sgx_dev_vepc(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	struct stat st;
	char desc[160];

	if (!s->on || h->sgx_drv != TEEHOST_SGX_KERNEL) {
		th_check_set(c, TH_SKIP, "%s", !s->on ? SGX_OFF : "the in-kernel driver is not in use; /dev/sgx_vepc is its");
	} else if (th_root_stat(&h->root, "/dev/sgx_vepc", &st, true) == 0) {
		th_host_describe_node(h, &st, desc, sizeof(desc));
		th_check_ev(c, "/dev/sgx_vepc: %s", desc);
		th_check_set(c, TH_PASS, "this host can give SGX to KVM guests");
	} else {
		th_check_ev(c, "/dev/sgx_vepc: absent");
		th_check_set(c, TH_WARN, "this host cannot give SGX to KVM guests");
		th_check_fix(c, "Only needed to run SGX VMs: boot a kernel with CONFIG_X86_SGX_KVM=y and KVM enabled.");
	}
}

static void sgx_dev_compat(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	struct stat st;
	char l1[128] = "", l2[128] = "";

	if (!s->on || h->sgx_drv == TEEHOST_SGX_NONE || h->sgx_drv == TEEHOST_SGX_ISGX) {
		th_check_set(c, TH_SKIP, "%s", !s->on ? SGX_OFF : h->sgx_drv == TEEHOST_SGX_ISGX ?
			     "the legacy isgx driver has only /dev/isgx" : NO_DRIVER);
		return;
	}
	bool e1 = th_root_stat(&h->root, "/dev/sgx/enclave", &st, true) == 0;
	bool e2 = th_root_stat(&h->root, "/dev/sgx/provision", &st, true) == 0;
	th_root_readlink(&h->root, "/dev/sgx/enclave", l1, sizeof(l1));
	th_root_readlink(&h->root, "/dev/sgx/provision", l2, sizeof(l2));
	th_check_ev(c, "/dev/sgx/enclave %s%s%s, /dev/sgx/provision %s%s%s", e1 ? "present" : "absent",
		    l1[0] ? " -> " : "", l1, e2 ? "present" : "absent", l2[0] ? " -> " : "", l2);
	if (e1 && e2) {
		th_check_set(c, TH_PASS, "the /dev/sgx/ names older software opens are there");
	} else {
		th_check_set(c, TH_WARN, "no /dev/sgx/%s: software written for the DCAP driver (PSW 2.12 and older, some runtimes) will not find the device",
			     e1 ? "provision" : "enclave");
		th_check_fix(c, "`teehost setup` installs the udev rule that adds these symlinks.");
	}
}

static void sgx_udev(struct th_host *h, void *family, struct th_check *c)
{
	struct udev_view u;
	struct stat st;
	(void)family;

	if (h->sgx_drv == TEEHOST_SGX_ISGX) {
		th_check_set(c, TH_SKIP, "the legacy isgx driver's node is not named by these rules");
		return;
	}
	if (h->sgx_drv == TEEHOST_SGX_DCAP && th_root_stat(&h->root, "/dev/sgx/enclave", &st, false) == 0 &&
	    (S_ISCHR(st.st_mode) || (!h->root.live && S_ISREG(st.st_mode)))) {
		th_check_set(c, TH_SKIP, "the DCAP driver creates its /dev/sgx/ nodes itself");
		return;
	}
	udev_scan(h, &u);
	th_check_ev(c, "rules for sgx_enclave/sgx_provision: %s", u.files[0] ? u.files : "none");
	if (u.files[0])
		th_check_ev(c, "sgx_enclave MODE=\"%s\" SYMLINK+=\"%s\"; sgx_provision GROUP=\"%s\" MODE=\"%s\" SYMLINK+=\"%s\"",
			    u.enc_mode, u.enc_link, u.prv_group, u.prv_mode, u.prv_link);
	if (u.bad_lines)
		th_check_ev(c, "%d unparseable rule line%s", u.bad_lines, u.bad_lines == 1 ? "" : "s");
	if (!strcmp(u.enc_mode, "0666") && !strcmp(u.enc_link, "sgx/enclave") &&
	    !strcmp(u.prv_group, TH_SGX_PRV_GROUP) && !strcmp(u.prv_mode, "0660") &&
	    !strcmp(u.prv_link, "sgx/provision")) {
		th_check_set(c, TH_PASS, "udev rules give the SGX nodes Intel's modes, group and /dev/sgx/ links");
	} else {
		th_check_set(c, TH_WARN, "%s", u.files[0] ? "udev rules for the SGX nodes differ from Intel's (enclave 0666, provision sgx_prv 0660, /dev/sgx/ links)" :
			     "no udev rules for the SGX nodes: the kernel's defaults apply (root only)");
		th_check_fix(c, "`teehost setup` writes %s.", TH_SGX_UDEV_PATH);
	}
}

/* --user NAME given: is it in sgx_prv (by membership or as its primary group)? */
static void group_has_user(struct th_host *h, struct th_check *c, unsigned long gid, char *members)
{
	const char *user = h->opts.user;
	unsigned long uid, ugid;
	struct th_group_ent g = { .members = { members, strlen(members) } };
	bool known = th_host_user(h, user, &uid, &ugid);

	if (known && (ugid == gid || th_group_has_member(&g, user))) {
		th_check_set(c, TH_PASS, "group %s exists and %s is in it", TH_SGX_PRV_GROUP, user);
		return;
	}
	th_check_set(c, TH_WARN, "%s is %s", user, known ? "not in group sgx_prv" : "not a user in /etc/passwd");
	if (known)
		th_check_fix(c, "`teehost setup --user %s` adds it (it takes effect at the next login).", user);
	else
		th_check_fix(c, "Create the user first, or give --user an existing name.");
}

static void sgx_group(struct th_host *h, void *family, struct th_check *c)
{
	unsigned long gid;
	char members[512];
	(void)family;

	if (h->sgx_drv == TEEHOST_SGX_ISGX) {
		th_check_set(c, TH_SKIP, "the legacy isgx driver has no provision node for the group to open");
		return;
	}
	if (!th_host_group(h, TH_SGX_PRV_GROUP, &gid, members, sizeof(members))) {
		th_check_ev(c, "/etc/group: no %s", TH_SGX_PRV_GROUP);
		th_check_set(c, TH_WARN, "no sgx_prv group: nobody but root can use the provision node");
		th_check_fix(c, "`teehost setup%s%s` adds the group%s.", h->opts.user ? " --user " : "",
			     h->opts.user ? h->opts.user : "", h->opts.user ? " and the user" : "");
		return;
	}
	th_check_ev(c, "/etc/group: %s gid %lu, members \"%s\"", TH_SGX_PRV_GROUP, gid, members);
	if (h->opts.user)
		group_has_user(h, c, gid, members);
	else
		th_check_set(c, TH_PASS, "group %s exists (give --user NAME to check a user)", TH_SGX_PRV_GROUP);
}

static void sgx_dev_noexec(struct th_host *h, void *family, struct th_check *c)
{
	char opts[256], where[128];
	(void)family;

	if (dev_mount(h, opts, sizeof(opts), where, sizeof(where))) {
		th_check_set(c, TH_SKIP, "/proc/self/mountinfo is not readable or has no / or /dev mount");
		return;
	}
	struct th_span o = { opts, strlen(opts) };
	th_check_ev(c, "/proc/self/mountinfo: %s mounted %s", where, opts);
	if (th_optlist_has(o, "noexec")) {
		th_check_set(c, TH_FAIL, "/dev is mounted noexec: mapping enclave pages executable fails (mmap PROT_EXEC on /dev/sgx_enclave gives EPERM)");
		th_check_fix(c, "Now: `mount -o remount,exec /dev`. For good: drop noexec for /dev where it is set (container runtime, /etc/fstab, a systemd mount unit). teehost setup never remounts /dev itself.");
	} else {
		th_check_set(c, TH_PASS, "/dev allows executable mappings");
	}
}

/* ---- services and the proof ---------------------------------------------------------------- */

static void sgx_aesm(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	/* without FLC (or with isgx, which always asks) every enclave needs AESM's launch token */
	bool need = h->sgx_drv == TEEHOST_SGX_ISGX || !s->flc;
	bool unit = th_host_exists(h, "/lib/systemd/system/aesmd.service") ||
		    th_host_exists(h, "/usr/lib/systemd/system/aesmd.service") ||
		    th_host_exists(h, "/etc/systemd/system/aesmd.service");
	bool enabled = th_host_exists(h, "/etc/systemd/system/multi-user.target.wants/aesmd.service");
	bool active = th_host_exists(h, "/run/systemd/units/invocation:aesmd.service");
	struct stat st;
	int err = th_root_stat(&h->root, AESM_SOCKET, &st, true);
	bool up = false;

	c->required = need;
	th_check_ev(c, "aesmd.service unit %s, %s, %s", unit ? "installed" : "not installed",
		    enabled ? "enabled" : "not enabled", active ? "started (/run/systemd/units)" : "not started");
	if (err) {
		th_check_ev(c, "%s: %s", AESM_SOCKET, strerror(-err));
	} else if (S_ISSOCK(st.st_mode)) {
		char why[128];
		up = aesm_answers(h, AESM_SOCKET, why, sizeof(why));
		th_check_ev(c, "%s: %s", AESM_SOCKET, why);
	} else {
		up = !h->root.live;
		th_check_ev(c, "%s: %s", AESM_SOCKET, h->root.live ? "not a socket" : "present (fixture stand-in, not contacted)");
	}
	if (up) {
		th_check_set(c, TH_PASS, "AESM is running");
	} else {
		th_check_set(c, need ? TH_FAIL : TH_WARN, "%s", need ?
			     "AESM is not running: without FLC every enclave needs its launch token" :
			     "AESM is not running: needed only for out-of-process quoting (EPID, or DCAP through AESM)");
		th_check_fix(c, "%s", unit ? "`systemctl enable --now aesmd`." :
			     "Install Intel's sgx-aesm-service (with libsgx-launch for launch tokens), then `systemctl enable --now aesmd`.");
	}
}

/* What sgx-detect does last, and the only proof that all of the above adds up: load and
 * enter the installed sample enclave through teehost's loader. */
static void sgx_launch(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	char sample[PATH_MAX];
	struct teehost_sgx_live live;

	c->required = s->on && h->root.live && h->sgx_drv != TEEHOST_SGX_NONE;
	if (!s->on) {
		th_check_set(c, TH_SKIP, "%s", SGX_OFF);
	} else if (!h->root.live) {
		th_check_set(c, TH_SKIP, "nothing is launched on a fixture root (--root)");
	} else if (h->sgx_drv == TEEHOST_SGX_NONE) {
		th_check_set(c, TH_SKIP, "no SGX driver to launch on (see sgx.driver)");
	} else if (!find_sample(sample, sizeof(sample))) {
		th_check_set(c, TH_SKIP, "the sample enclave is not installed (%s)", sample);
	} else if (teehost_sgx_live_test(sample, NULL, &live) == 0 && live.ok) {
		th_check_ev(c, "%s on the %s driver: add 2 40 = %llu", sample,
			    teehost_sgx_driver_name(live.driver), (unsigned long long)live.answer);
		th_check_set(c, TH_PASS, "an enclave was created, initialized and entered");
	} else {
		th_check_ev(c, "%s: step %s: common-loader error 0x%04x: %s", sample,
			    live.step ? live.step : "?", live.code, live.msg);
		th_check_set(c, TH_FAIL, "launching the sample enclave failed at step %s",
			     live.step ? live.step : "?");
		th_check_fix(c, "Fix the failing checks above first; `teehost run --verbose %s` shows each step.",
			     sample);
	}
}

/* The EPC the kernel manages: each NUMA node's x86/sgx_total_bytes (Linux 5.17+), summed. */
static int epc_sysfs_total(struct th_host *h, uint64_t *total)
{
	DIR *d;
	struct dirent *de;
	int nodes = 0;

	*total = 0;
	if (th_root_opendir(&h->root, "/sys/devices/system/node", &d))
		return 0;
	while ((de = readdir(d))) {
		char path[400], line[64];
		if (strncmp(de->d_name, "node", 4) || !de->d_name[4])
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/node/%.200s/x86/sgx_total_bytes", de->d_name);
		if (th_host_read_line(h, path, line, sizeof(line))) {
			*total += strtoull(line, NULL, 10);
			nodes++;
		}
	}
	closedir(d);
	return nodes;
}

/* The misc cgroup's sgx_epc capacity as evidence text, or "" without one. */
static void epc_cgroup_capacity(struct th_host *h, char *buf, size_t cap)
{
	char *misc;
	size_t len;

	buf[0] = '\0';
	if (th_root_read(&h->root, "/sys/fs/cgroup/misc.capacity", 4096, &misc, &len))
		return;
	char *p = strstr(misc, "sgx_epc ");
	if (p)
		snprintf(buf, cap, "misc cgroup sgx_epc capacity %llu", (unsigned long long)strtoull(p + 8, NULL, 10));
	free(misc);
}

static void sgx_epc_sysfs(struct th_host *h, void *family, struct th_check *c)
{
	const struct sgx_state *s = family;
	uint64_t total;
	char cgroup[128], sz[32], sz2[32];

	if (skipped_unless_on(s, c))
		return;
	int nodes = epc_sysfs_total(h, &total);
	epc_cgroup_capacity(h, cgroup, sizeof(cgroup));
	if (!nodes) {
		th_check_set(c, TH_SKIP, "the kernel exposes no EPC counters (node*/x86/sgx_total_bytes: in-kernel driver, Linux 5.17+)");
		return;
	}
	th_check_ev(c, "/sys/devices/system/node/node*/x86/sgx_total_bytes: %s over %d node%s",
		    size_str(total, sz, sizeof(sz)), nodes, nodes == 1 ? "" : "s");
	if (cgroup[0])
		th_check_ev(c, "%s", cgroup);
	if (total == s->epc_total || !s->epc_total) {
		th_check_set(c, TH_PASS, "the kernel manages all the EPC the CPU reports");
	} else {
		th_check_set(c, TH_WARN, "the kernel manages %s of EPC, CPUID reports %s",
			     size_str(total, sz, sizeof(sz)), size_str(s->epc_total, sz2, sizeof(sz2)));
		th_check_fix(c, "Look for \"sgx:\" lines in the kernel log (sections it could not map).");
	}
}

/* ---- the table ----------------------------------------------------------------------------- */

enum sgx_gate {
	SGX_ASKED,    /* SGX in the CPU, or --only sgx (then sgx.cpu fails and says so) */
	SGX_IN_CPU,   /* SGX in the CPU */
};

static const struct th_check_def sgx_checks[] = {
	/* id                   required  gate        function */
	{ "sgx.cpu",            true,     SGX_ASKED,  sgx_cpu },
	{ "sgx.enabled",        true,     SGX_IN_CPU, sgx_enabled },
	{ "sgx.sgx1",           true,     SGX_IN_CPU, sgx_sgx1 },
	{ "sgx.sgx2",           false,    SGX_IN_CPU, sgx_sgx2 },
	{ "sgx.features",       false,    SGX_IN_CPU, sgx_features },
	{ "sgx.enclave_size",   true,     SGX_IN_CPU, sgx_enclave_size },
	{ "sgx.attributes",     true,     SGX_IN_CPU, sgx_attributes },
	{ "sgx.epc",            true,     SGX_IN_CPU, sgx_epc },
	{ "sgx.flc",            false,    SGX_IN_CPU, sgx_flc },
	{ "sgx.flc_enabled",    false,    SGX_IN_CPU, sgx_flc_enabled }, /* required with FLC, but isgx */
	{ "sgx.le_hash",        false,    SGX_IN_CPU, sgx_le_hash },
	{ "sgx.efi",            false,    SGX_IN_CPU, sgx_efi },
	{ "sgx.kernel",         true,     SGX_IN_CPU, sgx_kernel },
	{ "sgx.kconfig",        true,     SGX_IN_CPU, sgx_kconfig },
	{ "sgx.driver",         true,     SGX_IN_CPU, sgx_driver },
	{ "sgx.cpuinfo",        true,     SGX_IN_CPU, sgx_cpuinfo },
	{ "sgx.dev_enclave",    true,     SGX_IN_CPU, sgx_dev_enclave },
	{ "sgx.dev_provision",  false,    SGX_IN_CPU, sgx_dev_provision },
	{ "sgx.dev_vepc",       false,    SGX_IN_CPU, sgx_dev_vepc },
	{ "sgx.dev_compat",     false,    SGX_IN_CPU, sgx_dev_compat },
	{ "sgx.udev",           false,    SGX_IN_CPU, sgx_udev },
	{ "sgx.group",          false,    SGX_IN_CPU, sgx_group },
	{ "sgx.dev_noexec",     true,     SGX_IN_CPU, sgx_dev_noexec },
	{ "sgx.aesm",           false,    SGX_IN_CPU, sgx_aesm },       /* required without FLC or with isgx */
	{ "sgx.launch",         false,    SGX_IN_CPU, sgx_launch },     /* required where it can run */
	{ "sgx.epc_sysfs",      false,    SGX_IN_CPU, sgx_epc_sysfs },
};

static const char *sgx_gate_closed(const struct th_host *h, const void *family, unsigned gate)
{
	const struct sgx_state *s = family;
	bool asked = h->opts.only & TH_ONLY_SGX;

	if (h->sgx_hw || (gate == SGX_ASKED && asked))
		return NULL;
	return asked ? "needs SGX in the CPU (see sgx.cpu)" : s->absent;
}

/* Everything the SGX checks share: CPUID leaves 7 and 0x12, IA32_FEATURE_CONTROL, the EFI
 * status and the driver in use (the driver decides what a missing FLC means). */
static void sgx_probe(struct th_host *h, struct sgx_state *s)
{
	th_cpuid_query(&h->cpuid, 7, 0, s->l7);
	s->flc = s->l7[TH_ECX] >> 30 & 1;
	th_cpuid_query(&h->cpuid, 0x12, 0, s->l12_0);
	th_cpuid_query(&h->cpuid, 0x12, 1, s->l12_1);
	s->sgx1 = s->l12_0[TH_EAX] & 1;
	s->sgx2 = s->l12_0[TH_EAX] >> 1 & 1;
	s->fc_err = th_host_msr(h, 0x3a, &s->fc);
	/* without the MSR, a CPUID leaf 0x12 that reports SGX1 is the best sign of SGX on */
	s->on = s->fc_err ? s->sgx1 : (s->fc >> 18 & 1);
	read_efi(h, s, NULL);
	h->sgx_drv = detect_driver(h, &s->probe, s->driver_seen, sizeof(s->driver_seen));
	s->oot = h->sgx_drv == TEEHOST_SGX_DCAP || h->sgx_drv == TEEHOST_SGX_ISGX;
}

void th_check_sgx(struct th_host *h)
{
	struct sgx_state s;

	if (h->opts.only && !(h->opts.only & TH_ONLY_SGX))
		return;
	memset(&s, 0, sizeof(s));
	if (!h->id.intel)
		snprintf(s.absent, sizeof(s.absent), "CPU vendor is %s: SGX is an Intel feature", h->id.vendor);
	else
		snprintf(s.absent, sizeof(s.absent), "CPUID.(EAX=7,ECX=0):EBX[2]=0: this %sCPU has no SGX",
			 h->id.hypervisor ? "virtual " : "");
	if (h->sgx_hw)
		sgx_probe(h, &s);
	th_check_table(h, sgx_checks, sizeof(sgx_checks) / sizeof(sgx_checks[0]), sgx_gate_closed, &s);
}
