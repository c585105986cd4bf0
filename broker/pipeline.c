/* pipeline: live tickets, stage queues, stage batches and recovery.
 * Results are applied in pipeline_apply.c. */
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

static const char *const STAGES[] = {
    [ACT_CLASSIFY] = "classify", [ACT_DISPATCH] = "dispatch", [ACT_HANDLE] = "handle",
    [ACT_VISIT] = "visit",       [ACT_RECTIFY] = "rectify",   [ACT_REVISIT] = "revisit",
};

const char *pl_stage_name(lc_action_t a) { return a < sizeof STAGES / sizeof *STAGES && STAGES[a] ? STAGES[a] : "none"; }

/* --- the live table: id -> live_t, chained through live_t.hnext, load <= 1 --- */

static size_t id_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 0x100000001b3ULL; }
    return (size_t)(h ^ (h >> 29));
}

live_t *pl_find(const pipeline_t *p, const char *id)
{
    live_t *l = p->live.b[id_hash(id) & (p->live.nb - 1)];
    while (l && strcmp(l->t.id, id) != 0) l = l->hnext;
    return l;
}

static void live_insert(pipeline_t *p, live_t *l)
{
    if (p->live.n >= p->live.nb) {
        size_t nb = p->live.nb * 2;
        live_t **b = xcalloc(nb, sizeof *b);
        for (size_t i = 0; i < p->live.nb; i++)
            for (live_t *x = p->live.b[i], *nx; x; x = nx) {
                nx = x->hnext;
                size_t k = id_hash(x->t.id) & (nb - 1);
                x->hnext = b[k];
                b[k] = x;
            }
        free(p->live.b);
        p->live.b = b;
        p->live.nb = nb;
    }
    size_t k = id_hash(l->t.id) & (p->live.nb - 1);
    l->hnext = p->live.b[k];
    p->live.b[k] = l;
    p->live.n++;
}

static void live_remove(pipeline_t *p, live_t *l)
{
    live_t **pp = &p->live.b[id_hash(l->t.id) & (p->live.nb - 1)];
    while (*pp && *pp != l) pp = &(*pp)->hnext;
    if (*pp) {
        *pp = l->hnext;
        p->live.n--;
    }
}

static void live_init(pipeline_t *p)
{
    p->live.nb = 1024;
    p->live.n = 0;
    p->live.b = xcalloc(p->live.nb, sizeof *p->live.b);
}

static void live_free_all(pipeline_t *p)
{
    for (size_t i = 0; i < p->live.nb; i++)
        for (live_t *x = p->live.b[i], *nx; x; x = nx) {
            nx = x->hnext;
            free(x);
        }
    free(p->live.b);
    p->live.b = NULL;
    p->live.nb = p->live.n = 0;
}

pipeline_t *pipeline_new(store_t *store, bool virtual_clock, int batch_max)
{
    pipeline_t *p = xcalloc(1, sizeof *p);
    size_t n_units;
    units_all(&n_units);
    p->store = store;
    p->virtual_clock = virtual_clock;
    p->batch_max = batch_max > 0 ? batch_max : 1;
    live_init(p);
    p->n_queues = Q_UNIT0 + n_units;
    p->queues = xcalloc(p->n_queues, sizeof *p->queues);
    p->deadlines = heap_new();
    p->next_token = (uint32_t)time(NULL) * 2654435761u;
    p->kb_rev = -1;
    wire_enc_init(&p->enc);
    p->msg = wire_msg_new();
    return p;
}

static void drop_all(pipeline_t *p)
{
    live_free_all(p);
    live_init(p);
    heap_destroy(&p->deadlines);
    p->deadlines = heap_new();
    memset(p->queues, 0, p->n_queues * sizeof *p->queues);
    p->n_cool = 0;
    p->cool_due_ms = 0;
    memset(&p->st.by_state, 0, sizeof p->st.by_state);
    p->inflight = 0;
    p->waiting = 0;
}

