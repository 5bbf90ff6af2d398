package cache

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb/encoding/wkb"

	"onescreen/city"
)

// requestKind tells the writer what a request asks.
type requestKind int

const (
	kindBatch  requestKind = iota // store a Batch
	kindFlush                     // commit what is queued, then reply
	kindRetain                    // commit, then run a whole retention pass
	kindAck                       // commit, then mark an outbox entry acknowledged
	kindTx                        // commit, then run txFn in a transaction of its own (cache/duty.go)
)

// request is one item of the writer's queue.
type request struct {
	kind     requestKind
	batch    Batch
	received int64     // ms: when Submit was called
	now      time.Time // kindRetain: the clock reading retention uses; kindAck: the ack's time
	ackID    string    // kindAck: the outbox entry
	txFn     func(*sql.Tx) error
	reply    chan error
	retained chan retainResult
}

// retainResult answers a kindRetain request.
type retainResult struct {
	deleted int64
	steps   int
	err     error
}

// Event param kinds in the param table.
const (
	paramMeasure = 0
	paramEvent   = 1
)

// insertRows is how many reading rows one INSERT statement carries: one
// statement per row costs a trip through database/sql and cgo each, which
// is as much as SQLite's own work for the row.
const insertRows = 64

// readingCols is the number of columns of a reading row.
const readingCols = 5

// Statements the writer prepares once on its connection.
var (
	sqlInsertReading  = `INSERT OR IGNORE INTO reading (station, t, param, value, received) VALUES (?, ?, ?, ?, ?)`
	sqlInsertReadings = `INSERT OR IGNORE INTO reading (station, t, param, value, received) VALUES (?, ?, ?, ?, ?)` +
		strings.Repeat(`, (?, ?, ?, ?, ?)`, insertRows-1)
	sqlUpsertLatest = `INSERT INTO latest (station, param, t, value, received) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (station, param) DO UPDATE SET t = excluded.t, value = excluded.value, received = excluded.received
		WHERE excluded.t > latest.t`
	sqlUpsertEvent = `INSERT INTO latest_event (station, t, event, received) VALUES (?, ?, ?, ?)
		ON CONFLICT (station) DO UPDATE SET t = excluded.t, event = excluded.event, received = excluded.received
		WHERE excluded.t > latest_event.t`
	sqlUpsertStation = `INSERT INTO station (code, feed, name, kind, lon, lat, area, attrs, described) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET feed = excluded.feed, name = excluded.name, kind = excluded.kind,
		lon = excluded.lon, lat = excluded.lat, area = excluded.area, attrs = excluded.attrs, described = excluded.described
		RETURNING id`
	sqlStubStation = `INSERT INTO station (code, feed) VALUES (?, ?)
		ON CONFLICT (code) DO UPDATE SET code = excluded.code RETURNING id`
	sqlUpsertParam = `INSERT INTO param (kind, name, unit) VALUES (?, ?, ?)
		ON CONFLICT (kind, name) DO UPDATE SET unit = CASE WHEN excluded.unit <> '' THEN excluded.unit ELSE param.unit END
		RETURNING id`
	sqlUpsertCursor = `INSERT INTO cursor (feed, epoch, seq, updated) VALUES (?, ?, ?, ?)
		ON CONFLICT (feed) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq, updated = excluded.updated`
	sqlInsertReject = `INSERT INTO reject (at, feed, reason, raw) VALUES (?, ?, ?, ?)`
	sqlInsertGap    = `INSERT INTO gap (at, feed, epoch, from_seq, to_seq) VALUES (?, ?, ?, ?, ?)`
)

// stmtID indexes writer.stmts.
type stmtID int

const (
	stInsertReading stmtID = iota
	stInsertReadings
	stUpsertLatest
	stUpsertEvent
	stUpsertStation
	stStubStation
	stUpsertParam
	stUpsertCursor
	stInsertReject
	stInsertGap
	stUpsertAlert
	stInsertStep
	stInsertOutbox
	stCount
)

var stmtSQL = [stCount]string{
	stInsertReading:  sqlInsertReading,
	stInsertReadings: sqlInsertReadings,
	stUpsertLatest:   sqlUpsertLatest,
	stUpsertEvent:    sqlUpsertEvent,
	stUpsertStation:  sqlUpsertStation,
	stStubStation:    sqlStubStation,
	stUpsertParam:    sqlUpsertParam,
	stUpsertCursor:   sqlUpsertCursor,
	stInsertReject:   sqlInsertReject,
	stInsertGap:      sqlInsertGap,
	stUpsertAlert:    sqlUpsertAlert,
	stInsertStep:     sqlInsertStep,
	stInsertOutbox:   sqlInsertOutbox,
}

