/* unit_service: the responsible units (承办单位), simulated. In a round a unit
 * either asks to return the ticket (退单), or signs and handles it: it may ask
 * for more time (延期) or suspend it while waiting on the citizen or another
 * authority (挂起), its co-units report their parts (联办), and it closes.
 * The plan is drawn whole from the scenario's distributions, keyed by the
 * ticket and the round, so the broker can apply it in steps around the
 * centre's decisions and get the same plan each time it asks. Later it
 * rectifies after a 差评. Nothing here looks at the deadline to decide how
 * long to take: a slow draw is simply late. */
#include "services.h"
#include <stdio.h>
#include <string.h>

/* The co-units' reports: each from its own stream (its unit), after dispatch. */
static void co_reports(model_t *m, const stage_item_t *it, wire_enc_t *out)
{
    const msgpack_object *co = wire_get(it->o, "co");
    uint32_t n = co && co->type == MSGPACK_OBJECT_ARRAY ? co->via.array.size : 0;
    wire_str(out, "co_reported");
    wire_array(out, n);
    for (uint32_t i = 0; i < n; i++) {
        char unit[TICKET_CODE_MAX] = "", key[TICKET_CODE_MAX + 12], err[64];
        wire_copy_str(&co->via.array.ptr[i], "unit", unit, sizeof unit, err, sizeof err);
        snprintf(key, sizeof key, "cohandle:%s", unit);
        rng_t r;
        stage_rng(it, key, (int)it->round, &r);
        wire_map(out, 2);
        wire_kv_str(out, "unit", unit);
        wire_kv_int(out, "at", model_add_work_hours(m, it->at, dist_sample(&model_params(m)->cohandle_report, &r)));
    }
}

static int handle_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    const model_params_t *p = model_params(m);
    int64_t due = 0;
    bool may_return = true;
    if (wire_get_int(it->o, "due", &due, err, errlen) < 0 || wire_get_bool(it->o, "may_return", &may_return, err, errlen) < 0)
        return -1;
    rng_t r;
    stage_rng(it, "handle", (int)it->round, &r);
    /* Every draw is taken in the same order whatever the branch, so a change
     * in one probability does not shift the other outcomes; draws added for
     * later rules come after the older ones. */
    double u_return = rng_double(&r), u_extend = rng_double(&r);
    double h_return = dist_sample(&p->return_after, &r);
    double h_sign = dist_sample(it->urgent ? &p->sign_urgent : &p->sign, &r);
    double h_handle = dist_sample(it->urgent ? &p->handle_urgent : &p->handle[it->type], &r);
    double u_suspend = rng_double(&r), f_suspend = rng_double(&r), h_suspend = dist_sample(&p->suspend_length, &r);
    if (!it->urgent && may_return && u_return < p->p_return) {
        stage_result_begin(out, it, 2);
        wire_kv_str(out, "outcome", "returned");
        wire_kv_int(out, "at", model_add_work_hours(m, it->at, h_return));
        return 0;
    }
    bool extend = !it->urgent && due > 0 && u_extend < p->p_extend;
    bool suspend = !it->urgent && u_suspend < p->p_suspend;
    int64_t signed_at = it->urgent ? model_add_clock_hours(it->at, h_sign) : model_add_work_hours(m, it->at, h_sign);
    int64_t susp_at = suspend ? model_add_work_hours(m, signed_at, h_handle * f_suspend) : 0;
    int64_t resume_at = suspend ? model_add_work_hours(m, susp_at, h_suspend) : 0;
    int64_t closed_at = it->urgent ? model_add_clock_hours(signed_at, h_handle)
                                   : model_add_work_hours(m, signed_at, h_handle + (suspend ? h_suspend : 0));
    stage_result_begin(out, it, 4 + (extend ? 2 : 0) + (suspend ? 2 : 0));
    wire_kv_str(out, "outcome", "closed");
    wire_kv_int(out, "signed_at", signed_at);
    wire_kv_int(out, "closed_at", closed_at);
    if (extend) {
        wire_kv_int(out, "ext_at", signed_at);
        wire_kv_int(out, "ext_days", p->extend_days > 0 ? p->extend_days : sla_extension_workdays(model_sla(m)));
    }
    if (suspend) {
        wire_kv_int(out, "susp_at", susp_at);
        wire_kv_int(out, "resume_at", resume_at);
    }
    co_reports(m, it, out);
    return 0;
}

static int rectify_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
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
