/* Unit tests for core/mdp: 7/MDP v0.1 framing over real ZeroMQ sockets.
 * Each test gets a fresh context with an inproc ROUTER (the broker side) and
 * DEALER peers with fixed routing ids (a worker, a client), so the frames the
 * parsers see are exactly what libzmq delivers, routing id included. Well-formed
 * messages come from the module's own senders; malformed ones are sent frame
 * by frame with mdp_sendv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mdp.h"

#define EP "inproc://test-mdp"

typedef struct {
    void *ctx;
    void *router;   /* broker */
    void *worker;   /* DEALER, routing id "W1" */
    void *client;   /* DEALER, routing id "C1" */
    mdp_frames_t f;
} fx_t;

static void *sock(void *ctx, int type, const char *id)
{
    void *s = zmq_socket(ctx, type);
    int linger = 0, timeout = 2000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    if (id) zmq_setsockopt(s, ZMQ_ROUTING_ID, id, strlen(id));
    return s;
}

static int setup(void **state)
{
    static fx_t fx;
    memset(&fx, 0, sizeof fx);
    fx.ctx = zmq_ctx_new();
    fx.router = sock(fx.ctx, ZMQ_ROUTER, NULL);
    if (zmq_bind(fx.router, EP) != 0) return -1;
    fx.worker = sock(fx.ctx, ZMQ_DEALER, "W1");
    fx.client = sock(fx.ctx, ZMQ_DEALER, "C1");
    if (zmq_connect(fx.worker, EP) != 0 || zmq_connect(fx.client, EP) != 0) return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    mdp_frames_close(&fx->f);
    zmq_close(fx->worker);
    zmq_close(fx->client);
    zmq_close(fx->router);
    zmq_ctx_term(fx->ctx);
    return 0;
}

static const mdp_span_t W1 = {(const unsigned char *)"W1", 2};
static const mdp_span_t NOSPAN = {NULL, 0};

/* Sends up to 16 frames given as strings; a NULL-terminated list. "\x01"
 * style one-byte commands work since no frame here holds a NUL. */
static void send_strs(void *s, const char *const *frames)
{
    const void *p[16];
    size_t l[16];
    int n = 0;
    for (; frames[n]; n++) { p[n] = frames[n]; l[n] = strlen(frames[n]); }
    assert_int_equal(mdp_sendv(s, p, l, n), 0);
}
#define SEND(s, ...) send_strs((s), (const char *const[]){__VA_ARGS__, NULL})

static void recv_on(fx_t *fx, void *s)
{
    mdp_frames_close(&fx->f);
    assert_int_equal(mdp_recv(s, &fx->f, 0), 0);
}

/* The router receives one message and its parse fails with frag. */
static void router_rejects(fx_t *fx, const char *frag)
{
    recv_on(fx, fx->router);
    mdp_router_msg_t m;
    char err[128] = "";
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), -1);
    if (!strstr(err, frag)) fail_msg("router error \"%s\" lacks \"%s\"", err, frag);
}

static void worker_rejects(fx_t *fx, const char *frag)
{
    recv_on(fx, fx->worker);
    mdp_worker_msg_t m;
    char err[128] = "";
    assert_int_equal(mdp_parse_worker(&fx->f, &m, err, sizeof err), -1);
    if (!strstr(err, frag)) fail_msg("worker error \"%s\" lacks \"%s\"", err, frag);
}

static void span_is(mdp_span_t s, const void *p, size_t n)
{
    assert_int_equal(s.n, n);
    if (n) assert_memory_equal(s.p, p, n);
}

/* The worker must have said something before the router can route to it. */
static void worker_hello(fx_t *fx)
{
    assert_int_equal(mdp_worker_send(fx->worker, MDP_READY, "svc", 3, NULL, 0), 0);
    recv_on(fx, fx->router);
}

/* ---- well-formed messages at the broker ----------------------------------------- */

