/*
 * wasi_fdtable.c — the WASI descriptor table and the fd_* functions about
 * table state: fd_close, fd_renumber, fd_prestat_get, fd_prestat_dir_name,
 * fd_fdstat_get, fd_fdstat_set_flags, fd_fdstat_set_rights.
 *
 * Guest descriptors 0, 1, 2 are the process's stdin, stdout and stderr.
 * Then come the preopened directories, in order: first those baked into the
 * executable (`innative compile --dir`, `innative run --dir`: the generated
 * object defines the NULL-terminated `innative_wasi_preopens`), then those of
 * the environment variable INNATIVE_WASI_DIRS.  Each entry is `HOST` or
 * `HOST::GUEST` (split at the first "::"): the host directory, relative to
 * the working directory when the program starts, and the name the guest sees
 * (HOST itself when no GUEST is given, as wasmtime does).  In
 * INNATIVE_WASI_DIRS entries are separated by ';'.  Files the guest opens get
 * the lowest free number, like POSIX descriptors.
 *
 * Rights (see wasi.h) are those of the descriptor's kind: a directory has
 * the directory rights every WASI libc expects of a preopen, and passes file
 * and directory rights on; a file has the file rights its access mode allows
 * and passes nothing on; a terminal has no seek/tell rights, which is how
 * wasi-libc's isatty() recognizes one.  fd_fdstat_set_rights drops rights,
 * and the fd_*, path_* and sock_* functions enforce what was dropped.
 */
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Defined by the generated object when directories were given at compile
 * time; a weak reference is NULL otherwise. */
extern const char *const innative_wasi_preopens[] __attribute__((weak));

static wasi_fd *table;
static uint32_t table_len;
static int initialized;

static const char DIRS_VAR[] = "INNATIVE_WASI_DIRS";

static wasi_fd *slot(uint32_t fd) {
  if (fd >= table_len) {
    uint32_t len = table_len ? table_len : 16;
    while (len <= fd)
      len *= 2;
    wasi_fd *grown = realloc(table, (size_t)len * sizeof *grown);
    if (grown == NULL)
      return NULL;
    memset(grown + table_len, 0, (size_t)(len - table_len) * sizeof *grown);
    table = grown;
    table_len = len;
  }
  return &table[fd];
}

static void add_preopen(const char *spec, size_t len) {
  char *host = strndup(spec, len);
  if (host == NULL)
    return;
  const char *guest = host;
  char *sep = strstr(host, "::");
  if (sep != NULL) {
    *sep = '\0';
    guest = sep + 2;
  }
  if (*host == '\0' || *guest == '\0') {
    fprintf(stderr, "innative: bad WASI directory '%.*s' (use HOST or HOST::GUEST)\n", (int)len, spec);
    exit(1);
  }
  int fd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "innative: cannot open WASI directory '%s': %s\n", host, strerror(errno));
    exit(1);
  }
  uint32_t n;
  if (innative_wasi_fd_insert(fd, WASI_RIGHTS_ALL, &n) == WASI_ESUCCESS)
    table[n].preopen = strdup(guest);
  free(host);
}

void innative_wasi_init(void) {
  if (initialized)
    return;
  initialized = 1;
  for (uint32_t fd = 0; fd < 3; fd++) {
    wasi_fd *e = slot(fd);
    if (e != NULL && fcntl((int)fd, F_GETFD) >= 0) {
      e->used = 1;
      e->host = (int)fd;
      innative_wasi_host_rights((int)fd, &e->rights_base, &e->rights_inheriting);
    }
  }
  /* The empty asm keeps the compiler from assuming the weak array exists. */
  const char *const *baked = innative_wasi_preopens;
  __asm__("" : "+r"(baked));
  for (const char *const *p = baked; p != NULL && *p != NULL; p++)
    add_preopen(*p, strlen(*p));
  const char *dirs = getenv(DIRS_VAR);
  while (dirs != NULL && *dirs != '\0') {
    const char *end = strchr(dirs, ';');
    size_t len = end ? (size_t)(end - dirs) : strlen(dirs);
    if (len > 0)
      add_preopen(dirs, len);
    dirs = end ? end + 1 : NULL;
  }
}

