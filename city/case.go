package city

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The case model of GB/T 30428 (数字化城市管理信息系统): a raised report
// (上报) is accepted as a case (立案) or rejected (不予立案, with a reason)
// by the shift leader (值班长); an accepted case may be put on the books
// as long-running (挂账, with a reason), which stops its disposal clock;
// every case has a disposal time limit (处置时限) per alert class, counted
// in working hours of the site's working calendar, or in calendar hours
// for life-safety classes. A case past its limit and not yet disposed of
// is overdue (超期) and is escalated once to the shift leader.
//
// The disposal clock starts when the report is raised, not when it is
// accepted: a report nobody accepts goes overdue as well.

// Role is what an officer may do on the case model.
type Role string

// Roles.
const (
	RoleOfficer Role = "officer" // 值班员
	RoleLeader  Role = "leader"  // 值班长: accepts, rejects and shelves cases
)

// Name gives the role in Chinese.
func (r Role) Name() string {
	if r == RoleLeader {
		return "值班长"
	}
	return "值班员"
}

// CaseState is where a report stands in the case model.
type CaseState string

// Case states.
const (
	CasePending  CaseState = ""         // 待立案
	CaseAccepted CaseState = "accepted" // 已立案
	CaseRejected CaseState = "rejected" // 不予立案
)

// Name gives the case state in Chinese.
func (s CaseState) Name() string {
	switch s {
	case CaseAccepted:
		return "已立案"
	case CaseRejected:
		return "不予立案"
	}
	return "待立案"
}

// Case steps, kept in the alert's history and sent through the outbox.
const (
	StepCaseAccept   StepKind = "case_accept"   // 立案 (值班长)
	StepCaseReject   StepKind = "case_reject"   // 不予立案 (值班长, needs a reason)
	StepCaseShelve   StepKind = "case_shelve"   // 挂账 (值班长, needs a reason)
	StepCaseUnshelve StepKind = "case_unshelve" // 取消挂账 (值班长)
	StepCaseOverdue  StepKind = "case_overdue"  // 超期升级 (the system, once)
)

// CaseSteps are the steps officers take on the case model, in button order.
var CaseSteps = []StepKind{StepCaseAccept, StepCaseReject, StepCaseShelve, StepCaseUnshelve}

// CaseStepName gives a case step in Chinese ("" for other steps).
func CaseStepName(k StepKind) string {
	switch k {
	case StepCaseAccept:
		return "立案"
	case StepCaseReject:
		return "不予立案"
	case StepCaseShelve:
		return "挂账"
	case StepCaseUnshelve:
		return "取消挂账"
	case StepCaseOverdue:
		return "超期升级"
	}
	return ""
}

// IsCaseStep reports whether k is a step of the case model.
func IsCaseStep(k StepKind) bool { return CaseStepName(k) != "" }

// Case is the case-model record of one alert.
type Case struct {
	Alert     string
	State     CaseState
	DecidedBy string    // who accepted or rejected
	Decided   time.Time // when
	Reason    string    // why it was rejected

	Shelved      bool // 挂账: excluded from overdue
	ShelvedBy    string
	ShelvedAt    time.Time
	ShelveReason string

	Escalated time.Time // when the overdue escalation was made; zero: not yet
}

// Errors of the case model.
var (
	ErrNotLeader  = errors.New("only the shift leader (值班长) may do this")
	ErrCaseReason = errors.New("a reason is needed")
)

