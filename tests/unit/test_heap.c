/* Unit tests for core/heap: the deadline min-heap whose nodes know their
 * index. Random keys come from a fixed-seed generator so a failure replays.
 * The heap invariant is checked from outside: popping everything must give a
 * non-decreasing key sequence, and every node must sit at the index it claims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "heap.h"

#define N 5000

/* xorshift64*: deterministic across libc versions, unlike rand(). */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static heap_node_t nodes[N];

static void fill(heap_t *h, int n, int64_t range)
{
    rng_state = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < n; i++) {
        heap_node_init(&nodes[i]);
        nodes[i].key = (int64_t)(rnd() % (uint64_t)range) - range / 2;
        heap_push(h, &nodes[i]);
    }
}

/* Pops everything; asserts order and bookkeeping; returns how many came out. */
static size_t drain_sorted(heap_t *h)
{
    size_t count = 0;
    int64_t last = INT64_MIN;
    heap_node_t *n;
    while ((n = heap_pop(h)) != NULL) {
        assert_true(n->key >= last);
        assert_true(n->idx == HEAP_NONE);
        last = n->key;
        count++;
    }
    assert_int_equal(heap_len(h), 0);
    assert_null(heap_top(h));
    return count;
}

static void test_empty(void **state)
{
    heap_t *h = heap_new();
    assert_int_equal(heap_len(h), 0);
    assert_null(heap_top(h));
    assert_null(heap_pop(h));
    heap_destroy(&h);
    assert_null(h);
    heap_destroy(&h);   /* NULL is fine */
}

static void test_random_order(void **state)
{
    heap_t *h = heap_new();
    fill(h, N, 1000);   /* narrow range: many equal keys */
    assert_int_equal(heap_len(h), N);
    /* the top is the minimum over all nodes */
    int64_t min = INT64_MAX;
    for (int i = 0; i < N; i++) if (nodes[i].key < min) min = nodes[i].key;
    assert_true(heap_top(h)->key == min);
    assert_int_equal(heap_top(h)->idx, 0);
    assert_int_equal(drain_sorted(h), N);
    heap_destroy(&h);

    h = heap_new();
    fill(h, N, INT64_MAX / 2);   /* wide range */
    assert_int_equal(drain_sorted(h), N);
    heap_destroy(&h);
}

static void test_idx_bookkeeping(void **state)
{
    heap_t *h = heap_new();
    fill(h, 300, 10000);
    /* every node in the heap sits at a distinct index below len */
    char seen[300] = {0};
    for (int i = 0; i < 300; i++) {
        assert_true(nodes[i].idx < heap_len(h));
        assert_int_equal(seen[nodes[i].idx], 0);
        seen[nodes[i].idx] = 1;
    }
    heap_node_t *t = heap_top(h);
    assert_int_equal(t->idx, 0);
    assert_ptr_equal(heap_pop(h), t);
    assert_true(t->idx == HEAP_NONE);
    heap_node_t *other = &nodes[7] == t ? &nodes[8] : &nodes[7];
    heap_remove(h, other);
    assert_true(other->idx == HEAP_NONE);
    assert_int_equal(heap_len(h), 298);
    /* destroy marks the nodes still inside as out of any heap */
    heap_destroy(&h);
    for (int i = 0; i < 300; i++) assert_true(nodes[i].idx == HEAP_NONE);
}

static void test_remove_middle(void **state)
{
    heap_t *h = heap_new();
    fill(h, N, 100000);
    /* remove every third node wherever it sits (root, leaves, middle) */
    size_t removed = 0;
    for (int i = 0; i < N; i += 3) {
        heap_remove(h, &nodes[i]);
        assert_true(nodes[i].idx == HEAP_NONE);
        removed++;
    }
    assert_int_equal(heap_len(h), N - removed);
    /* the rest come out in order, and none of the removed ones do */
    int64_t last = INT64_MIN;
    heap_node_t *n;
    size_t count = 0;
    while ((n = heap_pop(h)) != NULL) {
        assert_true(n->key >= last);
        assert_int_not_equal((n - nodes) % 3, 0);
        last = n->key;
        count++;
    }
    assert_int_equal(count, N - removed);
    heap_destroy(&h);
}

