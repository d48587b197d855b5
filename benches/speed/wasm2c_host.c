/*
 * wasm2c_host.c — what a program translated by wasm2c (wabt 1.0.32) needs to
 * run as a native executable in the speed benchmark: main(), which
 * instantiates the module `prog` and calls its `_start`, and the WASI
 * preview 1 calls that the benchmark programs make (arguments, stdio,
 * clocks, random, exit).  Anything else returns ENOSYS: the programs only
 * compute and print.  wabt ships no WASI implementation for wasm2c, so this
 * small one is ours; it is only for benchmarking, not a general runtime.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "prog.h"

struct Z_wasi_snapshot_preview1_instance_t {
  wasm_rt_memory_t *memory;
};

static wasm_rt_memory_t *memory;
static int host_argc;
static char **host_argv;

#define ENOSYS_WASI 52u
#define EBADF_WASI 8u
#define MEM(p) (memory->data + (uint32_t)(p))

static void store32(uint32_t p, uint32_t v) { memcpy(MEM(p), &v, 4); }
static void store64(uint32_t p, uint64_t v) { memcpy(MEM(p), &v, 8); }
static uint32_t load32(uint32_t p) { uint32_t v; memcpy(&v, MEM(p), 4); return v; }

typedef struct Z_wasi_snapshot_preview1_instance_t wasi;

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(wasi *w, u32 argc_out, u32 size_out) {
  (void)w;
  uint32_t size = 0;
  for (int i = 0; i < host_argc; i++) size += (uint32_t)strlen(host_argv[i]) + 1;
  store32(argc_out, (uint32_t)host_argc);
  store32(size_out, size);
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_args_get(wasi *w, u32 argv, u32 buf) {
  (void)w;
  for (int i = 0; i < host_argc; i++) {
    size_t n = strlen(host_argv[i]) + 1;
    memcpy(MEM(buf), host_argv[i], n);
    store32(argv + 4u * (uint32_t)i, buf);
    buf += (uint32_t)n;
  }
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_environ_sizes_get(wasi *w, u32 count_out, u32 size_out) {
  (void)w;
  store32(count_out, 0);
  store32(size_out, 0);
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_environ_get(wasi *w, u32 env, u32 buf) {
  (void)w, (void)env, (void)buf;
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_write(wasi *w, u32 fd, u32 iovs, u32 n, u32 written_out) {
  (void)w;
  if (fd > 2) return EBADF_WASI;
  struct iovec v[64];
  if (n > 64) n = 64;
  for (u32 i = 0; i < n; i++) {
    v[i].iov_base = MEM(load32(iovs + 8 * i));
    v[i].iov_len = load32(iovs + 8 * i + 4);
  }
  ssize_t r = writev((int)fd, v, (int)n);
  if (r < 0) return 29; /* EIO */
  store32(written_out, (uint32_t)r);
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_read(wasi *w, u32 fd, u32 iovs, u32 n, u32 read_out) {
  (void)w, (void)iovs, (void)n;
  if (fd != 0) return EBADF_WASI;
  store32(read_out, 0);
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(wasi *w, u32 fd, u32 out) {
  (void)w;
  if (fd > 2) return EBADF_WASI;
  memset(MEM(out), 0, 24);
  *MEM(out) = 2; /* character device */
  store64(out + 8, ~(uint64_t)0 & ~((1ull << 2) | (1ull << 5))); /* no seek/tell: a tty-like stream */
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(wasi *w, u32 fd, u64 off, u32 whence, u32 out) {
  (void)w, (void)fd, (void)off, (void)whence, (void)out;
  return 70; /* ESPIPE */
}

u32 Z_wasi_snapshot_preview1Z_fd_close(wasi *w, u32 fd) {
  (void)w, (void)fd;
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_prestat_get(wasi *w, u32 fd, u32 out) {
  (void)w, (void)fd, (void)out;
  return EBADF_WASI;
}

u32 Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(wasi *w, u32 fd, u32 p, u32 n) {
  (void)w, (void)fd, (void)p, (void)n;
  return EBADF_WASI;
}

u32 Z_wasi_snapshot_preview1Z_clock_time_get(wasi *w, u32 id, u64 precision, u32 out) {
  (void)w, (void)precision;
  struct timespec ts;
  clock_gettime(id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
  store64(out, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_clock_res_get(wasi *w, u32 id, u32 out) {
  (void)w, (void)id;
  store64(out, 1);
  return 0;
}

u32 Z_wasi_snapshot_preview1Z_random_get(wasi *w, u32 buf, u32 len) {
  (void)w;
  return getrandom(MEM(buf), len, 0) == (ssize_t)len ? 0 : 29;
}

u32 Z_wasi_snapshot_preview1Z_sched_yield(wasi *w) {
  (void)w;
  return 0;
}

void Z_wasi_snapshot_preview1Z_proc_exit(wasi *w, u32 code) {
  (void)w;
  fflush(stdout);
  exit((int)code);
}

/* Calls the benchmark programs import but never make with an in-memory
 * workload (SQLite's file VFS). */
#define UNSUPPORTED(name, ...) \
  u32 Z_wasi_snapshot_preview1Z_##name(wasi *w, __VA_ARGS__) { (void)w; return ENOSYS_WASI; }
UNSUPPORTED(fd_filestat_get, u32 a, u32 b)
UNSUPPORTED(fd_filestat_set_size, u32 a, u64 b)
UNSUPPORTED(fd_pread, u32 a, u32 b, u32 c, u64 d, u32 e)
UNSUPPORTED(fd_pwrite, u32 a, u32 b, u32 c, u64 d, u32 e)
UNSUPPORTED(fd_sync, u32 a)
UNSUPPORTED(fd_fdstat_set_flags, u32 a, u32 b)
UNSUPPORTED(path_open, u32 a, u32 b, u32 c, u32 d, u32 e, u64 f, u64 g, u32 h, u32 i)
UNSUPPORTED(path_filestat_get, u32 a, u32 b, u32 c, u32 d, u32 e)
UNSUPPORTED(path_filestat_set_times, u32 a, u32 b, u32 c, u32 d, u64 e, u64 f, u32 g)
UNSUPPORTED(path_unlink_file, u32 a, u32 b, u32 c)
UNSUPPORTED(path_readlink, u32 a, u32 b, u32 c, u32 d, u32 e, u32 f)
UNSUPPORTED(path_create_directory, u32 a, u32 b, u32 c)
UNSUPPORTED(path_remove_directory, u32 a, u32 b, u32 c)
UNSUPPORTED(poll_oneoff, u32 a, u32 b, u32 c, u32 d)

int main(int argc, char **argv) {
  host_argc = argc;
  host_argv = argv;
  wasm_rt_init();
  Z_prog_init_module();
  static Z_prog_instance_t instance;
  static wasi host;
  Z_prog_instantiate(&instance, &host);
  memory = host.memory = Z_progZ_memory(&instance);
  Z_progZ__start(&instance);
  fflush(stdout);
  return 0;
}
