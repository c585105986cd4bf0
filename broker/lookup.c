/* lookup: ticket.status and ticket.list (see header). */
#include "lookup.h"
#include "log.h"
#include "units.h"
#include "wire.h"
#include "xmalloc.h"
#include <stdio.h>
#include <string.h>

#define SEARCH_IDLE_STEP 5000      /* texts indexed per idle pass */
#define SEARCH_BUSY_STEP 500       /* ... per busy pass, once the backlog exceeds SEARCH_BACKLOG */
#define SEARCH_BACKLOG 100000
#define SEARCH_QUERY_STEP 50000    /* a text query first indexes up to this many */
#define LIST_BUDGET_MS 150         /* scan time per page: the loop keeps its pace */

struct lookup {
    router_t *router;
    store_t *store;
    pipeline_t *pipeline;
    auth_t *auth;
    const calendar_t *cal;
    wire_enc_t enc;
    wire_msg_t *msg;
};

lookup_t *lookup_new(router_t *router, store_t *store, pipeline_t *pipeline, auth_t *auth, const calendar_t *cal)
{
    lookup_t *self = xcalloc(1, sizeof *self);
    *self = (lookup_t){router, store, pipeline, auth, cal, .msg = wire_msg_new()};
    wire_enc_init(&self->enc);
    return self;
}

void lookup_destroy(lookup_t **p)
{
    if (!p || !*p) return;
    wire_enc_free(&(*p)->enc);
    wire_msg_destroy(&(*p)->msg);
    free(*p);
    *p = NULL;
}

void lookup_tick(lookup_t *self, bool idle)
{
    if (store_in_txn(self->store) && !idle) return; /* under load: only once the backlog is large (below) */
    int64_t pending = store_search_pending(self->store);
    if (pending <= 0) return;
    if (idle) store_search_catch_up(self->store, SEARCH_IDLE_STEP);
    else if (pending > SEARCH_BACKLOG) store_search_catch_up(self->store, SEARCH_BUSY_STEP);
}

/* The unit a caller's key is limited to, or NULL. */
static const char *unit_of_caller(lookup_t *self, char *buf, size_t len)
{
    if (!self->auth) return NULL;
    auth_who_t w = auth_who(self->auth, router_caller(self->router).user_id);
    if (w.role != ROLE_UNIT) return NULL;
    snprintf(buf, len, "%s", w.unit);
    return buf;
}

static void reply_error(lookup_t *self, mdp_span_t peer, const char *service, const char *id, const char *err)
{
    wire_enc_t *e = &self->enc;
    wire_enc_reset(e);
    wire_map(e, id ? 2 : 1);
    if (id) wire_kv_str(e, "id", id);
    wire_kv_str(e, "error", err);
    router_reply(self->router, peer, service, e->sb.data, e->sb.size, false);
}

/* --- ticket.status --- */

typedef struct {
    wire_enc_t *e;
    uint32_t n;
} ev_ctx_t;

static void count_event(void *ctx, const store_event_row_t *ev)
{
    (void)ev;
    ((ev_ctx_t *)ctx)->n++;
}

static void put_event(void *ctx, const store_event_row_t *ev)
{
    wire_enc_t *e = ((ev_ctx_t *)ctx)->e;
    wire_map(e, 7);
    wire_kv_int(e, "at", ev->at);
    wire_kv_str(e, "kind", ev->kind);
    wire_kv_str(e, "state", ev->state);
    wire_kv_int(e, "round", ev->round);
    wire_kv_str(e, "unit", ev->unit);
    wire_kv_str(e, "detail", ev->detail);
    wire_kv_str(e, "actor", ev->actor);
}

static void kv_opt_time(wire_enc_t *e, const char *k, int64_t t)
{
    wire_str(e, k);
    if (t) wire_int(e, t);
    else wire_nil(e);
}

static void put_text(void *ctx, const char *text, size_t len) { wire_strn(ctx, text, len); }

