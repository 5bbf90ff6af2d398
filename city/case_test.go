package city

import (
	"errors"
	"testing"
	"time"
)

func caseAlert(cond Condition, feed Feed, raised time.Time) Alert {
	return Alert{ID: AlertID("s1", cond, raised), Station: "s1", Feed: feed, Condition: cond,
		Severity: SeverityMajor, State: StateRaised, Raised: raised, Updated: raised}
}

func TestCaseApply(t *testing.T) {
	t0 := sh(2026, 9, 22, 10, 0)
	a := caseAlert(CondHydrantPressure, FeedFire, t0)
	step := func(k StepKind, note string) Step {
		return Step{Alert: a.ID, Kind: k, Officer: "王伟", Note: note, Time: t0.Add(time.Minute)}
	}
	for _, tc := range []struct {
		name  string
		from  Case
		alert Alert
		step  Step
		role  Role
		want  error
		state CaseState
	}{
		{"leader accepts", Case{}, a, step(StepCaseAccept, ""), RoleLeader, nil, CaseAccepted},
		{"officer may not accept", Case{}, a, step(StepCaseAccept, ""), RoleOfficer, ErrNotLeader, CasePending},
		{"reject needs a reason", Case{}, a, step(StepCaseReject, " "), RoleLeader, ErrCaseReason, CasePending},
		{"reject with a reason", Case{}, a, step(StepCaseReject, "重复上报"), RoleLeader, nil, CaseRejected},
		{"accept twice", Case{State: CaseAccepted}, a, step(StepCaseAccept, ""), RoleLeader, ErrBadStep, CaseAccepted},
		{"shelve pending", Case{}, a, step(StepCaseShelve, "待管网改造"), RoleLeader, ErrBadStep, CasePending},
		{"shelve needs reason", Case{State: CaseAccepted}, a, step(StepCaseShelve, ""), RoleLeader, ErrCaseReason, CaseAccepted},
		{"unshelve not shelved", Case{State: CaseAccepted}, a, step(StepCaseUnshelve, ""), RoleLeader, ErrBadStep, CaseAccepted},
		{"closed alert", Case{}, func() Alert { b := a; b.State = StateClosed; return b }(), step(StepCaseAccept, ""), RoleLeader, ErrAlertClosed, CasePending},
		{"before the raise", Case{}, a, Step{Alert: a.ID, Kind: StepCaseAccept, Officer: "王伟", Time: t0.Add(-time.Second)}, RoleLeader, ErrBadStep, CasePending},
		{"engine step", Case{}, a, step(StepCaseOverdue, ""), RoleLeader, ErrBadStep, CasePending},
		{"other alert", Case{}, a, Step{Alert: "x", Kind: StepCaseAccept, Officer: "王伟", Time: t0}, RoleLeader, ErrStepMismatch, CasePending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.from.Apply(tc.alert, tc.step, tc.role)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got.State != tc.state {
				t.Errorf("state = %q, want %q", got.State, tc.state)
			}
		})
	}
	c, err := Case{}.Apply(a, step(StepCaseAccept, ""), RoleLeader)
	if err != nil {
		t.Fatal(err)
	}
	c, err = c.Apply(a, step(StepCaseShelve, "待管网改造"), RoleLeader)
	if err != nil || !c.Shelved || c.ShelveReason != "待管网改造" {
		t.Fatalf("shelve: %+v %v", c, err)
	}
	if got := CaseStepsAllowed(c, a, RoleLeader, "王伟", t0); len(got) != 1 || got[0] != StepCaseUnshelve {
		t.Errorf("allowed on a shelved case = %v, want [case_unshelve]", got)
	}
	if got := CaseStepsAllowed(Case{}, a, RoleOfficer, "李娜", t0); len(got) != 0 {
		t.Errorf("allowed for an officer = %v, want none", got)
	}
}

