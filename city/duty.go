package city

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Duty: the roster of shifts (值班表), the shift on duty at a time, and the
// automatic summary of a shift for its handover (交接班).

// Shift is one shift of the roster, every day from Start to End in
// Shanghai time (End before Start runs past midnight; End equal to Start
// is a 24-hour shift, 24小时值班), with its shift
// leader (值班长) and duty officers (值班员).
type Shift struct {
	Name     string    `toml:"name" json:"name"`
	Start    ClockTime `toml:"start" json:"start"`
	End      ClockTime `toml:"end" json:"end"`
	Leader   string    `toml:"leader" json:"leader"`
	Officers []string  `toml:"officers" json:"officers"`
}

// DutySettings hold the roster.
type DutySettings struct {
	Shifts []Shift `toml:"shifts"`
}

// DefaultDutySettings: a day shift 08:00–20:00 and a night shift
// 20:00–08:00, with nobody named yet (the site names its officers).
func DefaultDutySettings() DutySettings {
	return DutySettings{Shifts: []Shift{
		{Name: "白班", Start: Clock(8, 0), End: Clock(20, 0), Officers: []string{}},
		{Name: "夜班", Start: Clock(20, 0), End: Clock(8, 0), Officers: []string{}},
	}}
}

// covers reports whether the shift covers minute m of the day.
func (s Shift) covers(m ClockTime) bool {
	if s.Start == s.End {
		return true // 24 hours
	}
	if s.Start < s.End {
		return m >= s.Start && m < s.End
	}
	return m >= s.Start || m < s.End
}

// ValidateRoster names every bad roster entry, prefixed "duty.shifts".
func ValidateRoster(shifts []Shift) []error {
	var errs []error
	names := map[string]bool{}
	for i, s := range shifts {
		key := fmt.Sprintf("duty.shifts[%d]", i)
		name := strings.TrimSpace(s.Name)
		if name == "" {
			errs = append(errs, fmt.Errorf("%s.name: empty", key))
		} else if names[name] {
			errs = append(errs, fmt.Errorf("%s.name: %q twice", key, name))
		}
		names[name] = true
		if !s.Start.Valid() || !s.End.Valid() {
			errs = append(errs, fmt.Errorf("%s: %v–%v is not a shift", key, s.Start, s.End))
			continue
		}
		for j := range i {
			o := shifts[j]
			if o.Start.Valid() && o.End.Valid() && (o.covers(s.Start) || s.covers(o.Start)) {
				errs = append(errs, fmt.Errorf("%s: %s %v–%v overlaps %s %v–%v", key, s.Name, s.Start, s.End, o.Name, o.Start, o.End))
			}
		}
	}
	return errs
}

// ShiftTime is one occurrence of a shift: the shift and its start and end.
type ShiftTime struct {
	Shift    Shift
	From, To time.Time
}

// ID names the occurrence: "2026-08-14T08:00:00+08:00|白班".
func (st ShiftTime) ID() string {
	return st.From.In(Shanghai).Format(time.RFC3339) + "|" + st.Shift.Name
}

// ShiftAt returns the occurrence of the roster's shift covering t; false
// when no shift covers it.
func ShiftAt(shifts []Shift, t time.Time) (ShiftTime, bool) {
	l := t.In(Shanghai)
	m := Clock(l.Hour(), l.Minute())
	mid := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Shanghai)
	for _, s := range shifts {
		if !s.covers(m) {
			continue
		}
		day := mid
		if s.Start >= s.End && m < s.End {
			day = mid.AddDate(0, 0, -1) // began the day before
		}
		from := day.Add(time.Duration(s.Start) * time.Minute)
		end := day.Add(time.Duration(s.End) * time.Minute)
		if s.Start >= s.End {
			end = day.AddDate(0, 0, 1).Add(time.Duration(s.End) * time.Minute)
		}
		return ShiftTime{Shift: s, From: from, To: end}, true
	}
	return ShiftTime{}, false
}

// OnShift reports whether officer belongs to the shift (leader or officer).
func (s Shift) OnShift(officer string) bool {
	officer = strings.TrimSpace(officer)
	return officer != "" && (officer == strings.TrimSpace(s.Leader) || slices.ContainsFunc(s.Officers, func(o string) bool {
		return strings.TrimSpace(o) == officer
	}))
}

// RoleIn is officer's role in the shift: RoleLeader for its 值班长.
func (s Shift) RoleIn(officer string) Role {
	if o := strings.TrimSpace(officer); o != "" && o == strings.TrimSpace(s.Leader) {
		return RoleLeader
	}
	return RoleOfficer
}

// Outage is a time a feed was offline; To is zero while it lasts.
type Outage struct {
	Feed     Feed
	From, To time.Time
	Reason   string
}

// ShiftSummary is what the outgoing shift hands over.
type ShiftSummary struct {
	From, To   time.Time
	Opened     int            // alerts raised during the shift
	Closed     int            // alerts closed during the shift
	StillOpen  int            // alerts open at the end of the shift
	Overdue    int            // of those, overdue (超期) at the end
	Outages    []Outage       // feed outages overlapping the shift, clipped to it
	Rejects    map[string]int // rejected messages during the shift per feed ("" unknown)
	OverdueIDs []string       // the overdue alerts' IDs, sorted
	// OutageCount and RejectCount are set on a summary taken from another
	// desk's sign-off, which carries the counts only: the outages and
	// rejected messages themselves stay in the signing desk's record.
	OutageCount int `json:",omitempty"`
	RejectCount int `json:",omitempty"`
}

