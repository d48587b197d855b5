/*
 * trap_posix.c — the SIGSEGV/SIGBUS/SIGFPE/SIGILL handler that turns
 * hardware faults of wasm code into traps (Linux; trap_win32.c is the
 * Windows counterpart), and innative_runtime_init, which installs it.
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
#ifndef _WIN32
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

/* How far below the bottom of the stack a fault still counts as stack
 * exhaustion: covers the guard page(s) of spawned threads, the main thread's
 * stack guard gap, and a frame that skipped the entry check. */
#define STACK_FAULT_SLACK (1024u * 1024u)

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

/* The stack pointer at the fault. */
static uintptr_t fault_sp(const void *uctx) {
  const ucontext_t *uc = uctx;
#if defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#else
  (void)uc;
  return 0;
#endif
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
    if (!invoked && !innative_in_wasm_code(pc, 1))
      return INNATIVE_TRAP_NONE;
    if (si->si_code == FPE_INTDIV)
      return INNATIVE_TRAP_DIV_ZERO;
    if (si->si_code == FPE_INTOVF)
      return INNATIVE_TRAP_INT_OVERFLOW;
    return INNATIVE_TRAP_NONE;
  case SIGILL:
    return innative_in_wasm_code(pc, 1) ? INNATIVE_TRAP_UNREACHABLE : INNATIVE_TRAP_NONE;
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
  if (kind == INNATIVE_TRAP_MEMORY_OOB && !innative_in_wasm_code(pc, 1))
    pc_is_return = innative_caller_of_leaf(ts, fault_sp(uctx), &pc);
  uintptr_t frames[INNATIVE_BACKTRACE_MAX];
  unsigned n = innative_capture_frames(ts, pc, fault_fp(uctx), frames, 1);
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
  innative_trap_uncaught(report, 1);
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
#endif