wasi_fd *innative_wasi_fd(uint32_t fd) {
  innative_wasi_init();
  if (fd >= table_len || !table[fd].used)
    return NULL;
  return &table[fd];
}

/* What a directory can do itself (the set WASI libcs expect of a preopen,
 * plus fsync; not FD_DATASYNC, which path_open reads as a write right), and
 * what any file can do. */
#define DIRECTORY_RIGHTS                                                                   \
  (WASI_RIGHT_PATH_CREATE_DIRECTORY | WASI_RIGHT_PATH_CREATE_FILE |                        \
   WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET | WASI_RIGHT_PATH_OPEN |      \
   WASI_RIGHT_FD_READDIR | WASI_RIGHT_PATH_READLINK | WASI_RIGHT_PATH_RENAME_SOURCE |      \
   WASI_RIGHT_PATH_RENAME_TARGET | WASI_RIGHT_PATH_FILESTAT_GET |                         \
   WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |               \
   WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_PATH_SYMLINK | \
   WASI_RIGHT_PATH_REMOVE_DIRECTORY | WASI_RIGHT_PATH_UNLINK_FILE |                       \
   WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC)
#define FILE_RIGHTS                                                                        \
  (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK |                      \
   WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_TELL |              \
   WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ADVISE | WASI_RIGHT_FD_ALLOCATE |                   \
   WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_SIZE |                          \
   WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_POLL_FD_READWRITE)
/* What a file opened for reading only cannot do. */
#define WRITE_ONLY_RIGHTS                                                                  \
  (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_SET_SIZE)

void innative_wasi_host_rights(int host, uint64_t *base, uint64_t *inheriting) {
  struct stat st;
  int fl = fcntl(host, F_GETFL);
  *inheriting = 0;
  if (fstat(host, &st) != 0 || fl < 0) {
    *base = 0;
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    *base = DIRECTORY_RIGHTS;
    *inheriting = DIRECTORY_RIGHTS | FILE_RIGHTS;
    return;
  }
  uint64_t r = FILE_RIGHTS;
  if ((fl & O_ACCMODE) == O_RDONLY)
    r &= ~WRITE_ONLY_RIGHTS;
  if ((fl & O_ACCMODE) == O_WRONLY)
    r &= ~(uint64_t)WASI_RIGHT_FD_READ;
  if (S_ISCHR(st.st_mode) && isatty(host))
    r &= ~(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL);
  if (S_ISSOCK(st.st_mode))
    r |= WASI_RIGHT_SOCK_SHUTDOWN | WASI_RIGHT_SOCK_ACCEPT;
  *base = r;
}

wasi_fd *innative_wasi_fd_with(uint32_t fd, uint64_t rights, wasi_errno *err) {
  wasi_fd *e = innative_wasi_fd(fd);
  if (e == NULL) {
    *err = WASI_EBADF;
    return NULL;
  }
  if ((e->rights_base & rights) != rights) {
    *err = WASI_ENOTCAPABLE;
    return NULL;
  }
  return e;
}

wasi_errno innative_wasi_fd_insert(int host, uint64_t limit, uint32_t *out) {
  innative_wasi_init();
  uint32_t fd = 0;
  while (fd < table_len && table[fd].used)
    fd++;
  wasi_fd *e = fd < INT32_MAX ? slot(fd) : NULL;
  if (e == NULL) {
    close(host);
    return fd < INT32_MAX ? WASI_ENOMEM : WASI_EMFILE;
  }
  memset(e, 0, sizeof *e);
  e->used = 1;
  e->host = host;
  innative_wasi_host_rights(host, &e->rights_base, &e->rights_inheriting);
  e->rights_base &= limit;
  e->rights_inheriting &= limit;
  *out = fd;
  return WASI_ESUCCESS;
}

/* Closes what entry `e` holds and marks it free; returns close()'s error. */
static wasi_errno release(wasi_fd *e) {
  int err = 0;
  if (e->dir != NULL)
    closedir(e->dir);
  if (close(e->host) != 0 && errno != EINTR)
    err = errno;
  free(e->preopen);
  memset(e, 0, sizeof *e);
  return innative_wasi_errno(err);
}

int32_t WASI_FN(fd_close)(uint32_t fd) {
  wasi_fd *e = innative_wasi_fd(fd);
  if (e == NULL)
    return WASI_EBADF;
  return release(e);
}

