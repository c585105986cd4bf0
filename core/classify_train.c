/* classify_train: liblinear training and the measured combination (see
 * classify_train.h).
 *
 * Place in the flow: off the ticket path. hotline-train (tools/train.c) and
 * the unit test that checks the shipped model is reproducible call it; the
 * model it makes is what classify_model scores with in the workers.
 *
 * The vocabulary is every feature of the training texts (n-grams in at
 * least mindf of them, and all the named features), in byte order, so the
 * feature numbers and hence the model do not depend on hash order. */
#include "classify_train.h"
#include <linear.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dict.h"
#include "rng.h"
#include "xmalloc.h"

#define NC UNITS_N_CATEGORIES
#define LIBLINEAR_EPS 0.001      /* stopping tolerance of the solver */

typedef struct {
    char *name;                  /* owned */
    int df;                      /* training texts that have it */
    int index;                   /* liblinear's 1-based feature number, 0 = dropped */
} vocab_t;

typedef struct {
    vocab_t *v;                  /* borrowed from the dict */
    int32_t value;
} cell_t;

typedef struct {
    dict_t *vocab;               /* name -> vocab_t */
    cell_t *cells;               /* every row's features, row after row */
    size_t *start;               /* row i: cells[start[i] .. start[i + 1]) */
    size_t n, cap;
} rows_t;

static void collect(void *arg, const char *name, size_t len, uint64_t hash, int32_t value)
{
    rows_t *r = arg;
    char key[64];
    if (len >= sizeof key) return;   /* names are at most three characters or a short code */
    memcpy(key, name, len);
    key[len] = '\0';
    vocab_t *v = dict_get(r->vocab, key);
    if (!v) {
        v = xcalloc(1, sizeof *v);
        v->name = xstrdup(key);
        dict_put(r->vocab, v->name, v);
    }
    v->df++;
    if (r->n == r->cap) r->cells = xrealloc(r->cells, (r->cap = r->cap ? 2 * r->cap : 65536) * sizeof *r->cells);
    r->cells[r->n++] = (cell_t){v, value};
}

static int extract(rows_t *r, const classify_eval_set_t *set, const kb_t *kb, char *err, size_t errlen)
{
    size_t n = classify_eval_len(set);
    r->start = xmalloc((n + 1) * sizeof *r->start);
    for (size_t i = 0; i < n; i++) {
        const classify_eval_row_t *row = classify_eval_row(set, i);
        classify_input_t in;
        r->start[i] = r->n;
        if (classify_input(kb, row->text, row->type, i % 2 == 0 ? row->street : NULL, INT64_MAX, &in) != 0)
            return snprintf(err, errlen, "training row %zu: cannot classify (type '%s')", i + 1, row->type), -1;
        classify_feat_each(&in, collect, r);
    }
    r->start[n] = r->n;
    return 0;
}

typedef struct {
    vocab_t **v;
    size_t n;
} list_t;

static void list_add(void *ctx, const char *key, void *val)
{
    list_t *l = ctx;
    l->v[l->n++] = val;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(vocab_t *const *)a)->name, (*(vocab_t *const *)b)->name);
}

/* Numbers the kept features in byte order; returns them (caller frees the array). */
static vocab_t **number_vocab(rows_t *r, int mindf, size_t *nkept)
{
    list_t l = {xmalloc((dict_len(r->vocab) + 1) * sizeof *l.v), 0};
    dict_foreach(r->vocab, list_add, &l);
    qsort(l.v, l.n, sizeof *l.v, by_name);
    size_t k = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i]->name[0] == '#' || l.v[i]->df >= mindf) {
            l.v[k] = l.v[i];
            l.v[k]->index = (int)(k + 1);
            k++;
        }
    *nkept = k;
    return l.v;
}

static int by_index(const void *a, const void *b)
{
    int x = ((const struct feature_node *)a)->index, y = ((const struct feature_node *)b)->index;
    return (x > y) - (x < y);
}

