/* classify: sorts a ticket's Chinese text into a category and unit.
 *
 * Place in the flow: intake → classify → dispatch. The classify worker calls
 * classify_text with the knowledge base as it stood at the ticket's
 * received_at; dispatch sends the ticket to `unit`, and to `alt_unit` after a
 * 退单.
 *
 * Method (no NLP library): kb_scan finds every keyword of the entries valid at
 * `at` in the text. A hit lying inside a longer hit is dropped (longest match:
 * "施工噪音" beats the "噪音" inside it). Each remaining keyword scores by its
 * length in characters, since longer phrases are more specific; a category's
 * score is WHOLE_FACTOR times the sum over its distinct keywords, plus weak
 * evidence: 2-character pieces of its longer keywords found where no whole
 * keyword matched ("工资" from "拖欠工资"), worth 2 when only one category has
 * the piece, 1 when two do. The weak layer mostly decides texts that share no
 * whole keyword with the KB, which on hand-written unseen text was a fifth of
 * the errors. Ties go to the earlier category in the category table; no evidence at all
 * means a community matter (属地). The winning category's best entry gives the
 * unit and, for a confident consultation, the answering kb_id. Nothing depends
 * on the order of hits, so the result is a pure function of (kb as of at,
 * text, type, street). Cost: O(text) index lookups plus O(hits^2).
 *
 * classify_ticket, what workers call, adds the learned model
 * (classify_model.c): its per-category scores over the text's n-grams, type,
 * street and these keyword scores decide, combined with the rules as
 * measured on the dev split (docs/CLASSIFIER.md), and whole keywords that a
 * knowledge-base update added after the shipped knowledge base (which the
 * model was trained with) count FRESH_LOGITS per point, so an update decides
 * from its valid_from on as it did with the rules alone. The choice is made
 * in integers; the result is a pure function of (model, kb as of at, text,
 * type, street). */
#include "classify.h"
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "units.h"
#include "xmalloc.h"

#define FALLBACK_ALT "unit.minzheng"
#define MAX_HITS 512              /* later hits of a pathological text are ignored */
#define KB_CONFIDENT 5            /* entry score needed to answer from the KB */
#define WHOLE_FACTOR 3            /* whole keywords vs weak evidence (see category_scores) */
#define FRESH_LOGITS 4            /* model score per point of a keyword added after training: 12 logits for a 2-character keyword, beyond the model's margin on almost any text */

typedef struct {
    const kb_entry_t *e;   /* borrowed from the kb */
    size_t pos, len;       /* bytes in the text */
    int cat;               /* index into UNITS_CATEGORIES */
    bool partial;          /* weak: a 2-character piece of a longer keyword */
    bool dropped;          /* inside a longer (whole-keyword) hit */
    bool dup_cat;          /* same text and kind as an earlier kept hit of its category */
    bool dup_entry;        /* same text as an earlier kept whole hit of its entry */
    int owner;             /* first kept whole hit of the same entry (whole hits only) */
    int escore;            /* entry score, valid where owner == own index */
} hit_t;

typedef struct {
    const char *text;
    hit_t h[MAX_HITS];
    size_t n;
} hits_t;

static const char *const TYPES[] = {"consult", "help", "complaint", "report", "suggest", "praise"};

/* Places that name a street: the street names, then villages/communities. */
static const struct { const char *name, *code; } PLACES[] = {
    {"金霞", "jinxia"}, {"珠池", "zhuchi"}, {"新津", "xinjin"}, {"龙祥", "longxiang"},
    {"鸥汀", "outing"}, {"外砂", "waisha"}, {"新溪", "xinxi"}, {"龙华", "longhua"},
    {"新海", "xinhai"}, {"龙腾", "longteng"},
    {"丹霞庄", "jinxia"},
    {"鸥上", "outing"}, {"鸥下", "outing"}, {"西畔社区", "outing"}, {"吉贝", "outing"},
    {"万石社区", "outing"}, {"草池", "outing"}, {"延陵", "outing"}, {"旦家园", "outing"},
    {"陈厝寨", "outing"}, {"蔡社", "outing"}, {"铁洲", "outing"}, {"流美", "outing"},
    {"八合村", "xinhai"}, {"七合村", "xinhai"}, {"十一合", "xinhai"}, {"六份村", "xinhai"},
    {"东升村", "xinhai"},
};

