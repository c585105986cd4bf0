/* report_late: the late-ticket list of hotline-report --late and of the HTML
 * page. One statement over the ticket table picks the late closes of the
 * period and the tickets open and overdue at now (RS_OPEN_AT_NOW, the same
 * "open" as the SLA figures); lateness is counted here with the calendar. */
#include "report_late.h"
#include "report_store_priv.h"
#include <stdlib.h>
#include <string.h>
#include "xmalloc.h"

struct report_late {
    int64_t from, to, now;
    bool by_centre;
    report_late_row_t *v;     /* owned, n used */
    size_t n, cap, n_open;
};

#define SQL_LATE(centre)                                                                                          \
    "SELECT id, unit, type, close_due, closed_at, on_time = 0 AND closed_at >= :from AND closed_at < :to, " centre \
    " FROM ticket WHERE (on_time = 0 AND closed_at >= :from AND closed_at < :to) "                                \
    "OR (" RS_OPEN_AT_NOW " AND close_due < :now)"

static char *col_dup(db_stmt_t *s, int i)
{
    const char *t = db_text(s, i);
    return t ? xstrdup(t) : NULL;
}

typedef struct {
    report_late_t *l;
    const calendar_t *cal;
} ctx_t;

static void add_row(db_stmt_t *s, void *arg)
{
    report_late_t *l = ((ctx_t *)arg)->l;
    const calendar_t *cal = ((ctx_t *)arg)->cal;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    report_late_row_t *r = &l->v[l->n++];
    memset(r, 0, sizeof *r);
    r->id = col_dup(s, 0);
    r->unit = col_dup(s, 1);
    r->type = col_dup(s, 2);
    r->centre = col_dup(s, 6);
    r->has_due = !db_isnull(s, 3);
    r->close_due = db_int64(s, 3);
    r->open = db_int(s, 5) == 0;   /* a late close in the period wins */
    r->closed_at = r->open ? 0 : db_int64(s, 4);
    if (r->has_due) r->late_s = calendar_work_seconds(cal, r->close_due, r->open ? l->now : r->closed_at);
    l->n_open += r->open;
}

static int row_cmp(const void *a, const void *b)
{
    const report_late_row_t *x = a, *y = b;
    if (x->late_s != y->late_s) return x->late_s > y->late_s ? -1 : 1;
    int c = strcmp(x->id ? x->id : "", y->id ? y->id : "");
    return c ? c : strcmp(x->centre ? x->centre : "", y->centre ? y->centre : "");
}

report_late_t *report_late_compute(report_store_t *st, int64_t from, int64_t to, int64_t now)
{
    report_late_t *l = xcalloc(1, sizeof *l);
    l->from = from;
    l->to = to;
    l->now = now;
    l->by_centre = st->merged; /* the merged views carry a column centre (report_centre.c) */
    const calendar_t *cal = rs_calendar(st);
    if (!cal || rs_exec(st, "BEGIN") < 0) {
        report_late_destroy(&l);
        return NULL;
    }
    ctx_t c = {l, cal};
    int rc = rs_each_row(st, l->by_centre ? SQL_LATE("centre") : SQL_LATE("NULL"), from, to, now, add_row, &c, "late tickets");
    rs_exec(st, rc == 0 ? "COMMIT" : "ROLLBACK");
    if (rc < 0) {
        report_late_destroy(&l);
        return NULL;
    }
    if (l->n) qsort(l->v, l->n, sizeof *l->v, row_cmp);
    return l;
}

void report_late_destroy(report_late_t **p)
{
    if (!p || !*p) return;
    report_late_t *l = *p;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].unit);
        free(l->v[i].type);
        free(l->v[i].centre);
    }
    free(l->v);
    free(l);
    *p = NULL;
}

size_t report_late_n(const report_late_t *self) { return self->n; }
const report_late_row_t *report_late_row(const report_late_t *self, size_t i) { return &self->v[i]; }
size_t report_late_n_open(const report_late_t *self) { return self->n_open; }
int64_t report_late_from(const report_late_t *self) { return self->from; }
int64_t report_late_to(const report_late_t *self) { return self->to; }
int64_t report_late_now(const report_late_t *self) { return self->now; }
bool report_late_by_centre(const report_late_t *self) { return self->by_centre; }
