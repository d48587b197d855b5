/* The sort behind a guest's `qsort` when innative compiles it as a builtin
 * (src/lower/libc_builtins.rs): a stable merge sort over linear memory that
 * calls the guest's comparator directly.
 *
 * wasi-libc's qsort is a smoothsort whose every comparison is an indirect
 * call; it ran 5.4 times slower than the host's qsort.  This sort is the
 * algorithm of glibc's qsort (top-down merge sort, first half rounded down,
 * `<= 0` keeps the left element), so a program sorts equal elements into
 * the same order, with the same comparisons in the same order, as its native
 * build on glibc.  The comparator always gets two elements of the array
 * itself (offsets into linear memory), never a copy: merging compares the
 * two sorted halves in place and writes into a scratch buffer outside linear
 * memory, which is then copied back.
 *
 * Not `qsort_r` from the host's libc: its comparator gets native pointers,
 * and glibc may compare copies of elements (its indirect sorting of large
 * elements), which have no wasm address. */

#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef int32_t (*compare_fn)(uint32_t a, uint32_t b);

struct sort {
  uint8_t *mem;
  uint32_t width;
  compare_fn compare;
  uint8_t *scratch;
};

static int32_t compare(const struct sort *s, const uint8_t *a, const uint8_t *b) {
  return s->compare((uint32_t)(a - s->mem), (uint32_t)(b - s->mem));
}

static void merge_sort(const struct sort *s, uint8_t *b, size_t n) {
  if (n <= 1)
    return;
  size_t n1 = n / 2, n2 = n - n1, w = s->width;
  uint8_t *b1 = b, *b2 = b + n1 * w, *out = s->scratch;
  merge_sort(s, b1, n1);
  merge_sort(s, b2, n2);
  while (n1 > 0 && n2 > 0) {
    if (compare(s, b1, b2) <= 0) {
      memcpy(out, b1, w);
      b1 += w;
      --n1;
    } else {
      memcpy(out, b2, w);
      b2 += w;
      --n2;
    }
    out += w;
  }
  /* What is left of the second half is already in place. */
  if (n1 > 0)
    memcpy(out, b1, n1 * w);
  memcpy(b, s->scratch, (n - n2) * w);
}

/* Stable insertion sort in place: the fallback when no scratch buffer can be
 * had.  Slow, but it needs no memory and keeps the same order. */
static void insertion_sort(const struct sort *s, uint8_t *b, size_t n) {
  size_t w = s->width;
  uint8_t tmp[256];
  for (size_t i = 1; i < n; ++i) {
    size_t j = i;
    while (j > 0 && compare(s, b + (j - 1) * w, b + j * w) > 0) {
      /* Swap neighbours in chunks of the stack buffer. */
      uint8_t *x = b + (j - 1) * w, *y = b + j * w;
      for (size_t k = 0; k < w; k += sizeof tmp) {
        size_t m = w - k < sizeof tmp ? w - k : sizeof tmp;
        memcpy(tmp, x + k, m);
        memcpy(x + k, y + k, m);
        memcpy(y + k, tmp, m);
      }
      --j;
    }
  }
}

/* Sorts `n` elements of `width` bytes at offset `base` of the memory whose
 * base is `mem`.  The caller has checked the range against the memory's
 * size and resolved the comparator (a wasm function `(i32, i32) -> i32`). */
void innative_sort(uint8_t *mem, uint32_t base, uint32_t n, uint32_t width, compare_fn cmp) {
  if (n <= 1 || width == 0)
    return;
  size_t bytes = (size_t)n * width;
  struct sort s = {mem, width, cmp, NULL};
  uint8_t small[1024];
  s.scratch = bytes <= sizeof small ? small : malloc(bytes);
  if (s.scratch == NULL) {
    insertion_sort(&s, mem + base, n);
    return;
  }
  merge_sort(&s, mem + base, n);
  if (s.scratch != small)
    free(s.scratch);
}
