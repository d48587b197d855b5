/* Loops clang auto-vectorizes: saxpy on floats, a 16-bit dot product into
 * 32-bit sums, an 8-bit maximum and a 32-bit prefix-free blend, over 64 Ki
 * element arrays.  The wasm build uses -msimd128; natively SSE2. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#define N (1 << 16)

__attribute__((noinline)) static void saxpy(float k, const float *x, float *y) {
  for (int i = 0; i < N; i++) y[i] = k * x[i] + y[i];
}
__attribute__((noinline)) static int32_t dot16(const int16_t *a, const int16_t *b) {
  int32_t s = 0;
  for (int i = 0; i < N; i++) s += a[i] * b[i];
  return s;
}
__attribute__((noinline)) static void max8(uint8_t *p, const uint8_t *q) {
  for (int i = 0; i < N; i++) p[i] = p[i] > q[i] ? p[i] : q[i];
}
__attribute__((noinline)) static void blend(int32_t *d, const int32_t *s, int32_t m) {
  for (int i = 0; i < N; i++) d[i] = (d[i] & m) | (s[i] & ~m) ;
}

int main(void) {
  float *x = malloc(N * 4), *y = malloc(N * 4);
  int16_t *a = malloc(N * 2), *b = malloc(N * 2);
  uint8_t *p = malloc(N), *q = malloc(N);
  int32_t *d = malloc(N * 4), *s = malloc(N * 4);
  for (int i = 0; i < N; i++) {
    x[i] = (float)(i % 100) * 0.01f;
    y[i] = 0;
    a[i] = (int16_t)(i * 3 - 7000);
    b[i] = (int16_t)(i % 2000 - 1000);
    p[i] = (uint8_t)(i * 5);
    q[i] = (uint8_t)(i * 11 + 3);
    d[i] = i * 7;
    s[i] = i ^ 0x1234;
  }
  int64_t total = 0;
  for (int rep = 0; rep < 20000; rep++) {
    saxpy(0.5f + (float)(rep & 7) * 0.125f, x, y);
    total += dot16(a, b);
    max8(p, q);
    q[rep % N] ^= (uint8_t)rep;
    blend(d, s, rep * 0x01010101);
  }
  uint32_t h = 0;
  for (int i = 0; i < N; i++) h = h * 31 + p[i] + (uint32_t)d[i];
  printf("total %lld hash %08x y[123] %.4f\n", (long long)total, h, y[123]);
  return 0;
}
