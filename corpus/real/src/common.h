/* Shared helpers for the tierdiff real-world corpus drivers (our own code).
 * Deterministic data generation and a tiny hash so results print compactly. */
#ifndef CORPUS_COMMON_H
#define CORPUS_COMMON_H
#include <stddef.h>
#include <string.h>

static unsigned corpus_rng_state = 20241207u;
static unsigned corpus_rng(void) {
  corpus_rng_state = corpus_rng_state * 1103515245u + 12345u;
  return corpus_rng_state >> 16;
}

/* Fill buf with n bytes of compressible pseudo-text. */
static void corpus_text(unsigned char *buf, size_t n) {
  static const char *words[] = {"the", "quick", "brown", "fox", "jumps",
      "over", "lazy", "dog", "WebAssembly", "tier", "interpreter",
      "compiler", "memory", "table", "\n", "1234", ",", "differential"};
  size_t i = 0;
  while (i < n) {
    const char *w = words[corpus_rng() % (sizeof words / sizeof *words)];
    for (size_t k = 0; w[k] && i < n; k++) buf[i++] = (unsigned char)w[k];
    if (i < n) buf[i++] = ' ';
  }
}

/* Fill buf with n bytes of less compressible binary data. */
static void corpus_binary(unsigned char *buf, size_t n) {
  for (size_t i = 0; i < n; i++)
    buf[i] = (unsigned char)((i % 7 == 0) ? corpus_rng() : (i * 31u) >> 3);
}

static unsigned corpus_fnv1a(const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  unsigned h = 2166136261u;
  for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 16777619u; }
  return h;
}
#endif
