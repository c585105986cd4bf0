/* redis-bench: the Redis Streams baseline of scripts/bench, through hiredis.
 * The durable acknowledgment is the reply to XADD: with --appendfsync always
 * Redis writes it only after the AOF is fsynced (with everysec, before).
 *   intake     XADD of N messages to one stream, W in flight -> msgs_per_s
 *   latency    XADD at R per second (open loop, at most W in flight) ->
 *              XADD -> reply p50/p99 in ms
 *   lifecycle  a ticket passes S streams: this process feeds stream 1 (at
 *              most W tickets in the system); K worker processes read all S
 *              streams with XREADGROUP (COUNT C) in one consumer group, XADD
 *              each message of stream k to stream k+1 and, once those
 *              replies are in, XACK what they read; so a ticket costs S
 *              durable XADDs and S XACKs -> tickets_per_s end to end
 *   ping       waits until the server answers; prints its AOF settings
 * The streams of a run are deleted when it ends. Every loop is bounded by
 * --timeout (and the connection is non-blocking: no call waits forever). */
#include "bench_queue.h"
#include "clock.h"
#include "xmalloc.h"
#include <errno.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char USAGE[] =
    "Usage: redis-bench intake    --port P --n N [--window W] [--size B] [--duration S]\n"
    "       redis-bench latency   --port P --rate R --n N [--window W] [--size B]\n"
    "       redis-bench lifecycle --port P --n N [--window W] [--stages S] [--workers K] [--count C]\n"
    "       redis-bench ping      --port P\n"
    "\n"
    "Redis Streams baseline for scripts/bench; prints one JSON object on stdout.\n"
    "  intake     XADD N messages to one stream, W in flight -> msgs_per_s\n"
    "  latency    XADD at R per second, at most W in flight -> p50/p99 ms\n"
    "  lifecycle  each ticket passes S streams; K worker processes XREADGROUP\n"
    "             (COUNT C) over all S, XADD to the next stream, then XACK ->\n"
    "             tickets_per_s (S durable writes and S acks per ticket)\n"
    "  ping       waits until the server answers; prints appendonly/appendfsync\n"
    "\n"
    "Options:\n"
    "      --host ADDR     server address (default 127.0.0.1)\n"
    "  -p, --port P        server port (required)\n"
    "  -n, --n N           messages or tickets (default 10000; a cap with --duration)\n"
    "  -w, --window W      in flight: messages, or tickets in the system (default 100)\n"
    "  -b, --size B        message body bytes (default 200)\n"
    "  -s, --stages S      lifecycle: streams per ticket (default 5)\n"
    "  -k, --workers K     lifecycle: worker processes (default 2)\n"
    "  -C, --count C       lifecycle: XREADGROUP COUNT per stream (default 300)\n"
    "  -r, --rate R        latency: offered messages per second\n"
    "      --prefix P      stream key prefix (default redis-bench<pid>)\n"
    "      --duration S    send no new work after S seconds (N is then a cap)\n"
    "      --timeout S     give up after S seconds (default 300)\n"
    "  -h, --help          this text; --version: the version\n"
    "\n"
    "Exit status: 0 when every message was acknowledged in time, 1 otherwise\n"
    "(the JSON says what happened), 64 bad usage.\n";

static bq_opts_t O;
static char *g_body;

/* --- a non-blocking hiredis connection --- */

static redisContext *r_open(void)
{
    redisContext *c = redisConnectNonBlock(O.host, O.port);
    if (!c || c->err) {
        bq_note("connect", c ? c->errstr : "out of memory");
        if (c) redisFree(c);
        return NULL;
    }
    struct pollfd p = {.fd = c->fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, 2000) != 1 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
        bq_note("connect", err ? strerror(err) : "timed out");
        redisFree(c);
        return NULL;
    }
    return c;
}

/* Writes what the commands appended; -1 on error or past the deadline. */
static int r_flush(redisContext *c)
{
    int done = 0;
    while (!done) {
        if (redisBufferWrite(c, &done) != REDIS_OK) { bq_note("write", c->errstr); return -1; }
        if (done) break;
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        if (poll(&p, 1, 100) < 0 && errno != EINTR) return -1;
        if (bq_expired()) { bq_note("write", "timed out"); return -1; }
    }
    return 0;
}

/* The next reply, waiting at most wait_ms for it: 1 with *out (caller frees),
 * 0 none yet, -1 on a broken connection or an error reply. */
