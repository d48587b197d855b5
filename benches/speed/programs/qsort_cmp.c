/* Indirect calls: libc qsort with a comparator over an array of structs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
typedef struct { int key; float weight; char tag[8]; } item;
static int cmp(const void *a, const void *b) {
  const item *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return (x->weight > y->weight) - (x->weight < y->weight);
}
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 2000000;
  int reps = 3;
  item *a = malloc(sizeof *a * n);
  uint64_t sum = 0;
  for (int r = 0; r < reps; r++) {
    uint32_t x = 99 + r;
    for (long i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; a[i].key = (int)(x % 100000); a[i].weight = (float)(x >> 8) / 1024.0f; a[i].tag[0] = 'a' + x % 26; }
    qsort(a, n, sizeof *a, cmp);
    for (long i = 0; i < n; i += 997) sum += (uint64_t)a[i].key + (uint64_t)a[i].tag[0];
  }
  printf("checksum %llu first %d last %d\n", (unsigned long long)sum, a[0].key, a[n - 1].key);
  return 0;
}
