/* SPDX-License-Identifier: MIT */
/*
 * SGX architectural structures, declared once for all of teehost.
 *
 * Layouts follow the Intel SDM volume 3D ("SGX data structures"). Every structure carries
 * _Static_asserts on its size and on the offsets that code elsewhere relies on, so a typo here
 * breaks the build instead of an enclave.
 */
#ifndef TEEHOST_SGX_ARCH_H
#define TEEHOST_SGX_ARCH_H

#include <stddef.h>
#include <stdint.h>

#define SGX_PAGE_SIZE 4096u
#define SGX_PAGE_SHIFT 12
#define SGX_EEXTEND_CHUNK 256u         /* EEXTEND measures 256 bytes at a time */
#define SGX_CHUNKS_PER_PAGE 16u
#define SGX_MODULUS_SIZE 384u          /* RSA-3072 */

#define SGX_STATIC_ASSERT_LAYOUT(type, size) \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")
#define SGX_STATIC_ASSERT_OFFSET(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), #type "." #field " must be at " #off)

/* ENCLS leaves (EAX) */
enum sgx_encls_leaf {
	SGX_ECREATE = 0x00, SGX_EADD = 0x01, SGX_EINIT = 0x02, SGX_EREMOVE = 0x03,
	SGX_EDBGRD = 0x04, SGX_EDBGWR = 0x05, SGX_EEXTEND = 0x06, SGX_ELDB = 0x07,
	SGX_ELDU = 0x08, SGX_EBLOCK = 0x09, SGX_EPA = 0x0A, SGX_EWB = 0x0B,
	SGX_ETRACK = 0x0C, SGX_EAUG = 0x0D, SGX_EMODPR = 0x0E, SGX_EMODT = 0x0F,
};

/* ENCLU leaves (EAX) */
enum sgx_enclu_leaf {
	SGX_EREPORT = 0x00, SGX_EGETKEY = 0x01, SGX_EENTER = 0x02, SGX_ERESUME = 0x03,
	SGX_EEXIT = 0x04, SGX_EACCEPT = 0x05, SGX_EMODPE = 0x06, SGX_EACCEPTCOPY = 0x07,
	SGX_EDECCSSA = 0x09,
};

/* Error codes returned in EAX by ENCLS/ENCLU leaves (SDM "Error codes") */
enum sgx_return_code {
	SGX_SUCCESS = 0,
	SGX_INVALID_SIG_STRUCT = 1,
	SGX_INVALID_ATTRIBUTE = 2,
	SGX_BLKSTATE = 3,
	SGX_INVALID_MEASUREMENT = 4,
	SGX_NOTBLOCKABLE = 5,
	SGX_PG_INVLD = 6,
	SGX_EPC_PAGE_CONFLICT = 7,
	SGX_INVALID_SIGNATURE = 8,
	SGX_MAC_COMPARE_FAIL = 9,
	SGX_PAGE_NOT_BLOCKED = 10,
	SGX_NOT_TRACKED = 11,
	SGX_VA_SLOT_OCCUPIED = 12,
	SGX_CHILD_PRESENT = 13,
	SGX_ENCLAVE_ACT = 14,
	SGX_ENTRYEPOCH_LOCKED = 15,
	SGX_INVALID_EINITTOKEN = 16,
	SGX_PREV_TRK_INCMPL = 17,
	SGX_PG_IS_SECS = 18,
	SGX_PAGE_ATTRIBUTES_MISMATCH = 19,
	SGX_PAGE_NOT_MODIFIABLE = 20,
	SGX_PAGE_NOT_DEBUGGABLE = 21,
	SGX_INVALID_COUNTER = 25,
	SGX_PG_NONEPC = 26,
	SGX_TRACK_NOT_REQUIRED = 27,
	SGX_INVALID_CPUSVN = 32,
	SGX_INVALID_ISVSVN = 64,
	SGX_UNMASKED_EVENT = 128,
	SGX_INVALID_KEYNAME = 256,
};

