/* store_query: looking tickets up for people — ticket.list's filtered pages
 * and the full-text search index over the citizens' words. Reads go through
 * the broker's own connection; the scan of a page is bounded in rows and
 * time, so a query never stalls the broker's loop: a page that ran out of
 * budget ends early, and its cursor resumes where the scan stopped. */
#include "store_priv.h"
#include "clock.h"
#include "log.h"
#include "xmalloc.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX_SCAN 200000      /* rows examined per page at most */
#define LIST_MAX_WORDS 8
#define LIST_MAX_CODES 32

/* Columns of both list statements, after the cursor column (0). */
#define LIST_COLS "t.id,t.received_at,t.type,t.urgent,t.street,t.state,t.unit,t.sign_due,t.close_due,t.closed_at," \
                  "t.rectify_due,t.reminded,t.notified"

static const char SQL_ALL[] = "SELECT t.received_at," LIST_COLS " FROM ticket t "
                              "WHERE (t.received_at, t.id) > (?1, ?2) ORDER BY t.received_at, t.id";
static const char SQL_OPEN[] = "SELECT t.received_at," LIST_COLS " FROM ticket t "
                               "WHERE t.done_at IS NULL AND (t.received_at, t.id) > (?1, ?2) ORDER BY t.received_at, t.id";

int64_t store_next_deadline(const ticket_t *t)
{
    if (lc_is_final(t->state)) return 0;
    if (t->state == ST_RECTIFYING) return t->rectify_due;
    return t->closed_at ? 0 : t->close_due;
}

/* --- the search index --- */

static int64_t text_top(store_t *self)
{
    db_stmt_t *st = &self->q[Q_T_TEXT_TOP];
    int64_t top = db_step(st) == DB_ROW ? db_int64(st, 0) : -1;
    db_reset(st);
    return top;
}

int64_t store_search_pending(store_t *self)
{
    if (!self->db) return 0; /* PostgreSQL: no index to fill; a text search scans */
    int64_t top = text_top(self);
    return top > self->search_n ? top - self->search_n : 0;
}

int store_search_catch_up(store_t *self, int64_t max)
{
    if (!self->db) return 0;
    int64_t top = text_top(self);
    if (top < 0) return store_fail(self, "search_top");
    if (top <= self->search_n || max <= 0) return 0;
    int64_t upto = top - self->search_n > max ? self->search_n + max : top;
    if (store_begin(self)) return -1;
    db_stmt_t *st = &self->q[Q_SEARCH_ADD];
    db_bind_int64(st, 1, self->search_n);
    db_bind_int64(st, 2, upto);
    if (store_step_done(self, st, "search_add")) return -1;
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, upto);
    if (store_meta_set(self, "search_n", buf)) return -1;
    int n = (int)(upto - self->search_n);
    self->search_n = upto; /* a failed commit puts it back (store_commit) */
    return n;
}

/* --- filters --- */

typedef struct {
    const char *v[LIST_MAX_CODES];
    int n;
    char *buf;
} codes_t;

/* Splits a comma-separated list; -1 if it holds too many codes. */
static int codes_parse(codes_t *c, const char *list)
{
    c->n = 0;
    c->buf = list ? xstrdup(list) : NULL;
    char *save = NULL;
    for (char *p = c->buf ? strtok_r(c->buf, ",", &save) : NULL; p; p = strtok_r(NULL, ",", &save)) {
        while (*p == ' ') p++;
        if (!*p) continue;
        if (c->n == LIST_MAX_CODES) return -1;
        c->v[c->n++] = p;
    }
    return 0;
}

static bool codes_match(const codes_t *c, const char *v)
{
    if (!c->buf) return true;
    for (int i = 0; i < c->n; i++)
        if (v && strcmp(c->v[i], v) == 0) return true;
    return false;
}

typedef struct {
    codes_t states, units, streets, types;
} filters_t;

static void filters_free(filters_t *f)
{
    free(f->states.buf);
    free(f->units.buf);
    free(f->streets.buf);
    free(f->types.buf);
}

static int filters_parse(filters_t *f, const store_list_t *q, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (codes_parse(&f->states, q->states) || codes_parse(&f->units, q->units) ||
        codes_parse(&f->streets, q->streets) || codes_parse(&f->types, q->types)) {
        snprintf(err, errlen, "a filter lists more than %d codes", LIST_MAX_CODES);
        return -1;
    }
    for (int i = 0; i < f->states.n; i++)
        if (lc_state_parse(f->states.v[i]) < 0) {
            snprintf(err, errlen, "unknown state '%s' (states are upper case, e.g. DISPATCHED)", f->states.v[i]);
            return -1;
        }
    for (int i = 0; i < f->types.n; i++)
        if (ticket_type_parse(f->types.v[i], strlen(f->types.v[i])) < 0) {
            snprintf(err, errlen, "unknown type '%s'", f->types.v[i]);
            return -1;
        }
    for (int i = 0; i < f->units.n; i++)
        if (ticket_unit_index(f->units.v[i]) < 0) {
            snprintf(err, errlen, "unknown unit '%s' (e.g. unit.chengguan, unit.street.jinxia)", f->units.v[i]);
            return -1;
        }
    for (int i = 0; i < f->streets.n; i++)
        if (ticket_street_index(f->streets.v[i]) < 0) {
            snprintf(err, errlen, "unknown street '%s'", f->streets.v[i]);
            return -1;
        }
    return 0;
}

