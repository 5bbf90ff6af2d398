package desk

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"onescreen/cache"
	"onescreen/city"
)

// The desk says when something an officer sees changed — an alert raised,
// an officer's step, a case decision — and keeps quiet for readings that
// change nothing on the alert list, so the screen redraws at once for
// the one and not for the other.
func TestOnChangeTellsWhatAnOfficerSees(t *testing.T) {
	db, err := cache.Open(filepath.Join(t.TempDir(), "data"), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := NewAlertDesk(db, city.DefaultSiteConfig())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	d.OnChange(func() { n++ })
	det := city.Station{ID: "fire-smoke-901", Feed: city.FeedFire, Kind: city.KindSmokeDetector, Name: "烟感 901", Location: orb.Point{121.49, 31.23}}
	now := time.Now().Add(-time.Minute)
	quiet := func(what string, r city.Reading) {
		t.Helper()
		before := n
		if ch := d.Observe(det, r); len(ch) != 0 {
			t.Fatalf("%s: changes %+v", what, ch)
		}
		if n != before {
			t.Errorf("%s: OnChange called %d times, want none", what, n-before)
		}
	}
	quiet("a heartbeat", city.Reading{Feed: city.FeedFire, Station: det.ID, Time: now, Event: city.EventHeartbeat,
		Values: []city.Measurement{{Param: city.ParamBattery, Value: 90, Unit: "%"}}})
	ch := d.Observe(det, city.Reading{Feed: city.FeedFire, Station: det.ID, Time: now.Add(time.Second), Event: city.EventAlarm})
	if len(ch) == 0 || ch[0].Step.Kind != city.StepRaise {
		t.Fatalf("the alarm raised %+v", ch)
	}
	if err := db.Submit(cache.Batch{Stations: []city.Station{det}, AlertChanges: ch}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("OnChange called %d times for the raise, want 1", n)
	}
	d.SetOfficer("王伟")
	if _, err := d.Act(ch[0].Alert.ID, city.StepAcknowledge, "", "", now.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("OnChange called %d times after the acknowledgement, want 2", n)
	}
	if _, err := d.CaseTick(now.Add(3 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("a case tick that changed nothing called OnChange (%d)", n)
	}
}
