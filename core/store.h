/* store: the SQLite record of every ticket, event and knowledge-base revision
 * (schemas/store.sql). The broker is its single writer: one connection, WAL,
 * prepared statements, and group commit: writes of one loop iteration share
 * one transaction, and nothing is acknowledged before store_commit() returns.
 * The report opens the file read-only on its own. */
#ifndef HOTLINE_STORE_H
#define HOTLINE_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include "kb.h"
#include "ticket.h"

#define STORE_SCHEMA_VERSION 4

typedef struct store store_t;
typedef enum { STORE_SYNC_FULL, STORE_SYNC_NORMAL } store_sync_t;

/* Opens (creating and migrating as needed) the store at path, runs
 * PRAGMA quick_check, and prepares every statement. NULL with err on failure.
 * The store serves the centre it records (TICKET_DEFAULT_CENTRE when new). */
store_t *store_open(const char *path, store_sync_t sync, char *err, size_t errlen);
/* The same for one centre (ticket_centre_valid; NULL: as store_open). A
 * SQLite file belongs to one centre, recorded when it is created: another
 * code is refused. A PostgreSQL database holds any number of centres, each
 * in its own schema (centre_<code>), each with its own active broker. */
store_t *store_open_centre(const char *path, const char *centre, store_sync_t sync, char *err, size_t errlen);
/* The code of the centre the store serves. */
const char *store_centre(const store_t *self);
void store_close(store_t **p);

/* Durability (store_sync.c). Every successful store_commit() is an epoch,
 * numbered from 1. With STORE_SYNC_FULL the commit returns before the disk
 * has it, and a thread fdatasyncs the WAL: an epoch is durable once
 * store_durable() >= it. Nothing may be acknowledged before its epoch is
 * durable. With STORE_SYNC_NORMAL there is no thread and every commit counts
 * as durable at once (a power cut may lose the last ones).
 * store_sync_fd: readable when store_durable() may have moved (-1: never);
 * store_sync_poll: clears it; -1 once an fdatasync failed (stop: nothing
 * after the last durable epoch can be trusted); store_sync_wait: blocks until
 * every commit is durable (-1: a sync failed). */
uint64_t store_epoch(const store_t *self);
uint64_t store_durable(const store_t *self);
int store_sync_fd(const store_t *self);
int store_sync_poll(store_t *self);
int store_sync_wait(store_t *self);
/* Duration of the last fdatasync in microseconds, and how many ran. */
int64_t store_last_sync_us(const store_t *self);
uint64_t store_syncs(const store_t *self);

/* Starts the group transaction unless one is open. 0 or -1. */
int store_begin(store_t *self);
/* Commits the open transaction (no-op if none). On failure rolls back and
 * returns -1: nothing written since store_begin() is kept. */
int store_commit(store_t *self);
bool store_in_txn(const store_t *self);
/* Commits done since open, and the last commit's duration in microseconds. */
uint64_t store_commits(const store_t *self);
int64_t store_last_commit_us(const store_t *self);
/* Statements written so far by the open transaction. */
uint64_t store_txn_writes(const store_t *self);
/* Statements written by the last commit (its batch size). */
uint64_t store_last_commit_writes(const store_t *self);
/* Bytes of the database file and its WAL. */
int64_t store_file_bytes(const store_t *self, int64_t *wal_bytes);
/* Passive WAL checkpoint on the loop's connection, so the WAL cannot grow
 * without bound; once it has copied every frame, the next write restarts the
 * WAL from its beginning. */
int store_checkpoint(store_t *self);
/* The same on a helper thread's own connection (STORE_SYNC_FULL), for the
 * bulk of the copying: 0 started, 1 one is still running, -1 no helper (use
 * store_checkpoint). store_checkpoint_done: true once, when it has finished,
 * with *left = the frames written meanwhile, which it did not copy. */
int store_checkpoint_async(store_t *self);
bool store_checkpoint_done(store_t *self, int *left);
/* No helper checkpoint is running or waiting to be reported (true without a helper). */
bool store_checkpoint_async_idle(const store_t *self);
/* Duration of the helper's last checkpoint in microseconds. */
int64_t store_last_checkpoint_us(const store_t *self);
/* Frames in the WAL since it last restarted. */
int store_wal_pages(const store_t *self);
/* The last SQLite error text. */
const char *store_errmsg(const store_t *self);
/* The per-store secret for privacy hashes (created with the store). */
const uint8_t *store_secret(const store_t *self);

/* --- leadership (store_pg.c): one active broker per PostgreSQL store --- */
/* Waits until this broker holds the store's leadership (a session advisory
 * lock on its connection) and returns 1, having reloaded what the previous
 * leader wrote; 0 once *stop is set while waiting; -1 on an error. A holder
 * whose session stays idle longer than lease_s is ended (it is frozen; a live
 * broker runs store_keepalive). Reconnects while the store is unreachable.
 * *waited_ms: how long it waited. SQLite: 1 at once. */
