/* Unit tests for core/store on PostgreSQL (store_pg.c, db_pg.c): the store's
 * API on a real PostgreSQL 15 server, a throwaway cluster this test starts
 * (tests/pg/cluster.sh) and stops. Each test gets an empty database of its
 * own. Besides the API, a plain libpq connection looks at the tables as an
 * operator would. Then the brokers' leadership: one holder at a time, a
 * frozen holder's session ended past the lease, and the ended one fenced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kb.h"
#include "log.h"
#include "store.h"

#include "store_pg_fixture.h"

/* ---- the schema ------------------------------------------------------------------------ */

static void test_schema_created_and_reopened(void **state)
{
    fx_t *fx = *state;
    PGconn *c = raw(fx->uri);
    assert_int_equal(raw_int(c, "SELECT value::int FROM meta WHERE key = 'schema_version'"), STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'centre_longhu'"), 7);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0);
    assert_string_equal(store_centre(fx->st), TICKET_DEFAULT_CENTRE);
    uint8_t sec[16];
    memcpy(sec, store_secret(fx->st), 16);
    insert(fx, "A", T0, "噪音扰民");
    store_close(&fx->st);
    char err[256] = "";
    fx->st = store_open(fx->uri, STORE_SYNC_FULL, err, sizeof err);
    assert_non_null(fx->st);
    assert_memory_equal(store_secret(fx->st), sec, 16);
    ticket_t t;
    assert_int_equal(store_ticket_get(fx->st, "A", &t), 0);
    assert_int_equal(t.received_at, T0);
    /* the caller's number is never stored in clear */
    assert_int_equal(raw_int(c, "SELECT count(*) FROM ticket WHERE caller_mask = '138****8000' AND caller_hash IS NOT NULL"), 1);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM ticket t JOIN ticket_text x USING (id) WHERE "
                                "t::text LIKE '%13800138000%' OR x::text LIKE '%13800138000%'"), 0);
    PQfinish(c);
}

static void test_other_version_refused(void **state)
{
    fx_t *fx = *state;
    store_close(&fx->st);
    PGconn *c = raw(fx->uri);
    PQclear(PQexec(c, "UPDATE meta SET value = '99' WHERE key = 'schema_version'"));
    char err[256] = "";
    assert_null(store_open(fx->uri, STORE_SYNC_NORMAL, err, sizeof err));
    assert_string_equal(err, "the store's schema version is 99; this program uses version 4");
    PQclear(PQexec(c, "UPDATE meta SET value = '4' WHERE key = 'schema_version'"));
    PQfinish(c);
    fx->st = store_open(fx->uri, STORE_SYNC_NORMAL, err, sizeof err);
    assert_non_null(fx->st);
}

static void test_password_and_bad_targets_refused(void **state)
{
    (void)state;
    char err[256] = "", uri[400];
    snprintf(uri, sizeof uri, "postgresql://hotline:pw@127.0.0.1:1/x");
    assert_null(store_open(uri, STORE_SYNC_FULL, err, sizeof err));
    assert_non_null(strstr(err, "holds a password"));
    assert_null(strstr(err, "pw@"));
    assert_null(store_open("host=127.0.0.1 port=1 dbname=x user=hotline", STORE_SYNC_FULL, err, sizeof err));
    assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
    assert_null(store_open("postgresql://[::1", STORE_SYNC_FULL, err, sizeof err));
    assert_non_null(strstr(err, "bad PostgreSQL connection string"));
}

/* ---- tickets, events, group commit ------------------------------------------------------ */

