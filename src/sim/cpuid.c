/* SPDX-License-Identifier: MIT */
/*
 * CPUID as the simulated CPU answers it: an Intel part (identity.h: vendor, family/model,
 * brand, Intel's layout of the extended leaves), leaf 7 reports SGX (and SGX_LC with flexible
 * launch control), leaf 0x12 reports SGX1/SGX2, MISCSELECT, the attributes and one EPC section
 * of --epc bytes; the feature bits of instructions (leaves 1, 7, 0xD) are the real CPU's, so a
 * program never takes a path the host cannot execute.
 *
 * Two ways to get at the program's CPUID instructions:
 *  - CPUID faulting (arch_prctl(ARCH_SET_CPUID, 0)): every CPUID outside the machine traps
 *    with SIGSEGV. Preserved across fork, reset by execve (the preload library sets it again
 *    in every program it starts in).
 *  - Where the CPU or hypervisor lacks CPUID faulting (ENODEV; e.g. AMD guests), the CPUID
 *    instructions of the main program's functions (and of the SGX runtime libraries named by
 *    TEEHOST_SIM_CPUID_LIBS) are found by disassembly (Capstone, from each function symbol,
 *    else a linear sweep of the executable sections) and rewritten to UD2, whose SIGILL the
 *    machine turns back into an emulated CPUID. Other libraries keep the real CPUID.
 */
#include <capstone/capstone.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>
#include <asm/prctl.h>

#include "sim/identity.h"
#include "sim/sim.h"

static bool faulting;
static uint64_t *patched;
static size_t npatched, cap;

bool th_sim_cpuid_is_patched(uint64_t rip)
{
	size_t lo = 0, hi = npatched;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (patched[mid] == rip)
			return true;
		if (patched[mid] < rip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void raw_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static uint64_t xcr0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

#define EPC_BASE 0x180000000ull /* a physical address for the simulated EPC section */

/* The brand string, 16 bytes per leaf 0x80000002..4 */
static void brand_leaf(uint32_t leaf, uint32_t r[4])
{
	char b[48] = { 0 };

	memcpy(b, TH_SIM_BRAND, sizeof(TH_SIM_BRAND));
	memcpy(r, b + 16 * (leaf - 0x80000002u), 16);
}

/*
 * The identity of the simulated part over the host's answer R: vendor, family/model, brand and
 * the vendor-specific extended leaves are Intel's; feature bits of instructions stay the host's.
 */
static void intel_identity(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	static const char v[12] = TH_SIM_VENDOR;

	switch (leaf) {
	case 0:
		if (r[0] < 0x12)
			r[0] = 0x12;
		memcpy(&r[1], v, 4);            /* EBX EDX ECX: "Genu" "ineI" "ntel" */
		memcpy(&r[3], v + 4, 4);
		memcpy(&r[2], v + 8, 4);
		break;
	case 1:
		r[0] = TH_SIM_CPUID1_EAX;
		break;
	case 4:
		/* deterministic cache parameters: AMD reports them in 0x8000001D, same layout */
		if (!r[0]) {
			uint32_t ext[4];

			raw_cpuid(0x80000000u, 0, ext);
			if (ext[0] >= 0x8000001du)
				raw_cpuid(0x8000001du, sub, r);
		}
		break;
	case 0x80000000u:
		if (r[0] > 0x80000008u)
			r[0] = 0x80000008u;
		r[1] = r[2] = r[3] = 0;
		break;
	case 0x80000001u:
		r[0] = r[1] = 0;
		r[2] &= 1u << 0 | 1u << 5 | 1u << 8;    /* LAHF, LZCNT, PREFETCHW */
		r[3] &= 1u << 11 | 1u << 20 | 1u << 26 | 1u << 27 | 1u << 29;
		break;
	case 0x80000002u: case 0x80000003u: case 0x80000004u:
		brand_leaf(leaf, r);
		break;
	case 0x80000005u:
		memset(r, 0, 16);               /* reserved on Intel */
		break;
	case 0x80000006u:
		r[0] = r[1] = r[3] = 0;         /* ECX: L2 line size and size, same layout */
		break;
	case 0x80000007u:
		r[0] = r[1] = r[2] = 0;
		r[3] &= 1u << 8;                /* invariant TSC */
		break;
	case 0x80000008u:
		r[1] &= 1u << 9;                /* WBNOINVD */
		r[2] = r[3] = 0;
		break;
	default:
		if (leaf > 0x80000008u && leaf < 0x90000000u)
			memset(r, 0, 16);       /* beyond Intel's last extended leaf */
		break;
	}
}

static void sim_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint64_t epc = th_sim_cfg.epc_size & ~0xfffull;

	if (faulting)
		syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
	raw_cpuid(leaf, sub, r);
	intel_identity(leaf, sub, r);
	if (faulting)
		syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
	switch (leaf) {
	case 7:
		if (sub == 0) {
			r[1] |= 1u << 2;                /* EBX.SGX */
			if (th_sim_cfg.flc)
				r[2] |= 1u << 30;       /* ECX.SGX_LC */
			else
				r[2] &= ~(1u << 30);
		}
		break;
	case 0x12:
		memset(r, 0, 16);
		if (sub == 0) {
			/* EAX.SGX1, SGX2 and EDECCSSA (bit 11, for AEX-Notify) */
			r[0] = 1 | (th_sim_cfg.sgx1_only ? 0 : 2 | 1u << 11);
			r[1] = TH_MISC_SUPPORTED;
			r[3] = 0x1f | (TH_SIM_MAX_ENCLAVE_SIZE_LOG2 << 8);   /* MaxEnclaveSize 2^31 / 2^36 */
		} else if (sub == 1) {
			r[0] = (uint32_t)(TH_ATTR_SUPPORTED &
					  ~(th_sim_cfg.sgx1_only ? SGX_ATTR_AEXNOTIFY : 0));
			r[1] = (uint32_t)(TH_ATTR_SUPPORTED >> 32);
			r[2] = (uint32_t)xcr0();
			r[3] = (uint32_t)(xcr0() >> 32);
		} else if (sub == 2) {
			r[0] = (uint32_t)(EPC_BASE & 0xfffff000) | 1;
			r[1] = (uint32_t)(EPC_BASE >> 32) & 0xfffff;
			r[2] = (uint32_t)(epc & 0xfffff000) | 1;
			r[3] = (uint32_t)(epc >> 32) & 0xfffff;
		}
		break;
	}
}

bool th_sim_cpuid_trap(void *ucv, bool was_patched)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	uint32_t r[4];

	(void)was_patched;
	sim_cpuid((uint32_t)g[REG_RAX], (uint32_t)g[REG_RCX], r);
	g[REG_RAX] = r[0];
	g[REG_RBX] = r[1];
	g[REG_RCX] = r[2];
	g[REG_RDX] = r[3];
	g[REG_RIP] += 2;
	return true;
}

