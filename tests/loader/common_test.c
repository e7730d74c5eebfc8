/* SPDX-License-Identifier: MIT */
/*
 * A runtime's view of the common loader: this program uses ONLY sgx_enclave_common.h (plus
 * libc and <elf.h>) and links with -lsgx_enclave_common, as the Intel SDK's uRTS or Open
 * Enclave would. It parses a static enclave ELF (the kernel selftest's layout: PT_LOAD 0 holds
 * the TCS pages, every page measured), creates, loads, initializes with a SIGSTRUCT file
 * written by `teehost sign`, enters through the vDSO when the kernel offers
 * __vdso_sgx_enter_enclave and with a bare ENCLU otherwise, and deletes. Output is TAP.
 *
 *   common_test run ELF SIGSTRUCT selftest|sample   load, call, check, delete, no leaks
 *   common_test neg ELF SIGSTRUCT                   the EINIT failures with their codes
 *   common_test epc ELF SIGSTRUCT                   an enclave larger than the EPC; one too big
 *   common_test busy ELF SIGSTRUCT                  EENTER on a busy TCS (sample only)
 *   common_test fail ELF SIGSTRUCT CODE WHAT        a load that must fail with CODE
 *   common_test nodev                               no SGX device at all
 *   common_test sources FLAT SIGSTRUCT              the sources urts passes: NULL (zero pages)
 *                                                   and unaligned buffers, long runs of each
 */
#include <cpuid.h>
#include <elf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgx_enclave_common.h"

static int n_test, n_fail;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		n_fail++;
}

/* ---- the enclave file ---------------------------------------------------------------- */

struct seg {
	uint64_t off, npages, flags;   /* flags: ENCLAVE_PAGE_* */
	uint8_t *data;                 /* npages * 4096, page aligned */
};

struct image {
	struct seg segs[16];
	int nsegs;
	uint64_t size;
	uint8_t sigstruct[SIGSTRUCT_SIZE];
};

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &sb) < 0) {
		perror(path);
		exit(2);
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf || read(fd, buf, (size_t)sb.st_size) != sb.st_size) {
		perror(path);
		exit(2);
	}
	close(fd);
	*len = (size_t)sb.st_size;
	return buf;
}

static void image_read(const char *elf, const char *sig, struct image *img)
{
	size_t len, slen;
	uint8_t *f = slurp(elf, &len), *s = slurp(sig, &slen);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(f + eh->e_phoff);
	uint64_t base = UINT64_MAX, end = 0;

	memset(img, 0, sizeof(*img));
	if (slen != SIGSTRUCT_SIZE) {
		fprintf(stderr, "%s: not a SIGSTRUCT\n", sig);
		exit(2);
	}
	memcpy(img->sigstruct, s, SIGSTRUCT_SIZE);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && base == UINT64_MAX)
			base = ph[i].p_vaddr & ~0xfffull;
	for (int i = 0; i < eh->e_phnum && img->nsegs < 16; i++) {
		const Elf64_Phdr *p = &ph[i];
		struct seg *sg;
		uint64_t start, stop, avail;

		if (p->p_type != PT_LOAD)
			continue;
		sg = &img->segs[img->nsegs];
		start = p->p_vaddr & ~0xfffull;
		stop = (p->p_vaddr + p->p_memsz + 0xfff) & ~0xfffull;
		sg->off = start - base;
		sg->npages = (stop - start) / 4096;
		sg->data = aligned_alloc(4096, sg->npages * 4096);
		memset(sg->data, 0, sg->npages * 4096);
		/* file bytes: up to p_filesz, or to the page end when the segment has no bss */
		avail = p->p_memsz == p->p_filesz ? stop - start : (p->p_vaddr - start) + p->p_filesz;
		if (p->p_offset - (p->p_vaddr - start) + avail > len)
			avail = len - (p->p_offset - (p->p_vaddr - start));
		memcpy(sg->data, f + p->p_offset - (p->p_vaddr - start), avail);
		if (img->nsegs == 0)
			sg->flags = ENCLAVE_PAGE_THREAD_CONTROL;
		else
			sg->flags = ENCLAVE_PAGE_REG | ((p->p_flags & PF_R) ? ENCLAVE_PAGE_READ : 0) |
				    ((p->p_flags & PF_W) ? ENCLAVE_PAGE_WRITE : 0) |
				    ((p->p_flags & PF_X) ? ENCLAVE_PAGE_EXECUTE : 0);
		if (stop - base > end)
			end = stop - base;
		img->nsegs++;
	}
	img->size = 8192;
	while (img->size < end)
		img->size <<= 1;
	free(f);
	free(s);
}

static void image_free(struct image *img)
{
	for (int i = 0; i < img->nsegs; i++)
		free(img->segs[i].data);
	img->nsegs = 0;
}

/* SECS from the SIGSTRUCT's body, as a runtime builds it. */
static void make_secs(const struct image *img, enclave_create_sgx_t *c)
{
	uint64_t flags, xfrm;
	uint32_t misc;

	memset(c, 0, sizeof(*c));
	memcpy(&misc, img->sigstruct + 900, 4);
	memcpy(&flags, img->sigstruct + 928, 8);
	memcpy(&xfrm, img->sigstruct + 936, 8);
	memcpy(c->secs + 0, &img->size, 8);             /* SIZE */
	c->secs[16] = 1;                                /* SSAFRAMESIZE */
	memcpy(c->secs + 20, &misc, 4);                 /* MISCSELECT */
	flags &= ~1ull;                                 /* INIT is the CPU's */
	memcpy(c->secs + 48, &flags, 8);
	memcpy(c->secs + 56, &xfrm, 8);
}

/* ---- leaks ---------------------------------------------------------------------------- */

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

struct snapshot {
	int maps, fds;
};

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

/* Every enclave range this program was given: nothing may stay mapped there after delete. */
static struct { uint64_t base, size; } ranges[64];
static int nranges;

