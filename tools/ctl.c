/* hotline-ctl: asks a running broker how it is doing (broker.status) and
 * prints services, workers with their last heartbeat, queues and in-flight
 * work, overdue tickets, the last minute's acknowledged and closed rates, and
 * the store's size and commit latency. `watch` refreshes it on a terminal. */
#include "cert.h"
#include "log.h"
#include "mdp_client.h"
#include "wire.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static const char USAGE[] =
    "Usage: hotline-ctl [OPTIONS] status|watch\n"
    "\n"
    "  status                  print the broker's status once\n"
    "  watch                   refresh it every --interval seconds until Ctrl-C\n"
    "\n"
    "Options:\n"
    "  -c, --connect ENDPOINT  broker endpoint (default tcp://127.0.0.1:5555)\n"
    "      --curve-server FILE the broker's public key (NAME.key): use CURVE\n"
    "      --curve-key FILE    an admin key pair (NAME.key_secret); with CURVE on,\n"
    "                          broker.status answers admin keys only\n"
    "  -i, --interval S        watch refresh interval (default 2)\n"
    "  -n, --count N           watch: stop after N refreshes (default: until Ctrl-C)\n"
    "      --timeout MS        how long to wait for the broker (default 3000)\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "Exit status: 0, 64 bad usage, 69 the broker did not answer or refused.\n";

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { g_stop = sig; }

static int64_t iget(const msgpack_object *m, const char *k)
{
    char err[64];
    int64_t v = 0;
    wire_get_int(m, k, &v, err, sizeof err);
    return v;
}

static double dget(const msgpack_object *m, const char *k)
{
    const msgpack_object *o = wire_get(m, k);
    return o && o->type == MSGPACK_OBJECT_FLOAT64 ? o->via.f64 : o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double)o->via.u64 : 0;
}

static const char *sget(const msgpack_object *m, const char *k, char *buf, size_t len)
{
    char err[64];
    if (wire_copy_str(m, k, buf, len, err, sizeof err) != 0) snprintf(buf, len, "-");
    return buf;
}

static void print_services(const msgpack_object *root)
{
    const msgpack_object *sv = wire_get(root, "services");
    printf("%-26s %8s %6s %8s\n", "service", "workers", "busy", "queued");
    for (uint32_t i = 0; sv && sv->type == MSGPACK_OBJECT_ARRAY && i < sv->via.array.size; i++) {
        const msgpack_object *s = &sv->via.array.ptr[i];
        const msgpack_object *b = wire_get(s, "builtin");
        if (b && b->type == MSGPACK_OBJECT_BOOLEAN && b->via.boolean) continue;
        char name[80];
        printf("%-26s %8lld %6lld %8lld\n", sget(s, "name", name, sizeof name), (long long)iget(s, "workers"),
               (long long)iget(s, "busy"), (long long)iget(s, "queued"));
    }
}

#define WORKERS_SHOWN 50    /* processes printed by default; --all prints every one */

/* "classify, dispatch, visit + 21 units" or the names themselves. */
static void print_service_list(const msgpack_object *sv)
{
    uint32_t n = sv && sv->type == MSGPACK_OBJECT_ARRAY ? sv->via.array.size : 0, units = 0;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *o = &sv->via.array.ptr[i];
        bool unit = o->type == MSGPACK_OBJECT_STR && o->via.str.size > 5 && memcmp(o->via.str.ptr, "unit.", 5) == 0;
        units += unit;
    }
    bool all_units = units == 21, first = true;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *o = &sv->via.array.ptr[i];
        if (o->type != MSGPACK_OBJECT_STR) continue;
        if (all_units && o->via.str.size > 5 && memcmp(o->via.str.ptr, "unit.", 5) == 0) continue;
        printf("%s%.*s", first ? "" : ", ", (int)o->via.str.size, o->via.str.ptr);
        first = false;
    }
    if (all_units) printf("%sall 21 units", first ? "" : " + ");
    putchar('\n');
}

static void print_workers(const msgpack_object *root, bool all)
{
    const msgpack_object *ws = wire_get(root, "workers");
    uint32_t n = ws && ws->type == MSGPACK_OBJECT_ARRAY ? ws->via.array.size : 0;
    printf("\nworkers: %u processes, %lld connections\n", n, (long long)iget(root, "worker_connections"));
    if (n) printf("%-22s %-16s %7s %-15s %9s %4s  %s\n", "name", "host", "pid", "address", "heartbeat", "busy", "services");
    uint32_t shown = all || n <= WORKERS_SHOWN ? n : WORKERS_SHOWN;
    for (uint32_t i = 0; i < shown; i++) {
        const msgpack_object *w = &ws->via.array.ptr[i];
        char name[80], host[80], addr[64];
        printf("%-22s %-16s %7lld %-15s %7.1f s %4lld  ", sget(w, "name", name, sizeof name), sget(w, "host", host, sizeof host),
               (long long)iget(w, "pid"), sget(w, "address", addr, sizeof addr), (double)iget(w, "last_seen_ms") / 1000.0,
               (long long)iget(w, "busy"));
        print_service_list(wire_get(w, "services"));
    }
    if (shown < n) printf("... %u more processes not shown: hotline-ctl status --all lists every one\n", n - shown);
}

