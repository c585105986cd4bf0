/* sqlite-bench: the raw-SQLite side of scripts/bench.
 *   insert  the ceiling for durable writes: ticket rows (+ their "received"
 *           event, as the broker writes them) in transactions of --txn rows,
 *           in a fresh store made from schemas/store.sql, with the broker's
 *           settings (WAL, synchronous=FULL, manual passive checkpoints).
 *   gen     a large store for the report benchmark, fast: finished-looking
 *           tickets with plausible columns over 2022, written without a
 *           journal into FILE.tmp and renamed to FILE when complete. It writes
 *           the ticket table (and the knowledge-base updates the report
 *           counts), not the event log, which the report never reads.
 * Ticket texts and attributes come from the simulator's Longhu year. */
#include "bench_pool.h"
#include "clock.h"
#include "privacy.h"
#include "rng.h"
#include "units.h"
#include "xmalloc.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char USAGE[] =
    "Usage: sqlite-bench insert --db FILE --schema store.sql --n N --txn B [--sync full|normal]\n"
    "                           [--duration S] [--latency]\n"
    "       sqlite-bench gen    --db FILE --schema store.sql --n N\n"
    "\n"
    "  insert  N tickets (ticket row + received event) in transactions of B into a\n"
    "          fresh FILE (WAL, synchronous=FULL) -> tickets_per_s, one JSON line;\n"
    "          with --latency also the p50/p99/p999 time of one transaction\n"
    "          (with --txn 1: the floor for a durable acknowledgment)\n"
    "  gen     a report-benchmark store of N finished-looking tickets over 2022\n"
    "          (written to FILE.tmp, renamed to FILE when complete)\n"
    "\n"
    "      --scenario S   texts and attributes (default longhu-2022)\n"
    "      --duration S   insert: stop after S seconds (N is then a cap)\n"
    "      --timeout S    give up after S seconds (default 600)\n";

typedef struct {
    const char *cmd, *db, *schema, *scenario;
    size_t n, txn;
    bool sync_full, latency;
    double duration;
    int timeout_s;
} opts_t;


static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    fprintf(stderr, "sqlite-bench: %s: %s\n", sql[0] && strlen(sql) < 80 ? sql : "schema", msg ? msg : "?");
    sqlite3_free(msg);
    return -1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) buf = xrealloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* The schema and its version ("PRAGMA user_version = N" in the header). */
static int apply_schema(sqlite3 *db, const char *path)
{
    char *sql = read_file(path);
    if (!sql) { fprintf(stderr, "sqlite-bench: cannot read %s\n", path); return -1; }
    int version = 1;
    const char *v = strstr(sql, "user_version =");
    if (v) version = atoi(v + strlen("user_version ="));
    if (version < 1) version = 1;
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", version);
    int rc = exec(db, "BEGIN") || exec(db, sql) || exec(db, pragma) || exec(db, "COMMIT") ? -1 : 0;
    free(sql);
    return rc;
}

/* Where the ticket text lives: a column of ticket, or (since the text moved
 * apart from the row) a table ticket_text(id, text). */
static bool text_in_ticket(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    bool yes = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('ticket') WHERE name='text'", -1, &st, NULL) == SQLITE_OK)
        yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite-bench: %s: %s\n", sql, sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

static int step(sqlite3 *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE) return 0;
    fprintf(stderr, "sqlite-bench: step: %s\n", sqlite3_errmsg(db));
    return -1;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, i);
}

static int wal_pages;
static int on_wal(void *ctx, sqlite3 *db, const char *name, int pages)
{
    (void)ctx; (void)db; (void)name;
    wal_pages = pages;
    return SQLITE_OK;
}

/* --- insert: the durable-write ceiling --- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const int64_t *sorted, size_t n, double q)
{
    size_t r = (size_t)((double)n * q + 0.999999); /* nearest rank */
    if (r < 1) r = 1;
    if (r > n) r = n;
    return (double)sorted[r - 1] / 1e6;
}

