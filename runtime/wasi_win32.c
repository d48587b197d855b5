/*
 * wasi_win32.c — the POSIX file calls of wasi_win32.h on Win32 (what each
 * emulates, and what it leaves out, is said there).  Compiles to nothing on
 * other platforms.
 */
#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include "wasi.h"

#include <stdarg.h>
#include <windows.h>
#include <ntsecapi.h> /* RtlGenRandom */

/* ---- errors -------------------------------------------------------------- */

static int errno_of(DWORD e) {
  switch (e) {
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
  case ERROR_INVALID_NAME:
  case ERROR_BAD_PATHNAME:
  case ERROR_INVALID_DRIVE:
  case ERROR_BAD_NETPATH: return ENOENT;
  case ERROR_ACCESS_DENIED:
  case ERROR_SHARING_VIOLATION:
  case ERROR_LOCK_VIOLATION: return EACCES;
  case ERROR_ALREADY_EXISTS:
  case ERROR_FILE_EXISTS: return EEXIST;
  case ERROR_DIR_NOT_EMPTY: return ENOTEMPTY;
  case ERROR_DIRECTORY: return ENOTDIR;
  case ERROR_NOT_SAME_DEVICE: return EXDEV;
  case ERROR_DISK_FULL:
  case ERROR_HANDLE_DISK_FULL: return ENOSPC;
  case ERROR_INVALID_HANDLE: return EBADF;
  case ERROR_NOT_SUPPORTED:
  case ERROR_CALL_NOT_IMPLEMENTED: return ENOTSUP;
  case ERROR_FILENAME_EXCED_RANGE:
  case ERROR_BUFFER_OVERFLOW: return ENAMETOOLONG;
  case ERROR_BROKEN_PIPE:
  case ERROR_NO_DATA: return EPIPE;
  case ERROR_NEGATIVE_SEEK:
  case ERROR_INVALID_PARAMETER: return EINVAL;
  case ERROR_PRIVILEGE_NOT_HELD: return EPERM;
  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_OUTOFMEMORY: return ENOMEM;
  case ERROR_TOO_MANY_OPEN_FILES: return EMFILE;
  case ERROR_CANT_RESOLVE_FILENAME: return ELOOP;
  default: return EIO;
  }
}

static int fail(int e) {
  errno = e;
  return -1;
}

static int fail_win32(void) { return fail(errno_of(GetLastError())); }

/* ---- the descriptor table -------------------------------------------------
 * What the C runtime does not keep for a descriptor: the POSIX open flags
 * (for F_GETFL and O_APPEND) and, for a directory, its absolute path. */

typedef struct fd_info {
  int known;
  int flags;
  wchar_t *dir; /* "\\?\C:\...": a directory descriptor */
} fd_info;

static fd_info *fds;
static size_t nfds;

static fd_info *info(int fd) {
  if (fd < 0)
    return NULL;
  if ((size_t)fd >= nfds) {
    size_t n = nfds ? nfds : 16;
    while (n <= (size_t)fd)
      n *= 2;
    fd_info *grown = realloc(fds, n * sizeof *grown);
    if (grown == NULL)
      return NULL;
    memset(grown + nfds, 0, (n - nfds) * sizeof *grown);
    fds = grown;
    nfds = n;
  }
  return &fds[fd];
}

static HANDLE handle_of(int fd) {
  return fd < 0 ? INVALID_HANDLE_VALUE : (HANDLE)_get_osfhandle(fd);
}

/* The open flags of `fd`: those it was opened with, or for an inherited
 * descriptor (stdio) what the handle allows. */
static int flags_of(int fd) {
  fd_info *i = info(fd);
  if (i != NULL && i->known)
    return i->flags;
  return fd == 0 ? O_RDONLY : fd <= 2 ? O_WRONLY : O_RDWR;
}

/* ---- paths ---------------------------------------------------------------- */

