/* hotline-worker: serves classify, dispatch, the units (unit.<code>) and visit
 * — the stages of a ticket after intake — or any subset, one 7/MDP worker
 * connection per service, all in one poll loop. Workers are stateless: kill
 * one and the broker hands its work to another. */
#include "cert.h"
#include "log.h"
#include "mdp_client.h"
#include "mdp_worker.h"
#include "model.h"
#include "services.h"
#include "wire.h"
#include "xmalloc.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define MAX_SERVICES 64

static const char USAGE[] =
    "Usage: hotline-worker [OPTIONS] (--service NAME ... | --all-services)\n"
    "\n"
    "A hotline worker: connects to the broker as a 7/MDP v0.1 worker and serves\n"
    "ticket stages. Services: classify, dispatch, visit, unit.<dept> (chengguan,\n"
    "zhujian, shichang, jiaotong, huanjing, renshe, jiaoyu, weijian, gongan,\n"
    "minzheng, gongyong), unit.street.<street> (jinxia, zhuchi, xinjin, longxiang,\n"
    "outing, waisha, xinxi, longhua, xinhai, longteng), and echo (tests).\n"
    "\n"
    "Options:\n"
    "  -c, --connect ENDPOINTS broker endpoint (default tcp://127.0.0.1:5555), or\n"
    "                          several, comma-separated: the worker serves\n"
    "                          whichever broker is active\n"
    "  -s, --service NAME      serve NAME (repeatable)\n"
    "  -a, --all-services      serve classify, dispatch, visit and every unit\n"
    "      --heartbeat MS      heartbeat interval, as the broker's (default 2500)\n"
    "      --datadir DIR       calendars and deadline rules (default: the shipped data)\n"
    "      --curve-server FILE the broker's public key (NAME.key): use CURVE\n"
    "      --curve-key FILE    this worker's key pair (NAME.key_secret)\n"
    "  -v, --verbose           log at info level (twice: debug)\n"
    "      --log-level LEVEL   debug|info|warn|error (default warn)\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "Runs until SIGINT or SIGTERM, then says DISCONNECT. A broker that refuses\n"
    "the worker's key is logged with the reason and retried with back-off.\n"
    "Exit status 0, or 64 bad usage (an invalid endpoint included), 65 bad data\n"
    "files, 66 unreadable key files.\n";

typedef struct {
    const char *endpoint, *datadir, *curve_server, *curve_key;
    const char *services[MAX_SERVICES];
    int n_services, heartbeat_ms;
    log_level_t log_level;
} worker_opts_t;

typedef struct {
    model_t *model;
    wire_msg_t *msg;
    wire_enc_t enc;
} worker_ctx_t;

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { g_stop = sig; }

static int add_service(worker_opts_t *o, const char *name)
{
    if (!services_find(name)) {
        fprintf(stderr, "hotline-worker: unknown service '%s' (see --help)\n", name);
        return EX_USAGE;
    }
    for (int i = 0; i < o->n_services; i++)
        if (strcmp(o->services[i], name) == 0) return 0;
    if (o->n_services == MAX_SERVICES) { fprintf(stderr, "hotline-worker: too many services\n"); return EX_USAGE; }
    o->services[o->n_services++] = name;
    return 0;
}

static int parse(worker_opts_t *o, int argc, char **argv)
{
    static const struct option LONG[] = {
        {"connect", 1, 0, 'c'}, {"service", 1, 0, 's'}, {"all-services", 0, 0, 'a'}, {"heartbeat", 1, 0, 'H'},
        {"datadir", 1, 0, 'D'}, {"verbose", 0, 0, 'v'}, {"log-level", 1, 0, 'L'}, {"help", 0, 0, 'h'},
        {"version", 0, 0, 'V'}, {"curve-server", 1, 0, 'S'}, {"curve-key", 1, 0, 'K'}, {0, 0, 0, 0}};
    *o = (worker_opts_t){.endpoint = "tcp://127.0.0.1:5555", .datadir = hotline_datadir(), .heartbeat_ms = 2500,
                         .log_level = LOG_WARN};
    int c, rc = 0;
    size_t n;
    const char *const *all;
    while (rc == 0 && (c = getopt_long(argc, argv, "c:s:avhV", LONG, NULL)) != -1) {
        switch (c) {
        case 'c': o->endpoint = optarg; break;
        case 's': rc = add_service(o, optarg); break;
        case 'a':
            all = services_all(&n);
            for (size_t i = 0; rc == 0 && i < n; i++) rc = add_service(o, all[i]);
            break;
        case 'H':
            o->heartbeat_ms = atoi(optarg);
            if (o->heartbeat_ms < 10 || o->heartbeat_ms > 600000) { fprintf(stderr, "hotline-worker: --heartbeat must be 10..600000\n"); rc = EX_USAGE; }
            break;
        case 'D': o->datadir = optarg; break;
        case 'S': o->curve_server = optarg; break;
        case 'K': o->curve_key = optarg; break;
        case 'v': o->log_level = o->log_level == LOG_WARN ? LOG_INFO : LOG_DEBUG; break;
        case 'L':
            if (log_level_parse(optarg, &o->log_level)) { fprintf(stderr, "hotline-worker: unknown log level '%s'\n", optarg); rc = EX_USAGE; }
            break;
        case 'h': fputs(USAGE, stdout); return 1;
        case 'V': printf("hotline-worker %s\n", HOTLINE_VERSION); return 1;
        default: fputs("Try 'hotline-worker --help'.\n", stderr); return EX_USAGE;
        }
    }
    if (rc == 0 && optind < argc) { fprintf(stderr, "hotline-worker: unexpected argument '%s'\n", argv[optind]); rc = EX_USAGE; }
    if (rc == 0 && o->n_services == 0) { fprintf(stderr, "hotline-worker: name a --service or give --all-services\n"); rc = EX_USAGE; }
    return rc;
}

