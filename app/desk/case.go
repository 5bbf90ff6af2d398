package desk

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"onescreen/cache/model"
	"onescreen/city"
)

// CaseBook keeps the case-model records (GB/T 30428: 立案, 不予立案, 挂账,
// 处置时限, 超期) of the alerts beside the alert desk. A case step is kept
// in the alert's history and goes through the outbox like any other step;
// the record itself is kept in the cache's alert_case table.
type CaseBook struct {
	db AlertStore
	cs city.CaseSettings

	mu     sync.Mutex
	cases  map[string]city.Case
	seen   map[string]string                             // OutboxIDs of the case steps taken, here or at other desks → their alert
	roleOf func(officer string, now time.Time) city.Role // from the roster; nil: everybody is a 值班员
}

// newCaseBook restores the case records from db.
func newCaseBook(db AlertStore, cs city.CaseSettings) (*CaseBook, error) {
	cases, err := db.Cases()
	if err != nil {
		return nil, fmt.Errorf("restore cases: %w", err)
	}
	return &CaseBook{db: db, cs: cs, cases: cases, seen: map[string]string{}}, nil
}

// Settings are the disposal time limits and the working calendar in force.
func (b *CaseBook) Settings() city.CaseSettings { return b.cs }

// SetRoleOf sets how an officer's role is known (the duty roster).
func (b *CaseBook) SetRoleOf(fn func(officer string, now time.Time) city.Role) {
	b.mu.Lock()
	b.roleOf = fn
	b.mu.Unlock()
}

// Role is officer's role at now.
func (b *CaseBook) Role(officer string, now time.Time) city.Role {
	b.mu.Lock()
	fn := b.roleOf
	b.mu.Unlock()
	if fn == nil {
		return city.RoleOfficer
	}
	return fn(officer, now)
}

// Case is the record of alert id (a pending report when there is none).
func (b *CaseBook) Case(id string) city.Case {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cases[id]
}

// Cases is a copy of the records of the open alerts (the cache keeps all).
func (b *CaseBook) Cases() map[string]city.Case {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]city.Case, len(b.cases))
	for k, v := range b.cases {
		out[k] = v
	}
	return out
}

// CaseView is what the panel shows of an alert's case.
type CaseView struct {
	Case    city.Case
	Due     time.Time // the disposal deadline; zero: no limit
	Overdue bool
	Actions []city.StepKind // the case steps officer may take now
}

// View is the case of a as officer sees it at now.
// role is the officer's (Role), worked out once by the caller for all the
// alerts it lists.
func (b *CaseBook) View(a city.Alert, officer string, role city.Role, now time.Time) CaseView {
	c := b.Case(a.ID)
	v := CaseView{Case: c, Due: b.cs.Deadline(a), Overdue: b.cs.Overdue(a, c, now)}
	if officer != "" {
		v.Actions = city.CaseStepsAllowed(c, a, role, officer, now)
	}
	return v
}

// Cases is the desk's case book.
func (d *AlertDesk) Cases() *CaseBook { return d.cases }

// CaseAct takes a case step (立案, 不予立案, 挂账, 取消挂账) on alert id by the
// current officer: the case model checks it (the 值班长 role is the
// roster's), the step enters the alert's history and the outbox, and the
// record is stored. A rejected report whose condition no longer holds is
// closed with the rejection (see CaseTick for one that still holds).
func (d *AlertDesk) CaseAct(id string, kind city.StepKind, note string, now time.Time) (city.Case, error) {
	d.mu.Lock() // d.mu before b.mu, as in Views
	defer d.mu.Unlock()
	defer d.changed() // a case step changes what the alert row says
	officer := d.officer
	name := city.CaseStepName(kind)
	if d.readOnly {
		return city.Case{}, fmt.Errorf("%s: %w", name, ErrReadOnly)
	}
	if officer == "" {
		return city.Case{}, fmt.Errorf("%s: set the duty officer's name first", name)
	}
	a, ok := d.engine.Alert(id)
	if !ok {
		return city.Case{}, fmt.Errorf("%s: %w: no open alert %q", name, city.ErrAlertClosed, id)
	}
	b := d.cases
	role := b.Role(officer, now)
	s := city.Step{Alert: id, Kind: kind, Officer: officer, Note: strings.TrimSpace(note), Time: now}
	b.mu.Lock()
	defer b.mu.Unlock()
	c, err := b.cases[id].Apply(a, s, role)
	if err != nil {
		return c, err
	}
	changes, a := d.rejectLocked(a, s)
	if err := d.stepStore().Submit(model.Batch{AlertChanges: append([]city.Change{{Alert: a, Step: s}}, changes...)}); err != nil {
		return c, fmt.Errorf("store %s: %w", name, err)
	}
	if err := d.db.SaveCase(c); err != nil {
		return c, err
	}
	b.cases[id] = c
	b.seen[model.OutboxID(s)] = id
	return c, nil
}

