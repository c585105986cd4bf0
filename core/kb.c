/* kb: the knowledge base (知识库), versioned in virtual time.
 *
 * Place in the flow: the broker loads the shipped TSV and applies the
 * scenario's updates (kb.* services); workers mirror it and classify tickets
 * against it "as of" each ticket's received_at (classify.c uses kb_scan).
 *
 * Layout: ids sorted by byte order, each with its revisions sorted by
 * (valid_from, rev). "As of t" takes the last revision with valid_from <= t,
 * so a late-arriving update can never change what an earlier ticket saw.
 * A second, sorted array holds every distinct keyword of every revision with
 * its postings (which revisions carry it); kb_scan binary-searches it at each
 * character of the text instead of trying every entry's keywords. */
#include "kb.h"
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "units.h"
#include "xmalloc.h"

#define KB_ID_MAX 31

typedef struct {             /* all revisions of one id */
    char *id;                /* owned */
    kb_entry_t **revs;       /* owned; sorted by (valid_from, rev) ascending */
    size_t n, cap;
} item_t;

typedef struct {
    const item_t *item;      /* borrowed: the id the revision belongs to */
    const kb_entry_t *rev;   /* borrowed: the revision carrying the keyword */
    bool partial;            /* only a 2-character piece of one of its keywords */
} posting_t;

typedef struct {             /* one distinct keyword */
    char *s;                 /* owned, NUL-terminated */
    size_t len;              /* bytes */
    posting_t *post;         /* owned; sorted by (id, rev) */
    size_t n, cap;
} kw_t;

/* Where the keywords starting with one character lie in kws: an open-
 * addressing table keyed by that character's UTF-8 bytes, rebuilt whenever a
 * keyword is added, so kb_scan finds the range without a binary search. */
typedef struct {
    uint32_t key;            /* the character's bytes, big-endian; 0 = empty slot */
    uint32_t lo, hi;         /* kws[lo..hi) */
} first_t;

struct kb {
    item_t **items;          /* owned; sorted by id */
    size_t n, cap;
    kw_t **kws;              /* owned; sorted by bytes */
    size_t nkw, capkw;
    first_t *first;          /* owned; nfirst slots (a power of two), see first_t */
    size_t nfirst;
    bool first_stale;        /* kws changed since first was built */
    int64_t max_rev;         /* -1 when empty */
};

kb_t *kb_new(void)
{
    kb_t *self = xcalloc(1, sizeof *self);
    self->max_rev = -1;
    return self;
}

static void rev_free(kb_entry_t *e)
{
    if (!e) return;
    free((char *)e->id);
    free((char *)e->category);
    free((char *)e->unit);
    free((char *)e->keywords);
    free((char *)e->answer);
    free(e);
}

void kb_destroy(kb_t **p)
{
    if (!p || !*p) return;
    kb_t *self = *p;
    for (size_t i = 0; i < self->n; i++) {
        for (size_t r = 0; r < self->items[i]->n; r++) rev_free(self->items[i]->revs[r]);
        free(self->items[i]->revs);
        free(self->items[i]->id);
        free(self->items[i]);
    }
    for (size_t k = 0; k < self->nkw; k++) {
        free(self->kws[k]->s);
        free(self->kws[k]->post);
        free(self->kws[k]);
    }
    free(self->items);
    free(self->kws);
    free(self->first);
    free(self);
    *p = NULL;
}

/* ---- validation ---------------------------------------------------------- */

static bool has_ctl(const char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r') return true;
    return false;
}

static bool keywords_ok(const char *kw)
{
    for (const char *p = kw; *p; p++)
        if (*p != '|' && *p != ' ') return true;
    return false;
}