static void test_client_request(void **state)
{
    fx_t *fx = *state;
    static const unsigned char body[] = {0x81, 0xa2, 'i', 'd', 0xa1, '1', 0x00, 0xff};
    assert_int_equal(mdp_client_send(fx->client, "ticket.submit", body, sizeof body), 0);
    recv_on(fx, fx->router);
    assert_int_equal(fx->f.n, 5);
    assert_int_equal(fx->f.dropped, 0);
    mdp_router_msg_t m;
    char err[128] = "";
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.origin, MDP_FROM_CLIENT);
    assert_int_equal(m.cmd, 0);
    span_is(m.peer, "C1", 2);
    assert_true(mdp_span_eq(m.service, "ticket.submit"));
    span_is(m.body, body, sizeof body);
    assert_int_equal(m.client.n, 0);
}

/* A REQ client adds the empty delimiter itself. */
static void test_req_client_request(void **state)
{
    fx_t *fx = *state;
    void *req = sock(fx->ctx, ZMQ_REQ, "R1");
    assert_int_equal(zmq_connect(req, EP), 0);
    const void *p[] = {MDPC, "mmi.service", "ticket.submit"};
    size_t l[] = {6, 11, 13};
    assert_int_equal(mdp_sendv(req, p, l, 3), 0);
    recv_on(fx, fx->router);
    mdp_router_msg_t m;
    char err[128] = "";
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.origin, MDP_FROM_CLIENT);
    span_is(m.peer, "R1", 2);
    assert_true(mdp_span_eq(m.service, "mmi.service"));
    assert_true(mdp_span_eq(m.body, "ticket.submit"));

    /* the broker's reply reaches the REQ socket without the delimiter */
    assert_int_equal(mdp_send_to_client(fx->router, m.peer, "mmi.service", 11, "200", 3), 0);
    recv_on(fx, req);
    assert_int_equal(fx->f.n, 3);
    mdp_span_t svc, body;
    assert_int_equal(mdp_parse_client(&fx->f, &svc, &body, err, sizeof err), 0);
    assert_true(mdp_span_eq(svc, "mmi.service"));
    assert_true(mdp_span_eq(body, "200"));
    mdp_frames_close(&fx->f);
    zmq_close(req);
}

static void test_worker_ready(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(mdp_worker_send(fx->worker, MDP_READY, "unit.chengguan", 14, NULL, 0), 0);
    recv_on(fx, fx->router);
    assert_int_equal(fx->f.n, 5);
    mdp_router_msg_t m;
    char err[128] = "";
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.origin, MDP_FROM_WORKER);
    assert_int_equal(m.cmd, MDP_READY);
    span_is(m.peer, "W1", 2);
    assert_true(mdp_span_eq(m.service, "unit.chengguan"));
    assert_int_equal(m.body.n, 0);
}

static void test_worker_reply(void **state)
{
    fx_t *fx = *state;
    static const char client[] = "\0hotline";   /* the broker's internal address, 8 bytes */
    assert_int_equal(mdp_worker_send(fx->worker, MDP_REPLY, client, 8, "\x80", 1), 0);
    recv_on(fx, fx->router);
    assert_int_equal(fx->f.n, 7);
    mdp_router_msg_t m;
    char err[128] = "";
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.origin, MDP_FROM_WORKER);
    assert_int_equal(m.cmd, MDP_REPLY);
    span_is(m.client, client, 8);
    span_is(m.body, "\x80", 1);
    /* an empty body is still a body frame */
    assert_int_equal(mdp_worker_send(fx->worker, MDP_REPLY, "C1", 2, "", 0), 0);
    recv_on(fx, fx->router);
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), 0);
    span_is(m.client, "C1", 2);
    assert_int_equal(m.body.n, 0);
}

static void test_worker_heartbeat_disconnect(void **state)
{
    fx_t *fx = *state;
    mdp_router_msg_t m;
    char err[128] = "";
    assert_int_equal(mdp_worker_send(fx->worker, MDP_HEARTBEAT, NULL, 0, NULL, 0), 0);
    recv_on(fx, fx->router);
    assert_int_equal(fx->f.n, 4);
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.origin, MDP_FROM_WORKER);
    assert_int_equal(m.cmd, MDP_HEARTBEAT);
    assert_int_equal(mdp_worker_send(fx->worker, MDP_DISCONNECT, NULL, 0, NULL, 0), 0);
    recv_on(fx, fx->router);
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.cmd, MDP_DISCONNECT);
    span_is(m.peer, "W1", 2);
}

