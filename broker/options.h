/* options: hotline-broker's command line. */
#ifndef HOTLINE_BROKER_OPTIONS_H
#define HOTLINE_BROKER_OPTIONS_H
#include <stdbool.h>
#include <stdint.h>
#include "log.h"
#include "store.h"

typedef struct {
    const char *bind;
    const char *db;
    const char *centre;        /* the centre served, or NULL: the store's own */
    const char *kb;            /* knowledge-base seed file */
    int heartbeat_ms;
    int batch;                 /* tickets per worker request */
    store_sync_t sync;
    int lease_s;                /* PostgreSQL: a silent active broker is replaced after this */
    int clock;                 /* -1 auto (virtual once a scenario starts), 0 live, 1 virtual */
    bool insecure;
    bool rebuild_rollups;      /* recompute the roll-up table, then exit */
    const char *metrics;       /* HOST:PORT for Prometheus, or NULL */
    const char *curve_secret;  /* broker's NAME.key_secret; enables CURVE */
    const char *allow;         /* allow-list directory (client/, worker/, admin/, centre/, unit/<code>/) */
    const char *manual[32];    /* stage service globs that wait for people (--manual) */
    int n_manual;
    const char *datadir;       /* calendars and deadline rules */
    log_level_t log_level;
} broker_opts_t;

/* Parses argv. Returns 0 to run, 1 when --help/--version printed, or an
 * EX_* code after printing the problem. */
int broker_opts_parse(broker_opts_t *o, int argc, char **argv);
/* True for endpoints that stay on this machine (loopback, ipc://, inproc://). */
bool broker_endpoint_is_local(const char *endpoint);

#endif
