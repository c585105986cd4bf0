/* report_format_lists: the --late list and the --rank table of
 * hotline-report, as a table, CSV or JSON (see report_format.h). */
#include <inttypes.h>
#include <stdio.h>
#include "calendar.h"
#include "report_format.h"
#include "report_grid.h"

/* --------------------------------------------------------------------- late */

static const char *const LATE_COLS[] = {"id", "unit", "type", "close_due", "closed_at", "late_work_hours"};
#define N_LATE_COLS (sizeof LATE_COLS / sizeof LATE_COLS[0])

/* The time cells of row r (close_due, closed_at, late_work_hours): CST,
 * "open" for a ticket not closed, hours with one decimal. */
static void late_cells(const report_late_row_t *r, char cells[N_LATE_COLS][32])
{
    if (r->has_due) calendar_format(r->close_due, cells[3], 32);
    else cells[3][0] = '\0';
    if (r->open) snprintf(cells[4], 32, "open");
    else calendar_format(r->closed_at, cells[4], 32);
    snprintf(cells[5], 32, "%.1f", (double)r->late_s / 3600.0);
}

static void late_json(FILE *out, const report_late_t *l)
{
    char from[32], to[32], t[32], cells[N_LATE_COLS][32];
    bool any = fmt_span_dates(report_late_from(l), report_late_to(l), from, to);
    fputs("{\n  \"from\": ", out);
    fmt_json_string(out, any ? from : NULL);
    fputs(",\n  \"to\": ", out);
    fmt_json_string(out, any ? to : NULL);
    fputs(",\n  \"now\": ", out);
    fmt_json_string(out, any ? calendar_format(report_late_now(l), t, sizeof t) : NULL);
    fputs(",\n  \"rows\": [", out);
    for (size_t i = 0; i < report_late_n(l); i++) {
        const report_late_row_t *r = report_late_row(l, i);
        late_cells(r, cells);
        fputs(i ? ",\n    {" : "\n    {", out);
        if (report_late_by_centre(l)) {
            fputs("\"centre\": ", out);
            fmt_json_string(out, r->centre);
            fputs(", ", out);
        }
        fputs("\"id\": ", out);
        fmt_json_string(out, r->id);
        fputs(", \"unit\": ", out);
        fmt_json_string(out, r->unit);
        fputs(", \"type\": ", out);
        fmt_json_string(out, r->type);
        fputs(", \"close_due\": ", out);
        fmt_json_string(out, r->has_due ? cells[3] : NULL);
        fputs(", \"closed_at\": ", out);
        fmt_json_string(out, cells[4]);
        fprintf(out, ", \"late_work_hours\": %s}", cells[5]);
    }
    fputs(report_late_n(l) ? "\n  ]\n}\n" : "]\n}\n", out);
}

static void late_grid(grid_t *g, const report_late_t *l)
{
    char cells[N_LATE_COLS][32];
    bool by_centre = report_late_by_centre(l); /* then a first column names each row's centre */
    g->ncols = N_LATE_COLS + by_centre;
    g->right[g->ncols - 1] = true;
    if (by_centre) grid_add(g, "centre");
    for (size_t c = 0; c < N_LATE_COLS; c++) grid_add(g, LATE_COLS[c]);
    for (size_t i = 0; i < report_late_n(l); i++) {
        const report_late_row_t *r = report_late_row(l, i);
        late_cells(r, cells);
        if (by_centre) grid_add(g, r->centre);
        grid_add(g, r->id);
        grid_add(g, r->unit);
        grid_add(g, r->type);
        for (size_t c = 3; c < N_LATE_COLS; c++) grid_add(g, cells[c]);
    }
}

int report_fmt_late(FILE *out, const report_late_t *l, fmt_kind_t kind, bool bom)
{
    if (kind == FMT_JSON) {
        late_json(out, l);
        return fmt_finish(out);
    }
    grid_t g = {0};
    late_grid(&g, l);
    if (kind == FMT_TABLE) {
        char from[32], to[32], now[32];
        if (fmt_span_dates(report_late_from(l), report_late_to(l), from, to)) {
            fprintf(out, "period: %s .. %s (CST), open tickets at %s\n", from, to,
                    calendar_format(report_late_now(l), now, sizeof now));
        } else {
            fputs("period: (empty store)\n", out);
        }
        fprintf(out, "late: %zu (closed late %zu, open past the deadline %zu)\n", report_late_n(l),
                report_late_n(l) - report_late_n_open(l), report_late_n_open(l));
    }
    return grid_emit(&g, out, kind, bom);
}

