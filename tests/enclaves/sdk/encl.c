/* SPDX-License-Identifier: MIT */
/*
 * The SDK-ABI test enclave's dispatcher (freestanding C, no libc): an ECALL table, OCALLs,
 * the exception handler of the second phase, EREPORT/EGETKEY with AES-CMAC inside, the EDMM
 * steps a trusted runtime performs (EACCEPT, EMODPE, making a TCS) and both sides of
 * switchless calls. Host memory is reached only through pointers checked to lie outside
 * ELRANGE. See tests/enclaves/sdk_abi.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "sgx/arch.h"
#include "sdk_abi.h"

#pragma GCC visibility push(hidden)

extern char __encl_base[], __encl_end[];
extern char sdkt_entry[];

int64_t sdkt_dispatch(int64_t index, void *ms, uint64_t cssa);
int64_t sdkt_ocall(int64_t index, void *ms);
void sdkt_resume(const struct sgx_gpr *g) __attribute__((noreturn));
void sdkt_aes_expand(const uint8_t key[16], uint8_t rk[176]);
void sdkt_aes_encrypt(const uint8_t rk[176], const uint8_t in[16], uint8_t out[16]);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	volatile uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

/* The largest ELRANGE the driver gives this image (it picks 1 or 2 MiB). */
#define ELRANGE_MAX (4ull << 20)

static int outside(const void *p, uint64_t len)
{
	uint64_t a = (uint64_t)(uintptr_t)p, base = (uint64_t)(uintptr_t)__encl_base;

	return a + len >= a && (a + len <= base || a >= base + ELRANGE_MAX);
}

static int inside(uint64_t a, uint64_t len)
{
	uint64_t base = (uint64_t)(uintptr_t)__encl_base;

	return a + len >= a && a >= base && a + len <= base + ELRANGE_MAX;
}

static struct sdkt_thread *self(void)
{
	uint64_t fs;

	/* FS.BASE is the thread data (TCS.OFSBASE); RDFSBASE is the cheap way to learn it */
	__asm__ volatile("rdfsbase %0" : "=r"(fs));
	return (struct sdkt_thread *)(uintptr_t)fs;
}

static struct sgx_gpr *ssa_gpr(uint64_t frame)
{
	uint8_t *ssa = (uint8_t *)__encl_base + self()->ssa + frame * 4096;

	return (struct sgx_gpr *)(ssa + 4096 - sizeof(struct sgx_gpr));
}

static uint64_t enclu(uint64_t leaf, uint64_t rbx, uint64_t rcx, uint64_t rdx)
{
	__asm__ volatile("enclu" : "+a"(leaf), "+b"(rbx), "+c"(rcx), "+d"(rdx) : : "memory", "cc");
	return leaf;
}

/* ---- AES-CMAC (RFC 4493) ---- */
static void dbl(uint8_t b[16])
{
	uint8_t carry = b[0] >> 7;

	for (int i = 0; i < 15; i++)
		b[i] = (uint8_t)(b[i] << 1 | b[i + 1] >> 7);
	b[15] = (uint8_t)(b[15] << 1) ^ (carry ? 0x87 : 0);
}

static void cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
	uint8_t rk[176], k[16], x[16], last[16];
	size_t n = (len + 15) / 16;
	int whole = len && len % 16 == 0;

	sdkt_aes_expand(key, rk);
	memset(k, 0, 16);
	sdkt_aes_encrypt(rk, k, k);
	dbl(k);                                 /* K1 */
	if (!whole)
		dbl(k);                         /* K2 */
	if (!n)
		n = 1;
	memset(x, 0, 16);
	for (size_t i = 0; i + 1 < n; i++) {
		for (int j = 0; j < 16; j++)
			x[j] ^= msg[i * 16 + j];
		sdkt_aes_encrypt(rk, x, x);
	}
	memset(last, 0, 16);
	memcpy(last, msg + (n - 1) * 16, len - (n - 1) * 16);
	if (!whole)
		last[len - (n - 1) * 16] = 0x80;
	for (int j = 0; j < 16; j++)
		x[j] ^= last[j] ^ k[j];
	sdkt_aes_encrypt(rk, x, out);
	memset(rk, 0, sizeof(rk));
	memset(k, 0, sizeof(k));
}

