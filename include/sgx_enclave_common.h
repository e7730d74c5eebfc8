/* SPDX-License-Identifier: MIT */
/*
 * The SGX common loader API: a drop-in for Intel's libsgx_enclave_common.so.1.
 *
 * Same function names, signatures, types, constants and numeric error codes as Intel's
 * psw/enclave_common/sgx_enclave_common.h, so that a runtime built against Intel's header links
 * and runs against teehost's library (and the other way round). Written for teehost; the
 * behaviour, including how driver errors map to these codes, is in sgx_enclave_common(3).
 */
#ifndef _SGX_ENCLAVE_COMMON_H_
#define _SGX_ENCLAVE_COMMON_H_

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Intel's annotation macros (empty with GCC); kept so code written against Intel's header builds. */
#define COMM_API
#define COMM_IN
#define COMM_IN_OPT
#define COMM_OUT
#define COMM_OUT_OPT
#define COMM_IN_OUT

#ifndef ENCLAVE_TYPE_SGX
#define ENCLAVE_TYPE_SGX  0x00000001   /* SGX version 1 enclave */
#endif
#ifndef ENCLAVE_TYPE_SGX2
#define ENCLAVE_TYPE_SGX2 0x00000002   /* SGX version 2 enclave */
#endif
#define ENCLAVE_TYPE_SGX1 ENCLAVE_TYPE_SGX

#define ENCLAVE_MK_ERROR(x) (0x00000000 | (x))

typedef enum {
	ENCLAVE_ERROR_SUCCESS         = ENCLAVE_MK_ERROR(0x0000),
	ENCLAVE_NOT_SUPPORTED         = ENCLAVE_MK_ERROR(0x0001), /* no SGX, no device, type unknown */
	ENCLAVE_INVALID_SIG_STRUCT    = ENCLAVE_MK_ERROR(0x0002),
	ENCLAVE_INVALID_SIGNATURE     = ENCLAVE_MK_ERROR(0x0003),
	ENCLAVE_INVALID_ATTRIBUTE     = ENCLAVE_MK_ERROR(0x0004),
	ENCLAVE_INVALID_MEASUREMENT   = ENCLAVE_MK_ERROR(0x0005),
	ENCLAVE_NOT_AUTHORIZED        = ENCLAVE_MK_ERROR(0x0006), /* e.g. no access to the provision device */
	ENCLAVE_INVALID_ENCLAVE       = ENCLAVE_MK_ERROR(0x0007),
	ENCLAVE_LOST                  = ENCLAVE_MK_ERROR(0x0008),
	ENCLAVE_INVALID_PARAMETER     = ENCLAVE_MK_ERROR(0x0009),
	ENCLAVE_OUT_OF_MEMORY         = ENCLAVE_MK_ERROR(0x000a),
	ENCLAVE_DEVICE_NO_RESOURCES   = ENCLAVE_MK_ERROR(0x000b), /* out of EPC */
	ENCLAVE_ALREADY_INITIALIZED   = ENCLAVE_MK_ERROR(0x000c),
	ENCLAVE_INVALID_ADDRESS       = ENCLAVE_MK_ERROR(0x000d),
	ENCLAVE_RETRY                 = ENCLAVE_MK_ERROR(0x000e), /* unmasked event during EINIT */
	ENCLAVE_INVALID_SIZE          = ENCLAVE_MK_ERROR(0x000f),
	ENCLAVE_NOT_INITIALIZED       = ENCLAVE_MK_ERROR(0x0010),
	ENCLAVE_SERVICE_TIMEOUT       = ENCLAVE_MK_ERROR(0x0011),
	ENCLAVE_SERVICE_NOT_AVAILABLE = ENCLAVE_MK_ERROR(0x0012),
	ENCLAVE_MEMORY_MAP_FAILURE    = ENCLAVE_MK_ERROR(0x0013),
	ENCLAVE_UNEXPECTED            = ENCLAVE_MK_ERROR(0x1001),
} enclave_error_t;

typedef enum {
	ENCLAVE_PAGE_READ           = 1 << 0,
	ENCLAVE_PAGE_WRITE          = 1 << 1,
	ENCLAVE_PAGE_EXECUTE        = 1 << 2,
	ENCLAVE_PAGE_THREAD_CONTROL = 1 << 8,   /* PT_TCS */
	ENCLAVE_PAGE_REG            = 2 << 8,   /* PT_REG */
	ENCLAVE_PAGE_TRIM           = 4 << 8,   /* PT_TRIM */
	ENCLAVE_PAGE_SS_FIRST       = 5 << 8,
	ENCLAVE_PAGE_SS_REST        = 6 << 8,
	ENCLAVE_PAGE_UNVALIDATED    = 1 << 12,  /* added without EEXTEND (not measured) */
} enclave_page_properties_t;

