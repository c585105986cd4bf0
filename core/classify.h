/* classify: sorts Chinese ticket text into a category and responsible
 * unit, using the knowledge base as it stood at a given virtual time, and says
 * whether a consultation can be answered from the knowledge base (kb_id). */
#ifndef HOTLINE_CLASSIFY_H
#define HOTLINE_CLASSIFY_H
#include <stdint.h>
#include "classify_feat.h"
#include "classify_model.h"
#include "kb.h"

typedef struct {
    char category[24];   /* category code */
    char unit[48];       /* responsible unit service, e.g. "unit.street.jinxia" */
    char alt_unit[48];   /* second choice, used when the first unit returns the ticket (退单) */
    char kb_id[32];      /* entry answering a consultation, "" if none */
    char street[16];     /* street code used (given or found in text), "" if none */
    int score;           /* keyword rules' match strength of the chosen category */
    char second[24];     /* runner-up category code, "" if none */
    double confidence;   /* 0-1, rounded to 0.001: the classifier's probability of category */
} classify_result_t;

/* How to decide: the keyword rules alone, the learned model alone, or the
 * model combined with the rules (what workers use; docs/CLASSIFIER.md). */
typedef enum { CLASSIFY_RULES, CLASSIFY_MODEL, CLASSIFY_COMBINED } classify_mode_t;

/* Classifies text of the given ticket type. street (may be NULL) is the
 * ticket's street field; without it a street named in the text is used, and a
 * community matter with no street at all goes to the fallback street
 * UNITS_FALLBACK_STREET (金霞, seat of the district government; out->street
 * then stays ""). Text matching no keyword at all is a community matter
 * (属地: the street office).
 * alt_unit: a close runner-up category's unit, else for a department matter
 * the street office (fallback street if none), else the runner-up, else
 * unit.minzheng; it always differs from unit.
 * kb_id is set only for type "consult" when the winning category's best entry
 * has an answer and matched with score >= 5 (one 3-character keyword).
 * at: virtual time of receipt (INT64_MAX = newest KB). Deterministic.
 * Returns 0, or -1 on invalid arguments. */
int classify_text(const kb_t *kb, const char *text, const char *type, const char *street,
                  int64_t at, classify_result_t *out);
/* The classifier workers use: the learned model m combined with the keyword
 * rules (classify_run with CLASSIFY_COMBINED). m NULL: classify_text. */
int classify_ticket(const classify_model_t *m, const kb_t *kb, const char *text, const char *type,
                    const char *street, int64_t at, classify_result_t *out);
/* Classifies in the given mode; the model modes need m. Category is the
 * highest score (ties: the category table's order); second the next one;
 * confidence the model's softmax probability of category (keyword rules
 * alone: s1 / (s1 + s2) of their scores, 0 with no keyword). Units, alt_unit
 * and kb_id follow the rules of classify_text for the chosen category; in
 * the model modes alt_unit is the most probable other unit when it is at
 * least half as probable, else as classify_text. Deterministic: the choice
 * is made in integers. Returns 0, or -1 on invalid arguments. */
int classify_run(const classify_model_t *m, classify_mode_t mode, const kb_t *kb, const char *text,
                 const char *type, const char *street, int64_t at, classify_result_t *out);
/* The model's input for a ticket: the street used and the keyword rules'
 * scores as of at (in->text and in->type point to the arguments). 0 or -1. */
int classify_input(const kb_t *kb, const char *text, const char *type, const char *street, int64_t at,
                   classify_input_t *in);
/* The street code named in text (by 街道 name or a known place), or NULL. */
const char *classify_find_street(const char *text);

#endif