// Summarize builds the summary of the shift from..to: alerts as they stand
// (with their raise and close times), their cases, the feed outages and the
// rejected-message counts of the shift. Alerts raised after to are left out.
func Summarize(from, to time.Time, alerts []Alert, cases map[string]Case, cs CaseSettings, outages []Outage, rejects map[string]int) ShiftSummary {
	s := ShiftSummary{From: from, To: to, Rejects: map[string]int{}}
	for _, a := range alerts {
		if a.Raised.After(to) || a.Raised.Equal(to) {
			continue
		}
		if !a.Raised.Before(from) {
			s.Opened++
		}
		closedBy := !a.Closed.IsZero() && !a.Closed.After(to)
		if closedBy && !a.Closed.Before(from) {
			s.Closed++
		}
		if closedBy {
			continue
		}
		s.StillOpen++
		if cs.Overdue(stateAt(a, to), cases[a.ID], to) {
			s.Overdue++
			s.OverdueIDs = append(s.OverdueIDs, a.ID)
		}
	}
	sort.Strings(s.OverdueIDs)
	for _, o := range outages {
		if !o.From.Before(to) || (!o.To.IsZero() && !o.To.After(from)) {
			continue
		}
		if o.From.Before(from) {
			o.From = from
		}
		if !o.To.IsZero() && o.To.After(to) {
			o.To = time.Time{} // still offline when the shift ended
		}
		s.Outages = append(s.Outages, o)
	}
	sort.SliceStable(s.Outages, func(i, j int) bool { return s.Outages[i].From.Before(s.Outages[j].From) })
	for f, n := range rejects {
		if n > 0 {
			s.Rejects[f] = n
		}
	}
	return s
}

// stateAt is a as far as disposal goes at t: resolved (or later) when it
// was resolved by t, auto-cleared when its condition had ended by t without
// a resolution, otherwise open (a later resolution or close is not yet
// known at t).
func stateAt(a Alert, t time.Time) Alert {
	switch {
	case !a.Resolved.IsZero() && !a.Resolved.After(t):
		a.State = StateResolved
	case !a.Cleared.IsZero() && !a.Cleared.After(t) && (a.State == StateAutoCleared || a.State == StateClosed):
		a.State = StateAutoCleared
	case disposed(a):
		a.State = StateDispatched
	}
	return a
}

// Handover is the handover of one shift: the outgoing officer's sign-off
// and the incoming officer's acknowledgement.
type Handover struct {
	Shift    string // ShiftTime.ID of the outgoing shift
	Summary  ShiftSummary
	SignedBy string
	Signed   time.Time
	Note     string
	AckedBy  string
	Acked    time.Time
	AckNote  string
}

// Errors of the handover.
var (
	ErrHandoverSigned = fmt.Errorf("%w: the shift is already signed off", ErrBadStep)
	ErrHandoverSelf   = fmt.Errorf("%w: the incoming officer must be another officer than the one who signed off", ErrBadStep)
)

// SignOff returns the handover signed off by officer at t with a note.
func (h Handover) SignOff(officer, note string, t time.Time) (Handover, error) {
	officer = strings.TrimSpace(officer)
	if officer == "" {
		return h, fmt.Errorf("%w: sign-off needs an officer", ErrBadStep)
	}
	if !h.Signed.IsZero() {
		return h, ErrHandoverSigned
	}
	if t.IsZero() {
		return h, fmt.Errorf("%w: sign-off needs a time", ErrBadStep)
	}
	h.SignedBy, h.Signed, h.Note = officer, t, strings.TrimSpace(note)
	return h, nil
}

// Acknowledge returns the handover taken over by officer at t.
func (h Handover) Acknowledge(officer, note string, t time.Time) (Handover, error) {
	officer = strings.TrimSpace(officer)
	switch {
	case officer == "":
		return h, fmt.Errorf("%w: acknowledgement needs an officer", ErrBadStep)
	case h.Signed.IsZero():
		return h, fmt.Errorf("%w: the outgoing officer has not signed off yet", ErrBadStep)
	case !h.Acked.IsZero():
		return h, fmt.Errorf("%w: the handover is already acknowledged by %s", ErrBadStep, h.AckedBy)
	case officer == h.SignedBy:
		return h, ErrHandoverSelf
	case t.Before(h.Signed):
		return h, fmt.Errorf("%w: acknowledgement before the sign-off", ErrBadStep)
	}
	h.AckedBy, h.Acked, h.AckNote = officer, t, strings.TrimSpace(note)
	return h, nil
}

// DutyEntry is one free-text entry of the duty log (值班日志).
type DutyEntry struct {
	ID      string // unique; the outbox's action id
	Officer string
	Time    time.Time
	Shift   string // ShiftTime.ID when written
	Text    string
}

// MaxDutyText is the longest duty-log entry or handover note, in bytes
// (the protocol's note limit).
const MaxDutyText = 2048

// CheckDutyText refuses an empty or too long text.
func CheckDutyText(what, s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return fmt.Errorf("%w: %s is empty", ErrBadStep, what)
	}
	if len(s) > MaxDutyText {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrBadStep, what, MaxDutyText)
	}
	return nil
}

// RejectFeeds lists the feeds of Rejects in order.
func (s ShiftSummary) RejectFeeds() []string {
	out := make([]string, 0, len(s.Rejects))
	for k := range s.Rejects {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Named reports whether the shift names anyone (a leader or officers); a
// roster without names lets any officer sign off and take over.
func (s Shift) Named() bool { return s.Leader != "" || len(s.Officers) > 0 }
