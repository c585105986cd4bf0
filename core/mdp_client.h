/* mdp_client: a 7/MDP v0.1 client over a DEALER socket. Synchronous calls with
 * a timeout (worker lookups, control tools), and an asynchronous send/receive
 * pair for pipelined feeders. After a timeout the socket is replaced, so a
 * late reply can never be taken for the answer to the next call. A send never
 * blocks for long, and a broker that refuses the connection (CURVE key not
 * allowed) is reported as such (errno EACCES), not as a silent timeout.
 * The endpoint may list several brokers, comma-separated: requests go only to
 * the ones that accepted the connection (ZMQ_IMMEDIATE), so a client finds
 * whichever broker is serving. */
#ifndef HOTLINE_MDP_CLIENT_H
#define HOTLINE_MDP_CLIENT_H
#include <stddef.h>
#include "mdp.h"

typedef struct mdp_client mdp_client_t;

typedef struct {
    const char *curve_server;   /* broker public key, Z85 (40 chars), or NULL */
    const char *curve_public;   /* own key pair, Z85 */
    const char *curve_secret;
} mdp_curve_t;

/* endpoints: "tcp://host:port" or several, comma-separated. NULL with err
 * when an endpoint is invalid (unknown transport, bad address). */
mdp_client_t *mdp_client_new(void *zctx, const char *endpoints, const mdp_curve_t *curve, char *err, size_t errlen);
void mdp_client_destroy(mdp_client_t **p);
void *mdp_client_socket(mdp_client_t *self);

/* Sends body to service and waits up to timeout_ms. On success returns 0 and
 * a heap copy of the reply body (caller frees *out). -1 on timeout (errno
 * ETIMEDOUT), on refusal (errno EACCES: see mdp_client_refusal) or error. */
int mdp_client_call(mdp_client_t *self, const char *service, const void *body, size_t len, int timeout_ms,
                    void **out, size_t *outlen);

/* Pipelined use: send without waiting, then receive replies as they come. */
int mdp_client_send_req(mdp_client_t *self, const char *service, const void *body, size_t len);
/* Waits up to timeout_ms for one reply; 0 with service/body spans valid until
 * the next call, -1 on timeout (errno EAGAIN), refusal (EACCES) or a
 * malformed reply. */
int mdp_client_recv(mdp_client_t *self, int timeout_ms, mdp_span_t *service, mdp_span_t *body);
/* Drops the socket and connects a fresh one (forgets everything in flight). */
void mdp_client_reset(mdp_client_t *self);
/* Why the broker refused the connection the last time it did ("" if never). */
const char *mdp_client_refusal(const mdp_client_t *self);
/* Splits a comma-separated endpoint list and checks each has a transport and
 * an address; 0, or -1 with err naming the bad one. */
int mdp_endpoints_check(const char *endpoints, char *err, size_t errlen);

#endif
