/* sim_text: loads the simulator's text templates and fills them in.
 * The file has three TAB-separated fields per row (see schemas/scenarios/
 * README.md): ticket templates by category and kind, leads by type, value
 * pools for placeholders, and knowledge-base answer templates. It is read in
 * two passes so that pools may be defined anywhere and every placeholder is
 * checked against them, with errors naming the line. */
#include "sim_text.h"
#include "errmsg.h"
#include "units.h"
#include "xmalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TXT_MAX_FILE (1u << 20)
#define TXT_MAX_LINE 4096

enum { K_ASK, K_ISSUE, K_SUGGEST, K_PRAISE, K_URGENT, K_N };
static const char *const KIND_NAMES[K_N] = {"ask", "issue", "suggest", "praise", "urgent"};
/* Leads: the six ticket types, then "urgent" (put before the type's lead)
 * and "address" (put after a non-consult template that names no street). */
#define N_LEADS 8
#define LEAD_URGENT 6
#define LEAD_ADDRESS 7
static const char *const LEAD_NAMES[N_LEADS] = {"consult", "help",   "complaint", "report",
                                                "suggest", "praise", "urgent",    "address"};
static const char *const BUILTINS[] = {"street", "unit", "date", "n", "num", "money", "via", NULL};

typedef struct {
    char **v;                 /* owned strings */
    size_t n, cap;
} strlist_t;

typedef struct {
    char *name;               /* owned */
    strlist_t values;
} pool_t;

struct sim_texts {
    strlist_t tpl[UNITS_N_CATEGORIES][K_N];
    strlist_t kb_answers;
    char *lead[N_LEADS];      /* owned */
    pool_t *pools;
    size_t n_pools;
};

typedef struct {
    char *p;
    size_t n, cap;
} sbuf_t;

/* A placeholder already filled in the current text: a name repeated in one
 * text ("{bus}公交车…{bus}公交车司机") takes the same value. */
typedef struct {
    char name[64];
    const char *value;        /* a pool value, or buf */
    char buf[64];             /* a built-in's value */
} memo_t;

#define MAX_MEMO 16

/* What a placeholder may refer to while one text is filled. */
typedef struct {
    const sim_texts_t *texts;
    const sim_text_req_t *req;
    rng_t *r;
    memo_t memo[MAX_MEMO];
    int n_memo;
} fill_ctx_t;

static void list_add(strlist_t *l, const char *s, size_t n)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = xstrndup(s, n);
}

static void list_free(strlist_t *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
}

static int index_of(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0) return (int)i;
    return -1;
}

static const pool_t *find_pool(const sim_texts_t *self, const char *name)
{
    for (size_t i = 0; i < self->n_pools; i++)
        if (strcmp(self->pools[i].name, name) == 0) return &self->pools[i];
    return NULL;
}

/* ---- loading ---- */

static int add_pool(sim_texts_t *self, const char *name, const char *values, int line, char *err, size_t errlen)
{
    if (find_pool(self, name)) return errmsg_set(err, errlen, "line %d: pool '%s' defined twice", line, name);
    if (strchr(values, '{') || strchr(values, '}'))
        return errmsg_set(err, errlen, "line %d: pool values may not contain braces", line);
    self->pools = xrealloc(self->pools, (self->n_pools + 1) * sizeof *self->pools);
    pool_t *p = &self->pools[self->n_pools++];
    *p = (pool_t){xstrdup(name), {0}};
    for (const char *s = values; *s;) {
        size_t n = strcspn(s, "|");
        if (n == 0) return errmsg_set(err, errlen, "line %d: empty value in pool '%s'", line, name);
        list_add(&p->values, s, n);
        s += n + (s[n] == '|');
    }
    return 0;
}

/* Every {name} in t must be a built-in or a pool. */
static int check_placeholders(const sim_texts_t *self, const char *t, int line, char *err, size_t errlen)
{
    for (const char *p = t; (p = strchr(p, '{'));) {
        const char *close = strchr(p, '}');
        char name[64];
        if (!close || close - p - 1 <= 0 || close - p - 1 >= (long)sizeof name)
            return errmsg_set(err, errlen, "line %d: malformed placeholder", line);
        memcpy(name, p + 1, (size_t)(close - p - 1));
        name[close - p - 1] = '\0';
        bool builtin = index_of(BUILTINS, 7, name) >= 0;
        if (!builtin && !find_pool(self, name))
            return errmsg_set(err, errlen, "line %d: unknown placeholder {%s}", line, name);
        p = close + 1;
    }
    if (strchr(t, '}') && !strchr(t, '{')) return errmsg_set(err, errlen, "line %d: stray '}'", line);
    return 0;
}