static void remember(void *base, uint64_t size)
{
	if (nranges < 64)
		ranges[nranges++] = (typeof(ranges[0])){ (uint64_t)(uintptr_t)base, size };
}

/* Mappings inside a remembered enclave range, or of an SGX device or EPC backing. */
static int enclave_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (strstr(line, "/dev/sgx") || strstr(line, "/dev/isgx") || strstr(line, "memfd:")) {
			n++;
			continue;
		}
		for (int i = 0; i < nranges; i++)
			if (lo < ranges[i].base + ranges[i].size && ranges[i].base < hi) {
				n++;
				break;
			}
	}
	fclose(f);
	return n;
}

static void snap(struct snapshot *s)
{
	if (getenv("COMMON_TEST_DEBUG")) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "cat /proc/%d/maps >&2; echo ---- >&2", (int)getpid());
		if (system(cmd)) {}
	}
	s->maps = count_lines("/proc/self/maps");
	s->fds = count_fds();
}

static void no_leak(const struct snapshot *before, const char *after_what)
{
	struct snapshot now;
	int in_enclaves = enclave_mappings();

	snap(&now);
	/* AddressSanitizer maps as it allocates: there only the enclaves' own ranges count */
	ok((UNDER_ASAN || now.maps == before->maps) && now.fds == before->fds && in_enclaves == 0,
	   "after %s: no mapping or fd left behind (maps %d -> %d%s, fds %d -> %d, %d in enclave "
	   "ranges)", after_what, before->maps, now.maps, UNDER_ASAN ? " under ASan" : "",
	   before->fds, now.fds, in_enclaves);
}

/* ---- load ----------------------------------------------------------------------------- */

/* When set, load() hands this launch token to enclave_set_information before initializing. */
static void *set_token;
/* When set, load() asks enclave_create for this base instead of letting the loader choose. */
static void *load_at;

/* Create + load every page (optionally corrupting one byte) + initialize. Returns the base
 * or NULL; *err_out gets the first failing call's code, *step the call. */
static void *load(const struct image *img, const enclave_create_sgx_t *secs, const void *sig,
		  int corrupt, uint32_t *err_out, const char **step)
{
	uint32_t err = 0;
	void *base = enclave_create(load_at, img->size, img->size, ENCLAVE_TYPE_SGX1, secs,
				    sizeof(*secs), &err);
	enclave_init_sgx_t init;

	*step = "enclave_create";
	if (!base) {
		*err_out = err;
		return NULL;
	}
	remember(base, img->size);
	for (int i = 0; i < img->nsegs; i++) {
		const struct seg *sg = &img->segs[i];
		uint8_t *data = sg->data;

		if (corrupt && i == img->nsegs - 1) {
			data = aligned_alloc(4096, sg->npages * 4096);
			memcpy(data, sg->data, sg->npages * 4096);
			data[0] ^= 0x5a;
		}
		*step = "enclave_load_data";
		if (enclave_load_data((uint8_t *)base + sg->off, sg->npages * 4096, data, sg->flags,
				      &err) != sg->npages * 4096) {
			if (data != sg->data)
				free(data);
			*err_out = err;
			enclave_delete(base, NULL);
			return NULL;
		}
		if (data != sg->data)
			free(data);
	}
	memcpy(init.sigstruct, sig, SIGSTRUCT_SIZE);
	if (set_token) {
		*step = "enclave_set_information";
		if (!enclave_set_information(base, ENCLAVE_LAUNCH_TOKEN, set_token, 304, &err)) {
			*err_out = err;
			enclave_delete(base, NULL);
			return NULL;
		}
	}
	*step = "enclave_initialize";
	if (!enclave_initialize(base, &init, sizeof(init), &err)) {
		*err_out = err;
		enclave_delete(base, NULL);
		return NULL;
	}
	*err_out = 0;
	return base;
}

/* ---- sources: NULL and unaligned, as urts passes them ----------------------------------- */

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * A flat image (page 0 the TCS, every other page R|W|X and measured, signed by `teehost sign
 * --flat`) is loaded the way urts loads: runs of zero pages with a NULL source, one call per
 * run, the rest from a deliberately unaligned copy, one call per run. EINIT checks every byte.
 * Then the cost: a NULL or unaligned source must not cost an allocation or zeroing per call
 * (urts makes one call per page), counted as minor page faults, not time.
 */
