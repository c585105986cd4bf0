/* report_format: table, CSV and JSON output of hotline-report.
 * Tables and CSV are both rendered from one grid of text cells (report_grid),
 * so their columns cannot drift apart; JSON is written directly since it is
 * typed. --late and --rank are in report_format_lists.c.
 * Table cells: rates as percent with 2 decimals. CSV/JSON: rates as
 * fractions (%.10g). A value that does not exist is "-" (table/CSV) or null. */
#include "report_format.h"
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "calendar.h"
#include "report_late.h"
#include "report_sla.h"
#include "report_grid.h"
#include "xmalloc.h"

/* ------------------------------------------------------------------ helpers */

static bool period_dates(const report_t *r, char from[32], char to[32])
{
    return fmt_span_dates(report_from(r), report_to(r), from, to);
}

/* Cell text of figure f in c for table or CSV. */
static const char *value_cell(const report_figure_t *f, const report_counts_t *c, fmt_kind_t kind,
                              char *buf, size_t len)
{
    double v;
    if (report_figure_value(f, c, &v) < 0) snprintf(buf, len, "-");
    else if (f->kind == REPORT_COUNT) snprintf(buf, len, "%.0f", v);
    else if (kind == FMT_TABLE) snprintf(buf, len, "%.2f%%", v * 100.0);
    else snprintf(buf, len, "%.10g", v);
    return buf;
}

/* Cell text of SLA figure f in s: counts as integers, the median in working
 * days (2 decimals in the table, up to 10 significant digits in CSV). */
static const char *sla_cell(const report_sla_figure_t *f, const report_sla_t *s, fmt_kind_t kind,
                            char *buf, size_t len)
{
    double v;
    if (report_sla_value(f, s, &v) < 0) snprintf(buf, len, "-");
    else if (f->kind == REPORT_SLA_COUNT) snprintf(buf, len, "%.0f", v);
    else snprintf(buf, len, kind == FMT_TABLE ? "%.2f" : "%.10g", v);
    return buf;
}

/* ------------------------------------------------------------------ figures */

/* Column i of a figure row: the first REPORT_N_BASE_FIGURES figures, then the
 * ns SLA figures (--by unit; ns 0 otherwise), then the rules' figures, so the
 * columns of the first versions keep their places. Sets *fig or *sla. */
static void column_at(size_t i, size_t ns, const report_figure_t **fig, const report_sla_figure_t **sla)
{
    size_t n, nsla;
    const report_figure_t *f = report_figures(&n);
    const report_sla_figure_t *sf = report_sla_figures(&nsla);
    *fig = NULL;
    *sla = NULL;
    if (i < REPORT_N_BASE_FIGURES) *fig = &f[i];
    else if (i < REPORT_N_BASE_FIGURES + ns) *sla = &sf[i - REPORT_N_BASE_FIGURES];
    else *fig = &f[i - ns];
}

/* How many columns a figure row has: the figures, and the SLA figures with sla. */
static size_t n_columns(bool sla)
{
    size_t n, ns;
    report_figures(&n);
    report_sla_figures(&ns);
    return n + (sla ? ns : 0);
}

/* The figures of c and, when sla is not NULL, the SLA figures (in column_at's order). */
static void json_figures(FILE *out, const report_counts_t *c, const report_sla_t *sla, const char *indent,
                         const char *sep)
{
    size_t ns;
    report_sla_figures(&ns);
    if (!sla) ns = 0;
    for (size_t i = 0; i < n_columns(sla != NULL); i++) {
        const report_figure_t *f;
        const report_sla_figure_t *sf;
        double v;
        column_at(i, ns, &f, &sf);
        int has = f ? report_figure_value(f, c, &v) == 0 : report_sla_value(sf, sla, &v) == 0;
        fprintf(out, "%s%s\"%s\": ", sep, indent, f ? f->key : sf->key);
        fmt_json_number(out, has, v);
    }
}

static void figures_json(FILE *out, const report_t *r)
{
    char from[32], to[32];
    bool any = period_dates(r, from, to);
    fputs("{\n  \"from\": ", out);
    fmt_json_string(out, any ? from : NULL);
    fputs(",\n  \"to\": ", out);
    fmt_json_string(out, any ? to : NULL);
    json_figures(out, report_total(r), report_total_sla(r), "  ", ",\n");
    if (report_by(r) != REPORT_BY_NONE) {
        fputs(",\n  \"groups\": [", out);
        for (size_t i = 0; i < report_n_groups(r); i++) {
            fputs(i ? ",\n    {\"key\": " : "\n    {\"key\": ", out);
            fmt_json_string(out, report_group_key(r, i));
            fputs(", \"name\": ", out);
            fmt_json_string(out, report_group_name(r, i));
            json_figures(out, report_group_counts(r, i), report_group_sla(r, i), "", ", ");
            fputc('}', out);
        }
        fputs(report_n_groups(r) ? "\n  ]" : "]", out);
    }
    fputs("\n}\n", out);
}

