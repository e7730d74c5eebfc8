/* SEV / SEV-ES / SEV-SNP host checks, after what virtee's `snphost ok` and
 * `sevctl ok` look at: CPUID 0x8000001F, SYSCFG and RMP MSRs, kvm_amd
 * parameters, /dev/sev and its firmware, IOMMU, kernel config, memlock. */
#include "host/check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/psp-sev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* SNP_PLATFORM_STATUS arrived in the uAPI with 6.11; older headers lack it. */
struct th_snp_status {
	uint8_t api_major, api_minor, state, flags;
	uint32_t build_id, flags2, guest_count;
	uint64_t current_tcb, reported_tcb;
} __attribute__((packed));
_Static_assert(sizeof(struct th_snp_status) == 32, "SNP_PLATFORM_STATUS buffer");
#define TH_SNP_PLATFORM_STATUS 9

/* kvm_amd parameter: "Y"/"N" (bool, 6.x) or "1"/"0" (int, older). */
static int kvm_param(struct th_host *h, const char *mod, const char *name, char *raw, size_t cap)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, name);
	if (!th_host_read_line(h, path, raw, cap))
		return -1;
	return !strcmp(raw, "Y") || !strcmp(raw, "1") || !strcmp(raw, "y");
}

static void param_check(struct th_host *h, struct th_check *c, const char *name, const char *what)
{
	char raw[32];
	int v = kvm_param(h, "kvm_amd", name, raw, sizeof(raw));
	if (v < 0) {
		bool loaded = th_host_exists(h, "/sys/module/kvm_amd");
		th_check_ev(c, "/sys/module/kvm_amd/parameters/%s: absent%s", name, loaded ? "" : " (kvm_amd not loaded)");
		th_check_set(c, TH_FAIL, "KVM cannot run %s guests: %s", what,
			     loaded ? "this kvm_amd has no such parameter (kernel too old)" : "kvm_amd is not loaded");
		th_check_fix(c, "%s", loaded ? "Boot a kernel with SEV-SNP host support (6.11+ for SNP)." :
			     "`modprobe kvm_amd` (and check the kernel log for why it did not load).");
	} else {
		th_check_ev(c, "/sys/module/kvm_amd/parameters/%s = %s", name, raw);
		if (v) {
			th_check_set(c, TH_PASS, "KVM runs %s guests", what);
		} else {
			th_check_set(c, TH_FAIL, "KVM has %s turned off", what);
			th_check_fix(c, "`teehost setup` writes /etc/modprobe.d/teehost-kvm-amd.conf (options kvm_amd %s=1); then `modprobe -r kvm_amd && modprobe kvm_amd` or reboot. If it stays off, the kernel log says why (firmware, RMP, IOMMU).", name);
		}
	}
}

static bool sev_dev_status(struct th_host *h, struct th_check *c, bool snp, char *ver, size_t cap)
{
	/* ioctls only on the live machine's real device */
	struct stat st;
	if (!h->root.live || th_root_stat(&h->root, "/dev/sev", &st, true) || !S_ISCHR(st.st_mode))
		return false;
	int fd = open("/dev/sev", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		th_check_ev(c, "open /dev/sev: %s", strerror(errno));
		return false;
	}
	struct sev_issue_cmd cmd;
	bool ok = false;
	memset(&cmd, 0, sizeof(cmd));
	if (!snp) {
		struct sev_user_data_status s;
		memset(&s, 0, sizeof(s));
		cmd.cmd = SEV_PLATFORM_STATUS;
		cmd.data = (uint64_t)(uintptr_t)&s;
		if (ioctl(fd, SEV_ISSUE_CMD, &cmd) == 0) {
			snprintf(ver, cap, "SEV_PLATFORM_STATUS: API %u.%u build %u, state %u, guests %u",
				 s.api_major, s.api_minor, s.build, s.state, s.guest_count);
			ok = true;
		} else {
			th_check_ev(c, "SEV_PLATFORM_STATUS ioctl: %s (fw error %u)", strerror(errno), cmd.error);
		}
	} else {
		struct th_snp_status s;
		memset(&s, 0, sizeof(s));
		cmd.cmd = TH_SNP_PLATFORM_STATUS;
		cmd.data = (uint64_t)(uintptr_t)&s;
		if (ioctl(fd, SEV_ISSUE_CMD, &cmd) == 0) {
			snprintf(ver, cap, "SNP_PLATFORM_STATUS: API %u.%u build %u, state %u, RMP initialized %u, TCB 0x%016llx",
				 s.api_major, s.api_minor, s.build_id, s.state, s.flags & 1,
				 (unsigned long long)s.current_tcb);
			ok = true;
		} else {
			th_check_ev(c, "SNP_PLATFORM_STATUS ioctl: %s (fw error %u)", strerror(errno), cmd.error);
		}
	}
	close(fd);
	return ok;
}

