/* Unit tests for core/store_ticket.c: ticket rows (every field written and
 * read back, the defaults of a fresh ticket, the resume time of a reloaded
 * one), the event log in commit order and append-only, and the unfinished
 * tickets a restart reloads; a batch's ids and texts read at once. A fresh
 * SQLite store per test (store_fixture.h). */
#include "store_fixture.h"
#include "store_batch_case.h"

/* ---- ticket rows --------------------------------------------------------------------- */

static void test_fresh_ticket_defaults(void **state)
{
    fx_t *fx = *state;
    insert(fx, "A", T0);
    ticket_t t;
    memset(&t, 0x5a, sizeof t);
    assert_int_equal(store_ticket_get(fx->st, "A", &t), 0);
    assert_string_equal(t.id, "A");
    assert_int_equal(t.state, ST_RECEIVED);
    assert_int_equal(t.category, TICKET_NONE);
    assert_int_equal(t.unit, TICKET_NONE);
    assert_int_equal(t.alt_unit, TICKET_NONE);
    assert_int_equal(t.street, TICKET_NONE);
    assert_int_equal(t.on_time, -1);
    assert_int_equal(t.rating, 0);
    assert_int_equal(t.round, 0);
    assert_int_equal(t.delivery, 0);
    assert_int_equal(t.received_at, T0);
    assert_int_equal(t.last_at, T0);      /* the "received" event */
    assert_int_equal(t.close_due, 0);
    assert_int_equal(t.done_at, 0);
    assert_false(t.direct);
}

/* Every field of ticket_t survives save + get. last_at has no column: it is
 * the time of the ticket's newest event, so the test appends that event. */
static void test_save_get_every_field(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "GD-2022-000042", T0, "楼上漏水");
    t.type = TT_HELP;
    t.urgent = true;
    t.street = 7;   /* longhua */
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);

    t.state = ST_DONE;
    t.category = 11;               /* community */
    t.unit = 18;                   /* unit.street.longhua */
    t.alt_unit = 1;                /* unit.zhujian */
    t.direct = true;
    t.extended = true;
    t.rating_default = true;
    t.on_time = 0;                 /* late: 0 must not read back as "not closed" */
    t.rating = 2;
    t.revisit_rating = 4;
    t.round = 3;
    t.delivery = 70000;            /* beyond 16 bits */
    t.sign_due = T0 + 1 * 3600;
    t.close_due = T0 + 2 * 3600;
    t.overdue_at = T0 + 3 * 3600;
    t.closed_at = T0 + 4 * 3600;
    t.rated_at = T0 + 5 * 3600;
    t.rectify_due = T0 + 6 * 3600;
    t.rectified_at = T0 + 7 * 3600;
    t.revisited_at = T0 + 8 * 3600;
    t.done_at = T0 + 9 * 3600;
    t.last_at = T0 + 9 * 3600;
    assert_int_equal(store_event(fx->st, &t, EV_revisited, t.last_at, NULL, NULL), 0);
    assert_int_equal(store_ticket_save(fx->st, &t, "KB0042"), 0);

    ticket_t g;
    memset(&g, 0x5a, sizeof g);
    assert_int_equal(store_ticket_get(fx->st, "GD-2022-000042", &g), 0);
    assert_string_equal(g.id, t.id);
    sqlite3 *kdb = raw_open(fx, SQLITE_OPEN_READONLY);
    char kb[16];
    assert_string_equal(raw_text(kdb, "SELECT kb_id FROM ticket", kb, sizeof kb), "KB0042");
    sqlite3_close(kdb);
    assert_int_equal(g.type, TT_HELP);
    assert_int_equal(g.state, ST_DONE);
    assert_int_equal(g.category, 11);
    assert_int_equal(g.unit, 18);
    assert_string_equal(ticket_unit_name(g.unit), "unit.street.longhua");
    assert_int_equal(g.alt_unit, 1);
    assert_int_equal(g.street, 7);
    assert_true(g.urgent);
    assert_true(g.direct);
    assert_true(g.extended);
    assert_true(g.rating_default);
    assert_int_equal(g.on_time, 0);
    assert_int_equal(g.rating, 2);
    assert_int_equal(g.revisit_rating, 4);
    assert_int_equal(g.round, 3);
    assert_int_equal(g.delivery, 70000);
    assert_int_equal(g.received_at, T0);
    assert_int_equal(g.last_at, T0 + 9 * 3600);
    assert_int_equal(g.sign_due, T0 + 1 * 3600);
    assert_int_equal(g.close_due, T0 + 2 * 3600);
    assert_int_equal(g.overdue_at, T0 + 3 * 3600);
    assert_int_equal(g.closed_at, T0 + 4 * 3600);
    assert_int_equal(g.rated_at, T0 + 5 * 3600);
    assert_int_equal(g.rectify_due, T0 + 6 * 3600);
    assert_int_equal(g.rectified_at, T0 + 7 * 3600);
    assert_int_equal(g.revisited_at, T0 + 8 * 3600);
    assert_int_equal(g.done_at, T0 + 9 * 3600);

    /* and the "nothing yet" values go back to NULL / none, except done_at:
     * final is final, a save never reopens a done ticket */
    t.state = ST_SIGNED;
    t.category = t.unit = t.alt_unit = TICKET_NONE;
    t.on_time = -1;
    t.rating = t.revisit_rating = 0;
    t.rating_default = false;
    t.closed_at = t.rated_at = t.done_at = t.sign_due = 0;
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);
    assert_int_equal(store_ticket_get(fx->st, t.id, &g), 0);
    assert_int_equal(g.state, ST_SIGNED);
    assert_int_equal(g.category, TICKET_NONE);
    assert_int_equal(g.unit, TICKET_NONE);
    assert_int_equal(g.on_time, -1);
    assert_int_equal(g.rating, 0);
    assert_int_equal(g.closed_at, 0);
    assert_int_equal(g.done_at, T0 + 9 * 3600);
    assert_int_equal(g.sign_due, 0);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "SELECT (closed_at IS NULL) + (on_time IS NULL) + (rating IS NULL) + "
                                 "(category IS NULL) + (done_at IS NULL) FROM ticket"), 4);
    /* a save without a KB entry leaves the stored one */
    assert_int_equal(raw_int(db, "SELECT kb_id = 'KB0042' FROM ticket"), 1);
    sqlite3_close(db);
}

