/* store_ticket: ticket rows and the append-only event log. Codes travel as
 * names (type, state, unit, ...) so the file reads well in sqlite3 and
 * survives a reordering of the code tables. The ids of a submitted batch and
 * the texts of a classify batch are read a batch to a query, so that on
 * PostgreSQL a ticket costs no round trip of its own on the way in. */
#include "store_priv.h"
#include "dict.h"
#include "privacy.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>

/* head followed by "(?1,...,?STORE_TEXTS_BATCH)", written into buf once. */
static const char *in_list(char *buf, size_t size, const char *head)
{
    if (!buf[0]) {
        size_t o = (size_t)snprintf(buf, size, "%s(", head);
        for (int i = 1; i <= STORE_TEXTS_BATCH; i++) o += (size_t)snprintf(buf + o, size - o, "%s?%d", i > 1 ? "," : "", i);
        snprintf(buf + o, size - o, ")");
    }
    return buf;
}

const char *store_texts_sql(void)
{
    static char sql[64 + STORE_TEXTS_BATCH * 6];
    return in_list(sql, sizeof sql, "SELECT id,text FROM ticket_text WHERE id IN ");
}

const char *store_ids_sql(void)
{
    static char sql[64 + STORE_TEXTS_BATCH * 6];
    return in_list(sql, sizeof sql, "SELECT id FROM ticket WHERE id IN ");
}

/* Binds ids[at..at+STORE_TEXTS_BATCH) to st, NULL past n (id IN (..., NULL)
 * matches nothing more). */
static void bind_ids(db_stmt_t *st, const char *const *ids, int at, int n)
{
    for (int i = 0; i < STORE_TEXTS_BATCH; i++) {
        if (at + i < n) db_bind_text(st, i + 1, ids[at + i]);
        else db_bind_null(st, i + 1);
    }
}

static void free_held(void *ctx, const char *key, void *val)
{
    (void)ctx; (void)key;
    free(val);
}

/* Frees a dict of ids read ahead (each value holds its own key). */
static void forget(dict_t **d)
{
    if (!*d) return;
    dict_foreach(*d, free_held, NULL);
    dict_destroy(d);
}

/* Runs the id IN (...) query q over ids[0..n), STORE_TEXTS_BATCH at a time,
 * calling row for each row; 0, or -1 (logged as what). */
static int each_row(store_t *self, int q, const char *const *ids, int n, void (*row)(store_t *, db_stmt_t *), const char *what)
{
    db_stmt_t *st = &self->q[q];
    for (int at = 0; at < n; at += STORE_TEXTS_BATCH) {
        bind_ids(st, ids, at, n);
        int rc;
        while ((rc = db_step(st)) == DB_ROW)
            if (db_text(st, 0)) row(self, st);
        db_clear(st);
        if (rc != DB_DONE) return store_fail(self, what);
    }
    return 0;
}

/* The ids of a batch of submissions, looked up at once (store_ids_check).
 * A new one is marked as existing once inserted, so the same id twice in a
 * batch is a duplicate the second time. The dict borrows its key from here. */
typedef struct {
    bool exists;
    char id[TICKET_ID_MAX + 1];
} known_id_t;

void store_ids_forget(store_t *self) { forget(&self->ids); }

static void id_found(store_t *self, db_stmt_t *st)
{
    known_id_t *k = dict_get(self->ids, db_text(st, 0));
    if (k) k->exists = true;
}

int store_ids_check(store_t *self, const char *const *ids, int n)
{
    store_ids_forget(self);
    self->ids = dict_new();
    for (int i = 0; i < n; i++) {
        if (strlen(ids[i]) > TICKET_ID_MAX || dict_get(self->ids, ids[i])) continue;
        known_id_t *k = xcalloc(1, sizeof *k);
        snprintf(k->id, sizeof k->id, "%s", ids[i]);
        dict_put(self->ids, k->id, k);
    }
    if (each_row(self, Q_T_IDS, ids, n, id_found, "ticket_ids") == 0) return 0;
    store_ids_forget(self);
    return -1;
}

