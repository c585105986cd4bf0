/* db_pg: the PostgreSQL half of core/db.h, over libpq.
 *
 * One connection per db_t, used by one thread. Statements with parameters
 * are prepared on the server under a name of their own; statements without
 * parameters (BEGIN, COMMIT, a count) are sent as they are. Values travel as
 * text, results come back as text and are read with strtoll, so the SQL
 * reads the same on both engines.
 *
 * Writes inside a transaction whose results nobody reads (db_step_write) are
 * pipelined: sent at once without waiting for the server's answer, so a
 * transaction of many writes costs one round trip, not one per statement.
 * Every call that waits for the server first collects the pending answers
 * (pipe_drain; a read goes out behind the writes, in the same round trip),
 * so it sees what was written before it, and a failed write
 * surfaces there, at the latest at the COMMIT: the server then skips the
 * statements behind the failed one, the COMMIT among them, so nothing is
 * committed or acknowledged after a failed write. */
#include "db.h"
#include "xmalloc.h"
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PGQ_MAX_PARAMS 64
#define PGQ_MAX_NAMES 8     /* named parameters (":from") take the numbers after PGQ_MAX_PARAMS */
#define PGQ_SLOTS (PGQ_MAX_PARAMS + PGQ_MAX_NAMES)

struct db {
    sqlite3 *lite;
    PGconn *pg;
    int next_name;
    int piped;              /* writes sent in pipeline mode, answers not yet read */
    char err[512];
};

/* Answers are collected at the latest after this many writes, so neither
 * side's socket buffer fills with unread answers (which would stall both). */
#define PIPE_MAX 512

struct db_pgq {
    db_t *db;
    char name[24];
    char *sql;              /* with $N parameters */
    int nparams;            /* parameters sent: the numbers the SQL uses, renumbered 1..n */
    int nslots;             /* the highest number the SQL uses */
    int slot[PGQ_SLOTS + 1]; /* number in the SQL -> parameter sent (0: unused, a bind is dropped) */
    char names[PGQ_MAX_NAMES][32]; /* ":name" parameters, in order of first use */
    int nnames;
    const char *val[PGQ_SLOTS];
    char num[PGQ_SLOTS][24];
    char *owned[PGQ_SLOTS]; /* copies of texts bound with a length */
    PGresult *res;
    int row, nrows;
    bool ran;
    bool replan;            /* planned at each run, not once (db_plan_each_time) */
    int64_t changes;
};

bool db_target_is_pg(const char *t)
{
    static const char *const keys[] = {"host=", "hostaddr=", "dbname=", "port=", "user=", "service=", NULL};
    if (!t) return false;
    if (strncmp(t, "postgresql://", 13) == 0 || strncmp(t, "postgres://", 11) == 0) return true;
    for (int i = 0; keys[i]; i++)
        if (strncmp(t, keys[i], strlen(keys[i])) == 0) return true;
    return false;
}

db_t *db_wrap_sqlite(sqlite3 *h)
{
    db_t *d = xcalloc(1, sizeof *d);
    d->lite = h;
    return d;
}

/* libpq's message, first line only, without the trailing newline. */
static void set_err(db_t *d, const char *msg)
{
    snprintf(d->err, sizeof d->err, "%s", msg && *msg ? msg : "unknown PostgreSQL error");
    size_t n = strcspn(d->err, "\n");
    d->err[n] = '\0';
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static bool has_password(const char *conninfo)
{
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    bool found = false;
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val && *o->val) found = true;
    PQconninfoFree(opts);
    return found;
}

const char *db_display(const char *target)
{
    return db_target_is_pg(target) && has_password(target) ? "(a PostgreSQL connection string with a password: not shown)"
                                                           : target;
}

