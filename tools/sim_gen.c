/* sim_gen: turns a scenario into the simulator's feed: tickets and
 * knowledge-base updates with virtual times, sorted by (time, id).
 * Every draw comes from a keyed stream (core/rng.h) on (seed, ticket id,
 * stage), so the feed depends on the scenario and the seed only. Counts the
 * scenario fixes come out exactly: months get their tickets by largest-
 * remainder apportionment, and praise and urgent tickets are chosen as exact
 * samples; everything else follows the weights. Dates are CST civil dates,
 * computed here without the C library's time zone functions. */
#include "sim_gen.h"
#include "calendar.h"
#include "errmsg.h"
#include "sim_text.h"
#include "units.h"
#include "xmalloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DAY 86400
#define N_CAT_BY 7   /* consult help complaint report suggest praise urgent */
static const char *const CAT_BY[N_CAT_BY] = {"consult", "help", "complaint", "report",
                                            "suggest", "praise", "urgent"};
enum { BY_PRAISE = 5, BY_URGENT = 6 };

struct sim_feed {
    sim_item_t *items;        /* owned, with their strings */
    size_t n;
};

/* One [mix.*] section: labels (static strings) and their weights. */
typedef struct {
    const char *label[SCENARIO_MIX_MAX];
    double w[SCENARIO_MIX_MAX];
    size_t n;
} mix_t;

/* A stretch of one calendar month inside [from, to). */
typedef struct {
    int64_t start, end;       /* Unix seconds */
    int month;                /* 0..11 */
} span_t;

typedef struct {
    const scenario_t *scn;
    uint64_t seed;
    sim_texts_t *texts;       /* owned */
    mix_t type, month, weekday, hour, street, channel, cat[N_CAT_BY];
    int64_t received, urgent, praise, kb_updates;
    double p_repeat;          /* [model] p.repeat: a call that repeats a recent one (重复件) */
    char prefix[20];
    int width;                /* digits of the ticket number */
} gen_t;

/* ---- CST civil dates ---- */

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
static int64_t cst_day(int64_t t) { return floor_div(t + CAL_TZ_OFFSET, DAY); }
static int64_t day_start(int64_t d) { return d * DAY - CAL_TZ_OFFSET; }
/* 0 = Monday; day 0 (1970-01-01) was a Thursday. */
static int weekday(int64_t d) { return (int)(((d + 3) % 7 + 7) % 7); }

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400), yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097), doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The calendar months overlapping [from, to), clipped; *n receives the count. */
static span_t *month_spans(int64_t from, int64_t to, size_t *n)
{
    size_t cap = (size_t)((to - from) / (28 * DAY)) + 2, k = 0;
    span_t *s = xmalloc(cap * sizeof *s);
    int y, m, d;
    civil_from_days(cst_day(from), &y, &m, &d);
    for (int64_t t = from; t < to; k++) {
        HL_ASSERT(k < cap);
        int ny = y + (m == 12), nm = m == 12 ? 1 : m + 1;
        int64_t next = day_start(days_from_civil(ny, nm, 1));
        s[k] = (span_t){t, next < to ? next : to, m - 1};
        t = s[k].end;
        y = ny;
        m = nm;
    }
    *n = k;
    return s;
}

static int64_t month_seconds(int64_t t)
{
    int y, m, d;
    civil_from_days(cst_day(t), &y, &m, &d);
    return (days_from_civil(y + (m == 12), m == 12 ? 1 : m + 1, 1) - days_from_civil(y, m, 1)) * DAY;
}

/* ---- weights ---- */

static int mix_load(const scenario_t *scn, const char *section, mix_t *m)
{
    m->n = scenario_mix_labels(section, m->label, SCENARIO_MIX_MAX);
    return scenario_mix(scn, section, m->w, SCENARIO_MIX_MAX);
}

static size_t mix_pick(const mix_t *m, rng_t *r)
{
    double total = 0;
    size_t last = 0;
    for (size_t i = 0; i < m->n; i++) {
        total += m->w[i];
        if (m->w[i] > 0) last = i;
    }
    double x = rng_double(r) * total;
    for (size_t i = 0; i < m->n; i++) {
        x -= m->w[i];
        if (x < 0 && m->w[i] > 0) return i;
    }
    return last;   /* rounding at the top end */
}