int store_lead(store_t *self, const volatile sig_atomic_t *stop, int lease_s, int64_t *waited_ms);
/* The active broker, about once a second: shows its session alive. -1 when
 * the statement failed (see store_lost). */
int store_keepalive(store_t *self);
/* PostgreSQL: the connection is gone, and with it the leadership. The broker
 * must stop at once: nothing more may be acknowledged. Always false on SQLite. */
bool store_lost(const store_t *self);

/* --- tickets (store_ticket.c) --- */
/* Inserts a new ticket with its "received" event. 0 inserted, 1 the id
 * already exists (nothing written), -1 error. */
int store_ticket_insert(store_t *self, const ticket_t *t, const ticket_intake_t *in);
/* Looks up a batch of ids about to be submitted, STORE_TEXTS_BATCH to a
 * query; until store_ids_forget, store_ticket_insert knows from memory
 * whether each exists, and sends the insert of a new one without waiting
 * for its answer (on PostgreSQL: no round trip per ticket). Call it inside
 * the transaction that inserts them. 0, or -1 (nothing held: inserts check
 * one by one). */
int store_ids_check(store_t *self, const char *const *ids, int n);
void store_ids_forget(store_t *self);
/* Writes every mutable column of t (its rarer fields too, when t->ext is
 * set). done_at is written once t has one and
 * never cleared: a done ticket is final (it leaves ticket_unfinished then).
 * kb_id (the entry that answered a consultation) is written when not NULL
 * and otherwise left as it is. */
int store_ticket_save(store_t *self, const ticket_t *t, const char *kb_id);
/* Appends an event row for t (its current state, round and unit). actor:
 * who acted (a person's name), NULL for the broker's and workers' own. */
int store_event(store_t *self, const ticket_t *t, lc_event_t ev, int64_t at, const char *detail, const char *actor);
/* 0 found, 1 unknown id, -1 error. out->ext may be set: the caller frees
 * it (ticket_ext_free) or hands it on with the ticket. */
int store_ticket_get(store_t *self, const char *id, ticket_t *out);
/* The ticket's text; caller frees. NULL if unknown or on error. */
char *store_ticket_text(store_t *self, const char *id);
/* The same without a copy: fn sees the text (valid during the call only).
 * 0 found, 1 unknown id. */
typedef void (*store_text_fn)(void *ctx, const char *text, size_t len);
int store_ticket_text_with(store_t *self, const char *id, store_text_fn fn, void *ctx);
/* Reads the texts of ids[0..n) ahead, STORE_TEXTS_BATCH to a query (on
 * PostgreSQL one round trip each, not one per ticket): until
 * store_texts_forget, store_ticket_text and store_ticket_text_with answer
 * those ids from memory. A text never changes once stored, so what is held
 * cannot go stale. 0, or -1 on error (then nothing is held and reads go to
 * the database as usual). */
#define STORE_TEXTS_BATCH 64
int store_texts_prefetch(store_t *self, const char *const *ids, int n);
void store_texts_forget(store_t *self);
typedef int (*store_ticket_fn)(void *ctx, const ticket_t *t);
/* Calls fn for every ticket not in a final state; stops early if fn returns
 * non-zero. fn owns t->ext (frees it or keeps it with the ticket). */
int store_ticket_unfinished(store_t *self, store_ticket_fn fn, void *ctx);
/* One row of the event log, as a reader sees it (strings valid during the call). */
typedef struct {
    int64_t at;
    const char *kind, *state, *unit, *detail, *actor;   /* unit, detail, actor may be NULL */
    int round;
} store_event_row_t;
typedef void (*store_event_fn)(void *ctx, const store_event_row_t *e);
int store_ticket_events(store_t *self, const char *id, store_event_fn fn, void *ctx);
typedef int (*store_id_fn)(void *ctx, const char *id, int64_t at);
/* 重复件: the tickets of the same caller as ticket id received in
 * [from, to] before it (not merged themselves, not direct answers, not
 * praise), oldest first; fn gets each id and received_at (non-zero stops). */
int store_ticket_merge_leads(store_t *self, const char *id, int64_t from, int64_t to, store_id_fn fn, void *ctx);
/* The unfinished tickets merged into lead (fn's at is 0). */
int store_ticket_followers(store_t *self, const char *lead, store_id_fn fn, void *ctx);
/* Tickets per state (out indexed by lc_state_t), one scan at start. */
int store_ticket_state_counts(store_t *self, uint64_t out[ST__COUNT]);
/* Tickets in the store, and how many of them are in a final state. */
int store_ticket_counts(store_t *self, int64_t *total, int64_t *final);

/* --- look-up and search (store_query.c) --- */
/* ticket.list: tickets matching every given filter, in intake order (by
 * received_at and id; by text number with a text filter), one page at a time. */
