/* test_report_sla: the SLA figures of hotline-report --by unit (report_sla,
 * merged by report_query), the late-ticket list of --late (report_late), the
 * lateness columns of --outcomes, and the knowledge-base entries of unit
 * "street", asserted exactly on a hand-made store of March 2022.
 *
 * The period is March 2022 and "now" is its end, 2022-04-01 00:00 CST (a
 * Friday). Working days: March 2022 has no holiday; 2022-04-02 (Saturday) is
 * a working day and 04-03..04-05 are off (清明). Each ticket's comment gives
 * the working time it was built for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "calendar.h"
#include "report_format.h"
#include "report_late.h"
#include "report_query.h"
#include "report_sla.h"
#include "store.h"
#include "sqlite_files.h"

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

typedef struct {
    const char *id, *received, *type, *unit, *state;
    int direct;
    const char *closed;
    int on_time;              /* -1 = NULL */
    const char *close_due;
} ticket_row_t;

static const ticket_row_t TICKETS[] = {
    /* first closes of March: working time received → closed */
    {"C1", "2022-03-01T10:00", "complaint", "unit.chengguan", "DONE", 0, "2022-03-02T10:00", 1, "2022-03-08"},   /* 1 d */
    {"C2", "2022-03-04T12:00", "complaint", "unit.chengguan", "DONE", 0, "2022-03-08T12:00", 1, "2022-03-12"},   /* 2 d over a weekend */
    {"C3", "2022-03-09T00:00", "complaint", "unit.chengguan", "DONE", 0, "2022-03-15T00:00", 0, "2022-03-12"},   /* 4 d; 24 h late */
    {"C4", "2022-03-10T06:00", "help", "unit.zhujian", "DONE", 0, "2022-03-11T06:00", 1, "2022-03-20"},         /* 1 d */
    {"C5", "2022-03-14T00:00", "complaint", "unit.zhujian", "DONE", 0, "2022-03-16T00:00", 0, "2022-03-15T12:00"},/* 2 d; 12 h late */
    {"C6", "2022-03-01T00:00", "consult", "unit.renshe", "ANSWERED", 1, "2022-03-31T00:00", 1, NULL},          /* direct: no median */
    {"C7", "2022-02-20T00:00", "complaint", "unit.chengguan", "DONE", 0, "2022-02-25T00:00", 0, "2022-02-22"},   /* late, before March */
    {"C9", "2022-03-16T00:00", "help", "unit.minzheng", "DONE", 0, "2022-03-16T06:00", 1, "2022-03-30"},         /* 0.25 d */
    {"C10", "2022-03-21T00:00", "help", "unit.minzheng", "DONE", 0, "2022-03-24T00:00", 1, "2022-04-10"},        /* 3 d */
    /* open at now, by working age: each bucket's edges */
    {"O1", "2022-03-31T00:00:01", "complaint", "unit.gongan", "SIGNED", 0, NULL, -1, "2022-04-08"},   /* 1 d − 1 s: [0,1) */
    {"O2", "2022-03-31T00:00:00", "complaint", "unit.gongan", "SIGNED", 0, NULL, -1, "2022-04-08"},   /* 1 d: [1,3) */
    {"O3", "2022-03-29T00:00:01", "complaint", "unit.gongan", "SIGNED", 0, NULL, -1, "2022-04-08"},   /* 3 d − 1 s: [1,3) */
    {"O4", "2022-03-29T00:00:00", "complaint", "unit.gongan", "SIGNED", 0, NULL, -1, "2022-04-08"},   /* 3 d: [3,5) */
    {"O5", "2022-03-25T00:00:01", "complaint", "unit.gongan", "SIGNED", 0, NULL, -1, "2022-04-08"},   /* 5 d − 1 s: [3,5) */
    {"O6", "2022-03-25T00:00:00", "complaint", "unit.gongan", "SIGNED", 0, NULL, -1, "2022-04-01"},   /* 5 d: [5,10); due = now: not overdue */
    {"O7", "2022-03-18T00:00:01", "complaint", "unit.gongan", "SIGNED", 0, NULL, -1, "2022-03-31T12:00"}, /* [5,10); 12 h overdue */
    {"O8", "2022-03-18T00:00:00", "complaint", "unit.gongan", "DISPATCHED", 0, NULL, -1, "2022-03-25"},  /* 10 d: [10,∞); 120 h overdue */
    {"O9", "2022-03-26T10:00", "help", NULL, "RECEIVED", 0, NULL, -1, NULL},              /* Saturday: 4 d [3,5); no unit, no deadline */
    {"O10", "2022-03-30T00:00", "complaint", "unit.jiaotong", "CLOSED", 0, "2022-04-02T10:00", 0, "2022-03-31"}, /* closed after now: open then, 2 d, 24 h overdue */
    /* never open at now */
    {"X1", "2022-03-20T00:00", "praise", NULL, "PRAISE", 0, NULL, -1, NULL},
    {"X2", "2022-04-02T08:00", "help", "unit.gongan", "DISPATCHED", 0, NULL, -1, "2022-04-20"},
};
#define N_TICKETS (sizeof TICKETS / sizeof TICKETS[0])

