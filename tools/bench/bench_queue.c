/* bench_queue: options, body, run clock, latency schedule and worker
 * processes shared by the baseline clients of scripts/bench (see the header). */
#include "bench_queue.h"
#include "clock.h"
#include "xmalloc.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* The process is killed this long after --timeout if a loop failed to see it. */
#define BQ_ALARM_GRACE_S 30

static int check(const bq_opts_t *o, const char *tool)
{
    if (o->port < 1 || o->port > 65535 || o->n < 1 || o->n > 100000000 || o->window < 1 || o->window > 100000 ||
        o->size < 1 || o->size > 60000 || o->count < 1 || o->count > 100000 || o->stages < 1 || o->stages > 20 ||
        o->workers < 1 || o->workers > 64 || o->timeout_s < 1 || o->duration < 0) {
        fprintf(stderr, "%s: an option is out of range (try --help)\n", tool);
        return 64;
    }
    if (strcmp(o->cmd, "latency") == 0 && o->rate <= 0) {
        fprintf(stderr, "%s: latency needs --rate R > 0\n", tool);
        return 64;
    }
    return 0;
}

int bq_parse(bq_opts_t *o, const char *tool, const char *usage, const char *const *cmds, int argc, char **argv)
{
    static const struct option LONG[] = {
        {"host", 1, 0, 'H'},   {"port", 1, 0, 'p'},     {"n", 1, 0, 'n'},       {"window", 1, 0, 'w'},
        {"size", 1, 0, 'b'},   {"count", 1, 0, 'C'},    {"stages", 1, 0, 's'},  {"workers", 1, 0, 'k'},
        {"rate", 1, 0, 'r'},   {"prefix", 1, 0, 'P'},   {"duration", 1, 0, 'D'}, {"timeout", 1, 0, 't'},
        {"help", 0, 0, 'h'},   {0, 0, 0, 0}};
    *o = (bq_opts_t){.host = "127.0.0.1", .n = 10000, .window = 100, .size = 200, .count = 300, .stages = 5,
                     .workers = 2, .timeout_s = 300};
    snprintf(o->prefix, sizeof o->prefix, "%s%ld", tool, (long)getpid());
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)) {
        printf("%s %s\n", tool, HOTLINE_VERSION);
        return 1;
    }
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 64 : 1;
    }
    o->cmd = argv[1];
    o->which = -1;
    for (int i = 0; cmds[i]; i++)
        if (strcmp(o->cmd, cmds[i]) == 0) o->which = i;
    if (o->which < 0) {
        fprintf(stderr, "%s: unknown command '%s' (try --help)\n", tool, o->cmd);
        return 64;
    }
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "p:n:w:b:C:s:k:r:h", LONG, NULL)) != -1) {
        char *end = NULL;
        errno = 0;
        switch (c) {
        case 'H': o->host = optarg; break;
        case 'p': o->port = (int)strtol(optarg, &end, 10); break;
        case 'n': o->n = strtoull(optarg, &end, 10); break;
        case 'w': o->window = strtoull(optarg, &end, 10); break;
        case 'b': o->size = strtoull(optarg, &end, 10); break;
        case 'C': o->count = strtoull(optarg, &end, 10); break;
        case 's': o->stages = (int)strtol(optarg, &end, 10); break;
        case 'k': o->workers = (int)strtol(optarg, &end, 10); break;
        case 'r': o->rate = strtod(optarg, &end); break;
        case 'P': snprintf(o->prefix, sizeof o->prefix, "%s", optarg); break;
        case 'D': o->duration = strtod(optarg, &end); break;
        case 't': o->timeout_s = (int)strtol(optarg, &end, 10); break;
        case 'h': fputs(usage, stdout); return 1;
        default: fprintf(stderr, "Try '%s --help'.\n", tool); return 64;
        }
        if (errno || (end && *end)) {
            fprintf(stderr, "%s: bad value '%s'\n", tool, optarg);
            return 64;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", tool, argv[optind]);
        return 64;
    }
    return check(o, tool);
}

char *bq_body(size_t size)
{
    static const char TEXT[] = "市民来电反映：龙湖区金霞街道某小区门口道路破损严重，下雨天积水，老人小孩出行不便，"
                               "已多次向物业反映未果，希望相关部门尽快派人查看并修复。来电人要求回复处理结果。";
    char *b = xmalloc(size + 1);
    for (size_t i = 0; i < size; i++) b[i] = TEXT[i % (sizeof TEXT - 1)];
    b[size] = 0;
    return b;
}

