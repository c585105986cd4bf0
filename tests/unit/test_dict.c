/* Unit tests for core/dict: the string-keyed map the broker keys live tickets
 * and workers by. Keys are borrowed, so the tests keep them in arrays that
 * outlive the dict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

#define MANY 50000

static char keys[MANY][16];
static int vals[MANY];

static void make_keys(void)
{
    for (int i = 0; i < MANY; i++) {
        snprintf(keys[i], sizeof keys[i], "T-%07d", i);
        vals[i] = i;
    }
}

static void test_put_get_del(void **state)
{
    dict_t *d = dict_new();
    int a = 1, b = 2;
    assert_int_equal(dict_len(d), 0);
    assert_null(dict_get(d, "a"));
    assert_null(dict_put(d, "a", &a));
    assert_null(dict_put(d, "b", &b));
    assert_int_equal(dict_len(d), 2);
    assert_ptr_equal(dict_get(d, "a"), &a);
    assert_ptr_equal(dict_get(d, "b"), &b);
    assert_null(dict_get(d, "c"));
    assert_null(dict_get(d, ""));
    assert_null(dict_get(d, "ab"));
    assert_ptr_equal(dict_del(d, "a"), &a);
    assert_int_equal(dict_len(d), 1);
    assert_null(dict_get(d, "a"));
    assert_null(dict_del(d, "a"));          /* second delete finds nothing */
    assert_int_equal(dict_len(d), 1);
    assert_ptr_equal(dict_get(d, "b"), &b);
    /* the empty string is a key like any other */
    assert_null(dict_put(d, "", &a));
    assert_ptr_equal(dict_get(d, ""), &a);
    /* re-insert after delete reuses a node from the free list */
    assert_null(dict_put(d, "a", &b));
    assert_ptr_equal(dict_get(d, "a"), &b);
    assert_int_equal(dict_len(d), 3);
    dict_destroy(&d);
    assert_null(d);
    dict_destroy(&d);
}

static void test_replace_returns_old(void **state)
{
    dict_t *d = dict_new();
    int a = 1, b = 2;
    char k1[] = "key", k2[] = "key";    /* equal text, different storage */
    assert_null(dict_put(d, k1, &a));
    assert_ptr_equal(dict_put(d, k2, &b), &a);
    assert_int_equal(dict_len(d), 1);
    assert_ptr_equal(dict_get(d, "key"), &b);
    /* the entry now borrows the new key: the old storage may go */
    memset(k1, 0, sizeof k1);
    assert_ptr_equal(dict_get(d, "key"), &b);
    assert_ptr_equal(dict_del(d, "key"), &b);
    assert_int_equal(dict_len(d), 0);
    dict_destroy(&d);
}

static void test_growth(void **state)
{
    make_keys();
    dict_t *d = dict_new();
    for (int i = 0; i < MANY; i++) {
        assert_null(dict_put(d, keys[i], &vals[i]));
        assert_int_equal(dict_len(d), (size_t)i + 1);
    }
    for (int i = 0; i < MANY; i++) assert_ptr_equal(dict_get(d, keys[i]), &vals[i]);
    assert_null(dict_get(d, "T-9999999"));
    /* delete the even ones; the odd ones stay reachable */
    for (int i = 0; i < MANY; i += 2) assert_ptr_equal(dict_del(d, keys[i]), &vals[i]);
    assert_int_equal(dict_len(d), MANY / 2);
    for (int i = 0; i < MANY; i++) {
        if (i % 2) assert_ptr_equal(dict_get(d, keys[i]), &vals[i]);
        else assert_null(dict_get(d, keys[i]));
    }
    /* and put them back */
    for (int i = 0; i < MANY; i += 2) assert_null(dict_put(d, keys[i], &vals[i]));
    assert_int_equal(dict_len(d), MANY);
    for (int i = 0; i < MANY; i++) assert_ptr_equal(dict_get(d, keys[i]), &vals[i]);
    dict_destroy(&d);
}

typedef struct {
    int calls;
    char *seen;
    long sum;
} visit_t;

static void visit(void *ctx, const char *key, void *val)
{
    visit_t *v = ctx;
    int i = *(int *)val;
    assert_string_equal(key, keys[i]);
    assert_int_equal(v->seen[i], 0);
    v->seen[i] = 1;
    v->sum += i;
    v->calls++;
}

static void test_foreach_visits_all(void **state)
{
    make_keys();
    dict_t *d = dict_new();
    for (int i = 0; i < MANY; i++) dict_put(d, keys[i], &vals[i]);
    for (int i = 0; i < MANY; i += 5) dict_del(d, keys[i]);
    visit_t v = {0, calloc(MANY, 1), 0};
    dict_foreach(d, visit, &v);
    long want = 0;
    int n = 0;
    for (int i = 0; i < MANY; i++)
        if (i % 5) { want += i; n++; assert_int_equal(v.seen[i], 1); }
        else assert_int_equal(v.seen[i], 0);
    assert_int_equal(v.calls, n);
    assert_int_equal(v.calls, dict_len(d));
    assert_int_equal(v.sum, want);
    free(v.seen);
    /* an empty dict visits nothing */
    dict_t *e = dict_new();
    visit_t z = {0, NULL, 0};
    dict_foreach(e, visit, &z);
    assert_int_equal(z.calls, 0);
    dict_destroy(&e);
    dict_destroy(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_del),
        cmocka_unit_test(test_replace_returns_old),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_foreach_visits_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
