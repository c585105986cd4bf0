/* deadline: the tickets' timers, beside the queues in the second layer of
 * the pipeline. Each unfinished ticket has at most one timer, its next one
 * (the time a rule fires: a reminder, the deadline, a 通报); a min-heap whose
 * nodes live in the ticket records, so re-arming costs O(log n). */
#ifndef HOTLINE_DEADLINE_H
#define HOTLINE_DEADLINE_H
#include <stdint.h>
#include "live.h"

typedef struct deadline deadline_t;

deadline_t *deadline_new(void);
void deadline_destroy(deadline_t **p);
void deadline_clear(deadline_t *self);
/* Sets l's timer to at (0: none). */
void deadline_set(deadline_t *self, live_t *l, int64_t at);
/* The ticket whose timer is the earliest, if it is due by now (its timer is
 * then removed), else NULL. */
live_t *deadline_due(deadline_t *self, int64_t now);

#endif