// Apply returns the case after an officer's case step on alert a, or an
// error when the case model does not allow it:
//
//   - every step needs an officer, the role 值班长, an open alert and a
//     time no earlier than the raise;
//   - accept (立案) and reject (不予立案, with a reason) only a pending
//     report;
//   - shelve (挂账, with a reason) only an accepted case not yet disposed
//     of and not shelved; unshelve only a shelved case.
func (c Case) Apply(a Alert, s Step, role Role) (Case, error) {
	if s.Alert != a.ID || (c.Alert != "" && c.Alert != a.ID) {
		return c, fmt.Errorf("%w: case step for %q applied to %q", ErrStepMismatch, s.Alert, a.ID)
	}
	if !slices.Contains(CaseSteps, s.Kind) {
		return c, fmt.Errorf("%w: %q is not an officer's case step", ErrBadStep, s.Kind)
	}
	officer := strings.TrimSpace(s.Officer)
	if officer == "" {
		return c, fmt.Errorf("%w: %s needs an officer", ErrBadStep, CaseStepName(s.Kind))
	}
	if role != RoleLeader {
		return c, fmt.Errorf("%s: %w", CaseStepName(s.Kind), ErrNotLeader)
	}
	if s.Time.IsZero() || s.Time.Before(a.Raised) {
		return c, fmt.Errorf("%w: %s needs a time no earlier than the raise", ErrBadStep, CaseStepName(s.Kind))
	}
	if !a.Open() {
		return c, fmt.Errorf("%w: %s on %s", ErrAlertClosed, CaseStepName(s.Kind), a.ID)
	}
	note := strings.TrimSpace(s.Note)
	n := c
	n.Alert = a.ID
	switch s.Kind {
	case StepCaseAccept, StepCaseReject:
		if c.State != CasePending {
			return c, fmt.Errorf("%w: the report is already %s", ErrBadStep, c.State.Name())
		}
		if s.Kind == StepCaseReject {
			if note == "" {
				return c, fmt.Errorf("不予立案: %w", ErrCaseReason)
			}
			n.State, n.Reason = CaseRejected, note
		} else {
			n.State = CaseAccepted
		}
		n.DecidedBy, n.Decided = officer, s.Time
	case StepCaseShelve:
		if c.State != CaseAccepted || c.Shelved {
			return c, fmt.Errorf("%w: only an accepted case that is not on the books is put on the books", ErrBadStep)
		}
		if disposed(a) {
			return c, fmt.Errorf("%w: the case is already disposed of", ErrBadStep)
		}
		if note == "" {
			return c, fmt.Errorf("挂账: %w", ErrCaseReason)
		}
		n.Shelved, n.ShelvedBy, n.ShelvedAt, n.ShelveReason = true, officer, s.Time, note
	case StepCaseUnshelve:
		if !c.Shelved {
			return c, fmt.Errorf("%w: the case is not on the books", ErrBadStep)
		}
		n.Shelved, n.ShelvedBy, n.ShelvedAt, n.ShelveReason = false, "", time.Time{}, ""
	}
	return n, nil
}

