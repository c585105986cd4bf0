/* report_query: the report figures, computed from the store (schemas/store.sql).
 * Last step of a ticket's path: the broker wrote the store; hotline-report
 * opens it READ-ONLY and this module turns it into counts. Formatting lives in
 * report_format; option parsing in report.c.
 *
 * Periods are [from, to) in Unix seconds (normally CST day boundaries).
 * Every figure is a count, or a rate = numerator count / denominator count,
 * so figures of groups add up and rates are recomputed, never averaged. The
 * SLA figures of --by unit (report_sla) are counts too, but for one median,
 * computed afresh for each group and for the total. */
#ifndef HOTLINE_REPORT_QUERY_H
#define HOTLINE_REPORT_QUERY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "scenario.h"

#define REPORT_SCHEMA_VERSION 4   /* newest PRAGMA user_version this reader understands */
#define REPORT_SCHEMA_OLDEST 1    /* oldest: version 2 only dropped indexes the report never used */
#define REPORT_NA (-1)            /* a count that does not apply to a group */

/* Class of the last failure, so main() can pick a sysexits.h code. */
typedef enum {
    REPORT_OK = 0,
    REPORT_E_NOINPUT,   /* file missing or unreadable */
    REPORT_E_DATA,      /* not a store, wrong user_version, corrupt */
    REPORT_E_TEMPFAIL,  /* busy/locked by the writer */
    REPORT_E_SOFTWARE,  /* anything else */
} report_status_t;

/* The counts behind the figures. A plain value record (not opaque: it is data,
 * read by the formatter through report_figures()). */
typedef struct {
    int64_t received, urgent_received, praise;                  /* by received_at */
    int64_t closed, on_time_closed, urgent_closed;              /* by closed_at (first close) */
    int64_t direct_answered, consult_closed;                    /* by closed_at */
    int64_t rated, satisfied, satisfied_strict;                 /* by rated_at */
    int64_t bad_ratings, bad_rectified;                         /* by rated_at (cohort) */
    int64_t overdue;                                            /* by overdue_at */
    int64_t open_at_end;                                        /* state at the period end */
    int64_t kb_updates;                                         /* kb_rev.valid_from; REPORT_NA if n/a */
    /* The rules a centre is measured by (store schema 4; REPORT_NA in an older
     * store that has no such roll-up columns). Each one by its event's time,
     * under the unit responsible at that moment. */
    int64_t returns, returns_approved;                          /* 退单 asked / approved */
    int64_t extensions, suspensions;                            /* 延期 / 挂起 granted */
    int64_t merged, co_handled;                                 /* 重复件 merged; 联办 first dispatches */
    int64_t reminders, notifications;                           /* 催办 / 通报 */
    int64_t unreachable;                                        /* by rated_at: default rating, nobody reached */
    int64_t reopened, manual_dispatch;                          /* 重办 / 人工派单 */
    int64_t dispatched_first, first_returned;                   /* first dispatches; of them returned */
} report_counts_t;

typedef enum { REPORT_COUNT, REPORT_RATE } report_kind_t;

/* One published figure: its JSON key, Chinese display name and definition as
 * offsets into report_counts_t (den only for rates). A complement rate is
 * 1 − num / den (一次派单准确率 = 1 − first dispatches returned ÷ first
 * dispatches). */
typedef struct {
    const char *key;      /* "on_time_rate" */
    const char *label;    /* "工单按时办结率" */
    report_kind_t kind;
    size_t num, den;
    bool complement;      /* rates only: the value is 1 − num / den */
} report_figure_t;

/* The figures of the first version (received .. kb_updates), then those of
 * the rules (returns .. first_dispatch_accuracy). */
#define REPORT_N_BASE_FIGURES 17

/* The 29 figures in the report's order (static table); n receives the count. */
const report_figure_t *report_figures(size_t *n);
/* NULL when key names no figure. */
const report_figure_t *report_figure(const char *key);
/* Value of f in c: a count, or a rate as a fraction 0..1. Returns -1 when it
 * has no value (a rate with a zero denominator, or a REPORT_NA count). */
