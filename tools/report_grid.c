/* report_grid: the grid of text cells that tables and CSV are both rendered
 * from (so their columns cannot drift apart), and the small JSON and date
 * helpers that every report output shares. */
#include "report_grid.h"
#include <math.h>
#include <stdlib.h>
#include "calendar.h"
#include "xmalloc.h"

void fmt_json_string(FILE *out, const char *s)
{
    if (!s) { fputs("null", out); return; }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(out, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", out);
        else if (*p < 0x20 || *p == 0x7F) fprintf(out, "\\u%04x", *p);
        else fputc(*p, out);
    }
    fputc('"', out);
}

void fmt_json_number(FILE *out, bool has, double v)
{
    if (!has) fputs("null", out);
    else if (v == floor(v) && fabs(v) < 1e15) fprintf(out, "%.0f", v);
    else fprintf(out, "%.10g", v);
}

/* "YYYY-MM-DD" of the first and last day of [a, b); false for an empty period. */
bool fmt_span_dates(int64_t a, int64_t b, char from[32], char to[32])
{
    if (a >= b) return false;
    calendar_format(a, from, 32);
    calendar_format(b - 1, to, 32);
    from[10] = to[10] = '\0';
    return true;
}

int fmt_finish(FILE *out)
{
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

void grid_add(grid_t *g, const char *s)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->cells = xrealloc(g->cells, g->cap * sizeof *g->cells);
    }
    g->cells[g->n++] = xstrdup(s ? s : "");
}

void grid_free(grid_t *g)
{
    for (size_t i = 0; i < g->n; i++) free(g->cells[i]);
    free(g->cells);
}

static void pad(FILE *out, size_t n)
{
    while (n--) fputc(' ', out);
}

void grid_table(const grid_t *g, FILE *out)
{
    size_t w[GRID_MAX_COLS] = {0};
    HL_ASSERT(g->ncols > 0 && g->ncols <= GRID_MAX_COLS);
    for (size_t i = 0; i < g->n; i++) {
        size_t dw = fmt_display_width(g->cells[i]);
        if (dw > w[i % g->ncols]) w[i % g->ncols] = dw;
    }
    for (size_t i = 0; i < g->n; i++) {
        size_t c = i % g->ncols, gap = w[c] - fmt_display_width(g->cells[i]);
        bool last = c == g->ncols - 1;
        if (c > 0) fputs("  ", out);
        if (g->right[c]) pad(out, gap);
        fputs(g->cells[i], out);
        if (!g->right[c] && !last) pad(out, gap);
        if (last) fputc('\n', out);
    }
}

void grid_csv(const grid_t *g, FILE *out, bool bom)
{
    if (bom) fputs("\xEF\xBB\xBF", out);
    for (size_t i = 0; i < g->n; i++) {
        size_t c = i % g->ncols;
        if (c > 0) fputc(',', out);
        fmt_csv_field(out, g->cells[i]);
        if (c == g->ncols - 1) fputc('\n', out);
    }
}

int grid_emit(grid_t *g, FILE *out, fmt_kind_t kind, bool bom)
{
    if (kind == FMT_TABLE) grid_table(g, out);
    else grid_csv(g, out, bom);
    grid_free(g);
    return fmt_finish(out);
}
