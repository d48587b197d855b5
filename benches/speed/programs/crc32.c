/* Checksums: table-driven CRC-32 and Adler-32 over a buffer, byte at a time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
static uint32_t table[256];
int main(int argc, char **argv) {
  size_t len = argc > 1 ? (size_t)atol(argv[1]) : 32u << 20;
  int reps = 6;
  for (uint32_t i = 0; i < 256; i++) { uint32_t c = i; for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1; table[i] = c; }
  uint8_t *buf = malloc(len);
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(i ^ (i >> 8) ^ (i >> 16));
  uint32_t crc = 0, adler = 1;
  for (int r = 0; r < reps; r++) {
    uint32_t c = ~crc, a = adler & 0xffff, b = adler >> 16;
    for (size_t i = 0; i < len; i++) {
      c = table[(c ^ buf[i]) & 0xff] ^ (c >> 8);
      a += buf[i]; if (a >= 65521) a -= 65521;
      b += a; if (b >= 65521) b -= 65521;
    }
    crc = ~c; adler = b << 16 | a;
    buf[r] ^= (uint8_t)crc;
  }
  printf("crc32 %08x adler32 %08x\n", crc, adler);
  return 0;
}
