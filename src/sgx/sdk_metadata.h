/* SPDX-License-Identifier: MIT */
/*
 * The on-disk metadata of an Intel SGX SDK enclave: the descriptor of the `.note.sgxmeta`
 * note (name "sgx_metadata"), a sequence of metadata blocks, each starting with the header
 * below and holding, inside its own `size` bytes, a layout table and a patch table located by
 * `dirs[]`. Field meanings follow the SDK's common/inc/internal/metadata.h and
 * se_page_attr.h; teehost reads these structures with memcpy (the input is unaligned and
 * untrusted) and declares them once, here.
 *
 * Versions: 1.3 (SDK 1.5-1.8), 1.4 (SDK 1.9, and the SGX1-compatible copy later SDKs add),
 * 2.1 (SDK 2.0), 2.2 (SDK 2.1-2.3), 2.4 (SDK 2.4-2.18), 3.0 (SDK 2.19-2.21), 3.1 (SDK
 * 2.22-2.23). Up to 3.1 the header holds two directories (patch, layout); 3.2 and later (four
 * directories) and the ELRANGE majors (11-13) differ and are listed but never used to build a
 * plan.
 */
#ifndef TEEHOST_SGX_SDK_METADATA_H
#define TEEHOST_SGX_SDK_METADATA_H

#include <stddef.h>
#include <stdint.h>

#include "sgx/arch.h"

#define TH_SDK_METADATA_MAGIC    0x86A80294635D0E4CULL
#define TH_SDK_NOTE_NAME         "sgx_metadata"
#define TH_SDK_NOTE_SECTION      ".note.sgxmeta"
#define TH_SDK_TCS_TEMPLATE_SIZE 72u
#define TH_SDK_SSA_FRAME_MAX     4u     /* SSA_FRAME_SIZE_MAX: the loader refuses more */

#define TH_SDK_VERSION(major, minor) (((uint64_t)(major) << 32) | (uint32_t)(minor))
#define TH_SDK_VERSION_1_3           TH_SDK_VERSION(1, 3)   /* SDK 1.5 "SGX_1_5" layout */

enum { TH_SDK_DIR_PATCH = 0, TH_SDK_DIR_LAYOUT = 1, TH_SDK_DIR_NUM = 2 };

struct th_sdk_dir {
	uint32_t offset;        /* from the start of the metadata block */
	uint32_t size;          /* bytes */
} __attribute__((packed));

struct th_sdk_metadata_hdr {
	uint64_t magic;
	uint64_t version;               /* major << 32 | minor */
	uint32_t size;                  /* of this whole block, tables included */
	uint32_t tcs_policy;            /* 0 bind, 1 unbind */
	uint32_t ssa_frame_size;        /* pages */
	uint32_t max_save_buffer_size;
	uint32_t desired_misc_select;
	uint32_t tcs_min_pool;          /* "reserved" before 2.x */
	uint64_t enclave_size;
	struct sgx_attributes attributes;
	struct sgx_sigstruct enclave_css;
	struct th_sdk_dir dirs[TH_SDK_DIR_NUM];
	/* data[]: tables and contents referenced by dirs[] and layout entries */
} __attribute__((packed));
_Static_assert(sizeof(struct th_sdk_metadata_hdr) == 1888, "metadata header size");
_Static_assert(offsetof(struct th_sdk_metadata_hdr, enclave_size) == 40, "enclave_size offset");
_Static_assert(offsetof(struct th_sdk_metadata_hdr, attributes) == 48, "attributes offset");
_Static_assert(offsetof(struct th_sdk_metadata_hdr, enclave_css) == 64, "enclave_css offset");
_Static_assert(offsetof(struct th_sdk_metadata_hdr, dirs) == 1872, "dirs offset");

/* Layout entry ids (metadata.h); a group id has bit 12 set. */
#define TH_SDK_LAYOUT_GROUP_FLAG      (1u << 12)
#define TH_SDK_LAYOUT_ID_HEAP_MIN     1
#define TH_SDK_LAYOUT_ID_TCS          4
#define TH_SDK_LAYOUT_ID_GUARD        10
#define TH_SDK_LAYOUT_ID_TCS_DYN      14

/* Layout entry attributes (se_page_attr.h). */
#define TH_SDK_PAGE_ATTR_EADD        (1u << 0)
#define TH_SDK_PAGE_ATTR_EEXTEND     (1u << 1)
#define TH_SDK_PAGE_ATTR_EREMOVE     (1u << 2)
#define TH_SDK_PAGE_ATTR_POST_ADD    (1u << 3)
#define TH_SDK_PAGE_ATTR_POST_REMOVE (1u << 4)
#define TH_SDK_PAGE_ATTR_DYN_THREAD  (1u << 5)
#define TH_SDK_PAGE_DIR_GROW_DOWN    (1u << 6)

/* si_flags: SECINFO.FLAGS as the SDK writes them; only these bits may be set. */
#define TH_SDK_SI_FLAGS_EXTERNAL 0xff07ull
#define TH_SDK_SI_FLAGS_TCS      SGX_SECINFO_TYPE(SGX_PT_TCS)

struct th_sdk_layout_entry {
	uint16_t id;
	uint16_t attributes;            /* TH_SDK_PAGE_ATTR_* */
	uint32_t page_count;
	uint64_t rva;                   /* from the enclave base */
	uint32_t content_size;          /* without content_offset: a 32-bit fill pattern */
	uint32_t content_offset;        /* from the metadata block, 0: none */
	uint64_t si_flags;
} __attribute__((packed));
_Static_assert(sizeof(struct th_sdk_layout_entry) == 32, "layout entry size");

/* Repeats the entry_count entries before it load_times times, each load_step further on. */
struct th_sdk_layout_group {
	uint16_t id;
	uint16_t entry_count;
	uint32_t load_times;
	uint64_t load_step;
	uint32_t reserved[4];
} __attribute__((packed));
_Static_assert(sizeof(struct th_sdk_layout_group) == 32, "layout group size");

struct th_sdk_patch_entry {
	uint64_t dst;                   /* FILE offset in the .so */
	uint32_t src;                   /* from the metadata block */
	uint32_t size;
	uint32_t reserved[4];
} __attribute__((packed));
_Static_assert(sizeof(struct th_sdk_patch_entry) == 32, "patch entry size");

#endif