static int r_next(redisContext *c, int wait_ms, redisReply **out)
{
    void *r = NULL;
    if (redisGetReplyFromReader(c, &r) != REDIS_OK) { bq_note("read", c->errstr); return -1; }
    if (!r) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int k = poll(&p, 1, wait_ms);
        if (k < 0 && errno != EINTR) { bq_note("poll", strerror(errno)); return -1; }
        if (k <= 0) return 0;
        if (redisBufferRead(c) != REDIS_OK || redisGetReplyFromReader(c, &r) != REDIS_OK) {
            bq_note("read", c->errstr);
            return -1;
        }
        if (!r) return 0;
    }
    *out = r;
    if ((*out)->type == REDIS_REPLY_ERROR) {
        bq_note("reply", (*out)->str);
        freeReplyObject(*out);
        return -1;
    }
    return 1;
}

/* The next reply, waiting until the deadline. */
static redisReply *r_wait(redisContext *c)
{
    redisReply *r = NULL;
    for (;;) {
        int k = r_next(c, 100, &r);
        if (k == 1) return r;
        if (k < 0) return NULL;
        if (bq_expired()) { bq_note("read", "timed out"); return NULL; }
    }
}

/* One command, sent and answered (setup and cleanup; not measured). */
static int r_call(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = redisvAppendCommand(c, fmt, ap);
    va_end(ap);
    if (rc != REDIS_OK || r_flush(c) != 0) return -1;
    redisReply *r = r_wait(c);
    if (!r) return -1;
    freeReplyObject(r);
    return 0;
}

/* Stream k of the run: 0 for intake and latency, 1..S for the lifecycle. */
static void stream_key(char *buf, size_t cap, int k) { snprintf(buf, cap, "%s:s%d", O.prefix, k); }

/* Deletes streams first..last (not measured: it keeps the server's memory flat). */
static void drop_streams(redisContext *c, int first, int last)
{
    char key[80];
    for (int i = first; i <= last; i++) {
        stream_key(key, sizeof key, i);
        r_call(c, "DEL %s", key);
    }
}

/* --- intake --- */

static int cmd_intake(redisContext *c)
{
    char key[80];
    stream_key(key, sizeof key, 0);
    double c0 = bq_cpu_s(false);
    bq_duration_start();
    int64_t t0 = clock_mono_ns();
    size_t sent = 0, done = 0, cap = O.n;
    int rc = 0;
    while (done < cap && rc == 0) {
        if (bq_stopping() && cap > sent) cap = sent;
        while (sent < cap && sent - done < O.window) redisAppendCommand(c, "XADD %s * b %b", key, g_body, O.size), sent++;
        if (done >= cap) break;
        redisReply *r = r_flush(c) == 0 ? r_wait(c) : NULL;
        while (r) { /* the reply waited for, then every one already here */
            freeReplyObject(r);
            done++;
            if (done == sent || r_next(c, 0, &r) != 1) r = NULL;
        }
        if (bq_error()[0] || bq_expired()) rc = 1;
    }
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    printf("{\"mode\":\"intake\",\"system\":\"redis\",\"ok\":%s,\"n\":%zu,\"window\":%zu,\"size\":%zu,\"secs\":%.4f,"
           "\"msgs_per_s\":%.1f,\"client_cpu_s\":%.3f",
           rc ? "false" : "true", done, O.window, O.size, secs, (double)done / secs, bq_cpu_s(false) - c0);
    bq_print_error();
    printf("}\n");
    drop_streams(c, 0, 0);
    return rc;
}

/* --- latency --- */

static int cmd_latency(redisContext *c)
{
    char key[80];
    stream_key(key, sizeof key, 0);
    bq_lat_t l;
    bq_lat_init(&l, O.n, O.rate);
    int rc = 0;
    while (l.got < l.n && rc == 0) {
        while (rc == 0 && bq_lat_due(&l, O.window)) { /* each message leaves at its time */
            redisAppendCommand(c, "XADD %s * b %b", key, g_body, O.size);
            rc = r_flush(c) ? 1 : 0;
            bq_lat_sent(&l);
        }
        redisReply *r;
        int k, wait = bq_lat_wait_ms(&l, O.window);
        while (rc == 0 && (k = r_next(c, wait, &r)) != 0) { /* replies come in order */
            if (k < 0) { rc = 1; break; }
            bq_lat_acked(&l, l.got);
            freeReplyObject(r);
            wait = 0;
        }
        if (bq_expired()) { bq_note("latency", "timed out"); rc = 1; }
    }
    bq_lat_print(&l, rc == 0, "redis");
    bq_lat_free(&l);
    drop_streams(c, 0, 0);
    return rc;
}

/* --- lifecycle --- */

