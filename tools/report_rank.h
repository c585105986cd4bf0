/* report_rank: hotline-report --rank, the units ranked by their service in a
 * period, one row per unit: by on-time rate (the unit's closes on time ÷ its
 * closes, highest first), then by 督办 (overdue deadlines, fewest first), then by return rate
 * (退单 asked ÷ dispatches to the unit, lowest first). A unit without closes
 * (no on-time rate) comes after those with one, and one without dispatches (no
 * return rate) after those with one among its equals. Units equal on all three
 * share a rank (1, 2, 2, 4); among them the units' fixed order decides which
 * row comes first. Formatting: report_fmt_rank (report_format) and the HTML
 * page (report_html). */
#ifndef HOTLINE_REPORT_RANK_H
#define HOTLINE_REPORT_RANK_H
#include <stddef.h>
#include <stdint.h>
#include "report_query.h"

/* One unit's row. Counts from the roll-ups, each on the CST day of its own
 * time, under the unit responsible at that moment (as in --by unit), except
 * dispatched, from the event log. notifications, returns, returns_approved
 * and reopened are REPORT_NA in a store without the rules' roll-ups. */
typedef struct {
    char *key, *name;         /* owned: unit service (unit.chengguan) and display name */
    int rank;                 /* 1 = best; equal units share one */
    int64_t received;         /* tickets received (not shown: it selects the units) */
    int64_t dispatched;       /* dispatch events to the unit (派单, re-dispatch after a 退单, 人工派单), by event time */
    int64_t closed, on_time;  /* the unit's first closes, by closed_at (direct answers from
                                 the knowledge base left out: the centre gave them); of them on time */
    int64_t overdue;          /* 督办: deadlines passed before the close, by the deadline */
    int64_t notifications;    /* 通报 */
    int64_t returns, returns_approved;  /* 退单 asked / approved, by event time */
    int64_t reopened;         /* 重办 */
} report_rank_row_t;

typedef struct report_rank report_rank_t;

/* The ranking of [from, to): every unit with anything to show in the period
 * (tickets received, dispatched, closed, or any other count above), in one
 * read transaction. NULL on a store failure (logged; see report_store_status). */
report_rank_t *report_rank_compute(report_store_t *st, int64_t from, int64_t to);
void report_rank_destroy(report_rank_t **p);

int64_t report_rank_from(const report_rank_t *self);
int64_t report_rank_to(const report_rank_t *self);
size_t report_rank_n(const report_rank_t *self);
/* Row i, in rank order. */
const report_rank_row_t *report_rank_row(const report_rank_t *self, size_t i);
/* on_time ÷ closed; -1 when the unit closed nothing. */
int report_rank_on_time_rate(const report_rank_row_t *r, double *out);
/* returns ÷ dispatched; -1 when nothing was dispatched to it (or no returns figure). */
int report_rank_return_rate(const report_rank_row_t *r, double *out);

#endif
