/* Unit tests for kb: TSV loading and its errors, revisions and as-of-time
 * lookup, validation in kb_put, the keyword scan, and the shipped file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "kb.h"
#include "units.h"

#define KB_PATH HOTLINE_SOURCE_DIR "/schemas/kb/longhu-kb.tsv"

static const char GOOD[] =
    "# comment line\n"
    "KB0001\tcity\tunit.chengguan\t占道经营|流动摊贩\t\n"
    "\n"
    "KB0002\tlabor\tunit.renshe\t社保查询|查社保\t可在粤省事查询。\r\n"
    "# another comment\n"
    "KB0003\tcommunity\tstreet\t开证明\t到社区居委会办理。";

static int load(kb_t *kb, const char *text, char *err, size_t errlen)
{
    return kb_load_tsv_buf(kb, text, strlen(text), 100, err, errlen);
}

static void test_load_good(void **state)
{
    (void)state;
    kb_t *kb = kb_new();
    char err[256] = "";
    assert_int_equal(load(kb, GOOD, err, sizeof err), 0);
    assert_int_equal(kb_count(kb), 3);
    assert_int_equal(kb_max_rev(kb), 0);
    const kb_entry_t *e = kb_get(kb, "KB0002", INT64_MAX);
    assert_non_null(e);
    assert_string_equal(e->category, "labor");
    assert_string_equal(e->unit, "unit.renshe");
    assert_string_equal(e->keywords, "社保查询|查社保");
    assert_string_equal(e->answer, "可在粤省事查询。");   /* CR stripped */
    assert_int_equal(e->valid_from, 100);
    assert_int_equal(e->rev, 0);
    assert_string_equal(kb_get(kb, "KB0001", 100)->answer, "");
    assert_string_equal(kb_get(kb, "KB0003", 100)->unit, "street");
    assert_null(kb_get(kb, "KB0001", 99));                  /* not yet valid */
    assert_null(kb_get(kb, "KB9999", INT64_MAX));
    assert_string_equal(kb_entry_at(kb, 0)->id, "KB0001");  /* id order */
    assert_string_equal(kb_entry_at(kb, 2)->id, "KB0003");
    assert_null(kb_entry_at(kb, 3));
    kb_destroy(&kb);
    assert_null(kb);
    kb_destroy(&kb);   /* accepts NULL */
    kb_destroy(NULL);
}

/* Each malformed file is rejected as a whole, naming the line and field. */
static void expect_bad(const char *text, const char *want1, const char *want2)
{
    kb_t *kb = kb_new();
    char err[256] = "";
    assert_int_equal(load(kb, text, err, sizeof err), -1);
    if (!strstr(err, want1) || !strstr(err, want2))
        fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err, want1, want2);
    assert_int_equal(kb_count(kb), 0);
    assert_int_equal(kb_max_rev(kb), -1);
    kb_destroy(&kb);
}

static void test_load_malformed(void **state)
{
    (void)state;
    expect_bad("#c\nKB0001\tcity\tunit.chengguan\t占道经营\t\nKB0002\tcity\tunit.chengguan\t摆摊\n",
               "line 3", "5 TAB-separated");
    expect_bad("KB0001\tcity\tunit.chengguan\t占道经营\t\tX\n", "line 1", "more than 5");
    expect_bad("KB0001\tcity\tunit.chengguan\t占道经营\t\nKB0002\tweather\tunit.chengguan\t台风\t\n",
               "line 2", "category");
    expect_bad("KB0001\tcity\tunit.nowhere\t占道经营\t\n", "line 1", "unit");
    expect_bad("KB0001\tcommunity\tunit.street.mars\t开证明\t\n", "line 1", "unit");
    expect_bad("KB0001\tcity\tunit.chengguan\t\t\n", "line 1", "keywords");
    expect_bad("KB0001\tcity\tunit.chengguan\t||\t\n", "line 1", "keywords");
    expect_bad("\tcity\tunit.chengguan\t摆摊\t\n", "line 1", "id");
    expect_bad("KB0001\tcity\tunit.chengguan\t摆摊\t\nKB0001\tcity\tunit.chengguan\t占道\t\n",
               "line 2", "duplicate");
}

/* An error leaves earlier contents untouched. */
static void test_load_error_keeps_existing(void **state)
{
    (void)state;
    kb_t *kb = kb_new();
    char err[256];
    assert_int_equal(load(kb, GOOD, err, sizeof err), 0);
    assert_int_equal(load(kb, "KB0009\tcity\tunit.chengguan\t摆摊\t\nKB0010\tbad\tx\ty\t\n", err, sizeof err), -1);
    assert_int_equal(kb_count(kb), 3);
    assert_null(kb_get(kb, "KB0009", INT64_MAX));
    kb_destroy(&kb);
}

static kb_entry_t entry(const char *id, int64_t rev, int64_t from, const char *kw)
{
    return (kb_entry_t){.id = id, .rev = rev, .valid_from = from, .category = "market",
                        .unit = "unit.shichang", .keywords = kw, .answer = ""};
}

