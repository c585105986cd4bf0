/* store_sync: acknowledged = on disk, without making the loop wait for the disk.
 *
 * With STORE_SYNC_FULL the connection runs with synchronous=NORMAL, so COMMIT
 * appends the transaction's frames to the WAL and returns without an fsync.
 * Each commit gets an epoch number; this thread then fdatasyncs the WAL file
 * (its own descriptor: fsync covers the file, whoever wrote it) and publishes
 * the newest epoch it made durable. The broker sends a reply only once the
 * epoch of the commit that covers it is durable, so an acknowledgment means
 * exactly what it meant with synchronous=FULL, while the loop goes on
 * decoding, applying and committing the next batch during the fsync. Several
 * commits that land during one fsync share the next one.
 *
 * Checkpoints (a second thread, below) fsync the WAL before copying it and
 * the database after, and the WAL is only restarted once the database holds
 * all of it, so acknowledged frames are never overwritten before that.
 *
 * A failed fdatasync is not retried: after one, the kernel may have dropped
 * the dirty pages, so nothing since the last good sync can be trusted. The
 * failure is reported (store_sync_poll() = -1) and the broker stops without
 * acknowledging; a restart recovers from what is on disk. */
#include "store_priv.h"
#include "clock.h"
#include "log.h"
#include "xmalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct store_syncer {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t want;            /* newest committed epoch (under mu) */
    bool stop;                /* under mu */
    _Atomic uint64_t done;    /* newest durable epoch */
    _Atomic bool failed;
    _Atomic int64_t last_us;  /* duration of the last fdatasync */
    _Atomic uint64_t syncs;
    int efd;                  /* eventfd: written after each sync */
    int wal_fd;
    char *wal_path;
};


/* The WAL's descriptor, reopened if the file was replaced (it never is while
 * the broker's connection is open, but a wrong file would be a silent loss). */
static int wal_fd(store_syncer_t *s)
{
    struct stat a, b;
    if (s->wal_fd >= 0 && fstat(s->wal_fd, &a) == 0 && stat(s->wal_path, &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev)
        return s->wal_fd;
    if (s->wal_fd >= 0) close(s->wal_fd);
    s->wal_fd = open(s->wal_path, O_RDONLY | O_CLOEXEC);
    return s->wal_fd;
}

static void *run(void *arg)
{
    store_syncer_t *s = arg;
    pthread_setname_np(pthread_self(), "hl-wal-sync"); /* for top -H and profiles */
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->stop && s->want <= atomic_load(&s->done)) pthread_cond_wait(&s->cv, &s->mu);
        if (s->stop && s->want <= atomic_load(&s->done)) break;
        uint64_t target = s->want;
        pthread_mutex_unlock(&s->mu);
        int64_t t0 = clock_mono_us();
        int fd = wal_fd(s);
        int rc = fd < 0 ? -1 : fdatasync(fd);
        int err = errno;
        atomic_store(&s->last_us, clock_mono_us() - t0);
        atomic_fetch_add(&s->syncs, 1);
        if (rc != 0) {
            log_error("fdatasync of the WAL failed: acknowledgments stop here", "path=%s err=\"%s\"", s->wal_path, strerror(err));
            atomic_store(&s->failed, true);
        } else {
            atomic_store(&s->done, target);
        }
        uint64_t one = 1;
        if (write(s->efd, &one, sizeof one) < 0) { /* the counter cannot overflow in practice */ }
        pthread_mutex_lock(&s->mu);
        if (rc != 0) break;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int store_sync_start(store_t *self)
{
    store_syncer_t *s = xcalloc(1, sizeof *s);
    size_t n = strlen(self->path) + 5;
    s->wal_path = xmalloc(n);
    snprintf(s->wal_path, n, "%s-wal", self->path);
    s->wal_fd = -1;
    s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (s->efd < 0 || pthread_create(&s->th, NULL, run, s) != 0) {
        log_error("cannot start the WAL sync thread", "err=\"%s\"", strerror(errno));
        if (s->efd >= 0) close(s->efd);
        free(s->wal_path);
        free(s);
        return -1;
    }
    self->syncer = s;
    return 0;
}

void store_sync_stop(store_t *self)
{
    store_syncer_t *s = self->syncer;
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    if (s->wal_fd >= 0) close(s->wal_fd);
    close(s->efd);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->wal_path);
    free(s);
    self->syncer = NULL;
}

