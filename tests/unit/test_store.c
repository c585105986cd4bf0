/* Unit tests for core/store (store.c, store_ticket.c): a fresh SQLite file in
 * a private mkdtemp directory per test. Besides the API, the tests look at the
 * file the way the report and an operator would: through a second, plain
 * sqlite3 connection (read-only where possible) and through its raw bytes
 * (the caller's number must never be in it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privacy.h"
#include "store.h"
#include "units.h"

#define T0 1661990400   /* 2022-09-01 08:00 CST */

typedef struct {
    char dir[64];
    char path[96];
    store_t *st;
} fx_t;

static void path_with(const fx_t *fx, const char *suffix, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", fx->path, suffix);
}

/* Removes the store files and the directory; 0 if nothing was left behind. */
static int remove_all(fx_t *fx)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[128];
    for (size_t i = 0; i < 4; i++) {
        path_with(fx, suffixes[i], p, sizeof p);
        unlink(p);
    }
    int rc = rmdir(fx->dir);
    free(fx);
    return rc;
}

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/hotline-test-store-XXXXXX");
    if (!mkdtemp(fx->dir)) return -1;
    snprintf(fx->path, sizeof fx->path, "%s/hotline.db", fx->dir);
    char err[256] = "";
    fx->st = store_open(fx->path, STORE_SYNC_NORMAL, err, sizeof err);
    if (!fx->st) {
        fprintf(stderr, "store_open: %s\n", err);
        remove_all(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    store_close(&fx->st);
    return remove_all(fx);   /* a leftover file fails the test */
}

/* ---- helpers ---------------------------------------------------------------------- */

static sqlite3 *raw_open(const fx_t *fx, int flags)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, flags, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    return db;
}

/* The first column of the first row of sql, as text ("" if NULL, "<none>" if no row). */
static const char *raw_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(q, 0);
        snprintf(buf, len, "%s", t ? (const char *)t : "");
    } else if (rc == SQLITE_DONE) {
        snprintf(buf, len, "<none>");
    } else {
        fail_msg("step %s: %s", sql, sqlite3_errmsg(db));
    }
    sqlite3_finalize(q);
    return buf;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    char buf[64];
    return strtoll(raw_text(db, sql, buf, sizeof buf), NULL, 10);
}

static void make_ticket(ticket_t *t, ticket_intake_t *in, const char *id, int64_t at, const char *text)
{
    memset(t, 0, sizeof *t);
    memset(in, 0, sizeof *in);
    snprintf(t->id, sizeof t->id, "%s", id);
    t->received_at = t->last_at = at;
    t->type = TT_COMPLAINT;
    t->state = ST_RECEIVED;
    t->category = t->unit = t->alt_unit = t->street = TICKET_NONE;
    t->on_time = -1;
    in->text = text;
    in->text_len = strlen(text);
}

static void insert(fx_t *fx, const char *id, int64_t at)
{
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, id, at, "噪音扰民");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
}

/* Does the file at path contain needle (raw bytes)? */
static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    bool found = memmem(buf, got, needle, strlen(needle)) != NULL;
    free(buf);
    return found;
}

/* ---- open, schema, versions -------------------------------------------------------- */

static void test_open_fresh(void **state)
{
    fx_t *fx = *state;
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    char buf[128];
    assert_int_equal(raw_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(STORE_SCHEMA_VERSION, 4);
    /* roll-ups replaced the indexes on closed_at, rated_at and overdue_at; version 4 added caller and lead */
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND tbl_name='ticket' AND sql IS NOT NULL"), 4);
    assert_string_equal(raw_text(db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
                                 "('ticket','event','kb_rev','meta')"), 4);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name IN "
                                 "('event_append_only_u','event_append_only_d')"), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket"), 0);
    /* the per-store privacy key was created and matches store_secret() */
    raw_text(db, "SELECT value FROM meta WHERE key='privacy_key'", buf, sizeof buf);
    assert_int_equal(strlen(buf), 32);
    const uint8_t *sec = store_secret(fx->st);
    char hex[33];
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", sec[i]);
    assert_string_equal(buf, hex);
    sqlite3_close(db);
    assert_false(store_in_txn(fx->st));
    assert_int_equal(store_commits(fx->st), 0);
}

