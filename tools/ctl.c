/* hotline-ctl: a person's tool for a running broker. One table of commands,
 * each in its own function: the broker's status (ctl_status.c), and a
 * ticket's timeline, lists and searches of tickets, and actions on them
 * (ctl_ticket.c). Every wait has a timeout; Ctrl-C and SIGTERM end it. */
#include "calendar.h"
#include "cert.h"
#include "ctl.h"
#include "log.h"
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static const char USAGE[] =
    "Usage: hotline-ctl [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  status                  the broker's status: services, worker processes,\n"
    "                          queues, tickets waiting for people, rates, store\n"
    "  watch                   status refreshed every --interval seconds\n"
    "  ticket ID               one ticket: state, unit, deadlines, working time\n"
    "                          left (or how late), text, and its timeline with\n"
    "                          each event's actor, round and time (CST)\n"
    "  list                    tickets matching the filters below, one page\n"
    "  act ID ACTION           act on a ticket whose stage waits for people\n"
    "                          (hotline-broker --manual). ACTION is one of\n"
    "                          a unit's clerk:\n"
    "                            sign, return --reason CODE [--note TEXT],\n"
    "                            extend --days N --reason TEXT,\n"
    "                            suspend --reason TEXT, resume,\n"
    "                            close --result TEXT, rectify --result TEXT,\n"
    "                            report [--unit U] (a co-unit's part, 联办)\n"
    "                          the centre:\n"
    "                            approve [--note TEXT], reject [--note TEXT]\n"
    "                              (a unit's return, extension or suspension),\n"
    "                            assign --unit U (人工派单),\n"
    "                            rate --level 1..5 [--solved yes|no]\n"
    "                              [--attitude 1..5] | --unreachable,\n"
    "                            unreachable (one visit call that reached nobody),\n"
    "                            reopen (重办: the caller says it is not solved)\n"
    "                          return reasons: not_our_remit, wrong_address,\n"
    "                          insufficient_info, duplicate\n"
    "\n"
    "Connection:\n"
    "  -c, --connect ENDPOINTS broker endpoint (default tcp://127.0.0.1:5555), or\n"
    "                          several, comma-separated\n"
    "      --curve-server FILE the broker's public key (NAME.key): use CURVE\n"
    "      --curve-key FILE    your key pair (NAME.key_secret): an admin key for\n"
    "                          status, a unit or centre key to act\n"
    "      --timeout MS        how long to wait for the broker (default 3000)\n"
    "      --as NAME           without CURVE: who acts, recorded in the event log\n"
    "                          (default: $USER); honoured on loopback only\n"
    "status, watch:\n"
    "  -i, --interval S        watch refresh interval (default 2)\n"
    "  -n, --count N           watch: stop after N refreshes (default: until Ctrl-C)\n"
    "      --all               every worker process (default: the first 50);\n"
    "                          with list: every page\n"
    "list:\n"
    "      --state S[,S...]    DISPATCHED, SIGNED, CLOSED, DONE, ... (upper case)\n"
    "      --unit U[,U...]     unit.chengguan, unit.street.jinxia, ...\n"
    "      --street S[,S...]   jinxia, zhuchi, ...\n"
    "      --type T[,T...]     consult, help, complaint, report, suggest, praise\n"
    "      --overdue           open and past the close deadline\n"
    "      --due-within HOURS  open and due within HOURS (clock hours)\n"
    "      --text WORDS        every word occurs in the ticket's text\n"
    "                          (full-text search; Chinese works)\n"
    "      --limit N           tickets per page (default 50, at most 1000)\n"
    "      --after CURSOR      the page after CURSOR (printed under a full page)\n"
    "      --format F          table (default), csv or json (also for ticket)\n"
    "act:\n"
    "      --reason R, --note TEXT, --days N, --result TEXT, --level N, --unreachable,\n"
    "      --solved yes|no, --attitude N, --unit U (one unit: assign, report)\n"
    "\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "Exit status: 0; 64 bad usage (an invalid endpoint included); 65 the broker\n"
    "refused the request (the reason is printed); 69 the broker did not answer\n"
    "in time; 77 the broker refused this key or this action.\n";

volatile sig_atomic_t ctl_stop;
static void on_signal(int sig) { ctl_stop = sig; }

static const struct {
    const char *name;
    int (*fn)(ctl_t *);
    int min_args, max_args;   /* positional arguments after the command */
} COMMANDS[] = {
    {"status", ctl_status, 0, 0}, {"watch", ctl_watch, 0, 0}, {"ticket", ctl_ticket, 1, 1},
    {"list", ctl_list, 0, 0},     {"act", ctl_act, 2, 2},
};

