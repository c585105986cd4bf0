/* router: the broker's 7/MDP v0.1 side. One ROUTER socket serves clients and
 * workers: per-service queues, worker registration, heartbeats both ways, and
 * a dead worker's in-flight request handed to another worker. The router
 * knows nothing about tickets: built-in services are handler callbacks, and
 * the pipeline feeds internal stage batches through a feeder callback. */
#ifndef HOTLINE_ROUTER_H
#define HOTLINE_ROUTER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mdp.h"

typedef struct router router_t;

typedef struct {
    const char *bind;          /* endpoint, e.g. tcp://127.0.0.1:5555 */
    int heartbeat_ms;          /* interval; a peer is dead after 3 missed */
    int64_t max_msg;           /* ZMQ_MAXMSGSIZE */
    size_t max_queue;          /* client requests queued per service */
} router_opts_t;

/* A built-in service: called with the client's address and the request body.
 * The handler answers through router_reply() now or later. */
typedef void (*router_builtin_fn)(void *ctx, mdp_span_t peer, mdp_span_t body);

/* The pipeline's side of internal work. feed() may return a batch for an idle
 * worker of service (encoded into body and len, valid until the next call) or
 * NULL; result() gets the worker's reply body for that batch; lost() is told
 * the batch will never be answered (its worker died), so it can be re-queued. */
typedef struct {
    void *(*feed)(void *ctx, const char *service, const void **body, size_t *len);
    void (*result)(void *ctx, void *batch, mdp_span_t body);
    void (*lost)(void *ctx, void *batch);
    void *ctx;
} router_feeder_t;

/* Access control: may the peer with this ZAP User-Id (NULL without CURVE)
 * register as a worker (worker_cmd) or call service? On false, why says why. */
typedef bool (*router_access_fn)(void *ctx, const char *user_id, const char *service, bool worker_cmd,
                                 char *why, size_t whylen);

typedef struct {
    const char *secret_z85;    /* broker's CURVE secret key; NULL = plaintext */
} router_curve_t;

/* NULL with err on failure (bad endpoint, address in use). */
router_t *router_new(void *zctx, const router_opts_t *opts, const router_curve_t *curve, char *err, size_t errlen);
void router_set_access(router_t *self, router_access_fn fn, void *ctx);
void router_destroy(router_t **p);
void *router_socket(router_t *self);
void router_add_builtin(router_t *self, const char *service, router_builtin_fn fn, void *ctx);
void router_set_feeder(router_t *self, const router_feeder_t *feeder);

/* Who sent the request a built-in handler is running for: its CURVE key
 * (Z85, NULL without CURVE) and the connection's address (NULL for ipc://
 * and inproc://). Valid only during the handler call. */
typedef struct {
    const char *user_id;
    const char *peer_addr;
} router_caller_t;
router_caller_t router_caller(const router_t *self);

/* Receives and dispatches up to max messages without blocking; returns how many. */
int router_drain(router_t *self, int max);
/* Milliseconds until the next heartbeat is due (for zmq_poll). */
long router_timeout_ms(router_t *self);
/* Sends heartbeats that are due and drops workers that missed 3. */
void router_heartbeat(router_t *self);
/* Gives every idle worker work: queued client requests first, then batches
 * from the feeder. Call after the commit. */
void router_feed(router_t *self);

/* Queues a reply to a client. writes=true marks a reply that reports a store
 * write: after a failed commit it is replaced by a retry-later error. */
void router_reply(router_t *self, mdp_span_t peer, const char *service, const void *body, size_t len, bool writes);
/* Acknowledged = durable: a reply is queued, sealed with the commit that
 * covers it, and sent once that commit is on disk.
 * router_seal: every reply queued since the last seal waits for commit
 * `epoch`; committed=false: that commit failed (replies that report a write
 * become retry-later errors and go out at once, in order).
 * router_release: sends, in order, the sealed replies whose commit is
 * durable (epoch <= durable); returns how many. */
void router_seal(router_t *self, uint64_t epoch, bool committed);
size_t router_release(router_t *self, uint64_t durable);
/* Tells every worker DISCONNECT (shutdown). */
void router_disconnect_all(router_t *self);

/* Counters for status and metrics. */
typedef struct {
    uint64_t rejected_frames;   /* malformed MDP messages */
    uint64_t unknown_peers;     /* worker commands from peers that never said READY */
    uint64_t workers_expired;
    uint64_t requeued;          /* in-flight work handed to another worker */
    uint64_t forbidden;         /* messages refused by the access rules */
    size_t workers;
    size_t services;
} router_stats_t;
void router_stats(const router_t *self, router_stats_t *out);
/* True if service has at least one worker or is built in (mmi.service). */
bool router_has_service(const router_t *self, const char *service);

typedef void (*router_service_fn)(void *ctx, const char *name, size_t workers, size_t idle, size_t queued, bool builtin);
void router_foreach_service(const router_t *self, router_service_fn fn, void *ctx);

/* One worker connection (one service of a worker process). */
typedef struct {
    const char *service;
    const char *id_hex;        /* routing id in hex: unique per connection */
    const char *proc;          /* "HOST:PID" for a hotline worker, else id_hex: connections of one process share it */
    const char *peer_addr;     /* IP address of the connection ("" for ipc://) */
    const char *user_id;       /* CURVE public key (Z85), "" without CURVE */
    int64_t last_seen_ms_ago;
    bool busy;
} router_worker_info_t;
typedef void (*router_worker_fn)(void *ctx, const router_worker_info_t *w);
void router_foreach_worker(const router_t *self, router_worker_fn fn, void *ctx);


#endif
