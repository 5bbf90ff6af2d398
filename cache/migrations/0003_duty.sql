-- onescreen cache, schema version 3: the duty officer's day and the case
-- model. Times are INTEGER nanoseconds since the Unix epoch (UTC), as for
-- alerts; NULL is the zero time. Retention deletes none of these rows:
-- they are the record of the centre's shifts.

-- The case-model record (GB/T 30428) of an alert: 立案 / 不予立案, 挂账,
-- and when its overdue escalation was made. No row: a pending report.
CREATE TABLE alert_case (
    alert         TEXT PRIMARY KEY REFERENCES alert (id),
    state         TEXT NOT NULL DEFAULT '',     -- city.CaseState
    decided_by    TEXT NOT NULL DEFAULT '',
    decided       INTEGER,
    reason        TEXT NOT NULL DEFAULT '',
    shelved       INTEGER NOT NULL DEFAULT 0,   -- 1: 挂账
    shelved_by    TEXT NOT NULL DEFAULT '',
    shelved_at    INTEGER,
    shelve_reason TEXT NOT NULL DEFAULT '',
    escalated     INTEGER
) WITHOUT ROWID;

-- The roster as last edited in the console; no row: the site settings'.
CREATE TABLE duty_roster (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    shifts     TEXT NOT NULL,                   -- JSON array of city.Shift
    updated_by TEXT NOT NULL DEFAULT '',
    updated    INTEGER NOT NULL
);

-- One shift's handover: the summary as signed off, the outgoing officer's
-- sign-off and the incoming officer's acknowledgement.
CREATE TABLE handover (
    shift      TEXT PRIMARY KEY,                -- city.ShiftTime.ID
    from_at    INTEGER NOT NULL,
    to_at      INTEGER NOT NULL,
    summary    TEXT NOT NULL,                   -- JSON of city.ShiftSummary
    signed_by  TEXT NOT NULL,
    signed     INTEGER NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    acked_by   TEXT NOT NULL DEFAULT '',
    acked      INTEGER,
    ack_note   TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- The duty log (值班日志): free text, who and when.
CREATE TABLE duty_log (
    seq     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    officer TEXT NOT NULL,
    at      INTEGER NOT NULL,
    shift   TEXT NOT NULL DEFAULT '',
    text    TEXT NOT NULL
);
CREATE INDEX duty_log_at ON duty_log (at);

-- When each feed's link was down, for the shift summary. to_at NULL: still.
CREATE TABLE feed_outage (
    id      INTEGER PRIMARY KEY,
    feed    TEXT NOT NULL,
    from_at INTEGER NOT NULL,
    to_at   INTEGER,
    reason  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX feed_outage_from ON feed_outage (from_at);

-- Duty messages (sign-off, acknowledgement, log entries, roster changes)
-- waiting for the feed server, sent by the same outbox as alert steps as
-- protocol actions of the duty kinds (docs/protocol.md). sent stays NULL
-- until the server acknowledges the id.
CREATE TABLE duty_outbox (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    id      TEXT NOT NULL UNIQUE,
    kind    TEXT NOT NULL,                      -- the action's step
    subject TEXT NOT NULL,                      -- the action's alert field: the shift id
    officer TEXT NOT NULL,
    at      INTEGER NOT NULL,
    team    TEXT NOT NULL DEFAULT '',
    note    TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL,
    sent    INTEGER
);
CREATE INDEX duty_outbox_pending ON duty_outbox (seq) WHERE sent IS NULL;
