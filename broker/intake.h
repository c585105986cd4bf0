/* intake: the ticket.submit service, where a ticket enters. A ticket is
 * validated, inserted in the loop's group transaction and handed to the
 * pipeline; its "accepted" goes out only after that transaction commits. */
#ifndef HOTLINE_INTAKE_H
#define HOTLINE_INTAKE_H
#include "pipeline.h"
#include "router.h"
#include "store.h"

typedef struct intake intake_t;

intake_t *intake_new(router_t *router, store_t *store, pipeline_t *pipeline);
void intake_destroy(intake_t **p);
/* Registers ticket.submit with the router. */
void intake_register(intake_t *self);
/* While paused (store cannot write), submissions get status "retry". */
void intake_pause(intake_t *self, bool paused);

typedef struct {
    uint64_t accepted, duplicate, rejected, retry;
} intake_stats_t;
void intake_stats(const intake_t *self, intake_stats_t *out);

#endif
