/* bench_queue: what the clients of the baseline queues in scripts/bench
 * (redis-bench, rabbit-bench; beanstalk-bench's latency run and
 * hotline-bench's percentiles) share, so that each of them measures the
 * same three workloads the same way:
 *   - the options and the ticket-sized message body,
 *   - the run's clock: a hard deadline (--timeout) and a stop for new work
 *     (--duration), which bound every loop,
 *   - the open-loop latency schedule and its percentiles,
 *   - lifecycle worker processes, forked with a counter they share.
 * Each client prints one JSON object per run on stdout. */
#ifndef HOTLINE_BENCH_QUEUE_H
#define HOTLINE_BENCH_QUEUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    const char *cmd;     /* the subcommand (argv[1]) */
    int which;           /* its index in the list bq_parse was given */
    const char *host;    /* server address, 127.0.0.1 */
    int port;
    size_t n;            /* messages (intake, latency) or tickets (lifecycle); a cap with --duration */
    size_t window;       /* in flight: messages (intake, latency) or tickets in the system (lifecycle) */
    size_t size;         /* body bytes */
    size_t count;        /* lifecycle: messages a worker takes per read (COUNT, prefetch) */
    int stages;          /* lifecycle: durable stages per ticket */
    int workers;         /* lifecycle: worker processes */
    int timeout_s;       /* hard bound of the whole run */
    double duration;     /* seconds of feeding new work (0: until n) */
    double rate;         /* latency: offered messages per second */
    char prefix[48];     /* key or queue name prefix, unique per run */
} bq_opts_t;

/* Parses "TOOL CMD [options]" into o (defaults first); CMD is one of cmds
 * (NULL-terminated). 0: run; 1: help or version was printed; 64: bad usage
 * (said on stderr). */
int bq_parse(bq_opts_t *o, const char *tool, const char *usage, const char *const *cmds, int argc, char **argv);

/* A ticket-like body: Chinese text, exactly size bytes, no CR/LF. Caller frees. */
char *bq_body(size_t size);

/* Seconds of CPU (user + system) of this process (children false) or of its
 * reaped children (true). */
double bq_cpu_s(bool children);

/* --- the first error of this process --- */
void bq_note(const char *what, const char *detail);  /* kept if it is the first */
const char *bq_error(void);                          /* "" when none */
void bq_clear_error(void);
void bq_print_error(void);  /* ,"error":"..." into the JSON object on stdout, if any */
/* Prints the JSON of a run that could not start (mode, system, the error); returns 1. */
int bq_print_failed(const char *mode, const char *system);

/* --- the run's clock --- */
void bq_clock_start(const bq_opts_t *o);  /* --timeout counts from now */
void bq_duration_start(void);             /* --duration counts from now (after the setup) */
bool bq_expired(void);   /* past --timeout: give up */
bool bq_stopping(void);  /* past --duration: send no new work */

/* Sorts n durations (ns) in place; the q-quantile (nearest rank) of sorted
 * ones in ms, -1 when n is 0. */
void bq_sort_ns(int64_t *v, size_t n);
double bq_pct_ms(const int64_t *sorted, size_t n, double q);

/* --- open-loop latency: message i is due at t0 + i / rate --- */
typedef struct {
    size_t n, sent, got;
    int64_t t0, max_lag_ns;
    double period_ns;
    int64_t *t_send, *lat; /* per message, ns (owned) */
} bq_lat_t;

void bq_lat_init(bq_lat_t *l, size_t n, double rate);
void bq_lat_free(bq_lat_t *l);
/* True when message l->sent is due and fewer than window are unanswered. */
bool bq_lat_due(const bq_lat_t *l, size_t window);
void bq_lat_sent(bq_lat_t *l);                 /* message l->sent went out now */
void bq_lat_acked(bq_lat_t *l, size_t i);      /* message i was acknowledged now */
/* How long to wait for replies: until the next message is due (0..100 ms),
 * or 100 ms while window are unanswered (a reply ends the wait anyway). */
int bq_lat_wait_ms(const bq_lat_t *l, size_t window);
/* Prints the run's JSON: percentiles of what was acknowledged. */
void bq_lat_print(bq_lat_t *l, bool ok, const char *system);

/* --- lifecycle: worker processes and what they share --- */
typedef struct {
    _Atomic size_t done;   /* tickets through the last stage */
    _Atomic int stop;      /* set by the feeder: workers return */
    _Atomic int failed;    /* a worker failed (first_error says why) */
    char first_error[200];
} bq_shared_t;

/* Shared memory that outlives fork(); never freed (the process ends soon). */
bq_shared_t *bq_shared_new(void);
void bq_fail(bq_shared_t *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forks k workers; worker i runs fn(i, arg) and exits with its result. A
 * worker dies with its parent. pids[k] is filled; 0 or -1. */
int bq_spawn(int k, int (*fn)(int i, void *arg), void *arg, pid_t *pids);
/* A lifecycle run: forks o->workers workers (worker(i, shared)), feeds in
 * this process (feed(shared, &fed, arg): 0 once every ticket fed came out
 * of the last stage), reaps the workers and prints the run's JSON for
 * system. 0 when every ticket fed came through, 1 otherwise. */
int bq_lifecycle(const bq_opts_t *o, const char *system, int (*worker)(int i, void *shared),
                 int (*feed)(bq_shared_t *sh, size_t *fed, void *arg), void *arg);
/* Sets stop, waits up to 5 s for the workers, then kills what is left.
 * 0 when every worker ended by itself; -1 if one had to be killed. (How a
 * worker fared is in the shared failed/first_error, not its exit status: one
 * stopped in the middle of a batch has done nothing wrong.) */
int bq_reap(bq_shared_t *sh, int k, pid_t *pids);

#endif
