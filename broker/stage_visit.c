/* stage_visit: the follow-up visit (回访) and its 好差评 rating — calls that
 * reached nobody, a citizen reached on none of them (the default rating), the
 * rating's parts (solved, attitude), or a reopening (重办) for a citizen
 * dissatisfied with the result — the decision the rating calls for, and the
 * second visit after a 差评 was rectified. */
#include "stage.h"
#include "rules.h"

void stage_visit_encode(step_env_t *env, const live_t *l, wire_enc_t *e)
{
    wire_kv_bool(e, "may_reopen", l->t.state == ST_CLOSED && rules_reopen_allowed(env->sla, l->t.ext ? l->t.ext->reopened : 0));
}

static int64_t need_rating(stage_result_t *r)
{
    int64_t rating = stage_need_int(r, "rating");
    if (!r->bad && (rating < 1 || rating > 5)) stage_refuse(r, "rating must be 1..5");
    return rating;
}

/* The calls that reached nobody, each once (a visit issued again after a
 * crash brings the same list). */
static int failed_calls(step_env_t *env, live_t *l, stage_result_t *r)
{
    const msgpack_object *f = wire_get(r->o, "failed");
    if (!f || f->type == MSGPACK_OBJECT_NIL) return 0;
    if (f->type != MSGPACK_OBJECT_ARRAY || f->via.array.size > (uint32_t)sla_rule(env->sla, SLA_VISIT_ATTEMPTS))
        return stage_refuse(r, "field 'failed' must list at most visit.attempts call times");
    uint32_t done = l->t.ext ? l->t.ext->visit_attempts : 0;
    for (uint32_t i = done; i < f->via.array.size; i++) {
        const msgpack_object *t = &f->via.array.ptr[i];
        int64_t at = t->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (int64_t)t->via.u64 : 0;
        stage_check_time(r, at, "failed[]");
        if (r->bad || step_visit_failed(env, l, at, NULL) < 0) return -1;
    }
    return 0;
}

int stage_visit_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    int64_t rating = need_rating(r), at = stage_need_int(r, "at");
    int64_t solved = -1, attitude = -1;
    bool dflt = false, reopen = false;
    if (!r->bad && (wire_get_bool(r->o, "dflt", &dflt, r->err, sizeof r->err) < 0 ||
                    wire_get_bool(r->o, "reopen", &reopen, r->err, sizeof r->err) < 0 ||
                    wire_get_int(r->o, "solved", &solved, r->err, sizeof r->err) < 0 ||
                    wire_get_int(r->o, "attitude", &attitude, r->err, sizeof r->err) < 0))
        r->bad = true;
    stage_check_time(r, at, "at");
    if (r->bad || failed_calls(env, l, r) < 0) return -1;
    if (reopen) {
        if (!rules_reopen_allowed(env->sla, l->t.ext ? l->t.ext->reopened : 0))
            return stage_refuse(r, "this ticket was reopened already: a second 重办 is refused");
        int64_t due = sla_close_due(env->sla, env->cal, ticket_type_name(l->t.type), l->t.urgent, at);
        return step_reopen(env, l, at, due, NULL);
    }
    return step_rate_parts(env, l, (int)rating, (int)solved, (int)attitude, at, dflt, NULL);
}

int stage_revisit_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    int64_t rating = need_rating(r), at = stage_need_int(r, "at");
    stage_check_time(r, at, "at");
    if (r->bad) return -1;
    return step_revisit(env, l, (int)rating, at, NULL);
}

/* A ticket stored as RATED (its decision not yet made): make it now. */
int stage_decide_run(step_env_t *env, live_t *l) { return step_decide(env, l, l->t.rated_at); }
