/* Parses a fixed YAML document with libyaml, prints the events and re-emits them. */
#include <stdio.h>
#include <string.h>
#include "yaml.h"

static const char doc[] =
  "%YAML 1.1\n---\nname: tierdiff\nversion: 1.2\ntiers: [classic, fast, jit]\n"
  "engines:\n  - name: wasmi\n    kind: interpreter\n  - name: wasmtime\n    kind: &jit jit\n"
  "alias: *jit\nmultiline: |\n  line one\n  line two\nfolded: >\n  folded\n  text\n"
  "quoted: \"tab\\there \\u00e9\"\nsingle: 'it''s'\nempty:\nflow: {a: 1, b: [2, 3], c: {d: e}}\n"
  "? complex key\n: complex value\n...\n---\n- second\n- document\n";

static unsigned char out[8192];

int main(void) {
  yaml_parser_t p;
  yaml_emitter_t e;
  yaml_event_t ev;
  size_t written = 0;
  yaml_parser_initialize(&p);
  yaml_parser_set_input_string(&p, (const unsigned char *)doc, sizeof doc - 1);
  yaml_emitter_initialize(&e);
  yaml_emitter_set_output_string(&e, out, sizeof out, &written);
  yaml_emitter_set_unicode(&e, 1);
  int events = 0, ok = 1;
  for (;;) {
    if (!yaml_parser_parse(&p, &ev)) { printf("parse error: %s at line %zu\n", p.problem, p.problem_mark.line); ok = 0; break; }
    int type = ev.type;
    printf("event %d", type);
    if (type == YAML_SCALAR_EVENT) printf(" scalar '%s' style=%d", ev.data.scalar.value, ev.data.scalar.style);
    if (type == YAML_ALIAS_EVENT) printf(" alias %s", ev.data.alias.anchor);
    printf(" @%zu:%zu\n", ev.start_mark.line, ev.start_mark.column);
    events++;
    if (!yaml_emitter_emit(&e, &ev)) { printf("emit error: %s\n", e.problem); ok = 0; break; }
    if (type == YAML_STREAM_END_EVENT) break;
  }
  yaml_parser_delete(&p);
  yaml_emitter_delete(&e);
  printf("events=%d emitted %zu bytes:\n%.*s", events, written, (int)written, out);
  printf("libyaml %s %s\n", yaml_get_version_string(), ok ? "passed" : "FAILED");
  return !ok;
}
