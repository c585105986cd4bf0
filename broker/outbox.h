/* outbox: client replies waiting for the commit that covers them to be on
 * disk (acknowledged = durable). A reply is queued, sealed with the epoch of
 * the commit that covers it (store_commits() after that commit), and sent,
 * in order, once store_durable() reaches that epoch. Sent replies are kept on
 * a bounded free list with their buffers, so a steady stream of replies does
 * no heap allocation. */
#ifndef HOTLINE_OUTBOX_H
#define HOTLINE_OUTBOX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mdp.h"

typedef struct outbox outbox_t;
/* Sends one reply: peer (routing id), service, body (and reports a failure itself). */
typedef void (*outbox_send_fn)(void *ctx, mdp_span_t peer, const char *service, const void *body, size_t len);

outbox_t *outbox_new(outbox_send_fn send, void *ctx);
void outbox_destroy(outbox_t **p);
/* Queues a copy. writes=true: the reply reports a store write; after a
 * failed commit it becomes a retry-later error. */
void outbox_push(outbox_t *self, mdp_span_t peer, const char *service, const void *body, size_t len, bool writes);
/* Every reply queued since the last seal waits for commit `epoch`;
 * committed=false: that commit failed (its replies go out at once, in order). */
void outbox_seal(outbox_t *self, uint64_t epoch, bool committed);
/* Sends, in order, the sealed replies whose commit is durable; returns how many. */
size_t outbox_release(outbox_t *self, uint64_t durable);

#endif
