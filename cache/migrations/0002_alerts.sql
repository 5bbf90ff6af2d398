-- onescreen cache, schema version 2: alerts with every field of
-- city.Alert, their history keyed by the step's content, and an outbox
-- that points at the history. Version 1 created these tables but nothing
-- wrote to them, so they are replaced rather than altered.
--
-- Alert and step times are INTEGER nanoseconds since the Unix epoch (UTC),
-- not milliseconds as elsewhere: an alert's ID carries its raise time to
-- the nanosecond and a step's ID is a hash over its time, so both must come
-- back exactly as stored. NULL is the zero time.
--
-- Retention never deletes alerts or their history: they are the record of
-- what the centre was told and did. Only acknowledged outbox rows go.

DROP TABLE outbox;
DROP TABLE alert_step;
DROP TABLE alert;

-- One alert about one station and condition, as it last stood. A row is
-- replaced only by a version updated at the same time or later.
CREATE TABLE alert (
    id              TEXT PRIMARY KEY,     -- city.AlertID
    station         TEXT NOT NULL,        -- station code
    feed            TEXT NOT NULL,
    condition       TEXT NOT NULL,
    severity        INTEGER NOT NULL,     -- city.Severity
    state           TEXT NOT NULL,        -- city.AlertState
    began           INTEGER,
    raised          INTEGER NOT NULL,
    updated         INTEGER,
    cleared         INTEGER,
    value           REAL,                 -- NULL: not a number
    unit            TEXT NOT NULL DEFAULT '',
    message         TEXT NOT NULL DEFAULT '',
    message_en      TEXT NOT NULL DEFAULT '',
    escalations     INTEGER NOT NULL DEFAULT 0,
    escalated       INTEGER,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    acknowledged    INTEGER,
    team            TEXT NOT NULL DEFAULT '',
    dispatched_by   TEXT NOT NULL DEFAULT '',
    dispatched      INTEGER,
    resolved_by     TEXT NOT NULL DEFAULT '',
    resolved        INTEGER,
    verified_by     TEXT NOT NULL DEFAULT '',
    verified        INTEGER,
    closed_by       TEXT NOT NULL DEFAULT '',
    closed          INTEGER
);
CREATE INDEX alert_raised ON alert (raised);
CREATE INDEX alert_open ON alert (raised) WHERE state <> 'closed';

-- An alert's history. id is cache.OutboxID of the step, so the same step
-- stored twice is one row; seq keeps the order steps were stored in.
CREATE TABLE alert_step (
    seq     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    alert   TEXT NOT NULL REFERENCES alert (id),
    kind    TEXT NOT NULL,
    officer TEXT NOT NULL DEFAULT '',
    team    TEXT NOT NULL DEFAULT '',
    note    TEXT NOT NULL DEFAULT '',
    at      INTEGER NOT NULL
);
CREATE INDEX alert_step_alert ON alert_step (alert, at, seq);

-- Steps waiting to reach the feed server, in the order they were stored
-- (AUTOINCREMENT: a seq is never reused, even after retention). A step
-- enters only when its history row is new, so never twice. sent stays NULL
-- until the server acknowledges the step.
CREATE TABLE outbox (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    id       TEXT NOT NULL UNIQUE REFERENCES alert_step (id),
    created  INTEGER NOT NULL,            -- ms: when the cache was handed the step
    sent     INTEGER,                     -- ms: when the server acknowledged it
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE sent IS NULL;
CREATE INDEX outbox_sent ON outbox (sent) WHERE sent IS NOT NULL;
