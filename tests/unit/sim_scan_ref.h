/* SPDX-License-Identifier: MIT */
/*
 * The simulator's page scan as it was before x86len.c (d12d712..f8ab312): Capstone decodes
 * every instruction of the sweep, with its operand text. Kept as the reference that
 * th_sim_cpuid_scan_page must equal, site for site and byte for byte
 * (tests/unit/test_sim_codescan.c), and as the baseline of bench/sim_scan.c. Include after
 * src/sim/cpuid.c (it uses that file's statics; scan_begin, unchanged, is the old prologue).
 */
#ifndef TEEHOST_SIM_SCAN_REF_H
#define TEEHOST_SIM_SCAN_REF_H

static void ref_scan_page(struct th_sim_encl *e, uint64_t page)
{
	bool xs = th_sim_xsave_needed(e);
	uint64_t from, to, a;
	csh cs = scan_begin(e, page, xs, &from, &to);
	const uint8_t *p = e->epc + (from - e->base);
	size_t n = to - from;
	int since_leaf = 99;
	cs_insn *insn;

	if (!cs)
		return;
	a = from;
	insn = cs_malloc(cs);
	while (insn && n && a < page + TH_SIM_PAGE) {
		if (!cs_disasm_iter(cs, &p, &n, &a, insn)) {
			p++;
			n--;
			a++;
			since_leaf = 99;
			continue;
		}
		if (insn->id == X86_INS_CPUID && insn->size == 2 && insn->address >= page &&
		    since_leaf <= 4) {
			e->epc[insn->address + 1 - e->base] = 0x0b;
			site_add(e, insn->address);
		}
		if (xs && insn->address >= page)
			xsave_site(e, insn);
		since_leaf = sets_leaf(insn) ? 0 : since_leaf + 1;
	}
	if (insn)
		cs_free(insn, 1);
}

#endif
