/* SPDX-License-Identifier: MIT */
/*
 * The user-mode SGX machine: internal interface shared by the files of
 * src/sim/.  Nothing here is public; the only way in from outside is the
 * LD_PRELOAD library (preload.c) and the device ops table (device.h).
 *
 * Layout of the machine:
 *   machine.c  EPC pages, EPCM, SECS/TCS state, the ENCLS leaves, staged EADDs
 *   paging.c   EPC paging of the out-of-tree drivers (EWB/ELDU)
 *   enclu.c    ENCLU leaves (a function each), EENTER/ERESUME/EEXIT/AEX, the signal dispatcher
 *   ssa.c      SSA frames and the XSAVE state AEX saves and ERESUME restores
 *   entry.S    signal trampoline, soft ENCLU used by the vDSO, copy_from_user
 *   keys.c     EREPORT / EGETKEY
 *   vdso.c     the ELF image returned by getauxval(AT_SYSINFO_EHDR)
 *   cpuid.c    CPUID as the simulated CPU answers it (faulting or rewritten instructions,
 *              enclave code's included)
 *   device-kernel.c, device-dcap.c, device-isgx.c  the drivers' ioctl/mmap semantics;
 *   device-common.c  what they share
 *   preload.c  start-up and the real libc functions; preload-fd.c, preload-map.c,
 *              preload-signal.c, preload-thread.c  the interposed libc functions
 */
#ifndef TH_SIM_SIM_H
#define TH_SIM_SIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sim/sgxdefs.h"

struct th_mr;

#define TH_SIM_PAGE 4096UL
/* MaxEnclaveSize_64 of CPUID.0x12.0:EDX[15:8] (cpuid.c): 2^36 */
#define TH_SIM_MAX_ENCLAVE_SIZE_LOG2 36
#define TH_SIM_MAX_ENCLAVE_SIZE (1ull << TH_SIM_MAX_ENCLAVE_SIZE_LOG2)
#define TH_SIM_API __attribute__((visibility("hidden")))

/* ---- configuration (from the environment set by `teehost sim`) ---- */
struct th_sim_config {
	uint64_t epc_size;      /* bytes reported by CPUID 0x12 subleaf 2 */
	bool sgx1_only;         /* no SGX2: EAUG/EMODPR/EMODT/EACCEPT absent */
	bool strict;            /* enclave pages PROT_NONE while outside */
	bool flc;               /* flexible launch control (default) */
	bool debug;             /* TEEHOST_SIM_DEBUG: trace to stderr */
	bool no_vdso_enter;     /* out-of-tree driver flavours: no __vdso_sgx_enter_enclave */
};
extern struct th_sim_config th_sim_cfg TH_SIM_API;

/* ---- EPCM ---- */
enum {
	TH_EPCM_VALID = 1 << 0,
	TH_EPCM_PENDING = 1 << 1,
	TH_EPCM_MODIFIED = 1 << 2,
	TH_EPCM_PR = 1 << 3,
	/* not EPCM: the page was written back (EWB) by a driver that pages EPC (paging.c) */
	TH_EPCM_OUT = 1 << 4,
	/* not EPCM: its CPUIDs were found and made UD2 since it last changed (cpuid.c) */
	TH_EPCM_SCANNED = 1 << 5,
};

struct th_sim_tcs;

struct th_sim_page {
	uint8_t state;          /* TH_EPCM_* */
	uint8_t type;           /* SGX_PAGE_TYPE_* (SECS 0, TCS 1, REG 2, TRIM 4) */
	uint8_t rwx;            /* EPCM R=1 W=2 X=4 (SECINFO bits) */
	uint8_t vma;            /* protection of the host mapping (PROT_*), 0x80 = mapped */
	uint8_t maxprot;        /* the driver's cap on mapping protections (PROT_*) */
	uint8_t pad[3];
	uint32_t gen;           /* ETRACK generation of the last EMODPR/EMODT */
	struct th_sim_tcs *tcs; /* for TCS pages */
};
#define TH_VMA_MAPPED 0x80

