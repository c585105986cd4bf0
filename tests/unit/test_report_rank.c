/* test_report_rank: the unit ranking of hotline-report --rank (report_rank)
 * and the rules' figures of report_query, asserted exactly on a hand-made
 * store of March 2022 whose roll-up rows and dispatch events are written
 * directly (the report reads nothing else for them): the order by on-time
 * rate, then 督办, then return rate, shared ranks, units without a rate last,
 * direct answers left out of a unit's closes, the formats; 一次派单准确率;
 * repeat calls (重复件) never open; and a store from before the rules (no
 * such roll-up columns), whose rules' figures have no value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "calendar.h"
#include "report_format.h"
#include "report_query.h"
#include "report_rank.h"

typedef struct {
    char dir[64], path[96];
    report_store_t *st;
} fixture_t;

static int64_t T(const char *s)
{
    int64_t t;
    assert_int_equal(calendar_parse_time(s, &t), 0);
    return t;
}

/* One roll-up row: on the CST day of `day`, complaint, not urgent, no street. */
typedef struct {
    const char *unit, *day;
    int received, closed, on_time, direct, overdue, returns, returns_approved, merged, dispatched, first_returned;
} ru_row_t;

static const ru_row_t ROWS[] = {
    /* 100%, no 督办, return rate 0 of 3: first */
    {"unit.street.zhuchi", "2022-03-02", 3, 3, 3, 0, 0, 0, 0, 0, 3, 0},
    /* 100%, no 督办, nothing dispatched (no return rate): after zhuchi */
    {"unit.street.jinxia", "2022-03-03", 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
    /* 100%, 2 督办, return rate 0 of 5 */
    {"unit.zhujian", "2022-03-04", 10, 10, 10, 0, 2, 0, 0, 0, 5, 0},
    /* 100%, 2 督办, return rate 1/10 = 2/20: jiaotong and gongan share a rank */
    {"unit.jiaotong", "2022-03-05", 5, 5, 5, 0, 2, 1, 1, 0, 10, 1},
    {"unit.gongan", "2022-03-06", 20, 20, 20, 0, 2, 2, 1, 0, 20, 1},
    /* 90% on time (4 direct answers on time left out: 9 of 10 of its own); a
     * repeat call merged */
    {"unit.chengguan", "2022-03-07", 15, 14, 13, 4, 1, 1, 1, 1, 10, 1},
    /* nothing closed (no on-time rate): last, sharing the rank with minzheng */
    {"unit.renshe", "2022-03-08", 3, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    /* only direct answers: no closes of its own */
    {"unit.minzheng", "2022-03-09", 4, 4, 4, 4, 0, 0, 0, 0, 0, 0},
    /* outside March: no row */
    {"unit.weijian", "2022-04-01", 9, 9, 9, 0, 0, 0, 0, 0, 9, 0},
};
#define N_ROWS (sizeof ROWS / sizeof ROWS[0])

/* Dispatch events (every one counts for --rank; the roll-up's dispatched only
 * has first dispatches). */
static const struct {
    const char *unit, *kind, *at;
    int n;
} DISPATCHES[] = {
    {"unit.street.zhuchi", "dispatched", "2022-03-02T09:00", 3},
    {"unit.zhujian", "dispatched", "2022-03-04T09:00", 4},
    {"unit.zhujian", "assigned", "2022-03-04T10:00", 1},       /* 人工派单 counts */
    {"unit.jiaotong", "dispatched", "2022-03-05T09:00", 10},
    {"unit.gongan", "dispatched", "2022-03-06T09:00", 20},
    {"unit.chengguan", "dispatched", "2022-03-07T09:00", 10},
    {"unit.chengguan", "dispatched", "2022-02-28T23:59:59", 5}, /* before March: out */
    {"unit.weijian", "dispatched", "2022-04-01T00:00:00", 9},   /* the end: out */
};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg ? msg : "?");
}

