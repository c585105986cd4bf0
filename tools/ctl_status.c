/* ctl_status: hotline-ctl status and watch. broker.status answers with
 * services, worker processes (key name or routing id, host, pid, services,
 * last heartbeat), queues and in-flight work, tickets waiting for people,
 * overdue tickets, the last minute's acknowledged and closed rates, and the
 * store's size and commit latency. `watch` refreshes it on a terminal. */
#include "ctl.h"
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static double num(const msgpack_object *m, const char *k)
{
    const msgpack_object *o = wire_get(m, k);
    return o && o->type == MSGPACK_OBJECT_FLOAT64 ? o->via.f64 : o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double)o->via.u64 : 0;
}

static void print_services(const msgpack_object *root)
{
    const msgpack_object *sv = wire_get(root, "services");
    printf("%-26s %8s %6s %8s\n", "service", "workers", "busy", "queued");
    for (uint32_t i = 0; sv && sv->type == MSGPACK_OBJECT_ARRAY && i < sv->via.array.size; i++) {
        const msgpack_object *s = &sv->via.array.ptr[i];
        const msgpack_object *b = wire_get(s, "builtin");
        if (b && b->type == MSGPACK_OBJECT_BOOLEAN && b->via.boolean) continue;
        char name[80];
        printf("%-26s %8lld %6lld %8lld\n", ctl_str(s, "name", name, sizeof name, "-"), (long long)ctl_int(s, "workers"),
               (long long)ctl_int(s, "busy"), (long long)ctl_int(s, "queued"));
    }
}

#define WORKERS_SHOWN 50    /* processes printed by default; --all prints every one */

/* "classify, dispatch, visit + 21 units" or the names themselves. */
static void print_service_list(const msgpack_object *sv)
{
    uint32_t n = sv && sv->type == MSGPACK_OBJECT_ARRAY ? sv->via.array.size : 0, units = 0;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *o = &sv->via.array.ptr[i];
        bool unit = o->type == MSGPACK_OBJECT_STR && o->via.str.size > 5 && memcmp(o->via.str.ptr, "unit.", 5) == 0;
        units += unit;
    }
    bool all_units = units == 21, first = true;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *o = &sv->via.array.ptr[i];
        if (o->type != MSGPACK_OBJECT_STR) continue;
        if (all_units && o->via.str.size > 5 && memcmp(o->via.str.ptr, "unit.", 5) == 0) continue;
        printf("%s%.*s", first ? "" : ", ", (int)o->via.str.size, o->via.str.ptr);
        first = false;
    }
    if (all_units) printf("%sall 21 units", first ? "" : " + ");
    putchar('\n');
}

static void print_workers(const msgpack_object *root, bool all)
{
    const msgpack_object *ws = wire_get(root, "workers");
    uint32_t n = ws && ws->type == MSGPACK_OBJECT_ARRAY ? ws->via.array.size : 0;
    printf("\nworkers: %u processes, %lld connections\n", n, (long long)ctl_int(root, "worker_connections"));
    if (n) printf("%-22s %-16s %7s %-15s %9s %4s  %s\n", "name", "host", "pid", "address", "heartbeat", "busy", "services");
    uint32_t shown = all || n <= WORKERS_SHOWN ? n : WORKERS_SHOWN;
    for (uint32_t i = 0; i < shown; i++) {
        const msgpack_object *w = &ws->via.array.ptr[i];
        char name[80], host[80], addr[64];
        printf("%-22s %-16s %7lld %-15s %7.1f s %4lld  ", ctl_str(w, "name", name, sizeof name, "-"), ctl_str(w, "host", host, sizeof host, "-"),
               (long long)ctl_int(w, "pid"), ctl_str(w, "address", addr, sizeof addr, "-"), (double)ctl_int(w, "last_seen_ms") / 1000.0,
               (long long)ctl_int(w, "busy"));
        print_service_list(wire_get(w, "services"));
    }
    if (shown < n) printf("... %u more processes not shown: hotline-ctl status --all lists every one\n", n - shown);
}

static void print_status(const msgpack_object *root, bool all)
{
    const msgpack_object *t = wire_get(root, "tickets"), *st = wire_get(root, "store"), *r = wire_get(root, "rates");
    const msgpack_object *in = wire_get(root, "intake"), *bs = t ? wire_get(t, "by_state") : NULL;
    print_services(root);
    print_workers(root, all);
    printf("\ntickets: %lld unfinished, %lld queued for a worker, %lld in flight, %lld waiting for people, %lld parked\n",
           (long long)ctl_int(t, "live"), (long long)ctl_int(t, "queued"), (long long)ctl_int(t, "inflight"),
           (long long)ctl_int(t, "waiting"), (long long)ctl_int(t, "parked"));
    printf("overdue: %lld deadlines missed in all (督办), %lld past due and still open\n",
           (long long)ctl_int(t, "overdue_total"), (long long)ctl_int(t, "past_due_open"));
    printf("by state:");
    for (uint32_t i = 0; bs && bs->type == MSGPACK_OBJECT_MAP && i < bs->via.map.size; i++)
        printf(" %.*s=%lld", (int)bs->via.map.ptr[i].key.via.str.size, bs->via.map.ptr[i].key.via.str.ptr,
               (long long)bs->via.map.ptr[i].val.via.i64);
    printf("\nlast minute: %.1f acknowledged/s, %.1f closed/s\n", num(r, "acked_per_s"), num(r, "closed_per_s"));
    printf("intake since start: %lld accepted, %lld duplicate, %lld rejected, %lld retry\n", (long long)ctl_int(in, "accepted"),
           (long long)ctl_int(in, "duplicate"), (long long)ctl_int(in, "rejected"), (long long)ctl_int(in, "retry"));
    printf("store: %.1f MiB + %.1f MiB WAL, %lld commits, last %lld us, mean %lld us\n",
           (double)ctl_int(st, "bytes") / 1048576.0, (double)ctl_int(st, "wal_bytes") / 1048576.0, (long long)ctl_int(st, "commits"),
           (long long)ctl_int(st, "last_commit_us"), (long long)ctl_int(st, "mean_commit_us"));
    printf("disk: %lld WAL fsyncs, last %lld us, %lld commits waiting for one; last background checkpoint %lld us\n",
           (long long)ctl_int(st, "syncs"), (long long)ctl_int(st, "last_sync_us"), (long long)ctl_int(st, "commits_not_durable"),
           (long long)ctl_int(st, "last_checkpoint_us"));
}

static int ask(ctl_t *c, bool clear)
{
    wire_enc_t e;
    wire_enc_init(&e);
    wire_map(&e, 0);
    const msgpack_object *root;
    int rc = ctl_call(c, "broker.status", &e, &root);
    wire_enc_free(&e);
    if (rc) return rc;
    if (!wire_str_eq(wire_get(root, "status"), "ok")) {
        char why[200];
        fprintf(stderr, "hotline-ctl: refused: %s\n", ctl_str(root, "error", why, sizeof why, "no reason given"));
        return EX_NOPERM;
    }
    if (clear) fputs("\033[H\033[2J", stdout);
    print_status(root, c->all);
    fflush(stdout);
    return 0;
}

int ctl_status(ctl_t *c) { return ask(c, false); }

int ctl_watch(ctl_t *c)
{
    bool tty = isatty(STDOUT_FILENO);
    int rc = ask(c, tty);
    for (int i = 1; rc == 0 && !ctl_stop && (c->count == 0 || i < c->count); i++) {
        sleep((unsigned)c->interval_s);
        if (!ctl_stop) rc = ask(c, tty);
    }
    return rc;
}