static int mode_sources(const char *flat, const char *sig)
{
	struct image img;
	enclave_create_sgx_t secs;
	uint32_t err = 0;
	size_t len, npages, slen;
	uint8_t *f = slurp(flat, &len), *s = slurp(sig, &slen), *tcs, *odd;
	enclave_init_sgx_t init;
	long before, faults;
	void *base;
	bool loaded = true;

	memset(&img, 0, sizeof(img));
	if (slen != SIGSTRUCT_SIZE || len % 4096 || len < 8192) {
		fprintf(stderr, "%s/%s: not a flat image and its SIGSTRUCT\n", flat, sig);
		return 2;
	}
	memcpy(img.sigstruct, s, SIGSTRUCT_SIZE);
	npages = len / 4096;
	img.size = 8192;
	while (img.size < len)
		img.size <<= 1;
	make_secs(&img, &secs);
	base = enclave_create(NULL, img.size, img.size, ENCLAVE_TYPE_SGX1, &secs, sizeof(secs), &err);
	ok(base != NULL, "create the %zu-page flat enclave (%#x)", npages, err);
	if (!base)
		return 1;
	tcs = aligned_alloc(4096, 4096);
	memcpy(tcs, f, 4096);
	loaded = enclave_load_data(base, 4096, tcs, ENCLAVE_PAGE_THREAD_CONTROL, &err) == 4096;
	odd = malloc(len + 1) ;
	for (size_t i = 1; i < npages && loaded;) {
		bool zero = all_zero(f + i * 4096, 4096);
		size_t j = i + 1, n;

		while (j < npages && all_zero(f + j * 4096, 4096) == zero)
			j++;
		n = (j - i) * 4096;
		/* odd + 1 is never page aligned: the library must bounce it */
		memcpy(odd + 1, f + i * 4096, n);
		if (enclave_load_data((uint8_t *)base + i * 4096, n, zero ? NULL : odd + 1,
				      ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE | ENCLAVE_PAGE_EXECUTE,
				      &err) != n) {
			loaded = false;
			ok(0, "load %zu %s pages at page %zu (%#x)", j - i, zero ? "zero" : "unaligned",
			   i, err);
		} else {
			printf("# %zu %s pages at page %zu in one call\n", j - i,
			       zero ? "zero (NULL source)" : "unaligned", i);
		}
		i = j;
	}
	ok(loaded, "every page loaded, zero runs from NULL, data runs unaligned");
	memcpy(init.sigstruct, img.sigstruct, SIGSTRUCT_SIZE);
	ok(loaded && enclave_initialize(base, &init, sizeof(init), &err),
	   "EINIT accepts the measurement: NULL is zeros, unaligned data arrived intact (%#x)", err);
	enclave_delete(base, NULL);

	/* the cost of one-page calls, as urts makes them */
	base = enclave_create(NULL, img.size, img.size, ENCLAVE_TYPE_SGX1, &secs, sizeof(secs), &err);
	ok(base != NULL, "create a second enclave for the cost check (%#x)", err);
	if (base) {
		size_t calls = 0;

		enclave_load_data(base, 4096, tcs, ENCLAVE_PAGE_THREAD_CONTROL, &err);
		enclave_load_data((uint8_t *)base + 4096, 4096, NULL, ENCLAVE_PAGE_READ, &err);
		enclave_load_data((uint8_t *)base + 8192, 4096, odd + 1, ENCLAVE_PAGE_READ, &err);
		before = minor_faults();
		for (size_t i = 3; i < npages; i++)
			calls += enclave_load_data((uint8_t *)base + i * 4096, 4096,
						   i % 2 ? NULL : odd + 1 + 4096 * (i % 4),
						   ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE, &err) == 4096;
		faults = minor_faults() - before;
		ok(calls == npages - 3, "%zu one-page calls, NULL and unaligned sources (%#x)",
		   npages - 3, err);
		/* the EPC page each call fills may fault once; a 256 KiB buffer per call was 64 */
		ok(faults <= (long)(2 * (npages - 3)),
		   "no allocation or zeroing per call: %ld minor faults for %zu pages (at most 2 each)",
		   faults, npages - 3);
		enclave_delete(base, NULL);
	}
	free(odd);
	free(tcs);
	free(f);
	free(s);
	return 0;
}

/* ---- entry ---------------------------------------------------------------------------- */

struct run {
	uint64_t tcs;
	uint32_t function;
	uint16_t exception_vector, exception_error_code;
	uint64_t exception_addr, user_handler, user_data;
	uint8_t reserved[216];
};
typedef int (*vdso_fn)(unsigned long, unsigned long, unsigned long, unsigned int, unsigned long,
		       unsigned long, struct run *);

static vdso_fn vdso_sym(void)
{
	uintptr_t b = getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const Elf32_Word *hash = NULL;
	uintptr_t bias = 0;
	int loaded = 0;

	if (!b)
		return NULL;
	ph = (const Elf64_Phdr *)(b + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && !loaded++)
			bias = b + ph[i].p_offset - ph[i].p_vaddr;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(bias + ph[i].p_vaddr);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_HASH) hash = (const Elf32_Word *)(bias + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_SYMTAB) sym = (const Elf64_Sym *)(bias + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_STRTAB) str = (const char *)(bias + dyn->d_un.d_ptr);
	}
	if (!hash || !sym || !str)
		return NULL;
	for (Elf32_Word i = 0; i < hash[1]; i++)
		if (sym[i].st_shndx != SHN_UNDEF &&
		    !strcmp(str + sym[i].st_name, "__vdso_sgx_enter_enclave"))
			return (vdso_fn)(bias + sym[i].st_value);
	return NULL;
}

/* EENTER with RDI = ARG; 0 on EEXIT. The enclaves restore RSP/RBP and keep R12-R15, but the
 * clobber list does not trust that. */
