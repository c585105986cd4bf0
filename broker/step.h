/* step: the steps of a ticket's lifecycle — a transition through the state
 * table (schemas/lifecycle.def) with its event row, and what each step does
 * to the ticket, its timers and the figures. The stages (workers' results,
 * stage_*.c) and people's actions (pipeline_act.c) both move tickets only
 * through these, so a step is written once. Times are checked by the caller. */
#ifndef HOTLINE_STEP_H
#define HOTLINE_STEP_H
#include <stdbool.h>
#include <stdint.h>
#include "calendar.h"
#include "deadline.h"
#include "lifecycle.h"
#include "live.h"
#include "sla.h"
#include "store.h"
#include "tally.h"

typedef struct {
    uint64_t by_state[ST__COUNT];  /* tickets in the store per state */
    uint64_t transitions;
    uint64_t closed;               /* first closes (direct answers included) since start */
} step_stats_t;

/* What a step may touch; owned by the pipeline. */
typedef struct {
    store_t *store;
    tally_t *tally;
    deadline_t *timers;
    const calendar_t *cal;
    const sla_t *sla;
    bool timers_fire;              /* the clock is observed (live): timers fire; virtual: results decide */
    step_stats_t st;
} step_env_t;

/* The state table's transition for ev, with its event row (actor: a
 * person's name, or NULL). Returns the next stage (lc_action_t) or -1 when
 * the state does not allow ev (logged; nothing written). */
int step_transition(step_env_t *env, live_t *l, lc_event_t ev, int64_t at, const char *detail, const char *actor);
/* Sets the ticket's timer: its close deadline while open. */
void step_arm(step_env_t *env, live_t *l);
/* The deadline passed while open: the 督办 at the deadline's own time. */
int step_overdue(step_env_t *env, live_t *l);

/* Classified: category, unit and second choice set; a praise call is then
 * recorded (final), any other ticket goes on to dispatch. */
int step_classified(step_env_t *env, live_t *l, uint8_t cat, uint8_t unit, uint8_t alt);
/* Classified and answered at once from the knowledge base entry kb: closed on time. */
int step_classified_answered(step_env_t *env, live_t *l, uint8_t cat, uint8_t unit, uint8_t alt, int64_t at, const char *kb);
int step_dispatch(step_env_t *env, live_t *l, uint8_t unit, int64_t at, int64_t sign_due, int64_t close_due);
int step_sign(step_env_t *env, live_t *l, int64_t at, const char *actor);
int step_extend(step_env_t *env, live_t *l, int64_t at, int64_t new_due, const char *detail, const char *actor);
int step_close(step_env_t *env, live_t *l, int64_t closed_at, const char *result, const char *actor);
int step_return(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor);
/* The visit's rating, then the decision it calls for (step_decide). */
int step_rate(step_env_t *env, live_t *l, int rating, int64_t at, bool dflt, const char *actor);
/* A rated ticket: done, or back to the unit for rectification after a 差评. */
int step_decide(step_env_t *env, live_t *l, int64_t at);
int step_rectify(step_env_t *env, live_t *l, int64_t contact_at, int64_t at, int64_t due, const char *result,
                 const char *actor);
int step_revisit(step_env_t *env, live_t *l, int rating, int64_t at, const char *actor);

#endif
