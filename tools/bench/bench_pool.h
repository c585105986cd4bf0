/* bench_pool: realistic ticket contents for the benchmarks. The simulator's
 * generator (tools/sim_gen) writes one calibrated year of Longhu tickets; the
 * benchmarks cycle through that pool, giving every ticket its own id and a
 * receipt time spread evenly over 2022 (CST). The templates average ~120
 * bytes; a caller's typical closing sentence (words no classifier keyword
 * uses) brings each text to about 200 bytes, the size of a real 工单 text. */
#ifndef HOTLINE_BENCH_POOL_H
#define HOTLINE_BENCH_POOL_H
#include <stddef.h>
#include <stdint.h>
#include "sim_gen.h"

#define BENCH_Y2022 1640966400LL   /* 2022-01-01 00:00 CST */
#define BENCH_Y2023 1672502400LL   /* 2023-01-01 00:00 CST */

typedef struct {
    sim_feed_t *feed;
    const sim_item_t **it;   /* the feed's tickets */
    char **text;             /* their texts, padded to ~200 bytes (owned) */
    size_t n;
    double avg_text_bytes;
} bench_pool_t;

/* Loads scenario (a name or .scn path) and generates its tickets. 0 or -1 with err. */
int bench_pool_load(bench_pool_t *p, const char *scenario, char *err, size_t errlen);
void bench_pool_free(bench_pool_t *p);
/* The template for the i-th of n tickets, its text and its receipt time
 * (monotonic in i). */
const sim_item_t *bench_pool_item(const bench_pool_t *p, size_t i);
const char *bench_pool_text(const bench_pool_t *p, size_t i);
int64_t bench_received_at(size_t i, size_t n);

#endif
