package cache

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"onescreen/city"
)

// reader returns the read-only handle, or ErrClosed.
func (db *DB) reader() (*sql.DB, error) {
	if db.closed.Load() {
		return nil, ErrClosed
	}
	return db.rdb, nil
}

// query runs q on the read-only handle and calls scan for every row.
func (db *DB) query(what, q string, scan func(*sql.Rows) error, args ...any) error {
	rdb, err := db.reader()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	rows, err := rdb.Query(q, args...)
	if err != nil {
		if db.closed.Load() {
			err = ErrClosed // closed while the query started
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// Cursors returns how far each feed has been stored.
func (db *DB) Cursors() (map[city.Feed]Cursor, error) {
	out := map[city.Feed]Cursor{}
	err := db.query("read cursors", `SELECT feed, epoch, seq, updated FROM cursor`, func(r *sql.Rows) error {
		var feed string
		var seq, updated int64
		var c Cursor
		if err := r.Scan(&feed, &c.Epoch, &seq, &updated); err != nil {
			return err
		}
		c.Seq, c.Updated = uint64(seq), fromMS(updated)
		out[city.Feed(feed)] = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Stations returns every described station, ordered by id. Stations known
// only from their readings are not listed.
func (db *DB) Stations() ([]city.Station, error) {
	var out []city.Station
	err := db.query("read stations", `SELECT code, feed, name, kind, lon, lat, area, attrs FROM station
		WHERE described IS NOT NULL ORDER BY code`, func(r *sql.Rows) error {
		var st city.Station
		var feed string
		var lon, lat sql.NullFloat64
		var area []byte
		var attrs sql.NullString
		if err := r.Scan(&st.ID, &feed, &st.Name, &st.Kind, &lon, &lat, &area, &attrs); err != nil {
			return err
		}
		st.Feed = city.Feed(feed)
		if lon.Valid && lat.Valid {
			st.Location = orb.Point{lon.Float64, lat.Float64}
		} else {
			st.Location = orb.Point{math.NaN(), math.NaN()}
		}
		if len(area) > 0 {
			g, err := wkb.Unmarshal(area)
			if err != nil {
				return fmt.Errorf("station %s: area: %w", st.ID, err)
			}
			poly, ok := g.(orb.Polygon)
			if !ok {
				return fmt.Errorf("station %s: area is a %s, want a polygon", st.ID, g.GeoJSONType())
			}
			st.Area = poly
		}
		if attrs.Valid {
			if err := json.Unmarshal([]byte(attrs.String), &st.Attrs); err != nil {
				return fmt.Errorf("station %s: attrs: %w", st.ID, err)
			}
		}
		out = append(out, st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Latest returns the newest value of every parameter at every station,
// ordered by station and parameter.
func (db *DB) Latest() ([]Latest, error) {
	var out []Latest
	err := db.query("read latest values", `SELECT s.code, s.feed, p.name, l.value, p.unit, l.t, l.received
		FROM latest l JOIN station s ON s.id = l.station JOIN param p ON p.id = l.param
		ORDER BY s.code, p.name`, func(r *sql.Rows) error {
		var l Latest
		var feed string
		var t, recv int64
		if err := r.Scan(&l.Station, &feed, &l.Param, &l.Value, &l.Unit, &t, &recv); err != nil {
			return err
		}
		l.Feed, l.Time, l.Received = city.Feed(feed), fromMS(t), fromMS(recv)
		out = append(out, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LatestEvents returns the newest event of every fire device that has
// reported one, ordered by station.
func (db *DB) LatestEvents() ([]LatestEvent, error) {
	var out []LatestEvent
	err := db.query("read latest events", `SELECT s.code, e.event, e.t, e.received
		FROM latest_event e JOIN station s ON s.id = e.station ORDER BY s.code`, func(r *sql.Rows) error {
		var e LatestEvent
		var t, recv int64
		if err := r.Scan(&e.Station, &e.Event, &t, &recv); err != nil {
			return err
		}
		e.Time, e.Received = fromMS(t), fromMS(recv)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// bounds turns a half-open time range with zero meaning unbounded into
// stored milliseconds.
func bounds(from, to time.Time) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if !from.IsZero() {
		lo = ms(from)
	}
	if !to.IsZero() {
		hi = ms(to)
	}
	return lo, hi
}

// History returns one parameter's values at one station observed in
// [from, to), oldest first; a zero from or to means no bound.
func (db *DB) History(station, param string, from, to time.Time) ([]Point, error) {
	lo, hi := bounds(from, to)
	var out []Point
	err := db.query("read history", `SELECT r.t, r.value FROM reading r
		WHERE r.station = (SELECT id FROM station WHERE code = ?)
		  AND r.param = (SELECT id FROM param WHERE kind = 0 AND name = ?)
		  AND r.t >= ? AND r.t < ?
		ORDER BY r.t`, func(r *sql.Rows) error {
		var p Point
		var t int64
		if err := r.Scan(&t, &p.Value); err != nil {
			return err
		}
		p.Time = fromMS(t)
		out = append(out, p)
		return nil
	}, station, param, lo, hi)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachReading calls fn for every stored value and event that matches f,
// ordered by time, station and parameter (an event before the values of
// its time). Rows are streamed from the database, not collected first. An
// error from fn stops the walk and is returned.
func (db *DB) EachReading(f ReadingFilter, fn func(Row) error) error {
	lo, hi := bounds(f.From, f.To)
	var q strings.Builder
	// The station table drives the loop so that each station's rows are
	// one range of the reading key; the sort happens in SQLite, which
	// spills to temporary files rather than memory for a long history.
	q.WriteString(`SELECT r.t, s.feed, s.code, p.kind, p.name, coalesce(r.value, 0), p.unit
		FROM station s CROSS JOIN reading r ON r.station = s.id JOIN param p ON p.id = r.param
		WHERE r.t >= ? AND r.t < ?`)
	args := []any{lo, hi}
	if f.Feed != "" {
		q.WriteString(` AND s.feed = ?`)
		args = append(args, string(f.Feed))
	}
	q.WriteString(` ORDER BY r.t, s.code, p.kind DESC, p.name`)
	var stop error
	err := db.query("read readings", q.String(), func(r *sql.Rows) error {
		var row Row
		var t int64
		var kind int
		var feed, name string
		if err := r.Scan(&t, &feed, &row.Station, &kind, &name, &row.Value, &row.Unit); err != nil {
			return err
		}
		row.Time, row.Feed = fromMS(t), city.Feed(feed)
		if kind == paramEvent {
			row.Event, row.Unit = name, ""
		} else {
			row.Param = name
		}
		if err := fn(row); err != nil {
			stop = err
			return err
		}
		return nil
	}, args...)
	if stop != nil {
		return stop
	}
	return err
}

// Rejects returns up to limit refused messages, newest first; limit <= 0
// returns all that are kept.
func (db *DB) Rejects(limit int) ([]Reject, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	var out []Reject
	err := db.query("read rejects", `SELECT at, feed, reason, raw FROM reject ORDER BY at DESC, id DESC LIMIT ?`,
		func(r *sql.Rows) error {
			var j Reject
			var at int64
			if err := r.Scan(&at, &j.Feed, &j.Reason, &j.Raw); err != nil {
				return err
			}
			j.At = fromMS(at)
			out = append(out, j)
			return nil
		}, limit)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RejectCounts returns how many refused messages are kept per feed ("" for
// messages whose feed is unknown).
func (db *DB) RejectCounts() (map[string]int, error) {
	out := map[string]int{}
	err := db.query("count rejects", `SELECT feed, count(*) FROM reject GROUP BY feed`, func(r *sql.Rows) error {
		var feed string
		var n int
		if err := r.Scan(&feed, &n); err != nil {
			return err
		}
		out[feed] = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Gaps returns up to limit reported gaps, newest first; limit <= 0 returns
// all that are kept.
func (db *DB) Gaps(limit int) ([]Gap, error) {
	if limit <= 0 {
		limit = -1
	}
	var out []Gap
	err := db.query("read gaps", `SELECT at, feed, epoch, from_seq, to_seq FROM gap ORDER BY at DESC, id DESC LIMIT ?`,
		func(r *sql.Rows) error {
			var g Gap
			var at, from, to int64
			var feed string
			if err := r.Scan(&at, &feed, &g.Epoch, &from, &to); err != nil {
				return err
			}
			g.At, g.Feed, g.From, g.To = fromMS(at), city.Feed(feed), uint64(from), uint64(to)
			out = append(out, g)
			return nil
		}, limit)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadingCount returns the number of stored rows: one per value and one
// per event.
func (db *DB) ReadingCount() (int64, error) {
	var n int64
	err := db.query("count readings", `SELECT count(*) FROM reading`, func(r *sql.Rows) error { return r.Scan(&n) })
	return n, err
}

// IntegrityCheck runs SQLite's integrity check and returns nil when the
// file is sound, or an error that lists the first problems found.
func (db *DB) IntegrityCheck() error {
	var problems []string
	err := db.query("integrity check", `PRAGMA integrity_check(20)`, func(r *sql.Rows) error {
		var line string
		if err := r.Scan(&line); err != nil {
			return err
		}
		problems = append(problems, line)
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) == 1 && problems[0] == "ok" {
		return nil
	}
	if len(problems) == 0 {
		return errors.New("integrity check: no result")
	}
	return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
}
