/* report_query: report figures from the store, read-only.
 *
 * The figures come from a handful of aggregate statements, one per "family":
 * the daily roll-ups (table rollup, kept by the broker in the same
 * transaction as the transitions), the tickets not classified yet (ticket
 * table, through its unfinished index), open tickets at the period end, and
 * kb_rev.valid_from. Each statement is "SELECT key, SUM(..), .. WHERE day or
 * time in period GROUP BY key", where key is '' for the total, the CST month,
 * or type/unit/street. The SQL text is assembled only from the constant
 * fragments below; the period is always bound (:from, :to), never formatted
 * in. Opening the store, its checks, backup and --outcomes: report_store.c;
 * the SLA figures of --by unit: report_sla.c, merged into the unit groups here. */
#include "report_query.h"
#include "report_sla.h"
#include "report_store_priv.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "calendar.h"
#include "log.h"
#include "units.h"
#include "xmalloc.h"

#define C(f) offsetof(report_counts_t, f)

static const report_figure_t FIGURES[] = {
    {"received", "受理新工单", REPORT_COUNT, C(received), 0, false},
    {"closed", "办结工单", REPORT_COUNT, C(closed), 0, false},
    {"on_time_rate", "工单按时办结率", REPORT_RATE, C(on_time_closed), C(closed), false},
    {"urgent_received", "受理紧急工单", REPORT_COUNT, C(urgent_received), 0, false},
    {"urgent_closed", "办结紧急工单", REPORT_COUNT, C(urgent_closed), 0, false},
    {"direct_answered", "知识库直接答复", REPORT_COUNT, C(direct_answered), 0, false},
    {"direct_answered_rate", "咨询直接答复率", REPORT_RATE, C(direct_answered), C(consult_closed), false},
    {"praise", "表扬来电", REPORT_COUNT, C(praise), 0, false},
    {"rated", "已评价工单", REPORT_COUNT, C(rated), 0, false},
    {"satisfied_rate", "满意率（含基本满意）", REPORT_RATE, C(satisfied), C(rated), false},
    {"satisfied_rate_strict", "满意率（不含基本满意）", REPORT_RATE, C(satisfied_strict), C(rated), false},
    {"bad_ratings", "差评工单", REPORT_COUNT, C(bad_ratings), 0, false},
    {"bad_rectified", "差评整改并回访", REPORT_COUNT, C(bad_rectified), 0, false},
    {"bad_rectified_rate", "差评工单整改率", REPORT_RATE, C(bad_rectified), C(bad_ratings), false},
    {"overdue", "超期督办工单", REPORT_COUNT, C(overdue), 0, false},
    {"open_at_end", "期末未办结工单", REPORT_COUNT, C(open_at_end), 0, false},
    {"kb_updates", "更新知识库信息", REPORT_COUNT, C(kb_updates), 0, false},
    /* the rules (store schema 4): appended, the figures above keep their order */
    {"returns", "退单申请", REPORT_COUNT, C(returns), 0, false},
    {"returns_approved", "退单批准", REPORT_COUNT, C(returns_approved), 0, false},
    {"extensions", "延期", REPORT_COUNT, C(extensions), 0, false},
    {"suspensions", "挂起", REPORT_COUNT, C(suspensions), 0, false},
    {"merged", "重复件合并", REPORT_COUNT, C(merged), 0, false},
    {"co_handled", "联办工单", REPORT_COUNT, C(co_handled), 0, false},
    {"reminders", "催办", REPORT_COUNT, C(reminders), 0, false},
    {"notifications", "通报", REPORT_COUNT, C(notifications), 0, false},
    {"unreachable", "回访未接通", REPORT_COUNT, C(unreachable), 0, false},
    {"reopened", "重办", REPORT_COUNT, C(reopened), 0, false},
    {"manual_dispatch", "人工派单", REPORT_COUNT, C(manual_dispatch), 0, false},
    {"first_dispatch_accuracy", "一次派单准确率", REPORT_RATE, C(first_returned), C(dispatched_first), true},
};
#define N_FIGURES (sizeof FIGURES / sizeof FIGURES[0])
_Static_assert(N_FIGURES > REPORT_N_BASE_FIGURES, "the rules' figures follow the first ones");

