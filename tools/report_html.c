/* report_html: the HTML page of hotline-report. It computes three reports of
 * the period (total, by month, by unit with the SLA figures), its late
 * tickets and the unit ranking (five read transactions, which agree on a
 * finished store), lays
 * them out as cards, charts (report_svg) and tables, and escapes every piece
 * of text it writes. The page needs nothing
 * from the network: CJK text uses the fonts installed locally (Noto Sans CJK
 * from Debian's fonts-noto-cjk first, then the usual Chinese UI fonts). */
#include "report_html.h"
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "calendar.h"
#include "report_late.h"
#include "report_rank.h"
#include "report_svg.h"
#include "units.h"
#include "xmalloc.h"

#define CHART_W 560        /* half-width charts */
#define WIDE_W 1160        /* the per-unit chart */

/* Colours (Tableau 10): one meaning, one colour across the page. */
#define C_RECEIVED "#4e79a7"
#define C_CLOSED "#59a14f"
#define C_URGENT "#e15759"
#define C_URGENT_CLOSED "#f28e2b"
#define C_SAT "#59a14f"
#define C_SAT_STRICT "#8cd17d"
#define C_BAD "#e15759"
#define C_RECTIFIED "#ff9d9a"
#define C_BACKLOG "#b07aa1"
#define LATE_SHOWN 50      /* rows of the late-ticket table; the rest are counted */

static const char CSS[] =
    ":root{--cjk:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"WenQuanYi Micro Hei\","
    "\"WenQuanYi Zen Hei\",\"Noto Sans SC\",\"PingFang SC\",\"Microsoft YaHei\",sans-serif}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:#f2f4f7;color:#222;font-family:var(--cjk);font-size:14px;line-height:1.5}\n"
    "main{max-width:1240px;margin:0 auto;padding:24px}\n"
    "h1{margin:0;font-size:28px}\n"
    "h2{font-size:18px;margin:22px 0 10px}\n.tbl h2{margin-top:12px}\n"
    ".en{color:#777;font-weight:normal;font-size:.85em}\n"
    ".period{color:#444;margin:6px 0 0}\n"
    ".kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin:20px 0 8px}\n"
    ".kpi,.card,.tbl{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.1)}\n"
    ".kpi{padding:12px 14px}\n"
    ".kpi .v{font-size:26px;font-weight:bold;font-variant-numeric:tabular-nums}\n"
    ".kpi .k{color:#555;font-size:13px}\n"
    ".charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}\n"
    ".card{margin:0;padding:8px 8px 10px}\n"
    ".card.wide{grid-column:1/-1}\n"
    ".card figcaption{color:#666;font-size:12.5px;padding:0 12px}\n"
    "svg.chart{display:block;width:100%;height:auto;font-family:var(--cjk)}\n"
    ".tables{display:grid;grid-template-columns:5fr 7fr;gap:16px;align-items:start;margin-top:16px}\n"
    ".tbl{padding:4px 12px 12px;overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{padding:3px 8px;border-bottom:1px solid #e6e8eb;text-align:left;white-space:nowrap}\n"
    "th{color:#555;font-weight:600;background:#fafbfc}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "code{font-size:12.5px;color:#555}\n"
    ".ok{color:#2e7d32}.off{color:#b4432b;font-weight:600}\n"
    "details{margin-top:20px}summary{cursor:pointer;font-weight:600}\n"
    ".tbl.late,.tbl.rank{margin-top:16px}\n"
    "footer{color:#777;font-size:12.5px;margin-top:24px}\n";

typedef struct {
    report_t *total, *month, *unit;
    report_late_t *late;
    report_rank_t *rank;
    const scenario_t *sc;
    char from[32], to[32];    /* first and last day; "" for an empty period */
} page_t;

static void esc(FILE *out, const char *s)
{
    svg_escape(out, s);
}

/* A figure's value as the page shows it: counts plain, rates as percent. */
static const char *cell(char *buf, size_t len, const report_figure_t *f, const report_counts_t *c)
{
    double v;
    if (report_figure_value(f, c, &v) < 0) snprintf(buf, len, "—");
    else if (f->kind == REPORT_COUNT) snprintf(buf, len, "%.0f", v);
    else snprintf(buf, len, "%.2f%%", v * 100.0);
    return buf;
}

/* The value of figure key in c, NAN when it has none. */
static double value(const report_counts_t *c, const char *key)
{
    double v;
    return report_figure_value(report_figure(key), c, &v) < 0 ? NAN : v;
}

/* ---------------------------------------------------------------- head, top */

static void head(FILE *out, const page_t *pg)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>12345 热线工单报告", out);
    if (pg->from[0]) fprintf(out, " %s 至 %s", pg->from, pg->to);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", CSS);
    fputs("<header>\n<h1>12345 热线工单报告 <span class=\"en\">12345 hotline work-order report</span></h1>\n"
          "<p class=\"period\">统计时段 <span class=\"en\">period</span>: ", out);
    if (pg->from[0]) fprintf(out, "<b>%s</b> 至 <b>%s</b>（北京时间 CST）", pg->from, pg->to);
    else fputs("（库中没有工单 the store has no tickets）", out);
    if (pg->sc) {
        const char *title = scenario_get(pg->sc, "scenario", "title");
        fputs(" · 情景 <span class=\"en\">scenario</span>: <b>", out);
        esc(out, scenario_name(pg->sc));
        fputs("</b>", out);
        if (title) { fputs(" — ", out); esc(out, title); }
    }
    fputs("</p>\n</header>\n", out);
}

