/*
 * wasi_path.c — the WASI sandbox: resolving a guest path beneath a
 * preopened (or guest-opened) directory without ever leaving it.
 *
 * The path is walked one component at a time from the directory's host
 * descriptor, in user space:
 *   - an absolute path is refused (ENOTCAPABLE);
 *   - "." is skipped, ".." pops back to the previous directory of the walk,
 *     and ".." at the starting directory is refused (ENOTCAPABLE): "a/../b"
 *     is fine, "../b" and "a/../../b" are not;
 *   - each component is first read as a symlink (readlinkat).  A symlink's
 *     target replaces the component in the rest of the path and is walked
 *     the same way, so an absolute target or one that climbs out is refused
 *     just like a guest path (ENOTCAPABLE); more than 40 expansions: ELOOP;
 *   - any other intermediate component is opened with
 *     O_PATH|O_DIRECTORY|O_NOFOLLOW from the directory reached so far.  If a
 *     concurrent rename swapped in a symlink after the readlinkat, the open
 *     fails instead of following it.
 * The last component is resolved the same way when the operation follows
 * symlinks; otherwise it is handed to the caller, which operates on it with
 * *at() calls that never follow a symlink (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW,
 * unlinkat, renameat...).  So no host path outside the directory is ever
 * opened, created, or even looked up, whatever the guest asks and whatever
 * symlinks it plants.  The errors match wasmtime's where the two differ from
 * plain POSIX.
 */
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_SYMLINK_EXPANSIONS 40

/* The directories opened along the walk (the starting one is not ours). */
typedef struct walk {
  int base;
  int *dirs;
  size_t depth, cap;
} walk;

static int walk_top(const walk *w) { return w->depth ? w->dirs[w->depth - 1] : w->base; }

static int walk_push(walk *w, int fd) {
  if (w->depth == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 8;
    int *grown = realloc(w->dirs, cap * sizeof *grown);
    if (grown == NULL)
      return -1;
    w->dirs = grown;
    w->cap = cap;
  }
  w->dirs[w->depth++] = fd;
  return 0;
}

/* Closes every directory of the walk but the top one when `keep_top`. */
static void walk_close(walk *w, int keep_top) {
  size_t n = w->depth;
  if (keep_top && n > 0)
    n--;
  for (size_t i = 0; i < n; i++)
    close(w->dirs[i]);
  free(w->dirs);
  w->dirs = NULL;
}

void innative_wasi_resolved_free(wasi_resolved *r) {
  if (r->owned && r->dirfd >= 0)
    close(r->dirfd);
  free(r->name);
  r->dirfd = -1;
  r->owned = 0;
  r->name = NULL;
}

wasi_errno innative_wasi_resolve(uint32_t fd, uint64_t rights, uint32_t path, uint32_t path_len,
                                 int follow, wasi_resolved *out) {
  out->dirfd = -1;
  out->owned = 0;
  out->trailing_slash = 0;
  out->name = NULL;
  const uint8_t *guest = innative_wasi_ptr(path, path_len);
  if (guest == NULL)
    return WASI_EFAULT;
  wasi_fd *e = innative_wasi_fd(fd);
  if (e == NULL)
    return WASI_EBADF;
  struct stat st;
  if (fstat(e->host, &st) != 0)
    return innative_wasi_errno(errno);
  if (!S_ISDIR(st.st_mode))
    return WASI_ENOTDIR;
  if ((e->rights_base & rights) != rights)
    return WASI_ENOTCAPABLE;
  if (path_len == 0)
    return WASI_ENOENT;
  if (memchr(guest, '\0', path_len) != NULL)
    return WASI_EINVAL;
  if (guest[0] == '/')
    return WASI_ENOTCAPABLE;

  char *rest = malloc((size_t)path_len + 1);
  if (rest == NULL)
    return WASI_ENOMEM;
  memcpy(rest, guest, path_len);
  rest[path_len] = '\0';

  walk w = {e->host, NULL, 0, 0};
  wasi_errno err = WASI_ESUCCESS;
  const char *final = NULL;
  int final_slash = 0;
  int expansions = 0;
  char *pos = rest;
  for (;;) {
    while (*pos == '/')
      pos++;
    if (*pos == '\0') {
      final = "."; /* the path names the directory reached so far */
      break;
    }
    char *end = strchrnul(pos, '/');
    size_t len = (size_t)(end - pos);
    char *after = end;
    while (*after == '/')
      after++;
    int last = *after == '\0';
    int trailing_slash = last && *end == '/';
    char sep = *end;
    *end = '\0'; /* pos is now the component alone */

    if (len == 1 && pos[0] == '.') {
      *end = sep;
      pos = end;
      continue;
    }
    if (len == 2 && pos[0] == '.' && pos[1] == '.') {
      if (w.depth == 0) {
        err = WASI_ENOTCAPABLE;
        break;
      }
      close(w.dirs[--w.depth]);
      *end = sep;
      pos = end;
      continue;
    }
    if (len > NAME_MAX) {
      err = WASI_ENAMETOOLONG;
      break;
    }
    if (last && !follow && !trailing_slash) {
      final = pos;
      break;
    }

    char target[PATH_MAX];
    ssize_t n = readlinkat(walk_top(&w), pos, target, sizeof target);
    if (n >= 0) {
      if (++expansions > MAX_SYMLINK_EXPANSIONS) {
        err = WASI_ELOOP;
        break;
      }
      if ((size_t)n >= sizeof target) {
        err = WASI_ENAMETOOLONG;
        break;
      }
      if (n == 0) {
        err = WASI_ENOENT;
        break;
      }
      if (target[0] == '/') {
        err = WASI_ENOTCAPABLE;
        break;
      }
      /* Walk the target in place of the component: target + the rest. */
      *end = sep;
      size_t tail = strlen(end);
      char *expanded = malloc((size_t)n + tail + 1);
      if (expanded == NULL) {
        err = WASI_ENOMEM;
        break;
      }
      memcpy(expanded, target, (size_t)n);
      memcpy(expanded + n, end, tail + 1);
      free(rest);
      rest = pos = expanded;
      continue;
    }
    int lerr = errno; /* EINVAL: exists, not a symlink */
    if (lerr != EINVAL && lerr != ENOENT) {
      err = innative_wasi_errno(lerr);
      break;
    }
    if (last) {
      if (trailing_slash && lerr == EINVAL &&
          fstatat(walk_top(&w), pos, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
        err = WASI_ENOTDIR;
        break;
      }
      final = pos;
      final_slash = trailing_slash;
      break;
    }
    if (lerr == ENOENT) {
      err = WASI_ENOENT;
      break;
    }
    int d = openat(walk_top(&w), pos, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0) {
      err = innative_wasi_errno(errno);
      break;
    }
    if (walk_push(&w, d) != 0) {
      close(d);
      err = WASI_ENOMEM;
      break;
    }
    *end = sep;
    pos = end;
  }

  if (err == WASI_ESUCCESS) {
    out->name = strdup(final);
    if (out->name == NULL)
      err = WASI_ENOMEM;
  }
  free(rest);
  if (err != WASI_ESUCCESS) {
    walk_close(&w, 0);
    return err;
  }
  out->dirfd = walk_top(&w);
  out->owned = w.depth > 0;
  out->trailing_slash = final_slash;
  walk_close(&w, 1);
  return WASI_ESUCCESS;
}