/* ---- well-formed messages at the worker and the client --------------------------- */

static void test_broker_to_worker(void **state)
{
    fx_t *fx = *state;
    worker_hello(fx);
    mdp_worker_msg_t m;
    char err[128] = "";
    mdp_span_t client = {(const unsigned char *)"C1", 2};
    assert_int_equal(mdp_send_to_worker(fx->router, W1, MDP_REQUEST, client, "body!", 5), 0);
    recv_on(fx, fx->worker);
    assert_int_equal(fx->f.n, 6);
    assert_int_equal(mdp_parse_worker(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.cmd, MDP_REQUEST);
    span_is(m.client, "C1", 2);
    span_is(m.body, "body!", 5);

    assert_int_equal(mdp_send_to_worker(fx->router, W1, MDP_HEARTBEAT, NOSPAN, NULL, 0), 0);
    recv_on(fx, fx->worker);
    assert_int_equal(fx->f.n, 3);
    assert_int_equal(mdp_parse_worker(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.cmd, MDP_HEARTBEAT);
    assert_int_equal(m.client.n, 0);

    assert_int_equal(mdp_send_to_worker(fx->router, W1, MDP_DISCONNECT, NOSPAN, NULL, 0), 0);
    recv_on(fx, fx->worker);
    assert_int_equal(mdp_parse_worker(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.cmd, MDP_DISCONNECT);
}

static void test_broker_to_dealer_client(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(mdp_client_send(fx->client, "ticket.status", "q", 1), 0);
    recv_on(fx, fx->router);
    mdp_span_t peer = {(const unsigned char *)"C1", 2};
    assert_int_equal(mdp_send_to_client(fx->router, peer, "ticket.status", 13, "\x82\x01", 2), 0);
    recv_on(fx, fx->client);
    assert_int_equal(fx->f.n, 4);   /* a DEALER keeps the delimiter */
    mdp_span_t svc, body;
    char err[128] = "";
    assert_int_equal(mdp_parse_client(&fx->f, &svc, &body, err, sizeof err), 0);
    assert_true(mdp_span_eq(svc, "ticket.status"));
    span_is(body, "\x82\x01", 2);
}

/* ---- malformed at the broker ----------------------------------------------------- */

static void test_router_wrong_protocol(void **state)
{
    fx_t *fx = *state;
    SEND(fx->client, "", "MDPC02", "svc", "b");
    router_rejects(fx, "unknown protocol header (want MDPC01 or MDPW01)");
    SEND(fx->client, "", "MDPW1", "\x04");
    router_rejects(fx, "unknown protocol header");
    SEND(fx->client, "", "mdpc01", "svc", "b");
    router_rejects(fx, "unknown protocol header");
    SEND(fx->client, "", "", "svc", "b");
    router_rejects(fx, "unknown protocol header");
}

static void test_router_missing_delimiter(void **state)
{
    fx_t *fx = *state;
    SEND(fx->client, MDPC, "svc", "b");
    router_rejects(fx, "missing empty delimiter frame");
    SEND(fx->worker, MDPW, "\x04", "x");
    router_rejects(fx, "missing empty delimiter frame");
    /* peer + 1 frame */
    SEND(fx->client, "");
    router_rejects(fx, "fewer than 3 frames");
}

static void test_router_bad_command(void **state)
{
    fx_t *fx = *state;
    SEND(fx->worker, "", MDPW, "\x06");
    router_rejects(fx, "unknown worker command");
    SEND(fx->worker, "", MDPW, "\x7f");
    router_rejects(fx, "unknown worker command");
    const void *p[] = {"", MDPW, "\0"};
    size_t l[] = {0, 6, 1};
    assert_int_equal(mdp_sendv(fx->worker, p, l, 3), 0);
    router_rejects(fx, "unknown worker command");
    SEND(fx->worker, "", MDPW, "\x01\x01", "svc");
    router_rejects(fx, "worker command frame is not one byte");
    SEND(fx->worker, "", MDPW, "", "svc");
    router_rejects(fx, "worker command frame is not one byte");
    SEND(fx->worker, "", MDPW);
    router_rejects(fx, "worker message without a command frame");
    /* REQUEST is broker → worker only */
    SEND(fx->worker, "", MDPW, "\x02", "C1", "", "body");
    router_rejects(fx, "command not valid from a worker (REQUEST)");
}

static void test_router_frame_counts(void **state)
{
    fx_t *fx = *state;
    /* client: exactly service and body */
    SEND(fx->client, "", MDPC, "svc");
    router_rejects(fx, "missing frames");
    SEND(fx->client, "", MDPC, "svc", "b", "extra");
    router_rejects(fx, "extra frames");
    SEND(fx->client, "", MDPC, "", "b");
    router_rejects(fx, "service name empty or too long");
    char longsvc[MDP_MAX_SERVICE + 2];
    memset(longsvc, 's', sizeof longsvc - 1);
    longsvc[sizeof longsvc - 1] = '\0';
    SEND(fx->client, "", MDPC, longsvc, "b");
    router_rejects(fx, "service name empty or too long");
    longsvc[MDP_MAX_SERVICE] = '\0';          /* exactly 64 bytes is fine */
    SEND(fx->client, "", MDPC, longsvc, "b");
    recv_on(fx, fx->router);
    mdp_router_msg_t m;
    char err[128] = "";
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), 0);
    assert_int_equal(m.service.n, MDP_MAX_SERVICE);

    /* READY: exactly one service frame */
    SEND(fx->worker, "", MDPW, "\x01");
    router_rejects(fx, "missing frames");
    SEND(fx->worker, "", MDPW, "\x01", "svc", "more");
    router_rejects(fx, "extra frames");
    SEND(fx->worker, "", MDPW, "\x01", "");
    router_rejects(fx, "service name empty or too long");
    /* REPLY: client, empty, body */
    SEND(fx->worker, "", MDPW, "\x03", "C1", "");
    router_rejects(fx, "missing frames");
    SEND(fx->worker, "", MDPW, "\x03", "C1", "x", "body");
    router_rejects(fx, "REPLY lacks the empty frame after the client address");
    SEND(fx->worker, "", MDPW, "\x03", "C1", "", "body", "more");
    router_rejects(fx, "extra frames");
    /* HEARTBEAT and DISCONNECT: nothing after the command */
    SEND(fx->worker, "", MDPW, "\x04", "x");
    router_rejects(fx, "extra frames");
    SEND(fx->worker, "", MDPW, "\x05", "x");
    router_rejects(fx, "extra frames");
}

static void test_router_too_many_frames(void **state)
{
    fx_t *fx = *state;
    /* 12 frames from the client, 13 with the routing id: 8 kept, 5 dropped */
    SEND(fx->client, "", MDPC, "svc", "b", "1", "2", "3", "4", "5", "6", "7", "8");
    recv_on(fx, fx->router);
    assert_int_equal(fx->f.n, MDP_MAX_FRAMES);
    assert_int_equal(fx->f.dropped, 5);
    mdp_router_msg_t m;
    char err[128] = "";
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), -1);
    assert_string_equal(err, "extra frames");
    /* a heartbeat with 6 extra frames: exactly 9 with the id, 1 dropped */
    SEND(fx->worker, "", MDPW, "\x04", "1", "2", "3", "4", "5");
    recv_on(fx, fx->router);
    assert_int_equal(fx->f.n, MDP_MAX_FRAMES);
    assert_int_equal(fx->f.dropped, 1);
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), -1);
    assert_string_equal(err, "extra frames");
    /* the next message on the socket starts clean */
    assert_int_equal(mdp_worker_send(fx->worker, MDP_HEARTBEAT, NULL, 0, NULL, 0), 0);
    recv_on(fx, fx->router);
    assert_int_equal(fx->f.n, 4);
    assert_int_equal(fx->f.dropped, 0);
    assert_int_equal(mdp_parse_router(&fx->f, &m, err, sizeof err), 0);
}

