/* classify_model: the learned classifier's weights, its file and its scores
 * (see classify_model.h).
 *
 * Place in the flow: a worker loads the model file with the calendars
 * (workers/model.c); classify.c asks it for scores after the keyword rules;
 * hotline-train builds one from liblinear's weights (classify_train.c).
 *
 * Features are found through an open-addressing table keyed by the feature
 * hash that classify_feat passes, checked against the name itself. */
#include "classify_model.h"
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xmalloc.h"

#define NC UNITS_N_CATEGORIES
#define SCORE_ONE ((double)CLASSIFY_MODEL_SCORE_ONE)

typedef struct {
    char *name;                       /* owned */
    uint32_t len;
    uint64_t hash;
} feat_t;

struct classify_model {
    feat_t *f;                        /* owned, n features */
    int32_t *w;                       /* owned, (n + 1) x NC; row n is the bias */
    size_t n;
    uint32_t *slot;                   /* owned; index + 1 of f, nslot a power of two */
    size_t nslot;
    int32_t alpha, beta;              /* combination weights times CLASSIFY_MODEL_ONE */
    double temp;                      /* softmax temperature */
    int64_t close_gap;                /* score gap at which p2 = p1 / 2 */
    char *info[4];                    /* owned: version, kb, data, trained */
};

static const char *const INFO_KEYS[4] = {"version", "kb", "data", "trained"};

static int info_index(const char *key)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(INFO_KEYS[i], key) == 0) return i;
    return -1;
}

static void index_build(classify_model_t *m)
{
    m->nslot = 16;
    while (m->nslot < 2 * m->n) m->nslot *= 2;
    free(m->slot);
    m->slot = xcalloc(m->nslot, sizeof *m->slot);
    for (size_t i = 0; i < m->n; i++) {
        size_t k = (size_t)((m->f[i].hash * 0x9E3779B97F4A7C15ULL) >> 32) & (m->nslot - 1);
        while (m->slot[k]) k = (k + 1) & (m->nslot - 1);
        m->slot[k] = (uint32_t)(i + 1);
    }
}

/* Index of the feature, or -1. */
static long feat_find(const classify_model_t *m, const char *name, size_t len, uint64_t h)
{
    size_t k = (size_t)((h * 0x9E3779B97F4A7C15ULL) >> 32) & (m->nslot - 1);
    for (; m->slot[k]; k = (k + 1) & (m->nslot - 1)) {
        const feat_t *f = &m->f[m->slot[k] - 1];
        if (f->hash == h && f->len == len && memcmp(f->name, name, len) == 0) return (long)m->slot[k] - 1;
    }
    return -1;
}

static classify_model_t *alloc_model(size_t n)
{
    classify_model_t *m = xcalloc(1, sizeof *m);
    m->n = n;
    m->f = xcalloc(n ? n : 1, sizeof *m->f);
    m->w = xcalloc((n + 1) * NC, sizeof *m->w);
    for (int i = 0; i < 4; i++) m->info[i] = xstrdup("");
    classify_model_set_combine(m, 0, 0, 1);
    return m;
}

static void set_name(classify_model_t *m, size_t i, const char *s, size_t len)
{
    m->f[i] = (feat_t){xstrndup(s, len), (uint32_t)len, classify_feat_hash(s, len)};
}

classify_model_t *classify_model_new(const char *const *names, size_t n)
{
    classify_model_t *m = alloc_model(n);
    for (size_t i = 0; i < n; i++) set_name(m, i, names[i], strlen(names[i]));
    index_build(m);
    return m;
}

void classify_model_destroy(classify_model_t **p)
{
    if (!p || !*p) return;
    classify_model_t *m = *p;
    for (size_t i = 0; i < m->n; i++) free(m->f[i].name);
    for (int i = 0; i < 4; i++) free(m->info[i]);
    free(m->f);
    free(m->w);
    free(m->slot);
    free(m);
    *p = NULL;
}

static int32_t to_fixed(double x)
{
    double q = x * CLASSIFY_MODEL_ONE;
    HL_ASSERT(q > -2147483647.0 && q < 2147483647.0);
    return (int32_t)llround(q);
}

void classify_model_set_weights(classify_model_t *self, size_t i, const double w[NC])
{
    HL_ASSERT(i <= self->n);
    for (int c = 0; c < NC; c++) self->w[i * NC + c] = to_fixed(w[c]);
}

void classify_model_set_combine(classify_model_t *self, double alpha, double beta, double temp)
{
    HL_ASSERT(temp > 0);
    self->alpha = to_fixed(alpha);
    self->beta = to_fixed(beta);
    self->temp = temp;
    self->close_gap = llround(M_LN2 * temp * SCORE_ONE);
}

