/* test_sim_gen: the simulator's feed generator (tools/sim_gen.c).
 * Generates the calibrated Longhu 2022 year and checks the exact counts of
 * the determinism rule, the time range and order, the mix, the texts, and determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim_gen.h"
#include "units.h"

#define SCN_DIR HOTLINE_SOURCE_DIR "/schemas/scenarios/"
#define Y2022 1640966400   /* 2022-01-01 00:00 CST */
#define Y2023 1672502400   /* 2023-01-01 00:00 CST */

static const char *const KB_IDS[] = {"KB0001", "KB0002", "KB0003", "KB0004", "KB0005"};

typedef struct {
    scenario_t *scn;
    sim_feed_t *feed;
} fixture_t;

static scenario_t *load(const char *file)
{
    char err[512];
    scenario_t *s = scenario_load_file(file, err, sizeof err);
    if (!s) fail_msg("%s", err);
    return s;
}

static sim_feed_t *gen(const scenario_t *s, uint64_t seed)
{
    char err[512];
    sim_feed_t *f = sim_gen(s, seed, KB_IDS, 5, err, sizeof err);
    if (!f) fail_msg("%s", err);
    return f;
}

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    fx->scn = load(SCN_DIR "longhu-2022.scn");
    fx->feed = gen(fx->scn, scenario_seed(fx->scn));
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    if (!fx) return 0;
    sim_feed_destroy(&fx->feed);
    assert_null(fx->feed);
    scenario_destroy(&fx->scn);
    free(fx);
    return 0;
}

static bool utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
        if (n == 0 || (n == 2 && *p < 0xc2)) return false;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80) return false;
        p += n;
    }
    return true;
}

static void test_exact_counts(void **state)
{
    fixture_t *fx = *state;
    size_t tickets = 0, urgent = 0, praise = 0, kb = 0, kw = 0;
    for (size_t i = 0; i < sim_feed_len(fx->feed); i++) {
        const sim_item_t *it = sim_feed_at(fx->feed, i);
        if (it->kind == SIM_KB_UPDATE) {
            kb++;
            kw += it->add_keywords != NULL;
            continue;
        }
        tickets++;
        urgent += it->urgent;
        praise += strcmp(it->type, "praise") == 0;
        if (it->urgent)   /* urgent only among help, complaint and report */
            assert_true(!strcmp(it->type, "help") || !strcmp(it->type, "complaint") || !strcmp(it->type, "report"));
    }
    assert_int_equal(tickets, 26426);
    assert_int_equal(urgent, 196);
    assert_int_equal(praise, 38);
    assert_int_equal(kb, 204);
    assert_true(kw > 204 / 5 && kw < 204 / 2);   /* about a third add keywords */
}

static void test_times_and_order(void **state)
{
    fixture_t *fx = *state;
    const sim_item_t *prev = NULL, *prev_ticket = NULL, *first_ticket = NULL;
    for (size_t i = 0; i < sim_feed_len(fx->feed); i++) {
        const sim_item_t *it = sim_feed_at(fx->feed, i);
        assert_true(it->at >= Y2022 && it->at < Y2023);
        if (prev) {
            assert_true(prev->at <= it->at);
            if (prev->at == it->at && prev->kind == it->kind) assert_true(strcmp(prev->id, it->id) < 0);
            if (prev->at == it->at) assert_false(prev->kind == SIM_TICKET && it->kind == SIM_KB_UPDATE);
        }
        if (it->kind == SIM_TICKET) {
            /* ids sort in feed order, so they are unique too */
            if (prev_ticket) assert_true(strcmp(prev_ticket->id, it->id) < 0);
            else first_ticket = it;
            assert_int_equal(strncmp(it->id, "LH2022-", 7), 0);
            assert_int_equal(strlen(it->id), 13);
            prev_ticket = it;
        }
        prev = it;
    }
    assert_string_equal(first_ticket->id, "LH2022-000001");
    assert_string_equal(prev_ticket->id, "LH2022-026426");
}

