/* Pure parsers for the text files the host probes read: mountinfo, cpuinfo
 * flags, /etc/group and /etc/passwd lines, udev rule lines, kernel log
 * records and /proc/self/limits.  They take bytes from the caller and do no
 * I/O (fuzz/sysfs_text.c drives them all). */
#ifndef TEEHOST_HOST_TEXT_H
#define TEEHOST_HOST_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slice of the caller's buffer. */
struct th_span {
	const char *p;
	size_t n;
};

bool th_span_eq(struct th_span s, const char *z);

/* Iterate lines: *pos starts at 0; returns false at the end. */
bool th_next_line(const char *buf, size_t len, size_t *pos, struct th_span *line);

/* /proc/self/mountinfo:
 * "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
 * mountpoint is unescaped (\040 etc.) into m->mnt. */
struct th_mount {
	char mnt[256];
	struct th_span opts;   /* per-mount options (field 6) */
	struct th_span fstype;
	struct th_span super;  /* super options */
};
int th_mountinfo_line(struct th_span line, struct th_mount *m);
bool th_optlist_has(struct th_span opts, const char *opt);

/* /proc/cpuinfo: the first "flags" line's value (x86). */
bool th_cpuinfo_flags(const char *buf, size_t len, struct th_span *flags);
bool th_wordlist_has(struct th_span words, const char *word);

/* /etc/group: "name:x:gid:user1,user2" */
struct th_group_ent {
	struct th_span name, members;
	unsigned long gid;
};
int th_group_line(struct th_span line, struct th_group_ent *g);
bool th_group_has_member(const struct th_group_ent *g, const char *user);

/* Add `user` (may be NULL) to `group` in the text of a group(5) file, or of a gshadow(5) file
 * when `gshadow`; append the group's line (with `gid` in group(5)) when it is missing. Every
 * other byte stays as it was. *out is malloc'd; *found says whether the group was there. */
int th_group_text_add(const char *buf, size_t len, const char *group, unsigned long gid,
		      const char *user, bool gshadow, char **out, size_t *outlen, bool *found);

/* /etc/passwd: "name:x:uid:gid:gecos:home:shell" */
struct th_passwd_ent {
	struct th_span name;
	unsigned long uid, gid;
};
int th_passwd_line(struct th_span line, struct th_passwd_ent *p);

/* udev rules: KEY{ATTR}OP"VALUE" assignments separated by commas. */
#define TH_UDEV_MAX_TOKENS 32
struct th_udev_tok {
	struct th_span key, attr, op, value;
};
struct th_udev_rule {
	struct th_udev_tok t[TH_UDEV_MAX_TOKENS];
	int n;
};
/* 0 for a rule, 1 for a blank or comment line, -EINVAL for a bad line. */
int th_udev_line(struct th_span line, struct th_udev_rule *r);
/* Value of the first token with this key and operator, or NULL span. */
bool th_udev_get(const struct th_udev_rule *r, const char *key, const char *op, struct th_span *value);

/* Kernel log: a /dev/kmsg record "6,123,456789,-;text" or a dmesg line
 * "[    1.234] text"; *msg is the text. */
bool th_kmsg_text(struct th_span line, struct th_span *msg);

/* /proc/self/limits: the soft and hard values of the row named `name`
 * ("Max locked memory"); UINT64_MAX for "unlimited". */
int th_limits_get(const char *buf, size_t len, const char *name, uint64_t *soft, uint64_t *hard);

/* "6.1.0-18-amd64" -> 6, 1 */
int th_kernel_version(const char *rel, unsigned *major, unsigned *minor);

#endif
