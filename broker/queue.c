/* queue: intrusive FIFOs through live_t.qnext, and the cool-down list. */
#include "queue.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>

#define COOL_MS 1000

typedef struct {
    live_t *head, *tail;
    size_t n;
} fifo_t;

struct queues {
    fifo_t *q;
    size_t n;
    struct { live_t *l; int q; } *cool;
    size_t n_cool, cap_cool;
    int64_t cool_due_ms;
};

queues_t *queues_new(size_t n)
{
    queues_t *self = xcalloc(1, sizeof *self);
    self->q = xcalloc(n, sizeof *self->q);
    self->n = n;
    return self;
}

void queues_destroy(queues_t **p)
{
    if (!p || !*p) return;
    free((*p)->q);
    free((*p)->cool);
    free(*p);
    *p = NULL;
}

void queues_clear(queues_t *self)
{
    memset(self->q, 0, self->n * sizeof *self->q);
    self->n_cool = 0;
    self->cool_due_ms = 0;
}

void queues_push(queues_t *self, int q, live_t *l, bool front)
{
    fifo_t *f = &self->q[q];
    l->qnext = NULL;
    if (front) {
        l->qnext = f->head;
        f->head = l;
        if (!f->tail) f->tail = l;
    } else {
        if (f->tail) f->tail->qnext = l;
        else f->head = l;
        f->tail = l;
    }
    f->n++;
    l->queued = true;
}

live_t *queues_pop(queues_t *self, int q)
{
    fifo_t *f = &self->q[q];
    live_t *l = f->head;
    if (!l) return NULL;
    f->head = l->qnext;
    if (!f->head) f->tail = NULL;
    f->n--;
    l->qnext = NULL;
    l->queued = false;
    return l;
}

size_t queues_len(const queues_t *self, int q) { return self->q[q].n; }

size_t queues_total(const queues_t *self)
{
    size_t n = self->n_cool;
    for (size_t i = 0; i < self->n; i++) n += self->q[i].n;
    return n;
}

void queues_cool(queues_t *self, int q, live_t *l, int64_t now_ms)
{
    if (self->n_cool == self->cap_cool)
        self->cool = xrealloc(self->cool, (self->cap_cool = self->cap_cool ? 2 * self->cap_cool : 64) * sizeof *self->cool);
    self->cool[self->n_cool].l = l;
    self->cool[self->n_cool++].q = q;
    l->queued = true; /* counted as waiting */
    if (!self->cool_due_ms) self->cool_due_ms = now_ms + COOL_MS;
}

void queues_warm(queues_t *self, int64_t now_ms)
{
    if (!self->cool_due_ms || now_ms < self->cool_due_ms) return;
    for (size_t i = 0; i < self->n_cool; i++) {
        self->cool[i].l->cooldown = false;
        queues_push(self, self->cool[i].q, self->cool[i].l, false);
    }
    self->n_cool = 0;
    self->cool_due_ms = 0;
}