static int add_lead(sim_texts_t *self, const char *type, const char *text, int line, char *err, size_t errlen)
{
    int i = index_of(LEAD_NAMES, N_LEADS, type);
    if (i < 0) return errmsg_set(err, errlen, "line %d: unknown lead type '%s'", line, type);
    if (self->lead[i]) return errmsg_set(err, errlen, "line %d: lead '%s' defined twice", line, type);
    self->lead[i] = xstrdup(text);
    return 0;
}

static int add_template(sim_texts_t *self, const char *cat, const char *kind, const char *t, int line,
                        char *err, size_t errlen)
{
    int c = -1, k = index_of(KIND_NAMES, K_N, kind);
    for (int i = 0; i < UNITS_N_CATEGORIES; i++)
        if (strcmp(UNITS_CATEGORIES[i].code, cat) == 0) c = i;
    if (c < 0) return errmsg_set(err, errlen, "line %d: unknown category '%s'", line, cat);
    if (k < 0) return errmsg_set(err, errlen, "line %d: unknown kind '%s' (ask, issue, suggest, praise, urgent)", line, kind);
    list_add(&self->tpl[c][k], t, strlen(t));
    return 0;
}

/* One row; pass 1 reads only pools, pass 2 everything else. */
static int add_row(sim_texts_t *self, int pass, char **f, int line, char *err, size_t errlen)
{
    if (!*f[0] || !*f[1] || !*f[2]) return errmsg_set(err, errlen, "line %d: empty field", line);
    bool is_pool = strcmp(f[0], "pool") == 0;
    if (pass == 1) return is_pool ? add_pool(self, f[1], f[2], line, err, errlen) : 0;
    if (is_pool) return 0;
    if (check_placeholders(self, f[2], line, err, errlen) < 0) return -1;
    if (strcmp(f[0], "lead") == 0) return add_lead(self, f[1], f[2], line, err, errlen);
    if (strcmp(f[0], "kb") == 0) {
        if (strcmp(f[1], "answer") != 0) return errmsg_set(err, errlen, "line %d: unknown kb row '%s'", line, f[1]);
        list_add(&self->kb_answers, f[2], strlen(f[2]));
        return 0;
    }
    return add_template(self, f[0], f[1], f[2], line, err, errlen);
}

static int parse_line(sim_texts_t *self, int pass, char *s, int line, char *err, size_t errlen)
{
    size_t n = strlen(s);
    if (n && s[n - 1] == '\r') s[--n] = '\0';
    if (n == 0 || s[0] == '#') return 0;
    char *f[3] = {s, NULL, NULL};
    for (int i = 1; i < 3; i++) {
        char *tab = strchr(f[i - 1], '\t');
        if (!tab) return errmsg_set(err, errlen, "line %d: expected 3 TAB-separated fields", line);
        *tab = '\0';
        f[i] = tab + 1;
    }
    if (strchr(f[2], '\t')) return errmsg_set(err, errlen, "line %d: more than 3 fields", line);
    return add_row(self, pass, f, line, err, errlen);
}

