/* report_rank: the unit ranking of hotline-report --rank and of the HTML page.
 * Two statements in one read transaction: the roll-ups grouped by unit (the
 * same counts --by unit shows) and the dispatch events of the period by unit.
 * Rates are compared exactly, by cross-multiplying their integer counts, so
 * two units with the same rate always tie. The period is always bound. */
#include "report_rank.h"
#include "report_store_priv.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "units.h"
#include "xmalloc.h"

struct report_rank {
    int64_t from, to;
    report_rank_row_t *v;     /* owned, n used */
    size_t n, cap;
};

#define DAY_FROM "(:from + 28800) / 86400"
#define DAY_TO "(:to + 28800) / 86400"

/* unit, received, closed, on_time, overdue[, notifications, returns, returns_approved, reopened].
 * A consultation answered from the knowledge base is closed (on time) by the
 * centre, not by the unit it was classified to: the unit's closes leave it out. */
#define UNIT_CLOSES "SUM(closed) - SUM(direct), SUM(on_time) - SUM(direct)"
static const char SQL_ROLLUP[] =
    "SELECT unit, SUM(received), " UNIT_CLOSES ", SUM(overdue) FROM rollup "
    "WHERE unit <> '' AND day >= " DAY_FROM " AND day < " DAY_TO " GROUP BY unit";
static const char SQL_ROLLUP_RULES[] =
    "SELECT unit, SUM(received), " UNIT_CLOSES ", SUM(overdue), "
    "SUM(notifications), SUM(returns), SUM(returns_approved), SUM(reopened) FROM rollup "
    "WHERE unit <> '' AND day >= " DAY_FROM " AND day < " DAY_TO " GROUP BY unit";
/* Every dispatch to a unit: the first, a re-dispatch after a 退单, a 人工派单. */
static const char SQL_DISPATCHES[] =
    "SELECT unit, COUNT(*) FROM event WHERE kind IN ('dispatched', 'assigned') AND unit IS NOT NULL "
    "AND at >= :from AND at < :to GROUP BY unit";

static report_rank_row_t *row_get(report_rank_t *r, const char *key, bool rules)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].key, key) == 0) return &r->v[i];
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->v = xrealloc(r->v, r->cap * sizeof *r->v);
    }
    report_rank_row_t *row = &r->v[r->n++];
    char buf[256];
    memset(row, 0, sizeof *row);
    row->key = xstrdup(key);
    row->name = xstrdup(units_display_name(key, buf, sizeof buf));
    if (!rules) row->notifications = row->returns = row->returns_approved = row->reopened = REPORT_NA;
    return row;
}

typedef struct {
    report_rank_t *r;
    bool rules;
} ctx_t;

static void on_rollup(db_stmt_t *s, void *arg)
{
    ctx_t *c = arg;
    const char *key = db_text(s, 0);
    if (!key) return;
    report_rank_row_t *row = row_get(c->r, key, c->rules);
    row->received += db_int64(s, 1);
    row->closed += db_int64(s, 2);
    row->on_time += db_int64(s, 3);
    row->overdue += db_int64(s, 4);
    if (!c->rules) return;
    row->notifications += db_int64(s, 5);
    row->returns += db_int64(s, 6);
    row->returns_approved += db_int64(s, 7);
    row->reopened += db_int64(s, 8);
}

static void on_dispatch(db_stmt_t *s, void *arg)
{
    ctx_t *c = arg;
    const char *key = db_text(s, 0);
    if (key && key[0]) row_get(c->r, key, c->rules)->dispatched += db_int64(s, 1);
}

/* Whether a row has anything to show in the period. */
static bool active(const report_rank_row_t *r)
{
    return r->received > 0 || r->dispatched > 0 || r->closed > 0 || r->overdue > 0 || r->notifications > 0 ||
           r->returns > 0 || r->returns_approved > 0 || r->reopened > 0;
}

int report_rank_on_time_rate(const report_rank_row_t *r, double *out)
{
    if (r->closed <= 0) return -1;
    *out = (double)r->on_time / (double)r->closed;
    return 0;
}