typedef struct {
    const char *ticket, *at, *kind, *unit, *detail;
} event_row_t;

static const event_row_t EVENTS[] = {
    {"C1", "2022-03-01T10:05", "dispatched", "unit.chengguan", NULL},
    {"C1", "2022-03-01T11:00", "signed", "unit.chengguan", NULL},
    {"C3", "2022-03-09T01:00", "dispatched", "unit.zhujian", NULL},      /* then returned ... */
    {"C3", "2022-03-09T03:00", "returned", "unit.zhujian", NULL},
    {"C3", "2022-03-09T05:00", "dispatched", "unit.chengguan", NULL},    /* ... and counted again */
    {"C3", "2022-03-10T08:00", "signed", "unit.chengguan", "signed late"},
    {"O10", "2022-03-01T00:00:00", "dispatched", "unit.jiaotong", NULL}, /* the first second: in */
    {"O10", "2022-04-01T00:00:00", "signed", "unit.jiaotong", "signed late"}, /* the end: out */
    {"C7", "2022-02-20T01:00", "dispatched", "unit.chengguan", NULL},    /* before: out */
    {"C7", "2022-02-21T01:00", "signed", "unit.chengguan", "signed late"},
    {"O8", "2022-03-31T23:59:59", "dispatched", "unit.gongan", NULL},
    {"X2", "2022-04-06T00:00", "classified", "unit.gongan", NULL},       /* the store's last event */
};
#define N_EVENTS (sizeof EVENTS / sizeof EVENTS[0])

static void bind_time(sqlite3_stmt *s, int i, const char *t)
{
    if (t) sqlite3_bind_int64(s, i, T(t));
    else sqlite3_bind_null(s, i);
}

static void insert_ticket(sqlite3 *db, const ticket_row_t *r)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db,
        "INSERT INTO ticket (id, received_at, type, urgent, unit, state, direct, closed_at, on_time, close_due, "
        "category) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, ?8, ?9, 'city')", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
    bind_time(s, 2, r->received);
    sqlite3_bind_text(s, 3, r->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, r->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, r->direct);
    bind_time(s, 7, r->closed);
    if (r->on_time >= 0) sqlite3_bind_int(s, 8, r->on_time);
    bind_time(s, 9, r->close_due);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

static void insert_event(sqlite3 *db, const event_row_t *e, int seq)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db,
        "INSERT INTO event (ticket_id, seq, at, kind, state, round, unit, detail) "
        "VALUES (?1, ?2, ?3, ?4, 'X', 0, ?5, ?6)", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, e->ticket, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, seq);
    bind_time(s, 3, e->at);
    sqlite3_bind_text(s, 4, e->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, e->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, e->detail, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

static void insert_kb(sqlite3 *db, int rev, const char *at, const char *unit, const char *source)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO kb_rev (rev, id, valid_from, category, unit, keywords, answer, source, recorded_at) "
             "VALUES (%d, 'KB0277', %lld, 'community', '%s', 'k', 'a', '%s', 0)",
             rev, (long long)T(at), unit, source);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
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

