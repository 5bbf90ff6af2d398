package cache

import (
	"database/sql"
	"time"
)

// ReceivedAt returns when the cache was handed station's reading (or
// event) observed at t: the zero time when none is held. It tells an alert
// raised by a reading that arrived late (caught up after an outage) from
// one raised as it happened, after a restart too.
func (db *DB) ReceivedAt(station string, t time.Time) (time.Time, error) {
	var recv sql.NullInt64
	err := db.query("read a reading's receive time", `SELECT max(r.received) FROM reading r
		JOIN station s ON s.id = r.station WHERE s.code = ? AND r.t = ?`, func(rows *sql.Rows) error {
		return rows.Scan(&recv)
	}, station, t.UnixMilli())
	if err != nil || !recv.Valid {
		return time.Time{}, err
	}
	return fromMS(recv.Int64), nil
}

// LastReceived returns when the cache was last handed any reading: the
// zero time when it holds none. After a restart without a link it is the
// best knowledge of when the link was last up.
func (db *DB) LastReceived() (time.Time, error) {
	var recv sql.NullInt64
	err := db.query("read the last receive time", `SELECT max(m) FROM (SELECT max(received) AS m FROM latest
		UNION ALL SELECT max(received) FROM latest_event)`, func(rows *sql.Rows) error {
		return rows.Scan(&recv)
	})
	if err != nil || !recv.Valid {
		return time.Time{}, err
	}
	return fromMS(recv.Int64), nil
}