/* ---- malformed at the worker and the client -------------------------------------- */

static void test_worker_rejects(void **state)
{
    fx_t *fx = *state;
    worker_hello(fx);
    SEND(fx->router, "W1", MDPW, "\x04");
    worker_rejects(fx, "missing empty delimiter frame");
    SEND(fx->router, "W1", "", MDPC, "\x04");
    worker_rejects(fx, "unknown protocol header (want MDPW01)");
    SEND(fx->router, "W1", "", MDPW, "\x09");
    worker_rejects(fx, "unknown worker command");
    SEND(fx->router, "W1", "", MDPW, "\x04\x04");
    worker_rejects(fx, "worker command frame is not one byte");
    SEND(fx->router, "W1", "", MDPW, "\x01", "svc");
    worker_rejects(fx, "command not valid from the broker");
    SEND(fx->router, "W1", "", MDPW, "\x03", "C1", "", "b");
    worker_rejects(fx, "command not valid from the broker");
    SEND(fx->router, "W1", "", MDPW, "\x02", "C1", "");
    worker_rejects(fx, "missing frames");
    SEND(fx->router, "W1", "", MDPW, "\x02", "C1", "x", "body");
    worker_rejects(fx, "REQUEST lacks the empty frame after the client address");
    SEND(fx->router, "W1", "", MDPW, "\x02", "C1", "", "body", "more");
    worker_rejects(fx, "extra frames");
    SEND(fx->router, "W1", "", MDPW, "\x04", "x");
    worker_rejects(fx, "extra frames");
    SEND(fx->router, "W1", "", MDPW, "\x02", "C1", "", "b", "1", "2", "3", "4");
    worker_rejects(fx, "extra frames");
    assert_int_equal(fx->f.n, MDP_MAX_FRAMES);
    assert_int_equal(fx->f.dropped, 2);
}