int store_ticket_insert(store_t *self, const ticket_t *t, const ticket_intake_t *in)
{
    known_id_t *known = self->ids ? dict_get(self->ids, t->id) : NULL;
    if (known && known->exists) return 1;
    db_stmt_t *st = &self->q[Q_T_INSERT];
    char mask[40] = "", hash[20] = "";
    if (in->caller[0]) {
        privacy_mask(in->caller, mask, sizeof mask);
        privacy_hash_hex(self->secret, in->caller, hash, sizeof hash);
    }
    db_bind_text(st, 1, t->id);
    db_bind_int64(st, 2, t->received_at);
    db_bind_text(st, 3, ticket_type_name(t->type));
    db_bind_int64(st, 4, t->urgent);
    store_bind_text(st, 5, ticket_street_name(t->street));
    store_bind_text(st, 6, in->channel[0] ? in->channel : NULL);
    store_bind_text(st, 7, mask[0] ? mask : NULL);
    store_bind_text(st, 8, hash[0] ? hash : NULL);
    db_bind_text(st, 9, lc_state_name(t->state));
    if (known) {
        /* Known absent in this transaction, and this broker is the only
         * writer: the insert is sent without waiting for its answer. */
        if (store_step_done(self, st, "ticket_insert")) return -1;
        known->exists = true;
    } else {
        int rc = store_step(self, st, "ticket_insert");
        int64_t changed = rc < 0 ? 0 : db_changes(st);
        db_clear(st);
        if (rc < 0) return -1;
        if (changed == 0) return 1;
    }
    st = &self->q[Q_T_TEXT_INSERT];
    db_bind_text(st, 1, t->id);
    db_bind_textn(st, 2, in->text, (int)in->text_len);
    if (store_step_done(self, st, "ticket_text_insert")) return -1;
    return store_event(self, t, EV_received, t->received_at, NULL, NULL);
}

static void bind_opt_int(db_stmt_t *st, int i, int v, bool present)
{
    if (present) db_bind_int64(st, i, v);
    else db_bind_null(st, i);
}

/* "unit.a,unit.b" of the units in codes[] (TICKET_NONE ends). */
static void join_units(const uint8_t *codes, size_t n, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && codes[i] != TICKET_NONE && ticket_unit_name(codes[i]); i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", ticket_unit_name(codes[i]));
}

static void split_units(const char *s, uint8_t *codes, size_t n)
{
    char buf[TICKET_MAX_RETURNERS * TICKET_CODE_MAX], *save = NULL;
    snprintf(buf, sizeof buf, "%s", s ? s : "");
    size_t k = 0;
    for (char *u = strtok_r(buf, ",", &save); u && k < n; u = strtok_r(NULL, ",", &save)) {
        int i = ticket_unit_index(u);
        if (i >= 0) codes[k++] = (uint8_t)i;
    }
}

/* 联办 parts as "unit:due:reported,...". */
static void join_co(const ticket_ext_t *x, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < x->n_co && i < TICKET_MAX_CO; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s:%u:%u", o ? "," : "", ticket_unit_name(x->co[i].unit), x->co[i].due,
                              x->co[i].reported);
}

static void split_co(const char *s, ticket_ext_t *x)
{
    char buf[TICKET_MAX_CO * (TICKET_CODE_MAX + 24)], *save = NULL;
    snprintf(buf, sizeof buf, "%s", s ? s : "");
    for (char *p = strtok_r(buf, ",", &save); p && x->n_co < TICKET_MAX_CO; p = strtok_r(NULL, ",", &save)) {
        char unit[TICKET_CODE_MAX];
        unsigned due, rep;
        if (sscanf(p, "%47[^:]:%u:%u", unit, &due, &rep) != 3 || ticket_unit_index(unit) < 0) continue;
        x->co[x->n_co++] = (typeof(x->co[0])){(uint8_t)ticket_unit_index(unit), due, rep};
    }
}