static int enter(void *tcs, void *arg)
{
	static vdso_fn fn;
	static int looked;

	if (!looked++)
		fn = vdso_sym();
	if (fn) {
		struct run r;

		memset(&r, 0, sizeof(r));
		r.tcs = (uint64_t)(uintptr_t)tcs;
		if (fn((unsigned long)(uintptr_t)arg, 0, 0, 2, 0, 0, &r))
			return -1;
		if (r.function != 4 && getenv("COMMON_TEST_DEBUG"))
			fprintf(stderr, "exception: leaf %u vector %u code %#x addr %#llx\n", r.function,
				r.exception_vector, r.exception_error_code,
				(unsigned long long)r.exception_addr);
		return r.function == 4 ? 0 : -(int)r.exception_vector - 1000;
	}
	__asm__ volatile(
		"push %%rbp\n"
		"lea 1f(%%rip), %%rcx\n"
		"mov $2, %%eax\n"
		"1: enclu\n"
		"pop %%rbp\n"
		: "+b"(tcs), "+D"(arg)
		:
		: "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		  "memory", "cc");
	return 0;
}

struct sample_call {
	uint64_t magic, op, args[4], ret;
	int64_t status;
};
#define SAMPLE_MAGIC 0x706d617368656574ull

static void call_sample(void *tcs)
{
	struct sample_call c = { .magic = SAMPLE_MAGIC, .op = 1, .args = { 40, 2 }, .status = 99 };
	int rc = enter(tcs, &c);

	ok(rc == 0 && c.status == 0 && c.ret == 42, "sample enclave: ADD 40 2 = %llu (status %lld)",
	   (unsigned long long)c.ret, (long long)c.status);
	c = (struct sample_call){ .magic = SAMPLE_MAGIC, .op = 3, .args = { 0x1234abcd } };
	rc = enter(tcs, &c);
	c = (struct sample_call){ .magic = SAMPLE_MAGIC, .op = 4, .status = 99 };
	rc |= enter(tcs, &c);
	ok(rc == 0 && c.status == 0 && c.ret == 0x1234abcd, "sample enclave: STORE then LOAD");
}

static void call_selftest(void *tcs)
{
	struct { uint64_t type, value; } put = { 0, 0xfeedbeef12345678ull }, get = { 1, 0 };
	int rc = enter(tcs, &put);

	rc |= enter(tcs, &get);
	ok(rc == 0 && get.value == 0xfeedbeef12345678ull,
	   "kernel selftest enclave: PUT_TO_BUFFER then GET_FROM_BUFFER returns the value");
}

/* ---- modes ---------------------------------------------------------------------------- */

static int mode_run(const char *elf, const char *sig, const char *kind)
{
	struct image img;
	enclave_create_sgx_t secs;
	struct snapshot s0;
	const char *step;
	uint32_t err;
	void *base;

	image_read(elf, sig, &img);
	make_secs(&img, &secs);
	{
		uint32_t f = enclave_get_features();

		ok(f & ENCLAVE_FEATURE_SGX1, "enclave_get_features reports SGX1 (%#x)", f);
	}
	snap(&s0);
	base = load(&img, &secs, img.sigstruct, 0, &err, &step);
	ok(base != NULL, "%s: created, loaded and initialized (%s: %#x)", elf, step, err);
	if (!base) {
		image_free(&img);
		return 1;
	}
	{
		/* the launch token: the one EINIT used on isgx, none elsewhere */
		const char *drv = getenv("COMMON_TEST_DRIVER");
		uint8_t token[1024];
		size_t tsize = sizeof(token);
		uint32_t valid = 0;
		bool got = enclave_get_information(base, ENCLAVE_LAUNCH_TOKEN, token, &tsize, &err);

		memcpy(&valid, token, 4);
		if (drv && !strcmp(drv, "isgx")) {
			void *again;
			const char *st2;
			uint32_t e2 = 0;

			ok(got && tsize == 304 && (valid & 1),
			   "isgx: enclave_get_information returns the launch token used (%zu bytes, "
			   "valid %u)", tsize, valid);
			/* the same token launches the same enclave again, without a launch enclave */
			set_token = token;
			setenv("TEEHOST_LAUNCH_ENCLAVE", "/nonexistent", 1);
			again = load(&img, &secs, img.sigstruct, 0, &e2, &st2);
			ok(again != NULL, "isgx: a token given with enclave_set_information is used "
			   "(%s %#x)", st2, e2);
			if (again)
				enclave_delete(again, NULL);
			/*
			 * The next one at the address just freed, where ASLR sometimes puts it
			 * anyway: the shared /dev/isgx file still knows the deleted enclave
			 * there, and a new mapping of it must not bring that one back.
			 */
			load_at = again;
			token[300] ^= 1;        /* the MAC */
			again = load(&img, &secs, img.sigstruct, 0, &e2, &st2);
			load_at = NULL;
			ok(!again && e2 == ENCLAVE_NOT_AUTHORIZED,
			   "isgx: a token with a bad MAC: EINIT's SGX_INVALID_EINITTOKEN is "
			   "ENCLAVE_NOT_AUTHORIZED (%s %#x)", st2, e2);
			set_token = NULL;
		}
		else if (drv)
			ok(!got && err == ENCLAVE_NOT_SUPPORTED,
			   "%s: no launch token: ENCLAVE_NOT_SUPPORTED (%#x)", drv, err);
	}
	if (!strcmp(kind, "sample")) {
		call_sample(base);
		call_sample((uint8_t *)base + 4096);
	} else {
		call_selftest(base);
	}
	ok(enclave_delete(base, &err) && err == 0, "enclave_delete");
	no_leak(&s0, "a successful load and delete");
	{
		bool again = enclave_delete(base, &err);

		ok(!again && err == ENCLAVE_INVALID_PARAMETER,
		   "enclave_delete twice: ENCLAVE_INVALID_PARAMETER (%#x)", err);
	}
	image_free(&img);
	return 0;
}

static void expect_fail(const struct image *img, const enclave_create_sgx_t *secs,
			const uint8_t *sig, int corrupt, uint32_t want, const char *what)
{
	struct snapshot s0;
	const char *step;
	uint32_t err = 0;
	void *base;

	/* once to warm up one-time allocations (libcrypto, the heap), then measured */
	base = load(img, secs, sig, corrupt, &err, &step);
	if (base)
		enclave_delete(base, NULL);
	snap(&s0);
	base = load(img, secs, sig, corrupt, &err, &step);
	ok(!base && err == want, "%s: %s fails with %#06x (got %#06x)", what, step, want, err);
	if (base)
		enclave_delete(base, NULL);
	no_leak(&s0, what);
}

static int mode_neg(const char *elf, const char *sig)
{
	struct image img;
	enclave_create_sgx_t secs, bad_secs;
	uint8_t bad[SIGSTRUCT_SIZE];

	image_read(elf, sig, &img);
	make_secs(&img, &secs);

	memcpy(bad, img.sigstruct, sizeof(bad));
	bad[8] ^= 0xff;                         /* HEADER1 */
	expect_fail(&img, &secs, bad, 0, ENCLAVE_INVALID_SIG_STRUCT, "bad SIGSTRUCT header");
	memcpy(bad, img.sigstruct, sizeof(bad));
	bad[516 + 100] ^= 0x01;                 /* SIGNATURE */
	expect_fail(&img, &secs, bad, 0, ENCLAVE_INVALID_SIGNATURE, "bad SIGSTRUCT signature");
	expect_fail(&img, &secs, img.sigstruct, 1, ENCLAVE_INVALID_MEASUREMENT,
		    "wrong MRENCLAVE (one byte of one page changed)");
	bad_secs = secs;
	bad_secs.secs[20] |= 1;                 /* MISCSELECT.EXINFO, the SIGSTRUCT says 0 */
	expect_fail(&img, &bad_secs, img.sigstruct, 0, ENCLAVE_INVALID_ATTRIBUTE,
		    "attribute mismatch (MISCSELECT)");
	{
		uint32_t err = 0;
		enclave_init_sgx_t init;
		void *base;

		base = enclave_create(NULL, img.size, img.size, 7, &secs, sizeof(secs), &err);
		ok(!base && err == ENCLAVE_INVALID_PARAMETER, "enclave_create of type 7: %#x", err);
		memset(&init, 0, sizeof(init));
		ok(!enclave_initialize((void *)0x1000, &init, sizeof(init), &err) &&
		   err == ENCLAVE_INVALID_ADDRESS, "enclave_initialize of no enclave: %#x", err);
		ok(enclave_load_data((void *)0x10000, 4096, NULL, ENCLAVE_PAGE_READ, &err) == 0 &&
		   err == ENCLAVE_INVALID_ADDRESS, "enclave_load_data outside any enclave: %#x", err);
	}
	{
		/* enclave_create_ex: unknown features, a bad ELRANGE, a good one */
		const char *drv = getenv("COMMON_TEST_DRIVER");
		enclave_elrange_t elr;
		const void *feat[32] = { 0 };
		uint32_t err = 0;
		void *base, *hole;

		base = enclave_create_ex(NULL, img.size, img.size, ENCLAVE_TYPE_SGX1, &secs,
					 sizeof(secs), 1u << 5, NULL, &err);
		ok(!base && err == ENCLAVE_INVALID_PARAMETER, "enclave_create_ex with an unknown "
		   "feature bit: ENCLAVE_INVALID_PARAMETER (%#x)", err);
		hole = mmap(NULL, 2 * img.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		elr.elrange_start_address = ((uint64_t)(uintptr_t)hole + img.size - 1) & ~(img.size - 1);
		munmap(hole, 2 * img.size);
		elr.enclave_image_address = elr.elrange_start_address;
		elr.elrange_size = img.size + 4096;
		feat[ENCLAVE_CREATE_EX_EL_RANGE_BIT_IDX] = &elr;
		base = enclave_create_ex(NULL, img.size, img.size, ENCLAVE_TYPE_SGX1, &secs,
					 sizeof(secs), ENCLAVE_CREATE_EX_EL_RANGE, feat, &err);
		ok(!base && err == ENCLAVE_INVALID_PARAMETER,
		   "ELRANGE of a size not a power of two: ENCLAVE_INVALID_PARAMETER (%#x)", err);
		elr.elrange_size = img.size;
		base = enclave_create_ex(NULL, img.size, img.size, ENCLAVE_TYPE_SGX1, &secs,
					 sizeof(secs), ENCLAVE_CREATE_EX_EL_RANGE, feat, &err);
		if (drv && !strcmp(drv, "kernel"))
			ok(base && (uint64_t)(uintptr_t)base == elr.elrange_start_address,
			   "kernel: enclave_create_ex at the ELRANGE asked for (%#x)", err);
		else
			ok(!base && err == ENCLAVE_NOT_SUPPORTED,
			   "%s: no ELRANGE on the out-of-tree drivers: ENCLAVE_NOT_SUPPORTED (%#x)",
			   drv ? drv : "?", err);
		if (base)
			enclave_delete(base, NULL);
	}
	image_free(&img);
	return 0;
}

/*
 * An enclave larger than the EPC (run it with --epc far below 1 GiB): every driver pages EPC
 * out (EWB) and back in on a fault (ELDU), so all of it loads. (That written-back pages come
 * back intact is `run` under a tiny --epc.) The real refusal for size is an ELRANGE beyond the
 * CPU's MaxEnclaveSize (CPUID.0x12.0:EDX[15:8]).
 */
static int mode_epc(const char *elf, const char *sig)
{
	struct image img;
	enclave_create_sgx_t secs, big;
	struct snapshot s0;
	uint32_t err = 0, a, b, c, d;
	uint64_t size = 1ull << 30, too_big;
	void *base;
	uint8_t *chunk = aligned_alloc(4096, 1 << 20);
	size_t got = 1;
	const char *step;

	image_read(elf, sig, &img);
	make_secs(&img, &secs);
	memset(chunk, 0, 1 << 20);
	big = secs;
	memcpy(big.secs, &size, 8);
	/* warm up one-time allocations with an enclave of the same size, then measure */
	base = enclave_create(NULL, size, size, ENCLAVE_TYPE_SGX1, &big, sizeof(big), &err);
	if (base) {
		enclave_load_data(base, 1 << 20, chunk, ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE, &err);
		enclave_delete(base, NULL);
	}
	snap(&s0);
	base = enclave_create(NULL, size, size, ENCLAVE_TYPE_SGX1, &big, sizeof(big), &err);
	ok(base != NULL, "a 1 GiB enclave is created (%#x)", err);
	if (base) {
		uint64_t off;

		remember(base, size);
		for (off = 0; off < size && got; off += 1 << 20) {
			memcpy(chunk, &off, sizeof(off));       /* each MiB says where it is */
			got = enclave_load_data((uint8_t *)base + off, 1 << 20, chunk,
						ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE, &err);
		}
		ok(got && off == size, "all 1 GiB is added, far beyond the EPC: the driver writes "
		   "pages back (%#x at %#llx)", err, (unsigned long long)off);
		enclave_delete(base, NULL);
	}
	no_leak(&s0, "an enclave larger than the EPC");
	__cpuid_count(0x12, 0, a, b, c, d);
	(void)a; (void)b; (void)c;
	too_big = 2ull << ((d >> 8) & 0xff);
	memcpy(big.secs, &too_big, 8);
	base = enclave_create(NULL, too_big, too_big, ENCLAVE_TYPE_SGX1, &big, sizeof(big), &err);
	ok(!base, "an ELRANGE twice CPUID's MaxEnclaveSize64 (2^%u) is refused (%#x)",
	   (d >> 8) & 0xff, err);
	if (base)
		enclave_delete(base, NULL);
	base = load(&img, &secs, img.sigstruct, 0, &err, &step);
	ok(base != NULL, "a normal enclave loads afterwards (%s %#x)", step, err);
	if (base)
		enclave_delete(base, NULL);
	image_free(&img);
	free(chunk);
	return 0;
}

struct busy_arg {
	void *tcs;
	volatile int inside, done;
	int rc;
	int64_t status;
	uint8_t *buf;
	size_t len;
};

static void *busy_thread(void *p)
{
	struct busy_arg *a = p;
	struct sample_call c = { .magic = SAMPLE_MAGIC, .op = 2,
				 .args = { (uint64_t)(uintptr_t)a->buf, a->len } };

	a->inside = 1;
	a->rc = enter(a->tcs, &c);
	a->status = c.status;
	a->done = 1;
	return NULL;
}

static int mode_busy(const char *elf, const char *sig)
{
	struct image img;
	enclave_create_sgx_t secs;
	struct busy_arg a = { 0 };
	pthread_t t;
	uint32_t err;
	const char *step;
	void *base;
	int busy_seen = 0, tries = 0;

	image_read(elf, sig, &img);
	make_secs(&img, &secs);
	base = load(&img, &secs, img.sigstruct, 0, &err, &step);
	ok(base != NULL, "sample enclave loads (%s %#x)", step, err);
	if (!base) {
		image_free(&img);
		return 1;
	}
	a.tcs = base;
	a.len = 256u << 20;
	a.buf = malloc(a.len);
	memset(a.buf, 7, a.len);
	pthread_create(&t, NULL, busy_thread, &a);
	while (!a.inside)
		;
	usleep(50 * 1000);      /* let it get inside: 256 MiB take far longer to hash */
	/* While the other thread hashes 256 MiB on TCS 0, EENTER on TCS 0 must fault (#GP). */
	while (!a.done && !busy_seen && tries++ < 1000000) {
		struct sample_call c = { .magic = SAMPLE_MAGIC, .op = 1, .args = { 1, 1 } };
		int rc = enter(base, &c);

		if (rc == -1000 - 13)
			busy_seen = 1;
	}
	pthread_join(t, NULL);
	if (a.rc == -1013 && !busy_seen) {
		/* the second thread could not enter at all, contention or not */
		printf("ok %d - EENTER on a busy TCS # SKIP the simulator refuses EENTER from a "
		       "second thread (vDSO soft ENCLU without thread setup)\n", ++n_test);
		enclave_delete(base, NULL);
		free(a.buf);
		image_free(&img);
	return 0;
	}
	ok(a.rc == 0 && a.status == 0, "the hashing thread's call returned (rc %d, status %lld)",
	   a.rc, (long long)a.status);
	ok(busy_seen, "EENTER on a TCS another thread is inside raises #GP (vector 13) (%d tries)",
	   tries);
	{
		struct sample_call c = { .magic = SAMPLE_MAGIC, .op = 1, .args = { 1, 2 } };

		ok(enter(base, &c) == 0 && c.ret == 3, "the TCS is usable again once free");
	}
	enclave_delete(base, NULL);
	free(a.buf);
	image_free(&img);
	return 0;
}

/*
 * SGX2 through the common API on the selftest enclave signed with `teehost sign --heap HEAP`:
 * enclave_alloc a page beyond the heap, EACCEPT it inside (ENCL_OP_EACCEPT), write and read it
 * back; trim it with enclave_modify, EACCEPT the trim, remove it with enclave_modify.
 */
static int mode_sgx2(const char *elf, const char *sig, const char *heap_s)
{
	struct { uint64_t type, epc_addr, flags, ret; } acc;
	struct { uint64_t type, value, addr; } put, get;
	struct image img;
	enclave_create_sgx_t secs;
	uint64_t heap = strtoull(heap_s, NULL, 0), end = 0, page;
	uint32_t err = 0, rc;
	const char *step;
	uint8_t *base, *zero = aligned_alloc(4096, heap);

	image_read(elf, sig, &img);
	for (int i = 0; i < img.nsegs; i++)
		if (img.segs[i].off + img.segs[i].npages * 4096 > end)
			end = img.segs[i].off + img.segs[i].npages * 4096;
	/* the heap: unmeasured R|W pages after the image, as teehost sign --heap lays them out */
	memset(zero, 0, heap);
	img.segs[img.nsegs++] = (struct seg){ end, heap / 4096, ENCLAVE_PAGE_REG |
			ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE | ENCLAVE_PAGE_UNVALIDATED, zero };
	img.size = 8192;
	while (img.size < end + heap)
		img.size <<= 1;
	make_secs(&img, &secs);
	if (!(enclave_get_features() & ENCLAVE_FEATURE_SGX2)) {
		/* a driver without SGX2: the calls say so */
		base = load(&img, &secs, img.sigstruct, 0, &err, &step);
		ok(base != NULL, "selftest enclave with a heap loads (%s %#x)", step, err);
		if (base) {
			page = (uint64_t)(uintptr_t)base + end + heap;
			rc = enclave_alloc((void *)(uintptr_t)page, 4096, ENCLAVE_PAGE_REG,
					   ENCLAVE_EMA_COMMIT_ON_DEMAND, &err);
			ok(rc == ENCLAVE_NOT_SUPPORTED && err == ENCLAVE_NOT_SUPPORTED,
			   "no SGX2 in the driver: enclave_alloc is ENCLAVE_NOT_SUPPORTED (%#x)", rc);
			rc = enclave_modify(base + end, 4096, ENCLAVE_PAGE_REG | ENCLAVE_PAGE_READ,
					    ENCLAVE_PAGE_TRIM | ENCLAVE_PAGE_READ, &err);
			ok(rc == ENCLAVE_NOT_SUPPORTED, "and enclave_modify too (%#x)", rc);
			enclave_delete(base, NULL);
		}
		image_free(&img);
		return 0;
	}
	if (end + heap >= img.size) {
		printf("ok %d - SGX2 # SKIP no room for EAUG after the heap\n", ++n_test);
		image_free(&img);
		return 0;
	}
	base = load(&img, &secs, img.sigstruct, 0, &err, &step);
	ok(base != NULL, "selftest enclave with a heap loads (%s %#x)", step, err);
	if (!base) {
		image_free(&img);
		return 1;
	}
	page = (uint64_t)(uintptr_t)base + end + heap;
	rc = enclave_alloc((void *)(uintptr_t)page, 4096, ENCLAVE_PAGE_REG,
			   ENCLAVE_EMA_COMMIT_ON_DEMAND, &err);
	ok(rc == 0 && err == 0, "enclave_alloc of a page after the heap (%#x)", rc);
	acc = (typeof(acc)){ 5, page, 0x1 | 0x2 | 0x200 | 0x8, 99 };   /* R W REG PENDING */
	rc = (uint32_t)enter(base, &acc);
	ok(rc == 0 && acc.ret == 0, "EACCEPT of the EAUGed page inside (ret %llu)",
	   (unsigned long long)acc.ret);
	put = (typeof(put)){ 2, 0x5eed5eed5eedull, page };
	get = (typeof(get)){ 3, 0, page };
	ok(enter(base, &put) == 0 && enter(base, &get) == 0 && get.value == 0x5eed5eed5eedull,
	   "the new page holds what the enclave wrote");
	rc = enclave_modify((void *)(uintptr_t)page, 4096,
			    ENCLAVE_PAGE_REG | ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE,
			    ENCLAVE_PAGE_TRIM | ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE, &err);
	ok(rc == 0, "enclave_modify REG -> TRIM (%#x)", rc);
	acc = (typeof(acc)){ 5, page, 0x400 | 0x10, 99 };              /* TRIM MODIFIED */
	rc = (uint32_t)enter(base, &acc);
	ok(rc == 0 && acc.ret == 0, "EACCEPT of the trim inside (ret %llu)",
	   (unsigned long long)acc.ret);
	rc = enclave_modify((void *)(uintptr_t)page, 4096, ENCLAVE_PAGE_TRIM, ENCLAVE_PAGE_TRIM,
			    &err);
	ok(rc == 0, "enclave_modify TRIM -> TRIM removes the page (%#x)", rc);
	rc = enclave_modify((void *)(uintptr_t)page, 4096, ENCLAVE_PAGE_TRIM, ENCLAVE_PAGE_REG,
			    &err);
	ok(rc == ENCLAVE_INVALID_PARAMETER, "TRIM -> REG is refused (%#x)", rc);
	enclave_delete(base, NULL);
	image_free(&img);
	return 0;
}

/* A load that must fail with CODE, leaving nothing behind. */
static int mode_fail(const char *elf, const char *sig, const char *code, const char *what)
{
	struct image img;
	enclave_create_sgx_t secs;
	struct snapshot s0;
	const char *step;
	uint32_t err = 0, want = (uint32_t)strtoul(code, NULL, 0);
	void *base;

	image_read(elf, sig, &img);
	make_secs(&img, &secs);
	/* once to warm up one-time allocations, then measured */
	base = load(&img, &secs, img.sigstruct, 0, &err, &step);
	if (base)
		enclave_delete(base, NULL);
	snap(&s0);
	base = load(&img, &secs, img.sigstruct, 0, &err, &step);
	ok(!base && err == want, "%s: %s fails with %#06x (got %#06x)", what, step, want, err);
	if (base)
		enclave_delete(base, NULL);
	no_leak(&s0, what);
	image_free(&img);
	return 0;
}

static int mode_nodev(void)
{
	enclave_create_sgx_t secs;
	uint32_t err = 0;
	uint64_t size = 1 << 16;
	struct snapshot s0;
	void *base;

	memset(&secs, 0, sizeof(secs));
	memcpy(secs.secs, &size, 8);
	secs.secs[16] = 1;
	secs.secs[48] = 4;
	secs.secs[56] = 3;
	snap(&s0);
	base = enclave_create(NULL, size, size, ENCLAVE_TYPE_SGX1, &secs, sizeof(secs), &err);
	ok(!base && err == ENCLAVE_NOT_SUPPORTED, "no SGX device: ENCLAVE_NOT_SUPPORTED (%#x)", err);
	ok(enclave_get_features() == ENCLAVE_FEATURE_NONE, "no SGX device: no features");
	no_leak(&s0, "no device");
	return 0;
}

/*
 * mmap/mprotect/munmap of enclave memory at their edges, as the kernel's mm and each driver
 * answer them (COMMON_TEST_DRIVER=kernel|dcap|isgx): a zero length, an unaligned address,
 * PROT_NONE, more than a page was added with. Intel's urts calls mprotect(addr, 0, 0).
 */
static int mode_mm(const char *elf, const char *sig)
{
	const char *drv = getenv("COMMON_TEST_DRIVER");
	const char *node = !drv ? NULL : !strcmp(drv, "kernel") ? "/dev/sgx_enclave" :
			   !strcmp(drv, "dcap") ? "/dev/sgx/enclave" : "/dev/isgx";
	bool has_mprotect_hook = drv && !strcmp(drv, "kernel");
	struct image img;
	enclave_create_sgx_t secs;
	const char *step;
	uint32_t err = 0;
	uint8_t *base;
	void *m;
	int fd, r;

	if (!node) {
		printf("ok 1 - mm edges # SKIP set COMMON_TEST_DRIVER\n");
		n_test++;
		return 0;
	}
	/* the sample enclave, initialized and mapped: pages 0-1 TCS, 2 code (R-X), 3.. data (RW) */
	image_read(elf, sig, &img);
	make_secs(&img, &secs);
	base = load(&img, &secs, img.sigstruct, 0, &err, &step);
	ok(base != NULL, "%s: the sample enclave is loaded (%s %#x)", drv, step, err);
	if (!base)
		return 1;
	errno = 0;
	r = mprotect(base + 0x3000, 0, PROT_NONE);
	ok(r == 0, "%s: mprotect(addr, 0, PROT_NONE) is 0, as Linux answers a zero length (%s)",
	   drv, strerror(errno));
	r = mprotect(base + 0x2000, 0, PROT_READ | PROT_WRITE | PROT_EXEC);
	ok(r == 0, "%s: mprotect(addr, 0, RWX) is 0: nothing is looked at (%s)", drv, strerror(errno));
	errno = 0;
	r = mprotect(base + 1, 4096, PROT_READ);
	ok(r == -1 && errno == EINVAL, "%s: mprotect of an unaligned address: EINVAL (%s)", drv,
	   strerror(errno));
	errno = 0;
	r = munmap(base, 0);
	ok(r == -1 && errno == EINVAL, "%s: munmap of zero length: EINVAL (%s)", drv, strerror(errno));
	errno = 0;
	r = munmap(base + 1, 4096);
	ok(r == -1 && errno == EINVAL, "%s: munmap of an unaligned address: EINVAL (%s)", drv,
	   strerror(errno));
	errno = 0;
	r = mprotect(base + 0x3000, 4096, PROT_NONE);
	ok(r == 0, "%s: mprotect PROT_NONE of a data page (%s)", drv, strerror(errno));
	r = mprotect(base + 0x3000, 4096, PROT_READ | PROT_WRITE);
	ok(r == 0, "%s: and back to read-write (%s)", drv, strerror(errno));
	errno = 0;
	r = mprotect(base + 0x2000, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
	if (has_mprotect_hook)
		ok(r == -1 && errno == EACCES, "%s: mprotect beyond the page's protections: EACCES "
		   "(sgx_vma_mprotect) (%s)", drv, strerror(errno));
	else
		ok(r == 0, "%s: mprotect beyond the page's protections: 0, the driver has no "
		   "mprotect hook (%s)", drv, strerror(errno));
	errno = 0;
	r = mprotect(base + 0x2000, 8192, PROT_READ);
	ok(r == 0, "%s: mprotect over the code and a data page, within both (%s)", drv,
	   strerror(errno));
	r = mprotect(base + 0x2000, 4096, PROT_READ | PROT_EXEC);
	ok(r == 0, "%s: the code page back to R-X (%s)", drv, strerror(errno));
	call_sample(base);      /* TCS 0: the enclave still runs */

	fd = open(node, O_RDWR | O_CLOEXEC);
	ok(fd >= 0, "%s: open %s (%s)", drv, node, strerror(errno));
	if (fd >= 0) {
		errno = 0;
		m = mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0);
		ok(m == MAP_FAILED && errno == EINVAL, "%s: mmap of zero length: EINVAL (%s)", drv,
		   strerror(errno));
		errno = 0;
		m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		ok(m == MAP_FAILED && errno == EINVAL, "%s: a private mapping of the device: EINVAL (%s)",
		   drv, strerror(errno));
		errno = 0;
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 1);
		ok(m == MAP_FAILED && errno == EINVAL, "%s: an unaligned offset: EINVAL (%s)", drv,
		   strerror(errno));
		close(fd);
	}
	enclave_delete(base, NULL);
	image_free(&img);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	/* A process with the READ_IMPLIES_EXEC personality (execstack binaries on older kernels,
	 * setarch -X where exec keeps it): set here, where exec cannot clear it. */
	if (getenv("COMMON_TEST_READ_IMPLIES_EXEC"))
		personality((unsigned long)personality(0xffffffff) | READ_IMPLIES_EXEC);

	if (argc >= 2 && !strcmp(argv[1], "nodev"))
		rc = mode_nodev();
	else if (argc == 5 && !strcmp(argv[1], "run"))
		rc = mode_run(argv[2], argv[3], argv[4]);
	else if (argc == 4 && !strcmp(argv[1], "neg"))
		rc = mode_neg(argv[2], argv[3]);
	else if (argc == 4 && !strcmp(argv[1], "epc"))
		rc = mode_epc(argv[2], argv[3]);
	else if (argc == 6 && !strcmp(argv[1], "fail"))
		rc = mode_fail(argv[2], argv[3], argv[4], argv[5]);
	else if (argc == 5 && !strcmp(argv[1], "sgx2"))
		rc = mode_sgx2(argv[2], argv[3], argv[4]);
	else if (argc == 4 && !strcmp(argv[1], "mm"))
		rc = mode_mm(argv[2], argv[3]);
	else if (argc == 4 && !strcmp(argv[1], "sources"))
		rc = mode_sources(argv[2], argv[3]);
	else if (argc == 4 && !strcmp(argv[1], "busy"))
		rc = mode_busy(argv[2], argv[3]);
	else
		fprintf(stderr, "usage: common_test run|neg|epc|busy|mm ELF SIGSTRUCT [selftest|sample] | nodev\n");
	printf("1..%d\n", n_test);
	return rc ? rc : n_fail ? 1 : 0;
}