int ctl_call(ctl_t *c, const char *service, const wire_enc_t *body, const msgpack_object **root)
{
    size_t len = 0;
    free(c->reply);
    c->reply = NULL;
    if (mdp_client_call(c->cl, service, body->sb.data, body->sb.size, c->timeout_ms, &c->reply, &len) != 0) {
        if (errno == EACCES) {
            fprintf(stderr, "hotline-ctl: the broker refused the connection: %s\n", mdp_client_refusal(c->cl));
            return EX_NOPERM;
        }
        fprintf(stderr, "hotline-ctl: the broker did not answer within %d ms\n", c->timeout_ms);
        return EX_UNAVAILABLE;
    }
    char err[200];
    *root = wire_decode(c->msg, c->reply, len, err, sizeof err);
    if (!*root) { fprintf(stderr, "hotline-ctl: malformed reply: %s\n", err); return EX_PROTOCOL; }
    if ((*root)->type == MSGPACK_OBJECT_MAP && wire_str_eq(wire_get(*root, "status"), "forbidden")) {
        char why[300];
        fprintf(stderr, "hotline-ctl: %s\n", ctl_str(*root, "error", why, sizeof why, "forbidden"));
        return EX_NOPERM;
    }
    return 0;
}

int64_t ctl_int(const msgpack_object *m, const char *k)
{
    char err[64];
    int64_t v = 0;
    if (m) wire_get_int(m, k, &v, err, sizeof err);
    return v;
}

bool ctl_bool(const msgpack_object *m, const char *k)
{
    const msgpack_object *o = m ? wire_get(m, k) : NULL;
    return o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

const char *ctl_str(const msgpack_object *m, const char *k, char *buf, size_t len, const char *dflt)
{
    char err[64];
    if (!m || wire_copy_str(m, k, buf, len, err, sizeof err) != 0) snprintf(buf, len, "%s", dflt);
    return buf;
}

const char *ctl_time(int64_t t, char *buf, size_t len)
{
    if (!t) { snprintf(buf, len, "-"); return buf; }
    char full[32];
    calendar_format(t, full, sizeof full);
    snprintf(buf, len, "%.16s", full);
    return buf;
}

static int int_arg(const char *s, int lo, int hi, int *out, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        fprintf(stderr, "hotline-ctl: %s must be an integer from %d to %d (got '%s')\n", what, lo, hi, s);
        return EX_USAGE;
    }
    *out = (int)v;
    return 0;
}

typedef struct {
    const char *endpoint, *server, *key;
} conn_opts_t;

/* Parses every option (they may come before or after the command). 0, 1
 * (help or version printed) or EX_USAGE. */
