package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"onescreen/app"
	"onescreen/app/desk"
	"onescreen/assets"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/feeds/sim"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
)

// seedCache stores the demo district's stations and one round of readings
// observed at `at`, as an earlier run of the app would have left them.
func seedCache(t *testing.T, dir string, at time.Time) []city.Station {
	t.Helper()
	s := sim.New(sim.Config{Seed: 3})
	db, err := cache.Open(dir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sts := s.Stations()
	if err := db.Submit(cache.Batch{Stations: sts, Readings: s.Tick(at)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	return sts
}

func newTestConsole(t *testing.T, rt *app.Runtime) (*Console, fyne.App) {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(assets.NewTheme())
	if err := SetLanguage(LangZH); err != nil {
		t.Fatal(err)
	}
	c, err := NewConsole(a, rt.DB, ConsoleOptions{Site: rt.Opts.Site})
	if err != nil {
		t.Fatal(err)
	}
	c.desk = rt.Desk
	// with no pump attached, the console's reads run inline
	c.win.Resize(fyne.NewSize(1600, 900))
	return c, a
}

func apply(c *Console, rt *app.Runtime) *Snapshot {
	now := time.Now()
	s := BuildSnapshot(rt.DB, rt.Ingest.Status(), rt.AlertViews(now, false), now)
	c.Apply(&s)
	return &s
}

// crowdZone returns a station drawn as a polygon, which the map never
// clusters, so it can be hit on screen.
func crowdZone(t *testing.T, sts []city.Station) (city.Station, orb.Point) {
	t.Helper()
	for _, st := range sts {
		if st.Feed != city.FeedCrowd {
			continue
		}
		if c := st.Area.Bound().Center(); planar.PolygonContains(st.Area, c) {
			return st, c
		}
	}
	t.Fatal("no crowd zone contains its own box's centre")
	return city.Station{}, orb.Point{}
}

// TestOfflineStartShowsLastKnownStateThenCatchesUp starts the console with
// the link to the feed server down: the map shows the cached state at once,
// greyed and with its age in the banner. When the link comes back the
// screen catches up by itself: the banner goes and the features are live.
func TestOfflineStartShowsLastKnownStateThenCatchesUp(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	sts := seedCache(t, dataDir, time.Now().Add(-10*time.Minute))

	srv, addr := desktest.StartFeedServer(t, feeds.ServerConfig{Heartbeat: 200 * time.Millisecond})
	proxy := testutil.NewProxy(t, addr)
	proxy.Cut() // no network at start

	rt, err := app.Start(context.Background(), app.Options{DataDir: dataDir, FeedURL: "ws://" + proxy.Addr + feeds.StreamPath, MaxBackoff: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, _ := newTestConsole(t, rt)

	snap := apply(c, rt)
	if len(snap.Stations) != len(sts) {
		t.Fatalf("snapshot holds %d stations, want the %d cached", len(snap.Stations), len(sts))
	}
	msg, level := c.banner.Message()
	if level != 2 || !strings.Contains(msg, "离线") || !strings.Contains(msg, "10m") {
		t.Errorf("offline banner = %q (level %d); want it to say offline and the data's age of 10 minutes", msg, level)
	}
	zone, inside := crowdZone(t, sts)
	pos := c.mapView.LonLatToScreen(inside)
	f, ok := c.mapView.FeatureAt(pos)
	if !ok || f.ID != zone.ID {
		t.Fatalf("the cached crowd zone %s is not on the map at %v (got %+v, %v)", zone.ID, pos, f, ok)
	}
	if !f.Stale {
		t.Error("a 10-minute-old cached value is drawn as live")
	}
	if !c.tiles["crowd"].Value().Stale {
		t.Error("the crowd KPI tile does not show its figure as stale")
	}
	view, zoom := c.mapView.View()

	// The link comes back and the server has fresh readings.
	for _, st := range sts {
		if err := srv.PutStation(st); err != nil {
			t.Fatal(err)
		}
	}
	s := sim.New(sim.Config{Seed: 3})
	for _, r := range s.Tick(time.Now()) {
		if _, err := srv.Publish(r); err != nil {
			t.Fatal(err)
		}
	}
	proxy.Restore(t)
	testutil.WaitFor(t, 15*time.Second, "the screen to catch up", func() bool {
		apply(c, rt)
		msg, _ := c.banner.Message()
		f, ok := c.mapView.FeatureAt(c.mapView.LonLatToScreen(inside))
		return msg == "" && ok && !f.Stale
	})
	if v2, z2 := c.mapView.View(); v2 != view || z2 != zoom {
		t.Errorf("the view jumped on refresh: %v@%v → %v@%v", view, zoom, v2, z2)
	}
}

// TestConsoleRemembersMapView: the map view and the layers switched off are
// kept in the preferences and restored by the next console.
func TestConsoleRemembersMapView(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	seedCache(t, dataDir, time.Now())
	rt, err := app.Start(context.Background(), app.Options{DataDir: dataDir, FeedURL: "ws://127.0.0.1:1" + feeds.StreamPath})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, a := newTestConsole(t, rt)
	want := orb.Point{121.4901, 31.2397}
	c.mapView.SetView(want, 16)
	c.mapView.SetLayerVisible("noise", false)
	c.saveView(c.mapView.View())

	c2, err := NewConsole(a, rt.DB, ConsoleOptions{Site: rt.Opts.Site})
	if err != nil {
		t.Fatal(err)
	}
	got, zoom := c2.mapView.View()
	if zoom != 16 || planar.Distance(got, want) > 1e-9 {
		t.Errorf("restored view %v@%v, want %v@16", got, zoom, want)
	}
	if c2.mapView.LayerVisible("noise") || !c2.mapView.LayerVisible("air") {
		t.Error("layer switches were not restored")
	}
}

func TestLoadBaseMapFromSiteDirectory(t *testing.T) {
	b, err := loadBaseMap(filepath.Join(testutil.RepoRoot(t), "assets", "geo"))
	if err != nil {
		t.Fatalf("the demo files as a site directory: %v", err)
	}
	if len(b.District) == 0 || len(b.Streets) == 0 {
		t.Errorf("loaded base map has no district or streets: %d, %d", len(b.District), len(b.Streets))
	}
	if _, err := loadBaseMap(t.TempDir()); err == nil {
		t.Error("an empty directory gave a base map; want an error naming the missing district")
	}
}

// TestSelectingAlertFocusesItsStation: choosing an alert in the panel
// centres the map on its station and opens the station's card.
func TestSelectingAlertFocusesItsStation(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	sts := seedCache(t, dataDir, time.Now())
	rt, err := app.Start(context.Background(), app.Options{DataDir: dataDir, FeedURL: "ws://127.0.0.1:1" + feeds.StreamPath})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, _ := newTestConsole(t, rt)
	var st city.Station
	for _, s := range sts {
		if s.Feed == city.FeedWater {
			st = s
			break
		}
	}
	snap := apply(c, rt)
	now := snap.Now
	snap.Alerts = []desk.AlertView{{Alert: city.Alert{ID: "a1", Station: st.ID, Feed: st.Feed, Condition: city.CondWaterClass,
		Severity: city.SeverityMajor, State: city.StateRaised, Raised: now, Updated: now}, StationName: st.Name}}
	c.Apply(snap)
	c.panel.OnSelect("a1")
	if c.selected != st.ID || !c.cardBox.Visible() {
		t.Fatalf("selected %q, card visible %v; want the card of %s", c.selected, c.cardBox.Visible(), st.ID)
	}
	if center, zoom := c.mapView.View(); planar.Distance(center, st.Location) > 1e-6 || zoom < 15 {
		t.Errorf("map at %v@%v; want centred on %v at zoom ≥ 15", center, zoom, st.Location)
	}
	if got := c.card.Detail().Title; got != st.Name {
		t.Errorf("card title %q, want %q", got, st.Name)
	}
}
