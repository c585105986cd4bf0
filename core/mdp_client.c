/* mdp_client: DEALER-based MDP client (see header). */
#include "mdp_client.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"
#include "zmon.h"
#include "clock.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEND_TIMEOUT_MS 1000   /* a pipelined send gives up after this (the caller resends) */

struct mdp_client {
    void *zctx, *sock;
    char *endpoints;
    mdp_curve_t curve;
    zmon_t *mon;              /* handshake events: a refused key is reported */
    char refusal[160];
    mdp_frames_t frames;
    bool have_frames;
};

/* Connects sock to every endpoint of the list; -1 with err at the first bad one. */
static int connect_all(void *sock, const char *endpoints, char *err, size_t errlen)
{
    char *list = xstrdup(endpoints), *save = NULL;
    int rc = 0, n = 0;
    for (char *ep = strtok_r(list, ",", &save); ep && rc == 0; ep = strtok_r(NULL, ",", &save), n++)
        if (zmq_connect(sock, ep) != 0) {
            snprintf(err, errlen, "invalid endpoint '%s': %s", ep, zmq_strerror(errno));
            rc = -1;
        }
    if (rc == 0 && n == 0) { snprintf(err, errlen, "no endpoint given"); rc = -1; }
    free(list);
    return rc;
}

int mdp_endpoints_check(const char *endpoints, char *err, size_t errlen)
{
    void *zctx = zmq_ctx_new(), *sock = zmq_socket(zctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    int rc = connect_all(sock, endpoints, err, errlen);
    zmq_close(sock);
    zmq_ctx_term(zctx);
    return rc;
}

static int open_socket(mdp_client_t *c, char *err, size_t errlen)
{
    c->sock = zmq_socket(c->zctx, ZMQ_DEALER);
    int linger = 0, sndtimeo = SEND_TIMEOUT_MS, immediate = strchr(c->endpoints, ',') != NULL;
    int64_t max = WIRE_MAX_BODY;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo);
    zmq_setsockopt(c->sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (c->curve.curve_server) {
        zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, c->curve.curve_server, 40);
        zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, c->curve.curve_public, 40);
        zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, c->curve.curve_secret, 40);
    }
    c->mon = zmon_new(c->zctx, c->sock);
    return connect_all(c->sock, c->endpoints, err, errlen);
}

static void close_socket(mdp_client_t *c)
{
    zmon_destroy(&c->mon);
    if (c->sock) zmq_close(c->sock);
    c->sock = NULL;
}

mdp_client_t *mdp_client_new(void *zctx, const char *endpoints, const mdp_curve_t *curve, char *err, size_t errlen)
{
    mdp_client_t *c = xcalloc(1, sizeof *c);
    c->zctx = zctx;
    c->endpoints = xstrdup(endpoints);
    if (curve) c->curve = *curve;
    if (open_socket(c, err, errlen) != 0) mdp_client_destroy(&c);
    return c;
}

static void drop_frames(mdp_client_t *c)
{
    if (c->have_frames) mdp_frames_close(&c->frames);
    c->have_frames = false;
}

void mdp_client_destroy(mdp_client_t **p)
{
    if (!p || !*p) return;
    drop_frames(*p);
    close_socket(*p);
    free((*p)->endpoints);
    free(*p);
    *p = NULL;
}

void *mdp_client_socket(mdp_client_t *self) { return self->sock; }
const char *mdp_client_refusal(const mdp_client_t *self) { return self->refusal; }

void mdp_client_reset(mdp_client_t *self)
{
    char err[256];
    drop_frames(self);
    close_socket(self);
    if (open_socket(self, err, sizeof err) != 0) log_error("cannot reconnect", "err=\"%s\"", err); /* checked at new */
}

int mdp_client_send_req(mdp_client_t *self, const char *service, const void *body, size_t len)
{
    return mdp_client_send(self->sock, service, body, len);
}

/* Handshake events: true if the broker refused us (errno set to EACCES). */
static bool refused(mdp_client_t *c)
{
    char why[160];
    if (!c->mon || zmon_poll(c->mon, why, sizeof why) != ZMON_REFUSED) return false;
    snprintf(c->refusal, sizeof c->refusal, "%s", why);
    errno = EACCES;
    return true;
}

int mdp_client_recv(mdp_client_t *self, int timeout_ms, mdp_span_t *service, mdp_span_t *body)
{
    drop_frames(self);
    zmq_pollitem_t it[2] = {{self->sock, 0, ZMQ_POLLIN, 0}, {self->mon ? zmon_socket(self->mon) : NULL, 0, ZMQ_POLLIN, 0}};
    int64_t until = clock_mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = until - clock_mono_ms();
        int n = zmq_poll(it, self->mon ? 2 : 1, left > 0 ? (long)left : 0);
        if (n < 0) return -1; /* EINTR: a signal, the caller decides */
        if (it[0].revents & ZMQ_POLLIN) break;
        if ((it[1].revents & ZMQ_POLLIN) && refused(self)) return -1;
        if (n == 0 || left <= 0) { errno = EAGAIN; return -1; }
    }
    if (mdp_recv(self->sock, &self->frames, 0) != 0) return -1;
    self->have_frames = true;
    char err[128];
    if (mdp_parse_client(&self->frames, service, body, err, sizeof err) != 0) {
        log_warn("malformed reply from broker", "err=\"%s\"", err);
        drop_frames(self);
        errno = EPROTO;
        return -1;
    }
    return 0;
}

int mdp_client_call(mdp_client_t *self, const char *service, const void *body, size_t len, int timeout_ms,
                    void **out, size_t *outlen)
{
    int sndtimeo = timeout_ms;
    zmq_setsockopt(self->sock, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo);
    int64_t t0 = clock_mono_ms();
    int rc = mdp_client_send_req(self, service, body, len);
    sndtimeo = SEND_TIMEOUT_MS;
    zmq_setsockopt(self->sock, ZMQ_SNDTIMEO, &sndtimeo, sizeof sndtimeo);
    mdp_span_t svc, b;
    int left = timeout_ms - (int)(clock_mono_ms() - t0);
    if (rc != 0 && errno == EAGAIN && refused(self)) rc = -1;
    else if (rc != 0) errno = ETIMEDOUT;
    else if (mdp_client_recv(self, left > 0 ? left : 0, &svc, &b) != 0) rc = -1;
    if (rc != 0) {
        int e = errno == EACCES ? EACCES : ETIMEDOUT;
        mdp_client_reset(self);
        errno = e;
        return -1;
    }
    *out = xmalloc(b.n ? b.n : 1);
    memcpy(*out, b.p, b.n);
    *outlen = b.n;
    drop_frames(self);
    return 0;
}
