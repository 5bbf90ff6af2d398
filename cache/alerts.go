package cache

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"onescreen/city"
)

// Alerts, their history and the outbox.
//
// A Batch's AlertChanges are stored in the same transaction as its
// readings: each change replaces the alert's row (unless the stored row was
// updated later: an alert never moves back in time), appends the change's
// step to the alert's history and, for every step but city.StepUpdate,
// queues the step in the outbox for the feed server. A step's key is
// OutboxID, so a step stored twice is one history row and one outbox entry.
//
// Alerts and their history are never deleted by retention: they are the
// record of what the centre was told and did. Retention deletes only outbox
// entries the server acknowledged longer than Options.Retention ago; their
// steps stay in the history, which keeps them from being queued again.
//
// Alert and step times are kept to the nanosecond (an alert's ID carries
// its raise time) and come back in UTC; a zero time comes back zero.

// alertColumns are the alert table's columns in the order alertArgs gives
// and scanAlert reads them.
var alertColumns = []string{
	"id", "station", "feed", "condition", "severity", "state",
	"began", "raised", "updated", "cleared",
	"value", "unit", "message", "message_en",
	"escalations", "escalated",
	"acknowledged_by", "acknowledged", "team", "dispatched_by", "dispatched",
	"resolved_by", "resolved", "verified_by", "verified", "closed_by", "closed",
}

