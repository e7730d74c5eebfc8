/* TDX host and guest checks (after canonical/tdx's host tests: MSRs 0x982,
 * 0x1401, 0x87, kvm_intel.tdx) and KVM checks. */
#include "host/check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NOT_INTEL "needs an Intel CPU (see tdx.seamrr)"

/* ---- host: firmware ------------------------------------------------------------------------ */

static void tdx_seamrr(struct th_host *h, void *family, struct th_check *c)
{
	uint64_t cap = 0, v;
	(void)family;

	if (!h->id.intel) {
		/* only reached with --only tdx (the gate skips it otherwise) */
		th_check_ev(c, "CPU vendor %s", h->id.vendor);
		th_check_set(c, TH_FAIL, "TDX is an Intel feature, and --only tdx asked for it");
		th_check_fix(c, "Use an Intel Xeon with TDX (4th gen Sapphire Rapids or later, with TDX in the firmware).");
		return;
	}
	int cerr = th_host_msr(h, 0xfe, &cap);
	int err = th_host_msr(h, 0x1401, &v);
	if (err) {
		th_check_set(c, TH_SKIP, "MSR 0x1401 unreadable (%s); see host.msr", strerror(-err));
		return;
	}
	if (!cerr)
		th_check_ev(c, "MSR 0xFE IA32_MTRRCAP bit 15 SEAMRR=%d", (int)(cap >> 15 & 1));
	th_check_ev(c, "MSR 0x1401 IA32_SEAMRR_PHYS_MASK=0x%llx: enable(bit 11)=%d", (unsigned long long)v, (int)(v >> 11 & 1));
	if (v >> 11 & 1) {
		th_check_set(c, TH_PASS, "the firmware set up the SEAM range for the TDX module");
	} else {
		th_check_set(c, TH_FAIL, "no SEAM range: TDX is not enabled in the firmware");
		th_check_fix(c, "Enable TDX in the firmware setup (Intel TDX: Enabled, SEAM Loader: Enabled, with TME and TME-MT on), then reboot.");
	}
}

static void tdx_tme(struct th_host *h, void *family, struct th_check *c)
{
	uint64_t v;
	(void)family;

	int err = th_host_msr(h, 0x982, &v);
	if (err) {
		th_check_set(c, TH_SKIP, "MSR 0x982 unreadable (%s); see host.msr", strerror(-err));
		return;
	}
	th_check_ev(c, "MSR 0x982 IA32_TME_ACTIVATE=0x%llx: LOCK=%d TME_ENABLE(bit 1)=%d, MK-TME KeyID bits %u, TDX reserved KeyID bits %u",
		    (unsigned long long)v, (int)(v & 1), (int)(v >> 1 & 1), (unsigned)(v >> 32 & 0xf), (unsigned)(v >> 36 & 0xf));
	if ((v & 3) == 3) {
		th_check_set(c, TH_PASS, "total memory encryption is on and locked");
	} else {
		th_check_set(c, TH_FAIL, "total memory encryption is off: TDX needs TME-MK");
		th_check_fix(c, "Enable Total Memory Encryption and Total Memory Encryption Multi-Tenant in the firmware setup, then reboot.");
	}
}

static void tdx_keys(struct th_host *h, void *family, struct th_check *c)
{
	uint64_t v;
	(void)family;

	int err = th_host_msr(h, 0x87, &v);
	if (err) {
		th_check_set(c, TH_SKIP, "MSR 0x87 unreadable (%s); see host.msr", strerror(-err));
		return;
	}
	unsigned tdx = (unsigned)(v >> 32), mk = (unsigned)v;
	th_check_ev(c, "MSR 0x87 IA32_MKTME_KEYID_PARTITIONING=0x%llx: MK-TME KeyIDs %u, TDX private KeyIDs %u", (unsigned long long)v, mk, tdx);
	if (tdx > 0) {
		th_check_set(c, TH_PASS, "%u private KeyIDs: up to %u TDs at once", tdx, tdx);
	} else {
		th_check_set(c, TH_FAIL, "no TDX private KeyIDs: the firmware gave every KeyID to MK-TME");
		th_check_fix(c, "Set 'TME-MT/TDX key split' to a non-zero value in the firmware setup, then reboot.");
	}
}

