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
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_setup(int argc, char **argv);
/* --only sgx|sev|tdx, shared by check and setup (src/cli/check.c) */
int parse_only(const char *cmd, const char *arg, unsigned *only);
int cmd_kernel(int argc, char **argv);
int cmd_fleet(int argc, char **argv);

#endif
