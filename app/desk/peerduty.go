package desk

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"onescreen/cache/model"
	"onescreen/city"
	"onescreen/feeds/wire"
)

// Duty messages from other desks.
//
// Every desk and the wall take the duty messages that other desks of the
// district sent (docs/protocol.md §4.9, §5.3, §17.3), so that the duty log,
// the roster and the handovers are the same at every desk:
//
//   - a duty-log entry is stored under its author's id (the action id), so
//     a replay stores nothing twice;
//   - a roster edit replaces the roster when it is newer (by its time, then
//     its content) than the roster stored: one delivered late never
//     overwrites a newer one; a roster that does not parse, breaks the
//     roster rules or was too long to travel is rejected and changes
//     nothing;
//   - a sign-off becomes the shift's handover, and an acknowledgement
//     completes it; of two sign-offs (or acknowledgements) of a shift,
//     taken at two desks during a cut, the earlier holds at every desk. An
//     acknowledgement that arrives before its sign-off waits for it (in
//     memory, up to maxPendingDutyAcks; the step cursor stays before it, so
//     a restarted desk is sent it again).
//
// A desk's own messages coming back are recognised by their id, which its
// duty outbox keeps; another desk's message is stored without entering
// the duty outbox, so it is never sent again from here.

// maxPendingDutyAcks bounds the acknowledgements kept for shifts not
// signed off here yet; the oldest is dropped first.
const maxPendingDutyAcks = 256

// pendingAck is an acknowledgement waiting for its sign-off.
type pendingAck struct {
	id      string
	officer string
	at      time.Time
	note    string
}

// peerDuty is what the duty desk keeps of other desks' messages; guarded
// by its mutex (but for changes), which orders the messages: the roster
// itself stays under the duty desk's mutex, held only briefly, so the
// console never waits for a message to be stored.
type peerDuty struct {
	mu      sync.Mutex
	acks    map[string][]pendingAck // shift → acknowledgements waiting for its sign-off
	order   []string                // the waiting ids, oldest first
	changes atomic.Uint64           // records taken from other desks, for the duty window
	stats   PeerDutyStats
}

// PeerDutyStats are the duty desk's counts of other desks' duty messages.
type PeerDutyStats struct {
	Taken    int // stored: a log entry, a roster, a sign-off or an acknowledgement
	Own      int // this desk's own messages coming back
	Repeats  int // held already (a resend, a replay after a restart)
	Stale    int // a roster older than the one in force, or a second sign-off or acknowledgement of a shift: changes nothing
	Rejected int // refused with its reason
	Waiting  int // acknowledgements waiting for their sign-off
}

// PeerDutyStats returns the counts.
func (d *DutyDesk) PeerDutyStats() PeerDutyStats {
	d.peer.mu.Lock()
	defer d.peer.mu.Unlock()
	s := d.peer.stats
	s.Waiting = len(d.peer.order)
	return s
}

// PeerChanges counts the records taken from other desks; the console
// rereads the duty window when it moves.
func (d *DutyDesk) PeerChanges() uint64 { return d.peer.changes.Load() }

// errPeerDuty marks a duty message that is refused (Ingest.Reject).
var errPeerDuty = errors.New("duty message from another desk refused")

// PeerDuty takes another desk's duty message a. waits reports that it is
// an acknowledgement kept until its sign-off arrives; done lists the ids
// of waiting acknowledgements that a applied. An error refuses a with its
// reason (or reports that the cache could not store it).
func (d *DutyDesk) PeerDuty(a wire.Action) (waits bool, done []string, err error) {
	own, err := d.db.DutyOutboxHolds(a.ID)
	if err != nil {
		return false, nil, err
	}
	d.peer.mu.Lock()
	defer d.peer.mu.Unlock()
	if own {
		d.peer.stats.Own++
		return false, nil, nil
	}
	at, err := time.Parse(time.RFC3339Nano, a.Time)
	officer := strings.TrimSpace(a.Officer)
	switch {
	case err != nil:
		err = fmt.Errorf("time %.40q is not RFC 3339 with a zone offset", a.Time)
	case officer == "":
		err = errors.New("no officer")
	default:
		switch a.Step {
		case wire.StepDutyLog:
			err = d.peerLogLocked(a, officer, at)
		case wire.StepDutyRoster:
			err = d.peerRosterLocked(a, officer, at)
		case wire.StepDutySignOff:
			done, err = d.peerSignOffLocked(a, officer, at)
		case wire.StepDutyAck:
			waits, err = d.peerAckLocked(pendingAck{id: a.ID, officer: officer, at: at, note: strings.TrimSpace(a.Note)}, a.Alert)
		default:
			err = fmt.Errorf("%.40q is not a duty kind", a.Step)
		}
	}
	if err != nil && !errors.Is(err, model.ErrClosed) && !isStoreErr(err) {
		d.peer.stats.Rejected++
		return false, nil, fmt.Errorf("%w: %s %s: %w", errPeerDuty, a.Step, a.ID, err)
	}
	return waits, done, err
}

