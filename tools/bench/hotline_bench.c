/* hotline-bench: a load client for scripts/bench. It speaks 7/MDP to a
 * running broker and measures
 *   intake     pipelined ticket.submit of N tickets (single or batched),
 *   latency    submit -> accepted per request at a fixed offered rate,
 *   lifecycle  tickets/s from the first submit until every ticket is final.
 * Tickets carry unique ids, realistic Chinese texts (the simulator's Longhu
 * templates) and receipt times spread over 2022. Every loop is bounded by
 * --timeout. Each run prints one JSON object on stdout. */
#include "bench_pool.h"
#include "bench_queue.h"
#include "clock.h"
#include "log.h"
#include "mdp_client.h"
#include "scenario.h"
#include "wire.h"
#include "xmalloc.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static const char USAGE[] =
    "Usage: hotline-bench intake    --connect EP --n N [--batch B] [--window W]\n"
    "       hotline-bench latency   --connect EP --rate R --n N [--window W]\n"
    "       hotline-bench lifecycle --connect EP --n N [--batch B] [--window W]\n"
    "       hotline-bench ping      --connect EP [--service NAME]\n"
    "\n"
    "Load client for scripts/bench; prints one JSON object on stdout.\n"
    "  intake     pipelined ticket.submit of N tickets, B per request (1: single\n"
    "             ticket maps), W requests in flight -> tickets_per_s\n"
    "  latency    single-ticket requests at R per second (open loop, at most W in\n"
    "             flight) -> submit->accepted p50/p99/p999 in ms\n"
    "  lifecycle  sim.start with the scenario text, submits N tickets, polls\n"
    "             sim.status until all are final -> tickets_per_s (the broker\n"
    "             must run with --clock virtual and have workers; it waits\n"
    "             until classify, dispatch and visit have one)\n"
    "  ping       waits until mmi.service NAME (default ticket.submit) answers\n"
    "             200: the broker is up and NAME has a worker or is built in\n"
    "\n"
    "Options:\n"
    "  -c, --connect EP      broker endpoint (default tcp://127.0.0.1:5555)\n"
    "  -n, --n N             tickets (default 10000)\n"
    "  -b, --batch B         tickets per request (intake default 100, lifecycle 100)\n"
    "  -w, --window W        requests in flight (default 16; latency 500: the\n"
    "                        broker drops replies once ~1000 are queued for one\n"
    "                        client, so more would measure resends)\n"
    "  -r, --rate R          offered requests per second (latency)\n"
    "      --prefix P        ticket id prefix (default BENCH-<pid>-)\n"
    "      --service NAME    ping: the service to wait for\n"
    "      --scenario S      scenario name or file for texts and sim.start\n"
    "                        (default longhu-2022)\n"
    "      --timeout S       give up after S seconds (default 300)\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 when every ticket was accepted (and, for lifecycle, became\n"
    "final) in time; 1 otherwise (the JSON says what happened); 64 bad usage.\n";

typedef struct {
    const char *cmd, *endpoint, *scenario, *service;
    char prefix[32];
    size_t n, batch, window;
    double rate, duration;
    int timeout_s;
} opts_t;

typedef struct {
    opts_t o;
    bench_pool_t pool;
    void *zctx;
    mdp_client_t *cl;
    wire_enc_t enc;
    wire_msg_t *msg;
    int64_t deadline_ns, stop_ns;  /* stop_ns: no new tickets after (0: none) */
    size_t fed;                     /* tickets sent */
    uint64_t accepted, duplicate, rejected, retry, bad_replies;
    char first_error[200];
} bench_t;

/* A client of the broker under test; the endpoint comes from the bench script. */
static mdp_client_t *bench_client(void *zctx, const char *endpoint)
{
    char err[256];
    mdp_client_t *c = mdp_client_new(zctx, endpoint, NULL, err, sizeof err);
    if (!c) { fprintf(stderr, "hotline-bench: %s\n", err); exit(EX_USAGE); }
    return c;
}

