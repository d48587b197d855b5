/*
 * wasi_convert.c — conversions between host (POSIX) and WASI preview 1
 * representations: errno values, file types, stat records, the timestamp
 * pairs of the *_set_times functions, and iovec arrays.
 */
#include "wasi.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#ifndef _WIN32
#include <sys/socket.h>
#endif

wasi_errno innative_wasi_errno(int e) {
  switch (e) {
  case 0: return WASI_ESUCCESS;
  case E2BIG: return WASI_E2BIG;
  case EACCES: return WASI_EACCES;
  case EADDRINUSE: return WASI_EADDRINUSE;
  case EADDRNOTAVAIL: return WASI_EADDRNOTAVAIL;
  case EAFNOSUPPORT: return WASI_EAFNOSUPPORT;
  case EAGAIN: return WASI_EAGAIN; /* == EWOULDBLOCK */
  case EALREADY: return WASI_EALREADY;
  case EBADF: return WASI_EBADF;
  case EBADMSG: return WASI_EBADMSG;
  case EBUSY: return WASI_EBUSY;
  case ECANCELED: return WASI_ECANCELED;
  case ECHILD: return WASI_ECHILD;
  case ECONNABORTED: return WASI_ECONNABORTED;
  case ECONNREFUSED: return WASI_ECONNREFUSED;
  case ECONNRESET: return WASI_ECONNRESET;
  case EDEADLK: return WASI_EDEADLK;
  case EDESTADDRREQ: return WASI_EDESTADDRREQ;
  case EDOM: return WASI_EDOM;
#ifdef EDQUOT /* not in MinGW's errno.h, like EMULTIHOP and ESTALE */
  case EDQUOT: return WASI_EDQUOT;
#endif
  case EEXIST: return WASI_EEXIST;
  case EFAULT: return WASI_EFAULT;
  case EFBIG: return WASI_EFBIG;
  case EHOSTUNREACH: return WASI_EHOSTUNREACH;
  case EIDRM: return WASI_EIDRM;
  case EILSEQ: return WASI_EILSEQ;
  case EINPROGRESS: return WASI_EINPROGRESS;
  case EINTR: return WASI_EINTR;
  case EINVAL: return WASI_EINVAL;
  case EIO: return WASI_EIO;
  case EISCONN: return WASI_EISCONN;
  case EISDIR: return WASI_EISDIR;
  case ELOOP: return WASI_ELOOP;
  case EMFILE: return WASI_EMFILE;
  case EMLINK: return WASI_EMLINK;
  case EMSGSIZE: return WASI_EMSGSIZE;
#ifdef EMULTIHOP
  case EMULTIHOP: return WASI_EMULTIHOP;
#endif
  case ENAMETOOLONG: return WASI_ENAMETOOLONG;
  case ENETDOWN: return WASI_ENETDOWN;
  case ENETRESET: return WASI_ENETRESET;
  case ENETUNREACH: return WASI_ENETUNREACH;
  case ENFILE: return WASI_ENFILE;
  case ENOBUFS: return WASI_ENOBUFS;
  case ENODEV: return WASI_ENODEV;
  case ENOENT: return WASI_ENOENT;
  case ENOEXEC: return WASI_ENOEXEC;
  case ENOLCK: return WASI_ENOLCK;
  case ENOLINK: return WASI_ENOLINK;
  case ENOMEM: return WASI_ENOMEM;
  case ENOMSG: return WASI_ENOMSG;
  case ENOPROTOOPT: return WASI_ENOPROTOOPT;
  case ENOSPC: return WASI_ENOSPC;
  case ENOSYS: return WASI_ENOSYS;
  case ENOTCONN: return WASI_ENOTCONN;
  case ENOTDIR: return WASI_ENOTDIR;
  case ENOTEMPTY: return WASI_ENOTEMPTY;
  case ENOTRECOVERABLE: return WASI_ENOTRECOVERABLE;
  case ENOTSOCK: return WASI_ENOTSOCK;
  case ENOTSUP: return WASI_ENOTSUP; /* == EOPNOTSUPP */
  case ENOTTY: return WASI_ENOTTY;
  case ENXIO: return WASI_ENXIO;
  case EOVERFLOW: return WASI_EOVERFLOW;
  case EOWNERDEAD: return WASI_EOWNERDEAD;
  case EPERM: return WASI_EPERM;
  case EPIPE: return WASI_EPIPE;
  case EPROTO: return WASI_EPROTO;
  case EPROTONOSUPPORT: return WASI_EPROTONOSUPPORT;
  case EPROTOTYPE: return WASI_EPROTOTYPE;
  case ERANGE: return WASI_ERANGE;
  case EROFS: return WASI_EROFS;
  case ESPIPE: return WASI_ESPIPE;
  case ESRCH: return WASI_ESRCH;
#ifdef ESTALE
  case ESTALE: return WASI_ESTALE;
#endif
  case ETIMEDOUT: return WASI_ETIMEDOUT;
  case ETXTBSY: return WASI_ETXTBSY;
  case EXDEV: return WASI_EXDEV;
  default: return WASI_EIO;
  }
}