/* The store of the tables above, with its roll-ups built as the broker keeps them. */
static void build_store(const char *path)
{
    sqlite3 *db;
    char *schema = slurp(HOTLINE_SOURCE_DIR "/schemas/store.sql");
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
    free(schema);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 4; BEGIN", NULL, NULL, NULL), SQLITE_OK);
    for (size_t i = 0; i < N_TICKETS; i++) insert_ticket(db, &TICKETS[i]);
    for (size_t i = 0; i < N_EVENTS; i++) insert_event(db, &EVENTS[i], (int)i + 1);
    insert_kb(db, 1, "2021-06-01T00:00", "street", "seed");          /* seed: never counts */
    insert_kb(db, 2, "2022-03-05T00:00", "street", "update");
    insert_kb(db, 3, "2022-03-06T00:00", "street", "update");
    insert_kb(db, 4, "2022-03-07T00:00", "unit.renshe", "update");
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[256] = "";
    store_t *w = store_open(path, STORE_SYNC_NORMAL, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(store_rollup_rebuild(w), 0);
    store_close(&w);
}

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/test_report_sla_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/s.db", fx->dir);
    build_store(fx->path);
    report_status_t status;
    fx->st = report_store_open(fx->path, &status);
    assert_non_null(fx->st);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    report_store_destroy(&fx->st);
    sqlite_files_remove(fx->path);
    assert_int_equal(rmdir(fx->dir), 0);
    free(fx);
    return 0;
}

static report_t *march(fixture_t *fx, report_by_t by)
{
    report_t *r = report_compute(fx->st, T("2022-03-01"), T("2022-04-01"), by);
    assert_non_null(r);
    return r;
}

/* The SLA figures of the group keyed key (NULL: no unit); fails if absent. */
static const report_sla_t *unit_sla(const report_t *r, const char *key)
{
    for (size_t i = 0; i < report_n_groups(r); i++) {
        const char *k = report_group_key(r, i);
        if ((!k && !key) || (k && key && strcmp(k, key) == 0)) return report_group_sla(r, i);
    }
    fail_msg("no group %s", key ? key : "(null)");
    return NULL;
}

static void assert_aged(const report_sla_t *s, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e)
{
    const int64_t want[REPORT_AGE_N] = {a, b, c, d, e};
    for (int i = 0; i < REPORT_AGE_N; i++) assert_int_equal(s->aged[i], want[i]);
}

/* A string the caller frees: what fn wrote. */
#define CAPTURE(buf, call)                                     \
    do {                                                       \
        size_t len_ = 0;                                       \
        FILE *out = open_memstream(&(buf), &len_);             \
        assert_int_equal((call), 0);                           \
        fclose(out);                                           \
    } while (0)

/* ------------------------------------------------------------------ tests */

static void test_dispatched_and_signed_late(void **state)
{
    report_t *r = march(*state, REPORT_BY_UNIT);
    assert_int_equal(unit_sla(r, "unit.chengguan")->dispatched, 2);   /* C1, C3's re-dispatch */
    assert_int_equal(unit_sla(r, "unit.zhujian")->dispatched, 1);     /* C3 before its 退单 */
    assert_int_equal(unit_sla(r, "unit.jiaotong")->dispatched, 1);    /* at the first second */
    assert_int_equal(unit_sla(r, "unit.gongan")->dispatched, 1);      /* at the last second */
    assert_int_equal(report_total_sla(r)->dispatched, 5);
    assert_int_equal(unit_sla(r, "unit.chengguan")->signed_late, 1);
    assert_int_equal(unit_sla(r, "unit.jiaotong")->signed_late, 0);   /* at the end: out */
    assert_int_equal(report_total_sla(r)->signed_late, 1);
    report_destroy(&r);
}

static void test_closed_late_and_median(void **state)
{
    report_t *r = march(*state, REPORT_BY_UNIT);
    const report_sla_t *cg = unit_sla(r, "unit.chengguan"), *zj = unit_sla(r, "unit.zhujian");
    const report_sla_t *mz = unit_sla(r, "unit.minzheng"), *rs = unit_sla(r, "unit.renshe");
    assert_int_equal(cg->closed_late, 1);                 /* C3; C7 closed before March */
    assert_int_equal(zj->closed_late, 1);
    assert_int_equal(report_total_sla(r)->closed_late, 2);
    assert_int_equal(report_total_sla(r)->closed_late, report_total(r)->closed - report_total(r)->on_time_closed);
    assert_int_equal(cg->median_n, 3);
    assert_float_equal(cg->median_close_workdays, 2.0, 1e-12);    /* 1, 2, 4 */
    assert_int_equal(zj->median_n, 2);
    assert_float_equal(zj->median_close_workdays, 1.5, 1e-12);    /* 1, 2: the middle two's mean */
    assert_float_equal(mz->median_close_workdays, 1.625, 1e-12);  /* 0.25, 3 */
    assert_int_equal(rs->median_n, 0);                             /* a direct answer only */
    double v;
    size_t n;
    const report_sla_figure_t *f = report_sla_figures(&n);
    assert_int_equal(n, 10);
    assert_string_equal(f[4].key, "median_close_workdays");
    assert_int_equal(report_sla_value(&f[4], rs, &v), -1);
    assert_int_equal(report_total_sla(r)->median_n, 7);
    assert_float_equal(report_total_sla(r)->median_close_workdays, 2.0, 1e-12);   /* 0.25 1 1 2 2 3 4 */
    report_destroy(&r);
}

