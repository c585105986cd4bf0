/* pipeline: the facade over the pipeline's layers — live tickets (live.h),
 * queues and timers (queue.h, deadline.h), stages (stage.h, through step.h)
 * and the roll-up (tally.h). It admits tickets, hands stage batches to the
 * router for idle workers, applies their results, fires timers, and rebuilds
 * everything from the store after a restart or a failed commit. */
#include "pipeline_priv.h"
#include "clock.h"
#include "log.h"
#include "units.h"
#include "xmalloc.h"
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char id[TICKET_ID_MAX + 1];
    uint8_t action;
    uint32_t token;
} batch_item_t;

typedef struct {
    int queue;
    int n;
    batch_item_t it[];
} batch_t;

pipeline_t *pipeline_new(store_t *store, bool virtual_clock, int batch_max)
{
    pipeline_t *p = xcalloc(1, sizeof *p);
    p->env.store = store;
    p->env.tally = tally_new(store);
    p->env.timers = deadline_new();
    p->env.timers_fire = !virtual_clock;
    p->live = livetab_new();
    p->queues = queues_new(stage_n_services());
    p->virtual_clock = virtual_clock;
    p->batch_max = batch_max > 0 ? batch_max : 1;
    p->next_token = (uint32_t)time(NULL) * 2654435761u;
    p->kb_rev = -1;
    wire_enc_init(&p->enc);
    p->msg = wire_msg_new();
    return p;
}

void pipeline_destroy(pipeline_t **pp)
{
    if (!pp || !*pp) return;
    pipeline_t *p = *pp;
    /* The queues and the deadline heap point into live_t records: drop
       them before the table that owns those records. */
    queues_destroy(&p->queues);
    deadline_destroy(&p->env.timers);
    livetab_destroy(&p->live);
    tally_destroy(&p->env.tally);
    free(p->manual_q);
    wire_enc_free(&p->enc);
    wire_msg_destroy(&p->msg);
    free(p);
    *pp = NULL;
}

/* --- settings and the clock --- */

void pipeline_set_scenario(pipeline_t *self, const char *scn, uint64_t seed)
{
    snprintf(self->scn, sizeof self->scn, "%s", scn ? scn : "");
    self->seed = seed;
}

void pipeline_set_virtual(pipeline_t *self, bool virtual_clock)
{
    self->virtual_clock = virtual_clock;
    self->env.timers_fire = !virtual_clock;
}

bool pipeline_is_virtual(const pipeline_t *self) { return self->virtual_clock; }
void pipeline_set_kb_rev(pipeline_t *self, int64_t rev) { self->kb_rev = rev; }

int64_t pipeline_observe(pipeline_t *self, int64_t t)
{
    if (t > self->clock) self->clock = t;
    return self->clock;
}

int64_t pipeline_now(const pipeline_t *self) { return self->virtual_clock ? self->clock : (int64_t)time(NULL); }

void pipeline_set_rules(pipeline_t *self, const calendar_t *cal, const sla_t *sla)
{
    self->env.cal = cal;
    self->env.sla = sla;
}

int pipeline_set_manual(pipeline_t *self, const char *const *patterns, int n, char *err, size_t errlen)
{
    size_t nq = stage_n_services();
    free(self->manual_q);
    self->manual_q = NULL;
    self->manual = false;
    if (n == 0) return 0;
    self->manual_q = xcalloc(nq, sizeof *self->manual_q);
    for (int i = 0; i < n; i++) {
        bool hit = false;
        for (size_t q = 0; q < nq; q++)
            if (fnmatch(patterns[i], stage_service_name((int)q), 0) == 0) hit = self->manual_q[q] = true;
        if (!hit) {
            snprintf(err, errlen, "--manual '%s' matches no stage (classify, dispatch, visit, centre, unit.*)", patterns[i]);
            return -1;
        }
    }
    self->manual = true;
    return 0;
}

bool pipeline_manual(const pipeline_t *self) { return self->manual; }

