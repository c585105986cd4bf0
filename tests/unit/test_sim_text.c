/* test_sim_text: the simulator's text templates (tools/sim_text.c).
 * Loads the shipped Longhu templates, fills them, and feeds malformed
 * template files that must be rejected with an error naming the line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim_text.h"
#include "units.h"

#define TEXTS HOTLINE_SOURCE_DIR "/schemas/scenarios/texts-longhu.tsv"

static bool utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
        if (n == 0) return false;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80) return false;
        p += n;
    }
    return true;
}

/* A minimal complete template file, with extra appended (line 1 = first row). */
static char *minimal(const char *extra)
{
    size_t cap = 16384, n = 0;
    char *s = malloc(cap);
    static const char *const leads[] = {"consult", "help", "complaint", "report", "suggest", "praise", "urgent", "address"};
    for (int i = 0; i < 8; i++) n += (size_t)snprintf(s + n, cap - n, "lead\t%s\t[%s]\n", leads[i], leads[i]);
    n += (size_t)snprintf(s + n, cap - n, "pool\tvia.phone\tA\npool\tvia.web\tB\npool\tvia.wechat\tC\n"
                                          "pool\tvia.app\tD\npool\tkb.keyword\tk1|k2|k3\nkb\tanswer\t({date})\n");
    static const char *const kinds[] = {"ask", "issue", "suggest", "praise"};
    for (int c = 0; c < UNITS_N_CATEGORIES; c++)
        for (int k = 0; k < 4; k++)
            n += (size_t)snprintf(s + n, cap - n, "%s\t%s\t%s-%s {street}\n", UNITS_CATEGORIES[c].code, kinds[k],
                                  UNITS_CATEGORIES[c].code, kinds[k]);
    snprintf(s + n, cap - n, "%s", extra);
    return s;
}

/* Line number of the first row of extra in minimal(). */
static int extra_line(void) { return 8 + 6 + 4 * UNITS_N_CATEGORIES + 1; }

static void expect_error(const char *extra, int line, const char *needle)
{
    char err[512], want[32];
    char *text = minimal(extra);
    sim_texts_t *t = sim_texts_load_buf(text, strlen(text), err, sizeof err);
    free(text);
    if (t) fail_msg("accepted: %s", extra);
    snprintf(want, sizeof want, "line %d", line);
    if ((line > 0 && !strstr(err, want)) || !strstr(err, needle)) fail_msg("error '%s' lacks '%s' / '%s'", err, want, needle);
}

static void test_shipped(void **state)
{
    (void)state;
    char err[512];
    sim_texts_t *t = sim_texts_load_file(TEXTS, err, sizeof err);
    if (!t) fail_msg("%s", err);
    for (int c = 0; c < UNITS_N_CATEGORIES; c++)
        if (sim_texts_count(t, UNITS_CATEGORIES[c].code) < 15)
            fail_msg("category %s has fewer than 15 templates", UNITS_CATEGORIES[c].code);
    assert_int_equal(sim_texts_count(t, "nonsense"), 0);
    sim_texts_destroy(&t);
    assert_null(t);
    sim_texts_destroy(&t);
}

static void test_fill(void **state)
{
    (void)state;
    char err[512];
    sim_texts_t *t = sim_texts_load_file(TEXTS, err, sizeof err);
    if (!t) fail_msg("%s", err);
    rng_t r;
    rng_key(&r, 1, "test", "fill", 0);
    for (int i = 0; i < 2000; i++) {
        const char *cat = UNITS_CATEGORIES[i % UNITS_N_CATEGORIES].code;
        const char *street = UNITS_STREETS[i % UNITS_N_STREETS].code;
        static const char *const types[] = {"consult", "help", "complaint", "report", "suggest", "praise"};
        sim_text_req_t q = {types[i % 6], i % 6 == 2 && i % 5 == 0, cat, street, "wechat", "3月5日"};
        char *s = sim_texts_ticket(t, &q, &r);
        assert_true(strlen(s) > 10 && strlen(s) <= SIM_TEXT_MAX && utf8_ok(s));
        assert_null(strchr(s, '{'));
        assert_non_null(strstr(s, "微信"));   /* the channel shows in the lead */
        if (q.urgent) assert_int_equal(strncmp(s, "【紧急】", strlen("【紧急】")), 0);
        free(s);
    }
    char *a = sim_texts_kb_answer(t, "2022年5月3日", "jinxia", &r);
    assert_non_null(strstr(a, "2022年5月3日"));
    char *k = sim_texts_kb_keywords(t, 2, &r), first[128];
    char *bar = strchr(k, '|');
    assert_non_null(bar);
    snprintf(first, sizeof first, "%.*s", (int)(bar - k), k);
    assert_string_not_equal(first, bar + 1);   /* two distinct keywords */
    free(a);
    free(k);
    sim_texts_destroy(&t);
}

