/* test_report_html: the HTML page of hotline-report (report_html, report_svg)
 * on a small hand-made store: every chart is there with one data point per
 * plotted value, the figures and comparison tables carry Chinese and English
 * names, text from the store and the scenario is escaped, the page fetches
 * nothing, an empty period still gives a valid page, and a failed write is
 * reported. Also: the open-ticket aging chart, units ordered by volume,
 * months without data left unlabelled, and the late-ticket table. */
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
#include "report_html.h"
#include "report_query.h"
#include "scenario.h"
#include "store.h"
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

typedef struct {
    const char *id, *received, *type;
    int urgent;
    const char *unit, *state, *closed;
    int on_time;            /* -1 = NULL */
    int rating;             /* 0 = NULL */
    const char *rated, *revisited;
} row_t;

/* Three months; two named units and one unknown unit whose raw code (with
 * markup in it) becomes its display name and must come out escaped. */
static const row_t ROWS[] = {
    {"H01", "2022-01-03T09:00", "complaint", 0, "unit.chengguan", "DONE", "2022-01-05T09:00", 1, 5,
     "2022-01-06T09:00", NULL},
    {"H02", "2022-01-10T09:00", "help", 1, "unit.chengguan", "DONE", "2022-01-11T09:00", 1, 1,
     "2022-01-12T09:00", "2022-01-20T09:00"},
    {"H03", "2022-01-20T09:00", "consult", 0, "unit.renshe", "DONE", "2022-02-02T09:00", 0, 4,
     "2022-02-03T09:00", NULL},
    {"H04", "2022-02-14T09:00", "report", 1, "unit.street.jinxia", "SIGNED", NULL, -1, 0, NULL, NULL},
    {"H05", "2022-03-01T09:00", "complaint", 0, "<b>&\"x'", "DONE", "2022-03-02T09:00", 1, 3,
     "2022-03-03T09:00", NULL},
    {"H06", "2022-03-05T09:00", "praise", 0, NULL, "PRAISE", NULL, -1, 0, NULL, NULL},
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
        "INSERT INTO ticket (id, received_at, type, urgent, unit, state, direct, closed_at, on_time, "
        "rating, rated_at, revisited_at, category) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, 'city')", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
    bind_time(s, 2, r->received);
    sqlite3_bind_text(s, 3, r->type, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, r->urgent);
    sqlite3_bind_text(s, 5, r->unit, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, r->state, -1, SQLITE_STATIC);
    bind_time(s, 7, r->closed);
    if (r->on_time >= 0) sqlite3_bind_int(s, 8, r->on_time);
    if (r->rating > 0) sqlite3_bind_int(s, 9, r->rating);
    bind_time(s, 10, r->rated);
    bind_time(s, 11, r->revisited);
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

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_report_html_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    sqlite3 *db;
    char *schema = slurp(HOTLINE_SOURCE_DIR "/schemas/store.sql");
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 4; BEGIN", NULL, NULL, NULL), SQLITE_OK);
    free(schema);
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) insert_ticket(db, &ROWS[i]);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[256] = "";
    store_t *w = store_open(fx->path, STORE_SYNC_NORMAL, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(store_rollup_rebuild(w), 0);
    store_close(&w);
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
    free(fx);
    return 0;
}

/* The page for [from, to) as a string the caller frees. */
static char *page(fixture_t *fx, const char *from, const char *to, const scenario_t *sc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(report_html_write(out, fx->st, from ? T(from) : 0, to ? T(to) : 0, sc), 0);
    fclose(out);
    return buf;
}

