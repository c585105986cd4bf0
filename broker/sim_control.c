/* sim_control: scenario, virtual clock and progress services (see header). */
#include "sim_control.h"
#include "log.h"
#include "rng.h"
#include "scenario.h"
#include "wire.h"
#include "xmalloc.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_control {
    router_t *router;
    store_t *store;
    pipeline_t *pipeline;
    intake_t *intake;
    wire_enc_t enc;
    wire_msg_t *msg;
    char *name, *text, scn[40];
    uint64_t seed;
    const char *refusal;      /* why sim.start and clock.advance are refused here, or NULL */
};

void sim_control_refuse(sim_control_t *self, const char *why) { self->refusal = why; }

sim_control_t *sim_control_new(router_t *router, store_t *store, pipeline_t *pipeline, intake_t *intake)
{
    sim_control_t *self = xcalloc(1, sizeof *self);
    self->router = router;
    self->store = store;
    self->pipeline = pipeline;
    self->intake = intake;
    wire_enc_init(&self->enc);
    self->msg = wire_msg_new();
    return self;
}

void sim_control_destroy(sim_control_t **p)
{
    if (!p || !*p) return;
    wire_enc_free(&(*p)->enc);
    wire_msg_destroy(&(*p)->msg);
    free((*p)->name);
    free((*p)->text);
    free(*p);
    *p = NULL;
}

int sim_control_load(sim_control_t *self)
{
    char *scn = store_meta_get(self->store, "scn"), *seed = store_meta_get(self->store, "seed");
    char *clock = store_meta_get(self->store, "clock");
    self->name = store_meta_get(self->store, "scenario_name");
    self->text = store_meta_get(self->store, "scenario_text");
    if (scn && seed && self->text) {
        snprintf(self->scn, sizeof self->scn, "%s", scn);
        self->seed = strtoull(seed, NULL, 10);
        pipeline_set_scenario(self->pipeline, self->scn, self->seed);
        pipeline_set_virtual(self->pipeline, true);
        log_info("scenario restored", "name=%s scn=%s seed=%" PRIu64, self->name ? self->name : "?", self->scn, self->seed);
    }
    if (clock) pipeline_observe(self->pipeline, strtoll(clock, NULL, 10));
    free(scn);
    free(seed);
    free(clock);
    return 0;
}

static void reply_status(sim_control_t *self, mdp_span_t peer, const char *service, const char *status,
                         const char *err, bool writes)
{
    wire_enc_reset(&self->enc);
    wire_map(&self->enc, err ? 2 : 1);
    wire_kv_str(&self->enc, "status", status);
    if (err) wire_kv_str(&self->enc, "error", err);
    router_reply(self->router, peer, service, self->enc.sb.data, self->enc.sb.size, writes);
}

/* The scenario identity: a hash of its exact text and the seed. */
static void scn_id(const char *text, size_t len, uint64_t seed, char *out, size_t outlen)
{
    uint64_t h = rng_hash(0xcbf29ce484222325ULL, text, len);
    h = rng_hash(h, &seed, sizeof seed);
    snprintf(out, outlen, "%016" PRIx64, h);
}

static int save_scenario(sim_control_t *self, const char *name, const char *text, uint64_t seed, const char *scn)
{
    char sb[24];
    snprintf(sb, sizeof sb, "%" PRIu64, seed);
    if (store_begin(self->store) || store_meta_set(self->store, "scn", scn) || store_meta_set(self->store, "seed", sb) ||
        store_meta_set(self->store, "scenario_name", name) || store_meta_set(self->store, "scenario_text", text))
        return -1;
    free(self->name);
    free(self->text);
    self->name = xstrdup(name);
    self->text = xstrdup(text);
    snprintf(self->scn, sizeof self->scn, "%s", scn);
    self->seed = seed;
    pipeline_set_scenario(self->pipeline, scn, seed);
    pipeline_set_virtual(self->pipeline, true);
    return 0;
}

/* sim.start {text, seed} → {status, scn}. A store keeps one scenario. */
static void start(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    sim_control_t *self = ctx;
    char err[240];
    const char *text;
    size_t len;
    int64_t seed = 0;
    if (self->refusal) { reply_status(self, peer, "sim.start", "rejected", self->refusal, false); return; }
    const msgpack_object *root = wire_decode(self->msg, body.p, body.n, err, sizeof err);
    if (!root || wire_get_str(root, "text", &text, &len, err, sizeof err) != 0 || wire_get_int(root, "seed", &seed, err, sizeof err) != 0) {
        reply_status(self, peer, "sim.start", "rejected", root ? "fields 'text' (scenario) and 'seed' are required" : err, false);
        return;
    }
    scenario_t *s = scenario_load_buf(text, len, err, sizeof err);
    if (!s) { reply_status(self, peer, "sim.start", "rejected", err, false); return; }
    /* The tickets' centre: the feeder's choice, else the scenario's. */
    char centre[TICKET_CENTRE_MAX + 1];
    int named = wire_copy_str(root, "centre", centre, sizeof centre, err, sizeof err);
    if (named != 0) snprintf(centre, sizeof centre, "%s", scenario_centre(s));
    char scn[40], *copy = xstrndup(text, len);
    scn_id(text, len, (uint64_t)seed, scn, sizeof scn);
    int64_t total = 0, fin = 0;
    store_ticket_counts(self->store, &total, &fin);
    if (named < 0 || strcmp(centre, store_centre(self->store)) != 0) {
        if (named >= 0)
            snprintf(err, sizeof err, "scenario %s is run for centre '%s'; this broker serves centre '%s' (its --centre)",
                     scenario_name(s), centre, store_centre(self->store));
        reply_status(self, peer, "sim.start", "rejected", err, false);
    } else if (self->scn[0] && strcmp(scn, self->scn) != 0 && total > 0) {
        snprintf(err, sizeof err, "this store already holds scenario %s (seed %" PRIu64 ", %lld tickets); use a fresh --db",
                 self->name ? self->name : "?", self->seed, (long long)total);
        reply_status(self, peer, "sim.start", "rejected", err, false);
    } else if (strcmp(scn, self->scn) != 0 && save_scenario(self, scenario_name(s), copy, (uint64_t)seed, scn)) {
        reply_status(self, peer, "sim.start", "retry", "the store could not record the scenario", true);
    } else {
        wire_enc_reset(&self->enc);
        wire_map(&self->enc, 2);
        wire_kv_str(&self->enc, "status", "ok");
        wire_kv_str(&self->enc, "scn", scn);
        router_reply(self->router, peer, "sim.start", self->enc.sb.data, self->enc.sb.size, true);
    }
    scenario_destroy(&s);
    free(copy);
}

