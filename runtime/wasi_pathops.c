/*
 * wasi_pathops.c — the WASI path_* functions: path_open,
 * path_create_directory, path_remove_directory, path_unlink_file,
 * path_rename, path_link, path_symlink, path_readlink, path_filestat_get and
 * path_filestat_set_times.
 *
 * Every path goes through innative_wasi_resolve (wasi_path.c), which keeps it
 * beneath the directory descriptor it is relative to; the operation itself
 * then works on the resolved (directory, last component) pair with *at()
 * calls that never follow a symlink.  path_symlink refuses absolute targets
 * (ENOTCAPABLE): the guest could never follow them anyway, and the host
 * should not find them in the sandbox either.
 */
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Rights that mean "open for reading" / "open for writing" (as wasmtime
 * reads them; wasi-libc's open() asks for exactly these). */
#define READ_RIGHTS (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR)
#define WRITE_RIGHTS                                                                       \
  (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE |                 \
   WASI_RIGHT_FD_FILESTAT_SET_SIZE)

int32_t WASI_FN(path_open)(uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t path_len, uint32_t oflags,
                           uint64_t rights_base, uint64_t rights_inheriting, uint32_t fdflags,
                           uint32_t fd_out) {
  uint8_t *out = innative_wasi_ptr(fd_out, 4);
  if (out == NULL)
    return WASI_EFAULT;
  int flags = O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
  if (oflags & WASI_O_CREAT)
    flags |= O_CREAT;
  if (oflags & WASI_O_DIRECTORY)
    flags |= O_DIRECTORY;
  if (oflags & WASI_O_EXCL)
    flags |= O_EXCL;
  if (oflags & WASI_O_TRUNC)
    flags |= O_TRUNC;
  /* The rights asked for pick the host access mode only (they are advisory,
   * as in wasmtime: the new descriptor's rights are those of what was
   * opened).  Write rights on a directory give EISDIR, as open(2) does. */
  int reads = (rights_base & READ_RIGHTS) != 0, writes = (rights_base & WRITE_RIGHTS) != 0;
  flags |= reads && writes ? O_RDWR : writes ? O_WRONLY : O_RDONLY;
  if (fdflags & WASI_FDFLAG_APPEND)
    flags |= O_APPEND;
  if (fdflags & WASI_FDFLAG_NONBLOCK)
    flags |= O_NONBLOCK;
  if (fdflags & WASI_FDFLAG_SYNC)
    flags |= O_SYNC;
  else if (fdflags & WASI_FDFLAG_RSYNC)
    flags |= O_RSYNC;
  else if (fdflags & WASI_FDFLAG_DSYNC)
    flags |= O_DSYNC;

  /* O_CREAT|O_EXCL never follows a final symlink (POSIX): it fails on one. */
  int follow = (dirflags & WASI_LOOKUP_SYMLINK_FOLLOW) &&
               (oflags & (WASI_O_CREAT | WASI_O_EXCL)) != (WASI_O_CREAT | WASI_O_EXCL);
  uint64_t needs = WASI_RIGHT_PATH_OPEN;
  if (oflags & WASI_O_CREAT)
    needs |= WASI_RIGHT_PATH_CREATE_FILE;
  if (oflags & WASI_O_TRUNC)
    needs |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
  wasi_resolved r;
  wasi_errno err = innative_wasi_resolve(fd, needs, path, path_len, follow, &r);
  if (err != WASI_ESUCCESS)
    return err;
  int host = openat(r.dirfd, r.name, flags, 0666);
  int saved = errno;
  innative_wasi_resolved_free(&r);
  if (host < 0)
    return innative_wasi_errno(saved);
  uint32_t guest;
  (void)rights_inheriting;
  err = innative_wasi_fd_insert(host, innative_wasi_fd(fd)->rights_inheriting, &guest);
  if (err != WASI_ESUCCESS)
    return err;
  wasi_store32(out, guest);
  return WASI_ESUCCESS;
}

/* Resolves a path (following a final symlink when `follow`; the directory
 * descriptor must hold `rights`), evaluates
 * `body` (0 or -1 with errno) on the result `r`, and returns its errno. */
#define WITH_PATH(fd, rights, path, path_len, follow, r, body)                             \
  do {                                                                                     \
    wasi_resolved r;                                                                       \
    wasi_errno err_ = innative_wasi_resolve(fd, rights, path, path_len, follow, &r);       \
    if (err_ != WASI_ESUCCESS)                                                             \
      return err_;                                                                         \
    int rc_ = (body);                                                                      \
    int saved_ = errno;                                                                    \
    innative_wasi_resolved_free(&r);                                                       \
    return rc_ == 0 ? WASI_ESUCCESS : innative_wasi_errno(saved_);                         \
  } while (0)

int32_t WASI_FN(path_create_directory)(uint32_t fd, uint32_t path, uint32_t path_len) {
  WITH_PATH(fd, WASI_RIGHT_PATH_CREATE_DIRECTORY, path, path_len, 0, r, mkdirat(r.dirfd, r.name, 0777));
}

int32_t WASI_FN(path_remove_directory)(uint32_t fd, uint32_t path, uint32_t path_len) {
  WITH_PATH(fd, WASI_RIGHT_PATH_REMOVE_DIRECTORY, path, path_len, 0, r, unlinkat(r.dirfd, r.name, AT_REMOVEDIR));
}

int32_t WASI_FN(path_unlink_file)(uint32_t fd, uint32_t path, uint32_t path_len) {
  WITH_PATH(fd, WASI_RIGHT_PATH_UNLINK_FILE, path, path_len, 0, r, unlinkat(r.dirfd, r.name, 0));
}

int32_t WASI_FN(path_filestat_get)(uint32_t fd, uint32_t flags, uint32_t path, uint32_t path_len, uint32_t out) {
  uint8_t *p = innative_wasi_ptr(out, WASI_FILESTAT_SIZE);
  if (p == NULL)
    return WASI_EFAULT;
  struct stat st;
  wasi_resolved r;
  wasi_errno err = innative_wasi_resolve(fd, WASI_RIGHT_PATH_FILESTAT_GET, path, path_len,
                                         flags & WASI_LOOKUP_SYMLINK_FOLLOW, &r);
  if (err != WASI_ESUCCESS)
    return err;
  int rc = fstatat(r.dirfd, r.name, &st, AT_SYMLINK_NOFOLLOW);
  int saved = errno;
  innative_wasi_resolved_free(&r);
  if (rc != 0)
    return innative_wasi_errno(saved);
  innative_wasi_write_filestat(p, &st);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(path_filestat_set_times)(uint32_t fd, uint32_t flags, uint32_t path, uint32_t path_len,
                                         uint64_t atim, uint64_t mtim, uint32_t fstflags) {
  struct timespec ts[2];
  wasi_errno err = innative_wasi_times(ts, atim, mtim, fstflags);
  if (err != WASI_ESUCCESS)
    return err;
  WITH_PATH(fd, WASI_RIGHT_PATH_FILESTAT_SET_TIMES, path, path_len, flags & WASI_LOOKUP_SYMLINK_FOLLOW, r,
            utimensat(r.dirfd, r.name, ts, AT_SYMLINK_NOFOLLOW));
}

/* A new name for symlink or link that the guest wrote with a trailing
 * slash: it can only name a directory, so it exists (EEXIST) or cannot be
 * made (ENOENT), as POSIX says for link(2) and symlink(2). */
static wasi_errno slashed_new_name(const wasi_resolved *r) {
  struct stat st;
  return fstatat(r->dirfd, r->name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? WASI_EEXIST : WASI_ENOENT;
}

/* Two resolved paths, for rename and link. */
static wasi_errno two_paths(uint32_t fd1, uint64_t rights1, uint32_t p1, uint32_t l1, int follow1,
                            uint32_t fd2, uint64_t rights2, uint32_t p2, uint32_t l2, wasi_resolved *r1,
                            wasi_resolved *r2) {
  wasi_errno err = innative_wasi_resolve(fd1, rights1, p1, l1, follow1, r1);
  if (err != WASI_ESUCCESS)
    return err;
  err = innative_wasi_resolve(fd2, rights2, p2, l2, 0, r2);
  if (err != WASI_ESUCCESS)
    innative_wasi_resolved_free(r1);
  return err;
}

int32_t WASI_FN(path_rename)(uint32_t fd, uint32_t old_path, uint32_t old_path_len, uint32_t new_fd,
                             uint32_t new_path, uint32_t new_path_len) {
  wasi_resolved a, b;
  wasi_errno err = two_paths(fd, WASI_RIGHT_PATH_RENAME_SOURCE, old_path, old_path_len, 0, new_fd,
                             WASI_RIGHT_PATH_RENAME_TARGET, new_path, new_path_len, &a, &b);
  if (err != WASI_ESUCCESS)
    return err;
  int rc = renameat(a.dirfd, a.name, b.dirfd, b.name);
  int saved = errno;
  innative_wasi_resolved_free(&a);
  innative_wasi_resolved_free(&b);
  return rc == 0 ? WASI_ESUCCESS : innative_wasi_errno(saved);
}

int32_t WASI_FN(path_link)(uint32_t old_fd, uint32_t old_flags, uint32_t old_path, uint32_t old_path_len,
                           uint32_t new_fd, uint32_t new_path, uint32_t new_path_len) {
  wasi_resolved a, b;
  wasi_errno err = two_paths(old_fd, WASI_RIGHT_PATH_LINK_SOURCE, old_path, old_path_len,
                             old_flags & WASI_LOOKUP_SYMLINK_FOLLOW, new_fd, WASI_RIGHT_PATH_LINK_TARGET,
                             new_path, new_path_len, &a, &b);
  if (err != WASI_ESUCCESS)
    return err;
  if (b.trailing_slash) {
    err = slashed_new_name(&b);
    innative_wasi_resolved_free(&a);
    innative_wasi_resolved_free(&b);
    return err;
  }
  int rc = linkat(a.dirfd, a.name, b.dirfd, b.name, 0);
  int saved = errno;
  innative_wasi_resolved_free(&a);
  innative_wasi_resolved_free(&b);
  return rc == 0 ? WASI_ESUCCESS : innative_wasi_errno(saved);
}

int32_t WASI_FN(path_symlink)(uint32_t old_path, uint32_t old_path_len, uint32_t fd, uint32_t new_path,
                              uint32_t new_path_len) {
  const uint8_t *t = innative_wasi_ptr(old_path, old_path_len);
  if (t == NULL)
    return WASI_EFAULT;
  if (old_path_len == 0)
    return WASI_ENOENT;
  if (memchr(t, '\0', old_path_len) != NULL)
    return WASI_EINVAL;
  if (t[0] == '/')
    return WASI_ENOTCAPABLE;
  char *target = strndup((const char *)t, old_path_len);
  if (target == NULL)
    return WASI_ENOMEM;
  wasi_resolved r;
  wasi_errno err = innative_wasi_resolve(fd, WASI_RIGHT_PATH_SYMLINK, new_path, new_path_len, 0, &r);
  if (err == WASI_ESUCCESS) {
    if (r.trailing_slash)
      err = slashed_new_name(&r);
    else if (symlinkat(target, r.dirfd, r.name) != 0)
      err = innative_wasi_errno(errno);
    innative_wasi_resolved_free(&r);
  }
  free(target);
  return err;
}

int32_t WASI_FN(path_readlink)(uint32_t fd, uint32_t path, uint32_t path_len, uint32_t buf, uint32_t buf_len,
                               uint32_t bufused_out) {
  uint8_t *b = innative_wasi_ptr(buf, buf_len), *used = innative_wasi_ptr(bufused_out, 4);
  if (b == NULL || used == NULL)
    return WASI_EFAULT;
  wasi_resolved r;
  wasi_errno err = innative_wasi_resolve(fd, WASI_RIGHT_PATH_READLINK, path, path_len, 0, &r);
  if (err != WASI_ESUCCESS)
    return err;
  char target[PATH_MAX];
  ssize_t n = readlinkat(r.dirfd, r.name, target, sizeof target);
  int saved = errno;
  innative_wasi_resolved_free(&r);
  if (n < 0)
    return innative_wasi_errno(saved);
  /* A short buffer gets the start of the target, like readlink(2). */
  uint32_t copy = (uint64_t)n < buf_len ? (uint32_t)n : buf_len;
  memcpy(b, target, copy);
  wasi_store32(used, copy);
  return WASI_ESUCCESS;
}
