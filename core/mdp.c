/* mdp: frame-level codec for 7/MDP v0.1. It knows frame order and counts,
 * never message bodies (those go through wire.c). */
#include "mdp.h"
#include "errmsg.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

void mdp_frames_close(mdp_frames_t *f)
{
    for (int i = 0; i < f->n; i++) zmq_msg_close(&f->part[i]);
    f->n = 0;
    f->dropped = 0;
}

int mdp_recv(void *sock, mdp_frames_t *f, int flags)
{
    f->n = 0;
    f->dropped = 0;
    for (;;) {
        zmq_msg_t tmp, *m = f->n < MDP_MAX_FRAMES ? &f->part[f->n] : &tmp;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, sock, f->n == 0 && f->dropped == 0 ? flags : 0) < 0) {
            int e = errno;
            zmq_msg_close(m);
            mdp_frames_close(f);
            errno = e;
            return -1;
        }
        bool more = zmq_msg_more(m);
        if (m == &tmp) { zmq_msg_close(m); f->dropped++; }
        else f->n++;
        if (!more) return 0;
    }
}

static mdp_span_t span(const mdp_frames_t *f, int i)
{
    mdp_span_t s = {zmq_msg_data((zmq_msg_t *)&f->part[i]), zmq_msg_size((zmq_msg_t *)&f->part[i])};
    return s;
}

