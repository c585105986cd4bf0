/* store_stmt: running the store's prepared statements — stepping one to its
 * end, binding optional values, logging a failure — shared by every file of
 * the store (store.c, store_ticket.c, store_query.c, store_rollup.c). A
 * failed write poisons the open transaction (store_commit rolls it back). */
#include "store_priv.h"
#include "log.h"

int store_fail(store_t *self, const char *what)
{
    log_error("store error", "op=%s sqlite=\"%s\"", what, sqlite3_errmsg(self->db));
    return -1;
}

const char *store_errmsg(const store_t *self) { return sqlite3_errmsg(self->db); }

int store_step_done(store_t *self, sqlite3_stmt *st, const char *what)
{
    if (self->txn_failed && st != self->q[Q_COMMIT] && st != self->q[Q_ROLLBACK]) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return -1;
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
        self->txn_writes++;
        return 0;
    }
    if (self->in_txn) self->txn_failed = true;
    return store_fail(self, what);
}

void store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, i);
}

void store_bind_opt_time(sqlite3_stmt *st, int i, int64_t t)
{
    if (t) sqlite3_bind_int64(st, i, t);
    else sqlite3_bind_null(st, i);
}

