/* SPDX-License-Identifier: MIT */
/*
 * `teehost fleet check`: one host's record as the fleet playbook
 * (deploy/teehost-fleet-check.yml) writes it on the controller,
 *   {"host": NAME, "unreachable": BOOL, "msg": TEXT, "rc": N, "stdout": CHECK_JSON}
 * where CHECK_JSON is `teehost check --json` from that host. Both layers are
 * outside input (the host's teehost may be any version), so both are read
 * defensively with jansson and reduced to what the report shows.
 */
#ifndef TEEHOST_HOST_FLEET_H
#define TEEHOST_HOST_FLEET_H

#include <stdbool.h>
#include <stddef.h>

struct th_err;

#define TH_FLEET_FAMILIES 3	/* sgx, sev, tdx */
#define TH_FLEET_MAX_ISSUES 64

struct th_fleet_issue {
	char id[48];
	char status[8];		/* "fail" or "warn" */
	bool required;
	char explanation[256];
	char evidence[256];
	char fix[256];
};

struct th_fleet_host {
	char name[128];
	bool answered;		/* false: unreachable, or no usable check output */
	char note[256];		/* why it did not answer */
	char kernel[128];
	bool ready[TH_FLEET_FAMILIES];
	struct th_fleet_issue issues[TH_FLEET_MAX_ISSUES];
	size_t nissues;
};

extern const char *const th_fleet_family[TH_FLEET_FAMILIES];

/* Fills h from one record; 0, or -EINVAL with err naming the field. A host that
 * was unreachable or whose check printed no JSON is not an error: answered = false. */
int th_fleet_parse_host(const char *text, size_t len, struct th_fleet_host *h, struct th_err *err);

#endif
