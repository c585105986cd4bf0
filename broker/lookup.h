/* lookup: the services people look tickets up with. ticket.status gives one
 * ticket whole: its state and unit, its deadlines and the working time left
 * (or how late it is), its text and its event log with the actor of each
 * event. ticket.list gives pages of tickets matching filters (state, unit,
 * street, type, overdue, due within hours, words of the text). A unit's key
 * sees only its own unit's tickets. Both read the store inside the broker's
 * loop, within a time budget per page. The search index is filled here too,
 * in the background (lookup_tick). */
#ifndef HOTLINE_LOOKUP_H
#define HOTLINE_LOOKUP_H
#include <stdbool.h>
#include "auth.h"
#include "calendar.h"
#include "pipeline.h"
#include "router.h"
#include "store.h"

typedef struct lookup lookup_t;

/* auth: NULL without CURVE; cal: working days for the time left. */
lookup_t *lookup_new(router_t *router, store_t *store, pipeline_t *pipeline, auth_t *auth, const calendar_t *cal);
void lookup_destroy(lookup_t **p);
void lookup_register(lookup_t *self);
/* Adds texts to the search index: a large step when the loop was idle, a
 * small one when a backlog builds up under load. */
void lookup_tick(lookup_t *self, bool idle);

#endif
