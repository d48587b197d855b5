/*
 * innative.h — the contract between code that innative generates and the
 * runtime linked into every output (the C files in runtime/).  ABI version 1.
 *
 * Everything a compiled module needs at run time goes through the types and
 * functions declared here: linear memories, tables, function references,
 * traps, and the per-module descriptor a host (or the spec harness) uses to
 * link imports and call exports.
 *
 * Value representation (natural C types):
 *   i32 -> int32_t, i64 -> int64_t, f32 -> float, f64 -> double,
 *   funcref -> const innative_func* (NULL is ref.null func),
 *   externref -> void* (NULL is ref.null extern; otherwise opaque to wasm).
 */
#ifndef INNATIVE_H
#define INNATIVE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INNATIVE_ABI_VERSION 1u
#define INNATIVE_PAGE_SIZE 65536u
/* "no maximum" for memories (in pages) and tables (in elements). */
#define INNATIVE_NO_MAX 0xFFFFFFFFu

/* The ABI types.  Headers that `innative compile --header` generates carry a
 * verbatim copy of this block (from #ifndef to #endif) so that they need no
 * innative.h; the guard lets a host include both, in either order. */
#ifndef INNATIVE_ABI_TYPES
#define INNATIVE_ABI_TYPES 1

/* Trap kinds.  0 means "no trap". */
enum innative_trap_kind {
  INNATIVE_TRAP_NONE = 0,
  INNATIVE_TRAP_UNREACHABLE = 1,          /* "unreachable" */
  INNATIVE_TRAP_MEMORY_OOB = 2,           /* "out of bounds memory access" */
  INNATIVE_TRAP_TABLE_OOB = 3,            /* "out of bounds table access" */
  INNATIVE_TRAP_UNDEFINED_ELEMENT = 4,    /* "undefined element" (call_indirect index >= size) */
  INNATIVE_TRAP_UNINITIALIZED_ELEMENT = 5,/* "uninitialized element" (null entry) */
  INNATIVE_TRAP_INDIRECT_TYPE = 6,        /* "indirect call type mismatch" */
  INNATIVE_TRAP_DIV_ZERO = 7,             /* "integer divide by zero" */
  INNATIVE_TRAP_INT_OVERFLOW = 8,         /* "integer overflow" */
  INNATIVE_TRAP_BAD_CONVERSION = 9,       /* "invalid conversion to integer" */
  INNATIVE_TRAP_STACK_EXHAUSTED = 10,     /* "call stack exhausted" */
  INNATIVE_TRAP_HOST = 11,                /* a host function asked to trap */
  INNATIVE_TRAP_NULL_REFERENCE = 12,      /* "null reference" (later proposals) */
  INNATIVE_TRAP_OUT_OF_MEMORY = 13,       /* "out of memory": a memory or table could
                                             not be allocated (instantiation fails) */
  INNATIVE_TRAP_NULL_FUNC_REFERENCE = 14, /* "null function reference" (call_ref) */
  INNATIVE_TRAP_NULL_EXN_REFERENCE = 15,  /* "null exception reference" (throw_ref) */
  INNATIVE_TRAP_EXCEPTION = 16,           /* "uncaught exception" (the report names the tag) */
};

/* A linear memory.  The runtime reserves the whole 32-bit space plus a guard
 * region up front, so `base` never moves after innative_memory_new and plain
 * loads/stores at base + (u32 address) + (u32 offset) either hit committed
 * memory or fault inside the reservation (the fault becomes MEMORY_OOB). */
typedef struct innative_memory {
  uint8_t *base;       /* start of linear memory */
  uint64_t size;       /* current size in bytes (pages * 64 KiB) */
  uint32_t max_pages;  /* maximum in pages (65536 when the module gives none) */
  uint32_t flags;      /* reserved, 0 */
  uint64_t reserved;   /* bytes reserved at base (memory + guard) */
} innative_memory;

/* A function reference (funcref).  Every function that may be referenced has
 * one descriptor; a funcref value is a pointer to it. */
typedef struct innative_func {
  void *code;          /* native function with the natural C signature */
  uint32_t sig;        /* interned signature id (innative_sig_intern), set by init */
  uint32_t index;      /* function index inside its module */
  const struct innative_module *module; /* defining module */
} innative_func;

/* A table.  Element i is a funcref (const innative_func*) or an externref. */
typedef struct innative_table {
  void **elems;        /* `size` entries, NULL = null reference */
  uint32_t size;
  uint32_t max;        /* INNATIVE_NO_MAX when the module gives none */
} innative_table;

/* A v128 value in C: 16 bytes, the same vector type as SSE's __m128i (so it
 * converts to and from __m128i, wasm_simd128.h's v128_t and any other 16-byte
 * vector by a cast).  Exported functions take and return it by value in an
 * XMM register, as the SysV x86-64 ABI passes __m128i; in memory it is the
 * vector's 16 bytes in order (lane 0 first). */
typedef long long innative_v128 __attribute__((vector_size(16), aligned(16)));

/* A global is a 16-byte cell, 16-byte aligned (generated code reads a v128
 * global with aligned vector loads); the value sits at offset 0 in its
 * natural type. */
