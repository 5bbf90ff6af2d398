-- onescreen cache, schema version 1.
-- Times are INTEGER milliseconds since the Unix epoch (UTC).

-- A station, device or zone. A reading for a station not yet described
-- creates a stub row (described IS NULL) so that its history has an id.
CREATE TABLE station (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,       -- city.Station.ID
    feed      TEXT NOT NULL,
    name      TEXT NOT NULL DEFAULT '',
    kind      TEXT NOT NULL DEFAULT '',
    lon       REAL,                       -- WGS-84 location
    lat       REAL,
    area      BLOB,                       -- WKB polygon of a zone; NULL for a point
    attrs     TEXT,                       -- JSON object of static attributes
    described INTEGER                     -- when the description was stored; NULL for a stub
);

-- A measured parameter (kind 0, with its unit) or a fire-device event
-- (kind 1, name is the event, e.g. "alarm").
CREATE TABLE param (
    id   INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, name)
);

-- Every reading: one row per station, observation time and parameter.
-- The key orders a station's rows by time, so a chart's history is one
-- range scan, retention is one range delete per station, and a batch of
-- readings touches one page per station rather than one per parameter.
-- Event rows have a NULL value. The parent tables are kept consistent by
-- the single writer; no foreign key is checked here, on the hottest path.
CREATE TABLE reading (
    station  INTEGER NOT NULL,
    t        INTEGER NOT NULL,            -- observation time
    param    INTEGER NOT NULL,
    value    REAL,
    received INTEGER NOT NULL,            -- when this cache was handed the reading
    PRIMARY KEY (station, t, param)
) WITHOUT ROWID;

-- The newest value per station and parameter.
CREATE TABLE latest (
    station  INTEGER NOT NULL,
    param    INTEGER NOT NULL,
    t        INTEGER NOT NULL,
    value    REAL NOT NULL,
    received INTEGER NOT NULL,
    PRIMARY KEY (station, param)
) WITHOUT ROWID;

-- The newest fire-device event per station.
CREATE TABLE latest_event (
    station  INTEGER PRIMARY KEY,
    t        INTEGER NOT NULL,
    event    TEXT NOT NULL,
    received INTEGER NOT NULL
);

-- How far each feed has been stored; written in the same transaction as
-- the readings it covers.
CREATE TABLE cursor (
    feed    TEXT PRIMARY KEY,
    epoch   TEXT NOT NULL,
    seq     INTEGER NOT NULL,             -- uint64 stored bit for bit
    updated INTEGER NOT NULL
) WITHOUT ROWID;

-- Messages that failed decoding or validation, with the reason.
CREATE TABLE reject (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    feed   TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    raw    BLOB                           -- the message, truncated
);
CREATE INDEX reject_at ON reject (at);

-- Readings a feed server could no longer deliver.
CREATE TABLE gap (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    feed     TEXT NOT NULL,
    epoch    TEXT NOT NULL DEFAULT '',
    from_seq INTEGER NOT NULL,
    to_seq   INTEGER NOT NULL
);
CREATE INDEX gap_at ON gap (at);

-- Alerts raised by the alert engine and their lifecycle.
CREATE TABLE alert (
    id        TEXT PRIMARY KEY,
    station   TEXT NOT NULL,              -- station code
    feed      TEXT NOT NULL,
    condition TEXT NOT NULL,
    severity  TEXT NOT NULL,
    state     TEXT NOT NULL,
    raised    INTEGER NOT NULL,
    updated   INTEGER NOT NULL,
    cleared   INTEGER,
    value     REAL,
    message   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_state ON alert (state, updated);
CREATE INDEX alert_station ON alert (station, raised);

-- Operators' steps on an alert (acknowledge, dispatch, comment, resolve).
CREATE TABLE alert_step (
    id      INTEGER PRIMARY KEY,
    alert   TEXT NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    officer TEXT NOT NULL,
    team    TEXT NOT NULL DEFAULT '',
    note    TEXT NOT NULL DEFAULT '',
    at      INTEGER NOT NULL
);
CREATE INDEX alert_step_alert ON alert_step (alert, at);

-- Operator actions waiting to reach the feed server; sent stays NULL
-- until the server acknowledges the action.
CREATE TABLE outbox (
    seq      INTEGER PRIMARY KEY,         -- delivery order
    id       TEXT NOT NULL UNIQUE,
    payload  TEXT NOT NULL,               -- JSON
    created  INTEGER NOT NULL,
    sent     INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE sent IS NULL;
