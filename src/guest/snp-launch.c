/* SPDX-License-Identifier: MIT */
/*
 * The SEV-SNP launch digest of QEMU + OVMF (see snp-launch.h for the order of the pages).
 * Every page goes through SNP_LAUNCH_UPDATE's PAGE_INFO chain; contents are SHA-384 of the page
 * for normal and VMSA pages and zero for the others, as the AMD-SP records them.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "guest/snp-launch.h"

#define FOUR_GIB 0x100000000ull
/* the VMSA's RMP entry: GPA (u64)-1, page-aligned and cut to 52 bits */
#define SNP_VMSA_GPA 0xFFFFFFFFF000ull
#define BSP_RESET_EIP 0xfffffff0u

/* GUIDs in their on-disk (little-endian first three fields) byte order */
static const uint8_t guid_footer[16] = {     /* 96b582de-1fb2-45f7-baea-a366c55a082d */
	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t guid_sev_es_reset[16] = { /* 00f771de-1a7e-4fcb-890e-68c77e2fb44e */
	0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f,
	0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e };
static const uint8_t guid_sev_metadata[16] = { /* dc886566-984a-4798-a75e-5585a7bf67cc */
	0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98, 0x98, 0x47,
	0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc };

/* ---- the VMSA: SEV-ES save area, one 4 KiB page ---- */

struct vmcb_seg {
	uint16_t selector, attrib;
	uint32_t limit;
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment");

struct sev_es_save_area {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	uint8_t r_0a0[0xd0 - 0xa0];
	uint64_t efer;
	uint8_t r_0d8[0x148 - 0xd8];
	uint64_t cr4, cr3, cr0, dr7, dr6, rflags, rip;
	uint8_t r_180[0x268 - 0x180];
	uint64_t g_pat;
	uint8_t r_270[0x310 - 0x270];
	uint64_t rdx;
	uint8_t r_318[0x3b0 - 0x318];
	uint64_t sev_features;
	uint8_t r_3b8[0x3e8 - 0x3b8];
	uint64_t xcr0;
	uint8_t r_3f0[0x408 - 0x3f0];
	uint32_t mxcsr;
	uint16_t x87_ftw, x87_fsw, x87_fcw;
	uint8_t r_412[0x1000 - 0x412];
} __attribute__((packed));
_Static_assert(sizeof(struct sev_es_save_area) == SNP_PAGE_SIZE, "VMSA page");
_Static_assert(offsetof(struct sev_es_save_area, cs) == 0x10, "VMSA cs");
_Static_assert(offsetof(struct sev_es_save_area, gdtr) == 0x60, "VMSA gdtr");
_Static_assert(offsetof(struct sev_es_save_area, ldtr) == 0x70, "VMSA ldtr");
_Static_assert(offsetof(struct sev_es_save_area, idtr) == 0x80, "VMSA idtr");
_Static_assert(offsetof(struct sev_es_save_area, tr) == 0x90, "VMSA tr");
_Static_assert(offsetof(struct sev_es_save_area, efer) == 0xd0, "VMSA efer");
_Static_assert(offsetof(struct sev_es_save_area, cr4) == 0x148, "VMSA cr4");
_Static_assert(offsetof(struct sev_es_save_area, cr0) == 0x158, "VMSA cr0");
_Static_assert(offsetof(struct sev_es_save_area, dr7) == 0x160, "VMSA dr7");
_Static_assert(offsetof(struct sev_es_save_area, rflags) == 0x170, "VMSA rflags");
_Static_assert(offsetof(struct sev_es_save_area, rip) == 0x178, "VMSA rip");
_Static_assert(offsetof(struct sev_es_save_area, g_pat) == 0x268, "VMSA g_pat");
_Static_assert(offsetof(struct sev_es_save_area, rdx) == 0x310, "VMSA rdx");
_Static_assert(offsetof(struct sev_es_save_area, sev_features) == 0x3b0, "VMSA sev_features");
_Static_assert(offsetof(struct sev_es_save_area, xcr0) == 0x3e8, "VMSA xcr0");
_Static_assert(offsetof(struct sev_es_save_area, mxcsr) == 0x408, "VMSA mxcsr");
_Static_assert(offsetof(struct sev_es_save_area, x87_fcw) == 0x410, "VMSA x87_fcw");

/* A vCPU at reset as QEMU/KVM hands it to SNP_LAUNCH_UPDATE (KVM sets EFER.SVME, CR4.MCE). */
static void vmsa_at_reset(struct sev_es_save_area *v, uint32_t eip,
			  const struct snp_launch_opts *o)
{
	const struct vmcb_seg data = { 0, 0x93, 0xffff, 0 };

	memset(v, 0, sizeof(*v));
	v->es = v->ss = v->ds = v->fs = v->gs = data;
	v->cs = (struct vmcb_seg){ 0xf000, 0x9b, 0xffff, eip & 0xffff0000u };
	v->gdtr = v->idtr = (struct vmcb_seg){ 0, 0, 0xffff, 0 };
	v->ldtr = (struct vmcb_seg){ 0, 0x82, 0xffff, 0 };
	v->tr = (struct vmcb_seg){ 0, 0x8b, 0xffff, 0 };
	v->efer = 0x1000;
	v->cr4 = 0x40;
	v->cr0 = 0x10;
	v->dr7 = 0x400;
	v->dr6 = 0xffff0ff0;
	v->rflags = 0x2;
	v->rip = eip & 0xffff;
	v->g_pat = 0x0007040600070406ull;
	v->rdx = o->vcpu_sig;
	v->sev_features = o->guest_features;
	v->xcr0 = 0x1;
	v->mxcsr = 0x1f80;
	v->x87_fcw = 0x37f;
}

/* ---- the OVMF image ---- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int snp_ovmf_parse(const uint8_t *img, size_t len, struct snp_ovmf *o, struct th_err *err)
{
	const size_t hdr = sizeof(struct ovmf_footer_entry);
	struct ovmf_footer_entry e;
	const uint8_t *meta = NULL, *reset = NULL;
	struct ovmf_sev_metadata_header mh;
	size_t end, table_end, meta_len = 0, reset_len = 0;

	memset(o, 0, sizeof(*o));
	if (len == 0 || len % SNP_PAGE_SIZE || len > FOUR_GIB)
		return th_fail(err, -EINVAL, "size", "%zu bytes: not whole 4 KiB pages below 4 GiB",
			       len);
	o->gpa = FOUR_GIB - len;
	/* the table's footer entry ends 32 bytes before the image's end (the reset vector) */
	if (len < 32 + hdr)
		return th_fail(err, -EINVAL, "footer table", "image too small");
	table_end = len - 32 - hdr;
	memcpy(&e, img + table_end, hdr);
	if (memcmp(e.guid, guid_footer, 16))
		return th_fail(err, -EINVAL, "footer table", "no OVMF GUIDed table "
			       "(not an SEV-capable OVMF build)");
	if (e.size < hdr || e.size - hdr > table_end)
		return th_fail(err, -EINVAL, "footer table", "size %u out of range", e.size);
	/* entries from the end backwards: data, then the 18-byte header */
	for (end = table_end, table_end -= e.size - hdr; end - table_end >= hdr;) {
		memcpy(&e, img + end - hdr, hdr);
		if (e.size < hdr || e.size > end - table_end)
			return th_fail(err, -EINVAL, "footer table", "entry size %u at offset %zu "
				       "out of range", e.size, end - hdr);
		if (!memcmp(e.guid, guid_sev_metadata, 16)) {
			meta = img + end - e.size;
			meta_len = e.size - hdr;
		} else if (!memcmp(e.guid, guid_sev_es_reset, 16)) {
			reset = img + end - e.size;
			reset_len = e.size - hdr;
		}
		end -= e.size;
	}
	if (!reset || reset_len < 4)
		return th_fail(err, -EINVAL, "SEV-ES reset block", "missing from the footer table");
	o->ap_reset_eip = le32(reset);
	if (!meta || meta_len < 4)
		return th_fail(err, -EINVAL, "SEV metadata", "missing from the footer table");
	{
		uint32_t from_end = le32(meta);
		size_t start;

		if (from_end > len || len - from_end > len - sizeof(mh))
			return th_fail(err, -EINVAL, "SEV metadata", "offset %u out of range",
				       from_end);
		start = len - from_end;
		memcpy(&mh, img + start, sizeof(mh));
		if (memcmp(mh.signature, "ASEV", 4))
			return th_fail(err, -EINVAL, "SEV metadata.signature", "not ASEV");
		if (mh.version != 1)
			return th_fail(err, -EINVAL, "SEV metadata.version", "%u (expected 1)",
				       mh.version);
		if (mh.num_items > OVMF_MAX_SECTIONS)
			return th_fail(err, -EINVAL, "SEV metadata.num_items", "%u (at most %d)",
				       mh.num_items, OVMF_MAX_SECTIONS);
		if (mh.size < sizeof(mh) + (size_t)mh.num_items * sizeof(struct ovmf_sev_section) ||
		    mh.size > len - start)
			return th_fail(err, -EINVAL, "SEV metadata.size", "%u does not hold %u "
				       "sections", mh.size, mh.num_items);
		memcpy(o->sections, img + start + sizeof(mh),
		       mh.num_items * sizeof(struct ovmf_sev_section));
		o->nsections = mh.num_items;
	}
	for (size_t i = 0; i < o->nsections; i++) {
		const struct ovmf_sev_section *s = &o->sections[i];

		switch (s->type) {
		case OVMF_SECTION_SNP_SEC_MEM: case OVMF_SECTION_SNP_SECRETS:
		case OVMF_SECTION_CPUID: case OVMF_SECTION_SVSM_CAA:
		case OVMF_SECTION_SNP_KERNEL_HASHES:
			break;
		default:
			return th_fail(err, -EINVAL, "SEV metadata section", "%zu: unknown type %u",
				       i, s->type);
		}
		if (s->gpa % SNP_PAGE_SIZE || s->size % SNP_PAGE_SIZE ||
		    (uint64_t)s->gpa + s->size > FOUR_GIB)
			return th_fail(err, -EINVAL, "SEV metadata section", "%zu: GPA 0x%x size "
				       "0x%x not whole pages", i, s->gpa, s->size);
	}
	return 0;
}

/* ---- the digest ---- */

static void ld_update(uint8_t ld[48], uint8_t type, uint64_t gpa, const uint8_t contents[48])
{
	struct snp_page_info pi;

	memset(&pi, 0, sizeof(pi));
	memcpy(pi.digest_cur, ld, 48);
	memcpy(pi.contents, contents, 48);
	pi.length = sizeof(pi);
	pi.page_type = type;
	pi.gpa = gpa;
	SHA384((const uint8_t *)&pi, sizeof(pi), ld);
}

/* zero, unmeasured, secrets and CPUID pages: contents are zero, one update per page */
static void ld_update_empty(uint8_t ld[48], uint8_t type, uint64_t gpa, uint64_t size)
{
	static const uint8_t zero[48];

	for (uint64_t off = 0; off < size; off += SNP_PAGE_SIZE)
		ld_update(ld, type, gpa + off, zero);
}

void snp_launch_opts_default(struct snp_launch_opts *o)
{
	o->vcpus = 1;
	o->vcpu_sig = 0x800f12;        /* EPYC-v4: family 23, model 1, stepping 2 */
	o->guest_features = 0x1;
}

/* QEMU's builtin AMD models (target/i386/cpu.c): family, model, stepping */
static const struct { const char *name; unsigned family, model, stepping; } qemu_models[] = {
	{ "EPYC", 23, 1, 2 }, { "EPYC-v4", 23, 1, 2 }, { "EPYC-IBPB", 23, 1, 2 },
	{ "EPYC-Rome", 23, 49, 0 }, { "EPYC-Milan", 25, 1, 1 }, { "EPYC-Genoa", 25, 17, 0 },
};

int snp_vcpu_sig(const char *model, uint32_t *sig)
{
	for (size_t i = 0; i < sizeof(qemu_models) / sizeof(qemu_models[0]); i++) {
		unsigned f = qemu_models[i].family, m = qemu_models[i].model;

		if (strcasecmp(model, qemu_models[i].name))
			continue;
		/* CPUID Fn0000_0001_EAX: extended family above 15, extended model */
		*sig = (f > 15 ? (f - 15) << 20 | 0xf00 : f << 8) | (m >> 4) << 16 | (m & 0xf) << 4 |
		       qemu_models[i].stepping;
		return 0;
	}
	return -ENOENT;
}

int snp_launch_digest(const uint8_t *img, size_t len, const struct snp_launch_opts *opts,
		      uint8_t out[48], struct th_err *err)
{
	struct snp_ovmf o;
	struct sev_es_save_area vmsa;
	uint8_t h[48];
	int rc;

	if (opts->vcpus == 0)
		return th_fail(err, -EINVAL, "vcpus", "at least 1");
	rc = snp_ovmf_parse(img, len, &o, err);
	if (rc)
		return rc;
	memset(out, 0, 48);
	for (size_t off = 0; off < len; off += SNP_PAGE_SIZE) {
		SHA384(img + off, SNP_PAGE_SIZE, h);
		ld_update(out, SNP_PAGE_NORMAL, o.gpa + off, h);
	}
	for (size_t i = 0; i < o.nsections; i++) {
		const struct ovmf_sev_section *s = &o.sections[i];

		switch (s->type) {
		case OVMF_SECTION_SNP_SECRETS:
			ld_update_empty(out, SNP_PAGE_SECRETS, s->gpa, SNP_PAGE_SIZE);
			break;
		case OVMF_SECTION_CPUID:
			ld_update_empty(out, SNP_PAGE_CPUID, s->gpa, SNP_PAGE_SIZE);
			break;
		default:   /* SEC memory, SVSM CAA, the kernel hashes' page with no kernel: zero */
			ld_update_empty(out, SNP_PAGE_ZERO, s->gpa, s->size);
			break;
		}
	}
	for (unsigned i = 0; i < opts->vcpus; i++) {
		vmsa_at_reset(&vmsa, i ? o.ap_reset_eip : BSP_RESET_EIP, opts);
		SHA384((const uint8_t *)&vmsa, sizeof(vmsa), h);
		ld_update(out, SNP_PAGE_VMSA, SNP_VMSA_GPA, h);
	}
	return 0;
}
