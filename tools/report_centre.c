/* report_centre: which centres a report reads.
 *
 * A SQLite store belongs to one centre (meta 'centre'; a file from before
 * centres is the default one). A PostgreSQL database can hold a province:
 * each centre's tables in its schema centre_<code>. A report reads one
 * centre through the search path, or several together: temporary views
 * named like the tables (ticket, event, rollup, ...) join the centres' rows
 * with UNION ALL and add a column `centre`, and since a session looks up
 * temporary objects first, every query of the report runs on them
 * unchanged. A read-only server (a hot standby) cannot make them: there the
 * same unions go before each SELECT as a WITH list of the tables' names,
 * which a query's FROM finds before the tables. `--by centre` groups by
 * that column. */
#include "report_store_priv.h"
#include "log.h"
#include "ticket.h"
#include "xmalloc.h"
#include <stdlib.h>
#include <string.h>

static const char *const MERGED_TABLES[] = {"ticket", "ticket_text", "event", "rollup", "rollup_total", "kb_rev"};

static void add_centre(report_store_t *st, const char *code)
{
    st->centres = xrealloc(st->centres, (st->n_centres + 1) * sizeof *st->centres);
    st->centres[st->n_centres++] = xstrdup(code);
}

static bool has_centre(const report_store_t *st, const char *code, size_t len)
{
    for (size_t i = 0; i < st->n_centres; i++)
        if (strlen(st->centres[i]) == len && strncmp(st->centres[i], code, len) == 0) return true;
    return false;
}

/* Every centre the store holds, in code order. */
static int list_centres(report_store_t *st)
{
    const char *sql = st->db ? "SELECT coalesce((SELECT value FROM meta WHERE key = 'centre'), '" TICKET_DEFAULT_CENTRE "')"
                             : "SELECT substr(n.nspname, 8) FROM pg_namespace n WHERE n.nspname LIKE 'centre\\_%' AND EXISTS "
                               "(SELECT 1 FROM pg_tables t WHERE t.schemaname = n.nspname AND t.tablename = 'meta') ORDER BY 1";
    db_stmt_t *s = rs_prepare(st, sql);
    if (!s) return -1;
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        if (ticket_centre_valid(db_text(s, 0))) add_centre(st, db_text(s, 0));
    if (rc != DB_DONE) rs_fail(st, "centres");
    rs_finalize(s);
    return rc == DB_DONE ? 0 : -1;
}

int rs_find_centres(report_store_t *st, const char *want)
{
    if (list_centres(st) < 0) return -1;
    if (st->n_centres == 0) {
        log_error("cannot open store: the PostgreSQL database holds no hotline store (no schema centre_CODE)", NULL);
        st->status = REPORT_E_NOINPUT;
        return -1;
    }
    if (!want || strcmp(want, "all") == 0) return 0;
    st->some_centres = true;
    /* Keep the asked ones, in the order asked; an unknown code is an error. */
    report_store_t all = {.centres = st->centres, .n_centres = st->n_centres};
    st->centres = NULL;
    st->n_centres = 0;
    int rc = 0;
    for (const char *p = want; rc == 0 && *p;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || !has_centre(&all, p, n)) {
            char list[512] = "";
            for (size_t i = 0; i < all.n_centres; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", all.centres[i]);
            log_error("no such centre in this store", "centre=\"%.*s\" centres=\"%s\"", (int)n, p, list);
            st->status = REPORT_E_NOINPUT;
            rc = -1;
        } else if (!has_centre(st, p, n)) {
            char code[TICKET_CENTRE_MAX + 1];
            snprintf(code, sizeof code, "%.*s", (int)n, p);
            add_centre(st, code);
        }
        p += n + (p[n] == ',');
    }
    for (size_t i = 0; i < all.n_centres; i++) free(all.centres[i]);
    free(all.centres);
    return rc;
}

int rs_use_centre(report_store_t *st, size_t i)
{
    if (st->db) return 0; /* the file is the one centre */
    char sql[96];
    snprintf(sql, sizeof sql, "SET search_path TO centre_%s", st->centres[i]);
    return rs_exec(st, sql);
}

/* A read-only server (a hot standby) cannot make the temporary views. */
static bool read_only(report_store_t *st)
{
    if (!rs_is_pg(st)) return false;
    db_stmt_t *s = rs_prepare(st, "SELECT current_setting('transaction_read_only')");
    bool ro = s && rs_step_row(st, s, "read-only check") == DB_ROW && db_text(s, 0) && strcmp(db_text(s, 0), "on") == 0;
    rs_finalize(s);
    return ro;
}

/* "SELECT CAST('a' AS TEXT) AS centre, * FROM centre_a.T UNION ALL ..." for
 * table T over the centres read; the caller frees it. */
static char *union_of(const report_store_t *st, const char *table)
{
    size_t cap = 1, len = 0;
    for (size_t i = 0; i < st->n_centres; i++) cap += 2 * strlen(st->centres[i]) + strlen(table) + 80;
    char *sql = xmalloc(cap);
    sql[0] = '\0';
    for (size_t i = 0; i < st->n_centres; i++) {
        /* Codes are [a-z0-9_] (checked when listed): safe in the text.
         * The one centre of a SQLite file is its main schema. */
        char schema[TICKET_CENTRE_MAX + 8];
        if (st->db) snprintf(schema, sizeof schema, "main");
        else snprintf(schema, sizeof schema, "centre_%s", st->centres[i]);
        len += (size_t)snprintf(sql + len, cap - len, "%sSELECT CAST('%s' AS TEXT) AS centre, * FROM %s.%s",
                                i ? " UNION ALL " : "", st->centres[i], schema, table);
    }
    return sql;
}

int rs_merge_centres(report_store_t *st)
{
    size_t n = sizeof MERGED_TABLES / sizeof *MERGED_TABLES;
    if (read_only(st)) {
        /* No temporary views here: each SELECT gets the same tables as a WITH
         * list (rs_prepare), inlined into the query like a view would be. */
        size_t cap = 1, len = 0;
        char *parts[sizeof MERGED_TABLES / sizeof *MERGED_TABLES];
        for (size_t t = 0; t < n; t++) cap += strlen(parts[t] = union_of(st, MERGED_TABLES[t])) + 64;
        st->merged_with = xmalloc(cap);
        for (size_t t = 0; t < n; t++) {
            len += (size_t)snprintf(st->merged_with + len, cap - len, "%s%s AS NOT MATERIALIZED (%s)", t ? ", " : "",
                                    MERGED_TABLES[t], parts[t]);
            free(parts[t]);
        }
        log_info("read-only server: the centres are read together through a WITH list", "centres=%zu", st->n_centres);
        st->merged = true;
        return 0;
    }
    for (size_t t = 0; t < n; t++) {
        char *from = union_of(st, MERGED_TABLES[t]);
        size_t cap = strlen(from) + 64;
        char *sql = xmalloc(cap);
        snprintf(sql, cap, "CREATE TEMP VIEW %s AS %s", MERGED_TABLES[t], from);
        free(from);
        int rc = rs_exec(st, sql);
        free(sql);
        if (rc < 0) return -1;
    }
    st->merged = true;
    return 0;
}
