/* Parses fixed HTTP/1.1 requests and responses with llhttp and prints the callbacks. */
#include <stdio.h>
#include <string.h>
#include "llhttp.h"

static int on_span(const char *what, const char *at, size_t n) { printf("  %s '%.*s'\n", what, (int)n, at); return 0; }
static int on_url(llhttp_t *p, const char *a, size_t n) { (void)p; return on_span("url", a, n); }
static int on_status(llhttp_t *p, const char *a, size_t n) { (void)p; return on_span("status", a, n); }
static int on_hf(llhttp_t *p, const char *a, size_t n) { (void)p; return on_span("field", a, n); }
static int on_hv(llhttp_t *p, const char *a, size_t n) { (void)p; return on_span("value", a, n); }
static int on_body(llhttp_t *p, const char *a, size_t n) { (void)p; return on_span("body", a, n); }
static int on_headers(llhttp_t *p) { printf("  headers done method=%s status=%d v%d.%d keepalive=%d len=%llu\n", llhttp_method_name(llhttp_get_method(p)), llhttp_get_status_code(p), llhttp_get_http_major(p), llhttp_get_http_minor(p), llhttp_should_keep_alive(p), (unsigned long long)p->content_length); return 0; }
static int on_done(llhttp_t *p) { (void)p; printf("  message complete\n"); return 0; }

static void parse(llhttp_type_t type, const char *msg, size_t step) {
  llhttp_settings_t s;
  llhttp_t p;
  llhttp_settings_init(&s);
  s.on_url = on_url; s.on_status = on_status; s.on_header_field = on_hf; s.on_header_value = on_hv;
  s.on_body = on_body; s.on_headers_complete = on_headers; s.on_message_complete = on_done;
  llhttp_init(&p, type, &s);
  size_t len = strlen(msg);
  llhttp_errno_t e = HPE_OK;
  for (size_t off = 0; off < len && e == HPE_OK; off += step)
    e = llhttp_execute(&p, msg + off, off + step < len ? step : len - off);
  printf("-> %s %s\n", llhttp_errno_name(e), e == HPE_OK ? "" : llhttp_get_error_reason(&p));
}

int main(void) {
  const char *req = "GET /index.html?q=wasm&x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: tierdiff\r\nAccept: */*\r\n\r\n"
                    "POST /api/v1/items HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"name\":\"widget\"}";
  const char *chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nMozilla\r\n9\r\nDeveloper\r\n7\r\nNetwork\r\n0\r\n\r\n";
  const char *bad = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n";
  const char *upgrade = "HTTP/1.0 404 Not Found\r\nConnection: close\r\n\r\nnot found body";
  printf("requests (whole):\n"); parse(HTTP_REQUEST, req, 1 << 20);
  printf("requests (3-byte chunks):\n"); parse(HTTP_REQUEST, req, 3);
  printf("chunked response:\n"); parse(HTTP_RESPONSE, chunked, 5);
  printf("bad request:\n"); parse(HTTP_REQUEST, bad, 1 << 20);
  printf("http/1.0 response:\n"); parse(HTTP_BOTH, upgrade, 1 << 20);
  printf("llhttp %d.%d.%d\n", LLHTTP_VERSION_MAJOR, LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH);
  return 0;
}
