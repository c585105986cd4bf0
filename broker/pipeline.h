/* pipeline: the broker's half of the ticket lifecycle. It holds every
 * unfinished ticket in memory, queues the stage each one needs next
 * (classify → dispatch → unit handles → visit → rectify → re-visit), hands
 * stage batches to the router for idle workers, and applies their results
 * through the state table (core/lifecycle.h), writing each transition to the
 * store in the loop's group transaction. */
#ifndef HOTLINE_PIPELINE_H
#define HOTLINE_PIPELINE_H
#include <stdbool.h>
#include <stdint.h>
#include "calendar.h"
#include "router.h"
#include "sla.h"
#include "store.h"
#include "ticket.h"

typedef struct pipeline pipeline_t;

/* virtual_clock: deadlines run on the feed's virtual time (simulation);
 * false: on the wall clock (live intake). batch_max: tickets per worker request. */
pipeline_t *pipeline_new(store_t *store, bool virtual_clock, int batch_max);
void pipeline_destroy(pipeline_t **p);
/* The router feeder that hands out stage batches. */
router_feeder_t pipeline_feeder(pipeline_t *self);

/* Loads every unfinished ticket from the store, re-arms deadlines and queues
 * the stage each needs (the one in flight at a crash is issued again).
 * Drops what was in memory first, so it also recovers from a failed commit. */
int pipeline_load(pipeline_t *self);
/* A ticket just inserted in the open transaction (state RECEIVED). Its text
 * stays in the store; the classify batch reads it back. */
void pipeline_admit(pipeline_t *self, const ticket_t *t);

/* Scenario identity and seed sent with every stage batch ("" = none). */
void pipeline_set_scenario(pipeline_t *self, const char *scn, uint64_t seed);
/* Highest knowledge-base revision; classify batches carry it. */
void pipeline_set_kb_rev(pipeline_t *self, int64_t rev);

/* Stages whose service (classify, dispatch, visit, unit.<code>) matches one
 * of these fnmatch globs wait for a person (ticket.act) instead of a worker.
 * -1 with err if a pattern matches no stage. */
int pipeline_set_manual(pipeline_t *self, const char *const *patterns, int n, char *err, size_t errlen);
/* True if some stage waits for people: the broker runs on the wall clock. */
bool pipeline_manual(const pipeline_t *self);
/* The service whose people the ticket waits for ("unit.chengguan", "visit"),
 * or "" if it waits for nobody (a worker has it, or it is finished). */
void pipeline_waiting_for(const pipeline_t *self, const char *id, char *buf, size_t len);
/* The calendar and deadline rules people's actions need (extension,
 * rectification); borrowed, they must outlive the pipeline. */
void pipeline_set_rules(pipeline_t *self, const calendar_t *cal, const sla_t *sla);

/* A person's action on a ticket (ticket.act). */
typedef struct {
    const char *id, *action;
    const char *actor;          /* recorded in the event log */
    const char *unit_only;      /* a unit's key: only tickets whose current unit is this; NULL = any */
    bool centre;                /* may take the centre's actions (rate) */
    const msgpack_object *args; /* the request map: reason, days, result, level, unreachable */
} pipeline_act_t;
typedef struct {
    lc_state_t state;           /* after the action */
    int64_t deadline;           /* the next deadline (store_next_deadline), 0 none */
} pipeline_act_out_t;
typedef enum { PL_ACT_OK = 0, PL_ACT_BAD = -1, PL_ACT_UNKNOWN = -2, PL_ACT_STATE = -3, PL_ACT_FORBIDDEN = -4 } pipeline_act_rc_t;
/* Checks the action against the state table, the ticket's stage and the
 * actor's rights, then applies it in the open transaction. PL_ACT_OK, or a
 * negative code with err and nothing changed. */
pipeline_act_rc_t pipeline_act(pipeline_t *self, const pipeline_act_t *a, pipeline_act_out_t *out, char *err, size_t errlen);

/* Switches between virtual time (a scenario is being fed) and the wall clock. */
void pipeline_set_virtual(pipeline_t *self, bool virtual_clock);
bool pipeline_is_virtual(const pipeline_t *self);
/* Virtual clock: moves forward to t (never back). Returns the clock. */
int64_t pipeline_observe(pipeline_t *self, int64_t t);
int64_t pipeline_now(const pipeline_t *self);
/* Fires the deadline timers that are due at the current clock. */
void pipeline_tick(pipeline_t *self);

typedef struct {
    uint64_t live;            /* unfinished tickets in memory */
    uint64_t queued;          /* waiting for a worker */
    uint64_t inflight;        /* held by a worker */
    uint64_t by_state[ST__COUNT]; /* tickets in the store per state */
    int64_t totals[RU__COUNT];    /* roll-up column totals: the report's all-time figures */
    uint64_t closed;              /* closes (incl. direct answers) since start */
    uint64_t stale_results;   /* results for superseded deliveries, ignored */
    uint64_t bad_results;     /* results that failed validation */
    uint64_t transitions;
    uint64_t waiting;           /* waiting for a person (--manual stages) */
} pipeline_stats_t;
void pipeline_stats(const pipeline_t *self, pipeline_stats_t *out);
/* Per unit (units_all() order, n_units entries): tickets with the unit and
 * not yet closed, and of those the ones past their close deadline. Walks
 * every unfinished ticket: for a metrics scrape, not the hot path. */
void pipeline_unit_counts(const pipeline_t *self, uint64_t *open, uint64_t *overdue, size_t n_units);
/* Unfinished tickets whose close deadline has passed (walks them: for status). */
uint64_t pipeline_past_due(const pipeline_t *self);

#endif
