/* zmon: handshake events of one socket, read from its monitor PAIR socket. */
#include "zmon.h"
#include "xmalloc.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define WATCHED (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | \
                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)

struct zmon {
    void *watched, *pair;
};

zmon_t *zmon_new(void *zctx, void *sock)
{
    static unsigned n;
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://hotline-zmon-%p-%u", sock, n++);
    if (zmq_socket_monitor(sock, ep, WATCHED) != 0) return NULL;
    zmon_t *m = xcalloc(1, sizeof *m);
    m->watched = sock;
    m->pair = zmq_socket(zctx, ZMQ_PAIR);
    int linger = 0;
    zmq_setsockopt(m->pair, ZMQ_LINGER, &linger, sizeof linger);
    if (!m->pair || zmq_connect(m->pair, ep) != 0) {
        zmq_socket_monitor(sock, NULL, 0);
        if (m->pair) zmq_close(m->pair);
        free(m);
        return NULL;
    }
    return m;
}

void zmon_destroy(zmon_t **p)
{
    if (!p || !*p) return;
    zmq_socket_monitor((*p)->watched, NULL, 0);
    zmq_close((*p)->pair);
    free(*p);
    *p = NULL;
}

void *zmon_socket(zmon_t *self) { return self->pair; }

static const char *reason(uint16_t ev, uint32_t value, char *buf, size_t len)
{
    if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        snprintf(buf, len, "the broker refused this key (ZAP status %u: not in its allow-list)", (unsigned)value);
    else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        snprintf(buf, len, "the security handshake failed (wrong broker key, or CURVE on one side only)");
    else
        snprintf(buf, len, "the handshake failed (%s)", zmq_strerror((int)value));
    return buf;
}

/* A handshake cut by the network or by a broker that died or stopped (a
 * standby taking over, say) is not a refusal: libzmq reconnects by itself. */
static bool transient(int err)
{
    return err == ECONNRESET || err == EPIPE || err == ECONNREFUSED || err == ECONNABORTED || err == ETIMEDOUT ||
           err == EHOSTUNREACH || err == ENETUNREACH || err == ENETDOWN;
}

zmon_event_t zmon_poll(zmon_t *self, char *why, size_t whylen)
{
    zmon_event_t out = ZMON_NONE;
    for (;;) {
        zmq_msg_t head, addr;
        zmq_msg_init(&head);
        if (zmq_msg_recv(&head, self->pair, ZMQ_DONTWAIT) < 0) { zmq_msg_close(&head); break; }
        uint16_t ev = 0;
        uint32_t value = 0;
        if (zmq_msg_size(&head) >= 6) {
            memcpy(&ev, zmq_msg_data(&head), 2);
            memcpy(&value, (const char *)zmq_msg_data(&head) + 2, 4);
        }
        bool more = zmq_msg_more(&head);
        zmq_msg_close(&head);
        if (more) { /* the endpoint frame */
            zmq_msg_init(&addr);
            zmq_msg_recv(&addr, self->pair, 0);
            zmq_msg_close(&addr);
        }
        if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) { if (out == ZMON_NONE) out = ZMON_OK; }
        else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL && transient((int)value)) continue;
        else if (ev & WATCHED) { out = ZMON_REFUSED; reason(ev, value, why, whylen); }
    }
    return out;
}