/* A family: the figures one statement produces, all counted by one time
 * column. Ticket figures come from the daily roll-up the broker keeps in step
 * with every transition (schemas/store.sql, table rollup), so a report reads
 * O(days × groups) rows whatever the number of tickets; only tickets not yet
 * classified (not yet in the roll-up) are counted from the ticket table, via
 * its partial index of unfinished tickets. */
typedef struct {
    const char *table, *col;   /* col: the time column (month key); "day" = CST day number */
    const char *sums;          /* aggregate list, one per fields[] entry */
    const char *where;         /* binds :from and/or :to */
    size_t fields[16];
    int nfields;
} family_t;

#define DAY_FROM "(:from + 28800) / 86400"
#define DAY_TO "(:to + 28800) / 86400"

static const family_t TICKET_FAMILIES[] = {
    {"rollup", "day",
     "SUM(received), SUM(urgent * received), SUM(CASE WHEN type = 'praise' THEN received ELSE 0 END), "
     "SUM(closed), SUM(on_time), SUM(urgent * closed), SUM(direct), SUM(CASE WHEN type = 'consult' THEN closed ELSE 0 END), "
     "SUM(rated), SUM(sat3), SUM(sat4), SUM(bad), SUM(bad_rectified), SUM(overdue)",
     "day >= " DAY_FROM " AND day < " DAY_TO,
     {C(received), C(urgent_received), C(praise), C(closed), C(on_time_closed), C(urgent_closed),
      C(direct_answered), C(consult_closed), C(rated), C(satisfied), C(satisfied_strict), C(bad_ratings),
      C(bad_rectified), C(overdue)}, 14},
    {"ticket", "received_at", "COUNT(*), SUM(CASE WHEN urgent = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN type = 'praise' THEN 1 ELSE 0 END)",
     "done_at IS NULL AND category IS NULL AND received_at >= :from AND received_at < :to",
     {C(received), C(urgent_received), C(praise)}, 3},
};

/* The rules' figures (store schema 4), each on its event's day under the
 * unit of that moment, as core/store_rollup.c counts them. */
static const family_t RULES_FAMILY = {
    "rollup", "day",
    "SUM(returns), SUM(returns_approved), SUM(extensions), SUM(suspensions), SUM(merged), SUM(co_handled), "
    "SUM(reminders), SUM(notifications), SUM(unreachable), SUM(reopened), SUM(manual_dispatch), "
    "SUM(dispatched), SUM(first_returned)",
    "day >= " DAY_FROM " AND day < " DAY_TO,
    {C(returns), C(returns_approved), C(extensions), C(suspensions), C(merged), C(co_handled), C(reminders),
     C(notifications), C(unreachable), C(reopened), C(manual_dispatch), C(dispatched_first), C(first_returned)},
    13};
/* The fields above, REPORT_NA in a store whose roll-ups do not count them. */
static const size_t RULES_FIELDS[] = {
    C(returns), C(returns_approved), C(extensions), C(suspensions), C(merged), C(co_handled), C(reminders),
    C(notifications), C(unreachable), C(reopened), C(manual_dispatch), C(dispatched_first), C(first_returned)};

/* Open at the period end = received − closed before the end (praise never
 * opens), for keys that do not move in time (total/type/unit/street). A
 * repeat call merged into another ticket (重复件) is received but never
 * closed: its lead is handled and closed for it, so it never counts as open
 * (it is merged on the day it is received, under the same unit). Stores
 * without the merged column (before schema 4) had no merging. */
#define OPEN_SUMS "SUM(CASE WHEN type <> 'praise' THEN received ELSE 0 END) - SUM(closed)"
#define OPEN_SUMS_MERGED OPEN_SUMS " - SUM(merged)"
static const family_t OPEN_FAMILY = {
    "rollup", "day", OPEN_SUMS_MERGED, "day < " DAY_TO, {C(open_at_end)}, 1};