void pipeline_waiting_for(const pipeline_t *self, const char *id, char *buf, size_t len)
{
    const live_t *l = livetab_find(self->live, id);
    int q = l && l->waiting ? stage_queue(stage_of((lc_action_t)l->action), l) : -1;
    snprintf(buf, len, "%s", q < 0 ? "" : stage_service_name(q));
}

/* --- moving tickets on --- */

static void finish(pipeline_t *p, live_t *l)
{
    if (l->waiting) p->waiting--;
    deadline_set(p->env.timers, l, 0);
    livetab_free(p->live, l);
}

/* Sends l to the stage `action`: its service's queue, a person (--manual),
 * or, for a stage the broker runs itself, that stage at once. */
static void issue(pipeline_t *p, live_t *l, lc_action_t action)
{
    const stage_t *s = stage_of(action);
    if (l->queued || l->inflight) { /* one delivery at a time: a second link would break its queue */
        log_error("stage issued twice", "id=%s stage=%s queued=%d inflight=%d", l->t.id, s ? s->name : "none", l->queued,
                  l->inflight);
        p->st.bad_results++;
        return;
    }
    l->action = (uint8_t)action;
    if (s && s->run) {
        int next = s->run(&p->env, l);
        if (next < 0) { p->st.bad_results++; return; }
        pl_settle(p, l, (lc_action_t)next, NULL);
        return;
    }
    int q = stage_queue(s, l);
    if (q < 0) {
        log_error("no queue for stage", "id=%s stage=%s", l->t.id, s ? s->name : "none");
        p->st.bad_results++;
        return;
    }
    /* A person takes it, through ticket.act. Under --manual dispatch only the
     * doubtful classifications wait for the centre's assign; the others go
     * to the dispatch worker. */
    bool doubtful = l->t.ext && (l->t.ext->asked & TICKET_DOUBTFUL);
    if (p->manual_q && p->manual_q[q] && (action != ACT_DISPATCH || doubtful)) {
        if (!l->waiting) p->waiting++;
        l->waiting = true;
        return;
    }
    queues_push(p->queues, q, l, false);
}

typedef struct {
    pipeline_t *p;
    int64_t at;
} followers_t;

static int close_follower(void *ctx, const char *id, int64_t unused)
{
    followers_t *f = ctx;
    (void)unused;
    live_t *m = livetab_find(f->p->live, id);
    if (!m || m->t.state != ST_MERGED) return 0;
    int next = step_lead_closed(&f->p->env, m, f->at > m->t.received_at ? f->at : m->t.received_at);
    if (next >= 0) pl_settle(f->p, m, (lc_action_t)next, NULL);
    return 0;
}

/* A lead just closed: the repeat calls merged into it close with it. */
static void close_followers(pipeline_t *p, live_t *l)
{
    l->just_closed = false;
    if (!p->env.st.by_state[ST_MERGED]) return;
    followers_t f = {p, l->t.closed_at};
    store_ticket_followers(p->env.store, l->t.id, close_follower, &f);
}

void pl_settle(pipeline_t *p, live_t *l, lc_action_t next, const char *kb)
{
    if (l->just_closed) close_followers(p, l);
    if (lc_is_final(l->t.state)) {
        if (!l->t.done_at) l->t.done_at = l->t.last_at;
        store_ticket_save(p->env.store, &l->t, kb);
        finish(p, l);
        return;
    }
    store_ticket_save(p->env.store, &l->t, kb);
    if (next != ACT_NONE) issue(p, l, next);
}

void pipeline_admit(pipeline_t *self, const ticket_t *t)
{
    live_t *l = livetab_add(self->live, t);
    step_arm(&self->env, l);
    self->env.st.by_state[ST_RECEIVED]++;
    pipeline_observe(self, t->received_at);
    issue(self, l, ACT_CLASSIFY);
}

/* --- recovery --- */

static void drop_all(pipeline_t *p)
{
    livetab_destroy(&p->live);
    p->live = livetab_new();
    deadline_clear(p->env.timers);
    queues_clear(p->queues);
    memset(&p->env.st.by_state, 0, sizeof p->env.st.by_state);
    p->inflight = 0;
    p->waiting = 0;
}

