/* hotline-sim: replays a scenario through the real pipeline. It generates the
 * feed (sim_gen), starts the scenario on the broker, submits tickets in
 * pipelined batches (resending whatever is not acknowledged, also across a
 * broker restart), applies the knowledge-base updates in virtual-time order,
 * advances the virtual clock to the end of the period, and waits until every
 * ticket it fed has settled. */
#include "cert.h"
#include "clock.h"
#include "log.h"
#include "mdp_client.h"
#include "scenario.h"
#include "ticket.h"
#include "sim_gen.h"
#include "wire.h"
#include "xmalloc.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static const char USAGE[] =
    "Usage: hotline-sim [OPTIONS] --scenario NAME|FILE\n"
    "\n"
    "Replays a scenario (schemas/scenarios/NAME.scn) through a running broker and\n"
    "waits until every ticket it fed has settled.\n"
    "\n"
    "Options:\n"
    "  -c, --connect ENDPOINTS broker endpoint (default tcp://127.0.0.1:5555), or\n"
    "                          several, comma-separated: whichever is active\n"
    "  -s, --scenario NAME     scenario name or .scn file (required)\n"
    "      --seed N            random seed (default: the scenario's)\n"
    "      --centre CODE       the centre the tickets are for (default: the\n"
    "                          scenario's [scenario] centre, else longhu); a broker\n"
    "                          serving another centre refuses the run\n"
    "      --rate N            tickets per second (default: as fast as possible)\n"
    "      --batch N           tickets per ticket.submit request (default 500)\n"
    "      --window N          requests in flight (default 8)\n"
    "      --limit N           feed only the first N tickets (a slice, for tests)\n"
    "      --no-wait           exit after the last acknowledgment\n"
    "      --timeout S         give up waiting after S seconds (default 1800)\n"
    "      --resend-ms MS      resend a request unanswered this long (default 10000)\n"
    "      --acked FILE        write the id of every acknowledged ticket to FILE\n"
    "      --curve-server FILE the broker's public key (NAME.key): use CURVE\n"
    "      --curve-key FILE    this client's key pair (NAME.key_secret)\n"
    "  -q, --quiet             no progress line\n"
    "  -v, --verbose           log at info level\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "Exit status: 0 when every ticket fed has settled (or, with --no-wait, was\n"
    "acknowledged); 64 bad usage (an invalid endpoint included); 65 bad scenario\n"
    "or one the broker refused (another centre's, another scenario's store);\n"
    "69 broker unreachable past the timeout; 77 the broker refused this key (or\n"
    "its role may not start a run).\n";

#define CALL_MS 10000

typedef struct {
    const char *endpoint, *scenario, *acked_path, *curve_server, *curve_key, *centre;
    uint64_t seed;
    bool have_seed, no_wait, quiet;
    double rate;
    int batch, window, timeout_s;
    int64_t resend_ms;        /* a request unanswered this long is sent again */
    size_t limit;
} sim_opts_t;

typedef struct {
    size_t *idx, n;
    int64_t sent_ms;
} batch_t;

typedef struct {
    sim_opts_t o;
    mdp_client_t *cl;
    sim_feed_t *feed;
    size_t *tickets, n_tickets;     /* feed indexes of tickets (after --limit) */
    uint8_t *acked;                 /* per ticket */
    size_t n_acked, next;           /* next ticket index to send */
    size_t *resend, n_resend;       /* tickets to send again */
    batch_t *fl;                    /* requests in flight, oldest first */
    size_t n_fl;
    int rejected;                   /* tickets the broker rejected */
    wire_enc_t enc;
    wire_msg_t *msg;
    int64_t t0_ms, last_progress_ms;
    bool refused;             /* the broker refused our key: stop, exit 77 */
} sim_t;

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { g_stop = sig; }


static int parse(sim_opts_t *o, int argc, char **argv)
{
    static const struct option LONG[] = {
        {"connect", 1, 0, 'c'}, {"scenario", 1, 0, 's'}, {"seed", 1, 0, 'S'}, {"rate", 1, 0, 'r'},
        {"batch", 1, 0, 'b'}, {"window", 1, 0, 'w'}, {"limit", 1, 0, 'l'}, {"no-wait", 0, 0, 'n'},
        {"timeout", 1, 0, 't'}, {"resend-ms", 1, 0, 'R'}, {"acked", 1, 0, 'A'}, {"curve-server", 1, 0, 'C'}, {"curve-key", 1, 0, 'K'}, {"centre", 1, 0, 'Z'}, {"quiet", 0, 0, 'q'}, {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    *o = (sim_opts_t){.endpoint = "tcp://127.0.0.1:5555", .batch = 500, .window = 8, .timeout_s = 1800, .resend_ms = 10000};
    int c;
    char *end = NULL;
    while ((c = getopt_long(argc, argv, "c:s:qvhV", LONG, NULL)) != -1) {
        errno = 0;
        switch (c) {
        case 'c': o->endpoint = optarg; break;
        case 's': o->scenario = optarg; break;
        case 'S': o->seed = strtoull(optarg, &end, 10); o->have_seed = true; break;
        case 'r': o->rate = strtod(optarg, &end); if (o->rate <= 0) errno = EINVAL; break;
        case 'b': o->batch = (int)strtol(optarg, &end, 10); if (o->batch < 1 || o->batch > 100000) errno = EINVAL; break;
        case 'w': o->window = (int)strtol(optarg, &end, 10); if (o->window < 1 || o->window > 1024) errno = EINVAL; break;
        case 'l': o->limit = strtoull(optarg, &end, 10); break;
        case 'n': o->no_wait = true; break;
        case 't': o->timeout_s = (int)strtol(optarg, &end, 10); if (o->timeout_s < 1) errno = EINVAL; break;
        case 'R': o->resend_ms = strtoll(optarg, &end, 10); if (o->resend_ms < 100) errno = EINVAL; break;
        case 'A': o->acked_path = optarg; break;
        case 'C': o->curve_server = optarg; break;
        case 'K': o->curve_key = optarg; break;
        case 'Z':
            o->centre = optarg;
            if (!ticket_centre_valid(optarg)) {
                fprintf(stderr, "hotline-sim: bad --centre '%s': " TICKET_CENTRE_RULE "\n", optarg);
                return EX_USAGE;
            }
            break;
        case 'q': o->quiet = true; break;
        case 'v': log_set_level(LOG_INFO); break;
        case 'h': fputs(USAGE, stdout); return 1;
        case 'V': printf("hotline-sim %s\n", HOTLINE_VERSION); return 1;
        default: fputs("Try 'hotline-sim --help'.\n", stderr); return EX_USAGE;
        }
        if (errno || (optarg && end && *end && strchr("SrbwltR", c))) {
            fprintf(stderr, "hotline-sim: bad value '%s' for option -%c\n", optarg, c);
            return EX_USAGE;
        }
        end = NULL;
    }
    if (!o->scenario) { fprintf(stderr, "hotline-sim: --scenario is required (try --help)\n"); return EX_USAGE; }
    if (optind < argc) { fprintf(stderr, "hotline-sim: unexpected argument '%s'\n", argv[optind]); return EX_USAGE; }
    return 0;
}

/* A synchronous call retried until the broker answers or the deadline passes. */
static const msgpack_object *call(sim_t *s, const char *service, void **out, int64_t deadline_ms)
{
    size_t len;
    while (!g_stop) {
        int wait = s->o.resend_ms < CALL_MS ? (int)s->o.resend_ms : CALL_MS;
        if (mdp_client_call(s->cl, service, s->enc.sb.data, s->enc.sb.size, wait, out, &len) == 0) {
            char err[200];
            const msgpack_object *root = wire_decode(s->msg, *out, len, err, sizeof err);
            if (root) return root;
            log_error("malformed reply", "service=%s err=\"%s\"", service, err);
            free(*out);
        } else if (errno == EACCES) {
            fprintf(stderr, "hotline-sim: the broker at %s refused the connection: %s\n", s->o.endpoint,
                    mdp_client_refusal(s->cl));
            s->refused = true;
            break;
        }
        if (clock_mono_ms() > deadline_ms) break;
        log_warn("broker did not answer; retrying", "service=%s", service);
    }
    *out = NULL;
    return NULL;
}

static bool status_is(const msgpack_object *root, const char *want)
{
    return wire_str_eq(wire_get(root, "status"), want);
}

static void print_error(const char *what, const msgpack_object *root)
{
    const msgpack_object *e = wire_get(root, "error");
    fprintf(stderr, "hotline-sim: %s: %.*s\n", what, e && e->type == MSGPACK_OBJECT_STR ? (int)e->via.str.size : 7,
            e && e->type == MSGPACK_OBJECT_STR ? e->via.str.ptr : "refused");
}

/* sim.start until it is recorded; "rejected" is final. */
static int start(sim_t *s, const scenario_t *scn, uint64_t seed)
{
    size_t len;
    const char *text = scenario_text(scn, &len);
    int64_t deadline = clock_mono_ms() + (int64_t)s->o.timeout_s * 1000;
    for (;;) {
        wire_enc_reset(&s->enc);
        wire_map(&s->enc, 3);
        wire_str(&s->enc, "text");
        wire_strn(&s->enc, text, len);
        wire_kv_int(&s->enc, "seed", (int64_t)seed);
        wire_kv_str(&s->enc, "centre", s->o.centre);
        void *out;
        const msgpack_object *root = call(s, "sim.start", &out, deadline);
        if (!root && !s->refused) fprintf(stderr, "hotline-sim: the broker at %s does not answer\n", s->o.endpoint);
        if (!root) return EX_UNAVAILABLE;
        bool ok = status_is(root, "ok"), retry = status_is(root, "retry"), forbidden = status_is(root, "forbidden");
        if (!ok && !retry) print_error("sim.start refused", root);
        free(out);
        if (ok) return 0;
        if (forbidden) return EX_NOPERM; /* this key may not start a run */
        if (!retry) return EX_DATAERR;   /* the run itself refused: waiting will not change it */
        if (clock_mono_ms() > deadline) return EX_UNAVAILABLE;
        usleep(500000);
    }
}

/* --- knowledge-base ids (updates pick from them) --- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char **kb_ids(sim_t *s, size_t *n)
{
    char **ids = NULL;
    size_t cap = 0;
    int64_t since = -1;
    bool more = true;
    *n = 0;
    while (more) {
        wire_enc_reset(&s->enc);
        wire_map(&s->enc, 1);
        wire_kv_int(&s->enc, "since", since);
        void *out;
        const msgpack_object *root = call(s, "kb.list", &out, clock_mono_ms() + (int64_t)s->o.timeout_s * 1000);
        const msgpack_object *es = root ? wire_get(root, "entries") : NULL;
        if (!es || es->type != MSGPACK_OBJECT_ARRAY) { free(out); break; }
        for (uint32_t i = 0; i < es->via.array.size; i++) {
            char id[32], err[64];
            int64_t rev = 0;
            if (wire_copy_str(&es->via.array.ptr[i], "id", id, sizeof id, err, sizeof err) != 0) continue;
            wire_get_int(&es->via.array.ptr[i], "rev", &rev, err, sizeof err);
            if (rev > since) since = rev;
            if (*n == cap) ids = xrealloc(ids, (cap = cap ? 2 * cap : 256) * sizeof *ids);
            ids[(*n)++] = xstrdup(id);
        }
        const msgpack_object *m = wire_get(root, "more");
        more = m && m->type == MSGPACK_OBJECT_BOOLEAN && m->via.boolean && es->via.array.size > 0;
        free(out);
    }
    qsort(ids, *n, sizeof *ids, cmp_str);
    size_t u = 0; /* unique: an updated entry has several revisions */
    for (size_t i = 0; i < *n; i++) {
        if (u && strcmp(ids[u - 1], ids[i]) == 0) free(ids[i]);
        else ids[u++] = ids[i];
    }
    *n = u;
    return ids;
}

/* --- pipelined ticket submission --- */



static void pack_ticket(wire_enc_t *e, const sim_item_t *t, const char *centre)
{
    wire_map(e, 9);
    wire_kv_str(e, "id", t->id);
    wire_kv_str(e, "centre", centre);
    wire_kv_int(e, "received_at", t->at);
    wire_kv_str(e, "type", t->type);
    wire_kv_bool(e, "urgent", t->urgent);
    wire_kv_str(e, "text", t->text);
    wire_kv_str(e, "street", t->street);
    wire_kv_str(e, "caller", t->caller);
    wire_kv_str(e, "channel", t->channel);
}

static void progress(sim_t *s, const char *phase, size_t done, size_t total, bool force)
{
    int64_t now = clock_mono_ms();
    if (s->o.quiet || (!force && now - s->last_progress_ms < 250)) return;
    s->last_progress_ms = now;
    double secs = (double)(now - s->t0_ms) / 1000.0;
    double pct = total ? 100.0 * (double)done / (double)total : 100.0;
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\r%-9s %7zu/%zu  %5.1f%%  %6.0f/s  %5.1fs   ", phase, done, total, pct, secs > 0 ? (double)done / secs : 0.0, secs);
    else if (force)
        fprintf(stderr, "%s %zu/%zu (%.1f%%) after %.1fs\n", phase, done, total, pct, secs);
}

static int by_index_desc(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Next tickets to send, resends first (oldest first, the order they were
 * generated in), up to batch, none at or past end. */
static size_t take(sim_t *s, size_t end, size_t *idx)
{
    size_t k = 0;
    if (s->n_resend > 1) qsort(s->resend, s->n_resend, sizeof *s->resend, by_index_desc);
    while (k < (size_t)s->o.batch && s->n_resend) idx[k++] = s->resend[--s->n_resend];
    while (k < (size_t)s->o.batch && s->next < end) idx[k++] = s->next++;
    return k;
}

/* Milliseconds to wait before k more tickets keep the feed within --rate. */
static int64_t rate_wait_ms(sim_t *s, size_t k)
{
    if (s->o.rate <= 0) return 0;
    double due_s = (double)(s->next + k) / s->o.rate;
    int64_t due_ms = s->t0_ms + (int64_t)(due_s * 1000.0);
    return due_ms > clock_mono_ms() ? due_ms - clock_mono_ms() : 0;
}

static void send_batch(sim_t *s, size_t *idx, size_t k)
{
    wire_enc_reset(&s->enc);
    wire_array(&s->enc, (uint32_t)k);
    for (size_t i = 0; i < k; i++) pack_ticket(&s->enc, sim_feed_at(s->feed, s->tickets[idx[i]]), s->o.centre);
    mdp_client_send_req(s->cl, "ticket.submit", s->enc.sb.data, s->enc.sb.size);
    s->fl = xrealloc(s->fl, (s->n_fl + 1) * sizeof *s->fl);
    s->fl[s->n_fl++] = (batch_t){idx, k, clock_mono_ms()};
}

static void requeue(sim_t *s, const batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) s->resend[s->n_resend++] = b->idx[i];
}

static void pop_flight(sim_t *s)
{
    free(s->fl[0].idx);
    memmove(s->fl, s->fl + 1, (--s->n_fl) * sizeof *s->fl);
}

/* Everything in flight is sent again on a fresh socket. */
static void reset_all(sim_t *s, const char *why)
{
    log_warn("resending unacknowledged tickets", "why=\"%s\" batches=%zu", why, s->n_fl);
    mdp_client_reset(s->cl);
    while (s->n_fl) { requeue(s, &s->fl[0]); pop_flight(s); }
}


static void on_reply(sim_t *s, mdp_span_t body)
{
    char err[200];
    const msgpack_object *root = wire_decode(s->msg, body.p, body.n, err, sizeof err);
    batch_t *b = &s->fl[0];
    if (root && root->type == MSGPACK_OBJECT_MAP && status_is(root, "retry")) {
        requeue(s, b); /* the store could not commit: all of it again, later */
        pop_flight(s);
        usleep(200000);
        return;
    }
    if (!root || root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != b->n) { reset_all(s, "reply does not match the oldest batch"); return; }
    for (size_t i = 0; i < b->n; i++) {
        const msgpack_object *r = &root->via.array.ptr[i];
        const sim_item_t *t = sim_feed_at(s->feed, s->tickets[b->idx[i]]);
        if (!wire_str_eq(wire_get(r, "id"), t->id)) { reset_all(s, "reply ids out of order"); return; }
        if (status_is(r, "accepted") || status_is(r, "duplicate")) {
            if (!s->acked[b->idx[i]]) { s->acked[b->idx[i]] = 1; s->n_acked++; }
        } else if (status_is(r, "rejected")) {
            print_error(t->id, r);
            if (!s->acked[b->idx[i]]) { s->acked[b->idx[i]] = 2; s->n_acked++; s->rejected++; }
        } else {
            s->resend[s->n_resend++] = b->idx[i];
        }
    }
    pop_flight(s);
}

/* Feeds tickets [next, end) and returns once every one of them is acknowledged. */
static int feed_until(sim_t *s, size_t end, size_t acked_goal)
{
    while (!g_stop && s->n_acked < acked_goal) {
        int wait = 100;
        while (s->n_fl < (size_t)s->o.window && (s->n_resend || s->next < end)) {
            size_t want = end - s->next < (size_t)s->o.batch ? end - s->next : (size_t)s->o.batch;
            int64_t w = s->n_resend ? 0 : rate_wait_ms(s, want);
            if (w > 0) { wait = w < wait ? (int)w : wait; break; }
            size_t *idx = xmalloc((size_t)s->o.batch * sizeof *idx);
            send_batch(s, idx, take(s, end, idx));
        }
        mdp_span_t svc, body;
        if (mdp_client_recv(s->cl, wait, &svc, &body) == 0 && s->n_fl) on_reply(s, body);
        else if (errno == EACCES) {
            fprintf(stderr, "hotline-sim: the broker at %s refused the connection: %s\n", s->o.endpoint,
                    mdp_client_refusal(s->cl));
            s->refused = true;
            return -1;
        }
        else if (s->n_fl && clock_mono_ms() - s->fl[0].sent_ms > s->o.resend_ms) reset_all(s, "no reply within the resend timeout");
        progress(s, "feeding", s->n_acked, s->n_tickets, false);
    }
    return g_stop ? -1 : 0;
}

/* --- knowledge-base updates, clock, settling --- */

static int kb_update(sim_t *s, const sim_item_t *u, const char *scn_name, uint64_t seed, size_t k)
{
    char uid[96];
    snprintf(uid, sizeof uid, "%s/%" PRIu64 "/kbu-%04zu", scn_name, seed, k);
    int64_t deadline = clock_mono_ms() + (int64_t)s->o.timeout_s * 1000;
    for (;;) {
        wire_enc_reset(&s->enc);
        wire_map(&s->enc, u->add_keywords ? 5 : 4);
        wire_kv_str(&s->enc, "id", u->kb_id);
        wire_kv_int(&s->enc, "at", u->at);
        wire_kv_str(&s->enc, "uid", uid);
        wire_kv_str(&s->enc, "answer", u->answer);
        if (u->add_keywords) wire_kv_str(&s->enc, "add_keywords", u->add_keywords);
        void *out;
        const msgpack_object *root = call(s, "kb.update", &out, deadline);
        if (!root) return EX_UNAVAILABLE;
        bool ok = status_is(root, "ok") || status_is(root, "duplicate"), retry = status_is(root, "retry");
        if (!ok && !retry) print_error("kb.update refused", root);
        free(out);
        if (ok) return 0;
        if (!retry) return EX_DATAERR; /* refused: waiting will not change it */
        if (clock_mono_ms() > deadline) return EX_UNAVAILABLE;
        usleep(500000);
    }
}

static int simple_call(sim_t *s, const char *service, const char *key, int64_t v, int64_t *f_out, const char *const *fields)
{
    wire_enc_reset(&s->enc);
    wire_map(&s->enc, key ? 1 : 0);
    if (key) wire_kv_int(&s->enc, key, v);
    void *out;
    const msgpack_object *root = call(s, service, &out, clock_mono_ms() + (int64_t)s->o.timeout_s * 1000);
    if (!root) return -1;
    char err[64];
    int rc = status_is(root, "ok") ? 0 : -1;
    for (int i = 0; fields && fields[i] && rc == 0; i++) rc = wire_get_int(root, fields[i], &f_out[i], err, sizeof err) == 0 ? 0 : -1;
    free(out);
    return rc;
}

static int wait_settled(sim_t *s)
{
    static const char *const F[] = {"tickets", "final", "parked", NULL};
    int64_t deadline = clock_mono_ms() + (int64_t)s->o.timeout_s * 1000, v[3] = {0};
    s->t0_ms = clock_mono_ms();
    while (!g_stop) {
        if (simple_call(s, "sim.status", NULL, 0, v, F) != 0) return EX_UNAVAILABLE;
        progress(s, "settling", (size_t)v[1], (size_t)v[0], v[1] >= v[0]);
        if (v[0] >= (int64_t)s->n_tickets && v[1] == v[0]) return 0;
        if (clock_mono_ms() > deadline) {
            fprintf(stderr, "\nhotline-sim: gave up after %d s: %lld of %lld tickets settled, %lld parked (see the broker log)\n",
                    s->o.timeout_s, (long long)v[1], (long long)v[0], (long long)v[2]);
            return EX_UNAVAILABLE;
        }
        usleep(200000);
    }
    return EX_UNAVAILABLE;
}

/* The Jepsen-style ledger: every id the broker acknowledged. */
static int write_acked(const sim_t *s)
{
    FILE *f = fopen(s->o.acked_path, "w");
    if (!f) { fprintf(stderr, "hotline-sim: cannot write %s\n", s->o.acked_path); return EX_CANTCREAT; }
    for (size_t i = 0; i < s->n_tickets; i++)
        if (s->acked[i] == 1) fprintf(f, "%s\n", sim_feed_at(s->feed, s->tickets[i])->id);
    return fclose(f) == 0 ? 0 : EX_IOERR;
}

static int run(sim_t *s, const scenario_t *scn, uint64_t seed)
{
    int rc = start(s, scn, seed);
    if (rc) return rc;
    size_t n_ids;
    char **ids = kb_ids(s, &n_ids), err[256];
    s->feed = sim_gen(scn, seed, (const char *const *)ids, n_ids, err, sizeof err);
    for (size_t i = 0; i < n_ids; i++) free(ids[i]);
    free(ids);
    if (!s->feed) { fprintf(stderr, "hotline-sim: cannot generate the feed: %s\n", err); return EX_DATAERR; }
    size_t n = sim_feed_len(s->feed), k = 0;
    s->tickets = xmalloc((n + 1) * sizeof *s->tickets);
    for (size_t i = 0; i < n; i++)
        if (sim_feed_at(s->feed, i)->kind == SIM_TICKET && (!s->o.limit || s->n_tickets < s->o.limit)) s->tickets[s->n_tickets++] = i;
    s->acked = xcalloc(s->n_tickets + 1, 1);
    s->resend = xmalloc((s->n_tickets + 1) * sizeof *s->resend);
    int64_t last_at = s->n_tickets ? sim_feed_at(s->feed, s->tickets[s->n_tickets - 1])->at : 0;
    s->t0_ms = clock_mono_ms();
    size_t t = 0; /* tickets before the current feed position */
    for (size_t i = 0; i < n && rc == 0 && !g_stop; i++) {
        const sim_item_t *it = sim_feed_at(s->feed, i);
        if (it->kind == SIM_TICKET) { t += t < s->n_tickets; continue; }
        if (s->o.limit && it->at > last_at) break;
        /* Every ticket received before the update is acknowledged first, so
         * the broker's KB revision counter orders them. */
        if (feed_until(s, t, t) != 0) { rc = EX_UNAVAILABLE; break; } /* still write the ledger below */
        rc = kb_update(s, it, scenario_name(scn), seed, ++k);
    }
    if (rc == 0 && feed_until(s, s->n_tickets, s->n_tickets) != 0) rc = EX_UNAVAILABLE;
    if (s->o.acked_path) { int w = write_acked(s); if (rc == 0) rc = w; }
    progress(s, "fed", s->n_acked, s->n_tickets, true);
    if (!s->o.quiet && isatty(STDERR_FILENO)) fputc('\n', stderr);
    if (rc == 0 && !s->o.no_wait) {
        static const char *const F[] = {"clock", NULL};
        int64_t clock;
        if (simple_call(s, "clock.advance", "to", s->o.limit ? last_at + 1 : scenario_to(scn), &clock, F) != 0) rc = EX_UNAVAILABLE;
        else rc = wait_settled(s);
        if (!s->o.quiet && isatty(STDERR_FILENO)) fputc('\n', stderr);
    }
    if (rc == 0 && s->rejected) {
        fprintf(stderr, "hotline-sim: %d tickets were rejected by the broker\n", s->rejected);
        rc = EX_DATAERR;
    }
    fprintf(stderr, "hotline-sim: %s: %zu tickets, %zu knowledge-base updates, seed %" PRIu64 "%s\n",
            scenario_name(scn), s->n_tickets, k, seed, rc == 0 ? (s->o.no_wait ? ", all acknowledged" : ", all settled") : ", FAILED");
    return rc;
}

int main(int argc, char **argv)
{
    sim_t s = {0};
    log_init("sim", LOG_WARN);
    int rc = parse(&s.o, argc, argv);
    if (rc) return rc == 1 ? 0 : rc;
    char err[512];
    scenario_t *scn = scenario_open(s.o.scenario, err, sizeof err);
    if (!scn) { fprintf(stderr, "hotline-sim: %s\n", err); return EX_DATAERR; }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    cert_client_t keys;
    bool curve = s.o.curve_server || s.o.curve_key;
    if (curve && cert_client_load(s.o.curve_server, s.o.curve_key, &keys, err, sizeof err) != 0) {
        fprintf(stderr, "hotline-sim: %s\n", err);
        scenario_destroy(&scn);
        return EX_NOINPUT;
    }
    mdp_curve_t cv = {curve ? keys.server : NULL, keys.public_key, keys.secret_key};
    void *zctx = zmq_ctx_new();
    s.cl = mdp_client_new(zctx, s.o.endpoint, &cv, err, sizeof err);
    if (!s.cl) {
        fprintf(stderr, "hotline-sim: %s\n", err);
        zmq_ctx_term(zctx);
        scenario_destroy(&scn);
        return EX_USAGE;
    }
    wire_enc_init(&s.enc);
    s.msg = wire_msg_new();
    if (!s.o.centre) s.o.centre = scenario_centre(scn);
    rc = run(&s, scn, s.o.have_seed ? s.o.seed : scenario_seed(scn));
    while (s.n_fl) pop_flight(&s);
    free(s.fl);
    sim_feed_destroy(&s.feed);
    free(s.tickets);
    free(s.acked);
    free(s.resend);
    wire_enc_free(&s.enc);
    wire_msg_destroy(&s.msg);
    mdp_client_destroy(&s.cl);
    zmq_ctx_term(zctx);
    scenario_destroy(&scn);
    if (s.refused) return EX_NOPERM;
    return g_stop && rc == 0 ? EX_UNAVAILABLE : rc;
}
