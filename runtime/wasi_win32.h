/*
 * wasi_win32.h — the POSIX file interface the WASI files use, emulated on
 * Win32 (wasi_win32.c), so that the WASI code (and its sandbox: resolving
 * a guest path one component at a time beneath a directory descriptor) is
 * the same on both platforms.  Included by wasi.h on Windows only.
 *
 * Descriptors are MinGW C runtime descriptors (_open_osfhandle), whose
 * Win32 handle does the I/O (ReadFile/WriteFile: raw bytes, no text-mode
 * translation, whatever mode the C runtime has for fds 0-2).  A directory
 * descriptor holds a handle on the directory and remembers its absolute
 * path ("\\?\C:\..."); the *at() functions join that path with the single
 * component they are given (wasi_path.c never passes more than one), and
 * refuse components that Win32 would read as more than one name ('\\',
 * ':').  The "\\?\" prefix keeps Win32 from reinterpreting names (no device
 * names such as CON, no stripping of trailing dots).
 *
 * Left out: symlinks (readlinkat reports any reparse point as a link to
 * "/", which the sandbox refuses; symlinkat fails with EPERM), and the
 * sync flags of open (accepted, ignored).
 *
 * Every name is a macro for an innative_w_* function, after every system
 * header the WASI files include, so nothing of the C runtime is replaced.
 */
#ifndef INNATIVE_WASI_WIN32_H
#define INNATIVE_WASI_WIN32_H
#ifdef _WIN32

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- stat ------------------------------------------------------------------ */

#undef stat
#undef fstat
#define stat innative_w_stat
struct innative_w_stat {
  uint64_t st_dev, st_ino, st_nlink;
  int64_t st_size;
  unsigned st_mode;
  struct timespec st_atim, st_mtim, st_ctim;
};

#ifndef S_IFLNK
#define S_IFLNK 0120000
#endif
#ifndef S_IFSOCK
#define S_IFSOCK 0140000
#endif
#ifndef S_IFBLK
#define S_IFBLK 0060000
#endif
#ifndef S_ISLNK
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#endif
#ifndef S_ISSOCK
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)
#endif

/* ---- open flags (beyond what MinGW's fcntl.h has) --------------------------- */

#ifndef O_ACCMODE
#define O_ACCMODE (O_RDONLY | O_WRONLY | O_RDWR)
#endif
#define O_DIRECTORY 0x00100000
#define O_NOFOLLOW 0x00200000
#define O_CLOEXEC 0x00400000
#define O_NOCTTY 0x00800000
#define O_NONBLOCK 0x01000000
#define O_SYNC 0x02000000
#define O_DSYNC 0x04000000
#define O_RSYNC 0x08000000
#define O_PATH 0x10000000

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define F_GETFD 1
#define F_GETFL 3
#define F_SETFL 4
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#define POSIX_FADV_NORMAL 0
#define POSIX_FADV_RANDOM 1
#define POSIX_FADV_SEQUENTIAL 2
#define POSIX_FADV_WILLNEED 3
#define POSIX_FADV_DONTNEED 4
#define POSIX_FADV_NOREUSE 5
#ifndef NAME_MAX
#define NAME_MAX 255
#endif
#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

/* ---- descriptors ------------------------------------------------------------ */

struct iovec {
  void *iov_base;
  size_t iov_len;
};

#undef open
#undef close
#undef lseek
#undef isatty
#undef ftruncate
#undef fsync
#define open(path, ...) innative_w_openat(AT_FDCWD, (path), __VA_ARGS__)
#define openat innative_w_openat
#define close innative_w_close
#define fstat innative_w_fstat
#define fstatat innative_w_fstatat
#define fcntl innative_w_fcntl
#define isatty innative_w_isatty
#define readv innative_w_readv
#define writev innative_w_writev
#define preadv innative_w_preadv
#define pwritev innative_w_pwritev
#define lseek innative_w_lseek
#define fsync innative_w_fsync
#define fdatasync innative_w_fsync
#define posix_fadvise innative_w_posix_fadvise
#define posix_fallocate innative_w_posix_fallocate
#define ftruncate innative_w_ftruncate
#define futimens innative_w_futimens
#define utimensat innative_w_utimensat
#define readlinkat innative_w_readlinkat
#define mkdirat innative_w_mkdirat
#define unlinkat innative_w_unlinkat
#define renameat innative_w_renameat
#define linkat innative_w_linkat
#define symlinkat innative_w_symlinkat