static wchar_t *widen(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  if (n <= 0) {
    errno = EILSEQ;
    return NULL;
  }
  wchar_t *w = malloc((size_t)n * sizeof *w);
  if (w == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
  return w;
}

/* The host path of `name` relative to directory descriptor `dirfd` (or to
 * the working directory for AT_FDCWD, where `name` may be a whole path).
 * NULL with errno set when `dirfd` is no directory or `name` is no single
 * component. */
static wchar_t *host_path(int dirfd, const char *name) {
  if (dirfd == AT_FDCWD) {
    wchar_t *w = widen(name);
    if (w == NULL)
      return NULL;
    DWORD n = GetFullPathNameW(w, 0, NULL, NULL);
    wchar_t *full = n ? malloc(((size_t)n + 8) * sizeof *full) : NULL;
    if (full == NULL) {
      free(w);
      errno = n ? ENOMEM : ENOENT;
      return NULL;
    }
    if (wcsncmp(w, L"\\\\?\\", 4) == 0) {
      free(full);
      return w;
    }
    GetFullPathNameW(w, n, full, NULL);
    free(w);
    /* "\\?\" + C:\dir, or "\\?\UNC\" + server\share for \\server\share. */
    int unc = full[0] == L'\\' && full[1] == L'\\';
    const wchar_t *prefix = unc ? L"\\\\?\\UNC" : L"\\\\?\\";
    size_t len = wcslen(full + (unc ? 1 : 0)), plen = wcslen(prefix);
    wchar_t *out = malloc((plen + len + 1) * sizeof *out);
    if (out != NULL) {
      wcscpy(out, prefix);
      wcscpy(out + plen, full + (unc ? 1 : 0));
    } else {
      errno = ENOMEM;
    }
    free(full);
    return out;
  }
  fd_info *i = info(dirfd);
  if (handle_of(dirfd) == INVALID_HANDLE_VALUE) {
    errno = EBADF;
    return NULL;
  }
  if (i == NULL || i->dir == NULL) {
    errno = ENOTDIR;
    return NULL;
  }
  if (strpbrk(name, "\\:") != NULL || name[0] == '\0') {
    errno = ENOENT;
    return NULL;
  }
  int self = strcmp(name, ".") == 0;
  wchar_t *w = self ? NULL : widen(name);
  if (!self && w == NULL)
    return NULL;
  size_t dlen = wcslen(i->dir), nlen = self ? 0 : wcslen(w);
  wchar_t *out = malloc((dlen + nlen + 2) * sizeof *out);
  if (out == NULL) {
    free(w);
    errno = ENOMEM;
    return NULL;
  }
  wcscpy(out, i->dir);
  if (!self) {
    if (dlen == 0 || out[dlen - 1] != L'\\')
      wcscat(out, L"\\");
    wcscat(out, w);
  }
  free(w);
  return out;
}

/* ---- stat ------------------------------------------------------------------ */

static struct timespec timespec_of_filetime(LARGE_INTEGER t) {
  /* 100 ns units since 1601 -> since 1970 */
  struct timespec ts = {0, 0};
  int64_t v = t.QuadPart - INT64_C(116444736000000000);
  if (v > 0) {
    ts.tv_sec = (time_t)(v / 10000000);
    ts.tv_nsec = (long)(v % 10000000) * 100;
  }
  return ts;
}

static int stat_handle(HANDLE h, struct innative_w_stat *st) {
  memset(st, 0, sizeof *st);
  st->st_nlink = 1;
  DWORD type = GetFileType(h);
  if (type == FILE_TYPE_CHAR) {
    st->st_mode = S_IFCHR | 0666;
    return 0;
  }
  if (type == FILE_TYPE_PIPE) {
    st->st_mode = S_IFIFO | 0600;
    return 0;
  }
  /* Size, links and kind from FileStandardInfo, times and attributes from
   * FileBasicInfo: Wine answers both for the standard handles it makes of
   * Unix files, where GetFileInformationByHandle fails; that one only adds
   * the volume and file index (st_dev, st_ino) when it works. */
  FILE_STANDARD_INFO std;
  FILE_BASIC_INFO basic;
  BY_HANDLE_FILE_INFORMATION bh;
  if (!GetFileInformationByHandleEx(h, FileStandardInfo, &std, sizeof std))
    return fail_win32();
  st->st_nlink = std.NumberOfLinks;
  st->st_size = std.EndOfFile.QuadPart;
  DWORD attrs = std.Directory ? FILE_ATTRIBUTE_DIRECTORY : 0;
  if (GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic)) {
    attrs = basic.FileAttributes;
    st->st_atim = timespec_of_filetime(basic.LastAccessTime);
    st->st_mtim = timespec_of_filetime(basic.LastWriteTime);
    st->st_ctim = timespec_of_filetime(basic.ChangeTime);
  }
  if (GetFileInformationByHandle(h, &bh)) {
    st->st_dev = bh.dwVolumeSerialNumber;
    st->st_ino = (uint64_t)bh.nFileIndexHigh << 32 | bh.nFileIndexLow;
  }
  if (attrs & FILE_ATTRIBUTE_REPARSE_POINT)
    st->st_mode = S_IFLNK | 0777;
  else if (attrs & FILE_ATTRIBUTE_DIRECTORY)
    st->st_mode = S_IFDIR | 0755;
  else
    st->st_mode = S_IFREG | (attrs & FILE_ATTRIBUTE_READONLY ? 0444 : 0644);
  return 0;
}