static void test_reopen_keeps_secret_and_data(void **state)
{
    fx_t *fx = *state;
    uint8_t sec[16];
    memcpy(sec, store_secret(fx->st), 16);
    insert(fx, "A", T0);
    store_close(&fx->st);
    assert_null(fx->st);
    char err[256] = "";
    fx->st = store_open(fx->path, STORE_SYNC_FULL, err, sizeof err);
    assert_non_null(fx->st);
    assert_memory_equal(store_secret(fx->st), sec, 16);
    ticket_t t;
    assert_int_equal(store_ticket_get(fx->st, "A", &t), 0);
    assert_int_equal(t.received_at, T0);
}

static void test_newer_version_refused(void **state)
{
    fx_t *fx = *state;
    store_close(&fx->st);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READWRITE);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[256] = "";
    fx->st = store_open(fx->path, STORE_SYNC_NORMAL, err, sizeof err);
    assert_null(fx->st);
    assert_string_equal(err, "store schema version 99 is newer than this program (4)");
    /* refused without touching the file */
    db = raw_open(fx, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 99);
    sqlite3_close(db);
}

/* Makes fx's store file a genuine old one: the version-2 schema as released
 * (tests/data/store-v2.sql), with one ticket, its text and two events, at
 * user_version `version` (1 adds the three ticket indexes version 2 dropped). */
static void make_old_store(fx_t *fx, int version)
{
    store_close(&fx->st);
    unlink(fx->path);
    char path[512], *sql = NULL;
    snprintf(path, sizeof path, "%s/tests/data/store-v2.sql", HOTLINE_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    sql = malloc(cap);
    n = fread(sql, 1, cap - 1, f);
    fclose(f);
    sql[n] = '\0';
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO ticket(id,received_at,type,urgent,state) VALUES('OLD',1641000000,'complaint',0,'DISPATCHED');"
                                      "INSERT INTO ticket_text(id,text) VALUES('OLD','小区电梯坏了三天没人修');"
                                      "INSERT INTO ticket(id,received_at,type,urgent,state) VALUES('OLDER',1640000000,'help',0,'RECEIVED');"
                                      "INSERT INTO ticket_text(id,text) VALUES('OLDER','路灯不亮');"
                                      "INSERT INTO event(ticket_id,seq,at,kind,state,round) VALUES('OLD',1,1641000000,'received','RECEIVED',0);"
                                      "INSERT INTO event(ticket_id,seq,at,kind,state,round) VALUES('OLD',2,1641000600,'dispatched','DISPATCHED',0);",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=2", NULL, NULL, NULL), SQLITE_OK);
    if (version == 1)
        assert_int_equal(sqlite3_exec(db, "CREATE INDEX ticket_closed ON ticket(closed_at) WHERE closed_at IS NOT NULL;"
                                          "CREATE INDEX ticket_rated ON ticket(rated_at) WHERE rated_at IS NOT NULL;"
                                          "CREATE INDEX ticket_overdue ON ticket(overdue_at) WHERE overdue_at IS NOT NULL;"
                                          "PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void collect_ids(void *ctx, const store_list_row_t *r)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 256 - n, "%s%s", n ? "," : "", r->id);
}

/* An old file is upgraded in place on open, step by step, and keeps its rows:
 * version 1 loses three indexes; version 3 adds the actor and signed_at
 * columns and numbers the texts in intake order for the search index;
 * version 4 adds the rules' columns and roll-up figures. */
static void check_upgraded(fx_t *fx)
{
    char err[256] = "", ids[256] = "", next[64];
    fx->st = store_open(fx->path, STORE_SYNC_FULL, err, sizeof err);
    assert_non_null(fx->st);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 4);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND tbl_name='ticket' AND sql IS NOT NULL"), 4);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket WHERE signed_at IS NULL"), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM event WHERE actor IS NULL"), 2);
    /* version 4: the rules' columns, empty, and the figures they add */
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket WHERE reminded=0 AND notified=0 AND lead_id IS NULL"), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_table_info('rollup') WHERE name IN ('reminders','returns','merged','first_returned')"), 4);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name IN ('ticket_caller','ticket_lead')"), 2);
    /* texts numbered by received_at: OLDER first */
    assert_int_equal(raw_int(db, "SELECT n FROM ticket_text WHERE id='OLDER'"), 1);
    assert_int_equal(raw_int(db, "SELECT n FROM ticket_text WHERE id='OLD'"), 2);
    sqlite3_close(db);
    char *text = store_ticket_text(fx->st, "OLD");
    assert_string_equal(text, "小区电梯坏了三天没人修");
    free(text);
    /* the search index starts empty and is filled from the texts */
    assert_int_equal(store_search_pending(fx->st), 2);
    assert_int_equal(store_search_catch_up(fx->st, 10), 2);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_search_pending(fx->st), 0);
    store_list_t q = {.text = "电梯", .limit = 10, .now = 1641000000};
    assert_int_equal(store_ticket_list(fx->st, &q, collect_ids, ids, next, sizeof next, err, sizeof err), 0);
    assert_string_equal(ids, "OLD");
}

