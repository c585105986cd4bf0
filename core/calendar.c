/* calendar: PRC working days and CST civil-time arithmetic.
 * Deadline code (sla.c, the broker's timers, the simulator's handling times)
 * asks "is this CST day a working day?" very often, so loaded holiday data is
 * kept as one byte per day in a dense array indexed by day number; every other
 * day is plain Monday–Friday. Civil dates are computed here with the
 * days-from-civil algorithm (H. Hinnant), never with libc time zones. */
#include "calendar.h"
#include "errmsg.h"
#include "tsvline.h"
#include "xmalloc.h"
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(CAL_TZ_OFFSET == 28800, "CAL_TZ_OFFSET_SQL must match CAL_TZ_OFFSET");

enum { KIND_NONE = 0, KIND_OFF = 1, KIND_WORK = 2 };

/* Calendar data is only accepted for these years, which bounds the array. */
#define CAL_MIN_YEAR 1900
#define CAL_MAX_YEAR 2199

struct calendar {
    int64_t base;   /* day number of kind[0] (always 1 January of some year) */
    size_t n;       /* days covered by kind[] */
    uint8_t *kind;  /* KIND_* per day; owned; NULL when nothing is loaded */
};

/* ---- civil date arithmetic ------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Day number (days since 1970-01-01) of the proleptic Gregorian date y-m-d. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Monday ... 6 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int weekday(int64_t day)
{
    return (int)(day + 3 - floor_div(day + 3, 7) * 7);
}

int64_t calendar_day_of(int64_t t)
{
    /* Split before adding the offset so that no extreme t can overflow. */
    int64_t day = t / CAL_DAY, rem = t % CAL_DAY;
    if (rem < 0) {
        day--;
        rem += CAL_DAY;
    }
    return rem + CAL_TZ_OFFSET >= CAL_DAY ? day + 1 : day;
}

int64_t calendar_day_start(int64_t d)
{
    return d * CAL_DAY - CAL_TZ_OFFSET;
}

/* ---- lifecycle --------------------------------------------------------------- */

calendar_t *calendar_new(void)
{
    return xcalloc(1, sizeof(calendar_t));
}

void calendar_destroy(calendar_t **p)
{
    if (!p || !*p) return;
    free((*p)->kind);
    free(*p);
    *p = NULL;
}

static void calendar_copy(calendar_t *dst, const calendar_t *src)
{
    dst->base = src->base;
    dst->n = src->n;
    dst->kind = NULL;
    if (src->n) {
        dst->kind = xmalloc(src->n);
        memcpy(dst->kind, src->kind, src->n);
    }
}

/* Moves src's data into self, freeing what self had. */
static void calendar_take(calendar_t *self, calendar_t *src)
{
    free(self->kind);
    *self = *src;
    src->kind = NULL;
    src->n = 0;
}

/* ---- day lookup ---------------------------------------------------------------- */

static int kind_of(const calendar_t *self, int64_t day)
{
    if (!self->kind || day < self->base || day - self->base >= (int64_t)self->n) return KIND_NONE;
    return self->kind[day - self->base];
}

bool calendar_is_workday(const calendar_t *self, int64_t day)
{
    int k = kind_of(self, day);
    if (k != KIND_NONE) return k == KIND_WORK;
    return weekday(day) < 5;
}

/* Widens the array to whole years so that it covers day (year y). */
static void cover_day(calendar_t *self, int64_t day, int64_t y)
{
    int64_t lo = days_from_civil(y, 1, 1), hi = days_from_civil(y + 1, 1, 1);
    if (self->kind) {
        if (self->base < lo) lo = self->base;
        if (self->base + (int64_t)self->n > hi) hi = self->base + (int64_t)self->n;
        if (lo == self->base && hi == self->base + (int64_t)self->n) return;
    }
    uint8_t *k = xcalloc((size_t)(hi - lo), 1);
    if (self->kind) memcpy(k + (self->base - lo), self->kind, self->n);
    free(self->kind);
    self->kind = k;
    self->base = lo;
    self->n = (size_t)(hi - lo);
}

/* ---- loading ------------------------------------------------------------------- */

/* Reads exactly n decimal digits. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Parses "YYYY-MM-DD" at *p, advancing it; checks that the date exists. */
static bool parse_date(const char **p, int *y, int *m, int *d)
{
    const char *s = *p;
    if (!digits(&s, 4, y) || *s++ != '-' || !digits(&s, 2, m) || *s++ != '-' || !digits(&s, 2, d))
        return false;
    if (*m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) return false;
    *p = s;
    return true;
}

