/* kb: the knowledge base (知识库), versioned in virtual time.
 * Each entry (id) has revisions; a revision is valid from a virtual time on.
 * Classification "as of t" uses, per id, the newest revision with
 * valid_from <= t, so the order in which updates arrive cannot change a
 * classification. The broker's store holds the master copy; workers
 * hold a kb_t filled over the wire (kb.* services). */
#ifndef HOTLINE_KB_H
#define HOTLINE_KB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kb kb_t;

/* One revision. Strings are borrowed by kb_put (it copies them). */
typedef struct {
    const char *id;        /* "KB0001", <= 31 bytes */
    int64_t rev;           /* global revision number, increasing; 0 = shipped */
    int64_t valid_from;    /* virtual Unix time from which this revision holds */
    const char *category;  /* category code */
    const char *unit;      /* "unit.chengguan", or "street" = the ticket's street unit */
    const char *keywords;  /* '|'-separated Chinese keywords, e.g. "占道经营|摆摊|流动摊贩" */
    const char *answer;    /* standard answer for consultations; "" if none */
} kb_entry_t;

kb_t *kb_new(void);
void kb_destroy(kb_t **p);

/* The shipped TSV (schemas/kb/NAME.tsv): "id<TAB>category<TAB>unit<TAB>keywords<TAB>answer",
 * '#' comment lines. Every row becomes revision 0 valid from valid_from.
 * Errors name the line and the field; returns 0 or -1 (nothing added on error). */
int kb_load_tsv_buf(kb_t *self, const char *buf, size_t len, int64_t valid_from, char *err, size_t errlen);
int kb_load_tsv_file(kb_t *self, const char *path, int64_t valid_from, char *err, size_t errlen);

/* Adds a revision (replacing an identical (id, rev)). Validates the fields:
 * known category, unit, non-empty keywords. Returns 0 or -1. */
int kb_put(kb_t *self, const kb_entry_t *e);
/* Distinct ids, and the newest revision of the i-th id in id order (i < kb_count). */
size_t kb_count(const kb_t *self);
const kb_entry_t *kb_entry_at(const kb_t *self, size_t i);
/* Newest revision of id valid at time at (INT64_MAX = newest overall), or NULL. */
const kb_entry_t *kb_get(const kb_t *self, const char *id, int64_t at);
/* Highest rev held (-1 when empty). Workers compare it with the broker's. */
int64_t kb_max_rev(const kb_t *self);

/* Added for classify: calls fn for every occurrence in text of a keyword of a
 * revision valid at time at (per id the one kb_get(id, at) returns), in text
 * order; pos and len are byte offsets into text. partial is true when only a
 * 2-character piece of a longer (3+ character) keyword occurs there: weak
 * evidence. Uses a keyword index, so the cost grows with the text, not with
 * the number of entries. */
typedef void (*kb_hit_fn)(void *arg, const kb_entry_t *e, size_t pos, size_t len, bool partial);
void kb_scan(const kb_t *self, const char *text, int64_t at, kb_hit_fn fn, void *arg);

#endif
