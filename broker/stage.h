/* stage: the broker's stages as one table, the third layer of the pipeline
 * (on the live tickets, the queues and the timers; below the facade,
 * pipeline.c). A stage row says which service does it (its queue), when a
 * stored ticket needs it again after a restart (its resume rule), what a
 * worker is told (its encoder) and what its result does (its apply function,
 * through step.h). Adding a stage is one row here and one function file
 * (stage_<name>.c), as the workers add a service. */
#ifndef HOTLINE_STAGE_H
#define HOTLINE_STAGE_H
#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include "lifecycle.h"
#include "live.h"
#include "step.h"
#include "wire.h"

/* An apply function's answer "not yet": the result is fine, but the ticket
 * must wait (a repeat call for its lead); it is delivered again a second later. */
#define STAGE_DEFER (-2)

/* A worker's result for one item, being checked and applied. */
typedef struct {
    const msgpack_object *o;  /* the result map */
    const live_t *l;          /* the ticket it answers */
    char err[160];            /* why it was refused */
    bool bad;
    char kb[32];              /* classify: the KB entry that answered, saved with the ticket */
} stage_result_t;

typedef struct {
    lc_action_t action;
    const char *name;                                       /* the stage on the wire */
    int (*service)(const live_t *l);                        /* its queue (stage_service_name), -1: runs in the broker */
    bool (*resumes)(const ticket_t *t);                     /* a stored ticket like t needs this stage next */
    int n_fields;                                           /* fields encode() adds to a batch item */
    void (*encode)(step_env_t *env, const live_t *l, wire_enc_t *e);
    int (*apply)(step_env_t *env, live_t *l, stage_result_t *r);  /* a worker's result → the next stage, or -1 */
    int (*run)(step_env_t *env, live_t *l);                 /* a stage the broker runs itself → the next stage */
} stage_t;

/* The row of a stage, or NULL (ACT_NONE). */
const stage_t *stage_of(lc_action_t a);
/* The stage a stored ticket needs next, or NULL (none: it waits, or is final). */
const stage_t *stage_resume(const ticket_t *t);
/* The queue a stage of this ticket goes to; -1 if none. */
int stage_queue(const stage_t *s, const live_t *l);

/* Services, one queue each: classify, dispatch, visit, centre (approvals),
 * then every unit. */
size_t stage_n_services(void);
const char *stage_service_name(int q);
int stage_service_index(const char *name);  /* -1 if none */

/* Reading a result: a missing or malformed field marks it bad (err says why). */
int64_t stage_need_int(stage_result_t *r, const char *key);
int64_t stage_opt_int(stage_result_t *r, const char *key);
/* A unit/street/category code field: TICKET_NONE when absent, bad when unknown. */
uint8_t stage_opt_code(stage_result_t *r, const char *key, int (*index)(const char *));
/* A time of the ticket's: not before receipt, not beyond 400 days after it. */
void stage_check_time(stage_result_t *r, int64_t at, const char *what);
/* Marks the result bad with a message; returns -1. */
int stage_refuse(stage_result_t *r, const char *msg);

/* The stage functions (one file each). */
int stage_classify_service(const live_t *l);
void stage_classify_encode(step_env_t *env, const live_t *l, wire_enc_t *e);
int stage_classify_apply(step_env_t *env, live_t *l, stage_result_t *r);
int stage_dispatch_service(const live_t *l);
void stage_dispatch_encode(step_env_t *env, const live_t *l, wire_enc_t *e);
int stage_dispatch_apply(step_env_t *env, live_t *l, stage_result_t *r);
int stage_unit_service(const live_t *l);
void stage_unit_encode(step_env_t *env, const live_t *l, wire_enc_t *e);
int stage_handle_apply(step_env_t *env, live_t *l, stage_result_t *r);
int stage_rectify_apply(step_env_t *env, live_t *l, stage_result_t *r);
int stage_visit_service(const live_t *l);
int stage_visit_apply(step_env_t *env, live_t *l, stage_result_t *r);
int stage_revisit_apply(step_env_t *env, live_t *l, stage_result_t *r);
int stage_decide_run(step_env_t *env, live_t *l);
void stage_visit_encode(step_env_t *env, const live_t *l, wire_enc_t *e);
int stage_centre_service(const live_t *l);
void stage_approve_encode(step_env_t *env, const live_t *l, wire_enc_t *e);
int stage_approve_apply(step_env_t *env, live_t *l, stage_result_t *r);

#endif
