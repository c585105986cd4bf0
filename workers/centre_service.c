/* centre_service: the centre's decisions in a replay — whether to approve a
 * unit's request to return a ticket (退单), to extend its deadline (延期) or
 * to suspend it (挂起), and how long the centre takes. Drawn from the
 * scenario's rates, keyed by the ticket, the request and the round; with
 * people in the loop (hotline-broker --manual centre) they decide instead. */
#include "services.h"
#include <stdio.h>
#include <string.h>

static int approve_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    const model_params_t *p = model_params(m);
    char req[16], key[24];
    int64_t asked_at = 0;
    if (strcmp(it->stage, "approve") != 0) { snprintf(err, errlen, "the centre does not run stage '%s'", it->stage); return -1; }
    if (wire_copy_str(it->o, "req", req, sizeof req, err, errlen) != 0 ||
        wire_get_int(it->o, "asked_at", &asked_at, err, errlen) != 0) {
        if (!err[0]) snprintf(err, errlen, "approve item lacks 'req' or 'asked_at'");
        return -1;
    }
    double p_ok = strcmp(req, "return") == 0 ? p->p_return_approve : strcmp(req, "extend") == 0 ? p->p_extend_approve
                                                                                                 : p->p_suspend_approve;
    snprintf(key, sizeof key, "approve:%s", req);
    rng_t r;
    stage_rng(it, key, (int)it->round, &r);
    double u = rng_double(&r), hours = dist_sample(&p->approve_after, &r);
    int64_t from = asked_at > it->at ? asked_at : it->at;
    stage_result_begin(out, it, 2);
    wire_kv_str(out, "decision", u < p_ok ? "approve" : "reject");
    wire_kv_int(out, "at", model_add_clock_hours(from, hours));
    return 0;
}

void centre_service(model_t *m, const msgpack_object *root, wire_enc_t *out)
{
    stage_run_batch(m, root, false, approve_item, out);
}