func TestCaseDeadlineAndOverdue(t *testing.T) {
	cs := DefaultCaseSettings()
	cs.Calendar = testCalendar()
	fri := sh(2026, 9, 18, 16, 0)
	for _, tc := range []struct {
		name     string
		a        Alert
		due      time.Time
		calendar bool
	}{
		{"fire alarm: 0.5 calendar hours", caseAlert(CondFireAlarm, FeedFire, fri), fri.Add(30 * time.Minute), true},
		{"hydrant: 4 working hours over the weekend", caseAlert(CondHydrantPressure, FeedFire, fri), sh(2026, 9, 21, 11, 0), false},
		{"water: 24 working hours", caseAlert(CondWaterClass, FeedWater, fri), sh(2026, 9, 23, 13, 0), false},
		{"crowd by feed: calendar", caseAlert(CondCrowdDensity, FeedCrowd, fri), fri.Add(30 * time.Minute), true},
		{"noise by feed: 8 working hours", caseAlert(CondNoiseNight, FeedNoise, sh(2026, 9, 22, 23, 0)), sh(2026, 9, 23, 16, 30), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cal, ok := cs.Limit(tc.a)
			if !ok || cal != tc.calendar {
				t.Errorf("Limit: calendar %v ok %v, want calendar %v", cal, ok, tc.calendar)
			}
			if got := cs.Deadline(tc.a); !got.Equal(tc.due) {
				t.Errorf("Deadline = %v, want %v", got.In(Shanghai), tc.due)
			}
			if cs.Overdue(tc.a, Case{}, tc.due) {
				t.Error("overdue at the deadline itself")
			}
			if !cs.Overdue(tc.a, Case{}, tc.due.Add(time.Second)) {
				t.Error("not overdue a second after the deadline")
			}
			if !cs.Escalate(tc.a, Case{}, tc.due.Add(time.Second)) || cs.Escalate(tc.a, Case{Escalated: tc.due}, tc.due.Add(time.Hour)) {
				t.Error("escalate: want once")
			}
			late := tc.due.Add(time.Hour)
			if cs.Overdue(tc.a, Case{State: CaseAccepted, Shelved: true}, late) {
				t.Error("a shelved case is overdue")
			}
			if cs.Overdue(tc.a, Case{State: CaseRejected}, late) {
				t.Error("a rejected report is overdue")
			}
			done := tc.a
			done.State = StateResolved
			if cs.Overdue(done, Case{}, late) {
				t.Error("a resolved case is overdue")
			}
		})
	}
	none := cs
	none.Limits = map[string]time.Duration{}
	if !none.Deadline(caseAlert(CondAQI, FeedAir, fri)).IsZero() || none.Overdue(caseAlert(CondAQI, FeedAir, fri), Case{}, fri.AddDate(1, 0, 0)) {
		t.Error("no limit: want no deadline and never overdue")
	}
}

func TestCaseSettingsValidate(t *testing.T) {
	cs := DefaultCaseSettings()
	if errs := cs.Validate(); len(errs) != 0 {
		t.Fatalf("defaults: %v", errs)
	}
	cs.Limits = map[string]time.Duration{"fires": time.Hour, "aqi": 0}
	cs.CalendarHours = []string{"nope"}
	if errs := cs.Validate(); len(errs) != 3 {
		t.Errorf("got %d errors, want 3: %v", len(errs), errs)
	}
}

func TestEngineCloseRejected(t *testing.T) {
	e, err := NewEngine(DefaultSiteConfig())
	if err != nil {
		t.Fatal(err)
	}
	t0 := sh(2026, 9, 22, 10, 0)
	holding := caseAlert(CondFireAlarm, FeedFire, t0)
	ended := caseAlert(CondHydrantPressure, FeedFire, t0)
	ended.Severity, ended.Cleared = SeverityCritical, t0.Add(time.Minute)
	if err := e.Restore([]Alert{holding, ended}); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.CloseRejected(holding.ID, "王伟", t0.Add(2*time.Minute)); ok {
		t.Error("a rejected report whose condition holds was closed")
	}
	got, ok := e.CloseRejected(ended.ID, "王伟", t0.Add(2*time.Minute))
	if !ok || got.State != StateClosed || got.ClosedBy != "王伟" || !got.Closed.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("closed %+v %v", got, ok)
	}
	if _, still := e.Alert(ended.ID); still {
		t.Error("the closed alert is still held")
	}
	if _, ok := e.OpenAlert(ended.Station, ended.Condition); ok {
		t.Error("the closed alert still holds its slot")
	}
	if _, ok := e.CloseRejected("nope", "王伟", t0); ok {
		t.Error("closed an unknown alert")
	}
}