static void test_client_rejects(void **state)
{
    fx_t *fx = *state;
    mdp_span_t svc, body;
    char err[128] = "";
    assert_int_equal(mdp_client_send(fx->client, "s", "b", 1), 0);
    recv_on(fx, fx->router);
    static const struct { const char *frames[12]; const char *frag; } cases[] = {
        {{"C1", "", MDPW, "svc", "b"}, "unknown protocol header (want MDPC01)"},
        {{"C1", "", MDPC, "svc"}, "client reply must have 3 frames after the delimiter"},
        {{"C1", "", MDPC, "svc", "b", "x"}, "client reply must have 3 frames after the delimiter"},
        {{"C1", "", MDPC, "svc", "b", "1", "2", "3", "4", "5"}, "client reply must have 3 frames"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        send_strs(fx->router, cases[i].frames);
        recv_on(fx, fx->client);
        assert_int_equal(mdp_parse_client(&fx->f, &svc, &body, err, sizeof err), -1);
        if (!strstr(err, cases[i].frag)) fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].frag);
    }
    assert_int_equal(fx->f.n, MDP_MAX_FRAMES);
    assert_int_equal(fx->f.dropped, 1);
}

/* ---- receive and helpers ---------------------------------------------------------- */

static void test_recv_nothing_waiting(void **state)
{
    fx_t *fx = *state;
    errno = 0;
    assert_int_equal(mdp_recv(fx->router, &fx->f, ZMQ_DONTWAIT), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(fx->f.n, 0);
    assert_int_equal(fx->f.dropped, 0);
}

static void test_span_and_hex(void **state)
{
    mdp_span_t s = {(const unsigned char *)"\x00\x80\x00\x00\x01", 5};
    char buf[11];
    assert_string_equal(mdp_hex(s, buf, sizeof buf), "0080000001");
    char small[5];
    assert_string_equal(mdp_hex(s, small, sizeof small), "0080");   /* truncated at whole bytes */
    char one[1] = {'x'};
    assert_string_equal(mdp_hex(s, one, sizeof one), "");
    assert_true(mdp_span_eq((mdp_span_t){(const unsigned char *)"abc", 3}, "abc"));
    assert_false(mdp_span_eq((mdp_span_t){(const unsigned char *)"abc", 2}, "abc"));
    assert_false(mdp_span_eq((mdp_span_t){(const unsigned char *)"abd", 3}, "abc"));
    assert_true(mdp_span_eq((mdp_span_t){(const unsigned char *)"", 0}, ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_client_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_req_client_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_heartbeat_disconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_to_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_to_dealer_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_wrong_protocol, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_missing_delimiter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_bad_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_frame_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_too_many_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recv_nothing_waiting, setup, teardown),
        cmocka_unit_test(test_span_and_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
