/* mdp_client: DEALER-based MDP client (see header). */
#include "mdp_client.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct mdp_client {
    void *zctx, *sock;
    char *endpoint;
    mdp_curve_t curve;
    mdp_frames_t frames;
    bool have_frames;
};

static void open_socket(mdp_client_t *c)
{
    c->sock = zmq_socket(c->zctx, ZMQ_DEALER);
    int linger = 0;
    int64_t max = WIRE_MAX_BODY;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (c->curve.curve_server) {
        zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, c->curve.curve_server, 40);
        zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, c->curve.curve_public, 40);
        zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, c->curve.curve_secret, 40);
    }
    if (zmq_connect(c->sock, c->endpoint) != 0)
        log_error("cannot connect", "endpoint=%s err=\"%s\"", c->endpoint, zmq_strerror(errno));
}

mdp_client_t *mdp_client_new(void *zctx, const char *endpoint, const mdp_curve_t *curve)
{
    mdp_client_t *c = xcalloc(1, sizeof *c);
    c->zctx = zctx;
    c->endpoint = xstrdup(endpoint);
    if (curve) c->curve = *curve;
    open_socket(c);
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
    zmq_close((*p)->sock);
    free((*p)->endpoint);
    free(*p);
    *p = NULL;
}

void *mdp_client_socket(mdp_client_t *self) { return self->sock; }

void mdp_client_reset(mdp_client_t *self)
{
    drop_frames(self);
    zmq_close(self->sock);
    open_socket(self);
}

int mdp_client_send_req(mdp_client_t *self, const char *service, const void *body, size_t len)
{
    return mdp_client_send(self->sock, service, body, len);
}

int mdp_client_recv(mdp_client_t *self, int timeout_ms, mdp_span_t *service, mdp_span_t *body)
{
    drop_frames(self);
    zmq_pollitem_t it = {self->sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, timeout_ms) <= 0 || !(it.revents & ZMQ_POLLIN)) { errno = EAGAIN; return -1; }
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
    if (mdp_client_send_req(self, service, body, len) != 0) return -1;
    mdp_span_t svc, b;
    if (mdp_client_recv(self, timeout_ms, &svc, &b) != 0) {
        mdp_client_reset(self);
        errno = ETIMEDOUT;
        return -1;
    }
    *out = xmalloc(b.n ? b.n : 1);
    memcpy(*out, b.p, b.n);
    *outlen = b.n;
    drop_frames(self);
    return 0;
}