int innative_w_fstat(int fd, struct innative_w_stat *st) {
  HANDLE h = handle_of(fd);
  if (h == INVALID_HANDLE_VALUE)
    return fail(EBADF);
  return stat_handle(h, st);
}

/* A handle on `path` for looking at it (and changing its times). */
static HANDLE open_attributes(const wchar_t *path, int nofollow, DWORD access) {
  return CreateFileW(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                     OPEN_EXISTING,
                     FILE_FLAG_BACKUP_SEMANTICS | (nofollow ? FILE_FLAG_OPEN_REPARSE_POINT : 0),
                     NULL);
}

int innative_w_fstatat(int dirfd, const char *name, struct innative_w_stat *st, int flags) {
  wchar_t *path = host_path(dirfd, name);
  if (path == NULL)
    return -1;
  HANDLE h = open_attributes(path, flags & AT_SYMLINK_NOFOLLOW, FILE_READ_ATTRIBUTES);
  free(path);
  if (h == INVALID_HANDLE_VALUE)
    return fail_win32();
  int rc = stat_handle(h, st);
  CloseHandle(h);
  return rc;
}

/* ---- open / close ------------------------------------------------------------ */

/* A descriptor for handle `h`, with its flags (and directory path). */
static int adopt(HANDLE h, int flags, wchar_t *dir) {
  int fd = _open_osfhandle((intptr_t)h, _O_BINARY | (flags & O_ACCMODE));
  if (fd < 0) {
    CloseHandle(h);
    free(dir);
    return fail(EMFILE);
  }
  fd_info *i = info(fd);
  if (i == NULL) {
    _close(fd);
    free(dir);
    return fail(ENOMEM);
  }
  free(i->dir);
  i->known = 1;
  i->flags = flags;
  i->dir = dir;
  return fd;
}

