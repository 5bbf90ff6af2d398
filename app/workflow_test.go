package app

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
)

// TestWorkflowOutboxSurvivesOutageAndRestart takes an alert through the
// whole 上报 → 处置 → 核查 workflow while the link to the feed server drops
// and the app restarts in the middle, and checks that the server receives
// every step once, in order, with who and when, and that the history in
// SQLite says the same.
func TestWorkflowOutboxSurvivesOutageAndRestart(t *testing.T) {
	var mu sync.Mutex
	var got []feeds.WireAction
	srv, addr := desktest.StartFeedServer(t, feeds.ServerConfig{Heartbeat: 200 * time.Millisecond, OnAction: func(a feeds.WireAction) {
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	}})
	received := func() []feeds.WireAction {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}

	det := city.Station{ID: "fire-smoke-900", Feed: city.FeedFire, Name: "测试烟感", Kind: city.KindSmokeDetector, Location: orb.Point{121.4853, 31.2381}}
	if err := srv.PutStation(det); err != nil {
		t.Fatal(err)
	}
	proxy := testutil.NewProxy(t, addr)
	dataDir := filepath.Join(t.TempDir(), "data")
	start := func() *Runtime {
		rt, err := Start(context.Background(), Options{DataDir: dataDir, FeedURL: "ws://" + proxy.Addr + feeds.StreamPath, MaxBackoff: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}
	rt := start()
	defer func() { rt.Close() }()

	alarmAt := time.Now().Add(-time.Second)
	if _, err := srv.Publish(city.Reading{Feed: city.FeedFire, Station: det.ID, Time: alarmAt, Event: city.EventAlarm,
		Values: []city.Measurement{{Param: city.ParamBattery, Value: 80, Unit: "%"}}}); err != nil {
		t.Fatal(err)
	}
	var alert city.Alert
	testutil.WaitFor(t, 10*time.Second, "the fire alarm to raise an alert", func() bool {
		for _, v := range rt.Desk.Views(time.Now(), false) {
			if v.Alert.Station == det.ID && v.Alert.Condition == city.CondFireAlarm {
				alert = v.Alert
				return true
			}
		}
		return false
	})
	if alert.Severity != city.SeverityCritical {
		t.Fatalf("fire alarm severity %v, want critical", alert.Severity)
	}
	act := func(rt *Runtime, officer string, kind city.StepKind, team, note string) {
		t.Helper()
		rt.Desk.SetOfficer(officer)
		if _, err := rt.Desk.Act(alert.ID, kind, team, note, time.Now()); err != nil {
			t.Fatalf("%s by %s: %v", kind, officer, err)
		}
	}
	pending := func(rt *Runtime) int {
		n, err := rt.Outbox.Pending()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	act(rt, "王伟", city.StepAcknowledge, "", "")
	act(rt, "王伟", city.StepDispatch, "消防救援站", "南京东路 23 号三楼")
	testutil.WaitFor(t, 10*time.Second, "raise, acknowledge and dispatch to reach the server", func() bool { return len(received()) == 3 && pending(rt) == 0 })

	proxy.Cut() // the link to the city platform drops
	act(rt, "王伟", city.StepResolve, "", "误报：厨房油烟，已通风复位")
	act(rt, "王伟", city.StepComment, "", "已通知物业检查排烟")
	time.Sleep(time.Second)
	if n := len(received()); n != 3 {
		t.Fatalf("steps reached the server during the outage: %d", n)
	}
	if n := pending(rt); n != 2 {
		t.Fatalf("outbox holds %d steps during the outage, want 2", n)
	}

	// The app restarts while still offline; the queued steps are on disk.
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	rt = start()
	if n := pending(rt); n != 2 {
		t.Fatalf("outbox holds %d steps after the restart, want 2", n)
	}
	act(rt, "李娜", city.StepVerify, "", "现场复核无明火")
	act(rt, "李娜", city.StepClose, "", "")

	proxy.Restore(t) // back online: the queue drains in order
	testutil.WaitFor(t, 15*time.Second, "every step to reach the server", func() bool { return len(received()) == 7 && pending(rt) == 0 })
	time.Sleep(500 * time.Millisecond)

	var kinds []string
	for _, a := range received() {
		if a.Alert != alert.ID {
			t.Errorf("action for alert %q, want %q", a.Alert, alert.ID)
		}
		kinds = append(kinds, a.Step+"/"+a.Officer)
	}
	want := []string{"raise/system", "acknowledge/王伟", "dispatch/王伟", "resolve/王伟", "comment/王伟", "verify/李娜", "close/李娜"}
	if !slices.Equal(kinds, want) {
		t.Errorf("server received %v, want %v", kinds, want)
	}
	if st := srv.Stats(); st.ActionRepeats != 0 || st.Actions != 7 {
		t.Errorf("server got %d actions with %d repeats; want 7 and none sent twice", st.Actions, st.ActionRepeats)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := cache.OpenReadOnly(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	steps, err := db.AlertSteps(alert.ID)
	if err != nil {
		t.Fatal(err)
	}
	var hist []string
	for _, s := range steps {
		if s.Time.IsZero() || s.Officer == "" {
			t.Errorf("step %s lacks who or when: %+v", s.Kind, s)
		}
		hist = append(hist, string(s.Kind)+"/"+s.Officer)
	}
	if !slices.Equal(hist, want) {
		t.Errorf("history in SQLite %v, want %v", hist, want)
	}
	as, err := db.Alerts(cache.AlertFilter{})
	if err != nil || len(as) != 1 || as[0].State != city.StateClosed || as[0].VerifiedBy != "李娜" || as[0].Team != "消防救援站" {
		t.Errorf("stored alert %+v (err %v): want closed, verified by 李娜, team 消防救援站", as, err)
	}
}
