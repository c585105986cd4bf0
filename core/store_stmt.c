/* store_stmt: running the store's prepared statements — stepping one to its
 * end, binding optional values, logging a failure — shared by every file of
 * the store (store.c, store_ticket.c, store_query.c, store_rollup.c). A
 * failed write poisons the open transaction (store_commit rolls it back). */
#include "store_priv.h"
#include "log.h"

int store_fail(store_t *self, const char *what)
{
    log_error("store error", "op=%s error=\"%s\"", what, db_errmsg(self->conn));
    return -1;
}

const char *store_errmsg(const store_t *self) { return db_errmsg(self->conn); }

/* Steps st: to its first row (db_step), or, for a write nobody reads the
 * answer of, without waiting for the answer on PostgreSQL (db_step_write). */
static int step(store_t *self, db_stmt_t *st, const char *what, bool write)
{
    if (self->txn_failed && st != &self->q[Q_COMMIT] && st != &self->q[Q_ROLLBACK]) return -1;
    int rc = write ? db_step_write(st) : db_step(st);
    if (rc == DB_DONE || rc == DB_ROW) {
        self->txn_writes++;
        return rc;
    }
    if (self->in_txn) self->txn_failed = true;
    return store_fail(self, what);
}

int store_step(store_t *self, db_stmt_t *st, const char *what) { return step(self, st, what, false); }

int store_step_done(store_t *self, db_stmt_t *st, const char *what)
{
    int rc = step(self, st, what, true);
    db_clear(st);
    return rc < 0 ? -1 : 0;
}

void store_bind_text(db_stmt_t *st, int i, const char *s) { db_bind_text(st, i, s); }

void store_bind_opt_time(db_stmt_t *st, int i, int64_t t)
{
    if (t) db_bind_int64(st, i, t);
    else db_bind_null(st, i);
}

