/* mdp: ZeroMQ RFC 7/MDP v0.1 (Majordomo) framing.
 * Receives whole multipart messages into a bounded frame set and parses them
 * into a typed view; every malformed sequence is refused with a reason
 * (wrong header, unknown command, missing or extra frames). */
#ifndef HOTLINE_MDP_H
#define HOTLINE_MDP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#define MDPC "MDPC01"
#define MDPW "MDPW01"
#define MDP_READY 0x01
#define MDP_REQUEST 0x02
#define MDP_REPLY 0x03
#define MDP_HEARTBEAT 0x04
#define MDP_DISCONNECT 0x05
#define MDP_MAX_FRAMES 8
#define MDP_MAX_SERVICE 64   /* bytes of a service name */
#define MDP_MAX_ADDR 256     /* bytes of a peer/client address */

/* One received multipart message. */
typedef struct {
    zmq_msg_t part[MDP_MAX_FRAMES];
    int n;              /* frames held */
    int dropped;        /* frames beyond MDP_MAX_FRAMES, discarded */
} mdp_frames_t;

/* A byte span inside a frame set (valid while the frames are). */
typedef struct {
    const unsigned char *p;
    size_t n;
} mdp_span_t;

typedef enum { MDP_FROM_CLIENT = 1, MDP_FROM_WORKER = 2 } mdp_origin_t;

/* What arrived on the broker's ROUTER socket. */
typedef struct {
    mdp_origin_t origin;
    mdp_span_t peer;     /* routing identity */
    int cmd;             /* worker command (0 for clients) */
    mdp_span_t service;  /* client request, worker READY */
    mdp_span_t client;   /* worker REPLY: the client address */
    mdp_span_t body;     /* client request, worker REPLY */
} mdp_router_msg_t;

/* What a worker's DEALER socket received from the broker. */
typedef struct {
    int cmd;
    mdp_span_t client;   /* REQUEST */
    mdp_span_t body;     /* REQUEST */
} mdp_worker_msg_t;

/* Receives one whole message (all parts). flags: 0 or ZMQ_DONTWAIT.
 * Returns 0, or -1 with errno (EAGAIN when nothing is there). */
int mdp_recv(void *sock, mdp_frames_t *f, int flags);
void mdp_frames_close(mdp_frames_t *f);

/* Parsers: 0, or -1 with the reason in err. */
int mdp_parse_router(const mdp_frames_t *f, mdp_router_msg_t *m, char *err, size_t errlen);
int mdp_parse_worker(const mdp_frames_t *f, mdp_worker_msg_t *m, char *err, size_t errlen);
/* Client side (DEALER: leading empty frame; REQ strips it): service and body. */
int mdp_parse_client(const mdp_frames_t *f, mdp_span_t *service, mdp_span_t *body, char *err, size_t errlen);

/* Sends n frames (pointers + lengths) as one message. 0 or -1 with errno. */
int mdp_sendv(void *sock, const void *const *parts, const size_t *lens, int n);

/* Broker → client: "" MDPC01 service body, routed to peer. */
int mdp_send_to_client(void *router, mdp_span_t peer, const char *service, size_t service_len,
                       const void *body, size_t body_len);
/* Broker → worker: "" MDPW01 cmd [client "" body], routed to peer.
 * client/body are used for REQUEST only. */
int mdp_send_to_worker(void *router, mdp_span_t peer, int cmd, mdp_span_t client, const void *body, size_t body_len);
/* Worker (DEALER) → broker: "" MDPW01 cmd [arg] or REPLY client "" body. */
int mdp_worker_send(void *dealer, int cmd, const char *arg, size_t arg_len, const void *body, size_t body_len);
/* Client (DEALER) → broker: "" MDPC01 service body. */
int mdp_client_send(void *dealer, const char *service, const void *body, size_t body_len);

bool mdp_span_eq(mdp_span_t s, const char *lit);
/* Hex of a short binary identity for logs ("0080000001"). */
const char *mdp_hex(mdp_span_t s, char *buf, size_t len);

#endif
