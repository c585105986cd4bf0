/* options: parsing and checking hotline-broker's command line. */
#include "options.h"
#include "scenario.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static const char USAGE[] =
    "Usage: hotline-broker [OPTIONS]\n"
    "\n"
    "The hotline broker: one ROUTER endpoint speaking ZeroMQ 7/MDP v0.1 to clients\n"
    "and workers. It owns the store, the ticket state machine and the\n"
    "deadline timers, and serves ticket.submit, ticket.status, kb.*, sim.*,\n"
    "clock.advance and mmi.service itself.\n"
    "\n"
    "Options:\n"
    "  -b, --bind ENDPOINT     endpoint to bind (default tcp://127.0.0.1:5555)\n"
    "  -d, --db FILE|URI       the store: a SQLite file, created if missing (default\n"
    "                          hotline.db), or a PostgreSQL database given as a\n"
    "                          postgresql:// URI or libpq key=value string (several\n"
    "                          hosts allowed; target_session_attrs=read-write finds\n"
    "                          the primary). An empty database gets the schema. A\n"
    "                          password belongs in PGPASSWORD or a password file\n"
    "                          (PGPASSFILE), never here: it would show in ps\n"
    "      --lease SECONDS     PostgreSQL: any number of brokers may start on one\n"
    "                          store; one is active (it holds the store's lock and\n"
    "                          binds), the others wait. A waiting broker takes over\n"
    "                          when the active one dies, or when its session stays\n"
    "                          silent this long (frozen; default 6)\n"
    "      --centre CODE       the 12345 centre this broker serves (1 to 32 of a-z,\n"
    "                          0-9, '_'). A SQLite store records the centre it was\n"
    "                          made for (default longhu) and refuses another. A\n"
    "                          PostgreSQL database can hold a province: each centre\n"
    "                          in its schema centre_CODE, with its own active\n"
    "                          broker (default longhu). Tickets and scenarios that\n"
    "                          name another centre are refused\n"
    "      --kb FILE           knowledge base to seed an empty store with\n"
    "                          (default DATADIR/kb/longhu-kb.tsv)\n"
    "      --heartbeat MS      heartbeat interval; a peer is dead after 3 missed\n"
    "                          (default 2500)\n"
    "      --batch N           tickets per stage request to a worker (default 64)\n"
    "      --sync full|normal  durability (default full: a reply waits for an\n"
    "                          fdatasync of the WAL covering its commit). 'normal'\n"
    "                          can lose the last acknowledged tickets on a power\n"
    "                          loss or OS crash (not on a process crash)\n"
    "      --clock auto|virtual|live\n"
    "                          time for deadlines: virtual (driven by the feed),\n"
    "                          live (wall clock), or auto: virtual once a\n"
    "                          scenario was started with sim.start (default;\n"
    "                          always live with --manual)\n"
    "      --curve-secret FILE encrypt and authenticate with CURVE, using the\n"
    "                          broker's key pair FILE (NAME.key_secret from\n"
    "                          hotline-keygen); needs --allow\n"
    "      --allow DIR         allow-list: public keys (*.key) in DIR/client/,\n"
    "                          DIR/worker/, DIR/admin/, DIR/centre/ and\n"
    "                          DIR/unit/<unit code>/; re-read every second. The\n"
    "                          key's file name is the actor in the event log\n"
    "      --manual PATTERN    the stages whose service matches the glob PATTERN\n"
    "                          (classify, dispatch, visit, unit.<code>; e.g.\n"
    "                          'unit.*', unit.street.jinxia, visit) wait for\n"
    "                          people, who act with ticket.act (hotline-ctl act);\n"
    "                          repeatable. Deadlines then run on the wall clock\n"
    "      --datadir DIR       calendars and deadline rules (default: the shipped\n"
    "                          data)\n"
    "      --metrics HOST:PORT serve Prometheus metrics at http://HOST:PORT/metrics\n"
    "      --insecure          allow a plaintext bind to a non-loopback address\n"
    "      --rebuild-rollups   recompute the report roll-ups of --db from its tickets,\n"
    "                          then exit (maintenance; stop the running broker first)\n"
    "  -v, --verbose           log at info level (twice: debug)\n"
    "      --log-level LEVEL   debug|info|warn|error (default warn)\n"
    "  -h, --help              show this help\n"
    "  -V, --version           show the version\n"
    "\n"
    "Exit status: 0 after a clean shutdown (SIGINT/SIGTERM drain and flush),\n"
    "64 bad usage, 66 store cannot be opened, 69 endpoint unavailable,\n"
    "70 internal error.\n";

bool broker_endpoint_is_local(const char *ep)
{
    if (strncmp(ep, "ipc://", 6) == 0 || strncmp(ep, "inproc://", 9) == 0) return true;
    if (strncmp(ep, "tcp://", 6) != 0) return false;
    const char *h = ep + 6;
    return strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost:", 10) == 0 || strncmp(h, "[::1]:", 6) == 0;
}

static int parse_int(const char *s, int lo, int hi, int *out, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        fprintf(stderr, "hotline-broker: %s must be an integer from %d to %d (got '%s')\n", what, lo, hi, s);
        return EX_USAGE;
    }
    *out = (int)v;
    return 0;
}

static int parse_choice(const char *s, const char *const *names, int n, int *out, const char *what)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) { *out = i; return 0; }
    fprintf(stderr, "hotline-broker: unknown %s '%s'\n", what, s);
    return EX_USAGE;
}

static char g_kb_default[4096];