/* ---- ECALLs ---- */
static int64_t ec_add(struct sdkt_add *ms)
{
	ms->sum = ms->a + ms->b;
	return SDKT_OK;
}

static int64_t ec_nest(struct sdkt_nest *ms)
{
	/* a value that lives on this frame across the OCALL: ORET must bring the frame back */
	volatile uint64_t canary = 0x6e657374ull ^ ms->depth ^ (uint64_t)(uintptr_t)&ms;
	uint64_t depth = ms->depth;
	int64_t rc;

	if (!depth) {
		ms->sum = 0;
		ms->tcs_seen = self()->index;
		return SDKT_OK;
	}
	rc = sdkt_ocall(SDKT_OC_NEST, ms);     /* the host ECALLs NEST with depth - 1 */
	if (rc != SDKT_OK)
		return rc;
	if (canary != (0x6e657374ull ^ depth ^ (uint64_t)(uintptr_t)&ms))
		return SDKT_ERR_UNEXPECTED;
	ms->sum += depth;
	ms->depth = depth;
	return SDKT_OK;
}

static uint64_t exceptions_handled;

static int64_t ec_fault(struct sdkt_fault *ms)
{
	uint64_t a = 0, b = 0, c = 0, d = 0;

	switch (ms->kind) {
	case SDKT_FAULT_UD2:
		/* #UD; the handler sets RAX to the marker and skips the instruction */
		__asm__ volatile("xor %%eax, %%eax\n\tud2" : "=a"(a) : : "memory");
		ms->result = a;
		break;
	case SDKT_FAULT_CPUID:
		/* CPUID is #UD inside an enclave; SGX SSL's handler emulates it, so does ours */
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
		ms->result = b | d << 32;
		ms->result2 = c;
		ms->result3 = a;
		break;
	case SDKT_FAULT_CPUID_LATE:
		__atomic_store_n(&self()->late_cpuid, 1, __ATOMIC_SEQ_CST);
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
		ms->result = b | d << 32;
		ms->result2 = c;
		ms->result3 = __atomic_load_n(&self()->late_seen, __ATOMIC_SEQ_CST);
		break;
	default:
		return SDKT_ERR_PARAM;
	}
	ms->handled = __atomic_load_n(&exceptions_handled, __ATOMIC_SEQ_CST);
	return SDKT_OK;
}

/*
 * SDKT_FAULT_CPUID_LATE's handler, as SGX SSL's sgxssl_exception_handler under Intel's trts
 * (internal_handle_exception): it runs after ERESUME, on the interrupted thread's stack at
 * CSSA 0, with CTX the context the second phase copied there. It reads the instruction at the
 * faulting RIP (`cmp $0xa20f,%cx`), emulates CPUID only where it finds one and continues past
 * it; seeing anything else it declines, recorded in late_seen (the trts would abort).
 */
__attribute__((noreturn, used)) static void late_cpuid_handler(struct sgx_gpr *ctx)
{
	const volatile uint8_t *ip = (const volatile uint8_t *)(uintptr_t)ctx->rip;
	uint64_t seen = ip[0] | (uint64_t)ip[1] << 8;

	__atomic_store_n(&self()->late_seen, seen, __ATOMIC_SEQ_CST);
	if (seen == 0xa20f && (uint32_t)ctx->rax == 0) {
		ctx->rax = 0x16;
		ctx->rbx = 0x756e6547;          /* "GenuineIntel" */
		ctx->rdx = 0x49656e69;
		ctx->rcx = 0x6c65746e;
		__atomic_add_fetch(&exceptions_handled, 1, __ATOMIC_SEQ_CST);
	} else {
		ctx->rax = ctx->rbx = ctx->rcx = ctx->rdx = 0;  /* declined: the test reports it */
	}
	ctx->rip += 2;
	sdkt_resume(ctx);
}

