/* visit_service: the follow-up visit (回访) and 好差评 rating, and the second
 * visit after a 差评 was rectified. A citizen reached on none of the
 * visit.attempts calls counts as the default rating (基本满意, 3) once the
 * rating wait (7 days) has passed. A rating has its parts: whether the matter
 * was solved, and the unit's attitude. A citizen whose matter was not solved
 * may ask for 重办 instead of rating: the ticket goes back to its unit. */
#include "services.h"
#include <stdio.h>
#include <string.h>

static int clamp_rating(int r) { return r < 1 ? 1 : r > 5 ? 5 : r; }

static int visit_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    const model_params_t *p = model_params(m);
    bool revisit = strcmp(it->stage, "revisit") == 0, may_reopen = false;
    if (!revisit && strcmp(it->stage, "visit") != 0) {
        snprintf(err, errlen, "visit does not run stage '%s'", it->stage);
        return -1;
    }
    if (wire_get_bool(it->o, "may_reopen", &may_reopen, err, errlen) < 0) return -1;
    rng_t r;
    stage_rng(it, it->stage, (int)it->round, &r);
    double u_answer = rng_double(&r);
    double hours = dist_sample(revisit ? &p->revisit_after : &p->visit_after, &r);
    int rating = model_draw_rating(revisit ? p->revisit_w : p->rating_w, &r);
    double u_solved = rng_double(&r), u_attitude = rng_double(&r), u_reopen = rng_double(&r);
    int64_t at = model_add_clock_hours(it->at, hours);
    int n_calls = sla_rule(model_sla(m), SLA_VISIT_ATTEMPTS);
    bool dflt = !revisit && u_answer < p->p_no_answer;
    if (revisit) {
        stage_result_begin(out, it, 3);
        wire_kv_int(out, "rating", rating);
        wire_kv_int(out, "at", at);
        wire_kv_bool(out, "dflt", false);
        return 0;
    }
    if (dflt) { /* every call reached nobody: the default rating after the wait */
        stage_result_begin(out, it, 4);
        wire_str(out, "failed");
        wire_array(out, (uint32_t)n_calls);
        int64_t call = at;
        for (int i = 0; i < n_calls; i++) {
            wire_int(out, call);
            call = model_add_clock_hours(call, dist_sample(&p->visit_retry, &r));
        }
        wire_kv_int(out, "rating", sla_default_rating(model_sla(m)));
        wire_kv_int(out, "at", it->at + sla_rating_wait(model_sla(m)));
        wire_kv_bool(out, "dflt", true);
        return 0;
    }
    bool solved = rating > TICKET_BAD_RATING ? u_solved < p->p_solved_good : u_solved < p->p_solved_bad;
    int attitude = clamp_rating(rating + (u_attitude < 0.15 ? 1 : u_attitude > 0.92 ? -1 : 0));
    bool reopen = may_reopen && !solved && u_reopen < p->p_reopen;
    /* reached in the end, perhaps after a call or two that found nobody */
    int missed = 0;
    while (missed < n_calls - 1 && rng_double(&r) < p->p_visit_miss) missed++;
    stage_result_begin(out, it, 6 + (missed > 0));
    if (missed) {
        wire_str(out, "failed");
        wire_array(out, (uint32_t)missed);
        for (int i = 0; i < missed; i++) {
            wire_int(out, at);
            at = model_add_clock_hours(at, dist_sample(&p->visit_retry, &r));
        }
    }
    wire_kv_int(out, "rating", rating);
    wire_kv_int(out, "at", at);
    wire_kv_bool(out, "dflt", false);
    wire_kv_int(out, "solved", solved);
    wire_kv_int(out, "attitude", attitude);
    wire_kv_bool(out, "reopen", reopen);
    return 0;
}

void visit_service(model_t *m, const msgpack_object *root, wire_enc_t *out)
{
    stage_run_batch(m, root, false, visit_item, out);
}
