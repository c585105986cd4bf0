/* test_scenario: the scenario file parser (core/scenario.c, scenario_value.c).
 * Parses the shipped scenarios and checks their figures and handling model,
 * then feeds malformed files and expects NULL with an error naming the line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scenario.h"

#define SCN_DIR HOTLINE_SOURCE_DIR "/schemas/scenarios/"

/* A minimal valid scenario that the malformed cases append to. */
static const char BASE[] =
    "[scenario]\n"            /* line 1 */
    "name = t\n"              /* 2 */
    "seed = 7\n"              /* 3 */
    "from = 2022-03-01\n"     /* 4 */
    "to = 2022-04-01\n";      /* 5 */

static scenario_t *parse(const char *text, char *err, size_t errlen)
{
    err[0] = '\0';
    return scenario_load_buf(text, strlen(text), err, errlen);
}

/* Expects text to be rejected with an error containing both needles. */
static void expect_error(const char *text, const char *needle1, const char *needle2)
{
    char err[512];
    scenario_t *s = parse(text, err, sizeof err);
    if (s) fail_msg("accepted: %s", text);
    if (!strstr(err, needle1) || (needle2 && !strstr(err, needle2)))
        fail_msg("error '%s' lacks '%s' / '%s'", err, needle1, needle2 ? needle2 : "");
}

static char *with_base(const char *tail)
{
    size_t n = strlen(BASE) + strlen(tail) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%s%s", BASE, tail);
    return s;
}

static void expect_tail_error(const char *tail, const char *needle1, const char *needle2)
{
    char *text = with_base(tail);
    expect_error(text, needle1, needle2);
    free(text);
}

static void test_longhu_figures(void **state)
{
    (void)state;
    char err[512];
    setenv("HOTLINE_DATADIR", HOTLINE_SOURCE_DIR "/schemas", 1);
    scenario_t *s = scenario_open("longhu-2022", err, sizeof err);
    if (!s) fail_msg("%s", err);
    assert_string_equal(scenario_name(s), "longhu-2022");
    assert_int_equal(scenario_seed(s), 2022);
    assert_int_equal(scenario_from(s), 1640966400);   /* 2022-01-01 00:00 CST */
    assert_int_equal(scenario_to(s), 1672502400);     /* 2023-01-01 00:00 CST */
    assert_true(scenario_num(s, "counts", "received", 0) == 26426);
    assert_true(scenario_num(s, "counts", "urgent", 0) == 196);
    assert_true(scenario_num(s, "counts", "praise", 0) == 38);
    assert_true(scenario_num(s, "counts", "kb_updates", 0) == 204);
    assert_true(scenario_num(s, "counts", "nothing", -5) == -5);
    assert_non_null(scenario_get(s, "scenario", "texts"));
    assert_string_equal(scenario_get(s, "scenario", "id_prefix"), "LH2022");
    assert_string_equal(scenario_path(s), HOTLINE_SOURCE_DIR "/schemas/scenarios/longhu-2022.scn");
    scenario_destroy(&s);
    assert_null(s);
    scenario_destroy(&s);   /* NULL is fine */
}

static void test_longhu_published(void **state)
{
    (void)state;
    static const char *const want[] = {"received", "closed", "urgent_received", "on_time_rate",
                                       "praise", "kb_updates", "bad_rectified_rate"};
    static const double val[] = {26426, 26232, 196, 1, 38, 204, 1};
    char err[512];
    scenario_t *s = scenario_load_file(SCN_DIR "longhu-2022.scn", err, sizeof err);
    if (!s) fail_msg("%s", err);
    size_t n;
    const char *const *keys = scenario_published_keys(s, &n);
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++) {
        double v;
        assert_string_equal(keys[i], want[i]);
        assert_int_equal(scenario_published(s, keys[i], &v), 0);
        assert_true(v == val[i]);
    }
    double v;
    assert_int_equal(scenario_published(s, "overdue", &v), -1);
    scenario_destroy(&s);
}