static void test_open_at_now(void **state)
{
    report_t *r = march(*state, REPORT_BY_UNIT);
    assert_int_equal(report_now_of(r), T("2022-04-01"));
    const report_sla_t *ga = unit_sla(r, "unit.gongan");
    assert_aged(ga, 1, 2, 2, 2, 1);
    assert_int_equal(ga->overdue_now, 2);                       /* O7, O8; O6 is due at now */
    assert_aged(unit_sla(r, NULL), 0, 0, 1, 0, 0);              /* O9, received on a Saturday */
    assert_aged(unit_sla(r, "unit.jiaotong"), 0, 1, 0, 0, 0);   /* O10, closed after now */
    assert_int_equal(unit_sla(r, "unit.jiaotong")->overdue_now, 1);
    const report_sla_t *t = report_total_sla(r);
    assert_aged(t, 1, 3, 3, 2, 1);
    assert_int_equal(t->overdue_now, 3);
    /* the open tickets at the period's end are the open_at_end ones */
    int64_t open = 0;
    for (int i = 0; i < REPORT_AGE_N; i++) open += t->aged[i];
    assert_int_equal(open, report_total(r)->open_at_end);
    report_destroy(&r);
}

/* Open at an earlier now: tickets closed since were open then (C6, a direct
 * answer received 03-01 and answered 03-31), tickets received since were not. */
static void test_open_at_an_earlier_now(void **state)
{
    fixture_t *fx = *state;
    report_t *r = report_compute_at(fx->st, T("2022-03-01"), T("2022-04-01"), REPORT_BY_UNIT, T("2022-03-25"));
    assert_non_null(r);
    assert_aged(report_total_sla(r), 0, 0, 1, 1, 1);   /* O7 5 d − 1 s, O8 5 d, C6 18 d */
    assert_int_equal(report_total_sla(r)->overdue_now, 0);   /* O8 is due at 03-25 00:00: not before */
    report_destroy(&r);
    assert_int_equal(report_sla_now(T("2022-04-01")), T("2022-04-01"));
    int64_t wall = (int64_t)time(NULL);
    int64_t now = report_sla_now(T("2100-01-01"));
    assert_true(now >= wall && now <= wall + 5);
}

static void test_age_floors(void **state)
{
    (void)state;
    static const int WANT[] = {0, 1, 3, 5, 10, -1};
    for (int i = 0; i <= REPORT_AGE_N; i++) assert_int_equal(report_sla_age_floor(i), WANT[i]);
}

/* Only --by unit has SLA figures; every other grouping leaves them out. */
static void test_only_by_unit(void **state)
{
    for (report_by_t by = REPORT_BY_NONE; by <= REPORT_BY_STREET; by++) {
        report_t *r = march(*state, by);
        bool unit = by == REPORT_BY_UNIT;
        assert_true((report_total_sla(r) != NULL) == unit);
        char *buf = NULL;
        CAPTURE(buf, report_fmt_figures(out, r, by == REPORT_BY_NONE ? FMT_JSON : FMT_CSV, false));
        assert_true((strstr(buf, "dispatched") != NULL) == unit);
        assert_true((strstr(buf, "aged_10_plus") != NULL) == unit);
        free(buf);
        report_destroy(&r);
    }
}