/* ---- host: kernel, module, KVM ------------------------------------------------------------- */

static void tdx_cpuinfo(struct th_host *h, void *family, struct th_check *c)
{
	char line[256];
	(void)family;

	if (!h->have_flags) {
		th_check_set(c, TH_SKIP, "/proc/cpuinfo has no flags line");
		return;
	}
	bool f = th_host_flag(h, "tdx_host_platform");
	th_check_ev(c, "/proc/cpuinfo flags: tdx_host_platform %s", f ? "present" : "absent");
	if (th_host_kmsg_find(h, "virt/tdx: BIOS enabled", line, sizeof(line)))
		th_check_ev(c, "kernel log: \"%s\"", line);
	if (f) {
		th_check_set(c, TH_PASS, "the kernel found TDX enabled by the firmware");
	} else {
		th_check_set(c, TH_FAIL, "the kernel did not detect TDX (firmware off, or a kernel without CONFIG_INTEL_TDX_HOST)");
		th_check_fix(c, "Fix tdx.seamrr/tdx.keys first, then boot a kernel with CONFIG_INTEL_TDX_HOST=y (6.8+ or a TDX-enabled distro kernel).");
	}
}

static void tdx_module(struct th_host *h, void *family, struct th_check *c)
{
	char buf[256];
	(void)family;

	if (th_host_read_line(h, "/sys/firmware/tdx/tdx_module/status", buf, sizeof(buf))) {
		th_check_ev(c, "/sys/firmware/tdx/tdx_module/status: %s", buf);
		if (!strcmp(buf, "initialized")) {
			th_check_set(c, TH_PASS, "the TDX module is initialized");
		} else {
			th_check_set(c, TH_FAIL, "the TDX module is not initialized");
			th_check_fix(c, "Load kvm_intel with tdx=1 (see tdx.kvm_tdx); the kernel log says why initialization failed.");
		}
	} else if (th_host_kmsg_find(h, "virt/tdx: module initialized", buf, sizeof(buf))) {
		th_check_ev(c, "kernel log: \"%s\"", buf);
		th_check_set(c, TH_PASS, "the TDX module is initialized");
	} else if (th_host_kmsg_find(h, "virt/tdx: module not loaded", buf, sizeof(buf)) ||
		   th_host_kmsg_find(h, "virt/tdx: module initialization failed", buf, sizeof(buf)) ||
		   th_host_kmsg_find(h, "virt/tdx: initialization failed", buf, sizeof(buf))) {
		th_check_ev(c, "kernel log: \"%s\"", buf);
		th_check_set(c, TH_FAIL, "the TDX module did not come up");
		th_check_fix(c, "Install a TDX module the firmware loads (a firmware update, or intel_tdx_module.so in the EFI partition per the vendor), check tdx.keys, and turn off hibernation/S3 if the log asks.");
	} else {
		th_check_set(c, TH_SKIP, "no TDX module state: no /sys/firmware/tdx and no \"virt/tdx:\" kernel log line readable (needs root)");
	}
}

static void tdx_kvm_tdx(struct th_host *h, void *family, struct th_check *c)
{
	char buf[256];
	(void)family;

	if (th_host_read_line(h, "/sys/module/kvm_intel/parameters/tdx", buf, sizeof(buf))) {
		th_check_ev(c, "/sys/module/kvm_intel/parameters/tdx = %s", buf);
		if (!strcmp(buf, "Y") || !strcmp(buf, "1")) {
			th_check_set(c, TH_PASS, "KVM runs TD guests");
		} else {
			th_check_set(c, TH_FAIL, "KVM has TDX turned off");
			th_check_fix(c, "`teehost setup` writes /etc/modprobe.d/teehost-kvm-intel.conf (options kvm_intel tdx=1); then `modprobe -r kvm_intel && modprobe kvm_intel` or reboot.");
		}
		return;
	}
	bool loaded = th_host_exists(h, "/sys/module/kvm_intel");
	th_check_ev(c, "/sys/module/kvm_intel/parameters/tdx: absent%s", loaded ? "" : " (kvm_intel not loaded)");
	th_check_set(c, TH_FAIL, "%s", loaded ? "this kvm_intel has no tdx parameter: the kernel has no KVM TDX support" : "kvm_intel is not loaded");
	th_check_fix(c, "%s", loaded ? "Boot a kernel with KVM TDX support (6.16+ or a TDX-enabled distro kernel)." : "`modprobe kvm_intel`.");
}