static int cmd_insert(const opts_t *o, const bench_pool_t *pool)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(o->db, &db) != SQLITE_OK) { fprintf(stderr, "sqlite-bench: cannot open %s\n", o->db); return 1; }
    if (exec(db, "PRAGMA journal_size_limit=67108864") || exec(db, "PRAGMA journal_mode=WAL") ||
        exec(db, o->sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") ||
        exec(db, "PRAGMA wal_autocheckpoint=0") || exec(db, "PRAGMA cache_size=-65536") || apply_schema(db, o->schema))
        return 1;
    /* After the pragma: wal_autocheckpoint=0 is itself sqlite3_wal_hook(db, NULL, NULL). */
    sqlite3_wal_hook(db, on_wal, NULL);
    bool inline_text = text_in_ticket(db);
    sqlite3_stmt *ti = prepare(db, inline_text ? "INSERT OR IGNORE INTO ticket(id,received_at,type,urgent,street,channel,"
                                                 "caller_mask,caller_hash,text,state,on_time) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,NULL)"
                                               : "INSERT OR IGNORE INTO ticket(id,received_at,type,urgent,street,channel,"
                                                 "caller_mask,caller_hash,state,on_time) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?10,NULL)");
    sqlite3_stmt *xi = inline_text ? NULL : prepare(db, "INSERT INTO ticket_text(id,text) VALUES(?,?)");
    if (!inline_text && !xi) return 1;
    /* seq given explicitly: a rowid alias in older schemas, a broker-assigned
     * column of the clustered (ticket_id, seq) key in newer ones. */
    sqlite3_stmt *ei = prepare(db, "INSERT INTO event(ticket_id,at,kind,state,round,unit,detail,seq) VALUES(?,?,?,?,?,?,?,?)");
    sqlite3_stmt *bg = prepare(db, "BEGIN IMMEDIATE"), *cm = prepare(db, "COMMIT");
    if (!ti || !ei || !bg || !cm) return 1;
    uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    int64_t t0 = clock_mono_ns(), deadline = t0 + (int64_t)o->timeout_s * 1000000000LL;
    int64_t stop = o->duration > 0 ? t0 + (int64_t)(o->duration * 1e9) : 0;
    double c0 = cpu_s();
    size_t done = 0, commits = 0, checkpoints = 0, max_txn = (o->n + o->txn - 1) / o->txn;
    int64_t *lat = o->latency ? xcalloc(max_txn, sizeof *lat) : NULL;
    int rc = 0;
    while (done < o->n && rc == 0) {
        size_t k = o->n - done < o->txn ? o->n - done : o->txn;
        int64_t tb = clock_mono_ns();
        if (step(db, bg)) { rc = 1; break; }
        for (size_t j = 0; j < k && rc == 0; j++) {
            size_t i = done + j;
            const sim_item_t *t = bench_pool_item(pool, i);
            char id[40], mask[40], hash[40];
            snprintf(id, sizeof id, "SQ%09zu", i);
            privacy_mask(t->caller, mask, sizeof mask);
            privacy_hash_hex(key, t->caller, hash, sizeof hash);
            int64_t at = bench_received_at(i, o->n);
            sqlite3_bind_text(ti, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ti, 2, at);
            sqlite3_bind_text(ti, 3, t->type, -1, SQLITE_STATIC);
            sqlite3_bind_int(ti, 4, t->urgent);
            bind_text(ti, 5, t->street);
            bind_text(ti, 6, t->channel);
            bind_text(ti, 7, mask);
            bind_text(ti, 8, hash);
            if (inline_text) sqlite3_bind_text(ti, 9, bench_pool_text(pool, i), -1, SQLITE_STATIC);
            sqlite3_bind_text(ti, 10, "RECEIVED", -1, SQLITE_STATIC);
            if (step(db, ti)) { rc = 1; break; }
            if (xi) {
                sqlite3_bind_text(xi, 1, id, -1, SQLITE_STATIC);
                sqlite3_bind_text(xi, 2, bench_pool_text(pool, i), -1, SQLITE_STATIC);
                if (step(db, xi)) { rc = 1; break; }
            }
            sqlite3_bind_text(ei, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ei, 2, at);
            sqlite3_bind_text(ei, 3, "received", -1, SQLITE_STATIC);
            sqlite3_bind_text(ei, 4, "RECEIVED", -1, SQLITE_STATIC);
            sqlite3_bind_int(ei, 5, 0);
            sqlite3_bind_null(ei, 6);
            sqlite3_bind_null(ei, 7);
            sqlite3_bind_int64(ei, 8, (sqlite3_int64)i + 1);
            if (step(db, ei)) rc = 1;
        }
        if (rc || step(db, cm)) { rc = 1; break; }
        if (lat) lat[commits] = clock_mono_ns() - tb;
        commits++;
        done += k;
        /* As the broker: a passive checkpoint once the WAL holds 16 MiB. */
        if (wal_pages >= 4096) {
            int log = 0, ck = 0;
            if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &ck) == SQLITE_OK && log == ck) wal_pages = 0;
            checkpoints++;
        }
        if (clock_mono_ns() > deadline) rc = 1;
        if (stop && clock_mono_ns() > stop) break;
    }
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    printf("{\"mode\":\"sqlite_insert\",\"ok\":%s,\"n\":%zu,\"txn\":%zu,\"sync\":\"%s\",\"secs\":%.4f,"
           "\"tickets_per_s\":%.1f,\"rows_per_s\":%.1f,\"commits_per_s\":%.1f,\"checkpoints\":%zu,\"cpu_s\":%.3f",
           rc ? "false" : "true", done, o->txn, o->sync_full ? "full" : "normal", secs, (double)done / secs,
           2.0 * (double)done / secs, (double)commits / secs, checkpoints, cpu_s() - c0);
    if (lat && commits) {
        qsort(lat, commits, sizeof *lat, cmp_i64);
        printf(",\"txn_p50_ms\":%.3f,\"txn_p99_ms\":%.3f,\"txn_p999_ms\":%.3f,\"txn_max_ms\":%.3f",
               pct_ms(lat, commits, 0.50), pct_ms(lat, commits, 0.99), pct_ms(lat, commits, 0.999),
               (double)lat[commits - 1] / 1e6);
    }
    printf("}\n");
    free(lat);
    sqlite3_finalize(ti);
    sqlite3_finalize(xi);
    sqlite3_finalize(ei);
    sqlite3_finalize(bg);
    sqlite3_finalize(cm);
    sqlite3_close(db);
    return rc;
}

