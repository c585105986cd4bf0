/* checkpoint: the WAL checkpoint policy (see header). */
#include "checkpoint.h"
#include "clock.h"
#include "xmalloc.h"
#include <malloc.h>
#include <stdlib.h>

#define CHECKPOINT_MS 2000
#define CHECKPOINT_PAGES 512        /* 2 MiB of WAL left uncopied: small, frequent checkpoints (a big one's writeback delays the WAL fsyncs behind it) */
#define CHECKPOINT_FINISH_PAGES 256 /* the loop's own checkpoint copies at most about this much */
#define CHECKPOINT_ROUNDS 4         /* helper rounds in a row at most */
#define WAL_FINISH_PAGES 16384      /* 64 MiB: the WAL restarts even while the loop is busy */
#define TRIM_EVERY 5                /* finishing checkpoints between two malloc_trim() */

struct checkpoint {
    store_t *store;
    int64_t next_ms;
    unsigned finished;
    int rounds;               /* helper rounds in a row */
    int copied;               /* WAL frames the helper has copied (0 after the WAL restarts) */
};

checkpoint_t *checkpoint_new(store_t *store)
{
    checkpoint_t *self = xcalloc(1, sizeof *self);
    self->store = store;
    return self;
}

void checkpoint_destroy(checkpoint_t **p)
{
    if (!p || !*p) return;
    free(*p);
    *p = NULL;
}

static void finish(checkpoint_t *c)
{
    store_checkpoint(c->store);
    c->copied = 0;
    /* Give memory freed after a burst (a flood of requests, a big batch) back to the system. */
    if (++c->finished % TRIM_EVERY == 0) malloc_trim(0);
}

/* The helper copies every CHECKPOINT_MS, or once CHECKPOINT_PAGES frames are
 * left uncopied, and again at once while much was written during its run.
 * The WAL restarts from its beginning only after a checkpoint that copied all
 * of it, which takes one on the loop's own connection: a stall of two fsyncs
 * (a few ms), so it waits until the loop is idle or the WAL holds
 * WAL_FINISH_PAGES frames. */
void checkpoint_step(checkpoint_t *self, bool idle)
{
    if (store_in_txn(self->store)) return;
    int left = 0, pages = store_wal_pages(self->store);
    if (pages < self->copied) self->copied = 0; /* the helper copied it all and the WAL restarted */
    if (store_checkpoint_done(self->store, &left)) {
        self->copied = pages - left;
        if (left > CHECKPOINT_FINISH_PAGES && ++self->rounds < CHECKPOINT_ROUNDS) {
            store_checkpoint_async(self->store); /* another round for what came in meanwhile */
            return;
        }
        self->rounds = 0;
    }
    bool helper_idle = store_checkpoint_async_idle(self->store);
    if (helper_idle && ((self->copied > 0 && (idle || pages > WAL_FINISH_PAGES) &&
                         pages - self->copied <= CHECKPOINT_FINISH_PAGES) ||
                        pages > 2 * WAL_FINISH_PAGES)) { /* the helper cannot keep up: bound the WAL anyway */
        finish(self);
        return;
    }
    if (clock_mono_ms() < self->next_ms && pages - self->copied <= CHECKPOINT_PAGES) return;
    int rc = store_checkpoint_async(self->store);
    if (rc == 1) return; /* still running */
    self->next_ms = clock_mono_ms() + CHECKPOINT_MS;
    if (rc < 0) finish(self); /* no helper thread (--sync normal): all of it on the loop */
}
