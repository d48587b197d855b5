/* Memory streaming: the sieve of Eratosthenes over a byte array, repeated. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20000000, reps = 8;
  unsigned char *composite = malloc(n + 1);
  int count = 0;
  for (int r = 0; r < reps; r++) {
    memset(composite, 0, n + 1);
    count = 0;
    for (int64_t i = 2; i <= n; i++) {
      if (composite[i]) continue;
      count++;
      for (int64_t j = i * i; j <= n; j += i) composite[j] = 1;
    }
  }
  printf("%d primes up to %d\n", count, n);
  return 0;
}
