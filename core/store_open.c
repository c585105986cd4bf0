/* store_open: the store's engine, chosen by the target: a postgresql:// URI
 * or a libpq "key=value" string is PostgreSQL (store_pg.c), anything else a
 * SQLite file (store.c). Everything after the open is shared code. */
#include "store_priv.h"

store_t *store_open(const char *target, store_sync_t sync, char *err, size_t errlen)
{
    return db_target_is_pg(target) ? store_open_pg(target, sync, err, errlen)
                                   : store_open_sqlite(target, sync, err, errlen);
}

int64_t store_file_bytes(const store_t *self, int64_t *wal_bytes)
{
    return self->db ? store_sqlite_bytes(self, wal_bytes) : store_pg_bytes((store_t *)self, wal_bytes);
}
