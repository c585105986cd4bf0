/* Unit tests for the learned classifier (classify_ticket with the shipped
 * model): its accuracy on the corpus's test split, which it never saw in
 * training or tuning; the shipped model is what hotline-train makes from the
 * shipped data; it belongs to the shipped knowledge base; a knowledge-base
 * update still changes classification from its valid_from on; results are
 * deterministic and well-formed; the model file round-trips and bad files
 * are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "classify_eval.h"
#include "classify_train.h"

#define KB_PATH HOTLINE_SOURCE_DIR "/schemas/kb/longhu-kb.tsv"
#define MODEL_PATH HOTLINE_SOURCE_DIR "/schemas/kb/classifier.model"
#define SPLIT(name) HOTLINE_SOURCE_DIR "/data/classify/" name ".tsv"
/* The goal on the test split, which the shipped model meets (docs/CLASSIFIER.md: 95.62%). */
#define TEST_SPLIT_FLOOR 0.95

typedef struct {
    kb_t *kb;
    classify_model_t *m;
} fixture_t;

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    char err[512];
    fx->kb = kb_new();
    if (kb_load_tsv_file(fx->kb, KB_PATH, 0, err, sizeof err) != 0 ||
        !(fx->m = classify_model_load_file(MODEL_PATH, err, sizeof err))) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    kb_destroy(&fx->kb);
    classify_model_destroy(&fx->m);
    assert_null(fx->m);
    free(fx);
    return 0;
}

static classify_eval_set_t *load_set(const char *path)
{
    char err[512];
    classify_eval_set_t *s = classify_eval_load(path, err, sizeof err);
    if (!s) fprintf(stderr, "%s\n", err);
    assert_non_null(s);
    return s;
}

/* ---- accuracy on the test split ------------------------------------------- */

static void test_test_split_accuracy(void **state)
{
    fixture_t *fx = *state;
    classify_eval_set_t *test = load_set(SPLIT("test"));
    assert_true(classify_eval_len(test) >= 600);
    classify_eval_t rules, combined;
    assert_int_equal(classify_eval_run(NULL, CLASSIFY_RULES, fx->kb, test, &rules), 0);
    assert_int_equal(classify_eval_run(fx->m, CLASSIFY_COMBINED, fx->kb, test, &combined), 0);
    classify_eval_print(&combined, stdout);
    printf("keyword rules alone: %.2f%%; combined: %.2f%%\n", 100 * classify_eval_accuracy(&rules),
           100 * classify_eval_accuracy(&combined));
    assert_true(classify_eval_accuracy(&combined) >= TEST_SPLIT_FLOOR);
    assert_true(classify_eval_accuracy(&combined) > classify_eval_accuracy(&rules) + 0.05);
    for (int c = 0; c < UNITS_N_CATEGORIES; c++) assert_true(classify_eval_recall(&combined, c) >= 0.70);
    classify_eval_destroy(&test);
}

/* No text of the test split is in train or dev. */
static void test_splits_disjoint(void **state)
{
    (void)state;
    classify_eval_set_t *test = load_set(SPLIT("test")), *train = load_set(SPLIT("train")), *dev = load_set(SPLIT("dev"));
    classify_eval_set_t *seen = classify_eval_concat(train, dev);
    for (size_t i = 0; i < classify_eval_len(test); i++)
        for (size_t j = 0; j < classify_eval_len(seen); j++)
            assert_string_not_equal(classify_eval_row(test, i)->text, classify_eval_row(seen, j)->text);
    classify_eval_destroy(&seen);
    classify_eval_destroy(&test), classify_eval_destroy(&train), classify_eval_destroy(&dev);
}

/* ---- the shipped model is reproducible and belongs to the shipped KB ------ */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void test_model_matches_kb(void **state)
{
    fixture_t *fx = *state;
    char fp[17];
    assert_int_equal(classify_train_fingerprint(KB_PATH, fp, sizeof fp), 0);
    /* Editing the knowledge base means retraining: hotline-train (docs/CLASSIFIER.md). */
    assert_string_equal(classify_model_info(fx->m, "kb"), fp);
}

