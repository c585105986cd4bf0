/* mdp_worker: one 7/MDP v0.1 worker connection (a DEALER socket) serving one
 * service: READY on connect, heartbeats both ways, reconnect with back-off
 * when the broker goes silent for 3 intervals. A worker process holds one of
 * these per service and polls them all in one loop. Each connection's
 * routing id names its process ("hlw:HOST:PID:N"), so the broker can show
 * workers as processes. A handshake the broker refuses (a CURVE key not in
 * its allow-list) is logged with the reason, and retried with back-off; a
 * send never blocks, so SIGTERM always ends the loop. */
#ifndef HOTLINE_MDP_WORKER_H
#define HOTLINE_MDP_WORKER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mdp.h"

typedef struct mdp_worker mdp_worker_t;

/* Called for each REQUEST; must send exactly one reply with mdp_worker_reply()
 * before returning (or none: the broker will re-deliver after a reconnect). */
typedef void (*mdp_worker_fn)(void *ctx, mdp_worker_t *w, mdp_span_t client, mdp_span_t body);

typedef struct {
    const char *endpoint;
    const char *service;
    int heartbeat_ms;
    mdp_worker_fn fn;
    void *ctx;
    const char *curve_server;   /* broker public key (Z85), or NULL */
    const char *curve_public;   /* this worker's key pair (Z85), or NULL */
    const char *curve_secret;
} mdp_worker_opts_t;

mdp_worker_t *mdp_worker_new(void *zctx, const mdp_worker_opts_t *opts);
void mdp_worker_destroy(mdp_worker_t **p);
/* The socket to poll (it changes on reconnect: ask again each iteration). */
void *mdp_worker_socket(mdp_worker_t *self);
/* The handshake monitor to poll too (NULL if none), and its handler. */
void *mdp_worker_monitor(mdp_worker_t *self);
void mdp_worker_on_monitor(mdp_worker_t *self);
/* Handshakes the broker refused since start. */
uint64_t mdp_worker_refusals(const mdp_worker_t *self);
/* Handles everything readable now, without blocking. */
void mdp_worker_on_readable(mdp_worker_t *self);
/* Heartbeats and liveness; returns ms until it needs calling again. */
long mdp_worker_tick(mdp_worker_t *self);
int mdp_worker_reply(mdp_worker_t *self, mdp_span_t client, const void *body, size_t len);
const char *mdp_worker_service(const mdp_worker_t *self);
/* Says DISCONNECT to the broker (clean shutdown). */
void mdp_worker_disconnect(mdp_worker_t *self);
uint64_t mdp_worker_requests(const mdp_worker_t *self);

#endif
