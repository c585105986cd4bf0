/* visit_service: the follow-up visit (回访) and 好差评 rating, and the second
 * visit after a 差评 was rectified. A citizen who cannot be reached within the
 * rating wait (7 days) counts as the default rating (基本满意, 3). */
#include "services.h"
#include <stdio.h>
#include <string.h>

static int visit_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    const model_params_t *p = model_params(m);
    bool revisit = strcmp(it->stage, "revisit") == 0;
    if (!revisit && strcmp(it->stage, "visit") != 0) {
        snprintf(err, errlen, "visit does not run stage '%s'", it->stage);
        return -1;
    }
    rng_t r;
    stage_rng(it, it->stage, (int)it->round, &r);
    double u_answer = rng_double(&r);
    double hours = dist_sample(revisit ? &p->revisit_after : &p->visit_after, &r);
    int rating = model_draw_rating(revisit ? p->revisit_w : p->rating_w, &r);
    int64_t at = model_add_clock_hours(it->at, hours);
    bool dflt = !revisit && u_answer < p->p_no_answer;
    if (dflt) {
        rating = sla_default_rating(model_sla(m));
        at = it->at + sla_rating_wait(model_sla(m));
    }
    stage_result_begin(out, it, 3);
    wire_kv_int(out, "rating", rating);
    wire_kv_int(out, "at", at);
    wire_kv_bool(out, "dflt", dflt);
    return 0;
}

void visit_service(model_t *m, const msgpack_object *root, wire_enc_t *out)
{
    stage_run_batch(m, root, false, visit_item, out);
}
