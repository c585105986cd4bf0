/* stage_dispatch: the dispatch worker picks the unit (the classifier's
 * choice; after an approved 退单 another one, never a unit that returned it)
 * and sets the sign and close deadlines; it may name co-units (联办). After
 * too many approved returns, or when every choice has returned it, the centre
 * assigns the unit itself (人工派单); an assigned unit may not return it. */
#include "stage.h"

void stage_dispatch_encode(step_env_t *env, const live_t *l, wire_enc_t *e)
{
    const ticket_ext_t *x = l->t.ext;
    wire_kv_str(e, "cat", ticket_category_name(l->t.category));
    wire_kv_str(e, "unit", ticket_unit_name(l->t.unit));
    wire_kv_str(e, "alt", ticket_unit_name(l->t.alt_unit));
    int n = 0;
    while (x && n < TICKET_MAX_RETURNERS && x->returned_by[n] != TICKET_NONE) n++;
    wire_str(e, "avoid");
    wire_array(e, (uint32_t)n);
    for (int i = 0; i < n; i++) wire_str(e, ticket_unit_name(x->returned_by[i]));
    /* the centre assigns it: after too many returns, or a doubtful classification (人工派单) */
    wire_kv_bool(e, "assign", x && (x->returns_approved >= sla_rule(env->sla, SLA_RETURN_MAX_APPROVED) ||
                                    (x->asked & TICKET_DOUBTFUL)));
}

/* Co-units named by the result, once (the first dispatch). */
static int co_units(live_t *l, stage_result_t *r)
{
    const msgpack_object *co = wire_get(r->o, "co");
    if (!co || co->type == MSGPACK_OBJECT_NIL || (l->t.ext && l->t.ext->n_co)) return 0;
    if (co->type != MSGPACK_OBJECT_ARRAY || co->via.array.size > TICKET_MAX_CO)
        return stage_refuse(r, "field 'co' must be an array of at most 2 units");
    for (uint32_t i = 0; i < co->via.array.size; i++) {
        const msgpack_object *u = &co->via.array.ptr[i];
        char name[TICKET_CODE_MAX];
        int k = u->type == MSGPACK_OBJECT_STR && u->via.str.size < sizeof name
                    ? (snprintf(name, sizeof name, "%.*s", (int)u->via.str.size, u->via.str.ptr), ticket_unit_index(name))
                    : -1;
        if (k < 0) return stage_refuse(r, "field 'co' names an unknown unit");
        ticket_ext_t *x = ticket_ext(&l->t);
        x->co[x->n_co++] = (typeof(x->co[0])){(uint8_t)k, 0, 0};
    }
    return 0;
}

int stage_dispatch_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    uint8_t unit = stage_opt_code(r, "unit", ticket_unit_index);
    int64_t at = stage_need_int(r, "at"), sign_due = stage_need_int(r, "sign_due"), close_due = stage_need_int(r, "close_due");
    bool assigned = false;
    stage_check_time(r, at, "at");
    stage_check_time(r, sign_due, "sign_due");
    stage_check_time(r, close_due, "close_due");
    if (!r->bad && wire_get_bool(r->o, "assigned", &assigned, r->err, sizeof r->err) < 0) r->bad = true;
    if (!r->bad && unit == TICKET_NONE) return stage_refuse(r, "dispatch result lacks 'unit'");
    /* Only the centre's assignment may send it back to a unit that returned it. */
    for (int i = 0; !r->bad && !assigned && l->t.ext && i < TICKET_MAX_RETURNERS; i++)
        if (l->t.ext->returned_by[i] == unit) return stage_refuse(r, "dispatched back to a unit that returned the ticket");
    if (r->bad || co_units(l, r) < 0) return -1;
    if (assigned) return step_assign(env, l, unit, at, sign_due, close_due, NULL);
    return step_dispatch(env, l, unit, at, sign_due, close_due);
}