/* --- gen: a large, finished-looking store --- */

static const int RATING_W[5] = {2, 2, 6, 20, 70}; /* ratings 1..5, percent */

static int draw_rating(rng_t *r)
{
    int x = (int)rng_below(r, 100), acc = 0;
    for (int i = 0; i < 5; i++)
        if (x < (acc += RATING_W[i])) return i + 1;
    return 5;
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v, bool present)
{
    if (present) sqlite3_bind_int64(st, i, v);
    else sqlite3_bind_null(st, i);
}

static int cmd_gen(const opts_t *o, const bench_pool_t *pool)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", o->db);
    unlink(tmp);
    sqlite3 *db = NULL;
    if (sqlite3_open(tmp, &db) != SQLITE_OK) { fprintf(stderr, "sqlite-bench: cannot create %s\n", tmp); return 1; }
    if (exec(db, "PRAGMA journal_mode=OFF") || exec(db, "PRAGMA synchronous=OFF") || exec(db, "PRAGMA cache_size=-262144") ||
        exec(db, "PRAGMA temp_store=MEMORY") || apply_schema(db, o->schema))
        return 1;
    bool inline_text = text_in_ticket(db);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO ticket(id,received_at,type,urgent,street,channel,caller_mask,caller_hash,%sstate,category,unit,"
             "alt_unit,kb_id,round,delivery,sign_due,close_due,extended,overdue_at,direct,closed_at,on_time,rating,rated_at,"
             "rating_default,rectify_due,rectified_at,revisit_rating,revisited_at,done_at) "
             "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,%s?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,"
             "?29,?30,?31)", inline_text ? "text," : "", inline_text ? "?9," : "");
    sqlite3_stmt *ti = prepare(db, sql);
    sqlite3_stmt *xi = inline_text ? NULL : prepare(db, "INSERT INTO ticket_text(id,text) VALUES(?,?)");
    if (!inline_text && !xi) return 1;
    sqlite3_stmt *ki = prepare(db, "INSERT INTO kb_rev(id,valid_from,category,unit,keywords,answer,source,recorded_at,uid) "
                                   "VALUES(?,?,?,?,?,?,'update',?,?)");
    if (!ti || !ki) return 1;
    uint8_t key[16] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
    int64_t t0 = clock_mono_ns(), deadline = t0 + (int64_t)o->timeout_s * 1000000000LL;
    int rc = exec(db, "BEGIN") ? 1 : 0;
    rng_t r;
    rng_seed(&r, 20221231);
    const int64_t H = 3600, D = 86400;
    for (size_t i = 0; i < o->n && rc == 0; i++) {
        const sim_item_t *t = bench_pool_item(pool, i);
        char id[40], mask[40], hash[40], unit[64] = "";
        snprintf(id, sizeof id, "G%09zu", i);
        privacy_mask(t->caller, mask, sizeof mask);
        privacy_hash_hex(key, t->caller, hash, sizeof hash);
        int64_t rcv = bench_received_at(i, o->n);
        bool praise = strcmp(t->type, "praise") == 0;
        bool direct = !praise && strcmp(t->type, "consult") == 0 && rng_below(&r, 100) < 45;
        if (!praise && !direct && units_resolve(t->category, t->street, unit, sizeof unit) != 0) snprintf(unit, sizeof unit, "unit.chengguan");
        /* Tickets of the last days of the year are partly still open. */
        bool open = !praise && !direct && rcv > BENCH_Y2023 - 4 * D && rng_below(&r, 100) < 60;
        const char *state = praise ? "PRAISE" : direct ? "ANSWERED" : open ? "SIGNED" : "DONE";
        int64_t sign_due = 0, close_due = 0, closed = 0, rated = 0, overdue = 0, done = 0, rect_due = 0, rectified = 0,
                revisited = 0;
        int rating = 0, revisit_rating = 0, round = rng_below(&r, 100) < 3, on_time = -1, dflt = 0;
        if (praise) {
            done = rcv + 60;
        } else if (direct) {
            closed = rcv + 120 + (int64_t)rng_below(&r, 600);
            on_time = 1;
            done = closed;
        } else {
            sign_due = rcv + (t->urgent ? 2 * H : D);
            close_due = rcv + (t->urgent ? D : 5 * D);
            if (!open) {
                closed = rcv + H + (int64_t)rng_below(&r, (uint64_t)(t->urgent ? D : 6 * D));
                on_time = closed <= close_due;
                if (!on_time) overdue = close_due;
                rated = closed + H + (int64_t)rng_below(&r, (uint64_t)(2 * D));
                rating = draw_rating(&r);
                dflt = rng_below(&r, 100) < 10;
                done = rated;
                if (rating <= 2) {
                    rect_due = rated + 5 * D;
                    rectified = rated + D + (int64_t)rng_below(&r, (uint64_t)(3 * D));
                    revisited = rectified + D;
                    revisit_rating = 4;
                    done = revisited;
                }
            }
        }
        sqlite3_bind_text(ti, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ti, 2, rcv);
        sqlite3_bind_text(ti, 3, t->type, -1, SQLITE_STATIC);
        sqlite3_bind_int(ti, 4, t->urgent);
        bind_text(ti, 5, t->street);
        bind_text(ti, 6, t->channel);
        bind_text(ti, 7, mask);
        bind_text(ti, 8, hash);
        if (inline_text) sqlite3_bind_text(ti, 9, bench_pool_text(pool, i), -1, SQLITE_STATIC);
        sqlite3_bind_text(ti, 10, state, -1, SQLITE_STATIC);
        bind_text(ti, 11, t->category);
        bind_text(ti, 12, unit);
        sqlite3_bind_null(ti, 13);
        bind_text(ti, 14, direct ? "KB0001" : NULL);
        sqlite3_bind_int(ti, 15, round);
        sqlite3_bind_int(ti, 16, 1);
        bind_opt(ti, 17, sign_due, sign_due > 0);
        bind_opt(ti, 18, close_due, close_due > 0);
        sqlite3_bind_int(ti, 19, 0);
        bind_opt(ti, 20, overdue, overdue > 0);
        sqlite3_bind_int(ti, 21, direct);
        bind_opt(ti, 22, closed, closed > 0);
        bind_opt(ti, 23, on_time, on_time >= 0);
        bind_opt(ti, 24, rating, rating > 0);
        bind_opt(ti, 25, rated, rated > 0);
        bind_opt(ti, 26, dflt, rating > 0);
        bind_opt(ti, 27, rect_due, rect_due > 0);
        bind_opt(ti, 28, rectified, rectified > 0);
        bind_opt(ti, 29, revisit_rating, revisit_rating > 0);
        bind_opt(ti, 30, revisited, revisited > 0);
        bind_opt(ti, 31, done, done > 0);
        if (step(db, ti)) rc = 1;
        if (xi) {
            sqlite3_bind_text(xi, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_text(xi, 2, bench_pool_text(pool, i), -1, SQLITE_STATIC);
            if (step(db, xi)) rc = 1;
        }
        if ((i + 1) % 200000 == 0) {
            if (exec(db, "COMMIT") || exec(db, "BEGIN")) rc = 1;
            if (clock_mono_ns() > deadline) { fprintf(stderr, "sqlite-bench: gen timed out\n"); rc = 1; }
        }
    }
    /* The year's knowledge-base updates (the report's kb_updates). */
    for (int k = 0; k < 204 && rc == 0; k++) {
        char kid[16], uid[32];
        snprintf(kid, sizeof kid, "KB%04d", 1 + k % 150);
        snprintf(uid, sizeof uid, "gen/kbu-%04d", k);
        int64_t at = BENCH_Y2022 + (int64_t)k * (BENCH_Y2023 - BENCH_Y2022) / 204;
        sqlite3_bind_text(ki, 1, kid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ki, 2, at);
        sqlite3_bind_text(ki, 3, "consult", -1, SQLITE_STATIC);
        sqlite3_bind_text(ki, 4, "unit.chengguan", -1, SQLITE_STATIC);
        sqlite3_bind_text(ki, 5, "办理|咨询", -1, SQLITE_STATIC);
        sqlite3_bind_text(ki, 6, "根据最新政策，相关业务可在区政务服务中心办理。", -1, SQLITE_STATIC);
        sqlite3_bind_int64(ki, 7, at);
        sqlite3_bind_text(ki, 8, uid, -1, SQLITE_TRANSIENT);
        if (step(db, ki)) rc = 1;
    }
    if (rc == 0 && (exec(db, "COMMIT") || exec(db, "PRAGMA journal_mode=WAL"))) rc = 1;
    sqlite3_finalize(ti);
    sqlite3_finalize(xi);
    sqlite3_finalize(ki);
    if (sqlite3_close(db) != SQLITE_OK) rc = 1;
    if (rc == 0 && rename(tmp, o->db) != 0) { fprintf(stderr, "sqlite-bench: rename: %s\n", strerror(errno)); rc = 1; }
    if (rc) unlink(tmp);
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    printf("{\"mode\":\"gen\",\"ok\":%s,\"n\":%zu,\"secs\":%.2f,\"rows_per_s\":%.0f}\n", rc ? "false" : "true", o->n, secs,
           (double)o->n / secs);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("sqlite-bench %s\n", HOTLINE_VERSION);
        return 0;
    }
    static const struct option LONG[] = {{"db", 1, 0, 'd'},      {"schema", 1, 0, 's'},  {"n", 1, 0, 'n'},
                                         {"txn", 1, 0, 'b'},     {"sync", 1, 0, 'S'},    {"scenario", 1, 0, 'c'},
                                         {"timeout", 1, 0, 't'}, {"help", 0, 0, 'h'},    {"duration", 1, 0, 'D'},
                                         {"latency", 0, 0, 'L'}, {0, 0, 0, 0}};
    opts_t o = {.scenario = "longhu-2022", .n = 10000, .txn = 100, .sync_full = true, .timeout_s = 600};
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 64 : 0;
    }
    o.cmd = argv[1];
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "d:s:n:b:h", LONG, NULL)) != -1) {
        char *end = NULL;
        errno = 0;
        switch (c) {
        case 'd': o.db = optarg; break;
        case 's': o.schema = optarg; break;
        case 'n': o.n = strtoull(optarg, &end, 10); break;
        case 'b': o.txn = strtoull(optarg, &end, 10); break;
        case 'S': o.sync_full = strcmp(optarg, "normal") != 0; break;
        case 'c': o.scenario = optarg; break;
        case 't': o.timeout_s = (int)strtol(optarg, &end, 10); break;
        case 'D': o.duration = strtod(optarg, &end); break;
        case 'L': o.latency = true; break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: fputs("Try 'sqlite-bench --help'.\n", stderr); return 64;
        }
        if (errno || (end && *end)) { fprintf(stderr, "sqlite-bench: bad value '%s'\n", optarg); return 64; }
    }
    if (!o.db || !o.schema || o.n < 1 || o.txn < 1 || o.timeout_s < 1) {
        fprintf(stderr, "sqlite-bench: --db, --schema and positive --n/--txn are required (try --help)\n");
        return 64;
    }
    bool insert = strcmp(o.cmd, "insert") == 0;
    if (!insert && strcmp(o.cmd, "gen") != 0) { fprintf(stderr, "sqlite-bench: unknown command '%s'\n", o.cmd); return 64; }
    if (insert && access(o.db, F_OK) == 0) { fprintf(stderr, "sqlite-bench: %s exists; insert wants a fresh file\n", o.db); return 64; }
    char err[512];
    bench_pool_t pool;
    if (bench_pool_load(&pool, o.scenario, err, sizeof err) != 0) { fprintf(stderr, "sqlite-bench: %s\n", err); return 65; }
    int rc = insert ? cmd_insert(&o, &pool) : cmd_gen(&o, &pool);
    bench_pool_free(&pool);
    return rc;
}
