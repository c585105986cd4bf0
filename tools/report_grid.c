/* report_grid: the grid of text cells that tables and CSV are both rendered
 * from (so their columns cannot drift apart), and the small JSON and date
 * helpers that every report output shares: output kinds, display widths
 * (CJK counts 2), CSV fields. */
#include "report_grid.h"
#include <math.h>
#include <stdlib.h>
#include "calendar.h"
#include "xmalloc.h"
#include <string.h>

int fmt_kind_parse(const char *name, fmt_kind_t *out)
{
    static const char *const NAMES[] = {"table", "csv", "json"};
    for (int i = 0; i < 3; i++)
        if (strcmp(NAMES[i], name) == 0) { *out = (fmt_kind_t)i; return 0; }
    return -1;
}

static bool is_wide(uint32_t c)
{
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E)
        || (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF)
        || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF)
        || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF)
        || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60)
        || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F)
        || (c >= 0x20000 && c <= 0x3FFFD);
}

/* Decodes one UTF-8 sequence at s; returns its length (1 for an invalid byte,
 * with *cp = 0xFFFD). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
             : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0) { *cp = 0xFFFD; return 1; }
    uint32_t c = n == 1 ? s[0] : s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) { *cp = 0xFFFD; return 1; }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *cp = c;
    return n;
}

size_t fmt_display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        uint32_t c;
        p += utf8_next(p, &c);
        if ((c >= 0x0300 && c <= 0x036F) || c == 0x200B) continue;   /* combining, ZWSP */
        w += is_wide(c) ? 2 : 1;
    }
    return w;
}

void fmt_csv_field(FILE *out, const char *s)
{
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

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