int innative_w_openat(int dirfd, const char *name, int flags, ...) {
  wchar_t *path = host_path(dirfd, name);
  if (path == NULL)
    return -1;
  DWORD attrs = GetFileAttributesW(path);
  int exists = attrs != INVALID_FILE_ATTRIBUTES;
  int is_dir = exists && (attrs & FILE_ATTRIBUTE_DIRECTORY) &&
               !(attrs & FILE_ATTRIBUTE_REPARSE_POINT);
  int acc = flags & O_ACCMODE;
  if (exists && (attrs & FILE_ATTRIBUTE_REPARSE_POINT) && (flags & O_NOFOLLOW)) {
    free(path);
    return fail(ELOOP);
  }
  if ((flags & O_CREAT) && (flags & O_EXCL) && exists) {
    free(path);
    return fail(EEXIST);
  }
  if (is_dir) {
    if (acc != O_RDONLY) {
      free(path);
      return fail(EISDIR);
    }
    HANDLE h = open_attributes(path, 0, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES |
                                            FILE_WRITE_ATTRIBUTES);
    if (h == INVALID_HANDLE_VALUE)
      h = open_attributes(path, 0, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES);
    if (h == INVALID_HANDLE_VALUE) {
      free(path);
      return fail_win32();
    }
    return adopt(h, flags, path);
  }
  if (flags & O_DIRECTORY) {
    free(path);
    if (!exists && !(flags & O_CREAT))
      return fail(ENOENT);
    return fail(ENOTDIR);
  }
  DWORD access = FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES;
  if (acc == O_RDONLY || acc == O_RDWR)
    access |= GENERIC_READ;
  if (acc == O_WRONLY || acc == O_RDWR)
    access |= GENERIC_WRITE;
  DWORD disposition;
  if (flags & O_CREAT)
    disposition = flags & O_EXCL ? CREATE_NEW : flags & O_TRUNC ? CREATE_ALWAYS : OPEN_ALWAYS;
  else
    disposition = flags & O_TRUNC ? TRUNCATE_EXISTING : OPEN_EXISTING;
  if (disposition == TRUNCATE_EXISTING)
    access |= GENERIC_WRITE; /* Win32 needs it to truncate; POSIX leaves it open */
  HANDLE h = CreateFileW(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, disposition,
                         FILE_ATTRIBUTE_NORMAL | FILE_FLAG_BACKUP_SEMANTICS |
                             (flags & O_NOFOLLOW ? FILE_FLAG_OPEN_REPARSE_POINT : 0),
                         NULL);
  free(path);
  if (h == INVALID_HANDLE_VALUE)
    return fail_win32();
  return adopt(h, flags, NULL);
}

int innative_w_close(int fd) {
  fd_info *i = fd >= 0 && (size_t)fd < nfds ? &fds[fd] : NULL;
  if (i != NULL) {
    free(i->dir);
    memset(i, 0, sizeof *i);
  }
  return _close(fd);
}

int innative_w_fcntl(int fd, int cmd, ...) {
  if (handle_of(fd) == INVALID_HANDLE_VALUE)
    return fail(EBADF);
  switch (cmd) {
  case F_GETFD: return 0;
  case F_GETFL: return flags_of(fd);
  case F_SETFL: {
    va_list ap;
    va_start(ap, cmd);
    int set = va_arg(ap, int);
    va_end(ap);
    fd_info *i = info(fd);
    if (i == NULL)
      return fail(ENOMEM);
    int keep = flags_of(fd) & ~(O_APPEND | O_NONBLOCK);
    i->flags = keep | (set & (O_APPEND | O_NONBLOCK));
    i->known = 1;
    return 0;
  }
  default: return fail(EINVAL);
  }
}

int innative_w_isatty(int fd) {
  DWORD mode;
  HANDLE h = handle_of(fd);
  if (h == INVALID_HANDLE_VALUE) {
    errno = EBADF;
    return 0;
  }
  return GetConsoleMode(h, &mode) != 0;
}

/* ---- reading and writing ----------------------------------------------------- */

static ssize_t transfer(int fd, const struct iovec *iov, int n, int write) {
  HANDLE h = handle_of(fd);
  if (h == INVALID_HANDLE_VALUE)
    return fail(EBADF);
  int fl = flags_of(fd);
  if (write ? (fl & O_ACCMODE) == O_RDONLY : (fl & O_ACCMODE) == O_WRONLY)
    return fail(EBADF);
  if (write && (fl & O_APPEND)) {
    LARGE_INTEGER zero = {.QuadPart = 0};
    SetFilePointerEx(h, zero, NULL, FILE_END);
  }
  ssize_t total = 0;
  for (int k = 0; k < n; k++) {
    size_t len = iov[k].iov_len;
    if (len == 0)
      continue;
    DWORD chunk = len > 0x40000000u ? 0x40000000u : (DWORD)len, done = 0;
    BOOL ok = write ? WriteFile(h, iov[k].iov_base, chunk, &done, NULL)
                    : ReadFile(h, iov[k].iov_base, chunk, &done, NULL);
    if (!ok) {
      DWORD e = GetLastError();
      /* A pipe whose writer is gone is at its end. */
      if (!write && (e == ERROR_BROKEN_PIPE || e == ERROR_HANDLE_EOF))
        break;
      if (total > 0)
        break;
      return fail(errno_of(e));
    }
    total += done;
    if (done < chunk)
      break;
  }
  return total;
}

