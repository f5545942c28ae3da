/* Compresses a small fixed buffer with Zopfli (one iteration, gzip container):
 * Zopfli sets up large tables per block, so even this takes a few million fuel units. */
#include <stdio.h>
#include <stdlib.h>
#include "zopfli.h"
#include "common.h"

#define N 600
static unsigned char src[N];

int main(void) {
  ZopfliOptions o;
  ZopfliInitOptions(&o);
  o.numiterations = 1;
  o.blocksplitting = 0;
  corpus_text(src, N);
  static const ZopfliFormat fmts[] = {ZOPFLI_FORMAT_GZIP};
  for (int i = 0; i < 1; i++) {
    unsigned char *out = 0;
    size_t outsize = 0;
    ZopfliCompress(&o, fmts[i], src, N, &out, &outsize);
    printf("format=%d size=%zu hash=%08x\n", i, outsize, corpus_fnv1a(out, outsize));
    free(out);
  }
  return 0;
}
