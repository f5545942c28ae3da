/* wasi-libc (Debian 12) has no setjmp/longjmp. Lua only longjmps on a runtime
 * error or a yield across C; our scripts do neither, so an error traps. */
#ifndef CORPUS_STUB_SETJMP_H
#define CORPUS_STUB_SETJMP_H
typedef int jmp_buf[1];
#define setjmp(b) 0
#define longjmp(b, v) __builtin_trap()
#endif
