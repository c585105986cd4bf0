/* queue: the stage queues, second layer of the pipeline (after the live
 * tickets, beside the timers). One FIFO per service (stage.h numbers them);
 * a ticket waits in at most one. Items a worker failed go to a cool-down
 * list and come back a second later, so a persistent failure cannot spin the
 * broker and a worker against each other. */
#ifndef HOTLINE_QUEUE_H
#define HOTLINE_QUEUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "live.h"

typedef struct queues queues_t;

queues_t *queues_new(size_t n);
void queues_destroy(queues_t **p);
/* Forgets every queued ticket (the records stay in their table). */
void queues_clear(queues_t *self);
/* Appends l to queue q (or puts it first); marks it queued. */
void queues_push(queues_t *self, int q, live_t *l, bool front);
/* Takes the first ticket of q, or NULL. */
live_t *queues_pop(queues_t *self, int q);
size_t queues_len(const queues_t *self, int q);
/* Tickets queued in all, the cool-down list included. */
size_t queues_total(const queues_t *self);
/* Puts l aside; queues_warm() gives it back to q once a second has passed. */
void queues_cool(queues_t *self, int q, live_t *l, int64_t now_ms);
void queues_warm(queues_t *self, int64_t now_ms);

#endif
