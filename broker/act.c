/* act: ticket.act {id, action, ...} → {id, status: "ok", state, deadline}
 * or {id, status: "refused", code, error}. */
#include "act.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"
#include <stdio.h>
#include <string.h>

#define ACTOR_MAX 64

struct act {
    router_t *router;
    pipeline_t *pipeline;
    auth_t *auth;
    wire_enc_t enc;
    wire_msg_t *msg;
    act_stats_t st;
};

act_t *act_new(router_t *router, pipeline_t *pipeline, auth_t *auth)
{
    act_t *self = xcalloc(1, sizeof *self);
    self->router = router;
    self->pipeline = pipeline;
    self->auth = auth;
    wire_enc_init(&self->enc);
    self->msg = wire_msg_new();
    return self;
}

void act_destroy(act_t **p)
{
    if (!p || !*p) return;
    wire_enc_free(&(*p)->enc);
    wire_msg_destroy(&(*p)->msg);
    free(*p);
    *p = NULL;
}

void act_stats(const act_t *self, act_stats_t *out) { *out = self->st; }

static bool loopback(const char *addr)
{
    return !addr || !*addr || strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

/* Fills a's actor and rights from the caller. -1 with err if the caller may
 * not act at all or names nobody. */
static int who_acts(act_t *self, const msgpack_object *root, pipeline_act_t *a, char *actor, char *err, size_t errlen)
{
    router_caller_t c = router_caller(self->router);
    if (self->auth) {
        auth_who_t w = auth_who(self->auth, c.user_id);
        if (w.role != ROLE_UNIT && w.role != ROLE_CENTRE) {
            snprintf(err, errlen, "a %s key may not act on tickets (keys under allow/unit/<code>/ or allow/centre/ may)",
                     auth_role_name(w.role));
            return -1;
        }
        snprintf(actor, ACTOR_MAX + 1, "%s", w.name);
        a->centre = w.role == ROLE_CENTRE;
        a->unit_only = w.role == ROLE_UNIT ? xstrdup(w.unit) : NULL;
        return 0;
    }
    int r = wire_copy_str(root, "as", actor, ACTOR_MAX + 1, err, errlen);
    if (r != 0) {
        if (r > 0) snprintf(err, errlen, "say who acts: field 'as' (hotline-ctl --as NAME), or use CURVE keys");
        return -1;
    }
    if (!loopback(c.peer_addr)) {
        snprintf(err, errlen, "'as' is honoured on loopback connections only; across a network, act with a CURVE key");
        return -1;
    }
    if (!actor[0] || !wire_utf8_valid(actor, strlen(actor))) {
        snprintf(err, errlen, "field 'as' must name the person acting");
        return -1;
    }
    a->centre = true; /* without keys, everyone on this machine is the centre */
    return 0;
}

static void reply_refused(act_t *self, mdp_span_t peer, const char *id, const char *code, const char *err)
{
    wire_enc_t *e = &self->enc;
    wire_enc_reset(e);
    wire_map(e, 4);
    wire_kv_str(e, "id", id && *id ? id : NULL);
    wire_kv_str(e, "status", "refused");
    wire_kv_str(e, "code", code);
    wire_kv_str(e, "error", err);
    router_reply(self->router, peer, "ticket.act", e->sb.data, e->sb.size, false);
}

static void refuse(act_t *self, mdp_span_t peer, const char *id, const char *action, const char *actor, const char *code,
                   const char *err)
{
    if (strcmp(code, "forbidden") == 0) self->st.refused_rights++;
    else if (strcmp(code, "state") == 0) self->st.refused_state++;
    else self->st.refused_request++;
    log_warn("action refused", "id=%s action=%s actor=%s code=%s reason=\"%s\"", id && *id ? id : "-",
             action && *action ? action : "-", actor && *actor ? actor : "-", code, err);
    reply_refused(self, peer, id, code, err);
}

static void serve(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    act_t *self = ctx;
    char err[400] = "", id[TICKET_ID_MAX + 1] = "", action[24] = "", actor[ACTOR_MAX + 1] = "";
    const msgpack_object *root = wire_decode(self->msg, body.p, body.n, err, sizeof err);
    int r = root ? wire_copy_str(root, "id", id, sizeof id, err, sizeof err) : -1;
    if (r == 0) r = wire_copy_str(root, "action", action, sizeof action, err, sizeof err);
    if (r != 0) {
        if (r > 0) snprintf(err, sizeof err, "fields 'id' and 'action' are required");
        refuse(self, peer, id, action, NULL, "bad_request", err);
        return;
    }
    pipeline_act_t a = {.id = id, .action = action, .actor = actor, .args = root};
    if (who_acts(self, root, &a, actor, err, sizeof err) != 0) {
        refuse(self, peer, id, action, actor, "forbidden", err);
        return;
    }
    pipeline_act_out_t out;
    pipeline_act_rc_t rc = pipeline_act(self->pipeline, &a, &out, err, sizeof err);
    free((char *)a.unit_only);
    if (rc != PL_ACT_OK) {
        refuse(self, peer, id, action, actor,
               rc == PL_ACT_FORBIDDEN ? "forbidden" : rc == PL_ACT_STATE ? "state" : rc == PL_ACT_UNKNOWN ? "unknown" : "bad_request",
               err);
        return;
    }
    self->st.done++;
    wire_enc_t *e = &self->enc;
    wire_enc_reset(e);
    wire_map(e, 4);
    wire_kv_str(e, "id", id);
    wire_kv_str(e, "status", "ok");
    wire_kv_str(e, "state", lc_state_name(out.state));
    wire_str(e, "deadline");
    if (out.deadline) wire_int(e, out.deadline);
    else wire_nil(e);
    /* writes=true: sent once the commit holding the action is on disk, or
     * turned into a retry-later error should that commit fail */
    router_reply(self->router, peer, "ticket.act", e->sb.data, e->sb.size, true);
}

void act_register(act_t *self) { router_add_builtin(self->router, "ticket.act", serve, self); }
