/* classify_eval: labelled sets and measured accuracy (see classify_eval.h).
 *
 * Place in the flow: beside classify, never in a ticket's path; the tools
 * (hotline-classify, hotline-train) and the unit tests measure with it. */
#include "classify_eval.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "xmalloc.h"

struct classify_eval_set {
    classify_eval_row_t *rows;    /* owned, strings too */
    size_t n, cap;
};

static void add_row(classify_eval_set_t *s, const char *f[4], int cat)
{
    if (s->n == s->cap) s->rows = xrealloc(s->rows, (s->cap = s->cap ? 2 * s->cap : 256) * sizeof *s->rows);
    s->rows[s->n++] = (classify_eval_row_t){xstrdup(f[0]), xstrdup(f[1]), xstrdup(f[2]), xstrdup(f[3]), cat};
}

/* Splits one line into the four fields, checked; -1 with err. */
static int parse_line(char *line, const char *f[4], int *cat, char *err, size_t errlen)
{
    size_t l = strlen(line);
    if (l && line[l - 1] == '\r') line[--l] = '\0';
    int n = 0;
    for (char *p = line; n < 4; n++) {
        f[n] = p;
        p = strchr(p, '\t');
        if (!p) { n++; break; }
        *p++ = '\0';
        if (n == 3) return snprintf(err, errlen, "more than 4 TAB-separated fields"), -1;
    }
    if (n != 4) return snprintf(err, errlen, "want 4 TAB-separated fields (text type category street), got %d", n), -1;
    const units_category_t *c = units_category(f[2]);
    if (!c) return snprintf(err, errlen, "unknown category '%s'", f[2]), -1;
    if (f[3][0] && !units_street(f[3])) return snprintf(err, errlen, "unknown street '%s'", f[3]), -1;
    if (!f[0][0]) return snprintf(err, errlen, "empty text"), -1;
    *cat = (int)(c - UNITS_CATEGORIES);
    return 0;
}

static int parse(classify_eval_set_t *s, char *buf, char *err, size_t errlen)
{
    int lineno = 0;
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (line[0] == '#' || line[strspn(line, " \r")] == '\0') continue;
        const char *f[4];
        int cat;
        char why[160];
        if (parse_line(line, f, &cat, why, sizeof why) != 0)
            return snprintf(err, errlen, "line %d: %s", lineno, why), -1;
        add_row(s, f, cat);
    }
    return 0;
}

classify_eval_set_t *classify_eval_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) return snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno)), NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[65536];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got + 1 > cap) buf = xrealloc(buf, cap = (len + got + 1) * 2);
        memcpy(buf + len, chunk, got);
        len += got;
    }
    fclose(f);
    classify_eval_set_t *s = xcalloc(1, sizeof *s);
    char inner[200];
    int rc = buf ? (buf[len] = '\0', parse(s, buf, inner, sizeof inner)) : 0;
    free(buf);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, inner);
        classify_eval_destroy(&s);
    }
    return s;
}

void classify_eval_destroy(classify_eval_set_t **p)
{
    if (!p || !*p) return;
    for (size_t i = 0; i < (*p)->n; i++) {
        classify_eval_row_t *r = &(*p)->rows[i];
        free((char *)r->text), free((char *)r->type), free((char *)r->category), free((char *)r->street);
    }
    free((*p)->rows);
    free(*p);
    *p = NULL;
}

size_t classify_eval_len(const classify_eval_set_t *self) { return self ? self->n : 0; }

const classify_eval_row_t *classify_eval_row(const classify_eval_set_t *self, size_t i)
{
    return self && i < self->n ? &self->rows[i] : NULL;
}

classify_eval_set_t *classify_eval_concat(const classify_eval_set_t *a, const classify_eval_set_t *b)
{
    classify_eval_set_t *s = xcalloc(1, sizeof *s);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < classify_eval_len(k ? b : a); i++) {
            const classify_eval_row_t *r = classify_eval_row(k ? b : a, i);
            add_row(s, (const char *[4]){r->text, r->type, r->category, r->street}, r->cat);
        }
    return s;
}

