/* step: transitions and the lifecycle's steps (see header). */
#include "step.h"
#include "log.h"
#include "rules.h"
#include "units.h"
#include "xmalloc.h"
#include <stdio.h>
#include <stdlib.h>

static bool escalates(lc_state_t s)
{
    lc_state_t next;
    lc_action_t act;
    return lc_next(s, EV_remind, &next, &act) == 0;
}

/* Whether the ticket's close deadline still escalates: it has one, it is not
 * closed, and its state runs the clock (not suspended, not yet closed). */
static bool on_the_clock(const live_t *l)
{
    return l->t.close_due && !l->t.closed_at && escalates((lc_state_t)l->t.state);
}

static bool is_escalation(lc_event_t ev) { return ev == EV_remind || ev == EV_overdue || ev == EV_notify; }

int step_escalate(step_env_t *env, live_t *l, int64_t until)
{
    int64_t at;
    lc_event_t ev;
    while (on_the_clock(l) && rules_next_escalation(env->sla, env->cal, l->t.close_due, l->t.urgent, l->t.reminded,
                                                    l->t.overdue_at != 0, l->t.notified, &at, &ev) &&
           at < until) {
        int rc;
        if (ev == EV_overdue) {
            rc = step_overdue(env, l);
        } else if (ev == EV_remind) {
            l->t.reminded = true;
            tally_count(env->tally, &l->t, at, RU_REMINDERS, 1);
            rc = step_transition(env, l, EV_remind, at, "催办: the deadline is near", NULL);
        } else {
            l->t.notified++;
            /* Catching up on the wall clock (the broker was down, or an old
             * ticket came in): one 通报 for the latest level due, not one per
             * period missed. A replay records each at its time. */
            int64_t later;
            lc_event_t next;
            while (env->timers_fire &&
                   rules_next_escalation(env->sla, env->cal, l->t.close_due, l->t.urgent, true, true, l->t.notified, &later,
                                         &next) &&
                   next == EV_notify && later < until) {
                l->t.notified++;
                at = later;
            }
            tally_count(env->tally, &l->t, at, RU_NOTIFICATIONS, 1);
            char d[48];
            snprintf(d, sizeof d, "通报 %d: still open past the deadline", l->t.notified);
            rc = step_transition(env, l, EV_notify, at, d, NULL);
        }
        if (rc < 0) return -1;
    }
    return 0;
}

int64_t step_next_timer(step_env_t *env, const live_t *l)
{
    int64_t at;
    lc_event_t ev;
    if (l->t.state == ST_SUSPENDED && l->t.ext)
        return rules_suspend_until(env->sla, env->cal, l->t.ext->suspended_at, l->t.ext->suspend_used);
    if (!on_the_clock(l)) return 0;
    return rules_next_escalation(env->sla, env->cal, l->t.close_due, l->t.urgent, l->t.reminded, l->t.overdue_at != 0,
                                 l->t.notified, &at, &ev) ? at : 0;
}

int step_transition(step_env_t *env, live_t *l, lc_event_t ev, int64_t at, const char *detail, const char *actor)
{
    lc_state_t next;
    lc_action_t act;
    /* The escalations the clock reached before this step come first, each at
     * its own time (a late close first records its 督办, then its 通报). */
    if (!is_escalation(ev) && env->sla && step_escalate(env, l, at) < 0) return -1;
    if (lc_next(l->t.state, ev, &next, &act) != 0) {
        log_error("transition not allowed", "id=%s state=%s event=%s", l->t.id, lc_state_name(l->t.state), lc_event_name(ev));
        return -1;
    }
    env->st.by_state[l->t.state]--;
    env->st.by_state[next]++;
    l->t.state = (uint8_t)next;
    /* last_at is where the ticket's work resumes: the centre's escalations
     * do not move it (a wall-clock broker raising a backlog's 通报 must not
     * push the units' times along with them). */
    if (at > l->t.last_at && !is_escalation(ev)) l->t.last_at = (uint32_t)at;
    env->st.transitions++;
    store_begin(env->store);
    store_event(env->store, &l->t, ev, at, detail, actor);
    return (int)act;
}

void step_arm(step_env_t *env, live_t *l)
{
    deadline_set(env->timers, l, env->sla ? step_next_timer(env, l) : 0);
}

