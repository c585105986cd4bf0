/* intake: ticket.submit (one map or a batch array). */
#include "intake.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"
#include <stdio.h>
#include <string.h>

#define INTAKE_MAX_BATCH 100000

struct intake {
    router_t *router;
    store_t *store;
    pipeline_t *pipeline;
    wire_enc_t enc;
    wire_msg_t *msg;
    bool paused;
    intake_stats_t st;
};

intake_t *intake_new(router_t *router, store_t *store, pipeline_t *pipeline)
{
    intake_t *self = xcalloc(1, sizeof *self);
    self->router = router;
    self->store = store;
    self->pipeline = pipeline;
    wire_enc_init(&self->enc);
    self->msg = wire_msg_new();
    return self;
}

void intake_destroy(intake_t **p)
{
    if (!p || !*p) return;
    wire_enc_free(&(*p)->enc);
    wire_msg_destroy(&(*p)->msg);
    free(*p);
    *p = NULL;
}

void intake_pause(intake_t *self, bool paused) { self->paused = paused; }
void intake_stats(const intake_t *self, intake_stats_t *out) { *out = self->st; }

static void reply_one(intake_t *self, const char *id, const char *status, const char *error)
{
    wire_enc_t *e = &self->enc;
    wire_map(e, error ? 3 : 2);
    wire_kv_str(e, "id", id);
    wire_kv_str(e, "status", status);
    if (error) wire_kv_str(e, "error", error);
}

/* Validates, inserts and admits one ticket; encodes its reply entry. */
static void submit_one(intake_t *self, const msgpack_object *o)
{
    ticket_t t;
    ticket_intake_t in;
    char err[200];
    if (ticket_from_wire(o, &t, &in, err, sizeof err) != 0) {
        self->st.rejected++;
        reply_one(self, t.id[0] ? t.id : NULL, "rejected", err);
        return;
    }
    if (in.centre[0] && strcmp(in.centre, store_centre(self->store)) != 0) {
        char why[160];
        snprintf(why, sizeof why, "field 'centre' is '%s': this broker serves centre '%s'", in.centre,
                 store_centre(self->store));
        self->st.rejected++;
        reply_one(self, t.id, "rejected", why);
        return;
    }
    if (self->paused) {
        self->st.retry++;
        reply_one(self, t.id, "retry", "the store cannot write (disk full or write error); retry later");
        return;
    }
    int rc = store_begin(self->store) == 0 ? store_ticket_insert(self->store, &t, &in) : -1;
    if (rc == 0) {
        self->st.accepted++;
        pipeline_admit(self->pipeline, &t);
        reply_one(self, t.id, "accepted", NULL);
    } else if (rc == 1) {
        self->st.duplicate++;
        reply_one(self, t.id, "duplicate", NULL);
    } else {
        self->st.retry++;
        reply_one(self, t.id, "retry", "the store could not write this ticket; retry later");
    }
}

/* The ids of a batch are looked up together, a query per STORE_TEXTS_BATCH,
 * so that each insert need not wait for its own answer (store_ids_check).
 * An item without a usable id is left to submit_one to reject. */
static void check_ids(intake_t *self, const msgpack_object *items, uint32_t n)
{
    char(*buf)[TICKET_ID_MAX + 1] = xmalloc(n * sizeof *buf);
    const char **ids = xmalloc(n * sizeof *ids);
    int k = 0;
    char err[8];
    for (uint32_t i = 0; i < n; i++)
        if (items[i].type == MSGPACK_OBJECT_MAP && wire_copy_str(&items[i], "id", buf[k], sizeof buf[k], err, sizeof err) == 0 && buf[k][0])
            ids[k] = buf[k], k++;
    if (k > 1 && !self->paused && store_begin(self->store) == 0) store_ids_check(self->store, ids, k);
    free(ids);
    free(buf);
}

static void submit(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    intake_t *self = ctx;
    char err[200];
    wire_enc_reset(&self->enc);
    const msgpack_object *root = wire_decode(self->msg, body.p, body.n, err, sizeof err);
    if (!root) {
        self->st.rejected++;
        char why[240];
        snprintf(why, sizeof why, "body is not valid MessagePack: %s", err);
        reply_one(self, NULL, "rejected", why);
    } else if (root->type == MSGPACK_OBJECT_ARRAY) {
        uint32_t n = root->via.array.size;
        if (n == 0 || n > INTAKE_MAX_BATCH) {
            self->st.rejected++;
            reply_one(self, NULL, "rejected", "a batch must hold 1 to 100000 tickets");
        } else {
            wire_array(&self->enc, n);
            check_ids(self, root->via.array.ptr, n);
            for (uint32_t i = 0; i < n; i++) submit_one(self, &root->via.array.ptr[i]);
            store_ids_forget(self->store);
        }
    } else {
        submit_one(self, root);
    }
    router_reply(self->router, peer, "ticket.submit", self->enc.sb.data, self->enc.sb.size, true);
}

void intake_register(intake_t *self)
{
    router_add_builtin(self->router, "ticket.submit", submit, self);
}
