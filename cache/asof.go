package cache

import (
	"database/sql"
	"math"
	"sort"
	"strings"
	"time"

	"onescreen/city"
)

// History: the cache as it stood at a past time T.
//
// LatestAsOf and LatestEventsAsOf give what Latest and LatestEvents would
// have given at T, by observation time: for every station and parameter the
// newest value observed at or before T, but not before T minus a window.
// They need no index beyond the reading key (station, t, param): the pairs
// come from the latest table, and each pair's value is one seek into its
// station's rows at T, walking back only past the rows of the station's
// other parameters (a few, when a station reports all its values at once;
// never past the window).
//
// AlertsAsOf gives the alerts open at T as they stood then: the stored
// alert row gives what never changes (station, condition, raise time) and
// the history up to T gives the rest (state, who acknowledged, dispatched,
// resolved …, escalations, the message of the last update). Severity is
// the worst the alert reached while open: the history does not record
// when it rose.

// The as-of reads; ?1 is the time, ?2 the window's start (exclusive), both
// in stored milliseconds. The pairs (stations with events) come from the
// latest tables and drive the loop (CROSS JOIN keeps SQLite from scanning
// the readings instead); each pair's value is one seek into the reading key.
const (
	sqlLatestAsOf = `SELECT s.code, s.feed, p.name, r.value, p.unit, r.t, r.received
		FROM latest l
		JOIN station s ON s.id = l.station
		JOIN param p ON p.id = l.param
		CROSS JOIN reading r ON r.station = l.station AND r.param = l.param AND r.t = (
			SELECT r2.t FROM reading r2
			WHERE r2.station = l.station AND r2.t <= ?1 AND r2.t > ?2 AND r2.param = l.param
			ORDER BY r2.t DESC LIMIT 1)
		WHERE r.value IS NOT NULL
		ORDER BY s.code, p.name`
	sqlEventsAsOf = `SELECT s.code, p.name, r.t
		FROM latest_event e
		JOIN station s ON s.id = e.station
		CROSS JOIN reading r ON r.station = e.station AND r.t = (
			SELECT r2.t FROM reading r2
			WHERE r2.station = e.station AND r2.t <= ?1 AND r2.t > ?2
			  AND r2.param IN (SELECT id FROM param WHERE kind = 1)
			ORDER BY r2.t DESC LIMIT 1)
		JOIN param p ON p.id = r.param AND p.kind = 1
		ORDER BY s.code, p.name`
)

// LatestAsOf returns the newest value of every parameter at every station
// observed at or before at and after at minus window (window <= 0: no
// lower bound), ordered by station and parameter.
func (db *DB) LatestAsOf(at time.Time, window time.Duration) ([]Latest, error) {
	hi, lo := asOfBounds(at, window)
	var out []Latest
	err := db.query("read values as of a time", sqlLatestAsOf, func(r *sql.Rows) error {
		var l Latest
		var feed string
		var t, recv int64
		if err := r.Scan(&l.Station, &feed, &l.Param, &l.Value, &l.Unit, &t, &recv); err != nil {
			return err
		}
		l.Feed, l.Time, l.Received = city.Feed(feed), fromMS(t), fromMS(recv)
		out = append(out, l)
		return nil
	}, hi, lo)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LatestEventsAsOf returns the newest event of every fire device observed
// at or before at and after at minus window (window <= 0: no lower bound),
// ordered by station.
func (db *DB) LatestEventsAsOf(at time.Time, window time.Duration) ([]LatestEvent, error) {
	hi, lo := asOfBounds(at, window)
	var out []LatestEvent
	err := db.query("read events as of a time", sqlEventsAsOf, func(r *sql.Rows) error {
		var e LatestEvent
		var t int64
		if err := r.Scan(&e.Station, &e.Event, &t); err != nil {
			return err
		}
		e.Time = fromMS(t)
		if n := len(out); n > 0 && out[n-1].Station == e.Station {
			return nil // two events at the same instant: keep one
		}
		out = append(out, e)
		return nil
	}, hi, lo)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// asOfBounds are the observation times, in ms, an as-of query looks
// between: at most at, and more than window before it (window <= 0: no
// lower bound).
func asOfBounds(at time.Time, window time.Duration) (hi, lo int64) {
	hi, lo = ms(at), math.MinInt64
	if window > 0 {
		lo = hi - window.Milliseconds()
	}
	return hi, lo
}

// EarliestReading returns the observation time of the oldest reading held,
// or the zero time when there is none. It costs one seek per station.
func (db *DB) EarliestReading() (time.Time, error) {
	var v sql.NullInt64
	err := db.query("read the oldest reading", `SELECT min((SELECT min(r.t) FROM reading r WHERE r.station = s.id)) FROM station s`,
		func(r *sql.Rows) error { return r.Scan(&v) })
	if err != nil || !v.Valid {
		return time.Time{}, err
	}
	return fromMS(v.Int64), nil
}

// AlertsAsOf returns the alerts raised at or before at and not closed by
// then, as they stood at at, newest raised first. With closedSince before
// at, the alerts closed in (closedSince, at] are listed too.
func (db *DB) AlertsAsOf(at, closedSince time.Time) ([]AsOfAlert, error) {
	hi := clampNS(at)
	since := hi
	if !closedSince.IsZero() && closedSince.Before(at) {
		since = clampNS(closedSince)
	}
	cols := make([]string, len(alertColumns))
	for i, c := range alertColumns {
		cols[i] = "a." + c
	}
	// Open at the time: raised by then, closed later or not at all.
	var alerts []city.Alert
	err := db.query("read alerts as of a time", `SELECT `+strings.Join(cols, ", ")+` FROM alert a
		WHERE a.raised <= ?1 AND (a.closed IS NULL OR a.closed > ?2)
		ORDER BY a.raised DESC, a.id DESC`, func(r *sql.Rows) error {
		a, err := scanAlert(r)
		if err != nil {
			return err
		}
		alerts = append(alerts, a)
		return nil
	}, hi, since)
	if err != nil || len(alerts) == 0 {
		return nil, err
	}
	steps := make(map[string][]city.Step, len(alerts))
	// One history range per alert (the alert_step_alert index), up to the time.
	const chunk = 500 // stay well inside SQLite's limit on bound parameters
	for start := 0; start < len(alerts); start += chunk {
		part := alerts[start:min(start+chunk, len(alerts))]
		args := make([]any, 0, len(part)+1)
		for _, a := range part {
			args = append(args, a.ID)
		}
		args = append(args, hi)
		err := db.query("read alert history as of a time", `SELECT alert, kind, officer, team, note, at FROM alert_step
			WHERE alert IN (?`+strings.Repeat(", ?", len(part)-1)+`) AND at <= ?
			ORDER BY alert, at, seq`, func(r *sql.Rows) error {
			s, err := scanStep(r)
			if err != nil {
				return err
			}
			steps[s.Alert] = append(steps[s.Alert], s)
			return nil
		}, args...)
		if err != nil {
			return nil, err
		}
	}
	out := make([]AsOfAlert, 0, len(alerts))
	for _, a := range alerts {
		out = append(out, AlertAt(a, steps[a.ID], at))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Alert.Raised.After(out[j].Alert.Raised) })
	return out, nil
}

// AlertAt rebuilds an alert as it stood at at from its stored row (as it
// last stood) and its history, oldest first, with the alert lifecycle of
// package city (city.AlertAsOf); steps after at are ignored.
func AlertAt(last city.Alert, steps []city.Step, at time.Time) AsOfAlert {
	a, comments := city.AlertAsOf(last, steps, at, OutboxID)
	return AsOfAlert{Alert: a, Comments: comments}
}
