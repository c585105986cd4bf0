/* model: the worker's calendar, rules, scenario, knowledge base and classifier model. */
#include "model.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALL_TIMEOUT_MS 5000

struct model {
    mdp_client_t *broker;
    calendar_t *cal;
    sla_t *sla;
    scenario_t *scn;
    char scn_id[40];
    model_params_t prm;
    kb_t *kb;
    int64_t kb_rev;
    classify_model_t *clf;   /* the classifier's model, from the data directory */
    wire_enc_t enc;
    wire_msg_t *msg;
};

model_t *model_new(mdp_client_t *broker, const char *datadir, char *err, size_t errlen)
{
    model_t *m = xcalloc(1, sizeof *m);
    m->broker = broker;
    m->cal = calendar_new();
    m->sla = sla_new();
    m->kb = kb_new();
    m->kb_rev = -1;
    wire_enc_init(&m->enc);
    m->msg = wire_msg_new();
    char path[4096];
    snprintf(path, sizeof path, "%s/calendar", datadir);
    if (calendar_load_dir(m->cal, path, err, errlen) != 0) { model_destroy(&m); return NULL; }
    snprintf(path, sizeof path, "%s/sla.tsv", datadir);
    if (sla_load_file(m->sla, path, err, errlen) != 0) { model_destroy(&m); return NULL; }
    snprintf(path, sizeof path, "%s/kb/classifier.model", datadir);
    if (!(m->clf = classify_model_load_file(path, err, errlen))) { model_destroy(&m); return NULL; }
    log_info("classifier model loaded", "version=%s features=%zu", classify_model_info(m->clf, "version"),
             classify_model_n_features(m->clf));
    strcpy(m->scn_id, "?");
    return m;
}

void model_destroy(model_t **p)
{
    if (!p || !*p) return;
    model_t *m = *p;
    calendar_destroy(&m->cal);
    sla_destroy(&m->sla);
    scenario_destroy(&m->scn);
    kb_destroy(&m->kb);
    classify_model_destroy(&m->clf);
    wire_enc_free(&m->enc);
    wire_msg_destroy(&m->msg);
    free(m);
    *p = NULL;
}

const model_params_t *model_params(const model_t *self) { return &self->prm; }
const calendar_t *model_calendar(const model_t *self) { return self->cal; }
const sla_t *model_sla(const model_t *self) { return self->sla; }
const kb_t *model_kb(const model_t *self) { return self->kb; }
const classify_model_t *model_classifier(const model_t *self) { return self->clf; }

static int dist(const scenario_t *s, const char *key, dist_t *out, char *err, size_t errlen)
{
    if (scenario_dist(s, key, out) == 0) return 0;
    snprintf(err, errlen, "scenario [model] lacks a valid '%s'", key);
    return -1;
}

static double prob(const scenario_t *s, const char *key) { return scenario_num(s, "model", key, 0); }

/* A distribution that may be absent: fixed at dflt then. */
static void opt_dist(const scenario_t *s, const char *key, double dflt, dist_t *out)
{
    if (scenario_dist(s, key, out) != 0) {
        memset(out, 0, sizeof *out);
        out->kind = DIST_FIXED;
        out->a = dflt;
        out->max = dflt;
    }
}

/* The rules' rates; a scenario written before them keeps its outcomes. */
static void optional_rules(const scenario_t *s, model_params_t *p)
{
    opt_dist(s, "approve.after", 1, &p->approve_after);
    p->p_return_approve = scenario_num(s, "model", "p.return.approve", 1);
    p->p_extend_approve = scenario_num(s, "model", "p.extend.approve", 1);
    p->p_suspend_approve = scenario_num(s, "model", "p.suspend.approve", 1);
    p->extend_days = (int)scenario_num(s, "model", "extend.days", 0);
    p->p_suspend = prob(s, "p.suspend");
    opt_dist(s, "suspend.length", 24, &p->suspend_length);
    p->p_cohandle = prob(s, "p.cohandle");
    opt_dist(s, "cohandle.report", 24, &p->cohandle_report);
    opt_dist(s, "visit.retry", 4, &p->visit_retry);
    p->p_solved_good = scenario_num(s, "model", "p.solved.good", 1);
    p->p_solved_bad = scenario_num(s, "model", "p.solved.bad", 0);
    p->p_reopen = prob(s, "p.reopen");
    p->p_visit_miss = prob(s, "p.visit.miss");
}