/* SECS.ATTRIBUTES.FLAGS */
#define SGX_ATTR_INIT          0x0001ull
#define SGX_ATTR_DEBUG         0x0002ull
#define SGX_ATTR_MODE64BIT     0x0004ull
#define SGX_ATTR_PROVISIONKEY  0x0010ull
#define SGX_ATTR_EINITTOKENKEY 0x0020ull
#define SGX_ATTR_CET           0x0040ull
#define SGX_ATTR_KSS           0x0080ull
#define SGX_ATTR_AEXNOTIFY     0x0400ull
/* Bits software may never set in SECS.ATTRIBUTES (reserved, per CPUID 0x12.1 on real parts) */
#define SGX_ATTR_RESERVED_MASK (~(SGX_ATTR_INIT | SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | \
				  SGX_ATTR_PROVISIONKEY | SGX_ATTR_EINITTOKENKEY | SGX_ATTR_CET | \
				  SGX_ATTR_KSS | SGX_ATTR_AEXNOTIFY))

/* MISCSELECT */
#define SGX_MISC_EXINFO 0x1u

/* SECINFO.FLAGS */
#define SGX_SECINFO_R          0x001ull
#define SGX_SECINFO_W          0x002ull
#define SGX_SECINFO_X          0x004ull
#define SGX_SECINFO_PENDING    0x008ull
#define SGX_SECINFO_MODIFIED   0x010ull
#define SGX_SECINFO_PR         0x020ull
#define SGX_SECINFO_PERM_MASK  0x007ull
#define SGX_SECINFO_TYPE_SHIFT 8
#define SGX_SECINFO_TYPE_MASK  0xff00ull
#define SGX_SECINFO_TYPE(t)    ((uint64_t)(t) << SGX_SECINFO_TYPE_SHIFT)

enum sgx_page_type {
	SGX_PT_SECS = 0x00,
	SGX_PT_TCS = 0x01,
	SGX_PT_REG = 0x02,
	SGX_PT_VA = 0x03,
	SGX_PT_TRIM = 0x04,
	SGX_PT_SS_FIRST = 0x05,
	SGX_PT_SS_REST = 0x06,
};

struct sgx_attributes {
	uint64_t flags;
	uint64_t xfrm;
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_attributes, 16);

/* SGX Enclave Control Structure */
struct sgx_secs {
	uint64_t size;
	uint64_t base;
	uint32_t ssa_frame_size;        /* in pages */
	uint32_t miscselect;
	uint8_t reserved1[24];
	struct sgx_attributes attributes;
	uint8_t mrenclave[32];
	uint8_t reserved2[32];
	uint8_t mrsigner[32];
	uint8_t reserved3[32];
	uint8_t config_id[64];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t reserved4[3834];
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_secs, 4096);
SGX_STATIC_ASSERT_OFFSET(struct sgx_secs, ssa_frame_size, 16);
SGX_STATIC_ASSERT_OFFSET(struct sgx_secs, attributes, 48);
SGX_STATIC_ASSERT_OFFSET(struct sgx_secs, mrenclave, 64);
SGX_STATIC_ASSERT_OFFSET(struct sgx_secs, mrsigner, 128);
SGX_STATIC_ASSERT_OFFSET(struct sgx_secs, config_id, 192);
SGX_STATIC_ASSERT_OFFSET(struct sgx_secs, isv_prod_id, 256);
SGX_STATIC_ASSERT_OFFSET(struct sgx_secs, config_svn, 260);

