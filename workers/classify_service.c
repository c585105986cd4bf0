/* classify_service: the first stage. Sorts the ticket text into a category and
 * responsible unit against the knowledge base as it stood at the ticket's
 * received_at, and finds a KB answer for a consultation (then it is answered
 * at once). The classifier is the learned model combined with the keyword
 * rules (classify_ticket); its confidence and runner-up go with the result.
 * Also answers any MDP client directly: {text, type[, street]} →
 * {category, unit, kb_id, confidence, second}, against the newest knowledge
 * base. */
#include "classify.h"
#include "services.h"
#include <stdio.h>
#include <string.h>

/* A float field (the wire codec has helpers for strings and integers only). */
static void kv_double(wire_enc_t *out, const char *k, double v)
{
    wire_str(out, k);
    msgpack_pack_double(&out->pk, v);
}

static int classify_item(model_t *m, const stage_item_t *it, wire_enc_t *out, char *err, size_t errlen)
{
    char text[TICKET_TEXT_MAX + 1];
    if (wire_copy_str(it->o, "text", text, sizeof text, err, errlen) != 0) {
        if (!err[0]) snprintf(err, errlen, "classify item lacks 'text'");
        return -1;
    }
    classify_result_t r;
    if (classify_ticket(model_classifier(m), model_kb(m), text, ticket_type_name(it->type),
                        it->street[0] ? it->street : NULL, it->rcv, &r) != 0) {
        snprintf(err, errlen, "classifier failed");
        return -1;
    }
    bool answered = it->type == TT_CONSULT && r.kb_id[0];
    rng_t rng;
    stage_rng(it, "classify", 0, &rng);
    int64_t at = !answered ? it->rcv
                 : it->live ? (it->at > it->rcv ? it->at : it->rcv)
                            : model_add_clock_hours(it->rcv, dist_sample(&model_params(m)->answer_after, &rng));
    stage_result_begin(out, it, 7);
    wire_kv_str(out, "cat", r.category);
    wire_kv_str(out, "unit", r.unit);
    wire_kv_str(out, "alt", r.alt_unit[0] ? r.alt_unit : NULL);
    wire_kv_str(out, "kb", answered ? r.kb_id : NULL);
    wire_kv_int(out, "at", at);
    kv_double(out, "conf", r.confidence);
    wire_kv_str(out, "second", r.second[0] ? r.second : NULL);
    return 0;
}

/* Direct use by any MDP client. */
static void classify_direct(model_t *m, const msgpack_object *root, wire_enc_t *out)
{
    char text[TICKET_TEXT_MAX + 1], type[16] = "consult", street[16] = "", err[200] = "";
    int r = wire_copy_str(root, "text", text, sizeof text, err, sizeof err);
    if (r > 0) snprintf(err, sizeof err, "field 'text' is required");
    if (r == 0 && wire_copy_str(root, "type", type, sizeof type, err, sizeof err) < 0) r = -1;
    if (r == 0 && wire_copy_str(root, "street", street, sizeof street, err, sizeof err) < 0) r = -1;
    if (r == 0 && ticket_type_parse(type, strlen(type)) < 0) { snprintf(err, sizeof err, "unknown type '%s'", type); r = -1; }
    if (r == 0) r = model_sync_kb(m, INT64_MAX, err, sizeof err);
    classify_result_t c;
    if (r == 0 && classify_ticket(model_classifier(m), model_kb(m), text, type, street[0] ? street : NULL, INT64_MAX,
                                  &c) != 0) {
        snprintf(err, sizeof err, "classifier failed");
        r = -1;
    }
    wire_enc_reset(out);
    if (r != 0) {
        wire_map(out, 1);
        wire_kv_str(out, "error", err);
        return;
    }
    wire_map(out, 5);
    wire_kv_str(out, "category", c.category);
    wire_kv_str(out, "unit", c.unit);
    wire_kv_str(out, "kb_id", strcmp(type, "consult") == 0 && c.kb_id[0] ? c.kb_id : NULL);
    kv_double(out, "confidence", c.confidence);
    wire_kv_str(out, "second", c.second[0] ? c.second : NULL);
}

void classify_service(model_t *m, const msgpack_object *root, wire_enc_t *out)
{
    if (wire_get(root, "items")) stage_run_batch(m, root, true, classify_item, out);
    else classify_direct(m, root, out);
}
