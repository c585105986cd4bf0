/* db: the few SQL calls the store and the report make, over either engine
 * the store runs on: SQLite (a file, embedded; the default) or PostgreSQL
 * (a server reached through libpq, for a store that outlives one machine).
 *
 * The calls mirror SQLite's own (prepare, bind, step, column, reset), so
 * SQLite code reads as before and costs one predictable branch per call.
 * On PostgreSQL a statement is prepared on the server once; step() runs it
 * with the bound values (text format) and then walks the rows of its
 * result. Parameters are written "?", "?N" or ":name" for both engines; a PostgreSQL
 * statement gets them renumbered to "$N". A bound text must stay valid until
 * the statement is stepped, as with SQLITE_STATIC. */
#ifndef HOTLINE_DB_H
#define HOTLINE_DB_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db_t;
typedef struct db_pgq db_pgq_t;
typedef struct {
    sqlite3_stmt *lite;
    db_pgq_t *pg;
} db_stmt_t;

enum { DB_ROW = SQLITE_ROW, DB_DONE = SQLITE_DONE, DB_ERROR = SQLITE_ERROR };

/* True when target names a PostgreSQL database: a postgresql:// or
 * postgres:// URI, or a libpq "key=value" connection string. Anything else
 * is a SQLite file name. */
bool db_target_is_pg(const char *target);

/* target as a log may show it: a connection string that holds a password
 * (which db_connect_pg refuses) is not shown at all. */
const char *db_display(const char *target);

/* Wraps an open SQLite connection (the caller keeps owning it). */
db_t *db_wrap_sqlite(sqlite3 *h);
/* Connects to PostgreSQL. conninfo may hold several hosts
 * (target_session_attrs=read-write finds the primary); a password comes from
 * PGPASSWORD or a password file (PGPASSFILE), never the command line. NULL
 * with err on failure; err never repeats the connection string. */
db_t *db_connect_pg(const char *conninfo, const char *app_name, char *err, size_t errlen);
void db_close(db_t **p);
bool db_is_pg(const db_t *d);
/* The SQLite handle, NULL on PostgreSQL. */
sqlite3 *db_sqlite(const db_t *d);
/* The libpq connection (PGconn *), NULL on SQLite. */
void *db_pgconn(const db_t *d);
/* PostgreSQL: true once the server connection is lost (a reconnect needs a
 * new db_t). Always false on SQLite. */
bool db_lost(const db_t *d);

/* A transaction is open on the connection. */
bool db_txn_open(const db_t *d);

/* 0, or -1 with db_errmsg() set. */
int db_prepare(db_t *d, const char *sql, db_stmt_t *out);
/* PostgreSQL: plan s at each run with its values, instead of once. For a
 * lookup whose best plan depends on the table's size: a plan made once while
 * the table was empty would scan it whole ever after. No-op on SQLite. */
void db_plan_each_time(db_stmt_t *s);
void db_finalize(db_stmt_t *s);
/* Runs one or more statements without parameters. 0 or -1. */
int db_exec(db_t *d, const char *sql);
const char *db_errmsg(const db_t *d);

/* The number to bind a ":name" parameter by, 0 if the statement has none. */
int db_param_index(db_stmt_t *s, const char *name);

/* PostgreSQL halves of the calls below (db_pg.c). */
void db_pgq_bind_int64(db_pgq_t *q, int i, int64_t v);
void db_pgq_bind_text(db_pgq_t *q, int i, const char *s, int len);
void db_pgq_bind_null(db_pgq_t *q, int i);
int db_pgq_step(db_pgq_t *q);
int db_pgq_step_write(db_pgq_t *q);
void db_pgq_reset(db_pgq_t *q);
void db_pgq_clear(db_pgq_t *q);
bool db_pgq_isnull(const db_pgq_t *q, int c);
int64_t db_pgq_int64(const db_pgq_t *q, int c);
const char *db_pgq_text(const db_pgq_t *q, int c);
int db_pgq_bytes(const db_pgq_t *q, int c);
int64_t db_pgq_changes(const db_pgq_t *q);

static inline void db_bind_int64(db_stmt_t *s, int i, int64_t v)
{
    if (s->lite) sqlite3_bind_int64(s->lite, i, v);
    else db_pgq_bind_int64(s->pg, i, v);
}
static inline void db_bind_null(db_stmt_t *s, int i)
{
    if (s->lite) sqlite3_bind_null(s->lite, i);
    else db_pgq_bind_null(s->pg, i);
}
/* text NULL binds NULL. */
static inline void db_bind_text(db_stmt_t *s, int i, const char *text)
{
    if (!text) db_bind_null(s, i);
    else if (s->lite) sqlite3_bind_text(s->lite, i, text, -1, SQLITE_STATIC);
    else db_pgq_bind_text(s->pg, i, text, -1);
}
/* A text of len bytes, not necessarily NUL-terminated. */
static inline void db_bind_textn(db_stmt_t *s, int i, const char *text, int len)
{
    if (s->lite) sqlite3_bind_text(s->lite, i, text, len, SQLITE_STATIC);
    else db_pgq_bind_text(s->pg, i, text, len);
}
/* DB_ROW, DB_DONE, or another code on an error. */
static inline int db_step(db_stmt_t *s) { return s->lite ? sqlite3_step(s->lite) : db_pgq_step(s->pg); }
/* A write whose result nobody reads (no rows, no count of rows changed):
 * DB_DONE, or another code on an error. On PostgreSQL inside a transaction
 * it is sent without waiting for the answer (db_pg.c); a failure then shows
 * at the next call that waits (at the latest the COMMIT, which then fails). */
static inline int db_step_write(db_stmt_t *s) { return s->lite ? sqlite3_step(s->lite) : db_pgq_step_write(s->pg); }
static inline void db_reset(db_stmt_t *s)
{
    if (s->lite) sqlite3_reset(s->lite);
    else db_pgq_reset(s->pg);
}
/* Reset and clear the bound values. */
static inline void db_clear(db_stmt_t *s)
{
    if (s->lite) {
        sqlite3_reset(s->lite);
        sqlite3_clear_bindings(s->lite);
    } else {
        db_pgq_reset(s->pg);
        db_pgq_clear(s->pg);
    }
}
static inline bool db_isnull(db_stmt_t *s, int c)
{
    return s->lite ? sqlite3_column_type(s->lite, c) == SQLITE_NULL : db_pgq_isnull(s->pg, c);
}
static inline int64_t db_int64(db_stmt_t *s, int c)
{
    return s->lite ? sqlite3_column_int64(s->lite, c) : db_pgq_int64(s->pg, c);
}
static inline int db_int(db_stmt_t *s, int c) { return (int)db_int64(s, c); }
/* NULL for an SQL NULL. Valid until the next step or reset. */
static inline const char *db_text(db_stmt_t *s, int c)
{
    if (!s->lite) return db_pgq_text(s->pg, c);
    return sqlite3_column_type(s->lite, c) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(s->lite, c);
}
static inline int db_bytes(db_stmt_t *s, int c)
{
    return s->lite ? sqlite3_column_bytes(s->lite, c) : db_pgq_bytes(s->pg, c);
}
/* Rows the last write statement changed. */
static inline int64_t db_changes(db_stmt_t *s)
{
    return s->lite ? sqlite3_changes(sqlite3_db_handle(s->lite)) : db_pgq_changes(s->pg);
}

#endif
