/* metrics: a minimal HTTP/1.0 server inside the broker loop for Prometheus
 * (GET /metrics, text exposition 0.0.4). Minimal on purpose: one listening
 * socket polled with the ROUTER, one short request at a time, no thread and
 * no extra dependency; a client that stalls is cut off after 100 ms so it
 * cannot hold up the broker. */
#ifndef HOTLINE_METRICS_H
#define HOTLINE_METRICS_H
#include <stddef.h>
#include "status.h"

typedef struct metrics metrics_t;

/* addr: "HOST:PORT" (e.g. 127.0.0.1:9464). NULL with err on failure. */
metrics_t *metrics_new(const char *addr, status_t *status, char *err, size_t errlen);
void metrics_destroy(metrics_t **p);
int metrics_fd(const metrics_t *self);
/* Accepts and answers pending connections. */
void metrics_on_readable(metrics_t *self);

#endif
