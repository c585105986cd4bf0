/* outbox: replies held until their commit is durable (outbox.h). */
#include "outbox.h"
#include "wire.h"
#include "xmalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FREE_MAX 4096            /* spare replies kept */
#define KEEP_BYTES 4096          /* larger buffers are not kept: the free list stays under ~17 MiB */

typedef struct msg {
    struct msg *next;
    uint8_t *peer;
    size_t peer_len, peer_cap;
    char service[MDP_MAX_SERVICE + 1];
    void *body;
    size_t len, cap;
    bool writes;
    bool sealed;              /* its commit happened (or failed): epoch is set */
    bool failed;              /* that commit failed */
    uint64_t epoch;           /* the commit whose durability it waits for */
} msg_t;

struct outbox {
    msg_t *head, *tail;
    msg_t *unsealed;          /* first reply not sealed yet (NULL: none) */
    msg_t *free;              /* sent replies kept for reuse */
    size_t n_free;
    outbox_send_fn send;
    void *ctx;
    wire_enc_t retry;         /* the retry-later body */
};

outbox_t *outbox_new(outbox_send_fn send, void *ctx)
{
    outbox_t *o = xcalloc(1, sizeof *o);
    o->send = send;
    o->ctx = ctx;
    wire_enc_init(&o->retry);
    wire_map(&o->retry, 2);
    wire_kv_str(&o->retry, "status", "retry");
    wire_kv_str(&o->retry, "error", "the store could not commit (disk full or write error); nothing was recorded, retry later");
    return o;
}

static void msg_free(msg_t *m)
{
    free(m->peer);
    free(m->body);
    free(m);
}

void outbox_destroy(outbox_t **p)
{
    if (!p || !*p) return;
    outbox_t *o = *p;
    for (msg_t *m = o->head, *n; m; m = n) { n = m->next; msg_free(m); }
    for (msg_t *m = o->free, *n; m; m = n) { n = m->next; msg_free(m); }
    wire_enc_free(&o->retry);
    free(o);
    *p = NULL;
}

/* buf with room for need bytes: reused when it has it. */
static void *fit(void *buf, size_t *cap, size_t need)
{
    if (buf && need <= *cap) return buf;
    free(buf);
    *cap = need > 64 ? need : 64;
    return xmalloc(*cap);
}

void outbox_push(outbox_t *self, mdp_span_t peer, const char *service, const void *body, size_t len, bool writes)
{
    msg_t *m = self->free;
    if (m) {
        self->free = m->next;
        self->n_free--;
    } else {
        m = xcalloc(1, sizeof *m);
    }
    m->next = NULL;
    m->sealed = m->failed = false;
    m->peer = fit(m->peer, &m->peer_cap, peer.n);
    if (peer.n) memcpy(m->peer, peer.p, peer.n);
    m->peer_len = peer.n;
    snprintf(m->service, sizeof m->service, "%s", service);
    m->body = fit(m->body, &m->cap, len);
    if (len) memcpy(m->body, body, len);
    m->len = len;
    m->writes = writes;
    if (self->tail) self->tail->next = m;
    else self->head = m;
    self->tail = m;
    if (!self->unsealed) self->unsealed = m;
}

void outbox_seal(outbox_t *self, uint64_t epoch, bool committed)
{
    for (msg_t *m = self->unsealed; m; m = m->next) {
        m->sealed = true;
        m->failed = !committed;
        m->epoch = epoch;
    }
    self->unsealed = NULL;
}

static void recycle(outbox_t *self, msg_t *m)
{
    if (self->n_free >= FREE_MAX || m->cap > KEEP_BYTES || m->peer_cap > KEEP_BYTES) {
        msg_free(m);
        return;
    }
    m->next = self->free;
    self->free = m;
    self->n_free++;
}

size_t outbox_release(outbox_t *self, uint64_t durable)
{
    size_t sent = 0;
    msg_t *m;
    /* In order: a reply waits for its own commit, and for every reply before it. */
    while ((m = self->head) && m->sealed && (m->failed || m->epoch <= durable)) {
        bool retry = m->writes && m->failed;
        self->send(self->ctx, (mdp_span_t){m->peer, m->peer_len}, m->service, retry ? self->retry.sb.data : m->body,
                   retry ? self->retry.sb.size : m->len);
        self->head = m->next;
        if (!self->head) self->tail = NULL;
        recycle(self, m);
        sent++;
    }
    return sent;
}
