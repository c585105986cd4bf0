/* mdp_worker: the worker side of 7/MDP v0.1 for one service. */
#include "mdp_worker.h"
#include "clock.h"
#include "log.h"
#include "xmalloc.h"
#include "zmon.h"
#include <unistd.h>
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
    uint64_t refusals;          /* handshakes the broker refused */
    zmon_t *mon;
    mdp_frames_t frames;
    unsigned next_ep;           /* several endpoints: the one the next connection tries */
};

#define REFUSAL_LOG_MS 30000    /* a refused key is logged at most this often per process */

/* "hlw:HOST:PID:N": unique per connection (a ROUTER refuses a second peer
 * with a live id), and readable in the broker's status. */
static void set_identity(void *sock)
{
    static unsigned n;
    char host[64] = "?", id[128];
    gethostname(host, sizeof host - 1);
    host[strcspn(host, ":")] = '\0';
    int len = snprintf(id, sizeof id, "hlw:%s:%ld:%u", host, (long)getpid(), ++n);
    zmq_setsockopt(sock, ZMQ_ROUTING_ID, id, (size_t)len);
}


/* The i-th endpoint of a comma-separated list, counting round (a copy). */
static char *nth_endpoint(const char *list, unsigned i)
{
    unsigned n = 1;
    for (const char *p = list; *p; p++) n += *p == ',';
    const char *p = list;
    for (unsigned k = i % n; k > 0; k--) p = strchr(p, ',') + 1;
    return xstrndup(p, strcspn(p, ","));
}

static void connect_broker(mdp_worker_t *w)
{
    w->sock = zmq_socket(w->zctx, ZMQ_DEALER);
    /* No send may block: a refused handshake leaves no pipe to queue on, and
     * a blocked send would make the worker deaf to SIGTERM. libzmq's own
     * reconnects back off to 5 s, so a refused worker cannot hammer the broker. */
    int linger = 0, sndtimeo = 0, ivl_max = BACKOFF_MAX_MS;
    zmq_setsockopt(w->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(w->sock, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo);
    zmq_setsockopt(w->sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    set_identity(w->sock);
    if (w->o.curve_server) {
        zmq_setsockopt(w->sock, ZMQ_CURVE_SERVERKEY, w->o.curve_server, 40);
        zmq_setsockopt(w->sock, ZMQ_CURVE_PUBLICKEY, w->o.curve_public, 40);
        zmq_setsockopt(w->sock, ZMQ_CURVE_SECRETKEY, w->o.curve_secret, 40);
    }
    if (w->o.curve_server) w->mon = zmon_new(w->zctx, w->sock);
    /* Several endpoints (an active broker and standbys): one at a time, the
     * next one after each lost connection. A standby does not bind, so it
     * never answers, and the worker moves on to the active one; a socket
     * connected to all of them would spread its replies over a frozen broker
     * too. */
    char *ep = nth_endpoint(w->o.endpoint, w->next_ep++); /* validated by the caller */
    if (zmq_connect(w->sock, ep) != 0) log_error("cannot connect", "endpoint=%s err=\"%s\"", ep, zmq_strerror(errno));
    free(ep);
    mdp_worker_send(w->sock, MDP_READY, w->service, strlen(w->service), NULL, 0);
    w->liveness = LIVENESS;
    w->next_hb_ms = clock_mono_ms() + w->o.heartbeat_ms;
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
    zmon_destroy(&(*p)->mon);
    if ((*p)->sock) zmq_close((*p)->sock);
    free((*p)->service);
    free(*p);
    *p = NULL;
}

void *mdp_worker_socket(mdp_worker_t *self) { return self->sock; }
const char *mdp_worker_service(const mdp_worker_t *self) { return self->service; }
uint64_t mdp_worker_requests(const mdp_worker_t *self) { return self->requests; }
uint64_t mdp_worker_refusals(const mdp_worker_t *self) { return self->refusals; }
void *mdp_worker_monitor(mdp_worker_t *self) { return self->mon ? zmon_socket(self->mon) : NULL; }

void mdp_worker_on_monitor(mdp_worker_t *self)
{
    static int64_t last_log_ms;
    static uint64_t unlogged;
    char why[160];
    if (!self->mon || zmon_poll(self->mon, why, sizeof why) != ZMON_REFUSED) return;
    self->refusals++;
    unlogged++;
    if (last_log_ms && clock_mono_ms() - last_log_ms < REFUSAL_LOG_MS) return;
    log_error("the broker refused this worker's connection; retrying with back-off up to 5 s "
              "(add its public key to the broker's allow/worker/, or check --curve-server)",
              "service=%s endpoint=%s why=\"%s\" refusals=%llu", self->service, self->o.endpoint, why,
              (unsigned long long)unlogged);
    last_log_ms = clock_mono_ms();
    unlogged = 0;
}

/* Drops the connection; connect again after the back-off (doubling to 5 s). */
static void schedule_reconnect(mdp_worker_t *w, const char *why)
{
    log_warn("broker connection lost; reconnecting", "service=%s why=\"%s\" backoff_ms=%d", w->service, why, w->backoff_ms);
    zmon_destroy(&w->mon);
    zmq_close(w->sock);
    w->sock = NULL;
    w->reconnect_at_ms = clock_mono_ms() + w->backoff_ms;
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
        w->reconnect_at_ms = clock_mono_ms(); /* at once: the broker is alive */
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
    int64_t now = clock_mono_ms();
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