void classify_model_get_combine(const classify_model_t *self, double *alpha, double *beta, double *temp)
{
    *alpha = (double)self->alpha / CLASSIFY_MODEL_ONE;
    *beta = (double)self->beta / CLASSIFY_MODEL_ONE;
    *temp = self->temp;
}

void classify_model_set_info(classify_model_t *self, const char *key, const char *value)
{
    int i = info_index(key);
    HL_ASSERT(i >= 0 && !strpbrk(value, "\r\n"));
    free(self->info[i]);
    self->info[i] = xstrdup(value);
}

const char *classify_model_info(const classify_model_t *self, const char *key)
{
    int i = info_index(key);
    return i >= 0 ? self->info[i] : "";
}

size_t classify_model_n_features(const classify_model_t *self) { return self->n; }

/* ---- scores --------------------------------------------------------------- */

typedef struct {
    const classify_model_t *m;
    int64_t *z;
} acc_t;

static void accumulate(void *arg, const char *name, size_t len, uint64_t hash, int32_t value)
{
    acc_t *a = arg;
    long i = feat_find(a->m, name, len, hash);
    if (i < 0) return;
    const int32_t *w = &a->m->w[(size_t)i * NC];
    for (int c = 0; c < NC; c++) a->z[c] += (int64_t)w[c] * value;
}

void classify_model_logits(const classify_model_t *self, const classify_input_t *in, bool combine, int64_t z[NC])
{
    const int32_t *b = &self->w[self->n * NC];
    for (int c = 0; c < NC; c++) z[c] = (int64_t)b[c] * CLASSIFY_FEAT_ONE;
    acc_t a = {self, z};
    classify_feat_each(in, accumulate, &a);
    if (!combine) return;
    for (int c = 0; c < NC; c++) {
        int k = in->kb[c] < CLASSIFY_FEAT_KB_CAP ? in->kb[c] : CLASSIFY_FEAT_KB_CAP;
        if (k > 0) z[c] += (int64_t)self->alpha * ((int64_t)k * CLASSIFY_FEAT_ONE / CLASSIFY_FEAT_KB_CAP);
    }
    if (in->kb_best >= 0) z[in->kb_best] += (int64_t)self->beta * CLASSIFY_FEAT_ONE;
}

double classify_model_prob(const classify_model_t *self, const int64_t z[NC], int c)
{
    double sum = 0;
    for (int j = 0; j < NC; j++) sum += exp((double)(z[j] - z[c]) / (self->temp * SCORE_ONE));
    return 1.0 / sum;
}

bool classify_model_close(const classify_model_t *self, const int64_t z[NC], int c1, int c2)
{
    return z[c1] - z[c2] <= self->close_gap;
}

/* ---- file ----------------------------------------------------------------- */

int classify_model_save_file(const classify_model_t *self, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) return snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno)), -1;
    fprintf(f, "# hotline classifier model: a linear model over character n-grams, ticket type, street and\n"
               "# keyword-rule evidence (docs/CLASSIFIER.md). Made by hotline-train; do not edit.\n");
    fprintf(f, "hotline-classifier %d\n", CLASSIFY_MODEL_FORMAT);
    for (int i = 0; i < 4; i++) fprintf(f, "%s %s\n", INFO_KEYS[i], self->info[i]);
    fprintf(f, "classes");
    for (int c = 0; c < NC; c++) fprintf(f, " %s", UNITS_CATEGORIES[c].code);
    fprintf(f, "\ncombine %.6f %.6f %.6f\nbias", (double)self->alpha / CLASSIFY_MODEL_ONE,
            (double)self->beta / CLASSIFY_MODEL_ONE, self->temp);
    for (int c = 0; c < NC; c++) fprintf(f, " %" PRId32, self->w[self->n * NC + c]);
    fprintf(f, "\nfeatures %zu\n", self->n);
    for (size_t i = 0; i < self->n; i++) {
        fputs(self->f[i].name, f);
        for (int c = 0; c < NC; c++) fprintf(f, "%c%" PRId32, c ? ' ' : '\t', self->w[i * NC + c]);
        fputc('\n', f);
    }
    if (ferror(f) | (fclose(f) != 0)) return snprintf(err, errlen, "%s: write error", path), -1;
    return 0;
}

/* ---- loading -------------------------------------------------------------- */

typedef struct {
    classify_model_t *m;
    size_t nfeat, want;               /* features read, features announced */
    bool have_format, have_classes, have_combine, have_bias, in_features;
} parse_t;

/* Parses NC integers from s into w; -1 unless exactly NC. */
static int parse_weights(const char *s, int32_t *w)
{
    char *end;
    for (int c = 0; c < NC; c++) {
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (end == s || errno || v < INT32_MIN || v > INT32_MAX) return -1;
        w[c] = (int32_t)v;
        s = end;
    }
    return s[strspn(s, " \r")] == '\0' ? 0 : -1;
}