/* Maximum of a [model] distribution; fails the test when it has none. */
static double dist_max(const scenario_t *s, const char *key)
{
    dist_t d;
    if (scenario_dist(s, key, &d) < 0) fail_msg("model key %s missing or malformed", key);
    if (d.max <= 0 && d.kind != DIST_FIXED) fail_msg("model key %s has no max", key);
    return d.kind == DIST_FIXED ? d.a : d.max;
}

/* Worst case, in working hours, of dispatch + one 退单 round + sign + handle. */
static double worst_case(const scenario_t *s, const char *handle)
{
    return dist_max(s, "dispatch.after") + dist_max(s, "return.after") + dist_max(s, "sign") + dist_max(s, handle);
}

static void test_model_fits_deadlines(void **state)
{
    (void)state;
    char err[512];
    scenario_t *s = scenario_load_file(SCN_DIR "longhu-2022.scn", err, sizeof err);
    scenario_t *w = scenario_load_file(SCN_DIR "whatif-staff-cut.scn", err, sizeof err);
    if (!s || !w) fail_msg("%s", err);
    assert_true(worst_case(s, "handle.consult") <= 48);
    assert_true(worst_case(s, "handle.help") <= 240);
    assert_true(worst_case(s, "handle.suggest") <= 240);
    assert_true(worst_case(s, "handle.complaint") <= 360);
    assert_true(worst_case(s, "handle.report") <= 360);
    assert_true(dist_max(s, "sign") <= 24);
    assert_true(dist_max(s, "dispatch.after.urgent") + dist_max(s, "sign.urgent") + dist_max(s, "handle.urgent") <= 24);
    /* The what-if really misses deadlines. */
    assert_true(dist_max(w, "handle.consult") > 48);
    assert_true(dist_max(w, "handle.complaint") > 360);
    assert_true(dist_max(w, "handle.urgent") > 24);
    size_t n;
    scenario_published_keys(w, &n);
    assert_int_equal(n, 0);
    static const char *const probs[] = {"p.return", "p.extend", "p.no_answer", "p.direct_answer"};
    for (size_t i = 0; i < 4; i++) assert_true(scenario_num(s, "model", probs[i], -1) >= 0);
    static const char *const keys[] = {"answer.after", "visit.after", "rectify.contact", "rectify.fix", "revisit.after"};
    for (size_t i = 0; i < 5; i++) (void)dist_max(s, keys[i]);
    scenario_destroy(&s);
    scenario_destroy(&w);
}

static void test_smoke_and_text_roundtrip(void **state)
{
    (void)state;
    char err[512];
    scenario_t *s = scenario_open(SCN_DIR "smoke.scn", err, sizeof err);
    if (!s) fail_msg("%s", err);
    assert_true(scenario_num(s, "counts", "received", 0) == 500);
    size_t len;
    const char *text = scenario_text(s, &len);
    FILE *f = fopen(SCN_DIR "smoke.scn", "rb");
    assert_non_null(f);
    char *buf = calloc(1, len + 2);
    assert_int_equal(fread(buf, 1, len + 1, f), len);   /* same length... */
    fclose(f);
    assert_memory_equal(buf, text, len);                 /* ...and the same bytes */
    scenario_t *again = scenario_load_buf(text, len, err, sizeof err);
    assert_non_null(again);
    assert_int_equal(scenario_from(again), scenario_from(s));
    assert_null(scenario_path(again));
    free(buf);
    scenario_destroy(&again);
    scenario_destroy(&s);
}

static void test_open_errors(void **state)
{
    (void)state;
    char err[512];
    setenv("HOTLINE_DATADIR", HOTLINE_SOURCE_DIR "/schemas", 1);
    assert_null(scenario_open("no-such-scenario", err, sizeof err));
    assert_non_null(strstr(err, "no-such-scenario.scn"));
    assert_null(scenario_open("bad name!", err, sizeof err));
    assert_non_null(strstr(err, "bad scenario name"));
    assert_string_equal(hotline_datadir(), HOTLINE_SOURCE_DIR "/schemas");
    unsetenv("HOTLINE_DATADIR");
    assert_string_equal(hotline_datadir(), HOTLINE_DATADIR_BUILD);
}

