/* A CoreMark-like mix (our own code, not CoreMark): each iteration walks and
 * reorders a linked list, runs small integer matrix operations, drives a state
 * machine over a byte buffer, and folds every result into a CRC-16.
 * Size: the number of iterations. Checksum: the final CRC with the iteration
 * count mixed in. */
#include "kernel.h"

#define NODES 64
#define MDIM 12
#define TEXT 256

struct node {
    struct node *next;
    i32 key;
    i32 value;
};

static struct node pool[NODES];
static i32 mat_a[MDIM * MDIM], mat_b[MDIM * MDIM], mat_c[MDIM * MDIM];
static u8 text[TEXT];

static u16 crc16(u16 crc, u32 v) {
    for (int i = 0; i < 32; i++) {
        u32 bit = (v ^ crc) & 1;
        crc >>= 1;
        v >>= 1;
        if (bit) crc ^= 0xA001;
    }
    return crc;
}

static struct node *list_reverse(struct node *head) {
    struct node *prev = 0;
    while (head) {
        struct node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static struct node *list_find(struct node *head, i32 key) {
    while (head && head->key != key) head = head->next;
    return head;
}

/* Moves every node whose key has the given low bits to the front. */
static struct node *list_partition(struct node *head, i32 bits) {
    struct node *hit = 0, *miss = 0, **hit_tail = &hit, **miss_tail = &miss;
    for (; head; head = head->next) {
        if ((head->key & 3) == bits) {
            *hit_tail = head;
            hit_tail = &head->next;
        } else {
            *miss_tail = head;
            miss_tail = &head->next;
        }
    }
    *miss_tail = 0;
    *hit_tail = miss;
    return hit;
}

static u32 list_work(struct node **head, u32 iter) {
    u32 acc = 0;
    for (i32 k = 0; k < 8; k++) {
        struct node *n = list_find(*head, (i32)((iter * 7 + k * 13) % (NODES + 8)));
        acc += n ? (u32)n->value : 0xffffu;
        if (n) n->value = (n->value * 3 + k) & 0xffff;
    }
    *head = list_partition(list_reverse(*head), (i32)(iter & 3));
    return acc;
}

static u32 matrix_work(u32 iter) {
    i32 add = (i32)(iter & 0xf);
    for (int i = 0; i < MDIM * MDIM; i++) mat_a[i] += add;
    for (int i = 0; i < MDIM; i++)
        for (int j = 0; j < MDIM; j++) {
            i32 s = 0;
            for (int k = 0; k < MDIM; k++) s += mat_a[i * MDIM + k] * mat_b[k * MDIM + j];
            mat_c[i * MDIM + j] = s;
        }
    u32 acc = 0;
    for (int i = 0; i < MDIM * MDIM; i++) acc += (u32)(mat_c[i] >> 2) ^ (u32)i;
    for (int i = 0; i < MDIM * MDIM; i++) mat_a[i] -= add;
    return acc;
}

enum state { START, INT, FRAC, EXP, SIGN_EXP, EXP_INT, BAD };

/* Classifies comma-separated tokens as integers, decimals, exponents or bad. */
static u32 state_work(u32 iter) {
    u32 counts[BAD + 1] = {0};
    enum state s = START;
    for (int i = 0; i < TEXT; i++) {
        u8 c = text[(i + iter) % TEXT];
        if (c == ',') {
            counts[s]++;
            s = START;
            continue;
        }
        int digit = c >= '0' && c <= '9';
        switch (s) {
        case START: s = digit ? INT : (c == '.' ? FRAC : BAD); break;
        case INT: s = digit ? INT : (c == '.' ? FRAC : (c == 'e' ? EXP : BAD)); break;
        case FRAC: s = digit ? FRAC : (c == 'e' ? EXP : BAD); break;
        case EXP: s = (c == '-' || c == '+') ? SIGN_EXP : (digit ? EXP_INT : BAD); break;
        case SIGN_EXP: s = digit ? EXP_INT : BAD; break;
        case EXP_INT: s = digit ? EXP_INT : BAD; break;
        case BAD: break;
        }
    }
    u32 acc = 0;
    for (int i = 0; i <= BAD; i++) acc = acc * 31 + counts[i];
    return acc;
}

static void setup(void) {
    u32 seed = 0x1234567u;
    for (int i = 0; i < NODES; i++) {
        pool[i].key = i;
        pool[i].value = (i32)(next_rand(&seed) & 0xffff);
        pool[i].next = i + 1 < NODES ? &pool[i + 1] : 0;
    }
    for (int i = 0; i < MDIM * MDIM; i++) {
        mat_a[i] = (i32)(next_rand(&seed) % 200) - 100;
        mat_b[i] = (i32)(next_rand(&seed) % 200) - 100;
    }
    static const char alphabet[] = "0123456789.e-+,,x";
    for (int i = 0; i < TEXT; i++) text[i] = (u8)alphabet[next_rand(&seed) % 17];
}

u32 run(i32 n) {
    u32 iters = clamp_size(n, 1, 1u << 30);
    setup();
    struct node *head = &pool[0];
    u16 crc = 0;
    for (u32 it = 0; it < iters; it++) {
        crc = crc16(crc, list_work(&head, it));
        crc = crc16(crc, matrix_work(it));
        crc = crc16(crc, state_work(it));
    }
    return mix32(crc, iters);
}
