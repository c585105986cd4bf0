/* zmon: watches a ZeroMQ socket's connection handshakes (zmq_socket_monitor)
 * so that a peer refused by the broker — a CURVE key missing from its
 * allow-list, the wrong server key, a plaintext peer on a CURVE endpoint —
 * learns why, instead of waiting for replies that never come. Used by the
 * MDP client (hotline-ctl, hotline-sim) and the worker runtime. */
#ifndef HOTLINE_ZMON_H
#define HOTLINE_ZMON_H
#include <stdbool.h>
#include <stddef.h>

typedef struct zmon zmon_t;

typedef enum { ZMON_NONE, ZMON_OK, ZMON_REFUSED } zmon_event_t;

/* Starts watching sock (in context zctx). NULL if the monitor cannot start. */
zmon_t *zmon_new(void *zctx, void *sock);
/* Stops watching. Call before closing the watched socket. */
void zmon_destroy(zmon_t **p);
/* The socket to poll for events. */
void *zmon_socket(zmon_t *self);
/* Reads the pending events without blocking and returns the most telling:
 * ZMON_REFUSED if a handshake failed (why receives the reason), ZMON_OK if
 * one succeeded, ZMON_NONE if nothing happened. */
zmon_event_t zmon_poll(zmon_t *self, char *why, size_t whylen);

#endif
