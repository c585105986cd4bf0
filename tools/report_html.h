/* report_html: hotline-report --format html. One self-contained HTML5 page
 * (UTF-8, inline CSS, inline SVG charts from report_svg; no script, no font
 * or image fetched, no URL at all) for people to read: the report figures
 * as cards and a table, monthly and per-unit charts, and the comparison with
 * a scenario's published figures.
 *
 * Charts (the data-chart attribute of each <svg>):
 *   monthly-volume     受理/办结 by month (grouped bars)
 *   monthly-on-time    按时办结率 by month (line, 0..100%)
 *   monthly-urgent     紧急工单 received/closed by month (grouped bars)
 *   unit-satisfaction  满意率 and 差评 by unit (horizontal bars; units with
 *                      ratings or 差评 in the period, display names)
 *   monthly-backlog    open_at_end at each month's end (area)
 *   open-aging         tickets open at the period's end (or now, if earlier)
 *                      by working days since received_at: 0–1, 1–3, 3–5,
 *                      5–10, 10+ (bars)
 * Units in unit-satisfaction come busiest first (most tickets received). A
 * month without data (nothing received, closed, rated, overdue or open) has
 * no value and no axis label in the monthly charts. Under the tables, the
 * units ranked as hotline-report --rank ranks them (<table class="rank">, a
 * row per unit with data-unit and data-rank), then the late tickets: the 50
 * latest (closed late, or open past the deadline), then how many more.
 * Like the other formats, the page is a pure function of the store, the
 * period and the scenario (no generation time), so it can be compared; only
 * a period that ends after the time of the report takes its open tickets at
 * that time. */
#ifndef HOTLINE_REPORT_HTML_H
#define HOTLINE_REPORT_HTML_H
#include <stdint.h>
#include <stdio.h>
#include "report_query.h"
#include "scenario.h"

/* Computes the figures of [from, to) in total, by month and by unit, the
 * late tickets and the unit ranking, and writes the page to out. compare may be NULL (no comparison table). Returns
 * 0, or -1 when the store failed (see report_store_status) or writing failed. */
int report_html_write(FILE *out, report_store_t *st, int64_t from, int64_t to, const scenario_t *compare);

#endif
