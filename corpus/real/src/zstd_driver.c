/* Round-trips fixed data through zstd at several levels, one-shot and streaming. */
#include <stdio.h>
#include <stdlib.h>
#include "zstd.h"
#include "common.h"

#define N 10000
static unsigned char src[N], cmp[ZSTD_COMPRESSBOUND(N)], out[N];

int main(void) {
  int bad = 0;
  corpus_text(src, N * 3 / 4);
  corpus_binary(src + N * 3 / 4, N - N * 3 / 4);
  static const int levels[] = {-3, 1, 3, 7};
  for (unsigned i = 0; i < sizeof levels / sizeof *levels; i++) {
    size_t c = ZSTD_compress(cmp, sizeof cmp, src, N, levels[i]);
    if (ZSTD_isError(c)) { printf("error %s\n", ZSTD_getErrorName(c)); return 1; }
    size_t d = ZSTD_decompress(out, N, cmp, c);
    int ok = !ZSTD_isError(d) && d == N && memcmp(src, out, N) == 0;
    bad |= !ok;
    printf("level=%2d csize=%5zu hash=%08x %s\n", levels[i], c, corpus_fnv1a(cmp, c), ok ? "ok" : "MISMATCH");
  }
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 2);
  ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
  ZSTD_outBuffer ob = {cmp, sizeof cmp, 0};
  for (size_t off = 0; off < N; off += 1000) {
    ZSTD_inBuffer ib = {src + off, 1000, 0};
    ZSTD_EndDirective e = off + 1000 >= N ? ZSTD_e_end : ZSTD_e_continue;
    size_t r;
    do { r = ZSTD_compressStream2(cc, &ob, &ib, e); } while (!ZSTD_isError(r) && (e == ZSTD_e_end ? r != 0 : ib.pos < ib.size));
  }
  ZSTD_freeCCtx(cc);
  ZSTD_DCtx *dc = ZSTD_createDCtx();
  ZSTD_inBuffer ib = {cmp, ob.pos, 0};
  ZSTD_outBuffer o2 = {out, N, 0};
  size_t r = ZSTD_decompressStream(dc, &o2, &ib);
  ZSTD_freeDCtx(dc);
  int ok = !ZSTD_isError(r) && o2.pos == N && memcmp(src, out, N) == 0;
  bad |= !ok;
  printf("stream csize=%zu hash=%08x %s\n", ob.pos, corpus_fnv1a(cmp, ob.pos), ok ? "ok" : "MISMATCH");
  printf("zstd %s %s\n", ZSTD_versionString(), bad ? "FAILED" : "passed");
  return bad;
}