/* The <svg> of chart id in html (a copy the caller frees); fails if absent. */
static char *chart(const char *html, const char *id)
{
    char attr[64];
    snprintf(attr, sizeof attr, "data-chart=\"%s\"", id);
    const char *a = strstr(html, attr);
    assert_non_null(a);
    assert_null(strstr(a + 1, attr));   /* exactly once */
    const char *b = strstr(a, "</svg>");
    assert_non_null(b);
    return strndup(a, (size_t)(b - a));
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

static void test_charts_have_points(void **state)
{
    char *html = page(*state, "2022-01-01", "2022-04-01", NULL);
    static const struct { const char *id; size_t points; } WANT[] = {
        {"monthly-volume", 6},     /* 3 months × received, closed */
        {"monthly-on-time", 3},    /* a close in each month */
        {"monthly-urgent", 6},     /* zeros are points too */
        {"monthly-backlog", 3},
        {"unit-satisfaction", 12}, /* 3 rated units × 4 values */
        {"open-aging", 5},         /* one bar per age bucket, zeros too */
    };
    for (size_t i = 0; i < sizeof WANT / sizeof WANT[0]; i++) {
        char *svg = chart(html, WANT[i].id);
        size_t n = count(svg, "class=\"pt\"");
        assert_int_equal(n, WANT[i].points);
        assert_int_equal(count(svg, "data-value=\""), n);
        assert_int_equal(count(svg, "<title>"), n);   /* a tooltip per point */
        assert_null(strstr(svg, "nodata"));
        free(svg);
    }
    free(html);
}

static void test_values_and_labels(void **state)
{
    char *html = page(*state, "2022-01-01", "2022-04-01", NULL);
    char *vol = chart(html, "monthly-volume");
    /* January: 3 received, 2 closed; axis label 1月, tooltip 2022年01月 */
    assert_non_null(strstr(vol, "data-series=\"受理 received\" data-label=\"2022年01月\" data-value=\"3\""));
    assert_non_null(strstr(vol, "data-series=\"办结 closed\" data-label=\"2022年01月\" data-value=\"2\""));
    assert_non_null(strstr(vol, ">1月</text>"));
    assert_non_null(strstr(vol, "2022年（月份 month）"));
    free(vol);
    char *ot = chart(html, "monthly-on-time");
    assert_non_null(strstr(ot, "data-label=\"2022年02月\" data-value=\"0\""));   /* H03 late */
    assert_non_null(strstr(ot, ">100%</text>"));                                 /* the axis */
    free(ot);
    char *bl = chart(html, "monthly-backlog");
    assert_non_null(strstr(bl, "data-label=\"2022年02月\" data-value=\"1\""));   /* H04 open */
    free(bl);
    char *un = chart(html, "unit-satisfaction");
    assert_non_null(strstr(un, ">区城市管理和综合执法局</text>"));
    assert_non_null(strstr(un, ">区人力资源和社会保障局</text>"));
    assert_null(strstr(un, "金霞街道办事处"));   /* no rating there: not listed */
    assert_non_null(strstr(un, "data-series=\"差评 bad ratings\" data-label=\"区城市管理和综合执法局\" "
                               "data-value=\"1\""));
    free(un);
    free(html);
}

static void test_page_frame(void **state)
{
    char *html = page(*state, "2022-01-01", "2022-04-01", NULL);
    assert_memory_equal(html, "<!DOCTYPE html>\n<html lang=\"zh-CN\">", 32);
    assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(html, "<title>12345 热线工单报告 2022-01-01 至 2022-03-31</title>"));
    assert_non_null(strstr(html, "\"Noto Sans CJK SC\""));
    assert_non_null(strstr(html, "<b>2022-01-01</b> 至 <b>2022-03-31</b>"));
    /* the figures table: every figure, Chinese and English names */
    size_t n;
    const report_figure_t *f = report_figures(&n);
    for (size_t i = 0; i < n; i++) {
        char want[160];
        snprintf(want, sizeof want, "<tr data-figure=\"%s\"><td>%s</td><td><code>%s</code></td>", f[i].key,
                 f[i].label, f[i].key);
        assert_non_null(strstr(html, want));
    }
    assert_non_null(strstr(html, "<tr data-figure=\"received\"><td>受理新工单</td><td><code>received</code></td>"
                                 "<td class=\"n\">6</td>"));
    assert_null(strstr(html, "class=\"compare\""));
    /* self-contained: nothing to fetch, nothing to run */
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "url("));
    assert_non_null(strstr(html, "</html>\n"));
    free(html);
}

/* Text from the store (an unknown unit code is shown as is) and from the
 * scenario is escaped wherever it lands. */