int broker_opts_parse(broker_opts_t *o, int argc, char **argv)
{
    static const struct option LONG[] = {
        {"bind", 1, 0, 'b'}, {"db", 1, 0, 'd'}, {"kb", 1, 0, 'k'}, {"heartbeat", 1, 0, 'H'},
        {"batch", 1, 0, 'B'}, {"sync", 1, 0, 's'}, {"clock", 1, 0, 'c'}, {"insecure", 0, 0, 'I'}, {"curve-secret", 1, 0, 'C'}, {"rebuild-rollups", 0, 0, 'R'}, {"lease", 1, 0, 'E'}, {"metrics", 1, 0, 'M'}, {"allow", 1, 0, 'A'}, {"manual", 1, 0, 'm'}, {"datadir", 1, 0, 'D'}, {"centre", 1, 0, 'Z'},
        {"verbose", 0, 0, 'v'}, {"log-level", 1, 0, 'L'}, {"help", 0, 0, 'h'}, {"version", 0, 0, 'V'}, {0, 0, 0, 0}};
    static const char *const SYNC[] = {"full", "normal"}, *const CLOCK[] = {"auto", "live", "virtual"};
    snprintf(g_kb_default, sizeof g_kb_default, "%s/kb/longhu-kb.tsv", hotline_datadir());
    *o = (broker_opts_t){.bind = "tcp://127.0.0.1:5555", .db = "hotline.db", .kb = g_kb_default, .heartbeat_ms = 2500,
                         .batch = 64, .lease_s = 6, .sync = STORE_SYNC_FULL, .clock = -1, .log_level = LOG_WARN,
                         .datadir = hotline_datadir()};
    int c, rc = 0, v = 0;
    optind = 1;
    while (rc == 0 && (c = getopt_long(argc, argv, "b:d:vhV", LONG, NULL)) != -1) {
        switch (c) {
        case 'b': o->bind = optarg; break;
        case 'd': o->db = optarg; break;
        case 'k': o->kb = optarg; break;
        case 'H': rc = parse_int(optarg, 10, 600000, &o->heartbeat_ms, "--heartbeat"); break;
        case 'B': rc = parse_int(optarg, 1, 10000, &o->batch, "--batch"); break;
        case 's': rc = parse_choice(optarg, SYNC, 2, &v, "--sync mode"); o->sync = (store_sync_t)v; break;
        case 'c': rc = parse_choice(optarg, CLOCK, 3, &v, "--clock"); o->clock = v - 1; break;
        case 'I': o->insecure = true; break;
        case 'C': o->curve_secret = optarg; break;
        case 'R': o->rebuild_rollups = true; break;
        case 'E': rc = parse_int(optarg, 2, 3600, &o->lease_s, "--lease"); break;
        case 'M': o->metrics = optarg; break;
        case 'A': o->allow = optarg; break;
        case 'm':
            if (o->n_manual == (int)(sizeof o->manual / sizeof *o->manual)) { fprintf(stderr, "hotline-broker: too many --manual\n"); rc = EX_USAGE; }
            else o->manual[o->n_manual++] = optarg;
            break;
        case 'D': o->datadir = optarg; break;
        case 'Z':
            o->centre = optarg;
            if (!ticket_centre_valid(optarg)) {
                fprintf(stderr, "hotline-broker: bad --centre '%s': " TICKET_CENTRE_RULE "\n", optarg);
                rc = EX_USAGE;
            }
            break;
        case 'v': o->log_level = o->log_level == LOG_WARN ? LOG_INFO : LOG_DEBUG; break;
        case 'L':
            if (log_level_parse(optarg, &o->log_level)) { fprintf(stderr, "hotline-broker: unknown log level '%s'\n", optarg); rc = EX_USAGE; }
            break;
        case 'h': fputs(USAGE, stdout); return 1;
        case 'V': printf("hotline-broker %s\n", HOTLINE_VERSION); return 1;
        default: fputs("Try 'hotline-broker --help'.\n", stderr); return EX_USAGE;
        }
    }
    if (rc == 0 && optind < argc) {
        fprintf(stderr, "hotline-broker: unexpected argument '%s'\n", argv[optind]);
        rc = EX_USAGE;
    }
    if (rc == 0 && o->n_manual && o->clock == 1) {
        fprintf(stderr, "hotline-broker: --manual runs on the wall clock; it cannot take --clock virtual\n");
        rc = EX_USAGE;
    }
    if (rc == 0 && o->n_manual) o->clock = 0; /* people act in real time */
    if (rc == 0 && o->metrics) {
        const char *colon = strrchr(o->metrics, ':');
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        if (!colon || colon == o->metrics || !colon[1] || *end || port < 1 || port > 65535) {
            fprintf(stderr, "hotline-broker: --metrics wants HOST:PORT with a port from 1 to 65535 (got '%s')\n", o->metrics);
            rc = EX_USAGE;
        }
    }
    if (rc == 0 && !o->curve_secret != !o->allow) {
        fprintf(stderr, "hotline-broker: --curve-secret and --allow go together\n");
        rc = EX_USAGE;
    }
    if (rc == 0 && !o->curve_secret && !o->insecure && !broker_endpoint_is_local(o->bind)) {
        fprintf(stderr, "hotline-broker: refusing a plaintext bind to the non-loopback endpoint %s; "
                        "bind 127.0.0.1/::1/ipc://, or pass --insecure\n", o->bind);
        rc = EX_USAGE;
    }
    return rc;
}
