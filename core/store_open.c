/* store_open: the store's engine, chosen by the target: a postgresql:// URI
 * or a libpq "key=value" string is PostgreSQL (store_pg.c), anything else a
 * SQLite file (store.c). Everything after the open is shared code. */
#include "store_priv.h"
#include <stdio.h>

store_t *store_open_centre(const char *target, const char *centre, store_sync_t sync, char *err, size_t errlen)
{
    if (centre && !ticket_centre_valid(centre)) {
        snprintf(err, errlen, "bad centre code '%s': " TICKET_CENTRE_RULE, centre);
        return NULL;
    }
    return db_target_is_pg(target) ? store_open_pg(target, centre, sync, err, errlen)
                                   : store_open_sqlite(target, centre, sync, err, errlen);
}

store_t *store_open(const char *target, store_sync_t sync, char *err, size_t errlen)
{
    return store_open_centre(target, NULL, sync, err, errlen);
}

const char *store_centre(const store_t *self) { return self->centre; }

int64_t store_file_bytes(const store_t *self, int64_t *wal_bytes)
{
    return self->db ? store_sqlite_bytes(self, wal_bytes) : store_pg_bytes((store_t *)self, wal_bytes);
}