int32_t WASI_FN(fd_renumber)(uint32_t fd, uint32_t to) {
  wasi_fd *from = innative_wasi_fd(fd), *dst = innative_wasi_fd(to);
  if (from == NULL || dst == NULL)
    return WASI_EBADF;
  if (from == dst)
    return WASI_ESUCCESS;
  release(dst);
  *dst = *from;
  memset(from, 0, sizeof *from);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(fd_prestat_get)(uint32_t fd, uint32_t out) {
  uint8_t *p = innative_wasi_ptr(out, WASI_PRESTAT_SIZE);
  if (p == NULL)
    return WASI_EFAULT;
  wasi_fd *e = innative_wasi_fd(fd);
  if (e == NULL || e->preopen == NULL)
    return WASI_EBADF;
  memset(p, 0, WASI_PRESTAT_SIZE); /* tag 0: a directory */
  wasi_store32(p + 4, (uint32_t)strlen(e->preopen));
  return WASI_ESUCCESS;
}

int32_t WASI_FN(fd_prestat_dir_name)(uint32_t fd, uint32_t path, uint32_t path_len) {
  uint8_t *p = innative_wasi_ptr(path, path_len);
  if (p == NULL)
    return WASI_EFAULT;
  wasi_fd *e = innative_wasi_fd(fd);
  if (e == NULL || e->preopen == NULL)
    return WASI_EBADF;
  size_t len = strlen(e->preopen);
  if (path_len < len)
    return WASI_ENAMETOOLONG;
  memcpy(p, e->preopen, len);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(fd_fdstat_get)(uint32_t fd, uint32_t out) {
  uint8_t *p = innative_wasi_ptr(out, WASI_FDSTAT_SIZE);
  if (p == NULL)
    return WASI_EFAULT;
  wasi_fd *e = innative_wasi_fd(fd);
  if (e == NULL)
    return WASI_EBADF;
  struct stat st;
  int fl = fcntl(e->host, F_GETFL);
  if (fstat(e->host, &st) != 0 || fl < 0)
    return innative_wasi_errno(errno);
  uint16_t flags = 0;
  if (fl & O_APPEND)
    flags |= WASI_FDFLAG_APPEND;
  if (fl & O_NONBLOCK)
    flags |= WASI_FDFLAG_NONBLOCK;
  if ((fl & O_SYNC) == O_SYNC)
    flags |= WASI_FDFLAG_SYNC;
  else if (fl & O_DSYNC)
    flags |= WASI_FDFLAG_DSYNC;
  memset(p, 0, WASI_FDSTAT_SIZE);
  p[0] = innative_wasi_filetype(st.st_mode, e->host);
  wasi_store16(p + 2, flags);
  wasi_store64(p + 8, e->rights_base);
  wasi_store64(p + 16, e->rights_inheriting);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(fd_fdstat_set_flags)(uint32_t fd, uint32_t flags) {
  wasi_errno err;
  wasi_fd *e = innative_wasi_fd_with(fd, WASI_RIGHT_FD_FDSTAT_SET_FLAGS, &err);
  if (e == NULL)
    return err;
  if (flags & ~(WASI_FDFLAG_APPEND | WASI_FDFLAG_NONBLOCK))
    return WASI_ENOTSUP; /* Linux cannot change the sync flags of an open file */
  int fl = fcntl(e->host, F_GETFL);
  if (fl < 0)
    return innative_wasi_errno(errno);
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (flags & WASI_FDFLAG_APPEND)
    fl |= O_APPEND;
  if (flags & WASI_FDFLAG_NONBLOCK)
    fl |= O_NONBLOCK;
  if (fcntl(e->host, F_SETFL, fl) != 0)
    return innative_wasi_errno(errno);
  return WASI_ESUCCESS;
}

int32_t WASI_FN(fd_fdstat_set_rights)(uint32_t fd, uint64_t base, uint64_t inheriting) {
  wasi_fd *e = innative_wasi_fd(fd);
  if (e == NULL)
    return WASI_EBADF;
  if ((base & ~e->rights_base) || (inheriting & ~e->rights_inheriting))
    return WASI_ENOTCAPABLE; /* rights can only shrink */
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  return WASI_ESUCCESS;
}
