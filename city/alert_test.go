package city

import (
	"errors"
	"testing"
	"time"
)

func raisedAlert() Alert {
	t0 := at(10, 0)
	return Alert{ID: AlertID("W1", CondWaterClass, t0), Station: "W1", Feed: FeedWater, Condition: CondWaterClass,
		Severity: SeverityMajor, State: StateRaised, Began: t0, Raised: t0, Updated: t0}
}

func step(a Alert, kind StepKind, officer string, min int) Step {
	return Step{Alert: a.ID, Kind: kind, Officer: officer, Time: a.Raised.Add(time.Duration(min) * time.Minute)}
}

func TestWorkflowHappyPath(t *testing.T) {
	a := raisedAlert()
	var err error
	steps := []struct {
		s     Step
		state AlertState
	}{
		{step(a, StepAcknowledge, "王警官", 1), StateAcknowledged},
		{Step{Alert: a.ID, Kind: StepComment, Officer: "王警官", Note: "已联系河长办", Time: a.Raised.Add(2 * time.Minute)}, StateAcknowledged},
		{Step{Alert: a.ID, Kind: StepDispatch, Officer: "王警官", Team: "外滩街道水务组", Time: a.Raised.Add(3 * time.Minute)}, StateDispatched},
		{step(a, StepResolve, "李组长", 60), StateResolved},
		{step(a, StepVerify, "张科长", 90), StateVerified},
		{step(a, StepClose, "张科长", 91), StateClosed},
	}
	for _, st := range steps {
		a, err = a.Apply(st.s)
		if err != nil {
			t.Fatalf("%s: %v", st.s.Kind, err)
		}
		if a.State != st.state {
			t.Fatalf("%s: state %s, want %s", st.s.Kind, a.State, st.state)
		}
	}
	if a.AcknowledgedBy != "王警官" || a.Team != "外滩街道水务组" || a.ResolvedBy != "李组长" || a.VerifiedBy != "张科长" ||
		a.ClosedBy != "张科长" || !a.Closed.Equal(a.Raised.Add(91*time.Minute)) || !a.Updated.Equal(a.Closed) || a.Open() {
		t.Errorf("who and when lost: %+v", a)
	}
}

func TestWorkflowViolations(t *testing.T) {
	raised := raisedAlert()
	ack, _ := raised.Apply(step(raised, StepAcknowledge, "王警官", 1))
	resolved, _ := ack.Apply(step(ack, StepResolve, "王警官", 5))
	auto := raised
	auto.State, auto.Cleared = StateAutoCleared, raised.Raised.Add(30*time.Minute)
	closed := auto
	closed.State = StateClosed

	tests := []struct {
		name string
		a    Alert
		s    Step
		want error
	}{
		{"acknowledge twice", ack, step(ack, StepAcknowledge, "李", 2), ErrBadStep},
		{"dispatch without team", ack, step(ack, StepDispatch, "王警官", 2), ErrBadStep},
		{"resolve before acknowledge", raised, step(raised, StepResolve, "王警官", 2), ErrBadStep},
		{"verify by the resolver", resolved, step(resolved, StepVerify, "王警官", 9), ErrSameOfficer},
		{"verify unresolved", ack, step(ack, StepVerify, "张科长", 9), ErrBadStep},
		{"close unverified", resolved, step(resolved, StepClose, "张科长", 9), ErrBadStep},
		{"close raised", raised, step(raised, StepClose, "张科长", 9), ErrBadStep},
		{"acknowledge auto-cleared", auto, step(auto, StepAcknowledge, "王警官", 40), ErrBadStep},
		{"dispatch auto-cleared", auto, Step{Alert: auto.ID, Kind: StepDispatch, Officer: "王警官", Team: "T", Time: auto.Cleared}, ErrBadStep},
		{"step on closed", closed, Step{Alert: closed.ID, Kind: StepComment, Officer: "王警官", Note: "x", Time: closed.Cleared}, ErrAlertClosed},
		{"engine step by hand", raised, step(raised, StepClear, "王警官", 2), ErrBadStep},
		{"no officer", raised, step(raised, StepAcknowledge, "  ", 2), ErrBadStep},
		{"no time", raised, Step{Alert: raised.ID, Kind: StepAcknowledge, Officer: "王警官"}, ErrBadStep},
		{"before raised", raised, step(raised, StepAcknowledge, "王警官", -5), ErrBadStep},
		{"comment without note", raised, step(raised, StepComment, "王警官", 2), ErrBadStep},
		{"other alert", raised, Step{Alert: "X|aqi|2026", Kind: StepAcknowledge, Officer: "王警官", Time: raised.Raised}, ErrStepMismatch},
	}
	for _, tt := range tests {
		got, err := tt.a.Apply(tt.s)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
		if got != tt.a {
			t.Errorf("%s: alert changed on a refused step", tt.name)
		}
	}
}

func TestWorkflowAllowed(t *testing.T) {
	raised := raisedAlert()
	// Dispatch straight from raised counts as acknowledged by the same officer.
	d, err := raised.Apply(Step{Alert: raised.ID, Kind: StepDispatch, Officer: "王警官", Team: "消防站一班", Time: raised.Raised.Add(time.Minute)})
	if err != nil || d.State != StateDispatched || d.AcknowledgedBy != "王警官" || !d.Acknowledged.Equal(d.Dispatched) {
		t.Errorf("dispatch from raised: %+v %v", d, err)
	}
	// Re-dispatch to another team.
	d2, err := d.Apply(Step{Alert: d.ID, Kind: StepDispatch, Officer: "王警官", Team: "消防站二班", Time: d.Raised.Add(2 * time.Minute)})
	if err != nil || d2.Team != "消防站二班" {
		t.Errorf("re-dispatch: %+v %v", d2, err)
	}
	// An auto-cleared alert is closed without verification, and takes comments.
	auto := raised
	auto.State = StateAutoCleared
	c, err := auto.Apply(Step{Alert: auto.ID, Kind: StepComment, Officer: "王警官", Note: "夜间复测正常", Time: auto.Raised.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c, err = c.Apply(step(c, StepClose, "王警官", 61))
	if err != nil || c.State != StateClosed {
		t.Errorf("close auto-cleared: %+v %v", c, err)
	}
}

func TestSeverityNames(t *testing.T) {
	want := map[Severity][2]string{
		SeverityInfo: {"info", "提示"}, SeverityMinor: {"minor", "一般"},
		SeverityMajor: {"major", "较重"}, SeverityCritical: {"critical", "严重"},
	}
	for s, w := range want {
		if s.String() != w[0] || s.Name() != w[1] {
			t.Errorf("%d: %s %s", s, s.String(), s.Name())
		}
		back, err := ParseSeverity(w[0])
		if err != nil || back != s {
			t.Errorf("ParseSeverity(%s) = %v %v", w[0], back, err)
		}
	}
	if !(SeverityInfo < SeverityMinor && SeverityMinor < SeverityMajor && SeverityMajor < SeverityCritical) {
		t.Error("severities out of order")
	}
	for _, c := range Conditions {
		if c.Name() == string(c) || c.NameEN() == string(c) {
			t.Errorf("condition %s has no name", c)
		}
	}
}

func TestAlertIDDeterministic(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, Shanghai)
	if got := AlertID("AQ-01", CondAQI, t0); got != "AQ-01|aqi|2026-03-01T02:00:00Z" {
		t.Errorf("AlertID = %q", got)
	}
	if AlertID("AQ-01", CondAQI, t0) != AlertID("AQ-01", CondAQI, t0.UTC()) {
		t.Error("the same instant in two zones gives two IDs")
	}
}