/* Writes the first problem of e into err (naming the field); 0 if valid. */
static int entry_check(const kb_entry_t *e, char *err, size_t errlen)
{
    if (!e->id || !*e->id || strlen(e->id) > KB_ID_MAX || strpbrk(e->id, " \t\r\n|"))
        return snprintf(err, errlen, "field id: missing, longer than %d bytes or has blanks", KB_ID_MAX), -1;
    if (e->rev < 0) return snprintf(err, errlen, "field rev: negative (%" PRId64 ")", e->rev), -1;
    if (!units_category(e->category))
        return snprintf(err, errlen, "field category: unknown category \"%s\"",
                        e->category ? e->category : ""), -1;
    if (!e->unit || (strcmp(e->unit, "street") != 0 && !units_is_unit(e->unit)))
        return snprintf(err, errlen, "field unit: unknown unit \"%s\" (want unit.<dept> or street)",
                        e->unit ? e->unit : ""), -1;
    if (!e->keywords || !keywords_ok(e->keywords))
        return snprintf(err, errlen, "field keywords: empty"), -1;
    if (has_ctl(e->keywords) || (e->answer && has_ctl(e->answer)))
        return snprintf(err, errlen, "field keywords/answer: TAB or newline inside"), -1;
    return 0;
}

/* ---- ids and revisions --------------------------------------------------- */

/* Index of the first item with id >= id; *found tells whether it is equal. */
static size_t item_lower(const kb_t *self, const char *id, bool *found)
{
    size_t lo = 0, hi = self->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(self->items[mid]->id, id) < 0) lo = mid + 1;
        else hi = mid;
    }
    *found = lo < self->n && strcmp(self->items[lo]->id, id) == 0;
    return lo;
}

static item_t *item_get_or_add(kb_t *self, const char *id)
{
    bool found;
    size_t i = item_lower(self, id, &found);
    if (found) return self->items[i];
    if (self->n == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 64;
        self->items = xrealloc(self->items, self->cap * sizeof *self->items);
    }
    memmove(&self->items[i + 1], &self->items[i], (self->n - i) * sizeof *self->items);
    item_t *it = xcalloc(1, sizeof *it);
    it->id = xstrdup(id);
    self->items[i] = it;
    self->n++;
    return it;
}

static bool rev_before(const kb_entry_t *a, const kb_entry_t *b)
{
    return a->valid_from < b->valid_from || (a->valid_from == b->valid_from && a->rev < b->rev);
}

/* The revision of it valid at time at, or NULL. */
static const kb_entry_t *item_at(const item_t *it, int64_t at)
{
    for (size_t r = it->n; r > 0; r--)
        if (it->revs[r - 1]->valid_from <= at) return it->revs[r - 1];
    return NULL;
}

static kb_entry_t *rev_copy(const kb_entry_t *e)
{
    kb_entry_t *c = xmalloc(sizeof *c);
    *c = (kb_entry_t){.id = xstrdup(e->id), .rev = e->rev, .valid_from = e->valid_from,
                      .category = xstrdup(e->category), .unit = xstrdup(e->unit),
                      .keywords = xstrdup(e->keywords), .answer = xstrdup(e->answer ? e->answer : "")};
    return c;
}

/* Detaches and returns the revision of it numbered rev, or NULL. */
static kb_entry_t *item_take(item_t *it, int64_t rev)
{
    for (size_t r = 0; r < it->n; r++) {
        if (it->revs[r]->rev != rev) continue;
        kb_entry_t *old = it->revs[r];
        memmove(&it->revs[r], &it->revs[r + 1], (it->n - r - 1) * sizeof *it->revs);
        it->n--;
        return old;
    }
    return NULL;
}

static void item_insert(item_t *it, kb_entry_t *e)
{
    if (it->n == it->cap) {
        it->cap = it->cap ? it->cap * 2 : 4;
        it->revs = xrealloc(it->revs, it->cap * sizeof *it->revs);
    }
    size_t r = it->n;
    while (r > 0 && rev_before(e, it->revs[r - 1])) r--;
    memmove(&it->revs[r + 1], &it->revs[r], (it->n - r) * sizeof *it->revs);
    it->revs[r] = e;
    it->n++;
}

/* ---- keyword index ------------------------------------------------------- */

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c) return c;
    return alen < blen ? -1 : alen > blen;
}

