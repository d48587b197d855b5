/*
 * modules.c — the registry of compiled modules known to the process, and
 * symbolization: which wasm function a native code address belongs to (for
 * trap reports and, later, backtraces).
 *
 * Descriptors give each function's start address but not its size.  The
 * exact answer comes from the unwind tables (innative_unwind_function_start:
 * on Linux _Unwind_Find_FDE of libgcc_s, which every cc-linked program and
 * the Rust runtime load anyway, returns the FDE covering pc, whose initial
 * location is the start of the function containing pc; on Windows
 * RtlLookupFunctionEntry reads .pdata the same way).  pc belongs to
 * a wasm function exactly when that start is one of the registered func_code
 * entries.  Code without unwind tables (a function marked nounwind without
 * uwtable) has no FDE; then pc is attributed to the defined function with the
 * greatest start <= pc, unless dladdr() (innative_symbol_start) knows a
 * dynamic symbol starting between the two (then pc is in some other,
 * non-wasm function).
 * Traps are rare, so the lookup is a plain scan.
 */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const innative_module **modules;
static size_t count, capacity;

void innative_register_module(const innative_module *m) {
  if (m == NULL)
    return;
  pthread_mutex_lock(&lock);
  size_t i = 0;
  while (i < count && modules[i] != m)
    i++;
  if (i == count) {
    if (count == capacity) {
      size_t cap = capacity ? capacity * 2 : 16;
      const innative_module **grown = realloc(modules, cap * sizeof *modules);
      if (grown != NULL) {
        modules = grown;
        capacity = cap;
      }
    }
    /* Out of memory only costs the module its names in trap reports. */
    if (count < capacity)
      modules[count++] = m;
  }
  pthread_mutex_unlock(&lock);
}

void innative_unregister_module(const innative_module *m) {
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < count; i++) {
    if (modules[i] == m) {
      modules[i] = modules[--count];
      break;
    }
  }
  pthread_mutex_unlock(&lock);
}

const char *innative_function_name_at(uintptr_t pc, char *buf, size_t buf_len,
                                      int in_signal) {
  /* The start of the function containing pc, when known. */
  uintptr_t start = innative_unwind_function_start(pc);

  const innative_module *best_m = NULL;
  uint32_t best_i = 0;
  uintptr_t best = 0;

  /* In a signal handler the lock may be held by the interrupted code: read
   * without it rather than deadlock.  That is a (tiny) race with a
   * concurrent registration, accepted because the handler only gets here to
   * classify a SIGILL/SIGFPE or to report a trap that is about to end the
   * process. */
  int locked = in_signal ? pthread_mutex_trylock(&lock) == 0
                         : pthread_mutex_lock(&lock) == 0;
  for (size_t k = 0; k < count && !(start != 0 && best_m != NULL); k++) {
    const innative_module *m = modules[k];
    if (m->func_code == NULL)
      continue;
    for (uint32_t i = 0; i < m->num_functions; i++) {
      uintptr_t code = (uintptr_t)m->func_code[i];
      if (code == 0)
        continue;
      if (start != 0 ? code == start : (code <= pc && code >= best)) {
        best = code;
        best_m = m;
        best_i = i;
        if (start != 0)
          break;
      }
    }
  }
  if (locked)
    pthread_mutex_unlock(&lock);
  if (best_m == NULL)
    return NULL;

  if (start == 0) {
    uintptr_t sym = innative_symbol_start(pc);
    if (sym > best && sym <= pc)
      return NULL;
  }

  const char *name = best_m->func_names ? best_m->func_names[best_i] : NULL;
  if (name != NULL)
    return name;
  snprintf(buf, buf_len, "func[%u]", best_i);
  return buf;
}
