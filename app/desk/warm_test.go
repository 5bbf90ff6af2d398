package desk

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"onescreen/cache"
	"onescreen/city"
)

// TestRestartKeepsPendingConditions: a hydrant loses pressure; one desk
// keeps running, the other restarts before the rule's minimum duration has
// passed. Both raise the alert at the same reading, with the same id.
func TestRestartKeepsPendingConditions(t *testing.T) {
	hy := city.Station{ID: "fire-hydrant-77", Feed: city.FeedFire, Name: "测试消火栓", Kind: city.KindHydrant, Location: orb.Point{121.4853, 31.2381}}
	t0 := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	reading := func(i int) city.Reading { // every 10 s, pressure too low
		return city.Reading{Feed: city.FeedFire, Station: hy.ID, Time: t0.Add(time.Duration(i) * 10 * time.Second),
			Values: []city.Measurement{{Param: city.ParamPressure, Value: 0.05, Unit: "MPa"}}}
	}
	cfg := city.DefaultSiteConfig()
	if cfg.Alerts.HydrantPressure.MinDuration < 30*time.Second {
		t.Fatalf("the test needs a minimum duration, the default is %v", cfg.Alerts.HydrantPressure.MinDuration)
	}
	steps := int(cfg.Alerts.HydrantPressure.MinDuration/(10*time.Second)) + 2

	open := func(dir string) (*cache.DB, *AlertDesk) {
		t.Helper()
		db, err := cache.Open(dir, cache.Options{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewAlertDesk(db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return db, d
	}
	feed := func(db *cache.DB, d *AlertDesk, i int) []city.Change {
		t.Helper()
		r := reading(i)
		ch := d.Observe(hy, r)
		if err := db.Submit(cache.Batch{Stations: []city.Station{hy}, Readings: []city.Reading{r}, AlertChanges: ch}); err != nil {
			t.Fatal(err)
		}
		return ch
	}
	raised := func(ch []city.Change) string {
		for _, c := range ch {
			if c.Step.Kind == city.StepRaise {
				return c.Alert.ID
			}
		}
		return ""
	}

	dbA, deskA := open(t.TempDir())
	defer dbA.Close()
	var idA string
	atA := -1
	for i := 0; i < steps && idA == ""; i++ {
		if idA = raised(feed(dbA, deskA, i)); idA != "" {
			atA = i
		}
	}
	if idA == "" {
		t.Fatal("the running desk raised nothing")
	}

	dirB := t.TempDir()
	dbB, deskB := open(dirB)
	half := atA / 2
	for i := 0; i <= half; i++ {
		if id := raised(feed(dbB, deskB, i)); id != "" {
			t.Fatalf("raised before the minimum duration at reading %d", i)
		}
	}
	if err := dbB.Close(); err != nil { // the desk stops while the condition waits
		t.Fatal(err)
	}
	dbB, deskB = open(dirB)
	defer dbB.Close()
	var idB string
	for i := half + 1; i < steps && idB == ""; i++ {
		if idB = raised(feed(dbB, deskB, i)); idB != "" && i != atA {
			t.Errorf("the restarted desk raised at reading %d, the running one at %d", i, atA)
		}
	}
	if idB != idA {
		t.Errorf("the restarted desk raised %q, the running one %q", idB, idA)
	}
}
