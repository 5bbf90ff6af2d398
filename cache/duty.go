package cache

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"onescreen/city"
)

// The duty officer's day in the cache: case-model records, the roster as
// edited in the console, handovers, the duty log, feed outages and the
// duty outbox (migration 0003). Writes go through the writer, after
// everything submitted before them, each in a transaction of its own.

// runTx runs fn in a transaction of its own on the writer's connection.
func (w *writer) runTx(fn func(*sql.Tx) error) (err error) {
	tx, err := w.db.wdb.Begin()
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("duty write: panic: %v", p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// writeTx hands fn to the writer and waits until it is committed.
func (db *DB) writeTx(what string, fn func(*sql.Tx) error) error {
	if db.readOnly {
		return ErrReadOnly
	}
	reply := make(chan error, 1)
	db.mu.RLock()
	if db.closed.Load() {
		db.mu.RUnlock()
		return ErrClosed
	}
	db.queue <- request{kind: kindTx, txFn: fn, reply: reply}
	db.mu.RUnlock()
	if err := <-reply; err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func queueDuty(tx *sql.Tx, a *DutyAction, now time.Time) error {
	if a == nil {
		return nil
	}
	if a.ID == "" || a.Kind == "" || a.Subject == "" || a.Officer == "" || a.Time.IsZero() {
		return fmt.Errorf("duty action %q: id, kind, subject, officer and time are needed", a.ID)
	}
	_, err := tx.Exec(`INSERT INTO duty_outbox (id, kind, subject, officer, at, team, note, created) VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (id) DO NOTHING`, a.ID, a.Kind, a.Subject, a.Officer, a.Time.UnixNano(), a.Team, a.Note, ms(now))
	return err
}

// SaveCase stores the case-model record of an alert.
func (db *DB) SaveCase(c city.Case) error {
	if c.Alert == "" {
		return errors.New("save case: no alert id")
	}
	return db.writeTx("save case", func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO alert_case (alert, state, decided_by, decided, reason, shelved, shelved_by, shelved_at, shelve_reason, escalated)
			VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (alert) DO UPDATE SET state=excluded.state, decided_by=excluded.decided_by,
			decided=excluded.decided, reason=excluded.reason, shelved=excluded.shelved, shelved_by=excluded.shelved_by,
			shelved_at=excluded.shelved_at, shelve_reason=excluded.shelve_reason, escalated=excluded.escalated`,
			c.Alert, string(c.State), c.DecidedBy, ns(c.Decided), c.Reason, c.Shelved, c.ShelvedBy, ns(c.ShelvedAt), c.ShelveReason, ns(c.Escalated))
		return err
	})
}

// Cases returns every stored case-model record by alert id.
func (db *DB) Cases() (map[string]city.Case, error) {
	out := map[string]city.Case{}
	err := db.query("read cases", `SELECT alert, state, decided_by, decided, reason, shelved, shelved_by, shelved_at, shelve_reason, escalated FROM alert_case`,
		func(r *sql.Rows) error {
			var c city.Case
			var state string
			var decided, shelvedAt, escalated sql.NullInt64
			if err := r.Scan(&c.Alert, &state, &c.DecidedBy, &decided, &c.Reason, &c.Shelved, &c.ShelvedBy, &shelvedAt, &c.ShelveReason, &escalated); err != nil {
				return err
			}
			c.State, c.Decided, c.ShelvedAt, c.Escalated = city.CaseState(state), fromNS(decided), fromNS(shelvedAt), fromNS(escalated)
			out[c.Alert] = c
			return nil
		})
	return out, err
}

// SaveRoster stores the roster as edited in the console, with a duty
// message for the feed server.
func (db *DB) SaveRoster(shifts []city.Shift, by string, at time.Time, out *DutyAction) error {
	b, err := json.Marshal(shifts)
	if err != nil {
		return fmt.Errorf("save roster: %w", err)
	}
	return db.writeTx("save roster", func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO duty_roster (id, shifts, updated_by, updated) VALUES (1,?,?,?)
			ON CONFLICT (id) DO UPDATE SET shifts=excluded.shifts, updated_by=excluded.updated_by, updated=excluded.updated`,
			string(b), by, at.UnixNano()); err != nil {
			return err
		}
		return queueDuty(tx, out, at)
	})
}

// Roster returns the roster last saved in the console; false when none was.
func (db *DB) Roster() ([]city.Shift, bool, error) {
	var shifts []city.Shift
	found := false
	err := db.query("read roster", `SELECT shifts FROM duty_roster WHERE id = 1`, func(r *sql.Rows) error {
		var s string
		if err := r.Scan(&s); err != nil {
			return err
		}
		found = true
		return json.Unmarshal([]byte(s), &shifts)
	})
	return shifts, found, err
}

// SaveHandover stores a shift's handover as it now stands (sign-off, then
// acknowledgement), with its duty message for the feed server.
func (db *DB) SaveHandover(h city.Handover, out *DutyAction) error {
	if h.Shift == "" || h.SignedBy == "" || h.Signed.IsZero() {
		return errors.New("save handover: a handover is stored once signed off")
	}
	sum, err := json.Marshal(h.Summary)
	if err != nil {
		return fmt.Errorf("save handover: %w", err)
	}
	return db.writeTx("save handover", func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO handover (shift, from_at, to_at, summary, signed_by, signed, note, acked_by, acked, ack_note)
			VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (shift) DO UPDATE SET acked_by=excluded.acked_by, acked=excluded.acked, ack_note=excluded.ack_note`,
			h.Shift, h.Summary.From.UnixNano(), h.Summary.To.UnixNano(), string(sum), h.SignedBy, h.Signed.UnixNano(), h.Note,
			h.AckedBy, ns(h.Acked), h.AckNote); err != nil {
			return err
		}
		return queueDuty(tx, out, h.Signed)
	})
}

// Handovers returns the handovers of shifts that began in [from, to),
// oldest first; zero times leave that end open.
func (db *DB) Handovers(from, to time.Time) ([]city.Handover, error) {
	lo, hi := rangeNS(from, to)
	var out []city.Handover
	err := db.query("read handovers", `SELECT shift, summary, signed_by, signed, note, acked_by, acked, ack_note FROM handover
		WHERE from_at >= ? AND from_at < ? ORDER BY from_at`, func(r *sql.Rows) error {
		var h city.Handover
		var sum string
		var signed int64
		var acked sql.NullInt64
		if err := r.Scan(&h.Shift, &sum, &h.SignedBy, &signed, &h.Note, &h.AckedBy, &acked, &h.AckNote); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(sum), &h.Summary); err != nil {
			return fmt.Errorf("handover %s: %w", h.Shift, err)
		}
		h.Signed, h.Acked = time.Unix(0, signed).UTC(), fromNS(acked)
		out = append(out, h)
		return nil
	}, lo, hi)
	return out, err
}

// Handover returns one shift's handover; false when it was not signed off.
func (db *DB) Handover(shift string) (city.Handover, bool, error) {
	hs, err := db.Handovers(time.Time{}, time.Time{})
	if err != nil {
		return city.Handover{}, false, err
	}
	for _, h := range hs {
		if h.Shift == shift {
			return h, true, nil
		}
	}
	return city.Handover{}, false, nil
}

func rangeNS(from, to time.Time) (int64, int64) {
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if !from.IsZero() {
		lo = clampNS(from)
	}
	if !to.IsZero() {
		hi = clampNS(to)
	}
	return lo, hi
}

// AddDutyEntry stores a duty-log entry with its duty message.
func (db *DB) AddDutyEntry(e city.DutyEntry, out *DutyAction) error {
	if e.ID == "" || e.Officer == "" || e.Time.IsZero() {
		return errors.New("duty log: an entry needs an id, an officer and a time")
	}
	return db.writeTx("duty log", func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO duty_log (id, officer, at, shift, text) VALUES (?,?,?,?,?) ON CONFLICT (id) DO NOTHING`,
			e.ID, e.Officer, e.Time.UnixNano(), e.Shift, e.Text); err != nil {
			return err
		}
		return queueDuty(tx, out, e.Time)
	})
}

