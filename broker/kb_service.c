/* kb_service: kb.list, kb.get, kb.update over the store's kb_rev table. */
#include "kb_service.h"
#include "kb.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"
#include <stdio.h>
#include <string.h>

#define KB_PAGE 500

struct kb_service {
    router_t *router;
    store_t *store;
    pipeline_t *pipeline;
    kb_t *kb;
    wire_enc_t enc;
    wire_msg_t *msg;
};

/* A stored revision the kb refuses is logged by kb_put and skipped: one bad
 * row must not keep the broker from starting. */
static int put_kb(void *ctx, const kb_entry_t *e)
{
    kb_put(ctx, e);
    return 0;
}

int kb_service_reload(kb_service_t *self)
{
    kb_destroy(&self->kb);
    self->kb = kb_new();
    if (store_kb_since(self->store, -1, 0, put_kb, self->kb) != 0) return -1;
    pipeline_set_kb_rev(self->pipeline, store_kb_max_rev(self->store));
    return 0;
}

static int seed(kb_service_t *self, const char *path, char *err, size_t errlen)
{
    kb_t *k = kb_new();
    if (kb_load_tsv_file(k, path, 0, err, errlen) != 0) { kb_destroy(&k); return -1; }
    int rc = store_begin(self->store);
    for (size_t i = 0; rc == 0 && i < kb_count(k); i++) {
        int64_t rev;
        rc = store_kb_insert(self->store, kb_entry_at(k, i), "seed", NULL, &rev);
    }
    if (rc == 0) rc = store_commit(self->store);
    if (rc != 0) snprintf(err, errlen, "seeding the knowledge base failed: %s", store_errmsg(self->store));
    else log_info("knowledge base seeded", "entries=%zu file=%s", kb_count(k), path);
    kb_destroy(&k);
    return rc;
}

kb_service_t *kb_service_new(router_t *router, store_t *store, pipeline_t *pipeline, const char *seed_path,
                             char *err, size_t errlen)
{
    kb_service_t *self = xcalloc(1, sizeof *self);
    self->router = router;
    self->store = store;
    self->pipeline = pipeline;
    wire_enc_init(&self->enc);
    self->msg = wire_msg_new();
    if ((store_kb_max_rev(store) < 0 && seed_path && seed(self, seed_path, err, errlen) != 0) ||
        kb_service_reload(self) != 0) {
        if (!*err) snprintf(err, errlen, "loading the knowledge base failed");
        kb_service_destroy(&self);
        return NULL;
    }
    return self;
}

void kb_service_destroy(kb_service_t **p)
{
    if (!p || !*p) return;
    kb_destroy(&(*p)->kb);
    wire_enc_free(&(*p)->enc);
    wire_msg_destroy(&(*p)->msg);
    free(*p);
    *p = NULL;
}

static void put_entry(wire_enc_t *e, const kb_entry_t *k)
{
    wire_map(e, 7);
    wire_kv_int(e, "rev", k->rev);
    wire_kv_str(e, "id", k->id);
    wire_kv_int(e, "vf", k->valid_from);
    wire_kv_str(e, "cat", k->category);
    wire_kv_str(e, "unit", k->unit);
    wire_kv_str(e, "kw", k->keywords);
    wire_kv_str(e, "ans", k->answer);
}

#define KB_PAGE_BYTES 16384   /* a page stays small: a client that does not read pins little */

typedef struct {
    wire_enc_t *e;
    int n;
    size_t bytes;
} list_ctx_t;

static int count_rev(void *ctx, const kb_entry_t *e)
{
    list_ctx_t *c = ctx;
    c->bytes += strlen(e->id) + strlen(e->category) + strlen(e->unit) + strlen(e->keywords) + strlen(e->answer) + 48;
    c->n++;
    return c->bytes >= KB_PAGE_BYTES; /* stop: the rest goes on the next page */
}
static int list_rev(void *ctx, const kb_entry_t *e) { put_entry(((list_ctx_t *)ctx)->e, e); return 0; }

static void reply_error(kb_service_t *self, mdp_span_t peer, const char *service, const char *status, const char *err)
{
    wire_enc_reset(&self->enc);
    wire_map(&self->enc, 2);
    wire_kv_str(&self->enc, "status", status);
    wire_kv_str(&self->enc, "error", err);
    router_reply(self->router, peer, service, self->enc.sb.data, self->enc.sb.size, false);
}

/* kb.list {since, limit} → {rev, more, entries} */
static void list(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    kb_service_t *self = ctx;
    char err[160];
    int64_t since = -1, limit = KB_PAGE;
    const msgpack_object *root = wire_decode(self->msg, body.p, body.n, err, sizeof err);
    if (!root || wire_get_int(root, "since", &since, err, sizeof err) < 0 ||
        wire_get_int(root, "limit", &limit, err, sizeof err) < 0) {
        reply_error(self, peer, "kb.list", "rejected", err);
        return;
    }
    if (limit < 1 || limit > KB_PAGE) limit = KB_PAGE;
    wire_enc_t *e = &self->enc;
    list_ctx_t c = {e, 0, 0};
    store_kb_since(self->store, since, (int)limit, count_rev, &c);
    bool more = c.n == limit || c.bytes >= KB_PAGE_BYTES;
    limit = c.n;
    int64_t max = store_kb_max_rev(self->store);
    wire_enc_reset(e);
    wire_map(e, 3);
    wire_kv_int(e, "rev", max);
    wire_kv_bool(e, "more", more);
    wire_str(e, "entries");
    wire_array(e, (uint32_t)c.n);
    store_kb_since(self->store, since, (int)limit, list_rev, &c);
    router_reply(self->router, peer, "kb.list", e->sb.data, e->sb.size, false);
}