static void test_insert_duplicate_and_group_rollback(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "GD-1", T0, "路灯不亮");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 1);
    char *text = store_ticket_text(fx->st, "GD-1");
    assert_string_equal(text, "路灯不亮");
    free(text);

    kb_entry_t e = {"KB0001", 0, T0, "city", "unit.chengguan", "占道经营", ""};
    int64_t rev = 0;
    assert_int_equal(store_kb_insert(fx->st, &e, "update", "uid-1", &rev), 0);
    assert_true(rev >= 1);
    assert_int_equal(store_kb_uid_rev(fx->st, "uid-1"), rev);
    uint64_t before = store_commits(fx->st);
    assert_int_equal(store_begin(fx->st), 0);
    insert(fx, "A", T0, "x");
    assert_int_equal(store_kb_insert(fx->st, &e, "update", "uid-1", &rev), -1); /* UNIQUE(uid) */
    make_ticket(&t, &in, "B", T0, "x");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), -1); /* the group is poisoned */
    assert_int_equal(store_commit(fx->st), -1);
    assert_false(store_in_txn(fx->st));
    assert_int_equal(store_commits(fx->st), before);
    assert_int_equal(store_ticket_get(fx->st, "A", &t), 1);
    assert_int_equal(store_ticket_get(fx->st, "B", &t), 1);
    /* the next group starts clean, and a commit on PostgreSQL is durable at once */
    assert_int_equal(store_begin(fx->st), 0);
    insert(fx, "C", T0, "x");
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_commits(fx->st), before + 1);
    assert_int_equal(store_durable(fx->st), store_commits(fx->st));
    assert_int_equal(store_sync_fd(fx->st), -1);
}

static void test_save_get_events_and_unfinished(void **state)
{
    fx_t *fx = *state;
    ticket_t t, got;
    ticket_intake_t in;
    make_ticket(&t, &in, "S-1", T0, "电梯坏了");
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
    t.state = ST_DISPATCHED;
    t.category = 2;
    t.unit = 3;
    t.round = 1;
    t.sign_due = T0 + 3600;
    t.close_due = T0 + 86400;
    t.reminded = 1;
    ticket_ext_t *x = ticket_ext(&t);
    x->returns_asked = 2;
    x->returns_approved = 1;
    x->solved = 1;
    snprintf(x->lead, sizeof x->lead, "S-0");
    assert_int_equal(store_ticket_save(fx->st, &t, "KB0042"), 0);
    assert_int_equal(store_event(fx->st, &t, EV_dispatched, T0 + 60, "联办 unit.x", "王"), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_ticket_get(fx->st, "S-1", &got), 0);
    assert_int_equal(got.state, ST_DISPATCHED);
    assert_int_equal(got.unit, 3);
    assert_int_equal(got.round, 1);
    assert_int_equal(got.close_due, T0 + 86400);
    assert_int_equal(got.reminded, 1);
    assert_int_equal(got.on_time, -1);
    assert_int_equal(got.last_at, T0 + 60);
    assert_non_null(got.ext);
    assert_int_equal(got.ext->returns_asked, 2);
    assert_int_equal(got.ext->returns_approved, 1);
    assert_int_equal(got.ext->solved, 1);
    assert_string_equal(got.ext->lead, "S-0");
    ticket_ext_free(&got);
    ticket_ext_free(&t);
    int64_t total = 0, final = 0;
    assert_int_equal(store_ticket_counts(fx->st, &total, &final), 0);
    assert_int_equal(total, 1);
    assert_int_equal(final, 0);
    /* the event log is append-only on PostgreSQL too */
    PGconn *c = raw(fx->uri);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM event WHERE ticket_id = 'S-1'"), 2);
    PGresult *r = PQexec(c, "UPDATE event SET kind = 'x'");
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    assert_non_null(strstr(PQresultErrorMessage(r), "append-only"));
    PQclear(r);
    PQfinish(c);
}

static void collect_ids(void *ctx, const store_list_row_t *r)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 256 - n, "%s%s", n ? "," : "", r->id);
}