int report_figure_value(const report_figure_t *f, const report_counts_t *c, double *out);

/* ---- SLA figures: per unit, with --by unit only (report_sla.h) ---- */
#define REPORT_AGE_N 5            /* open-ticket age buckets, in working days */
/* Key and name of the group of knowledge-base entries whose unit is "street"
 * (community matters, handled by each street office): not a unit of its own. */
#define REPORT_STREET_OFFICES "unit.street.*"
#define REPORT_STREET_OFFICES_NAME "各街道办事处"

/* The SLA figures of one group, taken at an instant "now" (report_sla_now):
 * a ticket is open at now when it was received before now, is not a praise
 * call, was not first closed (or answered) before now and, never closed, is
 * not in a final state. A plain value record, like report_counts_t. */
typedef struct {
    int64_t dispatched;               /* events 'dispatched' by event.at, under event.unit */
    int64_t signed_late;              /* events 'signed' with detail 'signed late', by event.at */
    int64_t overdue_now;              /* open at now with close_due < now */
    int64_t closed_late;              /* first closes in the period not on time (closed − on time) */
    int64_t median_n;                 /* first closes behind the median (direct answers excluded) */
    double median_close_workdays;     /* working days received_at → closed_at; no value if median_n = 0 */
    int64_t aged[REPORT_AGE_N];       /* open at now by working days since received_at:
                                         [0,1) [1,3) [3,5) [5,10) [10,∞) */
} report_sla_t;

/* ---- the store ---- */
typedef struct report_store report_store_t;

/* Opens path read-only and checks PRAGMA user_version is within
 * REPORT_SCHEMA_OLDEST..REPORT_SCHEMA_VERSION.
 * NULL on failure (logged), with *status saying why. */
report_store_t *report_store_open(const char *path, report_status_t *status);
/* The same for some of its centres: `centres` is a comma-separated list of
 * codes, or NULL or "all" for every one (a SQLite file holds one; a
 * PostgreSQL database one per schema centre_CODE). With merge, several
 * centres are read as one (their sums), and with column too even one
 * centre's rows carry a column `centre` (REPORT_BY_CENTRE needs it). Without
 * merge, the caller reads one centre at a time (report_store_use_centre). */
report_store_t *report_store_open_centres(const char *path, const char *centres, bool merge, bool column,
                                          report_status_t *status);
/* The centres read, in order. */
size_t report_store_centres(const report_store_t *self, const char *const **codes);
/* Reads centre i alone from now on (a store opened without merge); 0 or -1. */
int report_store_use_centre(report_store_t *self, size_t i);
/* Whether the store's roll-ups count the rules' figures (退单, 延期, ...:
 * schema 4 on); without them those figures have no value (REPORT_NA). */
bool report_store_has_rules(const report_store_t *self);
void report_store_destroy(report_store_t **p);
/* Class of the last failure on this store. */
report_status_t report_store_status(const report_store_t *self);
/* min and max received_at; *any = false for a store without tickets. */
int report_store_span(report_store_t *self, bool *any, int64_t *min, int64_t *max);
/* PRAGMA integrity_check: *ok = true when it says "ok"; otherwise each problem
 * is written as one line to problems. -1 if the check itself could not run. */
/* Writes a consistent copy of the store to dest (a new file; an existing one
 * is refused), while the broker may keep writing. 0 or -1. */
int report_store_backup(report_store_t *self, const char *dest);
int report_store_check(report_store_t *self, FILE *problems, bool *ok);

