package city

import (
	"testing"
	"time"
)

// TestFollowUpSameOnEveryDesk: an officer closes an air alert while the
// pollution goes on. Desk A closes it at once; desk B learns of the close
// three readings later. Both raise the follow-up alert at the first
// reading after the close, with the same id and the same history.
func TestFollowUpSameOnEveryDesk(t *testing.T) {
	t0 := at(9, 0)
	mod := func(c *SiteConfig) { c.Alerts.AQI.MinDuration = 10 * time.Minute }
	readings := make([]Reading, 12)
	for i := range readings {
		readings[i] = airReading(t0.Add(time.Duration(i)*5*time.Minute), 120+float64(i))
	}
	a, b := newEngine(t, mod), newEngine(t, mod)
	var alertID string
	for _, r := range readings[:4] {
		for _, e := range []*Engine{a, b} {
			for _, c := range observe(t, e, airStation, r) {
				if c.Step.Kind == StepRaise {
					alertID = c.Alert.ID
				}
			}
		}
	}
	if alertID == "" {
		t.Fatal("no alert raised")
	}
	closeAt := readings[3].Time.Add(time.Minute)
	steps := []Step{
		{Alert: alertID, Kind: StepAcknowledge, Officer: "王伟", Time: closeAt.Add(-40 * time.Second)},
		{Alert: alertID, Kind: StepResolve, Officer: "王伟", Time: closeAt.Add(-30 * time.Second)},
		{Alert: alertID, Kind: StepVerify, Officer: "李娜", Time: closeAt.Add(-20 * time.Second)},
		{Alert: alertID, Kind: StepClose, Officer: "李娜", Time: closeAt},
	}
	var hist [2][]string
	record := func(i int, ch []Change) {
		for _, c := range ch {
			hist[i] = append(hist[i], c.Alert.ID+" "+string(c.Step.Kind)+" "+c.Step.Time.Format(time.RFC3339))
		}
	}
	for _, s := range steps { // desk A: at once
		if _, err := a.Apply(s); err != nil {
			t.Fatal(err)
		}
	}
	record(0, a.FollowUps())
	for _, r := range readings[4:] {
		record(0, observe(t, a, airStation, r))
	}
	for _, r := range readings[4:7] { // desk B: three readings before it hears of the close
		observe(t, b, airStation, r) // updates of the alert desk A closed
	}
	closed := Alert{}
	for _, s := range steps {
		n, err := b.Apply(s)
		if err != nil {
			t.Fatal(err)
		}
		closed = n
	}
	if closed.State != StateClosed {
		t.Fatalf("desk B: %s", closed.State)
	}
	record(1, b.FollowUps())
	for _, r := range readings[7:] {
		record(1, observe(t, b, airStation, r))
	}
	if len(hist[0]) == 0 || hist[0][0] == "" {
		t.Fatal("desk A raised no follow-up")
	}
	if want := AlertID(airStation.ID, CondAQI, readings[6].Time); len(hist[0]) == 0 || hist[0][0] != want+" raise "+readings[6].Time.Format(time.RFC3339) {
		t.Errorf("desk A's follow-up: %v, want raised at the reading 10 min after the close: %s", hist[0], want)
	}
	if len(hist[0]) != len(hist[1]) {
		t.Fatalf("desk A:\n%v\ndesk B:\n%v", hist[0], hist[1])
	}
	for i := range hist[0] {
		if hist[0][i] != hist[1][i] {
			t.Errorf("change %d: desk A %s, desk B %s", i, hist[0][i], hist[1][i])
		}
	}
	oa, _ := a.OpenAlert(airStation.ID, CondAQI)
	ob, _ := b.OpenAlert(airStation.ID, CondAQI)
	if oa.ID != ob.ID || oa.Raised != ob.Raised || oa.Value != ob.Value {
		t.Errorf("open alert on A %s (%v), on B %s (%v)", oa.ID, oa.Value, ob.ID, ob.Value)
	}
}
