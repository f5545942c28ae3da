/* Dense f64 matrix multiply C = A * B (i-k-j order): f64 loads, stores, mul, add.
 * Size: the matrix dimension (at most 1024). Checksum: a hash of C's elements
 * truncated to integers. */
#include "kernel.h"

#define MAXN 1024
static double a[MAXN * MAXN], b[MAXN * MAXN], c[MAXN * MAXN];

u32 run(i32 size) {
    u32 n = clamp_size(size, 1, MAXN);
    u32 seed = 12345;
    for (u32 i = 0; i < n * n; i++) {
        a[i] = (double)(next_rand(&seed) % 1000) / 100.0 - 5.0;
        b[i] = (double)(next_rand(&seed) % 1000) / 250.0 - 2.0;
        c[i] = 0.0;
    }
    for (u32 i = 0; i < n; i++) {
        for (u32 k = 0; k < n; k++) {
            double aik = a[i * n + k];
            double *crow = &c[i * n];
            const double *brow = &b[k * n];
            for (u32 j = 0; j < n; j++) crow[j] += aik * brow[j];
        }
    }
    u32 h = 0x811c9dc5u;
    for (u32 i = 0; i < n * n; i++) h = mix32(h, (u32)(i32)(c[i] * 16.0));
    return h;
}