typedef struct {
    char key[20][80];   /* stream k at key[k-1] */
    const char **argv;  /* scratch for XACK and XREADGROUP */
    size_t *argl;
} streams_t;

static streams_t g_st;

static void append_read(redisContext *c, int worker)
{
    char consumer[16], count[24];
    snprintf(consumer, sizeof consumer, "w%d", worker);
    snprintf(count, sizeof count, "%zu", O.count);
    const char *head[] = {"XREADGROUP", "GROUP", "g", consumer, "COUNT", count, "BLOCK", "100", "STREAMS"};
    int n = 0;
    for (size_t i = 0; i < sizeof head / sizeof *head; i++) g_st.argv[n++] = head[i];
    for (int k = 0; k < O.stages; k++) g_st.argv[n++] = g_st.key[k];
    for (int k = 0; k < O.stages; k++) g_st.argv[n++] = ">";
    for (int i = 0; i < n; i++) g_st.argl[i] = strlen(g_st.argv[i]);
    redisAppendCommandArgv(c, n, g_st.argv, g_st.argl);
}

/* The stage (1..S) of a stream named in a reply; 0 if it is none of ours. */
static int stage_of(const redisReply *name)
{
    for (int k = 0; k < O.stages; k++)
        if (name->type == REDIS_REPLY_STRING && strcmp(name->str, g_st.key[k]) == 0) return k + 1;
    return 0;
}

/* True if e is an entry [id, [field, value]] with a string id and value. */
static bool entry_ok(const redisReply *e)
{
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING) return false;
    const redisReply *f = e->element[1];
    return f->type == REDIS_REPLY_ARRAY && f->elements == 2 && f->element[1]->type == REDIS_REPLY_STRING;
}

/* Passes every message read on to the next stream, counting the XADDs;
 * -1 if the reply is not the shape XREADGROUP gives. */
static int append_forwards(redisContext *c, const redisReply *rd, size_t *xadds)
{
    for (size_t s = 0; s < rd->elements; s++) {
        const redisReply *st = rd->element[s];
        int k = st->type == REDIS_REPLY_ARRAY && st->elements == 2 ? stage_of(st->element[0]) : 0;
        if (!k || st->element[1]->type != REDIS_REPLY_ARRAY) return -1;
        const redisReply *es = st->element[1];
        for (size_t e = 0; e < es->elements; e++) {
            if (!entry_ok(es->element[e])) return -1;
            if (k == O.stages) continue;
            const redisReply *v = es->element[e]->element[1]->element[1];
            redisAppendCommand(c, "XADD %s * b %b", g_st.key[k], v->str, (size_t)v->len);
            (*xadds)++;
        }
    }
    return 0;
}

/* One XACK per stream read; *finished: messages acked on the last stream. */
static size_t append_acks(redisContext *c, const redisReply *rd, size_t *finished)
{
    for (size_t s = 0; s < rd->elements; s++) {
        const redisReply *st = rd->element[s], *es = st->element[1];
        int k = stage_of(st->element[0]), n = 0;
        g_st.argv[n++] = "XACK", g_st.argv[n++] = g_st.key[k - 1], g_st.argv[n++] = "g";
        for (size_t e = 0; e < es->elements; e++) g_st.argv[n++] = es->element[e]->element[0]->str;
        for (int i = 0; i < n; i++) g_st.argl[i] = strlen(g_st.argv[i]);
        redisAppendCommandArgv(c, n, g_st.argv, g_st.argl);
        if (k == O.stages) *finished += es->elements;
    }
    return rd->elements;
}

/* Waits for k replies; -1 if one is missing or an error. */
static int take_replies(redisContext *c, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        redisReply *r = r_wait(c);
        if (!r) return -1;
        freeReplyObject(r);
    }
    return 0;
}

/* One read and what it asks for: XADDs, their replies, then the XACKs, sent
 * together with the next read. 0 or -1. */
static int work_once(redisContext *c, bq_shared_t *sh, int worker)
{
    redisReply *rd = r_wait(c);
    if (!rd) return -1;
    size_t xadds = 0, acks = 0, finished = 0;
    int rc = 0;
    if (rd->type == REDIS_REPLY_ARRAY) {
        if (append_forwards(c, rd, &xadds) != 0) { bq_note("XREADGROUP", "unexpected reply shape"); rc = -1; }
        if (rc == 0 && xadds && (r_flush(c) != 0 || take_replies(c, xadds) != 0)) rc = -1;
        if (rc == 0) acks = append_acks(c, rd, &finished);
    }
    if (rc == 0) append_read(c, worker);
    if (rc == 0 && (r_flush(c) != 0 || take_replies(c, acks) != 0)) rc = -1;
    if (rc == 0 && finished) atomic_fetch_add(&sh->done, finished);
    freeReplyObject(rd);
    return rc;
}