static void test_escaping(void **state)
{
    static const char SCN[] =
        "[scenario]\nname = t\ntitle = <script>alert(1)</script> & \"q\"\nseed = 1\n"
        "from = 2022-01-01\nto = 2022-04-01\n"
        "[published]\nreceived = 5\nclosed = 5\non_time_rate = 100\nnot_a_figure = 3\n";
    char err[256];
    scenario_t *sc = scenario_load_buf(SCN, strlen(SCN), err, sizeof err);
    assert_non_null(sc);
    char *html = page(*state, "2022-01-01", "2022-04-01", sc);
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"));
    assert_null(strstr(html, "<b>&\"x'"));
    assert_non_null(strstr(html, ">&lt;b&gt;&amp;&quot;x&#39;</text>"));
    assert_non_null(strstr(html, "data-label=\"&lt;b&gt;&amp;&quot;x&#39;\""));
    /* the comparison table */
    assert_non_null(strstr(html, "class=\"compare\""));
    assert_non_null(strstr(html, "<td class=\"n\">5</td><td class=\"n\">6</td><td class=\"n off\">+1 (+20.00%)</td>"));
    assert_non_null(strstr(html, "<td><code>closed</code></td><td class=\"n\">5</td><td class=\"n\">4</td>"));
    assert_non_null(strstr(html, "<td>（未知指标）</td><td><code>not_a_figure</code></td>"));
    assert_non_null(strstr(html, "<td class=\"n\">100.00%</td><td class=\"n\">75.00%</td>"
                                 "<td class=\"n off\">-25.00 pp</td>"));
    free(html);
    scenario_destroy(&sc);
}

/* An empty period (an empty store) still gives a complete page, "no data" in
 * every chart. */
static void test_empty_period(void **state)
{
    char *html = page(*state, NULL, NULL, NULL);
    static const char *const IDS[] = {"monthly-volume", "monthly-on-time", "monthly-urgent", "monthly-backlog",
                                      "unit-satisfaction", "open-aging"};
    for (size_t i = 0; i < 6; i++) {
        char *svg = chart(html, IDS[i]);
        assert_int_equal(count(svg, "class=\"pt\""), 0);
        assert_non_null(strstr(svg, "class=\"nodata\""));
        free(svg);
    }
    assert_non_null(strstr(html, "the store has no tickets"));
    assert_non_null(strstr(html, "</html>\n"));
    free(html);
}

/* Adds tickets to the fixture's store (SQL VALUES rows of id, received_at,
 * type, unit, state, closed_at, on_time, close_due) and rebuilds its roll-ups. */