static int parse_params(const scenario_t *s, model_params_t *p, char *err, size_t errlen)
{
    static const char *const RATINGS[] = {"1", "2", "3", "4", "5"};
    static const char *const HANDLE[TT__COUNT] = {"handle.consult", "handle.help", "handle.complaint",
                                                  "handle.report", "handle.suggest", "handle.consult"};
    memset(p, 0, sizeof *p);
    if (dist(s, "answer.after", &p->answer_after, err, errlen) || dist(s, "dispatch.after", &p->dispatch_after, err, errlen) ||
        dist(s, "sign", &p->sign, err, errlen) || dist(s, "sign.urgent", &p->sign_urgent, err, errlen) ||
        dist(s, "handle.urgent", &p->handle_urgent, err, errlen) || dist(s, "return.after", &p->return_after, err, errlen) ||
        dist(s, "visit.after", &p->visit_after, err, errlen) || dist(s, "rectify.contact", &p->rectify_contact, err, errlen) ||
        dist(s, "rectify.fix", &p->rectify_fix, err, errlen) || dist(s, "revisit.after", &p->revisit_after, err, errlen))
        return -1;
    for (int t = 0; t < TT__COUNT; t++)
        if (dist(s, HANDLE[t], &p->handle[t], err, errlen)) return -1;
    if (scenario_dist(s, "dispatch.after.urgent", &p->dispatch_after_urgent) != 0) p->dispatch_after_urgent = p->dispatch_after;
    p->p_return = prob(s, "p.return");
    p->p_extend = prob(s, "p.extend");
    p->p_no_answer = prob(s, "p.no_answer");
    optional_rules(s, p);
    if (scenario_weights(s, "model", "rating", RATINGS, 5, p->rating_w) != 0 ||
        scenario_weights(s, "model", "revisit.rating", RATINGS, 5, p->revisit_w) != 0) {
        snprintf(err, errlen, "scenario [model] lacks valid 'rating' or 'revisit.rating' weights");
        return -1;
    }
    return 0;
}

static int install(model_t *m, scenario_t *s, const char *scn, char *err, size_t errlen)
{
    model_params_t p;
    if (parse_params(s, &p, err, errlen) != 0) { scenario_destroy(&s); return -1; }
    scenario_destroy(&m->scn);
    m->scn = s;
    m->prm = p;
    snprintf(m->scn_id, sizeof m->scn_id, "%s", scn);
    log_info("scenario loaded", "name=%s scn=%s", scenario_name(s), scn[0] ? scn : "(local default)");
    return 0;
}

static scenario_t *fetch_scenario(model_t *m, char *err, size_t errlen)
{
    void *out = NULL;
    size_t len = 0;
    wire_enc_reset(&m->enc);
    wire_map(&m->enc, 0);
    if (mdp_client_call(m->broker, "sim.scenario", m->enc.sb.data, m->enc.sb.size, CALL_TIMEOUT_MS, &out, &len) != 0) {
        snprintf(err, errlen, "sim.scenario: no answer from the broker");
        return NULL;
    }
    const char *text;
    size_t n;
    scenario_t *s = NULL;
    const msgpack_object *root = wire_decode(m->msg, out, len, err, errlen);
    if (root && wire_get_str(root, "text", &text, &n, err, errlen) == 0) s = scenario_load_buf(text, n, err, errlen);
    else if (root) snprintf(err, errlen, "sim.scenario: the broker has no scenario");
    free(out);
    return s;
}

int model_use_scenario(model_t *self, const char *scn, char *err, size_t errlen)
{
    if (strcmp(scn, self->scn_id) == 0) return 0;
    scenario_t *s = scn[0] ? fetch_scenario(self, err, errlen) : scenario_open(SCENARIO_DEFAULT, err, errlen);
    return s ? install(self, s, scn, err, errlen) : -1;
}

