/* SPDX-License-Identifier: MIT */
/*
 * Text files of the kernel rewritten for the simulated machine.
 *
 * /proc/cpuinfo as the simulated CPU would have the kernel print it: the host's text with the
 * identity lines (vendor_id, cpu family, model, model name, stepping, cpuid level) replaced
 * by the simulated Intel part's, the AMD-only flags dropped and `sgx` (and `sgx_lc` with
 * flexible launch control) added to the flags, where the kernel puts them for an SGX CPU.
 * Everything else (processor numbers, MHz, cache, the other feature flags) stays the host's:
 * those describe what code actually runs on.
 *
 * The kernel configuration (/proc/config.gz's text, /boot/config-RELEASE) of a kernel that has
 * the SGX driver the in-kernel flavour plays: CONFIG_X86_SGX=y, the rest the host's.
 *
 * Pure: bytes in, bytes out, no I/O (fuzz/sim_proctext.c includes this file directly).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/identity.h"

/* Flags the kernel only shows on AMD parts (cpufeatures.h words 1, 3, 6, 8, 13, 15, 19):
 * an Intel CPU never lists them, so they would contradict vendor_id. */
static const char *const amd_only[] = {
	"mmxext", "fxsr_opt", "3dnowext", "3dnow", "cmp_legacy", "svm", "extapic", "cr8_legacy",
	"sse4a", "misalignsse", "osvw", "ibs", "xop", "skinit", "wdt", "lwp", "fma4", "tce",
	"nodeid_msr", "tbm", "topoext", "perfctr_core", "perfctr_nb", "bpext", "ptsc",
	"perfctr_llc", "mwaitx", "clzero", "irperf", "xsaveerptr", "rdpru", "amd_ppin", "amd_ssbd",
	"virt_ssbd", "amd_ssb_no", "amd_stibp", "amd_ibpb", "amd_ibrs", "amd_stibp_always_on",
	"amd_psfd", "amd_lbr_v2", "amd_lbr_pmc_freeze", "amd_dcm", "extd_apicid", "cpb", "hw_pstate",
	"proc_feedback", "npt", "lbrv", "svm_lock", "nrip_save", "tsc_scale", "vmcb_clean",
	"flushbyasid", "decodeassists", "pausefilter", "pfthreshold", "avic", "v_vmsave_vmload",
	"vgif", "x2avic", "v_spec_ctrl", "vnmi", "sme", "sev", "sev_es", "sev_snp", "vm_page_flush",
	"debug_swap", "sme_coherent", "zen", "zen1", "zen2", "zen3", "zen4", "zen5", "succor",
	"smca", "overflow_recov", "cppc", "amd_lbr_v1", "amd_heterogeneous_cores", "amd_workload_class",
	"clear_cpu_buf_vm", "ibpb_exit_to_user", "sev_es_debug_swap", "amd_fast_cppc",
	"amd_imm_wait", "amd_erapsbp", "srso_no", "sbpb", "ibpb_brtype", "null_sel_clr_base",
	"autoibrs", "no_smm_ctl_msr", "amd_lbr_v2_freeze", "flush_l1d_vmentry",
};

static bool is_amd_only(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(amd_only) / sizeof(amd_only[0]); i++)
		if (strlen(amd_only[i]) == n && !memcmp(amd_only[i], w, n))
			return true;
	return false;
}