/* ECMD_EXCEPT: the second phase of an exception, on the same TCS with CSSA = 1 */
/*
 * Intel's trts starts every entry with XRSTOR of a synthetic state (x87 and SSE initial,
 * compacted form), EDX:EAX all ones. Where the host's XCR0 exceeds XFRM the machine executes
 * it (a trap inside the enclave): in the second phase that trap comes while the host's
 * handler, which made this ECALL, still has its frames on the machine's altstack.
 */
static void synthetic_state(void)
{
	static const uint32_t synthetic[576 / 4] __attribute__((aligned(64))) = {
		[0] = 0x037f, [6] = 0x1f80, [7] = 0xffff,       /* FCW, MXCSR, MXCSR_MASK */
		[131] = 0x80000000,                             /* XCOMP_BV: compacted, none */
	};

	__asm__ volatile("xrstor64 (%0)" : : "r"(synthetic), "a"(~0u), "d"(~0u) : "memory");
}

static int64_t handle_exception(uint64_t cssa)
{
	struct sgx_gpr *g = ssa_gpr(cssa - 1);
	const uint8_t *ip = (const uint8_t *)(uintptr_t)g->rip;

	synthetic_state();
	if (!(g->exitinfo & SGX_EXITINFO_VALID) || SGX_EXITINFO_VECTOR(g->exitinfo) != 6 ||
	    !inside(g->rip, 2))
		return SDKT_ERR_UNEXPECTED;     /* not ours to handle: the host sees a crash */
	if (__atomic_exchange_n(&self()->late_cpuid, 0, __ATOMIC_SEQ_CST)) {
		/* trts_handle_exception: a copy of the context for the handler, below the stack this
		 * phase runs on (256 bytes below the interrupted RSP, entry.S); the SSA's RIP goes to
		 * the handler, which runs once ERESUME has resumed it */
		struct sgx_gpr *ctx = (struct sgx_gpr *)(uintptr_t)((g->rsp - 4096 - sizeof(*ctx)) &
								      ~15ull);

		memcpy(ctx, g, sizeof(*ctx));
		g->rsp = (uint64_t)(uintptr_t)ctx - 8;  /* as after a call: RSP + 8 is aligned */
		g->rdi = (uint64_t)(uintptr_t)ctx;
		/* the image is linked at 0 and never relocated: the handler's address, RIP-relative */
		__asm__("lea late_cpuid_handler(%%rip), %0" : "=r"(g->rip));
		return SDKT_OK;
	}
	if (ip[0] == 0x0f && ip[1] == 0x0b) {
		g->rax = SDKT_UD2_MARKER;
	} else if (ip[0] == 0x0f && ip[1] == 0xa2 && (uint32_t)g->rax == 0) {
		g->rax = 0x16;
		g->rbx = 0x756e6547;            /* "GenuineIntel" */
		g->rdx = 0x49656e69;
		g->rcx = 0x6c65746e;
	} else {
		return SDKT_ERR_UNEXPECTED;
	}
	g->rip += 2;
	__atomic_add_fetch(&exceptions_handled, 1, __ATOMIC_SEQ_CST);
	return SDKT_OK;
}

static uint64_t thread_counter, threads_arrived;

static int64_t ec_thread(struct sdkt_thread_call *ms)
{
	uint64_t rounds = ms->rounds, want = ms->rendezvous;
	uint64_t v = __atomic_load_n(&thread_counter, __ATOMIC_SEQ_CST);

	for (uint64_t i = 0; i < rounds; i++)
		v = __atomic_add_fetch(&thread_counter, 1, __ATOMIC_SEQ_CST);
	ms->met = 0;
	__asm__ volatile("rdfsbase %0" : "=r"(ms->fs_in));
	if (want) {
		__atomic_add_fetch(&threads_arrived, 1, __ATOMIC_SEQ_CST);
		/* every thread is inside at once: bounded so a serialised machine fails, not hangs */
		for (uint64_t spin = 0; spin < (1ull << 26); spin++) {
			if (__atomic_load_n(&threads_arrived, __ATOMIC_SEQ_CST) >= want) {
				ms->met = 1;
				break;
			}
			__asm__ volatile("pause");
		}
	}
	__asm__ volatile("rdfsbase %0" : "=r"(ms->fs_out));
	if (ms->fs_out != ms->fs_in)
		return SDKT_ERR_FS_EXIT;        /* never through FS again: it may be the host's */
	ms->index = self()->index;
	ms->counter = v;
	return SDKT_OK;
}