static void add_tickets(fixture_t *fx, const char *values)
{
    sqlite3 *db;
    char *sql = NULL;
    assert_int_equal(asprintf(&sql, "INSERT INTO ticket (id, received_at, type, urgent, unit, state, closed_at, "
                                    "on_time, close_due, category) SELECT column1, column2, column3, 0, column4, "
                                    "column5, column6, column7, column8, 'city' FROM (VALUES %s)", values) > 0, 1);
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    free(sql);
    char err[256] = "";
    store_t *w = store_open(fx->path, STORE_SYNC_NORMAL, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(store_rollup_rebuild(w), 0);
    store_close(&w);
}

/* Open tickets at the period's end by working age: H04 (received 02-14,
 * still open) is 10 working days old or more at 04-01. */
static void test_open_aging(void **state)
{
    char *html = page(*state, "2022-01-01", "2022-04-01", NULL);
    char *svg = chart(html, "open-aging");
    assert_non_null(strstr(svg, "data-label=\"10 个工作日及以上 [10,∞)\" data-value=\"1\""));
    assert_non_null(strstr(svg, "data-label=\"不满 1 个工作日 [0,1)\" data-value=\"0\""));
    assert_non_null(strstr(svg, ">5–10</text>"));
    free(svg);
    assert_non_null(strstr(html, "Tickets open at 2022-04-01 00:00:00 CST"));
    free(html);
}

/* Unit bars come busiest first: three more tickets make 区人力资源和社会保障局
 * (4 received) pass 区城市管理和综合执法局 (2), which comes first in the unit list. */
static void test_units_by_volume(void **state)
{
    fixture_t *fx = *state;
    add_tickets(fx, "('V1', 1645000000, 'consult', 'unit.renshe', 'DONE', 1645100000, 1, NULL),"
                    "('V2', 1645000001, 'consult', 'unit.renshe', 'DONE', 1645100000, 1, NULL),"
                    "('V3', 1645000002, 'consult', 'unit.renshe', 'DONE', 1645100000, 1, NULL)");
    char *html = page(fx, "2022-01-01", "2022-04-01", NULL);
    char *un = chart(html, "unit-satisfaction");
    const char *rs = strstr(un, ">区人力资源和社会保障局</text>"), *cg = strstr(un, ">区城市管理和综合执法局</text>");
    assert_non_null(rs);
    assert_non_null(cg);
    assert_true(rs < cg);
    free(un);
    free(html);
}

/* A month without data (Nov and Dec 2021 here) has no point and no axis
 * label; the months with data keep theirs. */
static void test_empty_month_unlabelled(void **state)
{
    char *html = page(*state, "2021-11-01", "2022-04-01", NULL);
    static const char *const IDS[] = {"monthly-volume", "monthly-on-time", "monthly-urgent", "monthly-backlog"};
    for (size_t i = 0; i < 4; i++) {
        char *svg = chart(html, IDS[i]);
        assert_null(strstr(svg, ">2021-11</text>"));
        assert_null(strstr(svg, ">2021-12</text>"));
        assert_null(strstr(svg, "data-label=\"2021年11月\""));
        assert_non_null(strstr(svg, ">2022-01</text>"));
        free(svg);
    }
    char *vol = chart(html, "monthly-volume");
    assert_int_equal(count(vol, "class=\"pt\""), 6);   /* Jan–Mar only */
    free(vol);
    free(html);
}

/* The late tickets: the 50 latest by working hours after the deadline, then
 * how many more. 53 tickets closed 1..53 working hours late, plus H03 (late,
 * no deadline recorded: 0 h). */
static void test_late_table(void **state)
{
    fixture_t *fx = *state;
    char values[53 * 120], *p = values;
    int64_t due = T("2022-03-01");   /* a Tuesday: hours 1..53 are working hours */
    for (int i = 1; i <= 53; i++)
        p += sprintf(p, "%s('L%02d', %lld, 'help', 'unit.jiaoyu', 'DONE', %lld, 0, %lld)", i > 1 ? "," : "",
                     i, (long long)(due - 86400), (long long)(due + i * 3600), (long long)due);
    add_tickets(fx, values);
    char *html = page(fx, "2022-01-01", "2022-04-01", NULL);
    const char *table = strstr(html, "<table class=\"late\">");
    assert_non_null(table);
    assert_int_equal(count(table, "<tr data-late="), 50);
    assert_non_null(strstr(html, "54 late: 54 first closed after the deadline in the period, 0 open"));
    const char *first = strstr(table, "<tr data-late=");
    assert_memory_equal(first, "<tr data-late=\"L53\"><td><code>L53</code></td><td>区教育局</td><td>help</td>"
                               "<td>2022-03-01 00:00:00</td><td>2022-03-03 05:00:00</td><td class=\"n\">53.0</td>", 141);
    assert_non_null(strstr(table, "<tr data-late=\"L04\">"));     /* the 50th */
    assert_null(strstr(table, "<tr data-late=\"L03\">"));
    assert_null(strstr(table, "<tr data-late=\"H03\">"));
    assert_non_null(strstr(table, "<tr class=\"more\"><td colspan=\"6\">另有 4 张 and 4 more</td></tr>"));
    free(html);
}

static void test_write_error(void **state)
{
    fixture_t *fx = *state;
    FILE *out = fopen("/dev/full", "w");
    if (!out) skip();
    assert_int_equal(report_html_write(out, fx->st, T("2022-01-01"), T("2022-04-01"), NULL), -1);
    fclose(out);
    assert_int_equal(report_store_status(fx->st), REPORT_OK);   /* a write error, not the store's */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_charts_have_points, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_and_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_aging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_units_by_volume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_month_unlabelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
