/* store: connection, pragmas, migrations, group commit, meta and the
 * knowledge-base revisions. Ticket rows live in store_ticket.c. */
#include "store_priv.h"
#include "clock.h"
#include "log.h"
#include "xmalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

extern const char STORE_SQL[]; /* schemas/store.sql, embedded at build time */

/* ticket_t.last_at has no column: every transition appends an event at its
 * time and raises last_at to it, so it is the newest event's time, leaving
 * out the escalations (催办, 督办, 通报: broker/step.c). A reloaded ticket must
 * resume from there, not from 0. */
#define LAST_AT_SQL                                                                                                    \
    "(SELECT max(at) FROM event WHERE event.ticket_id=ticket.id AND event.kind NOT IN ('remind','overdue','notify'))"

static const char *const SQL[Q__COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_T_INSERT] = "INSERT INTO ticket(id,received_at,type,urgent,street,channel,caller_mask,caller_hash,"
                   "state,on_time) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,NULL) ON CONFLICT(id) DO NOTHING",
    [Q_T_TEXT_INSERT] = "INSERT INTO ticket_text(id,text) VALUES(?,?)",
    [Q_T_SAVE] = "UPDATE ticket SET state=?2,category=?3,unit=?4,alt_unit=?5,kb_id=coalesce(?6,kb_id),round=?7,delivery=?8,"
                 "sign_due=?9,close_due=?10,extended=?11,overdue_at=?12,direct=?13,closed_at=?14,on_time=?15,"
                 "rating=?16,rated_at=?17,rating_default=?18,rectify_due=?19,rectified_at=?20,"
                 "revisit_rating=?21,revisited_at=?22,signed_at=?24,reminded=?25,notified=?26,dispatched_at=?27 WHERE id=?1",
    /* The same, plus done_at: only when the ticket is done, since done_at is
     * the one saved column an index depends on (ticket_unfinished). */
    [Q_T_SAVE_FINAL] = "UPDATE ticket SET state=?2,category=?3,unit=?4,alt_unit=?5,kb_id=coalesce(?6,kb_id),round=?7,delivery=?8,"
                 "sign_due=?9,close_due=?10,extended=?11,overdue_at=?12,direct=?13,closed_at=?14,on_time=?15,"
                 "rating=?16,rated_at=?17,rating_default=?18,rectify_due=?19,rectified_at=?20,"
                 "revisit_rating=?21,revisited_at=?22,done_at=?23,signed_at=?24,reminded=?25,notified=?26,dispatched_at=?27 WHERE id=?1",
    /* The rarer fields (ticket_ext_t), written only for a ticket that has them. */
    [Q_T_SAVE_EXT] = "UPDATE ticket SET returns_asked=?2,returns_approved=?3,returned_by=?4,pending_at=?5,pending_days=?6,"
                     "suspended_at=?7,suspend_used=?8,visit_attempts=?9,solved=?10,attitude=?11,reopened=?12,"
                     "reopened_at=?13,reopen_due=?14,co_units=?15,lead_id=?16,asked=?17 WHERE id=?1",
    [Q_T_MERGE_LEADS] = "SELECT id,received_at FROM ticket WHERE caller_hash=(SELECT caller_hash FROM ticket WHERE id=?1)"
                        " AND caller_hash IS NOT NULL AND received_at BETWEEN ?2 AND ?3 AND id<>?1"
                        " AND (received_at<?3 OR id<?1) AND lead_id IS NULL AND direct=0 AND type<>'praise'"
                        " ORDER BY received_at,id",
    [Q_T_FOLLOWERS] = "SELECT id FROM ticket WHERE lead_id=?1 AND done_at IS NULL ORDER BY id",
    [Q_T_GET] = "SELECT id,received_at,type,urgent,street,state,category,unit,alt_unit,round,delivery,"
                "sign_due,close_due,extended,overdue_at,direct,closed_at,on_time,rating,rated_at,rating_default,"
                "rectify_due,rectified_at,revisit_rating,revisited_at,done_at," LAST_AT_SQL
                ",signed_at,reminded,notified,dispatched_at,returns_asked,returns_approved,returned_by,pending_at,pending_days,"
                "suspended_at,suspend_used,visit_attempts,solved,attitude,reopened,reopened_at,reopen_due,co_units,lead_id,asked FROM ticket WHERE id=?",
    [Q_T_TEXT] = "SELECT text FROM ticket_text WHERE id=?",
    [Q_T_TEXTS] = NULL,      /* store_texts_sql(): id IN (STORE_TEXTS_BATCH parameters) */
    [Q_T_IDS] = NULL,        /* store_ids_sql(): the same for ticket ids */
    [Q_T_UNFINISHED] = "SELECT id,received_at,type,urgent,street,state,category,unit,alt_unit,round,delivery,"
                       "sign_due,close_due,extended,overdue_at,direct,closed_at,on_time,rating,rated_at,"
                       "rating_default,rectify_due,rectified_at,revisit_rating,revisited_at,done_at," LAST_AT_SQL
                ",signed_at,reminded,notified,dispatched_at,returns_asked,returns_approved,returned_by,pending_at,pending_days,"
                "suspended_at,suspend_used,visit_attempts,solved,attitude,reopened,reopened_at,reopen_due,co_units,lead_id,asked FROM ticket WHERE done_at IS NULL ORDER BY received_at, id",
    [Q_T_COUNT] = "SELECT count(*), count(done_at) FROM ticket",
    [Q_E_INSERT] = "INSERT INTO event(ticket_id,at,kind,state,round,unit,detail,seq,actor) VALUES(?,?,?,?,?,?,?,?,?)",
    [Q_E_LIST] = "SELECT at,kind,state,round,unit,detail,actor FROM event WHERE ticket_id=? ORDER BY seq",
    [Q_ROLLUP] = NULL,       /* store_rollup_sql(false): one parameter per figure */
    [Q_ROLLUP_TOTAL] = NULL, /* store_rollup_sql(true) */
    [Q_KB_INSERT] = "INSERT INTO kb_rev(id,valid_from,category,unit,keywords,answer,source,recorded_at,uid) "
                    "VALUES(?,?,?,?,?,?,?,?,?) RETURNING rev",
    [Q_KB_UID] = "SELECT rev FROM kb_rev WHERE uid=?",
    [Q_KB_SINCE] = "SELECT rev,id,valid_from,category,unit,keywords,answer FROM kb_rev WHERE rev>? ORDER BY rev LIMIT ?",
    [Q_KB_MAX] = "SELECT coalesce(max(rev),-1) FROM kb_rev",
    [Q_META_GET] = "SELECT value FROM meta WHERE key=?",
    [Q_META_SET] = "INSERT INTO meta(key,value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
    [Q_T_TEXT_TOP] = "SELECT coalesce(max(n),0) FROM ticket_text",
    [Q_SEARCH_ADD] = "INSERT INTO ticket_search(rowid,text) SELECT n,text FROM ticket_text WHERE n>?1 AND n<=?2",
};

