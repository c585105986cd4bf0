/* pipeline_priv: the pipeline facade's state, shared by pipeline.c (stage
 * batches, results, timers, recovery) and pipeline_act.c (people's actions)
 * only. The layers below have their own headers: live.h, queue.h,
 * deadline.h, stage.h, step.h, tally.h. */
#ifndef HOTLINE_PIPELINE_PRIV_H
#define HOTLINE_PIPELINE_PRIV_H
#include "pipeline.h"
#include "deadline.h"
#include "live.h"
#include "queue.h"
#include "stage.h"
#include "step.h"
#include "tally.h"

#define PL_MAX_REJECTIONS 3       /* results failing validation before a ticket is parked */

struct pipeline {
    step_env_t env;           /* store, tally, timers, rules: what the steps touch */
    livetab_t *live;          /* unfinished tickets */
    queues_t *queues;         /* one per service (stage_service_name) */
    bool virtual_clock;
    int64_t clock;            /* virtual now */
    int batch_max;
    uint32_t next_token;
    char scn[40];
    uint64_t seed;
    int64_t kb_rev;
    wire_enc_t enc;
    wire_msg_t *msg;
    pipeline_stats_t st;
    uint64_t inflight;
    bool *manual_q;           /* per queue: its stage waits for people (--manual) */
    bool manual;              /* any stage does: people act, the clock is the wall clock */
    uint64_t waiting;         /* tickets waiting for a person */
};

/* Saves the ticket after its transitions and sends it on to the stage next
 * (a queue, a person, or a stage the broker runs itself), or lets a final
 * ticket go. kb: the answering KB entry, or NULL. */
void pl_settle(pipeline_t *p, live_t *l, lc_action_t next, const char *kb);

#endif