static void kpis(FILE *out, const page_t *pg)
{
    static const char *const KEYS[] = {"received", "closed", "on_time_rate",
                                       "satisfied_rate", "bad_ratings", "open_at_end"};
    char buf[64];
    fputs("<section class=\"kpis\">\n", out);
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        const report_figure_t *f = report_figure(KEYS[i]);
        fprintf(out, "<div class=\"kpi\" data-figure=\"%s\"><div class=\"v\">%s</div><div class=\"k\">", f->key,
                cell(buf, sizeof buf, f, report_total(pg->total)));
        esc(out, f->label);
        fprintf(out, " <code>%s</code></div></div>\n", f->key);
    }
    fputs("</section>\n", out);
}

/* ------------------------------------------------------------------- charts */

typedef struct {
    size_t n;
    char **labels, **tips;    /* owned */
} cats_t;

static void cats_free(cats_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->labels[i]);
        free(c->tips[i]);
    }
    free(c->labels);
    free(c->tips);
}

/* Month categories: "1月".. when the period lies in one year (the year goes
 * in the caption), else the "YYYY-MM" keys; tooltips get "2022年01月". */
static cats_t month_cats(const report_t *r, char *caption, size_t len)
{
    cats_t c = {report_n_groups(r), NULL, NULL};
    bool one_year = true;
    c.labels = xcalloc(c.n + 1, sizeof *c.labels);
    c.tips = xcalloc(c.n + 1, sizeof *c.tips);
    for (size_t i = 0; i < c.n; i++)
        one_year = one_year && strncmp(report_group_key(r, i), report_group_key(r, 0), 4) == 0;
    for (size_t i = 0; i < c.n; i++) {
        const char *k = report_group_key(r, i);
        c.labels[i] = one_year && strlen(k) >= 7 ? xasprintf("%d月", atoi(k + 5)) : xstrdup(k);
        c.tips[i] = xstrdup(report_group_name(r, i));
    }
    if (one_year && c.n) snprintf(caption, len, "%.4s年（月份 month）", report_group_key(r, 0));
    else snprintf(caption, len, "月份 month");
    return c;
}

/* The values of figure key in the groups of r (all, or those in pick). */
static double *column(const report_t *r, const char *key, const size_t *pick, size_t n)
{
    double *v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = value(report_group_counts(r, pick ? pick[i] : i), key);
    return v;
}

/* A month without data: nothing received, closed, rated, overdue, rectified
 * or open at its end, and no knowledge-base update. Its charts show no value
 * there (not a row of zeros) and no axis label. */
