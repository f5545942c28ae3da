/* Feeds a fixed RESP (Redis protocol) byte stream to the hiredis reader in
 * small chunks and prints every value it parses. */
#include <stdio.h>
#include "read.h"

static int depth(const redisReadTask *t) { int d = 0; while (t->parent) { d++; t = t->parent; } return d; }
static void *mk_string(const redisReadTask *t, char *s, size_t n) { printf("%*s%d:%.*s\n", 2 * depth(t), "", t->type, (int)n, s); return (void *)1; }
static void *mk_array(const redisReadTask *t, size_t n) { printf("%*sarray(%d) n=%zu\n", 2 * depth(t), "", t->type, n); return (void *)1; }
static void *mk_int(const redisReadTask *t, long long v) { printf("%*sint %lld\n", 2 * depth(t), "", v); return (void *)1; }
static void *mk_double(const redisReadTask *t, double v, char *s, size_t n) { printf("%*sdouble %.17g (%.*s)\n", 2 * depth(t), "", v, (int)n, s); return (void *)1; }
static void *mk_nil(const redisReadTask *t) { printf("%*snil\n", 2 * depth(t), ""); return (void *)1; }
static void *mk_bool(const redisReadTask *t, int b) { printf("%*sbool %d\n", 2 * depth(t), "", b); return (void *)1; }
static void drop(void *p) { (void)p; }
static redisReplyObjectFunctions fns = {mk_string, mk_array, mk_int, mk_double, mk_nil, mk_bool, drop};

static const char stream[] =
  "+OK\r\n-ERR unknown command 'foo'\r\n:1000\r\n:-42\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n"
  "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*-1\r\n*2\r\n*2\r\n:1\r\n:2\r\n+nested\r\n"
  ",3.14159\r\n,inf\r\n,-1.5e-3\r\n#t\r\n#f\r\n_\r\n=15\r\ntxt:Some string\r\n(3492890328409238509324850943850943825024385\r\n"
  "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n~3\r\n+a\r\n+b\r\n+c\r\n>2\r\n+message\r\n+hi\r\n|1\r\n+ttl\r\n:3600\r\n+after-attrs\r\n"
  "$26\r\nabcdefghijklmnopqrstuvwxyz\r\n*4\r\n:1\r\n:2\r\n:3\r\n*1\r\n$4\r\ndeep\r\n";

int main(void) {
  redisReader *r = redisReaderCreateWithFunctions(&fns);
  size_t len = sizeof stream - 1, off = 0;
  int replies = 0;
  while (off < len) {
    size_t chunk = 1 + (off * 7) % 13;
    if (off + chunk > len) chunk = len - off;
    redisReaderFeed(r, stream + off, chunk);
    off += chunk;
    void *reply;
    while (redisReaderGetReply(r, &reply) == REDIS_OK && reply) replies++;
    if (r->err) { printf("error %d: %s\n", r->err, r->errstr); break; }
  }
  printf("replies=%d\n", replies);
  redisReaderFree(r);
  return 0;
}
