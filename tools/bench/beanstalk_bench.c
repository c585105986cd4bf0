/* beanstalk-bench: the beanstalkd baseline of scripts/bench, a tiny client of
 * beanstalkd's text protocol (put, reserve-with-timeout, delete, use, watch,
 * ignore) over TCP.
 *   put       N puts on one connection, W in flight -> jobs_per_s
 *   pipeline  a ticket is a job that passes S stages: a producer puts N jobs
 *             into tube s1 keeping at most W tickets in the system; T threads
 *             per stage reserve from s<k>, delete, and put into s<k+1> (the
 *             last stage only deletes) -> tickets_per_s end to end.
 *   latency   puts at R per second (open loop, at most W unanswered) ->
 *             put -> INSERTED p50/p99 (bench_queue's schedule, the same as
 *             the other baselines').
 * A stage thread sends "delete, put, reserve" in one write, so each stage of
 * a job costs one round trip. Every loop is bounded by --timeout. */
#include "bench_queue.h"
#include "clock.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char USAGE[] =
    "Usage: beanstalk-bench put      --port P --n N [--window W] [--size B]\n"
    "       beanstalk-bench pipeline --port P --n N [--stages S] [--threads T] [--window W] [--size B]\n"
    "       beanstalk-bench latency  --port P --rate R --n N [--window W] [--size B]\n"
    "\n"
    "beanstalkd baseline for scripts/bench; prints one JSON object on stdout.\n"
    "  put       N puts on one connection, W in flight -> jobs_per_s\n"
    "  pipeline  every ticket passes S stages (put, reserve, delete each); at most\n"
    "            W tickets in the system -> tickets_per_s and jobs_per_s\n"
    "  latency   puts at R per second, at most W unanswered -> put->INSERTED\n"
    "            p50/p99 in ms\n"
    "\n"
    "Options:\n"
    "      --host ADDR    beanstalkd address (default 127.0.0.1)\n"
    "  -p, --port P       beanstalkd port (default 11300)\n"
    "  -n, --n N          jobs (put) or tickets (pipeline) (default 10000)\n"
    "  -w, --window W     in flight (default 100)\n"
    "  -s, --stages S     stages per ticket (default 5)\n"
    "  -T, --threads T    worker connections per stage (default 1)\n"
    "  -b, --size B       job body bytes (default 300, a ticket's size)\n"
    "      --tube-prefix  tube name prefix (default bench<pid>)\n"
    "  -r, --rate R       latency: offered puts per second\n"
    "      --duration S   stop putting new jobs/tickets after S seconds (N is then a cap)\n"
    "      --timeout S    give up after S seconds (default 300)\n"
    "  -h, --help         this text\n";

typedef struct {
    const char *host;
    int port, stages, threads, timeout_s;
    size_t n, window, size;
    double duration, rate;
    char tube[32];
} opts_t;

static opts_t O;
static char *g_body;        /* the job body: a ticket-like text */
static int64_t g_deadline_ns, g_stop_ns; /* g_stop_ns: no new jobs after (0: none) */

/* --- a buffered connection --- */

typedef struct {
    int fd;
    char in[1 << 16];
    size_t off, len;
    char *out;
    size_t olen, ocap;
} conn_t;

static int conn_open(conn_t *c)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)O.port)};
    if (inet_pton(AF_INET, O.host, &a.sin_addr) != 1) return -1;
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {2, 0}; /* a read never blocks forever: the caller checks the deadline */
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return 0;
}

static void conn_close(conn_t *c)
{
    if (c->fd >= 0) close(c->fd);
    free(c->out);
    c->fd = -1;
    c->out = NULL;
}

static void out_add(conn_t *c, const char *p, size_t n)
{
    if (c->olen + n > c->ocap) {
        c->ocap = (c->olen + n) * 2;
        c->out = realloc(c->out, c->ocap);
        if (!c->out) abort();
    }
    memcpy(c->out + c->olen, p, n);
    c->olen += n;
}

