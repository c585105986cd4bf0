/* pipeline_apply: a worker's stage results become transitions. Each result is
 * checked against the delivery it answers (ticket, stage, round, delivery
 * token): a late or duplicate reply for a superseded delivery is logged and
 * ignored. Every transition goes through the state table. */
#include "pipeline_priv.h"
#include "log.h"
#include "units.h"
#include "xmalloc.h"
#include <stdio.h>
#include <string.h>

int pl_transition(pipeline_t *p, live_t *l, lc_event_t ev, int64_t at, const char *detail, const char *actor)
{
    lc_state_t next;
    lc_action_t act;
    if (lc_next(l->t.state, ev, &next, &act) != 0) {
        log_error("transition not allowed", "id=%s state=%s event=%s", l->t.id, lc_state_name(l->t.state), lc_event_name(ev));
        return -1;
    }
    p->st.by_state[l->t.state]--;
    p->st.by_state[next]++;
    l->t.state = (uint8_t)next;
    if (at > l->t.last_at) l->t.last_at = at;
    p->st.transitions++;
    store_begin(p->store);
    store_event(p->store, &l->t, ev, at, detail, actor);
    return (int)act;
}

/* Counts a figure in the daily roll-up, under the ticket's current unit. */
static void count(pipeline_t *p, const live_t *l, int64_t at, store_rollup_col_t col, int delta)
{
    int d[RU__COUNT] = {0};
    d[col] = delta;
    pl_rollup(p, l, at, d);
}

void pl_settle(pipeline_t *p, live_t *l, lc_action_t next, const char *kb)
{
    if (lc_is_final(l->t.state)) {
        if (!l->t.done_at) l->t.done_at = l->t.last_at;
        store_ticket_save(p->store, &l->t, kb);
        pl_finish(p, l);
        return;
    }
    store_ticket_save(p->store, &l->t, kb);
    if (next != ACT_NONE) pl_issue(p, l, next);
}

typedef struct {
    const msgpack_object *o;
    char err[160];
    bool bad;
    char kb[32];              /* the KB entry that answered (classify), stored with the ticket */
} item_t;

static int64_t need_int(item_t *it, const char *key)
{
    int64_t v = 0;
    if (!it->bad && wire_get_int(it->o, key, &v, it->err, sizeof it->err) != 0) {
        if (!it->err[0]) snprintf(it->err, sizeof it->err, "field '%s' is required", key);
        it->bad = true;
    }
    return v;
}

static int64_t opt_int(item_t *it, const char *key)
{
    int64_t v = 0;
    if (!it->bad && wire_get_int(it->o, key, &v, it->err, sizeof it->err) < 0) it->bad = true;
    return v;
}

/* A unit or street code field; TICKET_NONE when absent, bad when unknown. */
static uint8_t opt_code(item_t *it, const char *key, int (*index)(const char *))
{
    char buf[64];
    int r = it->bad ? 1 : wire_copy_str(it->o, key, buf, sizeof buf, it->err, sizeof it->err);
    if (r < 0) { it->bad = true; return TICKET_NONE; }
    if (r > 0) return TICKET_NONE;
    int i = index(buf);
    if (i < 0) {
        snprintf(it->err, sizeof it->err, "field '%s' holds an unknown code '%s'", key, buf);
        it->bad = true;
        return TICKET_NONE;
    }
    return (uint8_t)i;
}

/* Times must not run backwards within a ticket's history, nor run beyond
 * 400 days of it (which also keeps them within ticket_t's 32 bits). */
static void check_time(item_t *it, const live_t *l, int64_t at, const char *what)
{
    if (!it->bad && (at < l->t.received_at || at > l->t.received_at + 400LL * 86400)) {
        snprintf(it->err, sizeof it->err, "time '%s' is outside the ticket's plausible span", what);
        it->bad = true;
    }
}