typedef union __attribute__((aligned(16))) innative_global {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
  void *ref;
  uint8_t v128[16];
} innative_global;

/* Generic call trampoline of an exported function: parameters are read from
 * the slots from slots[0] on, results written from slots[0] on.  A value takes
 * one slot, a v128 two consecutive slots (bytes 0-7, then 8-15: the 16 bytes
 * of the vector in memory order); pass as many slots as the larger of the two
 * lists needs.  An i32/f32 lives in the low 32 bits of its slot (f32/f64 as
 * raw IEEE bits), a reference as a pointer. */
typedef void (*innative_invoker)(uint64_t *slots);

enum innative_extern_kind {
  INNATIVE_EXTERN_FUNC = 0,
  INNATIVE_EXTERN_TABLE = 1,
  INNATIVE_EXTERN_MEMORY = 2,
  INNATIVE_EXTERN_GLOBAL = 3,
};

/* One per compiled module; emitted as the symbol `<module>_innative_module`. */
typedef struct innative_module {
  uint32_t abi_version;         /* INNATIVE_ABI_VERSION */
  uint32_t num_imports;
  const char *name;             /* module name */
  /* imports[i] is the address of import i's slot.  The slot holds the
   * exporter's innative_func*, innative_table*, innative_memory* or
   * innative_global* (cell).  A host fills the slots before calling init;
   * statically linked outputs have them filled at link time. */
  void ***imports;
  uint32_t num_exports;
  uint32_t num_functions;       /* functions defined in this module */
  /* exports[i]: innative_func*, innative_table*, innative_memory* or
   * innative_global* of export i (in the module's export order).  Filled by
   * init. */
  void **exports;
  innative_invoker *invokers;   /* per export; NULL for non-function exports */
  void (*init)(void);           /* create memories/tables, globals, segments (may trap) */
  void (*start)(void);          /* the start function, or NULL */
  /* For trap reports and backtraces: code address and name of each defined
   * function (func_code[i] is the native code of the i-th defined function). */
  void *const *func_code;
  const char *const *func_names;
} innative_module;

/* Exception handling (runtime/exceptions.c).  A tag is identified by its
 * address; an exception (exnref) is a pointer to an innative_exception whose
 * values are the payload, one 64-bit slot per value (i32/f32 zero-extended
 * bits, f64/i64 bits, references as addresses). */
typedef struct innative_tag {
  const char *name;    /* for reports: the export name, or "tag[N]" */
  uint32_t nparams;
  uint32_t reserved;
} innative_tag;
typedef struct innative_exception {
  const innative_tag *tag;
  uint32_t n;
  uint32_t reserved;
  uint64_t values[];
} innative_exception;
#endif /* INNATIVE_ABI_TYPES */

/* ---- called by generated code ------------------------------------------ */

/* Stack-overflow guard: every generated function compares its frame address
 * with this limit on entry and traps STACK_EXHAUSTED below it.  Set by
 * innative_invoke / innative_call0 / the executable's main. */
extern void *innative_stack_limit;

/* Raise a trap.  Unwinds (siglongjmp) to the innermost innative_invoke /
 * innative_call0; outside of one, prints the trap line and exits with
 * INNATIVE_TRAP_EXIT_STATUS.  The caller's function is found from the return
 * address through the registered modules. */
__attribute__((noreturn)) void innative_trap(uint32_t kind);

/* Intern a signature string such as "ii:l" (params ':' results; i=i32 l=i64
 * f=f32 d=f64 v=v128 r=funcref e=externref).  Same string, same id. */
uint32_t innative_sig_intern(const char *sig);

/* Make a module known for trap reports and backtraces (idempotent). */
void innative_register_module(const innative_module *m);
/* Forget a module (a host does this before unloading its code). */
void innative_unregister_module(const innative_module *m);

/* Reserve and commit a memory (traps OUT_OF_MEMORY when the address space
 * cannot be reserved).  max_pages INNATIVE_NO_MAX means 65536. */
void innative_memory_new(innative_memory *m, uint32_t min_pages, uint32_t max_pages);
/* Release a memory created by innative_memory_new (for hosts; idempotent). */
void innative_memory_free(innative_memory *m);
/* Returns the old size in pages, or 0xFFFFFFFF (-1) when it cannot grow. */
uint32_t innative_memory_grow(innative_memory *m, uint32_t delta_pages);
/* Bulk memory; all trap MEMORY_OOB when a range is out of bounds (checked
 * before anything is written). */
void innative_memory_init(innative_memory *m, uint32_t dst, const uint8_t *data,
                          uint32_t data_len, uint32_t src, uint32_t n);
void innative_memory_copy(innative_memory *dst_m, innative_memory *src_m,
                          uint32_t dst, uint32_t src, uint32_t n);
void innative_memory_fill(innative_memory *m, uint32_t dst, uint32_t value, uint32_t n);

/* 64-bit memories (memory64, runtime/memory64.c): flags has
 * INNATIVE_MEMORY_64; generated code checks every access against `size`.
 * max_pages INNATIVE_NO_MAX64 means the largest the runtime supports. */