/* The liblinear problem: kept features in index order, then the bias. */
static void build_problem(const rows_t *r, const classify_eval_set_t *set, int nfeat, struct problem *p,
                          struct feature_node **space)
{
    size_t n = classify_eval_len(set);
    *space = xmalloc((r->n + 2 * n) * sizeof **space);
    *p = (struct problem){.l = (int)n, .n = nfeat + 1, .y = xmalloc(n * sizeof *p->y),
                          .x = xmalloc(n * sizeof *p->x), .bias = 1};
    struct feature_node *s = *space;
    for (size_t i = 0; i < n; i++) {
        p->y[i] = classify_eval_row(set, i)->cat;
        p->x[i] = s;
        for (size_t c = r->start[i]; c < r->start[i + 1]; c++)
            if (r->cells[c].v->index)
                *s++ = (struct feature_node){r->cells[c].v->index, (double)r->cells[c].value / CLASSIFY_FEAT_ONE};
        qsort(p->x[i], (size_t)(s - p->x[i]), sizeof *s, by_index);
        *s++ = (struct feature_node){nfeat + 1, 1.0};
        *s++ = (struct feature_node){-1, 0};
    }
}

static void quiet(const char *s) { (void)s; }

/* Copies liblinear's weights into a new model over the kept features. */
static classify_model_t *to_model(const struct model *lm, vocab_t **kept, size_t nkept)
{
    const char **names = xmalloc((nkept + 1) * sizeof *names);
    for (size_t i = 0; i < nkept; i++) names[i] = kept[i]->name;
    classify_model_t *m = classify_model_new(names, nkept);
    free(names);
    int label_at[NC];
    for (int c = 0; c < NC; c++) label_at[c] = -1;
    for (int k = 0; k < get_nr_class(lm); k++) label_at[lm->label[k]] = k;
    double w[NC];
    for (size_t i = 0; i <= nkept; i++) {
        for (int c = 0; c < NC; c++)
            w[c] = label_at[c] < 0 ? (i == nkept ? -10.0 : 0.0)
                   : i == nkept ? get_decfun_bias(lm, label_at[c]) : get_decfun_coef(lm, (int)i + 1, label_at[c]);
        classify_model_set_weights(m, i, w);
    }
    return m;
}

static void vocab_free(void *ctx, const char *key, void *val)
{
    vocab_t *v = val;
    free(v->name);
    free(v);
}

classify_model_t *classify_train(const classify_eval_set_t *set, const kb_t *kb, const classify_train_opts_t *o,
                                 char *err, size_t errlen)
{
    if (!classify_eval_len(set)) return snprintf(err, errlen, "no training rows"), NULL;
    rows_t r = {.vocab = dict_new()};
    classify_model_t *m = NULL;
    if (extract(&r, set, kb, err, errlen) == 0) {
        size_t nkept;
        vocab_t **kept = number_vocab(&r, o->mindf, &nkept);
        struct problem p;
        struct feature_node *space;
        build_problem(&r, set, (int)nkept, &p, &space);
        struct parameter par = {.solver_type = L2R_LR, .eps = LIBLINEAR_EPS, .C = o->C};
        set_print_string_function(quiet);
        const char *bad = check_parameter(&p, &par);
        if (bad) snprintf(err, errlen, "liblinear: %s", bad);
        struct model *lm = bad ? NULL : train(&p, &par);
        if (lm) m = to_model(lm, kept, nkept);
        free_and_destroy_model(&lm);
        free(space), free(p.x), free(p.y), free(kept);
    }
    dict_foreach(r.vocab, vocab_free, NULL);
    dict_destroy(&r.vocab);
    free(r.cells), free(r.start);
    return m;
}

/* ---- the combination, measured on dev ------------------------------------ */

static const double ALPHAS[] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
static const double BETAS[] = {0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3};

