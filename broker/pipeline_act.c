/* pipeline_act: people's actions (ticket.act) on a ticket whose stage waits
 * for a person (hotline-broker --manual). Every action is checked before
 * anything changes: against the state table (the LC_ACT rows of
 * schemas/lifecycle.def), against the stage (a worker's stage is the
 * worker's), against the actor's rights (a unit acts on its own tickets, a
 * co-unit reports its part, only the centre decides requests, rates and
 * assigns), and against the rules of the step itself (core/rules.h: a return
 * within its window, an extension before the deadline and once only, one
 * 重办). Then it runs the same steps as a worker's result (step.h), at the
 * wall clock, with the actor in the event log. */
#include "pipeline_priv.h"
#include "log.h"
#include "rules.h"
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
 * (NULL if absent and optional; the caller frees), or -1. */
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


#define ENV(c) (&(c)->p->env)

static int do_sign(act_ctx_t *c) { return step_sign(ENV(c), c->l, c->now, c->a->actor); }

static int do_return(act_ctx_t *c)
{
    const ticket_t *t = &c->l->t;
    const char *why = step_return_refused(ENV(c), c->l, c->now);
    if (why) return fail(c, "%s", why);
    char *reason, *note;
    if (text_arg(c, "reason", 64, true, &reason)) return -1;
    bool known = false;
    for (int i = 0; RETURN_REASONS[i]; i++) known |= strcmp(reason, RETURN_REASONS[i]) == 0;
    if (!known) {
        free(reason);
        return fail(c, "field 'reason' must be one of %s", "not_our_remit, wrong_address, insufficient_info, duplicate");
    }
    if (text_arg(c, "note", ACT_REASON_MAX, false, &note)) { free(reason); return -1; }
    char *detail = xasprintf("%s (%s)%s%s", reason, ticket_unit_name(t->unit), note ? ": " : "", note ? note : "");
    int act = step_ask_return(ENV(c), c->l, c->now, detail, c->a->actor);
    free(detail);
    free(reason);
    free(note);
    return act;
}

/* 延期: asked before the deadline, within the rules; the centre decides. */
static int do_extend(act_ctx_t *c)
{
    const ticket_t *t = &c->l->t;
    int64_t days = 0;
    int r = wire_get_int(c->a->args, "days", &days, c->err, c->errlen);
    if (r > 0) return fail(c, "field '%s' is required", "days");
    if (r < 0) return -1;
    int limit = sla_close_workdays(ENV(c)->sla, ticket_type_name(t->type));
    if (rules_extend_check(ENV(c)->sla, t->urgent, t->extended, limit, c->now, t->close_due, (int)days, c->err,
                           c->errlen) != 0)
        return -1;
    char *reason;
    if (text_arg(c, "reason", ACT_REASON_MAX, true, &reason)) return -1;
    char *detail = xasprintf("%d working days asked: %s", (int)days, reason);
    int act = step_ask_extend(ENV(c), c->l, c->now, (int)days, detail, c->a->actor);
    free(detail);
    free(reason);
    return act;
}

static int do_suspend(act_ctx_t *c)
{
    const ticket_ext_t *x = c->l->t.ext;
    if (x && x->suspend_used >= (uint32_t)sla_rule(ENV(c)->sla, SLA_SUSPEND_MAX_WORKDAYS) * CAL_DAY)
        return fail(c, "%s", "this ticket has been suspended for the most working days allowed (suspend.max.workdays)");
    char *reason;
    if (text_arg(c, "reason", ACT_REASON_MAX, true, &reason)) return -1;
    int act = step_ask_suspend(ENV(c), c->l, c->now, reason, c->a->actor);
    free(reason);
    return act;
}

static int do_resume(act_ctx_t *c) { return step_resume(ENV(c), c->l, c->now, c->a->actor); }