// rejectLocked holds a case step s on a (a 不予立案 is part of the alert's
// fold: see city.Fold) and, for a rejection, closes the report when its
// condition has ended. It returns the follow-up changes the close made and
// the alert as it stands. Called with d.mu held.
func (d *AlertDesk) rejectLocked(a city.Alert, s city.Step) ([]city.Change, city.Alert) {
	if s.Kind != city.StepCaseReject {
		return nil, a
	}
	h := heldStep{id: model.OutboxID(s), step: s}
	if !d.holdsStep(a.ID, h.id) {
		d.steps.byAlert[a.ID] = append(d.steps.byAlert[a.ID], h)
	}
	closed, ok := d.engine.CloseRejected(a.ID, s.Officer, s.Time)
	if !ok {
		return nil, a
	}
	d.keepClosed(closed)
	return d.engine.FollowUps(), closed
}

// CaseTick escalates each case that went overdue (超期) since the last
// tick, once: a case_overdue step by the system in the alert's history
// and the outbox, for the shift leader. It also closes each rejected
// report whose condition has ended (a close step by the system). It
// returns the escalated alerts.
func (d *AlertDesk) CaseTick(now time.Time) (out []city.Alert, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	closedAny := false
	defer func() {
		if closedAny || len(out) > 0 {
			d.changed() // an escalation or a close changes what the alert row says
		}
	}()
	b := d.cases
	b.mu.Lock()
	defer b.mu.Unlock()
	for id := range b.cases {
		if _, open := d.engine.Alert(id); !open {
			delete(b.cases, id) // closed: its record stays in the cache only
		}
	}
	for step, alert := range b.seen {
		if _, open := d.engine.Alert(alert); !open {
			delete(b.seen, step) // a case step for a closed alert is refused anyway
		}
	}
	for _, a := range d.engine.Alerts() {
		c := b.cases[a.ID]
		if c.State == city.CaseRejected {
			// closed as every desk folds the rejection: by the system
			// when the condition ended, so that the desks' close steps
			// are one step (one id)
			if closed, ok := d.engine.CloseRejected(a.ID, c.DecidedBy, c.Decided); ok {
				s := city.Step{Alert: a.ID, Kind: city.StepClose, Officer: closed.ClosedBy, Time: closed.Closed, Note: "不予立案，条件已解除"}
				changes := append([]city.Change{{Alert: closed, Step: s}}, d.engine.FollowUps()...)
				if err := d.db.Submit(model.Batch{AlertChanges: changes}); err != nil {
					return out, err
				}
				d.keepClosed(closed)
				closedAny = true
			}
			continue
		}
		if !b.cs.Escalate(a, c, now) {
			continue
		}
		due := b.cs.Deadline(a)
		limit, _, _ := b.cs.Limit(a)
		// stamped with the deadline, not this tick, so that every desk
		// makes the same step (one id, stored and relayed once)
		s := city.Step{Alert: a.ID, Kind: city.StepCaseOverdue, Officer: city.SystemOfficer, Time: due,
			Note: fmt.Sprintf("超期：处置时限 %s，应于 %s 前处置", formatLimit(limit), due.In(city.Shanghai).Format("2006-01-02 15:04"))}
		if err := d.db.Submit(model.Batch{AlertChanges: []city.Change{{Alert: a, Step: s}}}); err != nil {
			return out, err
		}
		c.Alert, c.Escalated = a.ID, due
		if err := d.db.SaveCase(c); err != nil {
			return out, err
		}
		b.cases[a.ID] = c
		out = append(out, a)
	}
	return out, nil
}

// formatLimit writes a time limit as hours: "0.5 h", "24 h".
func formatLimit(d time.Duration) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", d.Hours()), "0"), ".") + " h"
}