static void note_cpuid(uint64_t addr)
{
	if (th_sim_grow(&patched, &cap, npatched, sizeof(*patched)))
		patched[npatched++] = addr;
}

static void scan(csh cs, const uint8_t *code, size_t len, uint64_t addr)
{
	cs_insn *insn = cs_malloc(cs);
	const uint8_t *p = code;
	size_t n = len;
	uint64_t a = addr;

	if (!insn)
		return;
	while (n) {
		if (!cs_disasm_iter(cs, &p, &n, &a, insn)) {
			/* undecodable byte: step over it */
			p++;
			n--;
			a++;
			continue;
		}
		/* only a plain 0F A2: with a prefix the rewrite would hit the prefix (fuzzed) */
		if (insn->id == X86_INS_CPUID && insn->size == 2)
			note_cpuid(insn->address);
	}
	cs_free(insn, 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Decode OBJ's functions (or, without symbols, its executable sections) for CPUID. */
static void scan_object(csh cs, const char *path, uint64_t bias)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t before = npatched;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		goto out;
	/* with function symbols (.symtab, else .dynsym): each function from its start */
	for (int pass = 0; pass < 2 && npatched == before; pass++) {
		scn = NULL;
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			Elf_Data *data;

			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB) || !sh.sh_entsize)
				continue;
			data = elf_getdata(scn, NULL);
			for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym s;

				if (!gelf_getsym(data, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
				    !s.st_size || s.st_shndx == SHN_UNDEF)
					continue;
				scan(cs, (const uint8_t *)(bias + s.st_value), s.st_size, bias + s.st_value);
			}
		}
	}
	if (npatched == before) {
		/* no symbols: sweep the executable sections */
		scn = NULL;
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;

			if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR) ||
			    sh.sh_type != SHT_PROGBITS || !sh.sh_addr)
				continue;
			scan(cs, (const uint8_t *)(bias + sh.sh_addr), sh.sh_size, bias + sh.sh_addr);
		}
	}
	if (npatched > before)
		th_sim_log("%s: %zu CPUID instructions", path, npatched - before);