void pipeline_destroy(pipeline_t **pp)
{
    if (!pp || !*pp) return;
    pipeline_t *p = *pp;
    live_free_all(p);
    heap_destroy(&p->deadlines);
    free(p->queues);
    free(p->manual_q);
    free(p->cool);
    wire_enc_free(&p->enc);
    wire_msg_destroy(&p->msg);
    free(p);
    *pp = NULL;
}

void pipeline_set_scenario(pipeline_t *self, const char *scn, uint64_t seed)
{
    snprintf(self->scn, sizeof self->scn, "%s", scn ? scn : "");
    self->seed = seed;
}

void pipeline_set_virtual(pipeline_t *self, bool virtual_clock) { self->virtual_clock = virtual_clock; }
bool pipeline_is_virtual(const pipeline_t *self) { return self->virtual_clock; }

void pipeline_set_kb_rev(pipeline_t *self, int64_t rev) { self->kb_rev = rev; }

int64_t pipeline_observe(pipeline_t *self, int64_t t)
{
    if (t > self->clock) self->clock = t;
    return self->clock;
}

int64_t pipeline_now(const pipeline_t *self) { return self->virtual_clock ? self->clock : (int64_t)time(NULL); }

/* Which queue serves a stage of this ticket; -1 if it has no unit yet. */
int pl_queue_of(const live_t *l, lc_action_t a)
{
    switch (a) {
    case ACT_CLASSIFY: return Q_CLASSIFY;
    case ACT_DISPATCH: return Q_DISPATCH;
    case ACT_VISIT: case ACT_REVISIT: return Q_VISIT;
    case ACT_HANDLE: case ACT_RECTIFY: return l->t.unit == TICKET_NONE ? -1 : Q_UNIT0 + l->t.unit;
    default: return -1;
    }
}

static void enqueue(pipeline_t *p, live_t *l, int q, bool front)
{
    lqueue_t *lq = &p->queues[q];
    l->qnext = NULL;
    if (front) {
        l->qnext = lq->head;
        lq->head = l;
        if (!lq->tail) lq->tail = l;
    } else {
        if (lq->tail) lq->tail->qnext = l;
        else lq->head = l;
        lq->tail = l;
    }
    lq->n++;
    l->queued = true;
}

void pl_issue(pipeline_t *p, live_t *l, lc_action_t action)
{
    l->action = (uint8_t)action;
    int q = pl_queue_of(l, action);
    if (q < 0) {
        log_error("no queue for stage", "id=%s stage=%s", l->t.id, pl_stage_name(action));
        p->st.bad_results++;
        return;
    }
    if (p->manual_q && p->manual_q[q]) { /* a person takes it, through ticket.act */
        if (!l->waiting) p->waiting++;
        l->waiting = true;
        return;
    }
    enqueue(p, l, q, false);
}

const char *pl_queue_service(const pipeline_t *p, int q)
{
    size_t n;
    const char *const *units = units_all(&n);
    if (q == Q_CLASSIFY) return "classify";
    if (q == Q_DISPATCH) return "dispatch";
    if (q == Q_VISIT) return "visit";
    return q >= Q_UNIT0 && (size_t)(q - Q_UNIT0) < n && (size_t)q < p->n_queues ? units[q - Q_UNIT0] : "?";
}

int pipeline_set_manual(pipeline_t *self, const char *const *patterns, int n, char *err, size_t errlen)
{
    free(self->manual_q);
    self->manual_q = NULL;
    self->manual = false;
    if (n == 0) return 0;
    self->manual_q = xcalloc(self->n_queues, sizeof *self->manual_q);
    for (int i = 0; i < n; i++) {
        bool hit = false;
        for (size_t q = 0; q < self->n_queues; q++)
            if (fnmatch(patterns[i], pl_queue_service(self, (int)q), 0) == 0) hit = self->manual_q[q] = true;
        if (!hit) {
            snprintf(err, errlen, "--manual '%s' matches no stage (classify, dispatch, visit, unit.*)", patterns[i]);
            return -1;
        }
    }
    self->manual = true;
    return 0;
}

bool pipeline_manual(const pipeline_t *self) { return self->manual; }

