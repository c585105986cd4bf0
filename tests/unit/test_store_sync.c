/* Unit tests for core/store_sync.c: commits are epochs; with STORE_SYNC_FULL
 * a thread makes them durable (store_durable catches up with store_commits,
 * and the sync descriptor becomes readable); a transaction that wrote nothing
 * is no epoch; with STORE_SYNC_NORMAL every commit counts as durable at once;
 * the checkpoint helper copies the WAL and the loop's own checkpoint then
 * empties it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_fx.h"

static int setup_full(void **state) { return fx_open(state, STORE_SYNC_FULL); }
static int setup_normal(void **state) { return fx_open(state, STORE_SYNC_NORMAL); }
static int teardown(void **state) { return fx_close(state); }

static void put(fx_t *fx, int i)
{
    char k[32], v[32];
    snprintf(k, sizeof k, "k%d", i);
    snprintf(v, sizeof v, "v%d", i);
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_meta_set(fx->st, k, v), 0);
    assert_int_equal(store_commit(fx->st), 0);
}

static void test_full_commits_become_durable(void **state)
{
    fx_t *fx = *state;
    int fd = store_sync_fd(fx->st);
    assert_true(fd >= 0);
    uint64_t e0 = store_commits(fx->st);
    assert_int_equal(store_epoch(fx->st), e0);
    for (int i = 0; i < 50; i++) put(fx, i);
    assert_int_equal(store_commits(fx->st), e0 + 50);
    /* the thread catches up, and says so on the descriptor */
    struct pollfd p = {fd, POLLIN, 0};
    int64_t waited = 0;
    while (store_durable(fx->st) < e0 + 50 && waited < 5000) {
        assert_true(poll(&p, 1, 100) >= 0);
        assert_int_equal(store_sync_poll(fx->st), 0);
        waited += 100;
    }
    assert_int_equal(store_durable(fx->st), e0 + 50);
    assert_true(store_syncs(fx->st) >= 1);
    assert_true(store_syncs(fx->st) <= 50 + 1); /* commits during one fsync share the next */
    /* a transaction that wrote nothing is not an epoch */
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_commits(fx->st), e0 + 50);
    /* and store_sync_wait returns once everything is durable */
    put(fx, 99);
    assert_int_equal(store_sync_wait(fx->st), 0);
    assert_int_equal(store_durable(fx->st), store_commits(fx->st));
}

static void test_normal_is_durable_at_once(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(store_sync_fd(fx->st), -1);
    put(fx, 1);
    assert_int_equal(store_durable(fx->st), store_commits(fx->st));
    assert_int_equal(store_sync_wait(fx->st), 0);
    /* no helper: an async checkpoint is refused, the loop's own works */
    assert_int_equal(store_checkpoint_async(fx->st), -1);
    assert_int_equal(store_checkpoint(fx->st), 0);
    assert_int_equal(store_wal_pages(fx->st), 0);
}

static void test_checkpoint_helper(void **state)
{
    fx_t *fx = *state;
    for (int i = 0; i < 20; i++) put(fx, i);
    assert_true(store_wal_pages(fx->st) > 0);
    int left = -1;
    assert_false(store_checkpoint_done(fx->st, &left));
    assert_int_equal(store_checkpoint_async(fx->st), 0);
    int waited = 0;
    while (!store_checkpoint_done(fx->st, &left) && waited < 5000) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
        waited += 10;
    }
    assert_true(waited < 5000);
    assert_int_equal(left, 0); /* nothing was written meanwhile */
    /* reported once */
    assert_false(store_checkpoint_done(fx->st, &left));
    /* frames written after it are left for the next one */
    put(fx, 200);
    assert_int_equal(store_checkpoint_async(fx->st), 0);
    while (!store_checkpoint_done(fx->st, &left)) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    put(fx, 201);
    /* the loop's own finishes: every frame is in the database */
    (void)left;
    assert_int_equal(store_checkpoint(fx->st), 0);
    assert_int_equal(store_wal_pages(fx->st), 0);
    put(fx, 100); /* the WAL restarts from its beginning */
    assert_true(store_wal_pages(fx->st) < 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_commits_become_durable, setup_full, teardown),
        cmocka_unit_test_setup_teardown(test_normal_is_durable_at_once, setup_normal, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_helper, setup_full, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
