/* step: transitions and the lifecycle's steps (see header). */
#include "step.h"
#include "log.h"
#include "units.h"
#include "xmalloc.h"
#include <stdio.h>
#include <stdlib.h>

int step_transition(step_env_t *env, live_t *l, lc_event_t ev, int64_t at, const char *detail, const char *actor)
{
    lc_state_t next;
    lc_action_t act;
    if (lc_next(l->t.state, ev, &next, &act) != 0) {
        log_error("transition not allowed", "id=%s state=%s event=%s", l->t.id, lc_state_name(l->t.state), lc_event_name(ev));
        return -1;
    }
    env->st.by_state[l->t.state]--;
    env->st.by_state[next]++;
    l->t.state = (uint8_t)next;
    if (at > l->t.last_at) l->t.last_at = (uint32_t)at;
    env->st.transitions++;
    store_begin(env->store);
    store_event(env->store, &l->t, ev, at, detail, actor);
    return (int)act;
}

void step_arm(step_env_t *env, live_t *l)
{
    bool open = l->t.close_due && !l->t.closed_at && !lc_is_final(l->t.state);
    deadline_set(env->timers, l, open ? l->t.close_due : 0);
}

int step_overdue(step_env_t *env, live_t *l)
{
    l->t.overdue_at = l->t.close_due;
    tally_count(env->tally, &l->t, l->t.close_due, RU_OVERDUE, 1);
    return step_transition(env, l, EV_overdue, l->t.close_due, "deadline passed: 督办", NULL);
}

static int step_answered(step_env_t *env, live_t *l, int64_t at, const char *kb);

int step_classified(step_env_t *env, live_t *l, uint8_t cat, uint8_t unit, uint8_t alt)
{
    l->t.category = cat;
    l->t.unit = unit;
    l->t.alt_unit = alt;
    tally_count(env->tally, &l->t, l->t.received_at, RU_RECEIVED, 1); /* "received" counts classified tickets */
    if (l->t.type == TT_PRAISE) return step_transition(env, l, EV_praise, l->t.received_at, ticket_unit_name(unit), NULL);
    char d[96];
    snprintf(d, sizeof d, "%s → %s", ticket_category_name(cat), ticket_unit_name(unit));
    return step_transition(env, l, EV_classified, l->t.received_at, d, NULL);
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
    if (l->t.round == 0) tally_count(env->tally, &l->t, at, RU_DISPATCHED, 1);
    step_arm(env, l);
    return step_transition(env, l, EV_dispatched, at, ticket_unit_name(unit), NULL);
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

/* A close after the deadline first records the 督办 at the deadline's own time. */
static int overdue_before(step_env_t *env, live_t *l, int64_t closed_at)
{
    if (!l->t.close_due || closed_at <= l->t.close_due || l->t.overdue_at) return 0;
    return step_overdue(env, l) < 0 ? -1 : 0;
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
    if (overdue_before(env, l, closed_at) < 0) return -1;
    l->t.closed_at = (uint32_t)closed_at;
    l->t.on_time = closed_at <= l->t.close_due;
    tally_add(env->tally, &l->t, closed_at, (int[RU__COUNT]){[RU_CLOSED] = 1, [RU_ON_TIME] = l->t.on_time});
    step_arm(env, l);
    env->st.closed++;
    return with_text(env, l, EV_closed, closed_at, l->t.on_time ? "on time" : "late", result, actor);
}

int step_return(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor)
{
    int d[RU__COUNT] = {[RU_RETURNS_APPROVED] = 1, [RU_FIRST_RETURNED] = l->t.round == 0};
    tally_add(env->tally, &l->t, at, d); /* under the unit that returned it */
    int act = step_transition(env, l, EV_returned, at, detail ? detail : ticket_unit_name(l->t.unit), actor);
    l->t.round++;
    l->t.signed_at = 0;
    return act;
}

int step_rate(step_env_t *env, live_t *l, int rating, int64_t at, bool dflt, const char *actor)
{
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