/* Index of the first keyword >= (s, len) in byte order. */
static size_t kw_lower(const kb_t *self, const char *s, size_t len)
{
    size_t lo = 0, hi = self->nkw;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bytes_cmp(self->kws[mid]->s, self->kws[mid]->len, s, len) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static kw_t *kw_get_or_add(kb_t *self, const char *s, size_t len)
{
    size_t i = kw_lower(self, s, len);
    if (i < self->nkw && bytes_cmp(self->kws[i]->s, self->kws[i]->len, s, len) == 0)
        return self->kws[i];
    if (self->nkw == self->capkw) {
        self->capkw = self->capkw ? self->capkw * 2 : 256;
        self->kws = xrealloc(self->kws, self->capkw * sizeof *self->kws);
    }
    memmove(&self->kws[i + 1], &self->kws[i], (self->nkw - i) * sizeof *self->kws);
    kw_t *k = xcalloc(1, sizeof *k);
    k->s = xstrndup(s, len);
    k->len = len;
    self->kws[i] = k;
    self->nkw++;
    self->first_stale = true;
    return k;
}

static bool posting_before(const posting_t *a, const posting_t *b)
{
    int c = strcmp(a->item->id, b->item->id);
    return c < 0 || (c == 0 && a->rev->rev < b->rev->rev);
}

/* Adds one posting, keeping (id, rev) order. A revision is posted once per
 * keyword text; a whole-keyword posting wins over a partial one. */
static void kw_post(kw_t *k, const item_t *it, const kb_entry_t *e, bool partial)
{
    posting_t p = {it, e, partial};
    for (size_t i = 0; i < k->n; i++)
        if (k->post[i].rev == e) {
            k->post[i].partial = k->post[i].partial && partial;
            return;
        }
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 4;
        k->post = xrealloc(k->post, k->cap * sizeof *k->post);
    }
    size_t i = k->n;
    while (i > 0 && posting_before(&p, &k->post[i - 1])) i--;
    memmove(&k->post[i + 1], &k->post[i], (k->n - i) * sizeof *k->post);
    k->post[i] = p;
    k->n++;
}

static size_t utf8_len(unsigned char c);

/* Posts the keyword s (n bytes) and, for keywords of 3+ CJK characters, each
 * 2-character piece of it as a partial posting (classify's weak evidence). */
static void index_keyword(kb_t *self, const item_t *it, const kb_entry_t *e, const char *s, size_t n)
{
    kw_post(kw_get_or_add(self, s, n), it, e, false);
    size_t a = 0, b, c, nch = 0;
    for (size_t i = 0; i < n; i += utf8_len((unsigned char)s[i])) {
        if ((unsigned char)s[i] < 0xE0) return;   /* ASCII, digits, short scripts: whole only */
        nch++;
    }
    for (; nch >= 3 && a < n; a = b) {
        b = a + utf8_len((unsigned char)s[a]);
        if (b >= n) break;
        c = b + utf8_len((unsigned char)s[b]);
        if (c > n) break;
        kw_post(kw_get_or_add(self, s + a, c - a), it, e, true);
    }
}

static void index_add(kb_t *self, const item_t *it, const kb_entry_t *e)
{
    const char *p = e->keywords;
    while (*p) {
        size_t len = strcspn(p, "|");
        const char *s = p;
        size_t n = len;
        while (n && *s == ' ') s++, n--;          /* tolerate "a | b" */
        while (n && s[n - 1] == ' ') n--;
        if (n) index_keyword(self, it, e, s, n);
        p += len;
        if (*p == '|') p++;
    }
}

/* Drops every posting of revision e (used when an (id, rev) is replaced). */
static void index_remove(kb_t *self, const kb_entry_t *e)
{
    for (size_t k = 0; k < self->nkw; k++) {
        kw_t *w = self->kws[k];
        size_t o = 0;
        for (size_t i = 0; i < w->n; i++)
            if (w->post[i].rev != e) w->post[o++] = w->post[i];
        w->n = o;
    }
}

/* ---- public API ---------------------------------------------------------- */