/* What the SEV checks share: CPUID 0x8000001F, and SYSCFG on an SEV host (sev_probe). */
struct sev_state {
	char absent[200];       /* why SEV is not here: the gates' reason */
	uint32_t r[4];          /* CPUID 0x8000001F */
	bool sme, sev, es, snp, vmpl;
	int syscfg_err;
	uint64_t syscfg;
};

#define NO_SNP "the CPU has no SEV-SNP (see sev.snp)"

/* ---- CPU and firmware ---------------------------------------------------------------------- */

static void sev_cpu(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	const uint32_t *r = s->r;
	if (!h->sev_hw) {
		/* only reached with --only sev (the gate skips it otherwise) */
		th_check_ev(c, "%s", s->absent);
		th_check_set(c, TH_FAIL, "no SEV on this CPU, and --only sev asked for it");
		th_check_fix(c, "Use an AMD EPYC CPU (SEV: 7001+, SEV-SNP: 7003 Milan and later).");
		return;
	}
	th_check_ev(c, "CPUID.0x8000001F: EAX=0x%08x (SME=%d SEV=%d PageFlushMsr=%d SEV-ES=%d SEV-SNP=%d VMPL=%d), EBX=0x%08x (C-bit %u, phys addr reduction %u, VMPLs %u), ECX=%u guests, EDX=min SEV-only ASID %u",
		    r[TH_EAX], s->sme, s->sev, (int)(r[TH_EAX] >> 2 & 1), s->es, s->snp, s->vmpl, r[TH_EBX], r[TH_EBX] & 0x3f,
		    r[TH_EBX] >> 6 & 0x3f, r[TH_EBX] >> 12 & 0xf, r[TH_ECX], r[TH_EDX]);
	th_check_set(c, TH_PASS, "the CPU implements SEV (%u encrypted guests at once)", r[TH_ECX]);
}

static void sev_es(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	(void)h;
	th_check_ev(c, "CPUID.0x8000001F:EAX[3] SEV-ES=%d", s->es);
	if (s->es) {
		th_check_set(c, TH_PASS, "SEV-ES: guest register state is encrypted too (ASIDs 1-%u)", s->r[TH_EDX] ? s->r[TH_EDX] - 1 : 0);
	} else {
		th_check_set(c, TH_WARN, "no SEV-ES: guest registers are visible to the host");
		th_check_fix(c, "Nothing to change on this CPU (SEV-ES needs EPYC 7002 Rome or later).");
	}
}

static void sev_snp(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	(void)h;
	th_check_ev(c, "CPUID.0x8000001F:EAX[4] SEV-SNP=%d, EAX[5] VMPL=%d, EBX[15:12] VMPLs=%u", s->snp, s->vmpl, s->r[TH_EBX] >> 12 & 0xf);
	if (s->snp) {
		th_check_set(c, TH_PASS, "SEV-SNP: integrity protection and attestation reports");
	} else {
		th_check_set(c, TH_WARN, "no SEV-SNP: no memory integrity and no SNP attestation");
		th_check_fix(c, "Nothing to change on this CPU (SEV-SNP needs EPYC 7003 Milan or later).");
	}
}

