/*
 * exceptions.c — WebAssembly exception handling (throw, throw_ref,
 * try_table) with setjmp/longjmp.
 *
 * Each `try_table` the generated code enters links an innative_handler (in
 * its own frame) at the head of this thread's handler chain and calls
 * _setjmp on it; leaving the try_table (its end, or any branch, return or
 * tail call out of it) unlinks it.  `throw` copies the payload into a heap
 * exception object and _longjmps to the innermost handler, whose code
 * compares the tag with its catch clauses and rethrows to the next handler
 * when none matches.  Frames in between — of this module or of any other
 * compiled module — are simply abandoned, which is correct because wasm
 * frames own nothing that needs cleanup.
 *
 * innative_invoke / innative_call0 start an empty chain (a host frame is a
 * boundary), so an exception nobody catches inside ends at the nearest
 * invoke as the trap "uncaught exception", or, outside of any, ends the
 * program with the trap report, which names the tag.
 *
 * On Windows MinGW's jmp_buf (256 bytes: it saves xmm6-xmm15) still fits
 * the handler, and the jump must not unwind (see innative_rethrow).
 *
 * Exception objects are never freed: an `exnref` may keep one alive
 * anywhere (a local, a global, a table), and there is no collector.
 */
#include "internal.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct innative_handler {
  struct innative_handler *prev;
  innative_exception *exn;
  jmp_buf buf;
} innative_handler;

/* Generated code reserves INNATIVE_HANDLER_SIZE bytes and calls
 * _setjmp(handler + INNATIVE_HANDLER_JMPBUF). */
_Static_assert(sizeof(innative_handler) <= INNATIVE_HANDLER_SIZE, "handler too large");
_Static_assert(offsetof(innative_handler, buf) == INNATIVE_HANDLER_JMPBUF, "jmp_buf offset");

static __thread innative_handler *head;
/* Name of the tag of the last exception nobody caught (for the report). */
static __thread const char *uncaught_tag;

void innative_try_enter(void *h) {
  innative_handler *handler = h;
  handler->prev = head;
  handler->exn = NULL;
  head = handler;
}

void innative_try_leave(void *h) { head = ((innative_handler *)h)->prev; }

void *innative_try_exception(void *h) { return ((innative_handler *)h)->exn; }

void *innative_exceptions_isolate(void) {
  void *saved = head;
  head = NULL;
  return saved;
}

void innative_exceptions_restore(void *saved) { head = saved; }

const char *innative_uncaught_tag(void) { return uncaught_tag; }

__attribute__((noreturn)) void innative_rethrow(innative_exception *exn) {
  innative_handler *h = head;
  if (h == NULL) {
    uncaught_tag = exn->tag != NULL && exn->tag->name != NULL ? exn->tag->name : "?";
    innative_trap_at(INNATIVE_TRAP_EXCEPTION, __builtin_return_address(0), 1);
  }
  head = h->prev;
  h->exn = exn;
#ifdef _WIN32
  /* A NULL frame: longjmp restores registers without SEH unwinding (the
   * frames in between may have no unwind info), whatever frame argument the
   * _setjmp call passed. */
  ((_JUMP_BUFFER *)h->buf)->Frame = 0;
  longjmp(h->buf, 1);
#else
  _longjmp(h->buf, 1);
#endif
}

__attribute__((noreturn)) void innative_throw(const innative_tag *tag, const uint64_t *values,
                                              uint32_t n) {
  innative_exception *exn = malloc(sizeof *exn + (size_t)n * sizeof(uint64_t));
  if (exn == NULL)
    innative_trap_at(INNATIVE_TRAP_OUT_OF_MEMORY, __builtin_return_address(0), 1);
  exn->tag = tag;
  exn->n = n;
  if (n != 0)
    memcpy(exn->values, values, (size_t)n * sizeof(uint64_t));
  innative_rethrow(exn);
}
