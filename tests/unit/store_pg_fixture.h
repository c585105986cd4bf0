/* store_pg_fixture: the PostgreSQL side of test_store_pg.c. A throwaway
 * cluster for the whole run (cluster_up / cluster_down: tests/pg/cluster.sh,
 * stopped by its watchdog should the test be killed), an empty database and
 * a store on it per test (setup / teardown), a plain libpq session beside
 * the store's (raw, raw_on, raw_int), and tickets to insert. Include it once,
 * from that file, after cmocka and libpq. */
#ifndef HOTLINE_TEST_STORE_PG_FIXTURE_H
#define HOTLINE_TEST_STORE_PG_FIXTURE_H

#include "ticket_make.h"

#define T0 1661990400 /* 2022-09-01 08:00 CST */

static char g_dir[64], g_base[256]; /* the cluster's directory; its URI without the database */
static int g_n;                     /* databases made so far */

typedef struct {
    char uri[320];
    store_t *st;
} fx_t;

static int sh(const char *fmt, const char *arg, char *out, size_t outlen)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, fmt, HOTLINE_SOURCE_DIR, arg);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    if (out && (!fgets(out, (int)outlen, p))) out[0] = '\0';
    if (out) out[strcspn(out, "\n")] = '\0';
    return pclose(p);
}

static int cluster_up(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/hotline-test-pg-XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    char uri[256];
    char arg[96];
    snprintf(arg, sizeof arg, "%s/c", g_dir);
    char owner[24];
    snprintf(owner, sizeof owner, "%ld", (long)getpid());
    setenv("CLUSTER_OWNER", owner, 1); /* killed by a timeout, this test leaves no server behind */
    if (sh("%s/tests/pg/cluster.sh start %s", arg, uri, sizeof uri) != 0 || strncmp(uri, "postgresql://", 13) != 0) {
        fprintf(stderr, "could not start a PostgreSQL cluster in %s\n", g_dir);
        return -1;
    }
    snprintf(g_base, sizeof g_base, "%.*s", (int)(strrchr(uri, '/') - uri), uri);
    return 0;
}

static int cluster_down(void **state)
{
    (void)state;
    char arg[96];
    snprintf(arg, sizeof arg, "%s/c", g_dir);
    sh("%s/tests/pg/cluster.sh stop %s", arg, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A plain libpq session on one centre's schema, beside the store's own. */
static PGconn *raw_on(const char *uri, const char *centre)
{
    char sql[96];
    PGconn *c = PQconnectdb(uri);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    snprintf(sql, sizeof sql, "SET search_path TO centre_%s", centre);
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    return c;
}

static PGconn *raw(const char *uri) { return raw_on(uri, TICKET_DEFAULT_CENTRE); }

static int64_t raw_int(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    int64_t v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    char sql[64], admin[300];
    snprintf(admin, sizeof admin, "%s/hotline", g_base);
    snprintf(sql, sizeof sql, "CREATE DATABASE t%d", ++g_n);
    PGconn *c = PQconnectdb(admin);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    PQfinish(c);
    if (!ok) return -1;
    snprintf(fx->uri, sizeof fx->uri, "%s/t%d", g_base, g_n);
    char err[256] = "";
    fx->st = store_open(fx->uri, STORE_SYNC_FULL, err, sizeof err);
    if (!fx->st) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    store_close(&fx->st);
    free(fx);
    return 0;
}

static void insert(fx_t *fx, const char *id, int64_t at, const char *text)
{
    ticket_t t;
    ticket_intake_t in;
    make_ticket(&t, &in, id, at, text);
    snprintf(in.caller, sizeof in.caller, "13800138000");
    assert_int_equal(store_ticket_insert(fx->st, &t, &in), 0);
}

#endif