static const family_t OPEN_FAMILY_V3 = {
    "rollup", "day", OPEN_SUMS, "day < " DAY_TO, {C(open_at_end)}, 1};
static const family_t OPEN_NEW_FAMILY = {
    "ticket", "received_at", "COUNT(*)",
    "done_at IS NULL AND category IS NULL AND received_at < :to AND type <> 'praise'", {C(open_at_end)}, 1};
/* For months: the same flows per month, accumulated over months. */
static const family_t OPEN_IN_FAMILY = {
    "rollup", "day", OPEN_SUMS_MERGED, "day < " DAY_TO, {C(open_at_end)}, 1};
static const family_t OPEN_IN_FAMILY_V3 = {
    "rollup", "day", OPEN_SUMS, "day < " DAY_TO, {C(open_at_end)}, 1};
static const family_t OPEN_OUT_FAMILY = {
    "ticket", "received_at", "COUNT(*)",
    "done_at IS NULL AND category IS NULL AND received_at < :to AND type <> 'praise'", {C(open_at_end)}, 1};
static const family_t KB_FAMILY = {
    "kb_rev", "valid_from", "COUNT(*)",
    "source = 'update' AND valid_from >= :from AND valid_from < :to", {C(kb_updates)}, 1};

static const char *const TYPES[][2] = {
    {"consult", "咨询"}, {"help", "求助"},    {"complaint", "投诉"},
    {"report", "举报"},  {"suggest", "建议"}, {"praise", "表扬"},
};
#define N_TYPES (sizeof TYPES / sizeof TYPES[0])

static const char *const BY_NAMES[] = {"none", "month", "type", "unit", "street", "centre"};

typedef struct {
    char *key;                /* owned; NULL = attribute absent */
    char *name;               /* owned display name */
    int rank;                 /* display order, then key */
    report_counts_t c;
    report_sla_t sla;         /* with REPORT_BY_UNIT only */
} group_t;

typedef struct {
    group_t *v;
    size_t n, cap;
} grouplist_t;

struct report {
    int64_t from, to, now;    /* now: the instant of the SLA figures' open tickets */
    report_by_t by;
    report_counts_t total;
    report_sla_t total_sla;   /* with REPORT_BY_UNIT only */
    grouplist_t groups;
};

/* ------------------------------------------------------------------ figures */

const report_figure_t *report_figures(size_t *n)
{
    *n = N_FIGURES;
    return FIGURES;
}

const report_figure_t *report_figure(const char *key)
{
    for (size_t i = 0; key && i < N_FIGURES; i++)
        if (strcmp(FIGURES[i].key, key) == 0) return &FIGURES[i];
    return NULL;
}

static int64_t field(const report_counts_t *c, size_t off)
{
    return *(const int64_t *)((const char *)c + off);
}

int report_figure_value(const report_figure_t *f, const report_counts_t *c, double *out)
{
    int64_t num = field(c, f->num);
    if (num < 0) return -1;
    if (f->kind == REPORT_COUNT) {
        *out = (double)num;
        return 0;
    }
    int64_t den = field(c, f->den);
    if (den <= 0) return -1;
    *out = f->complement ? 1.0 - (double)num / (double)den : (double)num / (double)den;
    return 0;
}

int report_by_parse(const char *name, report_by_t *out)
{
    for (size_t i = 1; i < sizeof BY_NAMES / sizeof BY_NAMES[0]; i++)
        if (strcmp(BY_NAMES[i], name) == 0) { *out = (report_by_t)i; return 0; }
    return -1;
}

/* ------------------------------------------------------------------- groups */

/* Sets g's display name and rank: known codes in their table's order (ticket
 * types, units_all() then the street offices' group, the 10 streets), then
 * unknown keys, then NULL. */
