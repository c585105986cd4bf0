/* hotline-train: makes the learned classifier's model file from the labelled
 * corpus (data/classify/): trains on the train split for each setting of the
 * grid, chooses the setting and the combination with the keyword rules by
 * measuring on the dev split, and writes the model beside the knowledge base
 * (schemas/kb/classifier.model). The test split is never read here.
 * Same data, same options: the same file, byte for byte. */
#include "classify_train.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define SRC_DATA HOTLINE_DATADIR_BUILD "/../data/classify"

static const char USAGE[] =
    "Usage: hotline-train [OPTIONS]\n"
    "\n"
    "Trains the ticket classifier (liblinear logistic regression over character\n"
    "1-3-grams, ticket type, street and keyword-rule evidence), measures each\n"
    "setting on the dev split, and writes the chosen model. See docs/CLASSIFIER.md.\n"
    "\n"
    "Options:\n"
    "  --train FILE     training split (default: data/classify/train.tsv of the source tree)\n"
    "  --dev FILE       dev split, for every choice (default: data/classify/dev.tsv)\n"
    "  --kb FILE        knowledge base whose keywords give evidence\n"
    "                   (default: schemas/kb/longhu-kb.tsv)\n"
    "  -o, --out FILE   model file to write (default: schemas/kb/classifier.model)\n"
    "  --C LIST         liblinear costs to try, comma-separated\n"
    "                   (default 65536,131072,262144,524288)\n"
    "  --mindf LIST     least texts an n-gram must occur in, to try (default 3,4,5,6)\n"
    "  --final MODE     what the written model learns from once the setting is\n"
    "                   chosen: 'train' or 'train+dev' (default train+dev)\n"
    "  --version-tag S  model version to record (default: from the data's fingerprints)\n"
    "  -n, --dry-run    measure and report, write nothing\n"
    "  -h, --help       show this help\n"
    "  -V, --version    show the version\n"
    "\n"
    "Exit status: 0, 64 bad usage, 66 an input cannot be read, 65 bad input data,\n"
    "73 the model cannot be written.\n";

typedef struct {
    const char *train, *dev, *kb, *out, *final, *tag;
    double C[16];
    int mindf[8], nC, nmindf;
    int dry;
} opts_t;

static int parse_list(const char *s, double *out, int max)
{
    int n = 0;
    for (char *end; *s && n < max; s = *end == ',' ? end + 1 : end) {
        out[n] = strtod(s, &end);
        if (end == s || !(out[n] > 0)) return -1;
        n++;
        if (*end && *end != ',') return -1;
    }
    return n;
}

