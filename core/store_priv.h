/* store_priv: the store's private struct, shared by store.c and store_ticket.c only. */
#ifndef HOTLINE_STORE_PRIV_H
#define HOTLINE_STORE_PRIV_H
#include <sqlite3.h>
#include "store.h"

enum {
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_T_INSERT, Q_T_TEXT_INSERT, Q_T_SAVE, Q_T_GET, Q_T_TEXT, Q_T_UNFINISHED, Q_T_COUNT, Q_E_INSERT, Q_E_LIST,
    Q_ROLLUP, Q_ROLLUP_TOTAL, Q_KB_INSERT, Q_KB_SINCE, Q_KB_MAX, Q_KB_UID, Q_META_GET, Q_META_SET,
    Q__COUNT
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *q[Q__COUNT];
    bool in_txn;
    bool txn_failed;          /* a write failed inside the open transaction: it will be rolled back */
    uint64_t commits;
    int64_t last_commit_us;
    uint8_t secret[16];
    int wal_pages;
    uint64_t txn_writes, last_commit_writes;
    int64_t next_seq;          /* next event.seq */
    int64_t saved_seq;         /* next_seq as last committed to meta */
    char *path;            /* frames in the WAL after the last commit (sqlite3_wal_hook) */
};

/* Logs the SQLite error for what and returns -1. */
int store_fail(store_t *self, const char *what);
/* Runs a prepared statement that returns no rows; resets it. 0 or -1.
 * Inside a transaction, a failure poisons it: later writes fail at once and
 * store_commit() rolls everything back, so the file never holds half of an
 * iteration (SQLite may already have rolled back on SQLITE_FULL). */
int store_step_done(store_t *self, sqlite3_stmt *st, const char *what);
void store_bind_text(sqlite3_stmt *st, int i, const char *s);
void store_bind_opt_time(sqlite3_stmt *st, int i, int64_t t);

#endif
