package ui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/paulmach/orb"

	"onescreen/app/desk"
	"onescreen/app/ingest"
	"onescreen/assets"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/feeds/sim"
)

// BenchmarkEventToScreen measures how long a new alert takes from its
// reading entering the ingest to the console's widgets showing it
// (applied under Fyne's test driver), while 10 000 readings a second flow
// in the background. "events" is the pump as it runs (a reported change is
// drawn at once); "tick" is the pump drawing only once a second, as it did
// before, measured in the same run. Each sample is a smoke detector going
// into alarm; p50-ms and p99-ms are over the samples.
func BenchmarkEventToScreen(b *testing.B) {
	b.Run("events", func(b *testing.B) { benchEventToScreen(b, true, 200, 200*time.Millisecond) })
	b.Run("tick", func(b *testing.B) { benchEventToScreen(b, false, 30, PumpEvery) })
}

// benchLive is the data path's live side over an ingest and a desk, as
// app.Runtime provides it; without events its Changes never fires.
type benchLive struct {
	in      *ingest.Ingest
	dk      *desk.AlertDesk
	changes chan struct{}
}

func (l *benchLive) Status() []city.FeedStatus { return l.in.Status() }
func (l *benchLive) AlertViews(now time.Time, closed bool) []desk.AlertView {
	return l.dk.Views(now, closed)
}
func (l *benchLive) DataErr() error           { return l.in.Err() }
func (l *benchLive) Changes() <-chan struct{} { return l.changes }

// newLiveDesk is a cache, an ingest and an alert desk over it, and the
// live side the pump reads; with events, the desk's changes are signalled
// as the runtime signals them. The cache is closed when tb ends.
func newLiveDesk(tb testing.TB, events bool) (*cache.DB, *ingest.Ingest, *desk.AlertDesk, *benchLive) {
	tb.Helper()
	db, err := cache.Open(filepath.Join(tb.TempDir(), "data"), cache.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	in, err := ingest.NewIngest(db, 0)
	if err != nil {
		tb.Fatal(err)
	}
	dk, err := desk.NewAlertDesk(db, city.DefaultSiteConfig())
	if err != nil {
		tb.Fatal(err)
	}
	live := &benchLive{in: in, dk: dk}
	if events {
		live.changes = make(chan struct{}, 1)
		dk.OnChange(func() {
			select {
			case live.changes <- struct{}{}:
			default:
			}
		})
	}
	in.Observe(dk.Observe)
	return db, in, dk, live
}

// Samples are spread over time at random within spread of each other, so
// that they do not fall in step with the pump's period.
func benchEventToScreen(b *testing.B, events bool, minSamples int, spread time.Duration) {
	samples := max(b.N, minSamples)
	db, in, dk, live := newLiveDesk(b, events)
	in.Hello("bench")
	in.State(feeds.Connected, nil)

	// the district, and one smoke detector per sample to set off
	s := sim.New(sim.Config{Scale: 1, Interval: time.Second, Seed: 3})
	var air []city.Station
	for _, st := range s.Stations() {
		in.Station(st)
		if st.Feed == city.FeedAir || st.Feed == city.FeedNoise {
			air = append(air, st)
		}
	}
	detectors := make([]city.Station, samples)
	for i := range detectors {
		detectors[i] = city.Station{ID: fmt.Sprintf("bench-smoke-%04d", i), Feed: city.FeedFire, Kind: city.KindSmokeDetector,
			Name: fmt.Sprintf("烟感 %d", i), Location: orb.Point{121.48 + float64(i%50)*0.0004, 31.225 + float64(i/50)*0.0004}}
		in.Station(detectors[i])
	}
	in.Flush()

	a := test.NewTempApp(b)
	a.Settings().SetTheme(assets.NewTheme())
	if err := SetLanguage(LangZH); err != nil {
		b.Fatal(err)
	}
	c, err := NewConsole(a, db, ConsoleOptions{})
	if err != nil {
		b.Fatal(err)
	}
	c.win.Resize(fyne.NewSize(1600, 900))
	c.Connect(Parts{Data: db, Live: live, Desk: dk})
	var (
		mu    sync.Mutex
		want  string
		sent  time.Time
		shown = make(chan time.Duration, 1)
	)
	c.afterApply = func(snap *Snapshot) {
		mu.Lock()
		defer mu.Unlock()
		if want == "" {
			return
		}
		for _, v := range snap.Alerts {
			if v.Alert.Station == want {
				shown <- time.Since(sent)
				want = ""
				return
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var bg sync.WaitGroup
	defer bg.Wait()
	defer cancel()
	bg.Add(2)
	go func() { defer bg.Done(); _ = in.Run(ctx) }()
	// 10 000 readings a second: 100 every 10 ms, the air and noise
	// stations in turn, with ordinary values
	go func() {
		defer bg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		k := 0
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				for range 100 {
					st := air[k%len(air)]
					k++
					r := city.Reading{Feed: st.Feed, Station: st.ID, Time: now.Add(-time.Second)}
					if st.Feed == city.FeedAir {
						r.Values = []city.Measurement{{Param: city.ParamPM25, Value: 30, Unit: "µg/m³"}, {Param: city.ParamPM10, Value: 50, Unit: "µg/m³"}}
					} else {
						r.Values = []city.Measurement{{Param: city.ParamLAeq, Value: 52, Unit: "dB(A)"}}
					}
					in.Reading(r, "bench")
				}
			}
		}
	}()
	p := NewPump(db, live, c)
	p.deliver = func(f func()) { f() } // the test driver's UI goroutine is the caller's
	go p.Run(ctx)

	rng := rand.New(rand.NewPCG(7, 11))
	lat := make([]time.Duration, 0, samples)
	b.ResetTimer()
	for i := range samples {
		time.Sleep(time.Duration(rng.Int64N(int64(spread))))
		st := detectors[i]
		mu.Lock()
		want, sent = st.ID, time.Now()
		mu.Unlock()
		in.Reading(city.Reading{Feed: city.FeedFire, Station: st.ID, Time: time.Now(), Event: city.EventAlarm}, "bench")
		select {
		case d := <-shown:
			lat = append(lat, d)
		case <-time.After(10 * time.Second):
			b.Fatalf("alarm %d of %s not on screen after 10 s", i, st.ID)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(lat)), "samples")
}
