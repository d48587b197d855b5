/*
 * wasi.h — declarations shared by the runtime's WASI preview 1 files and
 * never seen by generated code or hosts:
 *
 *   wasi.c          the guest memory, args/environ, random, proc_*, sched
 *   wasi_convert.c  host <-> WASI conversions (errno, file types, stat,
 *                   iovec arrays)
 *   wasi_fdtable.c  the descriptor table (stdio, preopens, opened files) and
 *                   the fd_* functions about table state
 *   wasi_fd.c       fd_* I/O on open descriptors
 *   wasi_path.c     sandboxed path resolution beneath a preopened directory
 *   wasi_pathops.c  the path_* functions
 *   wasi_poll.c     clocks and poll_oneoff
 *   wasi_sock.c     sock_accept, sock_recv, sock_send, sock_shutdown
 *   wasi_win32.c    (Windows) the POSIX calls the others make, on Win32
 *
 * The contract with generated code: an import `wasi_snapshot_preview1.F`
 * becomes a call of the C function `wasi_snapshot_preview1_WASM_F` with the
 * import's natural C signature (i32 -> 32-bit integer, i64 -> 64-bit
 * integer, a guest pointer is an i32 offset into the main module's linear
 * memory).  The runtime spells pointers, sizes and descriptors as uint32_t,
 * which has the same ABI as the int32_t of the contract.  Every function
 * returns a WASI errno (wasi_errno below, never a host errno) except
 * proc_exit.
 *
 * Not thread-safe: WASI state (descriptor table, environment snapshot) is
 * meant for the single thread that runs the program.
 */
#ifndef INNATIVE_WASI_H
#define INNATIVE_WASI_H

#include "internal.h"

#include <stdint.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include "wasi_win32.h" /* the POSIX file calls below, emulated on Win32 */
#else
#include <dirent.h>
#include <sys/stat.h>
#include <sys/uio.h>
#endif

/* ---- WASI preview 1 values (wasi_snapshot_preview1, witx) ---------------- */

/* errno */
enum {
  WASI_ESUCCESS = 0, WASI_E2BIG = 1, WASI_EACCES = 2, WASI_EADDRINUSE = 3,
  WASI_EADDRNOTAVAIL = 4, WASI_EAFNOSUPPORT = 5, WASI_EAGAIN = 6, WASI_EALREADY = 7,
  WASI_EBADF = 8, WASI_EBADMSG = 9, WASI_EBUSY = 10, WASI_ECANCELED = 11,
  WASI_ECHILD = 12, WASI_ECONNABORTED = 13, WASI_ECONNREFUSED = 14, WASI_ECONNRESET = 15,
  WASI_EDEADLK = 16, WASI_EDESTADDRREQ = 17, WASI_EDOM = 18, WASI_EDQUOT = 19,
  WASI_EEXIST = 20, WASI_EFAULT = 21, WASI_EFBIG = 22, WASI_EHOSTUNREACH = 23,
  WASI_EIDRM = 24, WASI_EILSEQ = 25, WASI_EINPROGRESS = 26, WASI_EINTR = 27,
  WASI_EINVAL = 28, WASI_EIO = 29, WASI_EISCONN = 30, WASI_EISDIR = 31,
  WASI_ELOOP = 32, WASI_EMFILE = 33, WASI_EMLINK = 34, WASI_EMSGSIZE = 35,
  WASI_EMULTIHOP = 36, WASI_ENAMETOOLONG = 37, WASI_ENETDOWN = 38, WASI_ENETRESET = 39,
  WASI_ENETUNREACH = 40, WASI_ENFILE = 41, WASI_ENOBUFS = 42, WASI_ENODEV = 43,
  WASI_ENOENT = 44, WASI_ENOEXEC = 45, WASI_ENOLCK = 46, WASI_ENOLINK = 47,
  WASI_ENOMEM = 48, WASI_ENOMSG = 49, WASI_ENOPROTOOPT = 50, WASI_ENOSPC = 51,
  WASI_ENOSYS = 52, WASI_ENOTCONN = 53, WASI_ENOTDIR = 54, WASI_ENOTEMPTY = 55,
  WASI_ENOTRECOVERABLE = 56, WASI_ENOTSOCK = 57, WASI_ENOTSUP = 58, WASI_ENOTTY = 59,
  WASI_ENXIO = 60, WASI_EOVERFLOW = 61, WASI_EOWNERDEAD = 62, WASI_EPERM = 63,
  WASI_EPIPE = 64, WASI_EPROTO = 65, WASI_EPROTONOSUPPORT = 66, WASI_EPROTOTYPE = 67,
  WASI_ERANGE = 68, WASI_EROFS = 69, WASI_ESPIPE = 70, WASI_ESRCH = 71,
  WASI_ESTALE = 72, WASI_ETIMEDOUT = 73, WASI_ETXTBSY = 74, WASI_EXDEV = 75,
  WASI_ENOTCAPABLE = 76,
};