static bool month_empty(const report_counts_t *c)
{
    return c->received == 0 && c->closed == 0 && c->rated == 0 && c->overdue == 0 && c->bad_rectified == 0
           && c->open_at_end == 0 && c->kb_updates <= 0;
}

static void figure_open(FILE *out, bool wide)
{
    fprintf(out, "<figure class=\"card%s\">\n", wide ? " wide" : "");
}

static void figure_close(FILE *out, const char *caption)
{
    fputs("<figcaption>", out);
    esc(out, caption);
    fputs("</figcaption>\n</figure>\n", out);
}

/* A monthly chart of one or two figures. */
typedef struct {
    const char *id, *title, *explain;
    svg_kind_t kind;
    bool percent;
    const char *key[2], *name[2], *color[2];   /* key[1] NULL: one series */
} month_spec_t;

static const month_spec_t MONTH_CHARTS[] = {
    {"monthly-volume", "受理与办结工单（按月）",
     "Received (by received_at) and closed (by first close) per month.", SVG_BARS, false,
     {"received", "closed"}, {"受理 received", "办结 closed"}, {C_RECEIVED, C_CLOSED}},
    {"monthly-on-time", "工单按时办结率（按月）",
     "On-time rate = closed on time ÷ closed, by month of the close; an approved extension moves the deadline.",
     SVG_LINE, true, {"on_time_rate", NULL}, {"按时办结率 on-time", NULL}, {C_RECEIVED, NULL}},
    {"monthly-urgent", "紧急工单（按月）", "Urgent tickets received and closed per month.", SVG_BARS, false,
     {"urgent_received", "urgent_closed"}, {"紧急受理 received", "紧急办结 closed"}, {C_URGENT, C_URGENT_CLOSED}},
    {"monthly-backlog", "期末未办结工单（各月月末）",
     "Open backlog: tickets received and not yet closed at the end of each month (or of the period); "
     "praise calls never open.", SVG_AREA, false, {"open_at_end", NULL}, {"未办结 open", NULL}, {C_BACKLOG, NULL}},
};

static void month_chart(FILE *out, const report_t *m, const cats_t *cats, const char *caption,
                        const month_spec_t *spec)
{
    size_t k = spec->key[1] ? 2 : 1;
    double *v[2] = {NULL, NULL};
    svg_series_t se[2];
    for (size_t i = 0; i < k; i++) {
        v[i] = column(m, spec->key[i], NULL, cats->n);
        for (size_t j = 0; j < cats->n; j++)
            if (month_empty(report_group_counts(m, j))) v[i][j] = NAN;
        se[i] = (svg_series_t){spec->name[i], spec->color[i], v[i]};
    }
    svg_panel_t p = {NULL, spec->percent, se, k};
    svg_chart_t c = {spec->id, spec->title, caption, (const char *const *)cats->labels,
                     (const char *const *)cats->tips, cats->n, &p, 1, CHART_W};
    figure_open(out, false);
    svg_vertical(out, &c, spec->kind);
    figure_close(out, spec->explain);
    free(v[0]);
    free(v[1]);
}

static void month_charts(FILE *out, const report_t *m)
{
    char caption[64];
    cats_t cats = month_cats(m, caption, sizeof caption);
    for (size_t i = 0; i < sizeof MONTH_CHARTS / sizeof MONTH_CHARTS[0]; i++)
        month_chart(out, m, &cats, caption, &MONTH_CHARTS[i]);
    cats_free(&cats);
}

/* Open tickets at now by working days since received_at (the SLA figures'
 * age buckets of the unit report's total). */