static void group_describe(group_t *g, report_by_t by)
{
    char buf[256];
    const char *k = g->key, *name = k;
    size_t n;
    const char *const *units = units_all(&n);
    g->rank = !k ? INT_MAX : by == REPORT_BY_MONTH ? 0 : 1000;
    for (size_t i = 0; k && by == REPORT_BY_TYPE && i < N_TYPES; i++)
        if (strcmp(TYPES[i][0], k) == 0) { g->rank = (int)i; name = TYPES[i][1]; }
    for (size_t i = 0; k && by == REPORT_BY_UNIT && i < n; i++)
        if (strcmp(units[i], k) == 0) g->rank = (int)i;
    bool offices = k && by == REPORT_BY_UNIT && strcmp(k, REPORT_STREET_OFFICES) == 0;
    if (offices) g->rank = (int)n;
    for (int i = 0; k && by == REPORT_BY_STREET && i < UNITS_N_STREETS; i++)
        if (strcmp(UNITS_STREETS[i].code, k) == 0) { g->rank = i; name = UNITS_STREETS[i].name; }
    if (!k) g->name = xstrdup("（未指定）");
    else if (by == REPORT_BY_MONTH) g->name = xasprintf("%.4s年%.2s月", k, k + (strlen(k) >= 7 ? 5 : 0));
    else if (offices) g->name = xstrdup(REPORT_STREET_OFFICES_NAME);
    else if (by == REPORT_BY_UNIT) g->name = xstrdup(units_display_name(k, buf, sizeof buf));
    else g->name = xstrdup(by == REPORT_BY_NONE ? "合计" : name);
}

static group_t *group_get(grouplist_t *gl, report_by_t by, const char *key)
{
    for (size_t i = 0; i < gl->n; i++) {
        const char *k = gl->v[i].key;
        if ((!k && !key) || (k && key && strcmp(k, key) == 0)) return &gl->v[i];
    }
    if (gl->n == gl->cap) {
        gl->cap = gl->cap ? gl->cap * 2 : 16;
        gl->v = xrealloc(gl->v, gl->cap * sizeof *gl->v);
    }
    group_t *g = &gl->v[gl->n++];
    memset(g, 0, sizeof *g);
    g->key = key ? xstrdup(key) : NULL;
    group_describe(g, by);
    return g;
}

static void groups_free(grouplist_t *gl)
{
    for (size_t i = 0; i < gl->n; i++) {
        free(gl->v[i].key);
        free(gl->v[i].name);
    }
    free(gl->v);
    memset(gl, 0, sizeof *gl);
}

static int group_cmp(const void *a, const void *b)
{
    const group_t *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (!x->key || !y->key) return !x->key - !y->key;
    return strcmp(x->key, y->key);
}

/* ---------------------------------------------------------------- families */

/* A knowledge-base entry of unit "street" is a community matter that each
 * street office handles: it counts in the street offices' group, not as a
 * unit called "street". */
#define KB_UNIT_KEY "CASE WHEN unit = 'street' THEN '" REPORT_STREET_OFFICES "' ELSE unit END"

/* The group key expression of a family for a grouping; NULL when the family
 * has no such attribute (kb_rev has no type or street). */
static const char *key_expr(const family_t *f, report_by_t by, bool pg, char *buf, size_t len)
{
    bool kb = strcmp(f->table, "kb_rev") == 0, rollup = strncmp(f->table, "rollup", 6) == 0;
    char t[64];
    switch (by) {
    case REPORT_BY_NONE: return "''";
    case REPORT_BY_MONTH: /* "2022-03" of the CST day; SQLite and PostgreSQL spell it differently */
        if (rollup) snprintf(t, sizeof t, "day * 86400");
        else snprintf(t, sizeof t, "%s + %d", f->col, CAL_TZ_OFFSET);
        if (pg) snprintf(buf, len, "to_char(to_timestamp(%s) AT TIME ZONE 'UTC', 'YYYY-MM')", t);
        else snprintf(buf, len, "strftime('%%Y-%%m', %s, 'unixepoch')", t);
        return buf;
    case REPORT_BY_TYPE: return kb ? NULL : "type";
    case REPORT_BY_UNIT: return rollup ? "NULLIF(unit, '')" : kb ? KB_UNIT_KEY : "unit";
    case REPORT_BY_STREET: return kb ? NULL : rollup ? "NULLIF(street, '')" : "street";
    case REPORT_BY_CENTRE: return "centre"; /* a column of the merged views (report_centre.c) */
    }
    return NULL;
}

