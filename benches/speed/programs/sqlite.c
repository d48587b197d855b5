/* SQLite (the amalgamation the crates.io package libsqlite3-sys ships): an
 * insert/select/update workload on an in-memory database. */
#include <stdio.h>
#include <stdlib.h>
#include "sqlite3.h"
static sqlite3 *db;
static void exec(const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) { printf("error: %s\n", err); exit(1); }
}
static void query(const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) { printf("error: %s\n", sqlite3_errmsg(db)); exit(1); }
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(st); i++) printf("%s%s", i ? " | " : "", (const char *)sqlite3_column_text(st, i));
    printf("\n");
  }
  sqlite3_finalize(st);
}
int main(int argc, char **argv) {
  int rows = argc > 1 ? atoi(argv[1]) : 300000;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) { printf("open failed\n"); return 1; }
  exec("CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT, city TEXT, balance REAL);"
       "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, amount INTEGER, note TEXT);");
  exec("BEGIN");
  sqlite3_stmt *c, *o;
  sqlite3_prepare_v2(db, "INSERT INTO customer VALUES(?, ?, ?, ?)", -1, &c, NULL);
  sqlite3_prepare_v2(db, "INSERT INTO orders VALUES(NULL, ?, ?, ?)", -1, &o, NULL);
  unsigned x = 42;
  char name[32], note[64];
  for (int i = 0; i < rows / 4; i++) {
    x = x * 1103515245u + 12345u;
    snprintf(name, sizeof name, "customer-%u", x % 100000);
    sqlite3_bind_int(c, 1, i);
    sqlite3_bind_text(c, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c, 3, (const char *[]){"Oslo", "Lima", "Pune", "Kyiv", "Rome", "Baku"}[x % 6], -1, SQLITE_STATIC);
    sqlite3_bind_double(c, 4, (x % 100000) / 100.0);
    sqlite3_step(c);
    sqlite3_reset(c);
  }
  for (int i = 0; i < rows; i++) {
    x = x * 1103515245u + 12345u;
    snprintf(note, sizeof note, "order %d for %u, priority %u", i, x % 977, x % 5);
    sqlite3_bind_int(o, 1, (int)(x % (unsigned)(rows / 4)));
    sqlite3_bind_int(o, 2, (int)(x % 10000));
    sqlite3_bind_text(o, 3, note, -1, SQLITE_TRANSIENT);
    sqlite3_step(o);
    sqlite3_reset(o);
  }
  sqlite3_finalize(c);
  sqlite3_finalize(o);
  exec("COMMIT");
  exec("CREATE INDEX orders_customer ON orders(customer)");
  query("SELECT count(*), sum(amount), min(amount), max(amount) FROM orders");
  query("SELECT city, count(*), round(avg(balance), 2) FROM customer GROUP BY city ORDER BY city");
  query("SELECT c.city, count(o.id), sum(o.amount) FROM customer c JOIN orders o ON o.customer = c.id "
        "WHERE o.amount > 5000 GROUP BY c.city ORDER BY 3 DESC LIMIT 3");
  query("SELECT count(*) FROM orders WHERE note LIKE '%priority 3%'");
  exec("UPDATE customer SET balance = balance * 1.01 WHERE city IN ('Oslo', 'Rome')");
  exec("DELETE FROM orders WHERE amount < 100");
  query("SELECT count(*), round(sum(balance), 2) FROM customer");
  query("SELECT name, total FROM (SELECT c.name, sum(o.amount) AS total FROM customer c JOIN orders o ON o.customer = c.id "
        "GROUP BY c.id) ORDER BY total DESC, name LIMIT 3");
  sqlite3_close(db);
  return 0;
}
