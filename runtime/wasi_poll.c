/*
 * wasi_poll.c — WASI clocks and poll_oneoff.
 *
 * clock_res_get / clock_time_get map the four WASI clocks to
 * CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID and
 * CLOCK_THREAD_CPUTIME_ID, in nanoseconds (on Windows, MinGW's
 * winpthreads provides the same four clocks).
 *
 * poll_oneoff waits with one ppoll() for every fd_read/fd_write
 * subscription, bounded by the nearest clock subscription (relative, or
 * absolute on its clock: converted to a relative wait when the call starts).
 * It reports the descriptors that are ready (nbytes: bytes available to read
 * when the host can tell, else 0; the hangup flag on POLLHUP) and the clocks
 * whose time has come; a subscription on a closed descriptor or an unknown
 * clock is reported at once as an event carrying the error.  This is what
 * wasi-libc's sleep(), nanosleep() and poll() need.
 */
#include "wasi.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#ifndef _WIN32 /* wasi_win32.h has ppoll and FIONREAD */
#include <poll.h>
#include <sys/ioctl.h>
#endif

#define EVENTTYPE_CLOCK 0
#define EVENTTYPE_FD_READ 1
#define EVENTTYPE_FD_WRITE 2
#define SUBCLOCK_ABSTIME 0x1u
#define EVENT_FD_READWRITE_HANGUP 0x1u

static int host_clock(uint32_t id, clockid_t *out) {
  switch (id) {
  case WASI_CLOCK_REALTIME: *out = CLOCK_REALTIME; return 1;
  case WASI_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return 1;
  case WASI_CLOCK_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return 1;
  case WASI_CLOCK_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return 1;
  default: return 0;
  }
}

static uint64_t ns_of(struct timespec ts) { return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec; }

static uint64_t now_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ns_of(ts);
}

int32_t WASI_FN(clock_res_get)(uint32_t id, uint32_t res_out) {
  uint8_t *p = innative_wasi_ptr(res_out, 8);
  if (p == NULL)
    return WASI_EFAULT;
  clockid_t c;
  struct timespec ts;
  if (!host_clock(id, &c))
    return WASI_EINVAL;
  if (clock_getres(c, &ts) != 0)
    return innative_wasi_errno(errno);
  wasi_store64(p, ns_of(ts));
  return WASI_ESUCCESS;
}

int32_t WASI_FN(clock_time_get)(uint32_t id, uint64_t precision, uint32_t time_out) {
  (void)precision;
  uint8_t *p = innative_wasi_ptr(time_out, 8);
  if (p == NULL)
    return WASI_EFAULT;
  clockid_t c;
  struct timespec ts;
  if (!host_clock(id, &c))
    return WASI_EINVAL;
  if (clock_gettime(c, &ts) != 0)
    return innative_wasi_errno(errno);
  wasi_store64(p, ns_of(ts));
  return WASI_ESUCCESS;
}

static void write_event(uint8_t *ev, uint64_t userdata, uint16_t error, uint8_t type, uint64_t nbytes,
                        uint16_t flags) {
  memset(ev, 0, WASI_EVENT_SIZE);
  wasi_store64(ev + 0, userdata);
  wasi_store16(ev + 8, error);
  ev[10] = type;
  wasi_store64(ev + 16, nbytes);
  wasi_store16(ev + 24, flags);
}

/* Bytes that can be read from `fd` without blocking, when the host knows. */
static uint64_t readable_bytes(int fd) {
  int n = 0;
  if (ioctl(fd, FIONREAD, &n) == 0 && n > 0)
    return (uint64_t)n;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (pos >= 0 && st.st_size > pos)
      return (uint64_t)(st.st_size - pos);
  }
  return 0;
}