/* True if every state the filter names is final: such a list never needs
 * the open-tickets index. */
static bool wants_open_only(const store_list_t *q, const filters_t *f)
{
    if (q->overdue || q->due_within_s > 0) return true;
    if (!f->states.buf || f->states.n == 0) return false;
    for (int i = 0; i < f->states.n; i++)
        if (lc_is_final(lc_state_parse(f->states.v[i]))) return false;
    return true;
}


/* Reads the LIST_COLS of a row (from column c) and applies the filters. */
static bool row_matches(db_stmt_t *st, int c, const store_list_t *q, const filters_t *f, store_list_row_t *r)
{
    *r = (store_list_row_t){
        .id = db_text(st, c), .received_at = db_int64(st, c + 1), .type = db_text(st, c + 2),
        .urgent = db_int(st, c + 3), .street = db_text(st, c + 4), .state = db_text(st, c + 5), .unit = db_text(st, c + 6),
        .sign_due = db_int64(st, c + 7), .close_due = db_int64(st, c + 8),
        .closed_at = db_int64(st, c + 9),
    };
    int s = lc_state_parse(r->state);
    ticket_t t = {.state = (uint8_t)(s < 0 ? 0 : s), .close_due = (uint32_t)r->close_due,
                  .closed_at = (uint32_t)r->closed_at, .rectify_due = (uint32_t)db_int64(st, c + 10)};
    bool open = s >= 0 && !lc_is_final((lc_state_t)s) && !r->closed_at;
    r->deadline = s >= 0 ? store_next_deadline(&t) : 0;
    r->overdue = open && r->close_due && r->close_due < q->now;
    /* red: past the deadline (督办), or 通报 sent; yellow: 催办 sent, the deadline near */
    r->flag = !open                                       ? NULL
              : r->overdue || db_int(st, c + 12) ? "red"
              : db_int(st, c + 11)               ? "yellow"
                                                              : NULL;
    if (!codes_match(&f->states, r->state) || !codes_match(&f->units, r->unit) || !codes_match(&f->streets, r->street) ||
        !codes_match(&f->types, r->type))
        return false;
    if (q->overdue && !r->overdue) return false;
    if (q->due_within_s > 0 && !(open && r->close_due >= q->now && r->close_due <= q->now + q->due_within_s)) return false;
    return true;
}

/* --- the text condition --- */

/* The words of a search, split on spaces (the ideographic one too). FTS5's
 * trigram tokenizer finds a word of 3 or more characters through the index
 * (LIKE '%word%'); shorter words are matched against the text of each row. */
