/*
 * runtime_test.c — unit test of the runtime archive (libinnative_runtime.a),
 * driven by tests/runtime.rs, which builds it with
 *   cc -O2 -g -fno-optimize-sibling-calls -I<runtime dir>
 *      runtime_test.c libinnative_runtime.a -lm -lpthread
 * and checks that it prints one "ok <name>" line per check and exits 0.
 *
 * The functions that play "wasm code" are registered as a fake module so trap
 * reports can name them.  Sibling calls are off so that a runtime helper's
 * return address is in the function that called it (generated code has to
 * avoid tail calls to the runtime for the same reason).
 * Every failed expectation prints "FAIL file:line: expr" and the test exits 1.
 */
#define _GNU_SOURCE 1
#include "innative.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

#define CHECK(expr)                                                            \
  do {                                                                         \
    if (!(expr)) {                                                             \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #expr);                   \
      failures++;                                                              \
    }                                                                          \
  } while (0)

/* A trap report: its first line must be `expected` (backtrace lines of wasm
 * frames may follow). */
#define CHECK_REPORT(actual, expected)                                         \
  do {                                                                         \
    const char *a_ = (actual), *e_ = (expected);                               \
    size_t n_ = strlen(e_);                                                    \
    if (strncmp(a_, e_, n_) != 0 || (a_[n_] != '\0' && a_[n_] != '\n')) {       \
      printf("FAIL %s:%d: got \"%s\", expected first line \"%s\"\n",         \
             __FILE__, __LINE__, a_, e_);                                      \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_STR(actual, expected)                                            \
  do {                                                                         \
    const char *a_ = (actual), *e_ = (expected);                               \
    if (strcmp(a_, e_) != 0) {                                                 \
      printf("FAIL %s:%d: got \"%s\", expected \"%s\"\n", __FILE__, __LINE__,  \
             a_, e_);                                                          \
      failures++;                                                              \
    }                                                                          \
  } while (0)

static int failures_before;
static void begin(void) { failures_before = failures; }
static void end(const char *name) {
  if (failures == failures_before)
    printf("ok %s\n", name);
  fflush(stdout);
}

/* ---- "wasm" functions --------------------------------------------------- */

innative_memory mem;
innative_table tab;
volatile int zero = 0;
volatile uint64_t sink;

#ifdef __clang__
#define WASM __attribute__((noinline))
#else
#define WASM __attribute__((noinline, noclone))
#endif

WASM void oob_store(uint64_t *slots) {
  volatile uint8_t *p = mem.base + slots[0];
  *p = 1;
}

WASM void oob_load(uint64_t *slots) {
  volatile uint8_t *p = mem.base + slots[0];
  slots[0] = *p;
}

WASM void bulk_fill_oob(uint64_t *slots) {
  innative_memory_fill(&mem, (uint32_t)slots[0], 0xAB, (uint32_t)slots[1]);
}

WASM void bulk_copy_oob(uint64_t *slots) {
  innative_memory_copy(&mem, &mem, (uint32_t)slots[0], (uint32_t)slots[1], (uint32_t)slots[2]);
}

WASM void bulk_init_oob(uint64_t *slots) {
  static const uint8_t data[4] = {1, 2, 3, 4};
  innative_memory_init(&mem, (uint32_t)slots[0], data, 4, (uint32_t)slots[1], (uint32_t)slots[2]);
}

WASM void table_fill_oob(uint64_t *slots) {
  innative_table_fill(&tab, (uint32_t)slots[0], NULL, (uint32_t)slots[1]);
}

WASM void table_copy_oob(uint64_t *slots) {
  innative_table_copy(&tab, &tab, (uint32_t)slots[0], (uint32_t)slots[1], (uint32_t)slots[2]);
}

WASM void table_init_oob(uint64_t *slots) {
  static void *const elems[2] = {NULL, NULL};
  innative_table_init(&tab, (uint32_t)slots[0], elems, 2, (uint32_t)slots[1], (uint32_t)slots[2]);
}

WASM void divide(uint64_t *slots) {
  slots[0] = (uint64_t)(int64_t)((int)slots[0] / zero);
}

WASM int recurse_checked(int n) {
  volatile char pad[256];
  if ((void *)__builtin_frame_address(0) < innative_stack_limit)
    innative_trap(INNATIVE_TRAP_STACK_EXHAUSTED);
  pad[0] = (char)n;
  if (n == -1)
    return 0;
  return recurse_checked(n + 1) + pad[0];
}

/* No entry check: the overflow has to be caught as a guard-page fault. */
WASM int recurse_unchecked(int n) {
  volatile char pad[256];
  pad[0] = (char)n;
  if (n == -1)
    return 0;
  return recurse_unchecked(n + 1) + pad[0];
}

WASM void deep_checked(uint64_t *slots) { slots[0] = (uint64_t)recurse_checked(0); }
WASM void deep_unchecked(uint64_t *slots) { slots[0] = (uint64_t)recurse_unchecked(0); }

WASM void unreachable_ud2(void) { __builtin_trap(); }

WASM void unnamed_trap(void) { innative_trap(INNATIVE_TRAP_UNREACHABLE); }

WASM void nested_inner(uint64_t *slots) {
  (void)slots;
  innative_trap(INNATIVE_TRAP_INDIRECT_TYPE);
}

WASM void nested_outer(uint64_t *slots) {
  uint64_t inner[1] = {0};
  int kind = innative_invoke(nested_inner, inner);
  slots[0] = (uint64_t)kind;
}

volatile uintptr_t wild_address = 16;
WASM void wild_pointer(void) { *(volatile int *)wild_address = 1; }

WASM void init_huge_table(void) {
  innative_table t;
  innative_table_new(&t, 0xFFFFFFF0u, INNATIVE_NO_MAX, NULL);
}

static void *codes[] = {
    (void *)oob_store,      (void *)oob_load,       (void *)bulk_fill_oob,
    (void *)bulk_copy_oob,  (void *)bulk_init_oob,  (void *)table_fill_oob,
    (void *)table_copy_oob, (void *)table_init_oob, (void *)divide,
    (void *)recurse_checked, (void *)recurse_unchecked, (void *)deep_checked,
    (void *)deep_unchecked, (void *)unreachable_ud2, (void *)unnamed_trap,
    (void *)nested_inner,   (void *)nested_outer,   (void *)wild_pointer,
    (void *)init_huge_table,
};
static const char *names[] = {
    "oob_store",      "oob_load",        "bulk_fill_oob",   "bulk_copy_oob",
    "bulk_init_oob",  "table_fill_oob",  "table_copy_oob",  "table_init_oob",
    "divide",         "recurse_checked", "recurse_unchecked", "deep_checked",
    "deep_unchecked", "unreachable_ud2", NULL /* unnamed_trap */, "nested_inner",
    "nested_outer",   "wild_pointer",    "init_huge_table",
};
#define NFUNCS (sizeof codes / sizeof codes[0])

static innative_module fake = {
    .abi_version = INNATIVE_ABI_VERSION,
    .name = "test",
    .num_functions = NFUNCS,
    .func_code = codes,
    .func_names = names,
};

/* A "host" function: not registered, so its traps are in no wasm function. */
void host_function(void) { innative_trap(INNATIVE_TRAP_HOST); }

static int invoke1(innative_invoker fn, uint64_t a) {
  uint64_t slots[4] = {a, 0, 0, 0};
  return innative_invoke(fn, slots);
}
static int invoke3(innative_invoker fn, uint64_t a, uint64_t b, uint64_t c) {
  uint64_t slots[4] = {a, b, c, 0};
  return innative_invoke(fn, slots);
}

/* ---- tests -------------------------------------------------------------- */

static void test_messages(void) {
  begin();
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_UNREACHABLE), "unreachable");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_MEMORY_OOB), "out of bounds memory access");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_TABLE_OOB), "out of bounds table access");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_UNDEFINED_ELEMENT), "undefined element");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_UNINITIALIZED_ELEMENT), "uninitialized element");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_INDIRECT_TYPE), "indirect call type mismatch");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_DIV_ZERO), "integer divide by zero");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_INT_OVERFLOW), "integer overflow");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_BAD_CONVERSION), "invalid conversion to integer");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_STACK_EXHAUSTED), "call stack exhausted");
  CHECK_STR(innative_trap_message(INNATIVE_TRAP_NULL_REFERENCE), "null reference");
  end("trap messages");
}

