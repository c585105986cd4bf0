/* rabbit-bench: the RabbitMQ baseline of scripts/bench, through librabbitmq
 * (AMQP 0-9-1). Queues are quorum queues (Raft, fsynced before a publisher
 * confirm); every publish is persistent and waits for its confirm; consumers
 * ack by hand.
 *   intake     N publishes to one queue, W unconfirmed -> msgs_per_s
 *   latency    publishes at R per second (open loop, at most W unconfirmed)
 *              -> publish -> confirm p50/p99 in ms
 *   lifecycle  a ticket passes S queues: this process publishes to queue 1
 *              (at most W tickets in the system); K worker processes consume
 *              all S queues (prefetch C each), publish each message of queue
 *              k to queue k+1 and, once those are confirmed, ack what they
 *              took; so a ticket costs S confirmed publishes and S acks ->
 *              tickets_per_s end to end
 *   ping       waits until the server takes a login and a quorum queue
 * The queues of a run are deleted when it ends. Every loop is bounded by
 * --timeout; a send the server never drains is ended by the alarm that
 * bq_clock_start sets. */
#include "bench_queue.h"
#include "clock.h"
#include "xmalloc.h"
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char USAGE[] =
    "Usage: rabbit-bench intake    --port P --n N [--window W] [--size B] [--duration S]\n"
    "       rabbit-bench latency   --port P --rate R --n N [--window W] [--size B]\n"
    "       rabbit-bench lifecycle --port P --n N [--window W] [--stages S] [--workers K] [--count C]\n"
    "       rabbit-bench ping      --port P\n"
    "\n"
    "RabbitMQ quorum-queue baseline for scripts/bench (publisher confirms, manual\n"
    "acks); prints one JSON object on stdout.\n"
    "  intake     N confirmed publishes to one queue, W unconfirmed -> msgs_per_s\n"
    "  latency    publishes at R per second, at most W unconfirmed -> p50/p99 ms\n"
    "  lifecycle  each ticket passes S queues; K worker processes consume all S\n"
    "             (prefetch C), publish to the next queue, wait for the\n"
    "             confirms, then ack -> tickets_per_s\n"
    "  ping       waits until a login and a quorum queue declare succeed\n"
    "\n"
    "Options:\n"
    "      --host ADDR     server address (default 127.0.0.1)\n"
    "  -p, --port P        AMQP port (required); user guest, vhost /\n"
    "  -n, --n N           messages or tickets (default 10000; a cap with --duration)\n"
    "  -w, --window W      in flight: messages, or tickets in the system (default 100)\n"
    "  -b, --size B        message body bytes (default 200)\n"
    "  -s, --stages S      lifecycle: queues per ticket (default 5)\n"
    "  -k, --workers K     lifecycle: worker processes (default 2)\n"
    "  -C, --count C       lifecycle: prefetch per queue and worker (default 300)\n"
    "  -r, --rate R        latency: offered messages per second\n"
    "      --prefix P      queue name prefix (default rabbit-bench<pid>)\n"
    "      --duration S    send no new work after S seconds (N is then a cap)\n"
    "      --timeout S     give up after S seconds (default 300)\n"
    "  -h, --help          this text; --version: the version\n"
    "\n"
    "Exit status: 0 when every message was confirmed in time, 1 otherwise (the\n"
    "JSON says what happened), 64 bad usage.\n";

#define CH 1 /* the one channel of a connection */

static bq_opts_t O;
static char *g_body;

/* --- publisher confirms: which sequence numbers the server confirmed --- */

typedef struct {
    uint64_t next;      /* the last sequence number handed out (0: none) */
    uint64_t lo;        /* every number below lo is confirmed */
    size_t confirmed;   /* how many were confirmed */
    uint8_t *mark;      /* confirmed, for numbers in [lo, lo + cap) */
    size_t cap;
    bq_lat_t *lat;      /* latency run: message seq - 1 is timed (not owned) */
} confirms_t;

/* --- a delivered message, kept until its batch is acked --- */

typedef struct {
    int stage;          /* 1..S: the queue it came from */
    uint64_t tag;       /* delivery tag */
    size_t len;
    char *body;         /* owned */
} delivery_t;