/* Splits total into out[] in proportion to w[] (largest remainder; ties go
 * to the lower index), so the parts sum to total exactly. */
static void apportion(const double *w, size_t n, int64_t total, int64_t *out)
{
    double sum = 0, *rem = xmalloc((n ? n : 1) * sizeof *rem);
    for (size_t i = 0; i < n; i++) sum += w[i];
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        double q = sum > 0 ? (double)total * w[i] / sum : 0;
        out[i] = (int64_t)q;
        rem[i] = q - (double)out[i];
        given += out[i];
    }
    for (; given < total && n > 0; given++) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (rem[i] > rem[best]) best = i;
        out[best]++;
        rem[best] = -1;
    }
    free(rem);
}

/* ---- setup ---- */

static sim_texts_t *load_texts(const scenario_t *scn, char *err, size_t errlen)
{
    const char *name = scenario_get(scn, "scenario", "texts"), *path = scenario_path(scn);
    if (!name) { errmsg_set(err, errlen, "scenario: [scenario] lacks 'texts'"); return NULL; }
    char *file = NULL;
    struct stat st;
    if (path) {
        const char *slash = strrchr(path, '/');
        file = xasprintf("%.*s%s", slash ? (int)(slash - path + 1) : 0, path, name);
        if (stat(file, &st) != 0) { free(file); file = NULL; }
    }
    if (!file) file = xasprintf("%s/scenarios/%s", hotline_datadir(), name);
    sim_texts_t *t = sim_texts_load_file(file, err, errlen);
    free(file);
    return t;
}

static int load_mixes(gen_t *g, char *err, size_t errlen)
{
    mix_t base;
    if (mix_load(g->scn, "mix.type", &g->type) < 0 || mix_load(g->scn, "mix.month", &g->month) < 0 ||
        mix_load(g->scn, "mix.weekday", &g->weekday) < 0 || mix_load(g->scn, "mix.hour", &g->hour) < 0 ||
        mix_load(g->scn, "mix.street", &g->street) < 0 || mix_load(g->scn, "mix.channel", &g->channel) < 0 ||
        mix_load(g->scn, "mix.category", &base) < 0)
        return errmsg_set(err, errlen, "scenario: cannot read the [mix.*] sections");
    for (int i = 0; i < N_CAT_BY; i++) {
        char section[64];
        snprintf(section, sizeof section, "mix.category.%s", CAT_BY[i]);
        if (mix_load(g->scn, section, &g->cat[i]) <= 0) g->cat[i] = base;
    }
    return 0;
}

static int gen_init(gen_t *g, const scenario_t *scn, uint64_t seed, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->scn = scn;
    g->seed = seed;
    g->received = (int64_t)scenario_num(scn, "counts", "received", 0);
    g->urgent = (int64_t)scenario_num(scn, "counts", "urgent", 0);
    g->praise = (int64_t)scenario_num(scn, "counts", "praise", 0);
    g->kb_updates = (int64_t)scenario_num(scn, "counts", "kb_updates", 0);
    g->p_repeat = scenario_num(scn, "model", "p.repeat", 0);
    const char *prefix = scenario_get(scn, "scenario", "id_prefix");
    snprintf(g->prefix, sizeof g->prefix, "%s", prefix ? prefix : "SIM");
    g->width = 6;
    for (int64_t n = g->received; n >= 1000000; n /= 10) g->width++;
    size_t kb_width = 4;
    for (int64_t n = g->kb_updates; n >= 10000; n /= 10) kb_width++;
    size_t need = strlen(g->prefix) + 2 + (kb_width > (size_t)g->width ? kb_width : (size_t)g->width);
    if (need >= sizeof((sim_item_t *)0)->id)
        return errmsg_set(err, errlen, "scenario: id_prefix '%s' too long for the ids of these counts", g->prefix);
    if (load_mixes(g, err, errlen) < 0) return -1;
    g->texts = load_texts(scn, err, errlen);
    return g->texts ? 0 : -1;
}

/* ---- tickets ---- */