int step_overdue(step_env_t *env, live_t *l)
{
    l->t.overdue_at = l->t.close_due;
    tally_count(env->tally, &l->t, l->t.close_due, RU_OVERDUE, 1);
    return step_transition(env, l, EV_overdue, l->t.close_due, "deadline passed: 督办", NULL);
}

static int step_answered(step_env_t *env, live_t *l, int64_t at, const char *kb);

int step_classified(step_env_t *env, live_t *l, uint8_t cat, uint8_t unit, uint8_t alt, int conf_pct)
{
    l->t.category = cat;
    l->t.unit = unit;
    l->t.alt_unit = alt;
    tally_count(env->tally, &l->t, l->t.received_at, RU_RECEIVED, 1); /* "received" counts classified tickets */
    if (l->t.type == TT_PRAISE) return step_transition(env, l, EV_praise, l->t.received_at, ticket_unit_name(unit), NULL);
    char d[160];
    int n = snprintf(d, sizeof d, "%s → %s", ticket_category_name(cat), ticket_unit_name(unit));
    if (conf_pct >= 0) {
        bool doubtful = env->sla && conf_pct < sla_rule(env->sla, SLA_DISPATCH_CONFIDENCE_PERCENT);
        snprintf(d + n, sizeof d - (size_t)n, " (confidence %d%%%s)", conf_pct, doubtful ? ": doubtful, 人工派单" : "");
        if (doubtful) ticket_ext(&l->t)->asked |= TICKET_DOUBTFUL;
    }
    return step_transition(env, l, EV_classified, l->t.received_at, d, NULL);
}

int step_classified_merged(step_env_t *env, live_t *l, uint8_t cat, uint8_t unit, uint8_t alt, const char *lead,
                           int similarity)
{
    l->t.category = cat;
    l->t.unit = unit;
    l->t.alt_unit = alt;
    tally_count(env->tally, &l->t, l->t.received_at, RU_RECEIVED, 1);
    return step_merge(env, l, lead, l->t.received_at, similarity);
}

int step_classified_answered(step_env_t *env, live_t *l, uint8_t cat, uint8_t unit, uint8_t alt, int64_t at, const char *kb)
{
    l->t.category = cat;
    l->t.unit = unit;
    l->t.alt_unit = alt;
    tally_count(env->tally, &l->t, l->t.received_at, RU_RECEIVED, 1);
    return step_answered(env, l, at, kb);
}

/* A consultation answered from the knowledge base: closed at once, on time. */
static int step_answered(step_env_t *env, live_t *l, int64_t at, const char *kb)
{
    l->t.direct = true;
    l->t.closed_at = (uint32_t)at;
    l->t.on_time = 1;
    tally_add(env->tally, &l->t, at, (int[RU__COUNT]){[RU_CLOSED] = 1, [RU_ON_TIME] = 1, [RU_DIRECT] = 1});
    env->st.closed++;
    return step_transition(env, l, EV_answered, at, kb, NULL);
}

int step_dispatch(step_env_t *env, live_t *l, uint8_t unit, int64_t at, int64_t sign_due, int64_t close_due)
{
    if (unit != l->t.unit) { /* "received" follows the ticket to its new unit */
        tally_count(env->tally, &l->t, l->t.received_at, RU_RECEIVED, -1);
        l->t.unit = unit;
        tally_count(env->tally, &l->t, l->t.received_at, RU_RECEIVED, 1);
    }
    l->t.sign_due = (uint32_t)sign_due;
    l->t.dispatched_at = (uint32_t)at;
    if (!l->t.close_due) l->t.close_due = (uint32_t)close_due; /* the deadline counts from receipt: re-dispatch keeps it */
    step_arm(env, l);
    char d[TICKET_CODE_MAX * (TICKET_MAX_CO + 1) + 16];
    size_t n = (size_t)snprintf(d, sizeof d, "%s", ticket_unit_name(unit));
    ticket_ext_t *x = l->t.ext;
    for (int i = 0; x && i < x->n_co; i++) { /* 联办: each co-unit's own deadline */
        if (!x->co[i].due) x->co[i].due = (uint32_t)rules_cohandle_due(env->sla, env->cal, at, l->t.close_due);
        n += (size_t)snprintf(d + n, sizeof d - n, " 联办 %s", ticket_unit_name(x->co[i].unit));
    }
    tally_add(env->tally, &l->t, at,
              (int[RU__COUNT]){[RU_DISPATCHED] = l->t.round == 0, [RU_CO_HANDLED] = x && x->n_co > 0 && l->t.round == 0});
    return step_transition(env, l, EV_dispatched, at, d, NULL);
}

