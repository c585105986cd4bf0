/* pipeline_priv: the live-ticket structures shared by pipeline.c (queues,
 * batches, recovery) and pipeline_apply.c (results → transitions). */
#ifndef HOTLINE_PIPELINE_PRIV_H
#define HOTLINE_PIPELINE_PRIV_H
#include "pipeline.h"
#include "calendar.h"
#include "heap.h"
#include "sla.h"
#include "lifecycle.h"
#include "wire.h"

#define PL_MAX_REJECTIONS 3

/* Stage queues: classify, dispatch, visit, then one per unit (units_all()). */
enum { Q_CLASSIFY, Q_DISPATCH, Q_VISIT, Q_UNIT0 };

/* One unfinished ticket. A million of them may be held, so the record is
 * kept small: links are intrusive (no separate hash or queue nodes). */
typedef struct live {
    ticket_t t;
    heap_node_t due;          /* close deadline timer (key = close_due) */
    struct live *qnext;       /* stage queue link */
    struct live *hnext;       /* hash chain (pipeline.live) */
    uint8_t action;           /* lc_action_t of the stage pending, ACT_NONE if none */
    bool queued, inflight;
    bool waiting;             /* its stage waits for a person (--manual), not a worker */
    bool cooldown;            /* the worker reported an error: wait before the next delivery */
    uint8_t rejections;       /* results that failed validation; parked after PL_MAX_REJECTIONS */
    uint32_t token;           /* identifies the delivery in flight */
} live_t;

typedef struct {
    live_t *head, *tail;
    size_t n;
} lqueue_t;

typedef struct {
    char id[TICKET_ID_MAX + 1];
    uint8_t action;
    uint32_t token;
} batch_item_t;

typedef struct {
    int queue;
    int n;
    batch_item_t it[];
} batch_t;

struct pipeline {
    store_t *store;
    bool virtual_clock;
    int batch_max;
    struct { live_t **b; size_t nb, n; } live; /* id → live_t, chained through hnext */
    lqueue_t *queues;
    size_t n_queues;
    heap_t *deadlines;
    int64_t clock;            /* virtual now */
    uint32_t next_token;
    char scn[40];
    uint64_t seed;
    int64_t kb_rev;
    wire_enc_t enc;
    wire_msg_t *msg;
    pipeline_stats_t st;
    uint64_t inflight;
    /* Items a worker failed (e.g. it could not reach the knowledge base):
     * re-queued a second later, not at once, so a persistent failure cannot
     * spin the broker and the worker against each other. */
    struct { live_t *l; int q; } *cool;
    size_t n_cool, cap_cool;
    int64_t cool_due_ms;
    bool *manual_q;           /* per queue: its stage waits for people (--manual) */
    bool manual;              /* any stage does: people act, the clock is the wall clock */
    uint64_t waiting;         /* tickets waiting for a person */
    const calendar_t *cal;    /* working days, for the deadlines people's actions move */
    const sla_t *sla;
};

/* pipeline.c */
/* The unfinished ticket with this id, or NULL. */
live_t *pl_find(const pipeline_t *p, const char *id);
void pl_issue(pipeline_t *p, live_t *l, lc_action_t action);
void pl_finish(pipeline_t *p, live_t *l);
const char *pl_stage_name(lc_action_t a);
/* Adds to the roll-up (and the in-memory totals) under the ticket's unit. */
void pl_rollup(pipeline_t *p, const live_t *l, int64_t at, const int delta[RU__COUNT]);
/* The queue (and so the service) a stage of this ticket goes to; -1 if none. */
int pl_queue_of(const live_t *l, lc_action_t a);
const char *pl_queue_service(const pipeline_t *p, int q);
/* pipeline_apply.c */
void pl_apply_batch(pipeline_t *p, batch_t *b, mdp_span_t body);
/* Records a transition: state table lookup, event row (actor: a person's
 * name, or NULL); returns the action or -1. */
int pl_transition(pipeline_t *p, live_t *l, lc_event_t ev, int64_t at, const char *detail, const char *actor);
/* Saves the ticket after its transitions and issues the next stage (or
 * finishes a final ticket). kb: the answering KB entry, or NULL. */
void pl_settle(pipeline_t *p, live_t *l, lc_action_t next, const char *kb);
/* The deadline passed while open: 督办 at the deadline's own time. */
void pl_overdue(pipeline_t *p, live_t *l);
/* The steps of the lifecycle, shared by workers' results and people's
 * actions; each returns the next stage (lc_action_t) or -1. */
int pl_do_sign(pipeline_t *p, live_t *l, int64_t at, const char *actor);
int pl_do_extend(pipeline_t *p, live_t *l, int64_t at, int64_t new_due, const char *detail, const char *actor);
int pl_do_close(pipeline_t *p, live_t *l, int64_t closed_at, const char *result, const char *actor);
int pl_do_return(pipeline_t *p, live_t *l, int64_t at, const char *detail, const char *actor);
int pl_do_rate(pipeline_t *p, live_t *l, int rating, int64_t at, bool dflt, const char *actor);
int pl_decide(pipeline_t *p, live_t *l, int64_t at);
int pl_do_rectify(pipeline_t *p, live_t *l, int64_t contact_at, int64_t at, int64_t due, const char *result,
                  const char *actor);
int pl_do_revisit(pipeline_t *p, live_t *l, int rating, int64_t at, const char *actor);

#endif