static void test_formats(void **state)
{
    report_t *r = march(*state, REPORT_BY_UNIT);
    char *buf = NULL;
    CAPTURE(buf, report_fmt_figures(out, r, FMT_CSV, false));
    assert_non_null(strstr(buf, ",open_at_end,kb_updates,dispatched,signed_late,overdue_now,closed_late,"
                                "median_close_workdays,aged_0_1,aged_1_3,aged_3_5,aged_5_10,aged_10_plus,"
                                "returns,returns_approved,extensions,suspensions,merged,co_handled,reminders,"
                                "notifications,unreachable,reopened,manual_dispatch,first_dispatch_accuracy\n"));
    /* the SLA columns follow kb_updates, the rules' figures follow them; "-"
     * for a median of nothing and for an accuracy without first dispatches */
    assert_non_null(strstr(buf, "\nunit.chengguan,区城市管理和综合执法局,3,3,0.6666666667,0,0,0,-,0,0,-,-,0,0,-,0,0,0,"
                                "2,1,0,1,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1\n"));
    /* zhujian: its one first dispatch was returned (approved): accuracy 0 */
    assert_non_null(strstr(buf, "\nunit.zhujian,区住房和城乡建设局,2,2,0.5,0,0,0,-,0,0,-,-,0,0,-,0,0,0,"
                                "1,0,0,1,1.5,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0\n"));
    assert_non_null(strstr(buf, "\nunit.minzheng,区民政局,2,2,1,0,0,0,-,0,0,-,-,0,0,-,0,0,0,"
                                "0,0,0,0,1.625,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,-\n"));
    assert_non_null(strstr(buf, "\nunit.gongan,市公安局龙湖分局,8,0,-,0,0,0,-,0,0,-,-,0,0,-,0,8,0,"
                                "1,0,2,0,-,1,2,2,2,1,0,0,0,0,0,0,0,0,0,0,0,1\n"));
    assert_non_null(strstr(buf, "\ntotal,合计,19,8,0.75,0,0,1,1,1,0,-,-,0,0,-,0,10,3,"
                                "5,1,3,2,2,1,3,3,2,1,0,1,0,0,0,0,0,0,0,0,0,0.8\n"));
    free(buf);
    CAPTURE(buf, report_fmt_figures(out, r, FMT_JSON, false));
    assert_non_null(strstr(buf, "\"kb_updates\": 3,\n  \"dispatched\": 5,\n  \"signed_late\": 1,\n"
                                "  \"overdue_now\": 3,\n  \"closed_late\": 2,\n  \"median_close_workdays\": 2,\n"
                                "  \"aged_0_1\": 1,\n  \"aged_1_3\": 3,\n  \"aged_3_5\": 3,\n  \"aged_5_10\": 2,\n"
                                "  \"aged_10_plus\": 1,\n  \"returns\": 0,\n"));
    assert_non_null(strstr(buf, "  \"manual_dispatch\": 0,\n  \"first_dispatch_accuracy\": 0.8,\n  \"groups\""));
    assert_non_null(strstr(buf, "\"median_close_workdays\": 1.625,"));
    assert_non_null(strstr(buf, "\"median_close_workdays\": null,"));
    free(buf);
    CAPTURE(buf, report_fmt_figures(out, r, FMT_TABLE, false));
    assert_non_null(strstr(buf, "  median_close_workdays  "));
    assert_non_null(strstr(buf, " 1.50 "));    /* zhujian's median, two decimals */
    free(buf);
    report_destroy(&r);
}

/* Knowledge-base entries of unit "street" (community matters, handled by
 * each street office) are one group, not a unit called "street". */
static void test_street_kb_group(void **state)
{
    report_t *r = march(*state, REPORT_BY_UNIT);
    bool offices = false;
    for (size_t i = 0; i < report_n_groups(r); i++) {
        const char *k = report_group_key(r, i);
        assert_true(!k || strcmp(k, "street") != 0);
        if (k && strcmp(k, "unit.street.*") == 0) {
            offices = true;
            assert_string_equal(report_group_name(r, i), "各街道办事处");
            assert_int_equal(report_group_counts(r, i)->kb_updates, 2);
            assert_int_equal(report_group_counts(r, i)->received, 0);
            const char *next = i + 1 < report_n_groups(r) ? report_group_key(r, i + 1) : NULL;
            assert_null(next);   /* after every known unit, before the tickets without a unit */
        }
    }
    assert_true(offices);
    assert_int_equal(report_total(r)->kb_updates, 3);
    char *buf = NULL;
    CAPTURE(buf, report_fmt_figures(out, r, FMT_CSV, false));
    assert_null(strstr(buf, "\nstreet,"));
    assert_non_null(strstr(buf, "\nunit.street.*,各街道办事处,0,0,-,"));
    free(buf);
    report_destroy(&r);
}

