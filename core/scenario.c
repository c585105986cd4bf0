/* scenario: reads and validates a scenario file (schemas/scenarios/NAME.scn).
 * The simulator, the broker and the workers all parse the same text (it is
 * shipped over the wire), so validation is strict and every error names its
 * line. Value syntaxes (numbers, dates, distributions, weights) live in
 * scenario_value.c; this file holds the line parser and the accessors. */
#include "scenario.h"
#include "ticket.h"
#include "errmsg.h"
#include "scenario_value.h"
#include "units.h"
#include "xmalloc.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Normally set on the compile line (CMake); the fallbacks keep a bare build working. */
#ifndef HOTLINE_DATADIR_BUILD
#define HOTLINE_DATADIR_BUILD "schemas"
#endif
#ifndef HOTLINE_DATADIR_INSTALL
#define HOTLINE_DATADIR_INSTALL "/usr/local/share/hotline"
#endif

#define SCN_MAX_FILE (1u << 20)   /* bytes */
#define SCN_MAX_COUNT 1e7         /* tickets or updates; the feed is held in memory */
#define SCN_MAX_LINE 4096         /* bytes, without the newline */
#define NO_SECTION ((size_t)-1)

typedef struct {
    char *section, *key, *value;  /* owned */
    int line;                     /* 1-based source line */
} scn_entry_t;

typedef struct {
    char *name;                   /* owned, without brackets */
    int line;
} scn_section_t;

struct scenario {
    char *text;                   /* exact source bytes, NUL-terminated copy; owned */
    size_t len;
    char *path;                   /* source file, or NULL; owned */
    scn_entry_t *ent;
    size_t n_ent, cap_ent;
    scn_section_t *sec;
    size_t n_sec, cap_sec;
    const char **pub;             /* [published] keys in file order, borrowed from ent */
    size_t n_pub;
    int64_t from, to;             /* Unix seconds, [from, to) */
    uint64_t seed;
};

typedef enum { SEC_SCENARIO, SEC_COUNTS, SEC_PUBLISHED, SEC_MODEL, SEC_MIX, SEC_UNKNOWN } sec_kind_t;

static const char *const SCENARIO_KEYS[] = {"name", "title", "description", "seed", "from",
                                            "to", "texts", "id_prefix", "centre", NULL};