static void test_migrate_1_to_4(void **state)
{
    make_old_store(*state, 1);
    check_upgraded(*state);
}

static void test_migrate_2_to_4(void **state)
{
    make_old_store(*state, 2);
    check_upgraded(*state);
}

static void test_open_bad_path(void **state)
{
    fx_t *fx = *state;
    char p[160], err[256] = "";
    snprintf(p, sizeof p, "%s/no/such/dir/x.db", fx->dir);
    assert_null(store_open(p, STORE_SYNC_NORMAL, err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
    assert_non_null(strstr(err, p));
}

/* ---- insert, duplicate, group commit ------------------------------------------------ */

static void test_insert_and_duplicate(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "GD-1", T0, "路灯不亮");
    t.urgent = true;
    t.street = 3;   /* longxiang */
    snprintf(in.channel, sizeof in.channel, "app");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);

    /* the same id again: 1, and nothing written (text, events, count unchanged) */
    ticket_t t2;
    ticket_intake_t in2;
    make_ticket(&t2, &in2, "GD-1", T0 + 100, "another text");
    t2.type = TT_PRAISE;
    assert_int_equal(store_ticket_insert(fx->st, &t2, &in2), 1);

    char *text = store_ticket_text(fx->st, "GD-1");
    assert_string_equal(text, "路灯不亮");
    free(text);
    ticket_t got;
    assert_int_equal(store_ticket_get(fx->st, "GD-1", &got), 0);
    assert_int_equal(got.received_at, T0);
    assert_int_equal(got.type, TT_COMPLAINT);
    assert_true(got.urgent);
    assert_int_equal(got.street, 3);
    int64_t total = -1, final = -1;
    assert_int_equal(store_ticket_counts(fx->st, &total, &final), 0);
    assert_int_equal(total, 1);
    assert_int_equal(final, 0);

    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    char buf[64];
    assert_int_equal(raw_int(db, "SELECT count(*) FROM event WHERE ticket_id='GD-1'"), 1);
    assert_string_equal(raw_text(db, "SELECT kind || '/' || state || '/' || at FROM event", buf, sizeof buf),
                        "received/RECEIVED/1661990400");
    assert_string_equal(raw_text(db, "SELECT type || '/' || street || '/' || channel FROM ticket", buf, sizeof buf),
                        "complaint/longxiang/app");
    assert_string_equal(raw_text(db, "SELECT coalesce(caller_mask,'null') FROM ticket", buf, sizeof buf), "null");
    sqlite3_close(db);

    assert_int_equal(store_ticket_get(fx->st, "GD-2", &got), 1);
    assert_null(store_ticket_text(fx->st, "GD-2"));
}

static void test_group_commit(void **state)
{
    fx_t *fx = *state;
    sqlite3 *reader = raw_open(fx, SQLITE_OPEN_READONLY);
    assert_int_equal(store_begin(fx->st), 0);
    assert_true(store_in_txn(fx->st));
    insert(fx, "A", T0);
    insert(fx, "B", T0 + 1);
    assert_int_equal(store_begin(fx->st), 0);   /* already open: joins it */
    insert(fx, "C", T0 + 2);
    /* nothing is visible to another connection before the commit */
    assert_int_equal(raw_int(reader, "SELECT count(*) FROM ticket"), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_false(store_in_txn(fx->st));
    assert_int_equal(store_commits(fx->st), 1);
    assert_true(store_last_commit_us(fx->st) >= 0);
    assert_int_equal(raw_int(reader, "SELECT count(*) FROM ticket"), 3);
    assert_int_equal(raw_int(reader, "SELECT count(*) FROM event"), 3);
    sqlite3_close(reader);
    /* a fresh read-only connection sees them too */
    reader = raw_open(fx, SQLITE_OPEN_READONLY);
    char buf[64];
    assert_string_equal(raw_text(reader, "SELECT group_concat(id, ',') FROM (SELECT id FROM ticket ORDER BY id)",
                                 buf, sizeof buf), "A,B,C");
    sqlite3_close(reader);
}

static void test_commit_without_begin_is_noop(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_commits(fx->st), 0);
    assert_false(store_in_txn(fx->st));
    /* autocommit writes outside a group still land */
    insert(fx, "A", T0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_commits(fx->st), 0);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket"), 1);
    sqlite3_close(db);
}

