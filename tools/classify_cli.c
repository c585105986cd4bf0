/* hotline-classify: the workers' classifier on the command line. Classifies
 * texts, measures it on a labelled file (--eval: accuracy, per-category
 * precision and recall, confusion matrix) and times it (--bench: µs per
 * ticket, the median of several passes). Uses the model file and knowledge
 * base that ship in the data directory unless told otherwise. */
#include "classify_eval.h"
#include "clock.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char USAGE[] =
    "Usage: hotline-classify [OPTIONS] [TEXT...]\n"
    "       hotline-classify --eval FILE.tsv [OPTIONS]\n"
    "       hotline-classify --bench FILE [OPTIONS]\n"
    "\n"
    "Classifies ticket texts as a worker does: the learned model combined with\n"
    "the knowledge base's keyword rules. Without TEXT, reads one text per line\n"
    "from standard input. Prints: category, unit, confidence, second category,\n"
    "kb_id (or -), text.\n"
    "\n"
    "Options:\n"
    "  --eval FILE      measure on a labelled file (lines: text TAB type TAB category\n"
    "                   TAB street, as in data/classify/): accuracy, precision and\n"
    "                   recall per category, the confusion matrix, accuracy by confidence\n"
    "  --bench FILE     time the classifier over the texts of FILE (a labelled file, or\n"
    "                   one text per line): prints µs per ticket, the median of the passes\n"
    "  --passes N       passes for --bench (default 7)\n"
    "  --mode MODE      combined (default, what workers do), model (the learned model\n"
    "                   alone) or rules (the keyword rules alone)\n"
    "  --type TYPE      ticket type of TEXT (default consult)\n"
    "  --street CODE    ticket street of TEXT (default: none, found in the text)\n"
    "  --model FILE     model file (default: DATADIR/kb/classifier.model)\n"
    "  --kb FILE        knowledge base (default: DATADIR/kb/longhu-kb.tsv)\n"
    "  --datadir DIR    data directory (default: $HOTLINE_DATADIR, else the build's\n"
    "                   or the installed schemas)\n"
    "  -h, --help       show this help\n"
    "  -V, --version    show the version\n"
    "\n"
    "Exit status: 0, 64 bad usage, 66 an input cannot be read, 65 bad input.\n";

typedef struct {
    const char *eval, *bench, *type, *street, *model, *kb, *datadir;
    classify_mode_t mode;
    int passes;
} opts_t;

static int parse_mode(const char *s, classify_mode_t *m)
{
    if (strcmp(s, "combined") == 0) *m = CLASSIFY_COMBINED;
    else if (strcmp(s, "model") == 0) *m = CLASSIFY_MODEL;
    else if (strcmp(s, "rules") == 0) *m = CLASSIFY_RULES;
    else return -1;
    return 0;
}

static int parse_opts(int argc, char **argv, opts_t *o)
{
    static const struct option LONG[] = {
        {"eval", 1, 0, 'e'}, {"bench", 1, 0, 'b'}, {"passes", 1, 0, 'p'}, {"mode", 1, 0, 'M'},
        {"type", 1, 0, 't'}, {"street", 1, 0, 's'}, {"model", 1, 0, 'm'}, {"kb", 1, 0, 'k'},
        {"datadir", 1, 0, 'D'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    *o = (opts_t){.type = "consult", .mode = CLASSIFY_COMBINED, .passes = 7};
    int c;
    while ((c = getopt_long(argc, argv, "hV", LONG, NULL)) != -1) {
        switch (c) {
        case 'e': o->eval = optarg; break;
        case 'b': o->bench = optarg; break;
        case 'p': o->passes = atoi(optarg); if (o->passes < 1 || o->passes > 1000) return -1; break;
        case 'M': if (parse_mode(optarg, &o->mode) != 0) return -1; break;
        case 't': o->type = optarg; break;
        case 's': o->street = optarg; break;
        case 'm': o->model = optarg; break;
        case 'k': o->kb = optarg; break;
        case 'D': o->datadir = optarg; break;
        case 'h': fputs(USAGE, stdout); exit(0);
        case 'V': printf("hotline-classify %s\n", HOTLINE_VERSION); exit(0);
        default: return -1;
        }
    }
    return o->eval && o->bench ? -1 : 0;
}

static const char *datadir(const opts_t *o)
{
    if (o->datadir) return o->datadir;
    const char *env = getenv("HOTLINE_DATADIR");
    if (env && *env) return env;
    FILE *f = fopen(HOTLINE_DATADIR_BUILD "/kb/longhu-kb.tsv", "r");
    if (f) fclose(f);
    return f ? HOTLINE_DATADIR_BUILD : HOTLINE_DATADIR_INSTALL;
}

static void print_result(const classify_result_t *r, const char *text)
{
    printf("%s\t%s\t%.3f\t%s\t%s\t%s\n", r->category, r->unit, r->confidence, r->second[0] ? r->second : "-",
           r->kb_id[0] ? r->kb_id : "-", text);
}

static int classify_lines(const opts_t *o, const classify_model_t *m, const kb_t *kb, int argc, char **argv)
{
    classify_result_t r;
    for (int i = optind; i < argc; i++) {
        if (classify_run(m, o->mode, kb, argv[i], o->type, o->street, INT64_MAX, &r) != 0) return EX_DATAERR;
        print_result(&r, argv[i]);
    }
    if (optind < argc) return 0;
    char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) continue;
        if (classify_run(m, o->mode, kb, line, o->type, o->street, INT64_MAX, &r) != 0) return EX_DATAERR;
        print_result(&r, line);
    }
    return 0;
}