static void test_list_and_text_search(void **state)
{
    fx_t *fx = *state;
    insert(fx, "E1", T0, "小区电梯坏了三天");
    insert(fx, "L1", T0 + 1, "路灯不亮");
    insert(fx, "E2", T0 + 2, "电梯异响");
    assert_int_equal(store_commit(fx->st), 0);
    char ids[256] = "", next[64], err[256] = "";
    store_list_t q = {.text = "电梯", .limit = 10, .now = T0};
    assert_int_equal(store_ticket_list(fx->st, &q, collect_ids, ids, next, sizeof next, err, sizeof err), 0);
    assert_string_equal(ids, "E1,E2");
    ids[0] = '\0';
    store_list_t q3 = {.text = "电梯坏", .limit = 10, .now = T0}; /* a word of three characters */
    assert_int_equal(store_ticket_list(fx->st, &q3, collect_ids, ids, next, sizeof next, err, sizeof err), 0);
    assert_string_equal(ids, "E1");
    ids[0] = '\0';
    store_list_t page = {.limit = 2, .now = T0};
    assert_int_equal(store_ticket_list(fx->st, &page, collect_ids, ids, next, sizeof next, err, sizeof err), 0);
    assert_string_equal(ids, "E1,L1");
    page.after = next;
    char next2[64];
    assert_int_equal(store_ticket_list(fx->st, &page, collect_ids, ids, next2, sizeof next2, err, sizeof err), 0);
    assert_string_equal(ids, "E1,L1,E2");
    assert_int_equal(store_search_pending(fx->st), 0);
    /* A word of three characters or more can be found through the trigram index. */
    PGconn *c = raw(fx->uri);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM pg_indexes WHERE indexname = 'ticket_text_trgm'"), 1);
    PQclear(PQexec(c, "SET enable_seqscan = off"));
    PGresult *r = PQexec(c, "EXPLAIN SELECT n FROM ticket_text WHERE text ILIKE '%电梯坏%'");
    bool used = false;
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
        used = used || strstr(PQgetvalue(r, i, 0), "ticket_text_trgm") != NULL;
    PQclear(r);
    PQfinish(c);
    assert_true(used);
}

static int count_kb(void *ctx, const kb_entry_t *e)
{
    (void)e;
    ++*(int *)ctx;
    return 0;
}

static void test_kb_meta_and_rollups(void **state)
{
    fx_t *fx = *state;
    kb_entry_t e = {"KB0001", 0, T0, "city", "unit.chengguan", "占道经营", "答复"};
    int64_t r1 = 0, r2 = 0;
    assert_int_equal(store_kb_insert(fx->st, &e, "seed", NULL, &r1), 0);
    assert_int_equal(store_kb_insert(fx->st, &e, "update", "u2", &r2), 0);
    assert_true(r2 > r1);
    assert_int_equal(store_kb_max_rev(fx->st), r2);
    int n = 0;
    assert_int_equal(store_kb_since(fx->st, r1, 0, count_kb, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_meta_set(fx->st, "k", "v1"), 0);
    assert_int_equal(store_meta_set(fx->st, "k", "v2"), 0);
    char *v = store_meta_get(fx->st, "k");
    assert_string_equal(v, "v2");
    free(v);
    assert_null(store_meta_get(fx->st, "absent"));
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "R1", T0, "x");
    int d[RU__COUNT] = {0};
    d[RU_RECEIVED] = 1;
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_rollup_add(fx->st, &t, TICKET_NONE, T0, d), 0);
    assert_int_equal(store_rollup_add(fx->st, &t, TICKET_NONE, T0, d), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_rollup_add(fx->st, &t, TICKET_NONE, T0, d), 0); /* the upsert adds to the row */
    assert_int_equal(store_commit(fx->st), 0);
    int64_t tot[RU__COUNT];
    assert_int_equal(store_rollup_totals(fx->st, tot), 0);
    assert_int_equal(tot[RU_RECEIVED], 3);
}

/* ---- leadership -------------------------------------------------------------------------- */

typedef struct {
    store_t *st;
    volatile sig_atomic_t stop;
    int rc;
    int64_t waited;
} leader_t;