/* kb.get {id[, at]} → the entry as of at (default: newest). */
static void get(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    kb_service_t *self = ctx;
    char err[160], id[32];
    int64_t at = INT64_MAX;
    const msgpack_object *root = wire_decode(self->msg, body.p, body.n, err, sizeof err);
    int r = root ? wire_copy_str(root, "id", id, sizeof id, err, sizeof err) : -1;
    if (r != 0 || wire_get_int(root, "at", &at, err, sizeof err) < 0) {
        reply_error(self, peer, "kb.get", "rejected", r > 0 ? "field 'id' is required" : err);
        return;
    }
    const kb_entry_t *k = kb_get(self->kb, id, at);
    if (!k) { reply_error(self, peer, "kb.get", "rejected", "unknown knowledge-base id"); return; }
    wire_enc_reset(&self->enc);
    put_entry(&self->enc, k);
    router_reply(self->router, peer, "kb.get", self->enc.sb.data, self->enc.sb.size, false);
}

typedef struct {
    char id[32], uid[65], cat[TICKET_CODE_MAX], unit[TICKET_CODE_MAX];
    int64_t at;
    char *kw, *ans;
} update_t;

static int read_update(const msgpack_object *o, update_t *u, char *err, size_t errlen)
{
    const char *s;
    size_t n;
    int r = wire_copy_str(o, "id", u->id, sizeof u->id, err, errlen);
    if (r > 0) snprintf(err, errlen, "field 'id' is required");
    if (r != 0) return -1;
    if ((r = wire_get_int(o, "at", &u->at, err, errlen)) != 0) {
        if (r > 0) snprintf(err, errlen, "field 'at' (virtual time the revision takes effect) is required");
        return -1;
    }
    if (wire_copy_str(o, "uid", u->uid, sizeof u->uid, err, errlen) < 0) return -1;
    if (wire_copy_str(o, "category", u->cat, sizeof u->cat, err, errlen) < 0) return -1;
    if (wire_copy_str(o, "unit", u->unit, sizeof u->unit, err, errlen) < 0) return -1;
    if ((r = wire_get_str(o, "answer", &s, &n, err, errlen)) < 0) return -1;
    if (r == 0) u->ans = xstrndup(s, n);
    if ((r = wire_get_str(o, "add_keywords", &s, &n, err, errlen)) < 0) return -1;
    if (r == 0) u->kw = xstrndup(s, n);
    return 0;
}

/* Merges an update onto the newest revision of its entry. */
static int merge(kb_service_t *self, const update_t *u, kb_entry_t *e, char **kw_out, char *err, size_t errlen)
{
    const kb_entry_t *base = kb_get(self->kb, u->id, INT64_MAX);
    if (!base && (!u->cat[0] || !u->unit[0] || !u->kw)) {
        snprintf(err, errlen, "unknown id: a new entry needs category, unit and add_keywords");
        return -1;
    }
    *e = base ? *base : (kb_entry_t){.id = u->id, .keywords = "", .answer = ""};
    e->valid_from = u->at;
    if (u->cat[0]) e->category = u->cat;
    if (u->unit[0]) e->unit = u->unit;
    if (u->ans) e->answer = u->ans;
    *kw_out = u->kw ? (e->keywords[0] ? xasprintf("%s|%s", e->keywords, u->kw) : xstrdup(u->kw)) : xstrdup(e->keywords);
    e->keywords = *kw_out;
    return 0;
}

static void update(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    kb_service_t *self = ctx;
    char err[200] = "";
    update_t u = {0};
    kb_entry_t e;
    char *kw = NULL;
    const msgpack_object *root = wire_decode(self->msg, body.p, body.n, err, sizeof err);
    int64_t rev = 0;
    const char *status = "ok";
    if (!root || read_update(root, &u, err, sizeof err) != 0) status = "rejected";
    else if (u.uid[0] && (rev = store_kb_uid_rev(self->store, u.uid)) > 0) status = "duplicate";
    else if (merge(self, &u, &e, &kw, err, sizeof err) != 0) status = "rejected";
    else if (store_begin(self->store) || store_kb_insert(self->store, &e, "update", u.uid[0] ? u.uid : NULL, &rev)) {
        status = "retry";
        snprintf(err, sizeof err, "the store could not record the update; retry later");
    } else {
        e.rev = rev;
        if (kb_put(self->kb, &e) != 0) log_error("kb update accepted by the store but not by the kb", "id=%s", u.id);
        pipeline_set_kb_rev(self->pipeline, rev);
        log_info("kb updated", "id=%s rev=%lld at=%lld", u.id, (long long)rev, (long long)u.at);
    }
    wire_enc_reset(&self->enc);
    wire_map(&self->enc, err[0] && strcmp(status, "ok") ? 3 : 2);
    wire_kv_str(&self->enc, "status", status);
    wire_kv_int(&self->enc, "rev", rev);
    if (err[0] && strcmp(status, "ok")) wire_kv_str(&self->enc, "error", err);
    router_reply(self->router, peer, "kb.update", self->enc.sb.data, self->enc.sb.size, true);
    free(u.kw);
    free(u.ans);
    free(kw);
}

void kb_service_register(kb_service_t *self)
{
    router_add_builtin(self->router, "kb.list", list, self);
    router_add_builtin(self->router, "kb.get", get, self);
    router_add_builtin(self->router, "kb.update", update, self);
}
