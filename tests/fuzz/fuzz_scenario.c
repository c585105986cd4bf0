/* fuzz_scenario: the scenario file loader (scenario_load_buf, core/scenario.c
 * and core/scenario_value.c). Scenario text travels over the wire from the
 * simulator to the broker and every worker, so it is untrusted input.
 * Invariants of a loaded scenario: it keeps the exact text and loading that
 * text again gives the same name, period and seed; from < to; counts add up;
 * every [model] distribution the workers read parses with numbers >= 0 and
 * its draws stay inside [min, max]; weights are >= 0 with a positive sum;
 * every mix section has a positive weight; every [published] key has a number. */
#include "fuzz.h"
#include "scenario.h"
#include <math.h>
#include <string.h>

static const char *const MODEL_KEYS[] = {
    "answer.after", "dispatch.after", "dispatch.after.urgent", "sign", "sign.urgent",
    "handle.consult", "handle.help", "handle.suggest", "handle.complaint", "handle.report",
    "handle.urgent", "return.after", "visit.after", "rectify.contact", "rectify.fix", "revisit.after",
};
static const char *const WEIGHT_KEYS[] = {"rating", "revisit.rating"};
static const char *const RATINGS[] = {"1", "2", "3", "4", "5"};
static const char *const MIXES[] = {
    "mix.type", "mix.month", "mix.weekday", "mix.hour", "mix.channel", "mix.street", "mix.category",
    "mix.category.consult", "mix.category.help", "mix.category.complaint", "mix.category.report",
    "mix.category.suggest", "mix.category.praise", "mix.category.urgent", "mix.nothing", "mix.category.x",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static void check_dists(const scenario_t *s)
{
    for (size_t i = 0; i < COUNT_OF(MODEL_KEYS); i++) {
        dist_t d;
        if (scenario_dist(s, MODEL_KEYS[i], &d) != 0) continue;
        FUZZ_CHECK(d.kind >= DIST_FIXED && d.kind <= DIST_EXP);
        FUZZ_CHECK(d.a >= 0 && d.b >= 0 && d.min >= 0 && d.max >= 0 && isfinite(d.a) && isfinite(d.b));
        FUZZ_CHECK(d.max <= 0 || d.min <= d.max);
        rng_t r;
        rng_key(&r, scenario_seed(s), MODEL_KEYS[i], "fuzz", 0);
        for (int k = 0; k < 8; k++) {
            double v = dist_sample(&d, &r);
            FUZZ_CHECK(!isnan(v) && v >= d.min && (d.max <= 0 || v <= d.max));
        }
    }
}

static void check_weights(const scenario_t *s)
{
    for (size_t i = 0; i < COUNT_OF(WEIGHT_KEYS); i++) {
        double w[5], sum = 0;
        if (scenario_weights(s, "model", WEIGHT_KEYS[i], RATINGS, 5, w) != 0) continue;
        for (int k = 0; k < 5; k++) {
            FUZZ_CHECK(w[k] >= 0 && isfinite(w[k]));
            sum += w[k];
        }
        FUZZ_CHECK(sum > 0);
    }
}

static void check_mixes(const scenario_t *s)
{
    for (size_t i = 0; i < COUNT_OF(MIXES); i++) {
        const char *labels[SCENARIO_MIX_MAX];
        double w[SCENARIO_MIX_MAX];
        size_t n = scenario_mix_labels(MIXES[i], labels, SCENARIO_MIX_MAX);
        FUZZ_CHECK(n <= SCENARIO_MIX_MAX);
        int r = scenario_mix(s, MIXES[i], w, SCENARIO_MIX_MAX);
        if (n == 0) { FUZZ_CHECK(r == -1); continue; }
        FUZZ_CHECK(r == 0 || r == 1);
        double sum = 0;
        for (size_t k = 0; k < n; k++) {
            FUZZ_CHECK(w[k] >= 0 && isfinite(w[k]));
            if (r == 0) FUZZ_CHECK(w[k] == 1);
            sum += w[k];
        }
        FUZZ_CHECK(sum > 0);
    }
}

static void check_loaded(const scenario_t *s, const uint8_t *data, size_t size)
{
    size_t len = 0;
    const char *text = scenario_text(s, &len);
    FUZZ_CHECK(len == size && memcmp(text, data, size) == 0 && text[len] == '\0');
    FUZZ_CHECK(scenario_name(s) && scenario_path(s) == NULL);
    FUZZ_CHECK(scenario_from(s) < scenario_to(s));
    double recv = scenario_num(s, "counts", "received", 0);
    FUZZ_CHECK(scenario_num(s, "counts", "praise", 0) + scenario_num(s, "counts", "urgent", 0) <= recv);
    size_t np = 0;
    const char *const *pub = scenario_published_keys(s, &np);
    for (size_t i = 0; i < np; i++) {
        double v;
        FUZZ_CHECK(scenario_published(s, pub[i], &v) == 0 && isfinite(v));
    }
    check_dists(s);
    check_weights(s);
    check_mixes(s);

    char err[512];
    scenario_t *again = scenario_load_buf(text, len, err, sizeof err);
    FUZZ_CHECK(again != NULL);
    FUZZ_CHECK(strcmp(scenario_name(again), scenario_name(s)) == 0);
    FUZZ_CHECK(scenario_from(again) == scenario_from(s) && scenario_to(again) == scenario_to(s));
    FUZZ_CHECK(scenario_seed(again) == scenario_seed(s));
    scenario_destroy(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    scenario_t *s = scenario_load_buf((const char *)data, size, err, sizeof err);
    if (s) check_loaded(s, data, size);
    else FUZZ_CHECK(err[0] != '\0');
    scenario_destroy(&s);
    FUZZ_CHECK(s == NULL);
    return 0;
}