/* One row per figure: figure, 名称, value (the table without --by). */
static void figures_vertical(grid_t *g, const report_t *r)
{
    size_t n;
    char buf[64];
    const report_figure_t *f = report_figures(&n);
    g->ncols = 3;
    g->right[2] = true;
    grid_add(g, "figure");
    grid_add(g, "名称");
    grid_add(g, "value");
    for (size_t i = 0; i < n; i++) {
        grid_add(g, f[i].key);
        grid_add(g, f[i].label);
        grid_add(g, value_cell(&f[i], report_total(r), FMT_TABLE, buf, sizeof buf));
    }
}

static void wide_row(grid_t *g, const char *key, const char *name, const report_counts_t *c,
                     const report_sla_t *sla, fmt_kind_t kind)
{
    size_t ns;
    char buf[64];
    report_sla_figures(&ns);
    if (!sla) ns = 0;
    grid_add(g, key ? key : "-");
    grid_add(g, name);
    for (size_t i = 0; i < n_columns(sla != NULL); i++) {
        const report_figure_t *f;
        const report_sla_figure_t *sf;
        column_at(i, ns, &f, &sf);
        grid_add(g, f ? value_cell(f, c, kind, buf, sizeof buf) : sla_cell(sf, sla, kind, buf, sizeof buf));
    }
}

/* One row per group and a total row: key, name, then one column per figure
 * (and per SLA figure, when r has them: --by unit), in column_at's order. */
static void figures_wide(grid_t *g, const report_t *r, fmt_kind_t kind)
{
    size_t ns;
    bool sla = report_total_sla(r) != NULL;
    report_sla_figures(&ns);
    if (!sla) ns = 0;
    g->ncols = n_columns(sla) + 2;
    HL_ASSERT(g->ncols <= GRID_MAX_COLS);
    grid_add(g, "key");
    grid_add(g, "name");
    for (size_t i = 0; i + 2 < g->ncols; i++) {
        const report_figure_t *f;
        const report_sla_figure_t *sf;
        column_at(i, ns, &f, &sf);
        grid_add(g, f ? f->key : sf->key);
        g->right[i + 2] = true;
    }
    for (size_t i = 0; i < report_n_groups(r); i++)
        wide_row(g, report_group_key(r, i), report_group_name(r, i), report_group_counts(r, i),
                 report_group_sla(r, i), kind);
    wide_row(g, "total", "合计", report_total(r), report_total_sla(r), kind);
}

static void period_title(FILE *out, const report_t *r)
{
    char from[32], to[32];
    if (period_dates(r, from, to)) fprintf(out, "period: %s .. %s (CST)\n", from, to);
    else fputs("period: (empty store)\n", out);
}

int report_fmt_figures(FILE *out, const report_t *r, fmt_kind_t kind, bool bom)
{
    if (kind == FMT_JSON) {
        figures_json(out, r);
        return fmt_finish(out);
    }
    grid_t g = {0};
    if (kind == FMT_TABLE && report_by(r) == REPORT_BY_NONE) figures_vertical(&g, r);
    else figures_wide(&g, r, kind);
    if (kind == FMT_TABLE) period_title(out, r);
    return grid_emit(&g, out, kind, bom);
}

/* ------------------------------------------------------------------ compare */

static void compare_cell(const report_compare_row_t *row, bool has, double v, bool diff,
                         fmt_kind_t kind, char *buf, size_t len)
{
    bool rate = row->def && row->def->kind == REPORT_RATE;
    if (!has) snprintf(buf, len, "-");
    else if (kind != FMT_TABLE) snprintf(buf, len, "%.10g", v);
    else if (rate && diff) snprintf(buf, len, "%+.2f pp", v);
    else if (rate) snprintf(buf, len, "%.2f%%", v * 100.0);
    else if (v == floor(v)) snprintf(buf, len, diff ? "%+.0f" : "%.0f", v);
    else snprintf(buf, len, diff ? "%+.2f" : "%.2f", v);
}

