/*
 * wasi_sock.c — the WASI preview 1 socket functions: sock_accept,
 * sock_recv, sock_send and sock_shutdown.
 *
 * Preview 1 cannot create or connect sockets; a program gets them from its
 * host (an inherited descriptor such as a socket on stdin, as with inetd or
 * systemd socket activation).  These calls work on such a socket through
 * the host's accept4/recvmsg/sendmsg/shutdown.  On a descriptor that is not
 * open they fail with EBADF, on one that is not a socket with ENOTSOCK, as
 * POSIX says and WASI programs (and the WASI test suite) expect.
 *
 * On Windows no descriptor of the table is a socket (an inherited socket
 * would need Winsock, which the runtime does not use): the four calls fail
 * with EBADF or ENOTSOCK.
 */
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#ifdef _WIN32

static int32_t not_a_socket(uint32_t fd) {
  return innative_wasi_fd(fd) == NULL ? WASI_EBADF : WASI_ENOTSOCK;
}

int32_t WASI_FN(sock_accept)(uint32_t fd, uint32_t flags, uint32_t fd_out) {
  (void)flags, (void)fd_out;
  return not_a_socket(fd);
}

int32_t WASI_FN(sock_recv)(uint32_t fd, uint32_t ri_data, uint32_t ri_data_len, uint32_t ri_flags,
                           uint32_t ro_datalen_out, uint32_t ro_flags_out) {
  (void)ri_data, (void)ri_data_len, (void)ri_flags, (void)ro_datalen_out, (void)ro_flags_out;
  return not_a_socket(fd);
}

int32_t WASI_FN(sock_send)(uint32_t fd, uint32_t si_data, uint32_t si_data_len, uint32_t si_flags,
                           uint32_t so_datalen_out) {
  (void)si_data, (void)si_data_len, (void)si_flags, (void)so_datalen_out;
  return not_a_socket(fd);
}

int32_t WASI_FN(sock_shutdown)(uint32_t fd, uint32_t how) {
  (void)how;
  return not_a_socket(fd);
}

#else
#include <sys/socket.h>

/* riflags, roflags, sdflags */
#define WASI_SOCK_RECV_PEEK 0x1u
#define WASI_SOCK_RECV_WAITALL 0x2u
#define WASI_SOCK_RECV_DATA_TRUNCATED 0x1u
#define WASI_SHUT_RD 0x1u
#define WASI_SHUT_WR 0x2u

/* The socket behind guest descriptor `fd`, which must hold `rights`. */
static wasi_fd *socket_fd(uint32_t fd, uint64_t rights, wasi_errno *err) {
  wasi_fd *e = innative_wasi_fd(fd);
  if (e == NULL) {
    *err = WASI_EBADF;
    return NULL;
  }
  struct stat st;
  if (fstat(e->host, &st) != 0) {
    *err = innative_wasi_errno(errno);
    return NULL;
  }
  if (!S_ISSOCK(st.st_mode)) {
    *err = WASI_ENOTSOCK;
    return NULL;
  }
  if ((e->rights_base & rights) != rights) {
    *err = WASI_ENOTCAPABLE;
    return NULL;
  }
  return e;
}

/* recvmsg (`receive`) or sendmsg on the guest's iovecs, retried on EINTR;
 * the byte count in *n and, for a receive, the message flags in *msg_flags. */
static wasi_errno transfer(int host, int receive, uint32_t iovs, uint32_t iovs_len, int flags, size_t *n,
                           int *msg_flags) {
  host_iovs h;
  wasi_errno err = innative_wasi_iovs(iovs, iovs_len, &h);
  if (err != WASI_ESUCCESS)
    return err;
  struct msghdr msg = {.msg_iov = h.v, .msg_iovlen = (size_t)h.n};
  ssize_t r;
  do
    r = receive ? recvmsg(host, &msg, flags) : sendmsg(host, &msg, flags);
  while (r < 0 && errno == EINTR);
  int saved = errno;
  innative_wasi_iovs_free(&h);
  if (r < 0)
    return innative_wasi_errno(saved);
  *n = (size_t)r;
  *msg_flags = msg.msg_flags;
  return WASI_ESUCCESS;
}

