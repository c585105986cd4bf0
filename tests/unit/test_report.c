/* test_report: the report figures of report_query, asserted exactly on a
 * hand-made store, and report_format's outputs (--outcomes CSV, JSON, table).
 * The store is built from schemas/store.sql, so a schema change that breaks
 * the report's reading of a column fails here. Each ticket below sits on one
 * edge of one figure; the comment beside it says which. */
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
#include "store.h"
#include "scenario.h"
#include "sqlite_files.h"

typedef struct {
    char path[64];
    report_store_t *st;
} fixture_t;

static int64_t T(const char *s)
{
    int64_t t;
    assert_int_equal(calendar_parse_time(s, &t), 0);
    return t;
}

/* A ticket row; NULL strings and 0 times are stored as SQL NULL. */
typedef struct {
    const char *id, *received, *type;
    int urgent;
    const char *street, *unit, *state;
    int direct;
    const char *closed;
    int on_time;            /* -1 = NULL */
    int rating;             /* 0 = NULL */
    const char *rated, *revisited, *overdue;
} row_t;

static const row_t ROWS[] = {
    /* closed in period, received before it */
    {"A01", "2021-12-31T23:59:59", "complaint", 0, "jinxia", "unit.chengguan", "DONE", 0,
     "2022-01-05T10:00", 1, 0, NULL, NULL, NULL},
    /* first second of the period: received, directly answered, closed at once */
    {"A02", "2022-01-01T00:00:00", "consult", 0, "zhuchi", NULL, "ANSWERED", 1,
     "2022-01-01T00:00:00", 1, 0, NULL, NULL, NULL},
    {"A03", "2022-03-10T10:00", "consult", 0, NULL, "unit.renshe", "DONE", 0,
     "2022-03-11T10:00", 1, 5, "2022-03-12T10:00", NULL, NULL},
    /* praise: received, never closes, never open */
    {"A04", "2022-05-01T09:00", "praise", 0, "xinjin", NULL, "PRAISE", 0, NULL, -1, 0, NULL, NULL, NULL},
    /* urgent, late, overdue; 差评 rectified and re-visited in the period */
    {"A05", "2022-06-01T08:00", "help", 1, NULL, "unit.zhujian", "DONE", 0,
     "2022-06-02T12:00", 0, 1, "2022-06-05T10:00", "2022-06-10T10:00", "2022-06-02T08:00"},
    /* 差评 not rectified */
    {"A06", "2022-07-01T08:00", "complaint", 0, NULL, "unit.chengguan", "RECTIFYING", 0,
     "2022-07-10T08:00", 1, 2, "2022-07-12T08:00", NULL, NULL},
    /* default rating 3 counts as satisfied, not strictly */
    {"A07", "2022-08-01T08:00", "suggest", 0, NULL, "unit.jiaotong", "DONE", 0,
     "2022-08-05T08:00", 1, 3, "2022-08-12T08:00", NULL, NULL},
    /* urgent, never closed: overdue in period, open at the end */
    {"A08", "2022-12-20T08:00", "report", 1, NULL, "unit.gongan", "SIGNED", 0, NULL, -1, 0, NULL, NULL,
     "2022-12-21T08:00"},
    /* last second: received; closed exactly at the end, so still open; overdue at the end (out) */
    {"A09", "2022-12-31T23:59:59", "complaint", 0, NULL, "unit.chengguan", "CLOSED", 0,
     "2023-01-01T00:00:00", 1, 0, NULL, NULL, "2023-01-01T00:00:00"},
    /* received and answered exactly at the end: outside everything */
    {"A10", "2023-01-01T00:00:00", "consult", 0, NULL, NULL, "ANSWERED", 1,
     "2023-01-01T00:00:00", 1, 0, NULL, NULL, NULL},
    /* closed in the last second; rated after the period (not rated) */
    {"A11", "2022-12-30T08:00", "help", 0, NULL, "unit.minzheng", "RECTIFYING", 0,
     "2022-12-31T23:59:59", 1, 1, "2023-01-02T08:00", NULL, NULL},
    /* closed (and overdue) before the period, rated inside it */
    {"A12", "2021-12-20T08:00", "complaint", 0, NULL, "unit.chengguan", "DONE", 0,
     "2021-12-28T08:00", 0, 4, "2022-01-03T08:00", NULL, "2021-12-25T08:00"},
    /* open since before the period: open at the end of every month */
    {"A13", "2021-11-01T08:00", "help", 0, NULL, "unit.weijian", "DISPATCHED", 0, NULL, -1, 0, NULL,
     NULL, "2021-11-15T08:00"},
    /* praise before the period: nothing */
    {"A14", "2021-12-31T08:00", "praise", 0, NULL, NULL, "PRAISE", 0, NULL, -1, 0, NULL, NULL, NULL},
    {"A15", "2022-02-01T08:00", "consult", 0, NULL, "unit.jiaoyu", "DONE", 0,
     "2022-02-02T08:00", 1, 4, "2022-02-03T08:00", NULL, NULL},
    /* cohort: 差评 in the period, re-visited after it: still rectified */
    {"A17", "2022-12-01T08:00", "complaint", 0, NULL, "unit.shichang", "DONE", 0,
     "2022-12-10T08:00", 1, 1, "2022-12-20T08:00", "2023-01-05T08:00", NULL},
    /* 差评 before the period, re-visited inside it: not counted */
    {"A18", "2021-12-01T08:00", "complaint", 0, NULL, "unit.chengguan", "DONE", 0,
     "2021-12-05T08:00", 1, 2, "2021-12-10T08:00", "2022-01-10T08:00", NULL},
    /* an id that needs CSV quoting; open at the end */
    {"B,\"1\"", "2022-09-09T09:09:09", "complaint", 0, "longhua", "unit.street.longhua", "DISPATCHED", 0,
     NULL, -1, 0, NULL, NULL, NULL},
};