/* Revisions arrive in any order; lookups follow valid_from, not arrival. */
static void test_revisions_as_of(void **state)
{
    (void)state;
    kb_t *kb = kb_new();
    kb_entry_t r0 = entry("KB0100", 0, 0, "过期食品"), r5 = entry("KB0100", 5, 100, "过期食品|临期"),
               r3 = entry("KB0100", 3, 50, "过期食品|变质");
    assert_int_equal(kb_put(kb, &r5), 0);
    assert_int_equal(kb_put(kb, &r0), 0);
    assert_int_equal(kb_put(kb, &r3), 0);
    assert_int_equal(kb_count(kb), 1);
    assert_int_equal(kb_max_rev(kb), 5);
    assert_null(kb_get(kb, "KB0100", -1));
    assert_int_equal(kb_get(kb, "KB0100", 0)->rev, 0);
    assert_int_equal(kb_get(kb, "KB0100", 49)->rev, 0);
    assert_int_equal(kb_get(kb, "KB0100", 50)->rev, 3);
    assert_int_equal(kb_get(kb, "KB0100", 99)->rev, 3);
    assert_int_equal(kb_get(kb, "KB0100", 100)->rev, 5);
    assert_int_equal(kb_get(kb, "KB0100", INT64_MAX)->rev, 5);
    assert_string_equal(kb_get(kb, "KB0100", 100)->keywords, "过期食品|临期");
    assert_int_equal(kb_entry_at(kb, 0)->rev, 5);

    /* Replacing an identical (id, rev) changes that revision only. */
    kb_entry_t r3b = entry("KB0100", 3, 50, "过期食品|发霉");
    assert_int_equal(kb_put(kb, &r3b), 0);
    assert_string_equal(kb_get(kb, "KB0100", 60)->keywords, "过期食品|发霉");
    assert_int_equal(kb_max_rev(kb), 5);
    kb_destroy(&kb);
}

static void test_put_validation(void **state)
{
    (void)state;
    kb_t *kb = kb_new();
    kb_entry_t e = entry("KB0001", 0, 0, "摆摊");
    e.category = "weather";
    assert_int_equal(kb_put(kb, &e), -1);
    e = entry("KB0001", 0, 0, "摆摊");
    e.unit = "unit.mars";
    assert_int_equal(kb_put(kb, &e), -1);
    e = entry("KB0001", 0, 0, "");
    assert_int_equal(kb_put(kb, &e), -1);
    e = entry("KB0001", -1, 0, "摆摊");
    assert_int_equal(kb_put(kb, &e), -1);
    e = entry("KB0123456789012345678901234567890", 0, 0, "摆摊");   /* 33 bytes */
    assert_int_equal(kb_put(kb, &e), -1);
    e = entry("KB0001", 0, 0, "摆摊\t占道");
    assert_int_equal(kb_put(kb, &e), -1);
    assert_int_equal(kb_put(kb, NULL), -1);
    assert_int_equal(kb_count(kb), 0);
    e = entry("KB0001", 0, 0, "摆摊");
    e.answer = NULL;                                 /* NULL answer is stored as "" */
    assert_int_equal(kb_put(kb, &e), 0);
    assert_string_equal(kb_get(kb, "KB0001", 0)->answer, "");
    kb_destroy(&kb);
}

typedef struct {
    char seen[16][64];
    int n;
} hits_t;

static void on_hit(void *arg, const kb_entry_t *e, size_t pos, size_t len, bool partial)
{
    hits_t *h = arg;
    if (h->n < 16) snprintf(h->seen[h->n++], 64, "%s@%zu+%zu%s", e->id, pos, len, partial ? "p" : "");
}

/* The scan reports whole keywords and pieces, only for revisions valid at at. */
static void test_scan(void **state)
{
    (void)state;
    kb_t *kb = kb_new();
    kb_entry_t a = entry("KB0001", 0, 0, "过期食品"), b = entry("KB0001", 1, 100, "过期食品|发霉");
    assert_int_equal(kb_put(kb, &a), 0);
    assert_int_equal(kb_put(kb, &b), 0);
    const char *text = "买到发霉的过期食品";   /* 发霉 at byte 6, 过期食品 at byte 15 */
    hits_t h = {0};
    kb_scan(kb, text, 50, on_hit, &h);
    assert_int_equal(h.n, 4);
    assert_string_equal(h.seen[0], "KB0001@15+6p");    /* 过期 */
    assert_string_equal(h.seen[1], "KB0001@15+12");    /* 过期食品 */
    assert_string_equal(h.seen[2], "KB0001@18+6p");    /* 期食 */
    assert_string_equal(h.seen[3], "KB0001@21+6p");    /* 食品 */
    memset(&h, 0, sizeof h);
    kb_scan(kb, text, 100, on_hit, &h);
    assert_int_equal(h.n, 5);
    assert_string_equal(h.seen[0], "KB0001@6+6");      /* 发霉 from rev 1 only */
    kb_destroy(&kb);
}

static void test_shipped_file(void **state)
{
    (void)state;
    kb_t *kb = kb_new();
    char err[512] = "";
    if (kb_load_tsv_file(kb, KB_PATH, 0, err, sizeof err) != 0) fail_msg("%s", err);
    assert_true(kb_count(kb) >= 220);
    int per_cat[UNITS_N_CATEGORIES] = {0}, answers = 0;
    for (size_t i = 0; i < kb_count(kb); i++) {
        const kb_entry_t *e = kb_entry_at(kb, i);
        char want[32];
        snprintf(want, sizeof want, "KB%04zu", i + 1);
        assert_string_equal(e->id, want);
        per_cat[units_category(e->category) - UNITS_CATEGORIES]++;
        answers += e->answer[0] != '\0';
        const char *cu = units_category(e->category)->unit;
        assert_string_equal(e->unit, cu ? cu : "street");
    }
    for (int c = 0; c < UNITS_N_CATEGORIES; c++) assert_true(per_cat[c] >= 12);
    assert_true(answers >= 60);
    assert_int_equal(kb_load_tsv_file(kb, "/nonexistent/kb.tsv", 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/kb.tsv"));
    kb_destroy(&kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_malformed),
        cmocka_unit_test(test_load_error_keeps_existing),
        cmocka_unit_test(test_revisions_as_of),
        cmocka_unit_test(test_put_validation),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_shipped_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
