package ui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"onescreen/app"
	"onescreen/assets"
	"onescreen/cache"
	"onescreen/feeds"
	"onescreen/feeds/sim"
)

// BenchmarkConsoleSnapshot measures the console's once-a-second work for a
// district of 1 600 stations (the demo at scale 20): building the snapshot
// from the cache off the UI goroutine, and applying it (judging every
// station by the standards, the map layers, tiles and panel) on it.
func BenchmarkConsoleSnapshot(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "data")
	s := sim.New(sim.Config{Scale: 20, Seed: 5})
	db, err := cache.Open(dir, cache.Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for i := 0; i < 3; i++ {
		if err := db.Submit(cache.Batch{Stations: s.Stations(), Readings: s.Tick(now.Add(time.Duration(i-3) * 5 * time.Second))}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	rt, err := app.Start(context.Background(), app.Options{DataDir: dir, FeedURL: "ws://127.0.0.1:1" + feeds.StreamPath})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	a := test.NewTempApp(b)
	a.Settings().SetTheme(assets.NewTheme())
	c, err := NewConsole(a, rt.DB, ConsoleOptions{Site: rt.Opts.Site})
	if err != nil {
		b.Fatal(err)
	}
	var build, apply time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		snap := BuildSnapshot(rt.DB, rt.Ingest.Status(), rt.AlertViews(now, false), now)
		t1 := time.Now()
		c.Apply(&snap)
		build, apply = build+t1.Sub(t0), apply+time.Since(t1)
		if len(snap.Stations) != len(s.Stations()) {
			b.Fatalf("snapshot holds %d stations, want %d", len(snap.Stations), len(s.Stations()))
		}
	}
	b.ReportMetric(float64(build.Microseconds())/1000/float64(b.N), "build-ms/op")
	b.ReportMetric(float64(apply.Microseconds())/1000/float64(b.N), "apply-ms/op")
}
