/*
 * platform_posix.c — the operating-system services of internal.h on Linux:
 * address space (mmap/mprotect), the calling thread's stack
 * (pthread_getattr_np), the alternate signal stack, code lookup through the
 * unwinder's FDEs and dladdr, and whether a tracer is attached.
 * platform_win32.c is the Windows counterpart.
 */
#ifndef _WIN32
#include "internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *innative_vm_reserve(uint64_t size) {
  void *base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return base == MAP_FAILED ? NULL : base;
}

int innative_vm_commit(void *addr, uint64_t size) {
  /* Pages that have never been accessible are still the zero pages the
   * anonymous mapping started with. */
  return mprotect(addr, size, PROT_READ | PROT_WRITE) == 0;
}

void innative_vm_release(void *addr, uint64_t size) { munmap(addr, size); }

int innative_thread_stack(uintptr_t *low, uintptr_t *high) {
  pthread_attr_t attr;
  void *addr = NULL;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
  }
  if (addr == NULL || size == 0)
    return 0;
  *low = (uintptr_t)addr;
  *high = (uintptr_t)addr + size;
  return 1;
}

/* Alternate signal stack: room for the fault handler, which may format a
 * report (snprintf, dladdr) on the no-invoke exit path. */
#define ALTSTACK_SIZE (64u * 1024u)

/* Unless the thread already has a large enough one (Rust threads, for
 * instance, come with a small one). */
void innative_altstack_install(innative_thread_state *ts) {
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) &&
      cur.ss_size >= ALTSTACK_SIZE)
    return;
  void *mem = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    return; /* faults then run on the thread's own stack; overflow is fatal */
  stack_t ss = {.ss_sp = mem, .ss_flags = 0, .ss_size = ALTSTACK_SIZE};
  if (sigaltstack(&ss, NULL) != 0) {
    munmap(mem, ALTSTACK_SIZE);
    return;
  }
  ts->altstack = mem;
  ts->altstack_size = ALTSTACK_SIZE;
}

void innative_altstack_release(innative_thread_state *ts) {
  if (ts->altstack == NULL)
    return;
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == ts->altstack) {
    stack_t off = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
    sigaltstack(&off, NULL);
  }
  munmap(ts->altstack, ts->altstack_size);
  ts->altstack = NULL;
}

/* From libgcc's unwind-dw2-fde.h (not an installed header; the same
 * declaration is exported by libgcc_s and by LLVM's libunwind).  GCC 12
 * backs it with glibc's lock-free _dl_find_object. */
struct dwarf_eh_bases {
  void *tbase;
  void *dbase;
  void *func;
};
extern const void *_Unwind_Find_FDE(void *pc, struct dwarf_eh_bases *bases);

uintptr_t innative_unwind_function_start(uintptr_t pc) {
  struct dwarf_eh_bases bases = {0, 0, 0};
  if (_Unwind_Find_FDE((void *)pc, &bases) != NULL)
    return (uintptr_t)bases.func;
  return 0;
}

uintptr_t innative_symbol_start(uintptr_t pc) {
  Dl_info info;
  if (dladdr((void *)pc, &info) != 0 && info.dli_saddr != NULL)
    return (uintptr_t)info.dli_saddr;
  return 0;
}

/* /proc/self/status names the tracer's pid, 0 for none. */
int innative_debugger_attached(void) {
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
#endif
