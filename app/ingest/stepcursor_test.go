package ingest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"onescreen/app/desk"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
)

// TestStepCursorWaitsForWaitingSteps: the step cursor stored in the cache
// stops before a step that waits for its alert, so a desk restarted then
// is sent it again; once the alert is raised and the step applied, the
// cursor moves on. A bad relayed step is rejected with its reason.
func TestStepCursorWaitsForWaitingSteps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := cache.Open(dir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in, err := NewIngest(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	dk, err := desk.NewAlertDesk(db, city.DefaultSiteConfig())
	if err != nil {
		t.Fatal(err)
	}
	in.Observe(dk.Observe)
	in.OnPeerStep(dk.PeerStep)

	det := city.Station{ID: "fire-smoke-930", Feed: city.FeedFire, Name: "测试烟感", Kind: city.KindSmokeDetector, Location: orb.Point{121.4853, 31.2381}}
	in.Station(det)
	alarmAt := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	alertID := city.AlertID(det.ID, city.CondFireAlarm, alarmAt)
	ack := city.Step{Alert: alertID, Kind: city.StepAcknowledge, Officer: "王伟", Time: alarmAt.Add(10 * time.Second)}
	const epoch = "L1"
	in.PeerStepAt(WireActionOf(cache.OutboxID(ack), ack), feeds.Cursor{Epoch: epoch, After: 5}) // its alert is not raised here yet
	bad := feeds.WireAction{ID: "x", Alert: alertID, Step: "sneeze", Officer: "李娜", Time: ack.Time.Format(time.RFC3339)}
	in.PeerStepAt(bad, feeds.Cursor{Epoch: epoch, After: 6})

	cur, err := in.StepCursor()
	if err != nil {
		t.Fatal(err)
	}
	if cur != (feeds.Cursor{Epoch: epoch, After: 4}) {
		t.Errorf("cursor with step 5 waiting: %+v, want %s after 4", cur, epoch)
	}
	rej, err := db.Rejects(0)
	if err != nil || len(rej) != 1 || rej[0].Reason == "" {
		t.Errorf("rejects %+v (%v), want the unknown step", rej, err)
	}

	in.Reading(city.Reading{Feed: city.FeedFire, Station: det.ID, Time: alarmAt, Event: city.EventAlarm,
		Values: []city.Measurement{{Param: city.ParamBattery, Value: 80, Unit: "%"}}}, "E1")
	if cur, err = in.StepCursor(); err != nil || cur != (feeds.Cursor{Epoch: epoch, After: 6}) {
		t.Errorf("cursor after the alert was raised: %+v (%v), want %s after 6", cur, err, epoch)
	}
	v, ok := dk.View(alertID, alarmAt)
	a := v.Alert
	if !ok || a.State != city.StateAcknowledged || a.AcknowledgedBy != "王伟" {
		t.Errorf("alert %+v (held %v), want acknowledged by 王伟", a, ok)
	}
	steps, err := db.AlertSteps(alertID)
	if err != nil || len(steps) != 2 || steps[1].Kind != city.StepAcknowledge {
		t.Errorf("history %+v (%v), want the raise and the acknowledgement", steps, err)
	}
	if items, err := db.OutboxPending(0); err != nil || len(items) != 1 || items[0].Step.Kind != city.StepRaise {
		t.Errorf("outbox %+v (%v), want only this desk's raise", items, err)
	}
}
