/* classify_eval: labelled ticket sets and how well a classifier does on them.
 * Used by hotline-classify --eval and --bench, by hotline-train to tune on the
 * dev split, and by the unit test that holds the test split's accuracy.
 *
 * A set is a corpus TSV (the files under data/classify): text, type, category, street
 * per line, '#' comments. */
#ifndef HOTLINE_CLASSIFY_EVAL_H
#define HOTLINE_CLASSIFY_EVAL_H
#include <stdio.h>
#include "classify.h"

typedef struct {
    const char *text, *type, *category, *street;   /* owned by the set */
    int cat;                                       /* index of category */
} classify_eval_row_t;

typedef struct classify_eval_set classify_eval_set_t;

/* Loads a set; NULL with err naming the line on failure. */
classify_eval_set_t *classify_eval_load(const char *path, char *err, size_t errlen);
void classify_eval_destroy(classify_eval_set_t **p);
size_t classify_eval_len(const classify_eval_set_t *self);
const classify_eval_row_t *classify_eval_row(const classify_eval_set_t *self, size_t i);
/* Rows of a and b in one new set (copies). */
classify_eval_set_t *classify_eval_concat(const classify_eval_set_t *a, const classify_eval_set_t *b);

#define CLASSIFY_EVAL_BINS 10

/* What a run measured. */
typedef struct {
    int n, correct, unit_correct;
    int confusion[UNITS_N_CATEGORIES][UNITS_N_CATEGORIES];   /* [true][chosen] */
    int bin_n[CLASSIFY_EVAL_BINS], bin_ok[CLASSIFY_EVAL_BINS]; /* by confidence tenth */
} classify_eval_t;

/* Classifies every row (with its street, as of the newest knowledge base)
 * in the given mode and counts. 0, or -1 if a row could not be classified. */
int classify_eval_run(const classify_model_t *m, classify_mode_t mode, const kb_t *kb,
                      const classify_eval_set_t *set, classify_eval_t *out);
double classify_eval_accuracy(const classify_eval_t *e);
double classify_eval_recall(const classify_eval_t *e, int cat);
double classify_eval_precision(const classify_eval_t *e, int cat);
/* Accuracy, per-category precision and recall, the confusion matrix and the
 * accuracy by confidence. */
void classify_eval_print(const classify_eval_t *e, FILE *f);

#endif
