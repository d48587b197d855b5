/*
 * trap.c — raising traps: innative_trap (called by generated code and host
 * functions), trap messages, the one-line report "trap: <message> in
 * function <name>", and what the platform fault handlers share (the frame
 * walk, "is this wasm code", the uncaught-trap exit).  The handlers that
 * turn hardware faults of wasm code into traps are trap_posix.c
 * (SIGSEGV/SIGBUS/SIGFPE/SIGILL) and trap_win32.c (a vectored exception
 * handler).
 *
 * A trap records its kind and code address in the thread's state and
 * longjmps to the innermost innative_invoke / innative_call0 (invoke.c),
 * which formats the report once back on a normal stack.  With no invoke
 * active on the thread the report goes to stderr and the process exits with
 * INNATIVE_TRAP_EXIT_STATUS.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef _WIN32
#include <signal.h>
#endif

const char *innative_trap_message(int kind) {
  switch (kind) {
  case INNATIVE_TRAP_NONE: return "no trap";
  case INNATIVE_TRAP_UNREACHABLE: return "unreachable";
  case INNATIVE_TRAP_MEMORY_OOB: return "out of bounds memory access";
  case INNATIVE_TRAP_TABLE_OOB: return "out of bounds table access";
  case INNATIVE_TRAP_UNDEFINED_ELEMENT: return "undefined element";
  case INNATIVE_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
  case INNATIVE_TRAP_INDIRECT_TYPE: return "indirect call type mismatch";
  case INNATIVE_TRAP_DIV_ZERO: return "integer divide by zero";
  case INNATIVE_TRAP_INT_OVERFLOW: return "integer overflow";
  case INNATIVE_TRAP_BAD_CONVERSION: return "invalid conversion to integer";
  case INNATIVE_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
  case INNATIVE_TRAP_HOST: return "host function trapped";
  case INNATIVE_TRAP_NULL_REFERENCE: return "null reference";
  case INNATIVE_TRAP_OUT_OF_MEMORY: return "out of memory";
  case INNATIVE_TRAP_NULL_FUNC_REFERENCE: return "null function reference";
  case INNATIVE_TRAP_NULL_EXN_REFERENCE: return "null exception reference";
  case INNATIVE_TRAP_EXCEPTION: return "uncaught exception";
  default: return "unknown trap";
  }
}

void innative_format_trap_report(char *buf, size_t len, uint32_t kind, const uintptr_t *frames,
                                 unsigned nframes, int first_is_return, int in_signal) {
  size_t used = 0;
  for (unsigned i = 0; i < nframes || i == 0; i++) {
    uintptr_t pc = i < nframes ? frames[i] : 0;
    /* A return address points after the call, which may already be the
     * next function when the call (to a noreturn function) ends its caller. */
    uintptr_t at = (i > 0 || first_is_return) && pc != 0 ? pc - 1 : pc;
    char tmp[32];
    const char *name = at != 0 ? innative_function_name_at(at, tmp, sizeof tmp, in_signal) : NULL;
    if (name == NULL)
      name = "<unknown>";
    int n;
    if (i == 0 && kind == INNATIVE_TRAP_EXCEPTION && innative_uncaught_tag() != NULL)
      n = snprintf(buf, len, "trap: %s (tag %s) in function %s",
                   innative_trap_message((int)kind), innative_uncaught_tag(), name);
    else if (i == 0)
      n = snprintf(buf, len, "trap: %s in function %s", innative_trap_message((int)kind), name);
    else
      n = 0;
    if (n > 0)
      used += (size_t)n < len - used ? (size_t)n : len - used - 1;
    if (nframes <= 1 && i == 0)
      break;
    char file[512];
    unsigned line = 0;
    int known = !in_signal && at != 0 && innative_source_position(at, file, sizeof file, &line);
    if (used + 1 >= len)
      break;
    n = known ? snprintf(buf + used, len - used, "\n    at %s (%s:%u)", name, file, line)
              : snprintf(buf + used, len - used, "\n    at %s", name);
    if (n < 0)
      break;
    used += (size_t)n < len - used ? (size_t)n : len - used - 1;
  }
}

/* Report a trap nobody catches and end the process.  exit() outside a signal
 * handler (stdio flushed, atexit run); from a handler only stdout is flushed
 * (not async-signal-safe, but losing the program's output is worse and the
 * process is ending) before _exit. */
void innative_trap_uncaught(const char *report, int in_signal) {
  fflush(stdout);
  if (!in_signal) {
    fprintf(stderr, "%s\n", report);
    exit(INNATIVE_TRAP_EXIT_STATUS);
  }
  size_t n = strlen(report);
  while (n > 0) {
    ssize_t w = write(STDERR_FILENO, report, n);
    if (w <= 0)
      break;
    report += w;
    n -= (size_t)w;
  }
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(INNATIVE_TRAP_EXIT_STATUS);
}

#ifndef _WIN32
/* Walks the frame-pointer chain of wasm code from `fp` (generated code
 * always keeps frame pointers): frames[0] = pc, then each return address
 * that lands in wasm code.  Reads only the thread's own stack, so it is
 * safe in a signal handler.  (Windows: trap_win32.c walks the unwind
 * tables instead, since a Win64 frame pointer need not point at the saved
 * one.) */
