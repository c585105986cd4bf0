-- hotline store schema, PostgreSQL edition: the same tables, columns and
-- meanings as schemas/store.sql (the SQLite edition), so the broker's
-- statements and the report's queries run unchanged on both. Differences:
-- integers are BIGINT; ticket_text.n and kb_rev.rev are identity columns;
-- a trigram index instead of FTS5 (see ticket_text); the event log is kept append-only
-- by a trigger function.
--
-- Version: meta 'schema_version' (PostgreSQL has no user_version).
--
-- One database can hold a province: each centre's tables are created in the
-- schema centre_<code> (the broker's --centre), which every session of that
-- centre puts on its search_path; nothing here names a schema. The broker
-- creates the tables in an empty centre schema and refuses one that holds
-- other tables or another version.
--
-- Times are Unix seconds. Times of the lifecycle (received_at, closed_at,
-- event.at, ...) are VIRTUAL times derived from the ticket's own data and its
-- random stream, never from when a message arrived.

CREATE TABLE ticket (
    id            TEXT COLLATE "C" PRIMARY KEY,       -- caller's unique id (idempotency key), <= 64 bytes
    received_at   BIGINT NOT NULL,       -- virtual time of receipt
    type          TEXT COLLATE "C" NOT NULL,          -- consult|help|complaint|report|suggest|praise
    urgent        BIGINT NOT NULL,       -- 0/1
    street        TEXT COLLATE "C",                   -- street code given by the caller, or NULL
    channel       TEXT COLLATE "C",
    caller_mask   TEXT COLLATE "C",                   -- masked phone number (138****1234); never the full number
    caller_hash   TEXT COLLATE "C",                   -- keyed hash of the full number (hex)
    state         TEXT COLLATE "C" NOT NULL,          -- current lifecycle state (schemas/lifecycle.def)
    category      TEXT COLLATE "C",                   -- category, set by classify
    unit          TEXT COLLATE "C",                   -- current responsible unit service
    alt_unit      TEXT COLLATE "C",                   -- classifier's second choice (re-dispatch after 退单)
    kb_id         TEXT COLLATE "C",                   -- KB entry that answered a consultation
    round         BIGINT NOT NULL DEFAULT 0, -- dispatch round: 0, +1 per 退单
    delivery      BIGINT NOT NULL DEFAULT 0, -- deliveries of the stage in flight (crash/timeouts)
    sign_due      BIGINT,
    close_due     BIGINT,                -- moved by an approved extension
    extended      BIGINT NOT NULL DEFAULT 0,
    overdue_at    BIGINT,                -- virtual time of the 督办 (= the deadline passed)
    direct        BIGINT NOT NULL DEFAULT 0, -- 1 = answered from the knowledge base
    closed_at     BIGINT,                -- FIRST close (办结)
    on_time       BIGINT,                -- 1/0 at first close: closed_at <= close_due
    rating        BIGINT,                -- first visit rating 1..5
    rated_at      BIGINT,
    rating_default BIGINT,               -- 1 = no answer, default rating applied
    rectify_due   BIGINT,
    rectified_at  BIGINT,                -- 差评 rectified (second close)
    revisit_rating BIGINT,
    revisited_at  BIGINT,                -- re-visit after rectification
    done_at       BIGINT,                -- reached a final state
    signed_at     BIGINT,                -- the unit signed (签收) in the last dispatch round (version 3)
    -- version 4: the rules a centre is measured by (core/rules.h)
    reminded      BIGINT NOT NULL DEFAULT 0, -- 1: the 催办 of the current deadline was recorded
    notified      BIGINT NOT NULL DEFAULT 0, -- 通报 recorded since the deadline passed
    dispatched_at BIGINT,                -- dispatched in the current round (the 退单 window counts from it)
    returns_asked BIGINT,                -- 退单 asked, all rounds (NULL: none)
    returns_approved BIGINT,             -- ... of them approved
    returned_by   TEXT COLLATE "C",                   -- units whose return was approved, comma-separated: never dispatched to again
    pending_at    BIGINT,                -- *_PENDING: when the unit asked
    pending_days  BIGINT,                -- EXTEND_PENDING: the working days asked
    asked         BIGINT,                -- requests made in the current round: 1 extension, 2 suspension (bits)
    suspended_at  BIGINT,                -- SUSPENDED: since when
    suspend_used  BIGINT,                -- working seconds suspended before, in all
    visit_attempts BIGINT,               -- visit calls that reached nobody
    solved        BIGINT,                -- the rating's parts: the matter solved (0/1) ...
    attitude      BIGINT,                -- ... and the unit's attitude (1..5)
    reopened      BIGINT,                -- times reopened (重办)
    reopened_at   BIGINT,
    reopen_due    BIGINT,                -- the reopened round's deadline
    co_units      TEXT COLLATE "C",                   -- 联办: "unit:due:reported,..." (reported 0: not yet)
    lead_id       TEXT COLLATE "C"                    -- MERGED: the open ticket this repeat call was merged into
);
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
    n     BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, -- intake order
    id    TEXT COLLATE "C" NOT NULL UNIQUE,           -- ticket.id
    text  TEXT COLLATE "C" NOT NULL                   -- UTF-8, <= 4096 bytes
);

