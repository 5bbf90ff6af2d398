package cache

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Retention statements. A pass visits the stations in id order; for each it
// finds the row that would be the (room+1)-th oldest below the cutoff and
// deletes the rows before it by primary-key range, or all of the station's
// old rows when there are no more than room of them.
const (
	sqlNextStation = `SELECT id FROM station WHERE id > ? ORDER BY id LIMIT 1`
	sqlChunkEdge   = `SELECT t, param FROM reading WHERE station = ? AND t < ? ORDER BY t, param LIMIT 1 OFFSET ?`
	sqlDeleteUpTo  = `DELETE FROM reading WHERE station = ?1 AND t <= ?2 AND (t < ?2 OR param < ?3)`
	sqlDeleteOld   = `DELETE FROM reading WHERE station = ? AND t < ?`
	sqlOldRejects  = `DELETE FROM reject WHERE at < ?`
	sqlTrimRejects = `DELETE FROM reject WHERE id <= (SELECT id FROM reject ORDER BY id DESC LIMIT 1 OFFSET ?)`
	sqlOldGaps     = `DELETE FROM gap WHERE at < ?`
	sqlOldAcked    = `DELETE FROM outbox WHERE sent < ?`
)

// retainStmts are the retention statements, prepared once.
type retainStmts struct {
	next, edge, upTo, old, oldRejects, trimRejects, oldGaps, oldAcked *sql.Stmt
}

func (r *retainStmts) prepare(db *sql.DB) error {
	for _, p := range []struct {
		s **sql.Stmt
		q string
	}{
		{&r.next, sqlNextStation}, {&r.edge, sqlChunkEdge}, {&r.upTo, sqlDeleteUpTo},
		{&r.old, sqlDeleteOld}, {&r.oldRejects, sqlOldRejects}, {&r.trimRejects, sqlTrimRejects},
		{&r.oldGaps, sqlOldGaps}, {&r.oldAcked, sqlOldAcked},
	} {
		s, err := db.Prepare(p.q)
		if err != nil {
			return fmt.Errorf("prepare retention: %w", err)
		}
		*p.s = s
	}
	return nil
}

func (r *retainStmts) close() error {
	var errs []error
	for _, s := range []**sql.Stmt{&r.next, &r.edge, &r.upTo, &r.old, &r.oldRejects, &r.trimRejects, &r.oldGaps, &r.oldAcked} {
		if *s != nil {
			errs = append(errs, (*s).Close())
			*s = nil
		}
	}
	return errors.Join(errs...)
}

// retainPass is the state of one walk over the stations.
type retainPass struct {
	active bool
	cutoff int64 // ms: rows observed before this go
	after  int64 // station ids up to this one are done
}

// startPass begins a new pass that deletes what is older than now minus the
// retention period.
func (w *writer) startPass(now time.Time) {
	w.pass = retainPass{active: true, cutoff: ms(now.Add(-w.db.opt.Retention))}
}

// backgroundStep runs one step of the current pass; a failure ends the pass
// and is reported like a write failure.
func (w *writer) backgroundStep() {
	if _, err := w.retainStep(); err != nil {
		w.pass.active = false
		w.db.recordErr(fmt.Errorf("retention: %w", err))
	}
}

// retainAll runs a whole pass with the clock reading now.
func (w *writer) retainAll(now time.Time) retainResult {
	var res retainResult
	w.startPass(now)
	for w.pass.active {
		n, err := w.retainStep()
		res.deleted += n
		res.steps++
		if err != nil {
			w.pass.active = false
			res.err = fmt.Errorf("retention: %w", err)
			break
		}
	}
	return res
}

// retainStep deletes, in one transaction, up to w.chunk old readings from
// as many as retainStations stations, and at the end of the pass the old
// rejects and gaps. It returns the number of readings deleted.
func (w *writer) retainStep() (deleted int64, err error) {
	tx, err := w.db.wdb.Begin()
	if err != nil {
		return 0, err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("retention: %v", p)
		}
		if err != nil {
			_ = tx.Rollback()
			deleted = 0
		}
	}()
	pass := w.pass
	cut := pass.cutoff
	for visited := 0; deleted < int64(w.chunk) && visited < retainStations; visited++ {
		var id int64
		err := tx.Stmt(w.ret.next).QueryRow(pass.after).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			if err := w.retainOthers(tx, cut); err != nil {
				return 0, err
			}
			pass.active = false
			break
		}
		if err != nil {
			return 0, err
		}
		room := int64(w.chunk) - deleted
		var et, ep int64
		err = tx.Stmt(w.ret.edge).QueryRow(id, cut, room).Scan(&et, &ep)
		if errors.Is(err, sql.ErrNoRows) {
			// room or fewer old rows: the station is done.
			n, err := execCount(tx.Stmt(w.ret.old), id, cut)
			if err != nil {
				return 0, err
			}
			deleted += n
			pass.after = id
			continue
		}
		if err != nil {
			return 0, err
		}
		// More than room old rows: delete exactly room, come back later.
		n, err := execCount(tx.Stmt(w.ret.upTo), id, et, ep)
		if err != nil {
			return 0, err
		}
		deleted += n
		break
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	w.pass = pass
	return deleted, nil
}

// retainOthers deletes old rejects and gaps, keeps at most maxRejects
// rejects and deletes outbox entries acknowledged before the cutoff.
// Alerts and their history are never deleted: they are the record of what
// the centre was told and did, and a step's history row is what keeps it
// from entering the outbox again.
func (w *writer) retainOthers(tx *sql.Tx, cut int64) error {
	if _, err := tx.Stmt(w.ret.oldRejects).Exec(cut); err != nil {
		return err
	}
	if _, err := tx.Stmt(w.ret.trimRejects).Exec(maxRejects); err != nil {
		return err
	}
	if _, err := tx.Stmt(w.ret.oldGaps).Exec(cut); err != nil {
		return err
	}
	_, err := tx.Stmt(w.ret.oldAcked).Exec(cut)
	return err
}

// execCount runs s and returns the number of rows it changed.
func execCount(s *sql.Stmt, args ...any) (int64, error) {
	res, err := s.Exec(args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