static void first_build(kb_t *self);

int kb_put(kb_t *self, const kb_entry_t *e)
{
    char why[256];
    if (!self || !e) return -1;
    if (entry_check(e, why, sizeof why) < 0) {
        log_warn("kb entry rejected", "id=%s rev=%" PRId64 " why=\"%s\"", e->id ? e->id : "-", e->rev, why);
        return -1;
    }
    kb_entry_t *c = rev_copy(e); /* first: e may be the very revision replaced below */
    item_t *it = item_get_or_add(self, c->id);
    kb_entry_t *old = item_take(it, c->rev);
    if (old) {
        index_remove(self, old);
        rev_free(old);
    }
    item_insert(it, c);
    index_add(self, it, c);
    if (self->first_stale) first_build(self);
    if (c->rev > self->max_rev) self->max_rev = c->rev;
    return 0;
}

size_t kb_count(const kb_t *self) { return self ? self->n : 0; }

const kb_entry_t *kb_entry_at(const kb_t *self, size_t i)
{
    if (!self || i >= self->n) return NULL;
    return item_at(self->items[i], INT64_MAX);
}

const kb_entry_t *kb_get(const kb_t *self, const char *id, int64_t at)
{
    bool found;
    if (!self || !id) return NULL;
    size_t i = item_lower(self, id, &found);
    return found ? item_at(self->items[i], at) : NULL;
}

int64_t kb_max_rev(const kb_t *self) { return self ? self->max_rev : -1; }

/* Bytes in the UTF-8 character starting with c (1 for stray bytes). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8) return 4;
    if (c >= 0xE0) return c < 0xF0 ? 3 : 1;
    if (c >= 0xC0) return 2;
    return 1;
}

static uint32_t char_key(const char *s, size_t cl)
{
    uint32_t k = 0;
    for (size_t i = 0; i < cl; i++) k = k << 8 | (unsigned char)s[i];
    return k;
}

static size_t first_slot(const kb_t *self, uint32_t key)
{
    size_t i = (size_t)(key * 2654435761u) & (self->nfirst - 1);
    while (self->first[i].key && self->first[i].key != key) i = (i + 1) & (self->nfirst - 1);
    return i;
}

/* Groups kws by first character (they are sorted, so each group is one run). */
static void first_build(kb_t *self)
{
    size_t want = 64;
    while (want < 2 * self->nkw) want *= 2;
    if (want != self->nfirst) {
        free(self->first);
        self->first = xcalloc(want, sizeof *self->first);
        self->nfirst = want;
    } else {
        memset(self->first, 0, want * sizeof *self->first);
    }
    for (size_t k = 0; k < self->nkw;) {
        const kw_t *w = self->kws[k];
        size_t cl = utf8_len((unsigned char)w->s[0]);
        if (cl > w->len) cl = w->len;
        uint32_t key = char_key(w->s, cl);
        size_t end = k + 1;
        while (end < self->nkw && self->kws[end]->len >= cl && memcmp(self->kws[end]->s, w->s, cl) == 0) end++;
        if (key) {
            first_t *f = &self->first[first_slot(self, key)];
            f->key = key;
            f->lo = (uint32_t)k;
            f->hi = (uint32_t)end;
        }
        k = end;
    }
    self->first_stale = false;
}

void kb_scan(const kb_t *self, const char *text, int64_t at, kb_hit_fn fn, void *arg)
{
    if (!self || !text || !fn || !self->nfirst) return;
    size_t tlen = strlen(text);
    for (size_t pos = 0; pos < tlen;) {
        size_t cl = utf8_len((unsigned char)text[pos]);
        if (pos + cl > tlen) cl = tlen - pos;
        /* Keywords starting with this character are one run of kws. */
        const first_t *f = &self->first[first_slot(self, char_key(text + pos, cl))];
        for (size_t k = f->lo; k < f->hi; k++) {
            const kw_t *w = self->kws[k];
            if (w->len > tlen - pos || memcmp(w->s + cl, text + pos + cl, w->len - cl) != 0) continue;
            for (size_t i = 0; i < w->n; i++)
                if (item_at(w->post[i].item, at) == w->post[i].rev)
                    fn(arg, w->post[i].rev, pos, w->len, w->post[i].partial);
        }
        pos += cl;
    }
}