int32_t WASI_FN(poll_oneoff)(uint32_t in, uint32_t out, uint32_t nsubscriptions, uint32_t nevents_out) {
  const uint8_t *guest_subs = innative_wasi_ptr(in, (uint64_t)nsubscriptions * WASI_SUBSCRIPTION_SIZE);
  uint8_t *events = innative_wasi_ptr(out, (uint64_t)nsubscriptions * WASI_EVENT_SIZE);
  uint8_t *nevents_p = innative_wasi_ptr(nevents_out, 4);
  if (guest_subs == NULL || events == NULL || nevents_p == NULL)
    return WASI_EFAULT;
  if (nsubscriptions == 0)
    return WASI_EINVAL;

  /* A copy: the guest may let the event buffer overlap the subscriptions. */
  uint8_t *subs = malloc((size_t)nsubscriptions * WASI_SUBSCRIPTION_SIZE);
  struct pollfd *pfds = calloc(nsubscriptions, sizeof *pfds);
  uint32_t *pfd_sub = calloc(nsubscriptions, sizeof *pfd_sub);
  uint64_t *clock_wait = calloc(nsubscriptions, sizeof *clock_wait); /* relative ns */
  uint8_t *is_clock = calloc(nsubscriptions, 1);
  if (subs == NULL || pfds == NULL || pfd_sub == NULL || clock_wait == NULL || is_clock == NULL) {
    free(subs), free(pfds), free(pfd_sub), free(clock_wait), free(is_clock);
    return WASI_ENOMEM;
  }
  memcpy(subs, guest_subs, (size_t)nsubscriptions * WASI_SUBSCRIPTION_SIZE);

  uint32_t nevents = 0, npfds = 0;
  int64_t timeout = -1; /* ns; -1: none */
  for (uint32_t i = 0; i < nsubscriptions; i++) {
    const uint8_t *s = subs + (size_t)i * WASI_SUBSCRIPTION_SIZE;
    uint64_t userdata = wasi_load64(s);
    uint8_t tag = s[8];
    if (tag == EVENTTYPE_CLOCK) {
      uint32_t id = wasi_load32(s + 16);
      uint64_t when = wasi_load64(s + 24);
      uint16_t flags;
      memcpy(&flags, s + 40, 2);
      clockid_t c;
      if (!host_clock(id, &c)) {
        write_event(events + (size_t)nevents++ * WASI_EVENT_SIZE, userdata, WASI_EINVAL, tag, 0, 0);
        continue;
      }
      uint64_t wait = when;
      if (flags & SUBCLOCK_ABSTIME) {
        uint64_t now = now_ns(c);
        wait = when > now ? when - now : 0;
      }
      if (wait > INT64_MAX)
        wait = INT64_MAX;
      is_clock[i] = 1;
      clock_wait[i] = wait;
      if (timeout < 0 || (int64_t)wait < timeout)
        timeout = (int64_t)wait;
    } else if (tag == EVENTTYPE_FD_READ || tag == EVENTTYPE_FD_WRITE) {
      wasi_fd *e = innative_wasi_fd(wasi_load32(s + 16));
      if (e == NULL) {
        write_event(events + (size_t)nevents++ * WASI_EVENT_SIZE, userdata, WASI_EBADF, tag, 0, 0);
        continue;
      }
      pfds[npfds].fd = e->host;
      pfds[npfds].events = tag == EVENTTYPE_FD_READ ? POLLIN : POLLOUT;
      pfd_sub[npfds++] = i;
    } else {
      write_event(events + (size_t)nevents++ * WASI_EVENT_SIZE, userdata, WASI_EINVAL, tag, 0, 0);
    }
  }
  if (nevents > 0)
    timeout = 0; /* errors to report: only look at what is ready now */

  uint64_t start = now_ns(CLOCK_MONOTONIC), elapsed = 0;
  int ready;
  for (;;) {
    struct timespec ts, *tsp = NULL;
    if (timeout >= 0) {
      uint64_t left = (uint64_t)timeout > elapsed ? (uint64_t)timeout - elapsed : 0;
      ts.tv_sec = (time_t)(left / 1000000000u);
      ts.tv_nsec = (long)(left % 1000000000u);
      tsp = &ts;
    }
    ready = ppoll(npfds ? pfds : NULL, npfds, tsp, NULL);
    elapsed = now_ns(CLOCK_MONOTONIC) - start;
    if (ready >= 0 || errno != EINTR)
      break;
  }
  if (ready < 0) {
    int saved = errno;
    free(subs), free(pfds), free(pfd_sub), free(clock_wait), free(is_clock);
    return innative_wasi_errno(saved);
  }
  /* A timeout means the nearest clock is due, even if the host clock says a
   * hair less. */
  if (ready == 0 && timeout >= 0 && elapsed < (uint64_t)timeout)
    elapsed = (uint64_t)timeout;

  for (uint32_t k = 0; k < npfds; k++) {
    short re = pfds[k].revents;
    if (re == 0)
      continue;
    const uint8_t *s = subs + (size_t)pfd_sub[k] * WASI_SUBSCRIPTION_SIZE;
    uint8_t tag = s[8];
    uint16_t error = (re & POLLNVAL) ? WASI_EBADF : 0;
    uint16_t flags = (re & POLLHUP) ? EVENT_FD_READWRITE_HANGUP : 0;
    uint64_t nbytes = (tag == EVENTTYPE_FD_READ && !error) ? readable_bytes(pfds[k].fd) : 0;
    write_event(events + (size_t)nevents++ * WASI_EVENT_SIZE, wasi_load64(s), error, tag, nbytes, flags);
  }
  for (uint32_t i = 0; i < nsubscriptions; i++) {
    if (is_clock[i] && clock_wait[i] <= elapsed)
      write_event(events + (size_t)nevents++ * WASI_EVENT_SIZE,
                  wasi_load64(subs + (size_t)i * WASI_SUBSCRIPTION_SIZE), 0, EVENTTYPE_CLOCK, 0, 0);
  }
  free(subs), free(pfds), free(pfd_sub), free(clock_wait), free(is_clock);
  wasi_store32(nevents_p, nevents);
  return WASI_ESUCCESS;
}