int32_t WASI_FN(sock_accept)(uint32_t fd, uint32_t flags, uint32_t fd_out) {
  uint8_t *out = innative_wasi_ptr(fd_out, 4);
  if (out == NULL)
    return WASI_EFAULT;
  wasi_errno err;
  wasi_fd *e = socket_fd(fd, WASI_RIGHT_SOCK_ACCEPT, &err);
  if (e == NULL)
    return err;
  if (flags & ~WASI_FDFLAG_NONBLOCK)
    return WASI_EINVAL;
  int host;
  do
    host = accept4(e->host, NULL, NULL, SOCK_CLOEXEC | (flags & WASI_FDFLAG_NONBLOCK ? SOCK_NONBLOCK : 0));
  while (host < 0 && errno == EINTR);
  if (host < 0)
    return innative_wasi_errno(errno);
  uint32_t guest;
  err = innative_wasi_fd_insert(host, WASI_RIGHTS_ALL, &guest);
  if (err != WASI_ESUCCESS)
    return err;
  wasi_store32(out, guest);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(sock_recv)(uint32_t fd, uint32_t ri_data, uint32_t ri_data_len, uint32_t ri_flags,
                           uint32_t ro_datalen_out, uint32_t ro_flags_out) {
  uint8_t *len_out = innative_wasi_ptr(ro_datalen_out, 4), *flags_out = innative_wasi_ptr(ro_flags_out, 2);
  if (len_out == NULL || flags_out == NULL)
    return WASI_EFAULT;
  wasi_errno err;
  wasi_fd *e = socket_fd(fd, WASI_RIGHT_FD_READ, &err);
  if (e == NULL)
    return err;
  if (ri_flags & ~(WASI_SOCK_RECV_PEEK | WASI_SOCK_RECV_WAITALL))
    return WASI_EINVAL;
  int how = (ri_flags & WASI_SOCK_RECV_PEEK ? MSG_PEEK : 0) | (ri_flags & WASI_SOCK_RECV_WAITALL ? MSG_WAITALL : 0);
  size_t n;
  int msg_flags;
  err = transfer(e->host, 1, ri_data, ri_data_len, how, &n, &msg_flags);
  if (err != WASI_ESUCCESS)
    return err;
  wasi_store32(len_out, (uint32_t)n);
  wasi_store16(flags_out, msg_flags & MSG_TRUNC ? WASI_SOCK_RECV_DATA_TRUNCATED : 0);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(sock_send)(uint32_t fd, uint32_t si_data, uint32_t si_data_len, uint32_t si_flags,
                           uint32_t so_datalen_out) {
  uint8_t *len_out = innative_wasi_ptr(so_datalen_out, 4);
  if (len_out == NULL)
    return WASI_EFAULT;
  wasi_errno err;
  wasi_fd *e = socket_fd(fd, WASI_RIGHT_FD_WRITE, &err);
  if (e == NULL)
    return err;
  if (si_flags != 0)
    return WASI_EINVAL;
  size_t n;
  int msg_flags;
  err = transfer(e->host, 0, si_data, si_data_len, MSG_NOSIGNAL, &n, &msg_flags);
  if (err != WASI_ESUCCESS)
    return err;
  wasi_store32(len_out, (uint32_t)n);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(sock_shutdown)(uint32_t fd, uint32_t how) {
  wasi_errno err;
  wasi_fd *e = socket_fd(fd, WASI_RIGHT_SOCK_SHUTDOWN, &err);
  if (e == NULL)
    return err;
  int host_how;
  switch (how) {
  case WASI_SHUT_RD: host_how = SHUT_RD; break;
  case WASI_SHUT_WR: host_how = SHUT_WR; break;
  case WASI_SHUT_RD | WASI_SHUT_WR: host_how = SHUT_RDWR; break;
  default: return WASI_EINVAL;
  }
  return shutdown(e->host, host_how) == 0 ? WASI_ESUCCESS : innative_wasi_errno(errno);
}
#endif