/* Per-TCS state the hardware keeps (the parts not in the TCS page). */
struct th_sim_tcs {
	uint64_t addr;          /* linear address of the TCS page */
	volatile int busy;      /* entered by some thread */
	uint64_t aep;
	uint64_t ursp, urbp;    /* host RSP/RBP at EENTER/ERESUME */
	uint64_t host_fs, host_gs;
	uint64_t encl_fs, encl_gs;
	void *thread;           /* struct th_sim_thread currently inside */
	uint32_t cpuid_holds;   /* CPUID sites its #UDs hold restored (cpuid.c) */
};

struct th_sim_encl {
	struct th_sim_encl *next;
	int memfd;              /* EPC backing, offset = linear address - base */
	uint8_t *epc;           /* the machine's own view of the backing (RW) */
	uint64_t base, size;
	struct sgx_secs secs;        /* SECS copy (the SECS page lives in the machine) */
	bool initialized;
	bool debug;
	uint8_t mrenclave[32];
	uint8_t mrsigner[32];
	uint16_t isvprodid, isvsvn;
	uint8_t isvfamilyid[16], isvextprodid[16];  /* KSS: the SIGSTRUCT's, else zero */
	struct th_mr *mr;       /* MRENCLAVE in progress (ECREATE..EINIT) */
	bool mr_done;
	struct th_sim_page *pages; /* size / 4096 entries */
	uint64_t child_count;
	uint32_t gen, tracked;  /* ETRACK generations */
	int inside;             /* threads in the enclave (for --strict) */
	uint64_t resident;      /* EPC pages it holds, for a flavour that pages EPC (paging.c) */
	void *dev;              /* the device model's enclave */
	/* the driver's #PF handler for a page the EPCM lacks (EAUG on the kernel's); 0 = added */
	int (*fault)(struct th_sim_encl *e, uint64_t addr);
	/* CPUIDs made UD2 (cpuid.c), sorted; one is CPUID again while its #UD is handled */
	uint64_t *cpuid_sites;
	size_t n_cpuid_sites, cap_cpuid_sites;
	struct th_sim_cpuid_hold {
		uint64_t site;                  /* reads CPUID while held */
		const struct th_sim_tcs *tcs;   /* the TCS whose #UD it was */
		uint32_t frame;                 /* the SSA frame that #UD's AEX saved into */
	} *cpuid_holds;
	size_t n_cpuid_holds, cap_cpuid_holds;
	/* XSAVE-family instructions made UD2 (xsave.c), sorted */
	struct th_sim_xsave_site *xsave_sites;
	size_t n_xsave_sites, cap_xsave_sites;
};

/*
 * EINIT's launch-control step, after the signature, attribute and measurement checks: 0 or an
 * SDM error code. The default (th_sim_launch_default) is the hardware rule: an enclave whose
 * MRSIGNER equals IA32_SGXLEPUBKEYHASH needs no token, any other needs a valid EINITTOKEN
 * MACed with the launch key. Device flavours with another launch model may replace it.
 */
typedef int th_sim_launch_fn(struct th_sim_encl *e, const struct sgx_sigstruct *ss,
			     const struct sgx_einittoken *token, const uint8_t mrsigner[32]);

/* Global machine state. */
struct th_sim_machine {
	volatile int lock;
	struct th_sim_encl *encls;
	uint8_t lepubkeyhash[32];   /* IA32_SGXLEPUBKEYHASH0..3 */
	bool lepubkeyhash_locked;   /* legacy model: fixed hash */
	th_sim_launch_fn *launch;   /* NULL: th_sim_launch_default */
};
th_sim_launch_fn th_sim_launch_default TH_SIM_API;
extern struct th_sim_machine th_sim_m TH_SIM_API;

/* th_sim_lock() also stores the staged pages (see th_sim_epc_stage); _keep leaves them staged */
void th_sim_lock(void) TH_SIM_API;
bool th_sim_grow(void *arrp, size_t *cap, size_t n, size_t elem) TH_SIM_API;
void th_sim_lock_keep(void) TH_SIM_API;
void th_sim_unlock(void) TH_SIM_API;

struct th_sim_encl *th_sim_encl_find(uint64_t addr) TH_SIM_API;
struct th_sim_page *th_sim_page_at(struct th_sim_encl *e, uint64_t addr) TH_SIM_API;