/* Thread Control Structure */
#define SGX_TCS_DBGOPTIN 0x1ull
#define SGX_TCS_AEXNOTIFY 0x2ull
struct sgx_tcs {
	uint64_t state;
	uint64_t flags;
	uint64_t ossa;                  /* offset of the SSA stack from the enclave base */
	uint32_t cssa;
	uint32_t nssa;
	uint64_t oentry;                /* entry point, offset from the enclave base */
	uint64_t aep;                   /* written by EENTER: the asynchronous exit pointer */
	uint64_t ofsbase;
	uint64_t ogsbase;
	uint32_t fslimit;
	uint32_t gslimit;
	uint8_t reserved[4024];
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_tcs, 4096);
SGX_STATIC_ASSERT_OFFSET(struct sgx_tcs, ossa, 16);
SGX_STATIC_ASSERT_OFFSET(struct sgx_tcs, cssa, 24);
SGX_STATIC_ASSERT_OFFSET(struct sgx_tcs, nssa, 28);
SGX_STATIC_ASSERT_OFFSET(struct sgx_tcs, oentry, 32);
SGX_STATIC_ASSERT_OFFSET(struct sgx_tcs, aep, 40);
SGX_STATIC_ASSERT_OFFSET(struct sgx_tcs, ofsbase, 48);
SGX_STATIC_ASSERT_OFFSET(struct sgx_tcs, ogsbase, 56);
SGX_STATIC_ASSERT_OFFSET(struct sgx_tcs, fslimit, 64);

struct sgx_secinfo {
	uint64_t flags;
	uint8_t reserved[56];
} __attribute__((packed, aligned(64)));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_secinfo, 64);

struct sgx_pageinfo {
	uint64_t linaddr;
	uint64_t srcpge;
	uint64_t secinfo;               /* or PCMD */
	uint64_t secs;
} __attribute__((packed, aligned(32)));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_pageinfo, 32);

/*
 * SIGSTRUCT. Two regions are signed: bytes [0, 128) and [900, 1028). Big numbers (modulus,
 * signature, Q1, Q2) are stored little-endian.
 */
#define SGX_SIGSTRUCT_HEADER1 { 0x06, 0x00, 0x00, 0x00, 0xE1, 0x00, 0x00, 0x00, \
				0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 }
#define SGX_SIGSTRUCT_HEADER2 { 0x01, 0x01, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, \
				0x60, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 }
#define SGX_SIGSTRUCT_VENDOR_INTEL 0x8086u
/* header1 is the SDM's 12-byte HEADER followed by the 4-byte TYPE; TYPE bit 31 set marks a
 * production-signed enclave (Intel's architectural enclaves), clear a debug-signed one. */
#define SGX_SIGSTRUCT_TYPE_OFFSET     12u
#define SGX_SIGSTRUCT_TYPE_PRODUCTION 0x80000000u
struct sgx_sigstruct {
	uint8_t header1[16];
	uint32_t vendor;
	uint32_t date;                  /* BCD: 0xYYYYMMDD */
	uint8_t header2[16];
	uint32_t swdefined;
	uint8_t reserved1[84];
	uint8_t modulus[SGX_MODULUS_SIZE];
	uint32_t exponent;
	uint8_t signature[SGX_MODULUS_SIZE];
	/* body: signed together with the header */
	uint32_t miscselect;
	uint32_t miscmask;
	uint8_t cet_attributes;
	uint8_t cet_attributes_mask;
	uint8_t reserved2[2];
	uint8_t isv_family_id[16];
	struct sgx_attributes attributes;
	struct sgx_attributes attribute_mask;
	uint8_t enclave_hash[32];
	uint8_t reserved3[16];
	uint8_t isv_ext_prod_id[16];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	/* buffer: not signed */
	uint8_t reserved4[12];
	uint8_t q1[SGX_MODULUS_SIZE];
	uint8_t q2[SGX_MODULUS_SIZE];
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_sigstruct, 1808);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, vendor, 16);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, date, 20);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, header2, 24);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, swdefined, 40);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, modulus, 128);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, exponent, 512);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, signature, 516);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, miscselect, 900);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, isv_family_id, 912);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, attributes, 928);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, attribute_mask, 944);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, enclave_hash, 960);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, isv_ext_prod_id, 1008);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, isv_prod_id, 1024);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, isv_svn, 1026);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, q1, 1040);
SGX_STATIC_ASSERT_OFFSET(struct sgx_sigstruct, q2, 1424);
#define SGX_SIGSTRUCT_SIGNED1_END  128u
#define SGX_SIGSTRUCT_SIGNED2_START 900u
#define SGX_SIGSTRUCT_SIGNED2_END  1028u