static void build_store(const char *path)
{
    sqlite3 *db;
    char *schema = slurp(HOTLINE_SOURCE_DIR "/schemas/store.sql"), sql[1024];
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, schema);
    free(schema);
    exec(db, "PRAGMA user_version = 4; BEGIN");
    for (size_t i = 0; i < N_ROWS; i++) {
        const ru_row_t *r = &ROWS[i];
        int64_t day = (T(r->day) + CAL_TZ_OFFSET) / CAL_DAY;
        snprintf(sql, sizeof sql,
                 "INSERT INTO rollup (day, type, urgent, street, unit, received, closed, on_time, direct, overdue, "
                 "returns, returns_approved, merged, dispatched, first_returned) VALUES (%lld, 'complaint', 0, '', "
                 "'%s', %d, %d, %d, %d, %d, %d, %d, %d, %d, %d)",
                 (long long)day, r->unit, r->received, r->closed, r->on_time, r->direct, r->overdue, r->returns,
                 r->returns_approved, r->merged, r->dispatched, r->first_returned);
        exec(db, sql);
    }
    exec(db, "INSERT INTO rollup_total SELECT day, type, urgent, sum(received), sum(closed), sum(on_time), "
             "sum(direct), sum(rated), sum(sat3), sum(sat4), sum(bad), sum(bad_rectified), sum(overdue), "
             "sum(reminders), sum(notifications), sum(returns), sum(returns_approved), sum(extensions), "
             "sum(suspensions), sum(merged), sum(co_handled), sum(unreachable), sum(reopened), "
             "sum(manual_dispatch), sum(dispatched), sum(first_returned) FROM rollup GROUP BY 1, 2, 3");
    int seq = 0;
    for (size_t i = 0; i < sizeof DISPATCHES / sizeof DISPATCHES[0]; i++)
        for (int k = 0; k < DISPATCHES[i].n; k++) {
            snprintf(sql, sizeof sql,
                     "INSERT INTO event (ticket_id, seq, at, kind, state, round, unit) "
                     "VALUES ('T%zu-%d', %d, %lld, '%s', 'DISPATCHED', 0, '%s')",
                     i, k, ++seq, (long long)T(DISPATCHES[i].at), DISPATCHES[i].kind, DISPATCHES[i].unit);
            exec(db, sql);
        }
    /* one ticket so that the store has a period */
    exec(db, "INSERT INTO ticket (id, received_at, type, urgent, state, category) "
             "VALUES ('X', 1646064000, 'complaint', 0, 'DONE', 'city')");
    exec(db, "COMMIT");
    sqlite3_close(db);
}

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/test_report_rank_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/r.db", fx->dir);
    build_store(fx->path);
    report_status_t status;
    fx->st = report_store_open(fx->path, &status);
    assert_non_null(fx->st);
    assert_true(report_store_has_rules(fx->st));
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    report_store_destroy(&fx->st);
    static const char *const SUFFIX[] = {"", "-wal", "-shm", "-journal"};
    char p[128];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", fx->path, SUFFIX[i]);
        unlink(p);
    }
    assert_int_equal(rmdir(fx->dir), 0);
    free(fx);
    return 0;
}

static report_rank_t *march(report_store_t *st)
{
    report_rank_t *r = report_rank_compute(st, T("2022-03-01"), T("2022-04-01"));
    assert_non_null(r);
    return r;
}

static void test_order_and_ranks(void **state)
{
    fixture_t *fx = *state;
    report_rank_t *rk = march(fx->st);
    static const struct {
        const char *unit;
        int rank;
        int64_t dispatched, closed;
    } WANT[] = {
        {"unit.street.zhuchi", 1, 3, 3},   {"unit.street.jinxia", 2, 0, 1}, {"unit.zhujian", 3, 5, 10},
        {"unit.jiaotong", 4, 10, 5},       {"unit.gongan", 4, 20, 20},      {"unit.chengguan", 6, 10, 10},
        {"unit.renshe", 7, 0, 0},          {"unit.minzheng", 7, 0, 0},
    };
    assert_int_equal(report_rank_n(rk), sizeof WANT / sizeof WANT[0]);
    for (size_t i = 0; i < report_rank_n(rk); i++) {
        const report_rank_row_t *r = report_rank_row(rk, i);
        assert_string_equal(r->key, WANT[i].unit);
        assert_int_equal(r->rank, WANT[i].rank);
        assert_int_equal(r->dispatched, WANT[i].dispatched);
        assert_int_equal(r->closed, WANT[i].closed);
    }
    double v;
    const report_rank_row_t *cg = report_rank_row(rk, 5);
    assert_string_equal(cg->name, "区城市管理和综合执法局");
    assert_int_equal(report_rank_on_time_rate(cg, &v), 0);
    assert_float_equal(v, 0.9, 1e-12);
    assert_int_equal(report_rank_return_rate(cg, &v), 0);
    assert_float_equal(v, 0.1, 1e-12);
    assert_int_equal(report_rank_on_time_rate(report_rank_row(rk, 6), &v), -1);
    assert_int_equal(report_rank_return_rate(report_rank_row(rk, 1), &v), -1);
    report_rank_destroy(&rk);
    assert_null(rk);
}

