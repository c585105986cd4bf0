/* rng: splitmix64 seeded from an FNV-1a hash of the key. Small, fast, and the
 * same on every machine and compiler, which is what determinism needs. */
#include "rng.h"
#include <math.h>
#include <string.h>

uint64_t rng_hash(uint64_t h, const void *data, unsigned long len)
{
    const unsigned char *p = data;
    for (unsigned long i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

void rng_seed(rng_t *self, uint64_t seed) { self->s = seed; }

void rng_key(rng_t *self, uint64_t seed, const char *id, const char *stage, int round)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = rng_hash(h, &seed, sizeof seed);
    h = rng_hash(h, id, strlen(id) + 1);
    h = rng_hash(h, stage, strlen(stage) + 1);
    int32_t r = round;
    h = rng_hash(h, &r, sizeof r);
    self->s = h;
    (void)rng_u64(self); /* decorrelate nearby keys */
}

uint64_t rng_u64(rng_t *self)
{
    uint64_t z = (self->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double rng_double(rng_t *self) { return (double)(rng_u64(self) >> 11) * (1.0 / 9007199254740992.0); }

uint64_t rng_below(rng_t *self, uint64_t n) { return (uint64_t)(rng_double(self) * (double)n) % n; }

double rng_normal(rng_t *self)
{
    double u1 = rng_double(self), u2 = rng_double(self);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
