/* Unit tests for core/store (store.c, store_ticket.c): a fresh SQLite file in
 * a private mkdtemp directory per test. Besides the API, the tests look at the
 * file the way the report and an operator would: through a second, plain
 * sqlite3 connection (read-only where possible) and through its raw bytes
 * (the caller's number must never be in it). */
#include "store_fixture.h"

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
        T(test_open_bad_path),
        T(test_insert_and_duplicate),
        T(test_group_commit),
        T(test_commit_without_begin_is_noop),
        T(test_failed_write_rolls_back_group),
        T(test_close_commits_open_group),
        T(test_kb_revisions),
        T(test_meta),
        T(test_caller_never_in_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
