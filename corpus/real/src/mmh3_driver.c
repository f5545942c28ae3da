/* Hashes fixed keys with MurmurHash3 x86_32, x86_128 and x64_128. */
#include <stdio.h>
#include <stdint.h>
#include "murmurhash3.h"
#include "common.h"

#define N 4096
static unsigned char buf[N];

int main(void) {
  corpus_binary(buf, N);
  uint32_t acc = 0;
  for (size_t len = 0; len <= N; len = len < 40 ? len + 1 : len * 2) {
    uint32_t h32; uint64_t a[2]; uint32_t b[4];
    murmurhash3_x86_32(buf, (Py_ssize_t)len, 0x9747b28cu, &h32);
    murmurhash3_x64_128(buf, (Py_ssize_t)len, (uint32_t)len, a);
    murmurhash3_x86_128(buf, (Py_ssize_t)len, 42, b);
    printf("len=%4zu x86_32=%08x x64_128=%016llx%016llx x86_128=%08x%08x%08x%08x\n", len, h32,
           (unsigned long long)a[1], (unsigned long long)a[0], b[3], b[2], b[1], b[0]);
    acc = acc * 31 + h32 + b[0];
  }
  printf("acc=%08x\n", acc);
  return 0;
}
