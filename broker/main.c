/* hotline-broker: intake → pipeline → store. One loop: poll until the next
 * heartbeat, dispatch what arrived, fire expired deadline timers, commit the
 * group transaction, send the replies whose commit is on disk (a thread
 * fsyncs the WAL meanwhile, core/store_sync.c) and the next stage batches.
 * The parts it runs over are put together in broker.c. */
#include "broker.h"
#include "db.h"
#include "clock.h"
#include "log.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define DRAIN_MAX 2048          /* messages per iteration (one group commit) */
#define GROUP_MAX_WRITES 65536 /* statements: commit even while the disk is busy */

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) { g_stop = sig; }

/* An fdatasync of the WAL failed: what was committed since the last good one
 * may not be on disk, and the kernel may have dropped it already. Nothing
 * held is acknowledged; the broker stops at once (no checkpoint, no final
 * commit) and a restart recovers the store from the disk. */
static void on_sync_failed(void)
{
    log_error("the store could not be synced to disk: stopping without acknowledging; restart to recover", NULL);
    _exit(EX_IOERR);
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
    if (b->paused && timeout > BROKER_PROBE_MS) timeout = BROKER_PROBE_MS;
    if ((b->auth || b->leased) && timeout > 1000) timeout = 1000;
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
        if (!ok) broker_commit_failed(b);
        /* The replies queued so far wait for this commit to reach the disk. */
        router_seal(b->router, store_commits(b->store), ok);
    }
    /* Whatever the sync thread made durable goes out now. */
    router_release(b->router, store_durable(b->store));
    /* Expire dead workers first, so the work they held goes out in this same pass. */
    router_heartbeat(b->router);
    if (!b->paused) checkpoint_step(b->ckpt, ready == 0);
    /* Stage work goes out before its commit is durable: should the broker
     * crash first, the store still holds the ticket at its previous stage and
     * a restart issues that stage again (results are deterministic and
     * applied once). */
    if (b->paused) broker_probe(b);
    else router_feed(b->router);
    if (store_keepalive(b->store) != 0) broker_check_lost(b);
}

int main(int argc, char **argv)
{
    broker_t b = {0};
    int rc = broker_opts_parse(&b.o, argc, argv);
    if (rc) return rc == 1 ? 0 : rc;
    log_init("broker", b.o.log_level);
    if (b.o.rebuild_rollups) {
        char err[512] = "";
        store_t *st = store_open_centre(b.o.db, b.o.centre, b.o.sync, err, sizeof err);
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
    b.stop = &g_stop;
    rc = broker_setup(&b);
    if (rc == BROKER_STOPPED_WAITING) {
        log_warn("stopped while standing by", "signal=%d", (int)g_stop);
        broker_teardown(&b);
        return 0;
    }
    if (rc == 0) {
        log_info("broker ready", "bind=%s db=%s heartbeat_ms=%d clock=%s manual=%d", b.o.bind, db_display(b.o.db), b.o.heartbeat_ms,
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
    broker_teardown(&b);
    return rc;
}
