/* Recursive Fibonacci: call and return overhead.
 * Size: n, the Fibonacci index (about 1.6^n calls). Checksum: fib(n) mod 2^32. */
#include "kernel.h"

__attribute__((noinline)) static u32 fib(u32 n) {
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}

u32 run(i32 n) { return fib(clamp_size(n, 0, 45)); }