static int load_one(void *ctx, const ticket_t *t)
{
    pipeline_t *p = ctx;
    live_t *l = livetab_add(p->live, t);
    step_arm(&p->env, l);
    pipeline_observe(p, t->last_at ? t->last_at : t->received_at);
    const stage_t *s = stage_resume(t);
    if (s) issue(p, l, s->action); /* the stage in flight at a crash is issued again */
    return 0;
}

int pipeline_load(pipeline_t *self)
{
    drop_all(self);
    int rc = store_ticket_state_counts(self->env.store, self->env.st.by_state);
    if (rc == 0) rc = tally_load(self->env.tally);
    if (rc == 0) rc = store_ticket_unfinished(self->env.store, load_one, self);
    log_info("live tickets loaded", "count=%zu", livetab_count(self->live));
    return rc;
}

/* --- stage batches --- */

static void encode_item(pipeline_t *p, const stage_t *s, live_t *l)
{
    wire_enc_t *e = &p->enc;
    wire_map(e, 9 + (uint32_t)s->n_fields);
    wire_kv_str(e, "id", l->t.id);
    wire_kv_int(e, "dlv", l->token);
    wire_kv_str(e, "stage", s->name);
    wire_kv_int(e, "round", l->t.round);
    wire_kv_int(e, "rcv", l->t.received_at);
    wire_kv_str(e, "type", ticket_type_name(l->t.type));
    wire_kv_bool(e, "urg", l->t.urgent);
    wire_kv_str(e, "street", ticket_street_name(l->t.street));
    /* With people in the loop the clock is the wall clock: a worker's stage
     * starts now, not at the ticket's last recorded time. */
    int64_t now = p->manual ? pipeline_now(p) : 0;
    wire_kv_int(e, "at", now > l->t.last_at ? now : l->t.last_at);
    if (s->encode) s->encode(&p->env, l, e);
}

static int batch_size(const pipeline_t *p, int q)
{
    size_t n = queues_len(p->queues, q);
    return n < (size_t)p->batch_max ? (int)n : p->batch_max;
}

/* The classify items' texts are read from the store: all of a batch's in one
 * query (store_texts_prefetch), not one round trip per ticket. */
static void read_texts_ahead(pipeline_t *p, const batch_t *b)
{
    const char *ids[b->n];
    int k = 0;
    for (int i = 0; i < b->n; i++)
        if (b->it[i].action == ACT_CLASSIFY) ids[k++] = b->it[i].id;
    if (k > 1) store_texts_prefetch(p->env.store, ids, k);
}

static batch_t *take_batch(pipeline_t *p, int q, int n)
{
    batch_t *b = xmalloc(sizeof *b + (size_t)n * sizeof b->it[0]);
    live_t *ls[n];
    b->queue = q;
    b->n = n;
    for (int i = 0; i < n; i++) {
        live_t *l = ls[i] = queues_pop(p->queues, q);
        l->inflight = true;
        l->token = ++p->next_token;
        l->t.delivery++;
        memcpy(b->it[i].id, l->t.id, sizeof b->it[i].id);
        b->it[i].action = l->action;
        b->it[i].token = l->token;
    }
    read_texts_ahead(p, b);
    for (int i = 0; i < n; i++) encode_item(p, stage_of((lc_action_t)ls[i]->action), ls[i]);
    store_texts_forget(p->env.store);
    p->inflight += (uint64_t)n;
    return b;
}

static void *feed(void *ctx, const char *service, const void **body, size_t *len)
{
    pipeline_t *p = ctx;
    int q = stage_service_index(service);
    if (q < 0 || queues_len(p->queues, q) == 0) return NULL;
    int n = batch_size(p, q);
    wire_enc_t *e = &p->enc;
    wire_enc_reset(e);
    wire_map(e, p->manual ? 6 : 5);
    wire_kv_int(e, "v", 1);
    if (p->manual) wire_kv_bool(e, "live", true); /* no drawn delays: the work happens now */
    wire_kv_str(e, "scn", p->scn);
    wire_kv_int(e, "seed", (int64_t)p->seed);
    wire_kv_int(e, "kbrev", p->kb_rev);
    wire_str(e, "items");
    wire_array(e, (uint32_t)n);
    store_begin(p->env.store); /* classify texts are read in the group transaction */
    batch_t *b = take_batch(p, q, n);
    *body = e->sb.data;
    *len = e->sb.size;
    return b;
}

