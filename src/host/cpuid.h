/* CPUID provider: the live CPUID instruction, or a dump in the format of
 * `cpuid -r` (Debian package cpuid).  Only the first CPU of a multi-CPU dump
 * is kept: every check reads package-wide leaves, and the first CPU is the
 * one the kernel's feature detection (boot CPU) saw. */
#ifndef TEEHOST_HOST_CPUID_H
#define TEEHOST_HOST_CPUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum { TH_EAX, TH_EBX, TH_ECX, TH_EDX };

struct th_cpuid_leaf {
	uint32_t leaf, sub;
	uint32_t r[4];
};

struct th_cpuid {
	bool live;
	struct th_cpuid_leaf *v;
	size_t n, cap;
	/* parser state */
	unsigned line;
	int cpu;          /* CPU block being read: -1 before any header */
	int kept_cpu;     /* the CPU block whose leaves are kept */
};

/* Live CPUID instruction. */
void th_cpuid_init_live(struct th_cpuid *c);
/* Empty table, ready for th_cpuid_dump_line(). */
void th_cpuid_init_dump(struct th_cpuid *c);
/* Feed one line (without its newline) of a `cpuid -r` dump. */
int th_cpuid_dump_line(struct th_cpuid *c, const char *line, size_t len, struct th_err *e);
/* Whole dump; fails on a malformed line or a dump without leaf 0. */
int th_cpuid_dump_parse(struct th_cpuid *c, const char *buf, size_t len, struct th_err *e);
void th_cpuid_free(struct th_cpuid *c);

/* Registers of (leaf, sub); zeros for a leaf or sub-leaf the CPU does not
 * enumerate (above the maximum basic/extended leaf, or absent from a dump). */
void th_cpuid_query(const struct th_cpuid *c, uint32_t leaf, uint32_t sub, uint32_t r[4]);

/* Decoded identity. */
struct th_cpu_ident {
	char vendor[13];
	char brand[49];
	unsigned family, model, stepping;
	bool intel, amd, hypervisor;
	char hv_vendor[13];
};
void th_cpuid_ident(const struct th_cpuid *c, struct th_cpu_ident *id);

#endif
