/*
 * trap.c — raising traps: innative_trap (called by generated code and host
 * functions), the SIGSEGV/SIGBUS/SIGFPE/SIGILL handler that turns hardware
 * faults of wasm code into traps, trap messages, and the one-line report
 * "trap: <message> in function <name>".
 *
 * A trap records its kind and code address in the thread's state and
 * siglongjmps to the innermost innative_invoke / innative_call0 (invoke.c),
 * which formats the report once back on a normal stack.  With no invoke
 * active on the thread the report goes to stderr and the process exits with
 * INNATIVE_TRAP_EXIT_STATUS.
 *
 * Which faults are traps:
 *   SIGSEGV/SIGBUS at an address inside a linear memory's reservation
 *       -> out of bounds memory access;
 *   SIGSEGV/SIGBUS in the stack of a thread inside an invoke, or up to
 *       1 MiB below it (guard pages / the stack guard gap) -> call stack
 *       exhausted (the generated entry check normally traps first; this
 *       catches frames that jump over it, and threads whose check is
 *       relaxed, see invoke.c);
 *   SIGFPE inside an invoke or in wasm code -> integer divide by zero
 *       (FPE_INTDIV) or integer overflow (FPE_INTOVF).  x86 reports
 *       INT_MIN / -1 as FPE_INTDIV too; generated code checks both cases
 *       explicitly, so only host code can get here that way;
 *   SIGILL in wasm code (ud2 from llvm.trap) -> unreachable.
 * Anything else is a genuine crash and is not swallowed: the previous
 * disposition is restored and the signal delivered again.
 */
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

/* How far below the bottom of the stack a fault still counts as stack
 * exhaustion: covers the guard page(s) of spawned threads, the main thread's
 * stack guard gap, and a frame that skipped the entry check. */
#define STACK_FAULT_SLACK (1024u * 1024u)

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
static __attribute__((noreturn)) void uncaught(const char *report, int in_signal) {
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

static int in_wasm_code(uintptr_t pc, int in_signal);

/* Walks the frame-pointer chain of wasm code from `fp` (generated code
 * always keeps frame pointers): frames[0] = pc, then each return address
 * that lands in wasm code.  Reads only the thread's own stack, so it is
 * safe in a signal handler. */
static unsigned capture_frames(innative_thread_state *ts, uintptr_t pc, uintptr_t fp,
                               uintptr_t *frames, int in_signal) {
  unsigned n = 0;
  frames[n++] = pc;
  uintptr_t low = ts != NULL ? ts->stack_low : 0, high = ts != NULL ? ts->stack_high : 0;
  while (n < INNATIVE_BACKTRACE_MAX && fp != 0 && (fp & 7) == 0 &&
         (high == 0 || (fp >= low && fp + 16 <= high))) {
    const uintptr_t *frame = (const uintptr_t *)fp;
    uintptr_t next = frame[0], ret = frame[1];
    if (!in_wasm_code(ret - 1, in_signal))
      break;
    frames[n++] = ret;
    if (next <= fp || next - fp > (64u << 20))
      break;
    fp = next;
  }
  return n;
}

static __attribute__((noreturn)) void raise_trap(uint32_t kind, uintptr_t pc, int pc_is_return,
                                                  uintptr_t fp) {
  /* 0 would make sigsetjmp look like it returned normally. */
  if (kind == INNATIVE_TRAP_NONE)
    kind = INNATIVE_TRAP_HOST;
  innative_thread_state *ts = innative_thread_peek();
  uintptr_t frames[INNATIVE_BACKTRACE_MAX];
  unsigned n = capture_frames(ts, pc, fp, frames, 0);
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
  uncaught(report, 0);
}

int innative_traps_stop_debugger;

/* Whether a debugger (or another tracer) is attached: /proc/self/status
 * names the tracer's pid, 0 for none. */
static int traced(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return 0;
  char line[256];
  long pid = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, "TracerPid:", 10) == 0) {
      pid = strtol(line + 10, NULL, 10);
      break;
    }
  }
  fclose(f);
  return pid > 0;
}