db_t *db_connect_pg(const char *conninfo, const char *app_name, char *err, size_t errlen)
{
    /* Short waits: a dead host must not hang the caller; TCP keepalives
     * notice a peer that vanished without closing. */
    const char *keys[] = {"dbname", "application_name", "connect_timeout", "keepalives", "keepalives_idle",
                          "keepalives_interval", "keepalives_count", NULL};
    const char *vals[] = {conninfo, app_name ? app_name : "hotline", "5", "1", "5", "2", "3", NULL};
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
    if (!opts) {
        snprintf(err, errlen, "bad PostgreSQL connection string: %.*s", (int)strcspn(perr ? perr : "?", "\n"),
                 perr ? perr : "?");
        PQfreemem(perr);
        return NULL;
    }
    PQconninfoFree(opts);
    if (has_password(conninfo)) {
        /* It would show in ps and in the logs: refuse it outright. */
        snprintf(err, errlen, "the PostgreSQL connection string holds a password: put it in PGPASSWORD or in a password "
                              "file (PGPASSFILE, ~/.pgpass) instead, so it never shows in ps or in a log");
        return NULL;
    }
    db_t *d = xcalloc(1, sizeof *d);
    d->pg = PQconnectdbParams(keys, vals, 1);
    if (!d->pg || PQstatus(d->pg) != CONNECTION_OK) {
        set_err(d, d->pg ? PQerrorMessage(d->pg) : "out of memory");
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", d->err);
        db_close(&d);
        return NULL;
    }
    PQsetNoticeProcessor(d->pg, quiet, NULL); /* "relation exists, skipping" and the like */
    return d;
}

void db_close(db_t **p)
{
    if (!p || !*p) return;
    if ((*p)->pg) PQfinish((*p)->pg);
    free(*p);
    *p = NULL;
}

bool db_is_pg(const db_t *d) { return d && d->pg; }
sqlite3 *db_sqlite(const db_t *d) { return d ? d->lite : NULL; }
void *db_pgconn(const db_t *d) { return d ? d->pg : NULL; }
bool db_lost(const db_t *d) { return d && d->pg && PQstatus(d->pg) != CONNECTION_OK; }

bool db_txn_open(const db_t *d)
{
    return d->lite ? !sqlite3_get_autocommit(d->lite) : PQtransactionStatus(d->pg) != PQTRANS_IDLE;
}

const char *db_errmsg(const db_t *d)
{
    if (!d) return "no database";
    return d->lite ? sqlite3_errmsg(d->lite) : d->err;
}

/* The number of the "?" or "?N" at p (next: the number a bare "?" takes);
 * *end is past it. */
static int param_at(const char *p, int next, const char **end)
{
    char *e = (char *)p + 1;
    int n = (p[1] >= '0' && p[1] <= '9') ? (int)strtol(p + 1, &e, 10) : next;
    *end = e;
    return n;
}

