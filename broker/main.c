/* hotline-broker: intake → pipeline → store. One loop: poll until the next
 * heartbeat, dispatch what arrived, fire expired deadline timers, commit the
 * group transaction, send the replies whose commit is on disk (a thread
 * fsyncs the WAL meanwhile, core/store_sync.c) and the next stage batches. */
#include "act.h"
#include "auth.h"
#include "calendar.h"
#include "clock.h"
#include "cert.h"
#include "intake.h"
#include "kb_service.h"
#include "log.h"
#include "lookup.h"
#include "metrics.h"
#include "options.h"
#include "pipeline.h"
#include "router.h"
#include "sim_control.h"
#include "sla.h"
#include "status.h"
#include "store.h"
#include "wire.h"
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_MAX 2048          /* messages per iteration (one group commit) */
#define GROUP_MAX_WRITES 65536 /* statements: commit even while the disk is busy */
#define CHECKPOINT_MS 2000
#define CHECKPOINT_PAGES 512    /* 2 MiB of WAL left uncopied: small, frequent checkpoints (a big one's writeback delays the WAL fsyncs behind it) */
#define CHECKPOINT_FINISH_PAGES 256 /* the loop's own checkpoint copies at most about this much */
#define CHECKPOINT_ROUNDS 4     /* helper rounds in a row at most */
#define WAL_FINISH_PAGES 16384  /* 64 MiB: the WAL restarts even while the loop is busy */
#define PROBE_MS 1000           /* how often a paused store is tried again */

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) { g_stop = sig; }

typedef struct {
    broker_opts_t o;
    void *zctx;
    store_t *store;
    router_t *router;
    pipeline_t *pipeline;
    intake_t *intake;
    kb_service_t *kb;
    sim_control_t *sim;
    auth_t *auth;               /* NULL without CURVE */
    status_t *status;
    act_t *act;                 /* ticket.act: people's actions */
    lookup_t *lookup;           /* ticket.status, ticket.list */
    calendar_t *cal;            /* working days and deadline rules, for people's actions */
    sla_t *sla;
    metrics_t *metrics;         /* NULL without --metrics */
    bool paused;                /* the last commit failed: not writing until a probe succeeds */
    int64_t next_probe_ms, next_ckpt_ms;
    unsigned ckpts;
    int ckpt_rounds;            /* helper rounds in a row */
    int ckpt_copied;            /* WAL frames the helper has copied (0 after the WAL restarts) */
} broker_t;

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

static int setup(broker_t *b)
{
    char err[512] = "", secret[41] = "";
    if (load_rules(b, err, sizeof err) != 0) {
        log_error("cannot load the calendar or the deadline rules", "datadir=%s err=\"%s\"", b->o.datadir, err);
        return EX_DATAERR;
    }
    b->store = store_open(b->o.db, b->o.sync, err, sizeof err);
    if (!b->store) { log_error("cannot open the store", "db=%s err=\"%s\"", b->o.db, err); return EX_NOINPUT; }
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

static void teardown(broker_t *b)
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
    store_close(&b->store);
    sla_destroy(&b->sla);
    calendar_destroy(&b->cal);
}

/* After a failed commit nothing of the iteration is kept: memory is rebuilt
 * from the store, and writes stop until a probe commit succeeds. */
static void on_commit_failed(broker_t *b)
{
    log_error("commit failed: pausing writes; submitters are told to retry", "sqlite=\"%s\"", store_errmsg(b->store));
    b->paused = true;
    intake_pause(b->intake, true);
    b->next_probe_ms = clock_mono_ms() + PROBE_MS;
    pipeline_load(b->pipeline);
    kb_service_reload(b->kb);
}

