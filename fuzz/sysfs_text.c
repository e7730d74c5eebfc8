/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the procfs/sysfs/etc text parsers of the host probes. The first byte picks
 * the parser (mountinfo, cpuinfo flags, group, passwd, udev rules, kernel log, limits, kernel
 * release, unified diff of the two halves, adding a user to a group file); the rest is the file,
 * read line by line as the probes do.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/diff.h"
#include "host/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned which = data[0] % 10;
	const char *buf = (const char *)data + 1;
	size_t len = size - 1, pos = 0;
	struct th_span l, f;

	switch (which) {
	case 6: {
		uint64_t s, h;
		(void)th_limits_get(buf, len, "Max locked memory", &s, &h);
		return 0;
	}
	case 1:
		if (th_cpuinfo_flags(buf, len, &f)) {
			if (f.p < buf || f.p + f.n > buf + len)
				__builtin_trap();
			(void)th_wordlist_has(f, "sgx");
		}
		return 0;
	case 7: {
		char rel[64];
		unsigned a, b;
		snprintf(rel, sizeof(rel), "%.*s", (int)(len < 63 ? len : 63), buf);
		(void)th_kernel_version(rel, &a, &b);
		return 0;
	}
	case 8: {
		FILE *out = fopen("/dev/null", "w");
		if (out) {
			th_diff_unified(out, "/f", buf, len / 2, buf + len / 2, len - len / 2);
			fclose(out);
		}
		return 0;
	}
	case 9: {
		/* first line: the user to add; the rest: /etc/group (or gshadow when the line is odd) */
		const char *nl = memchr(buf, '\n', len);
		char user[300];
		char *out;
		size_t ulen = nl ? (size_t)(nl - buf) : 0, outlen;
		bool found;
		if (ulen >= sizeof(user))
			return 0;
		memcpy(user, buf, ulen);
		user[ulen] = '\0';
		const char *g = nl ? nl + 1 : buf;
		size_t glen = len - (size_t)(g - buf);
		if (th_group_text_add(g, glen, "sgx_prv", 999, ulen ? user : NULL, ulen & 1, &out, &outlen, &found) == 0) {
			/* everything that was there is still there, in order */
			if (outlen < glen)
				__builtin_trap();
			free(out);
		}
		return 0;
	}
	default:
		break;
	}
	while (th_next_line(buf, len, &pos, &l)) {
		if (l.p < buf || l.p + l.n > buf + len)
			__builtin_trap();
		switch (which) {
		case 0: {
			struct th_mount m;
			if (th_mountinfo_line(l, &m) == 0) {
				if (strlen(m.mnt) >= sizeof(m.mnt))
					__builtin_trap();
				(void)th_optlist_has(m.opts, "noexec");
			}
			break;
		}
		case 2: {
			struct th_group_ent g;
			if (th_group_line(l, &g) == 0)
				(void)th_group_has_member(&g, "alice");
			break;
		}
		case 3: {
			struct th_passwd_ent p;
			(void)th_passwd_line(l, &p);
			break;
		}
		case 4: {
			struct th_udev_rule r;
			struct th_span v;
			if (th_udev_line(l, &r) == 0) {
				if (r.n < 1 || r.n > TH_UDEV_MAX_TOKENS)
					__builtin_trap();
				(void)th_udev_get(&r, "KERNEL", "==", &v);
			}
			break;
		}
		case 5: {
			struct th_span m;
			if (th_kmsg_text(l, &m) && (m.p < l.p || m.p + m.n > l.p + l.n))
				__builtin_trap();
			break;
		}
		}
	}
	return 0;
}