static int worker_main(int worker, void *arg)
{
    bq_shared_t *sh = arg;
    redisContext *c = r_open();
    int rc = c ? 0 : -1;
    if (c) {
        append_read(c, worker);
        rc = r_flush(c);
    }
    while (rc == 0 && !atomic_load(&sh->stop) && !bq_expired()) rc = work_once(c, sh, worker);
    if (rc != 0 && !atomic_load(&sh->stop)) bq_fail(sh, "worker %d: %s", worker, bq_error()[0] ? bq_error() : "failed");
    if (c) redisFree(c);
    return rc ? 1 : 0;
}

/* Feeds stream 1, at most W tickets in the system, until every ticket fed
 * came out of the last stage. *fed: tickets sent. 0 or -1. */
static int feed(bq_shared_t *sh, size_t *fed, void *conn)
{
    redisContext *c = conn;
    size_t sent = 0, acked = 0, cap = O.n;
    while (atomic_load(&sh->done) < cap) {
        if (bq_stopping() && cap > sent) cap = sent;
        size_t done = atomic_load(&sh->done), k = 0;
        while (sent + k < cap && sent + k - done < O.window)
            redisAppendCommand(c, "XADD %s * b %b", g_st.key[0], g_body, O.size), k++;
        sent += k;
        if (k && r_flush(c) != 0) break;
        redisReply *r;
        int x, wait = 1; /* ms: also the pause while the window is full */
        while ((x = r_next(c, wait, &r)) == 1) freeReplyObject(r), acked++, wait = 0;
        if (x < 0 || atomic_load(&sh->failed) || bq_expired()) break;
    }
    *fed = sent;
    if (atomic_load(&sh->done) < cap) return -1;
    return acked < sent ? take_replies(c, sent - acked) : 0;
}

static int cmd_lifecycle(redisContext *c)
{
    g_st.argv = xcalloc((size_t)O.stages * 2 + 16 + O.count, sizeof *g_st.argv);
    g_st.argl = xcalloc((size_t)O.stages * 2 + 16 + O.count, sizeof *g_st.argl);
    for (int k = 0; k < O.stages; k++) {
        stream_key(g_st.key[k], sizeof g_st.key[k], k + 1);
        if (r_call(c, "DEL %s", g_st.key[k]) || r_call(c, "XGROUP CREATE %s g $ MKSTREAM", g_st.key[k]))
            return bq_print_failed(O.cmd, "redis");
    }
    int rc = bq_lifecycle(&O, "redis", worker_main, feed, c);
    drop_streams(c, 1, O.stages);
    free(g_st.argv);
    free(g_st.argl);
    return rc;
}

/* --- ping --- */

static void print_config(redisContext *c, const char *name)
{
    redisReply *r = NULL;
    if (redisAppendCommand(c, "CONFIG GET %s", name) == REDIS_OK && r_flush(c) == 0) r = r_wait(c);
    bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_REPLY_STRING;
    printf(",\"%s\":\"%s\"", name, ok ? r->element[1]->str : "?");
    if (r) freeReplyObject(r);
}

static int cmd_ping(void)
{
    for (;;) {
        redisContext *c = r_open();
        if (c && r_call(c, "PING") == 0) {
            printf("{\"mode\":\"ping\",\"system\":\"redis\",\"ok\":true");
            print_config(c, "appendonly");
            print_config(c, "appendfsync");
            printf("}\n");
            redisFree(c);
            return 0;
        }
        if (c) redisFree(c);
        if (bq_expired()) break;
        bq_clear_error();
        usleep(50000);
    }
    printf("{\"mode\":\"ping\",\"system\":\"redis\",\"ok\":false");
    bq_print_error();
    printf("}\n");
    return 1;
}

int main(int argc, char **argv)
{
    static const char *const CMDS[] = {"intake", "latency", "lifecycle", "ping", NULL};
    int rc = bq_parse(&O, "redis-bench", USAGE, CMDS, argc, argv);
    if (rc) return rc == 1 ? 0 : rc;
    g_body = bq_body(O.size);
    bq_clock_start(&O);
    redisContext *c = O.which == 3 ? NULL : r_open();
    if (O.which == 3) rc = cmd_ping();
    else if (!c) rc = bq_print_failed(O.cmd, "redis");
    else rc = O.which == 0 ? cmd_intake(c) : O.which == 1 ? cmd_latency(c) : cmd_lifecycle(c);
    if (c) redisFree(c);
    free(g_body);
    return rc;
}