static void test_signatures(void) {
  begin();
  uint32_t a = innative_sig_intern("ii:l");
  uint32_t b = innative_sig_intern(":");
  CHECK(a == 1);
  CHECK(b == 2);
  char buf[32];
  strcpy(buf, "ii:l"); /* a different pointer to the same string */
  CHECK(innative_sig_intern(buf) == a);
  /* Enough strings to force several rehashes; ids stay put. */
  uint32_t ids[2000];
  for (int i = 0; i < 2000; i++) {
    snprintf(buf, sizeof buf, "%dd:f", i);
    ids[i] = innative_sig_intern(buf);
    CHECK(ids[i] == (uint32_t)i + 3);
  }
  for (int i = 0; i < 2000; i++) {
    snprintf(buf, sizeof buf, "%dd:f", i);
    CHECK(innative_sig_intern(buf) == ids[i]);
  }
  CHECK(innative_sig_intern("ii:l") == a);
  CHECK(innative_sig_intern(":") == b);
  end("signature interning");
}

static void test_memory(void) {
  begin();
  innative_memory m;
  innative_memory_new(&m, 1, INNATIVE_NO_MAX);
  CHECK(m.base != NULL);
  CHECK(m.size == 65536);
  CHECK(m.max_pages == 65536);
  CHECK(m.reserved == (UINT64_C(8) << 30) + 65536);
  CHECK(m.base[0] == 0 && m.base[65535] == 0);
  m.base[65535] = 7;
  CHECK(innative_memory_grow(&m, 0) == 1);
  CHECK(innative_memory_grow(&m, 2) == 1);
  CHECK(m.size == 3 * 65536);
  CHECK(m.base[65535] == 7);
  int zeros = 1;
  for (uint64_t i = 65536; i < m.size; i++)
    zeros &= m.base[i] == 0;
  CHECK(zeros);
  m.base[m.size - 1] = 9; /* the new pages are writable */
  CHECK(innative_memory_grow(&m, 65534) == 0xFFFFFFFFu); /* 65537 > 65536 */
  CHECK(innative_memory_grow(&m, 0xFFFFFFFFu) == 0xFFFFFFFFu);
  CHECK(m.size == 3 * 65536);
  innative_memory_free(&m);
  CHECK(m.base == NULL);

  innative_memory small;
  innative_memory_new(&small, 0, 2);
  CHECK(small.size == 0 && small.max_pages == 2);
  CHECK(innative_memory_grow(&small, 3) == 0xFFFFFFFFu);
  CHECK(innative_memory_grow(&small, 2) == 0);
  CHECK(innative_memory_grow(&small, 1) == 0xFFFFFFFFu);
  CHECK(small.size == 2 * 65536);
  innative_memory_free(&small);
  end("memory new/grow");
}