ssize_t innative_w_readv(int fd, const struct iovec *iov, int n) { return transfer(fd, iov, n, 0); }

ssize_t innative_w_writev(int fd, const struct iovec *iov, int n) { return transfer(fd, iov, n, 1); }

int64_t innative_w_lseek(int fd, int64_t offset, int whence) {
  HANDLE h = handle_of(fd);
  if (h == INVALID_HANDLE_VALUE)
    return fail(EBADF);
  if (GetFileType(h) != FILE_TYPE_DISK)
    return fail(ESPIPE);
  DWORD how = whence == SEEK_SET ? FILE_BEGIN : whence == SEEK_CUR ? FILE_CURRENT : FILE_END;
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
    return fail(EINVAL);
  LARGE_INTEGER to = {.QuadPart = offset}, at;
  if (!SetFilePointerEx(h, to, &at, how))
    return fail_win32();
  return at.QuadPart;
}

/* pread/pwrite: at `offset`, leaving the position where it was. */
static ssize_t positioned(int fd, const struct iovec *iov, int n, int64_t offset, int write) {
  int64_t pos = innative_w_lseek(fd, 0, SEEK_CUR);
  if (pos < 0)
    return -1;
  if (innative_w_lseek(fd, offset, SEEK_SET) < 0)
    return -1;
  fd_info *i = info(fd);
  int saved = flags_of(fd);
  if (i != NULL && i->known)
    i->flags &= ~O_APPEND; /* pwrite writes at the offset asked for */
  ssize_t r = transfer(fd, iov, n, write);
  int err = errno;
  if (i != NULL && i->known)
    i->flags = saved;
  innative_w_lseek(fd, pos, SEEK_SET);
  errno = err;
  return r;
}

ssize_t innative_w_preadv(int fd, const struct iovec *iov, int n, int64_t offset) {
  return positioned(fd, iov, n, offset, 0);
}

ssize_t innative_w_pwritev(int fd, const struct iovec *iov, int n, int64_t offset) {
  return positioned(fd, iov, n, offset, 1);
}

int innative_w_fsync(int fd) {
  HANDLE h = handle_of(fd);
  if (h == INVALID_HANDLE_VALUE)
    return fail(EBADF);
  fd_info *i = info(fd);
  if (i != NULL && i->dir != NULL)
    return 0; /* a directory has nothing to flush that Win32 can */
  if (GetFileType(h) != FILE_TYPE_DISK)
    return fail(EINVAL);
  return FlushFileBuffers(h) ? 0 : fail_win32();
}

/* These two return the error number (POSIX), not -1. */
int innative_w_posix_fadvise(int fd, int64_t offset, int64_t len, int advice) {
  (void)offset, (void)len, (void)advice;
  HANDLE h = handle_of(fd);
  if (h == INVALID_HANDLE_VALUE)
    return EBADF;
  return GetFileType(h) == FILE_TYPE_PIPE ? ESPIPE : 0;
}

static int set_size(HANDLE h, int64_t size) {
  FILE_END_OF_FILE_INFO eof;
  eof.EndOfFile.QuadPart = size;
  return SetFileInformationByHandle(h, FileEndOfFileInfo, &eof, sizeof eof) ? 0
                                                                            : errno_of(GetLastError());
}

int innative_w_posix_fallocate(int fd, int64_t offset, int64_t len) {
  HANDLE h = handle_of(fd);
  LARGE_INTEGER size;
  if (h == INVALID_HANDLE_VALUE)
    return EBADF;
  if (GetFileType(h) != FILE_TYPE_DISK)
    return ESPIPE;
  if (!GetFileSizeEx(h, &size))
    return errno_of(GetLastError());
  return offset + len > size.QuadPart ? set_size(h, offset + len) : 0;
}

int innative_w_ftruncate(int fd, int64_t size) {
  HANDLE h = handle_of(fd);
  if (h == INVALID_HANDLE_VALUE)
    return fail(EBADF);
  if ((flags_of(fd) & O_ACCMODE) == O_RDONLY)
    return fail(EINVAL);
  int e = set_size(h, size);
  return e ? fail(e) : 0;
}

