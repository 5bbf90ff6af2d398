package cache

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"onescreen/city"
)

// RawBaselineFile is the file OpenRawBaseline creates in its directory.
const RawBaselineFile = "raw-baseline.db"

// sqlRawReading is the baseline's table: the reading table's columns and
// key, nothing else.
const sqlRawReading = `CREATE TABLE reading (
	station INTEGER NOT NULL, t INTEGER NOT NULL, param INTEGER NOT NULL, value REAL, received INTEGER NOT NULL,
	PRIMARY KEY (station, t, param)) WITHOUT ROWID`

// RawRow is one row as a hand-written loader inserts it: the station and
// the parameter already numbered.
type RawRow struct {
	Station, Param int64
	Time           int64 // ms since the Unix epoch
	Value          float64
	Event          bool // an event row: Param numbers the event, the value is NULL
}

// RawBaseline is what storing readings costs SQLite itself, for the
// benchmarks that hold the cache (and the whole ingest path) against it:
// a table with the reading table's columns and key in a file of its own,
// opened with the cache's pragmas, filled by one prepared INSERT OR IGNORE
// reused within each transaction. It keeps no station, parameter, latest
// value, cursor or alert, does no checking and has no writer goroutine. It
// is not safe for concurrent use.
type RawBaseline struct {
	db       *sql.DB
	ins      *sql.Stmt
	stations map[string]int64 // station code → id
	params   map[string]int64 // parameter or event (with a kind suffix) → id
}

// OpenRawBaseline creates the baseline's database in dir, which must not
// hold one yet.
func OpenRawBaseline(dir string) (*RawBaseline, error) {
	path := filepath.Join(dir, RawBaselineFile)
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("raw baseline: %s exists", path)
	}
	db, err := sql.Open(driverName, dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("raw baseline: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(sqlRawReading); err != nil {
		db.Close()
		return nil, fmt.Errorf("raw baseline: %w", err)
	}
	ins, err := db.Prepare(sqlInsertReading)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("raw baseline: %w", err)
	}
	return &RawBaseline{db: db, ins: ins, stations: map[string]int64{}, params: map[string]int64{}}, nil
}

// Rows flattens readings into the rows the cache stores for them (one per
// value, one per event), numbering stations and parameters the first time
// it sees them. Call it outside the time measured: a loader that knows its
// ids has nothing to look up.
func (r *RawBaseline) Rows(rs []city.Reading) []RawRow {
	id := func(ids map[string]int64, k string) int64 {
		if v, ok := ids[k]; ok {
			return v
		}
		v := int64(len(ids) + 1)
		ids[k] = v
		return v
	}
	out := make([]RawRow, 0, len(rs)*2)
	for i := range rs {
		rd := &rs[i]
		st, t := id(r.stations, rd.Station), rd.Time.UnixMilli()
		for _, m := range rd.Values {
			out = append(out, RawRow{Station: st, Param: id(r.params, m.Param+"\x00m"), Time: t, Value: m.Value})
		}
		if rd.Event != "" {
			out = append(out, RawRow{Station: st, Param: id(r.params, rd.Event+"\x00e"), Time: t, Event: true})
		}
	}
	return out
}

// Insert stores rows, perTx rows per transaction (all in one when perTx
// <= 0), and returns once the last transaction is committed.
func (r *RawBaseline) Insert(rows []RawRow, perTx int) error {
	if perTx <= 0 {
		perTx = len(rows)
	}
	const received = 0 // the cache's receive time; a constant costs the same
	for len(rows) > 0 {
		n := min(perTx, len(rows))
		tx, err := r.db.Begin()
		if err != nil {
			return fmt.Errorf("raw baseline: %w", err)
		}
		st := tx.Stmt(r.ins)
		for _, row := range rows[:n] {
			var v any = row.Value
			if row.Event {
				v = nil
			}
			if _, err := st.Exec(row.Station, row.Time, row.Param, v, received); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("raw baseline: %w", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("raw baseline: %w", err)
		}
		rows = rows[n:]
	}
	return nil
}

// Count returns the number of rows stored.
func (r *RawBaseline) Count() (int64, error) {
	var n int64
	err := r.db.QueryRow(`SELECT count(*) FROM reading`).Scan(&n)
	return n, err
}

// Close closes the baseline's database; the file stays.
func (r *RawBaseline) Close() error {
	return errors.Join(r.ins.Close(), r.db.Close())
}
