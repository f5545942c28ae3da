/* Indirect calls: a list of shapes, each with a pointer to its area
 * function (a hand-made vtable), walked many times; clang turns every call
 * through the pointer into a call_indirect. The pattern of shape kinds
 * repeats, so the calls are as predictable as typical virtual calls.
 * Size: passes over the 4096 shapes. Checksum: the sum of the areas. */
#include "kernel.h"

#define SHAPES 4096

struct shape;
typedef u32 (*area_fn)(const struct shape *);

struct shape {
    area_fn area;
    u32 w, h;
};

__attribute__((noinline)) static u32 square(const struct shape *s) { return s->w * s->w; }
__attribute__((noinline)) static u32 rect(const struct shape *s) { return s->w * s->h; }
__attribute__((noinline)) static u32 triangle(const struct shape *s) { return s->w * s->h / 2; }
__attribute__((noinline)) static u32 circle(const struct shape *s) { return 3 * s->w * s->w + (s->w >> 3); }

static const area_fn kinds[4] = {square, rect, triangle, circle};
static struct shape shapes[SHAPES];

u32 run(i32 size) {
    u32 passes = clamp_size(size, 1, 1u << 20);
    u32 seed = 0x5eed5eedu;
    for (u32 i = 0; i < SHAPES; i++) {
        u32 r = next_rand(&seed);
        shapes[i].area = kinds[(i * 7 + (i >> 5)) & 3];
        shapes[i].w = r & 0xff;
        shapes[i].h = (r >> 8) & 0xff;
    }
    u32 sum = 0;
    for (u32 p = 0; p < passes; p++)
        for (u32 i = 0; i < SHAPES; i++)
            sum = sum * 31 + shapes[i].area(&shapes[i]);
    return sum;
}