/* ---- times ------------------------------------------------------------------ */

static int set_times(HANDLE h, const struct timespec ts[2]) {
  FILETIME ft[2], now;
  const FILETIME *p[2] = {NULL, NULL};
  GetSystemTimeAsFileTime(&now);
  for (int k = 0; k < 2; k++) {
    if (ts[k].tv_nsec == UTIME_OMIT)
      continue;
    if (ts[k].tv_nsec == UTIME_NOW) {
      ft[k] = now;
    } else {
      uint64_t v = (uint64_t)ts[k].tv_sec * 10000000u + (uint64_t)ts[k].tv_nsec / 100u +
                   UINT64_C(116444736000000000);
      ft[k].dwLowDateTime = (DWORD)v;
      ft[k].dwHighDateTime = (DWORD)(v >> 32);
    }
    p[k] = &ft[k];
  }
  return SetFileTime(h, NULL, p[0], p[1]) ? 0 : fail_win32();
}

int innative_w_futimens(int fd, const struct timespec ts[2]) {
  HANDLE h = handle_of(fd);
  if (h == INVALID_HANDLE_VALUE)
    return fail(EBADF);
  return set_times(h, ts);
}

int innative_w_utimensat(int dirfd, const char *name, const struct timespec ts[2], int flags) {
  wchar_t *path = host_path(dirfd, name);
  if (path == NULL)
    return -1;
  HANDLE h = open_attributes(path, flags & AT_SYMLINK_NOFOLLOW, FILE_WRITE_ATTRIBUTES);
  free(path);
  if (h == INVALID_HANDLE_VALUE)
    return fail_win32();
  int rc = set_times(h, ts);
  CloseHandle(h);
  return rc;
}

/* ---- names in a directory ------------------------------------------------------ */

ssize_t innative_w_readlinkat(int dirfd, const char *name, char *buf, size_t len) {
  wchar_t *path = host_path(dirfd, name);
  if (path == NULL)
    return -1;
  DWORD attrs = GetFileAttributesW(path);
  free(path);
  if (attrs == INVALID_FILE_ATTRIBUTES)
    return fail_win32();
  if (!(attrs & FILE_ATTRIBUTE_REPARSE_POINT))
    return fail(EINVAL); /* not a symlink */
  /* Symlinks, junctions and mount points: where they lead is not followed
   * here; an absolute target makes the sandbox refuse it. */
  if (len == 0)
    return 0;
  buf[0] = '/';
  return 1;
}

int innative_w_mkdirat(int dirfd, const char *name, int mode) {
  (void)mode;
  wchar_t *path = host_path(dirfd, name);
  if (path == NULL)
    return -1;
  BOOL ok = CreateDirectoryW(path, NULL);
  free(path);
  return ok ? 0 : fail_win32();
}

int innative_w_unlinkat(int dirfd, const char *name, int flags) {
  wchar_t *path = host_path(dirfd, name);
  if (path == NULL)
    return -1;
  DWORD attrs = GetFileAttributesW(path);
  int is_dir = attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY);
  BOOL ok;
  if (flags & AT_REMOVEDIR) {
    if (attrs != INVALID_FILE_ATTRIBUTES && !is_dir) {
      free(path);
      return fail(ENOTDIR);
    }
    ok = RemoveDirectoryW(path);
  } else {
    if (is_dir && !(attrs & FILE_ATTRIBUTE_REPARSE_POINT)) {
      free(path);
      return fail(EISDIR);
    }
    ok = is_dir ? RemoveDirectoryW(path) : DeleteFileW(path);
  }
  free(path);
  return ok ? 0 : fail_win32();
}