#define INNATIVE_MEMORY_64 1u
#define INNATIVE_NO_MAX64 UINT64_MAX
void innative_memory_new64(innative_memory *m, uint64_t min_pages, uint64_t max_pages);
/* Returns the old size in pages, or UINT64_MAX (-1) when it cannot grow. */
uint64_t innative_memory_grow64(innative_memory *m, uint64_t delta_pages);
void innative_memory_init64(innative_memory *m, uint64_t dst, const uint8_t *data,
                            uint32_t data_len, uint32_t src, uint32_t n);
/* Either memory may be 32- or 64-bit (32-bit operands zero-extended). */
void innative_memory_copy64(innative_memory *dst_m, innative_memory *src_m,
                            uint64_t dst, uint64_t src, uint64_t n);
void innative_memory_fill64(innative_memory *m, uint64_t dst, uint32_t value, uint64_t n);

/* Exception handling (runtime/exceptions.c); the tag and exception types
 * are with the ABI types above. */
/* Size and jmp_buf offset of the handler generated code reserves per try_table. */
#define INNATIVE_HANDLER_SIZE 512
#define INNATIVE_HANDLER_JMPBUF 16
void innative_try_enter(void *handler);
void innative_try_leave(void *handler);
void *innative_try_exception(void *handler);
__attribute__((noreturn)) void innative_throw(const innative_tag *tag, const uint64_t *values,
                                              uint32_t n);
__attribute__((noreturn)) void innative_rethrow(innative_exception *exn);
/* Start an empty handler chain (returns the old one) / put it back: a host
 * frame is a boundary that exceptions do not cross. */
void *innative_exceptions_isolate(void);
void innative_exceptions_restore(void *saved);
/* Tag name of the last uncaught exception on this thread (NULL if none). */
const char *innative_uncaught_tag(void);

void innative_table_new(innative_table *t, uint32_t min, uint32_t max, void *init);
/* Release a table created by innative_table_new (for hosts; idempotent). */
void innative_table_free(innative_table *t);
/* Returns the old size, or 0xFFFFFFFF when it cannot grow. */
uint32_t innative_table_grow(innative_table *t, void *init, uint32_t delta);
/* Bulk table ops; trap TABLE_OOB on a bad range, checked before writing. */
void innative_table_init(innative_table *t, uint32_t dst, void *const *elems,
                         uint32_t elems_len, uint32_t src, uint32_t n);
void innative_table_copy(innative_table *dst_t, innative_table *src_t,
                         uint32_t dst, uint32_t src, uint32_t n);
void innative_table_fill(innative_table *t, uint32_t dst, void *value, uint32_t n);
/* Generated init code: code and signature id of each of the first n
 * elements into two arrays (0 for a null element), for call_indirect. */
void innative_table_shadow(const innative_table *t, void **code, uint32_t *sig, uint32_t n);

/* ---- called by hosts ----------------------------------------------------- */

/* Install the SIGSEGV/SIGBUS/SIGFPE handlers (idempotent; done by the other
 * entry points too). */
void innative_runtime_init(void);

/* Call `fn(slots)` and catch traps: returns 0, or the trap kind.  Nests. */
int innative_invoke(innative_invoker fn, uint64_t *slots);
/* Same for a no-argument function such as a module's init or start. */
int innative_call0(void (*fn)(void));
/* Human-readable message of a trap kind ("out of bounds memory access"...). */
const char *innative_trap_message(int kind);
/* Full report of the last trap caught on this thread ("trap: ... in function ..."). */
const char *innative_last_trap_report(void);

/* Exit status of an executable that traps. */
#define INNATIVE_TRAP_EXIT_STATUS 134

/* ---- executables ----------------------------------------------------------
 * An executable's object defines `void innative_program_start(void)` which
 * registers and initializes every module, runs their start functions and then
 * the main module's `_start` export when present.  The runtime's main() runs
 * it under a trap handler; argc/argv/environ are kept for WASI. */
void innative_program_start(void);
extern int innative_argc;
extern char **innative_argv;

/* ---- WASI preview 1 -------------------------------------------------------
 * Imports `wasi_snapshot_preview1.F` link to the runtime's
 * `wasi_snapshot_preview1_WASM_F` (natural C signatures; see runtime/wasi.h).
 * They work on one linear memory: innative_program_start passes the main
 * module's exported "memory" here before initializing the modules (its base
 * and size are read at each call; through a weak reference, so a program
 * that imports nothing from WASI links none of it).  A host that runs a WASI
 * module itself calls it too.  Until it is called every guest pointer is out
 * of bounds (EFAULT).  It also opens the preopened directories. */
void innative_wasi_set_memory(innative_memory *m);
/* Preopened directories ("HOST" or "HOST::GUEST"), NULL-terminated: defined
 * by an executable's object when directories were given at compile time
 * (`--dir`); the runtime adds those of $INNATIVE_WASI_DIRS (';'-separated). */
extern const char *const innative_wasi_preopens[] __attribute__((weak));

#ifdef __cplusplus
}
#endif
#endif