/* One row of --outcomes; strings are valid only during the callback. */
typedef struct {
    const char *id, *state, *unit;   /* unit NULL when not dispatched */
    int64_t received_at;
    bool has_closed;
    int64_t closed_at;
    int on_time;                     /* 1, 0, or -1 when NULL */
    int rating;                      /* 1..5, or -1 when NULL */
    bool has_due;
    int64_t close_due;               /* the final close deadline */
    bool has_late;                   /* closed late, or open past close_due at the last event */
    int64_t late_s;                  /* working seconds after close_due (when has_late) */
} report_outcome_t;
typedef int (*report_outcome_fn)(const report_outcome_t *row, void *arg);
/* Calls fn for every ticket in id (byte) order, streaming, in one read
 * transaction. Lateness: a ticket closed late (on_time 0) is late by the working
 * time from close_due to closed_at; an open ticket (no close, state not final)
 * past close_due by the working time from close_due to the store's last event
 * time (never the wall clock: the same store gives the same lines). Stops and
 * returns -1 if fn returns -1 or on a store error. */
int report_outcomes_each(report_store_t *self, report_outcome_fn fn, void *arg);

/* ---- a computed report ---- */
typedef enum { REPORT_BY_NONE, REPORT_BY_MONTH, REPORT_BY_TYPE, REPORT_BY_UNIT, REPORT_BY_STREET, REPORT_BY_CENTRE } report_by_t;

/* "month" etc. to report_by_t; -1 on an unknown name. */
int report_by_parse(const char *name, report_by_t *out);

typedef struct report report_t;

/* Computes the figures of [from, to), in total and per group of `by`, in one
 * read transaction (one consistent snapshot). NULL on failure (logged).
 * Month groups are every CST month the period touches, each figure counted by
 * its own time column; open_at_end of a month is at the end of that month
 * (or of the period). open_at_end = received − first closed before the end;
 * praise calls and repeat calls merged into another ticket (重复件, received
 * but closed with their lead) never open. kb_updates is REPORT_NA in type
 * and street groups.
 * REPORT_BY_UNIT also computes the SLA figures (per unit and in total) at
 * report_sla_now(to); knowledge-base entries whose unit is "street" count in
 * the group REPORT_STREET_OFFICES. */
report_t *report_compute(report_store_t *store, int64_t from, int64_t to, report_by_t by);
/* The same with the SLA figures (REPORT_BY_UNIT) taken at `now` instead of
 * report_sla_now(to). */
report_t *report_compute_at(report_store_t *store, int64_t from, int64_t to, report_by_t by, int64_t now);
void report_destroy(report_t **p);

int64_t report_from(const report_t *self);
int64_t report_to(const report_t *self);
report_by_t report_by(const report_t *self);
const report_counts_t *report_total(const report_t *self);
size_t report_n_groups(const report_t *self);
/* Group i's key (NULL for tickets without that attribute, e.g. no street),
 * display name, and counts. Groups are in a fixed, meaningful order. */
const char *report_group_key(const report_t *self, size_t i);
const char *report_group_name(const report_t *self, size_t i);
const report_counts_t *report_group_counts(const report_t *self, size_t i);
/* The SLA figures of the total and of group i; NULL unless computed with
 * REPORT_BY_UNIT. */
const report_sla_t *report_total_sla(const report_t *self);
const report_sla_t *report_group_sla(const report_t *self, size_t i);
/* The instant the SLA figures took the open tickets at. */
int64_t report_now_of(const report_t *self);

/* ---- comparison with a scenario's published figures ---- */
typedef struct {
    const char *figure;            /* key from the scenario's [published] section */
    const report_figure_t *def;    /* NULL when it names no figure we measure */
    bool has_published, has_measured;
    double published, measured;    /* rates as fractions 0..1 */
} report_compare_row_t;

/* One row per scenario_published_keys() key, in file order. A published rate
 * above 1 is read as a percentage (100 = 100%). Returns a malloc'd array the
 * caller frees with free(); *n receives the count. */
report_compare_row_t *report_compare(const report_t *r, const scenario_t *sc, size_t *n);
/* measured - published (rates in percentage points); -1 if either is missing. */
int report_compare_diff(const report_compare_row_t *row, double *out);

#endif