int innative_w_renameat(int olddirfd, const char *oldname, int newdirfd, const char *newname) {
  wchar_t *from = host_path(olddirfd, oldname);
  wchar_t *to = from != NULL ? host_path(newdirfd, newname) : NULL;
  if (to == NULL) {
    free(from);
    return -1;
  }
  DWORD a = GetFileAttributesW(from), b = GetFileAttributesW(to);
  int rc = 0;
  if (a == INVALID_FILE_ATTRIBUTES) {
    rc = fail_win32();
  } else if (b != INVALID_FILE_ATTRIBUTES && (b & FILE_ATTRIBUTE_DIRECTORY) &&
             !(a & FILE_ATTRIBUTE_DIRECTORY)) {
    rc = fail(EISDIR);
  } else if (b != INVALID_FILE_ATTRIBUTES && !(b & FILE_ATTRIBUTE_DIRECTORY) &&
             (a & FILE_ATTRIBUTE_DIRECTORY)) {
    rc = fail(ENOTDIR);
  } else {
    /* POSIX replaces an empty directory; Win32 only files. */
    if (b != INVALID_FILE_ATTRIBUTES && (b & FILE_ATTRIBUTE_DIRECTORY) && wcscmp(from, to) != 0 &&
        !RemoveDirectoryW(to))
      rc = fail_win32();
    else if (!MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING))
      rc = fail_win32();
  }
  free(from);
  free(to);
  return rc;
}

int innative_w_linkat(int olddirfd, const char *oldname, int newdirfd, const char *newname,
                      int flags) {
  (void)flags;
  wchar_t *from = host_path(olddirfd, oldname);
  wchar_t *to = from != NULL ? host_path(newdirfd, newname) : NULL;
  int rc = 0;
  if (to == NULL)
    rc = -1;
  else if (!CreateHardLinkW(to, from, NULL))
    rc = fail_win32();
  free(from);
  free(to);
  return rc;
}

int innative_w_symlinkat(const char *target, int dirfd, const char *name) {
  (void)target, (void)dirfd, (void)name;
  return fail(EPERM); /* see wasi_win32.h */
}

/* ---- directory streams ------------------------------------------------------------ */

struct innative_w_DIR {
  int fd;
  HANDLE find;          /* INVALID_HANDLE_VALUE: not started or finished */
  int done;
  long pos;             /* entries returned since the start */
  WIN32_FIND_DATAW data;
  int have;             /* data holds the next entry */
  struct innative_w_dirent entry;
};

innative_w_DIR *innative_w_fdopendir(int fd) {
  fd_info *i = info(fd);
  if (handle_of(fd) == INVALID_HANDLE_VALUE)
    return errno = EBADF, NULL;
  if (i == NULL || i->dir == NULL)
    return errno = ENOTDIR, NULL;
  innative_w_DIR *d = calloc(1, sizeof *d);
  if (d == NULL)
    return errno = ENOMEM, NULL;
  d->fd = fd;
  d->find = INVALID_HANDLE_VALUE;
  return d;
}

void innative_w_rewinddir(innative_w_DIR *d) {
  if (d->find != INVALID_HANDLE_VALUE)
    FindClose(d->find);
  d->find = INVALID_HANDLE_VALUE;
  d->done = d->have = 0;
  d->pos = 0;
}

struct innative_w_dirent *innative_w_readdir(innative_w_DIR *d) {
  if (d->done)
    return NULL;
  if (d->find == INVALID_HANDLE_VALUE) {
    fd_info *i = info(d->fd);
    size_t n = wcslen(i->dir);
    wchar_t *pattern = malloc((n + 3) * sizeof *pattern);
    if (pattern == NULL)
      return errno = ENOMEM, NULL;
    wcscpy(pattern, i->dir);
    wcscat(pattern, pattern[n - 1] == L'\\' ? L"*" : L"\\*");
    d->find = FindFirstFileW(pattern, &d->data);
    free(pattern);
    if (d->find == INVALID_HANDLE_VALUE) {
      d->done = 1;
      DWORD e = GetLastError();
      if (e != ERROR_FILE_NOT_FOUND && e != ERROR_NO_MORE_FILES)
        errno = errno_of(e);
      return NULL;
    }
    d->have = 1;
  } else if (!d->have) {
    if (!FindNextFileW(d->find, &d->data)) {
      d->done = 1;
      DWORD e = GetLastError();
      if (e != ERROR_NO_MORE_FILES)
        errno = errno_of(e);
      return NULL;
    }
  }
  d->have = 0;
  d->pos++;
  struct innative_w_dirent *e = &d->entry;
  e->d_ino = 0; /* FindFirstFile gives no file index */
  DWORD attrs = d->data.dwFileAttributes;
  e->d_type = attrs & FILE_ATTRIBUTE_REPARSE_POINT ? DT_LNK
              : attrs & FILE_ATTRIBUTE_DIRECTORY   ? DT_DIR
                                                   : DT_REG;
  if (WideCharToMultiByte(CP_UTF8, 0, d->data.cFileName, -1, e->d_name, sizeof e->d_name, NULL,
                          NULL) == 0)
    e->d_name[0] = '\0';
  return e;
}