/* Runs one family statement and adds its sums into the groups of gl. */
static int run_family(report_store_t *st, const family_t *f, report_by_t by,
                      int64_t from, int64_t to, grouplist_t *gl)
{
    char kbuf[128], sql[1024];
    const char *k = key_expr(f, by, rs_is_pg(st), kbuf, sizeof kbuf);
    if (!k) return 0;
    /* Without street or unit grouping, the small roll-up (day, type, urgent) serves. */
    const char *table = strcmp(f->table, "rollup") == 0 && by != REPORT_BY_UNIT && by != REPORT_BY_STREET
                            ? "rollup_total" : f->table;
    snprintf(sql, sizeof sql, "SELECT %s AS k, %s FROM %s WHERE %s GROUP BY k",
             k, f->sums, table, f->where);
    db_stmt_t *s = rs_prepare(st, sql);
    if (!s || rs_bind_times(st, s, from, to, 0) < 0) {
        rs_finalize(s);
        return -1;
    }
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        group_t *g = group_get(gl, by, db_text(s, 0));
        for (int i = 0; i < f->nfields; i++)
            *(int64_t *)((char *)&g->c + f->fields[i]) += db_int64(s, i + 1);
    }
    if (rc != DB_DONE) rs_fail(st, "figures");
    rs_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Creates a group for every CST month that [from, to) touches. */
static int add_months(grouplist_t *gl, int64_t from, int64_t to)
{
    char buf[32], key[16];
    if (from >= to) return 0;
    calendar_format(from, buf, sizeof buf);
    int y = atoi(buf), m = atoi(buf + 5);
    for (;;) {
        int64_t start;
        snprintf(key, sizeof key, "%04d-%02d", y, m);
        snprintf(buf, sizeof buf, "%s-01", key);
        if (calendar_parse_time(buf, &start) < 0) {
            log_error("cannot compute month start", "month=%s", key);
            return -1;
        }
        if (start >= to) return 0;
        group_get(gl, REPORT_BY_MONTH, key);
        if (++m > 12) { m = 1; y++; }
    }
}

/* open_at_end per month: tickets received minus tickets closed, accumulated
 * over the months up to each one (months before the period included). */
static int open_by_month(report_store_t *st, report_t *r)
{
    grouplist_t flow = {0};
    int rc = run_family(st, st->rules ? &OPEN_IN_FAMILY : &OPEN_IN_FAMILY_V3, REPORT_BY_MONTH, r->from, r->to, &flow);
    if (rc == 0) rc = run_family(st, &OPEN_OUT_FAMILY, REPORT_BY_MONTH, r->from, r->to, &flow);
    if (rc == 0) {
        if (flow.n) qsort(flow.v, flow.n, sizeof *flow.v, group_cmp);
        size_t j = 0;
        int64_t open = 0;
        for (size_t i = 0; i < r->groups.n; i++) {   /* groups are sorted months */
            group_t *g = &r->groups.v[i];
            for (; j < flow.n && flow.v[j].key && strcmp(flow.v[j].key, g->key) <= 0; j++)
                open += flow.v[j].c.open_at_end;
            g->c.open_at_end = open;
        }
    }
    groups_free(&flow);
    return rc;
}

/* A store without the rules' roll-up columns: those figures have no value. */
static void no_rules(report_counts_t *c)
{
    for (size_t k = 0; k < sizeof RULES_FIELDS / sizeof RULES_FIELDS[0]; k++)
        *(int64_t *)((char *)c + RULES_FIELDS[k]) = REPORT_NA;
}