/* --------------------------------------------------------------------- rank */

static const char *const RANK_COLS[] = {"rank", "unit", "name", "dispatched", "closed", "on_time_rate",
                                        "overdue", "notifications", "returns", "returns_approved",
                                        "return_rate", "reopened"};
#define N_RANK_COLS (sizeof RANK_COLS / sizeof RANK_COLS[0])

/* The cells of row r in RANK_COLS order; has[c] false when there is no value. */
static void rank_cells(const report_rank_row_t *r, fmt_kind_t kind, char cells[N_RANK_COLS][256],
                       bool has[N_RANK_COLS])
{
    const int64_t counts[] = {r->dispatched, r->closed, 0, r->overdue, r->notifications, r->returns,
                              r->returns_approved, 0, r->reopened};
    for (size_t c = 0; c < N_RANK_COLS; c++) has[c] = true;
    snprintf(cells[0], 256, "%d", r->rank);
    snprintf(cells[1], 256, "%s", r->key);
    snprintf(cells[2], 256, "%s", r->name);
    for (size_t c = 3; c < N_RANK_COLS; c++) {
        double v;
        bool rate = c == 5 || c == 10;
        if (rate) has[c] = (c == 5 ? report_rank_on_time_rate(r, &v) : report_rank_return_rate(r, &v)) == 0;
        else has[c] = counts[c - 3] >= 0;
        if (!has[c]) snprintf(cells[c], 256, kind == FMT_JSON ? "null" : "-");
        else if (!rate) snprintf(cells[c], 256, "%" PRId64, counts[c - 3]);
        else if (kind == FMT_TABLE) snprintf(cells[c], 256, "%.2f%%", v * 100.0);
        else snprintf(cells[c], 256, "%.10g", v);
    }
}

static void rank_json(FILE *out, const report_rank_t *rk)
{
    char from[32], to[32], cells[N_RANK_COLS][256];
    bool has[N_RANK_COLS];
    bool any = fmt_span_dates(report_rank_from(rk), report_rank_to(rk), from, to);
    fputs("{\n  \"from\": ", out);
    fmt_json_string(out, any ? from : NULL);
    fputs(",\n  \"to\": ", out);
    fmt_json_string(out, any ? to : NULL);
    fputs(",\n  \"rows\": [", out);
    for (size_t i = 0; i < report_rank_n(rk); i++) {
        const report_rank_row_t *r = report_rank_row(rk, i);
        rank_cells(r, FMT_JSON, cells, has);
        fputs(i ? ",\n    {" : "\n    {", out);
        for (size_t c = 0; c < N_RANK_COLS; c++) {
            fprintf(out, "%s\"%s\": ", c ? ", " : "", RANK_COLS[c]);
            if (c == 1 || c == 2) fmt_json_string(out, cells[c]);
            else fputs(cells[c], out);
        }
        fputc('}', out);
    }
    fputs(report_rank_n(rk) ? "\n  ]\n}\n" : "]\n}\n", out);
}

static void rank_grid(grid_t *g, const report_rank_t *rk, fmt_kind_t kind)
{
    char cells[N_RANK_COLS][256];
    bool has[N_RANK_COLS];
    g->ncols = N_RANK_COLS;
    for (size_t c = 0; c < N_RANK_COLS; c++) {
        grid_add(g, RANK_COLS[c]);
        g->right[c] = c == 0 || c >= 3;
    }
    for (size_t i = 0; i < report_rank_n(rk); i++) {
        rank_cells(report_rank_row(rk, i), kind, cells, has);
        for (size_t c = 0; c < N_RANK_COLS; c++) grid_add(g, cells[c]);
    }
}

int report_fmt_rank(FILE *out, const report_rank_t *rk, fmt_kind_t kind, bool bom)
{
    if (kind == FMT_JSON) {
        rank_json(out, rk);
        return fmt_finish(out);
    }
    grid_t g = {0};
    rank_grid(&g, rk, kind);
    if (kind == FMT_TABLE) {
        char from[32], to[32];
        if (fmt_span_dates(report_rank_from(rk), report_rank_to(rk), from, to))
            fprintf(out, "period: %s .. %s (CST); units by on-time rate, then 督办 (overdue), then return rate\n",
                    from, to);
        else
            fputs("period: (empty store)\n", out);
    }
    return grid_emit(&g, out, kind, bom);
}