void pipeline_waiting_for(const pipeline_t *self, const char *id, char *buf, size_t len)
{
    const live_t *l = pl_find(self, id);
    int q = l && l->waiting ? pl_queue_of(l, (lc_action_t)l->action) : -1;
    snprintf(buf, len, "%s", q < 0 ? "" : pl_queue_service(self, q));
}

void pipeline_set_rules(pipeline_t *self, const calendar_t *cal, const sla_t *sla)
{
    self->cal = cal;
    self->sla = sla;
}

static void arm(pipeline_t *p, live_t *l)
{
    if (l->t.close_due && l->t.closed_at == 0 && !lc_is_final(l->t.state)) heap_update(p->deadlines, &l->due, l->t.close_due);
    else heap_remove(p->deadlines, &l->due);
}

static live_t *live_add(pipeline_t *p, const ticket_t *t)
{
    live_t *l = xcalloc(1, sizeof *l);
    l->t = *t;
    heap_node_init(&l->due);
    live_insert(p, l);
    arm(p, l);
    return l;
}

void pipeline_admit(pipeline_t *self, const ticket_t *t)
{
    live_t *l = live_add(self, t);
    self->st.by_state[ST_RECEIVED]++;
    pipeline_observe(self, t->received_at);
    pl_issue(self, l, ACT_CLASSIFY);
}

/* The stage a stored ticket needs next, derived from its state alone. */
static lc_action_t resume_action(const ticket_t *t)
{
    switch (t->state) {
    case ST_RECEIVED: return t->category == TICKET_NONE ? ACT_CLASSIFY : ACT_DISPATCH;
    case ST_RETURNED: return ACT_DISPATCH;
    case ST_DISPATCHED: case ST_SIGNED: return ACT_HANDLE;
    case ST_CLOSED: return ACT_VISIT;
    case ST_RATED: return ACT_DECIDE;
    case ST_RECTIFYING: return ACT_RECTIFY;
    case ST_RECTIFIED: return ACT_REVISIT;
    default: return ACT_NONE;
    }
}

static int load_one(void *ctx, const ticket_t *t)
{
    pipeline_t *p = ctx;
    live_t *l = live_add(p, t);
    pipeline_observe(p, t->last_at ? t->last_at : t->received_at);
    lc_action_t a = resume_action(t);
    if (a == ACT_DECIDE) a = l->t.rating >= 3 ? ACT_NONE : ACT_RECTIFY; /* see pl_apply's DECIDE */
    if (a != ACT_NONE) pl_issue(p, l, a);
    return 0;
}

int pipeline_load(pipeline_t *self)
{
    drop_all(self);
    int rc = store_ticket_state_counts(self->store, self->st.by_state);
    if (rc == 0) rc = store_rollup_totals(self->store, self->st.totals);
    if (rc == 0) rc = store_ticket_unfinished(self->store, load_one, self);
    log_info("live tickets loaded", "count=%zu", self->live.n);
    return rc;
}

void pl_rollup(pipeline_t *p, const live_t *l, int64_t at, const int delta[RU__COUNT])
{
    for (int c = 0; c < RU__COUNT; c++) p->st.totals[c] += delta[c];
    store_rollup_add(p->store, &l->t, l->t.unit, at, delta);
}

void pl_finish(pipeline_t *p, live_t *l)
{
    if (l->waiting) p->waiting--;
    heap_remove(p->deadlines, &l->due);
    live_remove(p, l);
    free(l);
}

/* --- stage batches --- */

static int service_queue(const char *service)
{
    if (strcmp(service, "classify") == 0) return Q_CLASSIFY;
    if (strcmp(service, "dispatch") == 0) return Q_DISPATCH;
    if (strcmp(service, "visit") == 0) return Q_VISIT;
    int u = ticket_unit_index(service);
    return u < 0 ? -1 : Q_UNIT0 + u;
}

