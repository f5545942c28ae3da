/* Computes CRC-32C (Castagnoli) with the portable slice-by-8 code of the crc32c package. */
#include <stdio.h>
#include <stdint.h>
#include "crc32c.h"
#include "common.h"

/* Defined by the Python module (_crc32c.c) that we do not build. */
int is_big_endian = 0;

#define N 20000
static unsigned char buf[N];

int main(void) {
  corpus_binary(buf, N);
  printf("check=%08x (expect e3069283)\n", _crc32c_sw_slicing_by_8(0, (const unsigned char *)"123456789", 9));
  uint32_t c = 0;
  for (size_t n = 0; n <= N; n = n ? n * 3 : 1) {
    printf("len=%5zu crc=%08x\n", n, _crc32c_sw_slicing_by_8(0, buf, n));
  }
  for (size_t off = 0; off < N; off += 997) c = _crc32c_sw_slicing_by_8(c, buf + off, off + 997 <= N ? 997 : N - off);
  printf("incremental=%08x oneshot=%08x\n", c, _crc32c_sw_slicing_by_8(0, buf, N));
  return 0;
}