int report_rank_return_rate(const report_rank_row_t *r, double *out)
{
    if (r->dispatched <= 0 || r->returns < 0) return -1;
    *out = (double)r->returns / (double)r->dispatched;
    return 0;
}

/* a_num / a_den against b_num / b_den, exactly: -1 if a is better (higher
 * when high_first, else lower), 1 if b is, 0 if equal. A rate without a value
 * (den <= 0, or num < 0: not counted) is worse than any value. */
static int rate_cmp(int64_t an, int64_t ad, int64_t bn, int64_t bd, bool high_first)
{
    bool ha = ad > 0 && an >= 0, hb = bd > 0 && bn >= 0;
    if (!ha || !hb) return ha == hb ? 0 : ha ? -1 : 1;
    int64_t x = an * bd, y = bn * ad;   /* counts of one period: far below 2^31 each */
    if (x == y) return 0;
    return (x > y) == high_first ? -1 : 1;
}

/* The ranking keys: on-time rate (desc), 督办 (asc), return rate (asc). */
static int rank_cmp(const report_rank_row_t *a, const report_rank_row_t *b)
{
    int c = rate_cmp(a->on_time, a->closed, b->on_time, b->closed, true);
    if (c) return c;
    if (a->overdue != b->overdue) return a->overdue < b->overdue ? -1 : 1;
    return rate_cmp(a->returns, a->dispatched, b->returns, b->dispatched, false);
}

/* The units' fixed order (units_all), unknown keys after, by key. */
static int unit_order(const char *key)
{
    size_t n;
    const char *const *all = units_all(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i], key) == 0) return (int)i;
    return INT_MAX;
}

static int row_cmp(const void *pa, const void *pb)
{
    const report_rank_row_t *a = pa, *b = pb;
    int c = rank_cmp(a, b);
    if (c) return c;
    int oa = unit_order(a->key), ob = unit_order(b->key);
    if (oa != ob) return oa < ob ? -1 : 1;
    return strcmp(a->key, b->key);
}

static void row_free(report_rank_row_t *r)
{
    free(r->key);
    free(r->name);
}

report_rank_t *report_rank_compute(report_store_t *st, int64_t from, int64_t to)
{
    report_rank_t *r = xcalloc(1, sizeof *r);
    r->from = from;
    r->to = to;
    if (rs_exec(st, "BEGIN") < 0) {
        report_rank_destroy(&r);
        return NULL;
    }
    ctx_t c = {r, st->rules};
    int rc = rs_each_row(st, st->rules ? SQL_ROLLUP_RULES : SQL_ROLLUP, from, to, 0, on_rollup, &c, "unit roll-ups");
    if (rc == 0) rc = rs_each_row(st, SQL_DISPATCHES, from, to, 0, on_dispatch, &c, "dispatch events");
    rs_exec(st, rc == 0 ? "COMMIT" : "ROLLBACK");
    if (rc < 0) {
        report_rank_destroy(&r);
        return NULL;
    }
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (active(&r->v[i])) r->v[kept++] = r->v[i];
        else row_free(&r->v[i]);
    }
    r->n = kept;
    if (r->n) qsort(r->v, r->n, sizeof *r->v, row_cmp);
    for (size_t i = 0; i < r->n; i++)
        r->v[i].rank = i > 0 && rank_cmp(&r->v[i - 1], &r->v[i]) == 0 ? r->v[i - 1].rank : (int)i + 1;
    return r;
}

void report_rank_destroy(report_rank_t **p)
{
    if (!p || !*p) return;
    for (size_t i = 0; i < (*p)->n; i++) row_free(&(*p)->v[i]);
    free((*p)->v);
    free(*p);
    *p = NULL;
}

int64_t report_rank_from(const report_rank_t *self) { return self->from; }
int64_t report_rank_to(const report_rank_t *self) { return self->to; }
size_t report_rank_n(const report_rank_t *self) { return self->n; }
const report_rank_row_t *report_rank_row(const report_rank_t *self, size_t i) { return &self->v[i]; }
