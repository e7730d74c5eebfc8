/* SPDX-License-Identifier: MIT */
/* One function per subcommand, each in src/cli/<name>.c; the table is in main.c. */
#ifndef TEEHOST_CLI_COMMANDS_H
#define TEEHOST_CLI_COMMANDS_H

int cmd_version(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_sim_guest(int argc, char **argv);   /* sim --snp-guest: src/cli/sim-guest.c */
int cmd_sim_tdx(int argc, char **argv);     /* sim --tdx-guest: src/cli/sim-tdx.c */
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_setup(int argc, char **argv);
/* --only sgx|sev|tdx, shared by check and setup (src/cli/check.c) */
int parse_only(const char *cmd, const char *arg, unsigned *only);
int cmd_kernel(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_attest(int argc, char **argv);
/* teehost show on a DCAP quote (src/cli/attest.c) */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
int show_quote(const char *path, const uint8_t *data, size_t size, bool json);
struct th_quote;
/* the SHA-256 key fingerprint and OU of the root certificate a quote carries */
void quote_root_id(const struct th_quote *q, char fp[97], char ou[128]);
int cmd_kernel_series(int argc, char **argv);	/* src/cli/kernel_series.c */
/* teehost show on a TDREPORT or an SEV-SNP report (src/cli/show_tee.c): 1 when it was one */
int show_tee(const char *path, const uint8_t *data, size_t size, bool json, int *ret);
struct json_writer;
struct tdx_field;
void show_tdx_fields(struct json_writer *w, const uint8_t *base, const struct tdx_field *f,
		     size_t n, const char *prefix);

#endif