static int parse_feature(parse_t *p, char *line)
{
    char *tab = strchr(line, '\t');
    if (!tab || tab == line || p->nfeat == p->want) return -1;
    *tab = '\0';
    set_name(p->m, p->nfeat, line, (size_t)(tab - line));
    return parse_weights(tab + 1, &p->m->w[p->nfeat++ * NC]);
}

static int parse_classes(const char *s)
{
    char code[32];
    int used;
    for (int c = 0; c < NC; c++) {
        if (sscanf(s, "%31s%n", code, &used) != 1 || strcmp(code, UNITS_CATEGORIES[c].code) != 0) return -1;
        s += used;
    }
    return s[strspn(s, " \r")] == '\0' ? 0 : -1;
}

static int parse_combine(classify_model_t *m, const char *s)
{
    double a, b, t;
    char extra;
    if (sscanf(s, "%lf %lf %lf %c", &a, &b, &t, &extra) != 3 || !(t > 0) || fabs(a) > 1000 || fabs(b) > 1000) return -1;
    classify_model_set_combine(m, a, b, t);
    return 0;
}

/* One header line ("key value"). */
static int parse_header(parse_t *p, char *line)
{
    char *sp = strchr(line, ' ');
    const char *val = sp ? sp + 1 : "";
    if (sp) *sp = '\0';
    if (strcmp(line, "hotline-classifier") == 0) return p->have_format = true, atoi(val) == CLASSIFY_MODEL_FORMAT ? 0 : -1;
    if (!p->have_format) return -1;
    if (info_index(line) >= 0) return classify_model_set_info(p->m, line, val), 0;
    if (strcmp(line, "classes") == 0) return p->have_classes = true, parse_classes(val);
    if (strcmp(line, "combine") == 0) return p->have_combine = true, parse_combine(p->m, val);
    if (strcmp(line, "bias") == 0) return p->have_bias = true, parse_weights(val, &p->m->w[p->m->n * NC]);
    if (strcmp(line, "features") == 0) {
        char *end;
        unsigned long long n = strtoull(val, &end, 10);
        if (end == val || n > 50000000ULL || !p->have_bias) return -1;
        int32_t bias[NC];
        memcpy(bias, &p->m->w[p->m->n * NC], sizeof bias);
        classify_model_t *m = alloc_model((size_t)n);
        for (int i = 0; i < 4; i++) classify_model_set_info(m, INFO_KEYS[i], p->m->info[i]);
        m->alpha = p->m->alpha, m->beta = p->m->beta, m->temp = p->m->temp, m->close_gap = p->m->close_gap;
        memcpy(&m->w[m->n * NC], bias, sizeof bias);
        classify_model_destroy(&p->m);
        p->m = m;
        p->want = (size_t)n;
        p->in_features = true;
        return 0;
    }
    return -1;
}

classify_model_t *classify_model_load_buf(const char *buf, size_t len, char *err, size_t errlen)
{
    char *copy = xstrndup(buf, len);
    parse_t p = {.m = alloc_model(0)};
    int lineno = 0, rc = 0;
    for (char *line = copy, *next; line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (!p.in_features && (line[0] == '#' || line[strspn(line, " \r")] == '\0')) continue;
        if (p.in_features && line[0] == '\0' && !next) break;
        rc = p.in_features ? parse_feature(&p, line) : parse_header(&p, line);
    }
    free(copy);
    if (rc == 0 && !(p.in_features && p.have_classes && p.have_combine && p.nfeat == p.want)) {
        snprintf(err, errlen, "incomplete model (want the format, classes, combine, bias and %zu features, got %zu)",
                 p.want, p.nfeat);
        rc = 1;
    } else if (rc != 0) {
        snprintf(err, errlen, "line %d: malformed or unknown line (model format %d)", lineno, CLASSIFY_MODEL_FORMAT);
    }
    if (rc != 0) {
        classify_model_destroy(&p.m);
        return NULL;
    }
    index_build(p.m);
    return p.m;
}

classify_model_t *classify_model_load_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) return snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)), NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[65536];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got > cap) buf = xrealloc(buf, cap = (len + got) * 2);
        memcpy(buf + len, chunk, got);
        len += got;
    }
    bool bad = ferror(f);
    fclose(f);
    char inner[256];
    classify_model_t *m = bad ? NULL : classify_model_load_buf(buf ? buf : "", len, inner, sizeof inner);
    if (!m) snprintf(err, errlen, "%s: %s", path, bad ? "read error" : inner);
    free(buf);
    return m;
}
