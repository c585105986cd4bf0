/* stage_dispatch: the dispatch worker picks the unit (the classifier's
 * choice, another after a 退单) and sets the sign and close deadlines. */
#include "stage.h"

void stage_dispatch_encode(step_env_t *env, const live_t *l, wire_enc_t *e)
{
    (void)env;
    wire_kv_str(e, "cat", ticket_category_name(l->t.category));
    wire_kv_str(e, "unit", ticket_unit_name(l->t.unit));
    wire_kv_str(e, "alt", ticket_unit_name(l->t.alt_unit));
}

int stage_dispatch_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    uint8_t unit = stage_opt_code(r, "unit", ticket_unit_index);
    int64_t at = stage_need_int(r, "at"), sign_due = stage_need_int(r, "sign_due"), close_due = stage_need_int(r, "close_due");
    stage_check_time(r, at, "at");
    stage_check_time(r, sign_due, "sign_due");
    stage_check_time(r, close_due, "close_due");
    if (!r->bad && unit == TICKET_NONE) return stage_refuse(r, "dispatch result lacks 'unit'");
    if (r->bad) return -1;
    return step_dispatch(env, l, unit, at, sign_due, close_due);
}