static void report_to(const uint8_t *targetinfo, const uint8_t *reportdata, uint8_t *out)
{
	struct sgx_targetinfo ti;
	uint8_t rd[64] __attribute__((aligned(128)));
	struct sgx_report rep;

	memcpy(&ti, targetinfo, sizeof(ti));
	memcpy(rd, reportdata, sizeof(rd));
	enclu(SGX_EREPORT, (uint64_t)(uintptr_t)&ti, (uint64_t)(uintptr_t)rd,
	      (uint64_t)(uintptr_t)&rep);
	memcpy(out, &rep, SGX_REPORT_SIZE);
}

/* sgx_self_target: a TARGETINFO naming this enclave, from its own REPORT */
static int64_t ec_self_target(struct sdkt_report_call *ms)
{
	static const uint8_t zero[512] __attribute__((aligned(512)));
	struct sgx_report rep;
	struct sgx_targetinfo ti;

	report_to(zero, zero, (uint8_t *)&rep);
	memset(&ti, 0, sizeof(ti));
	memcpy(ti.mrenclave, rep.body.mrenclave, 32);
	ti.attributes = rep.body.attributes;
	ti.config_svn = rep.body.config_svn;
	ti.miscselect = rep.body.miscselect;
	memcpy(ti.config_id, rep.body.config_id, 64);
	memcpy(ms->targetinfo, &ti, sizeof(ti));
	return SDKT_OK;
}

static int64_t ec_report(struct sdkt_report_call *ms)
{
	report_to(ms->targetinfo, ms->reportdata, ms->report);
	return SDKT_OK;
}

static int getkey(struct sgx_keyrequest *kr, uint8_t key[16])
{
	uint8_t k[16] __attribute__((aligned(16)));
	uint64_t rc = enclu(SGX_EGETKEY, (uint64_t)(uintptr_t)kr, (uint64_t)(uintptr_t)k, 0);

	memcpy(key, k, 16);
	memset(k, 0, 16);
	return (int)rc;
}

/* sgx_verify_report: the MAC under this enclave's report key for the REPORT's KEYID */
static int64_t ec_verify(struct sdkt_report_call *ms)
{
	struct sgx_report rep;
	struct sgx_keyrequest kr;
	uint8_t key[16], mac[16], diff = 0;

	memcpy(&rep, ms->report, SGX_REPORT_SIZE);
	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEY_REPORT;
	memcpy(kr.keyid, rep.keyid, 32);
	if (getkey(&kr, key))
		return SDKT_ERR_UNEXPECTED;
	cmac(key, (const uint8_t *)&rep.body, sizeof(rep.body), mac);
	memset(key, 0, 16);
	for (int i = 0; i < 16; i++)
		diff |= mac[i] ^ rep.mac[i];
	return diff ? SDKT_ERR_MAC : SDKT_OK;
}

/* sgx_seal_data's key: EGETKEY(SEAL) with the SDK's default masks */
static int64_t ec_seal(struct sdkt_seal *ms)
{
	static const char probe[] = SDKT_SEAL_PROBE;
	struct sgx_keyrequest kr;
	uint8_t key[16];

	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEY_SEAL;
	kr.keypolicy = ms->policy;
	kr.attribute_mask.flags = 0xff0000000000000bull;       /* TSEAL_DEFAULT_FLAGSMASK */
	kr.attribute_mask.xfrm = 0;
	kr.miscmask = 0xf0000000u;                              /* TSEAL_DEFAULT_MISCMASK */
	if (getkey(&kr, key))
		return SDKT_ERR_UNEXPECTED;
	cmac(key, (const uint8_t *)probe, sizeof(probe) - 1, ms->mac);
	memset(key, 0, 16);
	return SDKT_OK;
}

