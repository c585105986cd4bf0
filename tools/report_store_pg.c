/* report_store_pg: --check and --backup for a store on PostgreSQL.
 *
 * PostgreSQL keeps its own pages consistent (checksums, WAL replay), so the
 * check here is of what hotline promises on top: every event belongs to a
 * ticket, every ticket has its text and its "received" event, and the small
 * roll-up (rollup_total) equals the sums of the large one. The backup is
 * pg_dump's custom format, one consistent snapshot while the broker writes;
 * pg_restore reads it back. */
#include "report_store_priv.h"
#include "xmalloc.h"
#include "log.h"
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const struct {
    const char *what, *sql;
} CHECKS[] = {
    {"events of unknown tickets", "SELECT count(*) FROM event e WHERE NOT EXISTS (SELECT 1 FROM ticket t WHERE t.id = e.ticket_id)"},
    {"tickets without their text", "SELECT count(*) FROM ticket t WHERE NOT EXISTS (SELECT 1 FROM ticket_text x WHERE x.id = t.id)"},
    {"tickets without their received event",
     "SELECT count(*) FROM ticket t WHERE NOT EXISTS (SELECT 1 FROM event e WHERE e.ticket_id = t.id AND e.kind = 'received')"},
    {"rollup_total rows that differ from the sums of rollup",
     "SELECT count(*) FROM (SELECT day, type, urgent, sum(received) AS received, sum(closed) AS closed, sum(rated) AS rated,"
     " sum(overdue) AS overdue FROM rollup GROUP BY 1, 2, 3) a FULL JOIN rollup_total b USING (day, type, urgent)"
     " WHERE a.received IS DISTINCT FROM b.received OR a.closed IS DISTINCT FROM b.closed"
     " OR a.rated IS DISTINCT FROM b.rated OR a.overdue IS DISTINCT FROM b.overdue"},
};

int rs_pg_check(report_store_t *self, FILE *problems, bool *ok)
{
    *ok = true;
    if (rs_exec(self, "BEGIN ISOLATION LEVEL REPEATABLE READ") < 0) return -1; /* one snapshot for every check */
    for (size_t i = 0; i < sizeof CHECKS / sizeof *CHECKS; i++) {
        db_stmt_t *s = rs_prepare(self, CHECKS[i].sql);
        int rc = rs_step_row(self, s, CHECKS[i].what);
        int64_t n = rc == DB_ROW ? db_int64(s, 0) : -1;
        rs_finalize(s);
        if (n < 0) {
            rs_exec(self, "ROLLBACK");
            *ok = false;
            return -1;
        }
        if (n > 0) {
            fprintf(problems, "%lld %s\n", (long long)n, CHECKS[i].what);
            *ok = false;
        }
    }
    rs_exec(self, "COMMIT");
    return 0;
}

int rs_pg_backup(report_store_t *self, const char *dest)
{
    /* The connection string holds no password (refused at open), so it may
     * be pg_dump's argument; a password reaches pg_dump through the same
     * PGPASSWORD or password file as ours. */
    const char *fixed[] = {"pg_dump", "--format=custom", "--no-owner", "--file", dest, "--dbname", self->target};
    size_t nf = sizeof fixed / sizeof *fixed, n = 0;
    char **argv = xcalloc(nf + self->n_centres + 2, sizeof *argv);
    for (size_t i = 0; i < nf; i++) argv[n++] = xstrdup(fixed[i]);
    if (self->some_centres) {
        /* Only the centres named: their schemas, and the trigram extension
         * their search index needs (pg_dump leaves extensions out otherwise). */
        for (size_t i = 0; i < self->n_centres; i++) {
            argv[n] = xmalloc(strlen(self->centres[i]) + 20);
            sprintf(argv[n++], "--schema=centre_%s", self->centres[i]);
        }
        argv[n++] = xstrdup("--extension=pg_trgm");
    }
    pid_t pid;
    int rc = posix_spawnp(&pid, "pg_dump", NULL, NULL, argv, environ), status = 0;
    for (size_t i = 0; i < n; i++) free(argv[i]);
    free(argv);
    if (rc != 0) {
        log_error("backup failed: cannot run pg_dump (install postgresql-client)", "error=\"%s\"", strerror(rc));
        self->status = REPORT_E_SOFTWARE;
        return -1;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        log_error("backup failed: pg_dump did not finish", "dest=\"%s\" status=%d", dest,
                  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        self->status = REPORT_E_SOFTWARE;
        unlink(dest);
        return -1;
    }
    return 0;
}