struct sgx_einittoken {
	uint32_t valid;
	uint8_t reserved1[44];
	struct sgx_attributes attributes;
	uint8_t mrenclave[32];
	uint8_t reserved2[32];
	uint8_t mrsigner[32];
	uint8_t reserved3[32];
	uint8_t cpusvn_le[16];
	uint16_t isv_prod_id_le;
	uint16_t isv_svn_le;
	uint8_t reserved4[24];
	uint32_t masked_miscselect_le;
	struct sgx_attributes masked_attributes_le;
	uint8_t keyid[32];
	uint8_t mac[16];
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_einittoken, 304);
SGX_STATIC_ASSERT_OFFSET(struct sgx_einittoken, attributes, 48);
SGX_STATIC_ASSERT_OFFSET(struct sgx_einittoken, mrenclave, 64);
SGX_STATIC_ASSERT_OFFSET(struct sgx_einittoken, mrsigner, 128);
SGX_STATIC_ASSERT_OFFSET(struct sgx_einittoken, cpusvn_le, 192);
SGX_STATIC_ASSERT_OFFSET(struct sgx_einittoken, masked_miscselect_le, 236);
SGX_STATIC_ASSERT_OFFSET(struct sgx_einittoken, keyid, 256);
SGX_STATIC_ASSERT_OFFSET(struct sgx_einittoken, mac, 288);
#define SGX_EINITTOKEN_MACED_SIZE 192u  /* the MAC covers bytes [0, 192) */

struct sgx_report_body {
	uint8_t cpusvn[16];
	uint32_t miscselect;
	uint8_t cet_attributes;
	uint8_t reserved1[11];
	uint8_t isv_ext_prod_id[16];
	struct sgx_attributes attributes;
	uint8_t mrenclave[32];
	uint8_t reserved2[32];
	uint8_t mrsigner[32];
	uint8_t reserved3[32];
	uint8_t config_id[64];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t reserved4[42];
	uint8_t isv_family_id[16];
	uint8_t report_data[64];
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_report_body, 384);
SGX_STATIC_ASSERT_OFFSET(struct sgx_report_body, miscselect, 16);
SGX_STATIC_ASSERT_OFFSET(struct sgx_report_body, isv_ext_prod_id, 32);
SGX_STATIC_ASSERT_OFFSET(struct sgx_report_body, attributes, 48);
SGX_STATIC_ASSERT_OFFSET(struct sgx_report_body, mrenclave, 64);
SGX_STATIC_ASSERT_OFFSET(struct sgx_report_body, mrsigner, 128);
SGX_STATIC_ASSERT_OFFSET(struct sgx_report_body, config_id, 192);
SGX_STATIC_ASSERT_OFFSET(struct sgx_report_body, isv_prod_id, 256);
SGX_STATIC_ASSERT_OFFSET(struct sgx_report_body, isv_family_id, 304);
SGX_STATIC_ASSERT_OFFSET(struct sgx_report_body, report_data, 320);

struct sgx_report {
	struct sgx_report_body body;
	uint8_t keyid[32];
	uint8_t mac[16];                /* AES-CMAC over body with the target's report key */
} __attribute__((packed, aligned(512)));
_Static_assert(offsetof(struct sgx_report, keyid) == 384, "REPORT.KEYID at 384");
_Static_assert(offsetof(struct sgx_report, mac) == 416, "REPORT.MAC at 416");
#define SGX_REPORT_SIZE 432u   /* architectural size; the C type is padded to its 512 alignment */