/* The connection of this process and what arrives on it. */
typedef struct {
    amqp_connection_state_t conn;
    confirms_t cf;
    delivery_t *dl;     /* in arrival order */
    size_t ndl, dlcap;
    bool open;          /* the channel is open: close it politely */
} peer_t;

static peer_t P;

static void queue_name(char *buf, size_t cap, int k) { snprintf(buf, cap, "%s.q%d", O.prefix, k); }

static void confirms_init(confirms_t *cf, size_t cap)
{
    *cf = (confirms_t){.lo = 1, .cap = cap, .mark = xcalloc(cap, 1)};
}

static int on_confirm(confirms_t *cf, uint64_t tag, bool multiple)
{
    if (tag < cf->lo) return 0; /* confirmed already */
    if (tag > cf->next || tag - cf->lo >= cf->cap) { bq_note("confirm", "tag out of range"); return -1; }
    for (uint64_t s = multiple ? cf->lo : tag; s <= tag; s++) {
        if (s < cf->lo || cf->mark[s % cf->cap]) continue;
        cf->mark[s % cf->cap] = 1;
        cf->confirmed++;
        if (cf->lat) bq_lat_acked(cf->lat, (size_t)(s - 1));
    }
    while (cf->lo <= cf->next && cf->mark[cf->lo % cf->cap]) cf->mark[cf->lo++ % cf->cap] = 0;
    return 0;
}

static bool all_confirmed(const confirms_t *cf) { return cf->lo > cf->next; }

/* --- the connection --- */

/* Notes why the server closed the channel or the connection (method id and
 * its decoded arguments); false if the method is neither. */
static bool note_close(const char *what, amqp_method_number_t id, void *m)
{
    if (id != AMQP_CHANNEL_CLOSE_METHOD && id != AMQP_CONNECTION_CLOSE_METHOD) return false;
    amqp_bytes_t t = id == AMQP_CHANNEL_CLOSE_METHOD ? ((amqp_channel_close_t *)m)->reply_text
                                                     : ((amqp_connection_close_t *)m)->reply_text;
    char buf[160];
    snprintf(buf, sizeof buf, "%.*s", (int)t.len, (const char *)t.bytes);
    bq_note(what, buf);
    return true;
}

static int rpc_ok(const char *what)
{
    amqp_rpc_reply_t r = amqp_get_rpc_reply(P.conn);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) return 0;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) bq_note(what, amqp_error_string2(r.library_error));
    else if (!note_close(what, r.reply.id, r.reply.decoded)) bq_note(what, "refused by the server");
    return -1;
}

