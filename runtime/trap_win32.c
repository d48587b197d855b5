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
 * handler would abandon the system's exception dispatch frames, and after
 * a stack overflow the handler itself has only the last pages of the stack.
 * So the handler only saves the fault's CONTEXT in the thread's state,
 * points the thread at `recover` on the thread's recovery stack
 * (platform_win32.c) and returns EXCEPTION_CONTINUE_EXECUTION; `recover`
 * walks the wasm frames from the saved CONTEXT with the unwind tables
 * (RtlVirtualUnwind: a Win64 frame pointer need not point at the saved
 * one, so the frame-pointer walk of Linux does not apply) and longjmps
 * (without SEH unwinding, see internal.h) to the invoke frame.  With no
 * invoke on the thread it prints the report and the process exits with
 * INNATIVE_TRAP_EXIT_STATUS, as on Linux.
 */
#ifdef _WIN32
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602 /* GetCurrentThreadStackLimits: Windows 8 */
#endif
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

_Static_assert(sizeof(CONTEXT) <= sizeof(((innative_thread_state *)0)->fault_context),
               "innative_thread_state.fault_context holds a CONTEXT");

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

/* One step of the unwinder from *ctx to its caller (ctx->Rip becomes the
 * return address); 0 at the end of the stack or when lost.  Code with
 * unwind info (.pdata: the runtime, the C library) is unwound by
 * RtlVirtualUnwind.  Generated code may have none (innative marks its
 * functions nounwind, which on Win64 means no .pdata): a wasm function
 * keeps a frame pointer, and in frames of up to 128 bytes (the offset
 * LLVM's Win64 prologue gives rbp) rbp points at the saved rbp with the
 * return address above it, as on Linux; larger frames end the walk there.
 * Any other function without unwind info is a leaf: the return address is
 * at the stack pointer. */
static int unwind_one(CONTEXT *ctx) {
  DWORD64 image = 0;
  PRUNTIME_FUNCTION f = RtlLookupFunctionEntry(ctx->Rip, &image, NULL);
  ULONG_PTR low = 0, high = 0;
  GetCurrentThreadStackLimits(&low, &high);
  if (f == NULL && innative_in_wasm_code((uintptr_t)ctx->Rip, 1)) {
    uintptr_t fp = (uintptr_t)ctx->Rbp;
    if ((fp & 7) != 0 || fp < low || fp + 16 > high)
      return 0;
    const uintptr_t *frame = (const uintptr_t *)fp;
    if (frame[0] != 0 && frame[0] <= fp)
      return 0;
    ctx->Rip = frame[1];
    ctx->Rsp = fp + 16;
    ctx->Rbp = frame[0];
  } else if (f == NULL) {
    if ((ctx->Rsp & 7) != 0 || ctx->Rsp < low || ctx->Rsp + 8 > high)
      return 0;
    ctx->Rip = *(const DWORD64 *)(uintptr_t)ctx->Rsp;
    ctx->Rsp += 8;
  } else {
    void *handler_data = NULL;
    DWORD64 establisher = 0;
    RtlVirtualUnwind(UNW_FLAG_NHANDLER, image, ctx->Rip, f, ctx, &handler_data, &establisher,
                     NULL);
  }
  return ctx->Rip != 0;
}

/* frames[0] = pc, then the return address of each wasm frame above the
 * frame of *ctx (whose Rip is pc, or, for a fault in a leaf host function
 * called by wasm code, the function that faulted). */
static unsigned walk(CONTEXT *ctx, uintptr_t pc, uintptr_t *frames, int in_signal) {
  unsigned n = 0;
  frames[n++] = pc;
  for (int steps = 0; n < INNATIVE_BACKTRACE_MAX && steps < 4 * INNATIVE_BACKTRACE_MAX; steps++) {
    if (!unwind_one(ctx))
      break;
    uintptr_t ret = (uintptr_t)ctx->Rip;
    if (steps == 0 && ret == pc)
      continue; /* the leaf's return address, already frames[0] */
    if (!innative_in_wasm_code(ret - 1, in_signal))
      break;
    frames[n++] = ret;
  }
  return n;
}

/* For innative_trap / innative_trap_at (trap.c): `fp` is not used; the
 * walk starts from here and skips the runtime's frames up to the one that
 * returns to `pc`. */
