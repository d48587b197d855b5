/* A compression library: zlib (the sources the crates.io package libz-sys
 * ships) deflating and inflating generated text at several levels. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zlib.h"
int main(int argc, char **argv) {
  size_t len = argc > 1 ? (size_t)atol(argv[1]) : 8u << 20;
  static const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "zlib ", "wasm ", "\n"};
  unsigned char *in = malloc(len), *out = malloc(compressBound(len)), *back = malloc(len);
  uint32_t x = 1;
  for (size_t i = 0; i < len;) {
    x = x * 1664525u + 1013904223u;
    const char *w = words[(x >> 24) % 11];
    while (*w && i < len) in[i++] = (unsigned char)*w++;
    if ((x & 0xff) < 3 && i < len) in[i++] = (unsigned char)(x >> 8);
  }
  int levels[] = {1, 6, 9};
  for (int l = 0; l < 3; l++) {
    uLongf clen = compressBound(len), blen = len;
    if (compress2(out, &clen, in, len, levels[l]) != Z_OK) { printf("compress failed\n"); return 1; }
    if (uncompress(back, &blen, out, clen) != Z_OK || blen != len || memcmp(in, back, len) != 0) { printf("round trip failed\n"); return 1; }
    printf("level %d: %zu -> %lu bytes, crc32 %08lx adler32 %08lx\n", levels[l], len, (unsigned long)clen,
           crc32(0, out, clen), adler32(1, back, blen));
  }
  return 0;
}
