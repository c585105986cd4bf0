/* scenario_value: value syntaxes of scenario files, and drawing from a
 * duration distribution. Dates are CST (UTC+8) and computed with civil-date
 * arithmetic, never mktime/localtime, so the result does not depend on the
 * machine's time zone. */
#include "scenario_value.h"
#include "calendar.h"
#include "xmalloc.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WEIGHT_LABELS 64
#define MAX_LABEL 32

static int reason(char *msg, size_t ml, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int reason(char *msg, size_t ml, const char *fmt, ...)
{
    if (msg && ml) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, ml, fmt, ap);
        va_end(ap);
    }
    return -1;
}

bool scnv_is_slug_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

bool scnv_is_slug(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) return false;
    for (; *s; s++)
        if (!scnv_is_slug_char(*s)) return false;
    return true;
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if malformed. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (len == 0 || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && s[1] < 0xa0) return 0;   /* overlong */
    if (c == 0xed && s[1] >= 0xa0) return 0;  /* surrogate */
    if (c == 0xf0 && s[1] < 0x90) return 0;   /* overlong */
    if (c == 0xf4 && s[1] >= 0x90) return 0;  /* past U+10FFFF */
    return len;
}

bool scnv_utf8_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0) {
        size_t k = utf8_seq(p, n);
        if (k == 0) return false;
        p += k;
        n -= k;
    }
    return true;
}

int scnv_parse_num(const char *s, double *out)
{
    if (!*s || !(*s == '-' || *s == '+' || *s == '.' || (*s >= '0' && *s <= '9'))) return -1;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || errno || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

int scnv_parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s < '0' || *s > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long u = strtoull(s, &end, 10);
    if (*end || errno) return -1;
    *out = (uint64_t)u;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* Reads exactly n digits at *p. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9') return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

static int parse_clock(const char *p, int *h, int *mi, int *s)
{
    *h = *mi = *s = 0;
    if (!*p) return 0;
    if ((*p != 'T' && *p != ' ') || (p++, digits(&p, 2, h)) < 0 || *p++ != ':' || digits(&p, 2, mi) < 0) return -1;
    if (*p == ':' && (p++, digits(&p, 2, s)) < 0) return -1;
    if (*p || *h > 23 || *mi > 59 || *s > 59) return -1;
    return 0;
}

int scnv_parse_time(const char *s, int64_t *out)
{
    int y, m, d, h, mi, sec;
    const char *p = s;
    if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &m) < 0 || *p++ != '-' || digits(&p, 2, &d) < 0)
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) || parse_clock(p, &h, &mi, &sec) < 0) return -1;
    *out = days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + sec - CAL_TZ_OFFSET;
    return 0;
}

/* ---- distributions ---- */

static int dist_kind(const char *name, dist_kind_t *kind, int *nparams)
{
    static const struct { const char *name; dist_kind_t kind; int n; } K[] = {
        {"fixed", DIST_FIXED, 1}, {"uniform", DIST_UNIFORM, 2},
        {"lognormal", DIST_LOGNORMAL, 2}, {"exp", DIST_EXP, 1},
    };
    for (size_t i = 0; i < sizeof K / sizeof K[0]; i++)
        if (strcmp(K[i].name, name) == 0) { *kind = K[i].kind; *nparams = K[i].n; return 0; }
    return -1;
}

static int dist_params_ok(const dist_t *d, char *msg, size_t ml)
{
    if (d->a < 0 || d->b < 0 || d->min < 0 || d->max < 0) return reason(msg, ml, "distribution numbers must be >= 0");
    if (d->kind == DIST_UNIFORM && d->a > d->b) return reason(msg, ml, "uniform needs low <= high");
    if ((d->kind == DIST_LOGNORMAL || d->kind == DIST_EXP) && d->a <= 0)
        return reason(msg, ml, "%s needs a median/mean > 0", d->kind == DIST_EXP ? "exp" : "lognormal");
    if (d->max > 0 && d->min > d->max) return reason(msg, ml, "min is above max");
    return 0;
}

/* Reads "min N" / "max N" pairs from the rest of the tokens. */
static int dist_options(char **save, dist_t *d, char *msg, size_t ml)
{
    for (char *t; (t = strtok_r(NULL, " \t", save));) {
        char *v = strtok_r(NULL, " \t", save);
        double x;
        if (strcmp(t, "min") != 0 && strcmp(t, "max") != 0)
            return reason(msg, ml, "unexpected '%s' in distribution (only 'min N', 'max N' follow)", t);
        if (!v || scnv_parse_num(v, &x) < 0) return reason(msg, ml, "'%s' needs a number", t);
        *(t[1] == 'i' ? &d->min : &d->max) = x;
    }
    return 0;
}