static int compute_groups(report_store_t *st, report_t *r, report_by_t by, grouplist_t *gl)
{
    if (by == REPORT_BY_MONTH && add_months(gl, r->from, r->to) < 0) return -1;
    for (size_t i = 0; i < sizeof TICKET_FAMILIES / sizeof TICKET_FAMILIES[0]; i++)
        if (run_family(st, &TICKET_FAMILIES[i], by, r->from, r->to, gl) < 0) return -1;
    if (st->rules && run_family(st, &RULES_FAMILY, by, r->from, r->to, gl) < 0) return -1;
    if (run_family(st, &KB_FAMILY, by, r->from, r->to, gl) < 0) return -1;
    const family_t *open = st->rules ? &OPEN_FAMILY : &OPEN_FAMILY_V3;
    if (by != REPORT_BY_MONTH && (run_family(st, open, by, r->from, r->to, gl) < 0 ||
                                  run_family(st, &OPEN_NEW_FAMILY, by, r->from, r->to, gl) < 0))
        return -1;
    if (gl->n) qsort(gl->v, gl->n, sizeof *gl->v, group_cmp);
    if (by == REPORT_BY_MONTH && open_by_month(st, r) < 0) return -1;
    if (by == REPORT_BY_TYPE || by == REPORT_BY_STREET)
        for (size_t i = 0; i < gl->n; i++) gl->v[i].c.kb_updates = REPORT_NA;
    if (!st->rules)
        for (size_t i = 0; i < gl->n; i++) no_rules(&gl->v[i].c);
    return 0;
}

/* The total of a grouped report is the sum of its groups (every ticket is in
 * exactly one group per family, NULL keys included), which saves scanning the
 * store twice. Two exceptions: open_at_end by month is a state, so the total
 * is the last month's; kb_rev has no type or street, so it is counted alone. */
static int total_from_groups(report_store_t *st, report_t *r)
{
    static const size_t ALL[] = {
        C(received), C(urgent_received), C(praise), C(closed), C(on_time_closed),
        C(urgent_closed), C(direct_answered), C(consult_closed), C(rated), C(satisfied),
        C(satisfied_strict), C(bad_ratings), C(bad_rectified), C(overdue), C(open_at_end),
        C(kb_updates), C(returns), C(returns_approved), C(extensions), C(suspensions), C(merged),
        C(co_handled), C(reminders), C(notifications), C(unreachable), C(reopened), C(manual_dispatch),
        C(dispatched_first), C(first_returned)};
    _Static_assert(sizeof ALL / sizeof ALL[0] * sizeof(int64_t) == sizeof(report_counts_t),
                   "ALL must list every field of report_counts_t");
    for (size_t i = 0; i < r->groups.n; i++)
        for (size_t k = 0; k < sizeof ALL / sizeof ALL[0]; k++) {
            int64_t v = field(&r->groups.v[i].c, ALL[k]);
            if (v > 0) *(int64_t *)((char *)&r->total + ALL[k]) += v;   /* skips REPORT_NA */
        }
    if (r->by == REPORT_BY_MONTH)
        r->total.open_at_end = r->groups.n ? r->groups.v[r->groups.n - 1].c.open_at_end : 0;
    if (!st->rules) no_rules(&r->total);
    if (r->by == REPORT_BY_TYPE || r->by == REPORT_BY_STREET) {
        grouplist_t kb = {0};
        int rc = run_family(st, &KB_FAMILY, REPORT_BY_NONE, r->from, r->to, &kb);
        r->total.kb_updates = rc == 0 && kb.n ? kb.v[0].c.kb_updates : 0;
        groups_free(&kb);
        return rc;
    }
    return 0;
}

/* The SLA figures into the unit groups (adding units that have only those)
 * and the total; closed_late is closed − on time, from the roll-ups. */
static int merge_sla(report_store_t *st, report_t *r)
{
    report_sla_set_t *set = report_sla_compute(st, r->from, r->to, r->now);
    if (!set) return -1;
    for (size_t i = 0; i < report_sla_set_n(set); i++)
        group_get(&r->groups, REPORT_BY_UNIT, report_sla_set_key(set, i))->sla = *report_sla_set_get(set, i);
    r->total_sla = *report_sla_set_total(set);
    report_sla_set_destroy(&set);
    for (size_t i = 0; i < r->groups.n; i++) {
        group_t *g = &r->groups.v[i];
        g->sla.closed_late = g->c.closed - g->c.on_time_closed;
    }
    r->total_sla.closed_late = r->total.closed - r->total.on_time_closed;
    if (r->groups.n) qsort(r->groups.v, r->groups.n, sizeof *r->groups.v, group_cmp);
    return 0;
}