/* Called by store_commit() after a successful COMMIT. */
void store_sync_request(store_t *self)
{
    store_syncer_t *s = self->syncer;
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->want = self->commits;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

uint64_t store_epoch(const store_t *self) { return self->commits; }

uint64_t store_durable(const store_t *self)
{
    return self->syncer ? atomic_load(&self->syncer->done) : self->commits;
}

int store_sync_fd(const store_t *self) { return self->syncer ? self->syncer->efd : -1; }

int store_sync_poll(store_t *self)
{
    store_syncer_t *s = self->syncer;
    if (!s) return 0;
    uint64_t v;
    while (read(s->efd, &v, sizeof v) > 0) {}
    return atomic_load(&s->failed) ? -1 : 0;
}

int store_sync_wait(store_t *self)
{
    store_syncer_t *s = self->syncer;
    if (!s) return 0;
    while (!atomic_load(&s->failed) && atomic_load(&s->done) < self->commits) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    return store_sync_poll(self);
}

int64_t store_last_sync_us(const store_t *self) { return self->syncer ? atomic_load(&self->syncer->last_us) : 0; }
uint64_t store_syncs(const store_t *self) { return self->syncer ? atomic_load(&self->syncer->syncs) : 0; }

/* --- the checkpointer: a second connection on its own thread ---
 * A checkpoint copies the WAL into the database and fsyncs both: tens of
 * milliseconds after a busy second, which the loop should not sit through.
 * This thread does the bulk on its own connection while the loop goes on
 * writing; then the loop finishes with a short checkpoint of its own
 * (store_checkpoint: only the frames written meanwhile), after which the
 * next write restarts the WAL from its beginning, so it stays small. */
enum { CK_IDLE, CK_RUNNING, CK_DONE };

struct store_ckpt {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool want, stop;          /* under mu */
    _Atomic int state;
    _Atomic int64_t last_us;
    _Atomic int backfilled;   /* WAL frames in the database after the last run */
    char *path;
};

static void *ckpt_run(void *arg)
{
    store_ckpt_t *c = arg;
    pthread_setname_np(pthread_self(), "hl-checkpoint");
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
        log_error("the checkpoint thread cannot open the store; the loop checkpoints by itself", "path=%s", c->path);
        sqlite3_close(db);
        db = NULL;
    }
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->stop && !c->want) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stop) break;
        c->want = false;
        pthread_mutex_unlock(&c->mu);
        int64_t t0 = clock_mono_us();
        int log = 0, done = 0;
        if (db && sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK)
            log_warn("background checkpoint failed; the loop's own will cover it", "sqlite=\"%s\"", sqlite3_errmsg(db));
        atomic_store(&c->last_us, clock_mono_us() - t0);
        atomic_store(&c->backfilled, done);
        atomic_store(&c->state, CK_DONE);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    sqlite3_close(db);
    return NULL;
}

int store_ckpt_start(store_t *self)
{
    store_ckpt_t *c = xcalloc(1, sizeof *c);
    c->path = xstrdup(self->path);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->th, NULL, ckpt_run, c) != 0) {
        log_error("cannot start the checkpoint thread", "err=\"%s\"", strerror(errno));
        free(c->path);
        free(c);
        return -1;
    }
    self->ckpt = c;
    return 0;
}

void store_ckpt_stop(store_t *self)
{
    store_ckpt_t *c = self->ckpt;
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->path);
    free(c);
    self->ckpt = NULL;
}

int store_checkpoint_async(store_t *self)
{
    store_ckpt_t *c = self->ckpt;
    if (!c) return -1;
    if (atomic_load(&c->state) != CK_IDLE) return 1;
    atomic_store(&c->state, CK_RUNNING);
    pthread_mutex_lock(&c->mu);
    c->want = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return 0;
}

bool store_checkpoint_async_idle(const store_t *self)
{
    return !self->ckpt || atomic_load(&self->ckpt->state) == CK_IDLE;
}

bool store_checkpoint_done(store_t *self, int *left)
{
    store_ckpt_t *c = self->ckpt;
    if (!c || atomic_load(&c->state) != CK_DONE) return false;
    atomic_store(&c->state, CK_IDLE);
    int b = atomic_load(&c->backfilled);
    *left = self->wal_pages > b ? self->wal_pages - b : 0;
    return true;
}

int64_t store_last_checkpoint_us(const store_t *self) { return self->ckpt ? atomic_load(&self->ckpt->last_us) : 0; }