/* ENCLS leaves: return 0, an SGX error code (> 0) or -(vector) for a fault. */
int th_encls_ecreate(struct th_sim_encl **out, const struct sgx_secs *secs,
		     int memfd) TH_SIM_API;
int th_encls_eadd(struct th_sim_encl *e, uint64_t addr, const void *src,
		  uint64_t secinfo_flags) TH_SIM_API;
int th_encls_eextend(struct th_sim_encl *e, uint64_t addr) TH_SIM_API;
/*
 * The load path's EADD plus the EEXTENDs MASK names (bit i: chunk i): th_encls_eadd's checks,
 * EPCM entry and records, hashing PAGE, but without storing it; the caller stores the pages
 * with th_sim_epc_store() before making them accessible. So a run of added pages costs one
 * pwrite instead of a page fault each on e->epc (the dominant cost under a hypervisor).
 */
/* pages one ADD_PAGES step copies in and stores: 64 KiB stays in L2 while it is hashed */
#define TH_SIM_ADD_BATCH 16
int th_encls_eadd_page(struct th_sim_encl *e, uint64_t addr, const uint8_t *page,
		       uint64_t secinfo_flags, uint16_t mask) TH_SIM_API;
void th_sim_epc_store(struct th_sim_encl *e, uint64_t addr, const uint8_t *pages,
		      uint64_t n) TH_SIM_API;
/*
 * Pages added one per ioctl (isgx) are staged, under th_sim_lock_keep(): th_sim_epc_stage()
 * returns the slot for the page at ADDR of E (storing what was staged first unless ADDR
 * continues it), th_sim_epc_staged() keeps the slot once EADD took the page. Staged pages are
 * stored TH_SIM_ADD_BATCH at a time; the whole contiguous run gets its protection (and the
 * last pages are stored) by the next th_sim_lock(): every other operation on the machine
 * takes it, and a host access to a staged page faults (its protection is still the invalid
 * page's) and th_sim_epc_unstage() finishes the run.
 */
uint8_t *th_sim_epc_stage(struct th_sim_encl *e, uint64_t addr) TH_SIM_API;
void th_sim_epc_staged(void) TH_SIM_API;
bool th_sim_epc_unstage(uint64_t addr) TH_SIM_API;      /* true: ADDR was staged */
int th_encls_einit(struct th_sim_encl *e, const void *sigstruct,
		   const void *token) TH_SIM_API;
int th_encls_eremove(struct th_sim_encl *e, uint64_t addr) TH_SIM_API;
int th_encls_eaug(struct th_sim_encl *e, uint64_t addr) TH_SIM_API;
int th_encls_emodpr(struct th_sim_encl *e, uint64_t addr, uint64_t secinfo_flags) TH_SIM_API;
int th_encls_emodt(struct th_sim_encl *e, uint64_t addr, uint64_t secinfo_flags) TH_SIM_API;
int th_encls_etrack(struct th_sim_encl *e) TH_SIM_API;
void th_sim_encl_destroy(struct th_sim_encl *e) TH_SIM_API;

/*
 * EPC paging of the out-of-tree drivers (paging.c), under th_sim_lock(). charge: N more EPC
 * pages for E (NULL: not an enclave's page), writing back others when MAY_EVICT and the EPC is
 * full; -ENOMEM when it stays full. uncharge: E's resident pages go back (E is destroyed).
 * page_in: the fault handler's ELDU of a written-back page (false: not one, or no room).
 */
int th_sim_epc_charge(struct th_sim_encl *e, uint64_t n, bool may_evict) TH_SIM_API;
void th_sim_epc_uncharge(struct th_sim_encl *e) TH_SIM_API;
void th_sim_epc_release(struct th_sim_encl *e, uint64_t n) TH_SIM_API;   /* N charged, unused */
bool th_sim_epc_page_in(struct th_sim_encl *e, uint64_t addr) TH_SIM_API;
uint64_t th_sim_epc_resident(void) TH_SIM_API;

/* Host mappings of an enclave and the real protection of each page. */
int th_sim_page_prot(const struct th_sim_encl *e, const struct th_sim_page *p) TH_SIM_API;
void th_sim_apply_prot(struct th_sim_encl *e, uint64_t start, uint64_t end) TH_SIM_API;

