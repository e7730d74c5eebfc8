/* SPDX-License-Identifier: MIT */
/*
 * A /dev/tdx_guest client written against the kernel uAPI only (raw ioctls, as go-tdx-guest
 * makes them). Built static, so no preload could see it.
 *   tdx-client report HEX OUT.bin    TDREPORT for REPORTDATA HEX (up to 64 bytes)
 *   tdx-client errnos                every bad-argument case: "NAME errno"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest/uapi.h"

static int report(int fd, const char *hex, const char *out)
{
	struct tdx_report_req req;
	FILE *f;

	memset(&req, 0, sizeof(req));
	for (size_t i = 0; i < 64 && hex[2 * i] && hex[2 * i + 1]; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return 2;
		req.reportdata[i] = (uint8_t)v;
	}
	if (ioctl(fd, TDX_CMD_GET_REPORT0, &req)) {
		fprintf(stderr, "TDX_CMD_GET_REPORT0: %s\n", strerror(errno));
		return 1;
	}
	f = fopen(out, "w");
	if (!f || fwrite(req.tdreport, 1, sizeof(req.tdreport), f) != sizeof(req.tdreport))
		return 1;
	return fclose(f) != 0;
}

static int errno_of(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static void errnos(int fd)
{
	struct tdx_report_req req;
	/* a page whose second half is read-only: REPORTDATA readable, TDREPORT not writable */
	uint8_t *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(&req, 0, sizeof(req));
	printf("ok %d\n", errno_of(fd, TDX_CMD_GET_REPORT0, &req));
	printf("null_arg %d\n", errno_of(fd, TDX_CMD_GET_REPORT0, NULL));
	printf("unmapped_arg %d\n", errno_of(fd, TDX_CMD_GET_REPORT0, (void *)8));
	mprotect(pages + 4096, 4096, PROT_READ);
	printf("readonly_tdreport %d\n", errno_of(fd, TDX_CMD_GET_REPORT0, pages + 4096 - 64));
	printf("other_cmd %d\n", errno_of(fd, _IOWR('T', 2, struct tdx_report_req), &req));
	printf("snp_cmd_on_tdx %d\n", errno_of(fd, 0xc0205300, &req));
	munmap(pages, 8192);
}

int main(int argc, char **argv)
{
	int fd = open("/dev/tdx_guest", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "/dev/tdx_guest: %s\n", strerror(errno));
		return 1;
	}
	if (argc == 4 && !strcmp(argv[1], "report"))
		return report(fd, argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "errnos")) {
		errnos(fd);
		return 0;
	}
	fprintf(stderr, "usage: tdx-client report HEX OUT | errnos\n");
	return 2;
}
