/* A bytecode interpreter: a register VM whose dispatch is a dense switch,
 * which clang lowers to one br_table per instruction. The program computes,
 * for each start value up to the size, its Collatz chain length and a
 * running xor-shift hash.
 * Size: the largest start value. Checksum: the VM's hash register. */
#include "kernel.h"

enum op {
    LOADI,  /* r[a] = imm */
    MOV,    /* r[a] = r[b] */
    ADD,    /* r[a] = r[b] + r[c] */
    SUB,    /* r[a] = r[b] - r[c] */
    MUL,    /* r[a] = r[b] * r[c] */
    AND,    /* r[a] = r[b] & r[c] */
    XOR,    /* r[a] = r[b] ^ r[c] */
    SHRI,   /* r[a] = r[b] >> imm */
    SHLI,   /* r[a] = r[b] << imm */
    ADDI,   /* r[a] = r[b] + imm */
    JMP,    /* pc = imm */
    JZ,     /* if r[a] == 0: pc = imm */
    JNZ,    /* if r[a] != 0: pc = imm */
    JLT,    /* if r[a] < r[b] (unsigned): pc = imm */
    JEQ,    /* if r[a] == r[b]: pc = imm */
    HALT,
};

struct insn {
    u8 op, a, b, c;
    i32 imm;
};

#define I(o, a, b, c, imm) {o, a, b, c, imm}

/* r0 = n (limit), r1 = i, r2 = x, r3 = steps, r4 = hash, r5 = tmp, r6 = 1,
 * r7 = 3, r8 = step cap (chains that wrap around 2^32 might never reach 1). */
static const struct insn program[] = {
    /* 0 */ I(LOADI, 1, 0, 0, 1),
    /* 1 */ I(LOADI, 4, 0, 0, 0x2545f491),
    /* 2 */ I(LOADI, 6, 0, 0, 1),
    /* 3 */ I(LOADI, 7, 0, 0, 3),
    /* 4 */ I(LOADI, 8, 0, 0, 1000),
    /* 5: outer */ I(MOV, 2, 1, 0, 0),
    /* 6 */ I(LOADI, 3, 0, 0, 0),
    /* 7: inner */ I(JEQ, 2, 6, 0, 17),
    /* 8 */ I(JEQ, 3, 8, 0, 17),
    /* 9 */ I(AND, 5, 2, 6, 0),
    /* 10 */ I(JNZ, 5, 0, 0, 13),
    /* 11 */ I(SHRI, 2, 2, 0, 1),
    /* 12 */ I(JMP, 0, 0, 0, 15),
    /* 13: odd */ I(MUL, 2, 2, 7, 0),
    /* 14 */ I(ADD, 2, 2, 6, 0),
    /* 15: next */ I(ADDI, 3, 3, 0, 1),
    /* 16 */ I(JMP, 0, 0, 0, 7),
    /* 17: done */ I(XOR, 4, 4, 3, 0),
    /* 18 */ I(SHLI, 5, 4, 0, 7),
    /* 19 */ I(XOR, 4, 4, 5, 0),
    /* 20 */ I(SHRI, 5, 4, 0, 9),
    /* 21 */ I(XOR, 4, 4, 5, 0),
    /* 22 */ I(SUB, 4, 4, 2, 0),
    /* 23 */ I(ADDI, 1, 1, 0, 1),
    /* 24 */ I(JLT, 0, 1, 0, 26),
    /* 25 */ I(JMP, 0, 0, 0, 5),
    /* 26 */ I(HALT, 0, 0, 0, 0),
};

static u32 execute(const struct insn *code, u32 *r) {
    u32 pc = 0;
    u32 executed = 0;
    for (;;) {
        const struct insn *in = &code[pc++];
        executed++;
        switch ((enum op)in->op) {
        case LOADI: r[in->a] = (u32)in->imm; break;
        case MOV: r[in->a] = r[in->b]; break;
        case ADD: r[in->a] = r[in->b] + r[in->c]; break;
        case SUB: r[in->a] = r[in->b] - r[in->c]; break;
        case MUL: r[in->a] = r[in->b] * r[in->c]; break;
        case AND: r[in->a] = r[in->b] & r[in->c]; break;
        case XOR: r[in->a] = r[in->b] ^ r[in->c]; break;
        case SHRI: r[in->a] = r[in->b] >> in->imm; break;
        case SHLI: r[in->a] = r[in->b] << in->imm; break;
        case ADDI: r[in->a] = r[in->b] + (u32)in->imm; break;
        case JMP: pc = (u32)in->imm; break;
        case JZ: if (r[in->a] == 0) pc = (u32)in->imm; break;
        case JNZ: if (r[in->a] != 0) pc = (u32)in->imm; break;
        case JLT: if (r[in->a] < r[in->b]) pc = (u32)in->imm; break;
        case JEQ: if (r[in->a] == r[in->b]) pc = (u32)in->imm; break;
        case HALT: return executed;
        }
    }
}

u32 run(i32 n) {
    static u32 regs[9];
    for (int i = 0; i < 9; i++) regs[i] = 0;
    regs[0] = clamp_size(n, 1, 1u << 24);
    u32 executed = execute(program, regs);
    return mix32(regs[4], executed);
}
