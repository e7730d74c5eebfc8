/* SPDX-License-Identifier: MIT */
/*
 * A /dev/sev-guest client written against the kernel uAPI only (raw ioctls, as go-sev-guest
 * and snpguest make them). Built static, so no preload could see it.
 *   snp-client report OUT.bin [CERTS.bin]   extended report (length protocol), certs table
 *   snp-client key ROOT FIELDS              a derived key, hex (status on stderr)
 *   snp-client errnos                       every bad-argument case: "NAME errno exitinfo2"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest/uapi.h"

static uint8_t resp[4000];

static int call(int fd, unsigned long cmd, void *req, void *rsp, uint8_t version,
		uint64_t *exitinfo2)
{
	struct snp_guest_request_ioctl io = { .msg_version = version,
		.req_data = (uintptr_t)req, .resp_data = (uintptr_t)rsp, .exitinfo2 = 0x1234 };
	int rc = ioctl(fd, cmd, &io);

	*exitinfo2 = io.exitinfo2;
	return rc < 0 ? errno : 0;
}

static int write_file(const char *path, const void *d, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(d, 1, n, f) != n)
		return 1;
	return fclose(f) != 0;
}

static int report(int fd, const char *out, const char *certs_out)
{
	struct snp_ext_report_req req;
	uint64_t ei;
	uint8_t *certs;
	int e;

	memset(&req, 0, sizeof(req));
	memcpy(req.data.user_data, "teehost snp-client", 18);
	e = call(fd, SNP_GET_EXT_REPORT, &req, resp, 1, &ei);
	if (e != EIO || ei != (1ull << 32) || !req.certs_len) {
		fprintf(stderr, "length query: errno %d exitinfo2 %#llx len %u\n", e,
			(unsigned long long)ei, req.certs_len);
		return 1;
	}
	certs = aligned_alloc(4096, req.certs_len);
	req.certs_address = (uintptr_t)certs;
	e = call(fd, SNP_GET_EXT_REPORT, &req, resp, 1, &ei);
	if (e || *(uint32_t *)resp) {
		fprintf(stderr, "report: errno %d status %u\n", e, *(uint32_t *)resp);
		return 1;
	}
	return write_file(out, resp + 32, 0x4a0) || (certs_out && write_file(certs_out, certs, req.certs_len));
}

static void errnos(int fd)
{
	struct snp_report_req rr = { .vmpl = 0 };
	struct snp_ext_report_req er = { .data.vmpl = 0 };
	uint8_t key[64];
	uint8_t kreq[32] = { 0 };
	uint64_t ei;
	int e;

	e = call(fd, SNP_GET_REPORT, &rr, resp, 0, &ei);
	printf("msg_version_zero %d %#llx\n", e, (unsigned long long)ei);
	e = call(fd, SNP_GET_REPORT, NULL, resp, 1, &ei);
	printf("report_null_req %d %#llx\n", e, (unsigned long long)ei);
	e = call(fd, SNP_GET_REPORT, &rr, (void *)8, 1, &ei);
	printf("report_bad_resp %d %#llx\n", e, (unsigned long long)ei);
	rr.vmpl = 4;
	e = call(fd, SNP_GET_REPORT, &rr, resp, 1, &ei);
	printf("report_vmpl4 %d status %u\n", e, *(uint32_t *)resp);
	e = call(fd, SNP_GET_DERIVED_KEY, NULL, key, 1, &ei);
	printf("key_null_req %d %#llx\n", e, (unsigned long long)ei);
	kreq[0] = 8;   /* root_key_select reserved bit */
	e = call(fd, SNP_GET_DERIVED_KEY, kreq, key, 1, &ei);
	printf("key_reserved %d status %u\n", e, *(uint32_t *)key);
	er.certs_address = (uintptr_t)resp;
	er.certs_len = 100;
	e = call(fd, SNP_GET_EXT_REPORT, &er, resp, 1, &ei);
	printf("ext_unaligned %d %#llx\n", e, (unsigned long long)ei);
	er.certs_len = 0x5000;
	e = call(fd, SNP_GET_EXT_REPORT, &er, resp, 1, &ei);
	printf("ext_too_big %d %#llx\n", e, (unsigned long long)ei);
	er.certs_len = 4096;
	e = call(fd, SNP_GET_EXT_REPORT, &er, resp, 1, &ei);
	printf("ext_too_small %d %#llx len %u\n", e, (unsigned long long)ei, er.certs_len);
	e = ioctl(fd, _IOWR('S', 0x7, struct snp_guest_request_ioctl), &(struct snp_guest_request_ioctl){ .msg_version = 1 }) < 0 ? errno : 0;
	printf("unknown_cmd %d\n", e);
}

int main(int argc, char **argv)
{
	int fd = open("/dev/sev-guest", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("/dev/sev-guest");
		return 2;
	}
	if (argc >= 3 && !strcmp(argv[1], "report"))
		return report(fd, argv[2], argc > 3 ? argv[3] : NULL);
	if (argc >= 4 && !strcmp(argv[1], "key")) {
		uint8_t kreq[32] = { 0 }, key[64];
		uint32_t root = (uint32_t)strtoul(argv[2], NULL, 0);
		uint64_t fields = strtoull(argv[3], NULL, 0), ei;

		memcpy(kreq, &root, 4);
		memcpy(kreq + 8, &fields, 8);
		if (call(fd, SNP_GET_DERIVED_KEY, kreq, key, 1, &ei))
			return 1;
		fprintf(stderr, "status %u\n", *(uint32_t *)key);
		for (int i = 32; i < 64; i++)
			printf("%02x", key[i]);
		printf("\n");
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "errnos")) {
		errnos(fd);
		return 0;
	}
	return 2;
}
