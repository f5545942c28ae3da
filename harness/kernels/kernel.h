/* Shared helpers for the benchmark kernels: no libc, wasm32 only. */
#ifndef TIERDIFF_KERNEL_H
#define TIERDIFF_KERNEL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;

/* A 32-bit xorshift generator: deterministic data without libc. */
static inline u32 next_rand(u32 *state) {
    u32 x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static inline u32 mix32(u32 h, u32 v) {
    h ^= v;
    h *= 0x01000193u;
    return h ^ (h >> 15);
}

static inline u32 clamp_size(i32 n, u32 lo, u32 hi) {
    if (n < (i32)lo) return lo;
    if ((u32)n > hi) return hi;
    return (u32)n;
}

#endif
