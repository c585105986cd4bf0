-- hotline store schema. The broker is the only writer; the report opens the
-- file read-only.
--
-- Version: PRAGMA user_version = 4 (this file creates it at once; older
-- files are upgraded step by step, see core/store.c).
-- Bump rule: any change a reader could notice (a new/renamed/retyped column,
-- table or index, a changed meaning of a value) gets the next user_version and
-- a migration step "migrate_N_to_N+1" in core/store.c (MIGRATIONS) that upgrades an
-- existing file in one transaction. Never edit a released step; add one.
--
-- Times are Unix seconds. Times of the lifecycle (received_at, closed_at,
-- event.at, ...) are VIRTUAL times derived from the ticket's own data and its
-- random stream, never from when a message arrived.

CREATE TABLE ticket (
    id            TEXT PRIMARY KEY,       -- caller's unique id (idempotency key), <= 64 bytes
    received_at   INTEGER NOT NULL,       -- virtual time of receipt
    type          TEXT NOT NULL,          -- consult|help|complaint|report|suggest|praise
    urgent        INTEGER NOT NULL,       -- 0/1
    street        TEXT,                   -- street code given by the caller, or NULL
    channel       TEXT,
    caller_mask   TEXT,                   -- masked phone number (138****1234); never the full number
    caller_hash   TEXT,                   -- keyed hash of the full number (hex)
    state         TEXT NOT NULL,          -- current lifecycle state (schemas/lifecycle.def)
    category      TEXT,                   -- category, set by classify
    unit          TEXT,                   -- current responsible unit service
    alt_unit      TEXT,                   -- classifier's second choice (re-dispatch after 退单)
    kb_id         TEXT,                   -- KB entry that answered a consultation
    round         INTEGER NOT NULL DEFAULT 0, -- dispatch round: 0, +1 per 退单
    delivery      INTEGER NOT NULL DEFAULT 0, -- deliveries of the stage in flight (crash/timeouts)
    sign_due      INTEGER,
    close_due     INTEGER,                -- moved by an approved extension
    extended      INTEGER NOT NULL DEFAULT 0,
    overdue_at    INTEGER,                -- virtual time of the 督办 (= the deadline passed)
    direct        INTEGER NOT NULL DEFAULT 0, -- 1 = answered from the knowledge base
    closed_at     INTEGER,                -- FIRST close (办结)
    on_time       INTEGER,                -- 1/0 at first close: closed_at <= close_due
    rating        INTEGER,                -- first visit rating 1..5
    rated_at      INTEGER,
    rating_default INTEGER,               -- 1 = no answer, default rating applied
    rectify_due   INTEGER,
    rectified_at  INTEGER,                -- 差评 rectified (second close)
    revisit_rating INTEGER,
    revisited_at  INTEGER,                -- re-visit after rectification
    done_at       INTEGER,                -- reached a final state
    signed_at     INTEGER,                -- the unit signed (签收) in the last dispatch round (version 3)
    -- version 4: the rules a centre is measured by (core/rules.h)
    reminded      INTEGER NOT NULL DEFAULT 0, -- 1: the 催办 of the current deadline was recorded
    notified      INTEGER NOT NULL DEFAULT 0, -- 通报 recorded since the deadline passed
    dispatched_at INTEGER,                -- dispatched in the current round (the 退单 window counts from it)
    returns_asked INTEGER,                -- 退单 asked, all rounds (NULL: none)
    returns_approved INTEGER,             -- ... of them approved
    returned_by   TEXT,                   -- units whose return was approved, comma-separated: never dispatched to again
    pending_at    INTEGER,                -- *_PENDING: when the unit asked
    pending_days  INTEGER,                -- EXTEND_PENDING: the working days asked
    asked         INTEGER,                -- requests made in the current round: 1 extension, 2 suspension (bits)
    suspended_at  INTEGER,                -- SUSPENDED: since when
    suspend_used  INTEGER,                -- working seconds suspended before, in all
    visit_attempts INTEGER,               -- visit calls that reached nobody
    solved        INTEGER,                -- the rating's parts: the matter solved (0/1) ...
    attitude      INTEGER,                -- ... and the unit's attitude (1..5)
    reopened      INTEGER,                -- times reopened (重办)
    reopened_at   INTEGER,
    reopen_due    INTEGER,                -- the reopened round's deadline
    co_units      TEXT,                   -- 联办: "unit:due:reported,..." (reported 0: not yet)
    lead_id       TEXT                    -- MERGED: the open ticket this repeat call was merged into
) STRICT, WITHOUT ROWID;
-- Two indexes only, both keyed on received_at, which never changes: a
-- transition rewrites the ticket row and touches no index until the ticket
-- is done (the broker's save leaves done_at out until then). Reports read
-- the roll-ups, not these columns, so closed_at, rated_at and overdue_at
-- carry no index (version 2 dropped the ones version 1 had).
CREATE INDEX ticket_received ON ticket(received_at);
CREATE INDEX ticket_unfinished ON ticket(received_at) WHERE done_at IS NULL;
-- Version 4: a repeat call finds the open tickets of its caller (重复件), and
-- a closing lead finds the calls merged into it. Partial: tickets without a
-- caller, or never merged, cost these indexes nothing.
CREATE INDEX ticket_caller ON ticket(caller_hash, received_at) WHERE caller_hash IS NOT NULL;
CREATE INDEX ticket_lead ON ticket(lead_id) WHERE lead_id IS NOT NULL;

-- The citizen's words, apart from the ticket row: the row is rewritten at
-- every transition, the text never is. n numbers the texts in intake order;
-- the search index below refers to it.
CREATE TABLE ticket_text (
    n     INTEGER PRIMARY KEY,            -- intake order (version 3)
    id    TEXT NOT NULL UNIQUE,           -- ticket.id
    text  TEXT NOT NULL                   -- UTF-8, <= 4096 bytes
) STRICT;

-- Full-text search over the texts (hotline-ctl list --text, ticket.list):
-- an FTS5 index with the trigram tokenizer, so any run of three or more
-- characters of Chinese (or any script) is found through the index; one or
-- two characters are matched by a scan. The index holds no copy of the text
-- (external content: ticket_text). The broker fills it from ticket_text in
-- the background, oldest first, up to meta 'search_n'; a text query first
-- brings it up to date.
CREATE VIRTUAL TABLE ticket_search USING fts5(text, content='ticket_text', content_rowid='n', tokenize='trigram');

-- Append-only event log: every transition adds one row in the same
-- transaction that updates ticket.state.
CREATE TABLE event (
    ticket_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,          -- commit order, assigned by the broker, increasing
    at         INTEGER NOT NULL,          -- virtual time of the event
    kind       TEXT NOT NULL,             -- lifecycle event name (schemas/lifecycle.def)
    state      TEXT NOT NULL,             -- state after the event
    round      INTEGER NOT NULL,
    unit       TEXT,
    detail     TEXT,                      -- short human-readable note (a person's action: its reason or result)
    actor      TEXT,                      -- who acted (a key's name, or --as NAME); NULL for the broker and workers (version 3)
    PRIMARY KEY (ticket_id, seq)          -- clustered by ticket: one B-tree, history in one place
) STRICT, WITHOUT ROWID;
CREATE TRIGGER event_append_only_u BEFORE UPDATE ON event
BEGIN SELECT RAISE(ABORT, 'event log is append-only'); END;
CREATE TRIGGER event_append_only_d BEFORE DELETE ON event
BEGIN SELECT RAISE(ABORT, 'event log is append-only'); END;

-- Knowledge-base revisions. An entry's content at virtual time t is its
-- newest revision with valid_from <= t.
CREATE TABLE kb_rev (
    rev         INTEGER PRIMARY KEY,      -- global revision number
    id          TEXT NOT NULL,            -- entry id, e.g. KB0042
    valid_from  INTEGER NOT NULL,         -- virtual time the revision takes effect
    category    TEXT NOT NULL,
    unit        TEXT NOT NULL,
    keywords    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    source      TEXT NOT NULL,            -- 'seed' (shipped file) or 'update' (counts as kb_updates)
    uid         TEXT UNIQUE,              -- the update's idempotency key (kb.update uid), NULL for seeds
    recorded_at INTEGER NOT NULL          -- wall-clock time the broker committed it
) STRICT;
CREATE INDEX kb_rev_id ON kb_rev(id, valid_from);

-- Daily roll-up of the report figures, kept by the broker in the
-- same transaction as the transitions that change them, so a report reads
-- O(days × groups) rows, never the tickets. Each figure is counted on the CST
-- day of its own time, under the ticket's type, urgency, street and the unit
-- responsible at that moment; "received" is counted once the ticket is
-- classified (tickets not yet classified are counted from the ticket table)
-- and follows the ticket when a 退单 moves it to another unit.
-- `hotline-broker --rebuild-rollups` recomputes it from the ticket table.
CREATE TABLE rollup (
    day           INTEGER NOT NULL,       -- CST day number: (t + 28800) / 86400
    type          TEXT NOT NULL,
    urgent        INTEGER NOT NULL,
    street        TEXT NOT NULL,          -- '' when the caller gave none
    unit          TEXT NOT NULL,          -- '' when none
    received      INTEGER NOT NULL DEFAULT 0, -- by received_at
    closed        INTEGER NOT NULL DEFAULT 0, -- first closes, by closed_at
    on_time       INTEGER NOT NULL DEFAULT 0, -- of those, on time
    direct        INTEGER NOT NULL DEFAULT 0, -- of those, answered from the knowledge base
    rated         INTEGER NOT NULL DEFAULT 0, -- by rated_at
    sat3          INTEGER NOT NULL DEFAULT 0, -- rating 3..5
    sat4          INTEGER NOT NULL DEFAULT 0, -- rating 4..5
    bad           INTEGER NOT NULL DEFAULT 0, -- rating 1..2 (差评)
    bad_rectified INTEGER NOT NULL DEFAULT 0, -- of those, rectified and re-visited (on the rating's day: a cohort)
    overdue       INTEGER NOT NULL DEFAULT 0, -- by overdue_at
    reminders     INTEGER NOT NULL DEFAULT 0, -- 催办 (event remind), by its time (version 4, and all below)
    notifications INTEGER NOT NULL DEFAULT 0, -- 通报 (event notify)
    returns       INTEGER NOT NULL DEFAULT 0, -- 退单 asked (event return_asked)
    returns_approved INTEGER NOT NULL DEFAULT 0, -- ... approved (event returned)
    extensions    INTEGER NOT NULL DEFAULT 0, -- 延期 granted (event extended)
    suspensions   INTEGER NOT NULL DEFAULT 0, -- 挂起 approved (event suspended)
    merged        INTEGER NOT NULL DEFAULT 0, -- repeat calls merged (event merged)
    co_handled    INTEGER NOT NULL DEFAULT 0, -- tickets dispatched with co-units (联办), under the lead unit
    unreachable   INTEGER NOT NULL DEFAULT 0, -- visits that reached nobody (default rating), by rated_at
    reopened      INTEGER NOT NULL DEFAULT 0, -- 重办 (event reopened)
    manual_dispatch INTEGER NOT NULL DEFAULT 0, -- 人工派单 (event assigned)
    dispatched    INTEGER NOT NULL DEFAULT 0, -- first dispatches (round 0)
    first_returned INTEGER NOT NULL DEFAULT 0, -- first dispatches that came back (approved return in round 0)
    PRIMARY KEY (day, type, urgent, street, unit)
) STRICT, WITHOUT ROWID;

-- The same figures without street and unit: what a yearly, monthly or by-type
-- report reads (a few thousand rows a year, whatever the number of tickets).
-- Kept in the same transaction as rollup, and always equal to its sums.
CREATE TABLE rollup_total (
    day           INTEGER NOT NULL,
    type          TEXT NOT NULL,
    urgent        INTEGER NOT NULL,
    received      INTEGER NOT NULL DEFAULT 0,
    closed        INTEGER NOT NULL DEFAULT 0,
    on_time       INTEGER NOT NULL DEFAULT 0,
    direct        INTEGER NOT NULL DEFAULT 0,
    rated         INTEGER NOT NULL DEFAULT 0,
    sat3          INTEGER NOT NULL DEFAULT 0,
    sat4          INTEGER NOT NULL DEFAULT 0,
    bad           INTEGER NOT NULL DEFAULT 0,
    bad_rectified INTEGER NOT NULL DEFAULT 0,
    overdue       INTEGER NOT NULL DEFAULT 0,
    reminders     INTEGER NOT NULL DEFAULT 0,
    notifications INTEGER NOT NULL DEFAULT 0,
    returns       INTEGER NOT NULL DEFAULT 0,
    returns_approved INTEGER NOT NULL DEFAULT 0,
    extensions    INTEGER NOT NULL DEFAULT 0,
    suspensions   INTEGER NOT NULL DEFAULT 0,
    merged        INTEGER NOT NULL DEFAULT 0,
    co_handled    INTEGER NOT NULL DEFAULT 0,
    unreachable   INTEGER NOT NULL DEFAULT 0,
    reopened      INTEGER NOT NULL DEFAULT 0,
    manual_dispatch INTEGER NOT NULL DEFAULT 0,
    dispatched    INTEGER NOT NULL DEFAULT 0,
    first_returned INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, type, urgent)
) STRICT, WITHOUT ROWID;

-- Small settings: active scenario text and seed, clock mode, virtual clock,
-- and 'centre': the code of the 12345 centre the store serves, recorded when
-- the store is made (a store from before centres records the first one it
-- is opened with). A broker of another centre is refused.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value ANY
) STRICT;
