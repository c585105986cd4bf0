/* Unit tests for core/store_query: ticket.list's filters and pages, and the
 * search index over the texts (FTS5 trigram) with its short-word path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include "log.h"
#include "store_fx.h"

#define T0 1656640800 /* 2022-07-01 10:00 CST */
#define DAY 86400

static int setup(void **state) { return fx_open(state, STORE_SYNC_NORMAL); }
static int teardown(void **state) { return fx_close(state); }

/* A ticket of unit u (units_all() index) in state st; close_due/closed_at 0 = none. */
static void add(fx_t *fx, const char *id, int64_t rcv, int unit, lc_state_t st, int64_t close_due, int64_t closed_at,
                const char *text)
{
    ticket_t t = {.received_at = (uint32_t)rcv, .type = TT_COMPLAINT, .state = ST_RECEIVED, .category = TICKET_NONE,
                  .unit = TICKET_NONE, .alt_unit = TICKET_NONE, .street = 0, .on_time = -1};
    snprintf(t.id, sizeof t.id, "%s", id);
    ticket_intake_t in = {.text = text, .text_len = strlen(text)};
    assert_int_equal(store_begin(fx->st), 0);
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
    t.state = (uint8_t)st;
    t.unit = (uint8_t)unit;
    t.close_due = (uint32_t)close_due;
    t.closed_at = (uint32_t)closed_at;
    if (lc_is_final(st)) t.done_at = (uint32_t)(closed_at ? closed_at : rcv);
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);
    assert_int_equal(store_commit(fx->st), 0);
}

typedef struct {
    char ids[512];
    int n;
    bool overdue[16];
    int64_t deadline[16];
} got_t;

static void collect(void *ctx, const store_list_row_t *r)
{
    got_t *g = ctx;
    size_t n = strlen(g->ids);
    snprintf(g->ids + n, sizeof g->ids - n, "%s%s", n ? "," : "", r->id);
    if (g->n < 16) { g->overdue[g->n] = r->overdue; g->deadline[g->n] = r->deadline; }
    g->n++;
}

static int list(fx_t *fx, store_list_t q, got_t *g, char *next, size_t nextlen)
{
    char err[256] = "";
    memset(g, 0, sizeof *g);
    if (!q.limit) q.limit = 100;
    int rc = store_ticket_list(fx->st, &q, collect, g, next, nextlen, err, sizeof err);
    if (rc) print_message("list: %s\n", err);
    return rc;
}

/* Five tickets over two units; now = T0 + 10 days. */
static void five(fx_t *fx)
{
    add(fx, "A", T0, 0, ST_DISPATCHED, T0 + 5 * DAY, 0, "小区电梯坏了");          /* chengguan, overdue */
    add(fx, "B", T0 + 60, 1, ST_SIGNED, T0 + 11 * DAY, 0, "路灯不亮很久了");      /* zhujian, due in 1 day */
    add(fx, "C", T0 + 120, 1, ST_DONE, T0 + 8 * DAY, T0 + 7 * DAY, "电梯又坏了三天"); /* done */
    add(fx, "D", T0 + 180, 0, ST_CLOSED, T0 + 3 * DAY, T0 + 4 * DAY, "Noise at NIGHT"); /* closed late, not overdue now */
    add(fx, "E", T0 + 240, 1, ST_DISPATCHED, T0 + 30 * DAY, 0, "占道经营");       /* far off */
}