static uint64_t secinfo_leaf(uint64_t leaf, uint64_t addr, uint64_t flags)
{
	struct sgx_secinfo si;

	memset(&si, 0, sizeof(si));
	si.flags = flags;
	return enclu(leaf, (uint64_t)(uintptr_t)&si, addr, 0);
}

static int64_t ec_pages(struct sdkt_mem *ms, uint64_t leaf)
{
	if (!inside(ms->addr, ms->npages * 4096) || (ms->addr & 0xfff))
		return SDKT_ERR_PARAM;
	ms->failed_at = ~0ull;
	for (uint64_t i = 0; i < ms->npages; i++)
		/* EACCEPT returns an error code in RAX; EMODPE returns nothing (faults instead) */
		if (secinfo_leaf(leaf, ms->addr + i * 4096, ms->secinfo) && leaf == SGX_EACCEPT) {
			ms->failed_at = i;
			return SDKT_ERR_UNEXPECTED;
		}
	return SDKT_OK;
}

static int64_t ec_fill(struct sdkt_mem *ms)
{
	if (!inside(ms->addr, ms->npages * 4096))
		return SDKT_ERR_PARAM;
	ms->failed_at = ~0ull;
	for (uint64_t i = 0; i < ms->npages; i++) {
		volatile uint64_t *q = (volatile uint64_t *)(uintptr_t)(ms->addr + i * 4096);

		for (uint64_t j = 0; j < 512; j++) {
			uint64_t v = ms->value ? ms->value ^ (i << 32 | j) : 0;

			if (!ms->check) {
				q[j] = v;
			} else if (q[j] != v) {
				ms->failed_at = i;
				return SDKT_ERR_UNEXPECTED;
			}
		}
	}
	return SDKT_OK;
}

static int64_t ec_code(struct sdkt_mem *ms)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)ms->addr;
	uint32_t v = (uint32_t)ms->value;

	if (ms->check) {
		/* leaf 0's EBX: push %rbx; xor %eax, %eax; xor %ecx, %ecx; cpuid; mov %ebx, %eax;
		 * pop %rbx; ret. Byte by byte: as a table in this image's text these bytes would
		 * look like code to the simulator's scan, which would make its 0F A2 a UD2 */
		if (!inside(ms->addr, 11))
			return SDKT_ERR_PARAM;
		p[0] = 0x53;
		p[1] = 0x31;
		p[2] = 0xc0;
		p[3] = 0x31;
		p[4] = 0xc9;
		p[5] = 0x0f;
		p[6] = 0xa2;
		p[7] = 0x89;
		p[8] = 0xd8;
		p[9] = 0x5b;
		p[10] = 0xc3;
		return SDKT_OK;
	}
	if (!inside(ms->addr, 6))
		return SDKT_ERR_PARAM;
	p[0] = 0xb8;                            /* mov $imm32, %eax */
	for (int i = 0; i < 4; i++)
		p[1 + i] = (uint8_t)(v >> (8 * i));
	p[5] = 0xc3;                            /* ret */
	return SDKT_OK;
}

static int64_t ec_call(struct sdkt_mem *ms)
{
	uint64_t (*fn)(void) = (uint64_t (*)(void))(uintptr_t)ms->addr;

	if (!inside(ms->addr, 6))
		return SDKT_ERR_PARAM;
	ms->value = (uint32_t)fn();
	return SDKT_OK;
}

/*
 * trts's ECMD_MKTCS, on pages the host has added and this enclave has accepted:
 * addr + 0 TCS (made one by the host's EMODT and our EACCEPT later), + 1..2 SSA frames,
 * + 3 thread data, + 4..7 stack. ms->secinfo carries TCS.FLAGS (AEXNOTIFY).
 */
