/* Unit tests for core/store's schema versions: a newer store is refused
 * untouched, and genuine old files (version 1 and 2, tests/data/store-v2.sql)
 * are upgraded in place, step by step, keeping their rows. */
#include "store_fixture.h"

static void test_newer_version_refused(void **state)
{
    fx_t *fx = *state;
    store_close(&fx->st);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READWRITE);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[256] = "";
    fx->st = store_open(fx->path, STORE_SYNC_NORMAL, err, sizeof err);
    assert_null(fx->st);
    assert_string_equal(err, "store schema version 99 is newer than this program (4)");
    /* refused without touching the file */
    db = raw_open(fx, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 99);
    sqlite3_close(db);
}

/* Makes fx's store file a genuine old one: the version-2 schema as released
 * (tests/data/store-v2.sql), with one ticket, its text and two events, at
 * user_version `version` (1 adds the three ticket indexes version 2 dropped). */
static void make_old_store(fx_t *fx, int version)
{
    store_close(&fx->st);
    unlink(fx->path);
    char path[512], *sql = NULL;
    snprintf(path, sizeof path, "%s/tests/data/store-v2.sql", HOTLINE_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    sql = malloc(cap);
    n = fread(sql, 1, cap - 1, f);
    fclose(f);
    sql[n] = '\0';
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO ticket(id,received_at,type,urgent,state) VALUES('OLD',1641000000,'complaint',0,'DISPATCHED');"
                                      "INSERT INTO ticket_text(id,text) VALUES('OLD','小区电梯坏了三天没人修');"
                                      "INSERT INTO ticket(id,received_at,type,urgent,state) VALUES('OLDER',1640000000,'help',0,'RECEIVED');"
                                      "INSERT INTO ticket_text(id,text) VALUES('OLDER','路灯不亮');"
                                      "INSERT INTO event(ticket_id,seq,at,kind,state,round) VALUES('OLD',1,1641000000,'received','RECEIVED',0);"
                                      "INSERT INTO event(ticket_id,seq,at,kind,state,round) VALUES('OLD',2,1641000600,'dispatched','DISPATCHED',0);",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=2", NULL, NULL, NULL), SQLITE_OK);
    if (version == 1)
        assert_int_equal(sqlite3_exec(db, "CREATE INDEX ticket_closed ON ticket(closed_at) WHERE closed_at IS NOT NULL;"
                                          "CREATE INDEX ticket_rated ON ticket(rated_at) WHERE rated_at IS NOT NULL;"
                                          "CREATE INDEX ticket_overdue ON ticket(overdue_at) WHERE overdue_at IS NOT NULL;"
                                          "PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void collect_ids(void *ctx, const store_list_row_t *r)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 256 - n, "%s%s", n ? "," : "", r->id);
}

/* An old file is upgraded in place on open, step by step, and keeps its rows:
 * version 1 loses three indexes; version 3 adds the actor and signed_at
 * columns and numbers the texts in intake order for the search index;
 * version 4 adds the rules' columns and roll-up figures. */
static void check_upgraded(fx_t *fx)
{
    char err[256] = "", ids[256] = "", next[64];
    fx->st = store_open(fx->path, STORE_SYNC_FULL, err, sizeof err);
    assert_non_null(fx->st);
    sqlite3 *db = raw_open(fx, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 4);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND tbl_name='ticket' AND sql IS NOT NULL"), 4);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket WHERE signed_at IS NULL"), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM event WHERE actor IS NULL"), 2);
    /* version 4: the rules' columns, empty, and the figures they add */
    assert_int_equal(raw_int(db, "SELECT count(*) FROM ticket WHERE reminded=0 AND notified=0 AND lead_id IS NULL"), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_table_info('rollup') WHERE name IN ('reminders','returns','merged','first_returned')"), 4);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name IN ('ticket_caller','ticket_lead')"), 2);
    /* texts numbered by received_at: OLDER first */
    assert_int_equal(raw_int(db, "SELECT n FROM ticket_text WHERE id='OLDER'"), 1);
    assert_int_equal(raw_int(db, "SELECT n FROM ticket_text WHERE id='OLD'"), 2);
    sqlite3_close(db);
    char *text = store_ticket_text(fx->st, "OLD");
    assert_string_equal(text, "小区电梯坏了三天没人修");
    free(text);
    /* the search index starts empty and is filled from the texts */
    assert_int_equal(store_search_pending(fx->st), 2);
    assert_int_equal(store_search_catch_up(fx->st, 10), 2);
    assert_int_equal(store_commit(fx->st), 0);
    assert_int_equal(store_search_pending(fx->st), 0);
    store_list_t q = {.text = "电梯", .limit = 10, .now = 1641000000};
    assert_int_equal(store_ticket_list(fx->st, &q, collect_ids, ids, next, sizeof next, err, sizeof err), 0);
    assert_string_equal(ids, "OLD");
}

static void test_migrate_1_to_4(void **state)
{
    make_old_store(*state, 1);
    check_upgraded(*state);
}

static void test_migrate_2_to_4(void **state)
{
    make_old_store(*state, 2);
    check_upgraded(*state);
}

/* A file records the centre it was made for; an old file (before centres)
 * takes the one it is first opened with. */
static void test_centre_recorded_and_checked(void **state)
{
    fx_t *fx = *state;
    char err[256] = "";
    assert_string_equal(store_centre(fx->st), TICKET_DEFAULT_CENTRE);
    store_close(&fx->st);
    assert_null(store_open_centre(fx->path, "jinping", STORE_SYNC_NORMAL, err, sizeof err));
    assert_non_null(strstr(err, "belongs to centre 'longhu', not 'jinping'"));
    fx->st = store_open_centre(fx->path, TICKET_DEFAULT_CENTRE, STORE_SYNC_NORMAL, err, sizeof err);
    assert_non_null(fx->st);
    make_old_store(fx, 2);
    fx->st = store_open_centre(fx->path, "jinping", STORE_SYNC_NORMAL, err, sizeof err);
    assert_non_null(fx->st);
    assert_string_equal(store_centre(fx->st), "jinping");
    store_close(&fx->st);
    fx->st = store_open(fx->path, STORE_SYNC_NORMAL, err, sizeof err);
    assert_non_null(fx->st);
    assert_string_equal(store_centre(fx->st), "jinping");
}

int main(void)
{
    log_init("test_store_migrate", LOG_ERROR + 1);   /* expected failures would log errors */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_newer_version_refused),
        T(test_migrate_1_to_4),
        T(test_migrate_2_to_4),
        T(test_centre_recorded_and_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