struct sgx_targetinfo {
	uint8_t mrenclave[32];
	struct sgx_attributes attributes;
	uint8_t cet_attributes;
	uint8_t reserved1;
	uint16_t config_svn;
	uint32_t miscselect;
	uint8_t reserved2[8];
	uint8_t config_id[64];
	uint8_t reserved3[384];
} __attribute__((packed, aligned(512)));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_targetinfo, 512);
SGX_STATIC_ASSERT_OFFSET(struct sgx_targetinfo, attributes, 32);
SGX_STATIC_ASSERT_OFFSET(struct sgx_targetinfo, config_svn, 50);
SGX_STATIC_ASSERT_OFFSET(struct sgx_targetinfo, miscselect, 52);
SGX_STATIC_ASSERT_OFFSET(struct sgx_targetinfo, config_id, 64);

enum sgx_keyname {
	SGX_KEY_EINITTOKEN = 0,
	SGX_KEY_PROVISION = 1,
	SGX_KEY_PROVISION_SEAL = 2,
	SGX_KEY_REPORT = 3,
	SGX_KEY_SEAL = 4,
};
#define SGX_KEYPOLICY_MRENCLAVE    0x0001u
#define SGX_KEYPOLICY_MRSIGNER     0x0002u
#define SGX_KEYPOLICY_NOISVPRODID  0x0004u
#define SGX_KEYPOLICY_CONFIGID     0x0008u
#define SGX_KEYPOLICY_ISVFAMILYID  0x0010u
#define SGX_KEYPOLICY_ISVEXTPRODID 0x0020u

struct sgx_keyrequest {
	uint16_t keyname;
	uint16_t keypolicy;
	uint16_t isv_svn;
	uint8_t cet_attributes_mask;
	uint8_t reserved1;
	uint8_t cpusvn[16];
	struct sgx_attributes attribute_mask;
	uint8_t keyid[32];
	uint32_t miscmask;
	uint16_t config_svn;
	uint8_t reserved2[434];
} __attribute__((packed, aligned(512)));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_keyrequest, 512);
SGX_STATIC_ASSERT_OFFSET(struct sgx_keyrequest, cpusvn, 8);
SGX_STATIC_ASSERT_OFFSET(struct sgx_keyrequest, attribute_mask, 24);
SGX_STATIC_ASSERT_OFFSET(struct sgx_keyrequest, keyid, 40);
SGX_STATIC_ASSERT_OFFSET(struct sgx_keyrequest, miscmask, 72);
SGX_STATIC_ASSERT_OFFSET(struct sgx_keyrequest, config_svn, 76);

/* SSA frame: GPRSGX sits in the last 184 bytes of the frame, MISC (EXINFO) just below it. */
#define SGX_EXITINFO_VALID     0x80000000u
#define SGX_EXITINFO_VECTOR(e) ((e) & 0xffu)
#define SGX_EXITINFO_TYPE(e)   (((e) >> 8) & 0x7u)
#define SGX_EXIT_TYPE_HW       3u       /* hardware exception */
#define SGX_EXIT_TYPE_SW       6u       /* software exception (INT3, INTO) */

struct sgx_gpr {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags;
	uint64_t rip;
	uint64_t ursp;
	uint64_t urbp;
	uint32_t exitinfo;
	uint32_t reserved;
	uint64_t fsbase;
	uint64_t gsbase;
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_gpr, 184);
SGX_STATIC_ASSERT_OFFSET(struct sgx_gpr, rflags, 128);
SGX_STATIC_ASSERT_OFFSET(struct sgx_gpr, rip, 136);
SGX_STATIC_ASSERT_OFFSET(struct sgx_gpr, ursp, 144);
SGX_STATIC_ASSERT_OFFSET(struct sgx_gpr, exitinfo, 160);
SGX_STATIC_ASSERT_OFFSET(struct sgx_gpr, fsbase, 168);

struct sgx_exinfo {
	uint64_t maddr;
	uint32_t errcd;
	uint32_t reserved;
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct sgx_exinfo, 16);
#define SGX_PFEC_SGX 0x8000u            /* page-fault error code bit 15: EPCM-induced fault */

#endif