static void *lead_thread(void *arg)
{
    leader_t *l = arg;
    l->rc = store_lead(l->st, &l->stop, 2, &l->waited);
    return NULL;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The ids of a submitted batch and the texts of a classify batch, read a
 * batch to a query (more than one query's worth, the last padded with
 * NULLs): an existing id and a repeated one are duplicates, the new ones
 * are inserted without waiting for their answers and commit, and every
 * text read ahead is the stored one. */
#include "store_batch_case.h"

static void test_batch_ids_and_texts_read_ahead(void **state)
{
    fx_t *fx = *state;
    insert(fx, "OLD", T0, "噪音扰民");
    batch_case_t b;
    batch_ids_case(fx->st, &b, T0);
    assert_int_equal(store_texts_prefetch(fx->st, b.ids, BATCH_N + 1), 0);
    for (int i = 0; i < BATCH_N; i++) {
        char *text = store_ticket_text(fx->st, b.id[i]);
        assert_non_null(text);
        assert_string_equal(text, b.text[i]);
        free(text);
    }
    char *text = store_ticket_text(fx->st, "OLD");
    assert_string_equal(text, "噪音扰民");
    free(text);
    store_texts_forget(fx->st);
}

/* The whole-table reads of ticket and ticket_text the server has counted,
 * read on the plain session c. The store's session reports its counts when a
 * transaction ends, at most once a second: wait past that, then end one. */
static int64_t whole_table_reads(fx_t *fx, PGconn *c)
{
    struct timespec ts = {1, 200000000};
    nanosleep(&ts, NULL);
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_meta_set(fx->st, "probe", "stats"), 0);
    assert_int_equal(store_commit(fx->st), 0);
    return raw_int(c, "SELECT sum(seq_scan) FROM pg_stat_user_tables "
                      "WHERE schemaname = current_schema() AND relname IN ('ticket', 'ticket_text')");
}

/* One batch of ids looked up, then their texts read ahead, in a transaction. */
static void look_up(fx_t *fx, const char *const *ids, int n)
{
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_ids_check(fx->st, ids, n), 0);
    store_ids_forget(fx->st);
    assert_int_equal(store_texts_prefetch(fx->st, ids, n), 0);
    store_texts_forget(fx->st);
    assert_int_equal(store_commit(fx->st), 0);
}

/* The two batched look-ups are planned at each run. Run first on an empty
 * store (more than the five runs after which PostgreSQL may keep one
 * generic plan for a prepared statement), a plan kept from then would read
 * the whole ticket table at every call however large it grew: a store that
 * had started empty slowed down as it filled. Once the tables hold 40,000
 * tickets, looking ids up must not read either table whole. */
static void test_batched_lookups_do_not_read_whole_tables(void **state)
{
    fx_t *fx = *state;
    char id[STORE_TEXTS_BATCH][16];
    const char *ids[STORE_TEXTS_BATCH];
    for (int i = 0; i < STORE_TEXTS_BATCH; i++) {
        snprintf(id[i], sizeof id[i], "F-%05d", i * 600);
        ids[i] = id[i];
    }
    for (int i = 0; i < 8; i++) look_up(fx, ids, STORE_TEXTS_BATCH);
    PGconn *c = raw(fx->uri);
    PGresult *r = PQexec(c, "INSERT INTO ticket(id, received_at, type, urgent, state) "
                            "SELECT 'F-' || lpad(g::text, 5, '0'), g, 'help', 0, 'DONE' FROM generate_series(0, 39999) g;"
                            "INSERT INTO ticket_text(id, text) SELECT 'F-' || lpad(g::text, 5, '0'), 'text ' || g "
                            "FROM generate_series(0, 39999) g");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    int64_t before = whole_table_reads(fx, c);
    for (int i = 0; i < 4; i++) look_up(fx, ids, STORE_TEXTS_BATCH);
    char *text = store_ticket_text(fx->st, "F-01200");
    assert_string_equal(text, "text 1200");
    free(text);
    assert_int_equal(whole_table_reads(fx, c) - before, 0);
    PQfinish(c);
}