static void tdx_kconfig(struct th_host *h, void *family, struct th_check *c)
{
	(void)family;
	if (th_host_kconfig(h, "INTEL_TDX_HOST") == '?') {
		th_check_set(c, TH_SKIP, "no kernel configuration (see host.kconfig)");
		return;
	}
	char t = th_host_kconfig(h, "INTEL_TDX_HOST"), k = th_host_kconfig(h, "KVM_INTEL");
	const struct th_kconfig_entry *kt = th_kconfig_find(&h->kconfig, "KVM_INTEL_TDX");
	th_check_ev(c, "CONFIG_INTEL_TDX_HOST=%c, CONFIG_KVM_INTEL=%c, CONFIG_KVM_INTEL_TDX=%s", t, k,
		    kt ? (kt->value ? kt->value : "n") : "(absent)");
	if (t == 'y' && (k == 'y' || k == 'm') && (!kt || (kt->value && !strcmp(kt->value, "y")))) {
		th_check_set(c, TH_PASS, "the kernel is built for TDX hosts");
	} else {
		th_check_set(c, TH_FAIL, "the kernel is not built for TDX hosts");
		th_check_fix(c, "Boot a kernel with CONFIG_INTEL_TDX_HOST=y, CONFIG_KVM_INTEL and CONFIG_KVM_INTEL_TDX=y (`teehost kernel` has a TDX profile).");
	}
}

/* ---- guest --------------------------------------------------------------------------------- */

static void tdx_guest(struct th_host *h, void *family, struct th_check *c)
{
	uint32_t r[4];
	(void)family;

	th_cpuid_query(&h->cpuid, 0x21, 0, r);
	th_check_ev(c, "CPUID.0x21: EBX=0x%08x EDX=0x%08x ECX=0x%08x; /proc/cpuinfo tdx_guest %s", r[TH_EBX], r[TH_EDX], r[TH_ECX],
		    th_host_flag(h, "tdx_guest") ? "present" : "absent");
	if (th_host_flag(h, "tdx_guest")) {
		th_check_set(c, TH_PASS, "this is a TDX guest and its kernel knows it");
	} else {
		th_check_set(c, TH_FAIL, "the CPU says TDX guest, but the kernel did not enable TDX guest support");
		th_check_fix(c, "Boot a guest kernel with CONFIG_INTEL_TDX_GUEST=y.");
	}
}

static void tdx_guest_dev(struct th_host *h, void *family, struct th_check *c)
{
	(void)family;
	bool dev = th_host_exists(h, "/dev/tdx_guest");
	bool tsm = th_host_exists(h, "/sys/kernel/config/tsm/report");
	th_check_ev(c, "/dev/tdx_guest %s; /sys/kernel/config/tsm/report %s", dev ? "present" : "absent", tsm ? "present" : "absent");
	if (dev) {
		th_check_set(c, TH_PASS, "the guest can ask for TD reports%s", tsm ? " and quotes through configfs-tsm" : "");
	} else {
		th_check_set(c, TH_WARN, "no /dev/tdx_guest: the guest cannot ask for TD reports or quotes");
		th_check_fix(c, "`modprobe tdx_guest` (CONFIG_TDX_GUEST_DRIVER).");
	}
}