/* ---- TSV ----------------------------------------------------------------- */

/* Splits line (modified in place) on TABs into at most max fields. */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++) {
        if (*p != '\t') continue;
        *p = '\0';
        if (n == max) return max + 1;
        f[n++] = p + 1;
    }
    return n;
}

static bool blank(const char *s)
{
    return s[strspn(s, " \t\r")] == '\0';
}

/* Parses one data line into e; 0, or -1 with err naming the line. */
static int tsv_line(char *line, int lineno, int64_t valid_from, kb_entry_t *e, char *err, size_t errlen)
{
    char *f[5], why[200];
    size_t l = strlen(line);
    if (l && line[l - 1] == '\r') line[l - 1] = '\0';
    int n = split_tabs(line, f, 5);
    if (n != 5) {
        snprintf(err, errlen, "line %d: expected 5 TAB-separated fields "
                 "(id, category, unit, keywords, answer), got %s%d", lineno, n > 5 ? "more than " : "", n > 5 ? 5 : n);
        return -1;
    }
    *e = (kb_entry_t){.id = f[0], .rev = 0, .valid_from = valid_from, .category = f[1],
                      .unit = f[2], .keywords = f[3], .answer = f[4]};
    if (entry_check(e, why, sizeof why) < 0) {
        snprintf(err, errlen, "line %d: %s", lineno, why);
        return -1;
    }
    return 0;
}

/* Parses every line of the copy buf into *out (borrowing buf); -1 on error. */
static int tsv_parse(char *buf, int64_t valid_from, kb_entry_t **out, size_t *nout, char *err, size_t errlen)
{
    size_t n = 0, cap = 64;
    kb_entry_t *v = xmalloc(cap * sizeof *v);
    int lineno = 0;
    for (char *line = buf, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (line[0] == '#' || blank(line)) continue;
        if (n == cap) v = xrealloc(v, (cap *= 2) * sizeof *v);
        if (tsv_line(line, lineno, valid_from, &v[n], err, errlen) < 0) goto fail;
        for (size_t i = 0; i < n; i++)
            if (strcmp(v[i].id, v[n].id) == 0) {
                snprintf(err, errlen, "line %d: field id: duplicate id \"%s\"", lineno, v[n].id);
                goto fail;
            }
        n++;
    }
    *out = v;
    *nout = n;
    return 0;
fail:
    free(v);
    return -1;
}

int kb_load_tsv_buf(kb_t *self, const char *buf, size_t len, int64_t valid_from, char *err, size_t errlen)
{
    if (!self || !buf) return snprintf(err, errlen, "kb_load_tsv_buf: no kb or buffer"), -1;
    if (memchr(buf, '\0', len)) return snprintf(err, errlen, "NUL byte in knowledge-base text"), -1;
    char *copy = xstrndup(buf, len);
    kb_entry_t *v;
    size_t n;
    int rc = tsv_parse(copy, valid_from, &v, &n, err, errlen);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++) HL_ASSERT(kb_put(self, &v[i]) == 0); /* validated above */
        free(v);
    } else {
        log_warn("knowledge base rejected", "why=\"%s\"", err);
    }
    free(copy);
    return rc;
}

int kb_load_tsv_file(kb_t *self, const char *path, int64_t valid_from, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) return snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)), -1;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[65536];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got > cap) buf = xrealloc(buf, cap = (len + got) * 2);
        memcpy(buf + len, chunk, got);
        len += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return snprintf(err, errlen, "%s: read error", path), -1;
    }
    char inner[512];
    int rc = kb_load_tsv_buf(self, buf ? buf : "", len, valid_from, inner, sizeof inner);
    if (rc < 0) snprintf(err, errlen, "%s: %s", path, inner);
    free(buf);
    return rc;
}