// storeErr is a cache error while storing a peer's record (not the
// message's fault).
type storeErr struct{ err error }

func (e storeErr) Error() string { return e.err.Error() }
func (e storeErr) Unwrap() error { return e.err }

func isStoreErr(err error) bool { var s storeErr; return errors.As(err, &s) }

// taken counts a stored record. Called with d.peer.mu held.
func (d *DutyDesk) takenLocked(stored bool) {
	if stored {
		d.peer.stats.Taken++
		d.peer.changes.Add(1)
	} else {
		d.peer.stats.Repeats++
	}
}

func (d *DutyDesk) peerLogLocked(a wire.Action, officer string, at time.Time) error {
	if err := city.CheckDutyText("duty-log entry", a.Note); err != nil {
		return err
	}
	shift := a.Alert
	if shift == "log" {
		shift = "" // written when no shift of the author's roster was on duty
	}
	stored, err := d.db.PeerDutyEntry(city.DutyEntry{ID: a.ID, Officer: officer, Time: at, Shift: shift, Text: strings.TrimSpace(a.Note)})
	if err != nil {
		return storeErr{err}
	}
	d.takenLocked(stored)
	return nil
}

func (d *DutyDesk) peerRosterLocked(a wire.Action, officer string, at time.Time) error {
	if a.Alert != "roster" {
		return fmt.Errorf("a roster change names %.40q instead of \"roster\"", a.Alert)
	}
	if a.Note == "" {
		return errors.New("the roster was longer than a message carries: not taken (edit it here or in the site settings)")
	}
	var shifts []city.Shift
	if !strings.HasPrefix(strings.TrimSpace(a.Note), "[") {
		return errors.New("the roster does not parse: not a JSON array of shifts")
	}
	if err := json.Unmarshal([]byte(a.Note), &shifts); err != nil {
		return fmt.Errorf("the roster does not parse: %w", err)
	}
	if errs := city.ValidateRoster(shifts); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return fmt.Errorf("roster: %s", strings.Join(msgs, "; "))
	}
	if err := checkRosterNames(shifts); err != nil {
		return err
	}
	stored, err := d.db.PeerRoster(shifts, officer, at)
	if err != nil {
		return storeErr{err}
	}
	d.mu.Lock()
	inForce := d.rosterAt
	if stored {
		d.roster, d.rosterAt = shifts, at
	}
	d.mu.Unlock()
	if !stored {
		if at.Equal(inForce) {
			d.peer.stats.Repeats++
		} else {
			d.peer.stats.Stale++ // older than the roster in force
		}
		return nil
	}
	d.peer.stats.Taken++
	d.peer.changes.Add(1)
	return nil
}

// checkRosterNames refuses a roster whose names are not trimmed or longer
// than the protocol's names (SetRoster trims them and checks the same).
func checkRosterNames(shifts []city.Shift) error {
	for i, s := range shifts {
		for _, n := range append([]string{s.Name, s.Leader}, s.Officers...) {
			if len(n) > wire.MaxNameLen || n != strings.TrimSpace(n) {
				return fmt.Errorf("duty.shifts[%d]: the name %.40q is longer than %d bytes or not trimmed", i, n, wire.MaxNameLen)
			}
		}
	}
	return nil
}

// peerSignOffLocked stores a sign-off and applies the acknowledgements
// that waited for it, whose ids it returns.
func (d *DutyDesk) peerSignOffLocked(a wire.Action, officer string, at time.Time) ([]string, error) {
	from, name, err := parseShiftID(a.Alert)
	if err != nil {
		return nil, err
	}
	if a.Note != "" {
		if err := city.CheckDutyText("sign-off note", a.Note); err != nil {
			return nil, err
		}
	}
	sum, err := parseSummaryCounts(a.Team)
	if err != nil {
		return nil, err
	}
	// the summary runs to the shift's end, or to the sign-off when that
	// came first (DutyDesk.Summary); a shift the roster here does not know
	// (edited since) runs to the sign-off
	sum.From, sum.To = from, at
	if st, ok := city.ShiftAt(d.Roster(), from); ok && st.Shift.Name == name && st.From.Equal(from) && st.To.Before(at) {
		sum.To = st.To
	}
	h := city.Handover{Shift: a.Alert, Summary: sum, SignedBy: officer, Signed: at, Note: strings.TrimSpace(a.Note)}
	stored, err := d.db.PeerSignOff(h)
	if err != nil {
		return nil, storeErr{err}
	}
	if !stored {
		held, _, err := d.db.Handover(a.Alert)
		if err != nil {
			return nil, storeErr{err}
		}
		if held.SignedBy == officer && held.Signed.Equal(at) {
			d.peer.stats.Repeats++
		} else {
			d.peer.stats.Stale++ // signed off twice during a cut: the earlier stays
		}
	} else {
		d.peer.stats.Taken++
		d.peer.changes.Add(1)
	}
	waiting := d.peer.acks[a.Alert]
	delete(d.peer.acks, a.Alert)
	var done []string
	var errs []error
	for _, p := range waiting {
		d.dropWaitingLocked(p.id)
		done = append(done, p.id)
		if _, err := d.peerAckLocked(p, a.Alert); err != nil {
			errs = append(errs, fmt.Errorf("the sign-off is stored; the acknowledgement %s that waited for it is refused: %w", p.id, err))
		}
	}
	return done, errors.Join(errs...)
}