static void test_memory_oob(void) {
  begin();
  innative_memory_new(&mem, 1, 4);
  innative_register_module(&fake);
  innative_register_module(&fake); /* idempotent */

  CHECK(invoke1(oob_store, 65535) == 0);
  CHECK(mem.base[65535] == 1);
  CHECK(invoke1(oob_store, 65536) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK_REPORT(innative_last_trap_report(), "trap: out of bounds memory access in function oob_store");
  /* The farthest address generated code can form: u32 address + u32 offset. */
  CHECK(invoke1(oob_load, UINT64_C(0xFFFFFFFF) + UINT64_C(0xFFFFFFFF)) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK_REPORT(innative_last_trap_report(), "trap: out of bounds memory access in function oob_load");
  /* After a grow the same address is fine. */
  CHECK(innative_memory_grow(&mem, 1) == 1);
  CHECK(invoke1(oob_store, 65536) == 0);
  CHECK(invoke1(oob_store, 2 * 65536) == INNATIVE_TRAP_MEMORY_OOB);
  end("memory out of bounds faults");
}

static void test_bulk_memory(void) {
  begin();
  uint32_t size = (uint32_t)mem.size;
  memset(mem.base, 0, mem.size);
  /* fill */
  CHECK(invoke3(bulk_fill_oob, 10, 4, 0) == 0);
  CHECK(mem.base[9] == 0 && mem.base[10] == 0xAB && mem.base[13] == 0xAB && mem.base[14] == 0);
  CHECK(invoke3(bulk_fill_oob, size, 0, 0) == 0);              /* n == 0 at the end */
  CHECK(invoke3(bulk_fill_oob, size - 1, 2, 0) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK(mem.base[size - 1] == 0);                              /* nothing written */
  CHECK(invoke3(bulk_fill_oob, size + 1, 0, 0) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK(invoke3(bulk_fill_oob, 0xFFFFFFFFu, 0xFFFFFFFFu, 0) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK_REPORT(innative_last_trap_report(), "trap: out of bounds memory access in function bulk_fill_oob");
  /* copy: overlapping ranges behave like memmove */
  for (int i = 0; i < 8; i++)
    mem.base[100 + i] = (uint8_t)(i + 1);
  CHECK(invoke3(bulk_copy_oob, 102, 100, 6) == 0);
  CHECK(mem.base[102] == 1 && mem.base[107] == 6);
  CHECK(invoke3(bulk_copy_oob, 100, 102, 6) == 0);
  CHECK(mem.base[100] == 1 && mem.base[105] == 6);
  CHECK(invoke3(bulk_copy_oob, size, 0, 0) == 0);
  CHECK(invoke3(bulk_copy_oob, 0, size, 0) == 0);
  CHECK(invoke3(bulk_copy_oob, 0, size - 2, 3) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK(invoke3(bulk_copy_oob, size - 2, 0, 3) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK(mem.base[size - 2] == 0);
  CHECK_REPORT(innative_last_trap_report(), "trap: out of bounds memory access in function bulk_copy_oob");
  /* init: the segment range is checked too */
  CHECK(invoke3(bulk_init_oob, 200, 1, 3) == 0);
  CHECK(mem.base[200] == 2 && mem.base[202] == 4);
  CHECK(invoke3(bulk_init_oob, 0, 4, 0) == 0);
  CHECK(invoke3(bulk_init_oob, 300, 2, 3) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK(mem.base[300] == 0);
  CHECK(invoke3(bulk_init_oob, size - 1, 0, 2) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK(invoke3(bulk_init_oob, size, 0, 0) == 0);
  CHECK_REPORT(innative_last_trap_report(), "trap: out of bounds memory access in function bulk_init_oob");
  end("bulk memory bounds");
}

static void test_tables(void) {
  begin();
  int x, y;
  innative_table_new(&tab, 2, 5, &x);
  CHECK(tab.size == 2 && tab.max == 5 && tab.elems[0] == &x && tab.elems[1] == &x);
  CHECK(innative_table_grow(&tab, &y, 0) == 2);
  CHECK(innative_table_grow(&tab, &y, 2) == 2);
  CHECK(tab.size == 4 && tab.elems[1] == &x && tab.elems[2] == &y && tab.elems[3] == &y);
  CHECK(innative_table_grow(&tab, NULL, 2) == 0xFFFFFFFFu);
  CHECK(innative_table_grow(&tab, NULL, 1) == 4);
  CHECK(tab.size == 5 && tab.elems[4] == NULL);

  /* fill / copy / init, with traps checked before writing */
  CHECK(invoke3(table_fill_oob, 0, 2, 0) == 0);
  CHECK(tab.elems[0] == NULL && tab.elems[1] == NULL && tab.elems[2] == &y);
  CHECK(invoke3(table_fill_oob, 5, 0, 0) == 0);
  CHECK(invoke3(table_fill_oob, 4, 2, 0) == INNATIVE_TRAP_TABLE_OOB);
  CHECK_REPORT(innative_last_trap_report(), "trap: out of bounds table access in function table_fill_oob");
  tab.elems[0] = &x;
  tab.elems[1] = &y;
  CHECK(invoke3(table_copy_oob, 1, 0, 2) == 0); /* overlapping */
  CHECK(tab.elems[0] == &x && tab.elems[1] == &x && tab.elems[2] == &y);
  CHECK(invoke3(table_copy_oob, 4, 0, 2) == INNATIVE_TRAP_TABLE_OOB);
  CHECK(tab.elems[4] == NULL);
  CHECK(invoke3(table_copy_oob, 0, 5, 0) == 0);
  CHECK(invoke3(table_init_oob, 3, 0, 2) == 0);
  CHECK(tab.elems[3] == NULL);
  CHECK(invoke3(table_init_oob, 0, 1, 2) == INNATIVE_TRAP_TABLE_OOB);
  CHECK(tab.elems[0] == &x);
  CHECK(invoke3(table_init_oob, 0, 2, 0) == 0);
  CHECK_REPORT(innative_last_trap_report(), "trap: out of bounds table access in function table_init_oob");
  innative_table_free(&tab);

  innative_table big;
  innative_table_new(&big, 0, INNATIVE_NO_MAX, NULL);
  CHECK(innative_table_grow(&big, NULL, 20000000) == 0xFFFFFFFFu); /* refused, not OOM */
  CHECK(innative_table_grow(&big, NULL, 1000) == 0);
  CHECK(big.size == 1000 && big.elems[999] == NULL);
  innative_table_free(&big);
  CHECK(innative_call0(init_huge_table) == INNATIVE_TRAP_OUT_OF_MEMORY);
  end("tables");
}

static void test_signals(void) {
  begin();
  CHECK(invoke1(divide, 7) == INNATIVE_TRAP_DIV_ZERO);
  CHECK_REPORT(innative_last_trap_report(), "trap: integer divide by zero in function divide");
  CHECK(innative_call0(unreachable_ud2) == INNATIVE_TRAP_UNREACHABLE);
  CHECK_REPORT(innative_last_trap_report(), "trap: unreachable in function unreachable_ud2");
  CHECK(innative_call0(unnamed_trap) == INNATIVE_TRAP_UNREACHABLE);
  CHECK_REPORT(innative_last_trap_report(), "trap: unreachable in function func[14]");
  CHECK(innative_call0(host_function) == INNATIVE_TRAP_HOST);
  CHECK_REPORT(innative_last_trap_report(), "trap: host function trapped in function <unknown>");
  uint64_t slots[1] = {99};
  CHECK(innative_invoke(nested_outer, slots) == 0);
  CHECK(slots[0] == INNATIVE_TRAP_INDIRECT_TYPE);
  CHECK_REPORT(innative_last_trap_report(), "trap: indirect call type mismatch in function nested_inner");
  end("signal traps and nesting");
}

static void test_stack(void) {
  begin();
  void *before = innative_stack_limit;
  CHECK(invoke1(deep_checked, 0) == INNATIVE_TRAP_STACK_EXHAUSTED);
  CHECK_REPORT(innative_last_trap_report(), "trap: call stack exhausted in function recurse_checked");
  CHECK(innative_stack_limit == before);
  CHECK(invoke1(deep_unchecked, 0) == INNATIVE_TRAP_STACK_EXHAUSTED);
  CHECK(strstr(innative_last_trap_report(), "trap: call stack exhausted in function ") != NULL);
  /* The thread is still usable afterwards. */
  CHECK(invoke1(deep_checked, 0) == INNATIVE_TRAP_STACK_EXHAUSTED);
  CHECK(innative_stack_limit == before);
  end("stack exhaustion (main thread)");
}

typedef struct {
  innative_invoker fn;
  int result;
  char report[256];
} thread_job;

static void *thread_main(void *arg) {
  thread_job *job = arg;
  job->result = invoke1(job->fn, 0);
  snprintf(job->report, sizeof job->report, "%s", innative_last_trap_report());
  return NULL;
}

static void run_threads(innative_invoker fn, size_t stack_size, int n, thread_job *jobs) {
  pthread_t th[8];
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack_size);
  for (int i = 0; i < n; i++) {
    jobs[i].fn = fn;
    jobs[i].result = -1;
    pthread_create(&th[i], &attr, thread_main, &jobs[i]);
  }
  for (int i = 0; i < n; i++)
    pthread_join(th[i], NULL);
  pthread_attr_destroy(&attr);
}

static void test_stack_threads(void) {
  begin();
  thread_job jobs[4];
  /* One thread at a time, small stack: the entry check fires. */
  run_threads(deep_checked, 512 * 1024, 1, jobs);
  CHECK(jobs[0].result == INNATIVE_TRAP_STACK_EXHAUSTED);
  CHECK_REPORT(jobs[0].report, "trap: call stack exhausted in function recurse_checked");
  run_threads(deep_unchecked, 512 * 1024, 1, jobs);
  CHECK(jobs[0].result == INNATIVE_TRAP_STACK_EXHAUSTED);
  /* Several threads at once: whichever way each is caught, all trap. */
  run_threads(deep_checked, 1024 * 1024, 4, jobs);
  for (int i = 0; i < 4; i++)
    CHECK(jobs[i].result == INNATIVE_TRAP_STACK_EXHAUSTED);
  run_threads(oob_store, 1024 * 1024, 4, jobs); /* slot 0 = 0: in bounds */
  for (int i = 0; i < 4; i++)
    CHECK(jobs[i].result == 0);
  CHECK(innative_stack_limit == NULL);
  end("stack exhaustion (threads)");
}

/* Runs `fn` in a child process with stderr captured; returns its wait status. */
static int in_child(void (*fn)(void), char *err, size_t err_len) {
  int fds[2];
  if (pipe(fds) != 0)
    return -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], 2);
    fn();
    _exit(0);
  }
  close(fds[1]);
  size_t got = 0;
  ssize_t r;
  while (got + 1 < err_len && (r = read(fds[0], err + got, err_len - 1 - got)) > 0)
    got += (size_t)r;
  err[got] = 0;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

static void child_wild_pointer(void) { innative_call0(wild_pointer); }
static void child_trap_without_invoke(void) { unnamed_trap(); }
static void child_oob_without_invoke(void) {
  uint64_t slots[1] = {UINT64_C(1) << 32};
  oob_store(slots);
}
static void child_host_divide(void) {
  volatile int a = 1;
  sink = (uint64_t)(a / zero);
}

static void test_uncaught(void) {
  begin();
  char err[512];
  int st = in_child(child_wild_pointer, err, sizeof err);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV); /* not swallowed */
  st = in_child(child_trap_without_invoke, err, sizeof err);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == INNATIVE_TRAP_EXIT_STATUS);
  CHECK_REPORT(err, "trap: unreachable in function func[14]");
  st = in_child(child_oob_without_invoke, err, sizeof err);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == INNATIVE_TRAP_EXIT_STATUS);
  CHECK_REPORT(err, "trap: out of bounds memory access in function oob_store");
  /* A division by zero outside wasm code and outside any invoke is a crash. */
  st = in_child(child_host_divide, err, sizeof err);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGFPE);
  end("uncaught traps and genuine crashes");
}

static void test_unregister(void) {
  begin();
  innative_unregister_module(&fake);
  CHECK(invoke1(oob_store, UINT64_C(1) << 32) == INNATIVE_TRAP_MEMORY_OOB);
  CHECK_REPORT(innative_last_trap_report(), "trap: out of bounds memory access in function <unknown>");
  innative_register_module(&fake);
  innative_memory_free(&mem);
  innative_memory_free(&mem); /* idempotent */
  end("unregister and free");
}

int main(void) {
  innative_runtime_init();
  CHECK_STR(innative_last_trap_report(), "");
  test_messages();
  test_signatures();
  test_memory();
  test_memory_oob();
  test_bulk_memory();
  test_tables();
  test_signals();
  test_stack();
  test_stack_threads();
  test_uncaught();
  test_unregister();
  if (failures != 0) {
    printf("%d failure(s)\n", failures);
    return 1;
  }
  printf("all passed\n");
  return 0;
}
