/* report_store: the store as the report sees it, read-only: opening it (with
 * its schema version check), the period it spans, integrity check, online
 * backup, the working-day calendar the lateness figures count with, and the
 * --outcomes stream. The figures are in report_query.c and report_sla.c. */
#include "report_query.h"
#include "report_store_priv.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "scenario.h"
#include "xmalloc.h"

const calendar_t *rs_calendar(report_store_t *st)
{
    if (st->cal) return st->cal;
    char err[512], qd[512], qe[640];
    char *dir = xasprintf("%s/calendar", hotline_datadir());
    calendar_t *cal = calendar_new();
    if (calendar_load_dir(cal, dir, err, sizeof err) < 0) {
        log_error("cannot load the working-day calendar", "dir=%s error=%s", log_quote(qd, sizeof qd, dir),
                  log_quote(qe, sizeof qe, err));
        calendar_destroy(&cal);
        st->status = access(dir, R_OK) < 0 ? REPORT_E_NOINPUT : REPORT_E_DATA;
    }
    free(dir);
    st->cal = cal;
    return cal;
}

static int check_version(report_store_t *st)
{
    /* SQLite keeps the version in the file header, PostgreSQL in meta. */
    db_stmt_t *s = rs_prepare(st, st->db ? "PRAGMA user_version"
                                         : "SELECT coalesce((SELECT value::bigint FROM meta WHERE key = 'schema_version'), 0)");
    int rc = rs_step_row(st, s, "schema version");
    int v = rc == DB_ROW ? db_int(s, 0) : -1;
    rs_finalize(s);
    if (rc != DB_ROW) return -1;
    if (v < REPORT_SCHEMA_OLDEST || v > REPORT_SCHEMA_VERSION) {
        log_error("store has an unsupported schema version", "found=%d expected=%d..%d", v, REPORT_SCHEMA_OLDEST,
                  REPORT_SCHEMA_VERSION);
        st->status = REPORT_E_DATA;
        return -1;
    }
    return 0;
}

/* Schema 4 added the rules' roll-up columns (退单, 延期, 挂起, ...); an older
 * store is still read, without those figures. */