// DutyLog returns the entries written in [from, to), oldest first.
func (db *DB) DutyLog(from, to time.Time) ([]city.DutyEntry, error) {
	lo, hi := rangeNS(from, to)
	var out []city.DutyEntry
	err := db.query("read duty log", `SELECT id, officer, at, shift, text FROM duty_log WHERE at >= ? AND at < ? ORDER BY at, seq`,
		func(r *sql.Rows) error {
			var e city.DutyEntry
			var at int64
			if err := r.Scan(&e.ID, &e.Officer, &at, &e.Shift, &e.Text); err != nil {
				return err
			}
			e.Time = time.Unix(0, at).UTC()
			out = append(out, e)
			return nil
		}, lo, hi)
	return out, err
}

// OutageBegan records that feed's link went down at at (unless an outage
// of the feed is already open).
func (db *DB) OutageBegan(feed city.Feed, at time.Time, reason string) error {
	return db.writeTx("record outage", func(tx *sql.Tx) error {
		var open int
		if err := tx.QueryRow(`SELECT count(*) FROM feed_outage WHERE feed = ? AND to_at IS NULL`, string(feed)).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return nil
		}
		_, err := tx.Exec(`INSERT INTO feed_outage (feed, from_at, reason) VALUES (?,?,?)`, string(feed), at.UnixNano(), reason)
		return err
	})
}