static int parse(opts_t *o, int argc, char **argv)
{
    static const struct option LONG[] = {
        {"connect", 1, 0, 'c'}, {"n", 1, 0, 'n'},        {"batch", 1, 0, 'b'},    {"window", 1, 0, 'w'},
        {"rate", 1, 0, 'r'},    {"prefix", 1, 0, 'P'},   {"scenario", 1, 0, 'S'}, {"timeout", 1, 0, 't'},
        {"duration", 1, 0, 'D'}, {"service", 1, 0, 's'}, {"help", 0, 0, 'h'},   {0, 0, 0, 0}};
    *o = (opts_t){.endpoint = "tcp://127.0.0.1:5555", .scenario = "longhu-2022", .service = "ticket.submit", .n = 10000,
                  .timeout_s = 300};
    snprintf(o->prefix, sizeof o->prefix, "BENCH-%ld-", (long)getpid());
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EX_USAGE : 1;
    }
    o->cmd = argv[1];
    if (strcmp(o->cmd, "intake") && strcmp(o->cmd, "latency") && strcmp(o->cmd, "lifecycle") && strcmp(o->cmd, "ping")) {
        fprintf(stderr, "hotline-bench: unknown command '%s' (intake|latency|lifecycle|ping)\n", o->cmd);
        return EX_USAGE;
    }
    bool latency = strcmp(o->cmd, "latency") == 0;
    o->batch = latency ? 1 : 100;
    o->window = latency ? 500 : 16;
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "c:n:b:w:r:h", LONG, NULL)) != -1) {
        char *end = NULL;
        errno = 0;
        switch (c) {
        case 'c': o->endpoint = optarg; break;
        case 'n': o->n = strtoull(optarg, &end, 10); break;
        case 'b': o->batch = strtoull(optarg, &end, 10); break;
        case 'w': o->window = strtoull(optarg, &end, 10); break;
        case 'r': o->rate = strtod(optarg, &end); break;
        case 'P': snprintf(o->prefix, sizeof o->prefix, "%s", optarg); break;
        case 'S': o->scenario = optarg; break;
        case 't': o->timeout_s = (int)strtol(optarg, &end, 10); break;
        case 'D': o->duration = strtod(optarg, &end); break;
        case 's': o->service = optarg; break;
        case 'h': fputs(USAGE, stdout); return 1;
        default: fputs("Try 'hotline-bench --help'.\n", stderr); return EX_USAGE;
        }
        if (errno || (end && *end)) {
            fprintf(stderr, "hotline-bench: bad value '%s'\n", optarg);
            return EX_USAGE;
        }
    }
    if (optind < argc) { fprintf(stderr, "hotline-bench: unexpected argument '%s'\n", argv[optind]); return EX_USAGE; }
    if (o->n < 1 || o->n > 100000000 || o->batch < 1 || o->batch > 100000 || o->window < 1 || o->window > 1000000 ||
        o->timeout_s < 1) {
        fprintf(stderr, "hotline-bench: --n, --batch (<= 100000), --window and --timeout must be positive\n");
        return EX_USAGE;
    }
    if (latency && o->rate <= 0) { fprintf(stderr, "hotline-bench: latency needs --rate R > 0\n"); return EX_USAGE; }
    return 0;
}

/* --- tickets --- */

static void pack_ticket(bench_t *b, size_t i)
{
    const sim_item_t *t = bench_pool_item(&b->pool, i);
    char id[64];
    snprintf(id, sizeof id, "%s%09zu", b->o.prefix, i);
    wire_enc_t *e = &b->enc;
    wire_map(e, 8);
    wire_kv_str(e, "id", id);
    wire_kv_int(e, "received_at", bench_received_at(i, b->o.n));
    wire_kv_str(e, "type", t->type);
    wire_kv_bool(e, "urgent", t->urgent);
    wire_kv_str(e, "text", bench_pool_text(&b->pool, i));
    wire_kv_str(e, "street", t->street);
    wire_kv_str(e, "caller", t->caller);
    wire_kv_str(e, "channel", t->channel);
}

/* Sends tickets [first, first+k): an array, or one map when batch == 1. */
static int send_tickets(bench_t *b, size_t first, size_t k)
{
    wire_enc_reset(&b->enc);
    if (b->o.batch > 1) wire_array(&b->enc, (uint32_t)k);
    for (size_t i = 0; i < k; i++) pack_ticket(b, first + i);
    return mdp_client_send_req(b->cl, "ticket.submit", b->enc.sb.data, b->enc.sb.size);
}