static const char *const COUNT_KEYS[] = {"received", "urgent", "praise", "kb_updates", NULL};
static const char *const TYPE_LABELS[] = {"consult", "help", "complaint", "report", "suggest"};
static const char *const MONTH_LABELS[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const WEEKDAY_LABELS[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const HOUR_LABELS[] = {"0",  "1",  "2",  "3",  "4",  "5",  "6",  "7",
                                          "8",  "9",  "10", "11", "12", "13", "14", "15",
                                          "16", "17", "18", "19", "20", "21", "22", "23"};
static const char *const CHANNEL_LABELS[] = {"phone", "web", "wechat", "app"};
/* Types (plus "urgent") that may have their own [mix.category.X]. */
static const char *const CATEGORY_BY[] = {"consult", "help",   "complaint", "report",
                                          "suggest", "praise", "urgent"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0) return true;
    return false;
}

static size_t copy_labels(const char *const *src, size_t n, const char **out, size_t cap)
{
    for (size_t i = 0; i < n && i < cap; i++) out[i] = src[i];
    return n;
}

size_t scenario_mix_labels(const char *section, const char **out, size_t cap)
{
    if (!section || strncmp(section, "mix.", 4) != 0) return 0;
    const char *s = section + 4;
    if (strcmp(s, "type") == 0) return copy_labels(TYPE_LABELS, COUNT_OF(TYPE_LABELS), out, cap);
    if (strcmp(s, "month") == 0) return copy_labels(MONTH_LABELS, 12, out, cap);
    if (strcmp(s, "weekday") == 0) return copy_labels(WEEKDAY_LABELS, 7, out, cap);
    if (strcmp(s, "hour") == 0) return copy_labels(HOUR_LABELS, 24, out, cap);
    if (strcmp(s, "channel") == 0) return copy_labels(CHANNEL_LABELS, 4, out, cap);
    if (strcmp(s, "street") == 0) {
        for (size_t i = 0; i < UNITS_N_STREETS && i < cap; i++) out[i] = UNITS_STREETS[i].code;
        return UNITS_N_STREETS;
    }
    if (strncmp(s, "category", 8) != 0) return 0;
    if (s[8] == '.') {
        bool known = false;
        for (size_t i = 0; i < COUNT_OF(CATEGORY_BY); i++) known |= strcmp(s + 9, CATEGORY_BY[i]) == 0;
        if (!known) return 0;
    } else if (s[8] != '\0') {
        return 0;
    }
    for (size_t i = 0; i < UNITS_N_CATEGORIES && i < cap; i++) out[i] = UNITS_CATEGORIES[i].code;
    return UNITS_N_CATEGORIES;
}

static sec_kind_t section_kind(const char *name)
{
    const char *labels[SCENARIO_MIX_MAX];
    if (strcmp(name, "scenario") == 0) return SEC_SCENARIO;
    if (strcmp(name, "counts") == 0) return SEC_COUNTS;
    if (strcmp(name, "published") == 0) return SEC_PUBLISHED;
    if (strcmp(name, "model") == 0) return SEC_MODEL;
    if (scenario_mix_labels(name, labels, SCENARIO_MIX_MAX) > 0) return SEC_MIX;
    return SEC_UNKNOWN;
}

/* ---- lookup ---- */

static const scn_entry_t *find(const scenario_t *self, const char *section, const char *key)
{
    for (size_t i = 0; i < self->n_ent; i++)
        if (strcmp(self->ent[i].section, section) == 0 && strcmp(self->ent[i].key, key) == 0)
            return &self->ent[i];
    return NULL;
}

static const scn_section_t *find_section(const scenario_t *self, const char *name)
{
    for (size_t i = 0; i < self->n_sec; i++)
        if (strcmp(self->sec[i].name, name) == 0) return &self->sec[i];
    return NULL;
}

/* ---- value checks per section kind ---- */

static int check_scenario_value(const char *key, const char *v, char *msg, size_t ml)
{
    if (!in_list(SCENARIO_KEYS, key)) return errmsg_set(msg, ml, "unknown key '%s' in [scenario]", key);
    if (strcmp(key, "seed") == 0) {
        uint64_t u;
        if (scnv_parse_u64(v, &u) < 0) return errmsg_set(msg, ml, "seed '%s' is not an unsigned integer", v);
    } else if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
        int64_t t;
        if (scnv_parse_time(v, &t) < 0)
            return errmsg_set(msg, ml, "%s '%s' is not a date YYYY-MM-DD[THH:MM[:SS]]", key, v);
    } else if (strcmp(key, "name") == 0 || strcmp(key, "texts") == 0) {
        if (!scnv_is_slug(v, 64)) return errmsg_set(msg, ml, "%s '%s' must be [A-Za-z0-9._-], at most 64 bytes", key, v);
    } else if (strcmp(key, "id_prefix") == 0) {
        if (!scnv_is_slug(v, 16) || strchr(v, '.'))
            return errmsg_set(msg, ml, "id_prefix '%s' must be [A-Za-z0-9_-], at most 16 bytes", v);
    } else if (strcmp(key, "centre") == 0) {
        if (!ticket_centre_valid(v)) return errmsg_set(msg, ml, "centre '%s' must be " TICKET_CENTRE_RULE, v);
    }
    return 0;
}

static int check_model_value(const char *key, const char *v, char *msg, size_t ml)
{
    double d;
    if (strncmp(key, "p.", 2) == 0) {
        if (scnv_parse_num(v, &d) < 0 || d < 0 || d > 1)
            return errmsg_set(msg, ml, "probability %s '%s' must be a number in [0, 1]", key, v);
        return 0;
    }
    if (strchr(v, ':')) return scnv_check_weights(v, msg, ml);
    if (scnv_parse_num(v, &d) == 0) return 0;
    dist_t dist;
    return scnv_parse_dist(v, &dist, msg, ml);
}

static int check_value(const char *section, const char *key, const char *v, char *msg, size_t ml)
{
    double d;
    const char *labels[SCENARIO_MIX_MAX];
    switch (section_kind(section)) {
    case SEC_SCENARIO: return check_scenario_value(key, v, msg, ml);
    case SEC_COUNTS:
        if (!in_list(COUNT_KEYS, key)) return errmsg_set(msg, ml, "unknown key '%s' in [counts]", key);
        if (scnv_parse_num(v, &d) < 0 || d < 0 || d > SCN_MAX_COUNT || d != (double)(int64_t)d)
            return errmsg_set(msg, ml, "count %s '%s' must be a whole number in [0, 10000000]", key, v);
        return 0;
    case SEC_PUBLISHED:
        if (scnv_parse_num(v, &d) < 0) return errmsg_set(msg, ml, "published %s '%s' is not a number", key, v);
        return 0;
    case SEC_MIX: {
        size_t n = scenario_mix_labels(section, labels, SCENARIO_MIX_MAX);
        bool known = false;
        for (size_t i = 0; i < n; i++) known |= strcmp(labels[i], key) == 0;
        if (!known) return errmsg_set(msg, ml, "unknown key '%s' in [%s]", key, section);
        if (scnv_parse_num(v, &d) < 0 || d < 0) return errmsg_set(msg, ml, "weight %s '%s' must be a number >= 0", key, v);
        return 0;
    }
    case SEC_MODEL: return check_model_value(key, v, msg, ml);
    case SEC_UNKNOWN: break;
    }
    return errmsg_set(msg, ml, "unknown section [%s]", section);
}

