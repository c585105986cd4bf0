/* report_store_priv: the report's store handle, shared by report_store.c
 * (opening, checks, backup, outcomes) and report_query.c (the figures). */
#ifndef HOTLINE_REPORT_STORE_PRIV_H
#define HOTLINE_REPORT_STORE_PRIV_H
#include <sqlite3.h>
#include "report_query.h"

struct report_store {
    sqlite3 *db;
    report_status_t status;   /* class of the last failure */
};

/* Logs the connection's last error and records its class. */
void rs_fail(report_store_t *st, const char *what);
/* A prepared statement, or NULL with the failure logged. */
sqlite3_stmt *rs_prepare(report_store_t *st, const char *sql);
/* Steps s once: SQLITE_ROW, or the failure logged (s may be NULL: prepare failed). */
int rs_step_row(report_store_t *st, sqlite3_stmt *s, const char *what);

#endif