static void print_status(const msgpack_object *root, bool all)
{
    const msgpack_object *t = wire_get(root, "tickets"), *st = wire_get(root, "store"), *r = wire_get(root, "rates");
    const msgpack_object *in = wire_get(root, "intake"), *bs = t ? wire_get(t, "by_state") : NULL;
    print_services(root);
    print_workers(root, all);
    printf("\ntickets: %lld unfinished, %lld queued for a worker, %lld in flight, %lld parked\n",
           (long long)iget(t, "live"), (long long)iget(t, "queued"), (long long)iget(t, "inflight"), (long long)iget(t, "parked"));
    printf("overdue: %lld deadlines missed in all (督办), %lld past due and still open\n",
           (long long)iget(t, "overdue_total"), (long long)iget(t, "past_due_open"));
    printf("by state:");
    for (uint32_t i = 0; bs && bs->type == MSGPACK_OBJECT_MAP && i < bs->via.map.size; i++)
        printf(" %.*s=%lld", (int)bs->via.map.ptr[i].key.via.str.size, bs->via.map.ptr[i].key.via.str.ptr,
               (long long)bs->via.map.ptr[i].val.via.i64);
    printf("\nlast minute: %.1f acknowledged/s, %.1f closed/s\n", dget(r, "acked_per_s"), dget(r, "closed_per_s"));
    printf("intake since start: %lld accepted, %lld duplicate, %lld rejected, %lld retry\n", (long long)iget(in, "accepted"),
           (long long)iget(in, "duplicate"), (long long)iget(in, "rejected"), (long long)iget(in, "retry"));
    printf("store: %.1f MiB + %.1f MiB WAL, %lld commits, last %lld us, mean %lld us\n",
           (double)iget(st, "bytes") / 1048576.0, (double)iget(st, "wal_bytes") / 1048576.0, (long long)iget(st, "commits"),
           (long long)iget(st, "last_commit_us"), (long long)iget(st, "mean_commit_us"));
    printf("disk: %lld WAL fsyncs, last %lld us, %lld commits waiting for one; last background checkpoint %lld us\n",
           (long long)iget(st, "syncs"), (long long)iget(st, "last_sync_us"), (long long)iget(st, "commits_not_durable"),
           (long long)iget(st, "last_checkpoint_us"));
}

static int ask(mdp_client_t *cl, int timeout, bool clear)
{
    wire_enc_t e;
    wire_enc_init(&e);
    wire_map(&e, 0);
    void *out = NULL;
    size_t len = 0;
    int rc = mdp_client_call(cl, "broker.status", e.sb.data, e.sb.size, timeout, &out, &len);
    wire_enc_free(&e);
    if (rc != 0 && errno == EACCES) {
        fprintf(stderr, "hotline-ctl: the broker refused the connection: %s\n", mdp_client_refusal(cl));
        return EX_NOPERM;
    }
    if (rc != 0) { fprintf(stderr, "hotline-ctl: the broker did not answer within %d ms\n", timeout); return EX_UNAVAILABLE; }
    wire_msg_t *msg = wire_msg_new();
    char err[200];
    const msgpack_object *root = wire_decode(msg, out, len, err, sizeof err);
    rc = 0;
    if (!root || !wire_str_eq(wire_get(root, "status"), "ok")) {
        char why[200];
        fprintf(stderr, "hotline-ctl: refused: %s\n", root ? sget(root, "error", why, sizeof why) : err);
        rc = EX_UNAVAILABLE;
    } else {
        if (clear) fputs("\033[H\033[2J", stdout);
        print_status(root, false);
        fflush(stdout);
    }
    wire_msg_destroy(&msg);
    free(out);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option LONG[] = {{"connect", 1, 0, 'c'}, {"curve-server", 1, 0, 'S'}, {"curve-key", 1, 0, 'K'},
                                         {"interval", 1, 0, 'i'}, {"count", 1, 0, 'n'}, {"timeout", 1, 0, 't'},
                                         {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    const char *ep = "tcp://127.0.0.1:5555", *server = NULL, *key = NULL;
    int c, interval = 2, count = 0, timeout = 3000;
    log_init("ctl", LOG_WARN);
    while ((c = getopt_long(argc, argv, "c:i:n:hV", LONG, NULL)) != -1) {
        switch (c) {
        case 'c': ep = optarg; break;
        case 'S': server = optarg; break;
        case 'K': key = optarg; break;
        case 'i': interval = atoi(optarg); break;
        case 'n': count = atoi(optarg); break;
        case 't': timeout = atoi(optarg); break;
        case 'h': fputs(USAGE, stdout); return 0;
        case 'V': printf("hotline-ctl %s\n", HOTLINE_VERSION); return 0;
        default: fputs("Try 'hotline-ctl --help'.\n", stderr); return EX_USAGE;
        }
    }
    if (optind != argc - 1 || (strcmp(argv[optind], "status") && strcmp(argv[optind], "watch")) || interval < 1 || timeout < 1) {
        fputs("hotline-ctl: say status or watch (try --help)\n", stderr);
        return EX_USAGE;
    }
    cert_client_t keys;
    char err[512];
    if ((server || key) && cert_client_load(server, key, &keys, err, sizeof err) != 0) {
        fprintf(stderr, "hotline-ctl: %s\n", err);
        return EX_NOINPUT;
    }
    mdp_curve_t cv = {server || key ? keys.server : NULL, keys.public_key, keys.secret_key};
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    void *zctx = zmq_ctx_new();
    mdp_client_t *cl = mdp_client_new(zctx, ep, &cv, err, sizeof err);
    if (!cl) {
        fprintf(stderr, "hotline-ctl: %s\n", err);
        zmq_ctx_term(zctx);
        return EX_USAGE;
    }
    bool watch = strcmp(argv[optind], "watch") == 0;
    int rc = ask(cl, timeout, watch && isatty(STDOUT_FILENO));
    for (int i = 1; watch && rc == 0 && !g_stop && (count == 0 || i < count); i++) {
        sleep((unsigned)interval);
        if (!g_stop) rc = ask(cl, timeout, isatty(STDOUT_FILENO));
    }
    mdp_client_destroy(&cl);
    zmq_ctx_term(zctx);
    return rc;
}