static int parse_opts(int argc, char **argv, opts_t *o)
{
    static const struct option LONG[] = {
        {"train", 1, 0, 't'}, {"dev", 1, 0, 'd'}, {"kb", 1, 0, 'k'}, {"out", 1, 0, 'o'}, {"C", 1, 0, 'C'},
        {"mindf", 1, 0, 'm'}, {"final", 1, 0, 'f'}, {"version-tag", 1, 0, 'T'}, {"dry-run", 0, 0, 'n'},
        {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    *o = (opts_t){SRC_DATA "/train.tsv", SRC_DATA "/dev.tsv", HOTLINE_DATADIR_BUILD "/kb/longhu-kb.tsv",
                  HOTLINE_DATADIR_BUILD "/kb/classifier.model", "train+dev", NULL,
                  {65536, 131072, 262144, 524288}, {3, 4, 5, 6}, 4, 4, 0};
    double md[8];
    int c;
    while ((c = getopt_long(argc, argv, "o:nhV", LONG, NULL)) != -1) {
        switch (c) {
        case 't': o->train = optarg; break;
        case 'd': o->dev = optarg; break;
        case 'k': o->kb = optarg; break;
        case 'o': o->out = optarg; break;
        case 'f': o->final = optarg; break;
        case 'T': o->tag = optarg; break;
        case 'n': o->dry = 1; break;
        case 'C': if ((o->nC = parse_list(optarg, o->C, 16)) <= 0) return -1; break;
        case 'm':
            if ((o->nmindf = parse_list(optarg, md, 8)) <= 0) return -1;
            for (int i = 0; i < o->nmindf; i++) o->mindf[i] = (int)md[i];
            break;
        case 'h': fputs(USAGE, stdout); exit(0);
        case 'V': printf("hotline-train %s\n", HOTLINE_VERSION); exit(0);
        default: return -1;
        }
    }
    if (optind != argc || (strcmp(o->final, "train") != 0 && strcmp(o->final, "train+dev") != 0)) return -1;
    return 0;
}

/* Trains every setting on train, measures on dev; the best is copied to *best. */
static classify_model_t *search(const opts_t *o, const kb_t *kb, const classify_eval_set_t *train,
                                const classify_eval_set_t *dev, classify_train_opts_t *best)
{
    classify_model_t *keep = NULL;
    double best_acc = -1;
    for (int i = 0; i < o->nmindf; i++)
        for (int j = 0; j < o->nC; j++) {
            classify_train_opts_t t = {o->C[j], o->mindf[i]};
            char err[256];
            classify_model_t *m = classify_train(train, kb, &t, err, sizeof err);
            if (!m) { fprintf(stderr, "hotline-train: %s\n", err); return NULL; }
            classify_eval_t alone;
            classify_eval_run(m, CLASSIFY_MODEL, kb, dev, &alone);
            printf("\n== C %g, mindf %d: %zu features; dev accuracy, model alone %.2f%%\n", t.C, t.mindf,
                   classify_model_n_features(m), 100 * classify_eval_accuracy(&alone));
            double acc = classify_train_combine(m, kb, dev, stdout);
            if (acc > best_acc + 1e-12) {
                best_acc = acc, *best = t;
                classify_model_destroy(&keep);
                keep = m;
            } else {
                classify_model_destroy(&m);
            }
        }
    printf("\nbest on dev: C %g, mindf %d, combined accuracy %.2f%%\n", best->C, best->mindf, 100 * best_acc);
    return keep;
}

static void record(classify_model_t *m, const opts_t *o, const classify_train_opts_t *t, size_t rows)
{
    char kbfp[17] = "?", trfp[17] = "?", devfp[17] = "?", buf[512];
    classify_train_fingerprint(o->kb, kbfp, sizeof kbfp);
    classify_train_fingerprint(o->train, trfp, sizeof trfp);
    classify_train_fingerprint(o->dev, devfp, sizeof devfp);
    bool with_dev = strcmp(o->final, "train+dev") == 0;
    snprintf(buf, sizeof buf, "%s%s%s", trfp, with_dev ? "+" : "", with_dev ? devfp : "");
    classify_model_set_info(m, "data", buf);
    classify_model_set_info(m, "kb", kbfp);
    snprintf(buf, sizeof buf, "liblinear L2R_LR C=%g mindf=%d rows=%zu on %s; combination tuned on dev", t->C,
             t->mindf, rows, o->final);
    classify_model_set_info(m, "trained", buf);
    snprintf(buf, sizeof buf, "%.8s.%.8s", kbfp, trfp);
    classify_model_set_info(m, "version", o->tag ? o->tag : buf);
}

int main(int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, &o) != 0) { fputs("Try 'hotline-train --help'.\n", stderr); return EX_USAGE; }
    char err[512];
    kb_t *kb = kb_new();
    classify_eval_set_t *train = NULL, *dev = NULL, *all = NULL;
    classify_model_t *m = NULL;
    int rc = EX_NOINPUT;
    if (kb_load_tsv_file(kb, o.kb, 0, err, sizeof err) != 0 || !(train = classify_eval_load(o.train, err, sizeof err)) ||
        !(dev = classify_eval_load(o.dev, err, sizeof err))) {
        fprintf(stderr, "hotline-train: %s\n", err);
        goto out;
    }
    printf("train %zu rows, dev %zu rows\n", classify_eval_len(train), classify_eval_len(dev));
    classify_train_opts_t best;
    rc = EX_DATAERR;
    if (!(m = search(&o, kb, train, dev, &best))) goto out;
    const classify_eval_set_t *final = train;
    if (strcmp(o.final, "train+dev") == 0) {
        double a, b, t;
        classify_model_get_combine(m, &a, &b, &t);
        classify_model_destroy(&m);
        final = all = classify_eval_concat(train, dev);
        if (!(m = classify_train(all, kb, &best, err, sizeof err))) { fprintf(stderr, "hotline-train: %s\n", err); goto out; }
        classify_model_set_combine(m, a, b, t);
    }
    record(m, &o, &best, classify_eval_len(final));
    rc = 0;
    if (!o.dry && classify_model_save_file(m, o.out, err, sizeof err) != 0) {
        fprintf(stderr, "hotline-train: %s\n", err);
        rc = EX_CANTCREAT;
    } else if (!o.dry) {
        printf("wrote %s: version %s, %zu features\n", o.out, classify_model_info(m, "version"), classify_model_n_features(m));
    }
out:
    classify_model_destroy(&m);
    classify_eval_destroy(&train);
    classify_eval_destroy(&dev);
    classify_eval_destroy(&all);
    kb_destroy(&kb);
    return rc;
}
