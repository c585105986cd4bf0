/* store_priv: the store's private struct, shared by the store's own files
 * only: store_open.c (the engine), store.c (connection, migrations,
 * transactions), store_pg.c (PostgreSQL), store_stmt.c
 * (statements), store_ticket.c, store_query.c, store_rollup.c,
 * store_rebuild.c, store_sync.c. */
#ifndef HOTLINE_STORE_PRIV_H
#define HOTLINE_STORE_PRIV_H
#include <sqlite3.h>
#include "db.h"
#include "store.h"

enum {
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_T_INSERT, Q_T_TEXT_INSERT, Q_T_SAVE, Q_T_SAVE_FINAL, Q_T_SAVE_EXT, Q_T_MERGE_LEADS, Q_T_FOLLOWERS, Q_T_GET, Q_T_TEXT, Q_T_TEXTS, Q_T_IDS, Q_T_UNFINISHED, Q_T_COUNT, Q_E_INSERT, Q_E_LIST,
    Q_ROLLUP, Q_ROLLUP_TOTAL, Q_KB_INSERT, Q_KB_SINCE, Q_KB_MAX, Q_KB_UID, Q_META_GET, Q_META_SET,
    Q_T_TEXT_TOP, Q_SEARCH_ADD,
    Q__COUNT
};

/* Roll-up deltas pending in the open transaction (store_rollup.c). */
#define STORE_RU_SLOTS 2048
typedef struct {
    uint64_t key;
    int64_t d[RU__COUNT];
    bool used;
} store_ru_t;

typedef struct store_syncer store_syncer_t; /* store_sync.c */
typedef struct dict dict_t;                 /* dict.h: the texts read ahead (store_texts_prefetch) */
typedef struct store_ckpt store_ckpt_t;     /* store_sync.c */

struct store {
    sqlite3 *db;              /* SQLite only (NULL on PostgreSQL) */
    db_t *conn;               /* the connection every statement runs on, either engine */
    db_stmt_t q[Q__COUNT];
    bool in_txn;
    bool txn_failed;          /* a write failed inside the open transaction: it will be rolled back */
    uint64_t commits;         /* successful commits since open: the epoch of the last one */
    int64_t last_commit_us;
    uint8_t secret[16];
    int wal_pages;            /* frames in the WAL after the last checkpoint (sqlite3_wal_hook) */
    uint64_t txn_writes, last_commit_writes;
    int64_t next_seq;          /* next event.seq */
    int64_t saved_seq;         /* next_seq as last committed to meta */
    char *path;
    char *centre;             /* the centre served (meta 'centre'; on PostgreSQL also the schema) */
    store_syncer_t *syncer;   /* STORE_SYNC_FULL: the WAL fsync thread */
    store_ckpt_t *ckpt;       /* STORE_SYNC_FULL: the background checkpoint thread */
    store_ru_t ru[STORE_RU_SLOTS];
    uint16_t ru_at[STORE_RU_SLOTS / 2]; /* slots in use, in order of first use */
    int ru_used;
    int64_t search_n;         /* texts up to this n are in the search index (meta 'search_n') */
    int64_t saved_search_n;   /* search_n as last committed */
    char *pg_target;          /* PostgreSQL: the connection string (reconnects); NULL on SQLite */
    int64_t pg_lead_key;      /* PostgreSQL: the centre's leadership lock (store_pg.c) */
    int64_t pg_alive_ms;      /* PostgreSQL: when the last keepalive ran (store_keepalive) */
    dict_t *texts;            /* id -> text read ahead by store_texts_prefetch, until store_texts_forget */
    dict_t *ids;              /* id -> exists or new, looked up by store_ids_check, until store_ids_forget */
};

/* The SELECTs of STORE_TEXTS_BATCH texts (Q_T_TEXTS) and ids (Q_T_IDS) at once (store_ticket.c). */
const char *store_texts_sql(void);
const char *store_ids_sql(void);

/* store_stmt.c: logs the SQLite error for what and returns -1. */
int store_fail(store_t *self, const char *what);
/* Runs a prepared statement that returns no rows; resets it. 0 or -1.
 * Inside a transaction, a failure poisons it: later writes fail at once and
 * store_commit() rolls everything back, so the file never holds half of an
 * iteration (SQLite may already have rolled back on SQLITE_FULL). On
 * PostgreSQL inside a transaction the write is pipelined (db_step_write): its
 * failure shows at the next statement that waits, at the latest the COMMIT. */
int store_step_done(store_t *self, db_stmt_t *st, const char *what);
/* The same without the reset, for a write whose result the caller reads
 * (RETURNING, rows changed) before db_clear(): DB_ROW, DB_DONE or -1. */
int store_step(store_t *self, db_stmt_t *st, const char *what);
void store_bind_text(db_stmt_t *st, int i, const char *s);
/* Writes the pending roll-up deltas (inside the open transaction), or drops them. */
int store_rollup_flush(store_t *self);
/* The upsert statements of the roll-up tables (one per figure column). */
const char *store_rollup_sql(bool total);
void store_rollup_discard(store_t *self);
/* store_sync.c: the WAL fsync thread (STORE_SYNC_FULL). */
int store_sync_start(store_t *self);
void store_sync_stop(store_t *self);
void store_sync_request(store_t *self);
int store_ckpt_start(store_t *self);
void store_ckpt_stop(store_t *self);
void store_bind_opt_time(db_stmt_t *st, int i, int64_t t);
/* store.c: prepares self->q on self->conn; reads the privacy key and the
 * event and search counters from meta (creating the key on a new store). */
int store_prepare_all(store_t *self, char *err, size_t errlen);
int store_load_meta(store_t *self);
/* store.c: the SQLite store, and the sizes of its file and WAL. */
store_t *store_open_sqlite(const char *path, const char *centre, store_sync_t sync, char *err, size_t errlen);
int64_t store_sqlite_bytes(const store_t *self, int64_t *wal_bytes);
/* store_pg.c: the PostgreSQL store (store_open on a postgresql:// target). */
store_t *store_open_pg(const char *conninfo, const char *centre, store_sync_t sync, char *err, size_t errlen);
/* store.c: records the centre in a store that has none yet, or checks that
 * want (NULL: any) is the one recorded; sets self->centre (want may be the
 * current self->centre). 0, or -1 with err. */
int store_claim_centre(store_t *self, const char *want, char *err, size_t errlen);
int64_t store_pg_bytes(store_t *self, int64_t *wal_bytes);

#endif