/* ---- threads and entry ---- */
/*
 * Register file as the soft ENCLU in entry.S lays it out; the first 18
 * fields are in the order of the SSA's GPRSGX area.
 */
struct th_sim_regs {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags, rip;
	uint64_t fsbase, gsbase;
	uint64_t xrstor;        /* non-zero: XRSTOR this SSA XSAVE area first ... */
	uint64_t xrstor_mask;   /* ... for these components (SECS.XFRM) */
};
_Static_assert(sizeof(struct th_sim_regs) == 176, "entry.S layout");

/* Thread block at the bottom of each simulator sigaltstack. */
#define TH_ALT_SLOT (256UL * 1024)
#define TH_ALT_SLOTS 1024
struct th_sim_thread {
	uint64_t host_fs;       /* offset 0, read by entry.S: the bases before EENTER/ERESUME */
	uint64_t host_gs;       /* offset 8 */
	uint64_t fs_switched;   /* offset 16: FS/GS may hold the enclave's (else the host's) */
	struct th_sim_tcs *cur_tcs;
	struct th_sim_encl *cur_encl;
	int tid;
	/* for th_sim_altstack_retry (entry.S): where to go back, RDI there, the stack to install */
	uint64_t retry_rip;     /* offset 48 */
	uint64_t retry_rdi;     /* offset 56 */
	stack_t retry_ss;       /* offset 64 */
	/*
	 * offset 88: the host stack below which a signal frame may go. A signal from enclave code
	 * (off the altstack) gets its frame at the top of the slot even while a handler the machine
	 * called from an earlier one runs on the altstack (Intel's uRTS handler making the second
	 * phase's ECALL); entry.S moves a frame that lands in the top TH_ALT_LANDING bytes below
	 * this floor, which every EENTER/ERESUME sets (th_sim_enter), so live frames stay whole.
	 */
	uint64_t alt_floor;
};
#define TH_ALT_LANDING (32UL * 1024)
struct th_sim_thread *th_sim_thread_self(void) TH_SIM_API;
int th_sim_thread_setup(void) TH_SIM_API;
/* from a signal handler off our altstacks: the thread returns to th_sim_altstack_retry */
int th_sim_thread_setup_frame(ucontext_t *uc) TH_SIM_API;

/* ssa.c: a TCS's SSA frames and the XSAVE state AEX saves in them and ERESUME restores */
struct sgx_tcs *th_sim_tcs_page(struct th_sim_encl *e, uint64_t addr) TH_SIM_API;
uint8_t *th_sim_ssa_frame(struct th_sim_encl *e, struct sgx_tcs *tp, uint32_t i) TH_SIM_API;
struct sgx_gpr *th_sim_ssa_gpr(struct th_sim_encl *e, uint8_t *frame) TH_SIM_API;
bool th_sim_ssa_ok(struct th_sim_encl *e, struct sgx_tcs *tp, uint32_t i) TH_SIM_API;
bool th_sim_xsave_header_ok(struct th_sim_encl *e, const uint8_t *frame) TH_SIM_API;
size_t th_sim_xsave_room(struct th_sim_encl *e) TH_SIM_API;
size_t th_sim_frame_xsave_size(const ucontext_t *uc) TH_SIM_API;
void th_sim_save_xstate(struct th_sim_encl *e, const ucontext_t *uc, uint8_t *frame) TH_SIM_API;
void th_sim_synthetic_xstate(struct th_sim_encl *e, ucontext_t *uc) TH_SIM_API;
void th_sim_load_xstate(struct th_sim_encl *e, ucontext_t *uc, const uint8_t *frame) TH_SIM_API;

/* enclu.c */
int th_sim_enter(struct th_sim_thread *t, struct th_sim_regs *r, uint64_t next_rip,
		 uint64_t *err_vec, uint64_t *err_code, uint64_t *err_addr) TH_SIM_API;
void th_sim_signal(int sig, siginfo_t *info, void *uc, uint64_t *fsgs) TH_SIM_API;
void th_sim_soft_enclu(struct th_sim_regs *r) TH_SIM_API;
/* nonzero while th_sim_signal runs on this thread (its fault signal is blocked there) */
extern __thread unsigned th_sim_in_signal TH_SIM_API __attribute__((tls_model("initial-exec")));
int th_sim_install_handlers(void) TH_SIM_API;