static void compare_grid(grid_t *g, const report_compare_row_t *rows, size_t n, fmt_kind_t kind)
{
    bool table = kind == FMT_TABLE;
    char buf[64];
    g->ncols = table ? 5 : 4;
    grid_add(g, "figure");
    if (table) grid_add(g, "名称");
    grid_add(g, "published");
    grid_add(g, "measured");
    grid_add(g, "diff");
    for (size_t c = table ? 2 : 1; c < g->ncols; c++) g->right[c] = true;
    for (size_t i = 0; i < n; i++) {
        double d;
        int has_d = report_compare_diff(&rows[i], &d) == 0;
        grid_add(g, rows[i].figure);
        if (table) grid_add(g, rows[i].def ? rows[i].def->label : "（未知指标）");
        compare_cell(&rows[i], rows[i].has_published, rows[i].published, false, kind, buf, sizeof buf);
        grid_add(g, buf);
        compare_cell(&rows[i], rows[i].has_measured, rows[i].measured, false, kind, buf, sizeof buf);
        grid_add(g, buf);
        compare_cell(&rows[i], has_d, d, true, kind, buf, sizeof buf);
        grid_add(g, buf);
    }
}

static void compare_json(FILE *out, const char *name, const report_t *r,
                         const report_compare_row_t *rows, size_t n)
{
    char from[32], to[32];
    bool any = period_dates(r, from, to);
    fputs("{\n  \"scenario\": ", out);
    fmt_json_string(out, name);
    fputs(",\n  \"from\": ", out);
    fmt_json_string(out, any ? from : NULL);
    fputs(",\n  \"to\": ", out);
    fmt_json_string(out, any ? to : NULL);
    fputs(",\n  \"rows\": [", out);
    for (size_t i = 0; i < n; i++) {
        double d;
        int has_d = report_compare_diff(&rows[i], &d) == 0;
        fputs(i ? ",\n    {\"figure\": " : "\n    {\"figure\": ", out);
        fmt_json_string(out, rows[i].figure);
        fputs(", \"published\": ", out);
        fmt_json_number(out, rows[i].has_published, rows[i].published);
        fputs(", \"measured\": ", out);
        fmt_json_number(out, rows[i].has_measured, rows[i].measured);
        fputs(", \"diff\": ", out);
        fmt_json_number(out, has_d, d);
        fputc('}', out);
    }
    fputs(n ? "\n  ]\n}\n" : "]\n}\n", out);
}

int report_fmt_compare(FILE *out, const char *name, const report_t *r,
                       const report_compare_row_t *rows, size_t n, fmt_kind_t kind, bool bom)
{
    if (kind == FMT_JSON) {
        compare_json(out, name, r, rows, n);
        return fmt_finish(out);
    }
    grid_t g = {0};
    compare_grid(&g, rows, n, kind);
    if (kind == FMT_TABLE) {
        fprintf(out, "scenario: %s\n", name);
        period_title(out, r);
    }
    return grid_emit(&g, out, kind, bom);
}

/* ----------------------------------------------------------------- outcomes */

static int outcome_line(const report_outcome_t *row, void *arg)
{
    FILE *out = arg;
    char t[32];
    fmt_csv_field(out, row->id);
    fputc(',', out);
    fmt_csv_field(out, row->state);
    fputc(',', out);
    fmt_csv_field(out, row->unit);
    fprintf(out, ",%s,", calendar_format(row->received_at, t, sizeof t));
    if (row->has_closed) fputs(calendar_format(row->closed_at, t, sizeof t), out);
    fputc(',', out);
    if (row->on_time >= 0) fprintf(out, "%d", row->on_time);
    fputc(',', out);
    if (row->rating >= 0) fprintf(out, "%d", row->rating);
    fputc(',', out);
    if (row->has_due) fputs(calendar_format(row->close_due, t, sizeof t), out);
    fputc(',', out);
    if (row->has_late) fprintf(out, "%.1f", (double)row->late_s / 3600.0);
    fputc('\n', out);
    return ferror(out) ? -1 : 0;
}

int report_fmt_outcomes(FILE *out, report_store_t *store, bool bom)
{
    if (bom) fputs("\xEF\xBB\xBF", out);
    fputs("id,state,unit,received_at,closed_at,on_time,rating,close_due,late_work_hours\n", out);
    if (report_outcomes_each(store, outcome_line, out) < 0) return -1;
    return fmt_finish(out);
}