/* filetype */
enum {
  WASI_FILETYPE_UNKNOWN = 0,
  WASI_FILETYPE_BLOCK_DEVICE = 1,
  WASI_FILETYPE_CHARACTER_DEVICE = 2,
  WASI_FILETYPE_DIRECTORY = 3,
  WASI_FILETYPE_REGULAR_FILE = 4,
  WASI_FILETYPE_SOCKET_DGRAM = 5,
  WASI_FILETYPE_SOCKET_STREAM = 6,
  WASI_FILETYPE_SYMBOLIC_LINK = 7,
};

/* fdflags */
#define WASI_FDFLAG_APPEND 0x1u
#define WASI_FDFLAG_DSYNC 0x2u
#define WASI_FDFLAG_NONBLOCK 0x4u
#define WASI_FDFLAG_RSYNC 0x8u
#define WASI_FDFLAG_SYNC 0x10u

/* oflags */
#define WASI_O_CREAT 0x1u
#define WASI_O_DIRECTORY 0x2u
#define WASI_O_EXCL 0x4u
#define WASI_O_TRUNC 0x8u

/* lookupflags */
#define WASI_LOOKUP_SYMLINK_FOLLOW 0x1u

/* fstflags */
#define WASI_FST_ATIM 0x1u
#define WASI_FST_ATIM_NOW 0x2u
#define WASI_FST_MTIM 0x4u
#define WASI_FST_MTIM_NOW 0x8u

/* rights (bit numbers from witx) */
#define WASI_RIGHT_FD_DATASYNC (1ull << 0)
#define WASI_RIGHT_FD_READ (1ull << 1)
#define WASI_RIGHT_FD_SEEK (1ull << 2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define WASI_RIGHT_FD_SYNC (1ull << 4)
#define WASI_RIGHT_FD_TELL (1ull << 5)
#define WASI_RIGHT_FD_WRITE (1ull << 6)
#define WASI_RIGHT_FD_ADVISE (1ull << 7)
#define WASI_RIGHT_FD_ALLOCATE (1ull << 8)
#define WASI_RIGHT_PATH_CREATE_DIRECTORY (1ull << 9)
#define WASI_RIGHT_PATH_CREATE_FILE (1ull << 10)
#define WASI_RIGHT_PATH_LINK_SOURCE (1ull << 11)
#define WASI_RIGHT_PATH_LINK_TARGET (1ull << 12)
#define WASI_RIGHT_PATH_OPEN (1ull << 13)
#define WASI_RIGHT_FD_READDIR (1ull << 14)
#define WASI_RIGHT_PATH_READLINK (1ull << 15)
#define WASI_RIGHT_PATH_RENAME_SOURCE (1ull << 16)
#define WASI_RIGHT_PATH_RENAME_TARGET (1ull << 17)
#define WASI_RIGHT_PATH_FILESTAT_GET (1ull << 18)
#define WASI_RIGHT_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define WASI_RIGHT_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define WASI_RIGHT_FD_FILESTAT_GET (1ull << 21)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE (1ull << 22)
#define WASI_RIGHT_FD_FILESTAT_SET_TIMES (1ull << 23)
#define WASI_RIGHT_PATH_SYMLINK (1ull << 24)
#define WASI_RIGHT_PATH_REMOVE_DIRECTORY (1ull << 25)
#define WASI_RIGHT_PATH_UNLINK_FILE (1ull << 26)
#define WASI_RIGHT_POLL_FD_READWRITE (1ull << 27)
#define WASI_RIGHT_SOCK_SHUTDOWN (1ull << 28)
#define WASI_RIGHT_SOCK_ACCEPT (1ull << 29)
/* Every right preview 1 defines (bits 0..29). */
#define WASI_RIGHTS_ALL ((1ull << 30) - 1)

