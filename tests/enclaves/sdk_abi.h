/* SPDX-License-Identifier: MIT */
/*
 * The call ABI of tests/enclaves/sdk_encl (a test enclave with a miniature trusted runtime),
 * shared by the enclave and by tests/enclaves/sdk_driver.c (the host's "SDK call driver").
 *
 * It is the Intel SGX SDK's ECALL ABI (linux-sgx common/inc/internal/rts_cmd.h,
 * psw/urts/linux/enter_enclave.S, sdk/trts/linux/trts_pic.S), so the hardware paths that
 * Intel's uRTS drives are the ones these tests drive:
 *   EENTER  RDI = ECALL index (>= 0) or a command (ECMD_*), RSI = marshalling struct
 *   EEXIT   RDI = OCMD_ERET, RSI = the ECALL's status            (the ECALL returned)
 *           RDI = OCALL index (>= 0), RSI = marshalling struct   (an OCALL)
 *   ORET    EENTER with RDI = ECMD_ORET, RSI = the OCALL's return value
 *   Second phase of an exception: after the AEX, EENTER on the same TCS (CSSA = 1) with
 *           RDI = ECMD_EXCEPT; status 0 means handled, then ERESUME.
 * A nested ECALL (an ECALL made by the host while serving an OCALL) is an EENTER on the same
 * TCS with the OCALL's frame still live; the runtime runs it below that frame.
 */
#ifndef SDK_ABI_H
#define SDK_ABI_H

#include <stdint.h>

#define SDKT_ECMD_ORET   (-2)
#define SDKT_ECMD_EXCEPT (-3)
#define SDKT_OCMD_ERET   (-1)

#define SDKT_TCS_COUNT   8      /* static TCSs: pages 0..7 */
#define SDKT_NSSA        2      /* SSA frames per TCS: the second serves ECMD_EXCEPT */
#define SDKT_STACK_PAGES 4      /* per thread */

/* Thread data: the page TCS.OFSBASE points at (read through %fs inside). */
struct sdkt_thread {
	uint64_t stack_top;     /* offset from the enclave base */
	uint64_t last_sp;       /* enclave RSP of the innermost live OCALL, 0 when none */
	uint64_t frame;         /* address of the current ECALL frame */
	uint64_t ssa;           /* offset of SSA frame 0 from the enclave base */
	uint64_t index;         /* this thread's number (static TCSs 0..7, dynamic 8+) */
	uint64_t aexnotify;     /* AEX notifications received */
	uint64_t late_cpuid;    /* SDKT_FAULT_CPUID_LATE pending: the second phase defers */
	uint64_t late_seen;     /* the bytes its handler found at the faulting RIP */
};

/* Status values (sgx_status_t where one exists). */
#define SDKT_OK            0
#define SDKT_ERR_UNEXPECTED 0x0001  /* SGX_ERROR_UNEXPECTED */
#define SDKT_ERR_PARAM     0x0002  /* SGX_ERROR_INVALID_PARAMETER */
#define SDKT_ERR_FUNCTION  0x1001  /* SGX_ERROR_INVALID_FUNCTION */
#define SDKT_ERR_MAC       0x3001  /* SGX_ERROR_MAC_MISMATCH */
#define SDKT_ERR_FS_ENTRY  0xf5    /* FS.BASE at entry was not the TCS's OFSBASE */
#define SDKT_ERR_FS_EXIT   0xf6    /* FS.BASE changed while inside */

enum sdkt_ecall {
	SDKT_EC_ADD = 0,        /* ms: sdkt_add */
	SDKT_EC_NEST,           /* ms: sdkt_nest; OCALL SDKT_OC_NEST, which ECALLs again */
	SDKT_EC_FAULT,          /* ms: sdkt_fault; execute ud2 / cpuid, resumed by the handler */
	SDKT_EC_THREAD,         /* ms: sdkt_thread_call */
	SDKT_EC_SELF_TARGET,    /* ms: sdkt_report_call (targetinfo out) */
	SDKT_EC_REPORT,         /* ms: sdkt_report_call: EREPORT to targetinfo */
	SDKT_EC_VERIFY,         /* ms: sdkt_report_call: EGETKEY(REPORT), check the MAC */
	SDKT_EC_SEAL,           /* ms: sdkt_seal: CMAC under the seal key (the key stays inside) */
	SDKT_EC_ACCEPT,         /* ms: sdkt_mem: EACCEPT npages at addr with secinfo */
	SDKT_EC_FILL,           /* ms: sdkt_mem: write/check a pattern over npages */
	SDKT_EC_EMODPE,         /* ms: sdkt_mem: EMODPE with secinfo */
	SDKT_EC_CODE,           /* ms: sdkt_mem: write "mov $value, %eax; ret" at addr (check 1:
				 * a function returning CPUID leaf 0's EBX) */
	SDKT_EC_CALL,           /* ms: sdkt_mem: call addr, value = what it returned */
	SDKT_EC_MKTCS,          /* ms: sdkt_mem: lay out a thread at addr (TCS, SSA, TLS, stack) */
	SDKT_EC_SL_WORKER,      /* ms: sdkt_ring: serve requests until ring->stop */
	SDKT_EC_SL_OCALLS,      /* ms: sdkt_ring: post n requests for an untrusted worker */
	SDKT_EC_AEXNOTIFY,      /* ms: sdkt_aexn: enable AEX-Notify on this frame, spin */
	SDKT_EC_XSAVE,          /* ms: sdkt_xsave: XSAVEC, XRSTOR and XSAVE with EDX:EAX = ~0 */
	SDKT_EC_COUNT
};