static void encode_common(pipeline_t *p, const live_t *l, int extra)
{
    wire_enc_t *e = &p->enc;
    wire_map(e, 9 + extra);
    wire_kv_str(e, "id", l->t.id);
    wire_kv_int(e, "dlv", l->token);
    wire_kv_str(e, "stage", pl_stage_name(l->action));
    wire_kv_int(e, "round", l->t.round);
    wire_kv_int(e, "rcv", l->t.received_at);
    wire_kv_str(e, "type", ticket_type_name(l->t.type));
    wire_kv_bool(e, "urg", l->t.urgent);
    wire_kv_str(e, "street", ticket_street_name(l->t.street));
    /* With people in the loop the clock is the wall clock: a worker's stage
     * starts now, not at the ticket's last recorded time. */
    int64_t now = p->manual ? pipeline_now(p) : 0;
    wire_kv_int(e, "at", now > l->t.last_at ? now : l->t.last_at);
}

static void encode_text(void *ctx, const char *text, size_t len) { wire_strn(ctx, text, len); }

static void encode_item(pipeline_t *p, live_t *l)
{
    wire_enc_t *e = &p->enc;
    switch (l->action) {
    case ACT_CLASSIFY:
        /* Not kept in memory: 1M queued tickets stay small. Read inside the
         * group transaction, so a batch of reads shares one lock, and
         * encoded straight from SQLite's buffer. */
        encode_common(p, l, 1);
        wire_str(e, "text");
        if (store_ticket_text_with(p->store, l->t.id, encode_text, e) != 0) wire_str(e, "");
        break;
    case ACT_DISPATCH:
        encode_common(p, l, 3);
        wire_kv_str(e, "cat", ticket_category_name(l->t.category));
        wire_kv_str(e, "unit", ticket_unit_name(l->t.unit));
        wire_kv_str(e, "alt", ticket_unit_name(l->t.alt_unit));
        break;
    case ACT_HANDLE:
    case ACT_RECTIFY:
        encode_common(p, l, 2);
        wire_kv_str(e, "unit", ticket_unit_name(l->t.unit));
        wire_kv_int(e, "due", l->t.close_due);
        break;
    default:
        encode_common(p, l, 0);
        break;
    }
}

static int batch_size(const pipeline_t *p, int q)
{
    return p->queues[q].n < (size_t)p->batch_max ? (int)p->queues[q].n : p->batch_max;
}

static batch_t *take_batch(pipeline_t *p, int q)
{
    lqueue_t *lq = &p->queues[q];
    int n = batch_size(p, q);
    batch_t *b = xmalloc(sizeof *b + (size_t)n * sizeof b->it[0]);
    b->queue = q;
    b->n = n;
    for (int i = 0; i < n; i++) {
        live_t *l = lq->head;
        lq->head = l->qnext;
        l->qnext = NULL;
        l->queued = false;
        l->inflight = true;
        l->token = ++p->next_token;
        l->t.delivery++;
        memcpy(b->it[i].id, l->t.id, sizeof b->it[i].id);
        b->it[i].action = l->action;
        b->it[i].token = l->token;
        encode_item(p, l);
    }
    if (!lq->head) lq->tail = NULL;
    lq->n -= (size_t)n;
    p->inflight += (uint64_t)n;
    return b;
}

static void *feed(void *ctx, const char *service, const void **body, size_t *len)
{
    pipeline_t *p = ctx;
    int q = service_queue(service);
    if (q < 0 || p->queues[q].n == 0) return NULL;
    wire_enc_t *e = &p->enc;
    wire_enc_reset(e);
    wire_map(e, p->manual ? 6 : 5);
    wire_kv_int(e, "v", 1);
    if (p->manual) wire_kv_bool(e, "live", true); /* no drawn delays: the work happens now */
    wire_kv_str(e, "scn", p->scn);
    wire_kv_int(e, "seed", (int64_t)p->seed);
    wire_kv_int(e, "kbrev", p->kb_rev);
    wire_str(e, "items");
    wire_array(e, (uint32_t)batch_size(p, q));
    if (q == Q_CLASSIFY) store_begin(p->store); /* the texts are read in the group transaction */
    batch_t *b = take_batch(p, q); /* encodes each item as it takes it */
    *body = e->sb.data;
    *len = e->sb.size;
    return b;
}

/* The live ticket a batch item still refers to, or NULL if superseded. */
static live_t *current(pipeline_t *p, const batch_item_t *it)
{
    live_t *l = pl_find(p, it->id);
    return (l && l->inflight && l->token == it->token && l->action == it->action) ? l : NULL;
}