static void test_one_leader_then_takeover_and_fencing(void **state)
{
    fx_t *fx = *state;
    volatile sig_atomic_t no = 0;
    int64_t waited = -1;
    assert_int_equal(store_lead(fx->st, &no, 2, &waited), 1);
    char err[256] = "";
    leader_t b = {.st = store_open(fx->uri, STORE_SYNC_FULL, err, sizeof err)};
    assert_non_null(b.st);
    pthread_t th;

    /* The holder alive (a keepalive every 300 ms): the second waits, and stops on request. */
    pthread_create(&th, NULL, lead_thread, &b);
    for (int i = 0; i < 10; i++) {
        sleep_ms(300);
        assert_int_equal(store_keepalive(fx->st), 0);
    }
    b.stop = 1;
    pthread_join(th, NULL);
    assert_int_equal(b.rc, 0);

    /* The holder silent past the lease (frozen): ended, and the second leads. */
    b.stop = 0;
    pthread_create(&th, NULL, lead_thread, &b);
    pthread_join(th, NULL);
    assert_int_equal(b.rc, 1);
    /* The lease (2 s) counts from the holder's last statement, which may be up
     * to a second (the keepalive's interval) before this wait began. */
    assert_true(b.waited >= 900);
    /* The first, waking, finds its connection gone: it may not commit, and says so. */
    sleep_ms(1100);
    assert_int_not_equal(store_keepalive(fx->st), 0);
    assert_true(store_lost(fx->st));
    assert_false(store_lost(b.st));
    /* The new leader writes. */
    insert(&(fx_t){.st = b.st}, "AFTER", T0, "x");
    assert_int_equal(store_commit(b.st), 0);
    store_close(&b.st);
}

/* A leader frozen with a pipeline open (writes sent, their answers not read)
 * looks busy to the server ('active'), yet it is silent: a standby still
 * ends it after the lease, and the frozen leader's COMMIT then fails. */
static void test_takeover_of_a_leader_frozen_mid_pipeline(void **state)
{
    fx_t *fx = *state;
    volatile sig_atomic_t no = 0;
    int64_t waited = -1;
    assert_int_equal(store_lead(fx->st, &no, 2, &waited), 1);
    assert_int_equal(store_begin(fx->st), 0);
    ticket_t ev;
    ticket_intake_t in;
    make_ticket(&ev, &in, "FROZEN", T0, "x");
    assert_int_equal(store_ticket_insert(fx->st, &ev, &in), 0);
    /* Enough pipelined writes that libpq has sent part of them: the server
     * is in the middle of the pipeline, waiting for the rest. */
    for (int i = 0; i < 400; i++)
        assert_int_equal(store_event(fx->st, &ev, EV_dispatched, T0 + i, "a note long enough to fill the buffer", NULL), 0);
    char err[256] = "";
    leader_t b = {.st = store_open(fx->uri, STORE_SYNC_FULL, err, sizeof err), .rc = -2};
    assert_non_null(b.st);
    pthread_t th;
    pthread_create(&th, NULL, lead_thread, &b);
    for (int i = 0; i < 80 && __atomic_load_n(&b.rc, __ATOMIC_SEQ_CST) == -2; i++) sleep_ms(100);
    b.stop = 1; /* no takeover within 8 s: give up (the test fails below) */
    pthread_join(th, NULL);
    assert_int_equal(b.rc, 1);
    assert_int_equal(store_commit(fx->st), -1);
    ticket_t t;
    assert_int_equal(store_ticket_get(b.st, "FROZEN", &t), 1);
    store_close(&b.st);
}

/* A write that fails on the server while pipelined (its answer not waited
 * for) fails the whole group at the latest at its COMMIT: nothing of the
 * group is committed, and the next group starts clean. */
static void test_pipelined_write_failure_fails_the_group(void **state)
{
    fx_t *fx = *state;
    PGconn *c = raw(fx->uri);
    PQclear(PQexec(c, "ALTER TABLE ticket_text ADD CONSTRAINT no_boom CHECK (text <> 'boom')"));
    uint64_t before = store_commits(fx->st);
    ticket_t t;
    ticket_intake_t in;
    assert_int_equal(store_begin(fx->st), 0);
    insert(fx, "P1", T0, "ok");
    make_ticket(&t, &in, "P2", T0, "boom"); /* the text's INSERT is pipelined, and fails */
    (void)store_ticket_insert(fx->st, &t, &in);
    for (int i = 0; i < 5; i++) {
        ticket_t more;
        char id[8];
        snprintf(id, sizeof id, "P%d", 3 + i);
        make_ticket(&more, &in, id, T0, "ok");
        (void)store_ticket_insert(fx->st, &more, &in);
    }
    assert_int_equal(store_commit(fx->st), -1);
    assert_int_equal(store_commits(fx->st), before);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM ticket WHERE id LIKE 'P%'"), 0);
    assert_int_equal(store_begin(fx->st), 0);
    insert(fx, "Q1", T0, "ok");
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM ticket WHERE id = 'Q1'"), 1);
    PQfinish(c);
}

