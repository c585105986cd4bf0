/* report_late: hotline-report --late, the late and overdue tickets of a
 * period, one row each: the tickets first closed in the period after their
 * deadline (on_time 0), and the tickets still open at "now" (report_sla_now: the
 * period's end, or the wall clock if earlier) whose close_due has passed.
 * Lateness is working time after close_due (calendar_work_seconds: whole CST
 * working days), up to the close or to now. Rows are sorted by lateness,
 * largest first, then by id (and centre). Formatting: report_fmt_late (report_format). */
#ifndef HOTLINE_REPORT_LATE_H
#define HOTLINE_REPORT_LATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "report_query.h"

typedef struct {
    char *id, *unit, *type;   /* owned by the list; unit NULL when none */
    char *centre;             /* owned; NULL unless several centres are read together */
    bool has_due;
    int64_t close_due;        /* the final deadline */
    bool open;                /* still open at now (closed_at then unset) */
    int64_t closed_at;
    int64_t late_s;           /* working seconds after close_due */
} report_late_row_t;

typedef struct report_late report_late_t;

/* The late tickets of [from, to) at now, in one read transaction. NULL on a
 * store or calendar failure (logged; see report_store_status). */
report_late_t *report_late_compute(report_store_t *st, int64_t from, int64_t to, int64_t now);
void report_late_destroy(report_late_t **p);

size_t report_late_n(const report_late_t *self);
/* Row i, in lateness order. */
const report_late_row_t *report_late_row(const report_late_t *self, size_t i);
/* How many rows are closed late, and how many open past their deadline. */
size_t report_late_n_open(const report_late_t *self);
int64_t report_late_from(const report_late_t *self);
int64_t report_late_to(const report_late_t *self);
int64_t report_late_now(const report_late_t *self);
/* Several centres read together: each row names its centre (an id can
 * repeat across centres). */
bool report_late_by_centre(const report_late_t *self);

#endif
