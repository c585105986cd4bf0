/* unit_service: the responsible units (承办单位), simulated. A unit signs,
 * handles and closes a ticket, or returns it (退单), or asks for an approved
 * extension, and later rectifies after a 差评 — all drawn from the scenario's
 * distributions. Nothing here looks at the deadline to decide how long to
 * take: a slow draw is simply late. */
#include "services.h"
#include <stdio.h>
#include <string.h>

static int handle_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    const model_params_t *p = model_params(m);
    int64_t due = 0;
    if (wire_get_int(it->o, "due", &due, err, errlen) < 0) return -1;
    rng_t r;
    stage_rng(it, "handle", (int)it->round, &r);
    /* Every draw is taken in the same order whatever the branch, so a change
     * in one probability does not shift the other outcomes. */
    double u_return = rng_double(&r), u_extend = rng_double(&r);
    double h_return = dist_sample(&p->return_after, &r);
    double h_sign = dist_sample(it->urgent ? &p->sign_urgent : &p->sign, &r);
    double h_handle = dist_sample(it->urgent ? &p->handle_urgent : &p->handle[it->type], &r);
    if (!it->urgent && u_return < p->p_return) {
        stage_result_begin(out, it, 2);
        wire_kv_str(out, "outcome", "returned");
        wire_kv_int(out, "at", model_add_work_hours(m, it->at, h_return));
        return 0;
    }
    int64_t signed_at = it->urgent ? model_add_clock_hours(it->at, h_sign) : model_add_work_hours(m, it->at, h_sign);
    int64_t closed_at = it->urgent ? model_add_clock_hours(signed_at, h_handle) : model_add_work_hours(m, signed_at, h_handle);
    bool extend = !it->urgent && due > 0 && u_extend < p->p_extend;
    stage_result_begin(out, it, extend ? 5 : 3);
    wire_kv_str(out, "outcome", "closed");
    wire_kv_int(out, "signed_at", signed_at);
    wire_kv_int(out, "closed_at", closed_at);
    if (extend) {
        wire_kv_int(out, "ext_at", signed_at);
        wire_kv_int(out, "ext_due", sla_extend_due(model_sla(m), model_calendar(m), due));
    }
    return 0;
}

static int rectify_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    const model_params_t *p = model_params(m);
    rng_t r;
    stage_rng(it, "rectify", (int)it->round, &r);
    int64_t contact_at = model_add_work_hours(m, it->at, dist_sample(&p->rectify_contact, &r));
    int64_t fixed_at = model_add_work_hours(m, contact_at, dist_sample(&p->rectify_fix, &r));
    stage_result_begin(out, it, 3);
    wire_kv_int(out, "contact_at", contact_at);
    wire_kv_int(out, "at", fixed_at);
    wire_kv_int(out, "due", sla_rectify_due(model_sla(m), model_calendar(m), it->at));
    return 0;
}

static int unit_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    if (strcmp(it->stage, "handle") == 0) return handle_item(m, it, out, err, errlen);
    if (strcmp(it->stage, "rectify") == 0) return rectify_item(m, it, out, err, errlen);
    snprintf(err, errlen, "a unit does not run stage '%s'", it->stage);
    return -1;
}

void unit_service(model_t *m, const msgpack_object *root, wire_enc_t *out)
{
    stage_run_batch(m, root, false, unit_item, out);
}