static bool valid_type(const char *type)
{
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(TYPES[i], type) == 0) return true;
    return false;
}

const char *classify_find_street(const char *text)
{
    const char *best = NULL, *best_at = NULL;
    size_t best_len = 0;
    for (size_t i = 0; text && i < sizeof PLACES / sizeof PLACES[0]; i++) {
        const char *p = strstr(text, PLACES[i].name);
        size_t l = strlen(PLACES[i].name);
        if (!p || (best_at && (p > best_at || (p == best_at && l <= best_len)))) continue;
        best = PLACES[i].code, best_at = p, best_len = l;
    }
    return best ? units_street(best)->code : NULL;
}

/* ---- hits and scores ----------------------------------------------------- */

static void on_hit(void *arg, const kb_entry_t *e, size_t pos, size_t len, bool partial)
{
    hits_t *hs = arg;
    const units_category_t *c = units_category(e->category);
    if (hs->n == MAX_HITS || !c) return;
    int cat = (int)(c - UNITS_CATEGORIES);
    /* Weak evidence counts once per (category, place): skip other entries' repeats. */
    for (size_t j = hs->n; partial && j > 0 && hs->h[j - 1].pos == pos; j--)
        if (hs->h[j - 1].partial && hs->h[j - 1].cat == cat && hs->h[j - 1].len == len) return;
    hs->h[hs->n++] = (hit_t){.e = e, .pos = pos, .len = len, .cat = cat, .partial = partial};
}

static bool covers(const hit_t *b, const hit_t *a)
{
    return b->pos <= a->pos && b->pos + b->len >= a->pos + a->len;
}

/* Longest match: a whole keyword inside a longer one is dropped, and weak
 * evidence is dropped wherever a whole keyword covers it. */
static void drop_contained(hits_t *hs)
{
    for (size_t i = 0; i < hs->n; i++)
        for (size_t j = 0; j < hs->n && !hs->h[i].dropped; j++) {
            const hit_t *a = &hs->h[i], *b = &hs->h[j];
            if (i != j && !b->partial && covers(b, a) && (b->len > a->len || a->partial))
                hs->h[i].dropped = true;
        }
}

static bool same_kw(const hits_t *hs, size_t i, size_t j)
{
    return hs->h[i].len == hs->h[j].len &&
           memcmp(hs->text + hs->h[i].pos, hs->text + hs->h[j].pos, hs->h[i].len) == 0;
}

/* Score of a whole keyword: 2 per character minus 1, so one 3-character
 * phrase outweighs one 2-character word but not two. */
static int kw_weight(const hits_t *hs, size_t i)
{
    int chars = 0;
    for (size_t b = 0; b < hs->h[i].len; b++)
        if (((unsigned char)hs->text[hs->h[i].pos + b] & 0xC0) != 0x80) chars++;
    return 2 * chars - 1;
}

/* Fills dup_cat, dup_entry, owner and the entry scores, in O(hits^2). */
static void mark_duplicates(hits_t *hs)
{
    for (size_t i = 0; i < hs->n; i++) {
        hit_t *a = &hs->h[i];
        a->owner = (int)i;
        a->escore = 0;
        for (size_t j = 0; j < i && !a->dropped; j++) {
            const hit_t *b = &hs->h[j];
            if (b->dropped || b->partial != a->partial) continue;
            bool same = same_kw(hs, i, j);
            if (same && b->cat == a->cat) a->dup_cat = true;
            if (!a->partial && b->e == a->e) {
                if (a->owner == (int)i) a->owner = (int)j;
                if (same) a->dup_entry = true;
            }
        }
        if (!a->dropped && !a->partial && !a->dup_entry) hs->h[a->owner].escore += kw_weight(hs, i);
    }
}

/* Weak evidence weighs by how specific the piece is: 2 if only one category
 * has it here, 1 if two do, else nothing. */
static int weak_weight(const hits_t *hs, size_t i)
{
    int cats = 0;
    for (size_t j = 0; j < hs->n; j++) {
        const hit_t *b = &hs->h[j];
        if (!b->dropped && b->partial && !b->dup_cat && same_kw(hs, i, j)) cats++;
    }
    return cats == 1 ? 2 : cats == 2 ? 1 : 0;
}