static void put_status(lookup_t *self, const ticket_t *t)
{
    wire_enc_t *e = &self->enc;
    int64_t now = pipeline_now(self->pipeline), deadline = store_next_deadline(t);
    char waiting[TICKET_CODE_MAX] = "";
    pipeline_waiting_for(self->pipeline, t->id, waiting, sizeof waiting);
    ev_ctx_t c = {e, 0};
    store_ticket_events(self->store, t->id, count_event, &c);
    wire_map(e, 25);
    wire_kv_str(e, "id", t->id);
    wire_kv_str(e, "centre", store_centre(self->store));
    wire_kv_str(e, "state", lc_state_name(t->state));
    wire_kv_str(e, "state_display", lc_state_display(t->state));
    wire_kv_str(e, "type", ticket_type_name(t->type));
    wire_kv_bool(e, "urgent", t->urgent);
    wire_kv_str(e, "category", ticket_category_name(t->category));
    wire_kv_str(e, "unit", ticket_unit_name(t->unit));
    wire_kv_str(e, "street", ticket_street_name(t->street));
    wire_kv_int(e, "received_at", t->received_at);
    kv_opt_time(e, "sign_due", t->sign_due);
    kv_opt_time(e, "signed_at", t->signed_at);
    kv_opt_time(e, "close_due", t->close_due);
    kv_opt_time(e, "closed_at", t->closed_at);
    wire_str(e, "rating");
    if (t->rating) wire_int(e, t->rating);
    else wire_nil(e);
    wire_kv_int(e, "round", t->round);
    wire_kv_bool(e, "extended", t->extended);
    kv_opt_time(e, "deadline", deadline);
    wire_kv_bool(e, "overdue", !t->closed_at && t->close_due && t->close_due < now && !lc_is_final(t->state));
    /* working seconds left until the next deadline; negative: this late */
    wire_str(e, "work_left_s");
    if (deadline && self->cal) wire_int(e, calendar_work_seconds(self->cal, now, deadline));
    else wire_nil(e);
    wire_kv_int(e, "now", now);
    wire_kv_str(e, "waiting_for", waiting[0] ? waiting : NULL);
    wire_str(e, "text");
    if (store_ticket_text_with(self->store, t->id, put_text, e) != 0) wire_nil(e);
    wire_str(e, "events");
    wire_array(e, c.n);
    store_ticket_events(self->store, t->id, put_event, &c);
    wire_kv_str(e, "status", "ok");
}

static void status(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    lookup_t *self = ctx;
    char err[200], id[TICKET_ID_MAX + 1] = "", ubuf[TICKET_CODE_MAX];
    const msgpack_object *root = wire_decode(self->msg, body.p, body.n, err, sizeof err);
    int r = root ? wire_copy_str(root, "id", id, sizeof id, err, sizeof err) : -1;
    ticket_t t;
    const char *only = unit_of_caller(self, ubuf, sizeof ubuf);
    if (r != 0) {
        if (r > 0) snprintf(err, sizeof err, "field 'id' is required");
        reply_error(self, peer, "ticket.status", id[0] ? id : NULL, err);
    } else if ((r = store_ticket_get(self->store, id, &t)) != 0) {
        reply_error(self, peer, "ticket.status", id, r > 0 ? "unknown id" : "store error");
    } else if (only && (!ticket_unit_name(t.unit) || strcmp(only, ticket_unit_name(t.unit)) != 0)) {
        reply_error(self, peer, "ticket.status", id, "this key sees only its own unit's tickets");
    } else {
        wire_enc_reset(&self->enc);
        put_status(self, &t);
        router_reply(self->router, peer, "ticket.status", self->enc.sb.data, self->enc.sb.size, false);
    }
    if (r == 0) ticket_ext_free(&t);
}

/* --- ticket.list --- */

typedef struct {
    wire_enc_t *e;
    wire_enc_t rows;        /* the tickets, counted then copied after the header */
    uint32_t n;
} list_ctx_t;

static void put_row(void *ctx, const store_list_row_t *r)
{
    list_ctx_t *c = ctx;
    wire_enc_t *e = &c->rows;
    wire_map(e, 10);
    wire_kv_str(e, "id", r->id);
    wire_kv_str(e, "state", r->state);
    wire_kv_str(e, "type", r->type);
    wire_kv_bool(e, "urgent", r->urgent);
    wire_kv_str(e, "unit", r->unit);
    wire_kv_str(e, "street", r->street);
    wire_kv_int(e, "received_at", r->received_at);
    kv_opt_time(e, "deadline", r->deadline);
    wire_kv_bool(e, "overdue", r->overdue);
    wire_kv_str(e, "flag", r->flag);
    c->n++;
}