static int parse_pass(sim_texts_t *self, int pass, const char *buf, size_t len, char *err, size_t errlen)
{
    const char *p = buf, *end = buf + len;
    char line_buf[TXT_MAX_LINE + 1];
    for (int line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > TXT_MAX_LINE) return errmsg_set(err, errlen, "line %d: longer than %d bytes", line, TXT_MAX_LINE);
        if (memchr(p, '\0', n)) return errmsg_set(err, errlen, "line %d: contains a NUL byte", line);
        memcpy(line_buf, p, n);
        line_buf[n] = '\0';
        if (parse_line(self, pass, line_buf, line, err, errlen) < 0) return -1;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

static int check_complete(const sim_texts_t *self, char *err, size_t errlen)
{
    static const char *const need_pools[] = {"via.phone", "via.web", "via.wechat", "via.app", "kb.keyword"};
    for (int c = 0; c < UNITS_N_CATEGORIES; c++)
        for (int k = 0; k < K_URGENT; k++)
            if (self->tpl[c][k].n == 0)
                return errmsg_set(err, errlen, "no '%s' template for category '%s'", KIND_NAMES[k], UNITS_CATEGORIES[c].code);
    for (int i = 0; i < N_LEADS; i++)
        if (!self->lead[i]) return errmsg_set(err, errlen, "no lead for '%s'", LEAD_NAMES[i]);
    for (size_t i = 0; i < sizeof need_pools / sizeof *need_pools; i++)
        if (!find_pool(self, need_pools[i])) return errmsg_set(err, errlen, "no pool '%s'", need_pools[i]);
    if (self->kb_answers.n == 0) return errmsg_set(err, errlen, "no 'kb answer' template");
    return 0;
}

sim_texts_t *sim_texts_load_buf(const char *buf, size_t len, char *err, size_t errlen)
{
    if (len > TXT_MAX_FILE) {
        errmsg_set(err, errlen, "text templates of %zu bytes are over the %u-byte limit", len, TXT_MAX_FILE);
        return NULL;
    }
    sim_texts_t *self = xcalloc(1, sizeof *self);
    if (parse_pass(self, 1, buf, len, err, errlen) < 0 || parse_pass(self, 2, buf, len, err, errlen) < 0 ||
        check_complete(self, err, errlen) < 0)
        sim_texts_destroy(&self);
    return self;
}

sim_texts_t *sim_texts_load_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) { errmsg_set(err, errlen, "%s: %m", path); return NULL; }
    struct stat st;
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)TXT_MAX_FILE) {
        fclose(f);
        errmsg_set(err, errlen, "%s: not a regular file of at most %u bytes", path, TXT_MAX_FILE);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t len = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    char msg[256];
    sim_texts_t *self = sim_texts_load_buf(buf, len, msg, sizeof msg);
    free(buf);
    if (!self) errmsg_set(err, errlen, "%s: %s", path, msg);
    return self;
}

void sim_texts_destroy(sim_texts_t **p)
{
    if (!p || !*p) return;
    sim_texts_t *self = *p;
    for (int c = 0; c < UNITS_N_CATEGORIES; c++)
        for (int k = 0; k < K_N; k++) list_free(&self->tpl[c][k]);
    list_free(&self->kb_answers);
    for (int i = 0; i < N_LEADS; i++) free(self->lead[i]);
    for (size_t i = 0; i < self->n_pools; i++) {
        free(self->pools[i].name);
        list_free(&self->pools[i].values);
    }
    free(self->pools);
    free(self);
    *p = NULL;
}

/* ---- filling ---- */