// OutageEnded records that feed's link is up again at at.
func (db *DB) OutageEnded(feed city.Feed, at time.Time) error {
	return db.writeTx("record outage", func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE feed_outage SET to_at = ? WHERE feed = ? AND to_at IS NULL`, at.UnixNano(), string(feed))
		return err
	})
}

// Outages returns the outages overlapping [from, to), oldest first.
func (db *DB) Outages(from, to time.Time) ([]city.Outage, error) {
	lo, hi := rangeNS(from, to)
	var out []city.Outage
	err := db.query("read outages", `SELECT feed, from_at, to_at, reason FROM feed_outage
		WHERE from_at < ? AND (to_at IS NULL OR to_at > ?) ORDER BY from_at, id`, func(r *sql.Rows) error {
		var o city.Outage
		var feed string
		var f int64
		var t sql.NullInt64
		if err := r.Scan(&feed, &f, &t, &o.Reason); err != nil {
			return err
		}
		o.Feed, o.From, o.To = city.Feed(feed), time.Unix(0, f).UTC(), fromNS(t)
		out = append(out, o)
		return nil
	}, hi, lo)
	return out, err
}

// RejectCountsBetween counts refused messages received in [from, to) per
// feed ("" for messages whose feed is unknown).
func (db *DB) RejectCountsBetween(from, to time.Time) (map[string]int, error) {
	out := map[string]int{}
	err := db.query("count rejects", `SELECT feed, count(*) FROM reject WHERE at >= ? AND at < ? GROUP BY feed`, func(r *sql.Rows) error {
		var feed string
		var n int
		if err := r.Scan(&feed, &n); err != nil {
			return err
		}
		out[feed] = n
		return nil
	}, ms(from), ms(to))
	return out, err
}

// DutyOutboxPending returns up to limit duty messages the feed server has
// not acknowledged, in the order they were stored; limit <= 0: all.
func (db *DB) DutyOutboxPending(limit int) ([]DutyAction, error) {
	if limit <= 0 {
		limit = -1
	}
	var out []DutyAction
	err := db.query("read duty outbox", `SELECT id, kind, subject, officer, at, team, note FROM duty_outbox WHERE sent IS NULL ORDER BY seq LIMIT ?`,
		func(r *sql.Rows) error {
			var a DutyAction
			var at int64
			if err := r.Scan(&a.ID, &a.Kind, &a.Subject, &a.Officer, &at, &a.Team, &a.Note); err != nil {
				return err
			}
			a.Time = time.Unix(0, at).UTC()
			out = append(out, a)
			return nil
		}, limit)
	return out, err
}

// DutyOutboxAcked records the server's ack of a duty message; an id the
// duty outbox does not hold gives ErrNoOutboxItem.
func (db *DB) DutyOutboxAcked(id string, at time.Time) error {
	return db.writeTx("duty outbox ack", func(tx *sql.Tx) error {
		var known int
		if err := tx.QueryRow(`SELECT count(*) FROM duty_outbox WHERE id = ?`, id).Scan(&known); err != nil {
			return err
		}
		if known == 0 {
			return fmt.Errorf("%w: %q", ErrNoOutboxItem, id)
		}
		_, err := tx.Exec(`UPDATE duty_outbox SET sent = ? WHERE id = ? AND sent IS NULL`, ms(at), id)
		return err
	})
}

// Other desks' duty records. A desk takes the duty messages that other
// desks of the district sent (relayed by the feed server or read from the
// JetStream steps subject) into the same tables as its own, but never into
// its duty outbox: they are the other desk's to send.

// RosterEdit returns the roster last saved (here or taken from another
// desk) with its author and time; false when none was.
func (db *DB) RosterEdit() (RosterEdit, bool, error) {
	var e RosterEdit
	found := false
	err := db.query("read roster", `SELECT shifts, updated_by, updated FROM duty_roster WHERE id = 1`, func(r *sql.Rows) error {
		var s string
		var at int64
		if err := r.Scan(&s, &e.By, &at); err != nil {
			return err
		}
		found = true
		e.At = time.Unix(0, at).UTC()
		return json.Unmarshal([]byte(s), &e.Shifts)
	})
	return e, found, err
}

// DutyOutboxHolds reports whether id is one of this desk's own duty
// messages (sent or still waiting): the outbox keeps every one.
func (db *DB) DutyOutboxHolds(id string) (bool, error) {
	n := 0
	err := db.query("read duty outbox", `SELECT count(*) FROM duty_outbox WHERE id = ?`, func(r *sql.Rows) error {
		return r.Scan(&n)
	}, id)
	return n > 0, err
}

// writeChanged runs one statement in a write transaction and reports
// whether it changed a row (an insert or update its conflict rule skipped
// changes none).
func (db *DB) writeChanged(what, query string, args ...any) (bool, error) {
	changed := false
	err := db.writeTx(what, func(tx *sql.Tx) error {
		res, err := tx.Exec(query, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		changed = n > 0
		return err
	})
	return changed, err
}

// PeerDutyEntry stores another desk's duty-log entry under the id its
// author stored it with; false when the entry is held already.
func (db *DB) PeerDutyEntry(e city.DutyEntry) (bool, error) {
	if e.ID == "" || e.Officer == "" || e.Time.IsZero() {
		return false, errors.New("duty log: an entry needs an id, an officer and a time")
	}
	return db.writeChanged("duty log from another desk", `INSERT INTO duty_log (id, officer, at, shift, text) VALUES (?,?,?,?,?) ON CONFLICT (id) DO NOTHING`,
		e.ID, e.Officer, e.Time.UnixNano(), e.Shift, e.Text)
}

// PeerRoster stores another desk's roster edit when it is newer than the
// roster stored: a later time wins, and of two edits of the same time the
// one whose JSON sorts last, so that every desk keeps the same edit
// whatever order they arrive in. It reports whether the edit was stored.
func (db *DB) PeerRoster(shifts []city.Shift, by string, at time.Time) (bool, error) {
	b, err := json.Marshal(shifts)
	if err != nil {
		return false, fmt.Errorf("roster from another desk: %w", err)
	}
	stored := false
	err = db.writeTx("roster from another desk", func(tx *sql.Tx) error {
		var old string
		var oldAt int64
		switch err := tx.QueryRow(`SELECT shifts, updated FROM duty_roster WHERE id = 1`).Scan(&old, &oldAt); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case oldAt > at.UnixNano(), oldAt == at.UnixNano() && old >= string(b):
			return nil // the stored edit is newer (or this one)
		}
		if _, err := tx.Exec(`INSERT INTO duty_roster (id, shifts, updated_by, updated) VALUES (1,?,?,?)
			ON CONFLICT (id) DO UPDATE SET shifts=excluded.shifts, updated_by=excluded.updated_by, updated=excluded.updated`,
			string(b), by, at.UnixNano()); err != nil {
			return err
		}
		stored = true
		return nil
	})
	return stored, err
}

// PeerSignOff stores another desk's sign-off of a shift; false when the
// shift is signed off already as early: of two sign-offs of a shift (two
// desks during a cut) the earlier, then the officer's name that sorts
// first, is kept at every desk; the acknowledgement stays.
func (db *DB) PeerSignOff(h city.Handover) (bool, error) {
	if h.Shift == "" || h.SignedBy == "" || h.Signed.IsZero() {
		return false, errors.New("sign-off from another desk: a shift, an officer and a time are needed")
	}
	sum, err := json.Marshal(h.Summary)
	if err != nil {
		return false, fmt.Errorf("sign-off from another desk: %w", err)
	}
	return db.writeChanged("sign-off from another desk", `INSERT INTO handover (shift, from_at, to_at, summary, signed_by, signed, note) VALUES (?,?,?,?,?,?,?)
			ON CONFLICT (shift) DO UPDATE SET from_at=excluded.from_at, to_at=excluded.to_at, summary=excluded.summary,
			signed_by=excluded.signed_by, signed=excluded.signed, note=excluded.note
			WHERE excluded.signed < handover.signed OR (excluded.signed = handover.signed AND excluded.signed_by < handover.signed_by)`, h.Shift, h.Summary.From.UnixNano(), h.Summary.To.UnixNano(), string(sum), h.SignedBy, h.Signed.UnixNano(), h.Note)
}

// PeerAck stores another desk's acknowledgement of a signed-off shift;
// false when the shift was acknowledged already as early: as for
// sign-offs, the earlier (then the name that sorts first) is kept.
func (db *DB) PeerAck(shift, by string, at time.Time, note string) (bool, error) {
	return db.writeChanged("acknowledgement from another desk", `UPDATE handover SET acked_by = ?1, acked = ?2, ack_note = ?3
		WHERE shift = ?4 AND (acked IS NULL OR ?2 < acked OR (?2 = acked AND ?1 < acked_by))`,
		by, at.UnixNano(), note, shift)
}