static void test_fields(void **state)
{
    fixture_t *fx = *state;
    int street_seen[UNITS_N_STREETS] = {0}, cat_seen[UNITS_N_CATEGORIES] = {0};
    for (size_t i = 0; i < sim_feed_len(fx->feed); i++) {
        const sim_item_t *it = sim_feed_at(fx->feed, i);
        if (it->kind == SIM_KB_UPDATE) {
            bool known = false;
            for (int k = 0; k < 5; k++) known |= strcmp(it->kb_id, KB_IDS[k]) == 0;
            assert_true(known);
            assert_true(it->answer && *it->answer && utf8_ok(it->answer));
            assert_non_null(strstr(it->answer, "2022年"));
            if (it->add_keywords) assert_true(strlen(it->add_keywords) > 0 && utf8_ok(it->add_keywords));
            continue;
        }
        const units_street_t *st = units_street(it->street);
        const units_category_t *cat = units_category(it->category);
        assert_non_null(st);
        assert_non_null(cat);
        street_seen[st - UNITS_STREETS]++;
        cat_seen[cat - UNITS_CATEGORIES]++;
        assert_true(it->text && *it->text && strlen(it->text) <= 4096 && utf8_ok(it->text));
        assert_int_equal(strlen(it->caller), 11);
        assert_true(it->caller[0] == '1' && strchr("358", it->caller[1]));
        assert_int_equal(strspn(it->caller, "0123456789"), 11);
        assert_true(!strcmp(it->channel, "phone") || !strcmp(it->channel, "web") ||
                    !strcmp(it->channel, "wechat") || !strcmp(it->channel, "app"));
        if (strcmp(it->type, "consult") == 0) assert_non_null(strstr(it->text, "？"));
        if (strcmp(it->type, "praise") == 0) assert_non_null(strstr(it->text, "表扬"));
        if (it->urgent) assert_non_null(strstr(it->text, "紧急"));
        if (strcmp(it->type, "consult") != 0)   /* work orders name the street; questions need not */
            assert_non_null(strstr(it->text, st->name));
    }
    for (int i = 0; i < UNITS_N_STREETS; i++) assert_true(street_seen[i] > 500);
    for (int i = 0; i < UNITS_N_CATEGORIES; i++) assert_true(cat_seen[i] > 200);
    assert_true(street_seen[2] > street_seen[9]);   /* xinjin busier than longteng */
}

static void test_mix_follows_weights(void **state)
{
    fixture_t *fx = *state;
    double w[SCENARIO_MIX_MAX], wsum = 0;
    assert_int_equal(scenario_mix(fx->scn, "mix.month", w, SCENARIO_MIX_MAX), 1);
    for (int m = 0; m < 12; m++) wsum += w[m];
    long month[12] = {0}, type_consult = 0, weekday[7] = {0};
    for (size_t i = 0; i < sim_feed_len(fx->feed); i++) {
        const sim_item_t *it = sim_feed_at(fx->feed, i);
        if (it->kind != SIM_TICKET) continue;
        /* CST month of it->at: count month starts passed (2022, not leap). */
        static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int64_t day = (it->at - Y2022) / 86400;
        int m = 0;
        while (day >= days[m]) day -= days[m++];
        month[m]++;
        weekday[((it->at - Y2022) / 86400 + 5) % 7]++;   /* 2022-01-01 was a Saturday; 0 = Monday */
        type_consult += strcmp(it->type, "consult") == 0;
    }
    for (int m = 0; m < 12; m++) {
        double want = 26426.0 * w[m] / wsum;   /* largest remainder: within 1 */
        assert_true(month[m] >= (long)want && month[m] <= (long)want + 1);
    }
    assert_true(month[1] < month[6]);   /* February (春节) below July */
    assert_true(weekday[6] < weekday[0] * 0.8);   /* Sundays quieter than Mondays */
    assert_true(type_consult > 26426 * 0.40 && type_consult < 26426 * 0.50);
}