// CaseStepsAllowed lists the case steps role may take on a now.
func CaseStepsAllowed(c Case, a Alert, role Role, officer string, now time.Time) []StepKind {
	var out []StepKind
	for _, k := range CaseSteps {
		if _, err := c.Apply(a, Step{Alert: a.ID, Kind: k, Officer: officer, Note: "probe", Time: maxTime(now, a.Raised)}, role); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// disposed reports whether the disposal of a is over: resolved or later,
// or its condition ended by itself.
func disposed(a Alert) bool {
	switch a.State {
	case StateResolved, StateVerified, StateClosed, StateAutoCleared:
		return true
	}
	return false
}

// CaseSettings are the disposal time limits and the working calendar.
type CaseSettings struct {
	// Limits are the disposal time limits per alert condition or feed
	// (a condition's own limit wins over its feed's).
	Limits map[string]time.Duration `toml:"limits"`
	// CalendarHours lists the conditions or feeds whose limits run in
	// calendar hours (life safety: the clock never stops); the others run
	// in working hours of Calendar.
	CalendarHours []string     `toml:"calendar_hours"`
	Calendar      WorkCalendar `toml:"calendar"`
}

// DefaultCaseSettings are the documented defaults (docs/config.md).
func DefaultCaseSettings() CaseSettings {
	return CaseSettings{
		Limits: map[string]time.Duration{
			string(FeedFire):                30 * time.Minute, // fire devices: alarms, faults
			string(CondFireAlarm):           30 * time.Minute,
			string(CondHydrantPressure):     4 * time.Hour,
			string(CondResidualCurrent):     2 * time.Hour,
			string(CondCableTemp):           2 * time.Hour,
			string(CondDeviceFault):         8 * time.Hour,
			string(CondDeviceTamper):        4 * time.Hour,
			string(CondLowBattery):          24 * time.Hour,
			string(CondDeviceOffline):       8 * time.Hour,
			string(FeedCrowd):               30 * time.Minute,
			string(FeedWater):               24 * time.Hour,
			string(FeedAir):                 24 * time.Hour,
			string(FeedNoise):               8 * time.Hour,
			string(CondCrowdTimeToCapacity): 15 * time.Minute,
		},
		CalendarHours: []string{string(CondFireAlarm), string(FeedCrowd), string(CondResidualCurrent), string(CondCableTemp)},
		Calendar:      DefaultWorkCalendar(),
	}
}

// Validate names every bad key, prefixed "case.".
func (cs CaseSettings) Validate() []error {
	var errs []error
	known := func(k string) bool {
		return Feed(k).Valid() || slices.Contains(Conditions, Condition(k))
	}
	for _, k := range slices.Sorted(maps.Keys(cs.Limits)) {
		if !known(k) {
			errs = append(errs, fmt.Errorf("case.limits.%s: not a feed or alert condition", k))
		}
		if cs.Limits[k] <= 0 {
			errs = append(errs, fmt.Errorf("case.limits.%s: %v is not positive", k, cs.Limits[k]))
		}
	}
	for _, k := range cs.CalendarHours {
		if !known(k) {
			errs = append(errs, fmt.Errorf("case.calendar_hours: %q is not a feed or alert condition", k))
		}
	}
	return append(errs, cs.Calendar.Validate("case.calendar.")...)
}

// Limit is the disposal time limit of a, and whether it runs in calendar
// hours; ok false when no limit applies (no key for its condition or feed).
func (cs CaseSettings) Limit(a Alert) (limit time.Duration, calendar, ok bool) {
	limit, ok = cs.Limits[string(a.Condition)]
	if !ok {
		limit, ok = cs.Limits[string(a.Feed)]
	}
	calendar = slices.Contains(cs.CalendarHours, string(a.Condition)) || slices.Contains(cs.CalendarHours, string(a.Feed))
	return limit, calendar, ok && limit > 0
}

// Deadline is when the disposal of a falls due; zero when no limit applies.
func (cs CaseSettings) Deadline(a Alert) time.Time {
	limit, calendar, ok := cs.Limit(a)
	if !ok {
		return time.Time{}
	}
	if calendar {
		return a.Raised.Add(limit)
	}
	return cs.Calendar.AddWorking(a.Raised, limit)
}

// Overdue reports whether the case of a is overdue (超期) at now: it has a
// limit, was not rejected, is not on the books, is not disposed of and its
// deadline has passed.
func (cs CaseSettings) Overdue(a Alert, c Case, now time.Time) bool {
	if c.State == CaseRejected || c.Shelved || disposed(a) {
		return false
	}
	due := cs.Deadline(a)
	return !due.IsZero() && now.After(due)
}

// Escalate reports whether the overdue case should be escalated now: it
// is overdue and was not escalated before.
func (cs CaseSettings) Escalate(a Alert, c Case, now time.Time) bool {
	return c.Escalated.IsZero() && cs.Overdue(a, c, now)
}

// CloseRejected closes alert id, whose report officer rejected (不予立案)
// at decided, once its condition no longer holds, as RejectedClose says. A
// rejected report whose condition still holds stays open, so that the same
// condition does not raise a new alert at once; it is closed when its
// condition ends. False when the engine holds no such alert or its
// condition still holds.
func (e *Engine) CloseRejected(id, officer string, decided time.Time) (Alert, bool) {
	a, ok := e.alerts[id]
	if !ok || a.Holding() {
		return Alert{}, false
	}
	by, t, ok := RejectedClose(officer, decided, a.Raised, a.Cleared)
	if !ok {
		return Alert{}, false
	}
	n := *a
	n.State, n.ClosedBy, n.Closed = StateClosed, by, t
	if t.After(n.Updated) {
		n.Updated = t
	}
	delete(e.alerts, id)
	k := alertKey{n.Station, n.Condition}
	if e.active[k] == id {
		delete(e.active, k)
		e.afterClose(k, n.Closed) // the caller stores FollowUps
	}
	return n, true
}
