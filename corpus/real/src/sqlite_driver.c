/* Runs a fixed SQL workload on an in-memory SQLite database. SQLite is built
 * with SQLITE_OS_OTHER, so this file supplies a minimal VFS (memory only). */
#include <stdio.h>
#include <string.h>
#include "sqlite3.h"

static int vOpen(sqlite3_vfs *v, const char *n, sqlite3_file *f, int fl, int *o) { (void)v; (void)n; (void)f; (void)fl; (void)o; return SQLITE_CANTOPEN; }
static int vDelete(sqlite3_vfs *v, const char *n, int s) { (void)v; (void)n; (void)s; return SQLITE_OK; }
static int vAccess(sqlite3_vfs *v, const char *n, int f, int *r) { (void)v; (void)n; (void)f; *r = 0; return SQLITE_OK; }
static int vFull(sqlite3_vfs *v, const char *n, int k, char *o) { (void)v; snprintf(o, k, "%s", n); return SQLITE_OK; }
static int vRand(sqlite3_vfs *v, int n, char *o) { (void)v; for (int i = 0; i < n; i++) o[i] = (char)(i * 37 + 11); return n; }
static int vSleep(sqlite3_vfs *v, int us) { (void)v; return us; }
static int vTime(sqlite3_vfs *v, double *t) { (void)v; *t = 2460000.5; return SQLITE_OK; }
static int vTime64(sqlite3_vfs *v, sqlite3_int64 *t) { (void)v; *t = (sqlite3_int64)2460000 * 86400000 + 43200000; return SQLITE_OK; }
static int vErr(sqlite3_vfs *v, int n, char *o) { (void)v; if (n) o[0] = 0; return 0; }

static sqlite3_vfs memvfs = {
  2, 0, 512, 0, "corpus-mem", 0, vOpen, vDelete, vAccess, vFull,
  0, 0, 0, 0, vRand, vSleep, vTime, vErr, vTime64, 0, 0, 0
};
int sqlite3_os_init(void) { return sqlite3_vfs_register(&memvfs, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }

static int row(void *tag, int n, char **val, char **col) {
  (void)col;
  printf("%s:", (const char *)tag);
  for (int i = 0; i < n; i++) printf(" %s", val[i] ? val[i] : "NULL");
  printf("\n");
  return 0;
}

static const char *sql[] = {
  "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, tag TEXT)",
  "CREATE INDEX t_tag ON t(tag)",
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<200) "
  "INSERT INTO t(name, score, tag) SELECT 'n'||x, (x*37)%101/7.0, char(97+x%5) FROM c",
  "SELECT tag, count(*), round(sum(score),3), min(name), max(name) FROM t GROUP BY tag ORDER BY tag",
  "SELECT id, name, score FROM t WHERE score > 13 ORDER BY score DESC, id LIMIT 5",
  "UPDATE t SET score = score * 2 WHERE id % 3 = 0",
  "DELETE FROM t WHERE id % 7 = 0",
  "SELECT count(*), total(score), avg(length(name)) FROM t",
  "SELECT group_concat(name, ',') FROM (SELECT name FROM t WHERE tag='c' ORDER BY id LIMIT 8)",
  "SELECT a.tag, b.tag, count(*) FROM t a JOIN t b ON a.id + 1 = b.id GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 4",
  "SELECT upper('sqlite'), substr('webassembly', 5, 4), instr('hello','l'), replace('aaa','a','bb'), hex('wasm'), printf('%08.3f|%-5s|%x', 3.14159, 'ab', 255)",
  "SELECT date('2024-02-28', '+1 day'), julianday('2000-01-01'), strftime('%Y-%j', '2023-12-31')",
  "SELECT 9223372036854775807 + 0, -9223372036854775808, 1e308*10, 7/2, 7%3, -7/2, 1<<62, cast('12abc' AS INTEGER)",
  "SELECT id, name, sum(score) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t WHERE id < 12",
  "SELECT json_array(1, 2.5, 'x', NULL), json_extract('{\"a\":[1,{\"b\":7}]}', '$.a[1].b')",
  0
};

int main(void) {
  sqlite3 *db;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) { printf("open failed\n"); return 1; }
  for (int i = 0; sql[i]; i++) {
    char *err = 0, tag[8];
    snprintf(tag, sizeof tag, "q%d", i);
    if (sqlite3_exec(db, sql[i], row, tag, &err) != SQLITE_OK) { printf("%s error: %s\n", tag, err); sqlite3_free(err); }
  }
  printf("sqlite %s changes=%d\n", sqlite3_libversion(), sqlite3_total_changes(db));
  sqlite3_close(db);
  return 0;
}
