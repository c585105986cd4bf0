/* store_rebuild: recomputes the report roll-ups, for maintenance
 * (hotline-broker --rebuild-rollups) and to check the broker's own counting
 * (the year test compares both). The figures of the ticket table come from
 * their own time columns, the others from the event log — each exactly as
 * the broker counts it. */
#include "store_priv.h"
#include "calendar.h"
#include "log.h"
#include <stdio.h>

#define DAY_OF(col) "(" col "+" CAL_TZ_OFFSET_SQL ")/86400"
#define KEYS "type,urgent,coalesce(street,''),coalesce(unit,'')"
/* How many rows meet cond: a sum both engines take (PostgreSQL sums no booleans). */
#define COUNT_IF(cond) "sum(CASE WHEN " cond " THEN 1 ELSE 0 END)"
#define ON_ROW " ON CONFLICT(day,type,urgent,street,unit) DO UPDATE SET "

static const char FROM_TICKETS[] =
    "DELETE FROM rollup;"
    "INSERT INTO rollup(day,type,urgent,street,unit,received) SELECT " DAY_OF("received_at") "," KEYS ",count(*)"
    " FROM ticket WHERE category IS NOT NULL GROUP BY 1,2,3,4,5;"
    "INSERT INTO rollup(day,type,urgent,street,unit,closed,on_time,direct) SELECT " DAY_OF("closed_at") "," KEYS ","
    " count(*)," COUNT_IF("on_time=1") "," COUNT_IF("direct=1") " FROM ticket WHERE closed_at IS NOT NULL"
    " GROUP BY 1,2,3,4,5" ON_ROW "closed=excluded.closed,on_time=excluded.on_time,direct=excluded.direct;"
    "INSERT INTO rollup(day,type,urgent,street,unit,rated,sat3,sat4,bad,bad_rectified,unreachable) SELECT " DAY_OF("rated_at")
    "," KEYS ",count(*)," COUNT_IF("rating>" TICKET_BAD_RATING_SQL) "," COUNT_IF("rating>=4") ","
    COUNT_IF("rating<=" TICKET_BAD_RATING_SQL) "," COUNT_IF("rating<=" TICKET_BAD_RATING_SQL " AND revisited_at IS NOT NULL") ","
    COUNT_IF("rating_default=1") " FROM ticket"
    " WHERE rated_at IS NOT NULL GROUP BY 1,2,3,4,5"
    ON_ROW "rated=excluded.rated,sat3=excluded.sat3,sat4=excluded.sat4,bad=excluded.bad,"
    " bad_rectified=excluded.bad_rectified,unreachable=excluded.unreachable;"
    "INSERT INTO rollup(day,type,urgent,street,unit,overdue) SELECT " DAY_OF("overdue_at") "," KEYS ",count(*) FROM ticket"
    " WHERE overdue_at IS NOT NULL GROUP BY 1,2,3,4,5" ON_ROW "overdue=excluded.overdue;";

/* Counted on the event's day, under the unit the event row names. 联办 is
 * marked in the dispatch event's detail ("… 联办 unit.x"). */
static const char FROM_EVENTS[] =
    "INSERT INTO rollup(day,type,urgent,street,unit,reminders,notifications,returns,returns_approved,extensions,"
    "suspensions,merged,co_handled,reopened,manual_dispatch,dispatched,first_returned)"
    " SELECT " DAY_OF("e.at") ",t.type,t.urgent,coalesce(t.street,''),coalesce(e.unit,''),"
    COUNT_IF("e.kind='remind'") "," COUNT_IF("e.kind='notify'") "," COUNT_IF("e.kind='return_asked'") ","
    COUNT_IF("e.kind='returned'") "," COUNT_IF("e.kind='extended'") "," COUNT_IF("e.kind='suspended'") ","
    COUNT_IF("e.kind='merged'") "," COUNT_IF("e.kind='dispatched' AND e.round=0 AND coalesce(e.detail,'') LIKE '%联办%'") ","
    COUNT_IF("e.kind='reopened'") "," COUNT_IF("e.kind='assigned'") ","
    COUNT_IF("e.kind IN ('dispatched','assigned') AND e.round=0") "," COUNT_IF("e.kind='returned' AND e.round=0")
    " FROM event e JOIN ticket t ON t.id=e.ticket_id WHERE e.kind IN ('remind','notify','return_asked','returned',"
    "'extended','suspended','merged','dispatched','reopened','assigned') GROUP BY 1,2,3,4,5"
    ON_ROW "reminders=excluded.reminders,notifications=excluded.notifications,"
    "returns=excluded.returns,returns_approved=excluded.returns_approved,extensions=excluded.extensions,"
    "suspensions=excluded.suspensions,merged=excluded.merged,co_handled=excluded.co_handled,reopened=excluded.reopened,"
    "manual_dispatch=excluded.manual_dispatch,dispatched=excluded.dispatched,first_returned=excluded.first_returned;";

/* rollup_total: the same sums without street and unit. */
static void totals_sql(char *b, size_t cap)
{
    size_t n = (size_t)snprintf(b, cap, "DELETE FROM rollup_total; INSERT INTO rollup_total(day,type,urgent");
    for (int c = 0; c < RU__COUNT; c++) n += (size_t)snprintf(b + n, cap - n, ",%s", store_rollup_column(c));
    n += (size_t)snprintf(b + n, cap - n, ") SELECT day,type,urgent");
    for (int c = 0; c < RU__COUNT; c++) n += (size_t)snprintf(b + n, cap - n, ",sum(%s)", store_rollup_column(c));
    snprintf(b + n, cap - n, " FROM rollup GROUP BY 1,2,3;");
}

int store_rollup_rebuild(store_t *self)
{
    if (store_begin(self) != 0) return -1;
    char totals[2048];
    totals_sql(totals, sizeof totals);
    const char *steps[] = {FROM_TICKETS, FROM_EVENTS, totals};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (db_exec(self->conn, steps[i]) != 0) {
            log_error("store error", "op=rollup_rebuild error=\"%s\"", db_errmsg(self->conn));
            self->txn_failed = true;
            store_commit(self);
            return -1;
        }
    return store_commit(self);
}