/* A write that fails inside the group poisons it: later writes fail at once
 * and the commit rolls everything back (store.h: "nothing written since
 * store_begin() is kept"). A duplicate kb uid is a write failure we can force. */
static void test_failed_write_rolls_back_group(void **state)
{
    fx_t *fx = *state;
    kb_entry_t e = {"KB0001", 0, T0, "city", "unit.chengguan", "占道经营", ""};
    int64_t rev = 0;
    assert_int_equal(store_kb_insert(fx->st, &e, "update", "uid-1", &rev), 0);
    assert_int_equal(store_begin(fx->st), 0);
    insert(fx, "A", T0);
    assert_int_equal(store_kb_insert(fx->st, &e, "update", "uid-1", &rev), -1);   /* UNIQUE(uid) */
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "B", T0, "x");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), -1);
    assert_int_equal(store_commit(fx->st), -1);
    assert_false(store_in_txn(fx->st));
    assert_int_equal(store_commits(fx->st), 0);
    assert_int_equal(store_ticket_get(fx->st, "A", &t), 1);
    assert_int_equal(store_ticket_get(fx->st, "B", &t), 1);
    /* the next group starts clean */
    assert_int_equal(store_begin(fx->st), 0);
    insert(fx, "C", T0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_commits(fx->st), 1);
    int64_t total, final;
    store_ticket_counts(fx->st, &total, &final);
    assert_int_equal(total, 1);
}

static void test_close_commits_open_group(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(store_begin(fx->st), 0);
    insert(fx, "A", T0);
    store_close(&fx->st);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket"), 1);
    sqlite3_close(db);
}

/* ---- ticket rows --------------------------------------------------------------------- */

static void test_fresh_ticket_defaults(void **state)
{
    fx_t *fx = *state;
    insert(fx, "A", T0);
    ticket_t t;
    memset(&t, 0x5a, sizeof t);
    assert_int_equal(store_ticket_get(fx->st, "A", &t), 0);
    assert_string_equal(t.id, "A");
    assert_int_equal(t.state, ST_RECEIVED);
    assert_int_equal(t.category, TICKET_NONE);
    assert_int_equal(t.unit, TICKET_NONE);
    assert_int_equal(t.alt_unit, TICKET_NONE);
    assert_int_equal(t.street, TICKET_NONE);
    assert_int_equal(t.on_time, -1);
    assert_int_equal(t.rating, 0);
    assert_int_equal(t.round, 0);
    assert_int_equal(t.delivery, 0);
    assert_int_equal(t.received_at, T0);
    assert_int_equal(t.last_at, T0);      /* the "received" event */
    assert_int_equal(t.close_due, 0);
    assert_int_equal(t.done_at, 0);
    assert_false(t.direct);
}

/* Every field of ticket_t survives save + get. last_at has no column: it is
 * the time of the ticket's newest event, so the test appends that event. */
