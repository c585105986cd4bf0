/* broker: assembly of the broker's parts, and writes paused after a failed
 * commit (see header). */
#include "broker.h"
#include "cert.h"
#include "db.h"
#include "clock.h"
#include "log.h"
#include "wire.h"
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static bool access_rule(void *ctx, const char *user_id, const char *service, bool worker_cmd, char *why, size_t whylen)
{
    broker_t *b = ctx;
    return auth_allows(auth_who(b->auth, user_id).role, service, worker_cmd, why, whylen);
}

/* CURVE: the broker's key pair and its own ZAP handler over the allow-list. */
static int setup_curve(broker_t *b, char *secret, size_t len)
{
    char pub[41], err[512];
    (void)len;
    if (cert_load(b->o.curve_secret, pub, secret, err, sizeof err) != 0) {
        log_error("cannot load the broker's key", "err=\"%s\"", err);
        return EX_NOINPUT;
    }
    b->auth = auth_new(b->zctx, b->o.allow, err, sizeof err);
    if (!b->auth) { log_error("cannot start authentication", "err=\"%s\"", err); return EX_NOINPUT; }
    log_warn("CURVE on", "public_key=%s allow=%s", pub, b->o.allow);
    return 0;
}

/* The calendar and deadline rules of --datadir. */
static int load_rules(broker_t *b, char *err, size_t errlen)
{
    char path[4200];
    b->cal = calendar_new();
    b->sla = sla_new();
    snprintf(path, sizeof path, "%s/calendar", b->o.datadir);
    if (calendar_load_dir(b->cal, path, err, errlen) != 0) return -1;
    snprintf(path, sizeof path, "%s/sla.tsv", b->o.datadir);
    return sla_load_file(b->sla, path, err, errlen);
}

int broker_setup(broker_t *b)
{
    char err[512] = "", secret[41] = "";
    if (load_rules(b, err, sizeof err) != 0) {
        log_error("cannot load the calendar or the deadline rules", "datadir=%s err=\"%s\"", b->o.datadir, err);
        return EX_DATAERR;
    }
    b->store = store_open_centre(b->o.db, b->o.centre, b->o.sync, err, sizeof err);
    if (!b->store) { log_error("cannot open the store", "db=%s err=\"%s\"", db_display(b->o.db), err); return EX_NOINPUT; }
    /* Before anything is loaded or bound: a standby waits here, and then
     * starts exactly as a restart does (tickets reloaded, deadlines re-armed). */
    int64_t waited = 0;
    int lead = store_lead(b->store, b->stop, b->o.lease_s, &waited);
    if (lead == 0) return BROKER_STOPPED_WAITING;
    if (lead < 0) { log_error("cannot take the store's leadership", "err=\"%s\"", store_errmsg(b->store)); return EX_UNAVAILABLE; }
    b->leased = db_target_is_pg(b->o.db);
    if (b->leased)
        log_warn("active: this broker leads the store", "centre=%s waited_ms=%lld", store_centre(b->store), (long long)waited);
    b->ckpt = checkpoint_new(b->store);
    b->zctx = zmq_ctx_new();
    if (b->o.curve_secret) {
        int rc = setup_curve(b, secret, sizeof secret);
        if (rc) return rc;
    }
    router_opts_t ro = {b->o.bind, b->o.heartbeat_ms, WIRE_MAX_BODY, 100000};
    router_curve_t rc = {b->auth ? secret : NULL};
    b->router = router_new(b->zctx, &ro, &rc, err, sizeof err);
    if (!b->router) { log_error("cannot start the router", "err=\"%s\"", err); return EX_UNAVAILABLE; }
    if (b->auth) router_set_access(b->router, access_rule, b);
    b->pipeline = pipeline_new(b->store, b->o.clock == 1, b->o.batch);
    pipeline_set_rules(b->pipeline, b->cal, b->sla);
    if (pipeline_set_manual(b->pipeline, b->o.manual, b->o.n_manual, err, sizeof err) != 0) {
        log_error("bad --manual", "err=\"%s\"", err);
        return EX_USAGE;
    }
    b->intake = intake_new(b->router, b->store, b->pipeline);
    b->sim = sim_control_new(b->router, b->store, b->pipeline, b->intake);
    b->kb = kb_service_new(b->router, b->store, b->pipeline, b->o.kb, err, sizeof err);
    if (!b->kb) { log_error("cannot load the knowledge base", "err=\"%s\"", err); return EX_DATAERR; }
    b->act = act_new(b->router, b->pipeline, b->auth);
    b->status = status_new(b->router, b->auth, b->act, b->store, b->pipeline, b->intake);
    b->lookup = lookup_new(b->router, b->store, b->pipeline, b->auth, b->cal);
    if (b->o.metrics && !(b->metrics = metrics_new(b->o.metrics, b->status, err, sizeof err))) {
        log_error("cannot serve metrics", "err=\"%s\"", err);
        return EX_UNAVAILABLE;
    }
    sim_control_load(b->sim);
    if (b->o.clock >= 0) pipeline_set_virtual(b->pipeline, b->o.clock == 1);
    if (b->o.n_manual) sim_control_refuse(b->sim, "this broker runs live with people in the loop (--manual): "
                                                  "replay a scenario on a broker without --manual");
    if (pipeline_load(b->pipeline) != 0) return EX_SOFTWARE;
    intake_register(b->intake);
    kb_service_register(b->kb);
    sim_control_register(b->sim);
    status_register(b->status);
    act_register(b->act);
    lookup_register(b->lookup);
    router_feeder_t f = pipeline_feeder(b->pipeline);
    router_set_feeder(b->router, &f);
    return 0;
}

