package desk

import (
	"fmt"
	"testing"
	"time"

	"onescreen/city"
)

// TestClosedAlertsViewIsBounded: a console that runs for weeks keeps only
// the most recently closed alerts for its "show closed" view.
func TestClosedAlertsViewIsBounded(t *testing.T) {
	d := &AlertDesk{comments: map[string]int{}, closed: map[string]city.Alert{}}
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, city.Shanghai)
	for i := 0; i < keptClosed+20; i++ {
		id := fmt.Sprintf("a%04d", i)
		d.comments[id] = 1
		d.keepClosed(city.Alert{ID: id, State: city.StateClosed, Closed: t0.Add(time.Duration(i) * time.Minute)})
	}
	if len(d.closed) != keptClosed {
		t.Fatalf("kept %d closed alerts, want %d", len(d.closed), keptClosed)
	}
	for i := 0; i < 20; i++ {
		if _, ok := d.closed[fmt.Sprintf("a%04d", i)]; ok {
			t.Errorf("a%04d, among the oldest closed, is still kept", i)
		}
	}
	if _, ok := d.closed[fmt.Sprintf("a%04d", keptClosed+19)]; !ok {
		t.Error("the newest closed alert was dropped")
	}
	if len(d.comments) != keptClosed {
		t.Errorf("comment counts of dropped alerts kept: %d entries", len(d.comments))
	}
}

// TestValueUpdatesAreThinned: a long episode at one severity stores a value
// update in the history at most every updateEvery (the others change only
// the alert's row); a change of severity is always stored.
func TestValueUpdatesAreThinned(t *testing.T) {
	d := &AlertDesk{lastUpdate: map[string]storedUpdate{}}
	t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, city.Shanghai)
	upd := func(at time.Duration, sev city.Severity) city.Change {
		return city.Change{Alert: city.Alert{ID: "a", Severity: sev, State: city.StateRaised},
			Step: city.Step{Alert: "a", Kind: city.StepUpdate, Time: t0.Add(at)}}
	}
	var kept []time.Duration
	for s := 0; s <= 12*60; s += 5 { // a reading every 5 s for 12 minutes
		at := time.Duration(s) * time.Second
		sev := city.SeverityMinor
		if s >= 7*60 {
			sev = city.SeverityMajor
		}
		out := d.thinUpdates([]city.Change{upd(at, sev)})
		if len(out) != 1 {
			t.Fatalf("at %v: %d changes, want the update, kept in the history or only in the alert's row", at, len(out))
		}
		if !out[0].RowOnly {
			kept = append(kept, at)
		}
	}
	want := []time.Duration{0, 5 * time.Minute, 7 * time.Minute, 12 * time.Minute}
	if fmt.Sprint(kept) != fmt.Sprint(want) {
		t.Errorf("stored updates at %v, want %v", kept, want)
	}
	raise := city.Change{Alert: city.Alert{ID: "b"}, Step: city.Step{Alert: "b", Kind: city.StepRaise, Time: t0}}
	if len(d.thinUpdates([]city.Change{raise})) != 1 {
		t.Error("a raise was dropped")
	}
}
