/* classify: sorts Chinese ticket text into a category and responsible
 * unit, using the knowledge base as it stood at a given virtual time, and says
 * whether a consultation can be answered from the knowledge base (kb_id). */
#ifndef HOTLINE_CLASSIFY_H
#define HOTLINE_CLASSIFY_H
#include <stdint.h>
#include "kb.h"

typedef struct {
    char category[24];   /* category code */
    char unit[48];       /* responsible unit service, e.g. "unit.street.jinxia" */
    char alt_unit[48];   /* second choice, used when the first unit returns the ticket (退单) */
    char kb_id[32];      /* entry answering a consultation, "" if none */
    char street[16];     /* street code used (given or found in text), "" if none */
    int score;           /* match strength of the winning category */
} classify_result_t;

/* Classifies text of the given ticket type. street (may be NULL) is the
 * ticket's street field; without it a street named in the text is used, and a
 * community matter with no street at all goes to the fallback street "jinxia"
 * (金霞, seat of the district government; out->street then stays ""). Text
 * matching no keyword at all is a community matter (属地: the street office).
 * alt_unit: a close runner-up category's unit, else for a department matter
 * the street office (fallback street if none), else the runner-up, else
 * unit.minzheng; it always differs from unit.
 * kb_id is set only for type "consult" when the winning category's best entry
 * has an answer and matched with score >= 5 (one 3-character keyword).
 * at: virtual time of receipt (INT64_MAX = newest KB). Deterministic.
 * Returns 0, or -1 on invalid arguments. */
int classify_text(const kb_t *kb, const char *text, const char *type, const char *street,
                  int64_t at, classify_result_t *out);
/* The street code named in text (by 街道 name or a known place), or NULL. */
const char *classify_find_street(const char *text);

#endif
