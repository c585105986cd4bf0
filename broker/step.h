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
/* Records the escalations of the ticket's close deadline (催办, 督办, 通报)
 * whose times come before until, each at its own time, while its clock runs.
 * 0 or -1. */
int step_escalate(step_env_t *env, live_t *l, int64_t until);
/* When the ticket's next timer fires: its next escalation, or the end of the
 * longest suspension allowed; 0 for none. */
int64_t step_next_timer(step_env_t *env, const live_t *l);
/* Sets the ticket's timer to step_next_timer. */
void step_arm(step_env_t *env, live_t *l);
/* The deadline passed while open: the 督办 at the deadline's own time. */
int step_overdue(step_env_t *env, live_t *l);

/* Classified: category, unit and second choice set; a praise call is then
 * recorded (final), any other ticket goes on to dispatch. */
/* conf_pct: the classifier's confidence in percent, or -1 if it gave none;
 * below dispatch.confidence.percent the ticket is marked TICKET_DOUBTFUL. */
int step_classified(step_env_t *env, live_t *l, uint8_t cat, uint8_t unit, uint8_t alt, int conf_pct);
/* Classified, and a repeat call of the open ticket lead: merged into it. */
int step_classified_merged(step_env_t *env, live_t *l, uint8_t cat, uint8_t unit, uint8_t alt, const char *lead,
                           int similarity);
/* Classified and answered at once from the knowledge base entry kb: closed on time. */
int step_classified_answered(step_env_t *env, live_t *l, uint8_t cat, uint8_t unit, uint8_t alt, int64_t at, const char *kb);
int step_dispatch(step_env_t *env, live_t *l, uint8_t unit, int64_t at, int64_t sign_due, int64_t close_due);
int step_sign(step_env_t *env, live_t *l, int64_t at, const char *actor);
int step_extend(step_env_t *env, live_t *l, int64_t at, int64_t new_due, const char *detail, const char *actor);
int step_close(step_env_t *env, live_t *l, int64_t closed_at, const char *result, const char *actor);
/* 退单: asked (the centre decides: RETURN_PENDING), approved (step_return:
 * the ticket goes to be dispatched again, never to this unit) or rejected. */
/* Why the unit may not return the ticket now (NULL: it may). With at 0 the
 * time window is not checked. */
const char *step_return_refused(const step_env_t *env, const live_t *l, int64_t at);
int step_ask_return(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor);
int step_return(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor);
/* The centre rejects the pending request (return, extension or suspension). */
int step_reject(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor);
/* 延期: asked for `days` working days; granted (the deadline moves). */
int step_ask_extend(step_env_t *env, live_t *l, int64_t at, int days, const char *detail, const char *actor);
int step_grant_extend(step_env_t *env, live_t *l, int64_t at, const char *actor);
/* 挂起: asked; approved (the clock stops); resumed (the deadline moves by the
 * working time suspended). */
int step_ask_suspend(step_env_t *env, live_t *l, int64_t at, const char *detail, const char *actor);
int step_suspend(step_env_t *env, live_t *l, int64_t at, const char *actor);
int step_resume(step_env_t *env, live_t *l, int64_t at, const char *actor);
/* 联办: co-unit i reported its part. */
int step_co_report(step_env_t *env, live_t *l, int i, int64_t at, const char *actor);
/* 重复件: merged into the open ticket lead; done when the lead closes. */
int step_merge(step_env_t *env, live_t *l, const char *lead, int64_t at, int similarity);
int step_lead_closed(step_env_t *env, live_t *l, int64_t at);
/* 回访: a call that reached nobody. */
int step_visit_failed(step_env_t *env, live_t *l, int64_t at, const char *actor);
/* 重办: back to the same unit as a new round, due by due. */
int step_reopen(step_env_t *env, live_t *l, int64_t at, int64_t due, const char *actor);
/* 人工派单: the centre assigns the unit. */
int step_assign(step_env_t *env, live_t *l, uint8_t unit, int64_t at, int64_t sign_due, int64_t close_due, const char *actor);
/* The visit's rating, then the decision it calls for (step_decide). dflt: the
 * citizen was not reached (the default rating). step_rate_parts also records
 * the rating's parts: solved (0/1, -1 unknown) and attitude (1..5, -1). */
int step_rate(step_env_t *env, live_t *l, int rating, int64_t at, bool dflt, const char *actor);
int step_rate_parts(step_env_t *env, live_t *l, int rating, int solved, int attitude, int64_t at, bool dflt,
                    const char *actor);
/* A rated ticket: done, or back to the unit for rectification after a 差评. */
int step_decide(step_env_t *env, live_t *l, int64_t at);
int step_rectify(step_env_t *env, live_t *l, int64_t contact_at, int64_t at, int64_t due, const char *result,
                 const char *actor);
int step_revisit(step_env_t *env, live_t *l, int rating, int64_t at, const char *actor);

#endif
