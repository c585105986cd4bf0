/* store_fixture: the fixture of the store's SQLite unit tests
 * (test_store.c, test_store_migrate.c): a fresh store file in a private
 * mkdtemp directory per test, a plain sqlite3 connection to look at it as
 * the report and an operator would, and tickets to put in it. */
#ifndef HOTLINE_TEST_STORE_FIXTURE_H
#define HOTLINE_TEST_STORE_FIXTURE_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privacy.h"
#include "store.h"
#include "units.h"
#include "ticket_make.h"
#include "sqlite_files.h"

#define T0 1661990400   /* 2022-09-01 08:00 CST */

typedef struct {
    char dir[64];
    char path[96];
    store_t *st;
} fx_t;

static inline void path_with(const fx_t *fx, const char *suffix, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", fx->path, suffix);
}

/* Removes the store files and the directory; 0 if nothing was left behind. */
static inline int remove_all(fx_t *fx)
{
    sqlite_files_remove(fx->path);
    int rc = rmdir(fx->dir);
    free(fx);
    return rc;
}

static inline int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/hotline-test-store-XXXXXX");
    if (!mkdtemp(fx->dir)) return -1;
    snprintf(fx->path, sizeof fx->path, "%s/hotline.db", fx->dir);
    char err[256] = "";
    fx->st = store_open(fx->path, STORE_SYNC_NORMAL, err, sizeof err);
    if (!fx->st) {
        fprintf(stderr, "store_open: %s\n", err);
        remove_all(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static inline int teardown(void **state)
{
    fx_t *fx = *state;
    store_close(&fx->st);
    return remove_all(fx);   /* a leftover file fails the test */
}

/* ---- helpers ---------------------------------------------------------------------- */

static inline sqlite3 *raw_open(const fx_t *fx, int flags)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, flags, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    return db;
}

/* The first column of the first row of sql, as text ("" if NULL, "<none>" if no row). */
static inline const char *raw_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        snprintf(buf, len, "%s", t ? (const char *)t : "");
    } else if (rc == SQLITE_DONE) {
        snprintf(buf, len, "<none>");
    } else {
        fail_msg("step %s: %s", sql, sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    return buf;
}

static inline int64_t raw_int(sqlite3 *db, const char *sql)
{
    char buf[64];
    return strtoll(raw_text(db, sql, buf, sizeof buf), NULL, 10);
}

static inline void insert(fx_t *fx, const char *id, int64_t at)
{
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, id, at, "噪音扰民");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
}

/* Does the file at path contain needle (raw bytes)? */
static inline bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    bool found = memmem(buf, got, needle, strlen(needle)) != NULL;
    free(buf);
    return found;
}

#endif