static void test_comments_and_whitespace(void **state)
{
    (void)state;
    char err[512];
    const char *text = "  # a comment line\n\n[scenario]   # trailing comment\n"
                       "name = t\nseed = 7\nfrom = 2022-03-01\nto = 2022-04-01\n"
                       "title = 热线 No.#3   # '#' inside a value stays\n"
                       "[counts]\n\treceived   =   40   # forty\n"
                       "[model]\nsign = lognormal 2 0.8 max 16 # hours\r\n";
    scenario_t *s = parse(text, err, sizeof err);
    if (!s) fail_msg("%s", err);
    assert_string_equal(scenario_get(s, "scenario", "title"), "热线 No.#3");
    assert_string_equal(scenario_get(s, "counts", "received"), "40");
    assert_string_equal(scenario_get(s, "model", "sign"), "lognormal 2 0.8 max 16");
    assert_null(scenario_get(s, "counts", "urgent"));
    scenario_destroy(&s);
}

static void test_malformed(void **state)
{
    (void)state;
    expect_error("name = x\n[scenario]\n", "line 1", "outside a section");
    expect_error("\n\n[scenario\n", "line 3", "']'");
    expect_tail_error("[counts]\nreceived = 12a\n", "line 7", "received");
    expect_tail_error("[counts]\nreceived = -3\n", "line 7", "whole number");
    expect_tail_error("[counts]\nreceived = 1\nreceived = 2\n", "line 8", "duplicate key 'received'");
    expect_tail_error("[model]\nsign = gauss 1 2\n", "line 7", "unknown dist kind 'gauss'");
    expect_tail_error("[model]\nsign = lognormal 2\n", "line 7", "needs 2 number");
    expect_tail_error("[model]\nsign = lognormal 2 0.5 max\n", "line 7", "'max' needs a number");
    expect_tail_error("[model]\nsign = uniform 4 1\n", "line 7", "low <= high");
    expect_tail_error("[model]\np.return = 1.5\n", "line 7", "[0, 1]");
    expect_tail_error("[model]\nrating = 5:0.7 4:x\n", "line 7", "malformed weights");
    expect_tail_error("[model]\nrating = 5:0 4:0\n", "line 7", "weight > 0");
    expect_tail_error("[nonsense]\n", "line 6", "unknown section [nonsense]");
    expect_tail_error("[counts]\n[counts]\n", "line 7", "already opened at line 6");
    expect_tail_error("[mix.month]\njanuary = 1\n", "line 7", "unknown key 'january'");
    expect_tail_error("[mix.street]\njinxia = -1\n", "line 7", ">= 0");
    expect_tail_error("[mix.hour]\n0 = 0\n1 = 0\n", "line 6", "no weight > 0");
    expect_tail_error("[scenario.x]\n", "line 6", "unknown section");
    expect_tail_error("[counts]\nreceived\n", "line 7", "key = value");
    expect_tail_error("[counts]\nreceived =\n", "line 7", "no value");
    expect_tail_error("[counts]\nreceived = 3\npraise = 2\nurgent = 2\n", "line 7", "exceed received");
    expect_error("[scenario]\nname = t\nseed = 7\nfrom = 2022-02-30\n", "line 4", "not a date");
    expect_error("[scenario]\nname = t\nseed = 7\nfrom = 2022-03-01\nto = 2022-03-01\n", "line 5", "after");
    expect_error("[scenario]\nname = t\nseed = 7\nto = 2022-03-01\n", "lacks the key 'from'", NULL);
    expect_error("[scenario]\nname = t\nseed = -7\n", "line 3", "seed");
    expect_error("[scenario]\ncolour = red\n", "line 2", "unknown key 'colour'");
    expect_error("[scenario]\nname = \xe9t\xe9\n", "line 2", "UTF-8");
}

