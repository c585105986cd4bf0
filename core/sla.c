/* sla: the deadline rules (time limits per ticket type, urgent
 * clock hours, signing, 差评 rectification, rating wait, extensions).
 * The rules are one table of integer settings with built-in defaults, which
 * schemas/sla.tsv may override; deadlines are computed with the calendar.
 * The broker arms its timers from these, the report judges "on time" by them. */
#include "sla.h"
#include "errmsg.h"
#include "tsvline.h"
#include "units.h"
#include "xmalloc.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* One setting: its key in sla.tsv, the ticket type it applies to (close
 * limits only), its default and the accepted range. */
typedef struct {
    const char *key;
    const char *type;
    int def, min, max;
} rule_t;

static const rule_t RULES[SLA__COUNT] = {
    [SLA_CLOSE_CONSULT] = {"close.workdays.consult", "consult", 2, 1, 365},
    [SLA_CLOSE_HELP] = {"close.workdays.help", "help", 10, 1, 365},
    [SLA_CLOSE_SUGGEST] = {"close.workdays.suggest", "suggest", 10, 1, 365},
    [SLA_CLOSE_COMPLAINT] = {"close.workdays.complaint", "complaint", 15, 1, 365},
    [SLA_CLOSE_REPORT] = {"close.workdays.report", "report", 15, 1, 365},
    [SLA_URGENT_SIGN_HOURS] = {"urgent.sign.hours", NULL, 2, 1, 8760},
    [SLA_URGENT_CLOSE_HOURS] = {"urgent.close.hours", NULL, 24, 1, 8760},
    [SLA_SIGN_WORKDAYS] = {"sign.workdays", NULL, 1, 1, 365},
    [SLA_BAD_CONTACT_WORKDAYS] = {"bad.contact.workdays", NULL, 1, 1, 365},
    [SLA_BAD_RECTIFY_WORKDAYS] = {"bad.rectify.workdays", NULL, 5, 1, 365},
    [SLA_RATING_WAIT_DAYS] = {"rating.wait.days", NULL, 7, 1, 365},
    [SLA_RATING_DEFAULT] = {"rating.default", NULL, 3, 1, 5},
    [SLA_EXTENSION_WORKDAYS] = {"extension.workdays", NULL, 5, 1, 365},
    [SLA_REMIND_WORKDAYS] = {"remind.workdays", NULL, 1, 1, 30},
    [SLA_REMIND_URGENT_HOURS] = {"remind.urgent.hours", NULL, 2, 1, 24},
    [SLA_NOTIFY_AFTER_WORKDAYS] = {"notify.after.workdays", NULL, 3, 1, 60},
    [SLA_NOTIFY_EVERY_WORKDAYS] = {"notify.every.workdays", NULL, 5, 1, 60},
    [SLA_RETURN_WINDOW_WORKDAYS] = {"return.window.workdays", NULL, 1, 1, 30},
    [SLA_RETURN_MAX_APPROVED] = {"return.max.approved", NULL, 2, 1, 10},
    [SLA_EXTEND_MAX_COUNT] = {"extend.max.count", NULL, 1, 0, 10},
    [SLA_SUSPEND_MAX_WORKDAYS] = {"suspend.max.workdays", NULL, 30, 1, 365},
    [SLA_MERGE_WINDOW_HOURS] = {"merge.window.hours", NULL, 72, 1, 8760},
    [SLA_MERGE_JACCARD_PERCENT] = {"merge.jaccard.percent", NULL, 60, 1, 100},
    [SLA_VISIT_ATTEMPTS] = {"visit.attempts", NULL, 3, 1, 10},
    [SLA_REOPEN_MAX] = {"reopen.max", NULL, 1, 0, 10},
    [SLA_COHANDLE_WORKDAYS] = {"cohandle.workdays", NULL, 5, 1, 365},
    [SLA_DISPATCH_CONFIDENCE_PERCENT] = {"dispatch.confidence.percent", NULL, 60, 0, 101},
};