static int64_t ec_mktcs(struct sdkt_mem *ms)
{
	uint64_t base = (uint64_t)(uintptr_t)__encl_base, off = ms->addr - base;
	struct sgx_tcs *t = (struct sgx_tcs *)(uintptr_t)ms->addr;
	struct sdkt_thread *td = (struct sdkt_thread *)(uintptr_t)(ms->addr + 3 * 4096);

	if (!inside(ms->addr, 8 * 4096) || (ms->addr & 0xfff))
		return SDKT_ERR_PARAM;
	memset(t, 0, sizeof(*t));
	t->flags = ms->secinfo;
	t->ossa = off + 4096;
	t->nssa = SDKT_NSSA;
	t->oentry = (uint64_t)(uintptr_t)sdkt_entry - base;
	t->ofsbase = off + 3 * 4096;
	t->ogsbase = off + 3 * 4096;
	t->fslimit = 0xfff;
	t->gslimit = 0xfff;
	memset(td, 0, sizeof(*td));
	td->stack_top = off + 8 * 4096;
	td->ssa = off + 4096;
	td->index = ms->value;
	return SDKT_OK;
}

/* Switchless ECALLs: a worker on its own TCS serves requests from untrusted memory. */
static int64_t ec_sl_worker(struct sdkt_ring *r)
{
	uint64_t served = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		int idle = 1;

		for (int i = 0; i < SDKT_RING_SLOTS; i++) {
			struct sdkt_slot *s = &r->slot[i];

			if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 1)
				continue;
			s->r = s->a * s->b + 1;
			__atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
			served++;
			idle = 0;
		}
		if (idle)
			__asm__ volatile("pause");
	}
	r->served = served;
	return SDKT_OK;
}

/* Switchless OCALLs: requests posted for an untrusted worker thread, no EEXIT. */
static int64_t ec_sl_ocalls(struct sdkt_ring *r)
{
	uint64_t n = r->n, ok = 0, bad = 0;

	for (uint64_t i = 0; i < n; i++) {
		struct sdkt_slot *s = &r->slot[i % SDKT_RING_SLOTS];

		while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 0)
			__asm__ volatile("pause");
		s->a = i;
		s->b = 3;
		__atomic_store_n(&s->state, 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 2)
			__asm__ volatile("pause");
		if (s->r == i * 3 + 7)
			ok++;
		else
			bad++;
		__atomic_store_n(&s->state, 0, __ATOMIC_RELEASE);
	}
	r->served = ok;
	r->bad = bad;
	return SDKT_OK;
}

/*
 * AEX-Notify: set SSA[0].GPRSGX.AEXNOTIFY on a TCS whose FLAGS.AEXNOTIFY is set, say so
 * (armed), then spin until the host says go: every AEX is followed, at ERESUME, by an entry
 * that counts it (aex_notified below). The host sets go only after its signal handler ran for
 * the AEX it caused, so that AEX's notification (if any) is counted before the spin sees go.
 */
static int64_t ec_aexnotify(struct sdkt_aexn *ms)
{
	struct sdkt_thread *t = self();
	uint8_t *gpr = (uint8_t *)ssa_gpr(0);
	uint64_t before = t->aexnotify, spins = 0;

	((volatile uint8_t *)gpr)[167] = 1;     /* GPRSGX.AEXNOTIFY */
	__atomic_store_n(&ms->armed, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&ms->go, __ATOMIC_ACQUIRE)) {
		__asm__ volatile("pause");
		spins++;
	}
	((volatile uint8_t *)gpr)[167] = 0;
	ms->notified = __atomic_load_n(&t->aexnotify, __ATOMIC_SEQ_CST) - before;
	ms->spins = spins;
	return SDKT_OK;
}

/* An ERESUME that entered at OENTRY (CSSA > 0, RDI not ECMD_EXCEPT): EDECCSSA, continue. */
static void aex_notified(uint64_t cssa)
{
	struct sdkt_thread *t = self();
	uint64_t *frame = (uint64_t *)(uintptr_t)t->frame;

	__atomic_add_fetch(&t->aexnotify, 1, __ATOMIC_SEQ_CST);
	t->frame = frame[3];                    /* this entry's frame is abandoned */
	enclu(SGX_EDECCSSA, 0, 0, 0);
	sdkt_resume(ssa_gpr(cssa - 1));
}

