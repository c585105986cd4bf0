/* pipeline_act: people's actions (ticket.act) on a ticket whose stage waits
 * for a person (hotline-broker --manual). Every action is checked before
 * anything changes: against the state table (the LC_ACT rows of
 * schemas/lifecycle.def), against the stage (a worker's stage is the
 * worker's), against the actor's rights (a unit acts on its own tickets, only
 * the centre rates), and against the rules of the step itself (a reason from
 * the list, an extension before the deadline and once only). Then it runs the
 * same steps as a worker's result (step.h), at the wall clock,
 * with the actor in the event log. */
#include "pipeline_priv.h"
#include "log.h"
#include "units.h"
#include "xmalloc.h"
#include <stdio.h>
#include <string.h>

#define ACT_TEXT_MAX 2000       /* bytes of a result told to the citizen */
#define ACT_REASON_MAX 500

static const char *const RETURN_REASONS[] = {"not_our_remit", "wrong_address", "insufficient_info", "duplicate", NULL};

typedef struct {
    pipeline_t *p;
    live_t *l;
    const pipeline_act_t *a;
    int64_t now;
    char *err;
    size_t errlen;
} act_ctx_t;

static int fail(act_ctx_t *c, const char *fmt, const char *arg)
{
    snprintf(c->err, c->errlen, fmt, arg);
    return -1;
}

/* A text field: required (1..max bytes of UTF-8) or optional. 0 with *out
 * (NULL if absent and optional), or -1. */
static int text_arg(act_ctx_t *c, const char *key, size_t max, bool required, char **out)
{
    const char *s;
    size_t n;
    *out = NULL;
    int r = wire_get_str(c->a->args, key, &s, &n, c->err, c->errlen);
    if (r > 0 || (r == 0 && n == 0)) return required ? fail(c, "field '%s' is required", key) : 0;
    if (r < 0) return -1;
    if (n > max || !wire_utf8_valid(s, n)) {
        snprintf(c->err, c->errlen, "field '%s' must be UTF-8 text of at most %zu bytes", key, max);
        return -1;
    }
    *out = xstrndup(s, n);
    return 0;
}

static int do_sign(act_ctx_t *c) { return step_sign(&c->p->env, c->l, c->now, c->a->actor); }

static int do_return(act_ctx_t *c)
{
    char *reason, *note;
    if (text_arg(c, "reason", 64, true, &reason)) return -1;
    bool known = false;
    for (int i = 0; RETURN_REASONS[i]; i++) known |= strcmp(reason, RETURN_REASONS[i]) == 0;
    if (!known) {
        free(reason);
        return fail(c, "field 'reason' must be one of %s", "not_our_remit, wrong_address, insufficient_info, duplicate");
    }
    if (text_arg(c, "note", ACT_REASON_MAX, false, &note)) { free(reason); return -1; }
    char *detail = xasprintf("%s (%s)%s%s", reason, ticket_unit_name(c->l->t.unit), note ? ": " : "", note ? note : "");
    int act = step_return(&c->p->env, c->l, c->now, detail, c->a->actor);
    free(detail);
    free(reason);
    free(note);
    return act;
}

/* 延期: asked before the deadline, once per ticket, for at most the time
 * limit the ticket had; the deadline moves by that many working days. */
static int do_extend(act_ctx_t *c)
{
    const ticket_t *t = &c->l->t;
    int64_t days = 0;
    int r = wire_get_int(c->a->args, "days", &days, c->err, c->errlen);
    if (r > 0) return fail(c, "field '%s' is required", "days");
    if (r < 0) return -1;
    if (t->urgent) return fail(c, "%s", "an urgent ticket cannot be extended");
    if (t->extended) return fail(c, "%s", "this ticket was extended once already");
    if (!t->close_due || c->now > t->close_due) return fail(c, "%s", "an extension must be asked before the deadline");
    int limit = sla_close_workdays(c->p->env.sla, ticket_type_name(t->type));
    if (days < 1 || days > limit) {
        snprintf(c->err, c->errlen, "field 'days' must be 1..%d (the ticket's own time limit)", limit);
        return -1;
    }
    char *reason;
    if (text_arg(c, "reason", ACT_REASON_MAX, true, &reason)) return -1;
    int64_t due = calendar_workdays_after(c->p->env.cal, (int64_t)t->close_due - 1, (int)days);
    char *detail = xasprintf("+%d working days: %s", (int)days, reason);
    int act = step_extend(&c->p->env, c->l, c->now, due, detail, c->a->actor);
    free(detail);
    free(reason);
    return act;
}

static int do_close(act_ctx_t *c)
{
    char *result;
    if (text_arg(c, "result", ACT_TEXT_MAX, true, &result)) return -1;
    int act = step_close(&c->p->env, c->l, c->now, result, c->a->actor);
    free(result);
    return act;
}

