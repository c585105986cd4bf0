/* classify_feat: the learned classifier's features (see classify_feat.h).
 *
 * Place in the flow: classify.c runs the keyword rules, then classify_model
 * scores these features; hotline-train (classify_train.c) builds its
 * vocabulary and training rows from the same function.
 *
 * Cost: one pass to normalise, one to cut n-grams; a small open-addressing
 * set keeps each distinct n-gram once with its count. Everything is integer
 * (the logarithm is a table) except one correctly rounded sqrt and division
 * per n-gram (IEEE 754), so every machine computes the same values. */
#include "classify_feat.h"
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rng.h"
#include "xmalloc.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define NO_CP 0xFFFFFFFFu

typedef struct {
    const char *s;     /* into the normalised buffer */
    uint32_t len;      /* bytes */
    uint32_t tf;       /* occurrences in the text */
    uint64_t h;
} gram_t;

/* 1 + ln(tf) times CLASSIFY_FEAT_ONE, rounded, for tf = 1 .. 64 (more counts
 * as 64): a table, so that no libm logarithm (which may differ in the last
 * bit between machines) decides a feature value. */
static const int32_t LOG_TF[64] = {
    65536, 110962, 137535, 156388, 171012, 182961, 193063, 201814,
    209533, 216438, 222684, 228387, 233633, 238489, 243011, 247240,
    251213, 254959, 258503, 261864, 265062, 268111, 271024, 273813,
    276488, 279059, 281532, 283915, 286215, 288437, 290586, 292666,
    294683, 296640, 298539, 300385, 302181, 303929, 305631, 307290,
    308909, 310488, 312030, 313537, 315009, 316450, 317859, 319239,
    320590, 321914, 323212, 324485, 325733, 326958, 328161, 329341,
    330501, 331641, 332761, 333863, 334946, 336012, 337060, 338093,
};

static int64_t log_tf(uint32_t tf) { return LOG_TF[(tf < 64 ? tf : 64) - 1]; }

typedef struct {       /* scratch for one text; one allocation */
    char *buf;         /* normalised UTF-8, separators removed */
    uint32_t *pos;     /* byte offset of each character in buf, and the end */
    uint32_t *seg;     /* run number of each character */
    gram_t *g;         /* distinct n-grams, text order */
    uint32_t *slot;    /* set of g indices + 1, nslot (a power of two) */
    size_t nch, ng, nslot;
} scratch_t;

uint64_t classify_feat_hash(const char *name, size_t len) { return rng_hash(FNV_OFFSET, name, len); }

/* Decodes one UTF-8 character; *cp = NO_CP for a malformed byte (1 byte used). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t need = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : s[0] >= 0xE0 && s[0] < 0xF0 ? 3
                : s[0] >= 0xF0 && s[0] < 0xF5 ? 4 : 0;
    *cp = NO_CP;
    if (need == 0 || need > n) return 1;
    uint32_t c = need == 1 ? s[0] : (uint32_t)(s[0] & (0x7F >> need));
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) return 1;
        c = c << 6 | (s[i] & 0x3F);
    }
    *cp = c;
    return need;
}

static size_t utf8_encode(uint32_t c, char *out)
{
    if (c < 0x80) return out[0] = (char)c, 1;
    if (c < 0x800) return out[0] = (char)(0xC0 | c >> 6), out[1] = (char)(0x80 | (c & 0x3F)), 2;
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12), out[1] = (char)(0x80 | (c >> 6 & 0x3F)), out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18), out[1] = (char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (char)(0x80 | (c >> 6 & 0x3F)), out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* The character as the model sees it, or 0 for a separator. */
static uint32_t normalise(uint32_t c)
{
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;                       /* full-width ASCII */
    if (c == NO_CP) return 0;
    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z') return c + 32;
        if (c >= '0' && c <= '9') return '0';
        return c >= 'a' && c <= 'z' ? c : 0;
    }
    if (c <= 0xBF || (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF5F && c <= 0xFF65))
        return 0;                                                       /* spaces and punctuation */
    return c;
}