static bool name_char(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/* A ":name" parameter at p (not a "::" cast): its number, past the "?"
 * numbers, registering the name on first use; 0 if p is none; -1 if too many. */
static int name_at(db_pgq_t *q, const char *sql, const char *p, const char **end)
{
    if (*p != ':' || (p > sql && p[-1] == ':') || p[1] == ':' || !name_char(p[1]) || (p[1] >= '0' && p[1] <= '9'))
        return 0;
    const char *e = p + 1;
    while (name_char(*e)) e++;
    *end = e;
    int len = (int)(e - p);
    for (int k = 0; k < q->nnames; k++)
        if ((int)strlen(q->names[k]) == len && strncmp(q->names[k], p, (size_t)len) == 0) return PGQ_MAX_PARAMS + 1 + k;
    if (q->nnames == PGQ_MAX_NAMES || len >= (int)sizeof q->names[0]) return -1;
    snprintf(q->names[q->nnames], sizeof q->names[0], "%.*s", len, p);
    return PGQ_MAX_PARAMS + 1 + q->nnames++;
}

int db_param_index(db_stmt_t *s, const char *name)
{
    if (s->lite) return sqlite3_bind_parameter_index(s->lite, name);
    for (int k = 0; s->pg && k < s->pg->nnames; k++)
        if (strcmp(s->pg->names[k], name) == 0) return PGQ_MAX_PARAMS + 1 + k;
    return 0;
}

/* "?" and "?N" become "$K" (outside quoted strings). PostgreSQL must know
 * the type of every parameter it is sent, so numbers the SQL skips (SQLite
 * lets a statement leave some out) are not sent: the used ones are numbered
 * 1..K in order, and q->slot maps the caller's numbers to them. -1 if a
 * number is out of range. */
static int renumber(db_pgq_t *q, const char *sql)
{
    const char *end;
    int next = 1;
    bool quoted = false;
    for (const char *p = sql; *p; p++) { /* pass 1: which numbers are used */
        if (*p == '\'') quoted = !quoted;
        int n = quoted ? 0 : name_at(q, sql, p, &end);
        if (n < 0) return -1;
        if (n > 0) {
            q->slot[n] = 1;
            p = end - 1;
            continue;
        }
        if (*p != '?' || quoted) continue;
        n = param_at(p, next, &end);
        if (n < 1 || n > PGQ_MAX_PARAMS) return -1;
        q->slot[n] = 1;
        if (n > q->nslots) q->nslots = n;
        next = n + 1;
        p = end - 1;
    }
    for (int i = 1; i <= PGQ_SLOTS; i++) q->slot[i] = q->slot[i] ? ++q->nparams : 0;
    if (q->nnames) q->nslots = PGQ_MAX_PARAMS + q->nnames;
    char *o = q->sql = xmalloc(strlen(sql) * 3 + 1);
    next = 1;
    quoted = false;
    int nn = q->nnames;
    q->nnames = 0; /* name_at registers them again, in the same order */
    for (const char *p = sql; *p; p++) { /* pass 2: write them */
        if (*p == '\'') quoted = !quoted;
        int n = quoted ? 0 : name_at(q, sql, p, &end);
        if (n > 0) {
            o += sprintf(o, "$%d", q->slot[n]);
            p = end - 1;
            continue;
        }
        if (*p != '?' || quoted) { *o++ = *p; continue; }
        n = param_at(p, next, &end);
        o += sprintf(o, "$%d", q->slot[n]);
        next = n + 1;
        p = end - 1;
    }
    *o = '\0';
    return q->nnames == nn ? 0 : -1;
}

/* Sends q in pipeline mode: prepared, or planned with its values (replan). */
static bool pipe_send(db_t *d, db_pgq_t *q)
{
    return (q->nparams && !q->replan ? PQsendQueryPrepared(d->pg, q->name, q->nparams, q->val, NULL, NULL, 0)
                                     : PQsendQueryParams(d->pg, q->sql, q->nparams, NULL, q->val, NULL, NULL, 0)) == 1;
}

/* Reads the answers of every pipelined write and leaves pipeline mode.
 * With q, q is sent first, behind the writes, and its answer kept in q->res:
 * one round trip for both. 1 when nothing was pipelined (q not sent); 0; or
 * -1 with the first failure's message (a write that failed aborts the ones
 * after it, q included, and the transaction). */
static int pipe_drain(db_t *d, db_pgq_t *q)
{
    if (!d->pg || PQpipelineStatus(d->pg) == PQ_PIPELINE_OFF) return 1;
    int writes = d->piped, done = 0;
    bool ok = true;
    if (q && !pipe_send(d, q)) {
        set_err(d, PQerrorMessage(d->pg));
        ok = false;
        q = NULL;
    }
    if (PQpipelineSync(d->pg) != 1) {
        if (ok) set_err(d, PQerrorMessage(d->pg));
        ok = false;
    }
    /* Each statement's answer is a result and then NULL; the sync's is
     * last. NULLs beyond one per statement mean the connection went away. */
    for (;;) {
        PGresult *r = PQgetResult(d->pg);
        if (!r) {
            if (PQstatus(d->pg) != CONNECTION_OK || ++done > writes + 1) {
                if (ok) set_err(d, PQerrorMessage(d->pg));
                ok = false;
                break;
            }
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_FATAL_ERROR && ok) set_err(d, PQresultErrorMessage(r));
        if (st == PGRES_FATAL_ERROR || st == PGRES_PIPELINE_ABORTED) ok = false;
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (q && done == writes && !q->res) q->res = r; /* q's answer: the caller reads it */
        else PQclear(r);
    }
    d->piped = 0;
    if (PQexitPipelineMode(d->pg) != 1 && ok) {
        set_err(d, PQerrorMessage(d->pg));
        ok = false;
    }
    return ok ? 0 : -1;
}

int db_prepare(db_t *d, const char *sql, db_stmt_t *out)
{
    *out = (db_stmt_t){0};
    if (d->lite) return sqlite3_prepare_v3(d->lite, sql, -1, SQLITE_PREPARE_PERSISTENT, &out->lite, NULL) == SQLITE_OK ? 0 : -1;
    db_pgq_t *q = xcalloc(1, sizeof *q);
    q->db = d;
    if (renumber(q, sql) != 0) {
        set_err(d, "too many parameters");
        free(q->sql);
        free(q);
        return -1;
    }
    if (q->nparams > 0 && pipe_drain(d, NULL) < 0) {
        free(q->sql);
        free(q);
        return -1;
    }
    if (q->nparams > 0) {
        snprintf(q->name, sizeof q->name, "hl%d", ++d->next_name);
        PGresult *r = PQprepare(d->pg, q->name, q->sql, q->nparams, NULL);
        bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok) set_err(d, r ? PQresultErrorMessage(r) : PQerrorMessage(d->pg));
        PQclear(r);
        if (!ok) {
            free(q->sql);
            free(q);
            return -1;
        }
    }
    out->pg = q;
    return 0;
}