static void sb_add(sbuf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static const char *pick(const strlist_t *l, rng_t *r) { return l->v[rng_below(r, l->n)]; }

static const char *pool_pick(const sim_texts_t *self, const char *name, rng_t *r)
{
    const pool_t *p = find_pool(self, name);
    HL_ASSERT(p != NULL);   /* checked at load */
    return pick(&p->values, r);
}

/* Value of a built-in placeholder into buf, or NULL if name is no built-in. */
static const char *builtin(const fill_ctx_t *c, const char *name, char *buf, size_t len)
{
    const sim_text_req_t *q = c->req;
    if (strcmp(name, "street") == 0) {
        const units_street_t *s = units_street(q->street);
        return s ? s->name : "";
    }
    if (strcmp(name, "unit") == 0) {
        char svc[64];
        if (units_resolve(q->category, q->street, svc, sizeof svc) < 0) return "";
        return units_display_name(svc, buf, len);
    }
    if (strcmp(name, "date") == 0) return q->date ? q->date : "";
    if (strcmp(name, "n") == 0) { snprintf(buf, len, "%d", 2 + (int)rng_below(c->r, 8)); return buf; }
    if (strcmp(name, "num") == 0) { snprintf(buf, len, "%d", 10 + (int)rng_below(c->r, 90)); return buf; }
    if (strcmp(name, "money") == 0) { snprintf(buf, len, "%d", 100 * (8 + (int)rng_below(c->r, 293))); return buf; }
    if (strcmp(name, "via") == 0) {
        char pool[32];
        snprintf(pool, sizeof pool, "via.%s", q->channel ? q->channel : "phone");
        return find_pool(c->texts, pool) ? pool_pick(c->texts, pool, c->r) : pool_pick(c->texts, "via.phone", c->r);
    }
    return NULL;
}

/* The value of placeholder name in this text, drawn on first use. */
static const char *resolve(fill_ctx_t *c, const char *name)
{
    for (int i = 0; i < c->n_memo; i++)
        if (strcmp(c->memo[i].name, name) == 0) return c->memo[i].value;
    /* When full, the last slot is recycled: the caller copies the value at once. */
    memo_t *m = &c->memo[c->n_memo < MAX_MEMO ? c->n_memo++ : MAX_MEMO - 1];
    snprintf(m->name, sizeof m->name, "%s", name);
    m->value = builtin(c, name, m->buf, sizeof m->buf);
    if (!m->value) m->value = pool_pick(c->texts, name, c->r);
    return m->value;
}

static void fill(sbuf_t *b, const char *t, fill_ctx_t *c)
{
    for (const char *p = t; *p;) {
        const char *open = strchr(p, '{');
        if (!open) { sb_add(b, p, strlen(p)); return; }
        sb_add(b, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        char name[64];
        size_t n = (size_t)(close - open - 1);
        memcpy(name, open + 1, n);
        name[n] = '\0';
        const char *v = resolve(c, name);
        sb_add(b, v, strlen(v));
        p = close + 1;
    }
}

/* Cuts b to SIM_TEXT_MAX bytes at a UTF-8 character boundary. */
static char *finish(sbuf_t *b)
{
    if (!b->p) return xstrdup("");
    if (b->n > SIM_TEXT_MAX) {
        size_t n = SIM_TEXT_MAX;
        while (n > 0 && ((unsigned char)b->p[n] & 0xc0) == 0x80) n--;
        b->p[n] = '\0';
    }
    return b->p;
}

static int kind_for(const sim_texts_t *self, int cat, const sim_text_req_t *q)
{
    if (strcmp(q->type, "praise") == 0) return K_PRAISE;
    if (strcmp(q->type, "consult") == 0) return K_ASK;
    if (q->urgent && self->tpl[cat][K_URGENT].n > 0) return K_URGENT;
    if (strcmp(q->type, "suggest") == 0) return K_SUGGEST;
    return K_ISSUE;
}

char *sim_texts_ticket(const sim_texts_t *self, const sim_text_req_t *req, rng_t *r)
{
    int cat = -1;
    for (int i = 0; i < UNITS_N_CATEGORIES; i++)
        if (strcmp(UNITS_CATEGORIES[i].code, req->category) == 0) cat = i;
    int lead = index_of(LEAD_NAMES, LEAD_URGENT, req->type);
    HL_ASSERT(cat >= 0 && lead >= 0);
    fill_ctx_t c = {.texts = self, .req = req, .r = r};
    sbuf_t b = {0};
    const char *t = pick(&self->tpl[cat][kind_for(self, cat, req)], r);
    if (req->urgent) fill(&b, self->lead[LEAD_URGENT], &c);
    fill(&b, self->lead[lead], &c);
    fill(&b, t, &c);
    /* Work orders carry the caller's address; questions need not. */
    if (lead != 0 && !strstr(t, "{street}")) fill(&b, self->lead[LEAD_ADDRESS], &c);
    return finish(&b);
}

char *sim_texts_kb_answer(const sim_texts_t *self, const char *date, const char *street, rng_t *r)
{
    sim_text_req_t q = {.type = "consult", .category = "community", .street = street, .channel = "phone", .date = date};
    fill_ctx_t c = {.texts = self, .req = &q, .r = r};
    sbuf_t b = {0};
    fill(&b, pick(&self->kb_answers, r), &c);
    return finish(&b);
}

char *sim_texts_kb_keywords(const sim_texts_t *self, int k, rng_t *r)
{
    const pool_t *p = find_pool(self, "kb.keyword");
    size_t n = p->values.n, *idx = xmalloc(n * sizeof *idx);
    for (size_t i = 0; i < n; i++) idx[i] = i;
    sbuf_t b = {0};
    for (size_t i = 0; i < (size_t)k && i < n; i++) {
        size_t j = i + (size_t)rng_below(r, n - i), t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        if (i) sb_add(&b, "|", 1);
        sb_add(&b, p->values.v[idx[i]], strlen(p->values.v[idx[i]]));
    }
    free(idx);
    return finish(&b);
}

size_t sim_texts_count(const sim_texts_t *self, const char *category)
{
    size_t n = 0;
    for (int c = 0; c < UNITS_N_CATEGORIES; c++)
        if (strcmp(UNITS_CATEGORIES[c].code, category) == 0)
            for (int k = 0; k < K_N; k++) n += self->tpl[c][k].n;
    return n;
}