static void count_status(bench_t *b, const msgpack_object *r)
{
    const msgpack_object *s = wire_get(r, "status");
    if (wire_str_eq(s, "accepted")) b->accepted++;
    else if (wire_str_eq(s, "duplicate")) b->duplicate++;
    else {
        if (wire_str_eq(s, "retry")) b->retry++;
        else b->rejected++;
        const msgpack_object *e = wire_get(r, "error");
        if (!b->first_error[0] && e && e->type == MSGPACK_OBJECT_STR)
            snprintf(b->first_error, sizeof b->first_error, "%.*s", (int)e->via.str.size, e->via.str.ptr);
    }
}

/* Counts the statuses of one reply to k tickets; -1 if it does not fit. */
static int on_reply(bench_t *b, mdp_span_t body, size_t k)
{
    char err[200];
    const msgpack_object *root = wire_decode(b->msg, body.p, body.n, err, sizeof err);
    if (!root) { b->bad_replies++; return -1; }
    if (root->type == MSGPACK_OBJECT_ARRAY) {
        if (root->via.array.size != k) { b->bad_replies++; return -1; }
        for (uint32_t i = 0; i < root->via.array.size; i++) count_status(b, &root->via.array.ptr[i]);
        return 0;
    }
    if (root->type != MSGPACK_OBJECT_MAP) { b->bad_replies++; return -1; }
    if (k == 1) count_status(b, root);
    else if (wire_str_eq(wire_get(root, "status"), "retry")) b->retry += k; /* the whole batch */
    else { b->bad_replies++; return -1; }
    return 0;
}

static bool timed_out(const bench_t *b) { return clock_mono_ns() > b->deadline_ns; }

#define STALL_NS 30000000000LL

/* Pipelined submission of the tickets (all N, or as many as --duration
 * allows: b->fed); returns 0 when every request sent was answered (whatever
 * the statuses), -1 on timeout. Replies come in order. */
static int feed_all(bench_t *b)
{
    size_t W = b->o.window, *fl = xmalloc(W * sizeof *fl), head = 0, nfl = 0, next = 0;
    int rc = 0;
    int64_t last_reply = clock_mono_ns();
    b->stop_ns = b->o.duration > 0 ? clock_mono_ns() + (int64_t)(b->o.duration * 1e9) : 0;
    for (;;) {
        bool stop = next >= b->o.n || (b->stop_ns && clock_mono_ns() > b->stop_ns);
        if (stop && nfl == 0) break;
        while (!stop && nfl < W && next < b->o.n) {
            size_t k = b->o.n - next < b->o.batch ? b->o.n - next : b->o.batch;
            if (send_tickets(b, next, k) != 0) { rc = -1; break; }
            fl[(head + nfl++) % W] = k;
            next += k;
        }
        if (rc) break;
        mdp_span_t svc, body;
        if (mdp_client_recv(b->cl, 500, &svc, &body) != 0) {
            if (timed_out(b)) { rc = -1; break; }
            if (clock_mono_ns() - last_reply > STALL_NS) { /* a reply was lost: the broker drops what it cannot queue */
                snprintf(b->first_error, sizeof b->first_error, "no reply for %d s with %zu requests in flight",
                         (int)(STALL_NS / 1000000000LL), nfl);
                b->bad_replies++;
                rc = -1;
                break;
            }
            continue;
        }
        last_reply = clock_mono_ns();
        size_t k = fl[head];
        head = (head + 1) % W;
        nfl--;
        if (on_reply(b, body, k) != 0) { rc = -1; break; }
    }
    b->fed = next;
    free(fl);
    return rc;
}

static void print_counts(const bench_t *b)
{
    printf("\"accepted\":%" PRIu64 ",\"duplicate\":%" PRIu64 ",\"rejected\":%" PRIu64 ",\"retry\":%" PRIu64
           ",\"bad_replies\":%" PRIu64 ",\"avg_text_bytes\":%.0f",
           b->accepted, b->duplicate, b->rejected, b->retry, b->bad_replies, b->pool.avg_text_bytes);
    if (b->first_error[0]) {
        printf(",\"first_error\":\"");
        for (const char *p = b->first_error; *p; p++) {
            if (*p == '"' || *p == '\\') putchar('\\');
            putchar((unsigned char)*p < 0x20 ? ' ' : *p);
        }
        putchar('"');
    }
}