static int save_ext(store_t *self, const ticket_t *t)
{
    const ticket_ext_t *x = t->ext;
    db_stmt_t *st = &self->q[Q_T_SAVE_EXT];
    char by[TICKET_MAX_RETURNERS * TICKET_CODE_MAX], co[TICKET_MAX_CO * (TICKET_CODE_MAX + 24)];
    join_units(x->returned_by, TICKET_MAX_RETURNERS, by, sizeof by);
    join_co(x, co, sizeof co);
    db_bind_text(st, 1, t->id);
    bind_opt_int(st, 2, x->returns_asked, x->returns_asked > 0);
    bind_opt_int(st, 3, x->returns_approved, x->returns_asked > 0);
    store_bind_text(st, 4, by[0] ? by : NULL);
    store_bind_opt_time(st, 5, x->pending_at);
    bind_opt_int(st, 6, x->pending_days, x->pending_days > 0);
    store_bind_opt_time(st, 7, x->suspended_at);
    bind_opt_int(st, 8, (int)x->suspend_used, x->suspend_used > 0);
    bind_opt_int(st, 9, x->visit_attempts, x->visit_attempts > 0);
    bind_opt_int(st, 10, x->solved, x->solved >= 0);
    bind_opt_int(st, 11, x->attitude, x->attitude > 0);
    bind_opt_int(st, 12, x->reopened, x->reopened > 0);
    store_bind_opt_time(st, 13, x->reopened_at);
    store_bind_opt_time(st, 14, x->reopen_due);
    store_bind_text(st, 15, co[0] ? co : NULL);
    store_bind_text(st, 16, x->lead[0] ? x->lead : NULL);
    bind_opt_int(st, 17, x->asked, x->asked > 0);
    return store_step_done(self, st, "ticket_save_ext");
}

int store_ticket_save(store_t *self, const ticket_t *t, const char *kb_id)
{
    db_stmt_t *st = &self->q[t->done_at ? Q_T_SAVE_FINAL : Q_T_SAVE];
    db_bind_text(st, 1, t->id);
    db_bind_text(st, 2, lc_state_name(t->state));
    store_bind_text(st, 3, ticket_category_name(t->category));
    store_bind_text(st, 4, ticket_unit_name(t->unit));
    store_bind_text(st, 5, ticket_unit_name(t->alt_unit));
    store_bind_text(st, 6, kb_id && kb_id[0] ? kb_id : NULL);
    db_bind_int64(st, 7, t->round);
    db_bind_int64(st, 8, t->delivery);
    store_bind_opt_time(st, 9, t->sign_due);
    store_bind_opt_time(st, 10, t->close_due);
    db_bind_int64(st, 11, t->extended);
    store_bind_opt_time(st, 12, t->overdue_at);
    db_bind_int64(st, 13, t->direct);
    store_bind_opt_time(st, 14, t->closed_at);
    bind_opt_int(st, 15, t->on_time, t->on_time >= 0);
    bind_opt_int(st, 16, t->rating, t->rating > 0);
    store_bind_opt_time(st, 17, t->rated_at);
    bind_opt_int(st, 18, t->rating_default, t->rating > 0);
    store_bind_opt_time(st, 19, t->rectify_due);
    store_bind_opt_time(st, 20, t->rectified_at);
    bind_opt_int(st, 21, t->revisit_rating, t->revisit_rating > 0);
    store_bind_opt_time(st, 22, t->revisited_at);
    if (t->done_at) db_bind_int64(st, 23, t->done_at);
    store_bind_opt_time(st, 24, t->signed_at);
    db_bind_int64(st, 25, t->reminded);
    db_bind_int64(st, 26, t->notified);
    store_bind_opt_time(st, 27, t->dispatched_at);
    if (store_step_done(self, st, "ticket_save")) return -1;
    return t->ext ? save_ext(self, t) : 0;
}

int store_event(store_t *self, const ticket_t *t, lc_event_t ev, int64_t at, const char *detail, const char *actor)
{
    db_stmt_t *st = &self->q[Q_E_INSERT];
    db_bind_text(st, 1, t->id);
    db_bind_int64(st, 2, at);
    db_bind_text(st, 3, lc_event_name(ev));
    db_bind_text(st, 4, lc_state_name(t->state));
    db_bind_int64(st, 5, t->round);
    store_bind_text(st, 6, ticket_unit_name(t->unit));
    store_bind_text(st, 7, detail);
    db_bind_int64(st, 8, self->next_seq++);
    store_bind_text(st, 9, actor);
    return store_step_done(self, st, "event_insert");
}

static const char *col_text(db_stmt_t *st, int i)
{
    return db_isnull(st, i) ? NULL : db_text(st, i);
}

static uint8_t code(int idx) { return idx < 0 ? TICKET_NONE : (uint8_t)idx; }

