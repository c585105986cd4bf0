/* store_pg: opening the store on PostgreSQL (store_open with a
 * postgresql:// URI or a libpq "key=value" string).
 *
 * Everything after the open is the store's own code over core/db.h, the same
 * statements as on SQLite. What differs is here: the schema
 * (schemas/store_pg.sql) is created in an empty database under a lock, so
 * two brokers starting together cannot both create it; a database with other
 * tables, or a hotline schema of another version, is refused with a message
 * that says which. There is no WAL thread and no checkpoint: a PostgreSQL
 * COMMIT returns once the server has the transaction on disk (and on the
 * synchronous standby, when the server is configured with one), so every
 * commit is durable when store_commit() returns.
 *
 * One database can hold a province: every centre's tables live in a schema
 * of their own, centre_<code>, which the connection's search_path selects,
 * so the statements are the same for all. Each centre has its own
 * leadership lock, and so its own active broker. */
#include "store_priv.h"
#include "log.h"
#include "xmalloc.h"
#include "clock.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const char STORE_PG_SQL[]; /* schemas/store_pg.sql, embedded at build time */

/* Any number that the other programs sharing the database do not use. */
#define SCHEMA_LOCK "7345012345"

static int query_int(store_t *self, const char *sql, int64_t *out)
{
    db_stmt_t st;
    if (db_prepare(self->conn, sql, &st) != 0) return -1;
    int rc = db_step(&st);
    if (rc == DB_ROW) *out = db_int64(&st, 0);
    db_finalize(&st);
    return rc == DB_ROW ? 0 : -1;
}

/* The schema version in meta, 0 when the database has no hotline store,
 * -1 when it holds other tables (or on an error, with err). */
static int schema_state(store_t *self, char *err, size_t errlen)
{
    int64_t has_meta = 0, tables = 0, version = 0;
    if (query_int(self, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'meta'",
                  &has_meta) ||
        query_int(self, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", &tables)) {
        snprintf(err, errlen, "cannot read the database catalogue: %s", db_errmsg(self->conn));
        return -1;
    }
    if (!has_meta) {
        if (tables == 0) return 0;
        snprintf(err, errlen, "schema centre_%s holds %lld tables but no hotline store: it belongs to something else",
                 self->centre, (long long)tables);
        return -1;
    }
    if (query_int(self, "SELECT coalesce((SELECT value::bigint FROM meta WHERE key = 'schema_version'), -1)", &version) ||
        version < 1) {
        snprintf(err, errlen, "the database has a meta table but no hotline schema version: not a hotline store");
        return -1;
    }
    return (int)version;
}

/* Text search (hotline-ctl list --text) matches words with ILIKE. A trigram
 * index (the pg_trgm extension, shipped with PostgreSQL and trusted: a
 * database owner may create it) lets a word of three or more characters be
 * found without reading every text, as FTS5 does on SQLite. Made when the
 * server allows, in the schema's transaction (under its lock); without it a
 * search scans, which is slower but gives the same answers. */
static void ensure_trigram_index(store_t *self)
{
    int64_t have = 0;
    if (query_int(self, "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'ticket_text_trgm'",
                  &have) != 0 || have > 0 || db_exec(self->conn, "SAVEPOINT trgm") != 0)
        return;
    /* Building it locks ticket_text against writes: never wait for an
     * active broker's open transaction (it may be frozen, and this broker
     * must go on to the leadership check that ends it); try next start. */
    if (db_exec(self->conn, "SET LOCAL lock_timeout = '2s'") != 0 ||
        db_exec(self->conn, "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public") != 0 ||
        db_exec(self->conn, "CREATE INDEX ticket_text_trgm ON ticket_text USING gin (text public.gin_trgm_ops)") != 0) {
        log_warn("no trigram index for text search yet: a text search reads every text", "err=\"%s\"",
                 db_errmsg(self->conn));
        db_exec(self->conn, "ROLLBACK TO SAVEPOINT trgm");
    }
    db_exec(self->conn, "RELEASE SAVEPOINT trgm");
}

static int ensure_schema(store_t *self, char *err, size_t errlen)
{
    char create[96];
    snprintf(create, sizeof create, "CREATE SCHEMA IF NOT EXISTS centre_%s", self->centre);
    if (db_exec(self->conn, "BEGIN") || db_exec(self->conn, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")") ||
        db_exec(self->conn, create)) {
        snprintf(err, errlen, "cannot create or lock the centre's schema: %s", db_errmsg(self->conn));
        return -1;
    }
    int v = schema_state(self, err, errlen);
    if (v == 0) {
        char set[128];
        snprintf(set, sizeof set, "INSERT INTO meta(key, value) VALUES ('schema_version', '%d')", STORE_SCHEMA_VERSION);
        log_info("creating store schema", "engine=postgresql version=%d", STORE_SCHEMA_VERSION);
        if (db_exec(self->conn, STORE_PG_SQL) || db_exec(self->conn, set)) {
            snprintf(err, errlen, "creating the store schema failed: %s", db_errmsg(self->conn));
            v = -1;
        } else {
            v = STORE_SCHEMA_VERSION;
        }
    } else if (v > 0 && v != STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "the store's schema version is %d; this program uses version %d", v, STORE_SCHEMA_VERSION);
        v = -1;
    }
    if (v < 0) {
        db_exec(self->conn, "ROLLBACK");
        return -1;
    }
    ensure_trigram_index(self);
    if (db_exec(self->conn, "COMMIT")) {
        snprintf(err, errlen, "creating the store schema failed: %s", db_errmsg(self->conn));
        return -1;
    }
    return 0;
}

