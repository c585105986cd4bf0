/* report_svg: grouped bars, lines and horizontal bars as inline SVG for the
 * HTML report. Geometry: a chart is a frame (the plot area) inside margins
 * that hold the title, the legend and the axes; values map linearly from a
 * "nice" scale (0 .. a round maximum, 4-7 ticks; rates always 0..100%).
 * Text widths are estimated from terminal columns (fmt_display_width: a CJK
 * character is 2 columns, about 1 em), which is all the layout needs. */
#include "report_svg.h"
#include <math.h>
#include <string.h>
#include "report_format.h"

#define V_HEIGHT 300    /* vertical charts */
#define M_TOP 60        /* title and legend above the frame */
#define M_BOTTOM 46     /* category labels and caption */
#define M_LEFT 58       /* value tick labels */
#define M_RIGHT 16
#define H_ROW 24        /* horizontal charts: one category */
#define H_TOP 78        /* title, legend, panel titles */
#define H_BOTTOM 30     /* value tick labels */
#define H_GAP 28        /* between panels */
#define H_ROOM 50       /* right of a panel's frame, for the value labels */

typedef struct {
    double x0, x1, y0, y1;   /* plot area; y grows downwards */
} frame_t;

typedef struct {
    double max, step;        /* axis 0..max, ticks every step */
} scale_t;

