package ingest

import (
	"encoding/json"
	"fmt"
	"slices"

	"onescreen/app/desk"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
)

// ingestSteps is what the ingest keeps of the step cursor: the last step
// delivered, and the seq of each step that waits for its alert. The cursor
// stored in the cache (as the cursor of "steps") stops before the first
// step still waiting, so that a restarted desk is sent it again. Guarded by
// the ingest's mutex.
type ingestSteps struct {
	last    feeds.Cursor
	stored  feeds.Cursor      // the cursor last put in a batch
	waiting map[string]uint64 // step id → seq
}

// OnPeerCase sets what takes the case steps of other desks (the alert desk).
func (in *Ingest) OnPeerCase(fn func(city.Step) error) {
	in.mu.Lock()
	in.peerCaseFn = fn
	in.mu.Unlock()
}

// peerCase hands another desk's case step to the alert desk.
func (in *Ingest) peerCase(s city.Step) error {
	in.mu.Lock()
	fn := in.peerCaseFn
	in.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn(s)
}

// OnPeerDuty sets what takes other desks' duty messages (the duty desk):
// it reports whether the message waits (an acknowledgement before its
// sign-off) and the ids of waiting messages it let through.
func (in *Ingest) OnPeerDuty(fn func(feeds.WireAction) (bool, []string, error)) {
	in.mu.Lock()
	in.peerDutyFn = fn
	in.mu.Unlock()
}

// peerDuty hands another desk's duty message to the duty desk.
func (in *Ingest) peerDuty(a feeds.WireAction) (bool, []string, error) {
	in.mu.Lock()
	fn := in.peerDutyFn
	in.mu.Unlock()
	if fn == nil {
		return false, nil, nil
	}
	return fn(a)
}

// OnPeerStep sets what takes other desks' steps (the alert desk).
func (in *Ingest) OnPeerStep(fn func(city.Step) ([]city.Change, bool, error)) {
	in.mu.Lock()
	in.peer = fn
	in.mu.Unlock()
}

var (
	_ feeds.PeerStepObserver = (*Ingest)(nil)
	_ feeds.StepCursorKeeper = (*Ingest)(nil)
)

// PeerStep implements feeds.PeerStepObserver: another desk's step goes to
// the alert desk, and what it changed joins the next batch, after the
// readings received before it, marked as a peer's so it is not queued in
// the outbox. A step that cannot be taken is rejected with its reason.
func (in *Ingest) PeerStep(a feeds.WireAction) { in.peerStep(a, nil) }

// PeerStepAt implements feeds.StepCursorKeeper: PeerStep, and the step
// cursor is stored with what the step changed.
func (in *Ingest) PeerStepAt(a feeds.WireAction, cur feeds.Cursor) { in.peerStep(a, &cur) }

// StepCursor implements feeds.StepCursorKeeper: the step cursor stored.
func (in *Ingest) StepCursor() (feeds.Cursor, error) {
	in.Flush()
	if err := in.db.Flush(); err != nil {
		return feeds.Cursor{}, err
	}
	cs, err := in.db.Cursors()
	if err != nil {
		return feeds.Cursor{}, err
	}
	c := cs[city.Feed(feeds.StepsKey)]
	return feeds.Cursor{Epoch: c.Epoch, After: c.Seq}, nil
}

func (in *Ingest) peerStep(a feeds.WireAction, cur *feeds.Cursor) {
	in.mu.Lock()
	fn := in.peer
	in.mu.Unlock()
	if fn == nil {
		return
	}
	var changes []city.Change
	var s city.Step
	var err error
	var done []string // duty acknowledgements that waited and are taken now
	waits := false
	waitID := a.ID
	if feeds.IsDutyStep(a.Step) {
		// the duty log, the roster and handovers: the duty desk takes them
		// into its records, never into its duty outbox (peerduty.go)
		waits, done, err = in.peerDuty(a)
		if err != nil {
			raw, _ := json.Marshal(a)
			in.Reject("", raw, err)
		}
	} else {
		s, err = desk.StepOfWire(a)
		waitID = cache.OutboxID(s)
	}
	switch {
	case feeds.IsDutyStep(a.Step):
	case err != nil:
		raw, _ := json.Marshal(a)
		in.Reject("", raw, err)
	case slices.Contains(city.CaseSteps, s.Kind):
		if err := in.peerCase(s); err != nil {
			raw, _ := json.Marshal(a)
			in.Reject("", raw, fmt.Errorf("case step %s from another desk not taken: %w", a.ID, err))
		}
	case !s.Kind.ByOfficer():
		// raise, clear, escalate: every desk's engine takes them from the data itself
	default:
		changes, waits, err = fn(s)
		if err != nil {
			raw, _ := json.Marshal(a)
			in.Reject("", raw, fmt.Errorf("step %s from another desk not taken: %w", a.ID, err))
		}
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if cur != nil {
		if cur.Epoch != in.steps.last.Epoch {
			in.steps.waiting = nil // seqs of another step log
		}
		in.steps.last = *cur
		if waits {
			if in.steps.waiting == nil {
				in.steps.waiting = map[string]uint64{}
			}
			in.steps.waiting[waitID] = cur.After
			if len(in.steps.waiting) > desk.MaxPendingPeerSteps { // the desk drops the oldest too
				oldest := ""
				for id, seq := range in.steps.waiting {
					if oldest == "" || seq < in.steps.waiting[oldest] {
						oldest = id
					}
				}
				delete(in.steps.waiting, oldest)
			}
		}
	}
	for _, id := range done {
		delete(in.steps.waiting, id)
	}
	in.addChangesLocked(changes)
}

// addChangesLocked adds alert changes to the pending batch; officer steps
// among them can only be other desks' (this desk's own go to the cache
// from AlertDesk.Act), so they are marked as peers'. The step cursor goes
// with them. Called with in.mu held.
func (in *Ingest) addChangesLocked(changes []city.Change) {
	for _, c := range changes {
		if c.Step.Kind.ByOfficer() {
			if in.pending.FromPeers == nil {
				in.pending.FromPeers = map[string]bool{}
			}
			id := cache.OutboxID(c.Step)
			in.pending.FromPeers[id] = true
			delete(in.steps.waiting, id) // its alert was raised
		}
	}
	in.pending.AlertChanges = append(in.pending.AlertChanges, changes...)
	if in.steps.last.Epoch == "" {
		return
	}
	upTo := in.steps.last.After
	for _, seq := range in.steps.waiting {
		upTo = min(upTo, seq-1)
	}
	if (feeds.Cursor{Epoch: in.steps.last.Epoch, After: upTo}) == in.steps.stored {
		return
	}
	in.steps.stored = feeds.Cursor{Epoch: in.steps.last.Epoch, After: upTo}
	if in.pending.Cursors == nil {
		in.pending.Cursors = map[city.Feed]cache.Cursor{}
	}
	in.pending.Cursors[city.Feed(feeds.StepsKey)] = cache.Cursor{Epoch: in.steps.last.Epoch, Seq: upTo, Updated: in.now()}
}
