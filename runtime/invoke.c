/*
 * invoke.c — running wasm code under a trap handler: innative_invoke /
 * innative_call0, the per-thread stack of setjmp frames they push, the
 * per-thread state (alternate signal stack, stack bounds, last trap), and the
 * global stack limit that generated code checks on function entry.
 *
 * The stack limit.  Generated code compares its frame address with the plain
 * global `innative_stack_limit` (a global rather than TLS keeps the check to
 * one load).  On the outermost invoke of a thread the limit becomes that
 * thread's stack bottom (innative_thread_stack: pthread_getattr_np, which is
 * right for the main thread's rlimit-sized stack and for spawned threads, or
 * GetCurrentThreadStackLimits on Windows) plus a margin left for
 * the trap path and host calls, and the previous value comes back when the
 * last outermost invoke returns.  When several threads run wasm code at once
 * the global holds the LOWEST of their limits: no thread ever trips a check
 * meant for another thread's stack; a thread whose own limit is higher loses
 * the early check, and its overflow is caught instead as a fault on the guard
 * page below its stack (see trap_posix.c, trap_win32.c).
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void *innative_stack_limit;

/* Stack kept free below the limit for the trap path and for host functions
 * called near the limit; smaller for tiny stacks. */
#define STACK_MARGIN (256u * 1024u)

static pthread_key_t state_key;
static pthread_once_t state_once = PTHREAD_ONCE_INIT;
static int key_ready; /* set (release) once state_key exists */

/* Threads inside an outermost invoke, and the limit to restore when none is. */
static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static innative_thread_state *active;
static void *limit_before;

static void set_global_limit_locked(void) {
  uintptr_t lowest = UINTPTR_MAX;
  for (innative_thread_state *t = active; t != NULL; t = t->next_active)
    if (t->limit < lowest)
      lowest = t->limit;
  void *value = active ? (void *)lowest : limit_before;
  __atomic_store_n(&innative_stack_limit, value, __ATOMIC_RELAXED);
}

static void activate(innative_thread_state *ts) {
  pthread_mutex_lock(&active_lock);
  if (active == NULL)
    limit_before = __atomic_load_n(&innative_stack_limit, __ATOMIC_RELAXED);
  ts->next_active = active;
  active = ts;
  set_global_limit_locked();
  pthread_mutex_unlock(&active_lock);
}

static void deactivate(innative_thread_state *ts) {
  pthread_mutex_lock(&active_lock);
  for (innative_thread_state **p = &active; *p != NULL; p = &(*p)->next_active) {
    if (*p == ts) {
      *p = ts->next_active;
      ts->next_active = NULL;
      set_global_limit_locked();
      break;
    }
  }
  pthread_mutex_unlock(&active_lock);
}

/* Thread exit: leave the active list (a thread can end inside an invoke
 * through pthread_exit), drop our alternate stack, free the state. */
static void destroy_state(void *p) {
  innative_thread_state *ts = p;
  deactivate(ts);
  innative_altstack_release(ts);
  free(ts);
}

static void make_key(void) {
  if (pthread_key_create(&state_key, destroy_state) == 0)
    __atomic_store_n(&key_ready, 1, __ATOMIC_RELEASE);
}

/* Where this thread's stack is, and the limit that follows. */
static void find_stack(innative_thread_state *ts) {
  uintptr_t low = 0, high = 0;
  if (!innative_thread_stack(&low, &high)) {
    /* Unknown stack: no limit (0 never trips the check); overflow is then
     * only caught if the fault lands somewhere recognizable. */
    ts->stack_low = ts->stack_high = ts->limit = 0;
    return;
  }
  size_t size = high - low;
  size_t margin = size >= 4 * STACK_MARGIN ? STACK_MARGIN : size / 4;
  ts->stack_low = low;
  ts->stack_high = high;
  ts->limit = ts->stack_low + margin;
}

innative_thread_state *innative_thread_peek(void) {
  /* Before the key exists no thread has state. */
  if (!__atomic_load_n(&key_ready, __ATOMIC_ACQUIRE))
    return NULL;
  return pthread_getspecific(state_key);
}

innative_thread_state *innative_thread(void) {
  pthread_once(&state_once, make_key);
  if (!__atomic_load_n(&key_ready, __ATOMIC_ACQUIRE))
    return NULL;
  innative_thread_state *ts = pthread_getspecific(state_key);
  if (ts != NULL)
    return ts;
  ts = calloc(1, sizeof *ts);
  if (ts == NULL)
    return NULL;
  find_stack(ts);
  innative_altstack_install(ts);
  if (pthread_setspecific(state_key, ts) != 0) {
    destroy_state(ts);
    return NULL;
  }
  return ts;
}

void innative_unwind_to_invoke(innative_thread_state *ts, uint32_t kind) {
  if (ts != NULL && ts->top != NULL)
    innative_longjmp(ts->top->buf, (int)kind);
}

/* The body of innative_invoke and innative_call0: exactly one of `fn`/`fn0`
 * is set.  noinline keeps the setjmp frame separate from callers that
 * might be inlined around it. */
static __attribute__((noinline)) int run(innative_invoker fn, uint64_t *slots,
                                         void (*fn0)(void)) {
  innative_runtime_init();
  innative_thread_state *ts = innative_thread();
  if (ts == NULL)
    return INNATIVE_TRAP_OUT_OF_MEMORY;

  /* Nothing below changes between setjmp and a longjmp back to it
   * except through memory (ts->...), so no local needs to be volatile. */
  innative_invoke_frame frame;
  frame.prev = ts->top;
  const int outermost = frame.prev == NULL;
  if (outermost && ts->limit != 0)
    activate(ts);
  ts->top = &frame;
  /* Exceptions do not cross into the host's frames (runtime/exceptions.c). */
  void *handlers = innative_exceptions_isolate();

  int kind = innative_setjmp(frame.buf);
  if (kind == 0) {
    if (fn != NULL)
      fn(slots);
    else
      fn0();
  } else {
#ifdef _WIN32
    /* A stack overflow exception consumed the stack's guard page: put it
     * back, or the next overflow would kill the process. */
    if (kind == INNATIVE_TRAP_STACK_EXHAUSTED)
      _resetstkoflw();
#endif
    innative_format_trap_report(ts->report, sizeof ts->report, ts->trap_kind, ts->trap_frames,
                                ts->trap_nframes, ts->trap_pc_is_return, 0);
  }

  innative_exceptions_restore(handlers);
  ts->top = frame.prev;
  if (outermost && ts->limit != 0)
    deactivate(ts);
  return kind;
}

int innative_invoke(innative_invoker fn, uint64_t *slots) { return run(fn, slots, NULL); }

int innative_call0(void (*fn)(void)) { return run(NULL, NULL, fn); }

const char *innative_last_trap_report(void) {
  innative_thread_state *ts = innative_thread_peek();
  return ts != NULL ? ts->report : "";
}