static void tdx_guest_kconfig(struct th_host *h, void *family, struct th_check *c)
{
	(void)family;
	if (th_host_kconfig(h, "INTEL_TDX_GUEST") == '?') {
		th_check_set(c, TH_SKIP, "no kernel configuration (see host.kconfig)");
		return;
	}
	char g = th_host_kconfig(h, "INTEL_TDX_GUEST"), d = th_host_kconfig(h, "TDX_GUEST_DRIVER");
	th_check_ev(c, "CONFIG_INTEL_TDX_GUEST=%c, CONFIG_TDX_GUEST_DRIVER=%c", g, d);
	if (g == 'y' && (d == 'y' || d == 'm')) {
		th_check_set(c, TH_PASS, "the guest kernel has TDX guest support and the attestation driver");
	} else {
		th_check_set(c, TH_WARN, "the guest kernel lacks %s", g != 'y' ? "CONFIG_INTEL_TDX_GUEST" : "CONFIG_TDX_GUEST_DRIVER");
		th_check_fix(c, "Build the guest kernel with CONFIG_INTEL_TDX_GUEST=y and CONFIG_TDX_GUEST_DRIVER=m.");
	}
}

/* ---- the table ----------------------------------------------------------------------------- */

enum tdx_gate {
	TDX_ASKED,    /* a TDX host, or --only tdx on a machine that is no TDX guest */
	TDX_HOST,     /* the same, on an Intel CPU */
	TDX_GUEST,    /* a TDX guest */
};

static const struct th_check_def tdx_checks[] = {
	/* id                   required  gate        function */
	{ "tdx.seamrr",         true,     TDX_ASKED,  tdx_seamrr },
	{ "tdx.tme",            true,     TDX_HOST,   tdx_tme },
	{ "tdx.keys",           true,     TDX_HOST,   tdx_keys },
	{ "tdx.cpuinfo",        true,     TDX_HOST,   tdx_cpuinfo },
	{ "tdx.module",         true,     TDX_HOST,   tdx_module },
	{ "tdx.kvm_tdx",        true,     TDX_HOST,   tdx_kvm_tdx },
	{ "tdx.kconfig",        true,     TDX_HOST,   tdx_kconfig },
	{ "tdx.guest",          true,     TDX_GUEST,  tdx_guest },
	{ "tdx.guest_dev",      false,    TDX_GUEST,  tdx_guest_dev },
	{ "tdx.guest_kconfig",  false,    TDX_GUEST,  tdx_guest_kconfig },
};

static const char *tdx_gate_closed(const struct th_host *h, const void *family, unsigned gate)
{
	bool asked = h->opts.only & TH_ONLY_TDX;
	(void)family;

	/* --only tdx on a CPU of another vendor: tdx.seamrr fails, and says why */
	if (asked && !h->id.intel && gate != TDX_ASKED)
		return NOT_INTEL;
	if (gate == TDX_GUEST)
		return h->tdx_guest ? NULL : "not a TDX guest (CPUID leaf 0x21 is not \"IntelTDX    \")";
	/* --only tdx runs the host checks on any machine that is no TDX guest */
	if (h->tdx_host_hw || (asked && !h->tdx_guest))
		return NULL;
	return !h->id.intel ? "CPU vendor is not Intel: TDX is an Intel feature" :
	       h->tdx_guest ? "this is a TDX guest: host checks do not apply" :
	       h->tdx_host_unknown ? "TDX support unknown: no tdx_host_platform flag and MSR 0xFE (IA32_MTRRCAP) unreadable; run as root or give --only tdx" :
	       "no TDX: IA32_MTRRCAP (MSR 0xFE) bit 15 SEAMRR=0 and no tdx_host_platform flag";
}

void th_check_tdx(struct th_host *h)
{
	if (h->opts.only && !(h->opts.only & TH_ONLY_TDX))
		return;
	th_check_table(h, tdx_checks, sizeof(tdx_checks) / sizeof(tdx_checks[0]), tdx_gate_closed, NULL);
}

/* ---- KVM: every TEE VM host needs it; elsewhere it is information -------------------------- */

/* A VM host of a family this run checks: SEV or TDX hardware, within --only. */
static bool kvm_needed(const struct th_host *h)
{
	return (h->sev_hw && (!h->opts.only || (h->opts.only & TH_ONLY_SEV))) ||
	       (h->tdx_host_hw && (!h->opts.only || (h->opts.only & TH_ONLY_TDX)));
}