static int cmd_intake(bench_t *b)
{
    double c0 = bq_cpu_s(false);
    int64_t t0 = clock_mono_ns();
    int rc = feed_all(b);
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    bool ok = rc == 0 && b->fed > 0 && b->accepted == b->fed;
    printf("{\"mode\":\"intake\",\"ok\":%s,\"n\":%zu,\"batch\":%zu,\"window\":%zu,\"secs\":%.4f,\"tickets_per_s\":%.1f,"
           "\"requests_per_s\":%.1f,\"client_cpu_s\":%.3f,",
           ok ? "true" : "false", b->fed, b->o.batch, b->o.window, secs, (double)b->accepted / secs,
           (double)b->fed / (double)b->o.batch / secs, bq_cpu_s(false) - c0);
    print_counts(b);
    printf("}\n");
    return ok ? 0 : 1;
}

/* --- latency --- */

/* The index and status of a single-ticket reply; -1 if malformed. */
static int parse_single(bench_t *b, mdp_span_t body, size_t *idx, const msgpack_object **status)
{
    char err[200];
    const msgpack_object *root = wire_decode(b->msg, body.p, body.n, err, sizeof err);
    const msgpack_object *id = root && root->type == MSGPACK_OBJECT_MAP ? wire_get(root, "id") : NULL;
    size_t pl = strlen(b->o.prefix);
    if (!id || id->type != MSGPACK_OBJECT_STR || id->via.str.size <= pl || id->via.str.size - pl > 12) return -1;
    char num[16];
    memcpy(num, id->via.str.ptr + pl, id->via.str.size - pl);
    num[id->via.str.size - pl] = 0;
    *idx = strtoull(num, NULL, 10);
    *status = wire_get(root, "status");
    return 0;
}

/* Open loop at --rate. A request unanswered for RESEND_NS is sent again (the
 * id makes that safe; its latency still counts from the first send), and
 * counted as a lost reply: the broker drops a reply it cannot queue. */
#define RESEND_NS 2000000000LL
static int cmd_latency(bench_t *b)
{
    size_t n = b->o.n, sent = 0, got = 0, lo = 0, resent = 0;
    int64_t *t_first = xcalloc(n, sizeof *t_first), *t_last = xcalloc(n, sizeof *t_last);
    int64_t *lat = xcalloc(n, sizeof *lat), max_lag = 0, next_scan = 0;
    double period_ns = 1e9 / b->o.rate;
    int rc = 0;
    int64_t t0 = clock_mono_ns();
    while (got < n) {
        int64_t now = clock_mono_ns();
        /* Every request due by now goes out, whatever came back. */
        while (sent < n && sent - got < b->o.window && t0 + (int64_t)((double)sent * period_ns) <= now) {
            int64_t due = t0 + (int64_t)((double)sent * period_ns);
            if (send_tickets(b, sent, 1) != 0) { rc = -1; break; }
            t_first[sent] = t_last[sent] = clock_mono_ns();
            if (t_first[sent] - due > max_lag) max_lag = t_first[sent] - due;
            sent++;
            now = clock_mono_ns();
        }
        if (rc) break;
        if (now >= next_scan) { /* resend what has waited too long */
            while (lo < sent && lat[lo]) lo++;
            for (size_t i = lo; i < sent; i++)
                if (!lat[i] && now - t_last[i] > RESEND_NS) {
                    if (send_tickets(b, i, 1) != 0) { rc = -1; break; }
                    t_last[i] = clock_mono_ns();
                    resent++;
                }
            next_scan = now + 100000000;
        }
        int wait_ms = 100;
        if (sent < n) {
            int64_t next = t0 + (int64_t)((double)sent * period_ns) - clock_mono_ns();
            wait_ms = next <= 0 ? 0 : (int)((next + 999999) / 1000000);
        }
        mdp_span_t svc, body;
        while (rc == 0 && got < n && mdp_client_recv(b->cl, wait_ms, &svc, &body) == 0) {
            int64_t t = clock_mono_ns();
            size_t idx = n;
            const msgpack_object *st = NULL;
            wait_ms = 0;
            if (parse_single(b, body, &idx, &st) != 0 || idx >= n || !t_first[idx]) { b->bad_replies++; rc = -1; break; }
            if (lat[idx]) continue; /* the answer to a resend of an answered request */
            if (wire_str_eq(st, "accepted") || wire_str_eq(st, "duplicate")) {
                if (wire_str_eq(st, "accepted")) b->accepted++;
                else b->duplicate++;
                lat[idx] = t - t_first[idx];
                got++;
            } else if (wire_str_eq(st, "retry")) {
                b->retry++;
                t_last[idx] = 0; /* send again at the next scan */
            } else {
                b->rejected++;
                rc = -1;
            }
        }
        if (rc || timed_out(b)) { rc = -1; break; }
    }
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (lat[i]) lat[m++] = lat[i];
    bq_sort_ns(lat, m);
    double sum = 0;
    for (size_t i = 0; i < m; i++) sum += (double)lat[i];
    bool ok = rc == 0 && got == n;
    printf("{\"mode\":\"latency\",\"ok\":%s,\"n\":%zu,\"rate\":%.1f,\"achieved_rate\":%.1f,\"secs\":%.3f,"
           "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f,"
           "\"max_send_lag_ms\":%.3f,\"resent\":%zu,",
           ok ? "true" : "false", n, b->o.rate, (double)sent / secs, secs, bq_pct_ms(lat, m, 0.50), bq_pct_ms(lat, m, 0.90),
           bq_pct_ms(lat, m, 0.99), bq_pct_ms(lat, m, 0.999), m ? (double)lat[m - 1] / 1e6 : -1, m ? sum / (double)m / 1e6 : -1,
           (double)max_lag / 1e6, resent);
    print_counts(b);
    printf("}\n");
    free(t_first);
    free(t_last);
    free(lat);
    return ok ? 0 : 1;
}

