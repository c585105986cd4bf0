/* report_sla: SLA figures per unit for hotline-report --by unit. Three
 * statements, each one pass: the dispatch and signing events of the period,
 * the first closes of the period (for the median working time to close), and
 * the tickets open at "now" (overdue and aged). Working time is whole CST
 * working days, as calendar_work_seconds counts it and as the deadlines are
 * set. The period and now are always bound, never formatted into SQL. */
#include "report_sla.h"
#include "report_store_priv.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xmalloc.h"

#define S(f) offsetof(report_sla_t, f)

static const report_sla_figure_t SLA_FIGURES[] = {
    {"dispatched", "派单", REPORT_SLA_COUNT, S(dispatched)},
    {"signed_late", "超时签收", REPORT_SLA_COUNT, S(signed_late)},
    {"overdue_now", "当前超期未办结", REPORT_SLA_COUNT, S(overdue_now)},
    {"closed_late", "超期办结", REPORT_SLA_COUNT, S(closed_late)},
    {"median_close_workdays", "办结用时中位数（工作日）", REPORT_SLA_WORKDAYS, S(median_close_workdays)},
    {"aged_0_1", "未办结 0–1 工作日", REPORT_SLA_COUNT, S(aged[0])},
    {"aged_1_3", "未办结 1–3 工作日", REPORT_SLA_COUNT, S(aged[1])},
    {"aged_3_5", "未办结 3–5 工作日", REPORT_SLA_COUNT, S(aged[2])},
    {"aged_5_10", "未办结 5–10 工作日", REPORT_SLA_COUNT, S(aged[3])},
    {"aged_10_plus", "未办结 10 工作日以上", REPORT_SLA_COUNT, S(aged[4])},
};
#define N_SLA (sizeof SLA_FIGURES / sizeof SLA_FIGURES[0])

static const int AGE_FLOOR[REPORT_AGE_N] = {0, 1, 3, 5, 10};   /* working days */

typedef struct {
    char *key;                 /* owned; NULL = no unit */
    report_sla_t s;
    int64_t *work;             /* owned: working seconds of each first close */
    size_t nwork, cap;
} entry_t;

struct report_sla_set {
    entry_t *v;                /* owned, n used */
    size_t n, cap;
    entry_t all;               /* the total (key NULL) */
};

/* What each row callback needs. */
typedef struct {
    report_sla_set_t *set;
    const calendar_t *cal;
    int64_t now;
} ctx_t;

/* ------------------------------------------------------------ figure table */

const report_sla_figure_t *report_sla_figures(size_t *n)
{
    *n = N_SLA;
    return SLA_FIGURES;
}

int report_sla_value(const report_sla_figure_t *f, const report_sla_t *s, double *out)
{
    const char *base = (const char *)s + f->off;
    if (f->kind == REPORT_SLA_WORKDAYS) {
        if (s->median_n <= 0) return -1;
        *out = *(const double *)base;
        return 0;
    }
    *out = (double)*(const int64_t *)base;
    return 0;
}

int report_sla_age_floor(int i)
{
    return i >= 0 && i < REPORT_AGE_N ? AGE_FLOOR[i] : -1;
}

int64_t report_sla_now(int64_t to)
{
    int64_t wall = (int64_t)time(NULL);
    return wall < to ? wall : to;
}

/* ------------------------------------------------------------------ entries */

static entry_t *entry_get(report_sla_set_t *set, const char *key)
{
    for (size_t i = 0; i < set->n; i++) {
        const char *k = set->v[i].key;
        if ((!k && !key) || (k && key && strcmp(k, key) == 0)) return &set->v[i];
    }
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 32;
        set->v = xrealloc(set->v, set->cap * sizeof *set->v);
    }
    entry_t *e = &set->v[set->n++];
    memset(e, 0, sizeof *e);
    e->key = key ? xstrdup(key) : NULL;
    return e;
}