/* Every dev row's combined scores, n x NC (caller frees). */
static int64_t *dev_scores(const classify_model_t *m, const kb_t *kb, const classify_eval_set_t *dev)
{
    size_t n = classify_eval_len(dev);
    int64_t *z = xmalloc((n ? n : 1) * NC * sizeof *z);
    for (size_t i = 0; i < n; i++) {
        const classify_eval_row_t *r = classify_eval_row(dev, i);
        classify_input_t in;
        HL_ASSERT(classify_input(kb, r->text, r->type, r->street[0] ? r->street : NULL, INT64_MAX, &in) == 0);
        classify_model_logits(m, &in, true, &z[i * NC]);
    }
    return z;
}

/* Mean log loss on dev of the scores z at temperature temp. */
static double log_loss(classify_model_t *m, const classify_eval_set_t *dev, const int64_t *z, double temp)
{
    double a, b, t, sum = 0;
    classify_model_get_combine(m, &a, &b, &t);
    classify_model_set_combine(m, a, b, temp);
    for (size_t i = 0; i < classify_eval_len(dev); i++)
        sum -= log(fmax(classify_model_prob(m, &z[i * NC], classify_eval_row(dev, i)->cat), 1e-12));
    classify_model_set_combine(m, a, b, t);
    return classify_eval_len(dev) ? sum / (double)classify_eval_len(dev) : 0;
}

static double dev_accuracy(classify_model_t *m, const kb_t *kb, const classify_eval_set_t *dev)
{
    classify_eval_t e;
    HL_ASSERT(classify_eval_run(m, CLASSIFY_COMBINED, kb, dev, &e) == 0);
    return classify_eval_accuracy(&e);
}

double classify_train_combine(classify_model_t *m, const kb_t *kb, const classify_eval_set_t *dev, FILE *log)
{
    double best_acc = -1, best_a = 0, best_b = 0;
    if (log) fprintf(log, "combination on dev (accuracy %%): rows alpha, columns beta\n%6s", "");
    for (size_t j = 0; log && j < sizeof BETAS / sizeof *BETAS; j++) fprintf(log, " %6.2f", BETAS[j]);
    for (size_t i = 0; i < sizeof ALPHAS / sizeof *ALPHAS; i++) {
        if (log) fprintf(log, "\n%6.2f", ALPHAS[i]);
        for (size_t j = 0; j < sizeof BETAS / sizeof *BETAS; j++) {
            classify_model_set_combine(m, ALPHAS[i], BETAS[j], 1);
            double acc = dev_accuracy(m, kb, dev);
            if (log) fprintf(log, " %6.2f", 100 * acc);
            if (acc > best_acc + 1e-12) best_acc = acc, best_a = ALPHAS[i], best_b = BETAS[j];
        }
    }
    classify_model_set_combine(m, best_a, best_b, 1);
    int64_t *z = dev_scores(m, kb, dev);
    double best_t = 1, best_loss = log_loss(m, dev, z, 1);
    for (int k = 10; k <= 1000; k += k < 300 ? 5 : 25) {   /* temperatures 0.10 .. 10 */
        double loss = log_loss(m, dev, z, k / 100.0);
        if (loss < best_loss - 1e-12) best_loss = loss, best_t = k / 100.0;
    }
    free(z);
    classify_model_set_combine(m, best_a, best_b, best_t);
    if (log) fprintf(log, "\nchosen: alpha %.2f beta %.2f (dev accuracy %.2f%%), temperature %.2f (dev log loss %.4f)\n",
                     best_a, best_b, 100 * best_acc, best_t, best_loss);
    return best_acc;
}

int classify_train_fingerprint(const char *path, char *hex, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    uint64_t h = 0xcbf29ce484222325ULL;
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) h = rng_hash(h, chunk, got);
    int bad = ferror(f);
    fclose(f);
    snprintf(hex, len, "%016llx", (unsigned long long)h);
    return bad ? -1 : 0;
}