static void test_filters(void **state)
{
    fx_t *fx = *state;
    five(fx);
    got_t g;
    char next[64];
    int64_t now = T0 + 10 * DAY;
    assert_int_equal(list(fx, (store_list_t){.now = now}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "A,B,C,D,E"); /* intake order */
    assert_string_equal(next, "");
    assert_int_equal(list(fx, (store_list_t){.now = now, .overdue = true}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "A");
    assert_true(g.overdue[0]);
    assert_int_equal(g.deadline[0], T0 + 5 * DAY);
    /* due within 2 days: B (1 day left); A is already past, E is 20 days off */
    assert_int_equal(list(fx, (store_list_t){.now = now, .due_within_s = 2 * DAY}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "B");
    assert_int_equal(list(fx, (store_list_t){.now = now, .units = "unit.zhujian"}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "B,C,E");
    assert_int_equal(list(fx, (store_list_t){.now = now, .states = "DISPATCHED,SIGNED", .units = "unit.zhujian"}, &g, next,
                          sizeof next), 0);
    assert_string_equal(g.ids, "B,E");
    assert_int_equal(list(fx, (store_list_t){.now = now, .states = "DONE"}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "C");
    assert_int_equal(g.deadline[0], 0); /* final: no deadline */
    /* a closed-late ticket is late, not overdue now; its deadline is spent */
    assert_int_equal(list(fx, (store_list_t){.now = now, .states = "CLOSED"}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "D");
    assert_false(g.overdue[0]);
    assert_int_equal(g.deadline[0], 0);
}

static void test_pages(void **state)
{
    fx_t *fx = *state;
    five(fx);
    got_t g;
    char next[64], after[64];
    store_list_t q = {.now = T0, .limit = 2};
    assert_int_equal(list(fx, q, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "A,B");
    assert_string_not_equal(next, "");
    snprintf(after, sizeof after, "%s", next);
    q.after = after;
    assert_int_equal(list(fx, q, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "C,D");
    snprintf(after, sizeof after, "%s", next);
    assert_int_equal(list(fx, q, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "E");
    /* a cursor of the other kind, or garbage, is an error, not an empty page */
    char err[128];
    q.after = "n5";
    assert_int_equal(store_ticket_list(fx->st, &q, collect, &g, next, sizeof next, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad cursor"));
}

static void test_bad_filters(void **state)
{
    fx_t *fx = *state;
    got_t g;
    char next[64], err[200];
    static const store_list_t BAD[] = {
        {.states = "dispatched", .limit = 5}, {.units = "unit.nowhere", .limit = 5}, {.streets = "paris", .limit = 5},
        {.types = "gossip", .limit = 5},      {.limit = 0},                          {.limit = 1001},
        {.text = "100%", .limit = 5},         {.text = "   ", .limit = 5},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        err[0] = '\0';
        assert_int_equal(store_ticket_list(fx->st, &BAD[i], collect, &g, next, sizeof next, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
}

/* Words of 3+ characters go through the trigram index (which must first be
 * filled), shorter ones are matched on each text; every word must occur. */
static void test_search(void **state)
{
    fx_t *fx = *state;
    five(fx);
    got_t g;
    char next[64];
    assert_int_equal(store_search_pending(fx->st), 5);
    assert_int_equal(store_search_catch_up(fx->st, 3), 3);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_search_pending(fx->st), 2);
    assert_int_equal(store_search_catch_up(fx->st, 100), 2);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(list(fx, (store_list_t){.now = T0, .text = "电梯"}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "A,C");
    assert_int_equal(list(fx, (store_list_t){.now = T0, .text = "电梯又坏了"}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "C");
    assert_int_equal(list(fx, (store_list_t){.now = T0, .text = "电梯 三天"}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "C");
    assert_int_equal(list(fx, (store_list_t){.now = T0, .text = "night"}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "D"); /* case does not matter */
    assert_int_equal(list(fx, (store_list_t){.now = T0, .text = "电梯", .states = "DISPATCHED"}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "A");
    assert_int_equal(list(fx, (store_list_t){.now = T0, .text = "火箭"}, &g, next, sizeof next), 0);
    assert_int_equal(g.n, 0);
    /* pages of a search resume where they stopped */
    assert_int_equal(list(fx, (store_list_t){.now = T0, .text = "了", .limit = 1}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "A");
    char after[64];
    snprintf(after, sizeof after, "%s", next);
    assert_int_equal(list(fx, (store_list_t){.now = T0, .text = "了", .limit = 1, .after = after}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "B");
}

/* A failed commit takes back the index position with the rows it added:
 * the texts are indexed again by the next catch-up, none is skipped. */
static void test_search_rollback(void **state)
{
    fx_t *fx = *state;
    five(fx);
    assert_int_equal(store_search_catch_up(fx->st, 100), 5);
    assert_int_equal(store_search_pending(fx->st), 0);
    log_init("test", LOG_ERROR + 1);
    assert_int_equal(store_meta_set(fx->st, NULL, "x"), -1); /* poisons the transaction */
    assert_int_equal(store_commit(fx->st), -1);
    assert_int_equal(store_search_pending(fx->st), 5);
    assert_int_equal(store_search_catch_up(fx->st, 100), 5);
    assert_int_equal(store_commit(fx->st), 0);
    got_t g;
    char next[64];
    assert_int_equal(list(fx, (store_list_t){.now = T0, .text = "电梯又坏了"}, &g, next, sizeof next), 0);
    assert_string_equal(g.ids, "C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_rollback, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
