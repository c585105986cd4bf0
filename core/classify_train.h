/* classify_train: makes the learned classifier's model (hotline-train).
 * liblinear's L2-regularised logistic regression (primal trust-region
 * solver: no random numbers, so the same data give the same model) learns one
 * weight vector per category over the features of classify_feat.h; the
 * combination with the keyword rules and the confidence's temperature are
 * then chosen on the dev split by measuring. */
#ifndef HOTLINE_CLASSIFY_TRAIN_H
#define HOTLINE_CLASSIFY_TRAIN_H
#include <stdint.h>
#include <stdio.h>
#include "classify_eval.h"
#include "classify_model.h"
#include "kb.h"

typedef struct {
    double C;        /* liblinear's cost: higher fits the training texts closer */
    int mindf;       /* an n-gram in fewer training texts is left out */
} classify_train_opts_t;

/* Trains on set, with the keyword evidence of kb (its newest revisions).
 * Every other training row is given its street, the rest rely on the text,
 * as tickets do. No combination yet. NULL with err on failure. */
classify_model_t *classify_train(const classify_eval_set_t *set, const kb_t *kb, const classify_train_opts_t *o,
                                 char *err, size_t errlen);
/* Chooses the combination (alpha, beta) from a grid by accuracy on dev, ties
 * to the smaller weights, then the temperature that minimises the log loss
 * on dev; sets them on m and prints each step's measurements to log (may be
 * NULL). Returns the dev accuracy reached. */
double classify_train_combine(classify_model_t *m, const kb_t *kb, const classify_eval_set_t *dev, FILE *log);
/* FNV-1a of a file's bytes as 16 hex digits into hex (>= 17 bytes); -1 if unreadable. */
int classify_train_fingerprint(const char *path, char *hex, size_t len);

#endif
