/*
 * internal.h — declarations shared between the runtime's own files and never
 * seen by generated code or hosts (those use include/innative.h).
 *
 * Every runtime file includes this first: it turns on _GNU_SOURCE (for
 * pthread_getattr_np, REG_RIP, MAP_NORESERVE) before any system header.
 *
 * Platforms: Linux (POSIX signals, mmap, ELF) and Windows x86-64 with the
 * MinGW ABI (vectored exception handler, VirtualAlloc, PE).  What differs
 * lives in platform_posix.c / platform_win32.c (the services below),
 * trap_posix.c / trap_win32.c (turning faults into traps) and, for WASI,
 * wasi_win32.h / wasi_win32.c (POSIX file calls emulated on Win32); each of
 * those compiles to nothing on the other platform.  See WINDOWS.md.
 */
#ifndef INNATIVE_INTERNAL_H
#define INNATIVE_INTERNAL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#if defined(_WIN32) && !defined(_FILE_OFFSET_BITS)
#define _FILE_OFFSET_BITS 64 /* MinGW: a 64-bit off_t */
#endif

#include "include/innative.h"

#include <stdint.h>

#define INNATIVE_INTERNAL __attribute__((visibility("hidden")))

/* ---- trap.c ---------------------------------------------------------------
 * Raise a trap on behalf of the code at `pc`.  `pc_is_return` says whether
 * `pc` is a return address (the instruction *after* a call, so the call
 * itself is at pc - 1) or the address of the faulting instruction itself.
 * Runtime helpers called by generated code (memory_init, table_copy, ...)
 * pass their own __builtin_return_address(0) so the report names the wasm
 * function that called them, not the helper. */
INNATIVE_INTERNAL __attribute__((noreturn, cold)) void
innative_trap_at(uint32_t kind, void *pc, int pc_is_return);

/* Set by executables' main (main.c): a trap of a program run under a
 * debugger stops in the debugger, where the trap happened, before the
 * program unwinds and exits (see stop_for_debugger in trap.c). */
INNATIVE_INTERNAL extern int innative_traps_stop_debugger;

/* ---- invoke.c -------------------------------------------------------------
 * Per-thread state.  It lives on the heap behind a pthread key rather than in
 * __thread variables: pthread_getspecific never allocates, so the fault
 * handler can look at it safely even on a thread that never entered an
 * invoke, and the runtime needs no TLS (which matters for shared libraries
 * that hosts dlopen). */

#include <setjmp.h>

/* The jump an invoke frame is left by.  POSIX: sigsetjmp/siglongjmp, which
 * also restore the signal mask the fault handler blocked.  Windows: _setjmp
 * with a NULL frame, so that longjmp only restores registers and does not
 * unwind (SEH) the frames it abandons, which may have no unwind info. */
#ifdef _WIN32
typedef jmp_buf innative_jmp_buf;
#define innative_setjmp(buf) _setjmp((buf), NULL)
#define innative_longjmp(buf, value) longjmp((buf), (value))
#else
typedef sigjmp_buf innative_jmp_buf;
#define innative_setjmp(buf) sigsetjmp((buf), 1)
#define innative_longjmp(buf, value) siglongjmp((buf), (value))
#endif

/* One per active innative_invoke / innative_call0, on that call's C stack. */
typedef struct innative_invoke_frame {
  innative_jmp_buf buf;
  struct innative_invoke_frame *prev;
} innative_invoke_frame;

#define INNATIVE_REPORT_MAX 4096
/* Wasm frames kept for a trap's backtrace. */
#define INNATIVE_BACKTRACE_MAX 16

typedef struct innative_thread_state {
  /* Innermost active invoke frame (NULL: none on this thread). */
  innative_invoke_frame *top;
  /* This thread's usable stack is [stack_low, stack_high); `limit` is
   * stack_low plus a safety margin: the value innative_stack_limit should
   * hold while this thread runs wasm code. */
  uintptr_t stack_low, stack_high, limit;
  /* Link in the process-wide list of threads inside an outermost invoke. */
  struct innative_thread_state *next_active;
  /* The alternate signal stack this runtime installed (NULL: none); on
   * Windows, the stack a trap is recovered on (see trap_win32.c). */
  void *altstack;
  size_t altstack_size;
  /* The last trap raised on this thread and where it happened. */
  uint32_t trap_kind;
  uintptr_t trap_pc;
  int trap_pc_is_return;
  /* The wasm frames at the trap, innermost first: trap_frames[0] is trap_pc,
   * the others are return addresses. */
  uintptr_t trap_frames[INNATIVE_BACKTRACE_MAX];
  unsigned trap_nframes;
  /* Its report, formatted when an invoke catches it. */
  char report[INNATIVE_REPORT_MAX];
#ifdef _WIN32
  /* The CONTEXT of the fault being turned into a trap (trap_win32.c):
   * saved by the exception handler, read on the recovery stack. */
  unsigned char fault_context[1232] __attribute__((aligned(16)));
#endif
} innative_thread_state;

/* The calling thread's state, created on first use (NULL only when out of
 * memory).  Not for signal handlers. */
INNATIVE_INTERNAL innative_thread_state *innative_thread(void);
/* The calling thread's state if it has one, else NULL.  Signal-safe. */
INNATIVE_INTERNAL innative_thread_state *innative_thread_peek(void);