static void aging_chart(FILE *out, const report_t *u)
{
    static const char *const LABELS[REPORT_AGE_N] = {"0–1", "1–3", "3–5", "5–10", "10+"};
    static const char *const TIPS[REPORT_AGE_N] = {"不满 1 个工作日 [0,1)", "1–3 个工作日 [1,3)",
                                                   "3–5 个工作日 [3,5)", "5–10 个工作日 [5,10)",
                                                   "10 个工作日及以上 [10,∞)"};
    const report_sla_t *sla = report_total_sla(u);
    double v[REPORT_AGE_N];
    char now[32], explain[256];
    bool none = !sla || report_from(u) >= report_to(u);   /* an empty store: no data, not zeros */
    for (int i = 0; i < REPORT_AGE_N; i++) v[i] = none ? NAN : (double)sla->aged[i];
    svg_series_t se = {"未办结 open", C_BACKLOG, v};
    svg_panel_t p = {NULL, false, &se, 1};
    svg_chart_t c = {"open-aging", "未办结工单账龄（工作日）", "受理以来的工作日 working days since received",
                     LABELS, TIPS, REPORT_AGE_N, &p, 1, CHART_W};
    calendar_format(report_now_of(u), now, sizeof now);
    snprintf(explain, sizeof explain, "Tickets open at %s CST (the period's end, or the time of the report if "
             "earlier), by working days since received_at; praise calls never open.", now);
    figure_open(out, false);
    svg_vertical(out, &c, SVG_BARS);
    figure_close(out, explain);
}

/* Sorts pick (group indexes of u) by tickets received, most first; ties keep
 * the units' order. */
static void sort_by_volume(const report_t *u, size_t *pick, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && report_group_counts(u, pick[j])->received >
                                        report_group_counts(u, pick[j - 1])->received; j--) {
            size_t t = pick[j];
            pick[j] = pick[j - 1];
            pick[j - 1] = t;
        }
}

/* Satisfaction and 差评 of the units that had ratings or 差评 in the period,
 * the busiest unit (most received) first. */
static void unit_chart(FILE *out, const report_t *u)
{
    size_t n = 0, *pick = xcalloc(report_n_groups(u) + 1, sizeof *pick);
    for (size_t i = 0; i < report_n_groups(u); i++)
        if (report_group_counts(u, i)->rated > 0 || report_group_counts(u, i)->bad_ratings > 0) pick[n++] = i;
    sort_by_volume(u, pick, n);
    const char **labels = xcalloc(n + 1, sizeof *labels);
    for (size_t i = 0; i < n; i++) labels[i] = report_group_name(u, pick[i]);
    double *v[4] = {column(u, "satisfied_rate", pick, n), column(u, "satisfied_rate_strict", pick, n),
                    column(u, "bad_ratings", pick, n), column(u, "bad_rectified", pick, n)};
    svg_series_t se[4] = {{"满意率（含基本满意）", C_SAT, v[0]}, {"满意率（不含基本满意）", C_SAT_STRICT, v[1]},
                          {"差评 bad ratings", C_BAD, v[2]}, {"差评整改并回访 rectified", C_RECTIFIED, v[3]}};
    svg_panel_t p[2] = {{"满意率 satisfied rate", true, se, 2}, {"差评工单 bad ratings (差评)", false, se + 2, 2}};
    svg_chart_t c = {"unit-satisfaction", "各承办单位满意率与差评", NULL, labels, NULL, n, p, 2, WIDE_W};
    figure_open(out, true);
    svg_horizontal(out, &c);
    figure_close(out, "Units with ratings in the period, by rated_at, the most tickets received first: "
                      "satisfied = ratings 5+4+3 ÷ rated (strict: 5+4); 差评 = bad ratings, and those "
                      "rectified and visited again.");
    for (size_t i = 0; i < 4; i++) free(v[i]);
    free(labels);
    free(pick);
}

/* ------------------------------------------------------------------- tables */

static void figures_table(FILE *out, const page_t *pg)
{
    size_t n;
    char buf[64];
    const report_figure_t *f = report_figures(&n);
    fputs("<div class=\"tbl\">\n<h2>报告指标 <span class=\"en\">figures</span></h2>\n"
          "<table class=\"figures\">\n<tr><th>指标</th><th>figure</th><th>数值 value</th></tr>\n", out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "<tr data-figure=\"%s\"><td>", f[i].key);
        esc(out, f[i].label);
        fprintf(out, "</td><td><code>%s</code></td><td class=\"n\">%s</td></tr>\n", f[i].key,
                cell(buf, sizeof buf, &f[i], report_total(pg->total)));
    }
    fputs("</table>\n</div>\n", out);
}

