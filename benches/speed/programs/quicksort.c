/* Recursion and array swaps: a hand-written quicksort of pseudo-random ints. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
static void quicksort(int *a, long lo, long hi) {
  while (lo < hi) {
    int p = a[lo + (hi - lo) / 2];
    long i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { int t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; } else { quicksort(a, i, hi); hi = j; }
  }
}
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 8000000;
  int *a = malloc(sizeof(int) * n);
  uint32_t x = 12345;
  for (long i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; a[i] = (int)(x % 1000000007u); }
  quicksort(a, 0, n - 1);
  long bad = 0; uint64_t sum = 0;
  for (long i = 1; i < n; i++) bad += a[i - 1] > a[i];
  for (long i = 0; i < n; i += 1000) sum += (uint64_t)a[i];
  printf("sorted %ld, out of order %ld, sample sum %llu\n", n, bad, (unsigned long long)sum);
  return 0;
}