uint8_t innative_wasi_filetype(mode_t mode, int host_fd) {
  switch (mode & S_IFMT) {
  case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
  case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
  case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
  case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
  case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
  case S_IFSOCK: {
#ifdef _WIN32
    (void)host_fd;
    return WASI_FILETYPE_SOCKET_STREAM; /* never: no sockets on Windows (wasi_sock.c) */
#else
    int type = 0;
    socklen_t len = sizeof type;
    if (host_fd >= 0 && getsockopt(host_fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
        type == SOCK_DGRAM)
      return WASI_FILETYPE_SOCKET_DGRAM;
    return WASI_FILETYPE_SOCKET_STREAM;
#endif
  }
  default: return WASI_FILETYPE_UNKNOWN; /* FIFOs */
  }
}

static uint64_t ns_of(struct timespec ts) {
  if (ts.tv_sec < 0)
    return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void innative_wasi_write_filestat(uint8_t *out, const struct stat *st) {
  memset(out, 0, WASI_FILESTAT_SIZE);
  wasi_store64(out + 0, (uint64_t)st->st_dev);
  wasi_store64(out + 8, (uint64_t)st->st_ino);
  out[16] = innative_wasi_filetype(st->st_mode, -1);
  wasi_store64(out + 24, (uint64_t)st->st_nlink);
  wasi_store64(out + 32, (uint64_t)st->st_size);
  wasi_store64(out + 40, ns_of(st->st_atim));
  wasi_store64(out + 48, ns_of(st->st_mtim));
  wasi_store64(out + 56, ns_of(st->st_ctim));
}

static struct timespec timespec_of(uint64_t ns) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ns / 1000000000u);
  ts.tv_nsec = (long)(ns % 1000000000u);
  return ts;
}

wasi_errno innative_wasi_times(struct timespec ts[2], uint64_t atim, uint64_t mtim, uint32_t fstflags) {
  if ((fstflags & WASI_FST_ATIM) && (fstflags & WASI_FST_ATIM_NOW))
    return WASI_EINVAL;
  if ((fstflags & WASI_FST_MTIM) && (fstflags & WASI_FST_MTIM_NOW))
    return WASI_EINVAL;
  if (fstflags & ~(WASI_FST_ATIM | WASI_FST_ATIM_NOW | WASI_FST_MTIM | WASI_FST_MTIM_NOW))
    return WASI_EINVAL;
  ts[0].tv_sec = ts[1].tv_sec = 0;
  ts[0].tv_nsec = ts[1].tv_nsec = UTIME_OMIT;
  if (fstflags & WASI_FST_ATIM)
    ts[0] = timespec_of(atim);
  else if (fstflags & WASI_FST_ATIM_NOW)
    ts[0].tv_nsec = UTIME_NOW;
  if (fstflags & WASI_FST_MTIM)
    ts[1] = timespec_of(mtim);
  else if (fstflags & WASI_FST_MTIM_NOW)
    ts[1].tv_nsec = UTIME_NOW;
  return WASI_ESUCCESS;
}

wasi_errno innative_wasi_iovs(uint32_t iovs, uint32_t iovs_len, host_iovs *out) {
  const uint8_t *g = innative_wasi_ptr(iovs, (uint64_t)iovs_len * WASI_IOVEC_SIZE);
  if (g == NULL)
    return WASI_EFAULT;
  /* More than IOV_MAX buffers: transfer the first IOV_MAX (a short transfer,
   * which the guest handles like any other). */
  int n = iovs_len > IOV_MAX ? IOV_MAX : (int)iovs_len;
  out->v = out->small;
  if (n > (int)(sizeof out->small / sizeof out->small[0])) {
    out->v = malloc((size_t)n * sizeof *out->v);
    if (out->v == NULL)
      return WASI_ENOMEM;
  }
  out->n = n;
  for (int i = 0; i < n; i++) {
    uint32_t buf = wasi_load32(g + WASI_IOVEC_SIZE * (size_t)i);
    uint32_t len = wasi_load32(g + WASI_IOVEC_SIZE * (size_t)i + 4);
    uint8_t *p = len ? innative_wasi_ptr(buf, len) : NULL;
    if (len && p == NULL) {
      if (out->v != out->small)
        free(out->v);
      return WASI_EFAULT;
    }
    out->v[i].iov_base = p;
    out->v[i].iov_len = len;
  }
  return WASI_ESUCCESS;
}

void innative_wasi_iovs_free(host_iovs *h) {
  if (h->v != h->small)
    free(h->v);
}
