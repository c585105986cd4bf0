/* auth: CURVE authentication and roles. The broker runs its own ZAP handler
 * (RFC 27) — CURVE without one accepts any key — and admits a key only if its
 * public key file sits in the allow-list directory under its role:
 *   DIR/client/NAME.key   intake systems: submit tickets, look them up
 *   DIR/worker/NAME.key   worker processes
 *   DIR/admin/NAME.key    operators: broker.status and every service but ticket.act
 *   DIR/centre/NAME.key   the centre's people (dispatchers, visit agents): act
 *                         on any ticket, the only ones who may rate
 *   DIR/unit/CODE/NAME.key a unit's clerks: act on, list and look up only the
 *                         tickets whose current unit is unit.CODE
 * NAME (the file name without .key) is the actor recorded in the event log.
 * The directory is re-read every second, so a file dropped in or removed
 * takes effect without a restart, for new connections and for every message
 * after that. */
#ifndef HOTLINE_AUTH_H
#define HOTLINE_AUTH_H
#include <stdbool.h>
#include <stddef.h>
#include "ticket.h"

typedef enum { ROLE_NONE = 0, ROLE_CLIENT, ROLE_WORKER, ROLE_UNIT, ROLE_CENTRE, ROLE_ADMIN } auth_role_t;

/* Who a key is. unit is the unit's service name ("unit.chengguan") for ROLE_UNIT, else "". */
typedef struct {
    auth_role_t role;
    char name[64];
    char unit[TICKET_CODE_MAX]; /* a unit service name */
} auth_who_t;

typedef struct auth auth_t;

/* Binds the ZAP endpoint in zctx and loads allow_dir. NULL with err. */
auth_t *auth_new(void *zctx, const char *allow_dir, char *err, size_t errlen);
void auth_destroy(auth_t **p);
/* The ZAP socket to poll; auth_on_readable answers what arrived. */
void *auth_socket(auth_t *self);
void auth_on_readable(auth_t *self);
/* Re-reads the allow-list if a second has passed. */
void auth_refresh(auth_t *self);
/* Who holds the key with this User-Id (its Z85 public key) right now;
 * role ROLE_NONE if nobody (or user_id NULL). */
auth_who_t auth_who(auth_t *self, const char *user_id);
const char *auth_role_name(auth_role_t r);

/* May a peer of role r register as a worker (worker_cmd) or call service?
 * On false, why says what was refused. Which tickets a unit key may touch is
 * decided by the service itself (ticket.act, ticket.list). */
bool auth_allows(auth_role_t r, const char *service, bool worker_cmd, char *why, size_t whylen);

typedef struct {
    unsigned long accepted, refused;
} auth_stats_t;
void auth_stats(const auth_t *self, auth_stats_t *out);

#endif
