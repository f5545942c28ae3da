/* 128-bit SIMD, written with GCC/Clang vector extensions so the same source
 * builds for wasm (clang -msimd128: v128 instructions) and natively (SSE2):
 * - a blocked f32 dot product (four accumulators, horizontal sum by shuffles)
 *   and a damped saxpy (y = 0.75 x + 0.5 y) over 4096 floats;
 * - an alpha blend of two 16 KiB u8 images in u16 lanes (widened and narrowed
 *   by shuffles), then a saturating add of the second image;
 * - a histogram of the blended bytes in 8 buckets, counted by lane compares
 *   (a true lane is -1, so subtracting the mask counts it), widened every 255
 *   vectors before the byte counters could wrap.
 * Size: passes over the data. Checksum: a hash of the dot products' bits, a
 * sample of the saxpy results, the blended bytes and the bucket counts.
 * No float result is ever NaN and no operation depends on rounding mode, so
 * native and wasm engines give the same bits. */
#include "kernel.h"

typedef float f32x4 __attribute__((vector_size(16)));
typedef u32 u32x4 __attribute__((vector_size(16)));
typedef u16 u16x8 __attribute__((vector_size(16)));
typedef u8 u8x16 __attribute__((vector_size(16)));

#define FLOATS 4096
#define PIXELS 16384
#define BUCKETS 8

static f32x4 xs[FLOATS / 4], ys[FLOATS / 4];
static u8x16 img_a[PIXELS / 16], img_b[PIXELS / 16], blended[PIXELS / 16];

static void fill(void) {
    u32 seed = 0x2545f491u;
    float *x = (float *)xs, *y = (float *)ys;
    for (u32 i = 0; i < FLOATS; i++) {
        /* Multiples of 1/64 in [-15.6, 15.6]: exact in f32. */
        x[i] = (float)((i32)(next_rand(&seed) % 2001) - 1000) / 64.0f;
        y[i] = (float)((i32)(next_rand(&seed) % 2001) - 1000) / 64.0f;
    }
    u8 *a = (u8 *)img_a, *b = (u8 *)img_b;
    for (u32 i = 0; i < PIXELS; i++) {
        u32 r = next_rand(&seed);
        a[i] = (u8)r;
        b[i] = (u8)(r >> 8) & 0x7f;
    }
}

static float dot(void) {
    f32x4 acc0 = {0}, acc1 = {0}, acc2 = {0}, acc3 = {0};
    for (u32 i = 0; i < FLOATS / 4; i += 4) {
        acc0 += xs[i] * ys[i];
        acc1 += xs[i + 1] * ys[i + 1];
        acc2 += xs[i + 2] * ys[i + 2];
        acc3 += xs[i + 3] * ys[i + 3];
    }
    f32x4 s = (acc0 + acc1) + (acc2 + acc3);
    s += __builtin_shufflevector(s, s, 2, 3, 0, 1);
    s += __builtin_shufflevector(s, s, 1, 0, 3, 2);
    return s[0];
}

static void saxpy(void) {
    const f32x4 a = {0.75f, 0.75f, 0.75f, 0.75f};
    const f32x4 b = {0.5f, 0.5f, 0.5f, 0.5f};
    for (u32 i = 0; i < FLOATS / 4; i++) ys[i] = a * xs[i] + b * ys[i];
}

/* The low (or high) eight bytes of v, zero-extended to u16 lanes: the bytes
 * interleaved with zero bytes (an unpack instruction natively). */
static inline u16x8 widen_low(u8x16 v) {
    const u8x16 z = {0};
    return (u16x8)__builtin_shufflevector(v, z, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20,
                                          5, 21, 6, 22, 7, 23);
}

static inline u16x8 widen_high(u8x16 v) {
    const u8x16 z = {0};
    return (u16x8)__builtin_shufflevector(v, z, 8, 24, 9, 25, 10, 26, 11, 27, 12,
                                          28, 13, 29, 14, 30, 15, 31);
}

/* The low byte of every u16 lane of lo, then of hi. */
static inline u8x16 narrow(u16x8 lo, u16x8 hi) {
    return __builtin_shufflevector((u8x16)lo, (u8x16)hi, 0, 2, 4, 6, 8, 10, 12, 14,
                                   16, 18, 20, 22, 24, 26, 28, 30);
}

static void blend(u32 alpha) {
    const u16 al = (u16)alpha, inv = (u16)(256 - alpha);
    const u16x8 va = {al, al, al, al, al, al, al, al};
    const u16x8 vi = {inv, inv, inv, inv, inv, inv, inv, inv};
    for (u32 i = 0; i < PIXELS / 16; i++) {
        u8x16 a = img_a[i], b = img_b[i];
        /* At most 255 * 256: fits a u16 lane. */
        u16x8 lo = (widen_low(a) * va + widen_low(b) * vi) >> 8;
        u16x8 hi = (widen_high(a) * va + widen_high(b) * vi) >> 8;
        u8x16 mixed = narrow(lo, hi);
        /* Saturating add: a lane that wrapped is below its addend. */
        u8x16 sum = mixed + b;
        sum |= (u8x16)(sum < mixed);
        blended[i] = sum;
    }
    /* Feed the result back so passes differ. */
    for (u32 i = 0; i < PIXELS / 16; i++) img_a[i] ^= blended[i];
}

static u32 horizontal_sum(u8x16 v) {
    u16x8 s = widen_low(v) + widen_high(v);
    const u16x8 z = {0};
    u32x4 w = (u32x4)__builtin_shufflevector(s, z, 0, 8, 1, 9, 2, 10, 3, 11) +
              (u32x4)__builtin_shufflevector(s, z, 4, 12, 5, 13, 6, 14, 7, 15);
    return w[0] + w[1] + w[2] + w[3];
}

static void histogram(u32 counts[BUCKETS]) {
    u8x16 below[BUCKETS];
    u8x16 limit[BUCKETS];
    for (u32 b = 0; b < BUCKETS; b++) {
        for (u32 l = 0; l < 16; l++) limit[b][l] = (u8)(32 * b + 31);
    }
    for (u32 start = 0; start < PIXELS / 16; start += 255) {
        u32 end = start + 255 < PIXELS / 16 ? start + 255 : PIXELS / 16;
        for (u32 b = 0; b < BUCKETS; b++) below[b] = (u8x16){0};
        for (u32 i = start; i < end; i++) {
            u8x16 v = blended[i];
            for (u32 b = 0; b < BUCKETS; b++) below[b] -= (u8x16)(v <= limit[b]);
        }
        /* Bytes at most 32b + 31, minus those in the buckets below. */
        u32 prev = 0;
        for (u32 b = 0; b < BUCKETS; b++) {
            u32 n = horizontal_sum(below[b]);
            counts[b] += n - prev;
            prev = n;
        }
    }
}

u32 run(i32 size) {
    u32 passes = clamp_size(size, 1, 1u << 24);
    fill();
    u32 h = 0x811c9dc5u;
    u32 counts[BUCKETS] = {0};
    for (u32 p = 0; p < passes; p++) {
        union {
            float f;
            u32 u;
        } d = {dot()};
        h = mix32(h, d.u);
        saxpy();
        blend(1 + p % 255);
        histogram(counts);
    }
    u32 *y = (u32 *)ys;
    for (u32 i = 0; i < FLOATS; i += 61) h = mix32(h, y[i]);
    u32 *px = (u32 *)blended;
    for (u32 i = 0; i < PIXELS / 4; i++) h = mix32(h, px[i]);
    for (u32 b = 0; b < BUCKETS; b++) h = mix32(h, counts[b]);
    return h;
}