/* Applies one data line (comment already stripped, not blank) to self. */
static int load_line(calendar_t *self, char *line, int lineno, char *err, size_t errlen)
{
    char *f[4];
    int nf = 1;
    f[0] = line;
    for (char *c = line; *c && nf < 4; c++) {
        if (*c != '\t') continue;
        *c = '\0';
        f[nf++] = c + 1;
    }
    if (nf != 3 || !*f[2]) {
        errmsg_set(err, errlen, "line %d: expected 3 tab-separated fields: date, off|work, name", lineno);
        return -1;
    }
    const char *p = f[0];
    int y, m, d;
    if (!parse_date(&p, &y, &m, &d) || *p) {
        errmsg_set(err, errlen, "line %d: bad date \"%.40s\" (want an existing YYYY-MM-DD)", lineno, f[0]);
        return -1;
    }
    if (y < CAL_MIN_YEAR || y > CAL_MAX_YEAR) {
        errmsg_set(err, errlen, "line %d: year %d outside %d-%d", lineno, y, CAL_MIN_YEAR, CAL_MAX_YEAR);
        return -1;
    }
    int kind = strcmp(f[1], "off") == 0 ? KIND_OFF : strcmp(f[1], "work") == 0 ? KIND_WORK : KIND_NONE;
    if (kind == KIND_NONE) {
        errmsg_set(err, errlen, "line %d: bad kind \"%.20s\" (want off or work)", lineno, f[1]);
        return -1;
    }
    int64_t day = days_from_civil(y, m, d);
    if (kind == KIND_WORK && weekday(day) < 5) {
        errmsg_set(err, errlen, "line %d: %s is a weekday; only a weekend day can be a 调休 work day", lineno, f[0]);
        return -1;
    }
    int old = kind_of(self, day);
    if (old != KIND_NONE && old != kind) {
        errmsg_set(err, errlen, "line %d: %s is already marked %s", lineno, f[0], old == KIND_OFF ? "off" : "work");
        return -1;
    }
    cover_day(self, day, y);
    self->kind[day - self->base] = (uint8_t)kind;
    return 0;
}

/* Applies a whole buffer to self; self may be left half-updated on error. */
static int load_into(calendar_t *self, const char *buf, size_t len, char *err, size_t errlen)
{
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        int at = 1;
        for (const char *c = buf; c < nul; c++) at += *c == '\n';
        errmsg_set(err, errlen, "line %d: contains a NUL byte", at);
        return -1;
    }
    char *copy = xstrndup(buf, len);
    int lineno = 0, rc = 0;
    for (char *line = copy, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (tsvline_strip(line)) rc = load_line(self, line, lineno, err, errlen);
    }
    free(copy);
    return rc;
}

int calendar_load_buf(calendar_t *self, const char *buf, size_t len, char *err, size_t errlen)
{
    calendar_t tmp;
    calendar_copy(&tmp, self);
    if (load_into(&tmp, buf, len, err, errlen) != 0) {
        free(tmp.kind);
        return -1;
    }
    calendar_take(self, &tmp);
    return 0;
}

/* Reads a whole file into a NUL-terminated heap buffer the caller frees. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (size_t got; (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (cap - n - 1 == 0) buf = xrealloc(buf, cap *= 2);
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        errmsg_set(err, errlen, "%s: read error", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Loads one file into self, prefixing errors with its path. */
static int load_path_into(calendar_t *self, const char *path, char *err, size_t errlen)
{
    size_t len;
    char *buf = read_file(path, &len, err, errlen);
    if (!buf) return -1;
    char msg[256];
    int rc = load_into(self, buf, len, msg, sizeof msg);
    if (rc != 0) errmsg_set(err, errlen, "%s: %s", path, msg);
    free(buf);
    return rc;
}