static int check_rules(report_store_t *st)
{
    db_stmt_t *s = rs_prepare(st, st->db ? "SELECT count(*) FROM pragma_table_info('rollup') WHERE name = 'first_returned'"
                                         : "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                                           "current_schema() AND table_name = 'rollup' AND column_name = 'first_returned'");
    int rc = rs_step_row(st, s, "rollup columns");
    if (rc == DB_ROW) st->rules = db_int(s, 0) > 0;
    rs_finalize(s);
    return rc == DB_ROW ? 0 : -1;
}

/* PostgreSQL: a session (read-only once the views are made); a server it
 * cannot reach is "no input". */
static int open_pg(report_store_t *st, const char *target)
{
    char err[600], q[700];
    st->conn = db_connect_pg(target, "hotline-report", err, sizeof err);
    if (!st->conn) {
        log_error("cannot open store", "error=%s", log_quote(q, sizeof q, err));
        st->status = REPORT_E_NOINPUT;
        return -1;
    }
    return 0;
}

static int open_sqlite(report_store_t *st, const char *path)
{
    char q[512];
    int rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        st->status = rs_classify(rc);
        log_error("cannot open store", "path=%s error=%s", log_quote(q, sizeof q, path),
                  st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        return -1;
    }
    sqlite3_busy_timeout(st->db, 10000); /* the broker may be committing */
    st->conn = db_wrap_sqlite(st->db);
    return 0;
}

/* Every centre read has a schema this program reads; the rules' figures
 * count only when every centre has them. */
static int check_centres(report_store_t *st)
{
    bool rules = true;
    for (size_t i = 0; i < st->n_centres; i++) {
        if (rs_use_centre(st, i) < 0 || check_version(st) < 0 || check_rules(st) < 0) return -1;
        rules = rules && st->rules;
    }
    st->rules = rules;
    return rs_use_centre(st, 0);
}

report_store_t *report_store_open_centres(const char *path, const char *centres, bool merge, bool column,
                                          report_status_t *status)
{
    report_store_t *st = xcalloc(1, sizeof *st);
    st->target = xstrdup(path);
    bool pg = db_target_is_pg(path);
    int rc = pg ? open_pg(st, path) : open_sqlite(st, path);
    if (rc == 0 && !pg) rc = check_version(st); /* before anything reads a table */
    if (rc == 0) rc = rs_find_centres(st, centres);
    if (rc == 0) rc = check_centres(st);
    if (rc == 0 && merge && (st->n_centres > 1 || column)) rc = rs_merge_centres(st);
    if (rc == 0 && pg && db_exec(st->conn, "SET default_transaction_read_only = on") != 0) {
        rs_fail(st, "read-only session");
        rc = -1;
    }
    if (rc < 0) {
        *status = st->status;
        report_store_destroy(&st);
        return NULL;
    }
    *status = REPORT_OK;
    return st;
}

report_store_t *report_store_open(const char *path, report_status_t *status)
{
    return report_store_open_centres(path, NULL, true, false, status);
}

size_t report_store_centres(const report_store_t *self, const char *const **codes)
{
    if (codes) *codes = (const char *const *)self->centres;
    return self->n_centres;
}

int report_store_use_centre(report_store_t *self, size_t i)
{
    return i < self->n_centres && !self->merged ? rs_use_centre(self, i) : -1;
}

bool report_store_has_rules(const report_store_t *self) { return self->rules; }

void report_store_destroy(report_store_t **p)
{
    if (!p || !*p) return;
    calendar_destroy(&(*p)->cal);
    db_close(&(*p)->conn);
    sqlite3_close((*p)->db);
    for (size_t i = 0; i < (*p)->n_centres; i++) free((*p)->centres[i]);
    free((*p)->merged_with);
    free((*p)->centres);
    free((*p)->target);
    free(*p);
    *p = NULL;
}

report_status_t report_store_status(const report_store_t *self) { return self->status; }

int report_store_span(report_store_t *self, bool *any, int64_t *min, int64_t *max)
{
    /* Two subqueries: SQLite answers a lone MIN or MAX of an indexed column
     * with one index probe each, no scan. */
    db_stmt_t *s = rs_prepare(self, "SELECT (SELECT MIN(received_at) FROM ticket), (SELECT MAX(received_at) FROM ticket)");
    int rc = rs_step_row(self, s, "span");
    if (rc == DB_ROW) {
        *any = !db_isnull(s, 0);
        *min = db_int64(s, 0);
        *max = db_int64(s, 1);
    }
    rs_finalize(s);
    return rc == DB_ROW ? 0 : -1;
}

int report_store_check(report_store_t *self, FILE *problems, bool *ok)
{
    if (!self->db) return rs_pg_check(self, problems, ok);
    db_stmt_t *s = rs_prepare(self, "PRAGMA integrity_check");
    if (!s) return -1;
    int rc;
    *ok = false;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *line = db_text(s, 0);
        if (line && strcmp(line, "ok") == 0) *ok = true;
        else fprintf(problems, "%s\n", line ? line : "(null)");
    }
    if (rc != DB_DONE) {
        rs_fail(self, "integrity_check");
        *ok = false;
    }
    rs_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int report_store_backup(report_store_t *self, const char *dest)
{
    sqlite3 *out = NULL;
    if (access(dest, F_OK) == 0) {
        log_error("backup refused: the destination exists", "dest=\"%s\"", dest);
        self->status = REPORT_E_SOFTWARE;
        return -1;
    }
    if (!self->db) return rs_pg_backup(self, dest);
    int rc = sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(out, "main", self->db, "main") : NULL;
    if (b) {
        /* One step copies every page inside one read transaction of the
         * source: a consistent snapshot, while the broker keeps writing (WAL). */
        rc = sqlite3_backup_step(b, -1);
        sqlite3_backup_finish(b);
        if (rc == DB_DONE) rc = sqlite3_errcode(out);
    }
    if (rc != SQLITE_OK && rc != DB_DONE) {
        log_error("backup failed", "dest=\"%s\" error=\"%s\"", dest, out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
        self->status = REPORT_E_SOFTWARE;
        sqlite3_close(out);
        unlink(dest);
        return -1;
    }
    sqlite3_close(out);
    return 0;
}

static int col_int_or(db_stmt_t *s, int i, int dflt)
{
    return db_isnull(s, i) ? dflt : db_int(s, i);
}

/* The store's last event time (0 when it has none): the "now" of --outcomes. */
static int last_event_at(report_store_t *self, int64_t *out)
{
    db_stmt_t *s = rs_prepare(self, "SELECT COALESCE(MAX(at), 0) FROM event");
    int rc = rs_step_row(self, s, "last event");
    if (rc == DB_ROW) *out = db_int64(s, 0);
    rs_finalize(s);
    return rc == DB_ROW ? 0 : -1;
}

static bool state_final(const char *state)
{
    return state && (strcmp(state, "ANSWERED") == 0 || strcmp(state, "PRAISE") == 0 || strcmp(state, "DONE") == 0);
}

/* Sets row's lateness: at its close when closed late, at `last` when still
 * open past its deadline. */
static void outcome_lateness(const calendar_t *cal, report_outcome_t *row, int64_t last)
{
    if (!row->has_due) return;
    if (row->has_closed && row->on_time == 0) {
        row->has_late = true;
        row->late_s = calendar_work_seconds(cal, row->close_due, row->closed_at);
    } else if (!row->has_closed && !state_final(row->state) && row->close_due < last) {
        row->has_late = true;
        row->late_s = calendar_work_seconds(cal, row->close_due, last);
    }
}

static int outcomes_stream(report_store_t *self, const calendar_t *cal, int64_t last,
                           report_outcome_fn fn, void *arg)
{
    /* ORDER BY the primary key walks its index: rows stream in byte order. */
    db_stmt_t *s = rs_prepare(self, "SELECT id, state, unit, received_at, closed_at, on_time, rating, "
                                    "close_due FROM ticket ORDER BY id");
    if (!s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        report_outcome_t row = {
            .id = db_text(s, 0),
            .state = db_text(s, 1),
            .unit = db_text(s, 2),
            .received_at = db_int64(s, 3),
            .has_closed = !db_isnull(s, 4),
            .closed_at = db_int64(s, 4),
            .on_time = col_int_or(s, 5, -1),
            .rating = col_int_or(s, 6, -1),
            .has_due = !db_isnull(s, 7),
            .close_due = db_int64(s, 7),
        };
        outcome_lateness(cal, &row, last);
        if (fn(&row, arg) < 0) break;
    }
    if (rc != DB_DONE && rc != DB_ROW) rs_fail(self, "outcomes");
    rs_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int report_outcomes_each(report_store_t *self, report_outcome_fn fn, void *arg)
{
    const calendar_t *cal = rs_calendar(self);
    int64_t last = 0;
    if (!cal || rs_exec(self, "BEGIN") < 0) return -1;
    /* One read transaction: the last event time belongs to the rows streamed. */
    int rc = last_event_at(self, &last);
    if (rc == 0) rc = outcomes_stream(self, cal, last, fn, arg);
    rs_exec(self, rc == 0 ? "COMMIT" : "ROLLBACK");
    return rc;
}