int step_sign(step_env_t *env, live_t *l, int64_t at, const char *actor)
{
    l->t.signed_at = (uint32_t)at;
    return step_transition(env, l, EV_signed, at, at > l->t.sign_due && l->t.sign_due ? "signed late" : NULL, actor);
}

int step_extend(step_env_t *env, live_t *l, int64_t at, int64_t new_due, const char *detail, const char *actor)
{
    l->t.extended++;
    l->t.close_due = (uint32_t)new_due;
    tally_count(env->tally, &l->t, at, RU_EXTENSIONS, 1);
    step_arm(env, l);
    return step_transition(env, l, EV_extended, at, detail ? detail : "extension approved", actor);
}

/* "<verdict>: <text>" or just the verdict; one transition. */
static int with_text(step_env_t *env, live_t *l, lc_event_t ev, int64_t at, const char *verdict, const char *text,
                     const char *actor)
{
    if (!text) return step_transition(env, l, ev, at, verdict, actor);
    char *detail = xasprintf("%s: %s", verdict, text);
    int act = step_transition(env, l, ev, at, detail, actor);
    free(detail);
    return act;
}

int step_close(step_env_t *env, live_t *l, int64_t closed_at, const char *result, const char *actor)
{
    if (l->t.closed_at) /* a reopened ticket closes again: its first close stays the one counted */
        return with_text(env, l, EV_closed, closed_at, "closed again after 重办", result, actor);
    if (step_escalate(env, l, closed_at) < 0) return -1; /* before closed_at stops the clock */
    l->t.closed_at = (uint32_t)closed_at;
    l->t.on_time = closed_at <= l->t.close_due;
    l->just_closed = true;
    tally_add(env->tally, &l->t, closed_at, (int[RU__COUNT]){[RU_CLOSED] = 1, [RU_ON_TIME] = l->t.on_time});
    step_arm(env, l);
    env->st.closed++;
    return with_text(env, l, EV_closed, closed_at, l->t.on_time ? "on time" : "late", result, actor);
}

/* A new round (after an approved return, or a 重办): nothing signed or asked yet. */
static void new_round(live_t *l)
{
    l->t.round++;
    l->t.signed_at = 0;
    if (l->t.ext) l->t.ext->asked = 0;
}

const char *step_return_refused(const step_env_t *env, const live_t *l, int64_t at)
{
    const ticket_ext_t *x = l->t.ext;
    if (l->t.state != ST_DISPATCHED) return "only a dispatched ticket not yet signed can be returned";
    if (x && x->returns_approved >= sla_rule(env->sla, SLA_RETURN_MAX_APPROVED))
        return "the centre assigned this ticket after its returns: it cannot be returned again";
    if (x && (x->asked & TICKET_NO_RETURN)) return "the centre assigned this ticket, or it is a 重办: its unit handles it";
    if (x && (x->asked & TICKET_ASKED_RETURN)) return "this round's return was rejected: the unit handles the ticket";
    if (at && !rules_return_in_window(env->sla, env->cal, l->t.dispatched_at ? l->t.dispatched_at : at, at))
        return "a return must be asked within return.window.workdays of dispatch (schemas/sla.tsv)";
    return NULL;
}

int step_return(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor)
{
    int d[RU__COUNT] = {[RU_RETURNS_APPROVED] = 1, [RU_FIRST_RETURNED] = l->t.round == 0};
    tally_add(env->tally, &l->t, at, d); /* under the unit that returned it */
    ticket_ext_t *x = ticket_ext(&l->t);
    if (x->returns_approved < 255) x->returns_approved++;
    for (int i = 0; i < TICKET_MAX_RETURNERS; i++)
        if (x->returned_by[i] == TICKET_NONE || x->returned_by[i] == l->t.unit) { x->returned_by[i] = l->t.unit; break; }
    x->pending_at = 0;
    int act = step_transition(env, l, EV_returned, at, detail ? detail : ticket_unit_name(l->t.unit), actor);
    new_round(l);
    return act;
}

