/*
 * wasi.c — WASI preview 1: the guest's linear memory, arguments and
 * environment, random_get, proc_exit/proc_raise, sched_yield, and the socket
 * functions (ENOSYS).  The other WASI files are listed in wasi.h.
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
 * `innative run`).  The environment is the process's, minus
 * INNATIVE_WASI_DIRS (the runtime's own preopen variable, see
 * wasi_fdtable.c); both are snapshotted on first use so that the sizes the
 * guest allocates for stay right.
 */
#include "wasi.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

extern char **environ;

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

static string_list *get_environ(void) {
  if (!environ_list.ready) {
    environ_list.ready = 1;
    size_t n = 0;
    for (char **e = environ; e != NULL && *e != NULL; e++)
      n++;
    char **items = calloc(n + 1, sizeof *items);
    if (items != NULL) {
      uint32_t count = 0;
      for (size_t i = 0; i < n; i++) {
        char *entry = environ[i];
        if (strncmp(entry, PREOPEN_VAR, sizeof PREOPEN_VAR - 1) == 0)
          continue;
        items[count++] = entry;
        environ_list.bytes += strlen(entry) + 1;
      }
      environ_list.items = items;
      environ_list.count = count;
    }
  }
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

/* ---- sockets: not implemented -------------------------------------------- */

int32_t WASI_FN(sock_accept)(uint32_t fd, uint32_t flags, uint32_t fd_out) {
  (void)fd, (void)flags, (void)fd_out;
  return WASI_ENOSYS;
}

int32_t WASI_FN(sock_recv)(uint32_t fd, uint32_t ri_data, uint32_t ri_data_len, uint32_t ri_flags,
                           uint32_t ro_datalen_out, uint32_t ro_flags_out) {
  (void)fd, (void)ri_data, (void)ri_data_len, (void)ri_flags, (void)ro_datalen_out, (void)ro_flags_out;
  return WASI_ENOSYS;
}

int32_t WASI_FN(sock_send)(uint32_t fd, uint32_t si_data, uint32_t si_data_len, uint32_t si_flags,
                           uint32_t so_datalen_out) {
  (void)fd, (void)si_data, (void)si_data_len, (void)si_flags, (void)so_datalen_out;
  return WASI_ENOSYS;
}

int32_t WASI_FN(sock_shutdown)(uint32_t fd, uint32_t how) {
  (void)fd, (void)how;
  return WASI_ENOSYS;
}
