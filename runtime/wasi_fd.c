/*
 * wasi_fd.c — WASI fd_* I/O on open descriptors: fd_read, fd_write,
 * fd_pread, fd_pwrite, fd_seek, fd_tell, fd_sync, fd_datasync, fd_advise,
 * fd_allocate, fd_filestat_get, fd_filestat_set_size,
 * fd_filestat_set_times and fd_readdir.
 *
 * I/O goes straight to the host descriptor (readv/writev on the guest's
 * buffers, no copies and no buffering in the runtime).  fd_readdir's cookies
 * are the host directory stream's telldir() positions (0 = the start), and it
 * reports "." and ".." like the native readdir().
 */
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

enum io_op { IO_READ, IO_WRITE, IO_PREAD, IO_PWRITE };

/* A directory lacks the file rights by kind: reading, writing or seeking it
 * is EISDIR (as POSIX read(2) says) rather than a rights error. */
static wasi_errno directory_error(uint32_t fd, wasi_errno err) {
  wasi_fd *e = innative_wasi_fd(fd);
  struct stat st;
  if (err == WASI_ENOTCAPABLE && e != NULL && fstat(e->host, &st) == 0 && S_ISDIR(st.st_mode))
    return WASI_EISDIR;
  return err;
}

static int32_t do_io(enum io_op op, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                     uint32_t n_out) {
  uint8_t *out = innative_wasi_ptr(n_out, 4);
  if (out == NULL)
    return WASI_EFAULT;
  static const uint64_t needs[] = {
      [IO_READ] = WASI_RIGHT_FD_READ,
      [IO_WRITE] = WASI_RIGHT_FD_WRITE,
      [IO_PREAD] = WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK,
      [IO_PWRITE] = WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK,
  };
  wasi_errno err;
  wasi_fd *e = innative_wasi_fd_with(fd, needs[op], &err);
  if (e == NULL)
    return directory_error(fd, err);
  if ((op == IO_PREAD || op == IO_PWRITE) && offset > INT64_MAX)
    return WASI_EINVAL;
  host_iovs h;
  err = innative_wasi_iovs(iovs, iovs_len, &h);
  if (err != WASI_ESUCCESS)
    return err;
  ssize_t n;
  do {
    switch (op) {
    case IO_READ: n = readv(e->host, h.v, h.n); break;
    case IO_WRITE: n = writev(e->host, h.v, h.n); break;
    case IO_PREAD: n = preadv(e->host, h.v, h.n, (off_t)offset); break;
    default: n = pwritev(e->host, h.v, h.n, (off_t)offset); break;
    }
  } while (n < 0 && errno == EINTR);
  int saved = errno;
  innative_wasi_iovs_free(&h);
  if (n < 0)
    return innative_wasi_errno(saved);
  wasi_store32(out, (uint32_t)n);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(fd_read)(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nread_out) {
  return do_io(IO_READ, fd, iovs, iovs_len, 0, nread_out);
}

int32_t WASI_FN(fd_write)(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint32_t nwritten_out) {
  return do_io(IO_WRITE, fd, iovs, iovs_len, 0, nwritten_out);
}

int32_t WASI_FN(fd_pread)(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset, uint32_t nread_out) {
  return do_io(IO_PREAD, fd, iovs, iovs_len, offset, nread_out);
}

int32_t WASI_FN(fd_pwrite)(uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                           uint32_t nwritten_out) {
  return do_io(IO_PWRITE, fd, iovs, iovs_len, offset, nwritten_out);
}

int32_t WASI_FN(fd_seek)(uint32_t fd, int64_t offset, uint32_t whence, uint32_t newoffset_out) {
  uint8_t *out = innative_wasi_ptr(newoffset_out, 8);
  if (out == NULL)
    return WASI_EFAULT;
  /* Asking for the position only needs FD_TELL. */
  uint64_t needs = whence == WASI_WHENCE_CUR && offset == 0 ? WASI_RIGHT_FD_TELL : WASI_RIGHT_FD_SEEK;
  wasi_errno err;
  wasi_fd *e = innative_wasi_fd_with(fd, needs, &err);
  if (e == NULL)
    return directory_error(fd, err);
  int how;
  switch (whence) {
  case WASI_WHENCE_SET: how = SEEK_SET; break;
  case WASI_WHENCE_CUR: how = SEEK_CUR; break;
  case WASI_WHENCE_END: how = SEEK_END; break;
  default: return WASI_EINVAL;
  }
  off_t r = lseek(e->host, (off_t)offset, how);
  if (r < 0)
    return innative_wasi_errno(errno);
  wasi_store64(out, (uint64_t)r);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(fd_tell)(uint32_t fd, uint32_t offset_out) {
  return WASI_FN(fd_seek)(fd, 0, WASI_WHENCE_CUR, offset_out);
}

int32_t WASI_FN(fd_sync)(uint32_t fd) {
  wasi_errno err_;
  wasi_fd *e = innative_wasi_fd_with(fd, WASI_RIGHT_FD_SYNC, &err_);
  if (e == NULL)
    return err_;
  return fsync(e->host) == 0 ? WASI_ESUCCESS : innative_wasi_errno(errno);
}

int32_t WASI_FN(fd_datasync)(uint32_t fd) {
  /* A directory has FD_SYNC, not FD_DATASYNC (see wasi_fdtable.c). */
  wasi_fd *e = innative_wasi_fd(fd);
  if (e == NULL)
    return WASI_EBADF;
  if (!(e->rights_base & (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_SYNC)))
    return WASI_ENOTCAPABLE;
  return fdatasync(e->host) == 0 ? WASI_ESUCCESS : innative_wasi_errno(errno);
}

int32_t WASI_FN(fd_advise)(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice) {
  static const int map[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                            POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  wasi_errno err_;
  wasi_fd *e = innative_wasi_fd_with(fd, WASI_RIGHT_FD_ADVISE, &err_);
  if (e == NULL)
    return err_;
  if (advice >= sizeof map / sizeof map[0] || offset > INT64_MAX || len > INT64_MAX)
    return WASI_EINVAL;
  /* posix_fadvise returns the error number instead of setting errno. */
  return innative_wasi_errno(posix_fadvise(e->host, (off_t)offset, (off_t)len, map[advice]));
}

int32_t WASI_FN(fd_allocate)(uint32_t fd, uint64_t offset, uint64_t len) {
  wasi_errno err_;
  wasi_fd *e = innative_wasi_fd_with(fd, WASI_RIGHT_FD_ALLOCATE, &err_);
  if (e == NULL)
    return err_;
  if (offset > INT64_MAX || len > INT64_MAX)
    return WASI_EINVAL;
  return innative_wasi_errno(posix_fallocate(e->host, (off_t)offset, (off_t)len));
}

int32_t WASI_FN(fd_filestat_get)(uint32_t fd, uint32_t out) {
  uint8_t *p = innative_wasi_ptr(out, WASI_FILESTAT_SIZE);
  if (p == NULL)
    return WASI_EFAULT;
  wasi_errno err_;
  wasi_fd *e = innative_wasi_fd_with(fd, WASI_RIGHT_FD_FILESTAT_GET, &err_);
  if (e == NULL)
    return err_;
  struct stat st;
  if (fstat(e->host, &st) != 0)
    return innative_wasi_errno(errno);
  innative_wasi_write_filestat(p, &st);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(fd_filestat_set_size)(uint32_t fd, uint64_t size) {
  wasi_errno err_;
  wasi_fd *e = innative_wasi_fd_with(fd, WASI_RIGHT_FD_FILESTAT_SET_SIZE, &err_);
  if (e == NULL)
    return err_;
  if (size > INT64_MAX)
    return WASI_EINVAL;
  return ftruncate(e->host, (off_t)size) == 0 ? WASI_ESUCCESS : innative_wasi_errno(errno);
}

int32_t WASI_FN(fd_filestat_set_times)(uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t fstflags) {
  wasi_errno err_;
  wasi_fd *e = innative_wasi_fd_with(fd, WASI_RIGHT_FD_FILESTAT_SET_TIMES, &err_);
  if (e == NULL)
    return err_;
  struct timespec ts[2];
  wasi_errno err = innative_wasi_times(ts, atim, mtim, fstflags);
  if (err != WASI_ESUCCESS)
    return err;
  return futimens(e->host, ts) == 0 ? WASI_ESUCCESS : innative_wasi_errno(errno);
}

/* ---- fd_readdir ----------------------------------------------------------- */

static uint8_t filetype_of_dirent(unsigned char d_type) {
  switch (d_type) {
  case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
  case DT_DIR: return WASI_FILETYPE_DIRECTORY;
  case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
  case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
  case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
  case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
  default: return WASI_FILETYPE_UNKNOWN;
  }
}

int32_t WASI_FN(fd_readdir)(uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie, uint32_t bufused_out) {
  uint8_t *b = innative_wasi_ptr(buf, buf_len), *used_out = innative_wasi_ptr(bufused_out, 4);
  if (b == NULL || used_out == NULL)
    return WASI_EFAULT;
  wasi_errno err_;
  wasi_fd *e = innative_wasi_fd_with(fd, WASI_RIGHT_FD_READDIR, &err_);
  if (e == NULL) {
    /* A file lacks FD_READDIR by kind: that is ENOTDIR, as fdopendir says. */
    struct stat st;
    wasi_fd *any = innative_wasi_fd(fd);
    if (any != NULL && fstat(any->host, &st) == 0 && !S_ISDIR(st.st_mode))
      return WASI_ENOTDIR;
    return err_;
  }
  if (e->dir == NULL) {
    /* A descriptor of its own: the stream's position is not the guest's. */
    int d = openat(e->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0)
      return innative_wasi_errno(errno);
    e->dir = fdopendir(d);
    if (e->dir == NULL) {
      int saved = errno;
      close(d);
      return innative_wasi_errno(saved);
    }
  }
  if (cookie == 0)
    rewinddir(e->dir);
  else if (cookie > LONG_MAX)
    return WASI_EINVAL;
  else
    seekdir(e->dir, (long)cookie);

  uint32_t used = 0;
  while (used < buf_len) {
    errno = 0;
    struct dirent *d = readdir(e->dir);
    if (d == NULL) {
      if (errno != 0)
        return innative_wasi_errno(errno);
      break;
    }
    long next = telldir(e->dir);
    size_t namlen = strlen(d->d_name);
    uint8_t header[WASI_DIRENT_SIZE];
    memset(header, 0, sizeof header);
    wasi_store64(header + 0, (uint64_t)next);
    wasi_store64(header + 8, (uint64_t)d->d_ino);
    wasi_store32(header + 16, (uint32_t)namlen);
    header[20] = filetype_of_dirent(d->d_type);
    struct stat st;
    if (d->d_type == DT_UNKNOWN && fstatat(dirfd(e->dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
      header[20] = innative_wasi_filetype(st.st_mode, -1);
    /* The last entry may be cut short: the guest sees bufused == buf_len,
     * and asks again from the previous entry's cookie with a bigger buffer. */
    uint32_t n = buf_len - used < WASI_DIRENT_SIZE ? buf_len - used : WASI_DIRENT_SIZE;
    memcpy(b + used, header, n);
    used += n;
    n = buf_len - used < namlen ? buf_len - used : (uint32_t)namlen;
    memcpy(b + used, d->d_name, n);
    used += n;
  }
  wasi_store32(used_out, used);
  return WASI_ESUCCESS;
}