long innative_w_telldir(innative_w_DIR *d) { return d->pos; }

void innative_w_seekdir(innative_w_DIR *d, long pos) {
  innative_w_rewinddir(d);
  while (d->pos < pos && innative_w_readdir(d) != NULL) {
  }
}

int innative_w_closedir(innative_w_DIR *d) {
  if (d->find != INVALID_HANDLE_VALUE)
    FindClose(d->find);
  int rc = innative_w_close(d->fd);
  free(d);
  return rc;
}

int innative_w_dirfd(innative_w_DIR *d) { return d->fd; }

/* ---- poll ---------------------------------------------------------------------- */

int innative_w_fionread(int fd, int *count) {
  HANDLE h = handle_of(fd);
  DWORD avail = 0;
  if (h == INVALID_HANDLE_VALUE || GetFileType(h) != FILE_TYPE_PIPE ||
      !PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
    return fail(EINVAL);
  *count = avail > INT_MAX ? INT_MAX : (int)avail;
  return 0;
}

static short ready(const struct innative_w_pollfd *p) {
  HANDLE h = handle_of(p->fd);
  if (h == INVALID_HANDLE_VALUE)
    return POLLNVAL;
  short re = 0;
  DWORD type = GetFileType(h), avail = 0, events = 0;
  if (p->events & POLLOUT)
    re |= POLLOUT;
  if (p->events & POLLIN) {
    if (type == FILE_TYPE_PIPE) {
      if (PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL)) {
        if (avail > 0)
          re |= POLLIN;
      } else {
        re |= POLLHUP;
      }
    } else if (type == FILE_TYPE_CHAR && GetNumberOfConsoleInputEvents(h, &events)) {
      if (events > 0)
        re |= POLLIN;
    } else {
      re |= POLLIN; /* files and devices such as NUL */
    }
  }
  return re;
}

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int innative_w_ppoll(struct innative_w_pollfd *fds_in, unsigned n, const struct timespec *timeout) {
  uint64_t start = monotonic_ns();
  uint64_t wait = timeout ? (uint64_t)timeout->tv_sec * 1000000000u + (uint64_t)timeout->tv_nsec
                          : UINT64_MAX;
  for (;;) {
    int count = 0;
    for (unsigned k = 0; k < n; k++) {
      fds_in[k].revents = ready(&fds_in[k]);
      count += fds_in[k].revents != 0;
    }
    uint64_t elapsed = monotonic_ns() - start;
    if (count > 0 || elapsed >= wait)
      return count;
    /* Sleep in steps of at most 10 ms while descriptors are watched; whole
     * milliseconds, rounded up, so the wait is never cut short. */
    uint64_t left = wait - elapsed;
    uint64_t ms = (left + 999999u) / 1000000u;
    if (n > 0 && ms > 10)
      ms = 10;
    Sleep((DWORD)(ms > 0x7fffffff ? 0x7fffffff : ms));
  }
}

/* ---- random, strings --------------------------------------------------------------- */

ssize_t innative_w_getrandom(void *buf, size_t len) {
  size_t chunk = len > 0x10000000u ? 0x10000000u : len;
  if (!RtlGenRandom(buf, (ULONG)chunk))
    return fail(EIO);
  return (ssize_t)chunk;
}

char *innative_w_strndup(const char *s, size_t n) {
  size_t len = strnlen(s, n);
  char *d = malloc(len + 1);
  if (d != NULL) {
    memcpy(d, s, len);
    d[len] = '\0';
  }
  return d;
}

char *innative_w_strchrnul(const char *s, int c) {
  while (*s != '\0' && *s != (char)c)
    s++;
  return (char *)s;
}
#endif