/* --- lifecycle --- */

/* True once mmi.service answers "200" for service (bounded by the deadline). */
static bool wait_service(bench_t *b, mdp_client_t *ctl, const char *service)
{
    while (!timed_out(b)) {
        void *out;
        size_t len;
        if (mdp_client_call(ctl, "mmi.service", service, strlen(service), 1000, &out, &len) == 0) {
            bool ok = len == 3 && memcmp(out, "200", 3) == 0;
            free(out);
            if (ok) return true;
        }
        usleep(50000);
    }
    return false;
}

static int cmd_ping(bench_t *b)
{
    mdp_client_t *ctl = bench_client(b->zctx, b->o.endpoint);
    bool ok = wait_service(b, ctl, b->o.service);
    mdp_client_destroy(&ctl);
    if (!ok) fprintf(stderr, "hotline-bench: %s: mmi.service %s did not answer 200\n", b->o.endpoint, b->o.service);
    return ok ? 0 : 1;
}

/* A synchronous call on its own socket; NULL when unanswered by the deadline. */
static const msgpack_object *call(bench_t *b, mdp_client_t *ctl, const char *service, void **out)
{
    size_t len;
    while (!timed_out(b)) {
        if (mdp_client_call(ctl, service, b->enc.sb.data, b->enc.sb.size, 5000, out, &len) == 0) {
            char err[200];
            const msgpack_object *root = wire_decode(b->msg, *out, len, err, sizeof err);
            if (root && root->type == MSGPACK_OBJECT_MAP) return root;
            free(*out);
        }
    }
    *out = NULL;
    return NULL;
}