/* ---- line parser ---- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

/* Cuts a trailing comment: a '#' preceded by a space or a tab. */
static void strip_comment(char *s)
{
    for (char *p = s + 1; *p && *s; p++)
        if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t')) { *p = '\0'; return; }
}

static bool key_ok(const char *k)
{
    if (!*k) return false;
    for (; *k; k++)
        if (!scnv_is_slug_char(*k)) return false;
    return true;
}

static int add_section(scenario_t *self, char *s, int line, size_t *cur, char *err, size_t errlen)
{
    size_t n = strlen(s);
    if (s[n - 1] != ']') return errmsg_set(err, errlen, "line %d: section header lacks ']'", line);
    s[n - 1] = '\0';
    char *name = trim(s + 1);
    if (section_kind(name) == SEC_UNKNOWN) return errmsg_set(err, errlen, "line %d: unknown section [%s]", line, name);
    const scn_section_t *prev = find_section(self, name);
    if (prev)
        return errmsg_set(err, errlen, "line %d: section [%s] already opened at line %d", line, name, prev->line);
    if (self->n_sec == self->cap_sec) {
        self->cap_sec = self->cap_sec ? 2 * self->cap_sec : 16;
        self->sec = xrealloc(self->sec, self->cap_sec * sizeof *self->sec);
    }
    self->sec[self->n_sec] = (scn_section_t){xstrdup(name), line};
    *cur = self->n_sec++;
    return 0;
}

static void add_entry(scenario_t *self, const char *section, const char *key, const char *value, int line)
{
    if (self->n_ent == self->cap_ent) {
        self->cap_ent = self->cap_ent ? 2 * self->cap_ent : 64;
        self->ent = xrealloc(self->ent, self->cap_ent * sizeof *self->ent);
    }
    self->ent[self->n_ent++] = (scn_entry_t){xstrdup(section), xstrdup(key), xstrdup(value), line};
}

static int add_key_value(scenario_t *self, char *s, int line, size_t cur, char *err, size_t errlen)
{
    char *eq = strchr(s, '=');
    if (!eq) return errmsg_set(err, errlen, "line %d: expected '[section]' or 'key = value'", line);
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    if (cur == NO_SECTION) return errmsg_set(err, errlen, "line %d: key '%s' outside a section", line, key);
    if (!key_ok(key)) return errmsg_set(err, errlen, "line %d: bad key '%s' (use [A-Za-z0-9._-])", line, key);
    if (!*value) return errmsg_set(err, errlen, "line %d: key '%s' has no value", line, key);
    const char *section = self->sec[cur].name;
    const scn_entry_t *dup = find(self, section, key);
    if (dup)
        return errmsg_set(err, errlen, "line %d: duplicate key '%s' in [%s] (first at line %d)", line, key, section,
                    dup->line);
    char msg[256];
    if (check_value(section, key, value, msg, sizeof msg) < 0) return errmsg_set(err, errlen, "line %d: %s", line, msg);
    add_entry(self, section, key, value, line);
    return 0;
}

static int parse_line(scenario_t *self, char *raw, int line, size_t *cur, char *err, size_t errlen)
{
    char *s = trim(raw);
    if (!*s || *s == '#') return 0;
    strip_comment(s);
    s = trim(s);
    if (*s == '[') return add_section(self, s, line, cur, err, errlen);
    return add_key_value(self, s, line, *cur, err, errlen);
}

