/* stage_handle: the responsible unit's stages. handle: the unit signs,
 * perhaps has its deadline extended, and closes — or returns the ticket
 * (退单). rectify: after a 差评 the unit contacts the citizen and puts it
 * right. */
#include "stage.h"
#include <stdio.h>

void stage_unit_encode(step_env_t *env, const live_t *l, wire_enc_t *e)
{
    (void)env;
    wire_kv_str(e, "unit", ticket_unit_name(l->t.unit));
    wire_kv_int(e, "due", l->t.close_due);
}

static int closed(step_env_t *env, live_t *l, stage_result_t *r)
{
    int64_t signed_at = stage_need_int(r, "signed_at"), closed_at = stage_need_int(r, "closed_at");
    int64_t ext_at = stage_opt_int(r, "ext_at"), ext_due = stage_opt_int(r, "ext_due");
    stage_check_time(r, signed_at, "signed_at");
    stage_check_time(r, closed_at, "closed_at");
    if (ext_at) stage_check_time(r, ext_at, "ext_at");
    if (ext_due) stage_check_time(r, ext_due, "ext_due");
    if (!r->bad && (closed_at < signed_at || (ext_due && ext_due <= l->t.close_due)))
        return stage_refuse(r, "handle result times are inconsistent");
    if (r->bad) return -1;
    if (step_sign(env, l, signed_at, NULL) < 0) return -1;
    if (ext_due && step_extend(env, l, ext_at ? ext_at : signed_at, ext_due, NULL, NULL) < 0) return -1;
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
    return step_return(env, l, at, NULL, NULL);
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