typedef struct {
    const char *states, *units, *streets, *types; /* comma-separated codes; NULL = any */
    bool overdue;             /* open and past its close deadline at now */
    int64_t due_within_s;     /* > 0: open, close deadline within this many seconds after now */
    const char *text;         /* words (space-separated) that must all occur in the text; NULL = any */
    int64_t now;              /* the clock the deadlines are judged by */
    int limit;                /* tickets per page, 1..1000 */
    const char *after;        /* the cursor a previous page returned, or NULL */
    int64_t budget_ms;        /* stop scanning after this long (the page ends early, with a cursor) */
} store_list_t;
typedef struct {
    const char *id, *state, *type, *unit, *street;  /* unit, street may be NULL */
    bool urgent, overdue;
    int64_t received_at, sign_due, close_due, closed_at;
    int64_t deadline;         /* the next deadline: close_due until closed, rectify_due while rectifying; 0 none */
    const char *flag;         /* open tickets: "red" (overdue, or 通报 sent), "yellow" (催办 sent), else NULL */
} store_list_row_t;
typedef void (*store_list_fn)(void *ctx, const store_list_row_t *r);
/* Calls fn per matching ticket. 0 with next = the cursor for the next page
 * ("" when nothing is left); -1 with err (a bad filter or cursor, or a store error). */
int store_ticket_list(store_t *self, const store_list_t *q, store_list_fn fn, void *ctx, char *next, size_t nextlen,
                      char *err, size_t errlen);
/* The next deadline of a ticket, as store_list_row_t.deadline. */
int64_t store_next_deadline(const ticket_t *t);
/* Texts not yet in the search index. */
int64_t store_search_pending(store_t *self);
/* Adds up to max texts to the search index (in the open transaction);
 * returns how many, or -1. */
int store_search_catch_up(store_t *self, int64_t max);

/* --- roll-ups (schemas/store.sql, table rollup) --- */
/* The figures a roll-up row counts, in column order (schemas/store.sql). The
 * first ten come from the ticket table; the others from the event log (each
 * on the event's day, under the event's unit), so a rebuild can recount them. */
#define STORE_ROLLUP_COLUMNS(X)                                                                                       \
    X(RECEIVED, received) X(CLOSED, closed) X(ON_TIME, on_time) X(DIRECT, direct) X(RATED, rated) X(SAT3, sat3)       \
    X(SAT4, sat4) X(BAD, bad) X(BAD_RECTIFIED, bad_rectified) X(OVERDUE, overdue)                                     \
    X(REMINDERS, reminders) X(NOTIFICATIONS, notifications) X(RETURNS, returns) X(RETURNS_APPROVED, returns_approved) \
    X(EXTENSIONS, extensions) X(SUSPENSIONS, suspensions) X(MERGED, merged) X(CO_HANDLED, co_handled)                 \
    X(UNREACHABLE, unreachable) X(REOPENED, reopened) X(MANUAL_DISPATCH, manual_dispatch) X(DISPATCHED, dispatched)   \
    X(FIRST_RETURNED, first_returned)
typedef enum {
#define STORE_RU_ENUM(e, c) RU_##e,
    STORE_ROLLUP_COLUMNS(STORE_RU_ENUM)
#undef STORE_RU_ENUM
    RU__COUNT
} store_rollup_col_t;
/* The column name of figure c ("received"). */
const char *store_rollup_column(int c);
/* Adds delta[c] to each column c of the (CST day of t, ticket's type,
 * urgency, street, unit) row, in the open transaction (store_begin first).
 * unit is a units_all() index or TICKET_NONE. */
int store_rollup_add(store_t *self, const ticket_t *t, int unit, int64_t at, const int delta[RU__COUNT]);
/* Column totals of the whole roll-up table. */
int store_rollup_totals(store_t *self, int64_t out[RU__COUNT]);
/* Recomputes the whole table from the ticket table, in one transaction. */
int store_rollup_rebuild(store_t *self);

/* --- knowledge base --- */
/* Inserts a revision; its rev is assigned and written to *rev. uid (may be
 * NULL) is an update's idempotency key. */
int store_kb_insert(store_t *self, const kb_entry_t *e, const char *source, const char *uid, int64_t *rev);
/* The rev an update uid produced, 0 if the uid is unknown, -1 on error. */
int64_t store_kb_uid_rev(store_t *self, const char *uid);
typedef int (*store_kb_fn)(void *ctx, const kb_entry_t *e);
/* Every revision with rev > since, in rev order, at most limit (0 = all). */
int store_kb_since(store_t *self, int64_t since, int limit, store_kb_fn fn, void *ctx);
int64_t store_kb_max_rev(store_t *self);

/* --- meta --- */
/* Returns a heap copy of the value (caller frees) or NULL if absent. */
char *store_meta_get(store_t *self, const char *key);
int store_meta_set(store_t *self, const char *key, const char *value);

#endif