/* A string filter, or NULL; -1 with err if the field is not a string. */
static int opt_str(const msgpack_object *root, const char *key, char *buf, size_t len, const char **out, char *err, size_t errlen)
{
    int r = wire_copy_str(root, key, buf, len, err, errlen);
    *out = r == 0 && buf[0] ? buf : NULL;
    return r < 0 ? -1 : 0;
}

static int parse_list(const msgpack_object *root, store_list_t *q, char bufs[6][512], char *err, size_t errlen)
{
    int64_t limit = 50, hours = 0;
    if (opt_str(root, "state", bufs[0], 512, &q->states, err, errlen) || opt_str(root, "unit", bufs[1], 512, &q->units, err, errlen) ||
        opt_str(root, "street", bufs[2], 512, &q->streets, err, errlen) || opt_str(root, "type", bufs[3], 512, &q->types, err, errlen) ||
        opt_str(root, "text", bufs[4], 512, &q->text, err, errlen) || opt_str(root, "after", bufs[5], 512, &q->after, err, errlen) ||
        wire_get_bool(root, "overdue", &q->overdue, err, errlen) < 0 || wire_get_int(root, "limit", &limit, err, errlen) < 0 ||
        wire_get_int(root, "due_within_h", &hours, err, errlen) < 0)
        return -1;
    if (limit < 1 || limit > 1000) { snprintf(err, errlen, "field 'limit' must be 1..1000"); return -1; }
    if (hours < 0 || hours > 24 * 400) { snprintf(err, errlen, "field 'due_within_h' must be 0..9600"); return -1; }
    q->limit = (int)limit;
    q->due_within_s = hours * 3600;
    return 0;
}

static void list(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    lookup_t *self = ctx;
    char err[300] = "", bufs[6][512], next[600] = "", ubuf[TICKET_CODE_MAX];
    const msgpack_object *root = wire_decode(self->msg, body.p, body.n, err, sizeof err);
    store_list_t q = {.now = pipeline_now(self->pipeline), .budget_ms = LIST_BUDGET_MS};
    if (!root || root->type != MSGPACK_OBJECT_MAP) {
        reply_error(self, peer, "ticket.list", NULL, root ? "the request must be a map of filters" : err);
        return;
    }
    if (parse_list(root, &q, bufs, err, sizeof err) != 0) { reply_error(self, peer, "ticket.list", NULL, err); return; }
    const char *only = unit_of_caller(self, ubuf, sizeof ubuf);
    if (only && q.units && strcmp(q.units, only) != 0) {
        reply_error(self, peer, "ticket.list", NULL, "this key lists only its own unit's tickets");
        return;
    }
    if (only) q.units = only;
    if (q.text) store_search_catch_up(self->store, SEARCH_QUERY_STEP);
    int64_t pending = q.text ? store_search_pending(self->store) : 0;
    list_ctx_t c = {&self->enc, .n = 0};
    wire_enc_init(&c.rows);
    if (store_ticket_list(self->store, &q, put_row, &c, next, sizeof next, err, sizeof err) != 0) {
        wire_enc_free(&c.rows);
        reply_error(self, peer, "ticket.list", NULL, err);
        return;
    }
    wire_enc_t *e = &self->enc;
    wire_enc_reset(e);
    wire_map(e, pending ? 5 : 4);
    wire_kv_str(e, "status", "ok");
    wire_kv_int(e, "now", q.now);
    wire_kv_str(e, "next", next[0] ? next : NULL);
    if (pending) wire_kv_int(e, "not_yet_searchable", pending);
    wire_str(e, "tickets");
    wire_array(e, c.n);
    msgpack_sbuffer_write(&e->sb, c.rows.sb.data, c.rows.sb.size);
    wire_enc_free(&c.rows);
    router_reply(self->router, peer, "ticket.list", e->sb.data, e->sb.size, false);
}

void lookup_register(lookup_t *self)
{
    router_add_builtin(self->router, "ticket.status", status, self);
    router_add_builtin(self->router, "ticket.list", list, self);
}
