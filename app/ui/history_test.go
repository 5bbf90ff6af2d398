package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onescreen/app"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/feeds/sim"
)

// historyFixture is a cache an earlier run left: the demo district's
// stations with one round of readings a minute ago; from two hours ago to
// 85 minutes ago the air stations only, every minute, in a severe
// pollution episode; and an AQI alert on the
// first air station raised two hours ago and acknowledged an hour ago.
type historyFixture struct {
	now      time.Time
	stations []city.Station
	alert    city.Alert
	pastAQI  string // the district AQI two hours ago, as the tile shows it
	airFirst city.Station
}

func seedHistory(t *testing.T, dir string) historyFixture {
	t.Helper()
	f := historyFixture{now: time.Now()}
	s := sim.New(sim.Config{Seed: 3})
	db, err := cache.Open(dir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f.stations = s.Stations()
	past := f.now.Add(-2 * time.Hour)
	var rs []city.Reading
	for _, st := range f.stations {
		if st.Feed != city.FeedAir {
			continue
		}
		if f.airFirst.ID == "" {
			f.airFirst = st
		}
		for m := 0; m <= 35; m++ { // every minute from two hours ago to 85 minutes ago
			rs = append(rs, city.Reading{Feed: city.FeedAir, Station: st.ID, Time: past.Add(time.Duration(m) * time.Minute), Values: []city.Measurement{
				{Param: city.ParamPM25, Value: 250, Unit: "µg/m³"}, {Param: city.ParamPM10, Value: 300, Unit: "µg/m³"},
			}})
		}
	}
	res, err := city.HourlyAQI(map[string]float64{city.ParamPM25: 250, city.ParamPM10: 300}, city.DefaultSiteConfig().EditionAt(past))
	if err != nil {
		t.Fatal(err)
	}
	f.pastAQI = fmt.Sprint(res.AQI)
	raised := past.Add(time.Minute)
	a := city.Alert{ID: city.AlertID(f.airFirst.ID, city.CondAQI, raised), Station: f.airFirst.ID, Feed: city.FeedAir,
		Condition: city.CondAQI, Severity: city.SeverityMajor, State: city.StateRaised, Began: past, Raised: raised, Updated: raised,
		Value: float64(res.AQI), Unit: "AQI", Message: "AQI " + f.pastAQI + " 重度污染", MessageEN: "AQI " + f.pastAQI + " heavily polluted"}
	raise := city.Change{Alert: a, Step: city.Step{Alert: a.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Note: a.Message, Time: raised}}
	acked := a
	acked.State, acked.AcknowledgedBy, acked.Acknowledged = city.StateAcknowledged, "王伟", f.now.Add(-time.Hour)
	acked.Updated = acked.Acknowledged
	ack := city.Change{Alert: acked, Step: city.Step{Alert: a.ID, Kind: city.StepAcknowledge, Officer: "王伟", Time: acked.Acknowledged}}
	f.alert = acked
	if err := db.Submit(cache.Batch{Stations: f.stations, Readings: append(rs, s.Tick(f.now.Add(-time.Minute))...),
		AlertChanges: []city.Change{raise, ack}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	return f
}

func findRow(c *Console, id string) (row struct {
	found, acked bool
	actions      int
	state        string
}) {
	for _, r := range c.panel.Alerts() {
		if r.ID == id {
			row.found, row.acked, row.actions, row.state = true, r.Acknowledged, len(r.Actions), r.StateText
		}
	}
	return row
}

// The officer drags the slider back: the KPI tiles, the map and the alert
// panel show the district as it stood then, a banner says so, the feed
// badges and the clock stay live, no workflow step is offered; Live
// returns to the present at once.
func TestHistoryScrubShowsThePastAndLiveReturns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	f := seedHistory(t, dir)
	rt, err := app.Start(context.Background(), app.Options{DataDir: dir, FeedURL: "ws://127.0.0.1:1" + feeds.StreamPath})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, _ := newTestConsole(t, rt)
	p := NewPump(rt.DB, rt, c)
	pump := func() *Snapshot {
		t.Helper()
		s := p.snapshot(time.Now()) // what Pump.Run builds each second
		c.Apply(&s)
		return &s
	}

	live := pump()
	if live.History != nil || c.histBanner.Visible() {
		t.Fatal("the console starts in history")
	}
	liveAQI := c.tiles["aqi"].Value().Value
	if liveAQI == f.pastAQI {
		t.Fatalf("the fixture's live AQI %s equals the past one", liveAQI)
	}
	liveBadge := c.badges[city.FeedAir].Status()
	if r := findRow(c, f.alert.ID); !r.found || !r.acked || r.actions == 0 {
		t.Fatalf("live: the alert acknowledged an hour ago = %+v; want it acknowledged with steps to take", r)
	}
	if from, to := c.slider.Range(); to.Sub(from) < 2*time.Hour {
		t.Errorf("the slider covers %v … %v; want at least the two hours held", from, to)
	}

	// Ninety minutes ago: after the raise, before the acknowledgement.
	at := f.now.Add(-90 * time.Minute).Truncate(time.Minute)
	c.HistoryAt(at)
	snap := pump()
	if snap.History == nil || !snap.History.At.Equal(at) || !snap.Now.Equal(at) {
		t.Fatalf("after scrubbing to %v the pump built %+v", at, snap.History)
	}
	if got := c.tiles["aqi"].Value(); got.Value != f.pastAQI {
		t.Errorf("AQI tile as of %v = %q, want the episode's %s", at, got.Value, f.pastAQI)
	}
	r := findRow(c, f.alert.ID)
	if !r.found || r.acked || r.state != city.StateRaised.Name() {
		t.Errorf("alert as of %v = %+v; want it listed, unacknowledged (%s)", at, r, city.StateRaised.Name())
	}
	if r.actions != 0 {
		t.Errorf("a historic view offers %d workflow steps; want none", r.actions)
	}
	banner := c.histBanner.Text()
	when := at.In(city.Shanghai).Format("2006-01-02 15:04")
	if !c.histBanner.Visible() || !strings.Contains(banner, "历史回看") || !strings.Contains(banner, when) || !strings.Contains(banner, "非实时") {
		t.Errorf("history banner = %q (shown %v); want 历史回看 %s — 非实时", banner, c.histBanner.Visible(), when)
	}
	if b := c.badges[city.FeedAir].Status(); b.State != liveBadge.State || b.Age == "" {
		t.Errorf("air badge in history = %+v; want the live state %v with the live data's age", b, liveBadge.State)
	}
	clock, err := time.ParseInLocation("2006-01-02 15:04:05", c.clock.Text, city.Shanghai)
	if err != nil || time.Since(clock) > 10*time.Second || time.Since(clock) < -10*time.Second {
		t.Errorf("clock in history = %q; want the real time", c.clock.Text)
	}
	// The crowd zones had no data then: greyed, not hidden.
	zone, inside := crowdZone(t, f.stations)
	if ft, ok := c.mapView.FeatureAt(c.mapView.LonLatToScreen(inside)); !ok || ft.ID != zone.ID || !ft.Stale {
		t.Errorf("crowd zone %s with no data at %v: on the map %+v %v; want it drawn, greyed", zone.ID, at, ft, ok)
	}

	// Half an hour ago: acknowledged by then.
	c.HistoryAt(f.now.Add(-30 * time.Minute))
	pump()
	if r := findRow(c, f.alert.ID); !r.found || !r.acked || r.actions != 0 {
		t.Errorf("alert half an hour ago = %+v; want it acknowledged, with no steps offered", r)
	}

	// A history snapshot still on its way when Live is pressed is dropped.
	stale, _ := p.historic(time.Now())
	c.GoLive()
	before := c.last
	c.Apply(&stale)
	if c.last != before {
		t.Error("a history snapshot built before Live was pressed was applied after it")
	}
	pump()
	if c.histBanner.Visible() || c.last.History != nil {
		t.Errorf("after Live the banner still says %q", c.histBanner.Text())
	}
	if got := c.tiles["aqi"].Value().Value; got != liveAQI {
		t.Errorf("AQI tile after Live = %q, want the live %q", got, liveAQI)
	}
	if r := findRow(c, f.alert.ID); !r.acked || r.actions == 0 {
		t.Errorf("after Live the alert = %+v; want it acknowledged with steps to take", r)
	}
	if historic, _, _ := c.slider.State(); historic {
		t.Error("the slider still shows history after Live")
	}
	// Dragged back, then to the right end: that is the present, live.
	c.HistoryAt(f.now.Add(-time.Hour))
	c.HistoryAt(time.Now())
	if s := pump(); s.History != nil {
		t.Errorf("the slider at its right end shows history at %v; want live", s.History.At)
	}
	if historic, _, _ := c.slider.State(); historic || c.histBanner.Visible() {
		t.Error("the slider at its right end still shows history")
	}
}

// Play moves the time shown forward at the chosen speed, and history that
// plays up to the present becomes live.
func TestHistoryPlayAdvancesTime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	f := seedHistory(t, dir)
	rt, err := app.Start(context.Background(), app.Options{DataDir: dir, FeedURL: "ws://127.0.0.1:1" + feeds.StreamPath})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, _ := newTestConsole(t, rt)
	p := NewPump(rt.DB, rt, c)
	if s, past := p.historic(time.Now()); past {
		t.Fatalf("the console starts in history at %v", s.History.At)
	}

	start := f.now.Add(-100 * time.Minute).Truncate(time.Minute)
	c.HistoryAt(start)
	c.slider.SetSpeed(3600)
	c.slider.PressPlay()
	time.Sleep(300 * time.Millisecond) // 18 minutes at 3600×
	s, past := p.historic(time.Now())
	if !past || !s.History.Playing {
		t.Fatalf("playing: the pump built a live snapshot (%v)", s.History)
	}
	if adv := s.History.At.Sub(start); adv < 15*time.Minute || adv > 40*time.Minute {
		t.Errorf("after 0.3 s at 3600× the time shown moved %v; want about 18 min", adv)
	}
	c.Apply(&s)
	if _, at, playing := c.slider.State(); !playing || !at.Equal(s.History.At) {
		t.Errorf("slider while playing = %v, playing %v; want it to follow %v", at, playing, s.History.At)
	}
	if !strings.Contains(c.histBanner.Text(), "播放中") {
		t.Errorf("banner while playing = %q; want it to say it plays", c.histBanner.Text())
	}
	// Pause holds the time.
	c.slider.PressPlay()
	s1, _ := p.historic(time.Now())
	time.Sleep(50 * time.Millisecond)
	s2, _ := p.historic(time.Now())
	if s1.History == nil || s2.History == nil || !s1.History.At.Equal(s2.History.At) || s2.History.Playing {
		t.Errorf("paused, the time shown still moves: %v then %v", s1.History, s2.History)
	}
	// Playing into the present returns to live.
	c.HistoryAt(time.Now().Add(-2 * time.Minute))
	c.slider.PressPlay()
	time.Sleep(100 * time.Millisecond) // 6 minutes at 3600×
	if s, past := p.historic(time.Now()); past {
		t.Errorf("played past the present, still history at %v", s.History.At)
	}
}