/* A co-unit's part (联办): the unit of the caller's key, or the one named. */
static int do_report(act_ctx_t *c)
{
    ticket_ext_t *x = c->l->t.ext;
    char unit[TICKET_CODE_MAX] = "";
    if (c->a->unit_only) snprintf(unit, sizeof unit, "%s", c->a->unit_only);
    else if (wire_copy_str(c->a->args, "unit", unit, sizeof unit, c->err, c->errlen) != 0)
        return fail(c, "%s", "field 'unit' (the co-unit reporting) is required");
    for (int i = 0; x && i < x->n_co; i++) {
        if (strcmp(ticket_unit_name(x->co[i].unit), unit) != 0) continue;
        if (x->co[i].reported) return fail(c, "%s has reported its part already", unit);
        return step_co_report(ENV(c), c->l, i, c->now, c->a->actor);
    }
    return fail(c, "%s is not a co-unit of this ticket", unit);
}

/* The lead unit closes once every co-unit has reported or passed its deadline. */
static int do_close(act_ctx_t *c)
{
    const ticket_ext_t *x = c->l->t.ext;
    for (int i = 0; x && i < x->n_co; i++)
        if (!x->co[i].reported && c->now <= x->co[i].due)
            return fail(c, "co-unit %s has not reported its part yet, and its deadline has not passed", ticket_unit_name(x->co[i].unit));
    char *result;
    if (text_arg(c, "result", ACT_TEXT_MAX, true, &result)) return -1;
    int act = step_close(ENV(c), c->l, c->now, result, c->a->actor);
    free(result);
    return act;
}

/* level 1..5, or unreachable (the default rating); optionally solved and attitude. */
static int rating_arg(act_ctx_t *c, int *rating, bool *dflt, int *solved, int *attitude)
{
    bool unreachable = false, sol = false;
    int64_t level = 0, att = 0;
    if (wire_get_bool(c->a->args, "unreachable", &unreachable, c->err, c->errlen) < 0) return -1;
    int r = wire_get_int(c->a->args, "level", &level, c->err, c->errlen);
    if (r < 0) return -1;
    if (unreachable == (r == 0)) return fail(c, "%s", "give 'level' (1..5) or 'unreachable': true, not both");
    if (!unreachable && (level < 1 || level > 5)) return fail(c, "%s", "field 'level' must be 1..5");
    int rs = wire_get_bool(c->a->args, "solved", &sol, c->err, c->errlen), ra = wire_get_int(c->a->args, "attitude", &att, c->err, c->errlen);
    if (rs < 0 || ra < 0) return -1;
    if (ra == 0 && (att < 1 || att > 5)) return fail(c, "%s", "field 'attitude' must be 1..5");
    *dflt = unreachable;
    *rating = unreachable ? sla_default_rating(ENV(c)->sla) : (int)level;
    *solved = rs == 0 ? sol : -1;
    *attitude = ra == 0 ? (int)att : -1;
    return 0;
}

static int do_rate(act_ctx_t *c)
{
    int rating, solved, attitude;
    bool dflt;
    if (rating_arg(c, &rating, &dflt, &solved, &attitude)) return -1;
    if (c->l->t.state == ST_RECTIFIED) return step_revisit(ENV(c), c->l, rating, c->now, c->a->actor);
    return step_rate_parts(ENV(c), c->l, rating, solved, attitude, c->now, dflt, c->a->actor);
}

/* A call that reached nobody; after visit.attempts of them, the default rating. */
static int do_unreachable(act_ctx_t *c)
{
    int act = step_visit_failed(ENV(c), c->l, c->now, c->a->actor);
    if (act < 0 || c->l->t.ext->visit_attempts < sla_rule(ENV(c)->sla, SLA_VISIT_ATTEMPTS)) return act;
    return step_rate(ENV(c), c->l, sla_default_rating(ENV(c)->sla), c->now, true, c->a->actor);
}

static int do_reopen(act_ctx_t *c)
{
    if (!rules_reopen_allowed(ENV(c)->sla, c->l->t.ext ? c->l->t.ext->reopened : 0))
        return fail(c, "%s", "this ticket was reopened already: a second 重办 is refused");
    int64_t due = sla_close_due(ENV(c)->sla, ENV(c)->cal, ticket_type_name(c->l->t.type), c->l->t.urgent, c->now);
    return step_reopen(ENV(c), c->l, c->now, due, c->a->actor);
}