/* clockid */
enum {
  WASI_CLOCK_REALTIME = 0,
  WASI_CLOCK_MONOTONIC = 1,
  WASI_CLOCK_PROCESS_CPUTIME = 2,
  WASI_CLOCK_THREAD_CPUTIME = 3,
};

/* whence */
enum { WASI_WHENCE_SET = 0, WASI_WHENCE_CUR = 1, WASI_WHENCE_END = 2 };

/* Layouts in guest memory (little endian, witx sizes/offsets). */
#define WASI_IOVEC_SIZE 8u        /* buf u32 @0, buf_len u32 @4 */
#define WASI_FDSTAT_SIZE 24u      /* filetype u8 @0, flags u16 @2, rights u64 @8, @16 */
#define WASI_FILESTAT_SIZE 64u    /* dev @0 ino @8 filetype u8 @16 nlink @24 size @32
                                     atim @40 mtim @48 ctim @56 */
#define WASI_PRESTAT_SIZE 8u      /* tag u8 @0 (0 = dir), name_len u32 @4 */
#define WASI_DIRENT_SIZE 24u      /* next u64 @0, ino u64 @8, namlen u32 @16, type u8 @20 */
#define WASI_SUBSCRIPTION_SIZE 48u
#define WASI_EVENT_SIZE 32u

typedef uint16_t wasi_errno;

/* ---- wasi.c: the guest's linear memory ----------------------------------- */

/* The host address of guest range [ptr, ptr + len), or NULL when it is not
 * inside the memory's current size (or there is no memory): the caller then
 * returns WASI_EFAULT.  len may be 0. */
INNATIVE_INTERNAL uint8_t *innative_wasi_ptr(uint32_t ptr, uint64_t len);

/* Unaligned little-endian access to guest bytes already range-checked. */
static inline uint32_t wasi_load32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline void wasi_store16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void wasi_store32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void wasi_store64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint64_t wasi_load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

/* ---- wasi_convert.c ------------------------------------------------------ */

/* A host errno value as a WASI errno (unknown values become EIO). */
INNATIVE_INTERNAL wasi_errno innative_wasi_errno(int host_errno);
/* The WASI file type of a host st_mode (FIFOs are UNKNOWN: WASI has none). */
INNATIVE_INTERNAL uint8_t innative_wasi_filetype(mode_t mode, int host_fd);
/* Writes a filestat (WASI_FILESTAT_SIZE bytes) describing `st`. */
INNATIVE_INTERNAL void innative_wasi_write_filestat(uint8_t *out, const struct stat *st);
/* The two timespecs futimens/utimensat take for WASI (atim, mtim, fstflags);
 * returns WASI_EINVAL for contradictory flags. */
INNATIVE_INTERNAL wasi_errno innative_wasi_times(struct timespec ts[2], uint64_t atim,
                                                 uint64_t mtim, uint32_t fstflags);

/* A guest iovec/ciovec array translated to host addresses (at most IOV_MAX
 * of them: more is a short transfer, which guests handle like any other). */
typedef struct host_iovs {
  struct iovec *v;
  int n;
  struct iovec small[16];
} host_iovs;
/* Translates the `iovs_len` guest iovecs at `iovs`; WASI_EFAULT when one lies
 * outside memory.  Free with innative_wasi_iovs_free. */
INNATIVE_INTERNAL wasi_errno innative_wasi_iovs(uint32_t iovs, uint32_t iovs_len, host_iovs *out);
INNATIVE_INTERNAL void innative_wasi_iovs_free(host_iovs *h);

/* ---- wasi_fdtable.c ------------------------------------------------------ */

typedef struct wasi_fd {
  int used;
  int host;                   /* host file descriptor */
  char *preopen;              /* guest name of a preopened directory, else NULL */
  DIR *dir;                   /* fd_readdir's stream, opened on first use */
  uint64_t rights_base, rights_inheriting;
} wasi_fd;