/* Per category: WHOLE_FACTOR x (distinct whole keywords' weights) + weak evidence. */
static void category_scores(const hits_t *hs, int score[UNITS_N_CATEGORIES])
{
    memset(score, 0, UNITS_N_CATEGORIES * sizeof *score);
    for (size_t i = 0; i < hs->n; i++) {
        const hit_t *a = &hs->h[i];
        if (a->dropped || a->dup_cat) continue;
        score[a->cat] += a->partial ? weak_weight(hs, i) : WHOLE_FACTOR * kw_weight(hs, i);
    }
}

/* Best entry of category cat: highest score, then one with an answer, then lowest id. */
static const kb_entry_t *best_entry(const hits_t *hs, int cat, int *out_score)
{
    const kb_entry_t *best = NULL;
    int bs = 0;
    for (size_t i = 0; i < hs->n; i++) {
        const hit_t *a = &hs->h[i];
        if (a->dropped || a->partial || a->cat != cat || a->owner != (int)i) continue;
        bool better = !best || a->escore > bs;
        if (best && a->escore == bs) {
            bool ea = a->e->answer[0] != '\0', ba = best->answer[0] != '\0';
            better = ea != ba ? ea : strcmp(a->e->id, best->id) < 0;
        }
        if (better) best = a->e, bs = a->escore;
    }
    *out_score = bs;
    return best;
}

/* Highest-scoring category other than skip (ties: the category table's order); -1 if none scores. */
static int top_category(const int score[UNITS_N_CATEGORIES], int skip)
{
    int best = -1;
    for (int c = 0; c < UNITS_N_CATEGORIES; c++)
        if (c != skip && score[c] > 0 && (best < 0 || score[c] > score[best])) best = c;
    return best;
}

/* ---- units --------------------------------------------------------------- */

static void resolve_entry_unit(const char *unit, const char *street, char *buf, size_t len)
{
    if (strcmp(unit, "street") == 0) snprintf(buf, len, "unit.street.%s", street ? street : UNITS_FALLBACK_STREET);
    else snprintf(buf, len, "%s", unit);
}

static void resolve_cat_unit(int cat, const char *street, char *buf, size_t len)
{
    HL_ASSERT(units_resolve(UNITS_CATEGORIES[cat].code, street ? street : UNITS_FALLBACK_STREET, buf, len) == 0);
}

static bool is_street_unit(const char *unit) { return strncmp(unit, "unit.street.", 12) == 0; }

/* Score of the best category other than best whose unit differs from unit
 * (its unit in buf), or 0 if none. */
static int runner_up(const int score[UNITS_N_CATEGORIES], int best, const char *street,
                     const char *unit, char *buf, size_t len)
{
    int tmp[UNITS_N_CATEGORIES];
    memcpy(tmp, score, sizeof tmp);
    if (best >= 0) tmp[best] = 0;
    for (int c; (c = top_category(tmp, -1)) >= 0; tmp[c] = 0) {
        resolve_cat_unit(c, street, buf, len);
        if (strcmp(buf, unit) != 0) return score[c];
    }
    return 0;
}

/* Second choice for re-dispatch after 退单. A close runner-up category wins;
 * else a department matter goes to the street office where the ticket is,
 * else any runner-up, else a fixed fallback. Always differs from out->unit. */
static void pick_alt(const int score[UNITS_N_CATEGORIES], int best, const char *street,
                     classify_result_t *out)
{
    char second[sizeof out->alt_unit];
    int s2 = runner_up(score, best, street, out->unit, second, sizeof second);
    bool dept = !is_street_unit(out->unit);
    if (s2 > 0 && 2 * s2 >= out->score) snprintf(out->alt_unit, sizeof out->alt_unit, "%s", second);
    else if (dept && street) snprintf(out->alt_unit, sizeof out->alt_unit, "unit.street.%s", street);
    else if (s2 > 0) snprintf(out->alt_unit, sizeof out->alt_unit, "%s", second);
    else if (dept) snprintf(out->alt_unit, sizeof out->alt_unit, "unit.street.%s", UNITS_FALLBACK_STREET);
    else snprintf(out->alt_unit, sizeof out->alt_unit, "%s", FALLBACK_ALT);
    HL_ASSERT(strcmp(out->alt_unit, out->unit) != 0);
}

/* ---- the learned model's choice ------------------------------------------ */

