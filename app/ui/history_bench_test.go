package ui

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"onescreen/app/desk"
	"onescreen/assets"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds/sim"
)

// historyBenchInterval is the demo's reporting period while the day is
// built: 30 s keeps the set-up under a minute on a small machine;
// ONESCREEN_HISTORY_BENCH_INTERVAL=5s builds the demo's own pace (six
// times the rows; the as-of reads are seeks, so they cost about the same).
func historyBenchInterval(b *testing.B) time.Duration {
	if v := os.Getenv("ONESCREEN_HISTORY_BENCH_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("ONESCREEN_HISTORY_BENCH_INTERVAL=%q: want a positive duration", v)
		}
		return d
	}
	return 30 * time.Second
}

// buildHistoryDay stores a day of the demo district at scale 5 (400
// stations) in a fresh cache as the app would: every reading judged by
// the alert desk and stored with the alert changes, the time-driven rules
// run, and an officer acknowledging, dispatching, resolving and closing
// alerts as they come. It returns the open cache, its desk and the day's
// end.
func buildHistoryDay(b *testing.B) (*cache.DB, *desk.AlertDesk, time.Time) {
	b.Helper()
	interval := historyBenchInterval(b)
	end := time.Now().Truncate(time.Minute)
	start := end.Add(-24 * time.Hour)
	s := sim.New(sim.Config{Scale: 5, Seed: 5, Interval: interval, Now: func() time.Time { return start }})
	db, err := cache.Open(filepath.Join(b.TempDir(), "data"), cache.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	dk, err := desk.NewAlertDesk(db, city.DefaultSiteConfig())
	if err != nil {
		b.Fatal(err)
	}
	sts := s.Stations()
	byID := make(map[string]city.Station, len(sts))
	for _, st := range sts {
		byID[st.ID] = st
	}
	if err := db.Submit(cache.Batch{Stations: sts}); err != nil {
		b.Fatal(err)
	}
	officers := []string{"王伟", "李娜"}
	var lastDuty time.Time
	for now := start; !now.After(end); now = now.Add(interval) {
		rs := s.Tick(now)
		var chs []city.Change
		for _, r := range rs {
			chs = append(chs, dk.Observe(byID[r.Station], r)...)
		}
		if err := db.Submit(cache.Batch{Readings: rs, AlertChanges: chs}); err != nil {
			b.Fatal(err)
		}
		if err := dk.Tick(now); err != nil {
			b.Fatal(err)
		}
		if now.Sub(lastDuty) < 5*time.Minute {
			continue
		}
		lastDuty = now
		// The officers on duty take each alert one step on every five minutes.
		for i, v := range dk.Views(now, false) {
			dk.SetOfficer(officers[i%2])
			a := v.Alert
			var step city.StepKind
			switch a.State {
			case city.StateRaised:
				step = city.StepAcknowledge
			case city.StateAcknowledged:
				step = city.StepDispatch
			case city.StateDispatched:
				step = city.StepResolve
			case city.StateResolved:
				dk.SetOfficer(officers[0]) // verified by the other officer
				if a.ResolvedBy == officers[0] {
					dk.SetOfficer(officers[1])
				}
				step = city.StepVerify
			case city.StateVerified, city.StateAutoCleared:
				step = city.StepClose
			}
			if step == "" {
				continue
			}
			if _, err := dk.Act(a.ID, step, "街道网格员", "已处置", now); err != nil {
				b.Fatalf("%s %s: %v", step, a.ID, err)
			}
		}
	}
	if err := db.Flush(); err != nil {
		b.Fatal(err)
	}
	return db, dk, end
}

// BenchmarkHistorySnapshot measures the snapshot the pump builds once a
// second, live and as of a past time, on a day of the demo district at
// scale 5: the as-of one is built for a different time of the day each
// iteration, as while the officer drags the slider. Each also reports the
// console's apply on the UI goroutine.
func BenchmarkHistorySnapshot(b *testing.B) {
	t0 := time.Now()
	db, desk, end := buildHistoryDay(b)
	rows, err := db.ReadingCount()
	if err != nil {
		b.Fatal(err)
	}
	alerts, err := db.Alerts(cache.AlertFilter{})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("a day at scale 5 (every %v): %d reading rows, %d alerts, built in %v", historyBenchInterval(b), rows, len(alerts), time.Since(t0).Round(time.Second))
	a := test.NewTempApp(b)
	a.Settings().SetTheme(assets.NewTheme())
	c, err := NewConsole(a, db, ConsoleOptions{})
	if err != nil {
		b.Fatal(err)
	}
	measure := func(b *testing.B, build func(i int) Snapshot) {
		var built, applied time.Duration
		for i := 0; i < b.N; i++ {
			t1 := time.Now()
			s := build(i)
			t2 := time.Now()
			if s.Err != nil {
				b.Fatal(s.Err)
			}
			if len(s.Stations) != 400 {
				b.Fatalf("snapshot holds %d stations, want 400", len(s.Stations))
			}
			c.Apply(&s)
			built, applied = built+t2.Sub(t1), applied+time.Since(t2)
		}
		b.ReportMetric(float64(built.Microseconds())/1000/float64(b.N), "ms/snapshot")
		b.ReportMetric(float64(applied.Microseconds())/1000/float64(b.N), "apply-ms/op")
	}
	b.Run("live", func(b *testing.B) {
		c.view.hist.live()
		measure(b, func(int) Snapshot {
			return BuildSnapshot(db, nil, desk.Views(end, false), end)
		})
	})
	b.Run("asof", func(b *testing.B) {
		c.view.hist.scrub(end.Add(-time.Hour), time.Now())
		_, gen, _ := c.view.hist.state()
		measure(b, func(i int) Snapshot {
			at := end.Add(-time.Duration(1+i*37%1400) * time.Minute) // spread over the day
			s := BuildSnapshotAsOf(db, nil, at, false)
			s.History = &HistoryView{At: at, LiveNow: end, Gen: gen}
			return s
		})
	})
}
