/* stage_visit: the follow-up visit (回访) and its 好差评 rating, the decision
 * it calls for, and the second visit after a 差评 was rectified. */
#include "stage.h"

static int64_t need_rating(stage_result_t *r)
{
    int64_t rating = stage_need_int(r, "rating");
    if (!r->bad && (rating < 1 || rating > 5)) stage_refuse(r, "rating must be 1..5");
    return rating;
}

int stage_visit_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    int64_t rating = need_rating(r), at = stage_need_int(r, "at");
    bool dflt = false;
    if (!r->bad && wire_get_bool(r->o, "dflt", &dflt, r->err, sizeof r->err) < 0) r->bad = true;
    stage_check_time(r, at, "at");
    if (r->bad) return -1;
    return step_rate(env, l, (int)rating, at, dflt, NULL);
}

int stage_revisit_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    int64_t rating = need_rating(r), at = stage_need_int(r, "at");
    stage_check_time(r, at, "at");
    if (r->bad) return -1;
    return step_revisit(env, l, (int)rating, at, NULL);
}

/* A ticket stored as RATED (its decision not yet made): make it now. */
int stage_decide_run(step_env_t *env, live_t *l) { return step_decide(env, l, l->t.rated_at); }