static int exec(store_t *self, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(self->db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    log_error("store error", "op=%s sqlite=\"%s\"", what, msg ? msg : "?");
    sqlite3_free(msg);
    return -1;
}

static int user_version(store_t *self)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return -1;
    int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

/* Migrations: MIGRATIONS[i] upgrades user_version i to i+1. A new file gets
 * the current schema at once (schemas/store.sql). Each step runs in its own
 * transaction; a released step is never edited, only followed by a new one. */
#define ADD_COUNT(table, col) "ALTER TABLE " table " ADD COLUMN " col " INTEGER NOT NULL DEFAULT 0;"
#define ROLLUP_V4(t)                                                                                               \
    ADD_COUNT(t, "reminders") ADD_COUNT(t, "notifications") ADD_COUNT(t, "returns") ADD_COUNT(t, "returns_approved") \
    ADD_COUNT(t, "extensions") ADD_COUNT(t, "suspensions") ADD_COUNT(t, "merged") ADD_COUNT(t, "co_handled")          \
    ADD_COUNT(t, "unreachable") ADD_COUNT(t, "reopened") ADD_COUNT(t, "manual_dispatch") ADD_COUNT(t, "dispatched")    \
    ADD_COUNT(t, "first_returned")
static const char *const MIGRATIONS[STORE_SCHEMA_VERSION] = {
    [0] = NULL, /* 0 -> current: STORE_SQL */
    /* 1 -> 2: reports read the roll-ups; these indexes only cost writes. */
    [1] = "DROP INDEX IF EXISTS ticket_closed; DROP INDEX IF EXISTS ticket_rated; DROP INDEX IF EXISTS ticket_overdue;",
    /* 2 -> 3: people act (event.actor, ticket.signed_at); texts numbered in
     * intake order for the search index, which the broker then fills. */
    [2] = "ALTER TABLE event ADD COLUMN actor TEXT;"
          "ALTER TABLE ticket ADD COLUMN signed_at INTEGER;"
          "CREATE TABLE ticket_text_v3 (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, text TEXT NOT NULL) STRICT;"
          "INSERT INTO ticket_text_v3(id, text) SELECT x.id, x.text FROM ticket_text x JOIN ticket t ON t.id = x.id "
          "ORDER BY t.received_at, t.id;"
          "DROP TABLE ticket_text;"
          "ALTER TABLE ticket_text_v3 RENAME TO ticket_text;"
          "CREATE VIRTUAL TABLE ticket_search USING fts5(text, content='ticket_text', content_rowid='n', tokenize='trigram');",
    /* 3 -> 4: the rules beyond the short path (core/rules.h): per-ticket
     * state of escalations, requests, suspensions, visits, reopening,
     * co-handling and merging; the figures they add to the roll-ups. */
    [3] = "ALTER TABLE ticket ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0;"
          "ALTER TABLE ticket ADD COLUMN notified INTEGER NOT NULL DEFAULT 0;"
          "ALTER TABLE ticket ADD COLUMN dispatched_at INTEGER;"
          "ALTER TABLE ticket ADD COLUMN returns_asked INTEGER;"
          "ALTER TABLE ticket ADD COLUMN returns_approved INTEGER;"
          "ALTER TABLE ticket ADD COLUMN returned_by TEXT;"
          "ALTER TABLE ticket ADD COLUMN pending_at INTEGER;"
          "ALTER TABLE ticket ADD COLUMN pending_days INTEGER;"
          "ALTER TABLE ticket ADD COLUMN asked INTEGER;"
          "ALTER TABLE ticket ADD COLUMN suspended_at INTEGER;"
          "ALTER TABLE ticket ADD COLUMN suspend_used INTEGER;"
          "ALTER TABLE ticket ADD COLUMN visit_attempts INTEGER;"
          "ALTER TABLE ticket ADD COLUMN solved INTEGER;"
          "ALTER TABLE ticket ADD COLUMN attitude INTEGER;"
          "ALTER TABLE ticket ADD COLUMN reopened INTEGER;"
          "ALTER TABLE ticket ADD COLUMN reopened_at INTEGER;"
          "ALTER TABLE ticket ADD COLUMN reopen_due INTEGER;"
          "ALTER TABLE ticket ADD COLUMN co_units TEXT;"
          "ALTER TABLE ticket ADD COLUMN lead_id TEXT;"
          "CREATE INDEX ticket_caller ON ticket(caller_hash, received_at) WHERE caller_hash IS NOT NULL;"
          "CREATE INDEX ticket_lead ON ticket(lead_id) WHERE lead_id IS NOT NULL;"
          ROLLUP_V4("rollup") ROLLUP_V4("rollup_total"),
};

static int migrate_step(store_t *self, const char *sql, int to, char *err, size_t errlen)
{
    char ver[40];
    snprintf(ver, sizeof ver, "PRAGMA user_version=%d", to);
    if (exec(self, "BEGIN IMMEDIATE", "migrate") || exec(self, sql, "migrate") || exec(self, ver, "migrate") ||
        exec(self, "COMMIT", "migrate")) {
        snprintf(err, errlen, "upgrading the store schema to version %d failed: %s", to, sqlite3_errmsg(self->db));
        exec(self, "ROLLBACK", "migrate");
        return -1;
    }
    return 0;
}

static int migrate(store_t *self, char *err, size_t errlen)
{
    int v = user_version(self);
    if (v < 0) {
        snprintf(err, errlen, "cannot read the store schema version: %s", sqlite3_errmsg(self->db));
        return -1;
    }
    if (v > STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "store schema version %d is newer than this program (%d)", v, STORE_SCHEMA_VERSION);
        return -1;
    }
    if (v == 0) {
        log_info("creating store schema", "version=%d", STORE_SCHEMA_VERSION);
        return migrate_step(self, STORE_SQL, STORE_SCHEMA_VERSION, err, errlen);
    }
    for (; v < STORE_SCHEMA_VERSION; v++) {
        log_warn("upgrading store schema", "from=%d to=%d", v, v + 1);
        if (migrate_step(self, MIGRATIONS[v], v + 1, err, errlen) != 0) return -1;
    }
    return 0;
}

