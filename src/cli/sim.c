/* SPDX-License-Identifier: MIT */
/*
 * teehost sim -- PROGRAM [ARGS]: run PROGRAM on the user-mode SGX machine. The machine is a
 * preload library (libteehost-sim.so) found beside this executable (build tree), in
 * ../lib/teehost/ (installed) or in ../lib/TRIPLET/teehost/ (installed with a multiarch
 * LIBDIR, as the Debian package is); TEEHOST_SIM_LIB overrides. Options reach it through the
 * environment, which children inherit, so programs PROGRAM executes stay simulated.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"

static void sim_help(void)
{
	printf("Usage: teehost sim [--epc SIZE] [--sgx1-only] [--strict] [--driver D] [--provision P]\n"
	       "                   [--common-lib L] -- PROGRAM [ARGS]\n\n"
	       "Run PROGRAM on a simulated SGX machine: /dev/sgx_enclave and /dev/sgx_provision,\n"
	       "the in-kernel SGX ioctls, the vDSO entry point and CPUID leaves 7 and 0x12 are\n"
	       "provided in user mode; enclave code runs natively and ENCLU is emulated.\n\n"
	       "Options:\n"
	       "  --epc SIZE     EPC size CPUID reports (bytes, or with K/M/G; default 64M)\n"
	       "  --sgx1-only    report and behave as SGX1 (no EDMM ioctls, EAUG or EACCEPT)\n"
	       "  --strict       enclave pages are inaccessible while no thread is inside\n"
	       "  --tcb LEVEL    attestation collateral puts the platform's TCB at up-to-date,\n"
	       "                 out-of-date or revoked (teehost attest collateral)\n"
	       "  --driver D     the driver to play: kernel (default), dcap (DCAP 1.30-1.36:\n"
	       "                 /dev/sgx/enclave, no vDSO) or isgx (/dev/isgx, no FLC: launch\n"
	       "                 tokens, Intel's launch-enclave signer)\n"
	       "  --provision P  who may open the provision node: allow (everyone), deny (no one)\n"
	       "                 or group:NAME (root and members of NAME; default group:sgx_prv)\n"
	       "  --common-lib L libsgx_enclave_common.so.1 for PROGRAM: auto (the system's if it\n"
	       "                 has one, else teehost's; default), teehost (always teehost's)\n"
	       "                 or system (leave the search path alone)\n"
	       "  --snp-guest    an SEV-SNP guest instead: /dev/sev-guest for any program\n"
	       "                 (teehost sim --snp-guest --help)\n"
	       "  --tdx-guest    a TDX guest: /dev/tdx_guest and quotes through configfs-tsm\n"
	       "                 (teehost sim --tdx-guest --help)\n"
	       "  -h, --help     this text\n");
}

static int parse_size(const char *s, unsigned long long *out)
{
	char buf[64], *suffix;
	unsigned long long mul = 1, v;
	size_t n = strlen(s);

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	suffix = buf + n - 1;
	switch (*suffix) {
	case 'k': case 'K': mul = 1ull << 10; break;
	case 'm': case 'M': mul = 1ull << 20; break;
	case 'g': case 'G': mul = 1ull << 30; break;
	default: suffix = NULL;
	}
	if (suffix)
		*suffix = 0;
	if (cli_parse_u64(buf, (1ull << 52) / mul, &v) || v * mul < 4096 || (v * mul) & 0xfff)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

/* Whether the dynamic linker finds libsgx_enclave_common.so.1 with this environment: asked of
 * the linker itself (dlopen in a child, so nothing of it stays in this process). */