/* Connects, logs in and opens the channel; 0 or -1 (bq_error says why). */
static int peer_open(void)
{
    struct timeval tv = {5, 0};
    P.conn = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(P.conn);
    int r = s ? amqp_socket_open_noblock(s, O.host, O.port, &tv) : AMQP_STATUS_NO_MEMORY;
    if (r != AMQP_STATUS_OK) {
        bq_note("connect", amqp_error_string2(r));
        amqp_destroy_connection(P.conn);
        P.conn = NULL;
        return -1;
    }
    amqp_set_handshake_timeout(P.conn, &tv);
    amqp_set_rpc_timeout(P.conn, &tv);
    amqp_rpc_reply_t lr = amqp_login(P.conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    if (lr.reply_type != AMQP_RESPONSE_NORMAL) { bq_note("login", "refused or timed out"); return -1; }
    amqp_channel_open(P.conn, CH);
    if (rpc_ok("channel.open")) return -1;
    P.open = true;
    confirms_init(&P.cf, (O.window > (size_t)O.stages * O.count ? O.window : (size_t)O.stages * O.count) * 2 + 16);
    P.dlcap = (size_t)O.stages * O.count + 16;
    P.dl = xcalloc(P.dlcap, sizeof *P.dl);
    return 0;
}

static void peer_close(void)
{
    if (P.conn && P.open) {
        amqp_channel_close(P.conn, CH, AMQP_REPLY_SUCCESS);
        amqp_connection_close(P.conn, AMQP_REPLY_SUCCESS);
    }
    if (P.conn) amqp_destroy_connection(P.conn);
    for (size_t i = 0; i < P.ndl; i++) free(P.dl[i].body);
    free(P.dl);
    free(P.cf.mark);
    P = (peer_t){0};
}

static int confirm_select(void)
{
    amqp_confirm_select(P.conn, CH);
    return rpc_ok("confirm.select");
}

static int declare(int k)
{
    char name[80];
    queue_name(name, sizeof name, k);
    amqp_table_entry_t e = {.key = amqp_cstring_bytes("x-queue-type"),
                            .value = {.kind = AMQP_FIELD_KIND_UTF8, .value = {.bytes = amqp_cstring_bytes("quorum")}}};
    amqp_table_t args = {.num_entries = 1, .entries = &e};
    amqp_queue_declare(P.conn, CH, amqp_cstring_bytes(name), 0, 1, 0, 0, args);
    return rpc_ok("queue.declare");
}

/* Deletes queues first..last (not measured: it keeps the server's disk and
 * memory flat between runs). */
static void drop_queues(int first, int last)
{
    char name[80];
    for (int k = first; k <= last && P.conn; k++) {
        queue_name(name, sizeof name, k);
        amqp_queue_delete(P.conn, CH, amqp_cstring_bytes(name), 0, 0);
        if (rpc_ok("queue.delete")) break;
    }
}

/* A persistent publish to queue k, counted for its confirm; 0 or -1. */
static int publish(int k, const char *body, size_t len)
{
    char name[80];
    queue_name(name, sizeof name, k);
    amqp_basic_properties_t props = {._flags = AMQP_BASIC_DELIVERY_MODE_FLAG, .delivery_mode = 2};
    amqp_bytes_t b = {.len = len, .bytes = (void *)body};
    int r = amqp_basic_publish(P.conn, CH, amqp_empty_bytes, amqp_cstring_bytes(name), 0, 0, &props, b);
    if (r != AMQP_STATUS_OK) { bq_note("publish", amqp_error_string2(r)); return -1; }
    P.cf.next++;
    return 0;
}

/* --- what arrives --- */

/* The next frame, waiting at most wait_ms: 1, 0 (none yet) or -1. */
static int next_frame(amqp_frame_t *f, int wait_ms)
{
    struct timeval tv = {wait_ms / 1000, (wait_ms % 1000) * 1000};
    int r = amqp_simple_wait_frame_noblock(P.conn, f, &tv);
    if (r == AMQP_STATUS_OK) return 1;
    if (r == AMQP_STATUS_TIMEOUT) return 0;
    bq_note("read", amqp_error_string2(r));
    return -1;
}

/* The next frame of a message already begun: it follows at once. */
static int content_frame(amqp_frame_t *f, int type)
{
    int k;
    while ((k = next_frame(f, 100)) == 0)
        if (bq_expired()) break;
    if (k == 1 && f->frame_type == type) return 0;
    bq_note("deliver", "a content frame is missing");
    return -1;
}

/* A delivery: its header and body frames follow the method frame. */
static int take_delivery(const amqp_basic_deliver_t *d)
{
    char tag[8] = "";
    snprintf(tag, sizeof tag, "%.*s", (int)(d->consumer_tag.len < 7 ? d->consumer_tag.len : 7), (const char *)d->consumer_tag.bytes);
    int stage = atoi(tag);
    if (stage < 1 || stage > O.stages || P.ndl == P.dlcap) { bq_note("deliver", "from an unknown consumer, or too many"); return -1; }
    delivery_t x = {.stage = stage, .tag = d->delivery_tag};
    amqp_frame_t f;
    if (content_frame(&f, AMQP_FRAME_HEADER)) return -1;
    x.len = (size_t)f.payload.properties.body_size;
    x.body = xmalloc(x.len + 1);
    for (size_t got = 0; got < x.len; got += f.payload.body_fragment.len) {
        if (content_frame(&f, AMQP_FRAME_BODY) || f.payload.body_fragment.len > x.len - got) { free(x.body); return -1; }
        memcpy(x.body + got, f.payload.body_fragment.bytes, f.payload.body_fragment.len);
    }
    P.dl[P.ndl++] = x;
    return 0;
}

static int on_frame(const amqp_frame_t *f)
{
    if (f->frame_type != AMQP_FRAME_METHOD) { bq_note("read", "a content frame without its method"); return -1; }
    void *m = f->payload.method.decoded;
    switch (f->payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: return on_confirm(&P.cf, ((amqp_basic_ack_t *)m)->delivery_tag, ((amqp_basic_ack_t *)m)->multiple);
    case AMQP_BASIC_NACK_METHOD: bq_note("confirm", "the server refused a message (basic.nack)"); return -1;
    case AMQP_BASIC_DELIVER_METHOD: return take_delivery(m);
    default: /* e.g. connection.blocked: the publishes stall, the deadline ends it */
        return note_close("closed by the server", f->payload.method.id, m) ? -1 : 0;
    }
}

/* Handles what arrives: waits up to wait_ms for a first frame, then takes
 * every frame already here. The number of frames, or -1. */
static int pump(int wait_ms)
{
    amqp_frame_t f;
    int n = 0, k;
    while ((k = next_frame(&f, n ? 0 : wait_ms)) == 1) {
        if (on_frame(&f) != 0) return -1;
        n++;
    }
    amqp_maybe_release_buffers(P.conn); /* deliveries were copied out */
    return k < 0 ? -1 : n;
}

/* True while one more publish keeps the unconfirmed ones within the ring. */
static bool can_publish(void) { return P.cf.next + 1 - P.cf.lo < P.cf.cap; }

/* --- intake and latency --- */

static int cmd_intake(void)
{
    if (confirm_select() || declare(0)) return bq_print_failed(O.cmd, "rabbitmq");
    double c0 = bq_cpu_s(false);
    bq_duration_start();
    int64_t t0 = clock_mono_ns();
    size_t cap = O.n;
    int rc = 0;
    while (rc == 0 && P.cf.confirmed < cap) {
        if (bq_stopping() && cap > P.cf.next) cap = P.cf.next;
        while (rc == 0 && P.cf.next < cap && P.cf.next - P.cf.confirmed < O.window && can_publish())
            rc = publish(0, g_body, O.size) ? 1 : 0;
        if (rc == 0 && P.cf.confirmed < cap && (pump(100) < 0 || bq_expired())) rc = 1;
    }
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    printf("{\"mode\":\"intake\",\"system\":\"rabbitmq\",\"ok\":%s,\"n\":%zu,\"window\":%zu,\"size\":%zu,\"secs\":%.4f,"
           "\"msgs_per_s\":%.1f,\"client_cpu_s\":%.3f",
           rc ? "false" : "true", P.cf.confirmed, O.window, O.size, secs, (double)P.cf.confirmed / secs,
           bq_cpu_s(false) - c0);
    bq_print_error();
    printf("}\n");
    drop_queues(0, 0);
    return rc;
}

static int cmd_latency(void)
{
    if (confirm_select() || declare(0)) return bq_print_failed(O.cmd, "rabbitmq");
    bq_lat_t l;
    bq_lat_init(&l, O.n, O.rate);
    P.cf.lat = &l;
    int rc = 0;
    while (rc == 0 && l.got < l.n) {
        while (rc == 0 && bq_lat_due(&l, O.window) && can_publish()) { /* each message leaves at its time */
            rc = publish(0, g_body, O.size) ? 1 : 0;
            bq_lat_sent(&l);
        }
        if (rc == 0 && (pump(bq_lat_wait_ms(&l, O.window)) < 0 || bq_expired())) rc = 1;
    }
    bq_lat_print(&l, rc == 0, "rabbitmq");
    P.cf.lat = NULL;
    bq_lat_free(&l);
    drop_queues(0, 0);
    return rc;
}

/* --- lifecycle --- */

/* Passes on (and has confirmed) every delivery held, then acks them all. */
static int work_batch(bq_shared_t *sh)
{
    size_t b = P.ndl, finished = 0;
    uint64_t max_tag = 0;
    for (size_t i = 0; i < b; i++) {
        delivery_t *d = &P.dl[i];
        if (d->stage == O.stages) finished++;
        else if (!can_publish() || publish(d->stage + 1, d->body, d->len)) return -1;
        if (d->tag > max_tag) max_tag = d->tag;
    }
    while (!all_confirmed(&P.cf))
        if (pump(100) < 0 || bq_expired() || atomic_load(&sh->stop)) return -1;
    /* Deliveries come in tag order, so this acks exactly the batch. */
    int r = amqp_basic_ack(P.conn, CH, max_tag, 1);
    if (r != AMQP_STATUS_OK) { bq_note("ack", amqp_error_string2(r)); return -1; }
    for (size_t i = 0; i < b; i++) free(P.dl[i].body);
    memmove(P.dl, P.dl + b, (P.ndl - b) * sizeof *P.dl);
    P.ndl -= b;
    if (finished) atomic_fetch_add(&sh->done, finished);
    return 0;
}

static int consume_all(void)
{
    amqp_basic_qos(P.conn, CH, 0, (uint16_t)(O.count > 65535 ? 65535 : O.count), 0);
    if (rpc_ok("basic.qos")) return -1;
    for (int k = 1; k <= O.stages; k++) {
        char name[80], tag[16];
        queue_name(name, sizeof name, k);
        snprintf(tag, sizeof tag, "%d", k);
        amqp_basic_consume(P.conn, CH, amqp_cstring_bytes(name), amqp_cstring_bytes(tag), 0, 0, 0, amqp_empty_table);
        if (rpc_ok("basic.consume")) return -1;
    }
    return 0;
}

static int worker_main(int worker, void *arg)
{
    bq_shared_t *sh = arg;
    P = (peer_t){0}; /* the parent's connection is the parent's: not used, not closed */
    int rc = peer_open() || confirm_select() || consume_all() ? -1 : 0;
    while (rc == 0 && !atomic_load(&sh->stop) && !bq_expired()) {
        int k = pump(100);
        if (k < 0 || (P.ndl && work_batch(sh) != 0)) rc = -1;
    }
    if (rc != 0 && !atomic_load(&sh->stop)) bq_fail(sh, "worker %d: %s", worker, bq_error()[0] ? bq_error() : "failed");
    peer_close();
    return rc ? 1 : 0;
}

/* Publishes to queue 1, at most W tickets in the system, until every ticket
 * fed came out of the last queue. *fed: tickets sent. 0 or -1. */
static int feed(bq_shared_t *sh, size_t *fed, void *unused)
{
    size_t cap = O.n;
    int rc = 0;
    while (rc == 0 && atomic_load(&sh->done) < cap) {
        if (bq_stopping() && cap > P.cf.next) cap = P.cf.next;
        size_t done = atomic_load(&sh->done);
        while (rc == 0 && P.cf.next < cap && P.cf.next - done < O.window && can_publish()) rc = publish(1, g_body, O.size);
        if (rc == 0 && (pump(1) < 0 || atomic_load(&sh->failed) || bq_expired())) rc = -1;
    }
    while (rc == 0 && !all_confirmed(&P.cf))
        if (pump(100) < 0 || bq_expired()) rc = -1;
    *fed = P.cf.next;
    return rc;
}

static int cmd_lifecycle(void)
{
    if (confirm_select()) return bq_print_failed(O.cmd, "rabbitmq");
    for (int k = 1; k <= O.stages; k++)
        if (declare(k)) return bq_print_failed(O.cmd, "rabbitmq");
    int rc = bq_lifecycle(&O, "rabbitmq", worker_main, feed, NULL);
    drop_queues(1, O.stages);
    return rc;
}

/* --- ping --- */

static int cmd_ping(void)
{
    snprintf(O.prefix + strlen(O.prefix), sizeof O.prefix - strlen(O.prefix), "%s", ".ping");
    for (;;) {
        if (peer_open() == 0 && declare(0) == 0) {
            drop_queues(0, 0);
            printf("{\"mode\":\"ping\",\"system\":\"rabbitmq\",\"ok\":true,\"quorum_queue\":true}\n");
            peer_close();
            return 0;
        }
        peer_close();
        if (bq_expired()) return bq_print_failed(O.cmd, "rabbitmq");
        bq_clear_error();
        usleep(100000);
    }
}

int main(int argc, char **argv)
{
    static const char *const CMDS[] = {"intake", "latency", "lifecycle", "ping", NULL};
    int rc = bq_parse(&O, "rabbit-bench", USAGE, CMDS, argc, argv);
    if (rc) return rc == 1 ? 0 : rc;
    g_body = bq_body(O.size);
    bq_clock_start(&O);
    if (O.which == 3) rc = cmd_ping();
    else if (peer_open() != 0) rc = bq_print_failed(O.cmd, "rabbitmq");
    else rc = O.which == 0 ? cmd_intake() : O.which == 1 ? cmd_latency() : cmd_lifecycle();
    peer_close();
    free(g_body);
    return rc;
}
