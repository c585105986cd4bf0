/* dispatch_service: picks the responsible unit (a street office for street
 * matters, a department otherwise), and sets the deadlines from the calendar
 * and the rules. After a 退单 (round > 0) the ticket goes to the classifier's
 * second choice, and back to the first on the next return. */
#include "services.h"
#include "units.h"
#include <stdio.h>
#include <string.h>

static int pick_unit(const stage_item_t *it, char *unit, size_t len, char *err, size_t errlen)
{
    char cat[TICKET_CODE_MAX], primary[TICKET_CODE_MAX], alt[TICKET_CODE_MAX] = "";
    if (wire_copy_str(it->o, "cat", cat, sizeof cat, err, errlen) != 0 ||
        wire_copy_str(it->o, "unit", primary, sizeof primary, err, errlen) != 0 ||
        wire_copy_str(it->o, "alt", alt, sizeof alt, err, errlen) < 0) {
        if (!err[0]) snprintf(err, errlen, "dispatch item lacks 'cat' or 'unit'");
        return -1;
    }
    /* The unit the category names is the first choice in every even round. */
    char first[TICKET_CODE_MAX];
    if (units_resolve(cat, it->street[0] ? it->street : NULL, first, sizeof first) != 0) snprintf(first, sizeof first, "%s", primary);
    if (it->round == 0) snprintf(unit, len, "%s", primary);
    else if (it->round % 2 == 1 && alt[0] && strcmp(alt, primary) != 0) snprintf(unit, len, "%s", alt);
    else if (it->round % 2 == 1) snprintf(unit, len, "unit.street.%s", it->street[0] ? it->street : UNITS_FALLBACK_STREET);
    else snprintf(unit, len, "%s", first);
    if (!units_is_unit(unit)) { snprintf(err, errlen, "no such unit '%s'", unit); return -1; }
    return 0;
}

static int dispatch_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    char unit[TICKET_CODE_MAX];
    if (pick_unit(it, unit, sizeof unit, err, errlen) != 0) return -1;
    const model_params_t *p = model_params(m);
    rng_t rng;
    stage_rng(it, "dispatch", (int)it->round, &rng);
    int64_t at = it->live   ? it->at /* a person waits for it: dispatched now */
                 : it->urgent ? model_add_clock_hours(it->at, dist_sample(&p->dispatch_after_urgent, &rng))
                              : model_add_work_hours(m, it->at, dist_sample(&p->dispatch_after, &rng));
    const char *type = ticket_type_name(it->type);
    int64_t close_due = sla_close_due(model_sla(m), model_calendar(m), type, it->urgent, it->rcv);
    int64_t sign_due = sla_sign_due(model_sla(m), model_calendar(m), it->urgent, at);
    if (close_due < 0) { snprintf(err, errlen, "no deadline rule for type '%s'", type); return -1; }
    stage_result_begin(out, it, 4);
    wire_kv_str(out, "unit", unit);
    wire_kv_int(out, "at", at);
    wire_kv_int(out, "sign_due", sign_due);
    wire_kv_int(out, "close_due", close_due);
    return 0;
}

void dispatch_service(model_t *m, const msgpack_object *root, wire_enc_t *out)
{
    stage_run_batch(m, root, false, dispatch_item, out);
}