static int quick_check(store_t *self, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) return -1;
    int ok = sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    if (!ok) snprintf(err, errlen, "PRAGMA quick_check failed: %s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

static int load_secret(store_t *self)
{
    char *hex = store_meta_get(self, "privacy_key");
    if (!hex) {
        FILE *f = fopen("/dev/urandom", "rb");
        if (!f || fread(self->secret, 1, 16, f) != 16) { if (f) fclose(f); return -1; }
        fclose(f);
        char buf[33];
        for (int i = 0; i < 16; i++) snprintf(buf + 2 * i, 3, "%02x", self->secret[i]);
        return (store_meta_set(self, "privacy_key", buf) == 0) ? 0 : -1;
    }
    bool ok = strlen(hex) == 32 && strspn(hex, "0123456789abcdef") == 32;
    for (int i = 0; ok && i < 16; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        self->secret[i] = (uint8_t)v;
    }
    if (!ok) log_error("the store's privacy key is damaged (meta privacy_key): refusing to hash callers with a bad key", NULL);
    free(hex);
    return ok ? 0 : -1;
}

/* Events are numbered by the broker. The next number is saved in meta with
 * every commit that wrote events, so a restart continues after it without
 * scanning the event log. */
static int load_seq(store_t *self)
{
    char *v = store_meta_get(self, "event_seq");
    self->next_seq = v ? strtoll(v, NULL, 10) : 1;
    self->saved_seq = self->next_seq;
    free(v);
    v = store_meta_get(self, "search_n");
    self->search_n = self->saved_search_n = v ? strtoll(v, NULL, 10) : 0;
    free(v);
    return self->next_seq > 0 && self->search_n >= 0 ? 0 : -1;
}

int store_claim_centre(store_t *self, const char *want, char *err, size_t errlen)
{
    char *have = store_meta_get(self, "centre");
    if (have && want && strcmp(have, want) != 0) {
        snprintf(err, errlen, "this store belongs to centre '%s', not '%s': one store (or, on PostgreSQL, one schema) "
                              "serves one centre", have, want);
        free(have);
        return -1;
    }
    if (!have) {
        have = xstrdup(want ? want : TICKET_DEFAULT_CENTRE);
        if (store_meta_set(self, "centre", have) != 0) {
            snprintf(err, errlen, "cannot record the store's centre: %s", store_errmsg(self));
            free(have);
            return -1;
        }
    }
    free(self->centre); /* after the last use of want, which may be it */
    self->centre = have;
    return 0;
}

int store_load_meta(store_t *self) { return load_secret(self) || load_seq(self) ? -1 : 0; }

int store_prepare_all(store_t *self, char *err, size_t errlen)
{
    bool pg = db_is_pg(self->conn);
    for (int i = 0; i < Q__COUNT; i++) {
        const char *sql = i == Q_ROLLUP ? store_rollup_sql(false) : i == Q_ROLLUP_TOTAL ? store_rollup_sql(true)
                        : i == Q_T_TEXTS                                 ? store_texts_sql()
                        : i == Q_T_IDS                                   ? store_ids_sql()
                                                                         : SQL[i];
        if (pg && i == Q_BEGIN) sql = "BEGIN";
        if (pg && i == Q_SEARCH_ADD) continue; /* no FTS5 there: a text search scans (store_query.c) */
        if (db_prepare(self->conn, sql, &self->q[i]) != 0) {
            snprintf(err, errlen, "preparing statement %d: %s", i, db_errmsg(self->conn));
            return -1;
        }
        /* Run once per 64 tickets, these are planned each time (a few µs a
         * ticket): a generic plan made on a fresh, empty store scanned the
         * whole ticket table on every call once it had grown. */
        if (i == Q_T_IDS || i == Q_T_TEXTS) db_plan_each_time(&self->q[i]);
    }
    return 0;
}

static int on_wal(void *ctx, sqlite3 *db, const char *name, int pages)
{
    (void)db; (void)name;
    ((store_t *)ctx)->wal_pages = pages;
    return SQLITE_OK;
}

static int configure(store_t *self)
{
    /* A checkpointed WAL is cut back to 64 MiB, so a burst cannot leave a huge file. */
    if (exec(self, "PRAGMA journal_size_limit=67108864", "journal_size_limit")) return -1;
    if (exec(self, "PRAGMA journal_mode=WAL", "wal")) return -1;
    /* NORMAL in both modes: COMMIT does not fsync. With STORE_SYNC_FULL the
     * sync thread (store_sync.c) fsyncs the WAL before anything is
     * acknowledged; checkpoints still fsync the WAL and the database. */
    if (exec(self, "PRAGMA synchronous=NORMAL", "sync")) return -1;
    /* Checkpoint by ourselves (store_checkpoint) so a slow checkpoint never
     * lands inside a commit we are about to acknowledge. */
    if (exec(self, "PRAGMA wal_autocheckpoint=0", "autockpt")) return -1;
    /* After the pragma: wal_autocheckpoint installs (or removes) a hook of its own. */
    sqlite3_wal_hook(self->db, on_wal, self);
    sqlite3_busy_timeout(self->db, 5000);
    return exec(self, "PRAGMA cache_size=-16384", "cache");
}

store_t *store_open_sqlite(const char *path, const char *centre, store_sync_t sync, char *err, size_t errlen)
{
    store_t *self = xcalloc(1, sizeof *self);
    self->path = xstrdup(path);
    if (errlen) err[0] = '\0';
    /* One thread owns the connection: no per-call mutexes, no memory statistics. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (sqlite3_open_v2(path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, self->db ? sqlite3_errmsg(self->db) : "out of memory");
        store_close(&self);
        return NULL;
    }
    self->conn = db_wrap_sqlite(self->db);
    if (configure(self) || quick_check(self, err, errlen) || migrate(self, err, errlen) ||
        store_prepare_all(self, err, errlen) || store_load_meta(self) || store_claim_centre(self, centre, err, errlen) ||
        (sync == STORE_SYNC_FULL && (store_sync_start(self) || store_ckpt_start(self)))) {
        if (!*err) snprintf(err, errlen, "cannot set up %s: %s", path, sqlite3_errmsg(self->db));
        store_close(&self);
        return NULL;
    }
    return self;
}

void store_close(store_t **p)
{
    if (!p || !*p) return;
    store_t *self = *p;
    if (self->in_txn) store_commit(self);
    store_sync_wait(self);
    store_sync_stop(self);
    store_ckpt_stop(self);
    store_texts_forget(self);
    store_ids_forget(self);
    for (int i = 0; i < Q__COUNT; i++) db_finalize(&self->q[i]);
    db_close(&self->conn);
    if (self->db) {
        sqlite3_wal_checkpoint_v2(self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        sqlite3_close(self->db);
    }
    free(self->path);
    free(self->centre);
    free(self->pg_target);
    free(self);
    *p = NULL;
}

int store_begin(store_t *self)
{
    if (self->in_txn) return 0;
    if (store_step_done(self, &self->q[Q_BEGIN], "begin")) return -1;
    self->in_txn = true;
    self->txn_writes = 0;
    return 0;
}


int store_commit(store_t *self)
{
    if (!self->in_txn) return 0;
    int64_t t0 = clock_mono_us();
    if (self->txn_failed) store_rollup_discard(self);
    else store_rollup_flush(self);
    if (self->next_seq != self->saved_seq && !self->txn_failed) {
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", (long long)self->next_seq);
        store_meta_set(self, "event_seq", buf);
    }
    int rc = self->txn_failed ? -1 : store_step_done(self, &self->q[Q_COMMIT], "commit");
    if (rc == 0) {
        self->saved_seq = self->next_seq;
        self->saved_search_n = self->search_n;
    } else {
        self->search_n = self->saved_search_n; /* those texts were not indexed after all */
    }
    self->in_txn = false;
    self->txn_failed = false;
    if (rc) {
        /* A failed COMMIT may leave the transaction open: roll it back so the
         * next iteration starts clean and nothing half-written survives. */
        if (db_txn_open(self->conn)) store_step_done(self, &self->q[Q_ROLLBACK], "rollback");
        return -1;
    }
    if (self->txn_writes > 1) { /* more than its own COMMIT: something to make durable */
        self->commits++;
        store_sync_request(self);
    }
    self->last_commit_us = clock_mono_us() - t0;
    self->last_commit_writes = self->txn_writes;
    return 0;
}