bool mdp_span_eq(mdp_span_t s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static int parse_worker_cmd(const mdp_frames_t *f, int base, int *cmd, char *err, size_t errlen)
{
    if (f->n <= base) return errmsg_set(err, errlen, "%s", "worker message without a command frame");
    mdp_span_t c = span(f, base);
    if (c.n != 1) return errmsg_set(err, errlen, "%s", "worker command frame is not one byte");
    *cmd = c.p[0];
    if (*cmd < MDP_READY || *cmd > MDP_DISCONNECT) return errmsg_set(err, errlen, "%s", "unknown worker command");
    return 0;
}

static int check_count(const mdp_frames_t *f, int want, char *err, size_t errlen)
{
    if (f->dropped || f->n > want) return errmsg_set(err, errlen, "%s", "extra frames");
    if (f->n < want) return errmsg_set(err, errlen, "%s", "missing frames");
    return 0;
}

static int parse_router_worker(const mdp_frames_t *f, mdp_router_msg_t *m, char *err, size_t errlen)
{
    m->origin = MDP_FROM_WORKER;
    if (parse_worker_cmd(f, 3, &m->cmd, err, errlen)) return -1;
    switch (m->cmd) {
    case MDP_READY:
        if (check_count(f, 5, err, errlen)) return -1;
        m->service = span(f, 4);
        if (m->service.n == 0 || m->service.n > MDP_MAX_SERVICE) return errmsg_set(err, errlen, "%s", "service name empty or too long");
        return 0;
    case MDP_REPLY:
        if (check_count(f, 7, err, errlen)) return -1;
        if (span(f, 5).n != 0) return errmsg_set(err, errlen, "%s", "REPLY lacks the empty frame after the client address");
        m->client = span(f, 4);
        m->body = span(f, 6);
        return 0;
    case MDP_HEARTBEAT:
    case MDP_DISCONNECT:
        return check_count(f, 4, err, errlen);
    default:
        return errmsg_set(err, errlen, "%s", "command not valid from a worker (REQUEST)");
    }
}

int mdp_parse_router(const mdp_frames_t *f, mdp_router_msg_t *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (f->n < 3) return errmsg_set(err, errlen, "%s", "fewer than 3 frames");
    m->peer = span(f, 0);
    if (span(f, 1).n != 0) return errmsg_set(err, errlen, "%s", "missing empty delimiter frame");
    mdp_span_t proto = span(f, 2);
    if (mdp_span_eq(proto, MDPW)) return parse_router_worker(f, m, err, errlen);
    if (!mdp_span_eq(proto, MDPC)) return errmsg_set(err, errlen, "%s", "unknown protocol header (want MDPC01 or MDPW01)");
    m->origin = MDP_FROM_CLIENT;
    if (check_count(f, 5, err, errlen)) return -1;
    m->service = span(f, 3);
    m->body = span(f, 4);
    if (m->service.n == 0 || m->service.n > MDP_MAX_SERVICE) return errmsg_set(err, errlen, "%s", "service name empty or too long");
    return 0;
}

int mdp_parse_worker(const mdp_frames_t *f, mdp_worker_msg_t *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (f->n < 3 || span(f, 0).n != 0) return errmsg_set(err, errlen, "%s", "missing empty delimiter frame");
    if (!mdp_span_eq(span(f, 1), MDPW)) return errmsg_set(err, errlen, "%s", "unknown protocol header (want MDPW01)");
    if (parse_worker_cmd(f, 2, &m->cmd, err, errlen)) return -1;
    if (m->cmd == MDP_REQUEST) {
        if (check_count(f, 6, err, errlen)) return -1;
        if (span(f, 4).n != 0) return errmsg_set(err, errlen, "%s", "REQUEST lacks the empty frame after the client address");
        m->client = span(f, 3);
        m->body = span(f, 5);
        return 0;
    }
    if (m->cmd == MDP_HEARTBEAT || m->cmd == MDP_DISCONNECT) return check_count(f, 3, err, errlen);
    return errmsg_set(err, errlen, "%s", "command not valid from the broker");
}

int mdp_parse_client(const mdp_frames_t *f, mdp_span_t *service, mdp_span_t *body, char *err, size_t errlen)
{
    int b = (f->n > 0 && span(f, 0).n == 0) ? 1 : 0; /* DEALER keeps the delimiter */
    if (f->dropped || f->n != b + 3) return errmsg_set(err, errlen, "%s", "client reply must have 3 frames after the delimiter");
    if (!mdp_span_eq(span(f, b), MDPC)) return errmsg_set(err, errlen, "%s", "unknown protocol header (want MDPC01)");
    *service = span(f, b + 1);
    *body = span(f, b + 2);
    return 0;
}

int mdp_sendv(void *sock, const void *const *parts, const size_t *lens, int n)
{
    for (int i = 0; i < n; i++)
        if (zmq_send(sock, parts[i], lens[i], i < n - 1 ? ZMQ_SNDMORE : 0) < 0) return -1;
    return 0;
}

int mdp_send_to_client(void *router, mdp_span_t peer, const char *service, size_t service_len,
                       const void *body, size_t body_len)
{
    const void *p[] = {peer.p, "", MDPC, service, body};
    size_t l[] = {peer.n, 0, 6, service_len, body_len};
    return mdp_sendv(router, p, l, 5);
}

int mdp_send_to_worker(void *router, mdp_span_t peer, int cmd, mdp_span_t client, const void *body, size_t body_len)
{
    unsigned char c = (unsigned char)cmd;
    const void *p[] = {peer.p, "", MDPW, &c, client.p, "", body};
    size_t l[] = {peer.n, 0, 6, 1, client.n, 0, body_len};
    return mdp_sendv(router, p, l, cmd == MDP_REQUEST ? 7 : 4);
}

int mdp_worker_send(void *dealer, int cmd, const char *arg, size_t arg_len, const void *body, size_t body_len)
{
    unsigned char c = (unsigned char)cmd;
    const void *p[] = {"", MDPW, &c, arg, "", body};
    size_t l[] = {0, 6, 1, arg_len, 0, body_len};
    int n = cmd == MDP_REPLY ? 6 : cmd == MDP_READY ? 4 : 3;
    return mdp_sendv(dealer, p, l, n);
}

int mdp_client_send(void *dealer, const char *service, const void *body, size_t body_len)
{
    const void *p[] = {"", MDPC, service, body};
    size_t l[] = {0, 6, strlen(service), body_len};
    return mdp_sendv(dealer, p, l, 4);
}

const char *mdp_hex(mdp_span_t s, char *buf, size_t len)
{
    size_t o = 0;
    if (len == 0) return buf;
    /* a byte needs two digits plus room for the NUL: o + 3 <= len */
    for (size_t i = 0; i < s.n && o + 2 < len; i++) o += (size_t)snprintf(buf + o, len - o, "%02x", s.p[i]);
    buf[o] = '\0';
    return buf;
}