unsigned innative_capture_frames(innative_thread_state *ts, uintptr_t pc, uintptr_t fp,
                                 uintptr_t *frames, int in_signal) {
  unsigned n = 0;
  frames[n++] = pc;
  uintptr_t low = ts != NULL ? ts->stack_low : 0, high = ts != NULL ? ts->stack_high : 0;
  while (n < INNATIVE_BACKTRACE_MAX && fp != 0 && (fp & 7) == 0 &&
         (high == 0 || (fp >= low && fp + 16 <= high))) {
    const uintptr_t *frame = (const uintptr_t *)fp;
    uintptr_t next = frame[0], ret = frame[1];
    if (!innative_in_wasm_code(ret - 1, in_signal))
      break;
    frames[n++] = ret;
    if (next <= fp || next - fp > (64u << 20))
      break;
    fp = next;
  }
  return n;
}
#endif

static __attribute__((noreturn)) void raise_trap(uint32_t kind, uintptr_t pc, int pc_is_return,
                                                  uintptr_t fp) {
  /* 0 would make setjmp look like it returned normally. */
  if (kind == INNATIVE_TRAP_NONE)
    kind = INNATIVE_TRAP_HOST;
  innative_thread_state *ts = innative_thread_peek();
  uintptr_t frames[INNATIVE_BACKTRACE_MAX];
  unsigned n = innative_capture_frames(ts, pc, fp, frames, 0);
  if (ts != NULL) {
    ts->trap_kind = kind;
    ts->trap_pc = pc;
    ts->trap_pc_is_return = pc_is_return;
    memcpy(ts->trap_frames, frames, n * sizeof frames[0]);
    ts->trap_nframes = n;
    innative_unwind_to_invoke(ts, kind);
  }
  char report[INNATIVE_REPORT_MAX];
  innative_format_trap_report(report, sizeof report, kind, frames, n, pc_is_return, 0);
  innative_trap_uncaught(report, 0);
}

int innative_traps_stop_debugger;

#ifndef _WIN32
static void ignore_signal(int sig) { (void)sig; }
#endif

/* A program's trap, under a debugger: a native program stops there on its
 * SIGFPE or SIGABRT; so does this one, on a breakpoint trap, with the wasm
 * frames (and their variables) still on the stack: `bt` shows the trapping
 * source line one frame up.  The debugger does not pass SIGTRAP on, so
 * `continue` goes on to the report and the exit.  Hardware faults (out of
 * bounds accesses, ud2) reach the debugger as signals already. */
static inline __attribute__((always_inline)) void stop_for_debugger(uint32_t kind) {
  if (!innative_traps_stop_debugger || !innative_debugger_attached())
    return;
  fflush(stdout);
  fprintf(stderr,
          "innative: trap: %s: stopped in the debugger (`up` selects the trapping frame, "
          "`continue` ends the program)\n",
          innative_trap_message((int)kind));
#ifdef _WIN32
  /* The debugger handles the breakpoint exception; `continue` goes on. */
  __asm__ volatile("int3");
#else
  /* A tracer that passes signals on (strace) delivers the SIGTRAP: a no-op
   * handler for the moment keeps that from ending the program. */
  struct sigaction ignore, saved;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = ignore_signal;
  sigemptyset(&ignore.sa_mask);
  int restore = sigaction(SIGTRAP, &ignore, &saved) == 0;
#if defined(__x86_64__)
  __asm__ volatile("int3");
#elif defined(__aarch64__)
  __asm__ volatile("brk #0xf000");
#else
  raise(SIGTRAP);
#endif
  if (restore)
    sigaction(SIGTRAP, &saved, NULL);
#endif
}

void innative_trap_at(uint32_t kind, void *pc, int pc_is_return) {
  stop_for_debugger(kind);
  raise_trap(kind, (uintptr_t)pc, pc_is_return, 0);
}

void innative_trap(uint32_t kind) {
  stop_for_debugger(kind);
  /* This function's frame holds the frame pointer of its wasm caller. */
  const uintptr_t *self = __builtin_frame_address(0);
  raise_trap(kind, (uintptr_t)__builtin_return_address(0), 1, self[0]);
}

int innative_in_wasm_code(uintptr_t pc, int in_signal) {
  char tmp[32];
  return pc != 0 && innative_function_name_at(pc, tmp, sizeof tmp, in_signal) != NULL;
}

/* A fault outside wasm code on linear memory: a host C library function
 * that a builtin calls (the C library's strlen on a string that runs off the
 * end of linear memory, src/lower/libc_strings.rs).  Those are leaves that
 * push nothing, so the word at the stack pointer is the return address into
 * the builtin: when it is in wasm code, the trap is reported at that call
 * (*pc becomes it; returns 1, "pc is a return address").  Otherwise 0. */
int innative_caller_of_leaf(const innative_thread_state *ts, uintptr_t sp, uintptr_t *pc) {
  if (ts == NULL || sp == 0 || (sp & 7) != 0 || sp < ts->stack_low || sp + 8 > ts->stack_high)
    return 0;
  uintptr_t ret = *(const uintptr_t *)sp;
  if (!innative_in_wasm_code(ret - 1, 1))
    return 0;
  *pc = ret;
  return 1;
}
