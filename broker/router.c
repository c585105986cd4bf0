/* router: 7/MDP v0.1 routing on one ROUTER socket (see router.h).
 * Workers are keyed by the hex of their routing identity; each service keeps
 * a FIFO of client requests and a stack of idle workers. */
#include "router.h"
#include "clock.h"
#include "outbox.h"
#include "dict.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVENESS 3
static const char INTERNAL_ADDR[] = "\0hotline"; /* a ROUTER never assigns an id starting with 0 plus 7 bytes */
#define INTERNAL_LEN 8
#define ROUTER_MAX_SERVICES 1024
#define ROUTER_MAX_WORKERS 4096
#define ROUTER_MAX_QUEUED_BYTES (64u << 20)    /* client requests held for all services, bodies and bookkeeping */
#define REQUEST_COST(q) (zmq_msg_size(&(q)->body) + (q)->peer_len + sizeof(request_t) + 64)
/* {"status":"error","error":"service unavailable: queue full"} */
static const char QUEUE_FULL[] = "\x82\xa6status\xa5""error\xa5""error\xbf""service unavailable: queue full";

typedef struct request {
    struct request *next;
    uint8_t *peer;
    size_t peer_len;
    zmq_msg_t body;
} request_t;

typedef struct service service_t;

typedef struct worker {
    char key[2 * MDP_MAX_ADDR + 1];   /* hex identity, the dict key */
    uint8_t id[MDP_MAX_ADDR];
    size_t id_len;
    service_t *svc;
    int64_t expiry_ms;
    request_t *req;                   /* in-flight client request, owned */
    void *batch;                      /* in-flight internal batch (pipeline's) */
    bool idle;
    char proc[2 * MDP_MAX_ADDR + 1];  /* "HOST:PID" from a hotline worker's routing id, else the hex id */
    char peer_addr[48];               /* the connection's IP address ("" for ipc://) */
    char user_id[41];                 /* CURVE public key (Z85), "" without CURVE */
} worker_t;

struct service {
    char name[MDP_MAX_SERVICE + 1];
    request_t *qhead, *qtail;
    size_t qlen;
    worker_t **idle;                  /* stack of idle workers */
    size_t n_idle, cap_idle, n_workers;
    router_builtin_fn builtin;
    void *builtin_ctx;
};


struct router {
    void *sock;
    router_opts_t o;
    dict_t *workers, *services;
    service_t **svc_list;
    size_t n_svc;
    router_feeder_t feeder;
    router_access_fn access;
    void *access_ctx;
    int64_t next_hb_ms;
    outbox_t *out;            /* client replies waiting for their commit to be durable */
    router_stats_t st;
    mdp_frames_t frames;
    size_t queued_bytes;
    router_caller_t caller;   /* who sent the request a built-in is handling */
};


static service_t *service_get(router_t *r, const char *name, size_t len)
{
    char key[MDP_MAX_SERVICE + 1];
    snprintf(key, sizeof key, "%.*s", (int)len, name);
    service_t *s = dict_get(r->services, key);
    if (s) return s;
    s = xcalloc(1, sizeof *s);
    memcpy(s->name, key, strlen(key) + 1);
    dict_put(r->services, s->name, s);
    r->svc_list = xrealloc(r->svc_list, (r->n_svc + 1) * sizeof *r->svc_list);
    r->svc_list[r->n_svc++] = s;
    return s;
}

static void send_reply(void *ctx, mdp_span_t peer, const char *service, const void *body, size_t len);

