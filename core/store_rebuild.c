/* store_rebuild: recomputes the report roll-ups from the ticket table, for
 * maintenance (hotline-broker --rebuild-rollups) and tests. */
#include "store_priv.h"
#include "calendar.h"
#include "log.h"

/* Each figure from its own time column, exactly as the broker counts it. */
static const char REBUILD[] =
    "DELETE FROM rollup;"
    "INSERT INTO rollup(day,type,urgent,street,unit,received) SELECT (received_at+" CAL_TZ_OFFSET_SQL ")/86400,type,urgent,"
    " coalesce(street,''),coalesce(unit,''),count(*) FROM ticket WHERE category IS NOT NULL GROUP BY 1,2,3,4,5;"
    "INSERT INTO rollup(day,type,urgent,street,unit,closed,on_time,direct) SELECT (closed_at+" CAL_TZ_OFFSET_SQL ")/86400,type,urgent,"
    " coalesce(street,''),coalesce(unit,''),count(*),sum(on_time=1),sum(direct=1) FROM ticket WHERE closed_at IS NOT NULL"
    " GROUP BY 1,2,3,4,5 ON CONFLICT DO UPDATE SET closed=excluded.closed,on_time=excluded.on_time,direct=excluded.direct;"
    "INSERT INTO rollup(day,type,urgent,street,unit,rated,sat3,sat4,bad,bad_rectified) SELECT (rated_at+" CAL_TZ_OFFSET_SQL ")/86400,"
    " type,urgent,coalesce(street,''),coalesce(unit,''),count(*),sum(rating>" TICKET_BAD_RATING_SQL "),sum(rating>=4),sum(rating<=" TICKET_BAD_RATING_SQL "),"
    " sum(rating<=" TICKET_BAD_RATING_SQL " AND revisited_at IS NOT NULL) FROM ticket WHERE rated_at IS NOT NULL GROUP BY 1,2,3,4,5"
    " ON CONFLICT DO UPDATE SET rated=excluded.rated,sat3=excluded.sat3,sat4=excluded.sat4,bad=excluded.bad,"
    " bad_rectified=excluded.bad_rectified;"
    "INSERT INTO rollup(day,type,urgent,street,unit,overdue) SELECT (overdue_at+" CAL_TZ_OFFSET_SQL ")/86400,type,urgent,"
    " coalesce(street,''),coalesce(unit,''),count(*) FROM ticket WHERE overdue_at IS NOT NULL GROUP BY 1,2,3,4,5"
    " ON CONFLICT DO UPDATE SET overdue=excluded.overdue;"
    "DELETE FROM rollup_total;"
    "INSERT INTO rollup_total SELECT day,type,urgent,sum(received),sum(closed),sum(on_time),sum(direct),sum(rated),"
    " sum(sat3),sum(sat4),sum(bad),sum(bad_rectified),sum(overdue) FROM rollup GROUP BY 1,2,3;";

int store_rollup_rebuild(store_t *self)
{
    if (store_begin(self) != 0) return -1;
    char *msg = NULL;
    if (sqlite3_exec(self->db, REBUILD, NULL, NULL, &msg) != SQLITE_OK) {
        sqlite3_free(msg);
        self->txn_failed = true;
        store_fail(self, "rollup_rebuild");
        store_commit(self);
        return -1;
    }
    return store_commit(self);
}