/* Column order of Q_T_GET / Q_T_UNFINISHED. */
static void row_to_ticket(db_stmt_t *st, ticket_t *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->id, sizeof t->id, "%s", col_text(st, 0));
    t->received_at = db_int64(st, 1);
    const char *type = col_text(st, 2);
    t->type = code(ticket_type_parse(type, strlen(type)));
    t->urgent = db_int(st, 3);
    t->street = code(ticket_street_index(col_text(st, 4)));
    t->state = code(lc_state_parse(col_text(st, 5)));
    t->category = code(ticket_category_index(col_text(st, 6)));
    t->unit = code(ticket_unit_index(col_text(st, 7)));
    t->alt_unit = code(ticket_unit_index(col_text(st, 8)));
    t->round = (uint16_t)db_int(st, 9);
    t->delivery = (uint32_t)db_int64(st, 10);
    t->sign_due = db_int64(st, 11);
    t->close_due = db_int64(st, 12);
    t->extended = db_int(st, 13);
    t->overdue_at = db_int64(st, 14);
    t->direct = db_int(st, 15);
    t->closed_at = db_int64(st, 16);
    t->on_time = db_isnull(st, 17) ? -1 : (int8_t)db_int(st, 17);
    t->rating = (int8_t)db_int(st, 18);
    t->rated_at = db_int64(st, 19);
    t->rating_default = db_int(st, 20);
    t->rectify_due = db_int64(st, 21);
    t->rectified_at = db_int64(st, 22);
    t->revisit_rating = (int8_t)db_int(st, 23);
    t->revisited_at = db_int64(st, 24);
    t->done_at = db_int64(st, 25);
    t->last_at = db_isnull(st, 26) ? t->received_at : db_int64(st, 26);
    t->signed_at = db_int64(st, 27);
    t->reminded = db_int(st, 28);
    t->notified = (uint8_t)db_int(st, 29);
    t->dispatched_at = db_int64(st, 30);
    bool any = false;
    for (int c = 31; c <= 46; c++) any |= !db_isnull(st, c);
    if (!any) return;
    ticket_ext_t *x = ticket_ext(t);
    x->returns_asked = (uint8_t)db_int(st, 31);
    x->returns_approved = (uint8_t)db_int(st, 32);
    split_units(col_text(st, 33), x->returned_by, TICKET_MAX_RETURNERS);
    x->pending_at = db_int64(st, 34);
    x->pending_days = (uint8_t)db_int(st, 35);
    x->suspended_at = db_int64(st, 36);
    x->suspend_used = (uint32_t)db_int64(st, 37);
    x->visit_attempts = (uint8_t)db_int(st, 38);
    if (!db_isnull(st, 39)) x->solved = (int8_t)db_int(st, 39);
    if (!db_isnull(st, 40)) x->attitude = (int8_t)db_int(st, 40);
    x->reopened = (uint8_t)db_int(st, 41);
    x->reopened_at = db_int64(st, 42);
    x->reopen_due = db_int64(st, 43);
    split_co(col_text(st, 44), x);
    snprintf(x->lead, sizeof x->lead, "%s", col_text(st, 45) ? col_text(st, 45) : "");
    x->asked = (uint8_t)db_int(st, 46);
}

int store_ticket_get(store_t *self, const char *id, ticket_t *out)
{
    db_stmt_t *st = &self->q[Q_T_GET];
    db_bind_text(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) row_to_ticket(st, out);
    db_clear(st);
    if (rc == DB_ROW) return 0;
    return rc == DB_DONE ? 1 : store_fail(self, "ticket_get");
}

/* A text read ahead: the dict borrows its key from here. */
typedef struct {
    size_t len;
    char id[TICKET_ID_MAX + 1];
    char text[];
} held_text_t;

void store_texts_forget(store_t *self) { forget(&self->texts); }

static void text_found(store_t *self, db_stmt_t *st)
{
    const char *id = db_text(st, 0);
    size_t len = (size_t)db_bytes(st, 1);
    if (strlen(id) > TICKET_ID_MAX || dict_get(self->texts, id)) return;
    held_text_t *h = xmalloc(sizeof *h + len + 1);
    h->len = len;
    snprintf(h->id, sizeof h->id, "%s", id);
    memcpy(h->text, db_text(st, 1), len);
    h->text[len] = '\0';
    dict_put(self->texts, h->id, h);
}

