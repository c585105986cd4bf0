/* store_rollup: the daily roll-ups (tables rollup and rollup_total).
 *
 * A transition adds its deltas to an in-memory table keyed by (day, type,
 * urgency, street, unit); store_commit() writes the net of each key with one
 * upsert per rollup row and one per rollup_total row, just before COMMIT, in
 * the same transaction as the transitions. A busy transaction touches a few
 * hundred keys for thousands of transitions, so the roll-ups cost a few
 * statements per commit instead of two per figure. A rolled-back transaction
 * drops its pending deltas with everything else. */
#include "store_priv.h"
#include "calendar.h"
#include <stdio.h>
#include <string.h>

/* Key: day (CST day number) << 32 | type << 24 | urgent << 16 | street << 8 | unit. */
static uint64_t key_of(const ticket_t *t, int unit, int64_t at)
{
    uint64_t day = (uint64_t)(uint32_t)((at + CAL_TZ_OFFSET) / CAL_DAY);
    return day << 32 | (uint64_t)t->type << 24 | (uint64_t)(t->urgent ? 1 : 0) << 16 | (uint64_t)t->street << 8 |
           (uint64_t)(uint8_t)unit;
}

static uint32_t slot_of(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (uint32_t)key & (STORE_RU_SLOTS - 1);
}

static const char *const COLUMNS[RU__COUNT] = {
#define NAME(e, c) #c,
    STORE_ROLLUP_COLUMNS(NAME)
#undef NAME
};

const char *store_rollup_column(int c) { return c >= 0 && c < RU__COUNT ? COLUMNS[c] : "?"; }

/* The upsert of a rollup row (total = false) or a rollup_total row: the key
 * columns ?1..?5 (a total takes day, type, urgent only), then one parameter
 * per figure from ?6 on, added to what the row holds. */
const char *store_rollup_sql(bool total)
{
    static char sql[2][4096];
    char *b = sql[total];
    if (b[0]) return b;
    size_t n = 0, cap = sizeof sql[0];
    n += (size_t)snprintf(b + n, cap - n, "INSERT INTO %s(day,type,urgent%s", total ? "rollup_total" : "rollup",
                          total ? "" : ",street,unit");
    for (int c = 0; c < RU__COUNT; c++) n += (size_t)snprintf(b + n, cap - n, ",%s", COLUMNS[c]);
    n += (size_t)snprintf(b + n, cap - n, ") VALUES(?1,?2,?3%s", total ? "" : ",?4,?5");
    for (int c = 0; c < RU__COUNT; c++) n += (size_t)snprintf(b + n, cap - n, ",?%d", 6 + c);
    /* The conflict target and the table-qualified sums are what PostgreSQL
     * requires; SQLite takes the same text. */
    const char *table = total ? "rollup_total" : "rollup";
    n += (size_t)snprintf(b + n, cap - n, ") ON CONFLICT(day,type,urgent%s) DO UPDATE SET ", total ? "" : ",street,unit");
    for (int c = 0; c < RU__COUNT; c++)
        n += (size_t)snprintf(b + n, cap - n, "%s%s=%s.%s+excluded.%s", c ? "," : "", COLUMNS[c], table, COLUMNS[c], COLUMNS[c]);
    return b;
}

static int put_row(store_t *self, int q, uint64_t key, const int64_t d[RU__COUNT])
{
    db_stmt_t *st = &self->q[q];
    const char *street = ticket_street_name((int)(key >> 8 & 0xff)), *unit = ticket_unit_name((int)(key & 0xff));
    db_bind_int64(st, 1, (int64_t)(key >> 32));
    db_bind_text(st, 2, ticket_type_name((int)(key >> 24 & 0xff)));
    db_bind_int64(st, 3, (int)(key >> 16 & 1));
    db_bind_text(st, 4, street ? street : "");
    db_bind_text(st, 5, unit ? unit : "");
    for (int c = 0; c < RU__COUNT; c++) db_bind_int64(st, 6 + c, d[c]);
    return store_step_done(self, st, q == Q_ROLLUP ? "rollup" : "rollup_total");
}

static bool all_zero(const int64_t d[RU__COUNT])
{
    for (int c = 0; c < RU__COUNT; c++)
        if (d[c]) return false;
    return true;
}

void store_rollup_discard(store_t *self)
{
    for (int i = 0; i < self->ru_used; i++) self->ru[self->ru_at[i]].used = false;
    self->ru_used = 0;
}

/* The net deltas of each rollup row, then of each rollup_total row (the
 * same keys without street and unit, summed here). */
int store_rollup_flush(store_t *self)
{
    int rc = 0;
    int64_t tot[STORE_RU_SLOTS / 4][RU__COUNT];
    uint64_t tot_key[STORE_RU_SLOTS / 4];
    int n_tot = 0;
    for (int i = 0; i < self->ru_used && rc == 0; i++) {
        store_ru_t *r = &self->ru[self->ru_at[i]];
        if (all_zero(r->d)) continue;
        rc = put_row(self, Q_ROLLUP, r->key, r->d);
        uint64_t k = r->key | 0xffff; /* street and unit: none */
        int j = 0;
        while (j < n_tot && tot_key[j] != k) j++;
        if (j == n_tot) {
            if (n_tot == STORE_RU_SLOTS / 4) { /* more totals than fit: write them and start over */
                for (int x = 0; x < n_tot && rc == 0; x++) rc = put_row(self, Q_ROLLUP_TOTAL, tot_key[x], tot[x]);
                n_tot = j = 0;
            }
            tot_key[n_tot] = k;
            memset(tot[n_tot++], 0, sizeof tot[0]);
        }
        for (int c = 0; c < RU__COUNT; c++) tot[j][c] += r->d[c];
    }
    for (int x = 0; x < n_tot && rc == 0; x++) rc = put_row(self, Q_ROLLUP_TOTAL, tot_key[x], tot[x]);
    store_rollup_discard(self);
    return rc;
}

int store_rollup_add(store_t *self, const ticket_t *t, int unit, int64_t at, const int delta[RU__COUNT])
{
    uint64_t key = key_of(t, unit, at);
    uint32_t s = slot_of(key);
    while (self->ru[s].used && self->ru[s].key != key) s = (s + 1) & (STORE_RU_SLOTS - 1);
    store_ru_t *r = &self->ru[s];
    if (!r->used) {
        /* Keep the table at most half full: past that, write what is pending
         * (still inside this transaction) and start again. */
        if (self->ru_used == STORE_RU_SLOTS / 2) {
            if (store_rollup_flush(self) != 0) return -1;
            return store_rollup_add(self, t, unit, at, delta);
        }
        r->used = true;
        r->key = key;
        memset(r->d, 0, sizeof r->d);
        self->ru_at[self->ru_used++] = (uint16_t)s;
    }
    for (int c = 0; c < RU__COUNT; c++) r->d[c] += delta[c];
    return 0;
}
int store_rollup_totals(store_t *self, int64_t out[RU__COUNT])
{
    db_stmt_t st;
    memset(out, 0, RU__COUNT * sizeof *out);
    char sql[1024];
    size_t n = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    for (int c = 0; c < RU__COUNT; c++) n += (size_t)snprintf(sql + n, sizeof sql - n, "%ssum(%s)", c ? "," : "", COLUMNS[c]);
    snprintf(sql + n, sizeof sql - n, " FROM rollup_total");
    if (db_prepare(self->conn, sql, &st) != 0) return store_fail(self, "rollup_totals");
    if (db_step(&st) == DB_ROW)
        for (int i = 0; i < RU__COUNT; i++) out[i] = db_int64(&st, i);
    db_finalize(&st);
    return 0;
}