/* Hints for enclave_alloc(). */
typedef enum {
	ENCLAVE_EMA_NONE              = 0,
	ENCLAVE_EMA_RESERVE           = 1,
	ENCLAVE_EMA_COMMIT_NOW        = 2,
	ENCLAVE_EMA_COMMIT_ON_DEMAND  = 4,
	ENCLAVE_EMA_GROWSDOWN         = 16,
	ENCLAVE_EMA_GROWSUP           = 32,
} enclave_alloc_flags_t;

typedef enum {
	ENCLAVE_LAUNCH_TOKEN = 0x1
} enclave_info_type_t;

typedef enum {
	ENCLAVE_FEATURE_NONE = 0,
	ENCLAVE_FEATURE_SGX1 = 0x00000001,
	ENCLAVE_FEATURE_SGX2 = 0x00000002,
} enclave_features_t;

#define ENCLAVE_CREATE_MAX_EX_FEATURES_COUNT 32
#define ENCLAVE_CREATE_EX_EL_RANGE_BIT_IDX   0
#define ENCLAVE_CREATE_EX_EL_RANGE           (1 << ENCLAVE_CREATE_EX_EL_RANGE_BIT_IDX)
#define _ENCLAVE_CREATE_LAST_EX_FEATURE_IDX_ ENCLAVE_CREATE_EX_EL_RANGE_BIT_IDX
#define _ENCLAVE_CREATE_EX_FEATURES_MASK_ \
	(((uint32_t)-1) >> (ENCLAVE_CREATE_MAX_EX_FEATURES_COUNT - 1 - _ENCLAVE_CREATE_LAST_EX_FEATURE_IDX_))

typedef struct enclave_elrange {
	uint64_t enclave_image_address;
	uint64_t elrange_start_address;
	uint64_t elrange_size;
} enclave_elrange_t;

#define SECS_SIZE 4096
#define SIGSTRUCT_SIZE 1808

typedef struct enclave_create_sgx_t {
	uint8_t secs[SECS_SIZE];
} enclave_create_sgx_t;

typedef struct enclave_init_sgx_t {
	uint8_t sigstruct[SIGSTRUCT_SIZE];
} enclave_init_sgx_t;

/* Reserve ELRANGE and ECREATE; returns the base or NULL (*enclave_error says why). */
void *COMM_API enclave_create_ex(COMM_IN_OPT void *base_address, COMM_IN size_t virtual_size,
				 COMM_IN size_t initial_commit, COMM_IN uint32_t type,
				 COMM_IN const void *info, COMM_IN size_t info_size,
				 COMM_IN const uint32_t ex_features,
				 COMM_IN const void *ex_features_p[32],
				 COMM_OUT_OPT uint32_t *enclave_error);

void *COMM_API enclave_create(COMM_IN_OPT void *base_address, COMM_IN size_t virtual_size,
			      COMM_IN size_t initial_commit, COMM_IN uint32_t type,
			      COMM_IN const void *info, COMM_IN size_t info_size,
			      COMM_OUT_OPT uint32_t *enclave_error);

/* EADD (and EEXTEND unless UNVALIDATED) whole pages; returns the bytes loaded. */
size_t COMM_API enclave_load_data(COMM_IN void *target_address, COMM_IN size_t target_size,
				  COMM_IN_OPT const void *source_buffer,
				  COMM_IN uint32_t data_properties,
				  COMM_OUT_OPT uint32_t *enclave_error);

/* EINIT with the SIGSTRUCT in INFO (an enclave_init_sgx_t). */
bool COMM_API enclave_initialize(COMM_IN void *base_address, COMM_IN const void *info,
				 COMM_IN size_t info_size, COMM_OUT_OPT uint32_t *enclave_error);

bool COMM_API enclave_delete(COMM_IN void *base_address, COMM_OUT_OPT uint32_t *enclave_error);

bool COMM_API enclave_get_information(COMM_IN void *base_address, COMM_IN uint32_t info_type,
				      COMM_OUT void *output_info,
				      COMM_IN_OUT size_t *output_info_size,
				      COMM_OUT_OPT uint32_t *enclave_error);

bool COMM_API enclave_set_information(COMM_IN void *base_address, COMM_IN uint32_t info_type,
				      COMM_IN void *input_info, COMM_IN size_t input_info_size,
				      COMM_OUT_OPT uint32_t *enclave_error);

uint32_t COMM_API enclave_get_features(void);

/* SGX2: make pages available for EAUG (EACCEPT inside the enclave commits them). */
uint32_t COMM_API enclave_alloc(COMM_IN void *target_addr, COMM_IN size_t target_size,
				COMM_IN uint32_t data_properties, COMM_IN uint32_t alloc_flags,
				COMM_OUT_OPT uint32_t *enclave_error);

/* SGX2: restrict permissions, change type (TCS, TRIM) or remove trimmed pages. */
uint32_t COMM_API enclave_modify(COMM_IN void *target_addr, COMM_IN size_t target_size,
				 COMM_IN uint32_t from_data_properties,
				 COMM_IN uint32_t to_data_properties,
				 COMM_OUT_OPT uint32_t *enclave_error);

#ifdef __cplusplus
}
#endif

#endif