// peerAckLocked stores an acknowledgement, or keeps it until its sign-off
// arrives (then it reports true).
func (d *DutyDesk) peerAckLocked(p pendingAck, shift string) (bool, error) {
	if _, _, err := parseShiftID(shift); err != nil {
		return false, err
	}
	if p.note != "" {
		if err := city.CheckDutyText("acknowledgement note", p.note); err != nil {
			return false, err
		}
	}
	h, found, err := d.db.Handover(shift)
	if err != nil {
		return false, storeErr{err}
	}
	if !found {
		for _, w := range d.peer.acks[shift] {
			if w.id == p.id {
				d.peer.stats.Repeats++
				return true, nil
			}
		}
		if len(d.peer.order) >= maxPendingDutyAcks {
			d.dropOldestAckLocked()
		}
		d.peer.acks[shift] = append(d.peer.acks[shift], p)
		d.peer.order = append(d.peer.order, p.id)
		return true, nil
	}
	if h.AckedBy == p.officer && h.Acked.Equal(p.at) {
		d.peer.stats.Repeats++
		return false, nil
	}
	// checked as at the desk, but for an acknowledgement held already: of
	// two (taken over twice during a cut) the earlier stays
	if _, err := (city.Handover{SignedBy: h.SignedBy, Signed: h.Signed}).Acknowledge(p.officer, p.note, p.at); err != nil {
		return false, err
	}
	stored, err := d.db.PeerAck(shift, p.officer, p.at, p.note)
	if err != nil {
		return false, storeErr{err}
	}
	if stored {
		d.peer.stats.Taken++
		d.peer.changes.Add(1)
	} else {
		d.peer.stats.Stale++
	}
	return false, nil
}

func (d *DutyDesk) dropWaitingLocked(id string) {
	for i, w := range d.peer.order {
		if w == id {
			d.peer.order = append(d.peer.order[:i], d.peer.order[i+1:]...)
			return
		}
	}
}

func (d *DutyDesk) dropOldestAckLocked() {
	id := d.peer.order[0]
	d.peer.order = d.peer.order[1:]
	for shift, list := range d.peer.acks {
		for i, p := range list {
			if p.id != id {
				continue
			}
			list = append(list[:i], list[i+1:]...)
			if len(list) == 0 {
				delete(d.peer.acks, shift)
			} else {
				d.peer.acks[shift] = list
			}
			return
		}
	}
}

// parseShiftID reads a shift occurrence's id, "<start in RFC 3339>|<name>".
func parseShiftID(id string) (time.Time, string, error) {
	start, name, ok := strings.Cut(id, "|")
	if !ok || strings.TrimSpace(name) == "" {
		return time.Time{}, "", fmt.Errorf("%.60q does not name a shift (<start>|<name>)", id)
	}
	t, err := time.Parse(time.RFC3339, start)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("the shift %.60q does not start at an RFC 3339 time", id)
	}
	return t, name, nil
}

// parseSummaryCounts reads what summaryCounts writes: the counts of the
// summary a sign-off carries.
func parseSummaryCounts(s string) (city.ShiftSummary, error) {
	var sum city.ShiftSummary
	seen := map[string]bool{}
	for _, f := range strings.Fields(s) {
		k, v, ok := strings.Cut(f, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || seen[k] {
			return sum, fmt.Errorf("the summary counts %.80q are not name=count", s)
		}
		seen[k] = true
		switch k {
		case "opened":
			sum.Opened = n
		case "closed":
			sum.Closed = n
		case "open":
			sum.StillOpen = n
		case "overdue":
			sum.Overdue = n
		case "outages":
			sum.OutageCount = n
		case "rejects":
			sum.RejectCount = n
		}
	}
	return sum, nil
}
