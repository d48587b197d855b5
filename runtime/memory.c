/*
 * memory.c — linear memories: reservation, growth, bulk operations
 * (memory.init / memory.copy / memory.fill), and the registry of live
 * reservations that the fault handler consults to turn a SIGSEGV into an
 * "out of bounds memory access" trap.
 *
 * Every memory reserves 8 GiB + 64 KiB of address space up front with no
 * access rights.  Generated code computes base + (u32 address) + (u32 offset)
 * without a bounds check: the largest such address is below base + 8 GiB, and
 * an access is at most 16 bytes wide, so any out-of-bounds access lands inside
 * the reservation and faults.  Only the pages the module has (min_pages, then
 * memory.grow) are committed read/write, so `base` never moves.  (Reserving
 * and committing are innative_vm_* of platform_posix.c / platform_win32.c:
 * mmap/mprotect, or VirtualAlloc MEM_RESERVE/MEM_COMMIT.)
 */
#include "internal.h"

#include <string.h>

/* u32 address + u32 offset + widest access, rounded up to a wasm page. */
#define RESERVATION_BYTES ((UINT64_C(1) << 33) + INNATIVE_PAGE_SIZE)
/* The wasm 32-bit limit: 65536 pages of 64 KiB = 4 GiB. */
#define MAX_PAGES 65536u

/* ---- reservation registry --------------------------------------------------
 * A fixed array of (base, length) slots.  Address space bounds how many
 * memories can exist at once: 128 TiB of user space / 8 GiB = 16384.  Slots
 * are claimed with a compare-and-swap on `base` and released by clearing it,
 * so registering is thread-safe without a lock and the signal handler can scan
 * the array at any moment (it reads `base` then `len`; a slot being filled has
 * len 0 and matches nothing).  The array is in .bss, so untouched slots cost
 * no memory. */
#define REGISTRY_SLOTS 16384
static struct {
  uintptr_t base;
  uintptr_t len;
} registry[REGISTRY_SLOTS];
/* One past the highest slot ever used: bounds the handler's scan. */
static uint32_t registry_high;

int innative_memory_register(uintptr_t base, uintptr_t len) {
  for (uint32_t i = 0; i < REGISTRY_SLOTS; i++) {
    uintptr_t expected = 0;
    if (__atomic_compare_exchange_n(&registry[i].base, &expected, base, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      __atomic_store_n(&registry[i].len, len, __ATOMIC_RELEASE);
      uint32_t high = __atomic_load_n(&registry_high, __ATOMIC_RELAXED);
      while (high < i + 1 &&
             !__atomic_compare_exchange_n(&registry_high, &high, i + 1, 1,
                                          __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      }
      return 1;
    }
  }
  return 0;
}

static void registry_remove(uintptr_t base) {
  uint32_t high = __atomic_load_n(&registry_high, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < high; i++) {
    if (__atomic_load_n(&registry[i].base, __ATOMIC_ACQUIRE) == base) {
      __atomic_store_n(&registry[i].len, 0, __ATOMIC_RELEASE);
      __atomic_store_n(&registry[i].base, 0, __ATOMIC_RELEASE);
      return;
    }
  }
}

int innative_memory_contains(uintptr_t addr) {
  uint32_t high = __atomic_load_n(&registry_high, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < high; i++) {
    uintptr_t base = __atomic_load_n(&registry[i].base, __ATOMIC_ACQUIRE);
    uintptr_t len = __atomic_load_n(&registry[i].len, __ATOMIC_ACQUIRE);
    if (base != 0 && addr >= base && addr - base < len)
      return 1;
  }
  return 0;
}

/* ---- memories -------------------------------------------------------------- */

void innative_memory_new(innative_memory *m, uint32_t min_pages, uint32_t max_pages) {
  if (max_pages == INNATIVE_NO_MAX || max_pages > MAX_PAGES)
    max_pages = MAX_PAGES;
  memset(m, 0, sizeof *m);
  /* Validation guarantees min <= max <= 65536; anything else cannot exist. */
  if (min_pages > max_pages)
    innative_trap_at(INNATIVE_TRAP_OUT_OF_MEMORY, __builtin_return_address(0), 1);

  uint8_t *base = innative_vm_reserve(RESERVATION_BYTES);
  if (base == NULL)
    innative_trap_at(INNATIVE_TRAP_OUT_OF_MEMORY, __builtin_return_address(0), 1);
  uint64_t size = (uint64_t)min_pages * INNATIVE_PAGE_SIZE;
  if ((size != 0 && !innative_vm_commit(base, size)) ||
      !innative_memory_register((uintptr_t)base, RESERVATION_BYTES)) {
    innative_vm_release(base, RESERVATION_BYTES);
    innative_trap_at(INNATIVE_TRAP_OUT_OF_MEMORY, __builtin_return_address(0), 1);
  }
  m->base = base;
  m->size = size;
  m->max_pages = max_pages;
  m->reserved = RESERVATION_BYTES;
}

void innative_memory_free(innative_memory *m) {
  if (m->base == NULL)
    return;
  registry_remove((uintptr_t)m->base);
  innative_vm_release(m->base, m->reserved);
  memset(m, 0, sizeof *m);
}

uint32_t innative_memory_grow(innative_memory *m, uint32_t delta_pages) {
  uint64_t old_pages = m->size / INNATIVE_PAGE_SIZE;
  if (delta_pages == 0)
    return (uint32_t)old_pages;
  uint64_t new_pages = old_pages + delta_pages;
  uint32_t max = m->max_pages > MAX_PAGES ? MAX_PAGES : m->max_pages;
  if (new_pages > max)
    return 0xFFFFFFFFu;
  /* The new pages have never been accessible, so they are still zero. */
  if (!innative_vm_commit(m->base + m->size, (uint64_t)delta_pages * INNATIVE_PAGE_SIZE))
    return 0xFFFFFFFFu;
  m->size = new_pages * INNATIVE_PAGE_SIZE;
  return (uint32_t)old_pages;
}

/* Bulk operations check every range before touching memory (in u64, so
 * dst + n cannot wrap); a range ending exactly at the end is in bounds even
 * when n == 0. */

void innative_memory_init(innative_memory *m, uint32_t dst, const uint8_t *data,
                          uint32_t data_len, uint32_t src, uint32_t n) {
  if ((uint64_t)src + n > data_len || (uint64_t)dst + n > m->size)
    innative_trap_at(INNATIVE_TRAP_MEMORY_OOB, __builtin_return_address(0), 1);
  if (n != 0)
    memcpy(m->base + dst, data + src, n);
}

void innative_memory_copy(innative_memory *dst_m, innative_memory *src_m,
                          uint32_t dst, uint32_t src, uint32_t n) {
  if ((uint64_t)src + n > src_m->size || (uint64_t)dst + n > dst_m->size)
    innative_trap_at(INNATIVE_TRAP_MEMORY_OOB, __builtin_return_address(0), 1);
  if (n != 0)
    memmove(dst_m->base + dst, src_m->base + src, n);
}

void innative_memory_fill(innative_memory *m, uint32_t dst, uint32_t value, uint32_t n) {
  if ((uint64_t)dst + n > m->size)
    innative_trap_at(INNATIVE_TRAP_MEMORY_OOB, __builtin_return_address(0), 1);
  if (n != 0)
    memset(m->base + dst, (int)(value & 0xFF), n);
}
