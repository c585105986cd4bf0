/* model: what a worker draws from and computes with. The calendar, the
 * deadline rules and the classifier's model (kb/classifier.model) come from
 * the local data directory; the scenario (handling
 * model and seed) and the knowledge base come from the broker over the wire,
 * so workers on other machines need no copy of either. */
#ifndef HOTLINE_MODEL_H
#define HOTLINE_MODEL_H
#include <stdbool.h>
#include <stdint.h>
#include "calendar.h"
#include "classify_model.h"
#include "kb.h"
#include "mdp_client.h"
#include "rng.h"
#include "scenario.h"
#include "sla.h"
#include "ticket.h"

/* The scenario's [model] section, parsed once per scenario. */
typedef struct {
    dist_t answer_after, dispatch_after, dispatch_after_urgent, sign, sign_urgent;
    dist_t handle[TT__COUNT], handle_urgent, return_after, visit_after;
    dist_t rectify_contact, rectify_fix, revisit_after;
    double p_return, p_extend, p_no_answer;
    /* the rules beyond the short path; absent keys leave them at 0 (never) or
     * at an approval probability of 1, as before they existed */
    dist_t approve_after;                 /* clock hours the centre takes to decide a request */
    double p_return_approve, p_extend_approve, p_suspend_approve;
    int extend_days;                      /* working days a unit asks for (default: the rules' extension.workdays) */
    double p_suspend;                     /* a unit suspends the ticket while handling it */
    dist_t suspend_length;                /* working hours a suspension lasts */
    double p_cohandle;                    /* a category with a co-unit (schemas/sla.tsv cohandle.*) gets one */
    dist_t cohandle_report;               /* working hours after dispatch a co-unit reports */
    dist_t visit_retry;                   /* clock hours between two visit calls */
    double p_solved_good, p_solved_bad;   /* the matter solved, for a rating above / at most the 差评 threshold */
    double p_reopen;                      /* a citizen not satisfied with the result asks for 重办 */
    double p_visit_miss;                  /* one visit call to a citizen reached in the end finds nobody */
    double rating_w[5], revisit_w[5];     /* weights of ratings 1..5 */
} model_params_t;

typedef struct model model_t;

/* datadir holds calendar/, sla.tsv and kb/classifier.model. NULL with err on failure. */
model_t *model_new(mdp_client_t *broker, const char *datadir, char *err, size_t errlen);
void model_destroy(model_t **p);

/* Makes sure the scenario scn (from the batch; "" = the local default
 * longhu-2022) is loaded, fetching it from the broker if needed. 0 or -1. */
int model_use_scenario(model_t *self, const char *scn, char *err, size_t errlen);
/* Makes sure the knowledge base holds every revision up to rev. 0 or -1. */
int model_sync_kb(model_t *self, int64_t rev, char *err, size_t errlen);

const model_params_t *model_params(const model_t *self);
const calendar_t *model_calendar(const model_t *self);
const sla_t *model_sla(const model_t *self);
const kb_t *model_kb(const model_t *self);
/* The learned classifier shipped with the data (classify_ticket). */
const classify_model_t *model_classifier(const model_t *self);

/* Time arithmetic in the scenario's units. */
int64_t model_add_work_hours(const model_t *self, int64_t t, double hours);
int64_t model_add_clock_hours(int64_t t, double hours);
/* One draw of a rating 1..5 from weights. */
int model_draw_rating(const double w[5], rng_t *r);

#endif