static void probe(broker_t *b)
{
    if (clock_mono_ms() < b->next_probe_ms) return;
    b->next_probe_ms = clock_mono_ms() + PROBE_MS;
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

/* An fdatasync of the WAL failed: what was committed since the last good one
 * may not be on disk, and the kernel may have dropped it already. Nothing
 * held is acknowledged; the broker stops at once (no checkpoint, no final
 * commit) and a restart recovers the store from the disk. */
static void on_sync_failed(void)
{
    log_error("the store could not be synced to disk: stopping without acknowledging; restart to recover", NULL);
    _exit(EX_IOERR);
}

static void finish_checkpoint(broker_t *b)
{
    store_checkpoint(b->store);
    b->ckpt_copied = 0;
    /* Give memory freed after a burst (a flood of requests, a big batch) back to the system. */
    if (++b->ckpts % 5 == 0) malloc_trim(0);
}

/* Checkpoints, between transactions. The helper thread copies the WAL into
 * the database on its own connection while the loop goes on: every
 * CHECKPOINT_MS, or once CHECKPOINT_PAGES frames are left uncopied, and again
 * at once while much was written during its run. The WAL restarts from its
 * beginning only after a checkpoint that copied all of it, which takes one on
 * the loop's own connection: a stall of two fsyncs (a few ms), so it waits
 * until the loop is idle or the WAL holds WAL_FINISH_PAGES frames. */
static void checkpoint(broker_t *b, bool idle)
{
    if (b->paused || store_in_txn(b->store)) return;
    int left = 0, pages = store_wal_pages(b->store);
    if (pages < b->ckpt_copied) b->ckpt_copied = 0; /* the helper copied it all and the WAL restarted */
    if (store_checkpoint_done(b->store, &left)) {
        b->ckpt_copied = pages - left;
        if (left > CHECKPOINT_FINISH_PAGES && ++b->ckpt_rounds < CHECKPOINT_ROUNDS) {
            store_checkpoint_async(b->store); /* another round for what came in meanwhile */
            return;
        }
        b->ckpt_rounds = 0;
    }
    bool helper_idle = store_checkpoint_async_idle(b->store);
    if (helper_idle && ((b->ckpt_copied > 0 && (idle || pages > WAL_FINISH_PAGES) &&
                         pages - b->ckpt_copied <= CHECKPOINT_FINISH_PAGES) ||
                        pages > 2 * WAL_FINISH_PAGES)) { /* the helper cannot keep up: bound the WAL anyway */
        finish_checkpoint(b);
        return;
    }
    if (clock_mono_ms() < b->next_ckpt_ms && pages - b->ckpt_copied <= CHECKPOINT_PAGES) return;
    int rc = store_checkpoint_async(b->store);
    if (rc == 1) return; /* still running */
    b->next_ckpt_ms = clock_mono_ms() + CHECKPOINT_MS;
    if (rc < 0) finish_checkpoint(b); /* no helper thread (--sync normal): all of it on the loop */
}

/* Group commit follows the disk: while an fsync is running, the open
 * transaction keeps growing (its replies could not go out before that fsync
 * ends anyway); it commits as soon as the disk is free, or when it grows
 * large. Without a sync thread (--sync normal) every pass commits. Replies
 * stay unsealed until the commit that covers them. */
static bool commit_due(broker_t *b)
{
    if (!store_in_txn(b->store)) return true; /* nothing to write: seals read-only replies at once */
    return store_durable(b->store) >= store_commits(b->store) || store_txn_writes(b->store) >= GROUP_MAX_WRITES;
}

static void iterate(broker_t *b)
{
    zmq_pollitem_t items[4] = {{router_socket(b->router), 0, ZMQ_POLLIN, 0}};
    int n = 1, mi = -1, si = -1;
    if (b->auth) items[n++] = (zmq_pollitem_t){auth_socket(b->auth), 0, ZMQ_POLLIN, 0};
    if (b->metrics) { mi = n; items[n++] = (zmq_pollitem_t){NULL, metrics_fd(b->metrics), ZMQ_POLLIN, 0}; }
    if (store_sync_fd(b->store) >= 0) { si = n; items[n++] = (zmq_pollitem_t){NULL, store_sync_fd(b->store), ZMQ_POLLIN, 0}; }
    long timeout = router_timeout_ms(b->router);
    if (b->paused && timeout > PROBE_MS) timeout = PROBE_MS;
    if (b->auth && timeout > 1000) timeout = 1000;
    int ready = zmq_poll(items, n, timeout);
    if (ready < 0 && errno != EINTR) log_error("poll failed", "err=\"%s\"", zmq_strerror(errno));
    if (si >= 0 && (items[si].revents & ZMQ_POLLIN) && store_sync_poll(b->store) != 0) on_sync_failed();
    if (b->auth) {
        auth_on_readable(b->auth);
        auth_refresh(b->auth);
    }
    if (mi >= 0 && (items[mi].revents & ZMQ_POLLIN)) metrics_on_readable(b->metrics);
    router_drain(b->router, DRAIN_MAX);
    pipeline_tick(b->pipeline);
    if (!b->paused) lookup_tick(b->lookup, ready == 0);
    if (commit_due(b)) {
        bool ok = store_commit(b->store) == 0;
        status_after_commit(b->status, ok);
        if (!ok) on_commit_failed(b);
        /* The replies queued so far wait for this commit to reach the disk. */
        router_seal(b->router, store_commits(b->store), ok);
    }
    /* Whatever the sync thread made durable goes out now. */
    router_release(b->router, store_durable(b->store));
    /* Expire dead workers first, so the work they held goes out in this same pass. */
    router_heartbeat(b->router);
    checkpoint(b, ready == 0);
    /* Stage work goes out before its commit is durable: should the broker
     * crash first, the store still holds the ticket at its previous stage and
     * a restart issues that stage again (results are deterministic and
     * applied once). */
    if (b->paused) probe(b);
    else router_feed(b->router);
}

int main(int argc, char **argv)
{
    broker_t b = {0};
    int rc = broker_opts_parse(&b.o, argc, argv);
    if (rc) return rc == 1 ? 0 : rc;
    log_init("broker", b.o.log_level);
    if (b.o.rebuild_rollups) {
        char err[512] = "";
        store_t *st = store_open(b.o.db, b.o.sync, err, sizeof err);
        if (!st) { fprintf(stderr, "hotline-broker: cannot open %s: %s\n", b.o.db, err); return EX_NOINPUT; }
        int r = store_rollup_rebuild(st);
        store_close(&st);
        fprintf(stderr, "hotline-broker: roll-ups of %s %s\n", b.o.db, r == 0 ? "rebuilt" : "NOT rebuilt (see the log)");
        return r == 0 ? 0 : EX_SOFTWARE;
    }
    if (b.o.insecure && !broker_endpoint_is_local(b.o.bind))
        log_warn("plaintext bind to a non-loopback address (--insecure): anyone who can reach it is served", "bind=%s", b.o.bind);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = setup(&b);
    if (rc == 0) {
        log_info("broker ready", "bind=%s db=%s heartbeat_ms=%d clock=%s manual=%d", b.o.bind, b.o.db, b.o.heartbeat_ms,
                 pipeline_is_virtual(b.pipeline) ? "virtual" : "live", b.o.n_manual);
        while (!g_stop) iterate(&b);
        /* Drain: what was received is committed and answered before exit. */
        router_drain(b.router, DRAIN_MAX);
        bool ok = store_commit(b.store) == 0;
        router_seal(b.router, store_commits(b.store), ok);
        if (store_sync_wait(b.store) != 0) on_sync_failed();
        router_release(b.router, store_durable(b.store));
        log_warn("broker stopped", "signal=%d", (int)g_stop);
    }
    teardown(&b);
    return rc;
}
