/* Hashes fixed buffers with XXH32, XXH64, XXH3-64 and XXH3-128, one-shot and streaming. */
#include <stdio.h>
#include "xxhash.h"
#include "common.h"

#define N 6000
static unsigned char buf[N];

int main(void) {
  corpus_text(buf, N);
  unsigned long long acc = 0;
  static const size_t lens[] = {0, 1, 3, 4, 8, 9, 16, 17, 128, 129, 240, 241, 1000, 4096, N};
  for (unsigned i = 0; i < sizeof lens / sizeof *lens; i++) {
    size_t n = lens[i];
    XXH32_hash_t h32 = XXH32(buf, n, 7);
    XXH64_hash_t h64 = XXH64(buf, n, 7);
    XXH64_hash_t h3 = XXH3_64bits_withSeed(buf, n, 7);
    XXH128_hash_t h128 = XXH3_128bits(buf, n);
    printf("len=%4zu xxh32=%08x xxh64=%016llx xxh3=%016llx xxh128=%016llx%016llx\n", n, h32,
           (unsigned long long)h64, (unsigned long long)h3,
           (unsigned long long)h128.high64, (unsigned long long)h128.low64);
    acc ^= h64 ^ h3;
  }
  XXH3_state_t *st = XXH3_createState();
  XXH3_64bits_reset_withSeed(st, 99);
  for (size_t off = 0; off < N; off += 333) XXH3_64bits_update(st, buf + off, off + 333 <= N ? 333 : N - off);
  XXH64_hash_t streamed = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  printf("stream=%016llx oneshot=%016llx acc=%016llx\n", (unsigned long long)streamed,
         (unsigned long long)XXH3_64bits_withSeed(buf, N, 99), acc);
  return streamed != XXH3_64bits_withSeed(buf, N, 99);
}