static int apply_classify(pipeline_t *p, live_t *l, item_t *it)
{
    uint8_t cat = opt_code(it, "cat", ticket_category_index);
    uint8_t unit = opt_code(it, "unit", ticket_unit_index);
    uint8_t alt = opt_code(it, "alt", ticket_unit_index);
    int64_t at = need_int(it, "at");
    char kb[sizeof it->kb] = "";
    if (!it->bad && wire_copy_str(it->o, "kb", kb, sizeof kb, it->err, sizeof it->err) < 0) it->bad = true;
    check_time(it, l, at, "at");
    if (!it->bad && (cat == TICKET_NONE || unit == TICKET_NONE)) {
        snprintf(it->err, sizeof it->err, "classify result lacks 'cat' or 'unit'");
        it->bad = true;
    }
    if (it->bad) return -1;
    l->t.category = cat;
    l->t.unit = unit;
    l->t.alt_unit = alt;
    count(p, l, l->t.received_at, RU_RECEIVED, 1);
    if (l->t.type == TT_PRAISE) return pl_transition(p, l, EV_praise, l->t.received_at, ticket_unit_name(unit), NULL);
    if (l->t.type == TT_CONSULT && kb[0]) {
        memcpy(it->kb, kb, sizeof kb);
        l->t.direct = true;
        l->t.closed_at = at;
        l->t.on_time = 1;
        int d[RU__COUNT] = {[RU_CLOSED] = 1, [RU_ON_TIME] = 1, [RU_DIRECT] = 1};
        pl_rollup(p, l, at, d);
        p->st.closed++;
        return pl_transition(p, l, EV_answered, at, kb, NULL);
    }
    char d[96];
    snprintf(d, sizeof d, "%s → %s", ticket_category_name(cat), ticket_unit_name(unit));
    return pl_transition(p, l, EV_classified, l->t.received_at, d, NULL);
}

static int apply_dispatch(pipeline_t *p, live_t *l, item_t *it)
{
    uint8_t unit = opt_code(it, "unit", ticket_unit_index);
    int64_t at = need_int(it, "at"), sign_due = need_int(it, "sign_due"), close_due = need_int(it, "close_due");
    check_time(it, l, at, "at");
    check_time(it, l, sign_due, "sign_due");
    check_time(it, l, close_due, "close_due");
    if (!it->bad && unit == TICKET_NONE) { snprintf(it->err, sizeof it->err, "dispatch result lacks 'unit'"); it->bad = true; }
    if (it->bad) return -1;
    if (unit != l->t.unit) { /* "received" follows the ticket to its new unit */
        count(p, l, l->t.received_at, RU_RECEIVED, -1);
        l->t.unit = unit;
        count(p, l, l->t.received_at, RU_RECEIVED, 1);
    }
    l->t.sign_due = sign_due;
    if (!l->t.close_due) l->t.close_due = close_due; /* the deadline counts from receipt: re-dispatch keeps it */
    if (l->t.close_due && !l->t.closed_at) heap_update(p->deadlines, &l->due, l->t.close_due);
    return pl_transition(p, l, EV_dispatched, at, ticket_unit_name(unit), NULL);
}

/* --- effects: the steps of the lifecycle, shared by workers' results (below)
 * and people's actions (pipeline_act.c). Times are checked by the caller. --- */

int pl_do_sign(pipeline_t *p, live_t *l, int64_t at, const char *actor)
{
    l->t.signed_at = (uint32_t)at;
    return pl_transition(p, l, EV_signed, at, at > l->t.sign_due && l->t.sign_due ? "signed late" : NULL, actor);
}

int pl_do_extend(pipeline_t *p, live_t *l, int64_t at, int64_t new_due, const char *detail, const char *actor)
{
    l->t.extended = true;
    l->t.close_due = (uint32_t)new_due;
    if (!l->t.closed_at) heap_update(p->deadlines, &l->due, l->t.close_due);
    return pl_transition(p, l, EV_extended, at, detail ? detail : "extension approved", actor);
}

void pl_overdue(pipeline_t *p, live_t *l)
{
    l->t.overdue_at = l->t.close_due;
    count(p, l, l->t.close_due, RU_OVERDUE, 1);
    pl_transition(p, l, EV_overdue, l->t.close_due, "deadline passed: 督办", NULL);
}

/* A close after the deadline first records the 督办 at the deadline's own time. */
static void overdue_check(pipeline_t *p, live_t *l, int64_t closed_at)
{
    if (!l->t.close_due || closed_at <= l->t.close_due || l->t.overdue_at) return;
    pl_overdue(p, l);
}

int pl_do_close(pipeline_t *p, live_t *l, int64_t closed_at, const char *result, const char *actor)
{
    overdue_check(p, l, closed_at);
    l->t.closed_at = (uint32_t)closed_at;
    l->t.on_time = closed_at <= l->t.close_due;
    int d[RU__COUNT] = {[RU_CLOSED] = 1, [RU_ON_TIME] = l->t.on_time};
    pl_rollup(p, l, closed_at, d);
    heap_remove(p->deadlines, &l->due);
    p->st.closed++;
    const char *verdict = l->t.on_time ? "on time" : "late";
    if (!result) return pl_transition(p, l, EV_closed, closed_at, verdict, actor);
    char *detail = xasprintf("%s: %s", verdict, result);
    int act = pl_transition(p, l, EV_closed, closed_at, detail, actor);
    free(detail);
    return act;
}

int pl_do_return(pipeline_t *p, live_t *l, int64_t at, const char *detail, const char *actor)
{
    int act = pl_transition(p, l, EV_returned, at, detail ? detail : ticket_unit_name(l->t.unit), actor);
    l->t.round++;
    l->t.signed_at = 0;
    return act;
}

