/* live: id → live_t, chained through live_t.hnext, load factor <= 1. */
#include "live.h"
#include "dict.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>

struct livetab {
    live_t **b;
    size_t nb, n;
};

livetab_t *livetab_new(void)
{
    livetab_t *t = xcalloc(1, sizeof *t);
    t->nb = 1024;
    t->b = xcalloc(t->nb, sizeof *t->b);
    return t;
}

void livetab_destroy(livetab_t **p)
{
    if (!p || !*p) return;
    livetab_t *t = *p;
    for (size_t i = 0; i < t->nb; i++)
        for (live_t *x = t->b[i], *nx; x; x = nx) {
            nx = x->hnext;
            ticket_ext_free(&x->t);
            free(x);
        }
    free(t->b);
    free(t);
    *p = NULL;
}

static size_t slot(const livetab_t *t, const char *id) { return dict_hash(id) & (t->nb - 1); }

live_t *livetab_find(const livetab_t *self, const char *id)
{
    live_t *l = self->b[slot(self, id)];
    while (l && strcmp(l->t.id, id) != 0) l = l->hnext;
    return l;
}

static void grow(livetab_t *t)
{
    size_t nb = t->nb * 2;
    live_t **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < t->nb; i++)
        for (live_t *x = t->b[i], *nx; x; x = nx) {
            nx = x->hnext;
            size_t k = dict_hash(x->t.id) & (nb - 1);
            x->hnext = b[k];
            b[k] = x;
        }
    free(t->b);
    t->b = b;
    t->nb = nb;
}

live_t *livetab_add(livetab_t *self, const ticket_t *t)
{
    if (self->n >= self->nb) grow(self);
    live_t *l = xcalloc(1, sizeof *l);
    l->t = *t;
    heap_node_init(&l->timer);
    size_t k = slot(self, l->t.id);
    l->hnext = self->b[k];
    self->b[k] = l;
    self->n++;
    return l;
}

void livetab_free(livetab_t *self, live_t *l)
{
    live_t **pp = &self->b[slot(self, l->t.id)];
    while (*pp && *pp != l) pp = &(*pp)->hnext;
    if (*pp) {
        *pp = l->hnext;
        self->n--;
    }
    ticket_ext_free(&l->t);
    free(l);
}

size_t livetab_count(const livetab_t *self) { return self->n; }

void livetab_each(const livetab_t *self, void (*fn)(void *ctx, const live_t *l), void *ctx)
{
    for (size_t i = 0; i < self->nb; i++)
        for (const live_t *l = self->b[i]; l; l = l->hnext) fn(ctx, l);
}