unsigned innative_capture_frames(innative_thread_state *ts, uintptr_t pc, uintptr_t fp,
                                 uintptr_t *frames, int in_signal) {
  (void)ts, (void)fp;
  CONTEXT ctx;
  RtlCaptureContext(&ctx);
  for (int steps = 0; steps < 16 && (uintptr_t)ctx.Rip != pc; steps++)
    if (!unwind_one(&ctx))
      break;
  if ((uintptr_t)ctx.Rip != pc) {
    frames[0] = pc;
    return 1;
  }
  frames[0] = pc;
  unsigned n = 1;
  for (int steps = 0; n < INNATIVE_BACKTRACE_MAX && steps < 4 * INNATIVE_BACKTRACE_MAX; steps++) {
    if (!unwind_one(&ctx) || !innative_in_wasm_code((uintptr_t)ctx.Rip - 1, in_signal))
      break;
    frames[n++] = (uintptr_t)ctx.Rip;
  }
  return n;
}

/* Records the trap of the fault in ts->fault_context (trap_kind already
 * set): where it is reported and its wasm frames. */
static void record(innative_thread_state *ts, CONTEXT *ctx) {
  uintptr_t pc = (uintptr_t)ctx->Rip;
  int pc_is_return = 0;
  if (ts->trap_kind == INNATIVE_TRAP_MEMORY_OOB && !innative_in_wasm_code(pc, 1))
    pc_is_return = innative_caller_of_leaf(ts, (uintptr_t)ctx->Rsp, &pc);
  ts->trap_pc = pc;
  ts->trap_pc_is_return = pc_is_return;
  ts->trap_nframes = walk(ctx, pc, ts->trap_frames, 1);
}

/* Where a trapping thread resumes, on its recovery stack: records the
 * trap, then leaves for its innermost invoke frame, which formats the
 * report; with none, reports and ends the process. */
static __attribute__((noreturn, noinline)) void recover(innative_thread_state *ts) {
  record(ts, (CONTEXT *)ts->fault_context);
  innative_unwind_to_invoke(ts, ts->trap_kind);
  innative_format_trap_report(ts->report, sizeof ts->report, ts->trap_kind, ts->trap_frames,
                              ts->trap_nframes, ts->trap_pc_is_return, 1);
  innative_trap_uncaught(ts->report, 1);
}

/* A thread the runtime has no state for: reported from the handler. */
static __attribute__((noreturn, noinline)) void report_stateless(uint32_t kind, CONTEXT *ctx) {
  innative_thread_state tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.trap_kind = kind;
  record(&tmp, ctx);
  innative_format_trap_report(tmp.report, sizeof tmp.report, kind, tmp.trap_frames,
                              tmp.trap_nframes, tmp.trap_pc_is_return, 1);
  innative_trap_uncaught(tmp.report, 1);
}

/* Kept small: after EXCEPTION_STACK_OVERFLOW it runs on the last pages of
 * the thread's stack.  The work is done by `recover`, on the recovery
 * stack. */
static LONG CALLBACK on_exception(EXCEPTION_POINTERS *ep) {
  CONTEXT *ctx = ep->ContextRecord;
  innative_thread_state *ts = innative_thread_peek();
  uint32_t kind = classify(ep->ExceptionRecord, (uintptr_t)ctx->Rip, ts);
  if (kind == INNATIVE_TRAP_NONE)
    return EXCEPTION_CONTINUE_SEARCH;
  if (ts == NULL || ts->altstack == NULL)
    report_stateless(kind, ctx);
  ts->trap_kind = kind;
  memcpy(ts->fault_context, ctx, sizeof *ctx);
  /* Call recover(ts) as if from a `call`: at entry rsp is 8 mod 16, holds a
   * (null) return address, and the 32 bytes above it are the callee's home
   * space (Win64 ABI). */
  uintptr_t top = ((uintptr_t)ts->altstack + ts->altstack_size) & ~(uintptr_t)15;
  uintptr_t sp = top - 40;
  *(uintptr_t *)sp = 0;
  ctx->Rsp = (DWORD64)sp;
  ctx->Rcx = (DWORD64)(uintptr_t)ts;
  ctx->Rip = (DWORD64)(uintptr_t)&recover;
  return EXCEPTION_CONTINUE_EXECUTION;
}

static void install(void) {
  /* First in line: a trap must not reach handlers of the host first. */
  AddVectoredExceptionHandler(1, on_exception);
}

void innative_runtime_init(void) { pthread_once(&install_once, install); }
#endif