/* A published or measured value (diff: signed; rates in percentage points). */
static void compare_cell(char *buf, size_t len, const report_compare_row_t *row, bool ok, double v, bool diff)
{
    bool rate = row->def && row->def->kind == REPORT_RATE;
    if (!ok) snprintf(buf, len, "—");
    else if (rate) snprintf(buf, len, diff ? "%+.2f pp" : "%.2f%%", diff ? v : v * 100.0);
    else if (v == floor(v)) snprintf(buf, len, diff ? "%+.0f" : "%.0f", v);
    else snprintf(buf, len, diff ? "%+.2f" : "%.2f", v);
}

static void compare_row(FILE *out, const report_compare_row_t *row)
{
    char p[64], m[64], d[64];
    double diff;
    bool has_d = report_compare_diff(row, &diff) == 0;
    compare_cell(p, sizeof p, row, row->has_published, row->published, false);
    compare_cell(m, sizeof m, row, row->has_measured, row->measured, false);
    compare_cell(d, sizeof d, row, has_d, diff, true);
    fputs("<tr data-figure=\"", out);
    esc(out, row->figure);
    fputs("\"><td>", out);
    esc(out, row->def ? row->def->label : "（未知指标）");
    fputs("</td><td><code>", out);
    esc(out, row->figure);
    fprintf(out, "</code></td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n %s\">%s", p, m,
            !has_d ? "" : fabs(diff) < 1e-9 ? "ok" : "off", d);
    bool count = row->def && row->def->kind == REPORT_COUNT;
    if (has_d && count && row->published > 0 && fabs(diff) >= 1e-9)
        fprintf(out, " (%+.2f%%)", diff / row->published * 100.0);
    fputs("</td></tr>\n", out);
}

static void compare_table(FILE *out, const page_t *pg)
{
    size_t n;
    report_compare_row_t *rows = report_compare(pg->total, pg->sc, &n);
    fputs("<div class=\"tbl\">\n<h2>与公布数据对比 <span class=\"en\">published vs measured, scenario ", out);
    esc(out, scenario_name(pg->sc));
    fputs("</span></h2>\n<table class=\"compare\">\n<tr><th>指标</th><th>figure</th><th>公布 published</th>"
          "<th>实测 measured</th><th>差异 diff</th></tr>\n", out);
    for (size_t i = 0; i < n; i++) compare_row(out, &rows[i]);
    if (n == 0) fputs("<tr><td colspan=\"5\">（情景没有公布数据 the scenario publishes no figures）</td></tr>\n", out);
    fputs("</table>\n<p class=\"en\">diff = measured − published; rates in percentage points (pp).</p>\n"
          "</div>\n", out);
    free(rows);
}

/* ------------------------------------------------------------- late tickets */

static void late_row(FILE *out, const report_late_row_t *r)
{
    char due[32] = "", closed[32], unit[256];
    if (r->has_due) calendar_format(r->close_due, due, sizeof due);
    if (r->open) snprintf(closed, sizeof closed, "未办结 open");
    else calendar_format(r->closed_at, closed, sizeof closed);
    fputs("<tr data-late=\"", out);
    esc(out, r->id);
    fputs("\"><td><code>", out);
    if (r->centre) { /* several centres on one page: ids may repeat */
        esc(out, r->centre);
        fputs(" ", out);
    }
    esc(out, r->id);
    fputs("</code></td><td>", out);
    esc(out, r->unit ? units_display_name(r->unit, unit, sizeof unit) : "（未指定）");
    fputs("</td><td>", out);
    esc(out, r->type);
    fprintf(out, "</td><td>%s</td><td>%s</td><td class=\"n\">%.1f</td></tr>\n", due, closed,
            (double)r->late_s / 3600.0);
}