router_t *router_new(void *zctx, const router_opts_t *opts, const router_curve_t *curve, char *err, size_t errlen)
{
    router_t *r = xcalloc(1, sizeof *r);
    r->out = outbox_new(send_reply, r);
    r->o = *opts;
    r->sock = zmq_socket(zctx, ZMQ_ROUTER);
    /* Sends never block: a peer that stops reading cannot stall the loop, and
     * at most 1000 replies wait for it (replies are bounded in size, so this
     * bounds the memory one silent client can pin). */
    int one = 1, linger = 1000, sndtimeo = 0, hwm = 1000;
    zmq_setsockopt(r->sock, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo);
    zmq_setsockopt(r->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(r->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (curve && curve->secret_z85) {
        zmq_setsockopt(r->sock, ZMQ_CURVE_SERVER, &one, sizeof one);
        zmq_setsockopt(r->sock, ZMQ_CURVE_SECRETKEY, curve->secret_z85, 40);
        zmq_setsockopt(r->sock, ZMQ_ZAP_DOMAIN, "hotline", 7);
    }
    zmq_setsockopt(r->sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(r->sock, ZMQ_MAXMSGSIZE, &r->o.max_msg, sizeof r->o.max_msg);
    zmq_setsockopt(r->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(r->sock, opts->bind) != 0) {
        snprintf(err, errlen, "cannot bind %s: %s", opts->bind, zmq_strerror(errno));
        zmq_close(r->sock);
        free(r);
        return NULL;
    }
    r->workers = dict_new();
    r->services = dict_new();
    r->next_hb_ms = clock_mono_ms() + r->o.heartbeat_ms;
    return r;
}

static void request_free(request_t *q)
{
    if (!q) return;
    zmq_msg_close(&q->body);
    free(q->peer);
    free(q);
}

void router_destroy(router_t **p)
{
    if (!p || !*p) return;
    router_t *r = *p;
    for (size_t i = 0; i < r->n_svc; i++) {
        service_t *s = r->svc_list[i];
        for (request_t *q = s->qhead, *n; q; q = n) { n = q->next; request_free(q); }
        free(s->idle);
        free(s);
    }
    free(r->svc_list);
    dict_destroy(&r->services);
    dict_destroy(&r->workers); /* worker structs are freed by router_disconnect_all */
    outbox_destroy(&r->out);
    zmq_close(r->sock);
    free(r);
    *p = NULL;
}

void *router_socket(router_t *self) { return self->sock; }

void router_add_builtin(router_t *self, const char *service, router_builtin_fn fn, void *ctx)
{
    service_t *s = service_get(self, service, strlen(service));
    s->builtin = fn;
    s->builtin_ctx = ctx;
}

void router_set_feeder(router_t *self, const router_feeder_t *feeder) { self->feeder = *feeder; }
router_caller_t router_caller(const router_t *self) { return self->caller; }

void router_set_access(router_t *self, router_access_fn fn, void *ctx)
{
    self->access = fn;
    self->access_ctx = ctx;
}

static void worker_delete(router_t *r, worker_t *w, bool disconnect);

/* Applies the access rules to one parsed message; false = refused (answered). */
static bool admitted(router_t *r, mdp_frames_t *f, const mdp_router_msg_t *m)
{
    if (!r->access) return true;
    char svc[MDP_MAX_SERVICE + 1] = "", why[160], key[2 * MDP_MAX_ADDR + 1];
    snprintf(svc, sizeof svc, "%.*s", (int)m->service.n, (const char *)m->service.p);
    /* The routing-id frame is made by the ROUTER itself; the peer's frames carry the metadata. */
    const char *uid = zmq_msg_gets(&f->part[f->n - 1], "User-Id");
    bool worker = m->origin == MDP_FROM_WORKER;
    if (r->access(r->access_ctx, uid, svc, worker, why, sizeof why)) return true;
    r->st.forbidden++;
    log_warn("message refused", "key=%s service=%s reason=\"%s\"", uid ? uid : "-", svc[0] ? svc : "-", why);
    if (!worker) {
        wire_enc_t e;
        wire_enc_init(&e);
        wire_map(&e, 2);
        wire_kv_str(&e, "status", "forbidden");
        wire_kv_str(&e, "error", why);
        router_reply(r, m->peer, svc, e.sb.data, e.sb.size, false);
        wire_enc_free(&e);
        return false;
    }
    worker_t *w = dict_get(r->workers, mdp_hex(m->peer, key, sizeof key));
    if (w) worker_delete(r, w, true);
    else if (m->cmd != MDP_DISCONNECT) mdp_send_to_worker(r->sock, m->peer, MDP_DISCONNECT, (mdp_span_t){0}, NULL, 0);
    return false;
}

static mdp_span_t wspan(const worker_t *w) { return (mdp_span_t){w->id, w->id_len}; }

/* Sends never block (ZMQ_SNDTIMEO 0): a peer that stops reading cannot stall
 * the broker. Returns 0 or -1 (the message was not sent). */
static int send_worker(router_t *r, worker_t *w, int cmd, mdp_span_t client, const void *body, size_t len)
{
    if (mdp_send_to_worker(r->sock, wspan(w), cmd, client, body, len) == 0) return 0;
    log_warn("send to worker failed", "worker=%s err=\"%s\"", w->key, zmq_strerror(errno));
    return -1;
}

static void idle_push(service_t *s, worker_t *w)
{
    if (s->n_idle == s->cap_idle) {
        s->cap_idle = s->cap_idle ? 2 * s->cap_idle : 8;
        s->idle = xrealloc(s->idle, s->cap_idle * sizeof *s->idle);
    }
    s->idle[s->n_idle++] = w;
    w->idle = true;
}

static void idle_remove(service_t *s, worker_t *w)
{
    for (size_t i = 0; i < s->n_idle; i++)
        if (s->idle[i] == w) { s->idle[i] = s->idle[--s->n_idle]; break; }
    w->idle = false;
}

static void queue_front(router_t *r, service_t *s, request_t *q)
{
    r->queued_bytes += REQUEST_COST(q);
    q->next = s->qhead;
    s->qhead = q;
    if (!s->qtail) s->qtail = q;
    s->qlen++;
}

/* Removes w; its in-flight work goes back to the front of the line. */
static void worker_delete(router_t *r, worker_t *w, bool disconnect)
{
    if (disconnect) send_worker(r, w, MDP_DISCONNECT, (mdp_span_t){0}, NULL, 0);
    service_t *s = w->svc;
    if (w->idle) idle_remove(s, w);
    s->n_workers--;
    if (w->req) { queue_front(r, s, w->req); r->st.requeued++; }
    if (w->batch && r->feeder.lost) { r->feeder.lost(r->feeder.ctx, w->batch); r->st.requeued++; }
    dict_del(r->workers, w->key);
    free(w);
}

/* Who a connection belongs to: a hotline worker's routing id reads
 * "hlw:HOST:PID:N" (workers/mdp_worker.c); any other MDP worker is its own
 * process, named by its hex id. */
static void describe(worker_t *w, const mdp_frames_t *f, const char *key)
{
    const char *id = (const char *)w->id;
    const char *host = w->id_len > 4 && memcmp(id, "hlw:", 4) == 0 ? id + 4 : NULL;
    const char *last = host ? memrchr(host, ':', w->id_len - 4) : NULL;
    if (last && last > host) snprintf(w->proc, sizeof w->proc, "%.*s", (int)(last - host), host);
    else snprintf(w->proc, sizeof w->proc, "%s", key);
    const char *pa = zmq_msg_gets((zmq_msg_t *)&f->part[f->n - 1], "Peer-Address");
    const char *uid = zmq_msg_gets((zmq_msg_t *)&f->part[f->n - 1], "User-Id");
    snprintf(w->peer_addr, sizeof w->peer_addr, "%s", pa ? pa : "");
    snprintf(w->user_id, sizeof w->user_id, "%s", uid ? uid : "");
}

static void worker_ready(router_t *r, const mdp_frames_t *f, const mdp_router_msg_t *m, const char *key)
{
    char name[MDP_MAX_SERVICE + 1];
    snprintf(name, sizeof name, "%.*s", (int)m->service.n, (const char *)m->service.p);
    /* Refuse before creating anything: a refused READY must leave no trace. */
    service_t *s = dict_get(r->services, name);
    const char *why = (s && s->builtin) || strncmp(name, "mmi.", 4) == 0 ? "a built-in service"
                      : dict_len(r->workers) >= ROUTER_MAX_WORKERS        ? "too many workers"
                      : !s && r->n_svc >= ROUTER_MAX_SERVICES             ? "too many services"
                                                                          : NULL;
    if (why) {
        r->st.rejected_frames++;
        if (r->st.rejected_frames % 1000 == 1) /* rate-limited: a flood must not flood the log */
            log_warn("READY refused", "worker=%s service=%s reason=\"%s\" refused_so_far=%llu", key, name, why,
                     (unsigned long long)r->st.rejected_frames);
        mdp_send_to_worker(r->sock, m->peer, MDP_DISCONNECT, (mdp_span_t){0}, NULL, 0);
        return;
    }
    if (!s) s = service_get(r, name, strlen(name));
    worker_t *w = xcalloc(1, sizeof *w);
    snprintf(w->key, sizeof w->key, "%s", key);
    memcpy(w->id, m->peer.p, m->peer.n);
    w->id_len = m->peer.n;
    describe(w, f, key);
    w->svc = s;
    w->expiry_ms = clock_mono_ms() + (int64_t)LIVENESS * r->o.heartbeat_ms;
    dict_put(r->workers, w->key, w);
    s->n_workers++;
    idle_push(s, w);
    log_info("worker ready", "worker=%s service=%s", key, name);
}

static void forward_reply(router_t *r, worker_t *w, const mdp_router_msg_t *m)
{
    request_t *q = w->req;
    if (!q || m->client.n != q->peer_len || memcmp(m->client.p, q->peer, q->peer_len) != 0) {
        log_warn("reply for a request this worker does not hold", "worker=%s", w->key);
        r->st.rejected_frames++;
        return;
    }
    mdp_send_to_client(r->sock, (mdp_span_t){q->peer, q->peer_len}, w->svc->name, strlen(w->svc->name),
                       m->body.p, m->body.n);
    request_free(q);
    w->req = NULL;
    idle_push(w->svc, w);
}

static void worker_reply(router_t *r, worker_t *w, const mdp_router_msg_t *m)
{
    bool internal = m->client.n == INTERNAL_LEN && memcmp(m->client.p, INTERNAL_ADDR, INTERNAL_LEN) == 0;
    if (!internal) { forward_reply(r, w, m); return; }
    if (!w->batch) {
        log_warn("internal reply from a worker holding no batch", "worker=%s", w->key);
        r->st.rejected_frames++;
        return;
    }
    void *b = w->batch;
    w->batch = NULL;
    idle_push(w->svc, w);
    r->feeder.result(r->feeder.ctx, b, m->body);
}

static void from_worker(router_t *r, const mdp_frames_t *f, const mdp_router_msg_t *m)
{
    char key[2 * MDP_MAX_ADDR + 1];
    mdp_hex(m->peer, key, sizeof key);
    worker_t *w = dict_get(r->workers, key);
    if (m->cmd == MDP_READY) {
        if (w) { log_warn("second READY from a worker", "worker=%s", key); worker_delete(r, w, true); return; }
        worker_ready(r, f, m, key);
        return;
    }
    if (!w) {
        /* 7/MDP: a command from a peer that never said READY gets DISCONNECT. */
        if (m->cmd != MDP_DISCONNECT) {
            log_info("command from an unknown worker", "peer=%s cmd=%d", key, m->cmd);
            r->st.unknown_peers++;
            mdp_send_to_worker(r->sock, m->peer, MDP_DISCONNECT, (mdp_span_t){0}, NULL, 0);
        }
        return;
    }
    w->expiry_ms = clock_mono_ms() + (int64_t)LIVENESS * r->o.heartbeat_ms;
    if (m->cmd == MDP_REPLY) worker_reply(r, w, m);
    else if (m->cmd == MDP_DISCONNECT) worker_delete(r, w, false);
}

static void from_client(router_t *r, mdp_frames_t *f, const mdp_router_msg_t *m)
{
    char name[MDP_MAX_SERVICE + 1];
    snprintf(name, sizeof name, "%.*s", (int)m->service.n, (const char *)m->service.p);
    service_t *s = dict_get(r->services, name);
    if (!s && strncmp(name, "mmi.", 4) == 0) { /* 8/MMI: unknown mmi.* → 501 */
        router_reply(r, m->peer, name, "501", 3, false);
        return;
    }
    if (!s && r->n_svc >= ROUTER_MAX_SERVICES) {
        log_warn("too many services; request refused", "service=%s", name);
        router_reply(r, m->peer, name, QUEUE_FULL, sizeof QUEUE_FULL - 1, false);
        return;
    }
    if (!s) s = service_get(r, name, m->service.n);
    if (s->builtin) {
        const zmq_msg_t *last = &f->part[f->n - 1];
        r->caller.user_id = zmq_msg_gets((zmq_msg_t *)last, "User-Id");
        r->caller.peer_addr = zmq_msg_gets((zmq_msg_t *)last, "Peer-Address");
        s->builtin(s->builtin_ctx, m->peer, m->body);
        r->caller = (router_caller_t){0};
        return;
    }
    if (s->qlen >= r->o.max_queue || r->queued_bytes + m->body.n + m->peer.n + sizeof(request_t) + 64 > ROUTER_MAX_QUEUED_BYTES) {
        log_warn("service queue full", "service=%s queued=%zu", name, s->qlen);
        router_reply(r, m->peer, name, QUEUE_FULL, sizeof QUEUE_FULL - 1, false);
        return;
    }
    request_t *q = xcalloc(1, sizeof *q);
    q->peer = xmalloc(m->peer.n);
    memcpy(q->peer, m->peer.p, m->peer.n);
    q->peer_len = m->peer.n;
    zmq_msg_init(&q->body);
    zmq_msg_move(&q->body, &f->part[4]); /* body frame, no copy */
    r->queued_bytes += REQUEST_COST(q);
    if (s->qtail) s->qtail->next = q;
    else s->qhead = q;
    s->qtail = q;
    s->qlen++;
}

int router_drain(router_t *self, int max)
{
    int n = 0;
    char err[128];
    int64_t until = clock_mono_ms() + 50; /* a time budget too: heartbeats and commits keep their pace */
    while (n < max && (n % 64 || clock_mono_ms() < until) && mdp_recv(self->sock, &self->frames, ZMQ_DONTWAIT) == 0) {
        n++;
        mdp_router_msg_t m;
        if (mdp_parse_router(&self->frames, &m, err, sizeof err) != 0) {
            char hex[64];
            log_info("malformed MDP message dropped", "peer=%s reason=\"%s\"",
                     self->frames.n ? mdp_hex(m.peer, hex, sizeof hex) : "-", err);
            self->st.rejected_frames++;
        } else if (!admitted(self, &self->frames, &m)) {
            /* refused and answered */
        } else if (m.origin == MDP_FROM_WORKER) {
            from_worker(self, &self->frames, &m);
        } else {
            from_client(self, &self->frames, &m);
        }
        mdp_frames_close(&self->frames);
    }
    return n;
}

long router_timeout_ms(router_t *self)
{
    int64_t d = self->next_hb_ms - clock_mono_ms();
    return d < 0 ? 0 : (long)d;
}

static void expire_one(void *ctx, const char *key, void *val)
{
    (void)key;
    worker_t **victim = ctx;
    worker_t *w = val;
    if (!*victim && w->expiry_ms < clock_mono_ms()) *victim = w;
}

static void hb_one(void *ctx, const char *key, void *val)
{
    (void)key;
    router_t *r = ctx;
    send_worker(r, val, MDP_HEARTBEAT, (mdp_span_t){0}, NULL, 0);
}

void router_heartbeat(router_t *self)
{
    for (;;) { /* dict_foreach must not see deletions, so find then delete */
        worker_t *victim = NULL;
        dict_foreach(self->workers, expire_one, &victim);
        if (!victim) break;
        log_warn("worker expired", "worker=%s service=%s", victim->key, victim->svc->name);
        self->st.workers_expired++;
        worker_delete(self, victim, true);
    }
    if (clock_mono_ms() < self->next_hb_ms) return;
    dict_foreach(self->workers, hb_one, self);
    self->next_hb_ms = clock_mono_ms() + self->o.heartbeat_ms;
}

static bool feed_one(router_t *r, service_t *s)
{
    worker_t *w = s->idle[s->n_idle - 1];
    if (s->qhead) {
        request_t *q = s->qhead;
        s->qhead = q->next;
        if (!s->qhead) s->qtail = NULL;
        s->qlen--;
        r->queued_bytes -= REQUEST_COST(q);
        q->next = NULL;
        idle_remove(s, w);
        w->req = q;
        if (send_worker(r, w, MDP_REQUEST, (mdp_span_t){q->peer, q->peer_len}, zmq_msg_data(&q->body), zmq_msg_size(&q->body)))
            worker_delete(r, w, false); /* not reading: its request goes back to the queue */
        return true;
    }
    if (!r->feeder.feed) return false;
    const void *body;
    size_t len;
    void *b = r->feeder.feed(r->feeder.ctx, s->name, &body, &len);
    if (!b) return false;
    idle_remove(s, w);
    w->batch = b;
    if (send_worker(r, w, MDP_REQUEST, (mdp_span_t){(const unsigned char *)INTERNAL_ADDR, INTERNAL_LEN}, body, len))
        worker_delete(r, w, false);
    return true;
}

void router_feed(router_t *self)
{
    for (size_t i = 0; i < self->n_svc; i++) {
        service_t *s = self->svc_list[i];
        while (s->n_idle > 0 && feed_one(self, s)) {}
    }
}

static void send_reply(void *ctx, mdp_span_t peer, const char *service, const void *body, size_t len)
{
    router_t *self = ctx;
    if (mdp_send_to_client(self->sock, peer, service, strlen(service), body, len))
        log_warn("reply not delivered (client gone, or not reading its replies)", "service=%s err=\"%s\"", service, zmq_strerror(errno));
}

void router_reply(router_t *self, mdp_span_t peer, const char *service, const void *body, size_t len, bool writes)
{
    outbox_push(self->out, peer, service, body, len, writes);
}

void router_seal(router_t *self, uint64_t epoch, bool committed) { outbox_seal(self->out, epoch, committed); }
size_t router_release(router_t *self, uint64_t durable) { return outbox_release(self->out, durable); }

static void collect(void *ctx, const char *key, void *val)
{
    (void)key;
    worker_t ***list = ctx;
    **list = val;
    (*list)++;
}

void router_disconnect_all(router_t *self)
{
    size_t n = dict_len(self->workers);
    worker_t **all = xcalloc(n + 1, sizeof *all), **cur = all;
    dict_foreach(self->workers, collect, &cur);
    for (size_t i = 0; i < n; i++) worker_delete(self, all[i], true);
    free(all);
}

void router_stats(const router_t *self, router_stats_t *out)
{
    *out = self->st;
    out->workers = dict_len(self->workers);
    out->services = self->n_svc;
}

bool router_has_service(const router_t *self, const char *service)
{
    service_t *s = dict_get(self->services, service);
    return s && (s->builtin || s->n_workers > 0);
}

void router_foreach_service(const router_t *self, router_service_fn fn, void *ctx)
{
    for (size_t i = 0; i < self->n_svc; i++) {
        const service_t *s = self->svc_list[i];
        fn(ctx, s->name, s->n_workers, s->n_idle, s->qlen, s->builtin != NULL);
    }
}

typedef struct {
    router_worker_fn fn;
    void *ctx;
    int64_t live_ms, now;
} each_worker_t;

static void each_worker(void *ctx, const char *key, void *val)
{
    each_worker_t *e = ctx;
    const worker_t *w = val;
    router_worker_info_t info = {w->svc->name, key, w->proc, w->peer_addr, w->user_id,
                                 e->now - (w->expiry_ms - e->live_ms), !w->idle};
    e->fn(e->ctx, &info);
}

void router_foreach_worker(const router_t *self, router_worker_fn fn, void *ctx)
{
    each_worker_t e = {fn, ctx, (int64_t)LIVENESS * self->o.heartbeat_ms, clock_mono_ms()};
    dict_foreach(self->workers, each_worker, &e);
}
