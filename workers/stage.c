/* stage: batch decoding, per-item dispatch and the result envelope. */
#include "stage.h"
#include "log.h"
#include <stdio.h>
#include <string.h>

void stage_rng(const stage_item_t *it, const char *stage, int round, rng_t *r)
{
    rng_key(r, it->seed, it->id, stage, round);
}

void stage_result_begin(wire_enc_t *out, const stage_item_t *it, int n_fields)
{
    wire_map(out, (uint32_t)(2 + n_fields));
    wire_kv_str(out, "id", it->id);
    wire_kv_int(out, "dlv", it->dlv);
}

static int read_item(const msgpack_object *o, uint64_t seed, bool live, stage_item_t *it, char *err, size_t errlen)
{
    memset(it, 0, sizeof *it);
    it->o = o;
    it->seed = seed;
    it->live = live;
    char type[16];
    int r = wire_copy_str(o, "id", it->id, sizeof it->id, err, errlen);
    if (r == 0) r = wire_get_int(o, "dlv", &it->dlv, err, errlen);
    if (r == 0) r = wire_get_int(o, "round", &it->round, err, errlen);
    if (r == 0) r = wire_get_int(o, "rcv", &it->rcv, err, errlen);
    if (r == 0) r = wire_get_int(o, "at", &it->at, err, errlen);
    if (r == 0) r = wire_copy_str(o, "type", type, sizeof type, err, errlen);
    if (r == 0) r = wire_copy_str(o, "stage", it->stage, sizeof it->stage, err, errlen);
    if (r == 0) r = wire_get_bool(o, "urg", &it->urgent, err, errlen);
    if (r > 0) snprintf(err, errlen, "stage item lacks a required field");
    if (r != 0) return -1;
    if (wire_copy_str(o, "street", it->street, sizeof it->street, err, errlen) < 0) return -1;
    it->type = ticket_type_parse(type, strlen(type));
    if (it->type < 0) { snprintf(err, errlen, "unknown type '%s'", type); return -1; }
    return 0;
}

static void item_error(wire_enc_t *out, const msgpack_object *o, const char *id, int64_t dlv, const char *err)
{
    (void)o;
    wire_map(out, 3);
    wire_kv_str(out, "id", id);
    wire_kv_int(out, "dlv", dlv);
    wire_kv_str(out, "error", err);
}

void stage_run_batch(model_t *m, const msgpack_object *root, bool needs_kb, stage_fn fn, wire_enc_t *out)
{
    char err[240] = "", scn[40] = "";
    int64_t seed = 0, kbrev = -1;
    bool live = false;
    const msgpack_object *items = wire_get(root, "items");
    uint32_t n = items && items->type == MSGPACK_OBJECT_ARRAY ? items->via.array.size : 0;
    int setup = wire_copy_str(root, "scn", scn, sizeof scn, err, sizeof err) < 0 ||
                wire_get_int(root, "seed", &seed, err, sizeof err) < 0 ||
                wire_get_int(root, "kbrev", &kbrev, err, sizeof err) < 0 ||
                wire_get_bool(root, "live", &live, err, sizeof err) < 0 ? -1 : 0;
    if (setup == 0) setup = model_use_scenario(m, scn, err, sizeof err);
    if (setup == 0 && needs_kb) setup = model_sync_kb(m, kbrev, err, sizeof err);
    if (setup != 0) log_warn("stage batch cannot run", "err=\"%s\"", err);
    wire_enc_reset(out);
    wire_map(out, 2);
    wire_kv_int(out, "v", 1);
    wire_str(out, "items");
    wire_array(out, n);
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *o = &items->via.array.ptr[i];
        stage_item_t it;
        char ierr[240];
        int r = read_item(o, (uint64_t)seed, live, &it, ierr, sizeof ierr);
        if (setup != 0) { item_error(out, o, it.id, it.dlv, err); continue; }
        if (r != 0 || fn(m, &it, out, ierr, sizeof ierr) != 0) {
            log_warn("stage item failed", "id=%s err=\"%s\"", it.id, ierr);
            item_error(out, o, it.id, it.dlv, ierr);
        }
    }
}