static int parse(int argc, char **argv, ctl_t *c, conn_opts_t *co)
{
    enum { O_SERVER = 256, O_KEY, O_TIMEOUT, O_ALL, O_STATE, O_UNIT, O_STREET, O_TYPE, O_OVERDUE, O_DUE, O_TEXT, O_LIMIT,
           O_AFTER, O_FORMAT, O_AS, O_REASON, O_RESULT, O_NOTE, O_DAYS, O_LEVEL, O_UNREACHABLE, O_SOLVED, O_ATTITUDE };
    static const struct option LONG[] = {
        {"connect", 1, 0, 'c'}, {"curve-server", 1, 0, O_SERVER}, {"curve-key", 1, 0, O_KEY}, {"timeout", 1, 0, O_TIMEOUT},
        {"interval", 1, 0, 'i'}, {"count", 1, 0, 'n'}, {"all", 0, 0, O_ALL}, {"state", 1, 0, O_STATE},
        {"unit", 1, 0, O_UNIT}, {"street", 1, 0, O_STREET}, {"type", 1, 0, O_TYPE}, {"overdue", 0, 0, O_OVERDUE},
        {"due-within", 1, 0, O_DUE}, {"text", 1, 0, O_TEXT}, {"limit", 1, 0, O_LIMIT}, {"after", 1, 0, O_AFTER},
        {"format", 1, 0, O_FORMAT}, {"as", 1, 0, O_AS}, {"reason", 1, 0, O_REASON}, {"result", 1, 0, O_RESULT},
        {"note", 1, 0, O_NOTE}, {"days", 1, 0, O_DAYS}, {"level", 1, 0, O_LEVEL}, {"unreachable", 0, 0, O_UNREACHABLE},
        {"solved", 1, 0, O_SOLVED}, {"attitude", 1, 0, O_ATTITUDE}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    int ch, rc = 0;
    while (rc == 0 && (ch = getopt_long(argc, argv, "c:i:n:hV", LONG, NULL)) != -1) {
        switch (ch) {
        case 'c': co->endpoint = optarg; break;
        case O_SERVER: co->server = optarg; break;
        case O_KEY: co->key = optarg; break;
        case O_TIMEOUT: rc = int_arg(optarg, 1, 3600000, &c->timeout_ms, "--timeout"); break;
        case 'i': rc = int_arg(optarg, 1, 3600, &c->interval_s, "--interval"); break;
        case 'n': rc = int_arg(optarg, 0, 1000000, &c->count, "--count"); break;
        case O_ALL: c->all = true; break;
        case O_STATE: c->state = optarg; break;
        case O_UNIT: c->unit = optarg; break;
        case O_STREET: c->street = optarg; break;
        case O_TYPE: c->type = optarg; break;
        case O_OVERDUE: c->overdue = true; break;
        case O_DUE: rc = int_arg(optarg, 1, 9600, &c->due_within_h, "--due-within"); break;
        case O_TEXT: c->text = optarg; break;
        case O_LIMIT: rc = int_arg(optarg, 1, 1000, &c->limit, "--limit"); break;
        case O_AFTER: c->after = optarg; break;
        case O_FORMAT:
            c->format_set = true;
            if (strcmp(optarg, "table") == 0) c->format = CTL_TABLE;
            else if (strcmp(optarg, "csv") == 0) c->format = CTL_CSV;
            else if (strcmp(optarg, "json") == 0) c->format = CTL_JSON;
            else { fprintf(stderr, "hotline-ctl: --format is table, csv or json (got '%s')\n", optarg); rc = EX_USAGE; }
            break;
        case O_AS: c->as = optarg; break;
        case O_REASON: c->reason = optarg; break;
        case O_RESULT: c->result = optarg; break;
        case O_NOTE: c->note = optarg; break;
        case O_DAYS: rc = int_arg(optarg, 1, 365, &c->days, "--days"); break;
        case O_LEVEL: rc = int_arg(optarg, 1, 5, &c->level, "--level"); break;
        case O_UNREACHABLE: c->unreachable = true; break;
        case O_SOLVED:
            if (strcmp(optarg, "yes") && strcmp(optarg, "no")) {
                fprintf(stderr, "hotline-ctl: --solved is yes or no (got '%s')\n", optarg);
                rc = EX_USAGE;
            }
            c->solved = optarg;
            break;
        case O_ATTITUDE: rc = int_arg(optarg, 1, 5, &c->attitude, "--attitude"); break;
        case 'h': fputs(USAGE, stdout); return 1;
        case 'V': printf("hotline-ctl %s\n", HOTLINE_VERSION); return 1;
        default: fputs("Try 'hotline-ctl --help'.\n", stderr); return EX_USAGE;
        }
    }
    return rc;
}

/* Who is at the keyboard: $USER, else the account's name. */
static const char *login_name(void)
{
    const char *u = getenv("USER");
    if (u && *u) return u;
    const struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "operator";
}

static int connect_broker(ctl_t *c, const conn_opts_t *co, void *zctx)
{
    cert_client_t keys;
    char err[512];
    bool curve = co->server || co->key;
    if (curve && cert_client_load(co->server, co->key, &keys, err, sizeof err) != 0) {
        fprintf(stderr, "hotline-ctl: %s\n", err);
        return EX_NOINPUT;
    }
    mdp_curve_t cv = {curve ? keys.server : NULL, keys.public_key, keys.secret_key};
    c->cl = mdp_client_new(zctx, co->endpoint, &cv, err, sizeof err);
    if (!c->cl) { fprintf(stderr, "hotline-ctl: %s\n", err); return EX_USAGE; }
    if (!curve && !c->as) c->as = login_name();
    if (curve && c->as) { fprintf(stderr, "hotline-ctl: with CURVE the actor is your key's name; drop --as\n"); return EX_USAGE; }
    return 0;
}

int main(int argc, char **argv)
{
    ctl_t c = {.timeout_ms = 3000, .interval_s = 2, .limit = 50};
    conn_opts_t co = {.endpoint = "tcp://127.0.0.1:5555"};
    log_init("ctl", LOG_WARN);
    int rc = parse(argc, argv, &c, &co);
    if (rc) return rc == 1 ? 0 : rc;
    if (optind >= argc) { fputs("hotline-ctl: name a command: status, watch, ticket, list or act (try --help)\n", stderr); return EX_USAGE; }
    const char *cmd = argv[optind];
    c.args = argv + optind + 1;
    c.n_args = argc - optind - 1;
    int k = -1;
    for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
        if (strcmp(COMMANDS[i].name, cmd) == 0) k = (int)i;
    if (k < 0) { fprintf(stderr, "hotline-ctl: unknown command '%s' (status, watch, ticket, list, act; try --help)\n", cmd); return EX_USAGE; }
    if (c.n_args < COMMANDS[k].min_args || c.n_args > COMMANDS[k].max_args) {
        fprintf(stderr, "hotline-ctl: '%s' takes %d argument%s (try --help)\n", cmd, COMMANDS[k].max_args,
                COMMANDS[k].max_args == 1 ? "" : "s");
        return EX_USAGE;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    void *zctx = zmq_ctx_new();
    c.msg = wire_msg_new();
    rc = connect_broker(&c, &co, zctx);
    if (rc == 0) rc = COMMANDS[k].fn(&c);
    free(c.reply);
    wire_msg_destroy(&c.msg);
    mdp_client_destroy(&c.cl);
    zmq_ctx_term(zctx);
    return rc;
}