static int do_rectify(act_ctx_t *c)
{
    char *result;
    if (text_arg(c, "result", ACT_TEXT_MAX, true, &result)) return -1;
    int64_t due = sla_rectify_due(ENV(c)->sla, ENV(c)->cal, c->l->t.rated_at);
    int act = step_rectify(ENV(c), c->l, c->now, c->now, due, result, c->a->actor);
    free(result);
    return act;
}

static int do_decide(act_ctx_t *c, bool approve)
{
    char *note;
    if (text_arg(c, "note", ACT_REASON_MAX, false, &note)) return -1;
    int act;
    if (!approve) act = step_reject(ENV(c), c->l, c->now, note, c->a->actor);
    else if (c->l->t.state == ST_RETURN_PENDING) act = step_return(ENV(c), c->l, c->now, note, c->a->actor);
    else if (c->l->t.state == ST_EXTEND_PENDING) act = step_grant_extend(ENV(c), c->l, c->now, c->a->actor);
    else act = step_suspend(ENV(c), c->l, c->now, c->a->actor);
    free(note);
    return act;
}

static int do_approve(act_ctx_t *c) { return do_decide(c, true); }
static int do_reject(act_ctx_t *c) { return do_decide(c, false); }

/* 人工派单: the centre names the unit; never one that returned the ticket. */
static int do_assign(act_ctx_t *c)
{
    const ticket_t *t = &c->l->t;
    char unit[TICKET_CODE_MAX];
    if (wire_copy_str(c->a->args, "unit", unit, sizeof unit, c->err, c->errlen) != 0 || ticket_unit_index(unit) < 0)
        return fail(c, "%s", "field 'unit' must name a unit (unit.chengguan, unit.street.jinxia, ...)");
    uint8_t u = (uint8_t)ticket_unit_index(unit);
    for (int i = 0; t->ext && i < TICKET_MAX_RETURNERS; i++)
        if (t->ext->returned_by[i] == u) return fail(c, "%s returned this ticket: assign another unit", unit);
    const sla_t *sla = ENV(c)->sla;
    const calendar_t *cal = ENV(c)->cal;
    int64_t close_due = sla_close_due(sla, cal, ticket_type_name(t->type), t->urgent, t->received_at);
    return step_assign(ENV(c), c->l, u, c->now, sla_sign_due(sla, cal, t->urgent, c->now), close_due, c->a->actor);
}

static const struct {
    const char *name;
    int (*fn)(act_ctx_t *);
} ACTIONS[] = {
    {"sign", do_sign},       {"return", do_return},   {"extend", do_extend},   {"suspend", do_suspend},
    {"resume", do_resume},   {"report", do_report},   {"close", do_close},     {"rate", do_rate},
    {"unreachable", do_unreachable}, {"reopen", do_reopen}, {"rectify", do_rectify}, {"approve", do_approve},
    {"reject", do_reject},   {"assign", do_assign},
};

/* Why this ticket cannot take the action now, or PL_ACT_OK. */
static pipeline_act_rc_t check(const pipeline_act_t *a, live_t *l, char *err, size_t len)
{
    char allowed[200], names[200];
    lc_event_t ev;
    lc_who_t who;
    const char *state = lc_state_name(l->t.state);
    int r = lc_act(a->action, l->t.state, &ev, &who);
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
    if (who == LC_WHO_CENTRE && !a->centre) {
        snprintf(err, len, "only the centre may '%s' (a key under allow/centre/)", a->action);
        return PL_ACT_FORBIDDEN;
    }
    const char *unit = ticket_unit_name(l->t.unit);
    if (who == LC_WHO_UNIT && a->unit_only && (!unit || strcmp(a->unit_only, unit) != 0)) {
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
        } else {
            snprintf(err, errlen, "unknown ticket '%s'", a->id);
        }
        return PL_ACT_UNKNOWN;
    }
    pipeline_act_rc_t rc = check(a, l, err, errlen);
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