/* The LATE_SHOWN latest tickets of the period (closed late, or open past the
 * deadline at now), then how many more. */
static void late_table(FILE *out, const report_late_t *l)
{
    size_t n = report_late_n(l), open = report_late_n_open(l);
    char now[32];
    calendar_format(report_late_now(l), now, sizeof now);
    fputs("<div class=\"tbl late\">\n<h2>超期工单 <span class=\"en\">late tickets, latest first</span></h2>\n", out);
    fprintf(out, "<p class=\"en\">%zu late: %zu first closed after the deadline in the period, %zu open past "
            "the deadline at %s CST. Lateness = working hours after the deadline (close_due), up to the close "
            "or to that time.</p>\n", n, n - open, open, now);
    fputs("<table class=\"late\">\n<tr><th>工单 id</th><th>承办单位 unit</th><th>类型 type</th>"
          "<th>办结时限 close_due</th><th>办结 closed_at</th><th>超期工作小时 late_work_hours</th></tr>\n", out);
    for (size_t i = 0; i < n && i < LATE_SHOWN; i++) late_row(out, report_late_row(l, i));
    if (n == 0) fputs("<tr><td colspan=\"6\">（本时段没有超期工单 no late tickets in this period）</td></tr>\n", out);
    if (n > LATE_SHOWN)
        fprintf(out, "<tr class=\"more\"><td colspan=\"6\">另有 %zu 张 and %zu more</td></tr>\n",
                n - LATE_SHOWN, n - LATE_SHOWN);
    fputs("</table>\n</div>\n", out);
}

/* ------------------------------------------------------------ unit ranking */

/* A rate of row r (get: report_rank_on_time_rate or report_rank_return_rate). */
static void rate_td(FILE *out, const report_rank_row_t *r, int (*get)(const report_rank_row_t *, double *))
{
    double v;
    if (get(r, &v) == 0) fprintf(out, "<td class=\"n\">%.2f%%</td>", v * 100.0);
    else fputs("<td class=\"n\">—</td>", out);
}

static void count_td(FILE *out, int64_t v)
{
    if (v >= 0) fprintf(out, "<td class=\"n\">%lld</td>", (long long)v);
    else fputs("<td class=\"n\">—</td>", out);
}

/* Every unit of the period in rank order (hotline-report --rank). */
static void rank_table(FILE *out, const report_rank_t *rk)
{
    fputs("<div class=\"tbl rank\">\n<h2>承办单位排名 <span class=\"en\">units ranked</span></h2>\n"
          "<p class=\"en\">By on-time rate (the unit's closes on time ÷ its closes; direct answers from the "
          "knowledge base are the centre's and left out), highest first; then by 督办 (overdue), fewest first; "
          "then by return rate (退单 asked ÷ dispatches to the unit), lowest first. Equal units share a rank.</p>\n"
          "<table class=\"rank\">\n<tr><th>名次<br><code>rank</code></th><th>承办单位<br><code>unit</code></th>"
          "<th>派单<br><code>dispatched</code></th><th>办结<br><code>closed</code></th>"
          "<th>按时办结率<br><code>on_time_rate</code></th><th>督办<br><code>overdue</code></th>"
          "<th>通报<br><code>notifications</code></th><th>退单申请<br><code>returns</code></th>"
          "<th>退单批准<br><code>returns_approved</code></th><th>退单率<br><code>return_rate</code></th>"
          "<th>重办<br><code>reopened</code></th></tr>\n", out);
    for (size_t i = 0; i < report_rank_n(rk); i++) {
        const report_rank_row_t *r = report_rank_row(rk, i);
        fputs("<tr data-unit=\"", out);
        esc(out, r->key);
        fprintf(out, "\" data-rank=\"%d\"><td class=\"n\">%d</td><td>", r->rank, r->rank);
        esc(out, r->name);
        fputs("</td>", out);
        count_td(out, r->dispatched);
        count_td(out, r->closed);
        rate_td(out, r, report_rank_on_time_rate);
        count_td(out, r->overdue);
        count_td(out, r->notifications);
        count_td(out, r->returns);
        count_td(out, r->returns_approved);
        rate_td(out, r, report_rank_return_rate);
        count_td(out, r->reopened);
        fputs("</tr>\n", out);
    }
    if (report_rank_n(rk) == 0)
        fputs("<tr><td colspan=\"11\">（本时段没有承办单位的工单 no unit had tickets in this period）</td></tr>\n", out);
    fputs("</table>\n</div>\n", out);
}