void svg_escape(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* Estimated width in pixels of s at font size px. */
static double text_w(const char *s, double px)
{
    return (double)fmt_display_width(s) * px * 0.56;
}

static bool has(double v)
{
    return !isnan(v);
}

static bool panel_empty(const svg_panel_t *p, size_t n)
{
    for (size_t s = 0; s < p->nseries; s++)
        for (size_t i = 0; i < n; i++)
            if (has(p->series[s].v[i])) return false;
    return true;
}

/* 0..max with a round step (1, 2 or 5 × 10^k) and headroom above the largest
 * value; rates always 0..100% in 20% steps. */
static scale_t scale_for(const svg_panel_t *p, size_t n)
{
    if (p->percent) return (scale_t){1.0, 0.2};
    double m = 0;
    for (size_t s = 0; s < p->nseries; s++)
        for (size_t i = 0; i < n; i++)
            if (has(p->series[s].v[i]) && p->series[s].v[i] > m) m = p->series[s].v[i];
    if (m <= 0) return (scale_t){5, 1};
    double raw = m / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    if (step < 1) step = 1;   /* counts: integer ticks */
    return (scale_t){(floor(m / step) + 1) * step, step};
}

/* Axis tick text, short value label, or full value for a tooltip. */
static void fmt_value(char *buf, size_t len, double v, bool percent, int digits)
{
    if (percent && digits < 2 && fabs(v - 1.0) < 0.00005) snprintf(buf, len, "100%%");   /* short */
    else if (percent) snprintf(buf, len, "%.*f%%", digits, v * 100.0);
    else snprintf(buf, len, "%.0f", v);
}

static void open_svg(FILE *out, const svg_chart_t *c, int w, int h)
{
    fputs("<svg class=\"chart\" data-chart=\"", out);
    svg_escape(out, c->id);
    fprintf(out, "\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"", w, h, w, h);
    svg_escape(out, c->title);
    fputs("\">\n", out);
    fputs("<text class=\"ctitle\" x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\">", out);
    svg_escape(out, c->title);
    fputs("</text>\n", out);
}

/* Legend of every series of every panel, right-aligned on the title line. */
static void legend(FILE *out, const svg_chart_t *c)
{
    double total = 0;
    for (size_t k = 0; k < c->npanels; k++)
        for (size_t s = 0; s < c->panels[k].nseries; s++)
            total += 18 + text_w(c->panels[k].series[s].name, 13) + 14;
    double x = c->width - M_RIGHT - total;
    fputs("<g class=\"legend\">", out);
    for (size_t k = 0; k < c->npanels; k++)
        for (size_t s = 0; s < c->panels[k].nseries; s++) {
            const svg_series_t *se = &c->panels[k].series[s];
            fprintf(out, "<rect x=\"%.1f\" y=\"15\" width=\"12\" height=\"12\" rx=\"2\" fill=\"%s\"/>"
                    "<text x=\"%.1f\" y=\"26\" font-size=\"13\">", x, se->color, x + 17);
            svg_escape(out, se->name);
            fputs("</text>", out);
            x += 18 + text_w(se->name, 13) + 14;
        }
    fputs("</g>\n", out);
}

static void no_data(FILE *out, const frame_t *f)
{
    fprintf(out, "<text class=\"nodata\" x=\"%.1f\" y=\"%.1f\" font-size=\"14\" fill=\"#888\" "
            "text-anchor=\"middle\">无数据 (no data in this period)</text>\n",
            (f->x0 + f->x1) / 2, (f->y0 + f->y1) / 2);
}

/* One data point's attributes and tooltip: `<tag class="pt" ...>` is open. */
static void point_meta(FILE *out, const svg_chart_t *c, const svg_panel_t *p, size_t s, size_t i)
{
    char full[64];
    double v = p->series[s].v[i];
    const char *tip = c->tips ? c->tips[i] : c->labels[i];
    fmt_value(full, sizeof full, v, p->percent, 2);
    fputs(" data-series=\"", out);
    svg_escape(out, p->series[s].name);
    fputs("\" data-label=\"", out);
    svg_escape(out, tip);
    fprintf(out, "\" data-value=\"%.10g\"><title>", v);
    svg_escape(out, tip);
    fputs(" · ", out);
    svg_escape(out, p->series[s].name);
    fprintf(out, ": %s</title>", full);
}

/* ----------------------------------------------------------------- vertical */

static double y_of(const frame_t *f, scale_t sc, double v)
{
    return f->y1 - (v / sc.max) * (f->y1 - f->y0);
}

static void y_axis(FILE *out, const frame_t *f, scale_t sc, bool percent)
{
    char buf[32];
    fputs("<g class=\"yaxis\" font-size=\"12\" fill=\"#555\" text-anchor=\"end\">", out);
    for (int t = 0; t * sc.step <= sc.max * 1.0000001; t++) {
        double v = t * sc.step, y = y_of(f, sc, v);
        fmt_value(buf, sizeof buf, v, percent, 0);
        fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">%s</text>",
                f->x0, f->x1, y, y, t ? "#e6e6e6" : "#888", f->x0 - 6, y + 4, buf);
    }
    fputs("</g>\n", out);
}

/* True when category i has a value in some series of p. */
static bool category_has(const svg_panel_t *p, size_t i)
{
    for (size_t s = 0; s < p->nseries; s++)
        if (has(p->series[s].v[i])) return true;
    return false;
}

/* Category labels, thinned to every k-th when they would overlap; a category
 * with no value in any series gets none (a month without data). */
static void x_axis(FILE *out, const frame_t *f, const svg_chart_t *c)
{
    double band = (f->x1 - f->x0) / (double)c->n, widest = 0;
    for (size_t i = 0; i < c->n; i++)
        if (text_w(c->labels[i], 12) > widest) widest = text_w(c->labels[i], 12);
    size_t every = (size_t)ceil((widest + 6) / band);
    if (every < 1) every = 1;
    fputs("<g class=\"xaxis\" font-size=\"12\" fill=\"#555\" text-anchor=\"middle\">", out);
    for (size_t i = 0; i < c->n; i += every) {
        if (!category_has(&c->panels[0], i)) continue;
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", f->x0 + (i + 0.5) * band, f->y1 + 18);
        svg_escape(out, c->labels[i]);
        fputs("</text>", out);
    }
    if (c->caption) {
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#777\">", (f->x0 + f->x1) / 2, f->y1 + 38);
        svg_escape(out, c->caption);
        fputs("</text>", out);
    }
    fputs("</g>\n", out);
}

/* A value label centred at x above y, only if it fits in width room. */
static void value_label(FILE *out, double x, double y, double v, bool percent, double room)
{
    char buf[32];
    fmt_value(buf, sizeof buf, v, percent, 1);
    if (text_w(buf, 11) > room) return;
    fprintf(out, "<text class=\"vl\" x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#444\" "
            "text-anchor=\"middle\">%s</text>", x, y, buf);
}

static void bars(FILE *out, const frame_t *f, scale_t sc, const svg_chart_t *c, const svg_panel_t *p)
{
    double band = (f->x1 - f->x0) / (double)c->n, group = fmin(band * 0.76, 44.0 * (double)p->nseries);
    double bw = group / (double)p->nseries;   /* at most 44 px: a few months stay bars, not walls */
    for (size_t i = 0; i < c->n; i++)
        for (size_t s = 0; s < p->nseries; s++) {
            double v = p->series[s].v[i];
            if (!has(v)) continue;
            double x = f->x0 + (i + 0.5) * band - group / 2 + (double)s * bw, y = y_of(f, sc, v);
            fprintf(out, "<rect class=\"pt\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"",
                    x + 0.5, y, bw - 1, f->y1 - y, p->series[s].color);
            point_meta(out, c, p, s, i);
            fputs("</rect>", out);
            value_label(out, x + bw / 2, y - 4, v, p->percent, bw + 2);
            fputc('\n', out);
        }
}

/* "M x y L x y ..." through values i..j-1 of v; first is 'M' or 'L'. */
static void path_points(FILE *out, const frame_t *f, scale_t sc, double band, const double *v,
                        size_t i, size_t j, char first)
{
    for (size_t k = i; k < j; k++)
        fprintf(out, "%c%.1f %.1f ", k == i ? first : 'L', f->x0 + (k + 0.5) * band, y_of(f, sc, v[k]));
}

/* The line through the values of se (broken where a value is missing), for
 * SVG_AREA over a fill down to the axis. */
static void line_path(FILE *out, const frame_t *f, scale_t sc, size_t n, const svg_series_t *se, bool area)
{
    double band = (f->x1 - f->x0) / (double)n;
    for (size_t i = 0, j; i < n; i = j) {
        if (!has(se->v[i])) { j = i + 1; continue; }
        for (j = i; j < n && has(se->v[j]); j++) {}
        if (area) {
            fprintf(out, "<path d=\"M%.1f %.1f ", f->x0 + (i + 0.5) * band, f->y1);
            path_points(out, f, sc, band, se->v, i, j, 'L');
            fprintf(out, "L%.1f %.1f Z\" fill=\"%s\" fill-opacity=\"0.18\"/>\n",
                    f->x0 + (j - 0.5) * band, f->y1, se->color);
        }
        fputs("<path d=\"", out);
        path_points(out, f, sc, band, se->v, i, j, 'M');
        fprintf(out, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>\n",
                se->color);
    }
}

static void line(FILE *out, const frame_t *f, scale_t sc, const svg_chart_t *c, const svg_panel_t *p,
                 bool area)
{
    double band = (f->x1 - f->x0) / (double)c->n;
    for (size_t s = 0; s < p->nseries; s++) {
        const svg_series_t *se = &p->series[s];
        line_path(out, f, sc, c->n, se, area);
        for (size_t i = 0; i < c->n; i++) {
            if (!has(se->v[i])) continue;
            double x = f->x0 + (i + 0.5) * band, y = y_of(f, sc, se->v[i]);
            fprintf(out, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#fff\" "
                    "stroke=\"%s\" stroke-width=\"2\"", x, y, se->color);
            point_meta(out, c, p, s, i);
            fputs("</circle>", out);
            value_label(out, x, y - 9, se->v[i], p->percent, band - 2);
            fputc('\n', out);
        }
    }
}

void svg_vertical(FILE *out, const svg_chart_t *c, svg_kind_t kind)
{
    const svg_panel_t *p = &c->panels[0];
    frame_t f = {M_LEFT, c->width - M_RIGHT, M_TOP, V_HEIGHT - M_BOTTOM};
    scale_t sc = scale_for(p, c->n);
    open_svg(out, c, c->width, V_HEIGHT);
    legend(out, c);
    y_axis(out, &f, sc, p->percent);
    if (c->n == 0 || panel_empty(p, c->n)) no_data(out, &f);
    else {
        x_axis(out, &f, c);
        if (kind == SVG_BARS) bars(out, &f, sc, c, p);
        else line(out, &f, sc, c, p, kind == SVG_AREA);
    }
    fputs("</svg>\n", out);
}

/* --------------------------------------------------------------- horizontal */

static double x_of(const frame_t *f, scale_t sc, double v)
{
    return f->x0 + (v / sc.max) * (f->x1 - f->x0);
}

static void h_panel(FILE *out, const frame_t *f, const svg_chart_t *c, const svg_panel_t *p)
{
    char buf[32];
    scale_t sc = scale_for(p, c->n);
    if (p->title) {
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\" fill=\"#333\">",
                f->x0, f->y0 - 12);
        svg_escape(out, p->title);
        fputs("</text>\n", out);
    }
    fputs("<g class=\"xaxis\" font-size=\"12\" fill=\"#555\" text-anchor=\"middle\">", out);
    for (int t = 0; t * sc.step <= sc.max * 1.0000001; t++) {
        double v = t * sc.step, x = x_of(f, sc, v);
        fmt_value(buf, sizeof buf, v, p->percent, 0);
        fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">%s</text>",
                x, x, f->y0, f->y1, t ? "#e6e6e6" : "#888", x, f->y1 + 18, buf);
    }
    fputs("</g>\n", out);
    double row = (f->y1 - f->y0) / (double)c->n, bh = row * 0.74 / (double)p->nseries;
    for (size_t i = 0; i < c->n; i++)
        for (size_t s = 0; s < p->nseries; s++) {
            double v = p->series[s].v[i];
            if (!has(v)) continue;
            double y = f->y0 + i * row + row * 0.13 + (double)s * bh, x = x_of(f, sc, v);
            fprintf(out, "<rect class=\"pt\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"",
                    f->x0, y, x - f->x0, bh - 1, p->series[s].color);
            point_meta(out, c, p, s, i);
            fmt_value(buf, sizeof buf, v, p->percent, 1);
            fprintf(out, "</rect><text class=\"vl\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#444\">%s</text>\n",
                    x + 4, y + bh / 2 + 3, buf);
        }
}