typedef struct {
    char like[LIST_MAX_WORDS][132];  /* "%word%" of the long words */
    const char *shortw[LIST_MAX_WORDS];
    int n_like, n_short;
    char *buf;
} words_t;

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static int words_parse(words_t *w, const char *text, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->buf = xstrdup(text);
    for (char *sp; (sp = strstr(w->buf, "\xe3\x80\x80"));) memcpy(sp, "   ", 3); /* the ideographic space */
    char *save = NULL;
    for (char *t = strtok_r(w->buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (w->n_like + w->n_short == LIST_MAX_WORDS || strlen(t) >= 128) {
            snprintf(err, errlen, "search with at most %d words of up to 127 bytes", LIST_MAX_WORDS);
            return -1;
        }
        if (strpbrk(t, "%_\\")) {
            snprintf(err, errlen, "search words may not hold %%, _ or backslash");
            return -1;
        }
        if (utf8_chars(t) >= 3) snprintf(w->like[w->n_like++], 132, "%%%s%%", t);
        else w->shortw[w->n_short++] = t;
    }
    if (w->n_like + w->n_short == 0) { snprintf(err, errlen, "the search text holds no word"); return -1; }
    return 0;
}

static bool short_words_match(const words_t *w, const char *text)
{
    for (int i = 0; i < w->n_short; i++)
        if (!text || !strcasestr(text, w->shortw[i])) return false;
    return true;
}

/* SELECT n, text, LIST_COLS in text-number order: through the index when
 * there is a long word, else over every text. PostgreSQL has no FTS5: its
 * long words are LIKE conditions on the texts themselves. */
static char *text_sql(const words_t *w, bool pg)
{
    if (pg) {
        size_t cap = 512 + (size_t)w->n_like * 32;
        char *sql = xmalloc(cap);
        int o = snprintf(sql, cap, "SELECT x.n,x.text," LIST_COLS " FROM ticket_text x JOIN ticket t ON t.id = x.id "
                                   "WHERE x.n > ?1");
        for (int i = 0; i < w->n_like; i++) o += snprintf(sql + o, cap - (size_t)o, " AND x.text ILIKE ?%d", i + 2);
        snprintf(sql + o, cap - (size_t)o, " ORDER BY x.n");
        return sql;
    }
    if (w->n_like == 0)
        return xstrdup("SELECT x.n,x.text," LIST_COLS " FROM ticket_text x JOIN ticket t ON t.id = x.id "
                       "WHERE x.n > ?1 ORDER BY x.n");
    size_t cap = 512 + (size_t)w->n_like * 32;
    char *sql = xmalloc(cap);
    int o = snprintf(sql, cap, "SELECT s.rowid,x.text," LIST_COLS " FROM ticket_search s JOIN ticket_text x ON x.n = s.rowid "
                               "JOIN ticket t ON t.id = x.id WHERE s.rowid > ?1");
    for (int i = 0; i < w->n_like; i++) o += snprintf(sql + o, cap - (size_t)o, " AND s.text LIKE ?%d", i + 2);
    snprintf(sql + o, cap - (size_t)o, " ORDER BY s.rowid");
    return sql;
}

/* --- cursors: "r<received_at>:<id>" (intake order) or "n<text number>" (search) --- */

static int cursor_parse(const char *after, bool text, int64_t *num, const char **id, char *err, size_t errlen)
{
    *num = text ? 0 : INT64_MIN;
    *id = "";
    if (!after || !*after) return 0;
    char *end;
    if (text && after[0] == 'n') {
        *num = strtoll(after + 1, &end, 10);
        if (!*end && end != after + 1) return 0;
    } else if (!text && after[0] == 'r') {
        *num = strtoll(after + 1, &end, 10);
        if (*end == ':' && end != after + 1) { *id = end + 1; return 0; }
    }
    snprintf(err, errlen, "bad cursor '%.40s' (pass back the 'next' of the same query)", after);
    return -1;
}

int store_ticket_list(store_t *self, const store_list_t *q, store_list_fn fn, void *ctx, char *next, size_t nextlen,
                      char *err, size_t errlen)
{
    filters_t f;
    words_t w = {0};
    next[0] = '\0';
    if (q->limit < 1 || q->limit > 1000) { snprintf(err, errlen, "limit must be 1..1000"); return -1; }
    bool text = q->text && *q->text;
    int64_t num;
    const char *after_id;
    db_stmt_t stmt = {0}, *st = &stmt;
    char *sql = NULL;
    int rc = -1, c0 = text ? 2 : 1; /* first LIST_COLS column */
    if (filters_parse(&f, q, err, errlen) != 0 || (text && words_parse(&w, q->text, err, errlen) != 0) ||
        cursor_parse(q->after, text, &num, &after_id, err, errlen) != 0)
        goto out;
    sql = text ? text_sql(&w, !self->db) : xstrdup(wants_open_only(q, &f) ? SQL_OPEN : SQL_ALL);
    if (db_prepare(self->conn, sql, st) != 0) {
        snprintf(err, errlen, "store error: %s", db_errmsg(self->conn));
        goto out;
    }
    db_bind_int64(st, 1, num);
    if (text)
        for (int i = 0; i < w.n_like; i++) db_bind_text(st, i + 2, w.like[i]);
    else
        db_bind_text(st, 2, after_id);
    int64_t until = clock_mono_ms() + (q->budget_ms > 0 ? q->budget_ms : 200);
    int found = 0, scanned = 0, step;
    while ((step = db_step(st)) == DB_ROW) {
        store_list_row_t r;
        scanned++;
        if (row_matches(st, c0, q, &f, &r) && (!text || short_words_match(&w, db_text(st, 1)))) { fn(ctx, &r); found++; }
        bool stop = found == q->limit || scanned >= LIST_MAX_SCAN || (scanned % 256 == 0 && clock_mono_ms() > until);
        if (!stop) continue;
        if (text) snprintf(next, nextlen, "n%" PRId64, (int64_t)db_int64(st, 0));
        else snprintf(next, nextlen, "r%" PRId64 ":%s", (int64_t)db_int64(st, 0), r.id);
        step = DB_DONE;
        break;
    }
    if (step != DB_DONE) snprintf(err, errlen, "store error: %s", db_errmsg(self->conn));
    else rc = 0;
out:
    db_finalize(st);
    free(sql);
    free(w.buf);
    filters_free(&f);
    return rc;
}
