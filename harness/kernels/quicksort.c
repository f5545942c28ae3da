/* Recursive quicksort (median of three, Hoare partition) over a pseudo-random
 * i32 array: data-dependent branches, recursion, loads and stores.
 * Size: the number of elements (at most 4 Mi). Checksum: a hash of a sample of
 * the sorted array, or 0xBAD if it is not sorted. */
#include "kernel.h"

#define MAXN (1u << 22)
static i32 data[MAXN];

static void swap(i32 *x, i32 *y) {
    i32 t = *x;
    *x = *y;
    *y = t;
}

static void quicksort(i32 *v, i32 lo, i32 hi) {
    while (hi - lo > 16) {
        i32 mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap(&v[mid], &v[lo]);
        if (v[hi] < v[lo]) swap(&v[hi], &v[lo]);
        if (v[hi] < v[mid]) swap(&v[hi], &v[mid]);
        i32 pivot = v[mid];
        i32 i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (v[i] < pivot);
            do j--; while (v[j] > pivot);
            if (i >= j) break;
            swap(&v[i], &v[j]);
        }
        /* Recurse into the smaller half, loop on the larger: bounded depth. */
        if (j - lo < hi - j) {
            quicksort(v, lo, j);
            lo = j + 1;
        } else {
            quicksort(v, j + 1, hi);
            hi = j;
        }
    }
    for (i32 i = lo + 1; i <= hi; i++) {
        i32 x = v[i], k = i - 1;
        while (k >= lo && v[k] > x) {
            v[k + 1] = v[k];
            k--;
        }
        v[k + 1] = x;
    }
}

u32 run(i32 size) {
    u32 n = clamp_size(size, 2, MAXN);
    u32 seed = 0xdeadbeefu;
    for (u32 i = 0; i < n; i++) data[i] = (i32)(next_rand(&seed) >> 1) - 0x20000000;
    quicksort(data, 0, (i32)n - 1);
    u32 h = 0x811c9dc5u;
    for (u32 i = 1; i < n; i++)
        if (data[i - 1] > data[i]) return 0xBAD;
    for (u32 i = 0; i < n; i += 1 + n / 1024) h = mix32(h, (u32)data[i]);
    return h;
}
