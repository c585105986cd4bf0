/* deadline: core/heap.h over live_t.timer. */
#include "deadline.h"
#include "xmalloc.h"
#include <stddef.h>
#include <stdlib.h>

struct deadline {
    heap_t *heap;
};

deadline_t *deadline_new(void)
{
    deadline_t *self = xcalloc(1, sizeof *self);
    self->heap = heap_new();
    return self;
}

void deadline_destroy(deadline_t **p)
{
    if (!p || !*p) return;
    heap_destroy(&(*p)->heap);
    free(*p);
    *p = NULL;
}

void deadline_clear(deadline_t *self)
{
    heap_destroy(&self->heap);
    self->heap = heap_new();
}

void deadline_set(deadline_t *self, live_t *l, int64_t at)
{
    if (at) heap_update(self->heap, &l->timer, at);
    else heap_remove(self->heap, &l->timer);
}

live_t *deadline_due(deadline_t *self, int64_t now)
{
    heap_node_t *n = heap_top(self->heap);
    if (!n || n->key > now) return NULL;
    heap_remove(self->heap, n);
    return (live_t *)((char *)n - offsetof(live_t, timer));
}
