/* bench_pool: realistic ticket contents (see header). */
#include "bench_pool.h"
#include "scenario.h"
#include "xmalloc.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_TARGET 200

/* Closing sentences callers add; none holds a knowledge-base keyword. */
static const char *const TAIL[] = {
    "市民表示此前已反映过，希望有关部门跟进并将结果告知本人。",
    "恳请有关部门重视此事，办理后请回电说明情况，谢谢。",
    "据称情况已持续一段时间，盼早日得到解决。",
    "诉求人希望尽快得到答复。",
    "以上情况请核实后给予答复。",
};
static const char *const PRAISE_TAIL[] = {
    "特此致谢，请代为转达市民的感谢之意。",
    "特此致谢，请将市民的谢意转达给相关同志。",
};

static char *pad_text(const sim_item_t *t, size_t k)
{
    bool praise = strcmp(t->type, "praise") == 0;
    size_t n_tail = praise ? sizeof PRAISE_TAIL / sizeof *PRAISE_TAIL : sizeof TAIL / sizeof *TAIL;
    const char *const *tail = praise ? PRAISE_TAIL : TAIL;
    size_t len = strlen(t->text), cap = len + 512;
    char *s = xmalloc(cap);
    memcpy(s, t->text, len + 1);
    for (size_t j = 0; len < TEXT_TARGET - 20 && j < n_tail; j++) {
        const char *add = tail[(k + j) % n_tail];
        size_t m = strlen(add);
        if (len + m + 1 > cap || len + m > 4000) break;
        memcpy(s + len, add, m + 1);
        len += m;
    }
    return s;
}

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
    p->text = xmalloc((n + 1) * sizeof *p->text);
    double bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const sim_item_t *t = sim_feed_at(p->feed, i);
        if (t->kind != SIM_TICKET) continue;
        p->text[p->n] = pad_text(t, p->n);
        bytes += (double)strlen(p->text[p->n]);
        p->it[p->n++] = t;
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
    for (size_t i = 0; i < p->n; i++) free(p->text[i]);
    free(p->text);
    free(p->it);
    sim_feed_destroy(&p->feed);
    memset(p, 0, sizeof *p);
}

const sim_item_t *bench_pool_item(const bench_pool_t *p, size_t i) { return p->it[i % p->n]; }
const char *bench_pool_text(const bench_pool_t *p, size_t i) { return p->text[i % p->n]; }

int64_t bench_received_at(size_t i, size_t n)
{
    if (n < 2) return BENCH_Y2022;
    return BENCH_Y2022 + (int64_t)((double)i * (double)(BENCH_Y2023 - BENCH_Y2022 - 1) / (double)(n - 1));
}