/* A session on the centre's schema; NULL with err. */
static db_t *connect_centre(store_t *self, char *err, size_t errlen)
{
    char path[96];
    db_t *conn = db_connect_pg(self->pg_target, "hotline", err, errlen);
    snprintf(path, sizeof path, "SET search_path TO centre_%s", self->centre);
    if (conn && db_exec(conn, path) != 0) {
        snprintf(err, errlen, "cannot select the centre's schema: %s", db_errmsg(conn));
        db_close(&conn);
    }
    return conn;
}

/* The leadership lock of the centre: a 64-bit key, the store's constant in
 * the high half and a hash (FNV-1a) of the centre's code in the low half. */
static int64_t lead_key(const char *centre)
{
    uint32_t h = 2166136261u;
    for (const char *p = centre; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
    return (int64_t)0x484c4e45 << 32 | h; /* "HLNE" */
}

store_t *store_open_pg(const char *conninfo, const char *centre, store_sync_t sync, char *err, size_t errlen)
{
    store_t *self = xcalloc(1, sizeof *self);
    if (errlen) err[0] = '\0';
    self->path = xstrdup("postgresql");
    self->pg_target = xstrdup(conninfo); /* for reconnecting; never logged */
    self->centre = xstrdup(centre ? centre : TICKET_DEFAULT_CENTRE);
    self->pg_lead_key = lead_key(self->centre);
    self->conn = connect_centre(self, err, errlen);
    if (!self->conn) {
        store_close(&self);
        return NULL;
    }
    /* STORE_SYNC_NORMAL: the server acknowledges before its WAL flush, as
     * SQLite's NORMAL does; a crash of the server may lose the last commits. */
    if ((sync == STORE_SYNC_NORMAL && db_exec(self->conn, "SET synchronous_commit TO off")) ||
        ensure_schema(self, err, errlen) || store_prepare_all(self, err, errlen) || store_load_meta(self) ||
        store_claim_centre(self, self->centre, err, errlen)) { /* the schema records it too */
        if (!*err) snprintf(err, errlen, "cannot set up the PostgreSQL store: %s", db_errmsg(self->conn));
        store_close(&self);
        return NULL;
    }
    return self;
}

int64_t store_pg_bytes(store_t *self, int64_t *wal_bytes)
{
    int64_t size = -1;
    *wal_bytes = 0;
    if (query_int(self, "SELECT pg_database_size(current_database())", &size)) return -1;
    return size;
}

/* --- leadership: one active broker per centre -------------------------------
 *
 * The active broker holds a session advisory lock on the connection that
 * also commits: it holds it exactly as long as that connection lives, and
 * nothing it commits can land after the lock is gone. A broker killed or cut
 * off loses its connection, and the server releases the lock. A broker that
 * is frozen (SIGSTOP, a stalled VM) keeps its connection open, so a waiting
 * broker looks at the holder's session: idle for longer than the lease, it is
 * terminated (pg_terminate_backend) and the lock is taken. When the frozen
 * broker wakes, its next statement fails on the closed connection and it
 * stops without acknowledging anything more (fencing). The active broker
 * runs a statement at least every second (store_keepalive), so a live one
 * never looks idle. */

#define LEAD_POLL_MS 200

static int reconnect(store_t *self, char *err, size_t errlen)
{
    for (int i = 0; i < Q__COUNT; i++) db_finalize(&self->q[i]);
    db_close(&self->conn);
    self->conn = connect_centre(self, err, errlen);
    if (!self->conn) return -1;
    return store_prepare_all(self, err, errlen);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The lock holder's backend pid and how long its session has been idle, in
 * milliseconds (-1 when it is running a statement); 0 when nobody holds the lock.
 * A session in the middle of a pipeline (writes sent, no sync yet: db_pg.c)
 * shows as 'active' while its server process waits for the client
 * (ClientRead): that counts as idle since the pipeline began, so a broker
 * frozen in the middle of one is seen as silent too. */
static int holder(store_t *self, int64_t *pid, int64_t *idle_ms)
{
    db_stmt_t st;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT a.pid, CASE WHEN a.state = 'active' AND a.wait_event IS DISTINCT FROM 'ClientRead' THEN -1"
             " ELSE (extract(epoch FROM clock_timestamp() - a.state_change) * 1000)::bigint END"
             " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
             " AND l.classid = %lld AND l.objid = %lld AND l.database = (SELECT oid FROM pg_database WHERE datname = "
             "current_database())",
             (long long)(self->pg_lead_key >> 32), (long long)(self->pg_lead_key & 0xffffffffLL));
    if (db_prepare(self->conn, sql, &st) != 0) return -1;
    int rc = db_step(&st), found = rc == DB_ROW;
    if (found) {
        *pid = db_int64(&st, 0);
        *idle_ms = db_int64(&st, 1);
    }
    db_finalize(&st);
    return rc == DB_ROW || rc == DB_DONE ? found : -1;
}

int store_lead(store_t *self, const volatile sig_atomic_t *stop, int lease_s, int64_t *waited_ms)
{
    int64_t t0 = clock_mono_ms(), last_note = 0;
    *waited_ms = 0;
    if (!self->pg_target) return 1; /* SQLite: the file has one broker */
    char err[512], lock[96];
    snprintf(lock, sizeof lock, "SELECT pg_try_advisory_lock(%lld)::int", (long long)self->pg_lead_key);
    while (!*stop) {
        int64_t got = 0, pid = 0, idle = 0;
        /* A failed reconnect leaves no connection at all: try again next time. */
        if ((!self->conn || db_lost(self->conn)) && reconnect(self, err, sizeof err) != 0) {
            if (!last_note || clock_mono_ms() - last_note > 5000) {
                log_warn("standby: the store is unreachable; retrying", "err=\"%s\"", err);
                last_note = clock_mono_ms();
            }
            sleep_ms(1000);
            continue;
        }
        if (query_int(self, lock, &got) == 0 && got == 1) {
            *waited_ms = clock_mono_ms() - t0;
            /* What the previous leader wrote since this broker opened the store. */
            if (store_load_meta(self) != 0) return -1;
            self->pg_alive_ms = clock_mono_ms();
            return 1;
        }
        int h = holder(self, &pid, &idle);
        if (h == 1 && idle > (int64_t)lease_s * 1000) {
            log_warn("standby: the active broker's session is silent past the lease: ending it and taking over",
                     "backend_pid=%lld idle_ms=%lld lease_s=%d", (long long)pid, (long long)idle, lease_s);
            char kill[96];
            int64_t ok = 0;
            snprintf(kill, sizeof kill, "SELECT pg_terminate_backend(%lld)::int", (long long)pid);
            if (query_int(self, kill, &ok) != 0 || ok != 1)
                log_warn("standby: could not end the silent session", "err=\"%s\"", db_errmsg(self->conn));
            continue;
        }
        if (clock_mono_ms() - last_note > 30000) {
            log_warn("standby: another broker is active on this store; waiting", "holder_backend=%lld", (long long)pid);
            last_note = clock_mono_ms();
        }
        sleep_ms(LEAD_POLL_MS);
    }
    return 0;
}

int store_keepalive(store_t *self)
{
    if (!self->pg_target || self->in_txn) return 0;
    int64_t now = clock_mono_ms(), one = 0;
    if (now - self->pg_alive_ms < 1000) return 0;
    self->pg_alive_ms = now;
    return query_int(self, "SELECT 1", &one);
}

bool store_lost(const store_t *self) { return self->pg_target && db_lost(self->conn); }