static void out_fmt(conn_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(conn_t *c, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    out_add(c, buf, (size_t)n);
}

static void out_put(conn_t *c, const char *body, size_t n)
{
    out_fmt(c, "put 1024 0 120 %zu\r\n", n);
    out_add(c, body, n);
    out_add(c, "\r\n", 2);
}

static int flush_out(conn_t *c)
{
    size_t off = 0;
    while (off < c->olen) {
        ssize_t w = send(c->fd, c->out + off, c->olen - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        off += (size_t)w;
    }
    c->olen = 0;
    return 0;
}

static int fill(conn_t *c)
{
    if (c->off > 0) {
        memmove(c->in, c->in + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    if (c->len == sizeof c->in) return -1;
    for (;;) {
        ssize_t r = recv(c->fd, c->in + c->len, sizeof c->in - c->len, 0);
        if (r > 0) { c->len += (size_t)r; return 0; }
        if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) && clock_mono_ns() < g_deadline_ns) continue;
        return -1;
    }
}

/* One reply line (without CRLF) into line; -1 on a closed connection or timeout. */
static int read_line(conn_t *c, char *line, size_t cap)
{
    for (;;) {
        char *p = memchr(c->in + c->off, '\n', c->len - c->off);
        if (p) {
            size_t n = (size_t)(p - (c->in + c->off));
            if (n && c->in[c->off + n - 1] == '\r') n--;
            if (n >= cap) n = cap - 1;
            memcpy(line, c->in + c->off, n);
            line[n] = 0;
            c->off = (size_t)(p - c->in) + 1;
            return 0;
        }
        if (fill(c) != 0) return -1;
    }
}

/* True if a complete line is already buffered (no read needed). */
static bool line_ready(const conn_t *c) { return memchr(c->in + c->off, '\n', c->len - c->off) != NULL; }

/* n bytes of job data plus CRLF into dst (dst may be NULL). */
static int read_data(conn_t *c, char *dst, size_t n)
{
    while (c->len - c->off < n + 2)
        if (fill(c) != 0) return -1;
    if (dst) memcpy(dst, c->in + c->off, n);
    c->off += n + 2;
    return 0;
}

static int expect(conn_t *c, const char *prefix)
{
    char line[256];
    if (read_line(c, line, sizeof line) != 0) return -1;
    if (strncmp(line, prefix, strlen(prefix)) != 0) {
        fprintf(stderr, "beanstalk-bench: expected %s, got '%s'\n", prefix, line);
        return -1;
    }
    return 0;
}

static int command(conn_t *c, const char *cmd, const char *want)
{
    out_add(c, cmd, strlen(cmd));
    return flush_out(c) == 0 ? expect(c, want) : -1;
}

/* --- put --- */

static int cmd_put(void)
{
    conn_t c;
    if (conn_open(&c) != 0) { fprintf(stderr, "beanstalk-bench: cannot connect to %s:%d\n", O.host, O.port); return 1; }
    char use[64];
    snprintf(use, sizeof use, "use %sp\r\n", O.tube);
    if (command(&c, use, "USING") != 0) return 1;
    double c0 = bq_cpu_s(false);
    int64_t t0 = clock_mono_ns();
    size_t sent = 0, done = 0;
    int rc = 0;
    size_t cap = O.n;
    while (done < cap) {
        if (g_stop_ns && clock_mono_ns() > g_stop_ns && cap > sent) cap = sent;
        while (sent < cap && sent - done < O.window) out_put(&c, g_body, O.size), sent++;
        if (done >= cap) break;
        if (flush_out(&c) != 0) { rc = 1; break; }
        /* Take every reply that is here (at least one), then top the window up. */
        do {
            if (expect(&c, "INSERTED") != 0) { rc = 1; break; }
            done++;
        } while (done < sent && line_ready(&c));
        if (rc || clock_mono_ns() > g_deadline_ns) { rc = 1; break; }
    }
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    printf("{\"mode\":\"put\",\"ok\":%s,\"n\":%zu,\"window\":%zu,\"size\":%zu,\"secs\":%.4f,\"jobs_per_s\":%.1f,"
           "\"client_cpu_s\":%.3f}\n",
           rc ? "false" : "true", done, O.window, O.size, secs, (double)done / secs, bq_cpu_s(false) - c0);
    conn_close(&c);
    return rc;
}

/* --- pipeline --- */

typedef struct {
    int stage; /* 1..S */
    conn_t c;
    int rc;
} worker_t;

static atomic_size_t g_done;         /* tickets through the last stage */
static atomic_bool g_stop;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;

static void *stage_main(void *arg)
{
    worker_t *w = arg;
    conn_t *c = &w->c;
    char line[256], cmd[96], *body = malloc(O.size + 1);
    bool last = w->stage == O.stages;
    snprintf(cmd, sizeof cmd, "watch %ss%d\r\n", O.tube, w->stage);
    if (command(c, cmd, "WATCHING") || command(c, "ignore default\r\n", "WATCHING")) goto fail;
    if (!last) {
        snprintf(cmd, sizeof cmd, "use %ss%d\r\n", O.tube, w->stage + 1);
        if (command(c, cmd, "USING")) goto fail;
    }
    out_fmt(c, "reserve-with-timeout 1\r\n");
    if (flush_out(c)) goto fail;
    while (!atomic_load(&g_stop)) {
        if (read_line(c, line, sizeof line) != 0) break;
        if (strncmp(line, "TIMED_OUT", 9) == 0) {
            if (clock_mono_ns() > g_deadline_ns) break;
            out_fmt(c, "reserve-with-timeout 1\r\n");
            if (flush_out(c)) break;
            continue;
        }
        unsigned long long id;
        size_t n;
        if (sscanf(line, "RESERVED %llu %zu", &id, &n) != 2 || n > O.size) { fprintf(stderr, "beanstalk-bench: '%s'\n", line); goto fail; }
        if (read_data(c, body, n) != 0) break;
        /* One round trip: delete this job, pass it on, ask for the next. */
        out_fmt(c, "delete %llu\r\n", id);
        if (!last) out_put(c, body, n);
        out_fmt(c, "reserve-with-timeout 1\r\n");
        if (flush_out(c) || expect(c, "DELETED") || (!last && expect(c, "INSERTED"))) goto fail;
        if (last) {
            atomic_fetch_add(&g_done, 1);
            pthread_mutex_lock(&g_mu);
            pthread_cond_signal(&g_cv);
            pthread_mutex_unlock(&g_mu);
        }
    }
    free(body);
    return NULL;
fail:
    if (!atomic_load(&g_stop)) w->rc = 1;
    free(body);
    pthread_mutex_lock(&g_mu);
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return NULL;
}

static int cmd_pipeline(void)
{
    size_t nw = (size_t)O.stages * (size_t)O.threads;
    worker_t *ws = calloc(nw, sizeof *ws);
    pthread_t *th = calloc(nw, sizeof *th);
    conn_t prod;
    if (conn_open(&prod) != 0) { fprintf(stderr, "beanstalk-bench: cannot connect to %s:%d\n", O.host, O.port); return 1; }
    char use[64];
    snprintf(use, sizeof use, "use %ss1\r\n", O.tube);
    if (command(&prod, use, "USING") != 0) return 1;
    for (size_t i = 0; i < nw; i++) {
        ws[i].stage = (int)(i % (size_t)O.stages) + 1;
        if (conn_open(&ws[i].c) != 0) { fprintf(stderr, "beanstalk-bench: cannot connect\n"); return 1; }
    }
    double c0 = bq_cpu_s(false);
    int64_t t0 = clock_mono_ns();
    for (size_t i = 0; i < nw; i++) pthread_create(&th[i], NULL, stage_main, &ws[i]);
    size_t sent = 0, cap = O.n;
    int rc = 0;
    while (atomic_load(&g_done) < cap) {
        if (g_stop_ns && clock_mono_ns() > g_stop_ns && cap > sent) cap = sent;
        size_t done = atomic_load(&g_done), k = 0;
        while (sent + k < cap && sent + k - done < O.window) out_put(&prod, g_body, O.size), k++;
        if (k) {
            if (flush_out(&prod) != 0) { rc = 1; break; }
            for (size_t i = 0; i < k && rc == 0; i++) rc = expect(&prod, "INSERTED") ? 1 : 0;
            sent += k;
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 2000000;
            if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
            pthread_mutex_lock(&g_mu);
            if (atomic_load(&g_done) == done) pthread_cond_timedwait(&g_cv, &g_mu, &ts);
            pthread_mutex_unlock(&g_mu);
        }
        for (size_t i = 0; i < nw; i++) rc |= ws[i].rc;
        if (rc || clock_mono_ns() > g_deadline_ns) { rc = 1; break; }
    }
    double secs = (double)(clock_mono_ns() - t0) / 1e9, cpu = bq_cpu_s(false) - c0;
    atomic_store(&g_stop, true);
    for (size_t i = 0; i < nw; i++) shutdown(ws[i].c.fd, SHUT_RDWR); /* wakes blocked reads */
    for (size_t i = 0; i < nw; i++) pthread_join(th[i], NULL);
    size_t done = atomic_load(&g_done);
    printf("{\"mode\":\"pipeline\",\"ok\":%s,\"n\":%zu,\"stages\":%d,\"threads_per_stage\":%d,\"window\":%zu,"
           "\"size\":%zu,\"secs\":%.4f,\"tickets_per_s\":%.1f,\"jobs_per_s\":%.1f,\"client_cpu_s\":%.3f}\n",
           rc ? "false" : "true", done, O.stages, O.threads, O.window, O.size, secs, (double)done / secs,
           (double)done * O.stages / secs, cpu);
    for (size_t i = 0; i < nw; i++) conn_close(&ws[i].c);
    conn_close(&prod);
    free(ws);
    free(th);
    return rc;
}

/* --- latency --- */

/* Waits up to wait_ms for a reply line: 1 when one is buffered, 0 when none
 * came, -1 on a closed connection. */
static int line_wait(conn_t *c, int wait_ms)
{
    if (line_ready(c)) return 1;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    int k = poll(&p, 1, wait_ms);
    if (k <= 0) return k < 0 && errno != EINTR ? -1 : 0;
    if (fill(c) != 0) return -1;
    return line_ready(c) ? 1 : 0;
}

static int cmd_latency(void)
{
    conn_t c;
    if (conn_open(&c) != 0) { fprintf(stderr, "beanstalk-bench: cannot connect to %s:%d\n", O.host, O.port); return 1; }
    char use[64];
    snprintf(use, sizeof use, "use %sl\r\n", O.tube);
    if (command(&c, use, "USING") != 0) return 1;
    bq_lat_t l;
    bq_lat_init(&l, O.n, O.rate);
    int rc = 0, k;
    while (rc == 0 && l.got < l.n) {
        while (rc == 0 && bq_lat_due(&l, O.window)) { /* each put leaves at its time */
            out_put(&c, g_body, O.size);
            rc = flush_out(&c) ? 1 : 0;
            bq_lat_sent(&l);
        }
        int wait = bq_lat_wait_ms(&l, O.window);
        while (rc == 0 && (k = line_wait(&c, wait)) != 0) { /* replies come in order */
            if (k < 0 || expect(&c, "INSERTED") != 0) rc = 1;
            else bq_lat_acked(&l, l.got);
            wait = 0;
        }
        if (clock_mono_ns() > g_deadline_ns) rc = 1;
    }
    bq_lat_print(&l, rc == 0, "beanstalkd");
    bq_lat_free(&l);
    conn_close(&c);
    return rc;
}

/* A ticket-like body: Chinese text padded to exactly O.size bytes. */
static void make_body(void)
{
    static const char TEXT[] = "市民来电反映：龙湖区金霞街道某小区门口道路破损严重，下雨天积水，老人小孩出行不便，"
                               "已多次向物业反映未果，希望相关部门尽快派人查看并修复。来电人要求回复处理结果。";
    g_body = malloc(O.size + 1);
    for (size_t i = 0; i < O.size; i++) g_body[i] = TEXT[i % (sizeof TEXT - 1)];
    for (size_t i = 0; i < O.size; i++)
        if (g_body[i] == '\r' || g_body[i] == '\n') g_body[i] = ' ';
    g_body[O.size] = 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("beanstalk-bench %s\n", HOTLINE_VERSION);
        return 0;
    }
    static const struct option LONG[] = {
        {"host", 1, 0, 'H'},    {"port", 1, 0, 'p'}, {"n", 1, 0, 'n'},       {"window", 1, 0, 'w'},
        {"stages", 1, 0, 's'},  {"threads", 1, 0, 'T'}, {"size", 1, 0, 'b'}, {"tube-prefix", 1, 0, 'P'},
        {"timeout", 1, 0, 't'}, {"duration", 1, 0, 'D'}, {"rate", 1, 0, 'r'},   {"help", 0, 0, 'h'},
        {0, 0, 0, 0}};
    O = (opts_t){.host = "127.0.0.1", .port = 11300, .stages = 5, .threads = 1, .timeout_s = 300,
                 .n = 10000, .window = 100, .size = 300};
    snprintf(O.tube, sizeof O.tube, "bench%ld", (long)getpid());
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 64 : 0;
    }
    const char *cmd = argv[1];
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "p:n:w:s:T:b:r:h", LONG, NULL)) != -1) {
        char *end = NULL;
        errno = 0;
        switch (c) {
        case 'H': O.host = optarg; break;
        case 'p': O.port = (int)strtol(optarg, &end, 10); break;
        case 'n': O.n = strtoull(optarg, &end, 10); break;
        case 'w': O.window = strtoull(optarg, &end, 10); break;
        case 's': O.stages = (int)strtol(optarg, &end, 10); break;
        case 'T': O.threads = (int)strtol(optarg, &end, 10); break;
        case 'b': O.size = strtoull(optarg, &end, 10); break;
        case 'P': snprintf(O.tube, sizeof O.tube, "%s", optarg); break;
        case 't': O.timeout_s = (int)strtol(optarg, &end, 10); break;
        case 'D': O.duration = strtod(optarg, &end); break;
        case 'r': O.rate = strtod(optarg, &end); break;
        case 'h': fputs(USAGE, stdout); return 0;
        default: fputs("Try 'beanstalk-bench --help'.\n", stderr); return 64;
        }
        if (errno || (end && *end)) { fprintf(stderr, "beanstalk-bench: bad value '%s'\n", optarg); return 64; }
    }
    if (O.port < 1 || O.port > 65535 || O.n < 1 || O.window < 1 || O.stages < 1 || O.stages > 20 || O.threads < 1 ||
        O.threads > 64 || O.size < 1 || O.size > 60000 || O.timeout_s < 1) {
        fprintf(stderr, "beanstalk-bench: an option is out of range (try --help)\n");
        return 64;
    }
    if (strcmp(cmd, "latency") == 0 && O.rate <= 0) {
        fprintf(stderr, "beanstalk-bench: latency needs --rate R > 0\n");
        return 64;
    }
    make_body();
    g_deadline_ns = clock_mono_ns() + (int64_t)O.timeout_s * 1000000000LL;
    if (O.duration > 0) g_stop_ns = clock_mono_ns() + (int64_t)(O.duration * 1e9);
    int rc;
    if (strcmp(cmd, "put") == 0) rc = cmd_put();
    else if (strcmp(cmd, "pipeline") == 0) rc = cmd_pipeline();
    else if (strcmp(cmd, "latency") == 0) rc = cmd_latency();
    else { fprintf(stderr, "beanstalk-bench: unknown command '%s' (put|pipeline|latency)\n", cmd); rc = 64; }
    free(g_body);
    return rc;
}