int step_ask_return(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor)
{
    ticket_ext_t *x = ticket_ext(&l->t);
    if (x->returns_asked < 255) x->returns_asked++;
    x->pending_at = (uint32_t)at;
    x->asked |= TICKET_ASKED_RETURN;
    tally_count(env->tally, &l->t, at, RU_RETURNS, 1);
    return step_transition(env, l, EV_return_asked, at, detail ? detail : ticket_unit_name(l->t.unit), actor);
}

int step_reject(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor)
{
    lc_event_t ev = l->t.state == ST_RETURN_PENDING   ? EV_return_rejected
                    : l->t.state == ST_EXTEND_PENDING ? EV_extend_rejected
                                                      : EV_suspend_rejected;
    if (l->t.ext) l->t.ext->pending_at = 0, l->t.ext->pending_days = 0;
    return step_transition(env, l, ev, at, detail, actor);
}

int step_ask_extend(step_env_t *env, live_t *l, int64_t at, int days, const char *detail, const char *actor)
{
    ticket_ext_t *x = ticket_ext(&l->t);
    x->pending_at = (uint32_t)at;
    x->pending_days = (uint8_t)days;
    x->asked |= TICKET_ASKED_EXTEND;
    return step_transition(env, l, EV_extend_asked, at, detail, actor);
}

int step_grant_extend(step_env_t *env, live_t *l, int64_t at, const char *actor)
{
    ticket_ext_t *x = ticket_ext(&l->t);
    int days = x->pending_days;
    x->pending_at = 0;
    x->pending_days = 0;
    char d[48];
    snprintf(d, sizeof d, "+%d working days", days);
    return step_extend(env, l, at, rules_extend_due(env->cal, l->t.close_due, days), d, actor);
}

int step_ask_suspend(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor)
{
    ticket_ext_t *x = ticket_ext(&l->t);
    x->pending_at = (uint32_t)at;
    x->asked |= TICKET_ASKED_SUSPEND;
    return step_transition(env, l, EV_suspend_asked, at, detail, actor);
}

int step_suspend(step_env_t *env, live_t *l, int64_t at, const char *actor)
{
    ticket_ext_t *x = ticket_ext(&l->t);
    x->pending_at = 0;
    x->suspended_at = (uint32_t)at;
    tally_count(env->tally, &l->t, at, RU_SUSPENSIONS, 1);
    int act = step_transition(env, l, EV_suspended, at, "the clock stops", actor);
    step_arm(env, l); /* the longest suspension allowed */
    return act;
}

int step_resume(step_env_t *env, live_t *l, int64_t at, const char *actor)
{
    ticket_ext_t *x = ticket_ext(&l->t);
    int64_t from = x->suspended_at, used = calendar_work_seconds(env->cal, from, at);
    l->t.close_due = (uint32_t)rules_resume_due(env->cal, l->t.close_due, from, at);
    x->suspend_used += (uint32_t)(used > 0 ? used : 0);
    x->suspended_at = 0;
    char d[64];
    snprintf(d, sizeof d, "suspended %.1f working days: the deadline moves", (double)used / CAL_DAY);
    int act = step_transition(env, l, EV_resumed, at, d, actor);
    step_arm(env, l);
    return act;
}

int step_co_report(step_env_t *env, live_t *l, int i, int64_t at, const char *actor)
{
    l->t.ext->co[i].reported = (uint32_t)at;
    return step_transition(env, l, EV_co_reported, at, ticket_unit_name(l->t.ext->co[i].unit), actor);
}

int step_merge(step_env_t *env, live_t *l, const char *lead, int64_t at, int similarity)
{
    ticket_ext_t *x = ticket_ext(&l->t);
    snprintf(x->lead, sizeof x->lead, "%s", lead);
    tally_count(env->tally, &l->t, at, RU_MERGED, 1);
    char d[TICKET_ID_MAX + 40];
    snprintf(d, sizeof d, "into %s (similarity %d%%)", lead, similarity);
    return step_transition(env, l, EV_merged, at, d, NULL);
}

int step_lead_closed(step_env_t *env, live_t *l, int64_t at)
{
    return step_transition(env, l, EV_lead_closed, at, l->t.ext ? l->t.ext->lead : NULL, NULL);
}

int step_visit_failed(step_env_t *env, live_t *l, int64_t at, const char *actor)
{
    ticket_ext_t *x = ticket_ext(&l->t);
    if (x->visit_attempts < 255) x->visit_attempts++;
    char d[40];
    snprintf(d, sizeof d, "call %d reached nobody", x->visit_attempts);
    return step_transition(env, l, EV_visit_failed, at, d, actor);
}