/* ---- a province: several centres in one database ------------------------------------------ */

static void test_centres_share_a_database(void **state)
{
    fx_t *fx = *state;
    char err[256] = "";
    volatile sig_atomic_t no = 0;
    int64_t waited = -1;
    assert_null(store_open_centre(fx->uri, "Bad-Code", STORE_SYNC_FULL, err, sizeof err));
    assert_non_null(strstr(err, "bad centre code"));
    store_t *jp = store_open_centre(fx->uri, "jinping", STORE_SYNC_FULL, err, sizeof err);
    assert_non_null(jp);
    assert_string_equal(store_centre(jp), "jinping");
    /* Each centre has its own leadership: both lead at once, neither waits. */
    assert_int_equal(store_lead(fx->st, &no, 2, &waited), 1);
    assert_int_equal(store_lead(jp, &no, 2, &waited), 1);
    assert_true(waited < 1000);
    /* The same id in two centres is two tickets. */
    insert(fx, "A", T0, "龙湖的工单");
    assert_int_equal(store_commit(fx->st), 0);
    insert(&(fx_t){.st = jp}, "A", T0 + 60, "金平的工单");
    insert(&(fx_t){.st = jp}, "B", T0 + 60, "金平的工单");
    assert_int_equal(store_commit(jp), 0);
    int64_t total = 0, fin = 0;
    assert_int_equal(store_ticket_counts(fx->st, &total, &fin), 0);
    assert_int_equal(total, 1);
    assert_int_equal(store_ticket_counts(jp, &total, &fin), 0);
    assert_int_equal(total, 2);
    ticket_t t;
    assert_int_equal(store_ticket_get(jp, "A", &t), 0);
    assert_int_equal(t.received_at, T0 + 60);
    PGconn *c = raw_on(fx->uri, "jinping");
    assert_int_equal(raw_int(c, "SELECT count(*) FROM meta WHERE key = 'centre' AND value = 'jinping'"), 1);
    assert_int_equal(raw_int(c, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'centre\\_%'"), 2);
    PQfinish(c);
    store_close(&jp);
    /* A second broker of a centre still waits for that centre's leader. */
    leader_t again = {.st = store_open_centre(fx->uri, TICKET_DEFAULT_CENTRE, STORE_SYNC_FULL, err, sizeof err)};
    assert_non_null(again.st);
    pthread_t th;
    pthread_create(&th, NULL, lead_thread, &again);
    sleep_ms(800);
    again.stop = 1;
    pthread_join(th, NULL);
    assert_int_equal(again.rc, 0);
    store_close(&again.st);
}

int main(void)
{
    log_init("test_store_pg", LOG_ERROR + 1); /* expected failures would log errors */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_schema_created_and_reopened),
        T(test_other_version_refused),
        T(test_password_and_bad_targets_refused),
        T(test_insert_duplicate_and_group_rollback),
        T(test_save_get_events_and_unfinished),
        T(test_list_and_text_search),
        T(test_kb_meta_and_rollups),
        T(test_batch_ids_and_texts_read_ahead),
        T(test_batched_lookups_do_not_read_whole_tables),
        T(test_one_leader_then_takeover_and_fencing),
        T(test_centres_share_a_database),
        T(test_pipelined_write_failure_fails_the_group),
        T(test_takeover_of_a_leader_frozen_mid_pipeline),
    };
    return cmocka_run_group_tests(tests, cluster_up, cluster_down);
}