void broker_teardown(broker_t *b)
{
    if (b->router) router_disconnect_all(b->router);
    metrics_destroy(&b->metrics);
    lookup_destroy(&b->lookup);
    act_destroy(&b->act);
    status_destroy(&b->status);
    sim_control_destroy(&b->sim);
    kb_service_destroy(&b->kb);
    intake_destroy(&b->intake);
    pipeline_destroy(&b->pipeline);
    router_destroy(&b->router);
    auth_destroy(&b->auth);
    if (b->zctx) zmq_ctx_term(b->zctx);
    checkpoint_destroy(&b->ckpt);
    store_close(&b->store);
    sla_destroy(&b->sla);
    calendar_destroy(&b->cal);
}

/* After a failed commit nothing of the iteration is kept: memory is rebuilt
 * from the store, and writes stop until a probe commit succeeds. */
void broker_commit_failed(broker_t *b)
{
    broker_check_lost(b);
    log_error("commit failed: pausing writes; submitters are told to retry", "sqlite=\"%s\"", store_errmsg(b->store));
    b->paused = true;
    intake_pause(b->intake, true);
    b->next_probe_ms = clock_mono_ms() + BROKER_PROBE_MS;
    pipeline_load(b->pipeline);
    kb_service_reload(b->kb);
}

/* PostgreSQL: with the connection went the leadership (another broker may
 * be active now). Nothing uncommitted was acknowledged, and nothing more
 * may be: stop at once, as a standby-to-be would after a restart. */
void broker_check_lost(broker_t *b)
{
    if (!store_lost(b->store)) return;
    log_error("lost the store's connection, and with it the leadership: stopping without acknowledging more; "
              "restart to stand by", "err=\"%s\"", store_errmsg(b->store));
    _exit(EX_TEMPFAIL);
}

void broker_probe(broker_t *b)
{
    if (clock_mono_ms() < b->next_probe_ms) return;
    b->next_probe_ms = clock_mono_ms() + BROKER_PROBE_MS;
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)time(NULL));
    if (store_begin(b->store) == 0 && store_meta_set(b->store, "probe", buf) == 0 && store_commit(b->store) == 0) {
        log_warn("store writable again: resuming", NULL);
        b->paused = false;
        intake_pause(b->intake, false);
        pipeline_load(b->pipeline);
        kb_service_reload(b->kb);
    } else if (store_in_txn(b->store)) {
        store_commit(b->store);
    }
}

