package desk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"onescreen/cache/model"
	"onescreen/city"
	"onescreen/feeds/wire"
)

// DutyDesk runs the duty officer's day: the roster (from the site settings,
// or as last edited in the console), who is on duty now, the duty log, and
// the handover (交接班) of a shift with its automatic summary, the outgoing
// officer's sign-off and the incoming officer's acknowledgement. Every
// change is stored in the cache and queued for the feed server as a duty
// action (docs/protocol.md §5.3). Safe for concurrent use.
type DutyDesk struct {
	db   DutyStore
	desk *AlertDesk

	mu       sync.Mutex
	roster   []city.Shift
	rosterAt time.Time // when the roster in force was saved (zero: the site file's)
	linkUp   bool      // the feed link was up: a drop starts an outage
	readOnly bool      // a read-only screen: it takes other desks' records but makes none
	peer     peerDuty  // other desks' duty messages (peerduty.go)
}

// handoverGrace is how long after a shift's end its sign-off is still the
// outgoing shift's: the officer of the night shift signs off at 08:10.
const handoverGrace = 2 * time.Hour

// NewDutyDesk reads the roster (the console's edit wins over the site
// file's) and ties the 值班长 role of desk's case model to it.
func NewDutyDesk(db DutyStore, cfg city.SiteConfig, desk *AlertDesk) (*DutyDesk, error) {
	d := &DutyDesk{db: db, desk: desk, roster: slices.Clone(cfg.Duty.Shifts)}
	d.peer.acks = map[string][]pendingAck{}
	saved, ok, err := db.RosterEdit()
	if err != nil {
		return nil, err
	}
	if ok {
		d.roster, d.rosterAt = saved.Shifts, saved.At
	}
	desk.Cases().SetRoleOf(d.Role)
	return d, nil
}

// Roster is the roster in force.
func (d *DutyDesk) Roster() []city.Shift {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.roster)
}

// SetRoster replaces the roster (edited in the console) after checking it.
func (d *DutyDesk) SetRoster(shifts []city.Shift, now time.Time) error {
	if d.readOnly {
		return fmt.Errorf("roster: %w", ErrReadOnly)
	}
	officer := d.desk.Officer()
	if officer == "" {
		return fmt.Errorf("roster: set the duty officer's name first")
	}
	for i := range shifts {
		shifts[i].Name = strings.TrimSpace(shifts[i].Name)
		shifts[i].Leader = strings.TrimSpace(shifts[i].Leader)
		var os []string
		for _, o := range shifts[i].Officers {
			if o = strings.TrimSpace(o); o != "" {
				os = append(os, o)
			}
		}
		shifts[i].Officers = os
	}
	if errs := city.ValidateRoster(shifts); len(errs) > 0 {
		return fmt.Errorf("roster: %w", errs[0])
	}
	if err := checkRosterNames(shifts); err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	d.mu.Lock()
	if !now.After(d.rosterAt) {
		// an edit taken from another desk carries a later time (its
		// clock runs ahead): this edit is later still, so that every
		// desk, which keeps the newest, keeps this one
		now = d.rosterAt.Add(time.Millisecond)
	}
	d.mu.Unlock()
	b, _ := json.Marshal(shifts)
	note := string(b)
	if len(note) > wire.MaxTextLen {
		note = note[:0] // the server is told the roster changed; it is too long to carry
	}
	act := &model.DutyAction{ID: dutyID("roster", officer, now, note), Kind: wire.StepDutyRoster, Subject: "roster", Officer: officer, Time: now, Note: note}
	if err := d.db.SaveRoster(shifts, officer, now, act); err != nil {
		return err
	}
	d.mu.Lock()
	d.roster, d.rosterAt = slices.Clone(shifts), now
	d.mu.Unlock()
	return nil
}

// OnDuty is the shift on duty at now; false when the roster covers no shift.
func (d *DutyDesk) OnDuty(now time.Time) (city.ShiftTime, bool) {
	return city.ShiftAt(d.Roster(), now)
}

