/* status: broker.status over the wire, and the Prometheus metrics text. */
#include "status.h"
#include "lifecycle.h"
#include "store.h"
#include "units.h"
#include "wire.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 61                  /* one slot per second: the last minute plus now */
static const double BATCH_BOUNDS[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
static const double LAT_BOUNDS[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1};
#define NB (sizeof BATCH_BOUNDS / sizeof *BATCH_BOUNDS)
#define NL (sizeof LAT_BOUNDS / sizeof *LAT_BOUNDS)

typedef struct {
    uint64_t n, bucket[16];
    double sum;
} hist_t;

struct status {
    router_t *router;
    auth_t *auth;             /* NULL without CURVE: names worker keys */
    act_t *act;               /* people's actions: counts for the metrics */
    store_t *store;
    pipeline_t *pipeline;
    intake_t *intake;
    wire_enc_t enc;
    uint64_t acked[RING], closed[RING];   /* cumulative counts at each second */
    int64_t ring_sec;
    hist_t batch, latency;
    uint64_t commit_failures;
};

status_t *status_new(router_t *router, auth_t *auth, act_t *act, store_t *store, pipeline_t *pipeline, intake_t *intake)
{
    status_t *s = xcalloc(1, sizeof *s);
    s->router = router;
    s->auth = auth;
    s->act = act;
    s->store = store;
    s->pipeline = pipeline;
    s->intake = intake;
    wire_enc_init(&s->enc);
    return s;
}

void status_destroy(status_t **p)
{
    if (!p || !*p) return;
    wire_enc_free(&(*p)->enc);
    free(*p);
    *p = NULL;
}

static void observe(hist_t *h, const double *bounds, size_t nb, double v)
{
    h->n++;
    h->sum += v;
    for (size_t i = 0; i < nb; i++)
        if (v <= bounds[i]) h->bucket[i]++;
}

static uint64_t acked_now(const status_t *s)
{
    intake_stats_t is;
    intake_stats(s->intake, &is);
    return is.accepted;
}

static uint64_t closed_now(const status_t *s)
{
    pipeline_stats_t ps;
    pipeline_stats(s->pipeline, &ps);
    return ps.closed;
}

void status_after_commit(status_t *self, bool committed)
{
    if (!committed) self->commit_failures++;
    else if (store_last_commit_writes(self->store) > 0) {
        observe(&self->batch, BATCH_BOUNDS, NB, (double)store_last_commit_writes(self->store));
        observe(&self->latency, LAT_BOUNDS, NL, (double)store_last_commit_us(self->store) / 1e6);
    }
    int64_t sec = (int64_t)time(NULL);
    if (self->ring_sec == 0) {
        for (int i = 0; i < RING; i++) { self->acked[i] = acked_now(self); self->closed[i] = closed_now(self); }
        self->ring_sec = sec;
    }
    while (self->ring_sec < sec) { /* fill every second that passed */
        self->ring_sec++;
        self->acked[self->ring_sec % RING] = acked_now(self);
        self->closed[self->ring_sec % RING] = closed_now(self);
    }
    self->acked[sec % RING] = acked_now(self);
    self->closed[sec % RING] = closed_now(self);
}

void status_rates(const status_t *self, double *acked, double *closed)
{
    int64_t now = self->ring_sec, then = now - (RING - 1);
    *acked = (double)(self->acked[now % RING] - self->acked[then % RING]) / (RING - 1);
    *closed = (double)(self->closed[now % RING] - self->closed[then % RING]) / (RING - 1);
}

/* --- broker.status --- */

typedef struct {
    wire_enc_t *e;
    uint32_t n;
} list_t;

static void count_service(void *ctx, const char *name, size_t w, size_t idle, size_t q, bool builtin)
{
    (void)name; (void)w; (void)idle; (void)q; (void)builtin;
    ((list_t *)ctx)->n++;
}

static void put_service(void *ctx, const char *name, size_t w, size_t idle, size_t q, bool builtin)
{
    wire_enc_t *e = ((list_t *)ctx)->e;
    wire_map(e, 5);
    wire_kv_str(e, "name", name);
    wire_kv_int(e, "workers", (int64_t)w);
    wire_kv_int(e, "busy", (int64_t)(w - idle));
    wire_kv_int(e, "queued", (int64_t)q);
    wire_kv_bool(e, "builtin", builtin);
}

/* Worker connections grouped by process ("HOST:PID"): an operator thinks in
 * processes, not in the one connection each of them holds per service. */
typedef struct {
    const char *proc, *addr, *user_id;
    const char **services;
    size_t n_services, busy;
    int64_t last_seen_ms;     /* the most recent heartbeat of any of its connections */
} proc_t;

typedef struct {
    proc_t *p;
    size_t n, cap;
} procs_t;

static void collect_worker(void *ctx, const router_worker_info_t *w)
{
    procs_t *ps = ctx;
    proc_t *p = NULL;
    for (size_t i = 0; i < ps->n && !p; i++)
        if (strcmp(ps->p[i].proc, w->proc) == 0) p = &ps->p[i];
    if (!p) {
        if (ps->n == ps->cap) ps->p = xrealloc(ps->p, (ps->cap = ps->cap ? 2 * ps->cap : 16) * sizeof *ps->p);
        p = &ps->p[ps->n++];
        *p = (proc_t){.proc = w->proc, .addr = w->peer_addr, .user_id = w->user_id, .last_seen_ms = w->last_seen_ms_ago};
    }
    p->services = xrealloc(p->services, (p->n_services + 1) * sizeof *p->services);
    p->services[p->n_services++] = w->service;
    p->busy += w->busy;
    if (w->last_seen_ms_ago < p->last_seen_ms) p->last_seen_ms = w->last_seen_ms_ago;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void put_process(status_t *s, wire_enc_t *e, proc_t *p)
{
    const char *colon = strrchr(p->proc, ':');
    auth_who_t who = auth_who(s->auth, p->user_id[0] ? p->user_id : NULL);
    qsort(p->services, p->n_services, sizeof *p->services, cmp_str);
    wire_map(e, 7);
    wire_kv_str(e, "name", who.name[0] ? who.name : p->proc);
    wire_str(e, "host");
    if (colon) wire_strn(e, p->proc, (size_t)(colon - p->proc));
    else wire_str(e, "");
    wire_kv_int(e, "pid", colon ? atoll(colon + 1) : 0);
    wire_kv_str(e, "address", p->addr);
    wire_kv_int(e, "last_seen_ms", p->last_seen_ms);
    wire_kv_int(e, "busy", (int64_t)p->busy);
    wire_str(e, "services");
    wire_array(e, (uint32_t)p->n_services);
    for (size_t i = 0; i < p->n_services; i++) wire_str(e, p->services[i]);
}

static void put_workers(status_t *s, wire_enc_t *e)
{
    procs_t ps = {0};
    router_foreach_worker(s->router, collect_worker, &ps);
    size_t conns = 0;
    for (size_t i = 0; i < ps.n; i++) conns += ps.p[i].n_services;
    wire_kv_int(e, "worker_connections", (int64_t)conns);
    wire_str(e, "workers");
    wire_array(e, (uint32_t)ps.n);
    for (size_t i = 0; i < ps.n; i++) {
        put_process(s, e, &ps.p[i]);
        free(ps.p[i].services);
    }
    free(ps.p);
}

static void put_pipeline(status_t *s, wire_enc_t *e)
{
    pipeline_stats_t ps;
    pipeline_stats(s->pipeline, &ps);
    wire_str(e, "tickets");
    wire_map(e, 8);
    wire_kv_int(e, "live", (int64_t)ps.live);
    wire_kv_int(e, "waiting", (int64_t)ps.waiting);
    wire_kv_int(e, "queued", (int64_t)ps.queued);
    wire_kv_int(e, "inflight", (int64_t)ps.inflight);
    wire_kv_int(e, "overdue_total", ps.totals[RU_OVERDUE]);
    wire_kv_int(e, "past_due_open", (int64_t)pipeline_past_due(s->pipeline));
    wire_kv_int(e, "parked", (int64_t)ps.bad_results);
    wire_str(e, "by_state");
    wire_map(e, ST__COUNT);
    for (int i = 0; i < ST__COUNT; i++) wire_kv_int(e, lc_state_name((lc_state_t)i), (int64_t)ps.by_state[i]);
}

static void put_store(status_t *s, wire_enc_t *e)
{
    int64_t wal, size = store_file_bytes(s->store, &wal);
    wire_str(e, "store");
    wire_map(e, 9);
    wire_kv_int(e, "bytes", size);
    wire_kv_int(e, "wal_bytes", wal);
    wire_kv_int(e, "commits", (int64_t)store_commits(s->store));
    wire_kv_int(e, "last_commit_us", store_last_commit_us(s->store));
    wire_kv_int(e, "mean_commit_us", s->latency.n ? (int64_t)(s->latency.sum / (double)s->latency.n * 1e6) : 0);
    /* the fsync thread: commits not yet on disk hold their replies back */
    wire_kv_int(e, "syncs", (int64_t)store_syncs(s->store));
    wire_kv_int(e, "last_sync_us", store_last_sync_us(s->store));
    wire_kv_int(e, "commits_not_durable", (int64_t)(store_commits(s->store) - store_durable(s->store)));
    wire_kv_int(e, "last_checkpoint_us", store_last_checkpoint_us(s->store));
}

static void status_service(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    status_t *s = ctx;
    (void)body;
    wire_enc_t *e = &s->enc;
    wire_enc_reset(e);
    double ra, rc;
    status_rates(s, &ra, &rc);
    wire_map(e, 9);
    wire_kv_str(e, "status", "ok");
    wire_kv_int(e, "clock", pipeline_now(s->pipeline));
    wire_str(e, "rates");
    wire_map(e, 2);
    wire_str(e, "acked_per_s");
    msgpack_pack_double(&e->pk, ra);
    wire_str(e, "closed_per_s");
    msgpack_pack_double(&e->pk, rc);
    list_t l = {e, 0};
    router_foreach_service(s->router, count_service, &l);
    wire_str(e, "services");
    wire_array(e, l.n);
    router_foreach_service(s->router, put_service, &l);
    put_workers(s, e);
    put_pipeline(s, e);
    put_store(s, e);
    intake_stats_t is;
    intake_stats(s->intake, &is);
    wire_str(e, "intake");
    wire_map(e, 4);
    wire_kv_int(e, "accepted", (int64_t)is.accepted);
    wire_kv_int(e, "duplicate", (int64_t)is.duplicate);
    wire_kv_int(e, "rejected", (int64_t)is.rejected);
    wire_kv_int(e, "retry", (int64_t)is.retry);
    router_reply(s->router, peer, "broker.status", e->sb.data, e->sb.size, false);
}

void status_register(status_t *self) { router_add_builtin(self->router, "broker.status", status_service, self); }

/* --- Prometheus text exposition --- */

static void metric(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void histogram(FILE *out, const char *name, const char *help, const hist_t *h, const double *b, size_t nb)
{
    metric(out, name, "histogram", help);
    for (size_t i = 0; i < nb; i++) fprintf(out, "%s_bucket{le=\"%g\"} %llu\n", name, b[i], (unsigned long long)h->bucket[i]);
    fprintf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %g\n%s_count %llu\n", name, (unsigned long long)h->n, name, h->sum,
            name, (unsigned long long)h->n);
}

typedef struct {
    FILE *out;
    int pass;
} svc_out_t;

static void svc_metric(void *ctx, const char *name, size_t w, size_t idle, size_t q, bool builtin)
{
    svc_out_t *o = ctx;
    (void)idle;
    if (builtin) return;
    if (o->pass == 0) fprintf(o->out, "hotline_queue_depth{service=\"%s\"} %zu\n", name, q);
    else fprintf(o->out, "hotline_workers{service=\"%s\"} %zu\n", name, w);
}

static void write_tickets(status_t *s, FILE *out, const pipeline_stats_t *ps)
{
    metric(out, "hotline_tickets", "gauge", "Tickets in the store by lifecycle state.");
    for (int i = 0; i < ST__COUNT; i++)
        fprintf(out, "hotline_tickets{state=\"%s\"} %llu\n", lc_state_name((lc_state_t)i), (unsigned long long)ps->by_state[i]);
    static const struct { int col; const char *name, *help; } C[] = {
        {RU_RECEIVED, "hotline_tickets_received_total", "Tickets received and classified (report figure received)."},
        {RU_CLOSED, "hotline_tickets_closed_total", "First closes, direct answers included (report figure closed)."},
        {RU_ON_TIME, "hotline_tickets_closed_on_time_total", "First closes on or before the deadline."},
        {RU_DIRECT, "hotline_tickets_direct_answered_total", "Consultations answered from the knowledge base."},
        {RU_OVERDUE, "hotline_tickets_overdue_total", "Deadlines missed (each with a 督办 event)."},
        {RU_RATED, "hotline_ratings_total", "Follow-up ratings recorded."},
        {RU_BAD, "hotline_bad_ratings_total", "差评: ratings of 1 or 2."},
        {RU_BAD_RECTIFIED, "hotline_bad_rectified_total", "差评 rectified and visited again."},
    };
    for (size_t i = 0; i < sizeof C / sizeof *C; i++) {
        metric(out, C[i].name, "counter", C[i].help);
        fprintf(out, "%s %lld\n", C[i].name, (long long)ps->totals[C[i].col]);
    }
    (void)s;
}

/* Per unit: open and overdue tickets now, for dashboards and alerts. */
static void write_units(status_t *s, FILE *out)
{
    size_t n;
    const char *const *units = units_all(&n);
    uint64_t *open = xcalloc(n, sizeof *open), *overdue = xcalloc(n, sizeof *overdue);
    pipeline_unit_counts(s->pipeline, open, overdue, n);
    metric(out, "hotline_unit_open_tickets", "gauge", "Tickets dispatched to the unit and not yet closed.");
    for (size_t i = 0; i < n; i++) fprintf(out, "hotline_unit_open_tickets{unit=\"%s\"} %llu\n", units[i], (unsigned long long)open[i]);
    metric(out, "hotline_unit_overdue_tickets", "gauge", "Open tickets of the unit past their close deadline.");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "hotline_unit_overdue_tickets{unit=\"%s\"} %llu\n", units[i], (unsigned long long)overdue[i]);
    free(open);
    free(overdue);
}

static void write_actions(status_t *s, FILE *out, const pipeline_stats_t *ps)
{
    act_stats_t as;
    act_stats(s->act, &as);
    metric(out, "hotline_actions_total", "counter", "People's actions (ticket.act), by outcome.");
    fprintf(out, "hotline_actions_total{outcome=\"done\"} %llu\n", (unsigned long long)as.done);
    fprintf(out, "hotline_actions_total{outcome=\"refused_rights\"} %llu\n", (unsigned long long)as.refused_rights);
    fprintf(out, "hotline_actions_total{outcome=\"refused_state\"} %llu\n", (unsigned long long)as.refused_state);
    fprintf(out, "hotline_actions_total{outcome=\"refused_request\"} %llu\n", (unsigned long long)as.refused_request);
    metric(out, "hotline_tickets_waiting_for_people", "gauge", "Tickets whose stage waits for a person (--manual).");
    fprintf(out, "hotline_tickets_waiting_for_people %llu\n", (unsigned long long)ps->waiting);
}

void status_write_metrics(status_t *self, FILE *out)
{
    pipeline_stats_t ps;
    pipeline_stats(self->pipeline, &ps);
    write_tickets(self, out, &ps);
    write_units(self, out);
    write_actions(self, out, &ps);
    svc_out_t so = {out, 0};
    metric(out, "hotline_queue_depth", "gauge", "Requests waiting for a worker, per service.");
    router_foreach_service(self->router, svc_metric, &so);
    fprintf(out, "hotline_queue_depth{service=\"_stages\"} %llu\n", (unsigned long long)ps.queued);
    metric(out, "hotline_inflight", "gauge", "Ticket stages held by workers.");
    fprintf(out, "hotline_inflight %llu\n", (unsigned long long)ps.inflight);
    so.pass = 1;
    metric(out, "hotline_workers", "gauge", "Connected workers, per service.");
    router_foreach_service(self->router, svc_metric, &so);
    histogram(out, "hotline_commit_batch_writes", "Statements written per group commit.", &self->batch, BATCH_BOUNDS, NB);
    histogram(out, "hotline_commit_seconds", "Group commit latency.", &self->latency, LAT_BOUNDS, NL);
    metric(out, "hotline_wal_syncs_total", "counter", "fdatasync calls on the WAL (replies wait for them).");
    fprintf(out, "hotline_wal_syncs_total %llu\n", (unsigned long long)store_syncs(self->store));
    metric(out, "hotline_wal_sync_last_seconds", "gauge", "Duration of the last WAL fdatasync.");
    fprintf(out, "hotline_wal_sync_last_seconds %.6f\n", (double)store_last_sync_us(self->store) / 1e6);
    metric(out, "hotline_commit_failures_total", "counter", "Commits that failed (disk full, write error).");
    fprintf(out, "hotline_commit_failures_total %llu\n", (unsigned long long)self->commit_failures);
    intake_stats_t is;
    intake_stats(self->intake, &is);
    router_stats_t rs;
    router_stats(self->router, &rs);
    metric(out, "hotline_rejected_messages_total", "counter", "Messages refused, by reason.");
    fprintf(out, "hotline_rejected_messages_total{reason=\"invalid_ticket\"} %llu\n", (unsigned long long)is.rejected);
    fprintf(out, "hotline_rejected_messages_total{reason=\"malformed_frames\"} %llu\n", (unsigned long long)rs.rejected_frames);
    fprintf(out, "hotline_rejected_messages_total{reason=\"unknown_peer\"} %llu\n", (unsigned long long)rs.unknown_peers);
    fprintf(out, "hotline_rejected_messages_total{reason=\"forbidden\"} %llu\n", (unsigned long long)rs.forbidden);
    fprintf(out, "hotline_rejected_messages_total{reason=\"bad_stage_result\"} %llu\n", (unsigned long long)ps.bad_results);
    fprintf(out, "hotline_rejected_messages_total{reason=\"stale_stage_result\"} %llu\n", (unsigned long long)ps.stale_results);
    metric(out, "hotline_submissions_total", "counter", "ticket.submit outcomes since start.");
    fprintf(out, "hotline_submissions_total{status=\"accepted\"} %llu\n", (unsigned long long)is.accepted);
    fprintf(out, "hotline_submissions_total{status=\"duplicate\"} %llu\n", (unsigned long long)is.duplicate);
    fprintf(out, "hotline_submissions_total{status=\"retry\"} %llu\n", (unsigned long long)is.retry);
}