/* Rights.  They are advisory, as in wasmtime: what a descriptor can do is
 * decided by what it is and how the host opened it, never by the rights a
 * guest asks for in path_open.  A descriptor starts with the rights of its
 * kind (innative_wasi_host_rights), limited by the inheriting rights of the
 * directory it was opened from; fd_fdstat_set_rights can only drop rights,
 * and an operation that needs a dropped (or never held) right fails with
 * ENOTCAPABLE.  So a program that never drops rights never meets a rights
 * error, and one that does sees them enforced. */
INNATIVE_INTERNAL void innative_wasi_host_rights(int host, uint64_t *base, uint64_t *inheriting);
/* The entry of guest descriptor `fd` when it is open and holds every right
 * of `rights`; else NULL with *err = EBADF or ENOTCAPABLE. */
INNATIVE_INTERNAL wasi_fd *innative_wasi_fd_with(uint32_t fd, uint64_t rights, wasi_errno *err);

/* Creates the table on first use: fds 0-2 are the process's stdio, then the
 * preopened directories (innative_wasi_preopens, then $INNATIVE_WASI_DIRS).
 * A directory that cannot be opened ends the process (status 1) with a
 * one-line message: the program must not run with a missing sandbox root. */
INNATIVE_INTERNAL void innative_wasi_init(void);
/* The entry of guest descriptor `fd`, or NULL when it is not open. */
INNATIVE_INTERNAL wasi_fd *innative_wasi_fd(uint32_t fd);
/* Adds an opened host descriptor (ownership passes to the table) under the
 * lowest free guest number, with the rights of its kind limited to `limit`
 * (the inheriting rights of the directory it was opened from); on failure
 * closes `host` and returns the error. */
INNATIVE_INTERNAL wasi_errno innative_wasi_fd_insert(int host, uint64_t limit, uint32_t *out);

/* ---- wasi_path.c --------------------------------------------------------- */

/* Where a guest path ends up: the host directory holding its last component
 * and that component's name ("." for the directory itself).  Everything
 * before the last component has been resolved beneath the preopened
 * directory without following any symlink out of it; the last component has
 * been resolved too when the caller asked to follow symlinks.  Operate on
 * (dirfd, name) with *at() calls that do not follow symlinks. */
typedef struct wasi_resolved {
  int dirfd;
  int owned;          /* dirfd is ours to close (else it is the table's) */
  char *name;         /* malloc'ed */
  int trailing_slash; /* the guest path ended in '/' after `name`, which is
                         then a directory or does not exist */
} wasi_resolved;

/* Resolves guest path [path, path + path_len) relative to guest directory
 * descriptor `fd`, which must hold `rights` (else ENOTCAPABLE).  `follow`:
 * resolve a symlink in the last component too.
 * Absolute paths, `..` above the directory and symlinks that lead out of it
 * give WASI_ENOTCAPABLE; nothing outside is ever opened. */
INNATIVE_INTERNAL wasi_errno innative_wasi_resolve(uint32_t fd, uint64_t rights, uint32_t path,
                                                   uint32_t path_len, int follow, wasi_resolved *out);
INNATIVE_INTERNAL void innative_wasi_resolved_free(wasi_resolved *r);

/* ---- the imports (natural C signatures) ---------------------------------- */

#define WASI_FN(name) wasi_snapshot_preview1_WASM_##name

