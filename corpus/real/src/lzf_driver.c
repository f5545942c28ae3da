/* Round-trips fixed data through liblzf. */
#include <stdio.h>
#include "lzf.h"
#include "common.h"

#define N 16000
static unsigned char src[N], cmp[N + 64], out[N];

int main(void) {
  int bad = 0;
  corpus_text(src, N / 2);
  corpus_binary(src + N / 2, N / 2);
  for (unsigned n = 1; n <= N; n = n * 4 + 3) {
    unsigned c = lzf_compress(src, n, cmp, sizeof cmp);
    unsigned d = lzf_decompress(cmp, c, out, N);
    int ok = c && d == n && memcmp(src, out, n) == 0;
    bad |= !ok;
    printf("n=%5u csize=%5u hash=%08x %s\n", n, c, corpus_fnv1a(cmp, c), ok ? "ok" : "MISMATCH");
  }
  printf("lzf %s\n", bad ? "FAILED" : "passed");
  return bad;
}
