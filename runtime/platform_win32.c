/*
 * platform_win32.c — the operating-system services of internal.h on
 * Windows: address space (VirtualAlloc MEM_RESERVE / MEM_COMMIT), the
 * calling thread's stack (GetCurrentThreadStackLimits), the stack traps are
 * recovered on, code lookup through .pdata (RtlLookupFunctionEntry), and
 * IsDebuggerPresent.  platform_posix.c is the Linux counterpart.
 */
#ifdef _WIN32
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0602 /* GetCurrentThreadStackLimits: Windows 8 */
#endif
#define WIN32_LEAN_AND_MEAN
#include "internal.h"

#include <stdlib.h>
#include <windows.h>

void *innative_vm_reserve(uint64_t size) {
  return VirtualAlloc(NULL, (SIZE_T)size, MEM_RESERVE, PAGE_NOACCESS);
}

int innative_vm_commit(void *addr, uint64_t size) {
  /* Committed pages start zeroed. */
  return VirtualAlloc(addr, (SIZE_T)size, MEM_COMMIT, PAGE_READWRITE) != NULL;
}

void innative_vm_release(void *addr, uint64_t size) {
  (void)size; /* MEM_RELEASE frees the whole reservation */
  VirtualFree(addr, 0, MEM_RELEASE);
}

int innative_thread_stack(uintptr_t *low, uintptr_t *high) {
  ULONG_PTR lo = 0, hi = 0;
  /* The whole reservation: its lowest pages are the guard the system keeps
   * for EXCEPTION_STACK_OVERFLOW, which invoke.c's margin stays above. */
  GetCurrentThreadStackLimits(&lo, &hi);
  if (lo == 0 || hi <= lo)
    return 0;
  *low = (uintptr_t)lo;
  *high = (uintptr_t)hi;
  return 1;
}

/* trap_win32.c resumes a faulting thread on this stack to leave for its
 * invoke frame: after EXCEPTION_STACK_OVERFLOW the thread's own stack has
 * only the few pages the system set aside for the handler. */
#define RECOVERY_STACK_SIZE (64u * 1024u)

void innative_altstack_install(innative_thread_state *ts) {
  void *mem = VirtualAlloc(NULL, RECOVERY_STACK_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  if (mem == NULL)
    return; /* traps then recover on the faulting stack itself */
  ts->altstack = mem;
  ts->altstack_size = RECOVERY_STACK_SIZE;
}

void innative_altstack_release(innative_thread_state *ts) {
  if (ts->altstack != NULL)
    VirtualFree(ts->altstack, 0, MEM_RELEASE);
  ts->altstack = NULL;
}

uintptr_t innative_unwind_function_start(uintptr_t pc) {
  DWORD64 image = 0;
  PRUNTIME_FUNCTION f = RtlLookupFunctionEntry((DWORD64)pc, &image, NULL);
  if (f == NULL)
    return 0;
  /* A chained entry (part of a function split in pieces) ends with the
   * entry of the previous piece: follow the chain to the function's start.
   * UNWIND_INFO: version:3 flags:5, prolog size, code count, frame register,
   * then the codes (2 bytes each, padded to an even count). */
  for (int depth = 0; depth < 32; depth++) {
    const uint8_t *info = (const uint8_t *)(image + (f->UnwindData & ~(DWORD)1));
    if (!((info[0] >> 3) & UNW_FLAG_CHAININFO))
      break;
    unsigned codes = (info[2] + 1u) & ~1u;
    f = (PRUNTIME_FUNCTION)(info + 4 + 2 * codes);
  }
  return (uintptr_t)(image + f->BeginAddress);
}

/* Windows has no dladdr: the .pdata lookup above already tells whether pc
 * is in a function with unwind info, and generated code always has it. */
uintptr_t innative_symbol_start(uintptr_t pc) {
  (void)pc;
  return 0;
}

int innative_debugger_attached(void) { return IsDebuggerPresent(); }

static char *utf8(const wchar_t *w) {
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  char *s = n > 0 ? malloc((size_t)n) : NULL;
  if (s != NULL)
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
  return s;
}

/* msvcrt's parse of the command line into wide arguments (the same rules
 * as main()'s argv). */
extern int __wgetmainargs(int *argc, wchar_t ***argv, wchar_t ***env, int glob, void *startinfo);

char **innative_utf8_argv(int *argc) {
  int n = 0;
  wchar_t **wargv = NULL, **wenv = NULL;
  int startinfo = 0;
  if (__wgetmainargs(&n, &wargv, &wenv, 0, &startinfo) < 0 || wargv == NULL)
    return NULL;
  char **argv = calloc((size_t)n + 1, sizeof *argv);
  for (int i = 0; argv != NULL && i < n; i++)
    if ((argv[i] = utf8(wargv[i])) == NULL)
      return NULL;
  *argc = n;
  return argv;
}

char **innative_utf8_environ(void) {
  wchar_t *block = GetEnvironmentStringsW();
  if (block == NULL)
    return NULL;
  size_t count = 0;
  for (const wchar_t *p = block; *p; p += wcslen(p) + 1)
    count++;
  char **env = calloc(count + 1, sizeof *env);
  size_t k = 0;
  for (const wchar_t *p = block; env != NULL && *p; p += wcslen(p) + 1)
    if (*p != L'=') /* "=C:=C:\dir": the per-drive directories cmd keeps */
      env[k++] = utf8(p);
  FreeEnvironmentStringsW(block);
  return env;
}
#endif