static void sev_sme_enabled(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	(void)h;
	if (s->syscfg_err) {
		th_check_set(c, TH_SKIP, "MSR 0xC0010010 unreadable (%s); see host.msr", strerror(-s->syscfg_err));
		return;
	}
	th_check_ev(c, "MSR 0xC0010010 SYSCFG=0x%llx: MemEncryptionModEn(bit 23)=%d", (unsigned long long)s->syscfg, (int)(s->syscfg >> 23 & 1));
	if (s->syscfg >> 23 & 1) {
		th_check_set(c, TH_PASS, "the firmware enabled memory encryption");
	} else {
		th_check_set(c, TH_FAIL, "memory encryption is off in the firmware: no SEV guest can start");
		th_check_fix(c, "Enable SMEE (Secure Memory Encryption) and SEV in the firmware setup (often Advanced > CPU Configuration), and give SEV ASIDs a count; reboot.");
	}
}

static void sev_snp_enabled(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	(void)h;
	c->required = s->snp;
	if (!s->snp) {
		th_check_set(c, TH_SKIP, "%s", NO_SNP);
		return;
	}
	if (s->syscfg_err) {
		th_check_set(c, TH_SKIP, "MSR 0xC0010010 unreadable (%s); see host.msr", strerror(-s->syscfg_err));
		return;
	}
	bool snp_on = s->syscfg >> 24 & 1;
	th_check_ev(c, "MSR 0xC0010010 SYSCFG: SecureNestedPagingEn(bit 24)=%d, VMPLEn(bit 25)=%d", snp_on, (int)(s->syscfg >> 25 & 1));
	if (snp_on) {
		th_check_set(c, TH_PASS, "SNP is enabled (the kernel set it after the firmware reserved the RMP)");
	} else {
		th_check_set(c, TH_FAIL, "SNP is not enabled: the firmware reserved no RMP, or the kernel did not initialize SNP");
		th_check_fix(c, "Enable SEV-SNP and 'SNP Memory (RMP Table) Coverage' in the firmware setup; boot Linux 6.11+ with CONFIG_KVM_AMD_SEV=y and the IOMMU on.");
	}
}

static void sev_rmp(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	uint64_t base, end;

	c->required = s->snp;
	if (!s->snp) {
		th_check_set(c, TH_SKIP, "%s", NO_SNP);
		return;
	}
	int e1 = th_host_msr(h, 0xc0010132, &base), e2 = e1 ? e1 : th_host_msr(h, 0xc0010133, &end);
	if (e1 || e2) {
		th_check_set(c, TH_SKIP, "RMP MSRs 0xC0010132/3 unreadable (%s)", strerror(-(e1 ? e1 : e2)));
		return;
	}
	th_check_ev(c, "MSR 0xC0010132 RMP_BASE=0x%llx, 0xC0010133 RMP_END=0x%llx", (unsigned long long)base, (unsigned long long)end);
	if (base && end > base) {
		th_check_set(c, TH_PASS, "the firmware reserved an RMP table of %llu MiB", (unsigned long long)((end - base + 1) >> 20));
	} else {
		th_check_set(c, TH_FAIL, "no RMP table: SNP cannot be enabled");
		th_check_fix(c, "Enable 'SNP Memory (RMP Table) Coverage' in the firmware setup and reboot.");
	}
}

static void sev_iommu(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	DIR *d;
	int n = 0;
	char names[128] = "", cmdline[256];

	c->required = s->snp;
	if (th_root_opendir(&h->root, "/sys/class/iommu", &d) == 0) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && n++ < 4)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%.40s", n > 1 ? " " : "", de->d_name);
		closedir(d);
	}
	th_check_ev(c, "/sys/class/iommu: %d unit%s%s%s", n, n == 1 ? "" : "s", n ? ": " : "", names);
	if (th_host_read_line(h, "/proc/cmdline", cmdline, sizeof(cmdline)) &&
	    (strstr(cmdline, "iommu=off") || strstr(cmdline, "amd_iommu=off")))
		th_check_ev(c, "/proc/cmdline has %s", strstr(cmdline, "amd_iommu=off") ? "amd_iommu=off" : "iommu=off");
	if (n) {
		th_check_set(c, TH_PASS, "the IOMMU is on");
	} else {
		th_check_set(c, s->snp ? TH_FAIL : TH_WARN, "no IOMMU: SEV-SNP needs it to keep devices out of guest memory");
		th_check_fix(c, "Enable the IOMMU in the firmware setup and do not boot with iommu=off or amd_iommu=off.");
	}
}

