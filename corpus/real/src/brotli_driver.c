/* Round-trips fixed data through the Brotli encoder and decoder at several qualities. */
#include <stdio.h>
#include <brotli/encode.h>
#include <brotli/decode.h>
#include "common.h"

#define N 6000
static unsigned char src[N], cmp[N + 1024], out[N];

int main(void) {
  int bad = 0;
  corpus_text(src, N);
  static const int q[] = {0, 2, 5, 9};
  for (unsigned i = 0; i < sizeof q / sizeof *q; i++) {
    size_t c = sizeof cmp;
    if (!BrotliEncoderCompress(q[i], 16, BROTLI_MODE_TEXT, N, src, &c, cmp)) { printf("encode failed\n"); return 1; }
    size_t d = N;
    int ok = BrotliDecoderDecompress(c, cmp, &d, out) == BROTLI_DECODER_RESULT_SUCCESS && d == N && memcmp(src, out, N) == 0;
    bad |= !ok;
    printf("quality=%d csize=%5zu hash=%08x %s\n", q[i], c, corpus_fnv1a(cmp, c), ok ? "ok" : "MISMATCH");
  }
  printf("brotli %s\n", bad ? "FAILED" : "passed");
  return bad;
}
