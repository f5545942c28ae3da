/* Parses fixed HTTP messages and URLs with joyent/nodejs http-parser. */
#include <stdio.h>
#include <string.h>
#include "http_parser.h"

static int span(const char *w, const char *a, size_t n) { printf("  %s '%.*s'\n", w, (int)n, a); return 0; }
static int on_url(http_parser *p, const char *a, size_t n) { (void)p; return span("url", a, n); }
static int on_status(http_parser *p, const char *a, size_t n) { (void)p; return span("status", a, n); }
static int on_hf(http_parser *p, const char *a, size_t n) { (void)p; return span("field", a, n); }
static int on_hv(http_parser *p, const char *a, size_t n) { (void)p; return span("value", a, n); }
static int on_body(http_parser *p, const char *a, size_t n) { (void)p; return span("body", a, n); }
static int on_headers(http_parser *p) { printf("  headers done method=%s status=%u keepalive=%d\n", http_method_str(p->method), p->status_code, http_should_keep_alive(p)); return 0; }
static int on_done(http_parser *p) { (void)p; printf("  message complete\n"); return 0; }

static void parse(enum http_parser_type type, const char *msg, size_t step) {
  http_parser_settings s;
  http_parser p;
  memset(&s, 0, sizeof s);
  s.on_url = on_url; s.on_status = on_status; s.on_header_field = on_hf; s.on_header_value = on_hv;
  s.on_body = on_body; s.on_headers_complete = on_headers; s.on_message_complete = on_done;
  http_parser_init(&p, type);
  size_t len = strlen(msg);
  for (size_t off = 0; off < len; off += step) {
    size_t n = off + step < len ? step : len - off;
    if (http_parser_execute(&p, &s, msg + off, n) != n) break;
  }
  printf("-> %s\n", http_errno_name(HTTP_PARSER_ERRNO(&p)));
}

static void url(const char *u) {
  struct http_parser_url r;
  http_parser_url_init(&r);
  int e = http_parser_parse_url(u, strlen(u), 0, &r);
  printf("url %s -> %d fields=%x port=%u", u, e, r.field_set, r.port);
  for (int f = 0; f < UF_MAX; f++)
    if (r.field_set & (1 << f)) printf(" [%d]'%.*s'", f, r.field_data[f].len, u + r.field_data[f].off);
  printf("\n");
}

int main(void) {
  parse(HTTP_REQUEST, "GET /a/b?c=d#frag HTTP/1.1\r\nHost: x.org\r\nConnection: keep-alive\r\n\r\n", 1 << 20);
  parse(HTTP_REQUEST, "PUT /upload HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world", 4);
  parse(HTTP_RESPONSE, "HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 2);
  parse(HTTP_REQUEST, "BOGUS / HTTP/1.1\r\n\r\n", 1 << 20);
  url("http://user:pw@example.com:8080/path/to?x=1&y=2#top");
  url("https://[::1]:443/");
  url("/relative/only?q");
  url("http://bad host/");
  printf("http_parser %lx\n", http_parser_version());
  return 0;
}