static int64_t ec_xsave(struct sdkt_xsave *ms)
{
	/* room for the host's components too: without XCR0 = XFRM they would be written here */
	static uint8_t area[3 * 4096] __attribute__((aligned(64)));
	uint64_t back;

	memset(area, 0, sizeof(area));
	/* XMM0 is the caller's (this code is built with general registers only): kept in R8 */
	__asm__ volatile("movq %%xmm0, %%r8\n\t"
			 "movq %[pat], %%xmm0\n\t"
			 "xsavec64 (%[a])\n\t"
			 "pxor %%xmm0, %%xmm0\n\t"
			 "xrstor64 (%[a])\n\t"
			 "movq %%xmm0, %[back]\n\t"
			 "movq %%r8, %%xmm0"
			 : [back] "=&r"(back)
			 : [pat] "r"(ms->pattern), [a] "r"(area), "a"(~0u), "d"(~0u)
			 : "r8", "memory");
	ms->xmm0 = back;
	memcpy(&ms->xstate_bv, area + 512, 8);
	memcpy(&ms->xcomp_bv, area + 520, 8);
	memset(area, 0, sizeof(area));
	__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"(~0u), "d"(~0u) : "memory");
	memcpy(&ms->std_bv, area + 512, 8);
	{
		uint32_t lo, hi;

		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		ms->xcr0 = (uint64_t)hi << 32 | lo;
		if (ms->xinuse_ok) {
			__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1));
			ms->xinuse = (uint64_t)hi << 32 | lo;
		}
	}
	return SDKT_OK;
}

/*
 * The ECALL table is a switch: the image is linked at 0 and never relocated, so a table of
 * function pointers would hold link-time addresses.
 */
#define MS(t) if (!outside(ms, sizeof(t))) return SDKT_ERR_PARAM

int64_t sdkt_dispatch(int64_t index, void *ms, uint64_t cssa)
{
	if (cssa) {
		if (index == SDKT_ECMD_EXCEPT)
			return handle_exception(cssa);
		aex_notified(cssa);
	}
	/*
	 * Marshalling structs are used in place in host memory: these tests check the hardware
	 * paths, not the SDK's copy-in/copy-out (an EDL's [in]/[out] would copy them first).
	 */
	switch (index) {
	case SDKT_EC_ADD: MS(struct sdkt_add); return ec_add(ms);
	case SDKT_EC_NEST: MS(struct sdkt_nest); return ec_nest(ms);
	case SDKT_EC_FAULT: MS(struct sdkt_fault); return ec_fault(ms);
	case SDKT_EC_THREAD: MS(struct sdkt_thread_call); return ec_thread(ms);
	case SDKT_EC_SELF_TARGET: MS(struct sdkt_report_call); return ec_self_target(ms);
	case SDKT_EC_REPORT: MS(struct sdkt_report_call); return ec_report(ms);
	case SDKT_EC_VERIFY: MS(struct sdkt_report_call); return ec_verify(ms);
	case SDKT_EC_SEAL: MS(struct sdkt_seal); return ec_seal(ms);
	case SDKT_EC_ACCEPT: MS(struct sdkt_mem); return ec_pages(ms, SGX_EACCEPT);
	case SDKT_EC_FILL: MS(struct sdkt_mem); return ec_fill(ms);
	case SDKT_EC_EMODPE: MS(struct sdkt_mem); return ec_pages(ms, SGX_EMODPE);
	case SDKT_EC_CODE: MS(struct sdkt_mem); return ec_code(ms);
	case SDKT_EC_CALL: MS(struct sdkt_mem); return ec_call(ms);
	case SDKT_EC_MKTCS: MS(struct sdkt_mem); return ec_mktcs(ms);
	case SDKT_EC_SL_WORKER: MS(struct sdkt_ring); return ec_sl_worker(ms);
	case SDKT_EC_SL_OCALLS: MS(struct sdkt_ring); return ec_sl_ocalls(ms);
	case SDKT_EC_AEXNOTIFY: MS(struct sdkt_aexn); return ec_aexnotify(ms);
	case SDKT_EC_XSAVE: MS(struct sdkt_xsave); return ec_xsave(ms);
	}
	return SDKT_ERR_FUNCTION;
}
