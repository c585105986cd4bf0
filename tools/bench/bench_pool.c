/* bench_pool: realistic ticket contents (see header). */
#include "bench_pool.h"
#include "scenario.h"
#include "xmalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bench_pool_load(bench_pool_t *p, const char *scenario, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    scenario_t *scn = scenario_open(scenario, err, errlen);
    if (!scn) return -1;
    static const char *const KB[] = {"KB0001"}; /* updates are ignored here */
    p->feed = sim_gen(scn, scenario_seed(scn), KB, 1, err, errlen);
    scenario_destroy(&scn);
    if (!p->feed) return -1;
    size_t n = sim_feed_len(p->feed);
    p->it = xmalloc((n + 1) * sizeof *p->it);
    double bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const sim_item_t *t = sim_feed_at(p->feed, i);
        if (t->kind != SIM_TICKET) continue;
        p->it[p->n++] = t;
        bytes += (double)strlen(t->text);
    }
    if (p->n == 0) {
        snprintf(err, errlen, "scenario %s generates no tickets", scenario);
        bench_pool_free(p);
        return -1;
    }
    p->avg_text_bytes = bytes / (double)p->n;
    return 0;
}

void bench_pool_free(bench_pool_t *p)
{
    free(p->it);
    sim_feed_destroy(&p->feed);
    memset(p, 0, sizeof *p);
}

const sim_item_t *bench_pool_item(const bench_pool_t *p, size_t i) { return p->it[i % p->n]; }

int64_t bench_received_at(size_t i, size_t n)
{
    if (n < 2) return BENCH_Y2022;
    return BENCH_Y2022 + (int64_t)((double)i * (double)(BENCH_Y2023 - BENCH_Y2022 - 1) / (double)(n - 1));
}