static int compute(report_store_t *st, report_t *r)
{
    if (r->by != REPORT_BY_NONE) {
        if (compute_groups(st, r, r->by, &r->groups) < 0 || total_from_groups(st, r) < 0) return -1;
        return r->by == REPORT_BY_UNIT ? merge_sla(st, r) : 0;
    }
    grouplist_t total = {0};
    int rc = compute_groups(st, r, REPORT_BY_NONE, &total);
    if (rc == 0 && total.n > 0) r->total = total.v[0].c;
    groups_free(&total);
    return rc;
}

report_t *report_compute(report_store_t *store, int64_t from, int64_t to, report_by_t by)
{
    return report_compute_at(store, from, to, by, report_sla_now(to));
}

report_t *report_compute_at(report_store_t *store, int64_t from, int64_t to, report_by_t by, int64_t now)
{
    report_t *r = xcalloc(1, sizeof *r);
    r->from = from;
    r->to = to;
    r->now = now;
    r->by = by;
    /* One read transaction: all statements see the same snapshot even while
     * the broker keeps committing. */
    if (rs_exec(store, "BEGIN") < 0) {
        report_destroy(&r);
        return NULL;
    }
    int rc = compute(store, r);
    rs_exec(store, rc == 0 ? "COMMIT" : "ROLLBACK");
    if (rc < 0) report_destroy(&r);
    return r;
}

void report_destroy(report_t **p)
{
    if (!p || !*p) return;
    groups_free(&(*p)->groups);
    free(*p);
    *p = NULL;
}

int64_t report_from(const report_t *self) { return self->from; }
int64_t report_to(const report_t *self) { return self->to; }
report_by_t report_by(const report_t *self) { return self->by; }
const report_counts_t *report_total(const report_t *self) { return &self->total; }
size_t report_n_groups(const report_t *self) { return self->groups.n; }
const char *report_group_key(const report_t *self, size_t i) { return self->groups.v[i].key; }
const char *report_group_name(const report_t *self, size_t i) { return self->groups.v[i].name; }
const report_counts_t *report_group_counts(const report_t *self, size_t i)
{
    return &self->groups.v[i].c;
}
const report_sla_t *report_total_sla(const report_t *self)
{
    return self->by == REPORT_BY_UNIT ? &self->total_sla : NULL;
}
const report_sla_t *report_group_sla(const report_t *self, size_t i)
{
    return self->by == REPORT_BY_UNIT ? &self->groups.v[i].sla : NULL;
}
int64_t report_now_of(const report_t *self) { return self->now; }

/* --------------------------------------------------------------- compare */

report_compare_row_t *report_compare(const report_t *r, const scenario_t *sc, size_t *n)
{
    const char *const *keys = scenario_published_keys(sc, n);
    report_compare_row_t *rows = xcalloc(*n ? *n : 1, sizeof *rows);
    for (size_t i = 0; i < *n; i++) {
        report_compare_row_t *row = &rows[i];
        row->figure = keys[i];
        row->def = report_figure(keys[i]);
        row->has_published = scenario_published(sc, keys[i], &row->published) == 0;
        /* Reports print rates as percentages; 100 can only mean 100%. */
        if (row->has_published && row->def && row->def->kind == REPORT_RATE && row->published > 1)
            row->published /= 100.0;
        row->has_measured = row->def && report_figure_value(row->def, &r->total, &row->measured) == 0;
    }
    return rows;
}

int report_compare_diff(const report_compare_row_t *row, double *out)
{
    if (!row->has_published || !row->has_measured) return -1;
    double d = row->measured - row->published;
    *out = row->def->kind == REPORT_RATE ? d * 100.0 : d;
    return 0;
}