/* The shipped revision (rev 0) of e's id, or NULL if the id came later. */
static const kb_entry_t *shipped_rev(const kb_t *kb, const kb_entry_t *e)
{
    while (e && e->rev > 0) e = e->valid_from > INT64_MIN ? kb_get(kb, e->id, e->valid_from - 1) : NULL;
    return e;
}

/* True if the keyword (len bytes at kw) is one of the '|'-separated keywords of list. */
static bool has_keyword(const char *list, const char *kw, size_t len)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, "|");
        const char *s = p;
        size_t m = n;
        while (m && *s == ' ') s++, m--;
        while (m && s[m - 1] == ' ') m--;
        if (m == len && memcmp(s, kw, len) == 0) return true;
        p += n + (p[n] == '|');
    }
    return false;
}

/* Per category, the weights of whole keywords the shipped knowledge base did
 * not give that category: what kb.update added after the model was trained.
 * The model has never seen them, so they decide as the rules would
 * (FRESH_LOGITS per point of keyword weight). */
static void fresh_scores(const kb_t *kb, const hits_t *hs, int64_t fresh[UNITS_N_CATEGORIES])
{
    memset(fresh, 0, UNITS_N_CATEGORIES * sizeof *fresh);
    for (size_t i = 0; i < hs->n; i++) {
        const hit_t *a = &hs->h[i];
        if (a->dropped || a->partial || a->dup_cat || a->e->rev == 0) continue;
        const kb_entry_t *base = shipped_rev(kb, a->e);
        if (base && strcmp(base->category, a->e->category) == 0 && has_keyword(base->keywords, hs->text + a->pos, a->len))
            continue;
        fresh[a->cat] += kw_weight(hs, i);
    }
}

/* Categories ordered by z, highest first (ties: the category table's order). */
static void rank(const int64_t z[UNITS_N_CATEGORIES], int order[UNITS_N_CATEGORIES])
{
    for (int c = 0; c < UNITS_N_CATEGORIES; c++) {
        int k = c;
        while (k > 0 && z[order[k - 1]] < z[c]) order[k] = order[k - 1], k--;
        order[k] = c;
    }
}

/* alt_unit in the model modes: the most probable category with another unit
 * when at least half as probable as the choice, else the street office for a
 * department matter, else that category's unit. */
static void pick_alt_model(const classify_model_t *m, const int64_t z[UNITS_N_CATEGORIES],
                           const int order[UNITS_N_CATEGORIES], const char *street, classify_result_t *out)
{
    char other[sizeof out->alt_unit] = "";
    int oc = -1;
    for (int k = 1; k < UNITS_N_CATEGORIES && oc < 0; k++) {
        resolve_cat_unit(order[k], street, other, sizeof other);
        if (strcmp(other, out->unit) != 0) oc = order[k];
    }
    HL_ASSERT(oc >= 0);
    bool dept = !is_street_unit(out->unit);
    if (!classify_model_close(m, z, order[0], oc) && dept)
        snprintf(out->alt_unit, sizeof out->alt_unit, "unit.street.%s", street ? street : UNITS_FALLBACK_STREET);
    else
        snprintf(out->alt_unit, sizeof out->alt_unit, "%s", other);
    HL_ASSERT(strcmp(out->alt_unit, out->unit) != 0);
}

/* ---- entry points --------------------------------------------------------- */

typedef struct {
    hits_t hs;                   /* ~24 KiB; on_hit fills every field it uses */
    int score[UNITS_N_CATEGORIES];
    int best;                    /* keyword winner, -1 if no keyword matched */
    const char *street;          /* given or found in the text, NULL if none */
    const kb_t *kb;              /* borrowed */
} rules_t;

static int rules_run(const kb_t *kb, const char *text, const char *type, const char *street, int64_t at,
                     rules_t *r)
{
    if (!kb || !text || !type || !valid_type(type)) return -1;
    if (street && *street && !units_street(street)) return -1;
    r->street = street && *street ? units_street(street)->code : classify_find_street(text);
    r->kb = kb;
    r->hs.text = text;
    r->hs.n = 0;
    kb_scan(kb, text, at, on_hit, &r->hs);
    drop_contained(&r->hs);
    mark_duplicates(&r->hs);
    category_scores(&r->hs, r->score);
    r->best = top_category(r->score, -1);
    return 0;
}

