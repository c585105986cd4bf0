/* kb_service: the knowledge base held in the broker's store and served over
 * the wire: kb.list (revisions since a rev, paged), kb.get and kb.update.
 * Classifier workers on any machine load it at start and catch up when a
 * stage batch carries a newer revision number. */
#ifndef HOTLINE_KB_SERVICE_H
#define HOTLINE_KB_SERVICE_H
#include "pipeline.h"
#include "router.h"
#include "store.h"

typedef struct kb_service kb_service_t;

/* Loads the knowledge base from the store; if the store has none yet, seeds it
 * from seed_path (revision source 'seed', valid from the start of time). */
kb_service_t *kb_service_new(router_t *router, store_t *store, pipeline_t *pipeline, const char *seed_path,
                             char *err, size_t errlen);
void kb_service_destroy(kb_service_t **p);
void kb_service_register(kb_service_t *self);
/* Reloads from the store (after a failed commit dropped an update). */
int kb_service_reload(kb_service_t *self);

#endif