// Statements that store alert changes, prepared once with the writer's.
var (
	sqlUpsertAlert = func() string {
		set := make([]string, 0, len(alertColumns)-1)
		for _, c := range alertColumns[1:] {
			set = append(set, c+" = excluded."+c)
		}
		return `INSERT INTO alert (` + strings.Join(alertColumns, ", ") + `) VALUES (?` +
			strings.Repeat(", ?", len(alertColumns)-1) + `)
		ON CONFLICT (id) DO UPDATE SET ` + strings.Join(set, ", ") + `
		WHERE coalesce(excluded.updated, 0) >= coalesce(alert.updated, 0)`
	}()
	sqlInsertStep   = `INSERT INTO alert_step (id, alert, kind, officer, team, note, at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	sqlInsertOutbox = `INSERT INTO outbox (id, created) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`
	sqlAckOutbox    = `UPDATE outbox SET sent = ? WHERE id = ? AND sent IS NULL`
	sqlOutboxKnown  = `SELECT count(*) FROM outbox WHERE id = ?`
)

// The range of times the nanosecond columns hold.
var (
	earliestNS = time.Unix(0, math.MinInt64)
	latestNS   = time.Unix(0, math.MaxInt64)
)

// nsStorable reports whether t is zero or fits in int64 nanoseconds.
func nsStorable(t time.Time) bool {
	return t.IsZero() || (!t.Before(earliestNS) && !t.After(latestNS))
}

// ns is t in the stored form: nanoseconds, or NULL for the zero time.
func ns(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNS turns a stored nanosecond time back; NULL is the zero time.
func fromNS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(0, v.Int64).UTC()
}

// alertTimes lists an alert's times for the storability check.
func alertTimes(a *city.Alert) []time.Time {
	return []time.Time{a.Began, a.Raised, a.Updated, a.Cleared, a.Escalated,
		a.Acknowledged, a.Dispatched, a.Resolved, a.Verified, a.Closed}
}

// alertArgs appends a's columns, in alertColumns order, to args.
func alertArgs(args []any, a *city.Alert) []any {
	var value any
	if !math.IsNaN(a.Value) {
		value = a.Value // SQLite would turn NaN into NULL anyway; say so
	}
	return append(args,
		a.ID, a.Station, string(a.Feed), string(a.Condition), int64(a.Severity), string(a.State),
		ns(a.Began), ns(a.Raised), ns(a.Updated), ns(a.Cleared),
		value, a.Unit, a.Message, a.MessageEN,
		int64(a.Escalations), ns(a.Escalated),
		a.AcknowledgedBy, ns(a.Acknowledged), a.Team, a.DispatchedBy, ns(a.Dispatched),
		a.ResolvedBy, ns(a.Resolved), a.VerifiedBy, ns(a.Verified), a.ClosedBy, ns(a.Closed),
	)
}

// unstorableChange says why a change cannot be stored, or "" when it can.
func unstorableChange(c *city.Change) string {
	a, s := &c.Alert, &c.Step
	switch {
	case a.ID == "":
		return "alert change without an alert id"
	case s.Alert != a.ID:
		return fmt.Sprintf("alert %s: the step is for alert %q", a.ID, s.Alert)
	case s.Kind == "":
		return fmt.Sprintf("alert %s: change without a step", a.ID)
	case a.Raised.IsZero():
		return fmt.Sprintf("alert %s: no raise time", a.ID)
	case s.Time.IsZero():
		return fmt.Sprintf("alert %s: %s step without a time", a.ID, s.Kind)
	case !nsStorable(s.Time):
		return fmt.Sprintf("alert %s: %s step time %s out of range", a.ID, s.Kind, s.Time.Format(time.RFC3339))
	}
	for _, t := range alertTimes(a) {
		if !nsStorable(t) {
			return fmt.Sprintf("alert %s: time %s out of range", a.ID, t.Format(time.RFC3339))
		}
	}
	return ""
}

// storeChange upserts the alert, appends the step to its history and,
// when the step is new, not an update and not another desk's, queues it in
// the outbox. A change the cache cannot store becomes a reject.
func (w *writer) storeChange(c *city.Change, recv int64, fromPeers map[string]bool) error {
	if why := unstorableChange(c); why != "" {
		return w.reject(recv, string(c.Alert.Feed), why, nil)
	}
	w.args = alertArgs(w.args[:0], &c.Alert)
	if err := w.exec(stUpsertAlert); err != nil {
		return fmt.Errorf("store alert %s: %w", c.Alert.ID, err)
	}
	if c.RowOnly {
		return nil
	}
	s := &c.Step
	id := OutboxID(*s)
	res, err := w.tx[stInsertStep].Exec(id, s.Alert, string(s.Kind), s.Officer, s.Team, s.Note, s.Time.UnixNano())
	if err != nil {
		return fmt.Errorf("store %s step of alert %s: %w", s.Kind, s.Alert, err)
	}
	added, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store %s step of alert %s: %w", s.Kind, s.Alert, err)
	}
	if added == 0 || s.Kind == city.StepUpdate || fromPeers[id] {
		return nil // a step already stored was queued then (or never will be)
	}
	w.args = append(w.args[:0], id, recv)
	if err := w.exec(stInsertOutbox); err != nil {
		return fmt.Errorf("queue %s step of alert %s: %w", s.Kind, s.Alert, err)
	}
	return nil
}

// ackStmts mark outbox entries acknowledged, prepared once.
type ackStmts struct {
	ack, known *sql.Stmt
}

func (a *ackStmts) prepare(db *sql.DB) error {
	var err error
	if a.ack, err = db.Prepare(sqlAckOutbox); err != nil {
		return fmt.Errorf("prepare outbox ack: %w", err)
	}
	if a.known, err = db.Prepare(sqlOutboxKnown); err != nil {
		return fmt.Errorf("prepare outbox ack: %w", err)
	}
	return nil
}

func (a *ackStmts) close() error {
	var errs []error
	for _, s := range []**sql.Stmt{&a.ack, &a.known} {
		if *s != nil {
			errs = append(errs, (*s).Close())
			*s = nil
		}
	}
	return errors.Join(errs...)
}

// outboxAck marks one outbox entry acknowledged in its own transaction.
// An entry acknowledged before keeps its first time.
func (w *writer) outboxAck(id string, at time.Time) (err error) {
	tx, err := w.db.wdb.Begin()
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	n, err := execCount(tx.Stmt(w.acks.ack), ms(at), id)
	if err != nil {
		return err
	}
	if n == 0 {
		var known int
		if err := tx.Stmt(w.acks.known).QueryRow(id).Scan(&known); err != nil {
			return err
		}
		if known == 0 {
			return fmt.Errorf("%w: %q", ErrNoOutboxItem, id)
		}
	}
	return tx.Commit()
}

// OutboxAcked records the feed server's acknowledgement of the step with
// id: it leaves the outbox for good. It goes through the writer, after
// everything submitted before it, and returns once committed. Acknowledging
// again changes nothing; an id the outbox does not hold gives
// ErrNoOutboxItem.
func (db *DB) OutboxAcked(id string, at time.Time) error {
	if db.readOnly {
		return ErrReadOnly
	}
	if id == "" {
		return fmt.Errorf("outbox ack: empty id: %w", ErrNoOutboxItem)
	}
	reply := make(chan error, 1)
	db.mu.RLock()
	if db.closed.Load() {
		db.mu.RUnlock()
		return ErrClosed
	}
	db.queue <- request{kind: kindAck, ackID: id, now: at, reply: reply}
	db.mu.RUnlock()
	if err := <-reply; err != nil {
		return fmt.Errorf("outbox ack: %w", err)
	}
	return nil
}

// Alerts returns the alerts f selects, newest raised first.
func (db *DB) Alerts(f AlertFilter) ([]city.Alert, error) {
	var q strings.Builder
	q.WriteString(`SELECT ` + strings.Join(alertColumns, ", ") + ` FROM alert WHERE 1`)
	var args []any
	if f.OpenOnly {
		q.WriteString(` AND state <> 'closed'`) // literal, so the partial index applies
	}
	if !f.From.IsZero() {
		q.WriteString(` AND raised >= ?`)
		args = append(args, clampNS(f.From))
	}
	if !f.To.IsZero() {
		q.WriteString(` AND raised < ?`)
		args = append(args, clampNS(f.To))
	}
	if f.Feed != "" {
		q.WriteString(` AND feed = ?`)
		args = append(args, string(f.Feed))
	}
	q.WriteString(` ORDER BY raised DESC, id DESC`)
	var out []city.Alert
	err := db.query("read alerts", q.String(), func(r *sql.Rows) error {
		a, err := scanAlert(r)
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// clampNS is t in nanoseconds, clamped to the range int64 holds.
func clampNS(t time.Time) int64 {
	switch {
	case t.Before(earliestNS):
		return math.MinInt64
	case t.After(latestNS):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// scanAlert reads one row of alertColumns.
func scanAlert(r *sql.Rows) (city.Alert, error) {
	var a city.Alert
	var feed, cond, state string
	var sev, esc int64
	var began, raised, updated, cleared, escalated, acked, dispatched, resolved, verified, closed sql.NullInt64
	var value sql.NullFloat64
	err := r.Scan(&a.ID, &a.Station, &feed, &cond, &sev, &state,
		&began, &raised, &updated, &cleared,
		&value, &a.Unit, &a.Message, &a.MessageEN,
		&esc, &escalated,
		&a.AcknowledgedBy, &acked, &a.Team, &a.DispatchedBy, &dispatched,
		&a.ResolvedBy, &resolved, &a.VerifiedBy, &verified, &a.ClosedBy, &closed)
	if err != nil {
		return a, err
	}
	a.Feed, a.Condition, a.Severity, a.State = city.Feed(feed), city.Condition(cond), city.Severity(sev), city.AlertState(state)
	a.Began, a.Raised, a.Updated, a.Cleared = fromNS(began), fromNS(raised), fromNS(updated), fromNS(cleared)
	a.Value = math.NaN()
	if value.Valid {
		a.Value = value.Float64
	}
	a.Escalations, a.Escalated = int(esc), fromNS(escalated)
	a.Acknowledged, a.Dispatched, a.Resolved = fromNS(acked), fromNS(dispatched), fromNS(resolved)
	a.Verified, a.Closed = fromNS(verified), fromNS(closed)
	return a, nil
}

// AlertSteps returns the history of the alert with alertID, oldest first
// (by time, then in the order stored); none for an unknown alert.
func (db *DB) AlertSteps(alertID string) ([]city.Step, error) {
	var out []city.Step
	err := db.query("read alert history", `SELECT alert, kind, officer, team, note, at FROM alert_step
		WHERE alert = ? ORDER BY at, seq`, func(r *sql.Rows) error {
		s, err := scanStep(r)
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}, alertID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanStep reads alert, kind, officer, team, note, at and whatever follows
// into extra.
func scanStep(r *sql.Rows, extra ...any) (city.Step, error) {
	var s city.Step
	var kind string
	var at int64
	if err := r.Scan(append([]any{&s.Alert, &kind, &s.Officer, &s.Team, &s.Note, &at}, extra...)...); err != nil {
		return s, err
	}
	s.Kind, s.Time = city.StepKind(kind), time.Unix(0, at).UTC()
	return s, nil
}

// OutboxPending returns up to limit steps the feed server has not
// acknowledged yet, in the order they were stored; limit <= 0 returns all.
func (db *DB) OutboxPending(limit int) ([]OutboxItem, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	var out []OutboxItem
	err := db.query("read outbox", `SELECT s.alert, s.kind, s.officer, s.team, s.note, s.at, o.id, o.seq, o.created, o.attempts
		FROM outbox o JOIN alert_step s ON s.id = o.id
		WHERE o.sent IS NULL ORDER BY o.seq LIMIT ?`, func(r *sql.Rows) error {
		var it OutboxItem
		var created int64
		s, err := scanStep(r, &it.ID, &it.Seq, &created, &it.Attempts)
		if err != nil {
			return err
		}
		it.Step, it.Created = s, fromMS(created)
		out = append(out, it)
		return nil
	}, limit)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Alert returns the stored alert with id; ok is false when the cache holds
// none. A desk looks up an alert it no longer keeps in memory (closed
// earlier, or before a restart) when another desk's step on it arrives.
func (db *DB) Alert(id string) (a city.Alert, ok bool, err error) {
	err = db.query("read alert", `SELECT `+strings.Join(alertColumns, ", ")+` FROM alert WHERE id = ?`, func(r *sql.Rows) error {
		var err error
		a, err = scanAlert(r)
		ok = err == nil
		return err
	}, id)
	return a, ok, err
}