/* entry.S symbols */
extern char th_sim_vdso_enter[] TH_SIM_API;
extern char th_sim_vdso_aep[] TH_SIM_API;
extern char th_sim_vdso_after[] TH_SIM_API;
extern char th_sim_vdso_exception[] TH_SIM_API;
extern char th_sim_sigtramp[] TH_SIM_API;
extern char th_sim_altstack_retry[] TH_SIM_API;
/* copy_from_user without a system call: the bytes not copied (th_sim_signal fixes its fault up) */
size_t th_sim_copy_user(void *dst, const void *src, size_t len) TH_SIM_API;
extern char th_sim_copy_user_insn[] TH_SIM_API;
extern char th_sim_copy_user_fixup[] TH_SIM_API;
extern uint64_t th_sim_alt_base TH_SIM_API;
extern uint64_t th_sim_alt_size TH_SIM_API;
extern uint8_t th_sim_fsgsbase TH_SIM_API;      /* the kernel saves FS/GS bases user mode wrote */
/* The thread's FS (GS when GS is true) base: RDFSBASE/RDGSBASE where the kernel enabled FSGSBASE,
 * else arch_prctl(ARCH_GET_FS/GS) (before Linux 5.9, nofsgsbase: the instructions are #UD) */
uint64_t th_sim_get_base(bool gs) TH_SIM_API;

/* Application signal handlers (the simulator owns the kernel's). */
struct th_sim_appsig {
	struct sigaction sa;    /* as the application set it */
	bool ours;              /* our trampoline is installed in the kernel */
};
extern struct th_sim_appsig th_sim_appsig[65] TH_SIM_API;
int th_sim_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old) TH_SIM_API;
void th_sim_deliver_app(int sig, siginfo_t *info, void *uc) TH_SIM_API;
bool th_sim_app_blocked(int sig) TH_SIM_API;

/* keys.c: ENCLU[EREPORT], ENCLU[EGETKEY]; return an SGX error code or -vector */
int th_sim_ereport(struct th_sim_encl *e, const void *targetinfo, const void *reportdata,
		   void *report) TH_SIM_API;
int th_sim_egetkey(struct th_sim_encl *e, const void *keyrequest, void *key) TH_SIM_API;
int th_sim_root_secret(uint8_t out[32]) TH_SIM_API;
int th_sim_launch_key(const struct sgx_einittoken *tk, uint8_t key[16]) TH_SIM_API;
int th_sim_keys_load(void) TH_SIM_API;
void th_sim_cmac(const uint8_t key[16], const void *data, size_t len, uint8_t out[16]) TH_SIM_API;
extern const uint8_t th_sim_cpusvn[16] TH_SIM_API;

/* vdso.c */
void *th_sim_vdso_image(void) TH_SIM_API;

/* cpuid.c */
int th_sim_cpuid_init(void) TH_SIM_API;
bool th_sim_cpuid_trap(void *uc, bool patched) TH_SIM_API;
bool th_sim_cpuid_is_patched(uint64_t rip) TH_SIM_API;
/*
 * CPUID inside an enclave is #UD. Without CPUID faulting (th_sim_cpuid_in_code) enclave code
 * gets the same rewrite as the program's, page by page when it first executes: an executable
 * page runs without PROT_EXEC until th_sim_cpuid_scan_page() has made its CPUIDs UD2 (and a
 * page that is also writable loses PROT_WRITE while it is executable, so that new code is
 * scanned again). The #UD's handler reads the instruction at RIP (SGX SSL's does, after the
 * ERESUME of Intel's two phases): restore puts CPUID back there and holds it for TCS and the
 * SSA frame FRAME the AEX saved into; release, at that TCS's EEXIT with CSSA, drops its holds
 * of frames >= CSSA and makes a site no TCS holds UD2 again. Under th_sim_lock().
 */
extern bool th_sim_cpuid_in_code TH_SIM_API;
void th_sim_cpuid_scan_page(struct th_sim_encl *e, uint64_t page) TH_SIM_API;
void th_sim_cpuid_forget_page(struct th_sim_encl *e, uint64_t page) TH_SIM_API;
/* x86len.c: the length of the instruction at P (N bytes there) if it is one of the common ones
 * whose length Capstone agrees with (checked), TH_SIM_X86_BAD where Capstone would not decode
 * one, else 0 (ask Capstone) */
