/*
 * process.c — process-wide values the runtime keeps for WASI: the program's
 * arguments.  They live in the runtime core (not in main.c) so shared
 * libraries have them too; there they stay 0/NULL unless the host sets them.
 */
#include "internal.h"

int innative_argc;
char **innative_argv;