struct sla {
    int v[SLA__COUNT]; /* current value of each RULES entry, in its unit */
    char cohandle[UNITS_N_CATEGORIES][TICKET_CODE_MAX]; /* co-unit per category: "street", a unit, or "" */
};

sla_t *sla_new(void)
{
    sla_t *self = xcalloc(1, sizeof *self);
    for (int i = 0; i < SLA__COUNT; i++) self->v[i] = RULES[i].def;
    return self;
}

void sla_destroy(sla_t **p)
{
    if (!p || !*p) return;
    free(*p);
    *p = NULL;
}

/* ---- loading ------------------------------------------------------------------- */

static int rule_index(const char *key)
{
    for (int i = 0; i < SLA__COUNT; i++)
        if (strcmp(RULES[i].key, key) == 0) return i;
    return -1;
}

/* Strict unsigned decimal in [min, max]. */
static bool parse_value(const char *s, int min, int max, int *out)
{
    if (*s < '0' || *s > '9') return false;
    long v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v > max) return false;
    }
    if (*s || v < min) return false;
    *out = (int)v;
    return true;
}

/* "cohandle.<category><TAB>street|unit.<code>|-": the co-unit that handles a
 * category's tickets beside the lead unit (联办); "street" is the ticket's
 * street office; "-" none. */
static int load_cohandle(char (*co)[TICKET_CODE_MAX], const char *cat, const char *val, int lineno, char *err, size_t errlen)
{
    int c = -1;
    for (int i = 0; i < UNITS_N_CATEGORIES; i++)
        if (strcmp(UNITS_CATEGORIES[i].code, cat) == 0) c = i;
    if (c < 0) return errmsg_set(err, errlen, "line %d: cohandle.%.40s: unknown category", lineno, cat);
    if (strcmp(val, "-") != 0 && strcmp(val, "street") != 0 && !units_is_unit(val))
        return errmsg_set(err, errlen, "line %d: cohandle.%s: want street, a unit (unit.<code>) or -", lineno, cat);
    snprintf(co[c], TICKET_CODE_MAX, "%s", strcmp(val, "-") == 0 ? "" : val);
    return 0;
}

/* Applies one "key<TAB>value" line (comment stripped, not blank) to v[] (or
 * co[]); seen[] holds the line each key was first set on, to reject repeats. */
static int load_line(int *v, char (*co)[TICKET_CODE_MAX], int *seen, char *line, int lineno, char *err, size_t errlen)
{
    char *tab = strchr(line, '\t');
    if (!tab) {
        errmsg_set(err, errlen, "line %d: expected key<TAB>value", lineno);
        return -1;
    }
    *tab = '\0';
    char *val = tab + 1;
    while (*val == '\t') val++; /* runs of tabs align the columns */
    if (strncmp(line, "cohandle.", 9) == 0 && strcmp(line, "cohandle.workdays") != 0)
        return load_cohandle(co, line + 9, val, lineno, err, errlen);
    int i = rule_index(line);
    if (i < 0) {
        errmsg_set(err, errlen, "line %d: unknown key \"%.60s\"", lineno, line);
        return -1;
    }
    if (seen[i]) {
        errmsg_set(err, errlen, "line %d: %s already set on line %d", lineno, line, seen[i]);
        return -1;
    }
    if (!parse_value(val, RULES[i].min, RULES[i].max, &v[i])) {
        errmsg_set(err, errlen, "line %d: %s: bad value \"%.40s\" (want an integer in %d..%d)", lineno, line,
                val, RULES[i].min, RULES[i].max);
        return -1;
    }
    seen[i] = lineno;
    return 0;
}