int step_reopen(step_env_t *env, live_t *l, int64_t at, int64_t due, const char *actor)
{
    ticket_ext_t *x = ticket_ext(&l->t);
    x->reopened++;
    x->reopened_at = (uint32_t)at;
    x->reopen_due = (uint32_t)due;
    tally_count(env->tally, &l->t, at, RU_REOPENED, 1);
    int act = step_transition(env, l, EV_reopened, at, "重办: the citizen is not satisfied with the result", actor);
    new_round(l);
    x->asked |= TICKET_NO_RETURN;
    return act;
}

int step_assign(step_env_t *env, live_t *l, uint8_t unit, int64_t at, int64_t sign_due, int64_t close_due, const char *actor)
{
    if (unit != l->t.unit) {
        tally_count(env->tally, &l->t, l->t.received_at, RU_RECEIVED, -1);
        l->t.unit = unit;
        tally_count(env->tally, &l->t, l->t.received_at, RU_RECEIVED, 1);
    }
    l->t.sign_due = (uint32_t)sign_due;
    l->t.dispatched_at = (uint32_t)at;
    if (!l->t.close_due) l->t.close_due = (uint32_t)close_due;
    tally_add(env->tally, &l->t, at, (int[RU__COUNT]){[RU_MANUAL_DISPATCH] = 1, [RU_DISPATCHED] = l->t.round == 0});
    ticket_ext(&l->t)->asked |= TICKET_NO_RETURN;
    step_arm(env, l);
    return step_transition(env, l, EV_assigned, at, ticket_unit_name(unit), actor);
}

int step_rate(step_env_t *env, live_t *l, int rating, int64_t at, bool dflt, const char *actor)
{
    return step_rate_parts(env, l, rating, -1, -1, at, dflt, actor);
}

int step_rate_parts(step_env_t *env, live_t *l, int rating, int solved, int attitude, int64_t at, bool dflt,
                    const char *actor)
{
    if (solved >= 0 || attitude > 0) {
        ticket_ext_t *x = ticket_ext(&l->t);
        x->solved = (int8_t)solved;
        x->attitude = (int8_t)attitude;
    }
    l->t.rating = (int8_t)rating;
    l->t.rated_at = (uint32_t)at;
    l->t.rating_default = dflt;
    tally_add(env->tally, &l->t, at,
              (int[RU__COUNT]){[RU_RATED] = 1, [RU_SAT3] = rating > TICKET_BAD_RATING, [RU_SAT4] = rating >= 4,
                               [RU_BAD] = rating <= TICKET_BAD_RATING, [RU_UNREACHABLE] = dflt});
    char d[32];
    snprintf(d, sizeof d, "rating=%d%s", rating, dflt ? " (default)" : "");
    if (step_transition(env, l, EV_rated, at, d, actor) != ACT_DECIDE) return -1;
    return step_decide(env, l, at);
}

int step_decide(step_env_t *env, live_t *l, int64_t at)
{
    if (l->t.rating > TICKET_BAD_RATING) return step_transition(env, l, EV_done, at, NULL, NULL);
    return step_transition(env, l, EV_rectify, at, "差评", NULL);
}

int step_rectify(step_env_t *env, live_t *l, int64_t contact_at, int64_t at, int64_t due, const char *result,
                 const char *actor)
{
    l->t.rectify_due = (uint32_t)due;
    if (step_transition(env, l, EV_contacted, contact_at, NULL, actor) < 0) return -1;
    l->t.rectified_at = (uint32_t)at;
    return with_text(env, l, EV_rectified, at, due && at > due ? "rectified late" : "rectified", result, actor);
}

int step_revisit(step_env_t *env, live_t *l, int rating, int64_t at, const char *actor)
{
    l->t.revisit_rating = (int8_t)rating;
    l->t.revisited_at = (uint32_t)at;
    if (l->t.rating <= TICKET_BAD_RATING) tally_count(env->tally, &l->t, l->t.rated_at, RU_BAD_RECTIFIED, 1); /* on the 差评's day: a cohort */
    char d[16];
    snprintf(d, sizeof d, "rating=%d", rating);
    return step_transition(env, l, EV_revisited, at, d, actor);
}
