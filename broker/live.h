/* live: the broker's unfinished tickets in memory, the first layer of the
 * pipeline (then queues and timers, then stages, then the roll-up). A
 * million may be held, so a record is small and its links are intrusive: it
 * chains itself into this table, into a stage queue (queue.h) and into the
 * timer heap (deadline.h). The table finds a ticket by id. */
#ifndef HOTLINE_LIVE_H
#define HOTLINE_LIVE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "heap.h"
#include "ticket.h"

/* One unfinished ticket. Owned by the table; the other layers link it. */
typedef struct live {
    ticket_t t;
    heap_node_t timer;        /* next timer (deadline.h), key = its time */
    struct live *qnext;       /* stage queue link (queue.h) */
    struct live *hnext;       /* hash chain (this table) */
    uint8_t action;           /* lc_action_t of the stage pending, ACT_NONE if none */
    bool queued, inflight;
    bool cooldown;            /* the worker reported an error: wait before the next delivery */
    bool waiting;             /* its stage waits for a person (--manual), not a worker */
    bool just_closed;         /* first closed by the step just applied: its merged calls close with it */
    uint8_t rejections;       /* results that failed validation; parked after a few */
    uint8_t deferrals;        /* times its stage was put off (stage.h STAGE_DEFER) */
    uint32_t token;           /* identifies the delivery in flight */
} live_t;

typedef struct livetab livetab_t;

livetab_t *livetab_new(void);
/* Frees the table and every record in it. */
void livetab_destroy(livetab_t **p);
/* Adds a record holding a copy of t (its id must not be in the table); the
 * record takes over t->ext. */
live_t *livetab_add(livetab_t *self, const ticket_t *t);
/* The record with this id, or NULL. */
live_t *livetab_find(const livetab_t *self, const char *id);
/* Takes l out of the table and frees it: the caller unlinks it from the
 * queues and the timers first. */
void livetab_free(livetab_t *self, live_t *l);
size_t livetab_count(const livetab_t *self);
/* Calls fn for every record (fn must not add or free any). */
void livetab_each(const livetab_t *self, void (*fn)(void *ctx, const live_t *l), void *ctx);

#endif
