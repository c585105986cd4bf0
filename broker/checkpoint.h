/* checkpoint: when the broker copies its WAL into the database. A helper
 * thread does the bulk on its own connection (core/store_sync.c) while the
 * loop goes on; the short finishing checkpoint that lets the WAL restart runs
 * on the loop's connection when the loop is idle, or when the WAL has grown
 * large. Called between transactions, once per loop pass. */
#ifndef HOTLINE_CHECKPOINT_H
#define HOTLINE_CHECKPOINT_H
#include <stdbool.h>
#include "store.h"

typedef struct checkpoint checkpoint_t;

checkpoint_t *checkpoint_new(store_t *store);
void checkpoint_destroy(checkpoint_t **p);
/* One pass of the policy: idle = the loop found nothing to do this time. */
void checkpoint_step(checkpoint_t *self, bool idle);

#endif