#define TH_SIM_X86_BAD ((size_t)-1)
size_t th_sim_x86_len(const uint8_t *p, size_t n) TH_SIM_API;
/*
 * The enclave's own bytes in BUF, a copy of the BUFLEN bytes from ADDR as the EPC holds them:
 * the sites (CPUID and XSAVE) that start in [ADDR, ADDR + LEN) read their 0F A2 / 0F AE / 0F C7
 * / 0F 01 again. Forget does this in place to the page it forgets when that page is scanned, so
 * the enclave's writes start from its own code and a new scan finds the same sites; EACCEPTCOPY
 * to the copy of a source page.
 */
void th_sim_code_original(const struct th_sim_encl *e, uint64_t addr, size_t len, uint8_t *buf,
			  size_t buflen) TH_SIM_API;
bool th_sim_cpuid_restore(struct th_sim_encl *e, struct th_sim_tcs *ts, uint32_t frame,
			  uint64_t rip) TH_SIM_API;
void th_sim_cpuid_release(struct th_sim_encl *e, struct th_sim_tcs *ts, uint32_t cssa) TH_SIM_API;

/*
 * xsave.c: enclave code's XSAVE, XSAVEC, XSAVEOPT, XRSTOR and XGETBV run as under XCR0 = XFRM.
 * For an enclave whose XFRM lacks some of the host's XCR0 components (th_sim_xsave_needed) the page
 * scan makes them UD2 too; th_sim_xsave_exec executes the one at RIP on the signal frame's
 * state: 0 (RIP moved past it), TH_SIM_XSAVE_NONE (no site there), TH_SIM_XSAVE_RETRY (a
 * fault the machine fixed: run it again), else the vector (#PF: *code and *addr).
 */
enum { TH_SIM_XSAVE, TH_SIM_XSAVEC, TH_SIM_XRSTOR, TH_SIM_XGETBV };
struct th_sim_xsave_site {
	uint64_t addr;
	int32_t disp;
	uint8_t op;             /* TH_SIM_XSAVE (and XSAVEOPT), TH_SIM_XSAVEC, TH_SIM_XRSTOR,
				 * TH_SIM_XGETBV (no operand) */
	uint8_t len;
	int8_t base, index;     /* register numbers (RAX 0 .. R15 15), -1 none */
	uint8_t scale;
	bool rip_rel;
};
#define TH_SIM_XSAVE_NONE (-1)
#define TH_SIM_XSAVE_RETRY (-2)
extern uint64_t th_sim_xcr0 TH_SIM_API;
void th_sim_xsave_init(void) TH_SIM_API;
bool th_sim_xsave_needed(const struct th_sim_encl *e) TH_SIM_API;
bool th_sim_xsave_site_add(struct th_sim_encl *e, const struct th_sim_xsave_site *s) TH_SIM_API;
void th_sim_xsave_forget_page(struct th_sim_encl *e, uint64_t page) TH_SIM_API;
void th_sim_xsave_original(const struct th_sim_encl *e, uint64_t addr, size_t len, uint8_t *buf,
			   size_t buflen) TH_SIM_API;
int th_sim_xsave_exec(struct th_sim_encl *e, ucontext_t *uc, uint64_t rip, uint32_t *code,
		      uint64_t *addr) TH_SIM_API;
/* enclu.c: a #PF of enclave code at ADDR (kernel error code KERR): 0 when the machine fixed it,
 * else 1 with the SGX error code in *code */
int th_sim_classify_pf(struct th_sim_encl *e, uint64_t addr, uint32_t kerr, uint32_t *code) TH_SIM_API;

/* preload.c: the real libc functions */
void *th_sim_real_mmap(void *, size_t, int, int, int, off_t) TH_SIM_API;
int th_sim_real_mprotect(void *, size_t, int) TH_SIM_API;
int th_sim_real_munmap(void *, size_t) TH_SIM_API;
unsigned long th_sim_real_getauxval(unsigned long) TH_SIM_API;

void th_sim_log(const char *fmt, ...) TH_SIM_API __attribute__((format(printf, 1, 2)));

#endif
