/* broker: the broker's parts, put together — the store, the router and its
 * access rules, the pipeline and the services around it — and taken apart.
 * Also what keeps the store honest when a commit fails: writes pause, memory
 * is rebuilt from the store, and a probe commit every second resumes them.
 * main.c runs the loop over these parts. */
#ifndef HOTLINE_BROKER_H
#define HOTLINE_BROKER_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "act.h"
#include "auth.h"
#include "calendar.h"
#include "checkpoint.h"
#include "intake.h"
#include "kb_service.h"
#include "lookup.h"
#include "metrics.h"
#include "options.h"
#include "pipeline.h"
#include "router.h"
#include "sim_control.h"
#include "sla.h"
#include "status.h"
#include "store.h"

#define BROKER_PROBE_MS 1000        /* how often a paused store is tried again */

typedef struct {
    broker_opts_t o;
    void *zctx;
    store_t *store;
    router_t *router;
    pipeline_t *pipeline;
    intake_t *intake;
    kb_service_t *kb;
    sim_control_t *sim;
    auth_t *auth;               /* NULL without CURVE */
    status_t *status;
    act_t *act;                 /* ticket.act: people's actions */
    lookup_t *lookup;           /* ticket.status, ticket.list */
    calendar_t *cal;            /* working days and deadline rules, for people's actions */
    sla_t *sla;
    metrics_t *metrics;         /* NULL without --metrics */
    bool paused;                /* the last commit failed: not writing until a probe succeeds */
    int64_t next_probe_ms;
    checkpoint_t *ckpt;         /* the WAL checkpoint policy */
    const volatile sig_atomic_t *stop; /* set by SIGTERM/SIGINT: also ends a standby's wait */
    bool leased;                /* PostgreSQL: leading by a lease, kept alive every second */
} broker_t;

/* broker_setup's return when SIGTERM came while waiting as a standby. */
#define BROKER_STOPPED_WAITING (-2)

/* Opens the store, binds the router, builds the pipeline and registers every
 * service. 0, or an EX_* code after logging why (b is then torn down by the
 * caller with broker_teardown). */
int broker_setup(broker_t *b);
void broker_teardown(broker_t *b);
/* A commit failed: nothing of the iteration is kept; writes pause. */
void broker_commit_failed(broker_t *b);
/* PostgreSQL: exits (EX_TEMPFAIL) if the store's connection is lost. */
void broker_check_lost(broker_t *b);
/* While paused: tries a small commit every BROKER_PROBE_MS; resumes on success. */
void broker_probe(broker_t *b);

#endif
