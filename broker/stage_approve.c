/* stage_approve: the centre's decision on a unit's request — to return a
 * ticket (退单), to extend its deadline (延期) or to suspend it (挂起). The
 * centre's service ("centre": workers in a replay, people with --manual
 * centre) approves or rejects; the ticket then goes on as the state table
 * says. */
#include "stage.h"
#include <string.h>

static const char *request(const live_t *l)
{
    return l->t.state == ST_RETURN_PENDING ? "return" : l->t.state == ST_EXTEND_PENDING ? "extend" : "suspend";
}

void stage_approve_encode(step_env_t *env, const live_t *l, wire_enc_t *e)
{
    (void)env;
    const ticket_ext_t *x = l->t.ext;
    wire_kv_str(e, "req", request(l));
    wire_kv_str(e, "unit", ticket_unit_name(l->t.unit));
    wire_kv_int(e, "asked_at", x ? x->pending_at : 0);
    wire_kv_int(e, "days", x ? x->pending_days : 0);
}

int stage_approve_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    const msgpack_object *d = wire_get(r->o, "decision");
    int64_t at = stage_need_int(r, "at");
    stage_check_time(r, at, "at");
    bool approve = wire_str_eq(d, "approve");
    if (!r->bad && !approve && !wire_str_eq(d, "reject")) return stage_refuse(r, "field 'decision' must be \"approve\" or \"reject\"");
    if (!r->bad && l->t.ext && at < l->t.ext->pending_at) return stage_refuse(r, "a decision cannot come before the request");
    if (r->bad) return -1;
    if (!approve) return step_reject(env, l, at, NULL, NULL);
    if (l->t.state == ST_RETURN_PENDING) return step_return(env, l, at, NULL, NULL);
    if (l->t.state == ST_EXTEND_PENDING) return step_grant_extend(env, l, at, NULL);
    return step_suspend(env, l, at, NULL);
}