static int64_t pick_day(const gen_t *g, int64_t d0, int64_t d1, rng_t *r)
{
    double total = 0;
    for (int64_t d = d0; d <= d1; d++) total += g->weekday.w[weekday(d)];
    double x = rng_double(r) * total;
    for (int64_t d = d0; d <= d1; d++) {
        x -= g->weekday.w[weekday(d)];
        if (x < 0) return d;
    }
    return d1;
}

/* A receipt time inside span s, by weekday and hour weights. */
static int64_t draw_time(const gen_t *g, const span_t *s, rng_t *r)
{
    int64_t d0 = cst_day(s->start), d1 = cst_day(s->end - 1);
    for (int tries = 0; tries < 64; tries++) {
        int64_t t = day_start(pick_day(g, d0, d1, r)) + 3600 * (int64_t)mix_pick(&g->hour, r) +
                    (int64_t)rng_below(r, 3600);
        if (t >= s->start && t < s->end) return t;
    }
    return s->start + (int64_t)rng_below(r, (uint64_t)(s->end - s->start));
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Receipt times (month counts exact), sorted, then ids in time order. */
static void gen_times(const gen_t *g, sim_feed_t *f)
{
    size_t ns;
    span_t *spans = month_spans(scenario_from(g->scn), scenario_to(g->scn), &ns);
    double *w = xmalloc(ns * sizeof *w);
    int64_t *count = xmalloc(ns * sizeof *count), *at = xmalloc(((size_t)g->received + 1) * sizeof *at);
    for (size_t i = 0; i < ns; i++)
        w[i] = g->month.w[spans[i].month] * (double)(spans[i].end - spans[i].start) / (double)month_seconds(spans[i].start);
    apportion(w, ns, g->received, count);
    int64_t k = 0;
    for (size_t i = 0; i < ns; i++)
        for (int64_t j = 0; j < count[i]; j++, k++) {
            rng_t r;
            rng_key(&r, g->seed, "gen", "time", (int)k);
            at[k] = draw_time(g, &spans[i], &r);
        }
    qsort(at, (size_t)g->received, sizeof *at, cmp_i64);
    for (k = 0; k < g->received; k++) {
        sim_item_t *it = &f->items[f->n++];
        it->kind = SIM_TICKET;
        it->at = at[k];
        int len = snprintf(it->id, sizeof it->id, "%s-%0*lld", g->prefix, g->width, (long long)(k + 1));
        HL_ASSERT(len > 0 && (size_t)len < sizeof it->id);   /* lengths checked in gen_init */
    }
    free(spans);
    free(w);
    free(count);
    free(at);
}

/* Moves k randomly chosen elements of pool[0..n) to its front. */
static void sample(size_t *pool, size_t n, size_t k, rng_t *r)
{
    for (size_t i = 0; i < k && i < n; i++) {
        size_t j = i + (size_t)rng_below(r, n - i), t = pool[i];
        pool[i] = pool[j];
        pool[j] = t;
    }
}

static bool urgent_capable(const char *type)
{
    return strcmp(type, "help") == 0 || strcmp(type, "complaint") == 0 || strcmp(type, "report") == 0;
}

/* Exactly praise praise tickets, weighted types for the rest, then exactly
 * urgent urgent ones among help, complaint and report. */
static int gen_types(const gen_t *g, sim_feed_t *f, char *err, size_t errlen)
{
    size_t n = (size_t)g->received, *pool = xmalloc((n + 1) * sizeof *pool), m = 0;
    rng_t r;
    for (size_t i = 0; i < n; i++) pool[i] = i;
    rng_key(&r, g->seed, "gen", "praise", 0);
    sample(pool, n, (size_t)g->praise, &r);
    for (size_t i = 0; i < (size_t)g->praise; i++) f->items[pool[i]].type = "praise";
    for (size_t i = 0; i < n; i++) {
        sim_item_t *it = &f->items[i];
        if (it->type) continue;
        rng_key(&r, g->seed, it->id, "gen.type", 0);
        it->type = g->type.label[mix_pick(&g->type, &r)];
        if (urgent_capable(it->type)) pool[m++] = i;
    }
    if ((int64_t)m < g->urgent) {
        free(pool);
        return errmsg_set(err, errlen, "scenario: %zu help/complaint/report tickets, fewer than %lld urgent", m,
                    (long long)g->urgent);
    }
    rng_key(&r, g->seed, "gen", "urgent", 0);
    sample(pool, m, (size_t)g->urgent, &r);
    for (size_t i = 0; i < (size_t)g->urgent; i++) f->items[pool[i]].urgent = true;
    free(pool);
    return 0;
}

static void draw_caller(char *out, size_t len, rng_t *r)
{
    char second = "358"[rng_below(r, 3)];
    int third = (int)rng_below(r, 10);
    if (second == '5' && third == 4) third = 9;   /* no 154 numbers */
    snprintf(out, len, "1%c%d%08llu", second, third, (unsigned long long)rng_below(r, 100000000));
}

/* "M月D日" of a day shortly before t, for texts that mention a date. */
static void recent_date(int64_t t, rng_t *r, char *buf, size_t len)
{
    int y, m, d;
    civil_from_days(cst_day(t) - 1 - (int64_t)rng_below(r, 10), &y, &m, &d);
    snprintf(buf, len, "%d月%d日", m, d);
}

static void gen_details(const gen_t *g, sim_feed_t *f)
{
    for (size_t i = 0; i < (size_t)g->received; i++) {
        sim_item_t *it = &f->items[i];
        rng_t r;
        rng_key(&r, g->seed, it->id, "gen.ticket", 0);
        int by = it->urgent ? BY_URGENT : strcmp(it->type, "praise") == 0 ? BY_PRAISE : 0;
        if (by == 0)
            while (strcmp(CAT_BY[by], it->type) != 0) by++;
        it->street = g->street.label[mix_pick(&g->street, &r)];
        it->category = g->cat[by].label[mix_pick(&g->cat[by], &r)];
        it->channel = it->urgent ? "phone" : g->channel.label[mix_pick(&g->channel, &r)];
        draw_caller(it->caller, sizeof it->caller, &r);
        char date[32];
        recent_date(it->at, &r, date, sizeof date);
        sim_text_req_t q = {it->type, it->urgent, it->category, it->street, it->channel, date};
        it->text = sim_texts_ticket(g->texts, &q, &r);
    }
}

/* 重复件: with probability p.repeat a complaint, help, report or suggestion
 * is the same caller calling again about a matter raised within the last two
 * days, in nearly the same words. The broker should merge it into the first
 * call. Urgent and praise calls are left alone, so their counts hold. */
#define REPEAT_WITHIN (2 * 86400)
static bool repeatable(const sim_item_t *it) { return !it->urgent && strcmp(it->type, "praise") && strcmp(it->type, "consult"); }

static const char *const AGAIN[] = {"再次来电：", "市民再次来电反映，", "来电人称之前反映过，至今未解决：", "又来电催问："};
#define N_AGAIN (sizeof AGAIN / sizeof *AGAIN)

static bool is_repeat(const char *text)
{
    for (size_t k = 0; k < N_AGAIN; k++)
        if (strncmp(text, AGAIN[k], strlen(AGAIN[k])) == 0) return true;
    return false;
}

static void gen_repeats(const gen_t *g, sim_feed_t *f)
{
    if (g->p_repeat <= 0) return;
    for (size_t i = 1; i < (size_t)g->received; i++) {
        sim_item_t *it = &f->items[i];
        rng_t r;
        rng_key(&r, g->seed, it->id, "gen.repeat", 0);
        if (!repeatable(it) || rng_double(&r) >= g->p_repeat) continue;
        size_t back = 1 + rng_below(&r, 40);
        if (back > i) continue;
        const sim_item_t *first = &f->items[i - back];
        if (!repeatable(first) || it->at - first->at > REPEAT_WITHIN || is_repeat(first->text)) continue;
        it->type = first->type;
        it->street = first->street;
        it->category = first->category;
        snprintf(it->caller, sizeof it->caller, "%s", first->caller);
        char *text = xasprintf("%s%s", AGAIN[rng_below(&r, N_AGAIN)], first->text);
        free(it->text);
        it->text = text;
    }
}

/* ---- knowledge-base updates ---- */

/* A time in slot j of k equal slots of the period, moved into office hours
 * (9:00–17:00, Monday to Friday) when that stays inside the period. */
static int64_t kb_time(const gen_t *g, int64_t j, int64_t k, rng_t *r)
{
    int64_t from = scenario_from(g->scn), span = scenario_to(g->scn) - from;
    int64_t lo = from + span * j / k, hi = from + span * (j + 1) / k;
    int64_t t = hi > lo ? lo + (int64_t)rng_below(r, (uint64_t)(hi - lo)) : lo;
    int64_t d = cst_day(t), wd = weekday(d);
    if (wd >= 5) d -= wd - 4;
    int64_t office = day_start(d) + 3600 * (9 + (int64_t)rng_below(r, 8)) + (int64_t)rng_below(r, 3600);
    return office >= from && office < from + span ? office : t;
}

static void gen_kb(const gen_t *g, sim_feed_t *f, const char *const *kb_ids, size_t n_kb)
{
    for (int64_t j = 0; j < g->kb_updates; j++) {
        sim_item_t *it = &f->items[f->n++];
        rng_t r;
        rng_key(&r, g->seed, "gen", "kb", (int)j);
        it->kind = SIM_KB_UPDATE;
        it->at = kb_time(g, j, g->kb_updates, &r);
        int len = snprintf(it->id, sizeof it->id, "%s-K%04lld", g->prefix, (long long)(j + 1));
        HL_ASSERT(len > 0 && (size_t)len < sizeof it->id);   /* lengths checked in gen_init */
        snprintf(it->kb_id, sizeof it->kb_id, "%s", kb_ids[rng_below(&r, n_kb)]);
        int y, m, d;
        civil_from_days(cst_day(it->at), &y, &m, &d);
        char date[48];
        snprintf(date, sizeof date, "%d年%d月%d日", y, m, d);
        const char *street = g->street.label[mix_pick(&g->street, &r)];
        it->answer = sim_texts_kb_answer(g->texts, date, street, &r);
        if (rng_below(&r, 3) == 0) it->add_keywords = sim_texts_kb_keywords(g->texts, 1 + (int)rng_below(&r, 2), &r);
    }
}

/* Feed order: time, then KB updates before tickets, then id. */
static int item_cmp(const void *a, const void *b)
{
    const sim_item_t *x = a, *y = b;
    if (x->at != y->at) return x->at < y->at ? -1 : 1;
    if (x->kind != y->kind) return x->kind == SIM_KB_UPDATE ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* ---- public ---- */

sim_feed_t *sim_gen(const scenario_t *scn, uint64_t seed, const char *const *kb_ids, size_t n_kb,
                    char *err, size_t errlen)
{
    gen_t g;
    if (gen_init(&g, scn, seed, err, errlen) < 0) return NULL;
    if (g.kb_updates > 0 && (!kb_ids || n_kb == 0)) {
        errmsg_set(err, errlen, "scenario: %lld kb updates but no knowledge-base ids given", (long long)g.kb_updates);
        sim_texts_destroy(&g.texts);
        return NULL;
    }
    sim_feed_t *f = xcalloc(1, sizeof *f);
    f->items = xcalloc((size_t)(g.received + g.kb_updates) + 1, sizeof *f->items);
    gen_times(&g, f);
    if (gen_types(&g, f, err, errlen) < 0) {
        sim_feed_destroy(&f);
        sim_texts_destroy(&g.texts);
        return NULL;
    }
    gen_details(&g, f);
    gen_repeats(&g, f);
    gen_kb(&g, f, kb_ids, n_kb);
    qsort(f->items, f->n, sizeof *f->items, item_cmp);
    sim_texts_destroy(&g.texts);
    return f;
}

void sim_feed_destroy(sim_feed_t **p)
{
    if (!p || !*p) return;
    sim_feed_t *self = *p;
    for (size_t i = 0; i < self->n; i++) {
        free(self->items[i].text);
        free(self->items[i].answer);
        free(self->items[i].add_keywords);
    }
    free(self->items);
    free(self);
    *p = NULL;
}

size_t sim_feed_len(const sim_feed_t *self) { return self->n; }

const sim_item_t *sim_feed_at(const sim_feed_t *self, size_t i)
{
    HL_ASSERT(i < self->n);
    return &self->items[i];
}