bool store_in_txn(const store_t *self) { return self->in_txn; }
uint64_t store_commits(const store_t *self) { return self->commits; }
uint64_t store_last_commit_writes(const store_t *self) { return self->last_commit_writes; }
uint64_t store_txn_writes(const store_t *self) { return self->in_txn ? self->txn_writes : 0; }

int64_t store_sqlite_bytes(const store_t *self, int64_t *wal_bytes)
{
    struct stat a, b;
    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", self->path);
    *wal_bytes = stat(wal, &b) == 0 ? (int64_t)b.st_size : 0;
    return stat(self->path, &a) == 0 ? (int64_t)a.st_size : -1;
}
int64_t store_last_commit_us(const store_t *self) { return self->last_commit_us; }
const uint8_t *store_secret(const store_t *self) { return self->secret; }

int store_checkpoint(store_t *self)
{
    int log = 0, done = 0;
    if (!self->db) return 0; /* PostgreSQL checkpoints by itself */
    int rc = sqlite3_wal_checkpoint_v2(self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_OK && log == done) self->wal_pages = 0;
    return rc == SQLITE_OK ? 0 : store_fail(self, "checkpoint");
}

int store_wal_pages(const store_t *self) { return self->wal_pages; }

char *store_meta_get(store_t *self, const char *key)
{
    db_stmt_t *st = &self->q[Q_META_GET];
    db_bind_text(st, 1, key);
    char *v = NULL;
    if (db_step(st) == DB_ROW && !db_isnull(st, 0))
        v = xstrdup(db_text(st, 0));
    db_clear(st);
    return v;
}