static int put_rev(model_t *m, const msgpack_object *o)
{
    char id[32], cat[TICKET_CODE_MAX], unit[TICKET_CODE_MAX], e1[64];
    const char *kw, *ans;
    size_t kwn, ansn;
    kb_entry_t e = {.id = id, .category = cat, .unit = unit};
    if (wire_get_int(o, "rev", &e.rev, e1, sizeof e1) || wire_copy_str(o, "id", id, sizeof id, e1, sizeof e1) ||
        wire_get_int(o, "vf", &e.valid_from, e1, sizeof e1) || wire_copy_str(o, "cat", cat, sizeof cat, e1, sizeof e1) ||
        wire_copy_str(o, "unit", unit, sizeof unit, e1, sizeof e1) || wire_get_str(o, "kw", &kw, &kwn, e1, sizeof e1) ||
        wire_get_str(o, "ans", &ans, &ansn, e1, sizeof e1))
        return -1;
    char *k = xstrndup(kw, kwn), *a = xstrndup(ans, ansn);
    e.keywords = k;
    e.answer = a;
    int rc = kb_put(m->kb, &e);
    free(k);
    free(a);
    if (rc == 0 && e.rev > m->kb_rev) m->kb_rev = e.rev;
    return rc;
}

/* One page of kb.list; sets *more. */
static int fetch_page(model_t *m, bool *more, char *err, size_t errlen)
{
    void *out = NULL;
    size_t len = 0;
    wire_enc_reset(&m->enc);
    wire_map(&m->enc, 1);
    wire_kv_int(&m->enc, "since", m->kb_rev);
    if (mdp_client_call(m->broker, "kb.list", m->enc.sb.data, m->enc.sb.size, CALL_TIMEOUT_MS, &out, &len) != 0) {
        snprintf(err, errlen, "kb.list: no answer from the broker");
        return -1;
    }
    const msgpack_object *root = wire_decode(m->msg, out, len, err, errlen);
    const msgpack_object *entries = root ? wire_get(root, "entries") : NULL;
    int rc = entries && entries->type == MSGPACK_OBJECT_ARRAY ? 0 : -1;
    for (uint32_t i = 0; rc == 0 && i < entries->via.array.size; i++) rc = put_rev(m, &entries->via.array.ptr[i]);
    if (rc != 0 && root) snprintf(err, errlen, "kb.list: malformed reply");
    *more = rc == 0 && wire_get(root, "more") && wire_get(root, "more")->type == MSGPACK_OBJECT_BOOLEAN &&
            wire_get(root, "more")->via.boolean && entries->via.array.size > 0;
    free(out);
    return rc;
}

int model_sync_kb(model_t *self, int64_t rev, char *err, size_t errlen)
{
    bool more = true;
    int64_t before = self->kb_rev;
    while (self->kb_rev < rev || (more && rev == INT64_MAX)) {
        if (fetch_page(self, &more, err, errlen) != 0) return -1;
        if (!more) break;
    }
    if (self->kb_rev < rev && rev != INT64_MAX) {
        snprintf(err, errlen, "knowledge base at rev %lld, the batch needs %lld", (long long)self->kb_rev, (long long)rev);
        return -1;
    }
    if (self->kb_rev != before) log_info("knowledge base synced", "rev=%lld entries=%zu", (long long)self->kb_rev, kb_count(self->kb));
    return 0;
}

int64_t model_add_work_hours(const model_t *self, int64_t t, double hours)
{
    return calendar_add_work_seconds(self->cal, t, (int64_t)llround(hours * 3600.0));
}

int64_t model_add_clock_hours(int64_t t, double hours) { return t + (int64_t)llround(hours * 3600.0); }

int model_draw_rating(const double w[5], rng_t *r)
{
    double total = 0;
    for (int i = 0; i < 5; i++) total += w[i];
    double u = rng_double(r) * total;
    for (int i = 0; i < 5; i++) {
        if (u < w[i]) return i + 1;
        u -= w[i];
    }
    for (int i = 4; i >= 0; i--)
        if (w[i] > 0) return i + 1;
    return 3;
}
