/* report_sql: the report's statements over core/db.h, whatever the store's
 * engine: prepare, step, bind the period's times, run a statement row by
 * row, log a failure with its class (report_status_t). Shared by
 * report_store.c, report_store_pg.c, report_query.c, report_sla.c,
 * report_late.c and report_rank.c. */
#include "report_store_priv.h"
#include "log.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

report_status_t rs_classify(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CANTOPEN: case SQLITE_PERM: case SQLITE_AUTH: return REPORT_E_NOINPUT;
    case SQLITE_CORRUPT: case SQLITE_NOTADB: case SQLITE_FORMAT: return REPORT_E_DATA;
    case SQLITE_BUSY: case SQLITE_LOCKED: return REPORT_E_TEMPFAIL;
    default: return REPORT_E_SOFTWARE;
    }
}

void rs_fail(report_store_t *st, const char *what)
{
    char q[512];
    int rc = st->db ? sqlite3_extended_errcode(st->db) : 0;
    /* PostgreSQL: a lost server is worth a retry; anything else is ours. */
    st->status = st->db ? rs_classify(rc) : db_lost(st->conn) ? REPORT_E_TEMPFAIL : REPORT_E_SOFTWARE;
    log_error("store query failed", "what=%s rc=%d error=%s", what, rc, log_quote(q, sizeof q, db_errmsg(st->conn)));
}

/* A SELECT with the merged centres' WITH list before it, or NULL: the
 * statement as it is. */
static char *with_merged(const report_store_t *st, const char *sql)
{
    if (!st->merged_with) return NULL;
    const char *p = sql + strspn(sql, " \t\n");
    if (strncasecmp(p, "SELECT", 6) != 0) return NULL;
    size_t n = strlen(st->merged_with) + strlen(p) + 8;
    char *out = xmalloc(n);
    snprintf(out, n, "WITH %s %s", st->merged_with, p);
    return out;
}

db_stmt_t *rs_prepare(report_store_t *st, const char *sql)
{
    db_stmt_t *s = xcalloc(1, sizeof *s);
    char *merged = with_merged(st, sql);
    int rc = db_prepare(st->conn, merged ? merged : sql, s);
    free(merged);
    if (rc != 0) {
        rs_fail(st, sql);
        free(s);
        return NULL;
    }
    return s;
}

void rs_finalize(db_stmt_t *s)
{
    if (!s) return;
    db_finalize(s);
    free(s);
}

int rs_step_row(report_store_t *st, db_stmt_t *s, const char *what)
{
    int rc = s ? db_step(s) : DB_ERROR;
    if (s && rc != DB_ROW) rs_fail(st, what);
    return rc;
}

int rs_bind_times(report_store_t *st, db_stmt_t *s, int64_t from, int64_t to, int64_t now)
{
    (void)st;
    static const char *const NAMES[] = {":from", ":to", ":now"};
    const int64_t v[] = {from, to, now};
    for (int k = 0; k < 3; k++) {
        int i = db_param_index(s, NAMES[k]);
        if (i) db_bind_int64(s, i, v[k]);
    }
    return 0;
}

int rs_each_row(report_store_t *st, const char *sql, int64_t from, int64_t to, int64_t now,
                void (*fn)(db_stmt_t *row, void *arg), void *arg, const char *what)
{
    db_stmt_t *s = rs_prepare(st, sql);
    if (!s || rs_bind_times(st, s, from, to, now) < 0) {
        rs_finalize(s);
        return -1;
    }
    int rc;
    while ((rc = db_step(s)) == DB_ROW) fn(s, arg);
    if (rc != DB_DONE) rs_fail(st, what);
    rs_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int rs_exec(report_store_t *st, const char *sql)
{
    if (db_exec(st->conn, sql) == 0) return 0;
    rs_fail(st, sql);
    return -1;
}

bool rs_is_pg(const report_store_t *st) { return st->db == NULL; }