void svg_horizontal(FILE *out, const svg_chart_t *c)
{
    double lw = 0;
    for (size_t i = 0; i < c->n; i++)
        if (text_w(c->labels[i], 13) > lw) lw = text_w(c->labels[i], 13);
    lw += 28;
    int h = H_TOP + (int)(c->n ? c->n : 3) * H_ROW + H_BOTTOM;
    double pw = (c->width - lw - M_RIGHT - H_GAP * (double)(c->npanels - 1)) / (double)c->npanels;
    open_svg(out, c, c->width, h);
    legend(out, c);
    frame_t all = {lw, c->width - M_RIGHT, H_TOP, h - H_BOTTOM};
    bool empty = true;   /* nothing to draw in any panel */
    for (size_t k = 0; k < c->npanels; k++) empty = empty && panel_empty(&c->panels[k], c->n);
    if (empty) {
        no_data(out, &all);
        fputs("</svg>\n", out);
        return;
    }
    fputs("<g class=\"rows\" font-size=\"13\" fill=\"#333\" text-anchor=\"end\">", out);
    for (size_t i = 0; i < c->n; i++) {
        double y = H_TOP + (double)i * H_ROW;
        if (i % 2) fprintf(out, "<rect x=\"8\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#f6f7f9\"/>",
                           y, c->width - 16, H_ROW);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", lw - 10, y + H_ROW / 2 + 4.5);
        svg_escape(out, c->labels[i]);
        fputs("</text>", out);
    }
    fputs("</g>\n", out);
    for (size_t k = 0; k < c->npanels; k++) {
        double x0 = lw + (double)k * (pw + H_GAP);
        frame_t f = {x0, x0 + pw - H_ROOM, H_TOP, h - H_BOTTOM};
        h_panel(out, &f, c, &c->panels[k]);
    }
    fputs("</svg>\n", out);
}