/* sim.scenario {} → {name, text, seed, scn} */
static void get_scenario(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    sim_control_t *self = ctx;
    (void)body;
    if (!self->text) { reply_status(self, peer, "sim.scenario", "none", "no scenario has been started", false); return; }
    wire_enc_t *e = &self->enc;
    wire_enc_reset(e);
    wire_map(e, 5);
    wire_kv_str(e, "status", "ok");
    wire_kv_str(e, "name", self->name);
    wire_kv_str(e, "text", self->text);
    wire_kv_int(e, "seed", (int64_t)self->seed);
    wire_kv_str(e, "scn", self->scn);
    router_reply(self->router, peer, "sim.scenario", e->sb.data, e->sb.size, false);
}

/* clock.advance {to} → {status, clock}: the end-of-feed advance. */
static void advance(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    sim_control_t *self = ctx;
    char err[160], buf[24];
    int64_t to = 0;
    if (self->refusal) { reply_status(self, peer, "clock.advance", "rejected", self->refusal, false); return; }
    const msgpack_object *root = wire_decode(self->msg, body.p, body.n, err, sizeof err);
    if (!root || wire_get_int(root, "to", &to, err, sizeof err) != 0) {
        reply_status(self, peer, "clock.advance", "rejected", root ? "field 'to' (Unix seconds) is required" : err, false);
        return;
    }
    int64_t now = pipeline_observe(self->pipeline, to);
    snprintf(buf, sizeof buf, "%lld", (long long)now);
    store_begin(self->store);
    store_meta_set(self->store, "clock", buf);
    pipeline_tick(self->pipeline);
    wire_enc_reset(&self->enc);
    wire_map(&self->enc, 2);
    wire_kv_str(&self->enc, "status", "ok");
    wire_kv_int(&self->enc, "clock", now);
    router_reply(self->router, peer, "clock.advance", self->enc.sb.data, self->enc.sb.size, true);
}

/* sim.status {} → counts a feeder waits on. */
static void status(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    sim_control_t *self = ctx;
    (void)body;
    pipeline_stats_t ps;
    pipeline_stats(self->pipeline, &ps); /* counts kept in memory: no table scan per poll */
    int64_t total = 0, fin = 0;
    for (int i = 0; i < ST__COUNT; i++) {
        total += (int64_t)ps.by_state[i];
        if (lc_is_final((lc_state_t)i)) fin += (int64_t)ps.by_state[i];
    }
    wire_enc_t *e = &self->enc;
    wire_enc_reset(e);
    wire_map(e, 8);
    wire_kv_str(e, "status", "ok");
    wire_kv_int(e, "tickets", total);
    wire_kv_int(e, "final", fin);
    wire_kv_int(e, "live", (int64_t)ps.live);
    wire_kv_int(e, "queued", (int64_t)ps.queued);
    wire_kv_int(e, "inflight", (int64_t)ps.inflight);
    wire_kv_int(e, "parked", (int64_t)(ps.live - ps.queued - ps.inflight));
    wire_kv_int(e, "clock", pipeline_now(self->pipeline));
    router_reply(self->router, peer, "sim.status", e->sb.data, e->sb.size, false);
}

/* 8/MMI: the body is a service name; "200" if it has workers or is built in. */
static void mmi_service(void *ctx, mdp_span_t peer, mdp_span_t body)
{
    sim_control_t *self = ctx;
    char name[MDP_MAX_SERVICE + 1];
    bool ok = body.n > 0 && body.n <= MDP_MAX_SERVICE;
    if (ok) snprintf(name, sizeof name, "%.*s", (int)body.n, (const char *)body.p);
    const char *code = ok && router_has_service(self->router, name) ? "200" : "404";
    router_reply(self->router, peer, "mmi.service", code, 3, false);
}

void sim_control_register(sim_control_t *self)
{
    router_add_builtin(self->router, "sim.start", start, self);
    router_add_builtin(self->router, "sim.scenario", get_scenario, self);
    router_add_builtin(self->router, "sim.status", status, self);
    router_add_builtin(self->router, "clock.advance", advance, self);
    router_add_builtin(self->router, "mmi.service", mmi_service, self);
}
