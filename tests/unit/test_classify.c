/* Unit tests for classify: accuracy on the hand-labelled ticket set against the
 * shipped knowledge base, kb_id rules, as-of-time behaviour, streets and
 * alternative units, determinism. Set HOTLINE_TEST_VERBOSE=1 to list every
 * misclassified text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "kb.h"
#include "units.h"

#define KB_PATH HOTLINE_SOURCE_DIR "/schemas/kb/longhu-kb.tsv"
#define LABELLED_PATH HOTLINE_SOURCE_DIR "/tests/data/classify-labelled.tsv"
#define MAX_ROWS 2000

typedef struct {
    char *category, *unit, *street, *type, *text;   /* point into the file buffer */
} row_t;

typedef struct {
    kb_t *kb;
    char *buf;          /* labelled file contents, split in place */
    row_t rows[MAX_ROWS];
    size_t n;
} fixture_t;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    size_t got = fread(buf, 1, (size_t)len, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static void parse_rows(fixture_t *fx)
{
    for (char *line = fx->buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        char *f[5] = {0};
        int n = 0;
        for (char *p = line; n < 5; n++) {
            f[n] = p;
            p = strchr(p, '\t');
            if (!p) { n++; break; }
            *p++ = '\0';
        }
        assert_int_equal(n, 5);
        assert_true(fx->n < MAX_ROWS);
        fx->rows[fx->n++] = (row_t){f[0], f[1], f[2], f[3], f[4]};
    }
}

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    char err[512];
    fx->kb = kb_new();
    if (kb_load_tsv_file(fx->kb, KB_PATH, 0, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    fx->buf = slurp(LABELLED_PATH);
    if (!fx->buf) return -1;
    parse_rows(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    kb_destroy(&fx->kb);
    assert_null(fx->kb);
    free(fx->buf);
    free(fx);
    return 0;
}

static int cat_index(const char *code)
{
    const units_category_t *c = units_category(code);
    assert_non_null(c);
    return (int)(c - UNITS_CATEGORIES);
}

/* ---- accuracy on the labelled set ---------------------------------------- */

static void test_labelled_accuracy(void **state)
{
    fixture_t *fx = *state;
    int n[UNITS_N_CATEGORIES] = {0}, okc[UNITS_N_CATEGORIES] = {0}, oku[UNITS_N_CATEGORIES] = {0};
    int tn = 0, tc = 0, tu = 0;
    bool verbose = getenv("HOTLINE_TEST_VERBOSE") != NULL;
    assert_true(fx->n >= 330);
    for (size_t i = 0; i < fx->n; i++) {
        const row_t *r = &fx->rows[i];
        classify_result_t res;
        /* Half the rows give the street; the other half rely on the text. */
        const char *street = i % 2 == 0 ? r->street : NULL;
        assert_int_equal(classify_text(fx->kb, r->text, r->type, street, INT64_MAX, &res), 0);
        int c = cat_index(r->category);
        bool cok = strcmp(res.category, r->category) == 0, uok = strcmp(res.unit, r->unit) == 0;
        n[c]++, tn++;
        okc[c] += cok, tc += cok;
        oku[c] += uok, tu += uok;
        if (verbose && (!cok || !uok))
            printf("MISS want=%s/%s got=%s/%s score=%d street=%s text=%s\n", r->category, r->unit,
                   res.category, res.unit, res.score, street ? street : "-", r->text);
    }
    printf("%-12s %4s %9s %9s\n", "category", "n", "category%", "unit%");
    for (int c = 0; c < UNITS_N_CATEGORIES; c++)
        printf("%-12s %4d %8.1f%% %8.1f%%\n", UNITS_CATEGORIES[c].code, n[c],
               n[c] ? 100.0 * okc[c] / n[c] : 0.0, n[c] ? 100.0 * oku[c] / n[c] : 0.0);
    printf("%-12s %4d %8.1f%% %8.1f%%\n", "overall", tn, 100.0 * tc / tn, 100.0 * tu / tn);
    for (int c = 0; c < UNITS_N_CATEGORIES; c++) {
        assert_true(n[c] >= 20);
        assert_true(100 * okc[c] >= 80 * n[c]);
    }
    assert_true(100 * tc >= 90 * tn);
}

/* Every street appears in the labelled set, and alt_unit always differs. */
static void test_labelled_coverage_and_alt(void **state)
{
    fixture_t *fx = *state;
    int seen[UNITS_N_STREETS] = {0};
    for (size_t i = 0; i < fx->n; i++) {
        const units_street_t *s = units_street(fx->rows[i].street);
        assert_non_null(s);
        seen[s - UNITS_STREETS]++;
        classify_result_t res;
        assert_int_equal(classify_text(fx->kb, fx->rows[i].text, fx->rows[i].type, NULL, INT64_MAX, &res), 0);
        assert_true(units_is_unit(res.unit));
        assert_true(units_is_unit(res.alt_unit));
        assert_string_not_equal(res.unit, res.alt_unit);
    }
    for (int s = 0; s < UNITS_N_STREETS; s++) assert_true(seen[s] > 0);
}

/* ---- kb_id rules ---------------------------------------------------------- */

static void test_consult_gets_kb_id(void **state)
{
    fixture_t *fx = *state;
    classify_result_t res;
    assert_int_equal(classify_text(fx->kb, "请问怎么查询自己的社保缴费记录？", "consult", NULL, INT64_MAX, &res), 0);
    assert_string_equal(res.category, "labor");
    assert_string_equal(res.unit, "unit.renshe");
    assert_true(res.kb_id[0] != '\0');
    const kb_entry_t *e = kb_get(fx->kb, res.kb_id, INT64_MAX);
    assert_non_null(e);
    assert_true(e->answer[0] != '\0');
    assert_string_equal(e->category, "labor");

    assert_int_equal(classify_text(fx->kb, "孩子今年要上一年级，请问入学报名要准备什么材料？", "consult", "jinxia",
                                   INT64_MAX, &res), 0);
    assert_string_equal(res.category, "education");
    assert_true(res.kb_id[0] != '\0');
}

static void test_non_consult_never_kb_id(void **state)
{
    fixture_t *fx = *state;
    static const char *const types[] = {"complaint", "help", "report", "suggest", "praise"};
    for (size_t i = 0; i < fx->n; i++)
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            classify_result_t res;
            assert_int_equal(classify_text(fx->kb, fx->rows[i].text, types[t], NULL, INT64_MAX, &res), 0);
            assert_string_equal(res.kb_id, "");
        }
}

/* A consultation on a complaint-only topic (no answer) gets no kb_id. */
static void test_consult_without_answer(void **state)
{
    fixture_t *fx = *state;
    classify_result_t res;
    assert_int_equal(classify_text(fx->kb, "工地半夜施工噪音太大了，请问能不能管一管？", "consult", NULL, INT64_MAX, &res), 0);
    assert_string_equal(res.category, "city");
    assert_string_equal(res.kb_id, "");
}

/* ---- as-of time ----------------------------------------------------------- */

/* Id of the first entry of category whose keywords contain word. */
static const char *find_entry(const kb_t *kb, const char *category, const char *word)
{
    for (size_t i = 0; i < kb_count(kb); i++) {
        const kb_entry_t *e = kb_entry_at(kb, i);
        if (strcmp(e->category, category) == 0 && strstr(e->keywords, word)) return e->id;
    }
    return NULL;
}

static void test_as_of_time(void **state)
{
    fixture_t *fx = *state;
    const char *text = "请问数字人民币红包怎么领？";
    classify_result_t before, at, after;
    assert_int_equal(classify_text(fx->kb, text, "consult", NULL, INT64_MAX, &before), 0);
    assert_string_not_equal(before.category, "market");

    /* A later revision of a market entry adds the keyword at t = 1000. */
    const char *id = find_entry(fx->kb, "market", "12315");
    assert_non_null(id);
    const kb_entry_t *old = kb_get(fx->kb, id, INT64_MAX);
    assert_non_null(old);
    char *kw = malloc(strlen(old->keywords) + 64);
    sprintf(kw, "%s|数字人民币红包", old->keywords);
    kb_entry_t upd = *old;
    upd.rev = kb_max_rev(fx->kb) + 1;
    upd.valid_from = 1000;
    upd.keywords = kw;
    upd.category = "market";
    upd.unit = "unit.shichang";
    upd.answer = "数字人民币红包在活动页面领取，使用规则以公告为准。";
    assert_int_equal(kb_put(fx->kb, &upd), 0);
    free(kw);

    assert_int_equal(classify_text(fx->kb, text, "consult", NULL, 999, &before), 0);
    assert_int_equal(classify_text(fx->kb, text, "consult", NULL, 1000, &at), 0);
    assert_int_equal(classify_text(fx->kb, text, "consult", NULL, 5000, &after), 0);
    assert_string_not_equal(before.category, "market");
    assert_string_equal(at.category, "market");
    assert_string_equal(at.kb_id, id);
    assert_memory_equal(&at, &after, sizeof at);
}

/* ---- streets and units ---------------------------------------------------- */

static void test_streets(void **state)
{
    fixture_t *fx = *state;
    classify_result_t res;
    const char *text = "鸥汀街道鸥上社区的健身器材坏了很久，希望社区尽快维修。";
    assert_string_equal(classify_find_street(text), "outing");
    assert_string_equal(classify_find_street("新海街道八合村的路灯不亮"), "xinhai");
    assert_null(classify_find_street("我家门口的路灯不亮"));

    assert_int_equal(classify_text(fx->kb, text, "complaint", NULL, INT64_MAX, &res), 0);
    assert_string_equal(res.category, "community");
    assert_string_equal(res.unit, "unit.street.outing");
    assert_string_equal(res.street, "outing");
    /* The given street wins over one named in the text. */
    assert_int_equal(classify_text(fx->kb, text, "complaint", "longhua", INT64_MAX, &res), 0);
    assert_string_equal(res.unit, "unit.street.longhua");
    assert_string_equal(res.street, "longhua");
    /* A community matter with no street at all goes to the fallback street. */
    assert_int_equal(classify_text(fx->kb, "社区的健身器材坏了很久没人修。", "complaint", NULL, INT64_MAX, &res), 0);
    assert_string_equal(res.category, "community");
    assert_string_equal(res.unit, "unit.street.jinxia");
    assert_string_equal(res.street, "");
    /* A department matter in a known street: the street office is the alternative. */
    assert_int_equal(classify_text(fx->kb, "珠池街道有流动摊贩占道经营。", "complaint", NULL, INT64_MAX, &res), 0);
    assert_string_equal(res.unit, "unit.chengguan");
    assert_string_equal(res.alt_unit, "unit.street.zhuchi");
    /* Text matching nothing: 属地 (the street office). */
    assert_int_equal(classify_text(fx->kb, "喂，你好，听得到吗？", "help", "xinxi", INT64_MAX, &res), 0);
    assert_string_equal(res.category, "community");
    assert_string_equal(res.unit, "unit.street.xinxi");
    assert_int_equal(res.score, 0);
}

static void test_invalid_args(void **state)
{
    fixture_t *fx = *state;
    classify_result_t res;
    assert_int_equal(classify_text(NULL, "x", "consult", NULL, 0, &res), -1);
    assert_int_equal(classify_text(fx->kb, NULL, "consult", NULL, 0, &res), -1);
    assert_int_equal(classify_text(fx->kb, "x", "bogus", NULL, 0, &res), -1);
    assert_int_equal(classify_text(fx->kb, "x", "consult", "nowhere", 0, &res), -1);
    assert_int_equal(classify_text(fx->kb, "x", "consult", NULL, 0, NULL), -1);
}

/* ---- determinism ---------------------------------------------------------- */

/* Same answers twice, and from a kb built in the opposite insertion order. */
static void test_deterministic(void **state)
{
    fixture_t *fx = *state;
    kb_t *rev = kb_new();
    for (size_t i = kb_count(fx->kb); i > 0; i--) assert_int_equal(kb_put(rev, kb_entry_at(fx->kb, i - 1)), 0);
    for (size_t i = 0; i < fx->n; i++) {
        classify_result_t a, b, c;
        memset(&a, 0x55, sizeof a);
        memset(&b, 0xAA, sizeof b);
        memset(&c, 0x11, sizeof c);
        const row_t *r = &fx->rows[i];
        assert_int_equal(classify_text(fx->kb, r->text, r->type, r->street, 1000, &a), 0);
        assert_int_equal(classify_text(fx->kb, r->text, r->type, r->street, 1000, &b), 0);
        assert_int_equal(classify_text(rev, r->text, r->type, r->street, 1000, &c), 0);
        assert_memory_equal(&a, &b, sizeof a);
        assert_memory_equal(&a, &c, sizeof a);
    }
    kb_destroy(&rev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_labelled_accuracy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_labelled_coverage_and_alt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consult_gets_kb_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_consult_never_kb_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consult_without_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_as_of_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