/* Unit and kb_id of the chosen category best, as the rules resolve them. */
static void resolve(const rules_t *r, int best, const char *type, classify_result_t *out)
{
    int es = 0;
    const kb_entry_t *e = best_entry(&r->hs, best, &es);
    snprintf(out->category, sizeof out->category, "%s", UNITS_CATEGORIES[best].code);
    out->score = r->score[best];
    if (e) resolve_entry_unit(e->unit, r->street, out->unit, sizeof out->unit);
    else resolve_cat_unit(best, r->street, out->unit, sizeof out->unit);
    if (e && strcmp(type, "consult") == 0 && e->answer[0] && es >= KB_CONFIDENT)
        snprintf(out->kb_id, sizeof out->kb_id, "%s", e->id);
}

static void decide_rules(const rules_t *r, const char *type, classify_result_t *out)
{
    /* nothing matched: 属地, the street office */
    HL_ASSERT(strcmp(UNITS_CATEGORIES[UNITS_N_CATEGORIES - 1].code, "community") == 0);
    int best = r->best >= 0 ? r->best : UNITS_N_CATEGORIES - 1;
    resolve(r, best, type, out);
    pick_alt(r->score, r->best, r->street, out);
    int second = r->best >= 0 ? top_category(r->score, r->best) : -1;
    if (second >= 0) snprintf(out->second, sizeof out->second, "%s", UNITS_CATEGORIES[second].code);
    int s1 = r->best >= 0 ? r->score[r->best] : 0, s2 = second >= 0 ? r->score[second] : 0;
    out->confidence = s1 > 0 ? round(1000.0 * s1 / (s1 + s2)) / 1000.0 : 0.0;
}

static void decide_model(const classify_model_t *m, bool combine, const rules_t *r, const char *text,
                         const char *type, classify_result_t *out)
{
    classify_input_t in = {.text = text, .type = type, .street = r->street, .kb_best = r->best};
    memcpy(in.kb, r->score, sizeof in.kb);
    int64_t z[UNITS_N_CATEGORIES];
    int order[UNITS_N_CATEGORIES];
    classify_model_logits(m, &in, combine, z);
    if (combine) {
        int64_t fresh[UNITS_N_CATEGORIES];
        fresh_scores(r->kb, &r->hs, fresh);
        for (int c = 0; c < UNITS_N_CATEGORIES; c++) z[c] += fresh[c] * FRESH_LOGITS * CLASSIFY_MODEL_SCORE_ONE;
    }
    rank(z, order);
    resolve(r, order[0], type, out);
    snprintf(out->second, sizeof out->second, "%s", UNITS_CATEGORIES[order[1]].code);
    out->confidence = round(1000.0 * classify_model_prob(m, z, order[0])) / 1000.0;
    pick_alt_model(m, z, order, r->street, out);
}

int classify_run(const classify_model_t *m, classify_mode_t mode, const kb_t *kb, const char *text,
                 const char *type, const char *street, int64_t at, classify_result_t *out)
{
    rules_t r;
    if (!out || (mode != CLASSIFY_RULES && !m) || rules_run(kb, text, type, street, at, &r) != 0) return -1;
    memset(out, 0, sizeof *out);
    if (r.street) snprintf(out->street, sizeof out->street, "%s", r.street);
    if (mode == CLASSIFY_RULES) decide_rules(&r, type, out);
    else decide_model(m, mode == CLASSIFY_COMBINED, &r, text, type, out);
    return 0;
}

int classify_text(const kb_t *kb, const char *text, const char *type, const char *street,
                  int64_t at, classify_result_t *out)
{
    return classify_run(NULL, CLASSIFY_RULES, kb, text, type, street, at, out);
}

int classify_ticket(const classify_model_t *m, const kb_t *kb, const char *text, const char *type,
                    const char *street, int64_t at, classify_result_t *out)
{
    return classify_run(m, m ? CLASSIFY_COMBINED : CLASSIFY_RULES, kb, text, type, street, at, out);
}

int classify_input(const kb_t *kb, const char *text, const char *type, const char *street, int64_t at,
                   classify_input_t *in)
{
    rules_t r;
    if (!in || rules_run(kb, text, type, street, at, &r) != 0) return -1;
    *in = (classify_input_t){.text = text, .type = type, .street = r.street, .kb_best = r.best};
    memcpy(in->kb, r.score, sizeof in->kb);
    return 0;
}