int scnv_parse_dist(const char *s, dist_t *out, char *msg, size_t ml)
{
    char buf[4097], *save = NULL;
    snprintf(buf, sizeof buf, "%s", s);
    char *name = strtok_r(buf, " \t", &save);
    dist_t d = {0};
    int np = 0;
    if (!name || dist_kind(name, &d.kind, &np) < 0)
        return reason(msg, ml, "unknown dist kind '%s' (fixed, uniform, lognormal, exp)", name ? name : "");
    double p[2] = {0, 0};
    for (int i = 0; i < np; i++) {
        char *t = strtok_r(NULL, " \t", &save);
        if (!t || scnv_parse_num(t, &p[i]) < 0) return reason(msg, ml, "%s needs %d number(s)", name, np);
    }
    d.a = p[0];
    d.b = p[1];
    if (dist_options(&save, &d, msg, ml) < 0 || dist_params_ok(&d, msg, ml) < 0) return -1;
    *out = d;
    return 0;
}

#define DIST_HARD_MAX_HOURS 8760.0

double dist_sample(const dist_t *d, rng_t *r)
{
    double v = d->a;
    switch (d->kind) {
    case DIST_FIXED: break;
    case DIST_UNIFORM: v = d->a + (d->b - d->a) * rng_double(r); break;
    case DIST_LOGNORMAL: v = d->a * exp(d->b * rng_normal(r)); break;
    case DIST_EXP: v = -d->a * log(1.0 - rng_double(r)); break;
    }
    if (v < d->min) v = d->min;
    if (d->max > 0 && v > d->max) v = d->max;
    /* Whatever a scenario says, no draw exceeds a year (or is NaN): a wild
     * parameter makes a ticket very late, never breaks the time arithmetic. */
    if (!(v >= 0)) v = 0;
    if (v > DIST_HARD_MAX_HOURS) v = DIST_HARD_MAX_HOURS;
    return v;
}

/* ---- weights ---- */

/* Next "label:weight" token: 1 read, 0 at the end, -1 malformed. */
static int next_weight(const char **pp, char *label, double *w)
{
    const char *p = *pp;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) return 0;
    const char *end = p + strcspn(p, " \t"), *colon = memchr(p, ':', (size_t)(end - p));
    if (!colon || colon == p || colon - p >= MAX_LABEL || end - colon - 1 >= 64) return -1;
    memcpy(label, p, (size_t)(colon - p));
    label[colon - p] = '\0';
    char num[64];
    memcpy(num, colon + 1, (size_t)(end - colon - 1));
    num[end - colon - 1] = '\0';
    if (!scnv_is_slug(label, MAX_LABEL) || scnv_parse_num(num, w) < 0 || *w < 0) return -1;
    *pp = end;
    return 1;
}

int scnv_check_weights(const char *s, char *msg, size_t ml)
{
    char seen[MAX_WEIGHT_LABELS][MAX_LABEL], label[MAX_LABEL];
    size_t n = 0;
    double w, sum = 0;
    int rc;
    while ((rc = next_weight(&s, label, &w)) == 1) {
        for (size_t i = 0; i < n; i++)
            if (strcmp(seen[i], label) == 0) return reason(msg, ml, "weight label '%s' given twice", label);
        if (n == MAX_WEIGHT_LABELS) return reason(msg, ml, "more than %d weights", MAX_WEIGHT_LABELS);
        memcpy(seen[n++], label, MAX_LABEL);
        sum += w;
    }
    if (rc < 0) return reason(msg, ml, "malformed weights: expected 'label:weight ...' with weights >= 0");
    if (sum <= 0) return reason(msg, ml, "weights need at least one weight > 0");
    return 0;
}

int scnv_parse_weights(const char *s, const char *const *labels, size_t n, double *out)
{
    if (scnv_check_weights(s, NULL, 0) < 0) return -1;
    for (size_t i = 0; i < n; i++) out[i] = 0;
    char label[MAX_LABEL];
    double w, sum = 0;
    while (next_weight(&s, label, &w) == 1) {
        size_t i = 0;
        while (i < n && strcmp(labels[i], label) != 0) i++;
        if (i == n) return -1;
        out[i] = w;
        sum += w;
    }
    return sum > 0 ? 0 : -1;
}