/* ---- KVM ----------------------------------------------------------------------------------- */

static void sev_kvm_sev(struct th_host *h, void *family, struct th_check *c)
{
	(void)family;
	param_check(h, c, "sev", "SEV");
}

static void sev_kvm_sev_es(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	c->required = s->es;
	if (s->es)
		param_check(h, c, "sev_es", "SEV-ES");
	else
		th_check_set(c, TH_SKIP, "the CPU has no SEV-ES (see sev.es)");
}

static void sev_kvm_sev_snp(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	c->required = s->snp;
	if (s->snp)
		param_check(h, c, "sev_snp", "SEV-SNP");
	else
		th_check_set(c, TH_SKIP, "%s", NO_SNP);
}

/* ---- the firmware device ------------------------------------------------------------------- */

static void sev_dev(struct th_host *h, void *family, struct th_check *c)
{
	struct stat st;
	char desc[160], line[256];
	(void)family;

	if (th_root_stat(&h->root, "/dev/sev", &st, true)) {
		th_check_ev(c, "/dev/sev: absent");
		if (th_host_kmsg_find(h, "SEV: memory encryption not enabled by BIOS", line, sizeof(line)) ||
		    th_host_kmsg_find(h, "sev command", line, sizeof(line)))
			th_check_ev(c, "kernel log: \"%s\"", line);
		th_check_set(c, TH_FAIL, "no /dev/sev: the PSP driver (ccp) did not bring up SEV firmware");
		th_check_fix(c, "`modprobe ccp`; if it stays absent, the kernel log (\"ccp\", \"SEV\") says why (firmware settings, CONFIG_CRYPTO_DEV_SP_PSP).");
		return;
	}
	th_host_describe_node(h, &st, desc, sizeof(desc));
	th_check_ev(c, "/dev/sev: %s", desc);
	if (!h->root.live) {
		th_check_set(c, TH_PASS, "the SEV firmware device is there");
		return;
	}
	bool rw = access("/dev/sev", R_OK | W_OK) == 0;
	th_check_ev(c, "%s by this user", rw ? "readable and writable" : "not readable and writable");
	if (!rw) {
		th_check_set(c, TH_WARN, "this user cannot talk to the SEV firmware (VMMs running as this user cannot start SEV guests)");
		th_check_fix(c, "Run the VMM as root or give its user access to /dev/sev (e.g. a group with a udev rule).");
	} else {
		th_check_set(c, TH_PASS, "the SEV firmware device is there and usable");
	}
}

static void sev_firmware(struct th_host *h, void *family, struct th_check *c)
{
	char status[256];
	(void)family;

	if (sev_dev_status(h, c, false, status, sizeof(status)) ||
	    th_host_kmsg_find(h, "SEV API:", status, sizeof(status))) {
		th_check_ev(c, "%s", status);
		th_check_set(c, TH_PASS, "the SEV firmware answers");
	} else {
		th_check_set(c, TH_SKIP, "no SEV firmware version: /dev/sev not queried (needs the live machine and root) and no \"SEV API:\" kernel log line");
	}
}

static void sev_snp_firmware(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	char status[256];

	if (!s->snp) {
		th_check_set(c, TH_SKIP, "%s", NO_SNP);
	} else if (sev_dev_status(h, c, true, status, sizeof(status)) ||
		   th_host_kmsg_find(h, "SEV-SNP API:", status, sizeof(status))) {
		th_check_ev(c, "%s", status);
		th_check_set(c, TH_PASS, "the SNP firmware is initialized");
	} else if (th_host_kmsg_find(h, "SEV-SNP: failed to INIT", status, sizeof(status))) {
		th_check_ev(c, "kernel log: \"%s\"", status);
		th_check_set(c, TH_FAIL, "the kernel could not initialize SNP firmware");
		th_check_fix(c, "Update the SEV firmware (platform BIOS or /lib/firmware/amd/amd_sev_fam19h_*.sbin) and check sev.snp_enabled, sev.iommu.");
	} else {
		th_check_set(c, TH_SKIP, "no SNP firmware status: /dev/sev not queried (needs the live machine and root) and no \"SEV-SNP API:\" kernel log line");
	}
}

