/* scenario: a simulation scenario file (schemas/scenarios/NAME.scn).
 * INI-like text: "[section]" headers and "key = value" lines, '#' comments.
 * It fixes the ticket counts and mix for the simulator, the handling model the
 * unit workers draw from, and the published figures for --compare.
 * The raw text travels to the broker and the workers, so every process
 * reads the same scenario. See schemas/scenarios/README.md for the format. */
#ifndef HOTLINE_SCENARIO_H
#define HOTLINE_SCENARIO_H
#include <stddef.h>
#include <stdint.h>
#include "rng.h"

typedef struct scenario scenario_t;

/* Parsed and validated; NULL on error with a message naming the line in err. */
scenario_t *scenario_load_buf(const char *buf, size_t len, char *err, size_t errlen);
scenario_t *scenario_load_file(const char *path, char *err, size_t errlen);
/* name_or_path: a path if it contains '/' or ends in ".scn", else NAME is looked
 * up as DATADIR/scenarios/NAME.scn (datadir: $HOTLINE_DATADIR, the build tree's
 * schemas/, then the installed one). */
scenario_t *scenario_open(const char *name_or_path, char *err, size_t errlen);
void scenario_destroy(scenario_t **p);

const char *scenario_name(const scenario_t *self);
/* The centre whose tickets the scenario makes ([scenario] centre; default
 * TICKET_DEFAULT_CENTRE). A broker refuses a scenario of another centre. */
const char *scenario_centre(const scenario_t *self);
/* The exact text it was parsed from (to send over the wire). */
const char *scenario_text(const scenario_t *self, size_t *len);
/* Raw value of key in section, or NULL. */
const char *scenario_get(const scenario_t *self, const char *section, const char *key);
/* Numeric value, or dflt when absent. (Validation already rejected non-numbers
 * in the numeric sections.) */
double scenario_num(const scenario_t *self, const char *section, const char *key, double dflt);
/* Simulated period [from, to) in Unix seconds. */
int64_t scenario_from(const scenario_t *self);
int64_t scenario_to(const scenario_t *self);
uint64_t scenario_seed(const scenario_t *self);

/* A duration distribution from the [model] section, in hours. Value syntax:
 *   "fixed 2" | "uniform 0.5 4" | "lognormal MEDIAN SIGMA [max M]" | "exp MEAN [max M]"
 * with optional "min N" too. */
typedef enum { DIST_FIXED, DIST_UNIFORM, DIST_LOGNORMAL, DIST_EXP } dist_kind_t;
typedef struct {
    dist_kind_t kind;
    double a, b;       /* fixed: a; uniform: [a,b); lognormal: median a, sigma b; exp: mean a */
    double min, max;   /* clamp; max <= 0 means none */
} dist_t;
/* Looks up [model] key; -1 if absent or malformed. */
int scenario_dist(const scenario_t *self, const char *key, dist_t *out);
/* One draw in hours from d, using r. */
double dist_sample(const dist_t *d, rng_t *r);

/* Parses a "label:weight label:weight ..." value (weights >= 0, at least one > 0)
 * into out[i] aligned with labels[i]; labels not named get 0. Returns -1 if
 * the key is absent, malformed or names a label not in labels. */
int scenario_weights(const scenario_t *self, const char *section, const char *key,
                     const char *const *labels, size_t n, double *out);

/* Published figure for --compare from the [published] section; -1 if absent. */
int scenario_published(const scenario_t *self, const char *figure, double *out);
/* Keys of [published] in file order; n receives the count. */
const char *const *scenario_published_keys(const scenario_t *self, size_t *n);

/* Where shipped data lives (see scenario_open). */
const char *hotline_datadir(void);
/* The scenario a worker draws from when the broker names none (a live
 * broker that never ran sim.start). */
#define SCENARIO_DEFAULT "longhu-2022"

/* The file the scenario was loaded from, or NULL when parsed from a buffer. */
const char *scenario_path(const scenario_t *self);
/* Copies the labels (keys) a [mix.*] section may hold into out, in canonical
 * order; returns their count (<= SCENARIO_MIX_MAX), 0 if section is no mix section. */
#define SCENARIO_MIX_MAX 24
size_t scenario_mix_labels(const char *section, const char **out, size_t cap);
/* Weights of a [mix.*] section aligned with scenario_mix_labels (labels not named
 * get 0). Returns 1 if the section is present, 0 if absent (out is then all 1),
 * -1 if section is no mix section or cap is too small. */
int scenario_mix(const scenario_t *self, const char *section, double *out, size_t cap);

#endif
