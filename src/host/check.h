/* Host readiness checks (`teehost check`).  Every check has a stable id
 * (documented in man/teehost-check.8), a status, the evidence it saw, what
 * that means, and the fix.  Checks read the machine only through a root
 * directory (host/root.h) and a CPUID provider (host/cpuid.h). */
#ifndef TEEHOST_HOST_CHECK_H
#define TEEHOST_HOST_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/cpuid.h"
#include "host/root.h"
#include "host/text.h"
#include "teehost/loader.h"
#include "util/err.h"
#include "util/kconfig.h"

enum th_status { TH_PASS, TH_WARN, TH_FAIL, TH_SKIP };
const char *th_status_name(enum th_status s);

/* --only families; 0 means every family. */
enum { TH_ONLY_SGX = 1, TH_ONLY_SEV = 2, TH_ONLY_TDX = 4 };

struct th_check {
	const char *id;
	enum th_status status;
	bool required;          /* a fail here makes the exit status 1 */
	char evidence[640];
	char explanation[512];  /* for a skip: the reason */
	char fix[512];
};

struct th_check_opts {
	const char *root;       /* NULL: the live machine */
	const char *cpuid_file; /* NULL: the CPUID instruction */
	const char *user;       /* --user NAME: check sgx_prv membership */
	unsigned only;
};

/* What the probes found; shared between check and setup. */
struct th_host {
	struct th_root root;
	struct th_cpuid cpuid;
	struct th_cpu_ident id;
	struct th_check_opts opts;

	char *cpuinfo;
	size_t cpuinfo_len;
	struct th_span flags;
	bool have_flags;

	char osrelease[128];
	bool have_release;
	unsigned kmajor, kminor;

	struct th_kconfig kconfig;
	bool kconfig_loaded, have_kconfig;
	char kconfig_src[300];
	char kconfig_err[256];

	char *kmsg;             /* kernel log text, one message per line */
	size_t kmsg_len;
	bool kmsg_loaded, have_kmsg;

	int msr_err;            /* 0: MSRs readable (checked on 0x10, TSC) */
	bool msr_probed;

	/* hardware facts */
	bool sgx_hw, sev_hw, tdx_host_hw, tdx_guest, sev_guest;
	bool tdx_host_unknown;  /* no flag and no MSR access: cannot tell */
	enum teehost_sgx_driver sgx_drv; /* the loader's probe on this root (sgx.driver) */

	struct th_check *v;
	size_t n, cap;
};

/* Open the root and the CPUID provider. */
int th_host_open(struct th_host *h, const struct th_check_opts *o, struct th_err *e);
void th_host_close(struct th_host *h);

/* Run every check into h->v. */
int th_host_check(struct th_host *h, struct th_err *e);

/* Summary counts; returns the exit status (0 ready, 1 not). */
struct th_summary {
	unsigned pass, warn, fail, skip, required_fail;
};
int th_host_summary(const struct th_host *h, struct th_summary *s);

/* Probe helpers (check_*.c and setup) */
int th_host_msr(struct th_host *h, uint32_t index, uint64_t *val);
bool th_host_flag(const struct th_host *h, const char *flag);
/* 'y', 'm', 'n', 'v', or '?' when no kernel config was found */
char th_host_kconfig(struct th_host *h, const char *sym);
bool th_host_kmsg_find(struct th_host *h, const char *needle, char *line, size_t cap);
bool th_host_exists(struct th_host *h, const char *path);
/* first line of a small file, trimmed; false if unreadable */
bool th_host_read_line(struct th_host *h, const char *path, char *buf, size_t cap);
/* describe a node: "crw-rw---- root:sgx_prv" */
void th_host_describe_node(struct th_host *h, const struct stat *st, char *buf, size_t cap);
/* group lookup by name in ROOT/etc/group */
bool th_host_group(struct th_host *h, const char *name, unsigned long *gid, char *members, size_t cap);
bool th_host_user(struct th_host *h, const char *name, unsigned long *uid, unsigned long *gid);
void th_host_uid_name(struct th_host *h, unsigned long uid, char *buf, size_t cap);
void th_host_gid_name(struct th_host *h, unsigned long gid, char *buf, size_t cap);

/* Builders used by check_*.c */
struct th_check *th_check_add(struct th_host *h, const char *id, bool required);
__attribute__((format(printf, 3, 4)))
void th_check_set(struct th_check *c, enum th_status s, const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
void th_check_ev(struct th_check *c, const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
void th_check_fix(struct th_check *c, const char *fmt, ...);

/*
 * Checks as data: each family (check_sgx.c, ...) is one table of rows in report order, and
 * a check's id is written only in its row.  A row sits behind a gate of its family; while
 * the gate is closed (no such hardware, or --only asked for a family the CPU lacks), the row
 * is reported as a skip with the gate's reason and not required, and its function does not
 * run.  Otherwise the function gives the verdict; a check whose requiredness depends on what
 * the machine has sets c->required itself.  FAMILY is the family's own probe state.
 */
struct th_check_def {
	const char *id;
	bool required;
	unsigned gate;
	void (*run)(struct th_host *h, void *family, struct th_check *c);
};
/* NULL while the checks behind GATE apply, else why they are skipped; a family without
 * gates passes no function */
typedef const char *th_check_gate_fn(const struct th_host *h, const void *family, unsigned gate);
void th_check_table(struct th_host *h, const struct th_check_def *defs, size_t n,
		    th_check_gate_fn *closed, void *family);

void th_check_sgx(struct th_host *h);
void th_check_sev(struct th_host *h);
void th_check_tdx(struct th_host *h);
void th_check_kvm(struct th_host *h);

/* The udev rules teehost installs (udev/90-teehost-sgx.rules). */
extern const char th_sgx_udev_rules[];
#define TH_SGX_UDEV_PATH "/etc/udev/rules.d/90-teehost-sgx.rules"
#define TH_SGX_PRV_GROUP "sgx_prv"

#endif