static void test_save_get_every_field(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "GD-2022-000042", T0, "楼上漏水");
    t.type = TT_HELP;
    t.urgent = true;
    t.street = 7;   /* longhua */
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);

    t.state = ST_DONE;
    t.category = 11;               /* community */
    t.unit = 18;                   /* unit.street.longhua */
    t.alt_unit = 1;                /* unit.zhujian */
    t.direct = true;
    t.extended = true;
    t.rating_default = true;
    t.on_time = 0;                 /* late: 0 must not read back as "not closed" */
    t.rating = 2;
    t.revisit_rating = 4;
    t.round = 3;
    t.delivery = 70000;            /* beyond 16 bits */
    t.sign_due = T0 + 1 * 3600;
    t.close_due = T0 + 2 * 3600;
    t.overdue_at = T0 + 3 * 3600;
    t.closed_at = T0 + 4 * 3600;
    t.rated_at = T0 + 5 * 3600;
    t.rectify_due = T0 + 6 * 3600;
    t.rectified_at = T0 + 7 * 3600;
    t.revisited_at = T0 + 8 * 3600;
    t.done_at = T0 + 9 * 3600;
    t.last_at = T0 + 9 * 3600;
    assert_int_equal(store_event(fx->st, &t, EV_revisited, t.last_at, NULL, NULL), 0);
    assert_int_equal(store_ticket_save(fx->st, &t, "KB0042"), 0);

    ticket_t g;
    memset(&g, 0x5a, sizeof g);
    assert_int_equal(store_ticket_get(fx->st, "GD-2022-000042", &g), 0);
    assert_string_equal(g.id, t.id);
    sqlite3 *kdb = raw_open(fx, SQLITE_OPEN_READONLY);
    char kb[16];
    assert_string_equal(raw_text(kdb, "SELECT kb_id FROM ticket", kb, sizeof kb), "KB0042");
    sqlite3_close(kdb);
    assert_int_equal(g.type, TT_HELP);
    assert_int_equal(g.state, ST_DONE);
    assert_int_equal(g.category, 11);
    assert_int_equal(g.unit, 18);
    assert_string_equal(ticket_unit_name(g.unit), "unit.street.longhua");
    assert_int_equal(g.alt_unit, 1);
    assert_int_equal(g.street, 7);
    assert_true(g.urgent);
    assert_true(g.direct);
    assert_true(g.extended);
    assert_true(g.rating_default);
    assert_int_equal(g.on_time, 0);
    assert_int_equal(g.rating, 2);
    assert_int_equal(g.revisit_rating, 4);
    assert_int_equal(g.round, 3);
    assert_int_equal(g.delivery, 70000);
    assert_int_equal(g.received_at, T0);
    assert_int_equal(g.last_at, T0 + 9 * 3600);
    assert_int_equal(g.sign_due, T0 + 1 * 3600);
    assert_int_equal(g.close_due, T0 + 2 * 3600);
    assert_int_equal(g.overdue_at, T0 + 3 * 3600);
    assert_int_equal(g.closed_at, T0 + 4 * 3600);
    assert_int_equal(g.rated_at, T0 + 5 * 3600);
    assert_int_equal(g.rectify_due, T0 + 6 * 3600);
    assert_int_equal(g.rectified_at, T0 + 7 * 3600);
    assert_int_equal(g.revisited_at, T0 + 8 * 3600);
    assert_int_equal(g.done_at, T0 + 9 * 3600);

    /* and the "nothing yet" values go back to NULL / none, except done_at:
     * final is final, a save never reopens a done ticket */
    t.state = ST_SIGNED;
    t.category = t.unit = t.alt_unit = TICKET_NONE;
    t.on_time = -1;
    t.rating = t.revisit_rating = 0;
    t.rating_default = false;
    t.closed_at = t.rated_at = t.done_at = t.sign_due = 0;
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);
    assert_int_equal(store_ticket_get(fx->st, t.id, &g), 0);
    assert_int_equal(g.state, ST_SIGNED);
    assert_int_equal(g.category, TICKET_NONE);
    assert_int_equal(g.unit, TICKET_NONE);
    assert_int_equal(g.on_time, -1);
    assert_int_equal(g.rating, 0);
    assert_int_equal(g.closed_at, 0);
    assert_int_equal(g.done_at, T0 + 9 * 3600);
    assert_int_equal(g.sign_due, 0);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "SELECT (closed_at IS NULL) + (on_time IS NULL) + (rating IS NULL) + "
                                 "(category IS NULL) + (done_at IS NULL) FROM ticket"), 4);
    /* a save without a KB entry leaves the stored one */
    assert_int_equal(raw_int(db, "SELECT kb_id = 'KB0042' FROM ticket"), 1);
    sqlite3_close(db);
}

/* A reloaded ticket resumes at its newest event's time (the broker sends it
 * to the next stage as "at"), never at 0. */
static void test_last_at_after_reload(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "A", T0, "x");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
    t.state = ST_DISPATCHED;
    assert_int_equal(store_event(fx->st, &t, EV_dispatched, T0 + 7200, NULL, NULL), 0);
    t.state = ST_DISPATCHED;
    assert_int_equal(store_event(fx->st, &t, EV_overdue, T0 + 3600, "late 督办 written after", NULL), 0);
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);
    ticket_t g;
    assert_int_equal(store_ticket_get(fx->st, "A", &g), 0);
    assert_int_equal(g.last_at, T0 + 7200);
}

typedef struct {
    int n;
    int64_t at[8];
    char kind[8][16], state[8][16], unit[8][32], detail[8][64], actor[8][32];
    int round[8];
} events_t;