static bool same_item(const sim_item_t *a, const sim_item_t *b)
{
    if (a->kind != b->kind || a->at != b->at || strcmp(a->id, b->id) != 0) return false;
    if (a->kind == SIM_KB_UPDATE)
        return !strcmp(a->kb_id, b->kb_id) && !strcmp(a->answer, b->answer) &&
               !a->add_keywords == !b->add_keywords && (!a->add_keywords || !strcmp(a->add_keywords, b->add_keywords));
    return !strcmp(a->type, b->type) && a->urgent == b->urgent && !strcmp(a->street, b->street) &&
           !strcmp(a->category, b->category) && !strcmp(a->text, b->text) && !strcmp(a->caller, b->caller) &&
           !strcmp(a->channel, b->channel);
}

static void test_deterministic(void **state)
{
    fixture_t *fx = *state;
    sim_feed_t *again = gen(fx->scn, 2022), *other = gen(fx->scn, 2023);
    assert_int_equal(sim_feed_len(again), sim_feed_len(fx->feed));
    for (size_t i = 0; i < sim_feed_len(again); i++)
        assert_true(same_item(sim_feed_at(again, i), sim_feed_at(fx->feed, i)));
    assert_int_equal(sim_feed_len(other), sim_feed_len(fx->feed));
    size_t differ = 0;
    for (size_t i = 0; i < sim_feed_len(other); i++)
        differ += !same_item(sim_feed_at(other, i), sim_feed_at(fx->feed, i));
    assert_true(differ > sim_feed_len(other) * 9 / 10);
    sim_feed_destroy(&again);
    sim_feed_destroy(&other);
}

static void test_smoke(void **state)
{
    (void)state;
    scenario_t *s = load(SCN_DIR "smoke.scn");
    sim_feed_t *f = gen(s, scenario_seed(s));
    size_t t = 0, u = 0, p = 0, k = 0;
    for (size_t i = 0; i < sim_feed_len(f); i++) {
        const sim_item_t *it = sim_feed_at(f, i);
        assert_true(it->at >= scenario_from(s) && it->at < scenario_to(s));
        if (it->kind == SIM_KB_UPDATE) { k++; continue; }
        t++;
        u += it->urgent;
        p += strcmp(it->type, "praise") == 0;
    }
    assert_int_equal(t, 500);
    assert_int_equal(u, 5);
    assert_int_equal(p, 2);
    assert_int_equal(k, 3);
    sim_feed_destroy(&f);
    scenario_destroy(&s);
}

static void test_errors(void **state)
{
    (void)state;
    char err[512];
    scenario_t *s = load(SCN_DIR "smoke.scn");
    assert_null(sim_gen(s, 1, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "knowledge-base ids"));
    scenario_destroy(&s);
    /* From a buffer (no path): texts are found under $HOTLINE_DATADIR. */
    const char *text = "[scenario]\nname = x\nseed = 1\nfrom = 2022-03-01\nto = 2022-03-02\n"
                       "texts = texts-longhu.tsv\n[counts]\nreceived = 20\nurgent = 3\n"
                       "[mix.type]\nconsult = 1\n";
    setenv("HOTLINE_DATADIR", HOTLINE_SOURCE_DIR "/schemas", 1);
    s = scenario_load_buf(text, strlen(text), err, sizeof err);
    assert_non_null(s);
    assert_null(sim_gen(s, 1, NULL, 0, err, sizeof err));   /* all consult: no urgent possible */
    assert_non_null(strstr(err, "fewer than 3 urgent"));
    scenario_destroy(&s);
    const char *missing = "[scenario]\nname = x\nseed = 1\nfrom = 2022-03-01\nto = 2022-03-02\n"
                          "texts = none.tsv\n[counts]\nreceived = 20\n";
    s = scenario_load_buf(missing, strlen(missing), err, sizeof err);
    assert_non_null(s);
    assert_null(sim_gen(s, 1, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "none.tsv"));
    scenario_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_counts),  cmocka_unit_test(test_times_and_order),
        cmocka_unit_test(test_fields),        cmocka_unit_test(test_mix_follows_weights),
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_smoke),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
