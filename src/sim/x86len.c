/* SPDX-License-Identifier: MIT */
/*
 * The length of the common x86-64 instructions, for the enclave page scan of cpuid.c: its
 * linear sweep only needs where each instruction ends, and asks Capstone (~0.5 us an
 * instruction, most of it spent printing the operands) only about the rest: every instruction
 * this table does not claim, and every candidate site (CPUID, the XSAVE family, XGETBV are
 * 0F A2 / 0F AE / 0F C7 / 0F 01, which it never claims).
 *
 * A claim is a promise that Capstone 4 decodes the same bytes, at any address and with the
 * same number of bytes left, as one instruction of exactly that length: prefixes are at most
 * one of 66 / F2 / F3 then at most one REX, the opcode is of the one-byte map or of the 0F map,
 * and every opcode, prefix and ModRM register field it admits is checked against Capstone,
 * all of them, by tests/unit/test_sim_x86len.c. Everything else (other prefixes, VEX, EVEX,
 * x87, 0F 38 / 0F 3A, system instructions, the rarer opcodes) is Capstone's.
 */
#include "sim/sim.h"

/* per opcode: which prefix may precede it, ModRM, immediate, the ModRM.reg values admitted */
enum {
	P_NONE = 1, P_66 = 2, P_F2 = 4, P_F3 = 8,       /* the prefixes admitted */
	MODRM = 16,
	NOREG = 32,                     /* with a memory operand only */
};
enum imm { I0, I8, IZ, IV, ITEST };       /* IZ: 2 or 4 bytes, IV: 2, 4 or 8, ITEST: F6/F7's */

struct op {
	uint8_t flags;
	uint8_t imm;                    /* enum imm */
	uint8_t regs;                   /* ModRM.reg values admitted (bit per value) */
	uint8_t bad;                    /* ModRM.reg values Capstone does not decode, unprefixed */
};

#define X { 0, I0, 0, 0xff }                            /* not an instruction in 64-bit mode */
#define N(imm_) { P_NONE | P_66, imm_, 0xff }           /* no ModRM */
#define B(imm_) { P_NONE, imm_, 0xff }                  /* a branch or a far/system form: no 66 */
#define M(imm_) { P_NONE | P_66 | MODRM, imm_, 0xff }
#define ALU M(I0), M(I0), M(I0), M(I0), N(I8), N(IZ)

static const struct op map1[256] = {
	[0x00] = ALU, [0x08] = ALU, [0x10] = ALU, [0x18] = ALU,
	[0x20] = ALU, [0x28] = ALU, [0x30] = ALU, [0x38] = ALU,
	[0x06] = X, [0x07] = X, [0x0e] = X, [0x16] = X, [0x17] = X, [0x1e] = X, [0x1f] = X,
	[0x27] = X, [0x2f] = X, [0x37] = X, [0x3f] = X, [0x60] = X, [0x61] = X, [0x82] = X,
	[0x9a] = X, [0xce] = X, [0xd4] = X, [0xd5] = X, [0xd6] = X, [0xea] = X,
	[0x50 ... 0x5f] = N(I0),
	[0x63] = M(I0),
	[0x68] = N(IZ), [0x69] = M(IZ), [0x6a] = N(I8), [0x6b] = M(I8),
	[0x70 ... 0x7f] = B(I8),
	[0x80] = M(I8), [0x81] = M(IZ), [0x83] = M(I8),
	[0x84 ... 0x8b] = M(I0),
	[0x8d] = { P_NONE | P_66 | MODRM | NOREG, I0, 0xff },
	[0x90 ... 0x99] = N(I0),
	[0xa8] = N(I8), [0xa9] = N(IZ),
	[0xb0 ... 0xb7] = N(I8), [0xb8 ... 0xbf] = N(IV),
	[0xc0] = M(I8), [0xc1] = M(I8),
	[0xc3] = B(I0),
	[0xc6] = { P_NONE | P_66 | MODRM, I8, 0x01, 0x7e },
	[0xc7] = { P_NONE | P_66 | MODRM, IZ, 0x01, 0x7e },
	[0xc9] = B(I0), [0xcc] = N(I0),
	[0xd0 ... 0xd3] = M(I0),
	[0xe8] = B(IZ), [0xe9] = B(IZ), [0xeb] = B(I8),
	[0xf6] = M(ITEST), [0xf7] = M(ITEST),
	[0xf8 ... 0xfd] = N(I0),
	[0xfe] = { P_NONE | P_66 | MODRM, I0, 0x03, 0xfc },
	[0xff] = { P_NONE | P_66 | MODRM, I0, 0x43, 0x80 },     /* INC, DEC, PUSH; /7 */
};

