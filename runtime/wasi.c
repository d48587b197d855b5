/*
 * wasi.c — WASI preview 1: the guest's linear memory, arguments and
 * environment, random_get, proc_exit/proc_raise and sched_yield.  The other
 * WASI files are listed in wasi.h.
 *
 * Memory.  The generated innative_program_start calls
 * innative_wasi_set_memory with the main module's exported "memory" before
 * the modules are initialized; the struct's base and size are read on every
 * call, so memory.grow is seen (base never moves).  Every guest range is
 * checked against the current size: a bad pointer gives WASI_EFAULT, never a
 * fault in the runtime.
 *
 * Arguments are innative_argc/innative_argv as main() received them (argv[0]
 * is the program name: the executable's path, or the module path given to
 * `innative run`).  The environment is only what was asked for (see "the
 * guest's environment" below).  Both are snapshotted on first use so that
 * the sizes the guest allocates for stay right.
 */
#include "wasi.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#ifndef _WIN32 /* MinGW's stdlib.h declares environ; wasi_win32.h has getrandom */
#include <sys/random.h>

extern char **environ;
#endif

static innative_memory *memory;

void innative_wasi_set_memory(innative_memory *m) {
  memory = m;
  /* Open the preopened directories now, before the program runs, so that a
   * missing one is reported up front. */
  innative_wasi_init();
}

uint8_t *innative_wasi_ptr(uint32_t ptr, uint64_t len) {
  innative_memory *m = memory;
  if (m == NULL || m->base == NULL)
    return NULL;
  uint64_t size = __atomic_load_n(&m->size, __ATOMIC_RELAXED);
  if ((uint64_t)ptr + len > size)
    return NULL;
  return m->base + ptr;
}

/* ---- args and environ ---------------------------------------------------- */

typedef struct string_list {
  int ready;
  uint32_t count;
  char **items;
  uint64_t bytes; /* total size including each NUL */
} string_list;

static string_list args_list, environ_list;

static const char PREOPEN_VAR[] = "INNATIVE_WASI_DIRS=";

static string_list *get_args(void) {
  if (!args_list.ready) {
    args_list.ready = 1;
    if (innative_argv != NULL && innative_argc > 0) {
      args_list.count = (uint32_t)innative_argc;
      args_list.items = innative_argv;
      for (uint32_t i = 0; i < args_list.count; i++)
        args_list.bytes += strlen(args_list.items[i]) + 1;
    }
  }
  return &args_list;
}

/* ---- the guest's environment ----------------------------------------------
 *
 * Nothing of the host's environment reaches the guest unless asked for (the
 * model of `wasmtime run`): a program sees exactly
 *   1. the entries baked in by `innative compile/run --env`, in order: `K=V`
 *      sets K, a bare `K` passes the host's K through when it is set;
 *   2. then, when the executable was built with `--inherit-env` or the host
 *      variable INNATIVE_WASI_ENV is `*`, every other host variable; or, when
 *      INNATIVE_WASI_ENV is a ','-separated list of names, those of them the
 *      host has.
 * A name already given keeps its first value.  The runtime's own variables
 * (INNATIVE_WASI_DIRS, INNATIVE_WASI_ENV) are never inherited.
 */

/* Defined by the generated object (see src/lower/mod.rs); weak references
 * are NULL when the executable was built without --env / --inherit-env. */
extern const char *const innative_wasi_env[] __attribute__((weak));
extern const int innative_wasi_inherit_env __attribute__((weak));

static const char ENV_VAR[] = "INNATIVE_WASI_ENV";

static int is_runtime_variable(const char *entry) {
  size_t n = strcspn(entry, "=");
  return (n == sizeof ENV_VAR - 1 && strncmp(entry, ENV_VAR, n) == 0) ||
         (n == sizeof PREOPEN_VAR - 2 && strncmp(entry, PREOPEN_VAR, n) == 0);
}

/* The host's environment: environ, or on Windows a UTF-8 copy of it, as
 * WASI promises (environ is in the ANSI code page there). */
static char **host_environ(void) {
#ifdef _WIN32
  static char **utf8;
  if (utf8 == NULL)
    utf8 = innative_utf8_environ();
  return utf8;
#else
  return environ;
#endif
}

/* Whether `items` already defines the variable named by [name, name + len). */
static int has_name(char **items, uint32_t count, const char *name, size_t len) {
  for (uint32_t i = 0; i < count; i++)
    if (strncmp(items[i], name, len) == 0 && items[i][len] == '=')
      return 1;
  return 0;
}

/* Appends the host's entry for [name, name + len), when it has one. */
static void add_host_variable(char **items, uint32_t *count, const char *name, size_t len) {
  if (len == 0 || has_name(items, *count, name, len))
    return;
  for (char **e = host_environ(); e != NULL && *e != NULL; e++)
    if (strncmp(*e, name, len) == 0 && (*e)[len] == '=' && !is_runtime_variable(*e)) {
      items[(*count)++] = *e;
      return;
    }
}

