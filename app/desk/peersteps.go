package desk

import (
	"fmt"
	"strings"
	"time"

	"onescreen/cache/model"
	"onescreen/city"
	"onescreen/feeds/wire"
)

// Steps from other desks.
//
// The feed server relays every officer step it accepted to every desk of
// the district (the transports' PeerStepObserver). A desk keeps all officer steps of
// each alert it holds — its own and the others' — and derives the alert's
// workflow from them with city.Fold, in the order of city.StepOrder (time,
// then the step's id), so every desk that holds the same steps shows the
// same state, the same officers and the same times, whatever order the
// steps reached it in. When two desks take conflicting steps during a cut
// (both acknowledge the same alert), the earlier one (by time, then id)
// takes effect on every desk; the other is kept in the alert's history, as
// what that officer did, and changes nothing.
//
// Each step is stored once: its key is model.OutboxID, the hash of its
// content, which is also the action id on the wire, so this desk's own
// step relayed back is recognised and dropped. Other desks' steps are
// stored with model.Batch.FromPeers and never enter this desk's outbox. A
// step for an alert this desk has not raised yet (its readings lag) waits,
// up to MaxPendingPeerSteps, and is applied when the alert is raised. The
// step cursor is stored in the cache with the steps (as the cursor of
// "steps"), but never past a step that still waits, which lives in memory
// only: a restarted desk is sent it again.

// MaxPendingPeerSteps bounds the steps kept for alerts not raised here
// (steps for alerts this desk never sees, e.g. of a station it does not
// receive); the oldest received is dropped first.
const MaxPendingPeerSteps = 4096

// heldStep is one officer step of an alert with its id.
type heldStep struct {
	id   string
	step city.Step
}

// deskSteps is what the desk keeps of officer steps; guarded by the
// desk's mutex.
type deskSteps struct {
	byAlert map[string][]heldStep // alerts in the engine or in the closed view
	pending map[string][]heldStep // other desks' steps for alerts not raised here
	order   []string              // pending step ids, oldest first, for the bound
	pendIDs map[string]string     // pending step id → alert

	applied, ignored, repeats, dropped int
}

func newDeskSteps() deskSteps {
	return deskSteps{byAlert: map[string][]heldStep{}, pending: map[string][]heldStep{}, pendIDs: map[string]string{}}
}

// PeerStepStats are the desk's counts of other desks' steps.
type PeerStepStats struct {
	Applied int // stored and folded into their alert
	Ignored int // of which the workflow refused at their place (a conflict lost): history only
	Repeats int // already held (this desk's own, relayed back, or a resend)
	Pending int // waiting for their alert to be raised here
	Dropped int // pending steps dropped over MaxPendingPeerSteps
}

// PeerStepStats returns the counts.
func (d *AlertDesk) PeerStepStats() PeerStepStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return PeerStepStats{Applied: d.steps.applied, Ignored: d.steps.ignored, Repeats: d.steps.repeats,
		Pending: len(d.steps.pendIDs), Dropped: d.steps.dropped}
}

// holdsStep reports whether the desk holds the step id of alert.
func (d *AlertDesk) holdsStep(alert, id string) bool {
	for _, h := range d.steps.byAlert[alert] {
		if h.id == id {
			return true
		}
	}
	return false
}

// foldLocked adds s (when not nil) to a's steps and returns a as its steps
// make it, and whether s took effect. Called with d.mu held.
func (d *AlertDesk) foldLocked(a city.Alert, s *heldStep) (city.Alert, bool) {
	held := d.steps.byAlert[a.ID]
	if s != nil {
		held = append(held, *s)
		d.steps.byAlert[a.ID] = held
	}
	steps := make([]city.Step, len(held))
	ids := make([]string, len(held))
	for i, h := range held {
		steps[i], ids[i] = h.step, h.id
	}
	city.SortSteps(steps, ids)
	n, applied := city.Fold(a, steps)
	took := false
	if s != nil {
		for i, id := range ids {
			if id == s.id {
				took = applied[i]
			}
		}
	}
	return n, took
}

// putLocked sets the alert as folded in the engine and the closed view.
// Called with d.mu held.
func (d *AlertDesk) putLocked(n city.Alert) {
	if _, inClosed := d.closed[n.ID]; inClosed && n.State != city.StateClosed {
		delete(d.closed, n.ID) // reopened: a close that lost its place
	}
	d.engine.Put(n)
	if n.State == city.StateClosed {
		delete(d.lastUpdate, n.ID)
		d.keepClosed(n)
	}
}

// ownStepLocked keeps the desk's own step s on a (which the engine has
// applied) and returns a folded with all its steps. Called with d.mu held.
func (d *AlertDesk) ownStepLocked(a city.Alert, s city.Step) city.Alert {
	h := heldStep{id: model.OutboxID(s), step: s}
	if d.holdsStep(a.ID, h.id) {
		return a
	}
	n, _ := d.foldLocked(a, &h)
	d.putLocked(n)
	return n
}

// PeerStep takes another desk's step. It returns the changes to store (the
// alert as the step leaves it, with the step for its history), none when
// the step is held already or waits for its alert (then waits is true).
func (d *AlertDesk) PeerStep(s city.Step) (changes []city.Change, waits bool, err error) {
	d.mu.Lock()
	changes, waits, err = d.peerStepLocked(s)
	d.mu.Unlock()
	d.notify(changes) // a follow-up alert shows at once like any
	return changes, waits, err
}

