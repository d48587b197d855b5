/*
 * table.c — tables of references: creation, table.grow, and the bulk
 * operations table.init / table.copy / table.fill.
 *
 * A table is a heap array of `size` pointers (funcref: const innative_func*,
 * externref: void*; NULL is the null reference).  Growth reallocates, so
 * generated code must reload `elems` after anything that may grow the table.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* The wasm limit is 2^32 - 1 elements, but a table that large is 32 GiB of
 * pointers: refuse to grow past this many elements instead of exhausting
 * memory (table.grow then returns -1, which wasm allows at any time), and
 * fail instantiation (OUT_OF_MEMORY) of a table whose minimum exceeds it. */
#define SIZE_LIMIT 10000000u

static void fill(void **elems, uint32_t from, uint32_t to, void *value) {
  for (uint32_t i = from; i < to; i++)
    elems[i] = value;
}

void innative_table_new(innative_table *t, uint32_t min, uint32_t max, void *init) {
  /* Always allocate at least one slot so a NULL `elems` only ever means
   * "allocation failed" here. */
  void **elems = min > SIZE_LIMIT ? NULL : calloc(min ? min : 1, sizeof(void *));
  if (elems == NULL)
    innative_trap_at(INNATIVE_TRAP_OUT_OF_MEMORY, __builtin_return_address(0), 1);
  if (init != NULL)
    fill(elems, 0, min, init);
  t->elems = elems;
  t->size = min;
  t->max = max;
}

/* The call_indirect view of a table that only the module's own element
 * segments ever fill (src/lower/module_env.rs, `table_shadows`): code[i]
 * and sig[i] of element i, sig 0 (no interned id is 0) for a null element.
 * Written once by the module's init, after its element segments. */
void innative_table_shadow(const innative_table *t, void **code, uint32_t *sig, uint32_t n) {
  for (uint32_t i = 0; i < n && i < t->size; i++) {
    const innative_func *f = t->elems[i];
    code[i] = f != NULL ? f->code : NULL;
    sig[i] = f != NULL ? f->sig : 0;
  }
}

void innative_table_free(innative_table *t) {
  free(t->elems);
  t->elems = NULL;
  t->size = 0;
}

uint32_t innative_table_grow(innative_table *t, void *init, uint32_t delta) {
  uint32_t old = t->size;
  if (delta == 0)
    return old;
  uint64_t new_size = (uint64_t)old + delta;
  if (new_size > t->max || new_size > SIZE_LIMIT)
    return 0xFFFFFFFFu;
  void **elems = realloc(t->elems, (size_t)new_size * sizeof(void *));
  if (elems == NULL)
    return 0xFFFFFFFFu;
  fill(elems, old, (uint32_t)new_size, init);
  t->elems = elems;
  t->size = (uint32_t)new_size;
  return old;
}

/* Ranges are checked in u64 before anything is written; a range ending
 * exactly at the end is in bounds even when n == 0. */

void innative_table_init(innative_table *t, uint32_t dst, void *const *elems,
                         uint32_t elems_len, uint32_t src, uint32_t n) {
  if ((uint64_t)src + n > elems_len || (uint64_t)dst + n > t->size)
    innative_trap_at(INNATIVE_TRAP_TABLE_OOB, __builtin_return_address(0), 1);
  if (n != 0)
    memcpy(t->elems + dst, elems + src, (size_t)n * sizeof(void *));
}

void innative_table_copy(innative_table *dst_t, innative_table *src_t,
                         uint32_t dst, uint32_t src, uint32_t n) {
  if ((uint64_t)src + n > src_t->size || (uint64_t)dst + n > dst_t->size)
    innative_trap_at(INNATIVE_TRAP_TABLE_OOB, __builtin_return_address(0), 1);
  if (n != 0)
    memmove(dst_t->elems + dst, src_t->elems + src, (size_t)n * sizeof(void *));
}

void innative_table_fill(innative_table *t, uint32_t dst, void *value, uint32_t n) {
  if ((uint64_t)dst + n > t->size)
    innative_trap_at(INNATIVE_TRAP_TABLE_OOB, __builtin_return_address(0), 1);
  fill(t->elems, dst, dst + n, value);
}
