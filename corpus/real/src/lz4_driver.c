/* Round-trips fixed data through LZ4 block, LZ4 HC and LZ4 frame formats. */
#include <stdio.h>
#include <stdlib.h>
#include "lz4.h"
#include "lz4hc.h"
#include "lz4frame.h"
#include "common.h"

#define N 12000
static unsigned char src[N], cmp[N + N / 2 + 1024], out[N];

static int check(const char *what, int csize, int dsize) {
  int ok = dsize == N && memcmp(src, out, N) == 0;
  printf("%-10s csize=%5d hash=%08x %s\n", what, csize, corpus_fnv1a(cmp, csize > 0 ? csize : 0), ok ? "ok" : "MISMATCH");
  return ok;
}

int main(void) {
  int bad = 0;
  corpus_text(src, N / 2);
  corpus_binary(src + N / 2, N / 2);
  int c = LZ4_compress_default((const char *)src, (char *)cmp, N, (int)sizeof cmp);
  bad |= !check("block", c, LZ4_decompress_safe((const char *)cmp, (char *)out, c, N));
  for (int acc = 1; acc <= 8; acc *= 8) {
    c = LZ4_compress_fast((const char *)src, (char *)cmp, N, (int)sizeof cmp, acc);
    bad |= !check("fast", c, LZ4_decompress_safe((const char *)cmp, (char *)out, c, N));
  }
  for (int lvl = 3; lvl <= 9; lvl += 6) {
    c = LZ4_compress_HC((const char *)src, (char *)cmp, N, (int)sizeof cmp, lvl);
    bad |= !check("hc", c, LZ4_decompress_safe((const char *)cmp, (char *)out, c, N));
  }
  size_t fc = LZ4F_compressFrame(cmp, sizeof cmp, src, N, NULL);
  if (LZ4F_isError(fc)) { printf("frame error %s\n", LZ4F_getErrorName(fc)); return 1; }
  LZ4F_dctx *d;
  LZ4F_createDecompressionContext(&d, LZ4F_VERSION);
  size_t dst = N, srcn = fc;
  size_t r = LZ4F_decompress(d, out, &dst, cmp, &srcn, NULL);
  LZ4F_freeDecompressionContext(d);
  bad |= !check("frame", (int)fc, LZ4F_isError(r) ? -1 : (int)dst);
  printf("lz4 %s %s\n", LZ4_versionString(), bad ? "FAILED" : "passed");
  return bad;
}
