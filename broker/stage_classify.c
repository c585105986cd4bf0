/* stage_classify: the first stage. The worker sorts the text into a category
 * and unit (and may answer a consultation from the knowledge base). Here a
 * repeat call is also recognised (重复件): the same caller, the same category,
 * within merge.window.hours of a ticket still open, with a similar text — it
 * is merged into that lead instead of being dispatched.
 *
 * The decision must not depend on the order in which results happen to
 * arrive (a replay gives the same outcomes whatever the workers): a lead not
 * yet classified, or whose fate at the repeat's time is not yet known, makes
 * the repeat wait (STAGE_DEFER) until it is. With the wall clock (people in
 * the loop) "open" simply means open now. */
#include "stage.h"
#include "log.h"
#include "rules.h"
#include <stdlib.h>
#include <string.h>

#define MAX_DEFERRALS 60 /* about a minute of waiting for a lead; then the repeat goes on alone */

static void encode_text(void *ctx, const char *text, size_t len) { wire_strn(ctx, text, len); }

void stage_classify_encode(step_env_t *env, const live_t *l, wire_enc_t *e)
{
    /* The text is not kept in memory (a million queued tickets stay small):
     * read inside the group transaction, encoded from SQLite's buffer. */
    wire_str(e, "text");
    if (store_ticket_text_with(env->store, l->t.id, encode_text, e) != 0) wire_str(e, "");
}

typedef struct {
    step_env_t *env;
    const live_t *l;
    uint8_t cat;
    char *text;               /* the repeat's own text, read at the first candidate */
    char lead[TICKET_ID_MAX + 1];
    int64_t lead_closed;      /* the lead's close, if it is closed already */
    int similarity;
    bool defer;
} repeat_t;

/* Is a lead with this row open when the call comes at r? 1 yes, 0 no, -1 not known yet. */
static int open_at(const step_env_t *env, const ticket_t *t, int64_t r)
{
    if (lc_is_final(t->state) && !t->closed_at) return 0;
    if (t->closed_at) return t->closed_at > r;
    if (env->timers_fire) return 1;          /* the wall clock: open now */
    return t->last_at >= r ? 1 : -1;         /* a replay: its history has passed r while open, or not yet */
}

static int candidate(void *ctx, const char *id, int64_t at)
{
    repeat_t *c = ctx;
    (void)at;
    ticket_t t;
    if (store_ticket_get(c->env->store, id, &t) != 0) return 0;
    int open = open_at(c->env, &t, c->l->t.received_at);
    bool unknown = t.category == TICKET_NONE && t.state == ST_RECEIVED;
    ticket_ext_free(&t);
    if (unknown || open < 0) { c->defer = true; return 1; }   /* wait for it */
    if (t.category != c->cat || !open) return 0;
    if (!c->text) c->text = store_ticket_text(c->env->store, c->l->t.id); /* read once, only when needed */
    if (!c->text) return 0;
    char *text = store_ticket_text(c->env->store, id);
    int sim = text ? rules_similarity(c->text, text) : 0;
    free(text);
    if (!rules_merges(c->env->sla, t.received_at, c->l->t.received_at, sim)) return 0;
    snprintf(c->lead, sizeof c->lead, "%s", id);
    c->similarity = sim;
    c->lead_closed = t.closed_at;
    return 1;
}

/* 1 merge into c->lead, 0 not a repeat, STAGE_DEFER wait for a lead. */
static int repeat_of(step_env_t *env, live_t *l, uint8_t cat, repeat_t *c)
{
    *c = (repeat_t){env, l, cat, NULL, "", 0, 0, false};
    int64_t window = (int64_t)sla_rule(env->sla, SLA_MERGE_WINDOW_HOURS) * 3600;
    store_ticket_merge_leads(env->store, l->t.id, l->t.received_at - window, l->t.received_at, candidate, c);
    free(c->text);
    if (c->defer && ++l->deferrals < MAX_DEFERRALS) return STAGE_DEFER;
    if (c->defer) log_warn("a possible lead stayed undecided: the repeat goes on alone", "id=%s", l->t.id);
    return !c->defer && c->lead[0];
}

/* The worker's confidence (float 0..1) in whole percent, or -1 if absent. */
static int confidence_pct(const stage_result_t *r)
{
    const msgpack_object *c = wire_get(r->o, "conf");
    double v = !c                                         ? -1
               : c->type == MSGPACK_OBJECT_FLOAT64 || c->type == MSGPACK_OBJECT_FLOAT32 ? c->via.f64
               : c->type == MSGPACK_OBJECT_POSITIVE_INTEGER                           ? (double)c->via.u64
                                                                                        : -1;
    return v < 0 || v != v ? -1 : v >= 1 ? 100 : (int)(v * 100.0);
}

int stage_classify_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    uint8_t cat = stage_opt_code(r, "cat", ticket_category_index);
    uint8_t unit = stage_opt_code(r, "unit", ticket_unit_index);
    uint8_t alt = stage_opt_code(r, "alt", ticket_unit_index);
    int64_t at = stage_need_int(r, "at");
    char kb[sizeof r->kb] = "";
    if (!r->bad && wire_copy_str(r->o, "kb", kb, sizeof kb, r->err, sizeof r->err) < 0) r->bad = true;
    stage_check_time(r, at, "at");
    if (!r->bad && (cat == TICKET_NONE || unit == TICKET_NONE)) return stage_refuse(r, "classify result lacks 'cat' or 'unit'");
    if (r->bad) return -1;
    if (l->t.type == TT_CONSULT && kb[0]) {
        memcpy(r->kb, kb, sizeof kb);
        return step_classified_answered(env, l, cat, unit, alt, at, kb);
    }
    repeat_t c;
    int rep = l->t.type == TT_PRAISE ? 0 : repeat_of(env, l, cat, &c);
    if (rep == STAGE_DEFER) return STAGE_DEFER;
    if (!rep) return step_classified(env, l, cat, unit, alt, confidence_pct(r));
    int next = step_classified_merged(env, l, cat, unit, alt, c.lead, c.similarity);
    if (next < 0 || !c.lead_closed) return next; /* it closes when its lead does (pipeline.c) */
    return step_lead_closed(env, l, c.lead_closed > l->t.received_at ? c.lead_closed : l->t.received_at);
}