void db_plan_each_time(db_stmt_t *s)
{
    if (s->pg) s->pg->replan = true;
}

void db_finalize(db_stmt_t *s)
{
    if (s->lite) sqlite3_finalize(s->lite);
    if (s->pg) {
        db_pgq_t *q = s->pg;
        db_pgq_reset(q);
        db_pgq_clear(q);
        if (q->name[0] && q->db->pg && PQstatus(q->db->pg) == CONNECTION_OK && pipe_drain(q->db, NULL) >= 0) {
            char sql[48];
            snprintf(sql, sizeof sql, "DEALLOCATE %s", q->name);
            PQclear(PQexec(q->db->pg, sql));
        }
        free(q->sql);
        free(q);
    }
    *s = (db_stmt_t){0};
}

int db_exec(db_t *d, const char *sql)
{
    if (d->lite) {
        char *msg = NULL;
        int rc = sqlite3_exec(d->lite, sql, NULL, NULL, &msg);
        sqlite3_free(msg);
        return rc == SQLITE_OK ? 0 : -1;
    }
    if (pipe_drain(d, NULL) < 0) return -1;
    PGresult *r = PQexec(d->pg, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
    if (!ok) set_err(d, r ? PQresultErrorMessage(r) : PQerrorMessage(d->pg));
    PQclear(r);
    return ok ? 0 : -1;
}

/* The parameter sent for the caller's number i, 0 if the SQL does not use it. */
static int slot_of(const db_pgq_t *q, int i) { return i >= 1 && i <= q->nslots ? q->slot[i] : 0; }

static void unown(db_pgq_t *q, int i)
{
    free(q->owned[i - 1]);
    q->owned[i - 1] = NULL;
}

void db_pgq_bind_int64(db_pgq_t *q, int i, int64_t v)
{
    if (!(i = slot_of(q, i))) return;
    unown(q, i);
    snprintf(q->num[i - 1], sizeof q->num[0], "%lld", (long long)v);
    q->val[i - 1] = q->num[i - 1];
}

void db_pgq_bind_text(db_pgq_t *q, int i, const char *s, int len)
{
    if (!(i = slot_of(q, i))) return;
    unown(q, i);
    if (len >= 0) {
        q->owned[i - 1] = xmalloc((size_t)len + 1);
        memcpy(q->owned[i - 1], s, (size_t)len);
        q->owned[i - 1][len] = '\0';
        s = q->owned[i - 1];
    }
    q->val[i - 1] = s;
}

void db_pgq_bind_null(db_pgq_t *q, int i)
{
    if (!(i = slot_of(q, i))) return;
    unown(q, i);
    q->val[i - 1] = NULL;
}

int db_pgq_step(db_pgq_t *q)
{
    if (!q->ran) {
        q->ran = true;
        int piped = pipe_drain(q->db, q);
        if (piped < 0) return DB_ERROR;
        if (piped > 0)
            q->res = !q->nparams ? PQexec(q->db->pg, q->sql)
                     : q->replan ? PQexecParams(q->db->pg, q->sql, q->nparams, NULL, q->val, NULL, NULL, 0)
                                 : PQexecPrepared(q->db->pg, q->name, q->nparams, q->val, NULL, NULL, 0);
        ExecStatusType st = q->res ? PQresultStatus(q->res) : PGRES_FATAL_ERROR;
        if (st == PGRES_COMMAND_OK) {
            const char *n = PQcmdTuples(q->res);
            q->changes = n && *n ? strtoll(n, NULL, 10) : 0;
            q->nrows = 0;
        } else if (st == PGRES_TUPLES_OK) {
            q->nrows = PQntuples(q->res);
            const char *n = PQcmdTuples(q->res);
            q->changes = n && *n ? strtoll(n, NULL, 10) : 0;
        } else {
            set_err(q->db, q->res ? PQresultErrorMessage(q->res) : PQerrorMessage(q->db->pg));
            return DB_ERROR;
        }
        q->row = -1;
    }
    if (!q->res) return DB_ERROR;
    if (q->row + 1 < q->nrows) {
        q->row++;
        return DB_ROW;
    }
    q->row = q->nrows;
    return DB_DONE;
}

int db_pgq_step_write(db_pgq_t *q)
{
    db_t *d = q->db;
    PGTransactionStatusType ts = PQtransactionStatus(d->pg);
    /* Outside a transaction (autocommit), or for a statement sent as text
     * (BEGIN, COMMIT), the answer is waited for. */
    if (q->ran || !q->nparams || (ts != PQTRANS_INTRANS && ts != PQTRANS_ACTIVE)) return db_pgq_step(q);
    if (PQpipelineStatus(d->pg) == PQ_PIPELINE_OFF && PQenterPipelineMode(d->pg) != 1) return db_pgq_step(q);
    q->ran = true;
    if (!pipe_send(d, q)) {
        set_err(d, PQerrorMessage(d->pg));
        return DB_ERROR;
    }
    q->changes = 0; /* unknown: a caller that needs it uses db_step */
    if (++d->piped >= PIPE_MAX && pipe_drain(d, NULL) < 0) return DB_ERROR;
    return DB_DONE;
}

void db_pgq_reset(db_pgq_t *q)
{
    PQclear(q->res);
    q->res = NULL;
    q->ran = false;
    q->row = -1;
    q->nrows = 0;
}

void db_pgq_clear(db_pgq_t *q)
{
    for (int i = 1; i <= q->nparams; i++) {
        unown(q, i);
        q->val[i - 1] = NULL;
    }
}

static bool at_row(const db_pgq_t *q, int c)
{
    return q->res && q->row >= 0 && q->row < q->nrows && c >= 0 && c < PQnfields(q->res);
}

bool db_pgq_isnull(const db_pgq_t *q, int c) { return !at_row(q, c) || PQgetisnull(q->res, q->row, c); }

int64_t db_pgq_int64(const db_pgq_t *q, int c)
{
    if (db_pgq_isnull(q, c)) return 0;
    const char *v = PQgetvalue(q->res, q->row, c);
    if (v[0] == 't' && !v[1]) return 1; /* a boolean */
    if (v[0] == 'f' && !v[1]) return 0;
    return strtoll(v, NULL, 10);
}

const char *db_pgq_text(const db_pgq_t *q, int c) { return db_pgq_isnull(q, c) ? NULL : PQgetvalue(q->res, q->row, c); }
int db_pgq_bytes(const db_pgq_t *q, int c) { return db_pgq_isnull(q, c) ? 0 : PQgetlength(q->res, q->row, c); }
int64_t db_pgq_changes(const db_pgq_t *q) { return q->changes; }
