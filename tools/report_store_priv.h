/* report_store_priv: the report's store handle, shared by report_store.c
 * (opening, checks, backup, outcomes), report_query.c (the figures),
 * report_sla.c (the SLA figures) and report_late.c (the late tickets). */
#ifndef HOTLINE_REPORT_STORE_PRIV_H
#define HOTLINE_REPORT_STORE_PRIV_H
#include <sqlite3.h>
#include "calendar.h"
#include "db.h"
#include <stdio.h>
#include "report_query.h"

struct report_store {
    sqlite3 *db;              /* SQLite only (NULL on PostgreSQL) */
    db_t *conn;               /* every query runs on it, either engine */
    char *target;             /* the file name or connection string (no password: refused) */
    report_status_t status;   /* class of the last failure */
    calendar_t *cal;          /* owned; loaded on first use (rs_calendar) */
    bool rules;               /* the roll-ups have the rules' columns (schema 4 on) */
    char **centres;           /* the centres read (owned), in code order */
    size_t n_centres;
    bool some_centres;        /* --centre named some of the store's centres, not all */
    bool merged;              /* the centres' tables are read together (report_centre.c) */
    char *merged_with;        /* on a read-only server: the WITH list that does it for each query (owned), or NULL */
};

/* report_centre.c: finds the store's centres and keeps those of `want` (a
 * comma-separated list, "all" or NULL: every one); 0, or -1 logged. */
int rs_find_centres(report_store_t *st, const char *want);
/* Reads centre i alone from now on (PostgreSQL: its schema; SQLite: the file). */
int rs_use_centre(report_store_t *st, size_t i);
/* Puts the centres' tables together under their own names, each row with a
 * column `centre`: temporary views, or on a read-only server (a standby),
 * a WITH list that rs_prepare puts before each SELECT; 0, or -1 logged. */
int rs_merge_centres(report_store_t *st);

/* A ticket open at :now (bound by the caller): received before it, not a
 * praise call, not first closed before it; a ticket never closed must not be
 * in a final state, nor merged into another ticket (重复件: MERGED until its
 * lead closes, then DONE; its lead is the open one). The one definition of
 * "open" for the SLA figures and --late. */
#define RS_OPEN_AT_NOW                                                                   \
    "(received_at < :now AND type <> 'praise' AND (closed_at IS NULL OR closed_at >= :now) " \
    "AND NOT (closed_at IS NULL AND state IN ('ANSWERED', 'PRAISE', 'DONE', 'MERGED')))"

/* report_sql.c: the class of a SQLite result code. */
report_status_t rs_classify(int rc);
/* Logs the connection's last error and records its class. */
void rs_fail(report_store_t *st, const char *what);
/* A prepared statement, or NULL with the failure logged; rs_finalize frees it (NULL too). */
db_stmt_t *rs_prepare(report_store_t *st, const char *sql);
void rs_finalize(db_stmt_t *s);
/* The store is on PostgreSQL (a few queries differ). */
bool rs_is_pg(const report_store_t *st);
/* Steps s once: DB_ROW, or the failure logged (s may be NULL: prepare failed). */
int rs_step_row(report_store_t *st, db_stmt_t *s, const char *what);
/* Binds the named parameters :from, :to and :now that s has; -1 logged. */
int rs_bind_times(report_store_t *st, db_stmt_t *s, int64_t from, int64_t to, int64_t now);
/* Runs sql with its times bound and calls fn for every row; 0, or -1 with the
 * failure logged as `what`. */
int rs_each_row(report_store_t *st, const char *sql, int64_t from, int64_t to, int64_t now,
                void (*fn)(db_stmt_t *row, void *arg), void *arg, const char *what);
/* BEGIN / COMMIT / ROLLBACK and the like; -1 logged. */
int rs_exec(report_store_t *st, const char *sql);
/* report_store_pg.c: --check (hotline's own invariants) and --backup
 * (pg_dump) of a store on PostgreSQL. */
int rs_pg_check(report_store_t *self, FILE *problems, bool *ok);
int rs_pg_backup(report_store_t *self, const char *dest);
/* The working-day calendar (DATADIR/calendar), loaded once; NULL logged. */
const calendar_t *rs_calendar(report_store_t *st);

#endif
