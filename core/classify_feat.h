/* classify_feat: the features the learned classifier sees, one definition for
 * training (hotline-train) and prediction (classify_model), so both see the
 * very same numbers.
 *
 * Features of one ticket, each a name and a value in fixed point
 * (CLASSIFY_FEAT_ONE = 1.0):
 *   - every distinct character 1-, 2- and 3-gram of the normalised text,
 *     worth 1 + ln(its count in the text) (a table, counts above 64 as 64),
 *     scaled so that the n-gram part has unit length;
 *   - "#t:TYPE" (1), "#s:STREET" (1; "#s:-" when no street is known);
 *   - per category with keyword evidence, "#k:CAT" = min(score, KB_CAP)/KB_CAP
 *     of the keyword rules (core/classify.c), and "#w:CAT" (1) for the
 *     rules' winner ("#w:-" when no keyword matched).
 * Normalising: ASCII letters are lower-cased, digits become '0', full-width
 * forms become ASCII, and punctuation and spaces separate runs of text;
 * n-grams never span a separator. Only the first CLASSIFY_FEAT_MAX_CHARS
 * characters count. Pure function of its input. */
#ifndef HOTLINE_CLASSIFY_FEAT_H
#define HOTLINE_CLASSIFY_FEAT_H
#include <stddef.h>
#include <stdint.h>
#include "units.h"

#define CLASSIFY_FEAT_ONE 65536        /* fixed-point 1.0 of feature values */
#define CLASSIFY_FEAT_KB_CAP 45        /* keyword score that counts as full evidence */
#define CLASSIFY_FEAT_MAX_CHARS 4096

/* What one ticket gives the model. */
typedef struct {
    const char *text;                  /* UTF-8 */
    const char *type;                  /* ticket type code */
    const char *street;                /* street code used, or NULL/"" if none */
    int kb[UNITS_N_CATEGORIES];        /* keyword rules' score per category */
    int kb_best;                       /* keyword rules' winner, -1 if no keyword matched */
} classify_input_t;

/* One feature: name (len bytes, not NUL-terminated, valid during the
 * callback), its hash (classify_feat_hash of the name) and its value. */
typedef void (*classify_feat_fn)(void *arg, const char *name, size_t len, uint64_t hash, int32_t value);

/* Calls fn once per distinct feature of in, n-grams first in text order. */
void classify_feat_each(const classify_input_t *in, classify_feat_fn fn, void *arg);
/* The hash the feature callback passes: FNV-1a of the name's bytes. */
uint64_t classify_feat_hash(const char *name, size_t len);

#endif