static void test_truncation(void **state)
{
    (void)state;
    /* A 3900-byte template of 3-byte characters plus five 99-byte values: over 4 KiB. */
    char *extra = malloc(8000);
    size_t n = (size_t)snprintf(extra, 8000, "pool\tlong\t");
    for (int i = 0; i < 33; i++) n += (size_t)snprintf(extra + n, 8000 - n, "长");
    n += (size_t)snprintf(extra + n, 8000 - n, "\ncity\turgent\t");
    for (int i = 0; i < 1300; i++) n += (size_t)snprintf(extra + n, 8000 - n, "长");
    snprintf(extra + n, 8000 - n, "{long}{long}{long}{long}{long}\n");
    char *text = minimal(extra), err[512];
    sim_texts_t *t = sim_texts_load_buf(text, strlen(text), err, sizeof err);
    if (!t) fail_msg("%s", err);
    rng_t r;
    rng_key(&r, 1, "test", "trunc", 0);
    sim_text_req_t q = {"complaint", true, "city", "jinxia", "phone", "1月1日"};
    char *s = sim_texts_ticket(t, &q, &r);
    assert_true(strlen(s) <= SIM_TEXT_MAX && strlen(s) > SIM_TEXT_MAX - 4);
    assert_true(utf8_ok(s));
    free(s);
    free(text);
    free(extra);
    sim_texts_destroy(&t);
}

static void test_repeated_placeholder(void **state)
{
    (void)state;
    char *text = minimal("pool\tbus\t2路|5路|11路|13路|23路|26路|33路|39路\n"
                         "transport\turgent\t<{bus}|{num}|{bus}|{num}>\n"), err[512];
    sim_texts_t *t = sim_texts_load_buf(text, strlen(text), err, sizeof err);
    if (!t) fail_msg("%s", err);
    rng_t r;
    rng_key(&r, 1, "test", "repeat", 0);
    for (int i = 0; i < 50; i++) {
        sim_text_req_t q = {"help", true, "transport", "xinjin", "phone", "1月1日"};
        char *s = sim_texts_ticket(t, &q, &r), a[32], b[32], c[32], d[32];
        assert_int_equal(sscanf(strchr(s, '<'), "<%31[^|]|%31[^|]|%31[^|]|%31[^>]>", a, b, c, d), 4);
        assert_string_equal(a, c);   /* one text, one bus line */
        assert_string_equal(b, d);
        free(s);
    }
    free(text);
    sim_texts_destroy(&t);
}

static void test_malformed(void **state)
{
    (void)state;
    int l = extra_line();
    expect_error("city\task\thello {nowhere}\n", l, "unknown placeholder {nowhere}");
    expect_error("city\task\thello {street\n", l, "malformed placeholder");
    expect_error("\ncity\task\n", l + 1, "3 TAB-separated fields");
    expect_error("city\task\ta\tb\n", l, "more than 3 fields");
    expect_error("gardening\task\thow?\n", l, "unknown category 'gardening'");
    expect_error("city\twonder\thow?\n", l, "unknown kind 'wonder'");
    expect_error("lead\tconsult\tagain\n", l, "lead 'consult' defined twice");
    expect_error("pool\tvia.web\tX\n", l, "pool 'via.web' defined twice");
    expect_error("pool\tx\ta||b\n", l, "empty value");
    expect_error("kb\tquestion\tx\n", l, "unknown kb row");
    /* Completeness: drop the praise template of the last category. */
    char *text = minimal(""), err[512];
    char *cut = strstr(text, "community\tpraise");
    *cut = '\0';
    assert_null(sim_texts_load_buf(text, strlen(text), err, sizeof err));
    assert_non_null(strstr(err, "no 'praise' template for category 'community'"));
    free(text);
    char err2[512];
    assert_null(sim_texts_load_file("/nonexistent/texts.tsv", err2, sizeof err2));
    assert_non_null(strstr(err2, "/nonexistent/texts.tsv"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_repeated_placeholder),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