struct out {
	char *p;
	size_t n, cap;
	bool failed;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->n + n + 1 > o->cap) {
		size_t cap = (o->cap ? o->cap * 2 : 4096);
		char *p;

		while (cap < o->n + n + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if (!p) {
			o->failed = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = 0;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* the flags value, words separated by spaces: AMD-only words out, sgx/sgx_lc in once */
static void put_flags(struct out *o, const char *v, size_t n, const struct th_sim_identity *id)
{
	bool first = true, have_sgx = false, have_lc = false;
	size_t i = 0;

	while (i < n) {
		size_t s, len;

		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		s = i;
		while (i < n && v[i] != ' ' && v[i] != '\t')
			i++;
		len = i - s;
		if (!len || is_amd_only(v + s, len))
			continue;
		if (len == 3 && !memcmp(v + s, "sgx", 3))
			have_sgx = true;
		if (len == 6 && !memcmp(v + s, "sgx_lc", 6)) {
			if (!id->flc)
				continue;
			have_lc = true;
		}
		if (!first)
			put(o, " ", 1);
		put(o, v + s, len);
		first = false;
	}
	if (!have_sgx) {
		puts_(o, first ? "sgx" : " sgx");
		first = false;
	}
	if (id->flc && !have_lc)
		puts_(o, first ? "sgx_lc" : " sgx_lc");
}

static bool key_is(const char *k, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(k, want, n);
}

/* One "key<tabs>: value" line (without its newline). */
static void put_line(struct out *o, const char *l, size_t n, const struct th_sim_identity *id)
{
	const char *colon = memchr(l, ':', n);
	size_t klen, voff;
	char num[32];

	if (!colon) {
		put(o, l, n);
		return;
	}
	klen = (size_t)(colon - l);
	while (klen && (l[klen - 1] == ' ' || l[klen - 1] == '\t'))
		klen--;
	voff = (size_t)(colon - l) + 1;
	if (voff < n && l[voff] == ' ')
		voff++;
	if (key_is(l, klen, "vendor_id")) {
		put(o, l, voff);
		puts_(o, id->vendor);
	} else if (key_is(l, klen, "cpu family") || key_is(l, klen, "model") ||
		   key_is(l, klen, "stepping") || key_is(l, klen, "cpuid level")) {
		unsigned v = key_is(l, klen, "cpu family") ? id->family :
			     key_is(l, klen, "model") ? id->model :
			     key_is(l, klen, "stepping") ? id->stepping : id->max_leaf;

		put(o, l, voff);
		snprintf(num, sizeof(num), "%u", v);
		puts_(o, num);
	} else if (key_is(l, klen, "model name")) {
		put(o, l, voff);
		puts_(o, id->brand);
	} else if (key_is(l, klen, "flags")) {
		put(o, l, voff);
		put_flags(o, l + voff, n - voff, id);
	} else {
		put(o, l, n);
	}
}

char *th_sim_cpuinfo_rewrite(const char *in, size_t len, const struct th_sim_identity *id,
			     size_t *out_len)
{
	struct out o = { 0 };
	size_t pos = 0;

	put(&o, "", 0);
	while (pos < len) {
		const char *nl = memchr(in + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (in + pos)) : len - pos;

		put_line(&o, in + pos, n, id);
		if (nl)
			put(&o, "\n", 1);
		pos += n + (nl ? 1 : 0);
	}
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	*out_len = o.n;
	return o.p;
}

/* Whether line L (N bytes) sets or unsets SYM ("CONFIG_X86_SGX"): "SYM=..." or "# SYM is not set" */
static bool kconfig_line_is(const char *l, size_t n, const char *sym)
{
	size_t k = strlen(sym);

	if (n > k && !memcmp(l, sym, k) && l[k] == '=')
		return true;
	return n == k + 13 && !memcmp(l, "# ", 2) && !memcmp(l + 2, sym, k) &&
	       !memcmp(l + 2 + k, " is not set", 11);
}

char *th_sim_kconfig_rewrite(const char *in, size_t len, size_t *out_len)
{
	static const char sym[] = "CONFIG_X86_SGX", line[] = "CONFIG_X86_SGX=y";
	struct out o = { 0 };
	size_t pos = 0;
	bool seen = false;

	put(&o, "", 0);
	while (pos < len) {
		const char *nl = memchr(in + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (in + pos)) : len - pos;

		if (kconfig_line_is(in + pos, n, sym)) {
			if (!seen) {
				puts_(&o, line);
				if (nl)
					put(&o, "\n", 1);
			}
			seen = true;    /* a later setting of it would override: dropped */
		} else {
			put(&o, in + pos, n);
			if (nl)
				put(&o, "\n", 1);
		}
		pos += n + (nl ? 1 : 0);
	}
	if (!seen) {
		if (o.n && o.p[o.n - 1] != '\n')
			put(&o, "\n", 1);
		puts_(&o, line);
		put(&o, "\n", 1);
	}
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	*out_len = o.n;
	return o.p;
}
