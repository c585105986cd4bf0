/* report_svg: the charts of hotline-report --format html, drawn as inline SVG
 * by our own code (no library, no script, no fetch). report_html decides what
 * to plot; this module only knows categories, series and scales.
 *
 * Every chart is one <svg class="chart" data-chart=ID>; every plotted value is
 * one element with class "pt", data-series, data-label and data-value (the raw
 * value: a count, or a rate as a fraction 0..1, as in CSV and JSON) and a
 * <title> tooltip, so a test can count the points of each chart. A value that
 * does not exist (NAN) is not drawn. Output is a pure function of the input. */
#ifndef HOTLINE_REPORT_SVG_H
#define HOTLINE_REPORT_SVG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One series: n values (n = the chart's category count), NAN = no value. */
typedef struct {
    const char *name;        /* legend and tooltip text */
    const char *color;       /* CSS colour, e.g. "#4e79a7" */
    const double *v;         /* borrowed */
} svg_series_t;

/* A set of series sharing one value axis. */
typedef struct {
    const char *title;       /* NULL: none (the chart's title says it) */
    bool percent;            /* values are fractions, axis 0..100% */
    const svg_series_t *series;
    size_t nseries;
} svg_panel_t;

typedef struct {
    const char *id;                  /* data-chart attribute, e.g. "monthly-volume" */
    const char *title;               /* drawn at the top */
    const char *caption;             /* under the category axis; NULL: none */
    const char *const *labels;       /* n short category labels for the axis */
    const char *const *tips;         /* n names for tooltips; NULL: the labels */
    size_t n;
    const svg_panel_t *panels;       /* vertical charts use panels[0] only */
    size_t npanels;
    int width;                       /* pixels (the viewBox; the page may scale it) */
} svg_chart_t;

typedef enum { SVG_BARS, SVG_LINE, SVG_AREA } svg_kind_t;

/* Writes s escaped for HTML/SVG text and attribute values (& < > " '). */
void svg_escape(FILE *out, const char *s);
/* Categories along x, values up: grouped bars, or a line (optionally filled
 * to the axis) with a marker per value. A category with no value in any
 * series gets no axis label. */
void svg_vertical(FILE *out, const svg_chart_t *c, svg_kind_t kind);
/* Categories down the left, one panel of horizontal grouped bars per panel,
 * side by side, each with its own scale; values printed at the bar ends. */
void svg_horizontal(FILE *out, const svg_chart_t *c);

#endif