#define CAPTURE(buf, call)                                       \
    do {                                                         \
        size_t len_ = 0;                                         \
        FILE *out = open_memstream(&(buf), &len_);               \
        assert_int_equal((call), 0);                             \
        fclose(out);                                             \
    } while (0)

static void test_formats(void **state)
{
    fixture_t *fx = *state;
    report_rank_t *rk = march(fx->st);
    char *buf = NULL;
    CAPTURE(buf, report_fmt_rank(out, rk, FMT_CSV, false));
    assert_non_null(strstr(buf, "rank,unit,name,dispatched,closed,on_time_rate,overdue,notifications,returns,"
                                "returns_approved,return_rate,reopened\n"
                                "1,unit.street.zhuchi,珠池街道办事处,3,3,1,0,0,0,0,0,0\n"
                                "2,unit.street.jinxia,金霞街道办事处,0,1,1,0,0,0,0,-,0\n"));
    assert_non_null(strstr(buf, "\n6,unit.chengguan,区城市管理和综合执法局,10,10,0.9,1,0,1,1,0.1,0\n"
                                "7,unit.renshe,区人力资源和社会保障局,0,0,-,0,0,0,0,-,0\n"));
    free(buf);
    CAPTURE(buf, report_fmt_rank(out, rk, FMT_JSON, false));
    assert_non_null(strstr(buf, "{\n  \"from\": \"2022-03-01\",\n  \"to\": \"2022-03-31\",\n  \"rows\": [\n"));
    assert_non_null(strstr(buf, "{\"rank\": 7, \"unit\": \"unit.renshe\", \"name\": \"区人力资源和社会保障局\", "
                                "\"dispatched\": 0, \"closed\": 0, \"on_time_rate\": null, \"overdue\": 0, "
                                "\"notifications\": 0, \"returns\": 0, \"returns_approved\": 0, "
                                "\"return_rate\": null, \"reopened\": 0}"));
    free(buf);
    CAPTURE(buf, report_fmt_rank(out, rk, FMT_TABLE, false));
    assert_non_null(strstr(buf, "period: 2022-03-01 .. 2022-03-31 (CST)"));
    assert_non_null(strstr(buf, "   90.00%"));
    free(buf);
    report_rank_destroy(&rk);
}

static double value(const report_counts_t *c, const char *key)
{
    double v;
    const report_figure_t *f = report_figure(key);
    assert_non_null(f);
    return report_figure_value(f, c, &v) < 0 ? -1 : v;
}

/* 一次派单准确率 = 1 − first dispatches returned ÷ first dispatches; a repeat
 * call is received, never closed, and never open. */