/* The live ticket a batch item still refers to, or NULL if superseded. */
static live_t *current(pipeline_t *p, const batch_item_t *it)
{
    live_t *l = livetab_find(p->live, it->id);
    return (l && l->inflight && l->token == it->token && l->action == it->action) ? l : NULL;
}

/* Items of a batch still in flight (not settled by a reply, or their worker
 * died) go back to the front of their queue, in order, or to the cool-down
 * list if their worker reported a failure; then the batch is freed. */
static void requeue_unsettled(pipeline_t *p, batch_t *b)
{
    for (int i = b->n - 1; i >= 0; i--) { /* reverse, so front-insertion keeps the order */
        live_t *l = current(p, &b->it[i]);
        if (!l) continue;
        l->inflight = false;
        p->inflight--;
        if (l->cooldown) queues_cool(p->queues, b->queue, l, clock_mono_ms());
        else queues_push(p->queues, b->queue, l, true);
    }
    free(b);
}

/* Finds the batch entry an item answers: same position first, else by id. */
static const batch_item_t *match(const batch_t *b, int pos, const char *id, size_t n)
{
    if (pos < b->n && strlen(b->it[pos].id) == n && memcmp(b->it[pos].id, id, n) == 0) return &b->it[pos];
    for (int i = 0; i < b->n; i++)
        if (strlen(b->it[i].id) == n && memcmp(b->it[i].id, id, n) == 0) return &b->it[i];
    return NULL;
}

/* A result that failed validation may come from one broken or hostile
 * worker: it is tried again after a pause (maybe elsewhere); only one that
 * keeps failing parks the ticket (a restart issues it again). */
static void rejected(pipeline_t *p, live_t *l, const stage_result_t *r)
{
    bool park = ++l->rejections >= PL_MAX_REJECTIONS;
    log_error("stage result rejected", "id=%s stage=%s err=\"%s\" attempt=%d%s", l->t.id,
              stage_of((lc_action_t)l->action)->name, r->err, l->rejections, park ? " parked=yes" : "");
    p->st.bad_results++;
    if (park) return;
    l->inflight = true; /* requeue_unsettled puts it back, after the cool-down */
    p->inflight++;
    l->cooldown = true;
}

static void apply_item(pipeline_t *p, batch_t *b, int pos, const msgpack_object *o)
{
    char err[160];
    const char *id;
    size_t n;
    int64_t dlv = 0;
    if (wire_get_str(o, "id", &id, &n, err, sizeof err) != 0 || wire_get_int(o, "dlv", &dlv, err, sizeof err) != 0) {
        log_warn("stage result without id or dlv", "err=\"%s\"", err);
        p->st.bad_results++;
        return;
    }
    const batch_item_t *bi = match(b, pos, id, n);
    live_t *l = bi && (uint32_t)dlv == bi->token ? current(p, bi) : NULL;
    if (!l) {
        log_info("stale stage result ignored", "id=%.*s dlv=%lld", (int)n, id, (long long)dlv);
        p->st.stale_results++;
        return;
    }
    const stage_t *s = stage_of((lc_action_t)l->action);
    const msgpack_object *werr = wire_get(o, "error");
    if (werr && werr->type == MSGPACK_OBJECT_STR) {
        log_warn("worker reported a stage error", "id=%s stage=%s err=\"%.*s\"", l->t.id, s->name,
                 (int)werr->via.str.size, werr->via.str.ptr);
        p->st.bad_results++;
        l->cooldown = true; /* re-queued for another delivery, after a pause */
        return;
    }
    l->inflight = false;
    p->inflight--;
    stage_result_t r = {.o = o, .l = l};
    int next = s->apply(&p->env, l, &r);
    if (next == STAGE_DEFER) { /* delivered again after the cool-down (requeue_unsettled) */
        l->inflight = true;
        p->inflight++;
        l->cooldown = true;
        return;
    }
    if (next < 0) { rejected(p, l, &r); return; }
    pl_settle(p, l, (lc_action_t)next, r.kb[0] ? r.kb : NULL);
}

