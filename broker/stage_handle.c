/* stage_handle: the responsible unit's stages.
 * handle: the unit's whole plan for the round — it signs; it may ask to
 * return the ticket (退单), for more time (延期) or to suspend it (挂起); its
 * co-units report their parts (联办); it closes. A request waits for the
 * centre's decision (stage_approve.c); then the stage is issued again and
 * the same plan comes back (a worker's draws depend on the ticket and round
 * only), so the broker applies only the steps not yet taken.
 * rectify: after a 差评 the unit contacts the citizen and puts it right. */
#include "stage.h"
#include "rules.h"
#include <stdio.h>

void stage_unit_encode(step_env_t *env, const live_t *l, wire_enc_t *e)
{
    const ticket_ext_t *x = l->t.ext;
    wire_kv_str(e, "unit", ticket_unit_name(l->t.unit));
    wire_kv_int(e, "due", l->t.close_due);
    wire_kv_bool(e, "may_return", step_return_refused(env, l, 0) == NULL);
    wire_str(e, "co");
    wire_array(e, x ? x->n_co : 0);
    for (int i = 0; x && i < x->n_co; i++) {
        wire_map(e, 2);
        wire_kv_str(e, "unit", ticket_unit_name(x->co[i].unit));
        wire_kv_int(e, "due", x->co[i].due);
    }
}

/* The co-units' reports of the plan (each at most once), then when the lead
 * may close: once every co-unit reported or passed its deadline. */
static int co_parts(step_env_t *env, live_t *l, stage_result_t *r, int64_t *close_at)
{
    ticket_ext_t *x = l->t.ext;
    const msgpack_object *co = wire_get(r->o, "co_reported");
    int64_t reported[TICKET_MAX_CO] = {0}, due[TICKET_MAX_CO] = {0};
    for (int i = 0; x && i < x->n_co; i++) {
        due[i] = x->co[i].due;
        reported[i] = x->co[i].reported;
        for (uint32_t k = 0; !reported[i] && co && co->type == MSGPACK_OBJECT_ARRAY && k < co->via.array.size; k++) {
            stage_result_t part = {.o = &co->via.array.ptr[k], .l = l};
            if (stage_opt_code(&part, "unit", ticket_unit_index) != x->co[i].unit) continue;
            int64_t at = stage_need_int(&part, "at");
            stage_check_time(&part, at, "co_reported.at");
            if (part.bad) return stage_refuse(r, part.err);
            if (at > x->co[i].due) continue; /* too late: the lead closes without it */
            if (step_co_report(env, l, i, at, NULL) < 0) return -1;
            reported[i] = at;
        }
    }
    *close_at = rules_lead_close_at(*close_at, reported, due, x ? x->n_co : 0);
    return 0;
}

/* A request of the plan, asked once per round; 1 when it was asked now (the
 * centre decides next), 0 when there is none or it was asked before. */
static int requests(step_env_t *env, live_t *l, stage_result_t *r)
{
    int64_t ext_at = stage_opt_int(r, "ext_at"), ext_days = stage_opt_int(r, "ext_days"), ext_due = stage_opt_int(r, "ext_due");
    int64_t susp_at = stage_opt_int(r, "susp_at");
    if (ext_at) stage_check_time(r, ext_at, "ext_at");
    if (susp_at) stage_check_time(r, susp_at, "susp_at");
    if (r->bad) return -1;
    uint8_t asked = l->t.ext ? l->t.ext->asked : 0;
    if (ext_due && !l->t.extended) /* an older worker: the extension comes granted */
        return step_extend(env, l, ext_at ? ext_at : l->t.signed_at, ext_due, NULL, NULL) < 0 ? -1 : 0;
    char err[120];
    if (ext_days && !(asked & TICKET_ASKED_EXTEND)) {
        if (rules_extend_check(env->sla, l->t.urgent, l->t.extended, sla_close_workdays(env->sla, ticket_type_name(l->t.type)),
                               ext_at, l->t.close_due, (int)ext_days, err, sizeof err) == 0)
            return step_ask_extend(env, l, ext_at, (int)ext_days, "asked by the unit", NULL) < 0 ? -1 : 1;
        ticket_ext(&l->t)->asked |= TICKET_ASKED_EXTEND; /* a request the rules refuse is not made */
    }
    if (susp_at && !(asked & TICKET_ASKED_SUSPEND))
        return step_ask_suspend(env, l, susp_at, "waiting for the citizen or another authority", NULL) < 0 ? -1 : 1;
    return 0;
}

static int closed(step_env_t *env, live_t *l, stage_result_t *r)
{
    int64_t signed_at = stage_need_int(r, "signed_at"), closed_at = stage_need_int(r, "closed_at");
    int64_t resume_at = stage_opt_int(r, "resume_at");
    stage_check_time(r, signed_at, "signed_at");
    stage_check_time(r, closed_at, "closed_at");
    if (!r->bad && closed_at < signed_at) return stage_refuse(r, "handle result times are inconsistent");
    if (r->bad) return -1;
    if (l->t.state == ST_DISPATCHED && step_sign(env, l, signed_at, NULL) < 0) return -1;
    if (l->t.state == ST_SUSPENDED) { /* approved before: the clock starts again */
        int64_t from = l->t.ext->suspended_at;
        int64_t until = rules_suspend_until(env->sla, env->cal, from, l->t.ext->suspend_used);
        int64_t at = resume_at > from ? resume_at : from;
        if (step_resume(env, l, at < until ? at : until, NULL) < 0) return -1;
    }
    int asked = requests(env, l, r);
    if (asked != 0) return asked < 0 ? -1 : ACT_APPROVE;
    if (co_parts(env, l, r, &closed_at) < 0) return -1;
    if (closed_at < l->t.last_at) closed_at = l->t.last_at;
    return step_close(env, l, closed_at, NULL, NULL);
}

int stage_handle_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    const msgpack_object *out = wire_get(r->o, "outcome");
    if (wire_str_eq(out, "closed")) return closed(env, l, r);
    if (!wire_str_eq(out, "returned")) return stage_refuse(r, "field 'outcome' must be \"closed\" or \"returned\"");
    int64_t at = stage_need_int(r, "at");
    stage_check_time(r, at, "at");
    if (r->bad) return -1;
    const char *why = step_return_refused(env, l, at);
    if (why) return stage_refuse(r, why);
    return step_ask_return(env, l, at, NULL, NULL);
}

int stage_rectify_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    int64_t contact_at = stage_need_int(r, "contact_at"), at = stage_need_int(r, "at"), due = stage_opt_int(r, "due");
    stage_check_time(r, contact_at, "contact_at");
    stage_check_time(r, at, "at");
    if (due) stage_check_time(r, due, "due");
    if (r->bad) return -1;
    return step_rectify(env, l, contact_at, at, due, NULL, NULL);
}
