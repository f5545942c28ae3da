/* Deflate/inflate fixed data with zlib (zlib, raw and gzip wrappers) and checksums. */
#include <stdio.h>
#include "zlib.h"
#include "common.h"

#define N 10000
static unsigned char src[N], cmp[N + 1024], out[N];

static int roundtrip(int level, int wbits, int strategy) {
  z_stream s;
  memset(&s, 0, sizeof s);
  deflateInit2(&s, level, Z_DEFLATED, wbits, 8, strategy);
  s.next_in = src; s.avail_in = N; s.next_out = cmp; s.avail_out = sizeof cmp;
  int r = deflate(&s, Z_FINISH);
  size_t c = s.total_out;
  deflateEnd(&s);
  memset(&s, 0, sizeof s);
  inflateInit2(&s, wbits);
  s.next_in = cmp; s.avail_in = (uInt)c; s.next_out = out; s.avail_out = N;
  int r2 = inflate(&s, Z_FINISH);
  int ok = r == Z_STREAM_END && r2 == Z_STREAM_END && s.total_out == N && memcmp(src, out, N) == 0;
  inflateEnd(&s);
  printf("level=%d wbits=%3d strategy=%d csize=%5zu hash=%08x %s\n", level, wbits, strategy, c, corpus_fnv1a(cmp, c), ok ? "ok" : "MISMATCH");
  return ok;
}

int main(void) {
  int bad = 0;
  corpus_text(src, N / 2);
  corpus_binary(src + N / 2, N / 2);
  bad |= !roundtrip(1, 15, Z_DEFAULT_STRATEGY);
  bad |= !roundtrip(6, -15, Z_DEFAULT_STRATEGY);
  bad |= !roundtrip(9, 31, Z_FILTERED);
  bad |= !roundtrip(6, 15, Z_HUFFMAN_ONLY);
  bad |= !roundtrip(6, 12, Z_RLE);
  uLongf c = sizeof cmp, d = N;
  compress2(cmp, &c, src, N, 4);
  bad |= uncompress(out, &d, cmp, c) != Z_OK || d != N;
  printf("crc32=%08lx adler32=%08lx compress2=%lu\n", crc32(0, src, N), adler32(1, src, N), (unsigned long)c);
  printf("zlib %s %s\n", zlibVersion(), bad ? "FAILED" : "passed");
  return bad;
}
