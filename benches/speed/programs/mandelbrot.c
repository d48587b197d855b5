/* Floating point: the Mandelbrot set at 1600x1600, counting points inside. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1600, inside = 0;
  unsigned checksum = 0;
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) {
      double cr = 2.0 * x / n - 1.5, ci = 2.0 * y / n - 1.0, zr = 0, zi = 0;
      int i = 0;
      for (; i < 100 && zr * zr + zi * zi <= 4.0; i++) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; }
      inside += i == 100;
      checksum = checksum * 31 + i;
    }
  printf("%d inside, checksum %u\n", inside, checksum);
  return 0;
}