#define SSE(p) { (p) | MODRM, I0, 0xff }
static const struct op map2[256] = {
	[0x0b] = { P_NONE, I0, 0xff },
	[0x10] = SSE(P_NONE | P_66 | P_F2 | P_F3), [0x11] = SSE(P_NONE | P_66 | P_F2 | P_F3),
	[0x1f] = { P_NONE | P_66 | MODRM | NOREG, I0, 0x01 },
	[0x28] = SSE(P_NONE | P_66), [0x29] = SSE(P_NONE | P_66),
	[0x2e] = SSE(P_NONE | P_66), [0x2f] = SSE(P_NONE | P_66),
	[0x40 ... 0x4f] = M(I0),
	[0x54 ... 0x57] = SSE(P_NONE | P_66),
	[0x58] = SSE(P_NONE | P_66 | P_F2 | P_F3), [0x59] = SSE(P_NONE | P_66 | P_F2 | P_F3),
	[0x5c] = SSE(P_NONE | P_66 | P_F2 | P_F3), [0x5e] = SSE(P_NONE | P_66 | P_F2 | P_F3),
	[0x60 ... 0x6b] = SSE(P_NONE | P_66),
	[0x6c] = SSE(P_66), [0x6d] = SSE(P_66),
	[0x6e] = SSE(P_NONE | P_66), [0x6f] = SSE(P_NONE | P_66 | P_F3),
	[0x74 ... 0x76] = SSE(P_NONE | P_66),
	[0x7e] = SSE(P_NONE | P_66 | P_F3), [0x7f] = SSE(P_NONE | P_66 | P_F3),
	[0x80 ... 0x8f] = B(IZ),
	[0x90 ... 0x9f] = { P_NONE | MODRM, I0, 0x01 },
	[0xa3] = M(I0), [0xa4] = M(I8), [0xa5] = M(I0),
	[0xab] = M(I0), [0xac] = M(I8), [0xad] = M(I0), [0xaf] = M(I0),
	[0xb0] = M(I0), [0xb1] = M(I0), [0xb3] = M(I0),
	[0xb6] = M(I0), [0xb7] = M(I0), [0xbb] = M(I0),
	[0xbe] = M(I0), [0xbf] = M(I0),
	[0xc0] = M(I0), [0xc1] = M(I0),
	[0xc8 ... 0xcf] = { P_NONE, I0, 0xff },
	[0xd4] = SSE(P_NONE | P_66), [0xd6] = SSE(P_66),
	[0xdb] = SSE(P_NONE | P_66), [0xdf] = SSE(P_NONE | P_66),
	[0xeb] = SSE(P_NONE | P_66), [0xef] = SSE(P_NONE | P_66),
	[0xd8 ... 0xda] = SSE(P_NONE | P_66), [0xdc ... 0xde] = SSE(P_NONE | P_66),
	[0xe8 ... 0xea] = SSE(P_NONE | P_66), [0xec ... 0xee] = SSE(P_NONE | P_66),
	[0xf8 ... 0xfe] = SSE(P_NONE | P_66),
};

size_t th_sim_x86_len(const uint8_t *p, size_t n)
{
	size_t i = 0, len;
	unsigned pfx = P_NONE, mod, reg, rm;
	bool rexw = false;
	const struct op *o;

	if (n > 15)
		n = 15;
	if (i < n && (p[i] == 0x66 || p[i] == 0xf2 || p[i] == 0xf3))
		pfx = p[i] == 0x66 ? P_66 : p[i] == 0xf2 ? P_F2 : P_F3, i++;
	if (i < n && (p[i] & 0xf0) == 0x40)
		rexw = p[i] & 8, i++;
	if (i >= n)
		return 0;
	if (p[i] == 0x0f) {
		if (++i >= n)
			return 0;
		o = &map2[p[i]];
	} else {
		o = &map1[p[i]];
	}
	i++;
	/* what Capstone would not decode (from the prefix on): only what does not need ModRM */
	if (pfx == P_NONE && o->bad && (o->bad == 0xff || (i < n && (o->bad >> (p[i] >> 3 & 7) & 1))))
		return TH_SIM_X86_BAD;
	if (!(o->flags & pfx))
		return 0;
	len = i;
	if (o->flags & MODRM) {
		if (i >= n)
			return 0;
		mod = p[i] >> 6;
		reg = p[i] >> 3 & 7;
		rm = p[i] & 7;
		if (!(o->regs >> reg & 1) || (mod == 3 && (o->flags & NOREG)))
			return 0;
		len++;
		if (mod != 3 && rm == 4) {      /* SIB */
			if (len >= n)
				return 0;
			if (mod == 0 && (p[len] & 7) == 5)
				len += 4;
			len++;
		}
		len += mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 5) ? 4 : 0;
	} else {
		reg = 0;
	}
	switch (o->imm) {
	case I8: len += 1; break;
	case IZ: len += pfx == P_66 && !rexw ? 2 : 4; break;
	case IV: len += rexw ? 8 : pfx == P_66 ? 2 : 4; break;
	case ITEST: len += reg > 1 ? 0 : p[i - 1] == 0xf6 ? 1 : pfx == P_66 && !rexw ? 2 : 4; break;
	}
	return len <= n ? len : 0;
}