double bq_cpu_s(bool children)
{
    struct rusage ru;
    getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* --- the first error --- */

static char g_error[256];

void bq_note(const char *what, const char *detail)
{
    if (!g_error[0]) snprintf(g_error, sizeof g_error, "%.60s: %.190s", what, detail ? detail : "");
}

const char *bq_error(void) { return g_error; }
void bq_clear_error(void) { g_error[0] = 0; }

void bq_print_error(void)
{
    if (!g_error[0]) return;
    printf(",\"error\":\"");
    for (const char *p = g_error; *p; p++) {
        if (*p == '"' || *p == '\\') putchar('\\');
        putchar((unsigned char)*p < 0x20 ? ' ' : *p);
    }
    putchar('"');
}

int bq_print_failed(const char *mode, const char *system)
{
    printf("{\"mode\":\"%s\",\"system\":\"%s\",\"ok\":false", mode, system);
    bq_print_error();
    printf("}\n");
    return 1;
}

/* --- the run's clock --- */

static int64_t g_deadline_ns, g_stop_ns;
static double g_duration;

void bq_clock_start(const bq_opts_t *o)
{
    g_deadline_ns = clock_mono_ns() + (int64_t)o->timeout_s * 1000000000LL;
    g_duration = o->duration;
    bq_duration_start();
    alarm((unsigned)(o->timeout_s + BQ_ALARM_GRACE_S)); /* a last resort: a blocked call ends the run */
}

void bq_duration_start(void) { g_stop_ns = g_duration > 0 ? clock_mono_ns() + (int64_t)(g_duration * 1e9) : 0; }

bool bq_expired(void) { return clock_mono_ns() > g_deadline_ns; }
bool bq_stopping(void) { return g_stop_ns && clock_mono_ns() > g_stop_ns; }

/* --- latency --- */

void bq_lat_init(bq_lat_t *l, size_t n, double rate)
{
    *l = (bq_lat_t){.n = n, .period_ns = 1e9 / rate, .t0 = clock_mono_ns()};
    l->t_send = xcalloc(n, sizeof *l->t_send);
    l->lat = xcalloc(n, sizeof *l->lat);
}

void bq_lat_free(bq_lat_t *l)
{
    free(l->t_send);
    free(l->lat);
    l->t_send = l->lat = NULL;
}

static int64_t due_ns(const bq_lat_t *l, size_t i) { return l->t0 + (int64_t)((double)i * l->period_ns); }

bool bq_lat_due(const bq_lat_t *l, size_t window)
{
    return l->sent < l->n && l->sent - l->got < window && due_ns(l, l->sent) <= clock_mono_ns();
}

void bq_lat_sent(bq_lat_t *l)
{
    int64_t now = clock_mono_ns(), lag = now - due_ns(l, l->sent);
    if (lag > l->max_lag_ns) l->max_lag_ns = lag;
    l->t_send[l->sent++] = now;
}

void bq_lat_acked(bq_lat_t *l, size_t i)
{
    if (i >= l->sent || l->lat[i]) return;
    l->lat[i] = clock_mono_ns() - l->t_send[i];
    if (l->lat[i] == 0) l->lat[i] = 1;
    l->got++;
}

int bq_lat_wait_ms(const bq_lat_t *l, size_t window)
{
    if (l->sent >= l->n || l->sent - l->got >= window) return 100;
    int64_t next = due_ns(l, l->sent) - clock_mono_ns();
    return next <= 0 ? 0 : next > 100000000 ? 100 : (int)((next + 999999) / 1000000);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

void bq_sort_ns(int64_t *v, size_t n) { qsort(v, n, sizeof *v, cmp_i64); }

double bq_pct_ms(const int64_t *sorted, size_t n, double q)
{
    if (n == 0) return -1;
    size_t r = (size_t)((double)n * q + 0.999999); /* nearest rank */
    r = r < 1 ? 1 : r > n ? n : r;
    return (double)sorted[r - 1] / 1e6;
}

void bq_lat_print(bq_lat_t *l, bool ok, const char *system)
{
    double secs = (double)(clock_mono_ns() - l->t0) / 1e9, sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < l->sent; i++)
        if (l->lat[i]) l->lat[m++] = l->lat[i], sum += (double)l->lat[i];
    bq_sort_ns(l->lat, m);
    printf("{\"mode\":\"latency\",\"system\":\"%s\",\"ok\":%s,\"n\":%zu,\"rate\":%.1f,\"achieved_rate\":%.1f,"
           "\"secs\":%.3f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
           "\"mean_ms\":%.3f,\"max_send_lag_ms\":%.3f}\n",
           system, ok && m == l->n ? "true" : "false", m, 1e9 / l->period_ns, (double)l->sent / secs, secs,
           bq_pct_ms(l->lat, m, 0.50), bq_pct_ms(l->lat, m, 0.90), bq_pct_ms(l->lat, m, 0.99), bq_pct_ms(l->lat, m, 0.999),
           m ? (double)l->lat[m - 1] / 1e6 : -1, m ? sum / (double)m / 1e6 : -1, (double)l->max_lag_ns / 1e6);
}

/* --- worker processes --- */

bq_shared_t *bq_shared_new(void)
{
    void *p = mmap(NULL, sizeof(bq_shared_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) abort();
    memset(p, 0, sizeof(bq_shared_t));
    return p;
}

void bq_fail(bq_shared_t *sh, const char *fmt, ...)
{
    if (atomic_exchange(&sh->failed, 1) == 0) { /* the first failure tells */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(sh->first_error, sizeof sh->first_error, fmt, ap);
        va_end(ap);
    }
}

int bq_spawn(int k, int (*fn)(int i, void *arg), void *arg, pid_t *pids)
{
    pid_t parent = getpid();
    fflush(NULL); /* nothing buffered is written twice */
    for (int i = 0; i < k; i++) {
        pids[i] = fork();
        if (pids[i] < 0) return -1;
        if (pids[i] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(1);
            int rc = fn(i, arg);
            fflush(NULL);
            _exit(rc);
        }
    }
    return 0;
}

int bq_reap(bq_shared_t *sh, int k, pid_t *pids)
{
    atomic_store(&sh->stop, 1);
    int rc = 0, left = k;
    int64_t until = clock_mono_ns() + 5000000000LL;
    while (left > 0) {
        bool kill_now = clock_mono_ns() > until;
        for (int i = 0; i < k; i++) {
            if (pids[i] <= 0) continue;
            if (kill_now) kill(pids[i], SIGKILL);
            if (kill_now) rc = -1;
            pid_t r = waitpid(pids[i], NULL, kill_now ? 0 : WNOHANG);
            if (r == pids[i] || (r < 0 && errno != EINTR)) {
                pids[i] = 0;
                left--;
            }
        }
        if (left > 0 && !kill_now) usleep(10000);
    }
    return rc;
}

int bq_lifecycle(const bq_opts_t *o, const char *system, int (*worker)(int i, void *shared),
                 int (*feed)(bq_shared_t *sh, size_t *fed, void *arg), void *arg)
{
    bq_shared_t *sh = bq_shared_new();
    pid_t pids[64];
    double c0 = bq_cpu_s(false), cc0 = bq_cpu_s(true);
    bq_duration_start();
    int64_t t0 = clock_mono_ns();
    size_t fed = 0;
    int rc = bq_spawn(o->workers, worker, sh, pids) == 0 ? feed(sh, &fed, arg) : -1;
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    if (bq_reap(sh, o->workers, pids) != 0) bq_note("workers", "did not stop within 5 s and were killed");
    size_t done = atomic_load(&sh->done);
    if (sh->failed) bq_note("worker", sh->first_error);
    bool ok = rc == 0 && !sh->failed && done >= fed && fed > 0;
    printf("{\"mode\":\"lifecycle\",\"system\":\"%s\",\"ok\":%s,\"n\":%zu,\"stages\":%d,\"workers\":%d,"
           "\"window\":%zu,\"count\":%zu,\"size\":%zu,\"secs\":%.4f,\"tickets_per_s\":%.1f,\"msgs_per_s\":%.1f,"
           "\"client_cpu_s\":%.3f",
           system, ok ? "true" : "false", done, o->stages, o->workers, o->window, o->count, o->size, secs,
           (double)done / secs, (double)done * o->stages / secs, bq_cpu_s(false) - c0 + bq_cpu_s(true) - cc0);
    bq_print_error();
    printf("}\n");
    return ok ? 0 : 1;
}