out:
	if (elf)
		elf_end(elf);
	close(fd);
}

/*
 * Which objects get their CPUIDs rewritten: the program, and the libraries whose path
 * contains one of the comma-separated names of TEEHOST_SIM_CPUID_LIBS (default: the SGX
 * runtimes that ask CPUID whether SGX is there).
 */
static bool wanted(const char *path)
{
	const char *list = getenv("TEEHOST_SIM_CPUID_LIBS");
	char buf[512], *save = NULL;

	if (!list)
		list = "libsgx_urts,libsgx_enclave_common,libsgx_uae_service,liboehost,libteehost";
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (*w && strstr(path, w))
			return true;
	return false;
}

struct scan_ctx {
	csh cs;
	int index;
};

static int each_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct scan_ctx *c = arg;
	Dl_info me;

	(void)size;
	if (c->index++ == 0)
		scan_object(c->cs, "/proc/self/exe", info->dlpi_addr);
	else if (dladdr((void *)th_sim_cpuid_init, &me) && me.dli_fbase == (void *)info->dlpi_addr)
		return 0;       /* the simulator's own CPUIDs are the real ones */
	else if (info->dlpi_name && *info->dlpi_name && wanted(info->dlpi_name))
		scan_object(c->cs, info->dlpi_name, info->dlpi_addr);
	return 0;
}

/* Find the CPUID instructions of the program (and of the SGX runtimes) and make them UD2. */
static void patch_program(void)
{
	struct scan_ctx c = { 0, 0 };

	if (elf_version(EV_CURRENT) == EV_NONE || cs_open(CS_ARCH_X86, CS_MODE_64, &c.cs) != CS_ERR_OK)
		return;
	dl_iterate_phdr(each_object, &c);
	cs_close(&c.cs);
	if (!npatched)
		return;
	qsort(patched, npatched, sizeof(*patched), cmp_u64);
	for (size_t i = 0; i < npatched; i++) {
		uint64_t pg = patched[i] & ~0xfffull;
		size_t span = ((patched[i] + 2 - pg) + 4095) & ~(size_t)4095;

		if (i && patched[i] == patched[i - 1])
			continue;
		th_sim_real_mprotect((void *)pg, span, PROT_READ | PROT_WRITE | PROT_EXEC);
		((uint8_t *)patched[i])[1] = 0x0b;      /* 0F A2 (CPUID) -> 0F 0B (UD2) */
		th_sim_real_mprotect((void *)pg, span, PROT_READ | PROT_EXEC);
	}
	th_sim_log("CPUID faulting unavailable: %zu CPUID instructions patched", npatched);
}

/* ---- enclave code (see sim.h) ---- */
bool th_sim_cpuid_in_code;