static void test_oversize(void **state)
{
    (void)state;
    char err[512];
    size_t n = (1u << 20) + 1;
    char *big = malloc(n);
    memset(big, '#', n);
    assert_null(scenario_load_buf(big, n, err, sizeof err));
    assert_non_null(strstr(err, "limit"));
    /* A 5000-byte line. */
    char *text = malloc(6000);
    snprintf(text, 6000, "[scenario]\ntitle = ");
    size_t len = strlen(text);
    memset(text + len, 'x', 5000);
    memcpy(text + len + 5000, "\n", 2);
    assert_null(scenario_load_buf(text, strlen(text), err, sizeof err));
    assert_non_null(strstr(err, "line 2"));
    assert_non_null(strstr(err, "longer than"));
    char nul[] = "[scenario]\nname = a\0b\n";
    assert_null(scenario_load_buf(nul, sizeof nul - 1, err, sizeof err));
    assert_non_null(strstr(err, "line 2"));
    free(big);
    free(text);
}

static scenario_t *model_scenario(void)
{
    char err[512];
    char *text = with_base("[model]\n"
                           "a = fixed 2\n"
                           "b = uniform 0.5 4\n"
                           "c = lognormal 2 0.8 max 16\n"
                           "d = exp 3 min 1 max 10\n"
                           "e = lognormal 5 0.7 min 1 max 20\n"
                           "rating = 5:0.70 4:0.18 3:0.07 2:0.03 1:0.02\n"
                           "short = 5:1 3:2\n"
                           "p.x = 0.25\n");
    scenario_t *s = parse(text, err, sizeof err);
    free(text);
    if (!s) fail_msg("%s", err);
    return s;
}

