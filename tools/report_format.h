/* report_format: prints what report_query computed, as an aligned text table,
 * CSV (RFC 4180 quoting, optional UTF-8 BOM for Excel) or JSON.
 * All output is a pure function of its input, so identical stores give
 * byte-identical output. Functions return 0, or -1 when writing failed (or,
 * for outcomes, when the store failed; see report_store_status). */
#ifndef HOTLINE_REPORT_FORMAT_H
#define HOTLINE_REPORT_FORMAT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "report_late.h"
#include "report_query.h"
#include "report_grid.h"
#include "report_rank.h"


/* The figures of r: total, and per group when r was computed with --by.
 * JSON: {"from","to", <figure keys>, "groups":[{"key","name",<figure keys>}]}
 * (groups only with --by). CSV: key,name,<figure keys>; group rows, then "total".
 * With --by unit the SLA figure keys follow the figure keys, everywhere. */
int report_fmt_figures(FILE *out, const report_t *r, fmt_kind_t kind, bool bom);
/* The --compare rows against scenario `name`. */
int report_fmt_compare(FILE *out, const char *name, const report_t *r,
                       const report_compare_row_t *rows, size_t n, fmt_kind_t kind, bool bom);
/* --outcomes: "id,state,unit,received_at,closed_at,on_time,rating,close_due,
 * late_work_hours" then one line per ticket in id order; times "YYYY-MM-DD
 * HH:MM:SS" CST, NULL as empty; late_work_hours with one decimal, empty when
 * not late (see report_outcomes_each). */
int report_fmt_outcomes(FILE *out, report_store_t *store, bool bom);
/* --late: columns id,unit,type,close_due,closed_at,late_work_hours, one row
 * per late ticket in l's order; closed_at "open" for an open ticket. JSON:
 * {"from","to","now","rows":[{<columns>}]}. The table starts with the period,
 * now and the counts. */
int report_fmt_late(FILE *out, const report_late_t *l, fmt_kind_t kind, bool bom);
/* --rank: columns rank,unit,name,dispatched,closed,on_time_rate,overdue,
 * notifications,returns,returns_approved,return_rate,reopened, one row per
 * unit in rank order; rates as fractions in CSV and JSON, percentages in the
 * table, "-"/null without a value. JSON: {"from","to","rows":[{<columns>}]}.
 * The table starts with the period. */
int report_fmt_rank(FILE *out, const report_rank_t *r, fmt_kind_t kind, bool bom);

#endif
