/* Loops over arrays: a naive 700x700 double matrix multiply (i-j-k order). */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 700, reps = 2;
  double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = malloc(sizeof(double) * n * n);
  for (int i = 0; i < n * n; i++) { a[i] = (i % 17) * 0.5 - 3; b[i] = (i % 13) * 0.25 + 1; }
  double trace = 0;
  for (int r = 0; r < reps; r++) {
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
        c[i * n + j] = s;
      }
    for (int i = 0; i < n; i++) trace += c[i * n + i];
    a[r] += 1;
  }
  printf("trace %.3f c[7] %.3f\n", trace, c[7]);
  return 0;
}
