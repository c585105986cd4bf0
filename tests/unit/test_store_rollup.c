/* Unit tests for core/store_rollup.c: roll-up deltas are summed in memory per
 * transaction and written at commit. Checked through a second, plain sqlite3
 * connection: the rows equal the sums of every delta added, rollup_total equals
 * the sums of rollup, a transaction with more keys than the in-memory table
 * holds still lands whole, and a rolled-back transaction leaves nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store_fx.h"
#include "units.h"

#define T0 1661990400   /* 2022-09-01 08:00 CST */
#define DAY 86400

/* store_rollup_add runs inside the open transaction, as the broker calls it. */
static int add_in_txn(store_t *st, const ticket_t *t, int unit, int64_t at, const int delta[RU__COUNT])
{
    if (store_begin(st) != 0) return -1;
    return store_rollup_add(st, t, unit, at, delta);
}

static int setup(void **state) { return fx_open(state, STORE_SYNC_NORMAL); }
static int teardown(void **state) { return fx_close(state); }

static int64_t q_int(const fx_t *fx, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static ticket_t tk(int type, bool urgent, int street)
{
    ticket_t t;
    memset(&t, 0, sizeof t);
    t.type = (uint8_t)type;
    t.urgent = urgent;
    t.street = (uint8_t)street;
    return t;
}

/* Deltas to one key add up; a move between units nets out; zero rows are not written. */
static void test_sums_per_key(void **state)
{
    fx_t *fx = *state;
    ticket_t t = tk(TT_HELP, true, 2);
    for (int i = 0; i < 5; i++)
        assert_int_equal(add_in_txn(fx->st, &t, 3, T0, (int[RU__COUNT]){[RU_RECEIVED] = 1}), 0);
    assert_int_equal(add_in_txn(fx->st, &t, 3, T0 + 60, (int[RU__COUNT]){[RU_CLOSED] = 1, [RU_ON_TIME] = 1}), 0);
    /* one ticket moves from unit 3 to unit 4: -1 then +1 */
    assert_int_equal(add_in_txn(fx->st, &t, 3, T0, (int[RU__COUNT]){[RU_RECEIVED] = -1}), 0);
    assert_int_equal(add_in_txn(fx->st, &t, 4, T0, (int[RU__COUNT]){[RU_RECEIVED] = 1}), 0);
    /* added then taken back inside the transaction: no row */
    assert_int_equal(add_in_txn(fx->st, &t, 5, T0, (int[RU__COUNT]){[RU_OVERDUE] = 1}), 0);
    assert_int_equal(add_in_txn(fx->st, &t, 5, T0, (int[RU__COUNT]){[RU_OVERDUE] = -1}), 0);
    assert_true(store_in_txn(fx->st));
    /* nothing is visible before the commit */
    assert_int_equal(q_int(fx, "SELECT count(*) FROM rollup"), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(q_int(fx, "SELECT count(*) FROM rollup"), 2);
    assert_int_equal(q_int(fx, "SELECT received FROM rollup WHERE unit=(SELECT unit FROM rollup ORDER BY received DESC LIMIT 1)"), 4);
    assert_int_equal(q_int(fx, "SELECT sum(received) FROM rollup"), 5);
    assert_int_equal(q_int(fx, "SELECT closed + on_time FROM rollup WHERE received = 4"), 2);
    assert_int_equal(q_int(fx, "SELECT count(*) FROM rollup_total"), 1);
    assert_int_equal(q_int(fx, "SELECT received * 100 + closed * 10 + on_time FROM rollup_total"), 511);
    int64_t tot[RU__COUNT];
    assert_int_equal(store_rollup_totals(fx->st, tot), 0);
    assert_int_equal(tot[RU_RECEIVED], 5);
    assert_int_equal(tot[RU_OVERDUE], 0);
    /* a second transaction adds to the same rows */
    assert_int_equal(add_in_txn(fx->st, &t, 4, T0, (int[RU__COUNT]){[RU_RECEIVED] = 2}), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(q_int(fx, "SELECT sum(received) FROM rollup_total"), 7);
}

/* More distinct keys than the in-memory table holds: written part-way, still
 * in the one transaction, and every sum is right. */
static void test_many_keys_one_txn(void **state)
{
    fx_t *fx = *state;
    size_t n_units;
    units_all(&n_units);
    int64_t expect = 0, keys = 0;
    for (int day = 0; day < 40; day++)
        for (int type = 0; type < TT__COUNT; type++)
            for (int s = 0; s < 10; s++) {
                ticket_t t = tk(type, day % 2, s);
                int unit = (day * 7 + s) % (int)n_units;
                assert_int_equal(add_in_txn(fx->st, &t, unit, T0 + (int64_t)day * DAY, (int[RU__COUNT]){[RU_RATED] = 1, [RU_BAD] = s % 2}), 0);
                assert_int_equal(add_in_txn(fx->st, &t, unit, T0 + (int64_t)day * DAY + 5, (int[RU__COUNT]){[RU_RATED] = 2}), 0);
                expect += 3;
                keys++;
            }
    assert_true(keys > 2048);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(q_int(fx, "SELECT count(*) FROM rollup"), keys);
    assert_int_equal(q_int(fx, "SELECT sum(rated) FROM rollup"), expect);
    assert_int_equal(q_int(fx, "SELECT count(*) FROM rollup WHERE rated <> 3"), 0);
    assert_int_equal(q_int(fx, "SELECT sum(bad) FROM rollup"), keys / 2);
    assert_int_equal(q_int(fx, "SELECT count(*) FROM rollup_total"), 40 * TT__COUNT);
    assert_int_equal(q_int(fx, "SELECT sum(rated) FROM rollup_total"), expect);
    /* rollup_total is the sum of rollup, key by key */
    assert_int_equal(q_int(fx, "SELECT count(*) FROM rollup_total t WHERE rated <> (SELECT sum(rated) FROM rollup r "
                               "WHERE r.day=t.day AND r.type=t.type AND r.urgent=t.urgent)"), 0);
}

/* A poisoned transaction rolls back: its pending roll-ups are dropped with it,
 * and the next transaction starts from the committed rows. */
static void test_rollback_drops_pending(void **state)
{
    fx_t *fx = *state;
    ticket_t t = tk(TT_CONSULT, false, TICKET_NONE);
    assert_int_equal(add_in_txn(fx->st, &t, TICKET_NONE, T0, (int[RU__COUNT]){[RU_RECEIVED] = 1}), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(add_in_txn(fx->st, &t, TICKET_NONE, T0, (int[RU__COUNT]){[RU_RECEIVED] = 10}), 0);
    /* a write that fails inside the transaction poisons it */
    log_init("test", LOG_ERROR + 1);
    assert_int_equal(store_meta_set(fx->st, NULL, "x"), -1);
    assert_int_equal(store_commit(fx->st), -1);
    assert_int_equal(q_int(fx, "SELECT received FROM rollup"), 1);
    assert_int_equal(add_in_txn(fx->st, &t, TICKET_NONE, T0, (int[RU__COUNT]){[RU_RECEIVED] = 2}), 0);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(q_int(fx, "SELECT received FROM rollup"), 3);
    assert_int_equal(q_int(fx, "SELECT received FROM rollup_total"), 3);
    /* street and unit "none" are stored as '' */
    assert_int_equal(q_int(fx, "SELECT count(*) FROM rollup WHERE street='' AND unit=''"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sums_per_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_keys_one_txn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_drops_pending, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
