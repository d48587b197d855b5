/*
 * trap_win32.c — the vectored exception handler that turns hardware faults
 * of wasm code into traps on Windows (trap_posix.c is the Linux
 * counterpart), and innative_runtime_init, which installs it.
 *
 * Which exceptions are traps (as on Linux):
 *   EXCEPTION_ACCESS_VIOLATION at an address inside a linear memory's
 *       reservation -> out of bounds memory access;
 *   EXCEPTION_ACCESS_VIOLATION in the stack of a thread inside an invoke
 *       (or up to 1 MiB below it), and EXCEPTION_STACK_OVERFLOW inside an
 *       invoke or in wasm code -> call stack exhausted (the generated entry
 *       check normally traps first);
 *   EXCEPTION_INT_DIVIDE_BY_ZERO / EXCEPTION_INT_OVERFLOW inside an invoke
 *       or in wasm code -> integer divide by zero / integer overflow
 *       (generated code checks both explicitly, so only host code gets
 *       here);
 *   EXCEPTION_ILLEGAL_INSTRUCTION in wasm code (ud2) -> unreachable.
 * Anything else is not ours: EXCEPTION_CONTINUE_SEARCH lets the next
 * handler (or the default crash) have it.
 *
 * Leaving for the invoke frame.  A longjmp straight out of a vectored
 * handler would abandon the system's exception dispatch frames, and the
 * faulting thread may have no stack left.  Instead the handler records the
 * trap, points the thread's context at `recover` running on the thread's
 * recovery stack (platform_win32.c) and returns
 * EXCEPTION_CONTINUE_EXECUTION; `recover` then longjmps (without SEH
 * unwinding, see internal.h) from an ordinary context.  With no invoke on
 * the thread the report is printed from the handler and the process exits
 * with INNATIVE_TRAP_EXIT_STATUS, as on Linux.
 */
#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

/* How far below the bottom of the stack a fault still counts as stack
 * exhaustion (a frame that skipped the entry check). */
#define STACK_FAULT_SLACK (1024u * 1024u)

static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* The trap an exception stands for, or INNATIVE_TRAP_NONE. */
static uint32_t classify(const EXCEPTION_RECORD *er, uintptr_t pc,
                         const innative_thread_state *ts) {
  int invoked = ts != NULL && ts->top != NULL;
  switch (er->ExceptionCode) {
  case EXCEPTION_ACCESS_VIOLATION:
  case EXCEPTION_IN_PAGE_ERROR: {
    if (er->NumberParameters < 2)
      return INNATIVE_TRAP_NONE;
    uintptr_t addr = (uintptr_t)er->ExceptionInformation[1];
    if (innative_memory_contains(addr))
      return INNATIVE_TRAP_MEMORY_OOB;
    if (invoked && ts->stack_low != 0) {
      uintptr_t lowest = ts->stack_low > STACK_FAULT_SLACK ? ts->stack_low - STACK_FAULT_SLACK : 0;
      if (addr >= lowest && addr < ts->stack_high)
        return INNATIVE_TRAP_STACK_EXHAUSTED;
    }
    return INNATIVE_TRAP_NONE;
  }
  case EXCEPTION_STACK_OVERFLOW:
    return invoked || innative_in_wasm_code(pc, 1) ? INNATIVE_TRAP_STACK_EXHAUSTED
                                                   : INNATIVE_TRAP_NONE;
  case EXCEPTION_INT_DIVIDE_BY_ZERO:
  case EXCEPTION_INT_OVERFLOW:
    if (!invoked && !innative_in_wasm_code(pc, 1))
      return INNATIVE_TRAP_NONE;
    return er->ExceptionCode == EXCEPTION_INT_DIVIDE_BY_ZERO ? INNATIVE_TRAP_DIV_ZERO
                                                             : INNATIVE_TRAP_INT_OVERFLOW;
  case EXCEPTION_ILLEGAL_INSTRUCTION:
    return innative_in_wasm_code(pc, 1) ? INNATIVE_TRAP_UNREACHABLE : INNATIVE_TRAP_NONE;
  default:
    return INNATIVE_TRAP_NONE;
  }
}

/* Where a trapping thread resumes: leaves for its innermost invoke frame,
 * which formats the report. */
static __attribute__((noreturn, noinline)) void recover(innative_thread_state *ts) {
  innative_unwind_to_invoke(ts, ts->trap_kind);
  abort(); /* unreachable: the handler only comes here with an invoke */
}

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *ep) {
  const EXCEPTION_RECORD *er = ep->ExceptionRecord;
  CONTEXT *ctx = ep->ContextRecord;
  innative_thread_state *ts = innative_thread_peek();
  uintptr_t pc = (uintptr_t)ctx->Rip;
  uint32_t kind = classify(er, pc, ts);
  if (kind == INNATIVE_TRAP_NONE)
    return EXCEPTION_CONTINUE_SEARCH;
  int pc_is_return = 0;
  if (kind == INNATIVE_TRAP_MEMORY_OOB && !innative_in_wasm_code(pc, 1))
    pc_is_return = innative_caller_of_leaf(ts, (uintptr_t)ctx->Rsp, &pc);
  uintptr_t frames[INNATIVE_BACKTRACE_MAX];
  unsigned n = innative_capture_frames(ts, pc, (uintptr_t)ctx->Rbp, frames, 1);
  if (ts != NULL && ts->top != NULL) {
    ts->trap_kind = kind;
    ts->trap_pc = pc;
    ts->trap_pc_is_return = pc_is_return;
    memcpy(ts->trap_frames, frames, n * sizeof frames[0]);
    ts->trap_nframes = n;
    /* Call recover(ts) as if from a `call`: at entry rsp is 8 mod 16, holds
     * a (null) return address, and the 32 bytes above it are the callee's
     * home space (Win64 ABI). */
    uintptr_t top = ts->altstack != NULL ? (uintptr_t)ts->altstack + ts->altstack_size
                                         : (uintptr_t)ctx->Rsp - 4096;
    top &= ~(uintptr_t)15;
    uintptr_t sp = top - 40;
    *(uintptr_t *)sp = 0;
    ctx->Rsp = (DWORD64)sp;
    ctx->Rcx = (DWORD64)(uintptr_t)ts;
    ctx->Rip = (DWORD64)(uintptr_t)&recover;
    return EXCEPTION_CONTINUE_EXECUTION;
  }
  char report[INNATIVE_REPORT_MAX];
  innative_format_trap_report(report, sizeof report, kind, frames, n, pc_is_return, 1);
  innative_trap_uncaught(report, 1);
}

static void install(void) {
  /* First in line: a trap must not reach handlers of the host first. */
  AddVectoredExceptionHandler(1, on_exception);
}

void innative_runtime_init(void) { pthread_once(&install_once, install); }
#endif