// ref is a row id with its boxed form, so the hot path does not box the
// same id again for every row.
type ref struct {
	id   int64
	box  any
	unit string // params only
}

// latestKey is a station and a parameter.
type latestKey struct{ station, param int64 }

// latestVal is the newest value of a key within one transaction.
type latestVal struct {
	station, param any // boxed ids
	t, received    int64
	value          float64
}

// eventVal is the newest event of a station within one transaction.
type eventVal struct {
	station     any
	t, received int64
	event       string
}

// writer owns the write connection. All its fields are used only by the
// writer goroutine (and by Open before the goroutine starts).
type writer struct {
	db    *DB
	stmts [stCount]*sql.Stmt
	ret   retainStmts
	acks  ackStmts

	stations map[string]ref // station code → id
	measures map[string]ref // measured parameter → id
	events   map[string]ref // fire event → id

	latest      map[latestKey]latestVal
	latestEvent map[int64]eventVal
	tx          [stCount]*sql.Stmt // stmts bound to the open transaction
	args        []any              // reused argument list
	rows        []any              // reading rows not yet inserted, readingCols values each
	group       []request

	pass  retainPass
	chunk int // most readings per retention step
}

// newWriter prepares the writer's statements and loads the id tables.
func newWriter(db *DB) (*writer, error) {
	w := &writer{
		db:          db,
		latest:      make(map[latestKey]latestVal),
		latestEvent: make(map[int64]eventVal),
		args:        make([]any, 0, 32),
		rows:        make([]any, 0, insertRows*readingCols),
		chunk:       retainChunk,
	}
	if db.opt.retainChunk > 0 {
		w.chunk = db.opt.retainChunk
	}
	for i, q := range stmtSQL {
		s, err := db.wdb.Prepare(q)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		w.stmts[i] = s
	}
	if err := w.ret.prepare(db.wdb); err != nil {
		w.close()
		return nil, err
	}
	if err := w.acks.prepare(db.wdb); err != nil {
		w.close()
		return nil, err
	}
	if err := w.loadIDs(); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// close releases the prepared statements.
func (w *writer) close() error {
	var errs []error
	for i, s := range w.stmts {
		if s != nil {
			errs = append(errs, s.Close())
			w.stmts[i] = nil
		}
	}
	errs = append(errs, w.ret.close(), w.acks.close())
	return errors.Join(errs...)
}

// loadIDs reads the station and parameter ids, after Open and after a
// transaction was rolled back (its new ids are gone).
func (w *writer) loadIDs() error {
	w.stations = make(map[string]ref)
	w.measures = make(map[string]ref)
	w.events = make(map[string]ref)
	rows, err := w.db.wdb.Query(`SELECT id, code FROM station`)
	if err != nil {
		return fmt.Errorf("load stations: %w", err)
	}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			rows.Close()
			return fmt.Errorf("load stations: %w", err)
		}
		w.stations[code] = ref{id: id, box: id}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("load stations: %w", err)
	}
	rows, err = w.db.wdb.Query(`SELECT id, kind, name, unit FROM param`)
	if err != nil {
		return fmt.Errorf("load params: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind int
		var name, unit string
		if err := rows.Scan(&id, &kind, &name, &unit); err != nil {
			return fmt.Errorf("load params: %w", err)
		}
		if kind == paramEvent {
			w.events[name] = ref{id: id, box: id}
		} else {
			w.measures[name] = ref{id: id, box: id, unit: unit}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load params: %w", err)
	}
	return nil
}

// Submit hands b to the writer. It blocks while the writer's queue is full.
// It returns ErrClosed after Close (b is then not stored); any other error
// reports an earlier batch that failed to commit, and b is still queued.
func (db *DB) Submit(b Batch) error {
	if db.readOnly {
		return ErrReadOnly
	}
	db.mu.RLock()
	if db.closed.Load() {
		db.mu.RUnlock()
		return ErrClosed
	}
	db.queue <- request{kind: kindBatch, batch: b, received: ms(db.opt.Now())}
	db.mu.RUnlock()
	db.errMu.Lock()
	err := db.submitErr
	db.submitErr = nil
	db.errMu.Unlock()
	if err != nil {
		return fmt.Errorf("cache write: %w", err)
	}
	return nil
}

// Flush returns once everything submitted before it is committed. It
// returns the first write failure since the previous Flush, if any.
func (db *DB) Flush() error {
	if db.readOnly {
		return ErrReadOnly
	}
	reply := make(chan error, 1)
	db.mu.RLock()
	if db.closed.Load() {
		db.mu.RUnlock()
		return ErrClosed
	}
	db.queue <- request{kind: kindFlush, reply: reply}
	db.mu.RUnlock()
	if err := <-reply; err != nil {
		return fmt.Errorf("cache write: %w", err)
	}
	return nil
}

// Retain commits what is queued, then deletes everything older than
// now minus Options.Retention in one whole pass (in the same small steps as
// the background retention) and returns the number of readings deleted.
func (db *DB) Retain(now time.Time) (int64, error) {
	r := db.retain(now)
	return r.deleted, r.err
}

func (db *DB) retain(now time.Time) retainResult {
	if db.readOnly {
		return retainResult{err: ErrReadOnly}
	}
	reply := make(chan retainResult, 1)
	db.mu.RLock()
	if db.closed.Load() {
		db.mu.RUnlock()
		return retainResult{err: ErrClosed}
	}
	db.queue <- request{kind: kindRetain, now: now, retained: reply}
	db.mu.RUnlock()
	return <-reply
}

// recordErr remembers a write failure for Submit and Flush to report.
func (db *DB) recordErr(err error) {
	db.errMu.Lock()
	db.submitErr = err
	if db.flushErr == nil {
		db.flushErr = err
	}
	db.errMu.Unlock()
}

// takeFlushErr returns and forgets the failure Flush has to report.
func (db *DB) takeFlushErr() error {
	db.errMu.Lock()
	defer db.errMu.Unlock()
	err := db.flushErr
	db.flushErr = nil
	return err
}

// run is the writer goroutine: it gathers batches into transactions and
// runs retention steps between them until the queue is closed and drained.
func (w *writer) run(queue <-chan request) {
	defer close(w.db.done)
	tick := time.NewTicker(retainEvery)
	defer tick.Stop()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	if w.db.opt.manualRetention {
		tick.Stop()
	} else {
		w.startPass(w.db.opt.Now())
	}
	for {
		var req request
		var ok bool
		if w.pass.active {
			select {
			case req, ok = <-queue:
			default:
				w.backgroundStep()
				continue
			}
		} else {
			select {
			case req, ok = <-queue:
			case <-tick.C:
				w.startPass(w.db.opt.Now())
				continue
			}
		}
		if !ok {
			return
		}
		if closed := w.collect(req, queue, timer); closed {
			return
		}
		if w.pass.active {
			w.backgroundStep()
		}
	}
}

// collect gathers requests after first until the group holds MaxBatch
// readings, FlushInterval has passed, a flush or retain request arrives or
// the queue closes; then it commits the group and answers the requests. It
// reports whether the queue is closed.
func (w *writer) collect(first request, queue <-chan request, timer *time.Timer) (closed bool) {
	w.group = append(w.group[:0], first)
	n := len(first.batch.Readings)
	if first.kind == kindBatch && n < w.db.opt.MaxBatch {
		timer.Reset(w.db.opt.FlushInterval)
	gather:
		for {
			select {
			case req, ok := <-queue:
				if !ok {
					closed = true
					break gather
				}
				w.group = append(w.group, req)
				n += len(req.batch.Readings)
				if req.kind != kindBatch || n >= w.db.opt.MaxBatch {
					break gather
				}
			case <-timer.C:
				break gather
			}
		}
		timer.Stop()
	}
	batches := w.group
	last := w.group[len(w.group)-1]
	if last.kind != kindBatch {
		batches = batches[:len(batches)-1]
	}
	if len(batches) > 0 {
		if err := w.commit(batches); err != nil {
			w.db.recordErr(err)
		}
	}
	switch last.kind {
	case kindFlush:
		last.reply <- w.db.takeFlushErr()
	case kindRetain:
		last.retained <- w.retainAll(last.now)
	case kindAck:
		last.reply <- w.outboxAck(last.ackID, last.now)
	case kindTx:
		last.reply <- w.runTx(last.txFn)
	}
	clear(w.group) // drop the batches' memory
	w.group = w.group[:0]
	return closed
}

// commit stores reqs in one transaction. When that fails and there is more
// than one batch, each is tried alone so one bad batch cannot take the
// others with it; the first failure that remains is returned.
func (w *writer) commit(reqs []request) error {
	err := w.tryCommit(reqs)
	if err == nil || len(reqs) == 1 {
		return err
	}
	err = nil
	for i := range reqs {
		if e := w.tryCommit(reqs[i : i+1]); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// tryCommit stores reqs in one transaction and rolls it back on failure.
func (w *writer) tryCommit(reqs []request) (err error) {
	tx, err := w.db.wdb.Begin()
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		// A bug must not take the district's cache down: it fails this
		// transaction like any other error.
		if p := recover(); p != nil {
			err = fmt.Errorf("writer: %v", p)
		}
		for i := range w.tx {
			w.tx[i] = nil
		}
		clear(w.rows)
		w.rows = w.rows[:0]
		clear(w.latest)
		clear(w.latestEvent)
		if err != nil {
			_ = tx.Rollback()
			if lerr := w.loadIDs(); lerr != nil {
				err = errors.Join(err, lerr)
			}
		}
	}()
	for i, s := range w.stmts {
		w.tx[i] = tx.Stmt(s)
	}
	for i := range reqs {
		if err := w.store(&reqs[i]); err != nil {
			return err
		}
	}
	if err := w.insertRest(); err != nil {
		return err
	}
	if err := w.storeLatest(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// exec runs one of the transaction's statements with w.args.
func (w *writer) exec(id stmtID) error {
	_, err := w.tx[id].Exec(w.args...)
	return err
}

// store writes one batch inside the open transaction.
func (w *writer) store(req *request) error {
	b := &req.batch
	recv := req.received
	var recvBox any = recv
	for i := range b.Stations {
		if err := w.storeStation(&b.Stations[i], recv); err != nil {
			return err
		}
	}
	for i := range b.Readings {
		if err := w.storeReading(&b.Readings[i], recv, recvBox); err != nil {
			return err
		}
	}
	for feed, c := range b.Cursors {
		updated := recv
		if !c.Updated.IsZero() {
			updated = ms(c.Updated)
		}
		w.args = append(w.args[:0], string(feed), c.Epoch, int64(c.Seq), updated)
		if err := w.exec(stUpsertCursor); err != nil {
			return fmt.Errorf("store cursor of %s: %w", feed, err)
		}
	}
	for i := range b.Rejects {
		r := &b.Rejects[i]
		at := recv
		if !r.At.IsZero() {
			at = ms(r.At)
		}
		if err := w.reject(at, r.Feed, r.Reason, r.Raw); err != nil {
			return err
		}
	}
	for i := range b.Gaps {
		g := &b.Gaps[i]
		at := recv
		if !g.At.IsZero() {
			at = ms(g.At)
		}
		w.args = append(w.args[:0], at, string(g.Feed), g.Epoch, int64(g.From), int64(g.To))
		if err := w.exec(stInsertGap); err != nil {
			return fmt.Errorf("store gap: %w", err)
		}
	}
	for i := range b.AlertChanges {
		if err := w.storeChange(&b.AlertChanges[i], recv, b.FromPeers); err != nil {
			return err
		}
	}
	return nil
}

// reject stores a refused message; raw is cut to maxRawBytes.
func (w *writer) reject(at int64, feed, reason string, raw []byte) error {
	if len(raw) > maxRawBytes {
		raw = raw[:maxRawBytes]
	}
	w.args = append(w.args[:0], at, feed, reason, raw)
	if err := w.exec(stInsertReject); err != nil {
		return fmt.Errorf("store reject: %w", err)
	}
	return nil
}

// storeStation inserts or replaces a station's description. A station the
// cache cannot store becomes a reject.
func (w *writer) storeStation(st *city.Station, recv int64) error {
	if st.ID == "" {
		return w.reject(recv, string(st.Feed), "station without an id", nil)
	}
	var area []byte
	if len(st.Area) > 0 {
		var err error
		if area, err = wkb.Marshal(st.Area); err != nil {
			return w.reject(recv, string(st.Feed), fmt.Sprintf("station %s: area: %v", st.ID, err), nil)
		}
	}
	var attrs any
	if len(st.Attrs) > 0 {
		js, err := json.Marshal(st.Attrs)
		if err != nil {
			return w.reject(recv, string(st.Feed), fmt.Sprintf("station %s: attrs: %v", st.ID, err), nil)
		}
		attrs = string(js)
	}
	var lon, lat any
	if city.Finite(st.Location[0]) && city.Finite(st.Location[1]) {
		lon, lat = st.Location[0], st.Location[1]
	}
	var id int64
	if err := w.tx[stUpsertStation].QueryRow(st.ID, string(st.Feed), st.Name, st.Kind, lon, lat, area, attrs, recv).Scan(&id); err != nil {
		return fmt.Errorf("store station %s: %w", st.ID, err)
	}
	w.stations[st.ID] = ref{id: id, box: id}
	return nil
}

// station returns the id of the station with code, adding a stub row for a
// station not described yet.
func (w *writer) station(code string, feed city.Feed) (ref, error) {
	if r, ok := w.stations[code]; ok {
		return r, nil
	}
	var id int64
	if err := w.tx[stStubStation].QueryRow(code, string(feed)).Scan(&id); err != nil {
		return ref{}, fmt.Errorf("store station %s: %w", code, err)
	}
	r := ref{id: id, box: id}
	w.stations[code] = r
	return r, nil
}

// param returns the id of a measured parameter or an event, adding it or
// recording a changed unit as needed.
func (w *writer) param(kind int, name, unit string) (ref, error) {
	m := w.measures
	if kind == paramEvent {
		m = w.events
	}
	r, ok := m[name]
	if ok && (unit == "" || unit == r.unit) {
		return r, nil
	}
	var id int64
	if err := w.tx[stUpsertParam].QueryRow(kind, name, unit).Scan(&id); err != nil {
		return ref{}, fmt.Errorf("store parameter %s: %w", name, err)
	}
	if unit == "" {
		unit = r.unit
	}
	r = ref{id: id, box: id, unit: unit}
	m[name] = r
	return r, nil
}

// storeReading writes one reading's rows and notes its values and event as
// candidates for latest. Values the cache cannot store become rejects.
func (w *writer) storeReading(r *city.Reading, recv int64, recvBox any) error {
	feed := string(r.Feed)
	if r.Station == "" {
		return w.reject(recv, feed, "reading without a station", nil)
	}
	if r.Time.IsZero() {
		return w.reject(recv, feed, fmt.Sprintf("reading of %s without a time", r.Station), nil)
	}
	st, err := w.station(r.Station, r.Feed)
	if err != nil {
		return err
	}
	t := ms(r.Time)
	var tBox any = t
	for j := range r.Values {
		m := &r.Values[j]
		if m.Param == "" || !city.Finite(m.Value) {
			reason := fmt.Sprintf("reading of %s at %s: parameter %q value %v cannot be stored", r.Station, r.Time.Format(time.RFC3339), m.Param, m.Value)
			if err := w.reject(recv, feed, reason, nil); err != nil {
				return err
			}
			continue
		}
		p, err := w.param(paramMeasure, m.Param, m.Unit)
		if err != nil {
			return err
		}
		if err := w.insertRow(st.box, tBox, p.box, m.Value, recvBox); err != nil {
			return err
		}
		k := latestKey{st.id, p.id}
		if cur, ok := w.latest[k]; !ok || t > cur.t {
			w.latest[k] = latestVal{station: st.box, param: p.box, t: t, received: recv, value: m.Value}
		}
	}
	if r.Event != "" {
		p, err := w.param(paramEvent, r.Event, "")
		if err != nil {
			return err
		}
		if err := w.insertRow(st.box, tBox, p.box, nil, recvBox); err != nil {
			return err
		}
		if cur, ok := w.latestEvent[st.id]; !ok || t > cur.t {
			w.latestEvent[st.id] = eventVal{station: st.box, t: t, received: recv, event: r.Event}
		}
	}
	return nil
}

// insertRow adds one reading row to the rows pending and inserts them
// once there are insertRows.
func (w *writer) insertRow(station, t, param, value, received any) error {
	w.rows = append(w.rows, station, t, param, value, received)
	if len(w.rows) < insertRows*readingCols {
		return nil
	}
	_, err := w.tx[stInsertReadings].Exec(w.rows...)
	clear(w.rows)
	w.rows = w.rows[:0]
	if err != nil {
		return fmt.Errorf("store readings: %w", err)
	}
	return nil
}

// insertRest inserts the rows still pending, one statement each.
func (w *writer) insertRest() error {
	for row := range slices.Chunk(w.rows, readingCols) {
		if _, err := w.tx[stInsertReading].Exec(row...); err != nil {
			return fmt.Errorf("store readings: %w", err)
		}
	}
	clear(w.rows)
	w.rows = w.rows[:0]
	return nil
}

// storeLatest upserts the transaction's newest value per key; the stored
// row is replaced only by a newer one.
func (w *writer) storeLatest() error {
	for _, v := range w.latest {
		w.args = append(w.args[:0], v.station, v.param, v.t, v.value, v.received)
		if err := w.exec(stUpsertLatest); err != nil {
			return fmt.Errorf("store latest: %w", err)
		}
	}
	for _, v := range w.latestEvent {
		w.args = append(w.args[:0], v.station, v.t, v.event, v.received)
		if err := w.exec(stUpsertEvent); err != nil {
			return fmt.Errorf("store latest event: %w", err)
		}
	}
	return nil
}
