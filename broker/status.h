/* status: what an operator sees of a running broker. The broker.status
 * service (admin keys only when CURVE is on) answers with services, worker
 * processes (key name or routing id, host, pid, services, last heartbeat), queues and in-flight work, overdue tickets, the
 * acknowledged and closed rates over the last minute, and the store's size
 * and commit latency; hotline-ctl prints it. The same numbers feed the
 * Prometheus exposition (metrics.c). */
#ifndef HOTLINE_STATUS_H
#define HOTLINE_STATUS_H
#include <stdint.h>
#include <stdio.h>
#include "act.h"
#include "auth.h"
#include "intake.h"
#include "pipeline.h"
#include "router.h"
#include "store.h"

typedef struct status status_t;

/* auth may be NULL (no CURVE); with it, workers are shown by their key's name. */
status_t *status_new(router_t *router, auth_t *auth, act_t *act, store_t *store, pipeline_t *pipeline, intake_t *intake);
void status_destroy(status_t **p);
void status_register(status_t *self);
/* Once per loop iteration: samples the per-second rate ring and the commit
 * histograms (call right after each commit, with its outcome). */
void status_after_commit(status_t *self, bool committed);
/* Writes the Prometheus text exposition (format 0.0.4) to out. */
void status_write_metrics(status_t *self, FILE *out);
/* Acknowledged and closed tickets per second over the last minute. */
void status_rates(const status_t *self, double *acked, double *closed);

#endif