static string_list *get_environ(void) {
  if (environ_list.ready)
    return &environ_list;
  environ_list.ready = 1;

  /* The empty asms keep the compiler from assuming the weak symbols exist. */
  const char *const *baked = innative_wasi_env;
  const int *inherit_flag = &innative_wasi_inherit_env;
  __asm__("" : "+r"(baked));
  __asm__("" : "+r"(inherit_flag));
  size_t capacity = 0;
  for (char **e = host_environ(); e != NULL && *e != NULL; e++)
    capacity++;
  for (const char *const *b = baked; b != NULL && *b != NULL; b++)
    capacity++;
  char **items = calloc(capacity + 1, sizeof *items);
  if (items == NULL)
    return &environ_list;
  uint32_t count = 0;
  for (const char *const *b = baked; b != NULL && *b != NULL; b++) {
    const char *eq = strchr(*b, '=');
    if (eq == NULL)
      add_host_variable(items, &count, *b, strlen(*b));
    else if (!has_name(items, count, *b, (size_t)(eq - *b)))
      items[count++] = (char *)*b;
  }
  const char *names = getenv(ENV_VAR);
  int inherit_all = (inherit_flag != NULL && *inherit_flag) || (names != NULL && strcmp(names, "*") == 0);
  if (inherit_all) {
    for (char **e = host_environ(); e != NULL && *e != NULL; e++)
      if (!is_runtime_variable(*e))
        add_host_variable(items, &count, *e, strcspn(*e, "="));
  } else {
    while (names != NULL && *names != '\0') {
      size_t len = strcspn(names, ",");
      add_host_variable(items, &count, names, len);
      names += len;
      if (*names == ',')
        names++;
    }
  }
  for (uint32_t i = 0; i < count; i++)
    environ_list.bytes += strlen(items[i]) + 1;
  environ_list.items = items;
  environ_list.count = count;
  return &environ_list;
}

static wasi_errno list_sizes(string_list *l, uint32_t count_out, uint32_t size_out) {
  uint8_t *c = innative_wasi_ptr(count_out, 4), *s = innative_wasi_ptr(size_out, 4);
  if (c == NULL || s == NULL)
    return WASI_EFAULT;
  if (l->bytes > UINT32_MAX)
    return WASI_EOVERFLOW;
  wasi_store32(c, l->count);
  wasi_store32(s, (uint32_t)l->bytes);
  return WASI_ESUCCESS;
}

static wasi_errno list_get(string_list *l, uint32_t ptrs, uint32_t buf) {
  uint8_t *p = innative_wasi_ptr(ptrs, (uint64_t)l->count * 4);
  uint8_t *b = innative_wasi_ptr(buf, l->bytes);
  if (p == NULL || b == NULL)
    return WASI_EFAULT;
  uint64_t off = 0;
  for (uint32_t i = 0; i < l->count; i++) {
    size_t len = strlen(l->items[i]) + 1;
    memcpy(b + off, l->items[i], len);
    wasi_store32(p + 4 * (uint64_t)i, (uint32_t)(buf + off));
    off += len;
  }
  return WASI_ESUCCESS;
}

int32_t WASI_FN(args_sizes_get)(uint32_t argc_out, uint32_t argv_buf_size_out) {
  return list_sizes(get_args(), argc_out, argv_buf_size_out);
}

int32_t WASI_FN(args_get)(uint32_t argv, uint32_t argv_buf) {
  return list_get(get_args(), argv, argv_buf);
}

int32_t WASI_FN(environ_sizes_get)(uint32_t count_out, uint32_t buf_size_out) {
  return list_sizes(get_environ(), count_out, buf_size_out);
}

int32_t WASI_FN(environ_get)(uint32_t env, uint32_t env_buf) {
  return list_get(get_environ(), env, env_buf);
}

/* ---- random, process, scheduling ----------------------------------------- */

int32_t WASI_FN(random_get)(uint32_t buf, uint32_t buf_len) {
  uint8_t *p = innative_wasi_ptr(buf, buf_len);
  if (p == NULL)
    return WASI_EFAULT;
  size_t done = 0;
  while (done < buf_len) {
    ssize_t n = getrandom(p + done, buf_len - done, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return innative_wasi_errno(errno);
    }
    done += (size_t)n;
  }
  return WASI_ESUCCESS;
}

void WASI_FN(proc_exit)(uint32_t code) {
  /* The guest's own buffers were flushed by its libc; exit() flushes the
   * host's stdio and runs atexit handlers.  The status is the guest's code,
   * truncated by the OS to 8 bits exactly as a native exit(code) is. */
  exit((int)code);
}

int32_t WASI_FN(proc_raise)(uint32_t sig) {
  (void)sig;
  return WASI_ENOSYS;
}

int32_t WASI_FN(sched_yield)(void) {
  sched_yield();
  return WASI_ESUCCESS;
}