int pl_do_rate(pipeline_t *p, live_t *l, int rating, int64_t at, bool dflt, const char *actor)
{
    l->t.rating = (int8_t)rating;
    l->t.rated_at = (uint32_t)at;
    l->t.rating_default = dflt;
    int ru[RU__COUNT] = {[RU_RATED] = 1, [RU_SAT3] = rating >= 3, [RU_SAT4] = rating >= 4, [RU_BAD] = rating <= 2};
    pl_rollup(p, l, at, ru);
    char d[32];
    snprintf(d, sizeof d, "rating=%d%s", rating, dflt ? " (default)" : "");
    if (pl_transition(p, l, EV_rated, at, d, actor) != ACT_DECIDE) return -1;
    return pl_decide(p, l, at);
}

int pl_decide(pipeline_t *p, live_t *l, int64_t at)
{
    /* A 差评 (1 or 2) goes back to the unit for rectification. */
    if (l->t.rating >= 3) return pl_transition(p, l, EV_done, at, NULL, NULL);
    return pl_transition(p, l, EV_rectify, at, "差评", NULL);
}

int pl_do_rectify(pipeline_t *p, live_t *l, int64_t contact_at, int64_t at, int64_t due, const char *result,
                  const char *actor)
{
    l->t.rectify_due = (uint32_t)due;
    if (pl_transition(p, l, EV_contacted, contact_at, NULL, actor) < 0) return -1;
    l->t.rectified_at = (uint32_t)at;
    const char *verdict = due && at > due ? "rectified late" : "rectified";
    if (!result) return pl_transition(p, l, EV_rectified, at, verdict, actor);
    char *detail = xasprintf("%s: %s", verdict, result);
    int act = pl_transition(p, l, EV_rectified, at, detail, actor);
    free(detail);
    return act;
}

int pl_do_revisit(pipeline_t *p, live_t *l, int rating, int64_t at, const char *actor)
{
    l->t.revisit_rating = (int8_t)rating;
    l->t.revisited_at = (uint32_t)at;
    if (l->t.rating <= 2) count(p, l, l->t.rated_at, RU_BAD_RECTIFIED, 1); /* a cohort: on the 差评's day */
    char d[16];
    snprintf(d, sizeof d, "rating=%d", rating);
    return pl_transition(p, l, EV_revisited, at, d, actor);
}

/* --- workers' results --- */

static int apply_handle_closed(pipeline_t *p, live_t *l, item_t *it)
{
    int64_t signed_at = need_int(it, "signed_at"), closed_at = need_int(it, "closed_at");
    int64_t ext_at = opt_int(it, "ext_at"), ext_due = opt_int(it, "ext_due");
    check_time(it, l, signed_at, "signed_at");
    check_time(it, l, closed_at, "closed_at");
    if (ext_at) check_time(it, l, ext_at, "ext_at");
    if (ext_due) check_time(it, l, ext_due, "ext_due");
    if (!it->bad && (closed_at < signed_at || (ext_due && ext_due <= l->t.close_due))) {
        snprintf(it->err, sizeof it->err, "handle result times are inconsistent");
        it->bad = true;
    }
    if (it->bad) return -1;
    if (pl_do_sign(p, l, signed_at, NULL) < 0) return -1;
    if (ext_due && pl_do_extend(p, l, ext_at ? ext_at : signed_at, ext_due, NULL, NULL) < 0) return -1;
    return pl_do_close(p, l, closed_at, NULL, NULL);
}

static int apply_handle(pipeline_t *p, live_t *l, item_t *it)
{
    const msgpack_object *out = wire_get(it->o, "outcome");
    if (wire_str_eq(out, "closed")) return apply_handle_closed(p, l, it);
    if (!wire_str_eq(out, "returned")) {
        snprintf(it->err, sizeof it->err, "field 'outcome' must be \"closed\" or \"returned\"");
        return -1;
    }
    int64_t at = need_int(it, "at");
    check_time(it, l, at, "at");
    if (it->bad) return -1;
    return pl_do_return(p, l, at, NULL, NULL);
}

static int64_t need_rating(item_t *it)
{
    int64_t rating = need_int(it, "rating");
    if (!it->bad && (rating < 1 || rating > 5)) { snprintf(it->err, sizeof it->err, "rating must be 1..5"); it->bad = true; }
    return rating;
}

static int apply_visit(pipeline_t *p, live_t *l, item_t *it)
{
    int64_t rating = need_rating(it), at = need_int(it, "at");
    bool dflt = false;
    if (!it->bad && wire_get_bool(it->o, "dflt", &dflt, it->err, sizeof it->err) < 0) it->bad = true;
    check_time(it, l, at, "at");
    if (it->bad) return -1;
    return pl_do_rate(p, l, (int)rating, at, dflt, NULL);
}

