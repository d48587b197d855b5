/*
 * main.c — the entry point of executables, in its own archive
 * (libinnative_main.a) so that only executables get it, never shared
 * libraries.
 *
 * It keeps argc/argv for WASI, installs the trap handlers and runs the
 * generated innative_program_start (module inits, start functions, then
 * `_start`) under innative_call0.  A trap prints its one-line report to
 * stderr and exits with INNATIVE_TRAP_EXIT_STATUS; WASI proc_exit leaves
 * through exit() directly.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  innative_argc = argc;
  innative_argv = argv;
#ifdef _WIN32
  /* WASI arguments are UTF-8; argv is in the ANSI code page. */
  char **wide = innative_utf8_argv(&innative_argc);
  if (wide != NULL)
    innative_argv = wide;
  else
    innative_argc = argc;
#endif
  innative_runtime_init();
  innative_traps_stop_debugger = 1;
  if (innative_call0(innative_program_start) != INNATIVE_TRAP_NONE) {
    fflush(stdout);
    fprintf(stderr, "%s\n", innative_last_trap_report());
    exit(INNATIVE_TRAP_EXIT_STATUS);
  }
  return 0;
}