/* Retraining with the recorded setting on train + dev, with the recorded
 * combination, gives the shipped file byte for byte. */
static void test_retrain_reproduces(void **state)
{
    fixture_t *fx = *state;
    classify_train_opts_t o;
    char how[32];
    assert_int_equal(sscanf(classify_model_info(fx->m, "trained"), "liblinear L2R_LR C=%lf mindf=%d rows=%*d on %31[^;]",
                            &o.C, &o.mindf, how), 3);
    assert_string_equal(how, "train+dev");
    classify_eval_set_t *train = load_set(SPLIT("train")), *dev = load_set(SPLIT("dev"));
    classify_eval_set_t *all = classify_eval_concat(train, dev);
    char err[256], path[] = "/tmp/test_classify_model.XXXXXX";
    classify_model_t *m = classify_train(all, fx->kb, &o, err, sizeof err);
    assert_non_null(m);
    double a, b, t;
    classify_model_get_combine(fx->m, &a, &b, &t);
    classify_model_set_combine(m, a, b, t);
    static const char *const KEYS[] = {"version", "kb", "data", "trained"};
    for (int i = 0; i < 4; i++) classify_model_set_info(m, KEYS[i], classify_model_info(fx->m, KEYS[i]));
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(classify_model_save_file(m, path, err, sizeof err), 0);
    size_t n1, n2;
    char *want = slurp(MODEL_PATH, &n1), *got = slurp(path, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(want, got, n1);
    free(want), free(got);
    unlink(path);
    close(fd);
    classify_model_destroy(&m);
    classify_eval_destroy(&all), classify_eval_destroy(&train), classify_eval_destroy(&dev);
}

/* ---- knowledge-base updates reach the classifier --------------------------- */

static const char *find_entry(const kb_t *kb, const char *category, const char *word)
{
    for (size_t i = 0; i < kb_count(kb); i++) {
        const kb_entry_t *e = kb_entry_at(kb, i);
        if (strcmp(e->category, category) == 0 && strstr(e->keywords, word)) return e->id;
    }
    return NULL;
}

/* Adds keyword to the entry id (category cat, unit) from virtual time vf on. */
static void add_keyword(kb_t *kb, const char *id, const char *keyword, const char *cat, const char *unit, int64_t vf)
{
    const kb_entry_t *old = kb_get(kb, id, INT64_MAX);
    assert_non_null(old);
    char *kw = malloc(strlen(old->keywords) + strlen(keyword) + 2);
    sprintf(kw, "%s|%s", old->keywords, keyword);
    kb_entry_t upd = *old;
    upd.rev = kb_max_rev(kb) + 1;
    upd.valid_from = vf;
    upd.keywords = kw;
    upd.category = cat;
    upd.unit = unit;
    assert_int_equal(kb_put(kb, &upd), 0);
    free(kw);
}

static void test_kb_update_as_of(void **state)
{
    fixture_t *fx = *state;
    const char *text = "请问数字人民币红包怎么领？";
    classify_result_t before, at, after;
    assert_int_equal(classify_ticket(fx->m, fx->kb, text, "consult", NULL, INT64_MAX, &before), 0);
    assert_string_not_equal(before.category, "market");
    const char *id = find_entry(fx->kb, "market", "12315");
    assert_non_null(id);
    add_keyword(fx->kb, id, "数字人民币红包", "market", "unit.shichang", 1000);
    assert_int_equal(classify_ticket(fx->m, fx->kb, text, "consult", NULL, 999, &before), 0);
    assert_int_equal(classify_ticket(fx->m, fx->kb, text, "consult", NULL, 1000, &at), 0);
    assert_int_equal(classify_ticket(fx->m, fx->kb, text, "consult", NULL, 5000, &after), 0);
    assert_string_not_equal(before.category, "market");
    assert_string_equal(at.category, "market");
    assert_string_equal(at.unit, "unit.shichang");
    assert_memory_equal(&at, &after, sizeof at);
}

/* A short (2-character) keyword added to another category wins too, and a
 * keyword the shipped entry already had is not counted twice. */
static void test_kb_update_short_keyword(void **state)
{
    fixture_t *fx = *state;
    const char *text = "楼下那家店的招牌灯箱晚上闪得厉害，晃得睡不着";
    classify_result_t r0, r1;
    assert_int_equal(classify_ticket(fx->m, fx->kb, text, "complaint", "jinxia", 100, &r0), 0);
    const char *target = strcmp(r0.category, "environment") != 0 ? "environment" : "police";
    const char *unit = strcmp(target, "environment") == 0 ? "unit.huanjing" : "unit.gongan";
    const char *id = find_entry(fx->kb, target, "|");
    assert_non_null(id);
    add_keyword(fx->kb, id, "灯箱", target, unit, 200);
    assert_int_equal(classify_ticket(fx->m, fx->kb, text, "complaint", "jinxia", 199, &r1), 0);
    assert_memory_equal(&r0, &r1, sizeof r0);
    assert_int_equal(classify_ticket(fx->m, fx->kb, text, "complaint", "jinxia", 200, &r1), 0);
    assert_string_equal(r1.category, target);

    /* Re-adding a keyword an entry shipped with changes nothing. */
    const char *t2 = "小区电梯又坏了，困了人";
    classify_result_t a, b;
    assert_int_equal(classify_ticket(fx->m, fx->kb, t2, "complaint", "xinjin", 300, &a), 0);
    const char *lift = find_entry(fx->kb, "housing", "电梯故障");
    assert_non_null(lift);
    add_keyword(fx->kb, lift, "电梯故障", "housing", "unit.zhujian", 400);
    assert_int_equal(classify_ticket(fx->m, fx->kb, t2, "complaint", "xinjin", 400, &b), 0);
    assert_memory_equal(&a, &b, sizeof a);
}

/* ---- well-formed and deterministic ---------------------------------------- */

static void test_results_well_formed(void **state)
{
    fixture_t *fx = *state;
    classify_eval_set_t *dev = load_set(SPLIT("dev"));
    kb_t *rev = kb_new();
    for (size_t i = kb_count(fx->kb); i > 0; i--) assert_int_equal(kb_put(rev, kb_entry_at(fx->kb, i - 1)), 0);
    for (size_t i = 0; i < classify_eval_len(dev); i++) {
        const classify_eval_row_t *row = classify_eval_row(dev, i);
        classify_result_t a, b, c;
        memset(&a, 0x55, sizeof a), memset(&b, 0xAA, sizeof b), memset(&c, 0x11, sizeof c);
        const char *st = i % 2 ? row->street : NULL;
        assert_int_equal(classify_ticket(fx->m, fx->kb, row->text, row->type, st, 1000, &a), 0);
        assert_int_equal(classify_ticket(fx->m, fx->kb, row->text, row->type, st, 1000, &b), 0);
        assert_int_equal(classify_ticket(fx->m, rev, row->text, row->type, st, 1000, &c), 0);
        assert_memory_equal(&a, &b, sizeof a);
        assert_memory_equal(&a, &c, sizeof a);
        assert_true(a.confidence > 0 && a.confidence <= 1);
        assert_non_null(units_category(a.second));
        assert_string_not_equal(a.second, a.category);
        assert_true(units_is_unit(a.unit) && units_is_unit(a.alt_unit));
        assert_string_not_equal(a.unit, a.alt_unit);
        if (strcmp(row->type, "consult") != 0) assert_string_equal(a.kb_id, "");
    }
    kb_destroy(&rev);
    classify_eval_destroy(&dev);
}

static void test_consult_answer_and_streets(void **state)
{
    fixture_t *fx = *state;
    classify_result_t r;
    assert_int_equal(classify_ticket(fx->m, fx->kb, "请问怎么查询自己的社保缴费记录？", "consult", NULL, INT64_MAX, &r), 0);
    assert_string_equal(r.category, "labor");
    assert_true(r.kb_id[0] != '\0');
    assert_int_equal(classify_ticket(fx->m, fx->kb, "鸥汀街道鸥上社区的健身器材坏了很久，希望社区尽快维修。", "complaint",
                                     NULL, INT64_MAX, &r), 0);
    assert_string_equal(r.category, "community");
    assert_string_equal(r.unit, "unit.street.outing");
    assert_int_equal(classify_ticket(fx->m, fx->kb, "x", "bogus", NULL, 0, &r), -1);
    assert_int_equal(classify_ticket(fx->m, fx->kb, "x", "consult", "nowhere", 0, &r), -1);
    assert_int_equal(classify_run(NULL, CLASSIFY_MODEL, fx->kb, "x", "consult", NULL, 0, &r), -1);
    /* Empty or punctuation-only text still gets an answer. */
    assert_int_equal(classify_ticket(fx->m, fx->kb, "，。！", "help", "xinxi", INT64_MAX, &r), 0);
    assert_true(units_is_unit(r.unit));
}

/* ---- the file --------------------------------------------------------------- */

static void test_file_round_trip_and_refusals(void **state)
{
    fixture_t *fx = *state;
    char err[256], path[] = "/tmp/test_classify_model_rt.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(classify_model_save_file(fx->m, path, err, sizeof err), 0);
    classify_model_t *m = classify_model_load_file(path, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(classify_model_n_features(m), classify_model_n_features(fx->m));
    assert_string_equal(classify_model_info(m, "version"), classify_model_info(fx->m, "version"));
    classify_result_t a, b;
    const char *t = "我家楼下的烧烤店油烟太大，窗户都不敢开";
    assert_int_equal(classify_ticket(fx->m, fx->kb, t, "complaint", NULL, INT64_MAX, &a), 0);
    assert_int_equal(classify_ticket(m, fx->kb, t, "complaint", NULL, INT64_MAX, &b), 0);
    assert_memory_equal(&a, &b, sizeof a);
    classify_model_destroy(&m);
    unlink(path);
    close(fd);

    static const char *const BAD[] = {
        "",
        "hotline-classifier 1\n",       /* format 1: presence-only n-gram weights */
        "hotline-classifier 3\n",
        "hotline-classifier 2\nclasses city\n",
        "hotline-classifier 2\nclasses city housing market transport environment labor education health police civil "
        "utility community\ncombine 0 0 0\nbias 0 0 0 0 0 0 0 0 0 0 0 0\nfeatures 0\n",
        "hotline-classifier 2\nclasses city housing market transport environment labor education health police civil "
        "utility community\ncombine 0 0 1\nbias 0 0 0 0 0 0 0 0 0 0 0 0\nfeatures 2\nab\t1 2 3 4 5 6 7 8 9 10 11 12\n",
        "hotline-classifier 2\nclasses city housing market transport environment labor education health police civil "
        "utility community\ncombine 0 0 1\nbias 0 0 0 0 0 0 0 0 0 0 0 0\nfeatures 1\nab\t1 2 3\n",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        err[0] = '\0';
        assert_null(classify_model_load_buf(BAD[i], strlen(BAD[i]), err, sizeof err));
        assert_true(err[0] != '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_test_split_accuracy, setup, teardown),
        cmocka_unit_test(test_splits_disjoint),
        cmocka_unit_test_setup_teardown(test_model_matches_kb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retrain_reproduces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kb_update_as_of, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kb_update_short_keyword, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_well_formed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consult_answer_and_streets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_round_trip_and_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