static int parse_text(scenario_t *self, char *err, size_t errlen)
{
    const char *p = self->text, *end = self->text + self->len;
    size_t cur = NO_SECTION;
    char buf[SCN_MAX_LINE + 1];
    for (int line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > SCN_MAX_LINE) return errmsg_set(err, errlen, "line %d: longer than %d bytes", line, SCN_MAX_LINE);
        if (memchr(p, '\0', n)) return errmsg_set(err, errlen, "line %d: contains a NUL byte", line);
        if (!scnv_utf8_ok(p, n)) return errmsg_set(err, errlen, "line %d: not valid UTF-8", line);
        memcpy(buf, p, n);
        buf[n] = '\0';
        if (parse_line(self, buf, line, &cur, err, errlen) < 0) return -1;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

/* ---- whole-file checks ---- */

static int check_required(scenario_t *self, char *err, size_t errlen)
{
    static const char *const req[] = {"name", "seed", "from", "to"};
    for (size_t i = 0; i < COUNT_OF(req); i++)
        if (!find(self, "scenario", req[i])) return errmsg_set(err, errlen, "[scenario] lacks the key '%s'", req[i]);
    (void)scnv_parse_u64(scenario_get(self, "scenario", "seed"), &self->seed);
    (void)scnv_parse_time(scenario_get(self, "scenario", "from"), &self->from);
    (void)scnv_parse_time(scenario_get(self, "scenario", "to"), &self->to);
    if (self->from >= self->to)
        return errmsg_set(err, errlen, "line %d: 'to' must come after 'from'", find(self, "scenario", "to")->line);
    return 0;
}

static int check_counts(const scenario_t *self, char *err, size_t errlen)
{
    double recv = scenario_num(self, "counts", "received", 0);
    double praise = scenario_num(self, "counts", "praise", 0);
    double urgent = scenario_num(self, "counts", "urgent", 0);
    if (praise + urgent > recv) {
        const scn_entry_t *e = find(self, "counts", "received");
        return errmsg_set(err, errlen, "line %d: [counts] praise + urgent exceed received", e ? e->line : 0);
    }
    return 0;
}

static int check_mixes(const scenario_t *self, char *err, size_t errlen)
{
    const char *labels[SCENARIO_MIX_MAX];
    double w[SCENARIO_MIX_MAX];
    for (size_t i = 0; i < self->n_sec; i++) {
        const scn_section_t *s = &self->sec[i];
        size_t n = scenario_mix_labels(s->name, labels, SCENARIO_MIX_MAX);
        if (n == 0 || scenario_mix(self, s->name, w, SCENARIO_MIX_MAX) < 0) continue;
        double sum = 0;
        for (size_t j = 0; j < n; j++) sum += w[j];
        if (sum <= 0) return errmsg_set(err, errlen, "line %d: [%s] has no weight > 0", s->line, s->name);
    }
    return 0;
}

static void collect_published(scenario_t *self)
{
    self->pub = xcalloc(self->n_ent + 1, sizeof *self->pub);
    for (size_t i = 0; i < self->n_ent; i++)
        if (strcmp(self->ent[i].section, "published") == 0) self->pub[self->n_pub++] = self->ent[i].key;
}

/* ---- public ---- */

scenario_t *scenario_load_buf(const char *buf, size_t len, char *err, size_t errlen)
{
    if (len > SCN_MAX_FILE) {
        errmsg_set(err, errlen, "scenario of %zu bytes is over the %u-byte limit", len, SCN_MAX_FILE);
        return NULL;
    }
    scenario_t *self = xcalloc(1, sizeof *self);
    self->text = xmalloc(len + 1);
    memcpy(self->text, buf, len);
    self->text[len] = '\0';
    self->len = len;
    if (parse_text(self, err, errlen) < 0 || check_required(self, err, errlen) < 0 ||
        check_counts(self, err, errlen) < 0 || check_mixes(self, err, errlen) < 0) {
        scenario_destroy(&self);
        return NULL;
    }
    collect_published(self);
    return self;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) { errmsg_set(err, errlen, "%s: %m", path); return NULL; }
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)SCN_MAX_FILE) {
        errmsg_set(err, errlen, "%s: not a regular file of at most %u bytes", path, SCN_MAX_FILE);
        fclose(f);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    *len = fread(buf, 1, (size_t)st.st_size, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); errmsg_set(err, errlen, "%s: read error", path); return NULL; }
    return buf;
}