static bool system_has_common_lib(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(dlopen("libsgx_enclave_common.so.1", RTLD_LAZY | RTLD_LOCAL) ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * Give PROGRAM teehost's libsgx_enclave_common.so.1: the directory beside the preload library
 * LIB that holds only that library and libsgx_dcap_ql.so.1 (sim-lib/), put first on
 * LD_LIBRARY_PATH.
 */
static int provide_common_lib(const char *lib)
{
	char dir[PATH_MAX], *slash, *v;
	const char *old = getenv("LD_LIBRARY_PATH");
	size_t n;

	snprintf(dir, sizeof(dir), "%s", lib);
	slash = strrchr(dir, '/');
	if (!slash)
		return -ENOENT;
	if (snprintf(slash, sizeof(dir) - (size_t)(slash - dir), "/sim-lib") >=
	    (int)(sizeof(dir) - (size_t)(slash - dir)))
		return -ENAMETOOLONG;
	{
		char so[PATH_MAX + 32];

		snprintf(so, sizeof(so), "%s/libsgx_enclave_common.so.1", dir);
		if (access(so, R_OK))
			return -errno;
	}
	n = strlen(dir) + (old ? strlen(old) : 0) + 2;
	v = malloc(n);
	if (!v)
		return -ENOMEM;
	snprintf(v, n, "%s%s%s", dir, old && *old ? ":" : "", old && *old ? old : "");
	setenv("LD_LIBRARY_PATH", v, 1);
	free(v);
	return 0;
}

static int find_lib(char *out, size_t n)
{
	const char *env = getenv("TEEHOST_SIM_LIB");
	char exe[PATH_MAX - 64], *slash;
	ssize_t len;

	if (env && *env) {
		if (access(env, R_OK))
			return -errno;
		snprintf(out, n, "%s", env);
		return 0;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0)
		return -errno;
	exe[len] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = 0;
	if (snprintf(out, n, "%s/libteehost-sim.so", exe) < (int)n && !access(out, R_OK))
		return 0;
	if (snprintf(out, n, "%s/../lib/teehost/libteehost-sim.so", exe) < (int)n &&
	    !access(out, R_OK))
		return 0;
#ifdef TEEHOST_MULTIARCH
	/* Paths stay relative to the executable (the tree can move); only the triplet is fixed. */
	if (snprintf(out, n, "%s/../lib/" TEEHOST_MULTIARCH "/teehost/libteehost-sim.so", exe) <
		    (int)n && !access(out, R_OK))
		return 0;
#endif
	return -ENOENT;
}

/*
 * A statically linked PROGRAM never loads the preload library: say so rather than let it find
 * no /dev/sgx_enclave. Returns 1 for a static ELF, 0 otherwise (dynamic, script, not found).
 */
static int is_static_elf(const char *prog)
{
	char path[PATH_MAX];
	const char *dirs = getenv("PATH");
	Elf64_Ehdr eh;
	int fd = -1, is_static = 0;

	if (strchr(prog, '/')) {
		fd = open(prog, O_RDONLY | O_CLOEXEC);
	} else {
		for (const char *d = dirs ? dirs : "/usr/bin:/bin"; d && *d && fd < 0;) {
			const char *end = strchr(d, ':');
			int len = end ? (int)(end - d) : (int)strlen(d);

			if (snprintf(path, sizeof(path), "%.*s/%s", len, d, prog) < (int)sizeof(path))
				fd = open(path, O_RDONLY | O_CLOEXEC);
			d = end ? end + 1 : NULL;
		}
	}
	if (fd < 0)
		return 0;
	if (read(fd, &eh, sizeof(eh)) == (ssize_t)sizeof(eh) && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof(Elf64_Phdr) &&
	    eh.e_phnum < 256) {
		is_static = 1;
		for (int i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;

			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
			    (ssize_t)sizeof(ph) || ph.p_type == PT_INTERP) {
				is_static = 0;
				break;
			}
		}
	}
	close(fd);
	return is_static;
}

/*
 * The provision node's group, looked up once here as udev does when it makes the node: the
 * program's stat of the node then costs no NSS lookup (about 0.3 ms through libnss_systemd).
 */
static void provision_group_env(void)
{
	const char *p = getenv("TEEHOST_SIM_PROVISION");
	struct group *g;
	char num[24] = "none";

	if (!p)
		p = "group:sgx_prv";
	if (strncmp(p, "group:", 6))
		return;
	g = getgrnam(p + 6);
	if (g)
		snprintf(num, sizeof(num), "%u", (unsigned)g->gr_gid);
	setenv("TEEHOST_SIM_PROVISION_GID", num, 1);
}

/* The environment the simulated program runs in: the simulator's library LIB first in
 * LD_PRELOAD, its EPC size. 0, or -ENOMEM. */
static int sim_env(const char *lib, unsigned long long epc)
{
	const char *old = getenv("LD_PRELOAD");
	char *preload, num[32];

	if (old && *old) {
		size_t n = strlen(lib) + strlen(old) + 2;

		preload = malloc(n);
		if (!preload)
			return -ENOMEM;
		snprintf(preload, n, "%s:%s", lib, old);
	} else {
		preload = strdup(lib);
		if (!preload)
			return -ENOMEM;
	}
	setenv("LD_PRELOAD", preload, 1);
	free(preload);
	snprintf(num, sizeof(num), "%llu", epc);
	setenv("TEEHOST_SIM_EPC", num, 1);
	/*
	 * A program built with AddressSanitizer: its runtime must not insist on coming first
	 * (the simulator's library does) nor take the fault signals the simulator owns.
	 */
	{
		static const char asan[] = "verify_asan_link_order=0:handle_segv=0:handle_sigill=0:"
					   "handle_sigbus=0:handle_sigfpe=0:allow_user_segv_handler=1";
		const char *o = getenv("ASAN_OPTIONS");
		size_t n = (o ? strlen(o) + 1 : 0) + sizeof(asan);
		char *v = malloc(n);

		if (!v)
			return -ENOMEM;
		snprintf(v, n, "%s%s%s", o ? o : "", o && *o ? ":" : "", asan);
		setenv("ASAN_OPTIONS", v, 1);
		free(v);
	}
	return 0;
}

int cmd_sim(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "epc", required_argument, NULL, 'e' },
		{ "sgx1-only", no_argument, NULL, '1' },
		{ "strict", no_argument, NULL, 's' },
		{ "driver", required_argument, NULL, 'd' },
		{ "provision", required_argument, NULL, 'p' },
		{ "common-lib", required_argument, NULL, 'c' },
		{ "tcb", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long epc = 64ull << 20;
	char lib[PATH_MAX];
	const char *common = "auto";
	int c;

	/* guest devices (SEV-SNP) have their own runner: src/cli/sim-guest.c */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--snp-guest"))
			return cmd_sim_guest(argc, argv);
		else if (!strcmp(argv[i], "--tdx-guest"))
			return cmd_sim_tdx(argc, argv);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (parse_size(optarg, &epc))
				return cli_usage_error("sim", "--epc: '%s' is not a size in whole pages "
						       "(e.g. 64M)", optarg);
			break;
		case '1':
			setenv("TEEHOST_SIM_SGX1", "1", 1);
			break;
		case 's':
			setenv("TEEHOST_SIM_STRICT", "1", 1);
			break;
		case 'd':
			if (strcmp(optarg, "kernel") && strcmp(optarg, "dcap") && strcmp(optarg, "isgx"))
				return cli_usage_error("sim", "--driver '%s': use kernel, dcap or isgx",
						       optarg);
			setenv("TEEHOST_SIM_DEVICE", optarg, 1);
			break;
		case 'p':
			if (strcmp(optarg, "allow") && strcmp(optarg, "deny") &&
			    (strncmp(optarg, "group:", 6) || !optarg[6]))
				return cli_usage_error("sim", "--provision '%s': use allow, deny or "
						       "group:NAME", optarg);
			setenv("TEEHOST_SIM_PROVISION", optarg, 1);
			break;
		case 'c':
			if (strcmp(optarg, "auto") && strcmp(optarg, "teehost") && strcmp(optarg, "system"))
				return cli_usage_error("sim", "--common-lib '%s': use auto, teehost or "
						       "system", optarg);
			common = optarg;
			break;
		case 't':       /* read by `teehost attest collateral|verify` (src/cli/attest.c) */
			if (strcmp(optarg, "up-to-date") && strcmp(optarg, "out-of-date") &&
			    strcmp(optarg, "revoked"))
				return cli_usage_error("sim", "--tcb '%s': use up-to-date, out-of-date "
						       "or revoked", optarg);
			setenv("TEEHOST_SIM_TCB", optarg, 1);
			break;
		case 'h':
			sim_help();
			return EXIT_OK;
		default:
			return cli_usage_error("sim", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("sim", "no PROGRAM to run (teehost sim -- PROGRAM [ARGS])");
	if (is_static_elf(argv[optind]))
		return cli_error(argv[optind], "statically linked: the simulator is a preload library "
				 "and needs a dynamically linked program");
	if (find_lib(lib, sizeof(lib)))
		return cli_error("libteehost-sim.so", "not found beside the teehost executable nor "
				 "in ../lib/teehost/ or ../lib/TRIPLET/teehost/ (set TEEHOST_SIM_LIB "
				 "to its path)");
	if (!strcmp(common, "teehost") || (!strcmp(common, "auto") && !system_has_common_lib())) {
		int r = provide_common_lib(lib);

		if (r && !strcmp(common, "teehost"))
			return cli_error("sim-lib/libsgx_enclave_common.so.1", "not found beside %s: %s",
					 lib, strerror(-r));
	}
	if (sim_env(lib, epc))
		return cli_error("sim", "out of memory");
	provision_group_env();
	execvp(argv[optind], argv + optind);
	return cli_error(argv[optind], "cannot execute: %s", strerror(errno));
}