static void on_request(void *ctx, mdp_worker_t *w, mdp_span_t client, mdp_span_t body)
{
    worker_ctx_t *c = ctx;
    char err[200];
    const msgpack_object *root = wire_decode(c->msg, body.p, body.n, err, sizeof err);
    if (!root) {
        wire_enc_reset(&c->enc);
        wire_map(&c->enc, 1);
        wire_kv_str(&c->enc, "error", err);
    } else {
        services_find(mdp_worker_service(w))(c->model, root, &c->enc);
    }
    if (mdp_worker_reply(w, client, c->enc.sb.data, c->enc.sb.size) != 0)
        log_warn("reply not sent", "service=%s err=\"%s\"", mdp_worker_service(w), zmq_strerror(errno));
}

static void run(mdp_worker_t **ws, int n)
{
    zmq_pollitem_t items[2 * MAX_SERVICES];
    void *mon[MAX_SERVICES];
    while (!g_stop) {
        long timeout = 1000;
        int k = 0;
        for (int i = 0; i < n; i++) {
            long t = mdp_worker_tick(ws[i]);
            if (t < timeout) timeout = t;
            items[i] = (zmq_pollitem_t){mdp_worker_socket(ws[i]), 0, ZMQ_POLLIN, 0};
            if ((mon[i] = mdp_worker_monitor(ws[i]))) items[n + k++] = (zmq_pollitem_t){mon[i], 0, ZMQ_POLLIN, 0};
        }
        if (zmq_poll(items, n + k, timeout < 0 ? 0 : timeout) < 0 && errno != EINTR) break;
        for (int i = 0; i < n; i++)
            if (items[i].revents & ZMQ_POLLIN) mdp_worker_on_readable(ws[i]);
        for (int i = 0; i < n; i++)
            if (mon[i]) mdp_worker_on_monitor(ws[i]); /* reads without blocking */
    }
}

int main(int argc, char **argv)
{
    worker_opts_t o;
    int rc = parse(&o, argc, argv);
    if (rc) return rc == 1 ? 0 : rc;
    log_init("worker", o.log_level);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    char err[512] = "";
    cert_client_t keys;
    bool curve = o.curve_server || o.curve_key;
    if (curve && cert_client_load(o.curve_server, o.curve_key, &keys, err, sizeof err) != 0) {
        fprintf(stderr, "hotline-worker: %s\n", err);
        return EX_NOINPUT;
    }
    mdp_curve_t cv = {curve ? keys.server : NULL, keys.public_key, keys.secret_key};
    void *zctx = zmq_ctx_new();
    mdp_client_t *broker = mdp_client_new(zctx, o.endpoint, &cv, err, sizeof err);
    worker_ctx_t ctx = {.model = broker ? model_new(broker, o.datadir, err, sizeof err) : NULL, .msg = wire_msg_new()};
    wire_enc_init(&ctx.enc);
    if (!broker) {
        fprintf(stderr, "hotline-worker: %s\n", err);
        rc = EX_USAGE;
    } else if (!ctx.model) {
        log_error("cannot load the worker's data", "datadir=%s err=\"%s\"", o.datadir, err);
        rc = EX_DATAERR;
    } else {
        mdp_worker_t *ws[MAX_SERVICES];
        for (int i = 0; i < o.n_services; i++)
            ws[i] = mdp_worker_new(zctx, &(mdp_worker_opts_t){o.endpoint, o.services[i], o.heartbeat_ms, on_request, &ctx,
                                                              cv.curve_server, cv.curve_public, cv.curve_secret});
        log_info("worker started", "services=%d endpoint=%s", o.n_services, o.endpoint);
        run(ws, o.n_services);
        for (int i = 0; i < o.n_services; i++) {
            mdp_worker_disconnect(ws[i]);
            mdp_worker_destroy(&ws[i]);
        }
    }
    model_destroy(&ctx.model);
    wire_msg_destroy(&ctx.msg);
    wire_enc_free(&ctx.enc);
    mdp_client_destroy(&broker);
    zmq_ctx_term(zctx);
    return rc;
}