int store_texts_prefetch(store_t *self, const char *const *ids, int n)
{
    store_texts_forget(self);
    self->texts = dict_new();
    if (each_row(self, Q_T_TEXTS, ids, n, text_found, "ticket_texts") == 0) return 0;
    store_texts_forget(self);
    return -1;
}

int store_ticket_text_with(store_t *self, const char *id, store_text_fn fn, void *ctx)
{
    const held_text_t *h = self->texts ? dict_get(self->texts, id) : NULL;
    if (h) {
        fn(ctx, h->text, h->len);
        return 0;
    }
    db_stmt_t *st = &self->q[Q_T_TEXT];
    db_bind_text(st, 1, id);
    int found = db_step(st) == DB_ROW;
    if (found) fn(ctx, db_text(st, 0), (size_t)db_bytes(st, 0));
    db_clear(st);
    return found ? 0 : 1;
}

static void copy_text(void *ctx, const char *text, size_t len)
{
    (void)len;
    *(char **)ctx = xstrdup(text);
}

char *store_ticket_text(store_t *self, const char *id)
{
    char *text = NULL;
    store_ticket_text_with(self, id, copy_text, &text);
    return text;
}

int store_ticket_unfinished(store_t *self, store_ticket_fn fn, void *ctx)
{
    db_stmt_t *st = &self->q[Q_T_UNFINISHED];
    int rc, stop = 0;
    ticket_t t;
    while (!stop && (rc = db_step(st)) == DB_ROW) {
        row_to_ticket(st, &t);
        if (!lc_is_final(t.state)) stop = fn(ctx, &t);
    }
    db_reset(st);
    return (stop || rc == DB_DONE) ? 0 : store_fail(self, "ticket_unfinished");
}

int store_ticket_events(store_t *self, const char *id, store_event_fn fn, void *ctx)
{
    db_stmt_t *st = &self->q[Q_E_LIST];
    db_bind_text(st, 1, id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        store_event_row_t e = {db_int64(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 4),
                               col_text(st, 5), col_text(st, 6), db_int(st, 3)};
        fn(ctx, &e);
    }
    db_clear(st);
    return rc == DB_DONE ? 0 : store_fail(self, "ticket_events");
}

int store_ticket_counts(store_t *self, int64_t *total, int64_t *final)
{
    db_stmt_t *st = &self->q[Q_T_COUNT];
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *total = db_int64(st, 0);
        *final = db_int64(st, 1);
    }
    db_reset(st);
    return rc == DB_ROW ? 0 : store_fail(self, "ticket_counts");
}

int store_ticket_state_counts(store_t *self, uint64_t out[ST__COUNT])
{
    db_stmt_t st;
    memset(out, 0, ST__COUNT * sizeof *out);
    if (db_prepare(self->conn, "SELECT state, count(*) FROM ticket GROUP BY state", &st) != 0)
        return store_fail(self, "state_counts");
    while (db_step(&st) == DB_ROW) {
        int s = lc_state_parse(db_text(&st, 0));
        if (s >= 0) out[s] = (uint64_t)db_int64(&st, 1);
    }
    db_finalize(&st);
    return 0;
}

int store_ticket_merge_leads(store_t *self, const char *id, int64_t from, int64_t to, store_id_fn fn, void *ctx)
{
    db_stmt_t *st = &self->q[Q_T_MERGE_LEADS];
    db_bind_text(st, 1, id);
    db_bind_int64(st, 2, from);
    db_bind_int64(st, 3, to);
    int rc, stop = 0;
    while (!stop && (rc = db_step(st)) == DB_ROW) stop = fn(ctx, col_text(st, 0), db_int64(st, 1));
    db_clear(st);
    return stop || rc == DB_DONE ? 0 : store_fail(self, "merge_leads");
}

int store_ticket_followers(store_t *self, const char *lead, store_id_fn fn, void *ctx)
{
    db_stmt_t *st = &self->q[Q_T_FOLLOWERS];
    db_bind_text(st, 1, lead);
    int rc, stop = 0;
    while (!stop && (rc = db_step(st)) == DB_ROW) stop = fn(ctx, col_text(st, 0), 0);
    db_clear(st);
    return stop || rc == DB_DONE ? 0 : store_fail(self, "followers");
}