static void ignore_signal(int sig) { (void)sig; }

/* A program's trap, under a debugger: a native program stops there on its
 * SIGFPE or SIGABRT; so does this one, on a breakpoint trap, with the wasm
 * frames (and their variables) still on the stack: `bt` shows the trapping
 * source line one frame up.  The debugger does not pass SIGTRAP on, so
 * `continue` goes on to the report and the exit.  Hardware faults (out of
 * bounds accesses, ud2) reach the debugger as signals already. */
static inline __attribute__((always_inline)) void stop_for_debugger(uint32_t kind) {
  if (!innative_traps_stop_debugger || !traced())
    return;
  fflush(stdout);
  fprintf(stderr,
          "innative: trap: %s: stopped in the debugger (`up` selects the trapping frame, "
          "`continue` ends the program)\n",
          innative_trap_message((int)kind));
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

/* ---- signals ----------------------------------------------------------------- */

static const int handled[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
#define NHANDLED (sizeof handled / sizeof handled[0])
static struct sigaction previous[NHANDLED];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static uintptr_t fault_pc(const void *uctx) {
  const ucontext_t *uc = uctx;
#if defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  return (uintptr_t)uc->uc_mcontext.pc;
#else
  (void)uc;
  return 0;
#endif
}

/* A fault outside wasm code on linear memory: a host C library function
 * that a builtin calls (glibc's strlen on a string that runs off the end of
 * linear memory, src/lower/libc_strings.rs).  Those are leaves that push
 * nothing, so the word at the stack pointer is the return address into the
 * builtin: when it is in wasm code, the trap is reported at that call
 * (*pc becomes it; returns 1, "pc is a return address").  Otherwise 0. */
static int caller_of_leaf(const innative_thread_state *ts, const void *uctx, uintptr_t *pc) {
  const ucontext_t *uc = uctx;
#if defined(__x86_64__)
  uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#else
  (void)uc;
  uintptr_t sp = 0;
#endif
  if (ts == NULL || sp == 0 || (sp & 7) != 0 || sp < ts->stack_low || sp + 8 > ts->stack_high)
    return 0;
  uintptr_t ret = *(const uintptr_t *)sp;
  if (!in_wasm_code(ret - 1, 1))
    return 0;
  *pc = ret;
  return 1;
}

/* The frame pointer register at the fault (wasm code keeps one). */
static uintptr_t fault_fp(const void *uctx) {
  const ucontext_t *uc = uctx;
#if defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
#elif defined(__aarch64__)
  return (uintptr_t)uc->uc_mcontext.regs[29];
#else
  (void)uc;
  return 0;
#endif
}

static int in_wasm_code(uintptr_t pc, int in_signal) {
  char tmp[32];
  return pc != 0 && innative_function_name_at(pc, tmp, sizeof tmp, in_signal) != NULL;
}

/* The trap a fault stands for, or INNATIVE_TRAP_NONE for a genuine crash. */
static uint32_t classify(int sig, const siginfo_t *si, uintptr_t pc,
                         const innative_thread_state *ts) {
  if (si->si_code <= 0) /* sent by kill/raise/sigqueue, not a fault */
    return INNATIVE_TRAP_NONE;
  int invoked = ts != NULL && ts->top != NULL;
  switch (sig) {
  case SIGSEGV:
  case SIGBUS: {
    uintptr_t addr = (uintptr_t)si->si_addr;
    if (innative_memory_contains(addr))
      return INNATIVE_TRAP_MEMORY_OOB;
    /* Anything in the thread's stack range can only fault because the stack
     * ran out: the main thread's real bottom sits somewhat above what
     * pthread_getattr_np reports (it measures from __libc_stack_end, below
     * the environment strings), so do not insist on the exact bottom. */
    if (invoked && ts->stack_low != 0) {
      uintptr_t lowest = ts->stack_low > STACK_FAULT_SLACK ? ts->stack_low - STACK_FAULT_SLACK : 0;
      if (addr >= lowest && addr < ts->stack_high)
        return INNATIVE_TRAP_STACK_EXHAUSTED;
    }
    return INNATIVE_TRAP_NONE;
  }
  case SIGFPE:
    if (!invoked && !in_wasm_code(pc, 1))
      return INNATIVE_TRAP_NONE;
    if (si->si_code == FPE_INTDIV)
      return INNATIVE_TRAP_DIV_ZERO;
    if (si->si_code == FPE_INTOVF)
      return INNATIVE_TRAP_INT_OVERFLOW;
    return INNATIVE_TRAP_NONE;
  case SIGILL:
    return in_wasm_code(pc, 1) ? INNATIVE_TRAP_UNREACHABLE : INNATIVE_TRAP_NONE;
  default:
    return INNATIVE_TRAP_NONE;
  }
}

/* A crash that is not a trap goes to whatever handled the signal before us.
 * A handler function is called directly (that is how a second copy of the
 * runtime, e.g. in another shared library, passes faults of the first copy's
 * code along, and how e.g. Rust's stack-overflow reporter still sees its
 * faults).  For the default action (or "ignore", which the kernel overrides
 * for faults) the default is put back and the signal happens again: a fault
 * re-executes the faulting instruction when the handler returns; a signal
 * sent by someone is re-raised (it stays pending until we return, since the
 * handler blocks it). */
static void genuine_crash(int sig, siginfo_t *si, void *uctx) {
  for (size_t i = 0; i < NHANDLED; i++) {
    if (handled[i] != sig)
      continue;
    const struct sigaction *old = &previous[i];
    if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction != NULL) {
      old->sa_sigaction(sig, si, uctx);
      return;
    }
    if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
      old->sa_handler(sig);
      return;
    }
    signal(sig, SIG_DFL);
    if (si->si_code <= 0)
      raise(sig);
    return;
  }
}