static int eval(const opts_t *o, const classify_model_t *m, const kb_t *kb)
{
    char err[512];
    classify_eval_set_t *set = classify_eval_load(o->eval, err, sizeof err);
    if (!set) return fprintf(stderr, "hotline-classify: %s\n", err), EX_DATAERR;
    classify_eval_t e;
    int rc = classify_eval_run(m, o->mode, kb, set, &e);
    static const char *const MODES[] = {"keyword rules alone", "learned model alone", "model combined with the rules"};
    if (rc == 0) {
        printf("%s: %s", o->eval, MODES[o->mode]);
        if (m) printf(" (model %s)", classify_model_info(m, "version"));
        printf("\n");
        classify_eval_print(&e, stdout);
    } else {
        fprintf(stderr, "hotline-classify: a row of %s could not be classified\n", o->eval);
    }
    classify_eval_destroy(&set);
    return rc == 0 ? 0 : EX_DATAERR;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The texts of FILE: a labelled file's first column, or whole lines. */
static char **read_texts(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char line[16384], **v = NULL;
    size_t cap = 0;
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\t\r\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        if (*n == cap) v = realloc(v, (cap = cap ? 2 * cap : 1024) * sizeof *v);
        if (!v) abort();
        v[(*n)++] = strdup(line);
    }
    fclose(f);
    return v;
}

static int bench(const opts_t *o, const classify_model_t *m, const kb_t *kb)
{
    size_t n;
    char **texts = read_texts(o->bench, &n);
    if (!texts || !n) return fprintf(stderr, "hotline-classify: %s: no texts\n", o->bench), EX_NOINPUT;
    double *us = calloc((size_t)o->passes, sizeof *us);
    classify_result_t r;
    for (int p = 0; p < o->passes; p++) {
        int64_t t0 = clock_mono_ns();
        for (size_t i = 0; i < n; i++) classify_run(m, o->mode, kb, texts[i], o->type, o->street, INT64_MAX, &r);
        us[p] = (double)(clock_mono_ns() - t0) / 1000.0 / (double)n;
    }
    qsort(us, (size_t)o->passes, sizeof *us, cmp_double);
    printf("%.2f µs per ticket (median of %d passes over %zu texts; fastest %.2f, slowest %.2f)\n",
           us[o->passes / 2], o->passes, n, us[0], us[o->passes - 1]);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(us);
    return 0;
}

int main(int argc, char **argv)
{
    opts_t o;
    if (parse_opts(argc, argv, &o) != 0) { fputs("Try 'hotline-classify --help'.\n", stderr); return EX_USAGE; }
    char err[512], kbpath[4096], mpath[4096];
    snprintf(kbpath, sizeof kbpath, "%s", o.kb ? o.kb : "");
    snprintf(mpath, sizeof mpath, "%s", o.model ? o.model : "");
    if (!o.kb) snprintf(kbpath, sizeof kbpath, "%s/kb/longhu-kb.tsv", datadir(&o));
    if (!o.model) snprintf(mpath, sizeof mpath, "%s/kb/classifier.model", datadir(&o));
    kb_t *kb = kb_new();
    classify_model_t *m = NULL;
    int rc = EX_NOINPUT;
    if (kb_load_tsv_file(kb, kbpath, 0, err, sizeof err) != 0 ||
        (o.mode != CLASSIFY_RULES && !(m = classify_model_load_file(mpath, err, sizeof err))))
        fprintf(stderr, "hotline-classify: %s\n", err);
    else if (o.eval) rc = eval(&o, m, kb);
    else if (o.bench) rc = bench(&o, m, kb);
    else rc = classify_lines(&o, m, kb, argc, argv);
    classify_model_destroy(&m);
    kb_destroy(&kb);
    return rc;
}