static void collect_event(void *ctx, const store_event_row_t *r)
{
    events_t *e = ctx;
    assert_true(e->n < 8);
    e->at[e->n] = r->at;
    snprintf(e->kind[e->n], 16, "%s", r->kind);
    snprintf(e->state[e->n], 16, "%s", r->state);
    snprintf(e->unit[e->n], 32, "%s", r->unit ? r->unit : "-");
    snprintf(e->detail[e->n], 64, "%s", r->detail ? r->detail : "-");
    snprintf(e->actor[e->n], 32, "%s", r->actor ? r->actor : "-");
    e->round[e->n] = r->round;
    e->n++;
}

static void test_events_in_order(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "E1", T0, "x");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
    insert(fx, "OTHER", T0);
    t.state = ST_DISPATCHED;
    t.unit = 0;   /* unit.chengguan */
    assert_int_equal(store_event(fx->st, &t, EV_dispatched, T0 + 60, "派单", NULL), 0);
    t.state = ST_RETURNED;
    assert_int_equal(store_event(fx->st, &t, EV_returned, T0 + 120, "非本单位职责", "clerk-li"), 0);
    t.state = ST_DISPATCHED;
    t.round = 1;
    t.unit = 1;   /* unit.zhujian */
    assert_int_equal(store_event(fx->st, &t, EV_dispatched, T0 + 180, NULL, NULL), 0);
    /* an event at an earlier virtual time still lists in commit order */
    assert_int_equal(store_event(fx->st, &t, EV_overdue, T0 + 90, "督办", NULL), 0);

    events_t ev = {0};
    assert_int_equal(store_ticket_events(fx->st, "E1", collect_event, &ev), 0);
    assert_int_equal(ev.n, 5);
    static const char *kinds[] = {"received", "dispatched", "returned", "dispatched", "overdue"};
    static const char *states[] = {"RECEIVED", "DISPATCHED", "RETURNED", "DISPATCHED", "DISPATCHED"};
    static const int64_t ats[] = {T0, T0 + 60, T0 + 120, T0 + 180, T0 + 90};
    static const int rounds[] = {0, 0, 0, 1, 1};
    static const char *units[] = {"-", "unit.chengguan", "unit.chengguan", "unit.zhujian", "unit.zhujian"};
    static const char *details[] = {"-", "派单", "非本单位职责", "-", "督办"};
    static const char *actors[] = {"-", "-", "clerk-li", "-", "-"};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(ev.kind[i], kinds[i]);
        assert_string_equal(ev.state[i], states[i]);
        assert_int_equal(ev.at[i], ats[i]);
        assert_int_equal(ev.round[i], rounds[i]);
        assert_string_equal(ev.unit[i], units[i]);
        assert_string_equal(ev.detail[i], details[i]);
        assert_string_equal(ev.actor[i], actors[i]);
    }
    events_t none = {0};
    assert_int_equal(store_ticket_events(fx->st, "nope", collect_event, &none), 0);
    assert_int_equal(none.n, 0);
}

static void test_event_log_append_only(void **state)
{
    fx_t *fx = *state;
    insert(fx, "A", T0);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READWRITE);
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "UPDATE event SET detail='edited'", NULL, NULL, &msg), SQLITE_OK);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM event", NULL, NULL, &msg), SQLITE_OK);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM event WHERE detail IS NULL"), 1);
    sqlite3_close(db);
}

typedef struct {
    int n, stop_after;
    char ids[8][TICKET_ID_MAX + 1];
} seen_t;

static int collect_ticket(void *ctx, const ticket_t *t)
{
    seen_t *s = ctx;
    assert_true(s->n < 8);
    assert_false(lc_is_final(t->state));
    snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", t->id);
    return s->stop_after && s->n >= s->stop_after;
}

