/*
 * memory64.c — 64-bit linear memories (memory64): creation, memory.grow and
 * the bulk operations with 64-bit addresses and lengths.
 *
 * A guard region cannot cover a 64-bit address, so generated code compares
 * every access with the memory's current `size` (see src/lower/index64.rs)
 * and the reservation needs no guard.  The reservation is still made up
 * front (so `base` never moves) and is as large as the memory's maximum,
 * capped at MAX_BYTES64: a module may ask for up to 2^48 pages, but
 * memory.grow beyond the cap returns -1, which wasm allows at any time.
 * Bulk operations here also accept 32-bit memories (memory.copy between a
 * 32- and a 64-bit memory), whose operands the caller zero-extends.
 */
#include "internal.h"

#include <string.h>

/* 16 GiB: 2^18 pages. */
#define MAX_BYTES64 (UINT64_C(1) << 34)
#define MAX_PAGES64 (MAX_BYTES64 / INNATIVE_PAGE_SIZE)

void innative_memory_new64(innative_memory *m, uint64_t min_pages, uint64_t max_pages) {
  if (max_pages > MAX_PAGES64)
    max_pages = MAX_PAGES64;
  memset(m, 0, sizeof *m);
  if (min_pages > max_pages)
    innative_trap_at(INNATIVE_TRAP_OUT_OF_MEMORY, __builtin_return_address(0), 1);
  /* At least one page reserved, so that `base` is never NULL. */
  uint64_t reserve = (max_pages ? max_pages : 1) * INNATIVE_PAGE_SIZE;
  uint8_t *base = innative_vm_reserve(reserve);
  if (base == NULL)
    innative_trap_at(INNATIVE_TRAP_OUT_OF_MEMORY, __builtin_return_address(0), 1);
  uint64_t size = min_pages * INNATIVE_PAGE_SIZE;
  if ((size != 0 && !innative_vm_commit(base, size)) ||
      !innative_memory_register((uintptr_t)base, reserve)) {
    innative_vm_release(base, reserve);
    innative_trap_at(INNATIVE_TRAP_OUT_OF_MEMORY, __builtin_return_address(0), 1);
  }
  m->base = base;
  m->size = size;
  m->max_pages = (uint32_t)max_pages;
  m->flags = INNATIVE_MEMORY_64;
  m->reserved = reserve;
}

uint64_t innative_memory_grow64(innative_memory *m, uint64_t delta_pages) {
  uint64_t old_pages = m->size / INNATIVE_PAGE_SIZE;
  if (delta_pages == 0)
    return old_pages;
  if (delta_pages > m->max_pages || old_pages + delta_pages > m->max_pages)
    return UINT64_MAX;
  if (!innative_vm_commit(m->base + m->size, delta_pages * INNATIVE_PAGE_SIZE))
    return UINT64_MAX;
  m->size = (old_pages + delta_pages) * INNATIVE_PAGE_SIZE;
  return old_pages;
}

/* [start, start + n) within [0, limit), without overflow. */
static int in_range(uint64_t start, uint64_t n, uint64_t limit) {
  return n <= limit && start <= limit - n;
}

void innative_memory_init64(innative_memory *m, uint64_t dst, const uint8_t *data,
                            uint32_t data_len, uint32_t src, uint32_t n) {
  if (!in_range(src, n, data_len) || !in_range(dst, n, m->size))
    innative_trap_at(INNATIVE_TRAP_MEMORY_OOB, __builtin_return_address(0), 1);
  if (n != 0)
    memcpy(m->base + dst, data + src, n);
}

void innative_memory_copy64(innative_memory *dst_m, innative_memory *src_m,
                            uint64_t dst, uint64_t src, uint64_t n) {
  if (!in_range(src, n, src_m->size) || !in_range(dst, n, dst_m->size))
    innative_trap_at(INNATIVE_TRAP_MEMORY_OOB, __builtin_return_address(0), 1);
  if (n != 0)
    memmove(dst_m->base + dst, src_m->base + src, n);
}

void innative_memory_fill64(innative_memory *m, uint64_t dst, uint32_t value, uint64_t n) {
  if (!in_range(dst, n, m->size))
    innative_trap_at(INNATIVE_TRAP_MEMORY_OOB, __builtin_return_address(0), 1);
  if (n != 0)
    memset(m->base + dst, (int)(value & 0xFF), n);
}
