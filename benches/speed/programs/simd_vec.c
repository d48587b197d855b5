/* SIMD written with vector types (the portable spelling of v128_t): a
 * saturating brightness adjustment and a rounding average of 8-bit images,
 * and a 4-wide float dot product, over 1 MiB buffers.  The wasm build uses
 * -msimd128 (v128 instructions); natively the same code is SSE2. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x16 __attribute__((vector_size(32)));
typedef float f32x4 __attribute__((vector_size(16)));
#define N (1 << 20)

static u8x16 load(const uint8_t *p) { u8x16 v; memcpy(&v, p, 16); return v; }
static void store(uint8_t *p, u8x16 v) { memcpy(p, &v, 16); }

int main(void) {
  uint8_t *a = malloc(N), *b = malloc(N), *c = malloc(N);
  float *x = malloc(N * sizeof(float)), *y = malloc(N * sizeof(float));
  for (int i = 0; i < N; i++) {
    a[i] = (uint8_t)(i * 7 + (i >> 9));
    b[i] = (uint8_t)(i * 13 ^ (i >> 5));
    x[i] = (float)(i % 1000) * 0.001f;
    y[i] = (float)(i % 777) * 0.002f - 0.5f;
  }
  uint32_t h = 0;
  double dots = 0;
  for (int rep = 0; rep < 2500; rep++) {
    u8x16 k = (u8x16){0} + (uint8_t)(rep & 63);
    for (int i = 0; i < N; i += 16) {
      u8x16 v = load(a + i), s = v + k;
      s |= (u8x16)(s < v); /* saturate: wrapped lanes become 255 */
      u16x16 w = (__builtin_convertvector(s, u16x16) + __builtin_convertvector(load(b + i), u16x16) + 1) >> 1;
      store(c + i, __builtin_convertvector(w, u8x16));
    }
    f32x4 acc = {0, 0, 0, 0};
    for (int i = 0; i < N; i += 4) {
      f32x4 xv, yv;
      memcpy(&xv, x + i, 16);
      memcpy(&yv, y + i, 16);
      acc += xv * yv;
    }
    dots += acc[0] + acc[1] + acc[2] + acc[3];
    h = h * 31 + c[rep * 4099 % N];
    a[rep] ^= c[rep];
  }
  uint32_t sum = 0;
  for (int i = 0; i < N; i++) sum = sum * 33 + c[i];
  printf("hash %08x sum %08x dots %.6f\n", h, sum, dots);
  return 0;
}