-- Search: a text search (hotline-ctl list --text) matches words with ILIKE.
-- The broker adds a trigram index when the server lets it (the pg_trgm
-- extension, in schema public; core/store_pg.c):
--   CREATE INDEX ticket_text_trgm ON ticket_text USING gin (text public.gin_trgm_ops);
-- so a word of three or more characters is found through it, as with FTS5
-- on SQLite. Without it the search reads every text; the answers are the same.

-- Append-only event log: every transition adds one row in the same
-- transaction that updates ticket.state.
CREATE TABLE event (
    ticket_id  TEXT COLLATE "C" NOT NULL,
    seq        BIGINT NOT NULL,          -- commit order, assigned by the broker, increasing
    at         BIGINT NOT NULL,          -- virtual time of the event
    kind       TEXT COLLATE "C" NOT NULL,             -- lifecycle event name (schemas/lifecycle.def)
    state      TEXT COLLATE "C" NOT NULL,             -- state after the event
    round      BIGINT NOT NULL,
    unit       TEXT COLLATE "C",
    detail     TEXT COLLATE "C",                      -- short human-readable note (a person's action: its reason or result)
    actor      TEXT COLLATE "C",                      -- who acted (a key's name, or --as NAME); NULL for the broker and workers (version 3)
    PRIMARY KEY (ticket_id, seq)          -- clustered by ticket: one B-tree, history in one place
);
CREATE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'event log is append-only'; END $$;
CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
FOR EACH ROW EXECUTE FUNCTION event_append_only();

-- Knowledge-base revisions. An entry's content at virtual time t is its
-- newest revision with valid_from <= t.
CREATE TABLE kb_rev (
    rev         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, -- global revision number
    id          TEXT COLLATE "C" NOT NULL,            -- entry id, e.g. KB0042
    valid_from  BIGINT NOT NULL,         -- virtual time the revision takes effect
    category    TEXT COLLATE "C" NOT NULL,
    unit        TEXT COLLATE "C" NOT NULL,
    keywords    TEXT COLLATE "C" NOT NULL,
    answer      TEXT COLLATE "C" NOT NULL,
    source      TEXT COLLATE "C" NOT NULL,            -- 'seed' (shipped file) or 'update' (counts as kb_updates)
    uid         TEXT COLLATE "C" UNIQUE,              -- the update's idempotency key (kb.update uid), NULL for seeds
    recorded_at BIGINT NOT NULL          -- wall-clock time the broker committed it
);
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
    day           BIGINT NOT NULL,       -- CST day number: (t + 28800) / 86400
    type          TEXT COLLATE "C" NOT NULL,
    urgent        BIGINT NOT NULL,
    street        TEXT COLLATE "C" NOT NULL,          -- '' when the caller gave none
    unit          TEXT COLLATE "C" NOT NULL,          -- '' when none
    received      BIGINT NOT NULL DEFAULT 0, -- by received_at
    closed        BIGINT NOT NULL DEFAULT 0, -- first closes, by closed_at
    on_time       BIGINT NOT NULL DEFAULT 0, -- of those, on time
    direct        BIGINT NOT NULL DEFAULT 0, -- of those, answered from the knowledge base
    rated         BIGINT NOT NULL DEFAULT 0, -- by rated_at
    sat3          BIGINT NOT NULL DEFAULT 0, -- rating 3..5
    sat4          BIGINT NOT NULL DEFAULT 0, -- rating 4..5
    bad           BIGINT NOT NULL DEFAULT 0, -- rating 1..2 (差评)
    bad_rectified BIGINT NOT NULL DEFAULT 0, -- of those, rectified and re-visited (on the rating's day: a cohort)
    overdue       BIGINT NOT NULL DEFAULT 0, -- by overdue_at
    reminders     BIGINT NOT NULL DEFAULT 0, -- 催办 (event remind), by its time (version 4, and all below)
    notifications BIGINT NOT NULL DEFAULT 0, -- 通报 (event notify)
    returns       BIGINT NOT NULL DEFAULT 0, -- 退单 asked (event return_asked)
    returns_approved BIGINT NOT NULL DEFAULT 0, -- ... approved (event returned)
    extensions    BIGINT NOT NULL DEFAULT 0, -- 延期 granted (event extended)
    suspensions   BIGINT NOT NULL DEFAULT 0, -- 挂起 approved (event suspended)
    merged        BIGINT NOT NULL DEFAULT 0, -- repeat calls merged (event merged)
    co_handled    BIGINT NOT NULL DEFAULT 0, -- tickets dispatched with co-units (联办), under the lead unit
    unreachable   BIGINT NOT NULL DEFAULT 0, -- visits that reached nobody (default rating), by rated_at
    reopened      BIGINT NOT NULL DEFAULT 0, -- 重办 (event reopened)
    manual_dispatch BIGINT NOT NULL DEFAULT 0, -- 人工派单 (event assigned)
    dispatched    BIGINT NOT NULL DEFAULT 0, -- first dispatches (round 0)
    first_returned BIGINT NOT NULL DEFAULT 0, -- first dispatches that came back (approved return in round 0)
    PRIMARY KEY (day, type, urgent, street, unit)
);

-- The same figures without street and unit: what a yearly, monthly or by-type
-- report reads (a few thousand rows a year, whatever the number of tickets).
-- Kept in the same transaction as rollup, and always equal to its sums.
CREATE TABLE rollup_total (
    day           BIGINT NOT NULL,
    type          TEXT COLLATE "C" NOT NULL,
    urgent        BIGINT NOT NULL,
    received      BIGINT NOT NULL DEFAULT 0,
    closed        BIGINT NOT NULL DEFAULT 0,
    on_time       BIGINT NOT NULL DEFAULT 0,
    direct        BIGINT NOT NULL DEFAULT 0,
    rated         BIGINT NOT NULL DEFAULT 0,
    sat3          BIGINT NOT NULL DEFAULT 0,
    sat4          BIGINT NOT NULL DEFAULT 0,
    bad           BIGINT NOT NULL DEFAULT 0,
    bad_rectified BIGINT NOT NULL DEFAULT 0,
    overdue       BIGINT NOT NULL DEFAULT 0,
    reminders     BIGINT NOT NULL DEFAULT 0,
    notifications BIGINT NOT NULL DEFAULT 0,
    returns       BIGINT NOT NULL DEFAULT 0,
    returns_approved BIGINT NOT NULL DEFAULT 0,
    extensions    BIGINT NOT NULL DEFAULT 0,
    suspensions   BIGINT NOT NULL DEFAULT 0,
    merged        BIGINT NOT NULL DEFAULT 0,
    co_handled    BIGINT NOT NULL DEFAULT 0,
    unreachable   BIGINT NOT NULL DEFAULT 0,
    reopened      BIGINT NOT NULL DEFAULT 0,
    manual_dispatch BIGINT NOT NULL DEFAULT 0,
    dispatched    BIGINT NOT NULL DEFAULT 0,
    first_returned BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, type, urgent)
);

-- Small settings: active scenario text and seed, clock mode, virtual clock.
CREATE TABLE meta (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C"
);