// Role is officer's role at now: 值班长 when named the leader of the shift
// on duty (or, in the handover grace, of the shift just ended).
func (d *DutyDesk) Role(officer string, now time.Time) city.Role {
	if st, ok := d.OnDuty(now); ok && st.Shift.RoleIn(officer) == city.RoleLeader {
		return city.RoleLeader
	}
	if st, ok := d.OnDuty(now.Add(-handoverGrace)); ok && now.Before(st.To.Add(handoverGrace)) && st.Shift.RoleIn(officer) == city.RoleLeader {
		return city.RoleLeader
	}
	return city.RoleOfficer
}

// Outgoing is the shift to hand over at now: the one just ended, while
// within handoverGrace of its end and not yet acknowledged, else the one
// on duty.
func (d *DutyDesk) Outgoing(now time.Time) (city.ShiftTime, bool, error) {
	cur, ok := d.OnDuty(now)
	if !ok {
		return cur, false, nil
	}
	if now.Sub(cur.From) < handoverGrace {
		if prev, ok := d.OnDuty(cur.From.Add(-time.Nanosecond)); ok {
			h, found, err := d.db.Handover(prev.ID())
			if err != nil {
				return cur, false, err
			}
			if !found || h.Acked.IsZero() {
				return prev, true, nil
			}
		}
	}
	return cur, true, nil
}

// Summary is the automatic summary of the shift st up to now (or its end).
func (d *DutyDesk) Summary(st city.ShiftTime, now time.Time) (city.ShiftSummary, error) {
	to := st.To
	if now.Before(to) {
		to = now
	}
	as, err := d.db.Alerts(model.AlertFilter{To: to})
	if err != nil {
		return city.ShiftSummary{}, err
	}
	outs, err := d.db.Outages(st.From, to)
	if err != nil {
		return city.ShiftSummary{}, err
	}
	rej, err := d.db.RejectCountsBetween(st.From, to)
	if err != nil {
		return city.ShiftSummary{}, err
	}
	cases, err := d.db.Cases() // also of alerts closed since the shift ended
	if err != nil {
		return city.ShiftSummary{}, err
	}
	return city.Summarize(st.From, to, as, cases, d.desk.Cases().Settings(), outs, rej), nil
}

// Handover is the stored handover of shift id; false when not signed off.
func (d *DutyDesk) Handover(id string) (city.Handover, bool, error) { return d.db.Handover(id) }

// SignOff signs off the outgoing shift by the current officer with a note:
// the summary is taken now and stored with the sign-off.
func (d *DutyDesk) SignOff(note string, now time.Time) (city.Handover, error) {
	if d.readOnly {
		return city.Handover{}, fmt.Errorf("sign-off: %w", ErrReadOnly)
	}
	officer := d.desk.Officer()
	st, ok, err := d.Outgoing(now)
	if err != nil {
		return city.Handover{}, err
	}
	if !ok {
		return city.Handover{}, fmt.Errorf("sign-off: %w: no shift of the roster is on duty", city.ErrBadStep)
	}
	if st.Shift.Named() && !st.Shift.OnShift(officer) {
		return city.Handover{}, fmt.Errorf("sign-off: %w: %s is not on the %s shift", city.ErrBadStep, officer, st.Shift.Name)
	}
	if note != "" {
		if err := city.CheckDutyText("sign-off note", note); err != nil {
			return city.Handover{}, err
		}
	}
	if _, found, err := d.db.Handover(st.ID()); err != nil {
		return city.Handover{}, err
	} else if found {
		return city.Handover{}, city.ErrHandoverSigned
	}
	sum, err := d.Summary(st, now)
	if err != nil {
		return city.Handover{}, err
	}
	h, err := city.Handover{Shift: st.ID(), Summary: sum}.SignOff(officer, note, now)
	if err != nil {
		return h, err
	}
	act := &model.DutyAction{ID: dutyID(wire.StepDutySignOff, officer, now, st.ID()), Kind: wire.StepDutySignOff, Subject: st.ID(),
		Officer: officer, Time: now, Team: summaryCounts(sum), Note: h.Note}
	return h, d.db.SaveHandover(h, act)
}