static void test_late_list(void **state)
{
    fixture_t *fx = *state;
    report_late_t *l = report_late_compute(fx->st, T("2022-03-01"), T("2022-04-01"), T("2022-04-01"));
    assert_non_null(l);
    static const struct { const char *id; bool open; int64_t late_s; } WANT[] = {
        {"O8", true, 120 * 3600}, {"C3", false, 24 * 3600}, {"O10", true, 24 * 3600},
        {"C5", false, 12 * 3600}, {"O7", true, 12 * 3600},
    };
    assert_int_equal(report_late_n(l), 5);
    assert_int_equal(report_late_n_open(l), 3);
    for (size_t i = 0; i < 5; i++) {
        const report_late_row_t *row = report_late_row(l, i);
        assert_string_equal(row->id, WANT[i].id);
        assert_int_equal(row->open, WANT[i].open);
        assert_int_equal(row->late_s, WANT[i].late_s);
    }
    char *buf = NULL;
    CAPTURE(buf, report_fmt_late(out, l, FMT_CSV, false));
    assert_string_equal(buf,
        "id,unit,type,close_due,closed_at,late_work_hours\n"
        "O8,unit.gongan,complaint,2022-03-25 00:00:00,open,120.0\n"
        "C3,unit.chengguan,complaint,2022-03-12 00:00:00,2022-03-15 00:00:00,24.0\n"
        "O10,unit.jiaotong,complaint,2022-03-31 00:00:00,open,24.0\n"
        "C5,unit.zhujian,complaint,2022-03-15 12:00:00,2022-03-16 00:00:00,12.0\n"
        "O7,unit.gongan,complaint,2022-03-31 12:00:00,open,12.0\n");
    free(buf);
    CAPTURE(buf, report_fmt_late(out, l, FMT_JSON, false));
    assert_non_null(strstr(buf, "\"from\": \"2022-03-01\",\n  \"to\": \"2022-03-31\",\n"
                                "  \"now\": \"2022-04-01 00:00:00\",\n  \"rows\": [\n"
                                "    {\"id\": \"O8\", \"unit\": \"unit.gongan\", \"type\": \"complaint\", "
                                "\"close_due\": \"2022-03-25 00:00:00\", \"closed_at\": \"open\", "
                                "\"late_work_hours\": 120.0},"));
    free(buf);
    CAPTURE(buf, report_fmt_late(out, l, FMT_TABLE, false));
    assert_non_null(strstr(buf, "late: 5 (closed late 2, open past the deadline 3)\n"));
    free(buf);
    report_late_destroy(&l);
    assert_null(l);
    /* Read as centres put together (what a province report does), each row
     * names its centre, first: an id can repeat across centres. */
    report_status_t status;
    report_store_t *merged = report_store_open_centres(fx->path, NULL, true, true, &status);
    assert_non_null(merged);
    l = report_late_compute(merged, T("2022-03-01"), T("2022-04-01"), T("2022-04-01"));
    assert_non_null(l);
    assert_true(report_late_by_centre(l));
    assert_int_equal(report_late_n(l), 5);
    assert_string_equal(report_late_row(l, 0)->centre, "longhu");
    CAPTURE(buf, report_fmt_late(out, l, FMT_CSV, false));
    assert_non_null(strstr(buf, "centre,id,unit,type,close_due,closed_at,late_work_hours\n"
                                "longhu,O8,unit.gongan,complaint,2022-03-25 00:00:00,open,120.0\n"));
    free(buf);
    CAPTURE(buf, report_fmt_late(out, l, FMT_JSON, false));
    assert_non_null(strstr(buf, "    {\"centre\": \"longhu\", \"id\": \"O8\", \"unit\": \"unit.gongan\""));
    free(buf);
    report_late_destroy(&l);
    report_store_destroy(&merged);
    /* the late rows are the late closes plus the open overdue tickets */
    report_t *r = march(fx, REPORT_BY_UNIT);
    assert_int_equal(report_total_sla(r)->closed_late + report_total_sla(r)->overdue_now, 5);
    report_destroy(&r);
}

