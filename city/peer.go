package city

import (
	"cmp"
	"slices"
	"time"
)

var timeZero time.Time

// Several desks act on the same alert. Each desk keeps every officer step
// taken on the alert (its own and those relayed from the others) and
// derives the alert's workflow fields from them with Fold, so that desks
// that hold the same steps show the same alert whatever order the steps
// reached them in.

// Known reports whether k is a step of the workflow: an officer's or the
// alert engine's.
func (k StepKind) Known() bool {
	switch k {
	case StepRaise, StepUpdate, StepClear, StepEscalate, StepCaseOverdue:
		return true
	}
	return k.ByOfficer() || slices.Contains(CaseSteps, k)
}

// Folds reports whether Fold takes steps of kind k: the officers'
// workflow steps and the shift leader's 不予立案, which closes a report
// whose condition has ended.
func (k StepKind) Folds() bool { return k.ByOfficer() || k == StepCaseReject }

// RejectedClose is who closes a rejected report (不予立案 by officer at
// decided) and when: the officer at the decision when the condition had
// ended by then, else the system when it ends (cleared); ok is false while
// the condition holds. Every desk closes the report alike.
func RejectedClose(officer string, decided, raised, cleared time.Time) (by string, at time.Time, ok bool) {
	switch {
	case cleared.IsZero():
		return "", time.Time{}, false
	case cleared.After(decided):
		return SystemOfficer, cleared, true
	}
	if decided.Before(raised) {
		decided = raised
	}
	return officer, decided, true
}

// StepOrder orders officer steps for Fold: by time, then by id (a key
// unique per step, e.g. cache.OutboxID), so that two steps at the same
// instant are ordered the same way on every desk.
func StepOrder(x, y Step, idX, idY string) int {
	return cmp.Or(x.Time.Compare(y.Time), cmp.Compare(idX, idY))
}

// AutoClearedByEngine reports whether the engine cleared a by itself: a
// non-critical alert whose condition ended (a critical one stays until an
// officer closes it).
func AutoClearedByEngine(a Alert) bool {
	return !a.Cleared.IsZero() && a.Severity != SeverityCritical
}

// Fold returns a with its workflow fields (state, who and when of each
// step, team) recomputed from the officer steps, applied in the order
// given (sort them with StepOrder first). The engine's fields (value,
// severity, times of raise, clear and escalation) are kept. A step the
// workflow refuses at its place in the order — the second of two desks
// acknowledging the same alert during a cut — changes nothing; applied
// reports for each step whether it took effect. Updated is the latest of
// a's and the steps' times.
//
// An alert the engine auto-cleared is folded as if it were still raised,
// except that close is allowed; it then shows as auto-cleared unless a
// step closed it. This is what Apply does when steps arrive in time order.
func Fold(a Alert, steps []Step) (n Alert, applied []bool) {
	n = a
	n.State = StateRaised
	n.AcknowledgedBy, n.Acknowledged = "", timeZero
	n.Team, n.DispatchedBy, n.Dispatched = "", "", timeZero
	n.ResolvedBy, n.Resolved = "", timeZero
	n.VerifiedBy, n.Verified = "", timeZero
	n.ClosedBy, n.Closed = "", timeZero
	cleared := AutoClearedByEngine(a)
	applied = make([]bool, len(steps))
	for i, s := range steps {
		if s.Time.After(n.Updated) {
			// every step is news about the alert, also one that changes
			// nothing, so that Updated is the same on every desk
			n.Updated = s.Time
		}
		if s.Kind == StepCaseReject {
			// a rejected report closes once its condition has ended
			if by, at, ok := RejectedClose(s.Officer, s.Time, a.Raised, a.Cleared); ok && n.State != StateClosed {
				n.State, n.ClosedBy, n.Closed = StateClosed, by, at
				if at.After(n.Updated) {
					n.Updated = at
				}
				applied[i] = true
			}
			continue
		}
		next, err := n.Apply(s)
		if err != nil && cleared && s.Kind == StepClose && n.State != StateClosed {
			probe := n
			probe.State = StateAutoCleared
			next, err = probe.Apply(s)
		}
		if err != nil {
			continue
		}
		n, applied[i] = next, true
	}
	if cleared && n.State != StateClosed {
		n.State = StateAutoCleared
	}
	if a.Updated.After(n.Updated) {
		n.Updated = a.Updated
	}
	return n, applied
}

// SortSteps sorts steps with their ids by StepOrder.
func SortSteps(steps []Step, ids []string) {
	idx := make([]int, len(steps))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return StepOrder(steps[i], steps[j], ids[i], ids[j]) })
	s2, id2 := slices.Clone(steps), slices.Clone(ids)
	for k, i := range idx {
		steps[k], ids[k] = s2[i], id2[i]
	}
}

// Put replaces the alert the engine holds under a.ID with a (as Fold gave
// it): a closed alert leaves the engine, freeing its station and
// condition; an alert that is open again (a step that closed it turned
// out to be refused once all steps were known) comes back, and takes its
// station and condition again when they are free and it still holds. An
// alert the engine does not hold and that is closed is ignored.
func (e *Engine) Put(a Alert) {
	k := alertKey{a.Station, a.Condition}
	if a.State == StateClosed {
		if _, ok := e.alerts[a.ID]; ok {
			delete(e.alerts, a.ID)
			if e.active[k] == a.ID {
				delete(e.active, k)
				e.afterClose(k, a.Closed)
			}
		}
		return
	}
	if cur, ok := e.alerts[a.ID]; ok {
		*cur = a
		return
	}
	c := a
	e.alerts[a.ID] = &c
	if _, taken := e.active[k]; !taken && a.State != StateAutoCleared {
		e.active[k] = a.ID
	}
}

// LongestMinDuration is the longest minimum duration of any alert rule:
// how far back readings must be judged again to know every condition that
// was waiting to be raised.
func (a AlertSettings) LongestMinDuration() time.Duration {
	var d time.Duration
	for _, c := range Conditions {
		if r, ok := a.Rule(c); ok && r.MinDuration > d {
			d = r.MinDuration
		}
	}
	return d
}

// AdoptPending takes from warm — a scratch engine that judged the readings
// of the last LongestMinDuration before a restart — the conditions that
// were waiting for their minimum duration, for every station and condition
// that e holds no open alert for and is not waiting on itself. So a desk
// that restarts raises such an alert at the same reading as a desk that
// kept running, with the same ID. It returns how many it took.
func (e *Engine) AdoptPending(warm *Engine) int {
	n := 0
	for k, slot := range warm.pending {
		if _, on := e.active[k]; on {
			continue
		}
		if _, waiting := e.pending[k]; waiting {
			continue
		}
		e.pending[k] = slot
		n++
	}
	return n
}