scenario_t *scenario_load_file(const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *buf = read_file(path, &len, err, errlen);
    if (!buf) return NULL;
    char msg[512];
    scenario_t *self = scenario_load_buf(buf, len, msg, sizeof msg);
    free(buf);
    if (!self) { errmsg_set(err, errlen, "%s: %s", path, msg); return NULL; }
    self->path = xstrdup(path);
    return self;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* $HOTLINE_DATADIR; else a program run from the build tree uses the source
 * tree's schemas/; an installed one uses ../share/hotline beside its bin/
 * (so an install moved elsewhere still finds its data), else the configured
 * install prefix. */
const char *hotline_datadir(void)
{
    static char found[4096];
    const char *env = getenv("HOTLINE_DATADIR");
    if (env && *env) return env;
    if (found[0]) return found;
    char exe[2048];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    size_t bl = strlen(HOTLINE_BUILD_DIR);
    if (n > 0 && strncmp(exe, HOTLINE_BUILD_DIR, bl) == 0 && exe[bl] == '/' && is_dir(HOTLINE_DATADIR_BUILD))
        snprintf(found, sizeof found, "%s", HOTLINE_DATADIR_BUILD);
    else {
        char *slash = n > 0 ? strrchr(exe, '/') : NULL;
        if (slash) *slash = '\0';
        snprintf(found, sizeof found, "%s/../share/hotline", exe);
        if (!slash || !is_dir(found)) snprintf(found, sizeof found, "%s", is_dir(HOTLINE_DATADIR_INSTALL) || !is_dir(HOTLINE_DATADIR_BUILD) ? HOTLINE_DATADIR_INSTALL : HOTLINE_DATADIR_BUILD);
    }
    return found;
}

scenario_t *scenario_open(const char *name_or_path, char *err, size_t errlen)
{
    size_t n = strlen(name_or_path);
    if (strchr(name_or_path, '/') || (n > 4 && strcmp(name_or_path + n - 4, ".scn") == 0))
        return scenario_load_file(name_or_path, err, errlen);
    if (!scnv_is_slug(name_or_path, 64)) {
        errmsg_set(err, errlen, "bad scenario name '%s'", name_or_path);
        return NULL;
    }
    char *path = xasprintf("%s/scenarios/%s.scn", hotline_datadir(), name_or_path);
    scenario_t *self = scenario_load_file(path, err, errlen);
    free(path);
    return self;
}

void scenario_destroy(scenario_t **p)
{
    if (!p || !*p) return;
    scenario_t *self = *p;
    for (size_t i = 0; i < self->n_ent; i++) {
        free(self->ent[i].section);
        free(self->ent[i].key);
        free(self->ent[i].value);
    }
    for (size_t i = 0; i < self->n_sec; i++) free(self->sec[i].name);
    free(self->ent);
    free(self->sec);
    free(self->pub);
    free(self->text);
    free(self->path);
    free(self);
    *p = NULL;
}

const char *scenario_name(const scenario_t *self) { return scenario_get(self, "scenario", "name"); }

const char *scenario_centre(const scenario_t *self)
{
    const char *c = scenario_get(self, "scenario", "centre");
    return c ? c : TICKET_DEFAULT_CENTRE;
}
const char *scenario_path(const scenario_t *self) { return self->path; }
int64_t scenario_from(const scenario_t *self) { return self->from; }
int64_t scenario_to(const scenario_t *self) { return self->to; }
uint64_t scenario_seed(const scenario_t *self) { return self->seed; }

const char *scenario_text(const scenario_t *self, size_t *len)
{
    if (len) *len = self->len;
    return self->text;
}

const char *scenario_get(const scenario_t *self, const char *section, const char *key)
{
    const scn_entry_t *e = find(self, section, key);
    return e ? e->value : NULL;
}

double scenario_num(const scenario_t *self, const char *section, const char *key, double dflt)
{
    const char *v = scenario_get(self, section, key);
    double d;
    return v && scnv_parse_num(v, &d) == 0 ? d : dflt;
}

int scenario_dist(const scenario_t *self, const char *key, dist_t *out)
{
    const char *v = scenario_get(self, "model", key);
    char msg[128];
    return v ? scnv_parse_dist(v, out, msg, sizeof msg) : -1;
}

int scenario_weights(const scenario_t *self, const char *section, const char *key,
                     const char *const *labels, size_t n, double *out)
{
    const char *v = scenario_get(self, section, key);
    return v ? scnv_parse_weights(v, labels, n, out) : -1;
}

int scenario_mix(const scenario_t *self, const char *section, double *out, size_t cap)
{
    const char *labels[SCENARIO_MIX_MAX];
    size_t n = scenario_mix_labels(section, labels, SCENARIO_MIX_MAX);
    if (n == 0 || cap < n) return -1;
    bool present = find_section(self, section) != NULL;
    for (size_t i = 0; i < n; i++) out[i] = present ? scenario_num(self, section, labels[i], 0) : 1;
    return present ? 1 : 0;
}

int scenario_published(const scenario_t *self, const char *figure, double *out)
{
    const char *v = scenario_get(self, "published", figure);
    return v ? scnv_parse_num(v, out) : -1;
}

const char *const *scenario_published_keys(const scenario_t *self, size_t *n)
{
    *n = self->n_pub;
    return self->pub;
}
