/* rng: the keyed random stream that makes outcomes deterministic.
 * A stream is keyed by (scenario seed, ticket id, stage, round), never by the
 * worker or the delivery, so a redelivered stage draws the same numbers. */
#ifndef HOTLINE_RNG_H
#define HOTLINE_RNG_H
#include <stdint.h>

typedef struct {
    uint64_t s;   /* splitmix64 state */
} rng_t;

/* Seeds the stream for (seed, id, stage, round). id and stage are NUL-terminated. */
void rng_key(rng_t *self, uint64_t seed, const char *id, const char *stage, int round);
void rng_seed(rng_t *self, uint64_t seed);
uint64_t rng_u64(rng_t *self);
/* Uniform in [0, 1). */
double rng_double(rng_t *self);
/* Uniform integer in [0, n). n > 0. */
uint64_t rng_below(rng_t *self, uint64_t n);
/* Standard normal (Box-Muller; uses two draws). */
double rng_normal(rng_t *self);
/* 64-bit FNV-1a of a byte string, the building block of keys. */
uint64_t rng_hash(uint64_t h, const void *data, unsigned long len);

#endif