int store_meta_set(store_t *self, const char *key, const char *value)
{
    db_stmt_t *st = &self->q[Q_META_SET];
    db_bind_text(st, 1, key);
    db_bind_text(st, 2, value);
    return store_step_done(self, st, "meta_set");
}

int store_kb_insert(store_t *self, const kb_entry_t *e, const char *source, const char *uid, int64_t *rev)
{
    db_stmt_t *st = &self->q[Q_KB_INSERT];
    store_bind_text(st, 1, e->id);
    db_bind_int64(st, 2, e->valid_from);
    store_bind_text(st, 3, e->category);
    store_bind_text(st, 4, e->unit);
    store_bind_text(st, 5, e->keywords);
    store_bind_text(st, 6, e->answer ? e->answer : "");
    store_bind_text(st, 7, source);
    db_bind_int64(st, 8, (int64_t)time(NULL));
    store_bind_text(st, 9, uid);
    /* RETURNING: the row is the statement's result, read before the reset. */
    int rc = store_step(self, st, "kb_insert");
    if (rc == DB_ROW) *rev = db_int64(st, 0);
    db_clear(st);
    return rc == DB_ROW ? 0 : -1;
}

int store_kb_since(store_t *self, int64_t since, int limit, store_kb_fn fn, void *ctx)
{
    db_stmt_t *st = &self->q[Q_KB_SINCE];
    db_bind_int64(st, 1, since);
    db_bind_int64(st, 2, limit > 0 ? limit : INT64_MAX); /* a LIMIT both engines take */
    int rc = DB_DONE, stop = 0;
    while (!stop && (rc = db_step(st)) == DB_ROW) {
        kb_entry_t e = {
            .rev = db_int64(st, 0),
            .id = db_text(st, 1),
            .valid_from = db_int64(st, 2),
            .category = db_text(st, 3),
            .unit = db_text(st, 4),
            .keywords = db_text(st, 5),
            .answer = db_text(st, 6),
        };
        stop = fn(ctx, &e);
    }
    db_clear(st);
    return (stop || rc == DB_DONE || rc == DB_ROW) ? 0 : store_fail(self, "kb_since");
}

int64_t store_kb_uid_rev(store_t *self, const char *uid)
{
    db_stmt_t *st = &self->q[Q_KB_UID];
    db_bind_text(st, 1, uid);
    int rc = db_step(st);
    int64_t rev = rc == DB_ROW ? db_int64(st, 0) : 0;
    db_clear(st);
    return (rc == DB_ROW || rc == DB_DONE) ? rev : store_fail(self, "kb_uid");
}

int64_t store_kb_max_rev(store_t *self)
{
    db_stmt_t *st = &self->q[Q_KB_MAX];
    int64_t v = db_step(st) == DB_ROW ? db_int64(st, 0) : -1;
    db_reset(st);
    return v;
}
