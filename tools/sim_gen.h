/* sim_gen: generates a scenario's feed, tickets and knowledge-base updates
 * with virtual times, deterministically from (scenario, seed).
 * Counts the scenario fixes ([counts]) come out exactly; the mix by month,
 * type, street and category follows the scenario's weights. */
#ifndef HOTLINE_SIM_GEN_H
#define HOTLINE_SIM_GEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scenario.h"

typedef enum { SIM_TICKET, SIM_KB_UPDATE } sim_kind_t;

typedef struct {
    sim_kind_t kind;
    int64_t at;               /* virtual Unix time: received_at, or the KB update time */
    char id[24];              /* ticket: "LH2022-000123", sorts in feed order among tickets;
                               * KB update: "LH2022-K0001" (an idempotency key for resends) */
    /* SIM_TICKET */
    const char *type;         /* ticket type code (static string) */
    bool urgent;
    const char *street;       /* street code (static string) */
    const char *category;     /* the category the text was written for (ground truth) */
    char *text;               /* UTF-8, <= 4 KiB, owned by the feed */
    char caller[16];          /* 11-digit mobile number */
    const char *channel;      /* "phone", "web", "wechat", "app" */
    /* SIM_KB_UPDATE */
    char kb_id[32];           /* entry to update (one of the ids passed in) */
    char *answer;             /* new standard answer, owned by the feed */
    char *add_keywords;       /* '|'-separated keywords to add, or NULL; owned */
} sim_item_t;

typedef struct sim_feed sim_feed_t;

/* kb_ids: the knowledge-base ids updates may touch (n_kb > 0 when the scenario
 * has kb updates). Returns NULL with a message in err on error. */
sim_feed_t *sim_gen(const scenario_t *scn, uint64_t seed, const char *const *kb_ids, size_t n_kb,
                    char *err, size_t errlen);
void sim_feed_destroy(sim_feed_t **p);
/* Items sorted by (at, id); each item's memory lives as long as the feed. */
size_t sim_feed_len(const sim_feed_t *self);
const sim_item_t *sim_feed_at(const sim_feed_t *self, size_t i);

#endif