func (d *AlertDesk) peerStepLocked(s city.Step) (changes []city.Change, waits bool, err error) {
	h := heldStep{id: model.OutboxID(s), step: s}
	a, ok := d.engine.Alert(s.Alert)
	if !ok {
		a, ok = d.closed[s.Alert]
	}
	if !ok {
		return d.peerStepStoredLocked(h)
	}
	if d.holdsStep(a.ID, h.id) {
		d.steps.repeats++
		return nil, false, nil
	}
	return d.applyPeerLocked(a, h), false, nil
}

// applyPeerLocked folds another desk's step into a and returns the change
// to store. Called with d.mu held.
func (d *AlertDesk) applyPeerLocked(a city.Alert, h heldStep) []city.Change {
	n, took := d.foldLocked(a, &h)
	d.putLocked(n)
	d.steps.applied++
	if !took {
		d.steps.ignored++
	}
	if h.step.Kind == city.StepComment {
		d.comments[a.ID]++
	}
	// a close that frees the station and condition may raise the follow-up
	// alert from readings judged before the close was known here
	// (with the other desks' steps that waited for it)
	fu := d.engine.FollowUps()
	fu = append(fu, d.pendingForRaisedLocked(fu)...)
	return append([]city.Change{{Alert: n, Step: h.step}}, fu...)
}

// peerStepStoredLocked takes a step for an alert the desk does not keep in
// memory: one closed earlier (from the cache), or one not raised here yet
// (it waits). Called with d.mu held.
func (d *AlertDesk) peerStepStoredLocked(h heldStep) ([]city.Change, bool, error) {
	if _, waiting := d.steps.pendIDs[h.id]; waiting {
		d.steps.repeats++
		return nil, true, nil
	}
	a, found, err := d.db.Alert(h.step.Alert)
	if err != nil {
		return nil, false, err
	}
	if !found {
		d.keepPendingLocked(h)
		return nil, true, nil
	}
	hist, err := d.db.AlertSteps(a.ID)
	if err != nil {
		return nil, false, err
	}
	var held []heldStep
	for _, s := range hist {
		if !s.Kind.Folds() {
			continue
		}
		id := model.OutboxID(s)
		if id == h.id {
			d.steps.repeats++
			return nil, false, nil
		}
		held = append(held, heldStep{id: id, step: s})
	}
	d.steps.byAlert[a.ID] = held
	return d.applyPeerLocked(a, h), false, nil // it joins the closed view (or the engine, if reopened)
}

// keepPendingLocked keeps a step until its alert is raised here. Called
// with d.mu held.
func (d *AlertDesk) keepPendingLocked(h heldStep) {
	if len(d.steps.order) >= MaxPendingPeerSteps {
		d.dropOldestPendingLocked()
	}
	d.steps.pending[h.step.Alert] = append(d.steps.pending[h.step.Alert], h)
	d.steps.pendIDs[h.id] = h.step.Alert
	d.steps.order = append(d.steps.order, h.id)
}

func (d *AlertDesk) dropOldestPendingLocked() {
	for len(d.steps.order) > 0 {
		id := d.steps.order[0]
		d.steps.order = d.steps.order[1:]
		alert, ok := d.steps.pendIDs[id]
		if !ok {
			continue // applied since
		}
		delete(d.steps.pendIDs, id)
		list := d.steps.pending[alert]
		for i, p := range list {
			if p.id == id {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(d.steps.pending, alert)
		} else {
			d.steps.pending[alert] = list
		}
		d.steps.dropped++
		return
	}
}

// pendingForRaisedLocked applies the steps that waited for alerts raised
// in ch and returns the changes to store after ch. Called with d.mu held.
func (d *AlertDesk) pendingForRaisedLocked(ch []city.Change) []city.Change {
	if len(d.steps.pending) == 0 {
		return nil
	}
	var out []city.Change
	for _, c := range ch {
		if c.Step.Kind != city.StepRaise {
			continue
		}
		waiting := d.steps.pending[c.Alert.ID]
		if len(waiting) == 0 {
			continue
		}
		delete(d.steps.pending, c.Alert.ID)
		for _, h := range waiting {
			delete(d.steps.pendIDs, h.id)
			a, ok := d.engine.Alert(c.Alert.ID)
			if !ok {
				a, ok = d.closed[c.Alert.ID]
			}
			if !ok || d.holdsStep(a.ID, h.id) {
				continue
			}
			out = append(out, d.applyPeerLocked(a, h)...)
		}
	}
	if len(d.steps.order) > 2*len(d.steps.pendIDs)+64 {
		kept := d.steps.order[:0]
		for _, id := range d.steps.order {
			if _, ok := d.steps.pendIDs[id]; ok {
				kept = append(kept, id)
			}
		}
		d.steps.order = kept
	}
	return out
}

// StepOfWire is a relayed operator action as an alert step. It refuses
// what the workflow cannot take: an unknown step kind, a time that is not
// RFC 3339 with an offset, a missing alert or officer. The alert engine's
// steps (raise, clear, escalate), which desks send too, are known steps;
// a desk does not apply them from others, as its own engine takes them
// from the same data.
func StepOfWire(a wire.Action) (city.Step, error) {
	k := city.StepKind(a.Step)
	if !k.Known() {
		return city.Step{}, fmt.Errorf("step %s: unknown step %.40q", a.ID, a.Step)
	}
	if strings.TrimSpace(a.Alert) == "" || strings.TrimSpace(a.Officer) == "" {
		return city.Step{}, fmt.Errorf("step %s: no alert or no officer", a.ID)
	}
	t, err := time.Parse(time.RFC3339Nano, a.Time)
	if err != nil {
		return city.Step{}, fmt.Errorf("step %s: time %.40q is not RFC 3339 with a zone offset", a.ID, a.Time)
	}
	return city.Step{Alert: a.Alert, Kind: k, Officer: a.Officer, Team: a.Team, Note: a.Note, Time: t}, nil
}
