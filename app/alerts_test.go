package app

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