/* A reloaded ticket resumes at its newest event's time (the broker sends it
 * to the next stage as "at"), never at 0. */
static void test_last_at_after_reload(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "A", T0, "x");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
    t.state = ST_DISPATCHED;
    assert_int_equal(store_event(fx->st, &t, EV_dispatched, T0 + 7200, NULL, NULL), 0);
    t.state = ST_DISPATCHED;
    assert_int_equal(store_event(fx->st, &t, EV_overdue, T0 + 3600, "late 督办 written after", NULL), 0);
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);
    ticket_t g;
    assert_int_equal(store_ticket_get(fx->st, "A", &g), 0);
    assert_int_equal(g.last_at, T0 + 7200);
}

typedef struct {
    int n;
    int64_t at[8];
    char kind[8][16], state[8][16], unit[8][32], detail[8][64], actor[8][32];
    int round[8];
} events_t;

static void collect_event(void *ctx, const store_event_row_t *r)
{
    events_t *e = ctx;
    assert_true(e->n < 8);
    e->at[e->n] = r->at;
    snprintf(e->kind[e->n], 16, "%s", r->kind);
    snprintf(e->state[e->n], 16, "%s", r->state);
    snprintf(e->unit[e->n], 32, "%s", r->unit ? r->unit : "-");
    snprintf(e->detail[e->n], 64, "%s", r->detail ? r->detail : "-");
    snprintf(e->actor[e->n], 32, "%s", r->actor ? r->actor : "-");
    e->round[e->n] = r->round;
    e->n++;
}

static void test_events_in_order(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, "E1", T0, "x");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
    insert(fx, "OTHER", T0);
    t.state = ST_DISPATCHED;
    t.unit = 0;   /* unit.chengguan */
    assert_int_equal(store_event(fx->st, &t, EV_dispatched, T0 + 60, "派单", NULL), 0);
    t.state = ST_RETURNED;
    assert_int_equal(store_event(fx->st, &t, EV_returned, T0 + 120, "非本单位职责", "clerk-li"), 0);
    t.state = ST_DISPATCHED;
    t.round = 1;
    t.unit = 1;   /* unit.zhujian */
    assert_int_equal(store_event(fx->st, &t, EV_dispatched, T0 + 180, NULL, NULL), 0);
    /* an event at an earlier virtual time still lists in commit order */
    assert_int_equal(store_event(fx->st, &t, EV_overdue, T0 + 90, "督办", NULL), 0);

    events_t ev = {0};
    assert_int_equal(store_ticket_events(fx->st, "E1", collect_event, &ev), 0);
    assert_int_equal(ev.n, 5);
    static const char *kinds[] = {"received", "dispatched", "returned", "dispatched", "overdue"};
    static const char *states[] = {"RECEIVED", "DISPATCHED", "RETURNED", "DISPATCHED", "DISPATCHED"};
    static const int64_t ats[] = {T0, T0 + 60, T0 + 120, T0 + 180, T0 + 90};
    static const int rounds[] = {0, 0, 0, 1, 1};
    static const char *units[] = {"-", "unit.chengguan", "unit.chengguan", "unit.zhujian", "unit.zhujian"};
    static const char *details[] = {"-", "派单", "非本单位职责", "-", "督办"};
    static const char *actors[] = {"-", "-", "clerk-li", "-", "-"};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(ev.kind[i], kinds[i]);
        assert_string_equal(ev.state[i], states[i]);
        assert_int_equal(ev.at[i], ats[i]);
        assert_int_equal(ev.round[i], rounds[i]);
        assert_string_equal(ev.unit[i], units[i]);
        assert_string_equal(ev.detail[i], details[i]);
        assert_string_equal(ev.actor[i], actors[i]);
    }
    events_t none = {0};
    assert_int_equal(store_ticket_events(fx->st, "nope", collect_event, &none), 0);
    assert_int_equal(none.n, 0);
}

