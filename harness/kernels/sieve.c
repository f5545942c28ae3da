/* Sieve of Eratosthenes over 0..2^20, repeated: byte-addressed memory and loops.
 * Size: number of passes. Each pass marks with its own stamp, so no clearing
 * (and no memset) is needed between passes. Checksum: mix of the prime counts
 * and the sum of the primes found. */
#include "kernel.h"

#define LIMIT (1u << 20)
static u32 stamp[LIMIT];

u32 run(i32 n) {
    u32 passes = clamp_size(n, 1, 100000);
    u32 h = 0x811c9dc5u;
    for (u32 pass = 1; pass <= passes; pass++) {
        /* A different bound per pass keeps the work from being loop-invariant. */
        u32 limit = LIMIT - (pass & 1023);
        for (u32 i = 2; i * i < limit; i++) {
            if (stamp[i] == pass) continue;
            for (u32 j = i * i; j < limit; j += i) stamp[j] = pass;
        }
        u32 count = 0, sum = 0;
        for (u32 i = 2; i < limit; i++) {
            if (stamp[i] != pass) {
                count++;
                sum += i;
            }
        }
        h = mix32(mix32(h, count), sum);
    }
    return h;
}
