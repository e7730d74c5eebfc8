/* placeholder until setup lands */
#include "cli/cli.h"
#include "cli/commands.h"
int cmd_setup(int argc, char **argv) { (void)argc; (void)argv; return EXIT_FAIL; }