static void work_push(entry_t *e, int64_t w)
{
    if (e->nwork == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 64;
        e->work = xrealloc(e->work, e->cap * sizeof *e->work);
    }
    e->work[e->nwork++] = w;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The median of e's close times, in working days; the mean of the two middle
 * values when their number is even. */
static void entry_median(entry_t *e)
{
    e->s.median_n = (int64_t)e->nwork;
    if (e->nwork == 0) return;
    qsort(e->work, e->nwork, sizeof *e->work, cmp_i64);
    size_t h = e->nwork / 2;
    double secs = e->nwork % 2 ? (double)e->work[h] : ((double)e->work[h - 1] + (double)e->work[h]) / 2.0;
    e->s.median_close_workdays = secs / CAL_DAY;
}

static const char *col_key(db_stmt_t *s)
{
    return db_text(s, 0);
}

/* --------------------------------------------------------------- the rows */

/* unit, dispatched, signed late */
static void on_events(db_stmt_t *s, void *arg)
{
    ctx_t *c = arg;
    entry_t *e = entry_get(c->set, col_key(s));
    int64_t d = db_int64(s, 1), late = db_int64(s, 2);
    e->s.dispatched += d;
    e->s.signed_late += late;
    c->set->all.s.dispatched += d;
    c->set->all.s.signed_late += late;
}

/* unit, received_at, closed_at */
static void on_close(db_stmt_t *s, void *arg)
{
    ctx_t *c = arg;
    int64_t w = calendar_work_seconds(c->cal, db_int64(s, 1), db_int64(s, 2));
    work_push(entry_get(c->set, col_key(s)), w);
    work_push(&c->set->all, w);
}

static int age_bucket(int64_t work_s)
{
    int i = 0;
    while (i + 1 < REPORT_AGE_N && work_s >= (int64_t)AGE_FLOOR[i + 1] * CAL_DAY) i++;
    return i;
}

/* unit, received_at, close_due (NULL: none yet) */
static void on_open(db_stmt_t *s, void *arg)
{
    ctx_t *c = arg;
    entry_t *e = entry_get(c->set, col_key(s));
    int b = age_bucket(calendar_work_seconds(c->cal, db_int64(s, 1), c->now));
    bool overdue = !db_isnull(s, 2) && db_int64(s, 2) < c->now;
    e->s.aged[b]++;
    c->set->all.s.aged[b]++;
    e->s.overdue_now += overdue;
    c->set->all.s.overdue_now += overdue;
}

static const char SQL_EVENTS[] =
    "SELECT unit, SUM(CASE WHEN kind = 'dispatched' THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN kind = 'signed' AND detail = 'signed late' THEN 1 ELSE 0 END) FROM event "
    "WHERE kind IN ('dispatched', 'signed') AND at >= :from AND at < :to GROUP BY unit";
static const char SQL_CLOSES[] =
    "SELECT unit, received_at, closed_at FROM ticket "
    "WHERE closed_at >= :from AND closed_at < :to AND direct = 0";
static const char SQL_OPEN[] = "SELECT unit, received_at, close_due FROM ticket WHERE " RS_OPEN_AT_NOW;

report_sla_set_t *report_sla_compute(report_store_t *st, int64_t from, int64_t to, int64_t now)
{
    report_sla_set_t *set = xcalloc(1, sizeof *set);
    ctx_t c = {set, rs_calendar(st), now};
    int rc = c.cal ? 0 : -1;
    if (rc == 0) rc = rs_each_row(st, SQL_EVENTS, from, to, now, on_events, &c, "dispatch and signing events");
    if (rc == 0) rc = rs_each_row(st, SQL_CLOSES, from, to, now, on_close, &c, "close times");
    if (rc == 0) rc = rs_each_row(st, SQL_OPEN, from, to, now, on_open, &c, "open tickets");
    if (rc < 0) {
        report_sla_set_destroy(&set);
        return NULL;
    }
    for (size_t i = 0; i < set->n; i++) entry_median(&set->v[i]);
    entry_median(&set->all);
    return set;
}

void report_sla_set_destroy(report_sla_set_t **p)
{
    if (!p || !*p) return;
    report_sla_set_t *set = *p;
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].key);
        free(set->v[i].work);
    }
    free(set->v);
    free(set->all.work);
    free(set);
    *p = NULL;
}

size_t report_sla_set_n(const report_sla_set_t *self) { return self->n; }
const char *report_sla_set_key(const report_sla_set_t *self, size_t i) { return self->v[i].key; }
const report_sla_t *report_sla_set_get(const report_sla_set_t *self, size_t i) { return &self->v[i].s; }
const report_sla_t *report_sla_set_total(const report_sla_set_t *self) { return &self->all.s; }