static void result(void *ctx, void *batch, mdp_span_t body)
{
    pipeline_t *p = ctx;
    char err[160];
    const msgpack_object *root = wire_decode(p->msg, body.p, body.n, err, sizeof err);
    const msgpack_object *items = root ? wire_get(root, "items") : NULL;
    if (!items || items->type != MSGPACK_OBJECT_ARRAY) {
        log_warn("stage reply rejected", "err=\"%s\"", root ? "field 'items' must be an array" : err);
        p->st.bad_results++;
    } else {
        for (uint32_t i = 0; i < items->via.array.size; i++) apply_item(p, batch, (int)i, &items->via.array.ptr[i]);
    }
    requeue_unsettled(p, batch);
}

static void lost(void *ctx, void *batch) { requeue_unsettled(ctx, batch); }

router_feeder_t pipeline_feeder(pipeline_t *self)
{
    return (router_feeder_t){.feed = feed, .result = result, .lost = lost, .ctx = self};
}

/* --- timers --- */

void pipeline_tick(pipeline_t *self)
{
    queues_warm(self->queues, clock_mono_ms());
    int64_t now = pipeline_now(self);
    live_t *l;
    while ((l = deadline_due(self->env.timers, now))) {
        /* Virtual time: the times are drawn, not observed; each result
         * records the escalations its time passed (step_transition). */
        if (!self->env.timers_fire) continue;
        if (l->t.state == ST_SUSPENDED) {
            /* The longest suspension allowed is over. A worker holding the
             * ticket resumes it in its own result; a person's ticket resumes now. */
            if (!l->waiting) continue;
            int next = step_resume(&self->env, l, l->timer.key, NULL);
            if (next >= 0) pl_settle(self, l, (lc_action_t)next, NULL);
            continue;
        }
        if (step_escalate(&self->env, l, now + 1) < 0) continue;
        step_arm(&self->env, l);
        store_ticket_save(self->env.store, &l->t, NULL);
    }
}

/* --- status --- */

typedef struct {
    int64_t now;
    uint64_t n;
    uint64_t *open, *overdue;
    size_t n_units;
} walk_t;

static void past_due_one(void *ctx, const live_t *l)
{
    walk_t *w = ctx;
    w->n += l->t.close_due && !l->t.closed_at && l->t.close_due < w->now;
}

uint64_t pipeline_past_due(const pipeline_t *self)
{
    walk_t w = {.now = pipeline_now(self)};
    livetab_each(self->live, past_due_one, &w);
    return w.n;
}

static void unit_one(void *ctx, const live_t *l)
{
    walk_t *w = ctx;
    if (l->t.unit >= w->n_units || l->t.closed_at) return;
    w->open[l->t.unit]++;
    w->overdue[l->t.unit] += l->t.close_due && l->t.close_due < w->now;
}

void pipeline_unit_counts(const pipeline_t *self, uint64_t *open, uint64_t *overdue, size_t n_units)
{
    memset(open, 0, n_units * sizeof *open);
    memset(overdue, 0, n_units * sizeof *overdue);
    walk_t w = {.now = pipeline_now(self), .open = open, .overdue = overdue, .n_units = n_units};
    livetab_each(self->live, unit_one, &w);
}

void pipeline_stats(const pipeline_t *self, pipeline_stats_t *out)
{
    *out = self->st;
    memcpy(out->by_state, self->env.st.by_state, sizeof out->by_state);
    memcpy(out->totals, tally_totals(self->env.tally), sizeof out->totals);
    out->closed = self->env.st.closed;
    out->transitions = self->env.st.transitions;
    out->live = livetab_count(self->live);
    out->inflight = self->inflight;
    out->waiting = self->waiting;
    out->queued = queues_total(self->queues);
}
