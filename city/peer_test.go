package city

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestFoldConvergesWhateverTheOrder: two desks' steps on one alert, with a
// conflict (both acknowledge), folded in every arrival order give one
// result: the earlier acknowledgement holds, the later one changes
// nothing, and Updated is the latest step.
func TestFoldConvergesWhateverTheOrder(t *testing.T) {
	t0 := at(9, 0)
	a := Alert{ID: "SD-01|fire_alarm|x", Station: "SD-01", Feed: FeedFire, Condition: CondFireAlarm, Severity: SeverityCritical,
		State: StateRaised, Raised: t0, Updated: t0}
	steps := []Step{
		{Alert: a.ID, Kind: StepAcknowledge, Officer: "王伟", Time: t0.Add(time.Minute)},
		{Alert: a.ID, Kind: StepAcknowledge, Officer: "李娜", Time: t0.Add(time.Minute + time.Second)},
		{Alert: a.ID, Kind: StepDispatch, Officer: "李娜", Team: "消防站", Time: t0.Add(2 * time.Minute)},
		{Alert: a.ID, Kind: StepComment, Officer: "王伟", Note: "已到场", Time: t0.Add(3 * time.Minute)},
	}
	ids := []string{"d", "c", "b", "a"}
	rnd := rand.New(rand.NewPCG(3, 4))
	var first string
	for range 20 {
		p := rnd.Perm(len(steps))
		s, id := make([]Step, len(steps)), make([]string, len(steps))
		for i, j := range p {
			s[i], id[i] = steps[j], ids[j]
		}
		SortSteps(s, id)
		n, applied := Fold(a, s)
		got := fmt.Sprintf("%s %s %v %s %s %v %v", n.State, n.AcknowledgedBy, n.Acknowledged, n.Team, n.DispatchedBy, n.Updated, applied)
		if first == "" {
			first = got
		} else if got != first {
			t.Fatalf("order %v folds to %s, another to %s", p, got, first)
		}
		if n.AcknowledgedBy != "王伟" || n.State != StateDispatched || !n.Updated.Equal(t0.Add(3*time.Minute)) || applied[1] {
			t.Fatalf("folded %s, want acknowledged by 王伟, dispatched, updated at the comment, the second acknowledgement without effect", got)
		}
	}
}

// TestFoldAutoCleared: an alert the engine cleared shows auto-cleared
// with the steps taken before, and may be closed.
func TestFoldAutoCleared(t *testing.T) {
	t0 := at(9, 0)
	a := Alert{ID: "x", Station: "A-1", Condition: CondAQI, Severity: SeverityMinor, State: StateAutoCleared, Raised: t0, Updated: t0.Add(5 * time.Minute), Cleared: t0.Add(5 * time.Minute)}
	ack := Step{Alert: "x", Kind: StepAcknowledge, Officer: "王伟", Time: t0.Add(time.Minute)}
	n, _ := Fold(a, []Step{ack})
	if n.State != StateAutoCleared || n.AcknowledgedBy != "王伟" {
		t.Fatalf("folded %s by %q, want auto-cleared, acknowledged by 王伟", n.State, n.AcknowledgedBy)
	}
	cl := Step{Alert: "x", Kind: StepClose, Officer: "李娜", Time: t0.Add(6 * time.Minute)}
	if n, applied := Fold(a, []Step{ack, cl}); n.State != StateClosed || n.ClosedBy != "李娜" || !applied[1] {
		t.Fatalf("close of an auto-cleared alert folded to %s by %q", n.State, n.ClosedBy)
	}
}

// TestOfflineAlertIDFromTheData: two desks whose clocks run the heartbeat
// check at different moments raise the same device_offline alert.
func TestOfflineAlertIDFromTheData(t *testing.T) {
	t0 := at(9, 0)
	var raised []string
	for _, check := range []time.Duration{16 * time.Minute, 22 * time.Minute} {
		e := newEngine(t, nil)
		observe(t, e, smokeStation, Reading{Feed: FeedFire, Station: smokeStation.ID, Time: t0, Event: EventHeartbeat})
		got := e.Tick(t0.Add(check))
		if len(got) != 1 {
			t.Fatalf("check at +%v: %+v", check, got)
		}
		raised = append(raised, got[0].Alert.ID)
	}
	if raised[0] != raised[1] {
		t.Errorf("device_offline raised as %q and %q by two desks", raised[0], raised[1])
	}
}