static void test_unfinished_and_counts(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    /* insertion order differs from receipt order */
    insert(fx, "late", T0 + 500);
    insert(fx, "b", T0);
    insert(fx, "a", T0);
    insert(fx, "done", T0 - 10);
    insert(fx, "answered", T0 - 20);
    insert(fx, "praise-no-done-at", T0 - 30);
    make_ticket(&t, &in, "done", T0 - 10, "");
    t.state = ST_DONE;
    t.done_at = T0 + 1000;
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);
    make_ticket(&t, &in, "answered", T0 - 20, "");
    t.state = ST_ANSWERED;
    t.done_at = T0;
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);
    /* final by state even though done_at was never set: still skipped */
    make_ticket(&t, &in, "praise-no-done-at", T0 - 30, "");
    t.state = ST_PRAISE;
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);

    seen_t s = {0};
    assert_int_equal(store_ticket_unfinished(fx->st, collect_ticket, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.ids[0], "a");      /* by received_at, then id */
    assert_string_equal(s.ids[1], "b");
    assert_string_equal(s.ids[2], "late");
    seen_t one = {.stop_after = 1};
    assert_int_equal(store_ticket_unfinished(fx->st, collect_ticket, &one), 0);
    assert_int_equal(one.n, 1);
    /* the statement was reset: a second full pass works */
    seen_t again = {0};
    assert_int_equal(store_ticket_unfinished(fx->st, collect_ticket, &again), 0);
    assert_int_equal(again.n, 3);

    int64_t total = -1, final = -1;
    assert_int_equal(store_ticket_counts(fx->st, &total, &final), 0);
    assert_int_equal(total, 6);
    assert_int_equal(final, 2);              /* counted by done_at */
}

/* ---- knowledge base and meta ---------------------------------------------------------- */

typedef struct {
    int n, stop_after;
    int64_t rev[8];
    char id[8][16], answer[8][64];
    int64_t valid_from[8];
} kbseen_t;

static int collect_kb(void *ctx, const kb_entry_t *e)
{
    kbseen_t *k = ctx;
    assert_true(k->n < 8);
    k->rev[k->n] = e->rev;
    k->valid_from[k->n] = e->valid_from;
    snprintf(k->id[k->n], 16, "%s", e->id);
    snprintf(k->answer[k->n], 64, "%s", e->answer);
    k->n++;
    return k->stop_after && k->n >= k->stop_after;
}

static void test_kb_revisions(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(store_kb_max_rev(fx->st), -1);   /* empty */
    kb_entry_t e1 = {"KB0001", 0, T0, "city", "unit.chengguan", "占道经营|摆摊", "请拨打城管热线"};
    kb_entry_t e2 = {"KB0002", 0, T0, "housing", "unit.zhujian", "漏水|物业", NULL};
    kb_entry_t e3 = {"KB0001", 0, T0 + 86400, "city", "unit.chengguan", "占道经营|摆摊|夜市", "新答复"};
    int64_t r1 = 0, r2 = 0, r3 = 0;
    assert_int_equal(store_kb_insert(fx->st, &e1, "seed", NULL, &r1), 0);
    assert_int_equal(store_kb_insert(fx->st, &e2, "seed", NULL, &r2), 0);
    assert_int_equal(store_kb_insert(fx->st, &e3, "update", "upd-7", &r3), 0);
    assert_int_equal(r1, 1);
    assert_int_equal(r2, 2);
    assert_int_equal(r3, 3);
    assert_int_equal(store_kb_max_rev(fx->st), 3);
    assert_int_equal(store_kb_uid_rev(fx->st, "upd-7"), 3);
    assert_int_equal(store_kb_uid_rev(fx->st, "upd-8"), 0);
    /* a repeated uid is refused (the service answers "duplicate" from uid_rev) */
    int64_t r4 = 0;
    assert_int_equal(store_kb_insert(fx->st, &e3, "update", "upd-7", &r4), -1);
    assert_int_equal(store_kb_max_rev(fx->st), 3);

    kbseen_t all = {0};
    assert_int_equal(store_kb_since(fx->st, -1, 0, collect_kb, &all), 0);
    assert_int_equal(all.n, 3);
    for (int i = 0; i < 3; i++) assert_int_equal(all.rev[i], i + 1);
    assert_string_equal(all.id[0], "KB0001");
    assert_string_equal(all.answer[0], "请拨打城管热线");
    assert_string_equal(all.answer[1], "");        /* NULL answer stored as "" */
    assert_int_equal(all.valid_from[2], T0 + 86400);
    assert_string_equal(all.answer[2], "新答复");
    kbseen_t after1 = {0};
    store_kb_since(fx->st, 1, 0, collect_kb, &after1);
    assert_int_equal(after1.n, 2);
    assert_int_equal(after1.rev[0], 2);
    kbseen_t page = {0};
    store_kb_since(fx->st, 0, 2, collect_kb, &page);
    assert_int_equal(page.n, 2);
    assert_int_equal(page.rev[1], 2);
    kbseen_t stop = {.stop_after = 1};
    store_kb_since(fx->st, 0, 0, collect_kb, &stop);
    assert_int_equal(stop.n, 1);
    kbseen_t none = {0};
    store_kb_since(fx->st, 3, 0, collect_kb, &none);
    assert_int_equal(none.n, 0);

    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    char buf[64];
    assert_string_equal(raw_text(db, "SELECT group_concat(source, ',') FROM (SELECT source FROM kb_rev ORDER BY rev)",
                                 buf, sizeof buf), "seed,seed,update");
    assert_int_equal(raw_int(db, "SELECT count(*) FROM kb_rev WHERE recorded_at > 1600000000"), 3);
    sqlite3_close(db);
}