/* --outcomes: close_due, and lateness at the close or, for a ticket still
 * open, at the store's last event (2022-04-06 00:00), never the wall clock. */
static void test_outcomes_lateness(void **state)
{
    fixture_t *fx = *state;
    char *a = NULL, *b = NULL;
    CAPTURE(a, report_fmt_outcomes(out, fx->st, false));
    CAPTURE(b, report_fmt_outcomes(out, fx->st, false));
    assert_string_equal(a, b);
    static const char HEAD[] = "id,state,unit,received_at,closed_at,on_time,rating,close_due,late_work_hours\n";
    assert_memory_equal(a, HEAD, sizeof HEAD - 1);
    /* C3 closed 24 h late; C1 on time; C6 never due */
    assert_non_null(strstr(a, "\nC3,DONE,unit.chengguan,2022-03-09 00:00:00,2022-03-15 00:00:00,0,,"
                              "2022-03-12 00:00:00,24.0\n"));
    assert_non_null(strstr(a, "\nC1,DONE,unit.chengguan,2022-03-01 10:00:00,2022-03-02 10:00:00,1,,"
                              "2022-03-08 00:00:00,\n"));
    assert_non_null(strstr(a, "\nC6,ANSWERED,unit.renshe,2022-03-01 00:00:00,2022-03-31 00:00:00,1,,,\n"));
    /* O10 closed late over a Friday and the working Saturday 04-02: 24 + 24 + 10 h */
    assert_non_null(strstr(a, ",2022-04-02 10:00:00,0,,2022-03-31 00:00:00,58.0\n"));
    /* open: to 04-06 (04-03..05 off): O8 from 03-25 = 7 d, O7 from 03-31 12:00 = 2.5 d */
    assert_non_null(strstr(a, "\nO8,DISPATCHED,unit.gongan,2022-03-18 00:00:00,,,,2022-03-25 00:00:00,168.0\n"));
    assert_non_null(strstr(a, "\nO7,SIGNED,unit.gongan,2022-03-18 00:00:01,,,,2022-03-31 12:00:00,60.0\n"));
    /* open, not yet due at the last event */
    assert_non_null(strstr(a, "\nO1,SIGNED,unit.gongan,2022-03-31 00:00:01,,,,2022-04-08 00:00:00,\n"));
    free(a);
    free(b);
}

/* Stores of schema versions 1 and 2 (no ticket.signed_at, no event.actor)
 * give the same SLA figures and late list. */
static void test_old_schema(void **state)
{
    fixture_t *fx = *state;
    report_t *want = march(fx, REPORT_BY_UNIT);
    for (int v = 1; v <= 2; v++) {
        char old[128], sql[160];
        snprintf(old, sizeof old, "%s/v%d.db", fx->dir, v);
        build_store(old);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(old, &db), SQLITE_OK);
        snprintf(sql, sizeof sql, "ALTER TABLE ticket DROP COLUMN signed_at; ALTER TABLE event DROP COLUMN actor; "
                                  "PRAGMA user_version = %d", v);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        report_status_t status;
        report_store_t *st = report_store_open(old, &status);
        assert_non_null(st);
        report_t *r = report_compute(st, T("2022-03-01"), T("2022-04-01"), REPORT_BY_UNIT);
        assert_non_null(r);
        assert_memory_equal(report_total_sla(r), report_total_sla(want), sizeof(report_sla_t));
        report_late_t *l = report_late_compute(st, T("2022-03-01"), T("2022-04-01"), T("2022-04-01"));
        assert_non_null(l);
        assert_int_equal(report_late_n(l), 5);
        report_late_destroy(&l);
        report_destroy(&r);
        report_store_destroy(&st);
        static const char *const SUFFIX[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < 3; i++) {
            snprintf(sql, sizeof sql, "%s%s", old, SUFFIX[i]);
            unlink(sql);
        }
    }
    report_destroy(&want);
}

int main(void)
{
    setenv("HOTLINE_DATADIR", HOTLINE_SOURCE_DIR "/schemas", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dispatched_and_signed_late, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_late_and_median, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_at_now, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_at_an_earlier_now, setup, teardown),
        cmocka_unit_test(test_age_floors),
        cmocka_unit_test_setup_teardown(test_only_by_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_street_kb_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outcomes_lateness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_schema, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