static int cmd_lifecycle(bench_t *b)
{
    char err[512];
    scenario_t *scn = scenario_open(b->o.scenario, err, sizeof err);
    if (!scn) { fprintf(stderr, "hotline-bench: %s\n", err); return EX_DATAERR; }
    mdp_client_t *ctl = bench_client(b->zctx, b->o.endpoint);
    static const char *const NEED[] = {"classify", "dispatch", "visit"};
    for (size_t i = 0; i < sizeof NEED / sizeof *NEED; i++)
        if (!wait_service(b, ctl, NEED[i])) {
            fprintf(stderr, "hotline-bench: no worker serves %s\n", NEED[i]);
            scenario_destroy(&scn);
            mdp_client_destroy(&ctl);
            return 1;
        }
    size_t len;
    const char *text = scenario_text(scn, &len);
    wire_enc_reset(&b->enc);
    wire_map(&b->enc, 2);
    wire_str(&b->enc, "text");
    wire_strn(&b->enc, text, len);
    wire_kv_int(&b->enc, "seed", (int64_t)scenario_seed(scn));
    scenario_destroy(&scn);
    void *out;
    const msgpack_object *root = call(b, ctl, "sim.start", &out);
    bool started = root && wire_str_eq(wire_get(root, "status"), "ok");
    free(out);
    if (!started) {
        fprintf(stderr, "hotline-bench: sim.start was not accepted\n");
        mdp_client_destroy(&ctl);
        return 1;
    }
    double c0 = bq_cpu_s(false);
    int64_t t0 = clock_mono_ns();
    int rc = feed_all(b);
    int64_t t_fed = clock_mono_ns(), tickets = 0, final = 0, parked = 0, polls = 0;
    while (rc == 0) {
        wire_enc_reset(&b->enc);
        wire_map(&b->enc, 0);
        root = call(b, ctl, "sim.status", &out);
        if (!root) { rc = -1; break; }
        wire_get_int(root, "tickets", &tickets, err, sizeof err);
        wire_get_int(root, "final", &final, err, sizeof err);
        wire_get_int(root, "parked", &parked, err, sizeof err);
        free(out);
        polls++;
        if (tickets >= (int64_t)b->fed && final >= tickets) break;
        if (timed_out(b)) { rc = -1; break; }
        /* sim.status costs the broker a scan of the ticket table, so poll
         * sparingly: half the predicted time left, 20..250 ms. */
        double el = (double)(clock_mono_ns() - t0) / 1e9, rate = final > 0 ? (double)final / el : 0;
        double left_ms = rate > 0 ? 1000.0 * (double)((int64_t)b->fed - final) / rate / 2 : 250;
        usleep((useconds_t)(1000 * (left_ms < 20 ? 20 : left_ms > 250 ? 250 : left_ms)));
    }
    int64_t t_end = clock_mono_ns();
    double secs = (double)(t_end - t0) / 1e9;
    bool ok = rc == 0 && b->fed > 0 && b->accepted == b->fed;
    printf("{\"mode\":\"lifecycle\",\"ok\":%s,\"n\":%zu,\"batch\":%zu,\"window\":%zu,\"secs\":%.4f,\"tickets_per_s\":%.1f,"
           "\"intake_secs\":%.4f,\"tickets\":%" PRId64 ",\"final\":%" PRId64 ",\"parked\":%" PRId64 ",\"polls\":%" PRId64
           ",\"client_cpu_s\":%.3f,",
           ok ? "true" : "false", b->fed, b->o.batch, b->o.window, secs, ok ? (double)b->fed / secs : 0.0,
           (double)(t_fed - t0) / 1e9, tickets, final, parked, polls, bq_cpu_s(false) - c0);
    print_counts(b);
    printf("}\n");
    mdp_client_destroy(&ctl);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("hotline-bench %s\n", HOTLINE_VERSION);
        return 0;
    }
    bench_t b = {0};
    log_init("bench", LOG_WARN);
    int rc = parse(&b.o, argc, argv);
    if (rc) return rc == 1 ? 0 : rc;
    char err[512];
    if (strcmp(b.o.cmd, "ping") != 0 && bench_pool_load(&b.pool, b.o.scenario, err, sizeof err) != 0) {
        fprintf(stderr, "hotline-bench: %s\n", err);
        return EX_DATAERR;
    }
    b.zctx = zmq_ctx_new();
    b.cl = bench_client(b.zctx, b.o.endpoint);
    wire_enc_init(&b.enc);
    b.msg = wire_msg_new();
    b.deadline_ns = clock_mono_ns() + (int64_t)b.o.timeout_s * 1000000000LL;
    if (strcmp(b.o.cmd, "intake") == 0) rc = cmd_intake(&b);
    else if (strcmp(b.o.cmd, "latency") == 0) rc = cmd_latency(&b);
    else if (strcmp(b.o.cmd, "ping") == 0) rc = cmd_ping(&b);
    else rc = cmd_lifecycle(&b);
    fflush(stdout);
    wire_enc_free(&b.enc);
    wire_msg_destroy(&b.msg);
    mdp_client_destroy(&b.cl);
    zmq_ctx_term(b.zctx);
    bench_pool_free(&b.pool);
    return rc;
}