/* All or nothing: values are parsed into a copy and committed at the end. */
int sla_load_buf(sla_t *self, const char *buf, size_t len, char *err, size_t errlen)
{
    if (memchr(buf, '\0', len)) {
        errmsg_set(err, errlen, "contains a NUL byte");
        return -1;
    }
    int v[SLA__COUNT], seen[SLA__COUNT] = {0};
    char co[UNITS_N_CATEGORIES][TICKET_CODE_MAX];
    memcpy(v, self->v, sizeof v);
    memcpy(co, self->cohandle, sizeof co);
    char *copy = xstrndup(buf, len);
    int lineno = 0, rc = 0;
    for (char *line = copy, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (tsvline_strip(line)) rc = load_line(v, co, seen, line, lineno, err, errlen);
    }
    free(copy);
    if (rc == 0) {
        memcpy(self->v, v, sizeof v);
        memcpy(self->cohandle, co, sizeof co);
    }
    return rc;
}

int sla_load_file(sla_t *self, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errmsg_set(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (size_t got; (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) buf = xrealloc(buf, cap *= 2);
    }
    bool bad = ferror(f);
    fclose(f);
    char msg[256];
    int rc = bad ? -1 : sla_load_buf(self, buf, n, msg, sizeof msg);
    if (bad) errmsg_set(err, errlen, "%s: read error", path);
    else if (rc != 0) errmsg_set(err, errlen, "%s: %s", path, msg);
    free(buf);
    return rc;
}

/* ---- deadlines ------------------------------------------------------------------- */

int64_t sla_close_due(const sla_t *self, const calendar_t *cal, const char *type, bool urgent, int64_t received_at)
{
    for (int i = SLA_CLOSE_CONSULT; type && i <= SLA_CLOSE_REPORT; i++) {
        if (strcmp(RULES[i].type, type) != 0) continue;
        if (urgent) return received_at + (int64_t)self->v[SLA_URGENT_CLOSE_HOURS] * 3600;
        return calendar_workdays_after(cal, received_at, self->v[i]);
    }
    return -1; /* praise and unknown types are never due */
}

int sla_rule(const sla_t *self, sla_rule_t r) { return (unsigned)r < SLA__COUNT ? self->v[r] : 0; }

const char *sla_cohandle(const sla_t *self, const char *category)
{
    for (int i = 0; category && i < UNITS_N_CATEGORIES; i++)
        if (strcmp(UNITS_CATEGORIES[i].code, category) == 0) return self->cohandle[i][0] ? self->cohandle[i] : NULL;
    return NULL;
}

int sla_close_workdays(const sla_t *self, const char *type)
{
    for (int i = SLA_CLOSE_CONSULT; type && i <= SLA_CLOSE_REPORT; i++)
        if (strcmp(RULES[i].type, type) == 0) return self->v[i];
    return 0;
}

int64_t sla_sign_due(const sla_t *self, const calendar_t *cal, bool urgent, int64_t t)
{
    if (urgent) return t + (int64_t)self->v[SLA_URGENT_SIGN_HOURS] * 3600;
    return calendar_workdays_after(cal, t, self->v[SLA_SIGN_WORKDAYS]);
}

int64_t sla_contact_due(const sla_t *self, const calendar_t *cal, int64_t t)
{
    return calendar_workdays_after(cal, t, self->v[SLA_BAD_CONTACT_WORKDAYS]);
}

int64_t sla_rectify_due(const sla_t *self, const calendar_t *cal, int64_t t)
{
    return calendar_workdays_after(cal, t, self->v[SLA_BAD_RECTIFY_WORKDAYS]);
}

int64_t sla_rating_wait(const sla_t *self)
{
    return (int64_t)self->v[SLA_RATING_WAIT_DAYS] * CAL_DAY;
}

int sla_default_rating(const sla_t *self)
{
    return self->v[SLA_RATING_DEFAULT];
}

int sla_extension_workdays(const sla_t *self)
{
    return self->v[SLA_EXTENSION_WORKDAYS];
}

/* due - 1: a deadline at 24:00 is 00:00 of the next day, but it belongs to
 * the day it ends; counting from that day keeps the extension whole. */
int64_t sla_extend_due(const sla_t *self, const calendar_t *cal, int64_t due)
{
    return calendar_workdays_after(cal, due - 1, self->v[SLA_EXTENSION_WORKDAYS]);
}