static void bind_time(sqlite3_stmt *s, int i, const char *t)
{
    if (t) sqlite3_bind_int64(s, i, T(t));
    else sqlite3_bind_null(s, i);
}

static void insert_ticket(sqlite3 *db, const row_t *r)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db,
        "INSERT INTO ticket (id, received_at, type, urgent, street, unit, state, direct, closed_at, "
        "on_time, rating, rated_at, revisited_at, overdue_at, category) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'city')", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
    bind_time(s, 2, r->received);
    sqlite3_bind_text(s, 3, r->type, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, r->urgent);
    sqlite3_bind_text(s, 5, r->street, -1, SQLITE_STATIC);   /* NULL pointer binds NULL */
    sqlite3_bind_text(s, 6, r->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 8, r->direct);
    bind_time(s, 9, r->closed);
    if (r->on_time >= 0) sqlite3_bind_int(s, 10, r->on_time);
    if (r->rating > 0) sqlite3_bind_int(s, 11, r->rating);
    bind_time(s, 12, r->rated);
    bind_time(s, 13, r->revisited);
    bind_time(s, 14, r->overdue);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

static void insert_kb(sqlite3 *db, int rev, const char *at, const char *unit, const char *source)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db,
        "INSERT INTO kb_rev (rev, id, valid_from, category, unit, keywords, answer, source, recorded_at) "
        "VALUES (?1, 'KB0001', ?2, 'labor', ?3, 'k', 'a', ?4, 0)", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_int(s, 1, rev);
    sqlite3_bind_int64(s, 2, T(at));
    sqlite3_bind_text(s, 3, unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, source, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

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

/* Creates an empty store at path with the shipped schema and user_version. */
static sqlite3 *make_store(const char *path, int version)
{
    sqlite3 *db;
    char *schema = slurp(HOTLINE_SOURCE_DIR "/schemas/store.sql");
    char pragma[64];
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version);
    assert_int_equal(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
    free(schema);
    return db;
}

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_report_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    sqlite3 *db = make_store(fx->path, REPORT_SCHEMA_VERSION);
    assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) insert_ticket(db, &ROWS[i]);
    insert_kb(db, 1, "2021-06-01T00:00", "unit.renshe", "seed");
    insert_kb(db, 2, "2022-03-01T00:00", "unit.renshe", "seed");          /* seed: never counts */
    insert_kb(db, 3, "2021-12-31T23:59:59", "unit.renshe", "update");    /* before */
    insert_kb(db, 4, "2022-01-01T00:00:00", "unit.renshe", "update");    /* first second */
    insert_kb(db, 5, "2022-06-15T00:00", "unit.street.jinxia", "update");
    insert_kb(db, 6, "2023-01-01T00:00:00", "unit.renshe", "update");    /* the end: out */
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    /* The report reads the roll-ups the broker keeps; build them from the rows. */
    char err[256] = "";
    store_t *w = store_open(fx->path, STORE_SYNC_NORMAL, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(store_rollup_rebuild(w), 0);
    store_close(&w);
    report_status_t status;
    fx->st = report_store_open(fx->path, &status);
    assert_non_null(fx->st);
    assert_int_equal(status, REPORT_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    report_store_destroy(&fx->st);
    assert_null(fx->st);
    sqlite_files_remove(fx->path);
    free(fx);
    return 0;
}

static report_t *year_2022(fixture_t *fx, report_by_t by)
{
    report_t *r = report_compute(fx->st, T("2022-01-01"), T("2023-01-01"), by);
    assert_non_null(r);
    return r;
}

static double value(const report_counts_t *c, const char *key)
{
    double v = -12345;
    const report_figure_t *f = report_figure(key);
    assert_non_null(f);
    if (report_figure_value(f, c, &v) < 0) return -1;   /* n/a */
    return v;
}

static void test_figures_total(void **state)
{
    report_t *r = year_2022(*state, REPORT_BY_NONE);
    const report_counts_t *c = report_total(r);
    assert_int_equal(c->received, 12);
    assert_int_equal(c->closed, 9);
    assert_int_equal(c->on_time_closed, 8);
    assert_float_equal(value(c, "on_time_rate"), 8.0 / 9.0, 1e-12);
    assert_int_equal(c->urgent_received, 2);
    assert_int_equal(c->urgent_closed, 1);
    assert_int_equal(c->direct_answered, 1);
    assert_int_equal(c->consult_closed, 3);
    assert_float_equal(value(c, "direct_answered_rate"), 1.0 / 3.0, 1e-12);
    assert_int_equal(c->praise, 1);
    assert_int_equal(c->rated, 7);
    assert_float_equal(value(c, "satisfied_rate"), 4.0 / 7.0, 1e-12);
    assert_float_equal(value(c, "satisfied_rate_strict"), 3.0 / 7.0, 1e-12);
    assert_int_equal(c->bad_ratings, 3);
    assert_int_equal(c->bad_rectified, 2);
    assert_float_equal(value(c, "bad_rectified_rate"), 2.0 / 3.0, 1e-12);
    assert_int_equal(c->overdue, 2);
    assert_int_equal(c->open_at_end, 4);
    assert_int_equal(c->kb_updates, 2);
    assert_int_equal(report_n_groups(r), 0);
    report_destroy(&r);
    assert_null(r);
}

static void test_empty_period_rates_are_na(void **state)
{
    fixture_t *fx = *state;
    report_t *r = report_compute(fx->st, T("2022-04-01"), T("2022-05-01"), REPORT_BY_NONE);
    const report_counts_t *c = report_total(r);
    assert_int_equal(c->received, 0);
    assert_int_equal(c->closed, 0);
    assert_float_equal(value(c, "on_time_rate"), -1, 0);        /* no value */
    assert_float_equal(value(c, "bad_rectified_rate"), -1, 0);
    assert_int_equal(c->open_at_end, 1);                        /* A13 */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(report_fmt_figures(out, r, FMT_JSON, false), 0);
    fclose(out);
    assert_non_null(strstr(buf, "\"from\": \"2022-04-01\",\n  \"to\": \"2022-04-30\""));
    assert_non_null(strstr(buf, "\"on_time_rate\": null"));
    assert_non_null(strstr(buf, "\"open_at_end\": 1,"));
    assert_null(strstr(buf, "groups"));
    free(buf);
    report_destroy(&r);
}

/* Month figures: each by its own column; they add up to the total, and
 * open_at_end of the last month is the total's. */
static void test_by_month(void **state)
{
    report_t *r = year_2022(*state, REPORT_BY_MONTH);
    assert_int_equal(report_n_groups(r), 12);
    assert_string_equal(report_group_key(r, 0), "2022-01");
    assert_string_equal(report_group_name(r, 0), "2022年01月");
    assert_string_equal(report_group_key(r, 11), "2022-12");
    const report_counts_t *jan = report_group_counts(r, 0), *jun = report_group_counts(r, 5);
    const report_counts_t *sep = report_group_counts(r, 8), *dec = report_group_counts(r, 11);
    assert_int_equal(jan->received, 1);
    assert_int_equal(jan->closed, 2);
    assert_int_equal(jan->direct_answered, 1);
    assert_int_equal(jan->rated, 1);
    assert_int_equal(jan->kb_updates, 1);
    assert_int_equal(jan->open_at_end, 1);
    assert_int_equal(jun->overdue, 1);
    assert_int_equal(jun->bad_rectified, 1);
    assert_int_equal(jun->kb_updates, 1);
    assert_int_equal(jun->open_at_end, 1);
    assert_int_equal(sep->open_at_end, 2);
    assert_int_equal(dec->received, 4);
    assert_int_equal(dec->closed, 2);
    assert_int_equal(dec->bad_ratings, 1);
    assert_int_equal(dec->open_at_end, 4);
    report_counts_t sum = {0};
    for (size_t i = 0; i < report_n_groups(r); i++) {
        const report_counts_t *g = report_group_counts(r, i);
        sum.received += g->received;
        sum.closed += g->closed;
        sum.rated += g->rated;
        sum.overdue += g->overdue;
        sum.kb_updates += g->kb_updates;
    }
    const report_counts_t *t = report_total(r);
    assert_int_equal(sum.received, t->received);
    assert_int_equal(sum.closed, t->closed);
    assert_int_equal(sum.rated, t->rated);
    assert_int_equal(sum.overdue, t->overdue);
    assert_int_equal(sum.kb_updates, t->kb_updates);
    assert_int_equal(dec->open_at_end, t->open_at_end);
    report_destroy(&r);
}

/* For attributes that do not move, every count of the groups adds up to the total. */
static void assert_groups_add_up(const report_t *r, bool with_kb)
{
    size_t n;
    const report_figure_t *f = report_figures(&n);
    for (size_t k = 0; k < n; k++) {
        if (f[k].kind != REPORT_COUNT || (!with_kb && strcmp(f[k].key, "kb_updates") == 0)) continue;
        double sum = 0, v;
        for (size_t i = 0; i < report_n_groups(r); i++)
            if (report_figure_value(&f[k], report_group_counts(r, i), &v) == 0) sum += v;
        assert_float_equal(sum, value(report_total(r), f[k].key), 0);
    }
}

static void test_by_type(void **state)
{
    report_t *r = year_2022(*state, REPORT_BY_TYPE);
    /* table order; A14 (praise) is outside and types with no row don't appear */
    const char *keys[] = {"consult", "help", "complaint", "report", "suggest", "praise"};
    assert_int_equal(report_n_groups(r), 6);
    for (size_t i = 0; i < 6; i++) assert_string_equal(report_group_key(r, i), keys[i]);
    assert_string_equal(report_group_name(r, 2), "投诉");
    const report_counts_t *complaint = report_group_counts(r, 2);
    assert_int_equal(complaint->received, 4);
    assert_int_equal(complaint->closed, 3);
    assert_int_equal(complaint->open_at_end, 2);
    assert_int_equal(complaint->kb_updates, REPORT_NA);
    assert_int_equal(report_group_counts(r, 5)->praise, 1);
    assert_groups_add_up(r, false);
    report_destroy(&r);
}

static void test_by_unit(void **state)
{
    report_t *r = year_2022(*state, REPORT_BY_UNIT);
    size_t n = report_n_groups(r);
    assert_string_equal(report_group_key(r, 0), "unit.chengguan");
    assert_string_equal(report_group_name(r, 0), "区城市管理和综合执法局");
    const report_counts_t *cg = report_group_counts(r, 0);
    assert_int_equal(cg->received, 2);
    assert_int_equal(cg->closed, 2);
    assert_int_equal(cg->rated, 2);
    assert_int_equal(cg->bad_ratings, 1);
    assert_int_equal(cg->bad_rectified, 0);
    assert_int_equal(cg->open_at_end, 1);
    /* a group made only by a KB update, and the NULL unit last */
    bool jinxia = false;
    for (size_t i = 0; i < n; i++)
        if (report_group_key(r, i) && strcmp(report_group_key(r, i), "unit.street.jinxia") == 0) {
            jinxia = true;
            assert_string_equal(report_group_name(r, i), "金霞街道办事处");
            assert_int_equal(report_group_counts(r, i)->kb_updates, 1);
        }
    assert_true(jinxia);
    assert_null(report_group_key(r, n - 1));
    assert_int_equal(report_group_counts(r, n - 1)->received, 2);     /* A02, A04 */
    assert_int_equal(report_group_counts(r, n - 1)->direct_answered, 1);
    assert_groups_add_up(r, true);
    report_destroy(&r);
}

static void test_by_street(void **state)
{
    report_t *r = year_2022(*state, REPORT_BY_STREET);
    size_t n = report_n_groups(r);
    assert_string_equal(report_group_key(r, 0), "jinxia");
    assert_string_equal(report_group_name(r, 0), "金霞");
    assert_int_equal(report_group_counts(r, 0)->received, 0);
    assert_int_equal(report_group_counts(r, 0)->closed, 1);
    assert_null(report_group_key(r, n - 1));
    assert_int_equal(report_group_counts(r, n - 1)->received, 9);
    assert_groups_add_up(r, false);
    report_destroy(&r);
}

/* A grouped report's total (summed from its groups) equals the ungrouped one,
 * which is computed by other statements (open_at_end directly, not by month). */
static void test_grouped_totals_match(void **state)
{
    report_t *plain = year_2022(*state, REPORT_BY_NONE);
    for (report_by_t by = REPORT_BY_MONTH; by <= REPORT_BY_STREET; by++) {
        report_t *r = year_2022(*state, by);
        assert_memory_equal(report_total(r), report_total(plain), sizeof(report_counts_t));
        report_destroy(&r);
    }
    report_destroy(&plain);
}

static void test_outcomes(void **state)
{
    fixture_t *fx = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(report_fmt_outcomes(out, fx->st, false), 0);
    fclose(out);
    /* the columns of the first version, then close_due and late_work_hours
     * (empty: these tickets have no deadline; see test_report_sla.c) */
    const char *expect_head =
        "id,state,unit,received_at,closed_at,on_time,rating,close_due,late_work_hours\n"
        "A01,DONE,unit.chengguan,2021-12-31 23:59:59,2022-01-05 10:00:00,1,,,\n"
        "A02,ANSWERED,,2022-01-01 00:00:00,2022-01-01 00:00:00,1,,,\n"
        "A03,DONE,unit.renshe,2022-03-10 10:00:00,2022-03-11 10:00:00,1,5,,\n"
        "A04,PRAISE,,2022-05-01 09:00:00,,,,,\n";
    assert_memory_equal(buf, expect_head, strlen(expect_head));
    const char *tail = "\"B,\"\"1\"\"\",DISPATCHED,unit.street.longhua,2022-09-09 09:09:09,,,,,\n";
    assert_true(len > strlen(tail));
    assert_string_equal(buf + len - strlen(tail), tail);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += buf[i] == '\n';
    assert_int_equal(lines, 1 + sizeof ROWS / sizeof ROWS[0]);
    free(buf);
}

static void test_table_and_csv(void **state)
{
    report_t *r = year_2022(*state, REPORT_BY_NONE);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(report_fmt_figures(out, r, FMT_TABLE, false), 0);
    fclose(out);
    /* keys padded to the longest (first_dispatch_accuracy = 23), labels to the
     * widest display width (满意率（不含基本满意） = 22 columns), not bytes;
     * values right-aligned to "88.89%" */
    assert_non_null(strstr(buf, "period: 2022-01-01 .. 2022-12-31 (CST)\n"));
    assert_non_null(strstr(buf, "\nreceived" "                 " "受理新工单" "                  " "12\n"));
    assert_non_null(strstr(buf, "\non_time_rate" "             " "工单按时办结率" "          " "88.89%\n"));
    free(buf);
    out = open_memstream(&buf, &len);
    assert_int_equal(report_fmt_figures(out, r, FMT_CSV, true), 0);
    fclose(out);
    static const char head[] = "\xEF\xBB\xBFkey,name,received,closed,on_time_rate,";
    assert_memory_equal(buf, head, sizeof head - 1);
    assert_non_null(strstr(buf, "\ntotal,合计,12,9,0.8888888889,2,1,1,0.3333333333,1,7,"));
    free(buf);
    report_destroy(&r);
}

static void test_compare(void **state)
{
    static const char SCN[] =
        "[scenario]\nname = t\nseed = 1\nfrom = 2022-01-01\nto = 2023-01-01\n"
        "[published]\nreceived = 10\non_time_rate = 100\nbad_rectified_rate = 1\nnot_a_figure = 3\n";
    char err[256];
    scenario_t *sc = scenario_load_buf(SCN, strlen(SCN), err, sizeof err);
    assert_non_null(sc);
    report_t *r = year_2022(*state, REPORT_BY_NONE);
    size_t n;
    report_compare_row_t *rows = report_compare(r, sc, &n);
    double d;
    assert_int_equal(n, 4);
    assert_string_equal(rows[0].figure, "received");
    assert_int_equal(report_compare_diff(&rows[0], &d), 0);
    assert_float_equal(d, 2, 0);
    assert_int_equal(report_compare_diff(&rows[1], &d), 0);            /* 100 read as 100% */
    assert_float_equal(d, (8.0 / 9.0 - 1) * 100, 1e-9);
    assert_int_equal(report_compare_diff(&rows[2], &d), 0);
    assert_float_equal(d, (2.0 / 3.0 - 1) * 100, 1e-9);
    assert_null(rows[3].def);
    assert_int_equal(report_compare_diff(&rows[3], &d), -1);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(report_fmt_compare(out, "t", r, rows, n, FMT_JSON, false), 0);
    fclose(out);
    assert_non_null(strstr(buf, "{\"figure\": \"received\", \"published\": 10, \"measured\": 12, \"diff\": 2}"));
    assert_non_null(strstr(buf, "{\"figure\": \"not_a_figure\", \"published\": 3, \"measured\": null, \"diff\": null}"));
    free(buf);
    free(rows);
    report_destroy(&r);
    scenario_destroy(&sc);
}

static void test_open_errors(void **state)
{
    report_status_t status;
    assert_null(report_store_open("/nonexistent/dir/store.db", &status));
    assert_int_equal(status, REPORT_E_NOINPUT);
    char path[] = "/tmp/test_report_v_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "this is not a database, just text padding it out....", 52), 52);
    close(fd);
    assert_null(report_store_open(path, &status));
    assert_int_equal(status, REPORT_E_DATA);
    sqlite_files_remove(path);
    sqlite3_close(make_store(path, REPORT_SCHEMA_VERSION + 1));
    assert_null(report_store_open(path, &status));
    assert_int_equal(status, REPORT_E_DATA);
    sqlite_files_remove(path);
    sqlite3_close(make_store(path, REPORT_SCHEMA_OLDEST - 1));
    assert_null(report_store_open(path, &status));
    sqlite_files_remove(path);
    /* every version in the range opens */
    for (int v = REPORT_SCHEMA_OLDEST; v <= REPORT_SCHEMA_VERSION; v++) {
        sqlite3_close(make_store(path, v));
        report_store_t *ok = report_store_open(path, &status);
        assert_non_null(ok);
        report_store_destroy(&ok);
        sqlite_files_remove(path);
    }
}

static void test_check_and_span(void **state)
{
    fixture_t *fx = *state;
    bool ok = false, any = false;
    int64_t lo, hi;
    assert_int_equal(report_store_check(fx->st, stderr, &ok), 0);
    assert_true(ok);
    assert_int_equal(report_store_span(fx->st, &any, &lo, &hi), 0);
    assert_true(any);
    assert_int_equal(lo, T("2021-11-01T08:00"));
    assert_int_equal(hi, T("2023-01-01"));
}

static void test_display_width_and_csv(void **state)
{
    assert_int_equal(fmt_display_width("received"), 8);
    assert_int_equal(fmt_display_width("受理新工单"), 10);
    assert_int_equal(fmt_display_width("（a）"), 5);
    assert_int_equal(fmt_display_width(""), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    fmt_csv_field(out, "plain");
    fmt_csv_field(out, "a,b");
    fmt_csv_field(out, "say \"hi\"");
    fmt_csv_field(out, "two\nlines");
    fclose(out);
    assert_string_equal(buf, "plain\"a,b\"\"say \"\"hi\"\"\"\"two\nlines\"");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_figures_total, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_period_rates_are_na, setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_month, setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_by_street, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grouped_totals_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outcomes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_and_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_and_span, setup, teardown),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_display_width_and_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