int calendar_load_file(calendar_t *self, const char *path, char *err, size_t errlen)
{
    calendar_t tmp;
    calendar_copy(&tmp, self);
    if (load_path_into(&tmp, path, err, errlen) != 0) {
        free(tmp.kind);
        return -1;
    }
    calendar_take(self, &tmp);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the *.tsv names in dir, sorted; returns the count or -1. */
static int list_tsv(const char *dir, char ***out, char *err, size_t errlen)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        errmsg_set(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    int n = 0;
    for (struct dirent *e; (e = readdir(dh));) {
        size_t l = strlen(e->d_name);
        if (l <= 4 || e->d_name[0] == '.' || strcmp(e->d_name + l - 4, ".tsv") != 0) continue;
        names = xrealloc(names, sizeof *names * (size_t)(n + 1));
        names[n++] = xasprintf("%s/%s", dir, e->d_name);
    }
    closedir(dh);
    if (n) qsort(names, (size_t)n, sizeof *names, cmp_str);
    *out = names;
    return n;
}

/* All files or none: the calendar only changes if every file loads. */
int calendar_load_dir(calendar_t *self, const char *dir, char *err, size_t errlen)
{
    char **names = NULL;
    int n = list_tsv(dir, &names, err, errlen);
    if (n < 0) return -1;
    int rc = 0;
    if (n == 0) {
        errmsg_set(err, errlen, "%s: no *.tsv calendar files", dir);
        rc = -1;
    }
    calendar_t tmp;
    calendar_copy(&tmp, self);
    for (int i = 0; i < n && rc == 0; i++) rc = load_path_into(&tmp, names[i], err, errlen);
    if (rc == 0) calendar_take(self, &tmp);
    free(tmp.kind);
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

/* ---- deadline arithmetic ------------------------------------------------------- */

int64_t calendar_workdays_after(const calendar_t *self, int64_t t, int n)
{
    HL_ASSERT(n >= 1);
    int64_t d = calendar_day_of(t);
    while (n > 0) {
        d++;
        if (calendar_is_workday(self, d)) n--;
    }
    return calendar_day_start(d + 1);
}

/* A deadline landing exactly on 24:00 of a working day stays there (it is not
 * pushed past the following rest days), matching calendar_workdays_after. */
int64_t calendar_add_work_seconds(const calendar_t *self, int64_t t, int64_t s)
{
    HL_ASSERT(s >= 0);
    int64_t d = calendar_day_of(t);
    if (!calendar_is_workday(self, d)) {
        do d++; while (!calendar_is_workday(self, d));
        t = calendar_day_start(d);
    }
    for (;;) {
        int64_t left = calendar_day_start(d + 1) - t;
        if (s <= left) return t + s;
        s -= left;
        do d++; while (!calendar_is_workday(self, d));
        t = calendar_day_start(d);
    }
}

int64_t calendar_work_seconds(const calendar_t *self, int64_t a, int64_t b)
{
    if (b <= a) return b == a ? 0 : -calendar_work_seconds(self, b, a);
    int64_t total = 0, last = calendar_day_of(b - 1);
    if (last - calendar_day_of(a) > CAL_SPAN_MAX_DAYS) a = calendar_day_start(last - CAL_SPAN_MAX_DAYS);
    for (int64_t d = calendar_day_of(a); d <= last; d++) {
        if (!calendar_is_workday(self, d)) continue;
        int64_t from = calendar_day_start(d), to = calendar_day_start(d + 1);
        total += (b < to ? b : to) - (a > from ? a : from);
    }
    return total;
}

/* ---- text form ------------------------------------------------------------------- */

/* Parses "THH:MM[:SS]" (or with a space for the T) at p into seconds of the day. */
static bool parse_clock(const char *p, int64_t *secs)
{
    int hh, mm, ss = 0;
    if (*p != 'T' && *p != ' ') return false;
    p++;
    if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mm)) return false;
    if (*p == ':') {
        p++;
        if (!digits(&p, 2, &ss)) return false;
    }
    if (*p || hh > 23 || mm > 59 || ss > 59) return false;
    *secs = hh * 3600 + mm * 60 + ss;
    return true;
}

int calendar_parse_time(const char *s, int64_t *out)
{
    if (!s) return -1;
    const char *p = s;
    int y, m, d;
    int64_t secs = 0;
    if (!parse_date(&p, &y, &m, &d)) return -1;
    if (*p && !parse_clock(p, &secs)) return -1;
    *out = calendar_day_start(days_from_civil(y, m, d)) + secs;
    return 0;
}

const char *calendar_format(int64_t t, char *buf, size_t len)
{
    int64_t day = calendar_day_of(t), y;
    int64_t secs = t - calendar_day_start(day);
    int m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02d-%02d %02d:%02d:%02d", (long long)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return buf;
}