static int apply_rectify(pipeline_t *p, live_t *l, item_t *it)
{
    int64_t contact_at = need_int(it, "contact_at"), at = need_int(it, "at"), due = opt_int(it, "due");
    check_time(it, l, contact_at, "contact_at");
    check_time(it, l, at, "at");
    if (due) check_time(it, l, due, "due");
    if (it->bad) return -1;
    return pl_do_rectify(p, l, contact_at, at, due, NULL, NULL);
}

static int apply_revisit(pipeline_t *p, live_t *l, item_t *it)
{
    int64_t rating = need_rating(it), at = need_int(it, "at");
    check_time(it, l, at, "at");
    if (it->bad) return -1;
    return pl_do_revisit(p, l, (int)rating, at, NULL);
}

typedef int (*apply_fn)(pipeline_t *, live_t *, item_t *);
static const apply_fn APPLY[] = {
    [ACT_CLASSIFY] = apply_classify, [ACT_DISPATCH] = apply_dispatch, [ACT_HANDLE] = apply_handle,
    [ACT_VISIT] = apply_visit,       [ACT_RECTIFY] = apply_rectify,   [ACT_REVISIT] = apply_revisit,
};

/* Finds the batch entry an item answers: same position first, else by id. */
static const batch_item_t *match(const batch_t *b, int pos, const char *id, size_t n)
{
    if (pos < b->n && strlen(b->it[pos].id) == n && memcmp(b->it[pos].id, id, n) == 0) return &b->it[pos];
    for (int i = 0; i < b->n; i++)
        if (strlen(b->it[i].id) == n && memcmp(b->it[i].id, id, n) == 0) return &b->it[i];
    return NULL;
}

static void apply_item(pipeline_t *p, batch_t *b, int pos, const msgpack_object *o)
{
    item_t it = {.o = o};
    const char *id;
    size_t n;
    int64_t dlv = 0;
    if (wire_get_str(o, "id", &id, &n, it.err, sizeof it.err) != 0 || wire_get_int(o, "dlv", &dlv, it.err, sizeof it.err) != 0) {
        log_warn("stage result without id or dlv", "err=\"%s\"", it.err);
        p->st.bad_results++;
        return;
    }
    const batch_item_t *bi = match(b, pos, id, n);
    live_t *l = bi && (uint32_t)dlv == bi->token ? pl_find(p, bi->id) : NULL;
    if (!l || !l->inflight || l->token != bi->token || l->action != bi->action) {
        log_info("stale stage result ignored", "id=%.*s dlv=%lld", (int)n, id, (long long)dlv);
        p->st.stale_results++;
        return;
    }
    const msgpack_object *err = wire_get(o, "error");
    if (err && err->type == MSGPACK_OBJECT_STR) {
        log_warn("worker reported a stage error", "id=%s stage=%s err=\"%.*s\"", l->t.id, pl_stage_name(l->action),
                 (int)err->via.str.size, err->via.str.ptr);
        p->st.bad_results++;
        l->cooldown = true; /* re-queued for another delivery, after a pause */
        return;
    }
    l->inflight = false;
    p->inflight--;
    int act = APPLY[l->action](p, l, &it);
    if (act < 0) {
        /* A bad result may come from one broken or hostile worker: try again
         * after a pause (maybe elsewhere). Only a result that keeps failing
         * parks the ticket, so the broker and a buggy worker cannot spin;
         * a broker restart re-issues parked tickets. */
        bool park = ++l->rejections >= PL_MAX_REJECTIONS;
        log_error("stage result rejected", "id=%s stage=%s err=\"%s\" attempt=%d%s", l->t.id, pl_stage_name(l->action),
                  it.err, l->rejections, park ? " parked=yes" : "");
        p->st.bad_results++;
        if (!park) {
            l->inflight = true; /* result() re-queues it, after the cooldown */
            p->inflight++;
            l->cooldown = true;
        }
        return;
    }
    pl_settle(p, l, (lc_action_t)act, it.kb);
}

void pl_apply_batch(pipeline_t *p, batch_t *b, mdp_span_t body)
{
    char err[160];
    const msgpack_object *root = wire_decode(p->msg, body.p, body.n, err, sizeof err);
    const msgpack_object *items = root ? wire_get(root, "items") : NULL;
    if (!items || items->type != MSGPACK_OBJECT_ARRAY) {
        log_warn("stage reply rejected", "err=\"%s\"", root ? "field 'items' must be an array" : err);
        p->st.bad_results++;
        return;
    }
    for (uint32_t i = 0; i < items->via.array.size; i++) apply_item(p, b, (int)i, &items->via.array.ptr[i]);
}