static void test_dist_parse(void **state)
{
    (void)state;
    scenario_t *s = model_scenario();
    dist_t d;
    assert_int_equal(scenario_dist(s, "a", &d), 0);
    assert_int_equal(d.kind, DIST_FIXED);
    assert_true(d.a == 2 && d.max == 0 && d.min == 0);
    assert_int_equal(scenario_dist(s, "b", &d), 0);
    assert_true(d.kind == DIST_UNIFORM && d.a == 0.5 && d.b == 4);
    assert_int_equal(scenario_dist(s, "c", &d), 0);
    assert_true(d.kind == DIST_LOGNORMAL && d.a == 2 && d.b == 0.8 && d.max == 16);
    assert_int_equal(scenario_dist(s, "d", &d), 0);
    assert_true(d.kind == DIST_EXP && d.a == 3 && d.min == 1 && d.max == 10);
    assert_int_equal(scenario_dist(s, "rating", &d), -1);   /* weights, not a dist */
    assert_int_equal(scenario_dist(s, "missing", &d), -1);
    assert_true(scenario_num(s, "model", "p.x", 0) == 0.25);
    scenario_destroy(&s);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_dist_sample(void **state)
{
    (void)state;
    scenario_t *s = model_scenario();
    enum { N = 20001 };
    double *v = malloc(N * sizeof *v);
    dist_t c, d, e, u, f;
    assert_int_equal(scenario_dist(s, "c", &c), 0);
    assert_int_equal(scenario_dist(s, "d", &d), 0);
    assert_int_equal(scenario_dist(s, "e", &e), 0);
    assert_int_equal(scenario_dist(s, "b", &u), 0);
    assert_int_equal(scenario_dist(s, "a", &f), 0);
    rng_t r;
    rng_key(&r, 1, "test", "dist", 0);
    int clamped = 0;
    for (int i = 0; i < N; i++) {
        v[i] = dist_sample(&c, &r);
        assert_true(v[i] > 0 && v[i] <= 16);
        clamped += v[i] == 16;
        double x = dist_sample(&d, &r), y = dist_sample(&e, &r), z = dist_sample(&u, &r);
        assert_true(x >= 1 && x <= 10);
        assert_true(y >= 1 && y <= 20);
        assert_true(z >= 0.5 && z < 4);
        assert_true(dist_sample(&f, &r) == 2);
    }
    assert_true(clamped > 0);   /* P(> 16) = P(Z > 2.6) ~ 0.5%: the clamp is exercised */
    qsort(v, N, sizeof *v, cmp_double);
    assert_true(fabs(v[N / 2] - 2.0) < 0.1);   /* median of lognormal 2 0.8 */
    free(v);
    scenario_destroy(&s);
}

static void test_weights(void **state)
{
    (void)state;
    scenario_t *s = model_scenario();
    static const char *const levels[] = {"1", "2", "3", "4", "5"};
    double w[5];
    assert_int_equal(scenario_weights(s, "model", "rating", levels, 5, w), 0);
    assert_true(w[4] == 0.70 && w[3] == 0.18 && w[2] == 0.07 && w[1] == 0.03 && w[0] == 0.02);
    assert_int_equal(scenario_weights(s, "model", "short", levels, 5, w), 0);
    assert_true(w[0] == 0 && w[1] == 0 && w[2] == 2 && w[3] == 0 && w[4] == 1);
    static const char *const few[] = {"4", "5"};
    assert_int_equal(scenario_weights(s, "model", "rating", few, 2, w), -1);   /* names "3" */
    assert_int_equal(scenario_weights(s, "model", "nothing", levels, 5, w), -1);
    assert_int_equal(scenario_weights(s, "model", "a", levels, 5, w), -1);     /* a dist */
    scenario_destroy(&s);
}

static void test_mix(void **state)
{
    (void)state;
    char err[512];
    scenario_t *s = scenario_load_file(SCN_DIR "longhu-2022.scn", err, sizeof err);
    if (!s) fail_msg("%s", err);
    const char *labels[SCENARIO_MIX_MAX];
    double w[SCENARIO_MIX_MAX];
    assert_int_equal(scenario_mix_labels("mix.month", labels, SCENARIO_MIX_MAX), 12);
    assert_string_equal(labels[1], "feb");
    assert_int_equal(scenario_mix(s, "mix.month", w, SCENARIO_MIX_MAX), 1);
    assert_true(w[1] < w[6]);   /* February below July */
    assert_int_equal(scenario_mix_labels("mix.hour", labels, SCENARIO_MIX_MAX), 24);
    assert_int_equal(scenario_mix_labels("mix.street", labels, SCENARIO_MIX_MAX), 10);
    assert_int_equal(scenario_mix_labels("mix.category.urgent", labels, SCENARIO_MIX_MAX), 12);
    assert_int_equal(scenario_mix_labels("mix.category.nope", labels, SCENARIO_MIX_MAX), 0);
    assert_int_equal(scenario_mix(s, "mix.category.help", w, SCENARIO_MIX_MAX), 0);   /* absent */
    assert_true(w[0] == 1 && w[11] == 1);
    assert_int_equal(scenario_mix(s, "mix.category.urgent", w, SCENARIO_MIX_MAX), 1);
    assert_true(w[9] == 0);   /* civil: not named, so 0 */
    assert_int_equal(scenario_mix(s, "counts", w, SCENARIO_MIX_MAX), -1);
    assert_int_equal(scenario_mix(s, "mix.hour", w, 12), -1);
    scenario_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_longhu_figures),     cmocka_unit_test(test_longhu_published),
        cmocka_unit_test(test_model_fits_deadlines), cmocka_unit_test(test_smoke_and_text_roundtrip),
        cmocka_unit_test(test_open_errors),        cmocka_unit_test(test_comments_and_whitespace),
        cmocka_unit_test(test_malformed),          cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_dist_parse),         cmocka_unit_test(test_dist_sample),
        cmocka_unit_test(test_weights),            cmocka_unit_test(test_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