static void test_rules_figures(void **state)
{
    fixture_t *fx = *state;
    report_t *r = report_compute(fx->st, T("2022-03-01"), T("2022-04-01"), REPORT_BY_UNIT);
    assert_non_null(r);
    const report_counts_t *c = report_total(r);
    assert_int_equal(c->returns, 4);
    assert_int_equal(c->returns_approved, 3);
    assert_int_equal(c->merged, 1);
    assert_float_equal(value(c, "first_dispatch_accuracy"), 1 - 3.0 / 48.0, 1e-12);
    /* received 61, closed 57, merged 1: renshe's 3, not chengguan's merged call */
    assert_int_equal(c->received, 61);
    assert_int_equal(c->closed, 57);
    assert_int_equal(c->open_at_end, 3);
    for (size_t i = 0; i < report_n_groups(r); i++)
        if (report_group_key(r, i) && strcmp(report_group_key(r, i), "unit.street.jinxia") == 0)
            assert_float_equal(value(report_group_counts(r, i), "first_dispatch_accuracy"), -1, 0);   /* no value */
    /* every grouping has the same total (by month, open_at_end accumulates) */
    for (report_by_t by = REPORT_BY_NONE; by <= REPORT_BY_STREET; by++) {
        report_t *g = report_compute(fx->st, T("2022-03-01"), T("2022-04-01"), by);
        assert_non_null(g);
        assert_memory_equal(report_total(g), c, offsetof(report_counts_t, kb_updates));
        assert_memory_equal(&report_total(g)->returns, &c->returns,
                            sizeof(report_counts_t) - offsetof(report_counts_t, returns));
        report_destroy(&g);
    }
    report_destroy(&r);
}

/* A store from before the rules (no such roll-up columns): those figures and
 * the ranking's counts of them have no value; the others are as before. */
static void test_store_without_rules(void **state)
{
    fixture_t *fx = *state;
    char old[128];
    snprintf(old, sizeof old, "%s/v3.db", fx->dir);
    build_store(old);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(old, &db), SQLITE_OK);
    static const char *const COLS[] = {"reminders", "notifications", "returns", "returns_approved", "extensions",
                                       "suspensions", "merged", "co_handled", "unreachable", "reopened",
                                       "manual_dispatch", "dispatched", "first_returned"};
    char sql[160];
    for (size_t i = 0; i < sizeof COLS / sizeof COLS[0]; i++) {
        snprintf(sql, sizeof sql, "ALTER TABLE rollup DROP COLUMN %s; ALTER TABLE rollup_total DROP COLUMN %s",
                 COLS[i], COLS[i]);
        exec(db, sql);
    }
    exec(db, "PRAGMA user_version = 3");
    sqlite3_close(db);
    report_status_t status;
    report_store_t *st = report_store_open(old, &status);
    assert_non_null(st);
    assert_false(report_store_has_rules(st));
    for (report_by_t by = REPORT_BY_NONE; by <= REPORT_BY_STREET; by++) {
        report_t *r = report_compute(st, T("2022-03-01"), T("2022-04-01"), by);
        assert_non_null(r);
        const report_counts_t *c = report_total(r);
        assert_int_equal(c->received, 61);
        assert_int_equal(c->open_at_end, 4);   /* no merged column: nothing subtracted */
        assert_int_equal(c->returns, REPORT_NA);
        assert_int_equal(c->dispatched_first, REPORT_NA);
        assert_float_equal(value(c, "merged"), -1, 0);
        assert_float_equal(value(c, "first_dispatch_accuracy"), -1, 0);
        for (size_t i = 0; i < report_n_groups(r); i++) assert_int_equal(report_group_counts(r, i)->reopened, REPORT_NA);
        report_destroy(&r);
    }
    report_rank_t *rk = march(st);
    assert_int_equal(report_rank_n(rk), 8);
    char *buf = NULL;
    CAPTURE(buf, report_fmt_rank(out, rk, FMT_CSV, false));
    /* without returns, no return rate: the order is on-time rate, 督办, units */
    assert_non_null(strstr(buf, "\n1,unit.street.jinxia,金霞街道办事处,0,1,1,0,-,-,-,-,-\n"
                                "1,unit.street.zhuchi,珠池街道办事处,3,3,1,0,-,-,-,-,-\n"));
    free(buf);
    report_rank_destroy(&rk);
    report_store_destroy(&st);
    static const char *const SUFFIX[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(sql, sizeof sql, "%s%s", old, SUFFIX[i]);
        unlink(sql);
    }
}

int main(void)
{
    setenv("HOTLINE_DATADIR", HOTLINE_SOURCE_DIR "/schemas", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_and_ranks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_without_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