static void test_meta(void **state)
{
    fx_t *fx = *state;
    assert_null(store_meta_get(fx->st, "scenario"));
    assert_int_equal(store_meta_set(fx->st, "scenario", "longhu-2022"), 0);
    char *v = store_meta_get(fx->st, "scenario");
    assert_string_equal(v, "longhu-2022");
    free(v);
    assert_int_equal(store_meta_set(fx->st, "scenario", "场景二"), 0);
    v = store_meta_get(fx->st, "scenario");
    assert_string_equal(v, "场景二");
    free(v);
    assert_int_equal(store_meta_set(fx->st, "empty", ""), 0);
    v = store_meta_get(fx->st, "empty");
    assert_string_equal(v, "");
    free(v);
    v = store_meta_get(fx->st, "privacy_key");
    assert_non_null(v);
    assert_int_equal(strlen(v), 32);
    free(v);
}

/* ---- privacy ------------------------------------------------------------------------- */

static void test_caller_never_in_clear(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "P1", T0, "反映噪音问题");
    snprintf(in.caller, sizeof in.caller, "13800138000");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
    make_ticket(&t, &in, "P2", T0, "同一来电人");
    snprintf(in.caller, sizeof in.caller, "138-0013-8000");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);

    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    char mask[64], hash[64], hash2[64];
    assert_string_equal(raw_text(db, "SELECT caller_mask FROM ticket WHERE id='P1'", mask, sizeof mask), "138****8000");
    raw_text(db, "SELECT caller_hash FROM ticket WHERE id='P1'", hash, sizeof hash);
    assert_int_equal(strlen(hash), 16);
    assert_int_equal(strspn(hash, "0123456789abcdef"), 16);
    char want[17];
    privacy_hash_hex(store_secret(fx->st), "13800138000", want, sizeof want);
    assert_string_equal(hash, want);
    /* same number written differently: same mask and hash ("same caller" queries) */
    raw_text(db, "SELECT caller_hash FROM ticket WHERE id='P2'", hash2, sizeof hash2);
    assert_string_equal(hash2, hash);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket WHERE caller_mask LIKE '%0013%' OR "
                                 "caller_hash LIKE '%13800138000%'"), 0);
    sqlite3_close(db);

    /* the raw bytes: the mask is there (so the search works), the number is not */
    char wal[128];
    path_with(fx, "-wal", wal, sizeof wal);
    assert_true(file_contains(wal, "138****8000") || file_contains(fx->path, "138****8000"));
    assert_int_equal(store_checkpoint(fx->st), 0);
    assert_true(file_contains(fx->path, "138****8000"));
    assert_true(file_contains(fx->path, "反映噪音问题"));
    assert_false(file_contains(fx->path, "13800138000"));
    assert_false(file_contains(fx->path, "0013-8000"));
    assert_false(file_contains(wal, "13800138000"));
    store_close(&fx->st);
    assert_false(file_contains(fx->path, "13800138000"));
}

int main(void)
{
    log_init("test_store", LOG_ERROR + 1);   /* expected failures would log errors */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_fresh),
        T(test_reopen_keeps_secret_and_data),
        T(test_newer_version_refused),
        T(test_migrate_1_to_4),
        T(test_migrate_2_to_4),
        T(test_open_bad_path),
        T(test_insert_and_duplicate),
        T(test_group_commit),
        T(test_commit_without_begin_is_noop),
        T(test_failed_write_rolls_back_group),
        T(test_close_commits_open_group),
        T(test_fresh_ticket_defaults),
        T(test_save_get_every_field),
        T(test_last_at_after_reload),
        T(test_events_in_order),
        T(test_event_log_append_only),
        T(test_unfinished_and_counts),
        T(test_kb_revisions),
        T(test_meta),
        T(test_caller_never_in_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