int32_t WASI_FN(args_get)(uint32_t argv, uint32_t argv_buf);
int32_t WASI_FN(args_sizes_get)(uint32_t argc_out, uint32_t argv_buf_size_out);
int32_t WASI_FN(environ_get)(uint32_t env, uint32_t env_buf);
int32_t WASI_FN(environ_sizes_get)(uint32_t count_out, uint32_t buf_size_out);
int32_t WASI_FN(clock_res_get)(uint32_t id, uint32_t res_out);
int32_t WASI_FN(clock_time_get)(uint32_t id, uint64_t precision, uint32_t time_out);
int32_t WASI_FN(fd_advise)(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice);
int32_t WASI_FN(fd_allocate)(uint32_t fd, uint64_t offset, uint64_t len);
int32_t WASI_FN(fd_close)(uint32_t fd);
int32_t WASI_FN(fd_datasync)(uint32_t fd);
int32_t WASI_FN(fd_fdstat_get)(uint32_t fd, uint32_t out);
int32_t WASI_FN(fd_fdstat_set_flags)(uint32_t fd, uint32_t flags);
int32_t WASI_FN(fd_fdstat_set_rights)(uint32_t fd, uint64_t base, uint64_t inheriting);
int32_t WASI_FN(fd_filestat_get)(uint32_t fd, uint32_t out);
int32_t WASI_FN(fd_filestat_set_size)(uint32_t fd, uint64_t size);
int32_t WASI_FN(fd_filestat_set_times)(uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t fstflags);
int32_t WASI_FN(fd_pread)(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset, uint32_t nread_out);
int32_t WASI_FN(fd_prestat_get)(uint32_t fd, uint32_t out);
int32_t WASI_FN(fd_prestat_dir_name)(uint32_t fd, uint32_t path, uint32_t path_len);
int32_t WASI_FN(fd_pwrite)(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset, uint32_t nwritten_out);
int32_t WASI_FN(fd_read)(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread_out);
int32_t WASI_FN(fd_readdir)(uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie, uint32_t bufused_out);
int32_t WASI_FN(fd_renumber)(uint32_t fd, uint32_t to);
int32_t WASI_FN(fd_seek)(uint32_t fd, int64_t offset, uint32_t whence, uint32_t newoffset_out);
int32_t WASI_FN(fd_sync)(uint32_t fd);
int32_t WASI_FN(fd_tell)(uint32_t fd, uint32_t offset_out);
int32_t WASI_FN(fd_write)(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten_out);
int32_t WASI_FN(path_create_directory)(uint32_t fd, uint32_t path, uint32_t path_len);
int32_t WASI_FN(path_filestat_get)(uint32_t fd, uint32_t flags, uint32_t path, uint32_t path_len, uint32_t out);
int32_t WASI_FN(path_filestat_set_times)(uint32_t fd, uint32_t flags, uint32_t path, uint32_t path_len,
                                         uint64_t atim, uint64_t mtim, uint32_t fstflags);
int32_t WASI_FN(path_link)(uint32_t old_fd, uint32_t old_flags, uint32_t old_path, uint32_t old_path_len,
                           uint32_t new_fd, uint32_t new_path, uint32_t new_path_len);
int32_t WASI_FN(path_open)(uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t path_len, uint32_t oflags,
                           uint64_t rights_base, uint64_t rights_inheriting, uint32_t fdflags, uint32_t fd_out);
int32_t WASI_FN(path_readlink)(uint32_t fd, uint32_t path, uint32_t path_len, uint32_t buf, uint32_t buf_len,
                               uint32_t bufused_out);
int32_t WASI_FN(path_remove_directory)(uint32_t fd, uint32_t path, uint32_t path_len);
int32_t WASI_FN(path_rename)(uint32_t fd, uint32_t old_path, uint32_t old_path_len, uint32_t new_fd,
                             uint32_t new_path, uint32_t new_path_len);
int32_t WASI_FN(path_symlink)(uint32_t old_path, uint32_t old_path_len, uint32_t fd, uint32_t new_path,
                              uint32_t new_path_len);
int32_t WASI_FN(path_unlink_file)(uint32_t fd, uint32_t path, uint32_t path_len);
int32_t WASI_FN(poll_oneoff)(uint32_t in, uint32_t out, uint32_t nsubscriptions, uint32_t nevents_out);
__attribute__((noreturn)) void WASI_FN(proc_exit)(uint32_t code);
int32_t WASI_FN(proc_raise)(uint32_t sig);
int32_t WASI_FN(sched_yield)(void);
int32_t WASI_FN(random_get)(uint32_t buf, uint32_t buf_len);
int32_t WASI_FN(sock_accept)(uint32_t fd, uint32_t flags, uint32_t fd_out);
int32_t WASI_FN(sock_recv)(uint32_t fd, uint32_t ri_data, uint32_t ri_data_len, uint32_t ri_flags,
                           uint32_t ro_datalen_out, uint32_t ro_flags_out);
int32_t WASI_FN(sock_send)(uint32_t fd, uint32_t si_data, uint32_t si_data_len, uint32_t si_flags,
                           uint32_t so_datalen_out);
int32_t WASI_FN(sock_shutdown)(uint32_t fd, uint32_t how);

#endif