/* Jump to the innermost invoke frame of this thread, which then returns
 * `kind` (non-zero).  Returns only when the thread has no active invoke. */
INNATIVE_INTERNAL void innative_unwind_to_invoke(innative_thread_state *ts, uint32_t kind);

/* ---- trap.c: shared with the platform fault handlers ---------------------
 * innative_capture_frames walks the frame-pointer chain of wasm code from
 * `fp`: frames[0] = pc, then each return address in wasm code (at most
 * INNATIVE_BACKTRACE_MAX).  innative_in_wasm_code: `pc` is inside a
 * registered wasm function.  innative_caller_of_leaf: a fault at `*pc`
 * outside wasm code, with stack pointer `sp`, in a leaf host function (the
 * host strlen a builtin calls) whose return address at sp is in wasm code:
 * *pc becomes that return address and it returns 1.
 * innative_trap_uncaught prints the report and ends the process
 * (INNATIVE_TRAP_EXIT_STATUS); `in_signal`: from a fault handler. */
INNATIVE_INTERNAL unsigned innative_capture_frames(innative_thread_state *ts, uintptr_t pc,
                                                   uintptr_t fp, uintptr_t *frames,
                                                   int in_signal);
INNATIVE_INTERNAL int innative_in_wasm_code(uintptr_t pc, int in_signal);
INNATIVE_INTERNAL int innative_caller_of_leaf(const innative_thread_state *ts, uintptr_t sp,
                                              uintptr_t *pc);
INNATIVE_INTERNAL __attribute__((noreturn)) void innative_trap_uncaught(const char *report,
                                                                        int in_signal);

/* ---- platform_posix.c / platform_win32.c ----------------------------------
 * Address space: reserve `size` bytes with no access (NULL on failure),
 * make [addr, addr + size) of a reservation readable and writable (zero
 * pages; 1 on success), release a whole reservation. */
INNATIVE_INTERNAL void *innative_vm_reserve(uint64_t size);
INNATIVE_INTERNAL int innative_vm_commit(void *addr, uint64_t size);
INNATIVE_INTERNAL void innative_vm_release(void *addr, uint64_t size);
/* The calling thread's stack [*low, *high); 0 when unknown. */
INNATIVE_INTERNAL int innative_thread_stack(uintptr_t *low, uintptr_t *high);
/* Gives the calling thread the stack its fault handler (POSIX: the
 * sigaltstack) or trap recovery (Windows) runs on, unless it has one; and
 * frees it at thread exit (ts->altstack / altstack_size). */
INNATIVE_INTERNAL void innative_altstack_install(innative_thread_state *ts);
INNATIVE_INTERNAL void innative_altstack_release(innative_thread_state *ts);
/* Start address of the function containing `pc` according to the unwind
 * tables (POSIX: the FDE; Windows: .pdata), 0 when it has none.  Safe in a
 * fault handler. */
INNATIVE_INTERNAL uintptr_t innative_unwind_function_start(uintptr_t pc);
/* Start of the (dynamic) symbol containing `pc`, 0 when unknown. */
INNATIVE_INTERNAL uintptr_t innative_symbol_start(uintptr_t pc);
/* Whether a debugger is attached to the process. */
INNATIVE_INTERNAL int innative_debugger_attached(void);
#ifdef _WIN32
/* The program's arguments and environment in UTF-8 (what WASI promises),
 * from the wide-character ones the C runtime parsed; NULL when out of
 * memory.  main()'s argv and environ are in the ANSI code page. */
INNATIVE_INTERNAL char **innative_utf8_argv(int *argc);
INNATIVE_INTERNAL char **innative_utf8_environ(void);
#endif

/* ---- trap.c: reports ------------------------------------------------------
 * Formats "trap: <message> in function <name>" into `buf`, then one line per
 * wasm frame ("    at <name> (<file>:<line>)", the position when the code
 * has debug info).  frames[0] is the trap address (a return address when
 * `first_is_return`), the others return addresses.  In a signal handler
 * only names are looked up. */
INNATIVE_INTERNAL void innative_format_trap_report(char *buf, size_t len, uint32_t kind,
                                                   const uintptr_t *frames, unsigned nframes,
                                                   int first_is_return, int in_signal);

/* ---- lines.c ----------------------------------------------------------------
 * The source position of code address `pc` from the DWARF line table of the
 * object containing it; 1 when found.  Not for signal handlers. */
INNATIVE_INTERNAL int innative_source_position(uintptr_t pc, char *file, size_t file_len,
                                               unsigned *line);

/* ---- memory.c -------------------------------------------------------------
 * Is `addr` inside the reservation of a live linear memory?  Lock-free and
 * async-signal-safe: the fault handler calls it. */
INNATIVE_INTERNAL int innative_memory_contains(uintptr_t addr);
/* Record a reservation [base, base + len) (released by innative_memory_free);
 * 0 when the registry is full. */
INNATIVE_INTERNAL int innative_memory_register(uintptr_t base, uintptr_t len);

/* ---- modules.c ------------------------------------------------------------
 * Name of the wasm function whose code contains `pc` (the caller adjusts
 * return addresses).  Writes "func[N]" into `buf` when the module has no
 * name for it; returns NULL when `pc` is in no registered module.
 * `in_signal`: called from a signal handler (never blocks on the lock). */
INNATIVE_INTERNAL const char *innative_function_name_at(uintptr_t pc, char *buf,
                                                        size_t buf_len, int in_signal);

#endif
