/* tally: the report's figures, counted as the tickets move — the last layer
 * of the pipeline. Each count goes to the store's daily roll-up (by the CST
 * day of its own time, under the ticket's type, urgency, street and current
 * unit) in the open transaction, and to running totals for status and
 * metrics. */
#ifndef HOTLINE_TALLY_H
#define HOTLINE_TALLY_H
#include <stdint.h>
#include "store.h"

typedef struct tally tally_t;

tally_t *tally_new(store_t *store);
void tally_destroy(tally_t **p);
/* Reloads the totals from the store's roll-up. 0 or -1. */
int tally_load(tally_t *self);
/* Adds delta[c] to each figure c, at time at, for ticket t. */
void tally_add(tally_t *self, const ticket_t *t, int64_t at, const int delta[RU__COUNT]);
/* One figure. */
void tally_count(tally_t *self, const ticket_t *t, int64_t at, store_rollup_col_t col, int delta);
/* The all-time totals (RU__COUNT entries). */
const int64_t *tally_totals(const tally_t *self);

#endif
