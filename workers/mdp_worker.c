/* mdp_worker: the worker side of 7/MDP v0.1 for one service. */
#include "mdp_worker.h"
#include "log.h"
#include "xmalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVENESS 3
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct mdp_worker {
    void *zctx, *sock;
    mdp_worker_opts_t o;
    char *service;
    int liveness;
    int backoff_ms;
    int64_t next_hb_ms;         /* when we send our next heartbeat */
    int64_t reconnect_at_ms;    /* >0 while waiting to reconnect */
    uint64_t requests;
    mdp_frames_t frames;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void connect_broker(mdp_worker_t *w)
{
    w->sock = zmq_socket(w->zctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(w->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (w->o.curve_server) {
        zmq_setsockopt(w->sock, ZMQ_CURVE_SERVERKEY, w->o.curve_server, 40);
        zmq_setsockopt(w->sock, ZMQ_CURVE_PUBLICKEY, w->o.curve_public, 40);
        zmq_setsockopt(w->sock, ZMQ_CURVE_SECRETKEY, w->o.curve_secret, 40);
    }
    if (zmq_connect(w->sock, w->o.endpoint) != 0)
        log_error("cannot connect", "endpoint=%s err=\"%s\"", w->o.endpoint, zmq_strerror(errno));
    mdp_worker_send(w->sock, MDP_READY, w->service, strlen(w->service), NULL, 0);
    w->liveness = LIVENESS;
    w->next_hb_ms = now_ms() + w->o.heartbeat_ms;
    w->reconnect_at_ms = 0;
    log_info("worker connected", "service=%s endpoint=%s", w->service, w->o.endpoint);
}

mdp_worker_t *mdp_worker_new(void *zctx, const mdp_worker_opts_t *opts)
{
    mdp_worker_t *w = xcalloc(1, sizeof *w);
    w->zctx = zctx;
    w->o = *opts;
    w->service = xstrdup(opts->service);
    w->backoff_ms = BACKOFF_MIN_MS;
    connect_broker(w);
    return w;
}

void mdp_worker_destroy(mdp_worker_t **p)
{
    if (!p || !*p) return;
    if ((*p)->sock) zmq_close((*p)->sock);
    free((*p)->service);
    free(*p);
    *p = NULL;
}

void *mdp_worker_socket(mdp_worker_t *self) { return self->sock; }
const char *mdp_worker_service(const mdp_worker_t *self) { return self->service; }
uint64_t mdp_worker_requests(const mdp_worker_t *self) { return self->requests; }

/* Drops the connection; connect again after the back-off (doubling to 5 s). */
static void schedule_reconnect(mdp_worker_t *w, const char *why)
{
    log_warn("broker connection lost; reconnecting", "service=%s why=\"%s\" backoff_ms=%d", w->service, why, w->backoff_ms);
    zmq_close(w->sock);
    w->sock = NULL;
    w->reconnect_at_ms = now_ms() + w->backoff_ms;
    w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w->backoff_ms * 2;
}

static void handle(mdp_worker_t *w)
{
    mdp_worker_msg_t m;
    char err[128];
    if (mdp_parse_worker(&w->frames, &m, err, sizeof err) != 0) {
        log_warn("malformed message from broker dropped", "service=%s err=\"%s\"", w->service, err);
        return;
    }
    w->liveness = LIVENESS;
    w->backoff_ms = BACKOFF_MIN_MS;
    if (m.cmd == MDP_REQUEST) {
        w->requests++;
        w->o.fn(w->o.ctx, w, m.client, m.body);
    } else if (m.cmd == MDP_DISCONNECT) {
        schedule_reconnect(w, "broker said DISCONNECT");
        w->reconnect_at_ms = now_ms(); /* at once: the broker is alive */
    }
}

void mdp_worker_on_readable(mdp_worker_t *self)
{
    while (self->sock && mdp_recv(self->sock, &self->frames, ZMQ_DONTWAIT) == 0) {
        handle(self);
        mdp_frames_close(&self->frames);
    }
}

long mdp_worker_tick(mdp_worker_t *self)
{
    int64_t now = now_ms();
    if (!self->sock) {
        if (now >= self->reconnect_at_ms) connect_broker(self);
        else return (long)(self->reconnect_at_ms - now);
    }
    if (now >= self->next_hb_ms) {
        if (--self->liveness <= 0) {
            schedule_reconnect(self, "no heartbeat from broker");
            return self->backoff_ms;
        }
        mdp_worker_send(self->sock, MDP_HEARTBEAT, NULL, 0, NULL, 0);
        self->next_hb_ms = now + self->o.heartbeat_ms;
    }
    return (long)(self->next_hb_ms - now);
}

int mdp_worker_reply(mdp_worker_t *self, mdp_span_t client, const void *body, size_t len)
{
    if (!self->sock) return -1;
    return mdp_worker_send(self->sock, MDP_REPLY, (const char *)client.p, client.n, body, len);
}

void mdp_worker_disconnect(mdp_worker_t *self)
{
    if (self->sock) mdp_worker_send(self->sock, MDP_DISCONNECT, NULL, 0, NULL, 0);
}
