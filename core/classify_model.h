/* classify_model: the learned part of the classifier, a linear model (one
 * weight vector per category, trained by hotline-train with liblinear's
 * logistic regression) over the features of classify_feat.h, and the way its
 * scores are combined with the keyword rules.
 *
 * The model file (schemas/kb/classifier.model, format below) ships beside
 * the knowledge base it was trained with and names that knowledge base's
 * fingerprint. Weights are fixed-point integers and scores are summed in
 * 64-bit integers, so a category decision is the same on every machine.
 *
 * File format 2 (UTF-8 text, one item per line, '#' comments):
 *   hotline-classifier 2
 *   version TEXT                    model version (reported by the worker)
 *   kb HEX16 / data HEX16           fingerprints of the knowledge base and training data
 *   trained TEXT                    how it was trained (free text)
 *   classes CODE x12                must equal the category table's order
 *   combine ALPHA BETA TEMP         see classify_model_logits / _confidence
 *   bias W x12
 *   features N, then N lines NAME<TAB>W x12
 * W are weights times CLASSIFY_MODEL_ONE, rounded. Bump the format number
 * only when lines change meaning; retraining is data maintenance. Format 2:
 * the n-gram values count repeats (1 + ln tf, classify_feat.h); format 1's
 * weights were for presence only and are refused. */
#ifndef HOTLINE_CLASSIFY_MODEL_H
#define HOTLINE_CLASSIFY_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "classify_feat.h"
#include "units.h"

#define CLASSIFY_MODEL_ONE 65536      /* fixed-point 1.0 of weights */
#define CLASSIFY_MODEL_FORMAT 2
#define CLASSIFY_MODEL_SCORE_ONE 4294967296LL   /* scores are logits times 2^32 */

typedef struct classify_model classify_model_t;

/* Loads a model file; NULL with err (naming the line) on failure. */
classify_model_t *classify_model_load_file(const char *path, char *err, size_t errlen);
classify_model_t *classify_model_load_buf(const char *buf, size_t len, char *err, size_t errlen);
void classify_model_destroy(classify_model_t **p);
/* Writes the model in the file format; 0 or -1 with err. */
int classify_model_save_file(const classify_model_t *self, const char *path, char *err, size_t errlen);

/* Building one (hotline-train): n features named names[i] (copied), all
 * weights 0, no combination (alpha = beta = 0, temperature 1). */
classify_model_t *classify_model_new(const char *const *names, size_t n);
/* Weights of feature i (i == n: the bias), one per category, as reals. */
void classify_model_set_weights(classify_model_t *self, size_t i, const double w[UNITS_N_CATEGORIES]);
/* Combination with the keyword rules (see classify_model_logits), and the
 * softmax temperature of the confidence. temp > 0. */
void classify_model_set_combine(classify_model_t *self, double alpha, double beta, double temp);
void classify_model_get_combine(const classify_model_t *self, double *alpha, double *beta, double *temp);
/* Metadata lines: key is "version", "kb", "data" or "trained". */
void classify_model_set_info(classify_model_t *self, const char *key, const char *value);
/* The value of a metadata line ("" if absent). */
const char *classify_model_info(const classify_model_t *self, const char *key);
size_t classify_model_n_features(const classify_model_t *self);

/* Per-category scores of in, in logits times 2^32: the linear model's
 * w_c . x + b_c, plus, with combine, alpha * min(kb_c, cap)/cap + beta for
 * the keyword rules' winner. Integer arithmetic only. */
void classify_model_logits(const classify_model_t *self, const classify_input_t *in, bool combine,
                           int64_t z[UNITS_N_CATEGORIES]);
/* Softmax probability of category c given the scores z at the model's
 * temperature (not rounded). */
double classify_model_prob(const classify_model_t *self, const int64_t z[UNITS_N_CATEGORIES], int c);
/* True when c2's probability is at least half of c1's (an integer test). */
bool classify_model_close(const classify_model_t *self, const int64_t z[UNITS_N_CATEGORIES], int c1, int c2);

#endif
