/* A small WASI command for tierdiff: prints its arguments and environment,
 * times a checksum loop with clock_gettime, draws random bytes with
 * getentropy and arc4random, and exits with a code derived from argc.
 * Under tierdiff's deterministic WASI (virtual clock, seeded random) every
 * engine must print the same bytes and exit the same way. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t ns(const struct timespec *t) {
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

/* FNV-1a over a generated sequence: some integer work to time. */
static uint32_t checksum(unsigned rounds) {
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < rounds; i++) {
        h ^= (i * 2654435761u) >> 7;
        h *= 16777619u;
    }
    return h;
}

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    int vars = 0;
    for (char **e = environ; *e; e++, vars++)
        printf("env: %s\n", *e);
    const char *name = getenv("NAME");
    printf("hello, %s (%d variables)\n", name ? name : "nobody", vars);

    struct timespec res, t0, t1, wall;
    clock_getres(CLOCK_MONOTONIC, &res);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint32_t sum = checksum(20000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_REALTIME, &wall);
    printf("checksum=%08x elapsed_ns=%llu resolution_ns=%llu\n", sum,
           (unsigned long long)(ns(&t1) - ns(&t0)), (unsigned long long)ns(&res));
    printf("realtime_s=%lld\n", (long long)wall.tv_sec);

    unsigned char bytes[16];
    if (getentropy(bytes, sizeof bytes) != 0) {
        fprintf(stderr, "getentropy failed\n");
        return 3;
    }
    printf("entropy=");
    for (size_t i = 0; i < sizeof bytes; i++)
        printf("%02x", bytes[i]);
    printf("\nrandom=%08x %u\n", arc4random(), arc4random_uniform(1000));
    printf("pi~%.6f\n", 355.0 / 113.0);
    fprintf(stderr, "done\n");
    /* exit() (not a return) so that proc_exit carries the code. */
    exit(argc > 2 ? 42 : 0);
}
