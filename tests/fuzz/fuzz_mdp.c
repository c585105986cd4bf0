/* fuzz_mdp: the 7/MDP frame parsers (core/mdp.c) on frame sets built from the
 * input, as mdp_recv would fill them; no sockets are involved.
 * Input: up to 10 frames, each a length byte L and then L bytes (fewer if the
 * input ends first); L = 0xff takes the rest of the input. Frames past
 * MDP_MAX_FRAMES count as dropped, like mdp_recv does.
 * Invariants: every accepted message has exactly the frame count its command
 * needs and nothing dropped; every span points into the frame it names;
 * service names are 1..64 bytes; mdp_hex stays inside its buffer. */
#include "fuzz.h"
#include "mdp.h"
#include "wire.h"
#include <string.h>

#define MAX_INPUT_FRAMES 10

static void build(mdp_frames_t *f, const uint8_t *data, size_t size)
{
    memset(f, 0, sizeof *f);
    size_t off = 0;
    for (int i = 0; i < MAX_INPUT_FRAMES && off < size; i++) {
        size_t len = data[off++];
        if (len == 0xff || len > size - off) len = size - off;
        if (f->n < MDP_MAX_FRAMES) {
            zmq_msg_t *m = &f->part[f->n++];
            FUZZ_CHECK(zmq_msg_init_size(m, len) == 0);
            if (len) memcpy(zmq_msg_data(m), data + off, len);
        } else {
            f->dropped++;
        }
        off += len;
    }
}

static mdp_span_t frame(const mdp_frames_t *f, int i)
{
    zmq_msg_t *m = (zmq_msg_t *)&f->part[i];
    mdp_span_t s = {zmq_msg_data(m), zmq_msg_size(m)};
    return s;
}

/* s is frame i exactly. */
static void is_frame(const mdp_frames_t *f, int i, mdp_span_t s)
{
    FUZZ_CHECK(i < f->n);
    mdp_span_t fr = frame(f, i);
    FUZZ_CHECK(s.p == fr.p && s.n == fr.n);
}

static void check_hex(mdp_span_t s)
{
    static const char digits[] = "0123456789abcdef";
    char buf[MDP_MAX_ADDR * 2 + 1];
    for (size_t len = 0; len <= 12; len++) {
        char small[13];
        memset(small, 'x', sizeof small);
        mdp_hex(s, small, len);
        if (len == 0) { FUZZ_CHECK(small[0] == 'x'); continue; }
        size_t n = strnlen(small, len);
        FUZZ_CHECK(n < len && n % 2 == 0 && n / 2 <= s.n && (n / 2 == s.n || n + 3 > len));
        for (size_t i = len; i < sizeof small; i++) FUZZ_CHECK(small[i] == 'x');
    }
    mdp_span_t cut = {s.p, s.n > MDP_MAX_ADDR ? MDP_MAX_ADDR : s.n};
    FUZZ_CHECK(strlen(mdp_hex(cut, buf, sizeof buf)) == 2 * cut.n);
    for (size_t i = 0; i < cut.n; i++)
        FUZZ_CHECK(buf[2 * i] == digits[cut.p[i] >> 4] && buf[2 * i + 1] == digits[cut.p[i] & 15]);
}

static void decode_body(mdp_span_t body)
{
    char err[256];
    wire_msg_t *m = wire_msg_new();
    const msgpack_object *o = wire_decode(m, body.p, body.n, err, sizeof err);
    FUZZ_CHECK(o != NULL || err[0] != '\0');
    wire_msg_destroy(&m);
}

static void check_router(const mdp_frames_t *f)
{
    mdp_router_msg_t r;
    char err[256] = "";
    if (mdp_parse_router(f, &r, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != '\0');
        return;
    }
    FUZZ_CHECK(f->dropped == 0 && frame(f, 1).n == 0);
    is_frame(f, 0, r.peer);
    check_hex(r.peer);
    if (r.origin == MDP_FROM_CLIENT) {
        FUZZ_CHECK(f->n == 5 && r.cmd == 0 && mdp_span_eq(frame(f, 2), MDPC));
        is_frame(f, 3, r.service);
        is_frame(f, 4, r.body);
        FUZZ_CHECK(r.service.n >= 1 && r.service.n <= MDP_MAX_SERVICE);
        decode_body(r.body);
        return;
    }
    FUZZ_CHECK(r.origin == MDP_FROM_WORKER && mdp_span_eq(frame(f, 2), MDPW));
    FUZZ_CHECK(frame(f, 3).n == 1 && frame(f, 3).p[0] == r.cmd);
    switch (r.cmd) {
    case MDP_READY:
        FUZZ_CHECK(f->n == 5);
        is_frame(f, 4, r.service);
        FUZZ_CHECK(r.service.n >= 1 && r.service.n <= MDP_MAX_SERVICE);
        break;
    case MDP_REPLY:
        FUZZ_CHECK(f->n == 7 && frame(f, 5).n == 0);
        is_frame(f, 4, r.client);
        is_frame(f, 6, r.body);
        check_hex(r.client);
        decode_body(r.body);
        break;
    case MDP_HEARTBEAT:
    case MDP_DISCONNECT:
        FUZZ_CHECK(f->n == 4);
        break;
    default:
        FUZZ_CHECK(!"router accepted a command a worker may not send");
    }
}

static void check_worker(const mdp_frames_t *f)
{
    mdp_worker_msg_t w;
    char err[256] = "";
    if (mdp_parse_worker(f, &w, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != '\0');
        return;
    }
    FUZZ_CHECK(f->dropped == 0 && frame(f, 0).n == 0 && mdp_span_eq(frame(f, 1), MDPW));
    FUZZ_CHECK(frame(f, 2).n == 1 && frame(f, 2).p[0] == w.cmd);
    if (w.cmd == MDP_REQUEST) {
        FUZZ_CHECK(f->n == 6 && frame(f, 4).n == 0);
        is_frame(f, 3, w.client);
        is_frame(f, 5, w.body);
        decode_body(w.body);
    } else {
        FUZZ_CHECK((w.cmd == MDP_HEARTBEAT || w.cmd == MDP_DISCONNECT) && f->n == 3);
    }
}

static void check_client(const mdp_frames_t *f)
{
    mdp_span_t service, body;
    char err[256] = "";
    if (mdp_parse_client(f, &service, &body, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != '\0');
        return;
    }
    int b = frame(f, 0).n == 0 ? 1 : 0;
    FUZZ_CHECK(f->dropped == 0 && f->n == b + 3 && mdp_span_eq(frame(f, b), MDPC));
    is_frame(f, b + 1, service);
    is_frame(f, b + 2, body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mdp_frames_t f;
    build(&f, data, size);
    check_router(&f);
    check_worker(&f);
    check_client(&f);
    mdp_frames_close(&f);
    FUZZ_CHECK(f.n == 0 && f.dropped == 0);
    return 0;
}
