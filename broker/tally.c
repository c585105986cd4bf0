/* tally: running totals beside store_rollup_add(). */
#include "tally.h"
#include "xmalloc.h"
#include <stdlib.h>

struct tally {
    store_t *store;
    int64_t totals[RU__COUNT];
};

tally_t *tally_new(store_t *store)
{
    tally_t *self = xcalloc(1, sizeof *self);
    self->store = store;
    return self;
}

void tally_destroy(tally_t **p)
{
    if (!p || !*p) return;
    free(*p);
    *p = NULL;
}

int tally_load(tally_t *self) { return store_rollup_totals(self->store, self->totals); }

void tally_add(tally_t *self, const ticket_t *t, int64_t at, const int delta[RU__COUNT])
{
    for (int c = 0; c < RU__COUNT; c++) self->totals[c] += delta[c];
    store_begin(self->store);
    store_rollup_add(self->store, t, t->unit, at, delta);
}

void tally_count(tally_t *self, const ticket_t *t, int64_t at, store_rollup_col_t col, int delta)
{
    int d[RU__COUNT] = {0};
    d[col] = delta;
    tally_add(self, t, at, d);
}

const int64_t *tally_totals(const tally_t *self) { return self->totals; }