static size_t site_index(const struct th_sim_encl *e, uint64_t addr)
{
	size_t lo = 0, hi = e->n_cpuid_sites;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->cpuid_sites[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void site_add(struct th_sim_encl *e, uint64_t addr)
{
	size_t i = site_index(e, addr);

	if (i < e->n_cpuid_sites && e->cpuid_sites[i] == addr)
		return;
	if (!th_sim_grow(&e->cpuid_sites, &e->cap_cpuid_sites, e->n_cpuid_sites,
			 sizeof(*e->cpuid_sites)))
		return;
	memmove(e->cpuid_sites + i + 1, e->cpuid_sites + i, (e->n_cpuid_sites - i) * sizeof(uint64_t));
	e->cpuid_sites[i] = addr;
	e->n_cpuid_sites++;
}

void th_sim_code_original(const struct th_sim_encl *e, uint64_t addr, size_t len, uint8_t *buf,
			  size_t buflen)
{
	/* a site's 0F 0B, unless a #UD holds it as 0F A2 (th_sim_cpuid_restore) */
	for (size_t i = site_index(e, addr); i < e->n_cpuid_sites; i++) {
		uint64_t o = e->cpuid_sites[i] - addr;

		if (o >= len)
			break;
		if (o + 1 < buflen && buf[o] == 0x0f && buf[o + 1] == 0x0b)
			buf[o + 1] = 0xa2;
	}
	th_sim_xsave_original(e, addr, len, buf, buflen);
}

/*
 * The page's content changes (the enclave is about to write it, EACCEPTCOPY replaces it, EREMOVE
 * frees it): its rewritten sites read as the enclave's code again, and are dropped; the page is
 * scanned again when it runs. Before the new content comes in: the bytes are still the scan's.
 */
void th_sim_cpuid_forget_page(struct th_sim_encl *e, uint64_t page)
{
	size_t i = site_index(e, page), j = site_index(e, page + TH_SIM_PAGE);
	struct th_sim_page *pg = th_sim_page_at(e, page);

	/* a page's sites read 0F 0B while it is scanned; the last one may end on the next page */
	if (pg->state & TH_EPCM_SCANNED) {
		uint64_t end = page + TH_SIM_PAGE + 15 <= e->base + e->size ?
			       page + TH_SIM_PAGE + 15 : e->base + e->size;

		th_sim_code_original(e, page, TH_SIM_PAGE, e->epc + (page - e->base),
				     (size_t)(end - page));
	}
	pg->state &= ~TH_EPCM_SCANNED;
	th_sim_xsave_forget_page(e, page);
	if (i == j)
		return;
	memmove(e->cpuid_sites + i, e->cpuid_sites + j, (e->n_cpuid_sites - j) * sizeof(uint64_t));
	e->n_cpuid_sites -= j - i;
}

/*
 * Capstone's operand text starts with the destination: does INSN write EAX or ECX (the leaf
 * and subleaf CPUID reads)? A CPUID that no recent instruction prepared is taken for bytes of
 * data (OpenSSL keeps constant tables in .text) and left alone: rewriting data would corrupt
 * it, leaving a real CPUID unrewritten only lets it run natively.
 */
static bool sets_leaf(const cs_insn *insn)
{
	static const char *const regs[] = { "eax", "ecx", "rax", "rcx", "ax", "cx", "al", "cl" };

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		size_t n = strlen(regs[i]);

		if (!strncmp(insn->op_str, regs[i], n) && (insn->op_str[n] == ',' || !insn->op_str[n]))
			return true;
	}
	return false;
}

/* Capstone's number of a 64-bit general register: RAX 0 .. R15 15, -1 none, -2 another */
static int gpr_number(unsigned r)
{
	static const unsigned regs[16] = {
		X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP, X86_REG_RBP,
		X86_REG_RSI, X86_REG_RDI, X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
		X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15,
	};

	if (r == X86_REG_INVALID)
		return -1;
	for (int i = 0; i < 16; i++)
		if (regs[i] == r)
			return i;
	return -2;
}

/* An XSAVE-family instruction whose memory operand xsave.c can compute, or XGETBV: made UD2 */
static void xsave_site(struct th_sim_encl *e, const cs_insn *insn)
{
	struct th_sim_xsave_site s;
	const cs_x86_op *op;
	int base, index;
	size_t k;

	memset(&s, 0, sizeof(s));       /* padding too: a site compares as bytes (fuzzed) */
	s.addr = insn->address;
	s.len = (uint8_t)insn->size;
	switch (insn->id) {
	case X86_INS_XSAVE: case X86_INS_XSAVE64: case X86_INS_XSAVEOPT: case X86_INS_XSAVEOPT64:
		s.op = TH_SIM_XSAVE;
		break;
	case X86_INS_XSAVEC: case X86_INS_XSAVEC64:
		s.op = TH_SIM_XSAVEC;
		break;
	case X86_INS_XRSTOR: case X86_INS_XRSTOR64:
		s.op = TH_SIM_XRSTOR;
		break;
	case X86_INS_XGETBV:
		s.op = TH_SIM_XGETBV;
		goto rewrite;
	default:
		return;
	}
	if (!insn->detail || insn->detail->x86.op_count != 1)
		return;
	op = &insn->detail->x86.operands[0];
	if (op->type != X86_OP_MEM || op->mem.segment != X86_REG_INVALID ||
	    insn->detail->x86.addr_size != 8)
		return;
	s.rip_rel = op->mem.base == X86_REG_RIP;
	base = s.rip_rel ? -1 : gpr_number(op->mem.base);
	index = gpr_number(op->mem.index);
	if (base == -2 || index == -2 || op->mem.disp != (int32_t)op->mem.disp)
		return;
	s.base = (int8_t)base;
	s.index = (int8_t)index;
	s.scale = (uint8_t)op->mem.scale;
	s.disp = (int32_t)op->mem.disp;
rewrite:
	/* the opcode's 0F after the prefixes: 0F AE / 0F C7 / 0F 01 -> 0F 0B (UD2, RIP at the
	 * prefix) */
	for (k = 0; k + 1 < insn->size && insn->bytes[k] != 0x0f; k++)
		;
	if (k + 1 >= insn->size || insn->address + k + 2 > e->base + e->size ||
	    !th_sim_xsave_site_add(e, &s))
		return;
	e->epc[insn->address + k + 1 - e->base] = 0x0b;
}

/* the instructions a CPUID's leaf may be set by: the last ones decoded (scan_page) */
#define LOOKBEHIND 5

struct decoded {
	const uint8_t *p;
	size_t n;
	uint64_t a;
};

/* Did one of the last NBACK (at most LOOKBEHIND) instructions before the K-th set EAX or ECX? */
static bool leaf_set(csh cs, const struct decoded *back, size_t k, size_t nback)
{
	cs_insn *insn = cs_malloc(cs);
	bool set = false;

	for (size_t j = 1; insn && !set && j <= nback && j <= LOOKBEHIND; j++) {
		struct decoded d = back[(k - j) % LOOKBEHIND];

		set = cs_disasm_iter(cs, &d.p, &d.n, &d.a, insn) && sets_leaf(insn);
	}
	if (insn)
		cs_free(insn, 1);
	return set;
}

/*
 * The last byte from which a site can start its 0F A2 (0F AE / 0F C7 / 0F 01 with XS): an
 * instruction that starts on the page, at most 15 bytes, decoded from bytes before TO
 */
static uint64_t last_pair(const struct th_sim_encl *e, uint64_t page, uint64_t to, bool xs)
{
	uint64_t lim = page + TH_SIM_PAGE + 14 < to - 1 ? page + TH_SIM_PAGE + 14 : to - 1;
	const uint8_t *lo = e->epc + (page - e->base), *b = e->epc + (lim - e->base);

	while ((b = memrchr(lo, 0x0f, (size_t)(b - lo))))
		if (b[1] == 0xa2 || (xs && (b[1] == 0xae || b[1] == 0xc7 || b[1] == 0x01)))
			return e->base + (uint64_t)(b - e->epc);
	return 0;
}

/*
 * The start of the scan of PAGE: its sites forgotten, the page marked scanned, and the bytes a
 * linear sweep decodes, [*FROM, *TO): from a little before the page, where it falls into step
 * with the instructions by the page's start, to the end of the last instruction that can start
 * on the page. The decoder (with details for XS), or 0 where nothing needs decoding.
 */
static csh scan_begin(struct th_sim_encl *e, uint64_t page, bool xs, uint64_t *from, uint64_t *to)
{
	static csh cs;          /* one decoder: scans run under th_sim_lock() */
	const uint8_t *q = e->epc + (page - e->base), *end;

	*from = page - e->base >= 64 ? page - 64 : e->base;
	*to = page + TH_SIM_PAGE + 15 <= e->base + e->size ? page + TH_SIM_PAGE + 15 :
	      e->base + e->size;
	end = q + TH_SIM_PAGE + (*to > page + TH_SIM_PAGE);
	th_sim_cpuid_forget_page(e, page);
	th_sim_page_at(e, page)->state |= TH_EPCM_SCANNED;
	/* most pages hold no 0F A2 (nor 0F AE / 0F C7 / 0F 01 D0 where XSAVEs are wanted): no
	 * decoding */
	while ((q = memchr(q, 0x0f, (size_t)(end - q))) && q + 1 < end && q[1] != 0xa2 &&
	       !(xs && (q[1] == 0xae || q[1] == 0xc7 ||
			(q[1] == 0x01 && q + 2 < end && q[2] == 0xd0))))
		q++;
	if (!q || q + 1 >= end)
		return 0;
	if (!cs && cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
		cs = 0;
		return 0;
	}
	cs_option(cs, CS_OPT_DETAIL, xs ? CS_OPT_ON : CS_OPT_OFF);
	return cs;
}

void th_sim_cpuid_scan_page(struct th_sim_encl *e, uint64_t page)
{
	bool xs = th_sim_xsave_needed(e);
	uint64_t from, to, a, last;
	csh cs = scan_begin(e, page, xs, &from, &to);
	const uint8_t *p = e->epc + (from - e->base);
	size_t n = to - from, k = 0, nback = 0;
	struct decoded back[LOOKBEHIND];
	cs_insn *insn;

	if (!cs)
		return;
	a = from;
	last = last_pair(e, page, to, xs);
	insn = cs_malloc(cs);
	/* Capstone decodes only what the length table of x86len.c does not know (the sites are
	 * among it); a CPUID looks behind at the instructions before it, since the last
	 * undecodable byte, with Capstone's operand text */
	while (insn && n && a < page + TH_SIM_PAGE && a <= last) {
		struct decoded d = { p, n, a };
		size_t len = th_sim_x86_len(p, n);

		if (len && len != TH_SIM_X86_BAD) {
			p += len;
			n -= len;
			a += len;
		} else if (len == TH_SIM_X86_BAD || !cs_disasm_iter(cs, &p, &n, &a, insn)) {
			p++;
			n--;
			a++;
			nback = 0;
			continue;
		} else if (insn->address >= page) {
			if (xs)
				xsave_site(e, insn);
			if (insn->id == X86_INS_CPUID && insn->size == 2 &&
			    leaf_set(cs, back, k, nback)) {
				e->epc[d.a + 1 - e->base] = 0x0b;       /* 0F A2 -> 0F 0B (UD2) */
				site_add(e, d.a);
			}
		}
		back[k++ % LOOKBEHIND] = d;
		nback++;
	}
	if (insn)
		cs_free(insn, 1);
}

/*
 * A CPUID's #UD is being handled on TCS TS: the instruction reads as CPUID again until the
 * handler has had its chance. Intel's trts runs the registered handlers (SGX SSL's reads the
 * instruction at the faulting RIP) only after ERESUME, in the frame that took the #UD, so the
 * site stays CPUID until TS leaves that frame by EEXIT (th_sim_cpuid_release): the ECALL
 * returned or made an OCALL, the handler is done. FRAME is the SSA frame the AEX saves into.
 */
bool th_sim_cpuid_restore(struct th_sim_encl *e, struct th_sim_tcs *ts, uint32_t frame,
			  uint64_t rip)
{
	size_t i = site_index(e, rip);

	if (i == e->n_cpuid_sites || e->cpuid_sites[i] != rip || rip + 2 > e->base + e->size)
		return false;
	if (!th_sim_grow(&e->cpuid_holds, &e->cap_cpuid_holds, e->n_cpuid_holds,
			 sizeof(*e->cpuid_holds)))
		return false;
	/* a site on the list reads 0F 0B, or 0F A2 while another TCS holds it */
	e->epc[rip + 1 - e->base] = 0xa2;
	e->cpuid_holds[e->n_cpuid_holds++] = (struct th_sim_cpuid_hold){ rip, ts, frame };
	ts->cpuid_holds++;
	return true;
}

static bool site_held(const struct th_sim_encl *e, uint64_t site)
{
	for (size_t i = 0; i < e->n_cpuid_holds; i++)
		if (e->cpuid_holds[i].site == site)
			return true;
	return false;
}

void th_sim_cpuid_release(struct th_sim_encl *e, struct th_sim_tcs *ts, uint32_t cssa)
{
	for (size_t i = 0; i < e->n_cpuid_holds;) {
		struct th_sim_cpuid_hold h = e->cpuid_holds[i];
		size_t s;

		if (h.tcs != ts || h.frame < cssa) {
			i++;
			continue;
		}
		e->cpuid_holds[i] = e->cpuid_holds[--e->n_cpuid_holds];
		ts->cpuid_holds--;
		s = site_index(e, h.site);
		/* still a site (its page was not written since) and no other TCS's #UD there */
		if (s < e->n_cpuid_sites && e->cpuid_sites[s] == h.site && !site_held(e, h.site) &&
		    e->epc[h.site + 1 - e->base] == 0xa2)
			e->epc[h.site + 1 - e->base] = 0x0b;
	}
}

int th_sim_cpuid_init(void)
{
	th_sim_xsave_init();
	if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) == 0) {
		faulting = true;
		/* enclave pages are still scanned for their XSAVEs (xsave.c) where an XFRM can
		 * lack some of the host's components */
		th_sim_cpuid_in_code = (th_sim_xcr0 & ~3ull) != 0;
		return 0;
	}
	th_sim_cpuid_in_code = true;
	patch_program();
	return 0;
}