/* On the live machine: open /dev/kvm and ask its API version. */
static void kvm_dev_answers(struct th_check *c)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		th_check_ev(c, "open: %s", strerror(errno));
		th_check_set(c, TH_WARN, "KVM is there but this user cannot open it");
		th_check_fix(c, "Add the user to the group that owns /dev/kvm (usually kvm).");
		return;
	}
	int api = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	th_check_ev(c, "KVM_GET_API_VERSION=%d", api);
	if (api == KVM_API_VERSION) {
		th_check_set(c, TH_PASS, "KVM is present and answers (API %d)", api);
	} else {
		th_check_set(c, TH_FAIL, "KVM answers with API version %d, not %d", api, KVM_API_VERSION);
		th_check_fix(c, "The kernel's KVM is broken or foreign; boot a standard kernel.");
	}
}

static void kvm_dev(struct th_host *h, void *family, struct th_check *c)
{
	static const char *const kvm_mods[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
	bool vm_host = kvm_needed(h);
	struct stat st;
	char desc[160], mods[64] = "", path[96];
	(void)family;

	c->required = vm_host;
	int err = th_root_stat(&h->root, "/dev/kvm", &st, true);
	if (err) {
		th_check_ev(c, "/dev/kvm: %s", strerror(-err));
		if (vm_host) {
			th_check_set(c, TH_FAIL, "no KVM: this machine cannot run VMs, so no SEV or TD guests");
			th_check_fix(c, "`modprobe %s` (with virtualization on in the firmware).", h->id.amd ? "kvm_amd" : "kvm_intel");
		} else {
			th_check_set(c, TH_SKIP, "no /dev/kvm: only SEV, TDX and SGX-VM hosts need KVM");
		}
		return;
	}
	th_host_describe_node(h, &st, desc, sizeof(desc));
	th_check_ev(c, "/dev/kvm: %s", desc);
	for (size_t i = 0; i < sizeof(kvm_mods) / sizeof(kvm_mods[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", kvm_mods[i]);
		if (th_host_exists(h, path))
			snprintf(mods + strlen(mods), sizeof(mods) - strlen(mods), "%s%s", mods[0] ? " " : "", kvm_mods[i]);
	}
	th_check_ev(c, "vendor module: %s", mods[0] ? mods : "none found in /sys/module");
	if (h->root.live && S_ISCHR(st.st_mode))
		kvm_dev_answers(c);
	else
		th_check_set(c, TH_PASS, "KVM is present");
}

static void kvm_nested(struct th_host *h, void *family, struct th_check *c)
{
	char buf[64], path[96];
	(void)family;

	const char *mod = th_host_exists(h, "/sys/module/kvm_amd") ? "kvm_amd" :
			  th_host_exists(h, "/sys/module/kvm_intel") ? "kvm_intel" : NULL;
	if (!mod) {
		th_check_set(c, TH_SKIP, "neither kvm_amd nor kvm_intel is loaded");
		return;
	}
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/nested", mod);
	if (!th_host_read_line(h, path, buf, sizeof(buf))) {
		th_check_set(c, TH_SKIP, "%s has no nested parameter", mod);
		return;
	}
	th_check_ev(c, "%s = %s", path, buf);
	th_check_set(c, TH_PASS, "nested virtualization is %s in %s",
		     (!strcmp(buf, "Y") || !strcmp(buf, "1")) ? "on" : "off", mod);
}

static const struct th_check_def kvm_checks[] = {
	/* id                   required  gate  function */
	{ "kvm.dev",            false,    0,    kvm_dev },    /* required on an SEV or TDX host */
	{ "kvm.nested",         false,    0,    kvm_nested },
};

void th_check_kvm(struct th_host *h)
{
	if (h->opts.only && !(h->opts.only & (TH_ONLY_SEV | TH_ONLY_TDX)))
		return;
	th_check_table(h, kvm_checks, sizeof(kvm_checks) / sizeof(kvm_checks[0]), NULL, NULL);
}