/* Every figure of every month, collapsed under the charts. */
static void month_table(FILE *out, const report_t *m)
{
    size_t n;
    char buf[64];
    const report_figure_t *f = report_figures(&n);
    fputs("<details class=\"tbl\">\n<summary>按月明细 <span class=\"en\">all figures by month</span></summary>\n"
          "<table class=\"months\">\n<tr><th>月份</th>", out);
    for (size_t i = 0; i < n; i++) {
        fputs("<th>", out);
        esc(out, f[i].label);
        fprintf(out, "<br><code>%s</code></th>", f[i].key);
    }
    fputs("</tr>\n", out);
    for (size_t g = 0; g <= report_n_groups(m); g++) {
        bool total = g == report_n_groups(m);
        const report_counts_t *c = total ? report_total(m) : report_group_counts(m, g);
        fputs("<tr><td>", out);
        esc(out, total ? "合计 total" : report_group_name(m, g));
        fputs("</td>", out);
        for (size_t i = 0; i < n; i++) fprintf(out, "<td class=\"n\">%s</td>", cell(buf, sizeof buf, &f[i], c));
        fputs("</tr>\n", out);
    }
    fputs("</table>\n</details>\n", out);
}

static void page(FILE *out, const page_t *pg)
{
    head(out, pg);
    kpis(out, pg);
    fputs("<h2>图表 <span class=\"en\">charts</span></h2>\n<section class=\"charts\">\n", out);
    month_charts(out, pg->month);
    aging_chart(out, pg->unit);
    unit_chart(out, pg->unit);
    fputs("</section>\n<section class=\"tables\">\n", out);
    figures_table(out, pg);
    if (pg->sc) compare_table(out, pg);
    fputs("</section>\n", out);
    rank_table(out, pg->rank);
    late_table(out, pg->late);
    month_table(out, pg->month);
    fputs("<footer>由 hotline-report 生成，数据来自只读打开的工单库。比率 = 分子 ÷ 分母（the report figures），"
          "“—” 表示无可计算的值；各月数字按各自的时间列（北京时间）统计。<br>"
          "Generated by hotline-report from the store (read-only). Rates are numerator ÷ denominator "
          "(); “—” means nothing to divide by. Monthly figures count each figure by its own "
          "time column (CST). Hover a bar or point for its value.</footer>\n"
          "</main>\n</body>\n</html>\n", out);
}

int report_html_write(FILE *out, report_store_t *st, int64_t from, int64_t to, const scenario_t *compare)
{
    page_t pg = {.sc = compare};
    pg.total = report_compute(st, from, to, REPORT_BY_NONE);
    pg.month = pg.total ? report_compute(st, from, to, REPORT_BY_MONTH) : NULL;
    pg.unit = pg.month ? report_compute(st, from, to, REPORT_BY_UNIT) : NULL;
    pg.late = pg.unit ? report_late_compute(st, from, to, report_now_of(pg.unit)) : NULL;
    pg.rank = pg.late ? report_rank_compute(st, from, to) : NULL;
    int rc = -1;
    if (pg.rank) {
        if (from < to) {
            calendar_format(from, pg.from, sizeof pg.from);
            calendar_format(to - 1, pg.to, sizeof pg.to);
            pg.from[10] = pg.to[10] = '\0';
        }
        page(out, &pg);
        rc = fflush(out) == 0 && !ferror(out) ? 0 : -1;
    }
    report_rank_destroy(&pg.rank);
    report_late_destroy(&pg.late);
    report_destroy(&pg.unit);
    report_destroy(&pg.month);
    report_destroy(&pg.total);
    return rc;
}