/* ---- kernel and limits --------------------------------------------------------------------- */

static void sev_kconfig(struct th_host *h, void *family, struct th_check *c)
{
	static const char *const syms[] = { "KVM_AMD_SEV", "AMD_MEM_ENCRYPT", "CRYPTO_DEV_SP_PSP", "CRYPTO_DEV_CCP_DD", "KVM_AMD" };
	char missing[128] = "";
	(void)family;

	if (th_host_kconfig(h, "KVM_AMD_SEV") == '?') {
		th_check_set(c, TH_SKIP, "no kernel configuration (see host.kconfig)");
		return;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		char t = th_host_kconfig(h, syms[i]);
		th_check_ev(c, "CONFIG_%s=%c", syms[i], t);
		if (t != 'y' && t != 'm')
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%sCONFIG_%s", missing[0] ? ", " : "", syms[i]);
	}
	if (!missing[0]) {
		th_check_set(c, TH_PASS, "the kernel is built for SEV hosts");
	} else {
		th_check_set(c, TH_FAIL, "the kernel lacks %s", missing);
		th_check_fix(c, "Boot a kernel built with them (`teehost kernel` has an SEV-SNP profile).");
	}
}

static void sev_memlock(struct th_host *h, void *family, struct th_check *c)
{
	char *lim;
	size_t len;
	uint64_t soft, hard;
	char s1[32], s2[32];
	(void)family;

	if (th_root_read(&h->root, "/proc/self/limits", 65536, &lim, &len)) {
		th_check_set(c, TH_SKIP, "/proc/self/limits is not readable");
		return;
	}
	int err = th_limits_get(lim, len, "Max locked memory", &soft, &hard);
	free(lim);
	if (err) {
		th_check_set(c, TH_SKIP, "/proc/self/limits has no readable \"Max locked memory\" row");
		return;
	}
	snprintf(s1, sizeof(s1), soft == UINT64_MAX ? "unlimited" : "%llu", (unsigned long long)soft);
	snprintf(s2, sizeof(s2), hard == UINT64_MAX ? "unlimited" : "%llu", (unsigned long long)hard);
	th_check_ev(c, "RLIMIT_MEMLOCK (/proc/self/limits): soft %s, hard %s bytes", s1, s2);
	th_check_set(c, TH_PASS, "SEV and SEV-ES guests pin their memory (KVM_MEMORY_ENCRYPT_REG_REGION): a VMM without CAP_IPC_LOCK needs MEMLOCK of at least its guest's size");
}

/* ---- guest side ---------------------------------------------------------------------------- */

static void sev_guest(struct th_host *h, void *family, struct th_check *c)
{
	const struct sev_state *s = family;
	struct stat st;

	c->required = h->sev_guest;
	if (!h->sev_guest) {
		th_check_set(c, TH_SKIP, "not an SEV guest");
		return;
	}
	int err = th_root_stat(&h->root, "/dev/sev-guest", &st, true);
	th_check_ev(c, "CPUID.0x8000001F:EAX=0x%08x (SEV=%d SEV-ES=%d SEV-SNP=%d)", s->r[TH_EAX], s->sev, s->es, s->snp);
	th_check_ev(c, "/dev/sev-guest: %s", err ? strerror(-err) : "present");
	if (!err) {
		th_check_set(c, TH_PASS, "SEV guest with the attestation device");
	} else {
		th_check_set(c, s->snp ? TH_FAIL : TH_WARN, "no /dev/sev-guest: the guest cannot ask for attestation reports");
		th_check_fix(c, "`modprobe sev-guest` (CONFIG_SEV_GUEST); it needs an SEV-SNP guest.");
	}
}

/* ---- the table ----------------------------------------------------------------------------- */