int innative_w_openat(int dirfd, const char *path, int flags, ...);
int innative_w_close(int fd);
int innative_w_fstat(int fd, struct innative_w_stat *st);
int innative_w_fstatat(int dirfd, const char *name, struct innative_w_stat *st, int flags);
int innative_w_fcntl(int fd, int cmd, ...);
int innative_w_isatty(int fd);
ssize_t innative_w_readv(int fd, const struct iovec *iov, int n);
ssize_t innative_w_writev(int fd, const struct iovec *iov, int n);
ssize_t innative_w_preadv(int fd, const struct iovec *iov, int n, int64_t offset);
ssize_t innative_w_pwritev(int fd, const struct iovec *iov, int n, int64_t offset);
int64_t innative_w_lseek(int fd, int64_t offset, int whence);
int innative_w_fsync(int fd);
int innative_w_posix_fadvise(int fd, int64_t offset, int64_t len, int advice);
int innative_w_posix_fallocate(int fd, int64_t offset, int64_t len);
int innative_w_ftruncate(int fd, int64_t size);
int innative_w_futimens(int fd, const struct timespec ts[2]);
int innative_w_utimensat(int dirfd, const char *name, const struct timespec ts[2], int flags);
ssize_t innative_w_readlinkat(int dirfd, const char *name, char *buf, size_t len);
int innative_w_mkdirat(int dirfd, const char *name, int mode);
int innative_w_unlinkat(int dirfd, const char *name, int flags);
int innative_w_renameat(int olddirfd, const char *oldname, int newdirfd, const char *newname);
int innative_w_linkat(int olddirfd, const char *oldname, int newdirfd, const char *newname,
                      int flags);
int innative_w_symlinkat(const char *target, int dirfd, const char *name);

/* ---- directories ------------------------------------------------------------ */

#define DT_UNKNOWN 0
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

#define DIR innative_w_DIR
#define dirent innative_w_dirent
typedef struct innative_w_DIR innative_w_DIR;
struct innative_w_dirent {
  uint64_t d_ino;
  unsigned char d_type;
  char d_name[3 * 260 + 1]; /* MAX_PATH UTF-16 units as UTF-8 */
};
#define fdopendir innative_w_fdopendir
#define readdir innative_w_readdir
#define rewinddir innative_w_rewinddir
#define seekdir innative_w_seekdir
#define telldir innative_w_telldir
#define closedir innative_w_closedir
#define dirfd innative_w_dirfd
innative_w_DIR *innative_w_fdopendir(int fd);
struct innative_w_dirent *innative_w_readdir(innative_w_DIR *d);
void innative_w_rewinddir(innative_w_DIR *d);
void innative_w_seekdir(innative_w_DIR *d, long pos);
long innative_w_telldir(innative_w_DIR *d);
int innative_w_closedir(innative_w_DIR *d); /* closes the descriptor too */
int innative_w_dirfd(innative_w_DIR *d);

/* ---- poll, random, strings --------------------------------------------------- */

#define POLLIN 0x001
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define pollfd innative_w_pollfd
struct innative_w_pollfd {
  int fd;
  short events, revents;
};
/* Regular files and consoles are always ready to write; a pipe is
 * readable when PeekNamedPipe sees bytes (or its writer is gone: POLLHUP).
 * Waits by sleeping in short steps until something is ready or `timeout`
 * (NULL: none) has passed. */
#define ppoll(fds, n, timeout, sigmask) innative_w_ppoll((fds), (n), (timeout))
int innative_w_ppoll(struct innative_w_pollfd *fds, unsigned n, const struct timespec *timeout);
/* Bytes a read of `fd` can return without blocking (pipes), else -1. */
#define FIONREAD 0x541B
#define ioctl(fd, request, count) innative_w_fionread((fd), (count))
int innative_w_fionread(int fd, int *count);

#define getrandom(buf, len, flags) innative_w_getrandom((buf), (len))
ssize_t innative_w_getrandom(void *buf, size_t len);

#define strndup innative_w_strndup
#define strchrnul innative_w_strchrnul
char *innative_w_strndup(const char *s, size_t n);
char *innative_w_strchrnul(const char *s, int c);

#endif
#endif
