/* report_grid: shared by the report's outputs (report_format.c for the
 * figures, report_format_lists.c for --late and --rank). A grid holds rows
 * of text cells, ncols to a row; a table aligns them by display width (CJK
 * counts 2), CSV quotes them. */
#ifndef HOTLINE_REPORT_GRID_H
#define HOTLINE_REPORT_GRID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { FMT_TABLE, FMT_CSV, FMT_JSON } fmt_kind_t;

/* "table" | "csv" | "json"; -1 on an unknown name. */
int fmt_kind_parse(const char *name, fmt_kind_t *out);
/* Terminal columns s occupies: East Asian wide/fullwidth characters count 2,
 * combining marks 0, anything else (including invalid bytes) 1. */
size_t fmt_display_width(const char *s);
/* Writes s as one CSV field, quoted only when it holds , " CR or LF. */
void fmt_csv_field(FILE *out, const char *s);

#define GRID_MAX_COLS 64   /* key, name, 29 figures, 10 SLA figures fit */

typedef struct {
    size_t ncols, n, cap;
    char **cells;                /* row-major, owned */
    bool right[GRID_MAX_COLS];   /* per column: right-aligned (numbers) */
} grid_t;

/* Appends one cell (NULL: empty); rows fill left to right. */
void grid_add(grid_t *g, const char *s);
void grid_free(grid_t *g);
/* Aligned columns, two spaces apart. */
void grid_table(const grid_t *g, FILE *out);
/* RFC 4180 rows, with a UTF-8 BOM first when bom. */
void grid_csv(const grid_t *g, FILE *out, bool bom);
/* The grid as a table (FMT_TABLE) or CSV, then frees it; 0, or -1 when
 * writing failed. */
int grid_emit(grid_t *g, FILE *out, fmt_kind_t kind, bool bom);

/* s as a JSON string, or null. */
void fmt_json_string(FILE *out, const char *s);
/* v as a JSON number (an integer without decimals), or null without has. */
void fmt_json_number(FILE *out, bool has, double v);
/* "YYYY-MM-DD" (CST) of the first and last day of [a, b); false for an empty period. */
bool fmt_span_dates(int64_t a, int64_t b, char from[32], char to[32]);
/* Flushes out: 0, or -1 when writing failed. */
int fmt_finish(FILE *out);

#endif