static void cool(pipeline_t *p, live_t *l, int q)
{
    if (p->n_cool == p->cap_cool) p->cool = xrealloc(p->cool, (p->cap_cool = p->cap_cool ? 2 * p->cap_cool : 64) * sizeof *p->cool);
    p->cool[p->n_cool].l = l;
    p->cool[p->n_cool++].q = q;
    l->queued = true; /* counted as waiting */
    if (!p->cool_due_ms) p->cool_due_ms = clock_mono_ms() + 1000;
}

/* Items of a batch still in flight (not settled by a reply, or their worker
 * died) go back to the front of their queue, in order, or to the cooldown
 * list if their worker reported a failure; then the batch is freed. */
static void requeue_unsettled(pipeline_t *p, batch_t *b)
{
    for (int i = b->n - 1; i >= 0; i--) { /* reverse, so front-insertion keeps the order */
        live_t *l = current(p, &b->it[i]);
        if (!l) continue;
        l->inflight = false;
        p->inflight--;
        if (l->cooldown) cool(p, l, b->queue);
        else enqueue(p, l, b->queue, true);
    }
    free(b);
}

static void result(void *ctx, void *batch, mdp_span_t body)
{
    pl_apply_batch(ctx, batch, body);
    requeue_unsettled(ctx, batch);
}

static void lost(void *ctx, void *batch) { requeue_unsettled(ctx, batch); }

static void warm(pipeline_t *p)
{
    if (!p->cool_due_ms || clock_mono_ms() < p->cool_due_ms) return;
    for (size_t i = 0; i < p->n_cool; i++) {
        p->cool[i].l->cooldown = false;
        enqueue(p, p->cool[i].l, p->cool[i].q, false);
    }
    p->n_cool = 0;
    p->cool_due_ms = 0;
}

router_feeder_t pipeline_feeder(pipeline_t *self)
{
    return (router_feeder_t){.feed = feed, .result = result, .lost = lost, .ctx = self};
}

void pipeline_tick(pipeline_t *self)
{
    warm(self);
    int64_t now = pipeline_now(self);
    heap_node_t *n;
    while ((n = heap_top(self->deadlines)) && n->key <= now) {
        live_t *l = (live_t *)((char *)n - offsetof(live_t, due));
        heap_remove(self->deadlines, n);
        if (l->t.overdue_at || l->t.closed_at) continue;
        if (self->virtual_clock) continue; /* the close time is drawn, not observed: the result decides (pl_apply) */
        store_begin(self->store);
        pl_overdue(self, l);
        store_ticket_save(self->store, &l->t, NULL);
    }
}

static void count_queue(pipeline_t *p, pipeline_stats_t *out)
{
    out->queued = 0;
    for (size_t i = 0; i < p->n_queues; i++) out->queued += p->queues[i].n;
}

void pipeline_unit_counts(const pipeline_t *self, uint64_t *open, uint64_t *overdue, size_t n_units)
{
    int64_t now = pipeline_now(self);
    memset(open, 0, n_units * sizeof *open);
    memset(overdue, 0, n_units * sizeof *overdue);
    for (size_t i = 0; i < self->live.nb; i++)
        for (const live_t *l = self->live.b[i]; l; l = l->hnext) {
            if (l->t.unit >= n_units || l->t.closed_at) continue;
            open[l->t.unit]++;
            overdue[l->t.unit] += l->t.close_due && l->t.close_due < now;
        }
}

uint64_t pipeline_past_due(const pipeline_t *self)
{
    int64_t now = pipeline_now(self);
    uint64_t c = 0;
    for (size_t i = 0; i < self->live.nb; i++)
        for (const live_t *l = self->live.b[i]; l; l = l->hnext) c += l->t.close_due && !l->t.closed_at && l->t.close_due < now;
    return c;
}

void pipeline_stats(const pipeline_t *self, pipeline_stats_t *out)
{
    *out = self->st;
    out->live = self->live.n;
    out->inflight = self->inflight;
    out->waiting = self->waiting;
    count_queue((pipeline_t *)self, out);
}
