/* dispatch_service: picks the responsible unit (a street office for street
 * matters, a department otherwise) and sets the deadlines from the calendar
 * and the rules. After an approved 退单 the ticket goes to the next choice
 * that never returned it: the classifier's second choice, the street's office,
 * the fallback street's office. After too many returns the centre assigns it
 * (人工派单), as it does when every choice has returned it. A category the rules give a co-unit (联办) may get one. */
#include "services.h"
#include "units.h"
#include <stdio.h>
#include <string.h>

static bool avoided(const stage_item_t *it, const char *unit)
{
    const msgpack_object *av = wire_get(it->o, "avoid");
    for (uint32_t i = 0; av && av->type == MSGPACK_OBJECT_ARRAY && i < av->via.array.size; i++)
        if (wire_str_eq(&av->via.array.ptr[i], unit)) return true;
    return false;
}

/* Picks the first choice that never returned the ticket. When every choice has
 * returned it, no unit is left to try: the centre assigns it to the unit the
 * category names, which may not return it again (*forced). */
static int pick_unit(const stage_item_t *it, char *unit, size_t len, bool *forced, char *err, size_t errlen)
{
    char cat[TICKET_CODE_MAX], primary[TICKET_CODE_MAX], alt[TICKET_CODE_MAX] = "", first[TICKET_CODE_MAX];
    if (wire_copy_str(it->o, "cat", cat, sizeof cat, err, errlen) != 0 ||
        wire_copy_str(it->o, "unit", primary, sizeof primary, err, errlen) != 0 ||
        wire_copy_str(it->o, "alt", alt, sizeof alt, err, errlen) < 0) {
        if (!err[0]) snprintf(err, errlen, "dispatch item lacks 'cat' or 'unit'");
        return -1;
    }
    /* The unit the category names is the first choice of every even round. */
    if (units_resolve(cat, it->street[0] ? it->street : NULL, first, sizeof first) != 0) snprintf(first, sizeof first, "%s", primary);
    char choices[5][TICKET_CODE_MAX];
    snprintf(choices[0], TICKET_CODE_MAX, "%s", it->round == 0 ? primary : it->round % 2 == 1 && alt[0] ? alt : first);
    snprintf(choices[1], TICKET_CODE_MAX, "%s", alt[0] ? alt : primary);
    snprintf(choices[2], TICKET_CODE_MAX, "unit.street.%s", it->street[0] ? it->street : UNITS_FALLBACK_STREET);
    snprintf(choices[3], TICKET_CODE_MAX, "unit.street.%s", UNITS_FALLBACK_STREET);
    snprintf(choices[4], TICKET_CODE_MAX, "%s", first);
    for (int i = 0; i < 5; i++)
        if (units_is_unit(choices[i]) && !avoided(it, choices[i])) {
            snprintf(unit, len, "%.*s", TICKET_CODE_MAX - 1, choices[i]);
            return 0;
        }
    for (int i = 0; i < 5; i++)
        if (units_is_unit(choices[i])) {
            snprintf(unit, len, "%.*s", TICKET_CODE_MAX - 1, choices[i]);
            *forced = true;
            return 0;
        }
    snprintf(err, errlen, "no known unit for category '%s'", cat);
    return -1;
}

/* 联办: the category's co-unit, if the rules name one and the draw says so. */
static void co_unit(model_t *m, const stage_item_t *it, const char *unit, double u, char *co, size_t len)
{
    char cat[TICKET_CODE_MAX], err[64];
    co[0] = '\0';
    if (it->round != 0 || u >= model_params(m)->p_cohandle || wire_copy_str(it->o, "cat", cat, sizeof cat, err, sizeof err) != 0)
        return;
    const char *rule = sla_cohandle(model_sla(m), cat);
    if (!rule) return;
    if (strcmp(rule, "street") == 0) snprintf(co, len, "unit.street.%s", it->street[0] ? it->street : UNITS_FALLBACK_STREET);
    else snprintf(co, len, "%s", rule);
    if (strcmp(co, unit) == 0) co[0] = '\0';
}

static int dispatch_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    char unit[TICKET_CODE_MAX], co[TICKET_CODE_MAX];
    bool assign = false, forced = false;
    if (pick_unit(it, unit, sizeof unit, &forced, err, errlen) != 0 || wire_get_bool(it->o, "assign", &assign, err, errlen) < 0)
        return -1;
    assign = assign || forced;
    const model_params_t *p = model_params(m);
    rng_t rng;
    stage_rng(it, "dispatch", (int)it->round, &rng);
    double h = dist_sample(it->urgent ? &p->dispatch_after_urgent : &p->dispatch_after, &rng), u_co = rng_double(&rng);
    int64_t at = it->live     ? it->at /* a person waits for it: dispatched now */
                 : it->urgent ? model_add_clock_hours(it->at, h)
                              : model_add_work_hours(m, it->at, h);
    const char *type = ticket_type_name(it->type);
    int64_t close_due = sla_close_due(model_sla(m), model_calendar(m), type, it->urgent, it->rcv);
    int64_t sign_due = sla_sign_due(model_sla(m), model_calendar(m), it->urgent, at);
    if (close_due < 0) { snprintf(err, errlen, "no deadline rule for type '%s'", type); return -1; }
    co_unit(m, it, unit, u_co, co, sizeof co);
    stage_result_begin(out, it, 4 + (co[0] ? 1 : 0) + (assign ? 1 : 0));
    wire_kv_str(out, "unit", unit);
    wire_kv_int(out, "at", at);
    wire_kv_int(out, "sign_due", sign_due);
    wire_kv_int(out, "close_due", close_due);
    if (co[0]) {
        wire_str(out, "co");
        wire_array(out, 1);
        wire_str(out, co);
    }
    if (assign) wire_kv_bool(out, "assigned", true);
    return 0;
}

void dispatch_service(model_t *m, const msgpack_object *root, wire_enc_t *out)
{
    stage_run_batch(m, root, false, dispatch_item, out);
}
