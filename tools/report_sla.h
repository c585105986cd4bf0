/* report_sla: the SLA figures of hotline-report --by unit, per unit and in
 * total (report_sla_t in report_query.h says what each one counts). Read from
 * the event log (dispatches and late signings, by event.at and event.unit)
 * and the ticket table (first closes and the tickets open at "now", under the
 * ticket's current unit), with working time counted by the calendar of
 * schemas/calendar. report_query merges them into its unit groups; closed_late
 * comes from the roll-ups there, not from here. */
#ifndef HOTLINE_REPORT_SLA_H
#define HOTLINE_REPORT_SLA_H
#include <stddef.h>
#include <stdint.h>
#include "report_query.h"

typedef enum { REPORT_SLA_COUNT, REPORT_SLA_WORKDAYS } report_sla_kind_t;
/* One SLA figure: its key, Chinese display name, kind and offset in report_sla_t. */
typedef struct {
    const char *key, *label;
    report_sla_kind_t kind;
    size_t off;
} report_sla_figure_t;

/* The 10 SLA figures in the report's order (static table). */
const report_sla_figure_t *report_sla_figures(size_t *n);
/* Value of f in s; -1 when it has none (a median of no tickets). */
int report_sla_value(const report_sla_figure_t *f, const report_sla_t *s, double *out);
/* Lower bound of age bucket i in working days (0, 1, 3, 5, 10); -1 out of range. */
int report_sla_age_floor(int i);
/* The "now" of a period ending at `to`: `to`, or the wall clock if earlier
 * (a live store whose period ends at midnight tonight). */
int64_t report_sla_now(int64_t to);

typedef struct report_sla_set report_sla_set_t;

/* The SLA figures of [from, to) with the open tickets taken at now, inside the
 * caller's read transaction. NULL on a store or calendar failure (logged; see
 * report_store_status). */
report_sla_set_t *report_sla_compute(report_store_t *st, int64_t from, int64_t to, int64_t now);
void report_sla_set_destroy(report_sla_set_t **p);

/* The units that have any figure: key i (NULL = tickets with no unit) and its
 * figures (closed_late 0), in no particular order; and the total. */
size_t report_sla_set_n(const report_sla_set_t *self);
const char *report_sla_set_key(const report_sla_set_t *self, size_t i);
const report_sla_t *report_sla_set_get(const report_sla_set_t *self, size_t i);
const report_sla_t *report_sla_set_total(const report_sla_set_t *self);

#endif
