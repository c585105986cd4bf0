/* act: the ticket.act service, where the people of a centre act on tickets
 * whose stage waits for them (hotline-broker --manual): a unit's clerk signs,
 * returns, extends, closes or rectifies; a visit agent rates. Who acts comes
 * from the CURVE key (auth.h: allow/unit/<code>/, allow/centre/), or, without
 * CURVE, from the request's 'as' field, honoured on loopback connections only.
 * The reply goes out only after the action is committed and on disk; a
 * refused action changes nothing and says why. */
#ifndef HOTLINE_ACT_H
#define HOTLINE_ACT_H
#include <stdint.h>
#include "auth.h"
#include "pipeline.h"
#include "router.h"

typedef struct act act_t;

/* auth: NULL without CURVE. */
act_t *act_new(router_t *router, pipeline_t *pipeline, auth_t *auth);
void act_destroy(act_t **p);
void act_register(act_t *self);

typedef struct {
    uint64_t done;              /* actions applied */
    uint64_t refused_rights;    /* not this key's ticket or action, or no name given */
    uint64_t refused_state;     /* not allowed in the ticket's state or stage */
    uint64_t refused_request;   /* bad fields, unknown ticket or action */
} act_stats_t;
void act_stats(const act_t *self, act_stats_t *out);

#endif