/* Removing the last array slot, and a node whose replacement must move up. */
static void test_remove_edge_cases(void **state)
{
    heap_t *h = heap_new();
    heap_node_t a, b, c, d, e;
    heap_node_t *all[] = {&a, &b, &c, &d, &e};
    int64_t keys[] = {1, 10, 2, 11, 12};
    for (int i = 0; i < 5; i++) { heap_node_init(all[i]); all[i]->key = keys[i]; heap_push(h, all[i]); }
    /* array: [1, 10, 2, 11, 12]; removing 2 (idx 2) pulls 12 in, which stays */
    heap_remove(h, &c);
    /* now [1, 10, 12, 11]: removing 11, the last slot, must not disturb anything */
    size_t last = d.idx;
    assert_int_equal(last, heap_len(h) - 1);
    heap_remove(h, &d);
    assert_int_equal(heap_len(h), 3);
    assert_ptr_equal(heap_pop(h), &a);
    assert_ptr_equal(heap_pop(h), &b);
    assert_ptr_equal(heap_pop(h), &e);
    assert_null(heap_pop(h));

    /* replacement that must sift UP: tree 0 / (100, 1) / (101, 102, 2, 3) */
    heap_node_t m[7];
    int64_t k2[] = {0, 100, 1, 101, 102, 2, 3};
    for (int i = 0; i < 7; i++) { heap_node_init(&m[i]); m[i].key = k2[i]; heap_push(h, &m[i]); }
    for (int i = 0; i < 7; i++) assert_int_equal(m[i].idx, (size_t)i);  /* pushed in heap order */
    heap_remove(h, &m[3]);           /* slot 3 (under 100) gets the last node, 3, which rises above 100 */
    assert_true(m[3].idx == HEAP_NONE);
    assert_int_equal(m[6].idx, 1);   /* key 3 moved up to where 100 was */
    assert_int_equal(m[1].idx, 3);
    int64_t want[] = {0, 1, 2, 3, 100, 102};
    for (int i = 0; i < 6; i++) assert_true(heap_pop(h)->key == want[i]);
    assert_null(heap_pop(h));
    heap_destroy(&h);
}

static void test_remove_absent_is_noop(void **state)
{
    heap_t *h = heap_new();
    heap_node_t in, out;
    heap_node_init(&in);
    heap_node_init(&out);
    in.key = 5;
    out.key = 1;
    heap_push(h, &in);
    heap_remove(h, &out);
    assert_int_equal(heap_len(h), 1);
    assert_true(out.idx == HEAP_NONE);
    assert_ptr_equal(heap_top(h), &in);
    /* removing twice is a no-op the second time */
    heap_remove(h, &in);
    heap_remove(h, &in);
    assert_int_equal(heap_len(h), 0);
    /* a removed node can be pushed again */
    heap_push(h, &in);
    assert_int_equal(in.idx, 0);
    assert_int_equal(heap_len(h), 1);
    heap_destroy(&h);
}

static void test_update(void **state)
{
    heap_t *h = heap_new();
    fill(h, 1000, 1000000);
    /* move a node to the very top, then to the very bottom */
    heap_node_t *x = &nodes[500];
    heap_update(h, x, -10000000);
    assert_ptr_equal(heap_top(h), x);
    assert_int_equal(x->idx, 0);
    heap_update(h, x, 10000000);
    assert_ptr_not_equal(heap_top(h), x);
    assert_true(x->key == 10000000);
    /* many random re-keys, both directions */
    for (int i = 0; i < 2000; i++) {
        heap_node_t *n = &nodes[rnd() % 1000];
        heap_update(h, n, n->key + (int64_t)(rnd() % 2001) - 1000);
    }
    assert_int_equal(heap_len(h), 1000);
    /* update of a node not in the heap inserts it */
    heap_node_t fresh;
    heap_node_init(&fresh);
    heap_update(h, &fresh, -20000000);
    assert_int_equal(heap_len(h), 1001);
    assert_ptr_equal(heap_pop(h), &fresh);
    /* in order, and x comes out last */
    heap_node_t *n, *lastn = NULL;
    int64_t last = INT64_MIN;
    size_t count = 0;
    while ((n = heap_pop(h)) != NULL) {
        assert_true(n->key >= last);
        last = n->key;
        lastn = n;
        count++;
    }
    assert_int_equal(count, 1000);
    /* re-keys move a node by at most 1000 each, so x (from 1e7) still exceeds
     * every other key (at most 5e5 + 2e6) */
    assert_ptr_equal(lastn, x);
    heap_destroy(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_random_order),
        cmocka_unit_test(test_idx_bookkeeping),
        cmocka_unit_test(test_remove_middle),
        cmocka_unit_test(test_remove_edge_cases),
        cmocka_unit_test(test_remove_absent_is_noop),
        cmocka_unit_test(test_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
