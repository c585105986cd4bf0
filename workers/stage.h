/* stage: the worker side of a stage batch. The broker sends
 * {v, scn, seed, kbrev, items:[...]}; each item is one ticket's stage; the
 * reply is {v, items:[...]} with one result per item, each carrying the
 * item's id and delivery token (dlv) so the broker can match it. A stage's
 * draws come from rng_key(seed, id, stage, round): never from the worker or
 * the delivery, so every redelivery gives the same outcome. */
#ifndef HOTLINE_STAGE_H
#define HOTLINE_STAGE_H
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include "model.h"
#include "rng.h"
#include "wire.h"

/* The common fields of a stage item (schemas/wire.md). */
typedef struct {
    const msgpack_object *o;   /* the raw item, for stage-specific fields */
    char id[TICKET_ID_MAX + 1];
    char stage[16];
    int64_t dlv, round, rcv, at;
    int type;                  /* ticket_type_t */
    bool urgent;
    char street[16];           /* "" if none */
    uint64_t seed;
    bool live;                 /* people are in the loop (broker --manual): the work happens at 'at', no drawn delay */
} stage_item_t;

/* Computes one item's result and encodes it with stage_result_begin() plus
 * exactly n_fields key/value pairs. On error writes err and encodes nothing. */
typedef int (*stage_fn)(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen);

/* Runs a whole batch body through fn; the reply is left in out. */
void stage_run_batch(model_t *m, const msgpack_object *root, bool needs_kb, stage_fn fn, wire_enc_t *out);
/* Starts an item's result map of n_fields more pairs (after id and dlv). */
void stage_result_begin(wire_enc_t *out, const stage_item_t *it, int n_fields);
/* The item's random stream for (stage, round). */
void stage_rng(const stage_item_t *it, const char *stage, int round, rng_t *r);

#endif
