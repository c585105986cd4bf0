/* ctl: what hotline-ctl's commands share: the connection to the broker, one
 * request/reply call with its errors turned into messages and exit codes,
 * the parsed options, and small readers of reply fields. One file per group
 * of commands: ctl_status.c (status, watch), ctl_ticket.c (ticket, list, act). */
#ifndef HOTLINE_CTL_H
#define HOTLINE_CTL_H
#include <msgpack.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "mdp_client.h"
#include "wire.h"

typedef enum { CTL_TABLE, CTL_CSV, CTL_JSON } ctl_format_t;

typedef struct {
    /* connection */
    mdp_client_t *cl;
    int timeout_ms;
    wire_msg_t *msg;
    void *reply;               /* the last reply body (owned) */
    /* status, watch */
    int interval_s, count;
    bool all;
    /* list */
    const char *state, *unit, *street, *type, *text, *after;
    bool overdue;
    int due_within_h, limit;
    ctl_format_t format;
    bool format_set;
    /* act */
    const char *as, *reason, *result, *note, *solved; /* act's --unit is 'unit' above */
    int days, level, attitude;
    bool unreachable;
    /* positional arguments after the command */
    char **args;
    int n_args;
} ctl_t;

extern volatile sig_atomic_t ctl_stop;  /* SIGINT or SIGTERM arrived */

/* Sends body to service and decodes the reply into *root. 0, or an EX_* code
 * after printing why (no answer in time, refused key, malformed reply). */
int ctl_call(ctl_t *c, const char *service, const wire_enc_t *body, const msgpack_object **root);
int64_t ctl_int(const msgpack_object *m, const char *k);
bool ctl_bool(const msgpack_object *m, const char *k);
/* A string field into buf, or dflt if absent or not a string. */
const char *ctl_str(const msgpack_object *m, const char *k, char *buf, size_t len, const char *dflt);
/* Unix time as "YYYY-MM-DD HH:MM" CST, or "-" for 0. */
const char *ctl_time(int64_t t, char *buf, size_t len);

int ctl_status(ctl_t *c);
int ctl_watch(ctl_t *c);
int ctl_ticket(ctl_t *c);
int ctl_list(ctl_t *c);
int ctl_act(ctl_t *c);

#endif