enum sdkt_ocall {
	SDKT_OC_NEST = 0,       /* ms: sdkt_nest */
	SDKT_OC_COUNT
};

struct sdkt_add { uint64_t a, b, sum; };

struct sdkt_nest {
	uint64_t depth;         /* in: nest this many more levels */
	uint64_t sum;           /* out: sum of the depths of every level */
	uint64_t tcs_seen;      /* out: thread index of the deepest level */
};

/*
 * CPUID_LATE: CPUID handled as Intel's trts does with SGX SSL's handler: the second phase
 * only moves the SSA's RIP to a handler in the enclave, which runs after ERESUME and reads the
 * instruction at the faulting RIP (result3: its two bytes, 0xa20f for CPUID).
 */
enum { SDKT_FAULT_UD2 = 0, SDKT_FAULT_CPUID = 1, SDKT_FAULT_CPUID_LATE = 2 };
struct sdkt_fault {
	uint64_t kind;
	uint64_t result;        /* out: ud2: the handler's marker; cpuid: EBX:EDX:ECX of leaf 0 */
	uint64_t result2, result3;
	uint64_t handled;       /* out: exceptions the handler has taken on this thread so far */
};
#define SDKT_UD2_MARKER 0x5afe5afeull

struct sdkt_thread_call {
	uint64_t rounds;        /* in: atomic increments of the enclave's counter */
	uint64_t rendezvous;    /* in: wait until this many threads are inside at once */
	uint64_t index;         /* out: thread index (from the thread data) */
	uint64_t counter;       /* out: the counter after this call */
	uint64_t met;           /* out: 1 when the rendezvous was met */
	uint64_t fs_in, fs_out; /* out: FS.BASE before and after the rendezvous */
};

struct sdkt_report_call {
	uint8_t targetinfo[512] __attribute__((aligned(512)));
	uint8_t report[512] __attribute__((aligned(512))); /* 432 used */
	uint8_t reportdata[64] __attribute__((aligned(128)));
};

struct sdkt_seal {
	uint16_t policy;        /* SGX_KEYPOLICY_* */
	uint8_t mac[16];        /* out: AES-CMAC(seal key, SDKT_SEAL_PROBE) */
};
#define SDKT_SEAL_PROBE "teehost seal probe"

struct sdkt_mem {
	uint64_t addr, npages, secinfo;
	uint64_t value;         /* FILL: pattern seed; CODE/CALL: the constant */
	uint64_t check;         /* FILL: 0 write, 1 check */
	uint64_t failed_at;     /* out: first page that failed, or ~0 */
};

#define SDKT_RING_SLOTS 64
struct sdkt_slot {
	uint64_t state;         /* 0 free, 1 request, 2 done */
	uint64_t a, b, r;
};
struct sdkt_ring {
	struct sdkt_slot slot[SDKT_RING_SLOTS];
	uint64_t stop;          /* host sets it to end SL_WORKER */
	uint64_t n;             /* SL_OCALLS: requests to post */
	uint64_t served;        /* out: requests served (SL_WORKER) or answered (SL_OCALLS) */
	uint64_t bad;           /* out: wrong answers seen */
};

/*
 * XSAVE: inside an enclave XCR0 is SECS.XFRM, so the components an XSAVE-family instruction
 * with EDX:EAX = all ones touches are the enclave's, not the host's (Intel's trts sizes its
 * OCALL save area for XFRM).
 */
struct sdkt_xsave {
	uint64_t pattern;       /* in: put in XMM0 before XSAVEC */
	uint64_t xstate_bv;     /* out: XSAVEC's header */
	uint64_t xcomp_bv;
	uint64_t xmm0;          /* out: XMM0 after XRSTOR of that area (XMM0 zeroed in between) */
	uint64_t std_bv;        /* out: XSTATE_BV of an XSAVE (standard form) */
	uint64_t xinuse_ok;     /* in: the CPU has XGETBV with ECX = 1 */
	uint64_t xcr0;          /* out: XGETBV, ECX = 0 */
	uint64_t xinuse;        /* out: XGETBV, ECX = 1 (if xinuse_ok) */
};

struct sdkt_aexn {
	uint64_t go;            /* host sets it to end the spin */
	uint64_t armed;         /* out: GPRSGX.AEXNOTIFY is set, the spin begins */
	uint64_t notified;      /* out: AEX notifications taken during the call */
	uint64_t spins;
};

#endif