enum sev_gate {
	SEV_ASKED,    /* an SEV host, or --only sev on a machine that is no SEV guest */
	SEV_HOST,     /* an SEV host */
	SEV_ALWAYS,   /* the guest check says itself whether this is a guest */
};

static const struct th_check_def sev_checks[] = {
	/* id                   required  gate        function */
	{ "sev.cpu",            true,     SEV_ASKED,  sev_cpu },
	{ "sev.es",             false,    SEV_HOST,   sev_es },
	{ "sev.snp",            false,    SEV_HOST,   sev_snp },
	{ "sev.sme_enabled",    true,     SEV_HOST,   sev_sme_enabled },
	{ "sev.snp_enabled",    false,    SEV_HOST,   sev_snp_enabled },  /* required with SNP */
	{ "sev.rmp",            false,    SEV_HOST,   sev_rmp },          /* required with SNP */
	{ "sev.iommu",          false,    SEV_HOST,   sev_iommu },        /* required with SNP */
	{ "sev.kvm_sev",        true,     SEV_HOST,   sev_kvm_sev },
	{ "sev.kvm_sev_es",     false,    SEV_HOST,   sev_kvm_sev_es },   /* required with SEV-ES */
	{ "sev.kvm_sev_snp",    false,    SEV_HOST,   sev_kvm_sev_snp },  /* required with SNP */
	{ "sev.dev",            true,     SEV_HOST,   sev_dev },
	{ "sev.firmware",       false,    SEV_HOST,   sev_firmware },
	{ "sev.snp_firmware",   false,    SEV_HOST,   sev_snp_firmware },
	{ "sev.kconfig",        true,     SEV_HOST,   sev_kconfig },
	{ "sev.memlock",        false,    SEV_HOST,   sev_memlock },
	{ "sev.guest",          false,    SEV_ALWAYS, sev_guest },        /* required in an SEV guest */
};

static const char *sev_gate_closed(const struct th_host *h, const void *family, unsigned gate)
{
	const struct sev_state *s = family;
	bool asked = h->opts.only & TH_ONLY_SEV;

	if (gate == SEV_ALWAYS || h->sev_hw)
		return NULL;
	if (h->sev_guest)
		return "this is an SEV guest (hypervisor bit set, CPUID.0x8000001F:EAX[1]=1): host checks do not apply";
	if (gate == SEV_ASKED && asked)
		return NULL;
	return asked ? "needs SEV in the CPU (see sev.cpu)" : s->absent;
}

/* CPUID 0x8000001F everywhere; SYSCFG only on an SEV host (an MSR read may load msr). */
static void sev_probe(struct th_host *h, struct sev_state *s)
{
	th_cpuid_query(&h->cpuid, 0x8000001f, 0, s->r);
	s->sme = s->r[TH_EAX] & 1;
	s->sev = s->r[TH_EAX] >> 1 & 1;
	s->es = s->r[TH_EAX] >> 3 & 1;
	s->snp = s->r[TH_EAX] >> 4 & 1;
	s->vmpl = s->r[TH_EAX] >> 5 & 1;
	if (h->sev_hw)
		s->syscfg_err = th_host_msr(h, 0xc0010010, &s->syscfg);
	if (!h->id.amd)
		snprintf(s->absent, sizeof(s->absent), "CPU vendor is %s: SEV is an AMD feature", h->id.vendor);
	else if (h->id.hypervisor)
		snprintf(s->absent, sizeof(s->absent), "a VM without SEV (CPUID.0x8000001F:EAX[1]=0): SEV hosts run on bare metal");
	else
		snprintf(s->absent, sizeof(s->absent), "CPUID.0x8000001F:EAX[1]=0: this CPU has no SEV");
}

void th_check_sev(struct th_host *h)
{
	struct sev_state s;

	if (h->opts.only && !(h->opts.only & TH_ONLY_SEV))
		return;
	memset(&s, 0, sizeof(s));
	sev_probe(h, &s);
	th_check_table(h, sev_checks, sizeof(sev_checks) / sizeof(sev_checks[0]), sev_gate_closed, &s);
}
