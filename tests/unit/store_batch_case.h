/* store_batch_case: the part of the batch look-up test that both engines
 * share (test_store_ticket.c on SQLite, test_store_pg.c on PostgreSQL).
 * Include it after the file's make_ticket(). */
#ifndef HOTLINE_TEST_STORE_BATCH_CASE_H
#define HOTLINE_TEST_STORE_BATCH_CASE_H

#define BATCH_N 150 /* more than two queries' worth (STORE_TEXTS_BATCH) */

typedef struct {
    char id[BATCH_N][16], text[BATCH_N][32];
    const char *ids[BATCH_N + 1]; /* the batch's ids, then "OLD" */
} batch_case_t;

/* With "OLD" stored already, its text "噪音扰民": a batch of BATCH_N new
 * ids plus "OLD", looked up at once. "OLD" is a duplicate and nothing of it
 * is written, each new one is inserted, and the same id twice in the batch
 * is a duplicate the second time; all of it commits. */
static inline void batch_ids_case(store_t *st, batch_case_t *b, int64_t t0)
{
    for (int i = 0; i < BATCH_N; i++) {
        snprintf(b->id[i], sizeof b->id[i], "B-%03d", i);
        snprintf(b->text[i], sizeof b->text[i], "路灯不亮 %d", i);
        b->ids[i] = b->id[i];
    }
    b->ids[BATCH_N] = "OLD";
    ticket_t t;
    ticket_intake_t in;
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_ids_check(st, b->ids, BATCH_N + 1), 0);
    make_ticket(&t, &in, "OLD", t0, "again");
    assert_int_equal(store_ticket_insert(st, &t, &in), 1);
    for (int i = 0; i < BATCH_N; i++) {
        make_ticket(&t, &in, b->id[i], t0 + i, b->text[i]);
        assert_int_equal(store_ticket_insert(st, &t, &in), 0);
    }
    make_ticket(&t, &in, b->id[7], t0, "twice in one batch");
    assert_int_equal(store_ticket_insert(st, &t, &in), 1);
    store_ids_forget(st);
    assert_int_equal(store_commit(st), 0);
    int64_t total = 0, final = 0;
    assert_int_equal(store_ticket_counts(st, &total, &final), 0);
    assert_int_equal(total, BATCH_N + 1);
    char *text = store_ticket_text(st, "OLD");
    assert_string_equal(text, "噪音扰民");
    free(text);
    text = store_ticket_text(st, b->id[7]);
    assert_string_equal(text, b->text[7]);
    free(text);
}

#endif