static void on_signal(int sig, siginfo_t *si, void *uctx) {
  int saved_errno = errno;
  innative_thread_state *ts = innative_thread_peek();
  uintptr_t pc = fault_pc(uctx);
  uint32_t kind = classify(sig, si, pc, ts);
  if (kind == INNATIVE_TRAP_NONE) {
    genuine_crash(sig, si, uctx);
    errno = saved_errno;
    return;
  }
  int pc_is_return = 0;
  if (kind == INNATIVE_TRAP_MEMORY_OOB && !in_wasm_code(pc, 1))
    pc_is_return = caller_of_leaf(ts, uctx, &pc);
  uintptr_t frames[INNATIVE_BACKTRACE_MAX];
  unsigned n = capture_frames(ts, pc, fault_fp(uctx), frames, 1);
  if (ts != NULL) {
    ts->trap_kind = kind;
    ts->trap_pc = pc;
    ts->trap_pc_is_return = pc_is_return;
    memcpy(ts->trap_frames, frames, n * sizeof frames[0]);
    ts->trap_nframes = n;
    innative_unwind_to_invoke(ts, kind); /* siglongjmp restores the signal mask */
  }
  char report[INNATIVE_REPORT_MAX];
  innative_format_trap_report(report, sizeof report, kind, frames, n, pc_is_return, 1);
  uncaught(report, 1);
}

/* Once handlers (and, in invoke.c, per-thread destructors) point into this
 * code, the object holding the runtime must never be unmapped: a host that
 * dlclose()s a shared library with the runtime linked in would otherwise
 * leave signal handlers and thread-exit destructors pointing at nothing.
 * Re-opening ourselves with RTLD_NODELETE pins the object (for the main
 * program the lookup simply fails, and nothing needs pinning). */
static void pin_runtime_object(void) {
  Dl_info info;
  if (dladdr((void *)&pin_runtime_object, &info) != 0 && info.dli_fname != NULL)
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

static void install(void) {
  pin_runtime_object();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < NHANDLED; i++)
    sigaction(handled[i], &sa, &previous[i]);
}

void innative_runtime_init(void) { pthread_once(&install_once, install); }
