package city

import (
	"fmt"
	"testing"
	"time"
)

// The past is folded as the desks fold the present: two desks that
// acknowledged the same alert during a cut show the first as the one who
// acknowledged it, at every time after; a lesser alert whose condition
// ended while dispatched shows as auto-cleared, as the engine left it.
func TestAlertAsOfFoldsAsTheDesks(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, Shanghai)
	last := Alert{ID: "A", Station: "air-1", Feed: FeedAir, Condition: CondAQI, Severity: SeverityMajor,
		State: StateAutoCleared, Raised: t0, Updated: t0.Add(time.Hour), Cleared: t0.Add(50 * time.Minute), Message: "AQI 160"}
	steps := []Step{
		{Alert: "A", Kind: StepRaise, Officer: SystemOfficer, Time: t0, Note: "AQI 160"},
		{Alert: "A", Kind: StepAcknowledge, Officer: "李娜", Time: t0.Add(10 * time.Minute)},
		{Alert: "A", Kind: StepAcknowledge, Officer: "王伟", Time: t0.Add(10 * time.Minute)}, // the same instant at another desk
		{Alert: "A", Kind: StepDispatch, Officer: "王伟", Team: "城管执法中队", Time: t0.Add(20 * time.Minute)},
		{Alert: "A", Kind: StepComment, Officer: "王伟", Note: "已到场", Time: t0.Add(30 * time.Minute)},
		{Alert: "A", Kind: StepClear, Officer: SystemOfficer, Time: t0.Add(50 * time.Minute), Note: "条件已解除 / condition ended"},
	}
	id := func(s Step) string { return fmt.Sprint(s.Kind, s.Officer, s.Time.UnixNano()) }
	var officer []Step
	var ids []string
	for _, s := range steps {
		if s.Kind.Folds() {
			officer, ids = append(officer, s), append(ids, id(s))
		}
	}
	SortSteps(officer, ids)
	live, _ := Fold(last, officer)
	for _, c := range []struct {
		at       time.Time
		state    AlertState
		ackBy    string
		comments int
	}{
		{t0.Add(5 * time.Minute), StateRaised, "", 0},
		{t0.Add(10 * time.Minute), StateAcknowledged, live.AcknowledgedBy, 0},
		{t0.Add(35 * time.Minute), StateDispatched, live.AcknowledgedBy, 1},
		{t0.Add(55 * time.Minute), StateAutoCleared, live.AcknowledgedBy, 1},
	} {
		a, comments := AlertAsOf(last, steps, c.at, id)
		if a.State != c.state || a.AcknowledgedBy != c.ackBy || comments != c.comments {
			t.Errorf("as of %s: %s acknowledged by %q, %d comments; want %s by %q, %d", c.at.Format("15:04"),
				a.State, a.AcknowledgedBy, comments, c.state, c.ackBy, c.comments)
		}
	}
	now, _ := AlertAsOf(last, steps, t0.Add(2*time.Hour), id)
	if now.State != live.State || now.AcknowledgedBy != live.AcknowledgedBy || now.Team != live.Team || now.DispatchedBy != live.DispatchedBy {
		t.Errorf("as of now %+v; want what the desks fold: %+v", now, live)
	}
}