static void test_event_log_append_only(void **state)
{
    fx_t *fx = *state;
    insert(fx, "A", T0);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READWRITE);
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "UPDATE event SET detail='edited'", NULL, NULL, &msg), SQLITE_OK);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM event", NULL, NULL, &msg), SQLITE_OK);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM event WHERE detail IS NULL"), 1);
    sqlite3_close(db);
}

typedef struct {
    int n, stop_after;
    char ids[8][TICKET_ID_MAX + 1];
} seen_t;

static int collect_ticket(void *ctx, const ticket_t *t)
{
    seen_t *s = ctx;
    assert_true(s->n < 8);
    assert_false(lc_is_final(t->state));
    snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", t->id);
    return s->stop_after && s->n >= s->stop_after;
}

static void test_unfinished_and_counts(void **state)
{
    fx_t *fx = *state;
    ticket_t t;
    ticket_intake_t in;
    /* insertion order differs from receipt order */
    insert(fx, "late", T0 + 500);
    insert(fx, "b", T0);
    insert(fx, "a", T0);
    insert(fx, "done", T0 - 10);
    insert(fx, "answered", T0 - 20);
    insert(fx, "praise-no-done-at", T0 - 30);
    make_ticket(&t, &in, "done", T0 - 10, "");
    t.state = ST_DONE;
    t.done_at = T0 + 1000;
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);
    make_ticket(&t, &in, "answered", T0 - 20, "");
    t.state = ST_ANSWERED;
    t.done_at = T0;
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);
    /* final by state even though done_at was never set: still skipped */
    make_ticket(&t, &in, "praise-no-done-at", T0 - 30, "");
    t.state = ST_PRAISE;
    assert_int_equal(store_ticket_save(fx->st, &t, NULL), 0);

    seen_t s = {0};
    assert_int_equal(store_ticket_unfinished(fx->st, collect_ticket, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.ids[0], "a");      /* by received_at, then id */
    assert_string_equal(s.ids[1], "b");
    assert_string_equal(s.ids[2], "late");
    seen_t one = {.stop_after = 1};
    assert_int_equal(store_ticket_unfinished(fx->st, collect_ticket, &one), 0);
    assert_int_equal(one.n, 1);
    /* the statement was reset: a second full pass works */
    seen_t again = {0};
    assert_int_equal(store_ticket_unfinished(fx->st, collect_ticket, &again), 0);
    assert_int_equal(again.n, 3);

    int64_t total = -1, final = -1;
    assert_int_equal(store_ticket_counts(fx->st, &total, &final), 0);
    assert_int_equal(total, 6);
    assert_int_equal(final, 2);              /* counted by done_at */
}

/* ---- batches read at once ------------------------------------------------------------ */

/* A submitted batch's ids, looked up together (more than one query's
 * worth): an id already stored is a duplicate and nothing is written, a new
 * one is inserted, and the same id twice in the batch is a duplicate the
 * second time. Then a classify batch's texts read ahead are answered from
 * memory until forgotten: a text deleted behind the store's back still
 * reads while held, and not after. */
static void test_batch_ids_and_texts_read_ahead(void **state)
{
    fx_t *fx = *state;
    insert(fx, "OLD", T0);
    batch_case_t b;
    batch_ids_case(fx->st, &b, T0);
    char *text;
    assert_int_equal(store_texts_prefetch(fx->st, b.ids, BATCH_N + 1), 0);
    sqlite3 *other;
    assert_int_equal(sqlite3_open(fx->path, &other), SQLITE_OK);
    sqlite3_busy_timeout(other, 2000);
    assert_int_equal(sqlite3_exec(other, "DELETE FROM ticket_text WHERE id='B-130'", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    for (int i = 0; i < BATCH_N; i += 13) {
        text = store_ticket_text(fx->st, b.id[i]);
        assert_non_null(text);
        assert_string_equal(text, b.text[i]);
        free(text);
    }
    store_texts_forget(fx->st);
    assert_null(store_ticket_text(fx->st, "B-130"));
    text = store_ticket_text(fx->st, "B-129");
    assert_string_equal(text, b.text[129]);
    free(text);
}

int main(void)
{
    log_init("test_store_ticket", LOG_ERROR + 1);   /* expected failures would log errors */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_fresh_ticket_defaults),
        T(test_save_get_every_field),
        T(test_last_at_after_reload),
        T(test_events_in_order),
        T(test_event_log_append_only),
        T(test_unfinished_and_counts),
        T(test_batch_ids_and_texts_read_ahead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
