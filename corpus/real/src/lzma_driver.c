/* Round-trips fixed data through the LZMA SDK encoder/decoder and hashes it with 7-Zip's CRC32 and SHA-256. */
#include <stdio.h>
#include <stdlib.h>
#include "LzmaEnc.h"
#include "LzmaDec.h"
#include "7zCrc.h"
#include "Sha256.h"
#include "common.h"

static void *a_alloc(ISzAllocPtr p, size_t n) { (void)p; return malloc(n); }
static void a_free(ISzAllocPtr p, void *a) { (void)p; free(a); }
static const ISzAlloc alloc = {a_alloc, a_free};

#define N 8000
static unsigned char src[N], cmp[N + 1024], out[N];

int main(void) {
  int bad = 0;
  CrcGenerateTable();
  corpus_text(src, N * 3 / 4);
  corpus_binary(src + N * 3 / 4, N - N * 3 / 4);
  for (int level = 0; level <= 5; level += 5) {
    CLzmaEncProps props;
    LzmaEncProps_Init(&props);
    props.level = level;
    props.dictSize = 1 << 16;
    props.numThreads = 1;
    Byte header[LZMA_PROPS_SIZE];
    SizeT hsize = LZMA_PROPS_SIZE, csize = sizeof cmp, dsize = N, inlen;
    SRes r = LzmaEncode(cmp, &csize, src, N, &props, header, &hsize, 0, NULL, &alloc, &alloc);
    ELzmaStatus st;
    inlen = csize;
    SRes r2 = LzmaDecode(out, &dsize, cmp, &inlen, header, LZMA_PROPS_SIZE, LZMA_FINISH_END, &st, &alloc);
    int ok = r == SZ_OK && r2 == SZ_OK && dsize == N && memcmp(src, out, N) == 0;
    bad |= !ok;
    printf("level=%d csize=%5zu hash=%08x %s\n", level, (size_t)csize, corpus_fnv1a(cmp, csize), ok ? "ok" : "MISMATCH");
  }
  CSha256 sha;
  Byte dig[SHA256_DIGEST_SIZE];
  Sha256_Init(&sha);
  Sha256_Update(&sha, src, N);
  Sha256_Final(&sha, dig);
  printf("crc32=%08x sha256=", CrcCalc(src, N));
  for (int i = 0; i < SHA256_DIGEST_SIZE; i++) printf("%02x", dig[i]);
  printf("\nlzma %s\n", bad ? "FAILED" : "passed");
  return bad;
}