static void scratch_init(scratch_t *s, const char *text)
{
    size_t tlen = strlen(text), maxc = tlen < CLASSIFY_FEAT_MAX_CHARS ? tlen : CLASSIFY_FEAT_MAX_CHARS;
    s->nslot = 16;
    while (s->nslot < 6 * maxc + 2) s->nslot *= 2;
    s->buf = xmalloc(4 * maxc + 1);
    s->pos = xmalloc((maxc + 1) * sizeof *s->pos);
    s->seg = xmalloc((maxc + 1) * sizeof *s->seg);
    s->g = xmalloc((3 * maxc + 1) * sizeof *s->g);
    s->slot = xcalloc(s->nslot, sizeof *s->slot);
    s->nch = s->ng = 0;
    size_t b = 0;
    uint32_t run = 0;
    bool sep = false;
    for (size_t i = 0; i < tlen && s->nch < maxc;) {
        uint32_t cp;
        i += utf8_decode((const unsigned char *)text + i, tlen - i, &cp);
        cp = normalise(cp);
        if (!cp) { sep = true; continue; }
        if (sep && s->nch) run++;
        sep = false;
        s->pos[s->nch] = (uint32_t)b;
        s->seg[s->nch++] = run;
        b += utf8_encode(cp, s->buf + b);
    }
    s->pos[s->nch] = (uint32_t)b;
}

static void scratch_free(scratch_t *s)
{
    free(s->buf);
    free(s->pos);
    free(s->seg);
    free(s->g);
    free(s->slot);
}

/* Adds the n-gram of n characters at character i, or counts it again. */
static void add_gram(scratch_t *s, size_t i, size_t n)
{
    gram_t g = {s->buf + s->pos[i], s->pos[i + n] - s->pos[i], 1, 0};
    g.h = classify_feat_hash(g.s, g.len);
    size_t k = (size_t)((g.h * 0x9E3779B97F4A7C15ULL) >> 32) & (s->nslot - 1);
    for (; s->slot[k]; k = (k + 1) & (s->nslot - 1)) {
        gram_t *o = &s->g[s->slot[k] - 1];
        if (o->h == g.h && o->len == g.len && memcmp(o->s, g.s, g.len) == 0) {
            o->tf++;
            return;
        }
    }
    s->g[s->ng] = g;
    s->slot[k] = (uint32_t)++s->ng;
}

static void special(classify_feat_fn fn, void *arg, const char *prefix, const char *code, int32_t value)
{
    char name[48];
    int n = snprintf(name, sizeof name, "%s%s", prefix, code);
    fn(arg, name, (size_t)n, classify_feat_hash(name, (size_t)n), value);
}

void classify_feat_each(const classify_input_t *in, classify_feat_fn fn, void *arg)
{
    scratch_t s;
    scratch_init(&s, in->text ? in->text : "");
    for (size_t i = 0; i < s.nch; i++)
        for (size_t n = 1; n <= 3 && i + n <= s.nch && s.seg[i + n - 1] == s.seg[i]; n++) add_gram(&s, i, n);
    int64_t sumsq = 0;                 /* < 3 * 4096 * 338093^2 < 2^53: exact as a double */
    for (size_t i = 0; i < s.ng; i++) sumsq += log_tf(s.g[i].tf) * log_tf(s.g[i].tf);
    double norm = sqrt((double)sumsq);
    for (size_t i = 0; i < s.ng; i++)
        fn(arg, s.g[i].s, s.g[i].len, s.g[i].h, (int32_t)lround((double)log_tf(s.g[i].tf) * CLASSIFY_FEAT_ONE / norm));
    scratch_free(&s);

    special(fn, arg, "#t:", in->type ? in->type : "-", CLASSIFY_FEAT_ONE);
    special(fn, arg, "#s:", in->street && in->street[0] ? in->street : "-", CLASSIFY_FEAT_ONE);
    for (int c = 0; c < UNITS_N_CATEGORIES; c++) {
        if (in->kb[c] <= 0) continue;
        int k = in->kb[c] < CLASSIFY_FEAT_KB_CAP ? in->kb[c] : CLASSIFY_FEAT_KB_CAP;
        special(fn, arg, "#k:", UNITS_CATEGORIES[c].code, (int32_t)((int64_t)k * CLASSIFY_FEAT_ONE / CLASSIFY_FEAT_KB_CAP));
    }
    special(fn, arg, "#w:", in->kb_best >= 0 ? UNITS_CATEGORIES[in->kb_best].code : "-", CLASSIFY_FEAT_ONE);
}