/* level 1..5, or unreachable (the default rating). */
static int rating_arg(act_ctx_t *c, int *rating, bool *dflt)
{
    bool unreachable = false;
    int64_t level = 0;
    if (wire_get_bool(c->a->args, "unreachable", &unreachable, c->err, c->errlen) < 0) return -1;
    int r = wire_get_int(c->a->args, "level", &level, c->err, c->errlen);
    if (r < 0) return -1;
    if (unreachable == (r == 0)) return fail(c, "%s", "give 'level' (1..5) or 'unreachable': true, not both");
    if (!unreachable && (level < 1 || level > 5)) return fail(c, "%s", "field 'level' must be 1..5");
    *dflt = unreachable;
    *rating = unreachable ? sla_default_rating(c->p->env.sla) : (int)level;
    return 0;
}

static int do_rate(act_ctx_t *c)
{
    int rating;
    bool dflt;
    if (rating_arg(c, &rating, &dflt)) return -1;
    if (c->l->t.state == ST_RECTIFIED) return step_revisit(&c->p->env, c->l, rating, c->now, c->a->actor);
    return step_rate(&c->p->env, c->l, rating, c->now, dflt, c->a->actor);
}

static int do_rectify(act_ctx_t *c)
{
    char *result;
    if (text_arg(c, "result", ACT_TEXT_MAX, true, &result)) return -1;
    int64_t due = sla_rectify_due(c->p->env.sla, c->p->env.cal, c->l->t.rated_at);
    int act = step_rectify(&c->p->env, c->l, c->now, c->now, due, result, c->a->actor);
    free(result);
    return act;
}

static const struct {
    const char *name;
    int (*fn)(act_ctx_t *);
} ACTIONS[] = {
    {"sign", do_sign}, {"return", do_return}, {"extend", do_extend},
    {"close", do_close}, {"rate", do_rate},   {"rectify", do_rectify},
};

/* Why this ticket cannot take the action now; NULL if it can. */
static pipeline_act_rc_t check(const pipeline_act_t *a, live_t *l, lc_who_t *who, char *err, size_t len)
{
    char allowed[160], names[160];
    lc_event_t ev;
    const char *state = lc_state_name(l->t.state);
    int r = lc_act(a->action, l->t.state, &ev, who);
    if (r == -1) {
        snprintf(err, len, "unknown action '%s' (the actions: %s)", a->action, lc_act_names(names, sizeof names));
        return PL_ACT_BAD;
    }
    if (r == -2) {
        snprintf(err, len, "ticket %s is %s (%s): '%s' is not allowed there; allowed: %s", l->t.id, state,
                 lc_state_display(l->t.state), a->action, lc_act_allowed(l->t.state, allowed, sizeof allowed));
        return PL_ACT_STATE;
    }
    if (!l->waiting) {
        int q = stage_queue(stage_of((lc_action_t)l->action), l);
        snprintf(err, len, "ticket %s is %s and its stage is done by workers (%s is not a --manual stage)", l->t.id,
                 state, q < 0 ? "none" : stage_service_name(q));
        return PL_ACT_STATE;
    }
    if (*who == LC_WHO_CENTRE && !a->centre) {
        snprintf(err, len, "only the centre may '%s' (a key under allow/centre/)", a->action);
        return PL_ACT_FORBIDDEN;
    }
    const char *unit = ticket_unit_name(l->t.unit);
    if (a->unit_only && (!unit || strcmp(a->unit_only, unit) != 0)) {
        snprintf(err, len, "this key acts for %s; ticket %s is with %s", a->unit_only, l->t.id, unit ? unit : "no unit");
        return PL_ACT_FORBIDDEN;
    }
    return PL_ACT_OK;
}

pipeline_act_rc_t pipeline_act(pipeline_t *self, const pipeline_act_t *a, pipeline_act_out_t *out, char *err, size_t errlen)
{
    live_t *l = livetab_find(self->live, a->id);
    if (!l) {
        ticket_t t;
        if (store_ticket_get(self->env.store, a->id, &t) == 0) {
            snprintf(err, errlen, "ticket %s is %s (%s): it takes no more actions", a->id, lc_state_name(t.state),
                     lc_state_display(t.state));
            ticket_ext_free(&t);
        } else snprintf(err, errlen, "unknown ticket '%s'", a->id);
        return PL_ACT_UNKNOWN;
    }
    lc_who_t who;
    pipeline_act_rc_t rc = check(a, l, &who, err, errlen);
    if (rc != PL_ACT_OK) return rc;
    int64_t now = pipeline_now(self);
    act_ctx_t c = {self, l, a, now > l->t.last_at ? now : l->t.last_at, err, errlen};
    int act = -1;
    for (size_t i = 0; i < sizeof ACTIONS / sizeof *ACTIONS; i++)
        if (strcmp(ACTIONS[i].name, a->action) == 0) act = ACTIONS[i].fn(&c);
    if (act < 0) return PL_ACT_BAD; /* checked before any change: nothing was written */
    out->state = (lc_state_t)l->t.state;
    out->deadline = store_next_deadline(&l->t);
    if (act != ACT_NONE || lc_is_final(l->t.state)) { /* the stage is done; the next one goes where it belongs */
        l->waiting = false;
        self->waiting--;
    }
    pl_settle(self, l, (lc_action_t)act, NULL);
    log_info("action", "id=%s action=%s actor=%s state=%s", a->id, a->action, a->actor, lc_state_name(out->state));
    return PL_ACT_OK;
}