/* ---- measuring ------------------------------------------------------------ */

int classify_eval_run(const classify_model_t *m, classify_mode_t mode, const kb_t *kb,
                      const classify_eval_set_t *set, classify_eval_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < classify_eval_len(set); i++) {
        const classify_eval_row_t *r = &set->rows[i];
        classify_result_t res;
        if (classify_run(m, mode, kb, r->text, r->type, r->street[0] ? r->street : NULL, INT64_MAX, &res) != 0)
            return -1;
        int got = (int)(units_category(res.category) - UNITS_CATEGORIES);
        char want_unit[48];
        const char *street = r->street[0] ? r->street : UNITS_FALLBACK_STREET;
        HL_ASSERT(units_resolve(r->category, street, want_unit, sizeof want_unit) == 0);
        int bin = (int)(res.confidence * CLASSIFY_EVAL_BINS);
        if (bin >= CLASSIFY_EVAL_BINS) bin = CLASSIFY_EVAL_BINS - 1;
        out->n++;
        out->correct += got == r->cat;
        out->unit_correct += strcmp(res.unit, want_unit) == 0;
        out->confusion[r->cat][got]++;
        out->bin_n[bin]++;
        out->bin_ok[bin] += got == r->cat;
    }
    return 0;
}

double classify_eval_accuracy(const classify_eval_t *e) { return e->n ? (double)e->correct / e->n : 0; }

double classify_eval_recall(const classify_eval_t *e, int cat)
{
    int n = 0;
    for (int j = 0; j < UNITS_N_CATEGORIES; j++) n += e->confusion[cat][j];
    return n ? (double)e->confusion[cat][cat] / n : 0;
}

double classify_eval_precision(const classify_eval_t *e, int cat)
{
    int n = 0;
    for (int i = 0; i < UNITS_N_CATEGORIES; i++) n += e->confusion[i][cat];
    return n ? (double)e->confusion[cat][cat] / n : 0;
}

void classify_eval_print(const classify_eval_t *e, FILE *f)
{
    fprintf(f, "tickets %d  category accuracy %.2f%% (%d)  unit accuracy %.2f%% (%d)\n\n", e->n,
            100 * classify_eval_accuracy(e), e->correct, e->n ? 100.0 * e->unit_correct / e->n : 0, e->unit_correct);
    fprintf(f, "%-12s %6s %9s %7s\n", "category", "n", "precision", "recall");
    for (int c = 0; c < UNITS_N_CATEGORIES; c++) {
        int n = 0;
        for (int j = 0; j < UNITS_N_CATEGORIES; j++) n += e->confusion[c][j];
        fprintf(f, "%-12s %6d %8.1f%% %6.1f%%\n", UNITS_CATEGORIES[c].code, n, 100 * classify_eval_precision(e, c),
                100 * classify_eval_recall(e, c));
    }
    fprintf(f, "\nconfusion (rows: true category, columns: chosen)\n%-12s", "");
    for (int c = 0; c < UNITS_N_CATEGORIES; c++) fprintf(f, " %5.5s", UNITS_CATEGORIES[c].code);
    for (int c = 0; c < UNITS_N_CATEGORIES; c++) {
        fprintf(f, "\n%-12s", UNITS_CATEGORIES[c].code);
        for (int j = 0; j < UNITS_N_CATEGORIES; j++) fprintf(f, " %5d", e->confusion[c][j]);
    }
    fprintf(f, "\n\nby confidence  tickets  accuracy\n");
    for (int b = 0; b < CLASSIFY_EVAL_BINS; b++)
        if (e->bin_n[b])
            fprintf(f, "  %.1f-%.1f %10d %8.1f%%\n", (double)b / CLASSIFY_EVAL_BINS, (double)(b + 1) / CLASSIFY_EVAL_BINS,
                    e->bin_n[b], 100.0 * e->bin_ok[b] / e->bin_n[b]);
}