// Acknowledge takes over shift id by the current officer, who must be
// another officer than the one who signed off (and, when the next shift
// names its officers, one of them).
func (d *DutyDesk) Acknowledge(id, note string, now time.Time) (city.Handover, error) {
	if d.readOnly {
		return city.Handover{}, fmt.Errorf("acknowledge: %w", ErrReadOnly)
	}
	officer := d.desk.Officer()
	h, found, err := d.db.Handover(id)
	if err != nil {
		return h, err
	}
	if !found {
		return h, fmt.Errorf("acknowledge: %w: the shift %s is not signed off", city.ErrBadStep, id)
	}
	acked, err := h.Acknowledge(officer, note, now)
	if err != nil {
		return h, err
	}
	if out, ok := d.OnDuty(h.Summary.From); ok {
		if next, ok := d.OnDuty(out.To); ok && next.Shift.Named() && !next.Shift.OnShift(officer) {
			return h, fmt.Errorf("acknowledge: %w: %s is not on the incoming %s shift", city.ErrBadStep, officer, next.Shift.Name)
		}
	}
	h = acked
	act := &model.DutyAction{ID: dutyID(wire.StepDutyAck, officer, now, id), Kind: wire.StepDutyAck, Subject: id, Officer: officer, Time: now, Note: h.AckNote}
	return h, d.db.SaveHandover(h, act)
}

// Log writes a duty-log entry by the current officer.
func (d *DutyDesk) Log(text string, now time.Time) (city.DutyEntry, error) {
	if d.readOnly {
		return city.DutyEntry{}, fmt.Errorf("duty log: %w", ErrReadOnly)
	}
	officer := d.desk.Officer()
	if officer == "" {
		return city.DutyEntry{}, fmt.Errorf("duty log: set the duty officer's name first")
	}
	if err := city.CheckDutyText("duty-log entry", text); err != nil {
		return city.DutyEntry{}, err
	}
	text = strings.TrimSpace(text)
	shift := ""
	if st, ok := d.OnDuty(now); ok {
		shift = st.ID()
	}
	e := city.DutyEntry{ID: dutyID(wire.StepDutyLog, officer, now, text), Officer: officer, Time: now, Shift: shift, Text: text}
	subject := shift
	if subject == "" {
		subject = "log"
	}
	act := &model.DutyAction{ID: e.ID, Kind: wire.StepDutyLog, Subject: subject, Officer: officer, Time: now, Note: text}
	return e, d.db.AddDutyEntry(e, act)
}

// LogBetween is the duty log of [from, to).
func (d *DutyDesk) LogBetween(from, to time.Time) ([]city.DutyEntry, error) {
	return d.db.DutyLog(from, to)
}

// ConnState records feed outages for the shift summary: every feed goes
// down with the link and comes back with it.
func (d *DutyDesk) ConnState(s wire.ConnState, now time.Time) error {
	d.mu.Lock()
	was := d.linkUp
	up := s == wire.Connected
	if up == was || s == wire.Connecting || s == wire.Stopped {
		d.mu.Unlock()
		return nil
	}
	d.linkUp = up
	d.mu.Unlock()
	for _, f := range city.Feeds {
		var err error
		if up {
			err = d.db.OutageEnded(f, now)
		} else {
			err = d.db.OutageBegan(f, now, s.String())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dutyID is the id of a duty message: "duty-" and a hash of its content.
func dutyID(kind, officer string, t time.Time, content string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + officer + "\x00" + strconv.FormatInt(t.UnixNano(), 10) + "\x00" + content))
	return "duty-" + hex.EncodeToString(h[:16])
}

// summaryCounts is the summary in one short line for the wire.
func summaryCounts(s city.ShiftSummary) string {
	rej := 0
	for _, n := range s.Rejects {
		rej += n
	}
	return fmt.Sprintf("opened=%d closed=%d open=%d overdue=%d outages=%d rejects=%d", s.Opened, s.Closed, s.StillOpen, s.Overdue, len(s.Outages), rej)
}

// SetReadOnly makes the duty desk take other desks' records but make none.
func (d *DutyDesk) SetReadOnly(on bool) {
	d.mu.Lock()
	d.readOnly = on
	d.mu.Unlock()
}
