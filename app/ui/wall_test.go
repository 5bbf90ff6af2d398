package ui

import (
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/software"
	"github.com/paulmach/orb"

	"onescreen/app"
	"onescreen/app/desk"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
	"onescreen/widgets"
)

// TestScreenshotShowsScreenAndStamp takes the console's screenshot the way
// 导出 → 截图 does and looks at its pixels: it is not black, it shows the
// map's colours, and it ends in a stamp bar with text whose content names
// the time and each feed's state and data age.
func TestScreenshotShowsScreenAndStamp(t *testing.T) {
	freshRendererClock()
	dataDir := filepath.Join(t.TempDir(), "data")
	seedCache(t, dataDir, time.Now().Add(-10*time.Minute))
	rt, err := app.Start(context.Background(), app.Options{DataDir: dataDir, FeedURL: "ws://127.0.0.1:1" + feeds.StreamPath})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, _ := newTestConsole(t, rt)
	snap := apply(c, rt)
	// a real window is never smaller than its content's minimum size (the
	// test driver's is): lay it out as the screen would
	min := c.win.Content().MinSize()
	if min.Width > 1920 || min.Height > 1080 {
		t.Errorf("the window needs %v, more than a 1920×1080 screen", min)
	}
	c.win.Resize(min.Max(fyne.NewSize(1920, 1080)))

	img, err := c.Screenshot()
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 600 {
		t.Fatalf("screenshot is %v, want the window's size", b)
	}
	colours := map[color.RGBA]bool{}
	dark := 0
	feature := 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			colours[color.RGBA{uint8(r), uint8(g), uint8(bl), 0}] = true
			if r+g+bl < 8 {
				dark++
			}
			if r < 0x50 && g < 0x50 && bl < 0x50 && (r != g || g != bl) {
				continue
			}
			if (r > 0x70 && r < 0x90 && g > 0x70 && g < 0x90 && bl > 0x70 && bl < 0x90) || (g > 170 && r < 120 && bl < 150) {
				feature++ // stale grey or normal green markers
			}
		}
	}
	total := (b.Dx() / 2) * (b.Dy() / 2)
	if len(colours) < 300 || dark > total/2 {
		t.Fatalf("screenshot looks blank or black: %d colours, %d of %d sampled pixels black", len(colours), dark, total)
	}
	if feature < 50 {
		t.Errorf("no map features in the screenshot: %d marker-coloured pixels", feature)
	}
	// The stamp bar is the last stampHeight of the image and holds text.
	bar := image.Rect(b.Min.X, b.Max.Y-int(stampHeight()), b.Min.X+900, b.Max.Y)
	if _, ok := testutil.TextBand(img, bar, 8); !ok {
		t.Errorf("no text in the stamp bar %v", bar)
	}
	var all []string
	for _, l := range FreshnessStamp(snap.Now, snap.Status) {
		all = append(all, l.Text)
	}
	stamp := strings.Join(all, " | ")
	for _, want := range []string{"截图", "北京时间", "空气", "离线", "OFFLINE", "10m"} {
		if !strings.Contains(stamp, want) {
			t.Errorf("stamp %q lacks %q", stamp, want)
		}
	}
	if len(all) != 1+len(city.Feeds) {
		t.Errorf("stamp has %d items, want the time and one per feed", len(all))
	}
}

// TestWriteSnapshotKeepsNewest writes time-stamped snapshots and keeps at
// most N of them, never touching other files.
func TestWriteSnapshotKeepsNewest(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(other, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, city.Shanghai)
	for i := 0; i < 5; i++ {
		p, err := WriteSnapshot(dir, img, t0.Add(time.Duration(i)*10*time.Minute), 3)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(p) != SnapshotName(t0.Add(time.Duration(i)*10*time.Minute)) {
			t.Errorf("snapshot written as %s", p)
		}
	}
	names, err := Snapshots(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"onescreen-20260301-082000.png", "onescreen-20260301-083000.png", "onescreen-20260301-084000.png"}
	if !slices.Equal(names, want) {
		t.Errorf("kept %v, want %v", names, want)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file that is not a snapshot was touched: %v", err)
	}
	if _, err := WriteSnapshot(filepath.Join(other, "sub"), img, t0, 3); err == nil {
		t.Error("writing under a file gave no error")
	}
}

// TestReadOnlyShowsAlertsButTakesAndSendsNoStep runs a read-only screen
// against a real feed server: a fire alarm raises an alert, which the
// screen lists, but without a step to take; trying a step asks no name
// and stores nothing; and nothing is ever sent to the server, although the
// raise is in the cache's outbox (a desk would send it).
func TestReadOnlyShowsAlertsButTakesAndSendsNoStep(t *testing.T) {
	var mu sync.Mutex
	var got []feeds.WireAction
	srv, addr := desktest.StartFeedServer(t, feeds.ServerConfig{Heartbeat: 200 * time.Millisecond, OnAction: func(a feeds.WireAction) {
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	}})
	det := city.Station{ID: "fire-smoke-901", Feed: city.FeedFire, Name: "测试烟感", Kind: city.KindSmokeDetector, Location: orb.Point{121.4853, 31.2381}}
	if err := srv.PutStation(det); err != nil {
		t.Fatal(err)
	}
	rt, err := app.Start(context.Background(), app.Options{DataDir: filepath.Join(t.TempDir(), "data"), FeedURL: "ws://" + addr + feeds.StreamPath, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, err := srv.Publish(city.Reading{Feed: city.FeedFire, Station: det.ID, Time: time.Now(), Event: city.EventAlarm,
		Values: []city.Measurement{{Param: city.ParamBattery, Value: 80, Unit: "%"}}}); err != nil {
		t.Fatal(err)
	}
	var alert city.Alert
	testutil.WaitFor(t, 10*time.Second, "the fire alarm to raise an alert", func() bool {
		for _, v := range rt.Desk.Views(time.Now(), false) {
			if v.Alert.Station == det.ID {
				alert = v.Alert
				return true
			}
		}
		return false
	})
	c, _ := newTestConsole(t, rt)
	c.opts.ReadOnly = true
	c.build()
	apply(c, rt)
	for _, m := range c.win.MainMenu().Items {
		if m.Label == "值班" {
			t.Error("a read-only screen offers the duty officer menu")
		}
	}
	rows := c.panel.Alerts()
	if len(rows) != 1 || rows[0].ID != alert.ID {
		t.Fatalf("panel lists %+v, want the alert", rows)
	}
	if len(rows[0].Actions) != 0 || !c.panel.ReadOnly {
		t.Errorf("read-only panel offers steps %v (ReadOnly %v)", rows[0].Actions, c.panel.ReadOnly)
	}
	c.act(alert.ID, city.StepAcknowledge) // no officer set: a desk would ask for the name
	if top := c.win.Canvas().Overlays().Top(); top != nil {
		t.Errorf("a read-only screen opened a dialog: %T", top)
	}
	rt.Desk.SetOfficer("王伟")
	if _, err := rt.Desk.Act(alert.ID, city.StepAcknowledge, "", "", time.Now()); !errors.Is(err, desk.ErrReadOnly) {
		t.Errorf("Act on a read-only desk: %v, want ErrReadOnly", err)
	}
	testutil.WaitFor(t, 5*time.Second, "the raise to be queued in the outbox", func() bool {
		n, err := rt.Outbox.Pending()
		return err == nil && n > 0
	})
	time.Sleep(2500 * time.Millisecond) // more than two outbox periods
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 0 {
		t.Errorf("a read-only screen sent %d steps to the server: %+v", len(got), got)
	}
}

// TestWallRotatesViews builds the wall on a test window and drives it with
// snapshots whose clock advances: it shows each view of the site settings
// in order for its duration, focuses the map on one feed's layer, lists
// the open alerts on the board, and names who is on duty.
func TestWallRotatesViews(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	seedCache(t, dataDir, time.Now().Add(-time.Minute))
	site := city.DefaultSiteConfig()
	site.Wall.Views = []string{city.WallOverview, city.WallAlerts, "water", city.WallTrends}
	site.Wall.Durations = map[string]time.Duration{city.WallAlerts: 30 * time.Second}
	rt, err := app.Start(context.Background(), app.Options{DataDir: dataDir, FeedURL: "ws://127.0.0.1:1" + feeds.StreamPath, Site: &site, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, a := newTestConsole(t, rt)
	a.Settings().SetTheme(WallTheme())
	c.opts.Wall, c.opts.OnDuty = true, func() string { return "李娜（值班长）" }
	c.site = site
	now := time.Now()
	snapAt := func(at time.Time) {
		s := BuildSnapshot(rt.DB, rt.Ingest.Status(), rt.AlertViews(at, false), at)
		c.Apply(&s)
	}
	snapAt(now)
	c.wall = newWall(c)
	c.wall.show(0, now) // the rotation starts at the test's clock
	if c.win.MainMenu() != nil {
		t.Error("the wall shows a menu")
	}
	var seen []string
	seen = append(seen, c.wall.View())
	// 20 s default per view, 30 s for the alert board
	for _, step := range []time.Duration{20 * time.Second, 30 * time.Second, 20 * time.Second, 20 * time.Second} {
		snapAt(now.Add(step - time.Second))
		if len(seen) > 0 && c.wall.View() != seen[len(seen)-1] {
			t.Fatalf("view %s left before its time (now %v, step %v)", seen[len(seen)-1], c.wall.View(), step)
		}
		now = now.Add(step)
		snapAt(now)
		seen = append(seen, c.wall.View())
		// the link is down, so the banner carries a long message: still no
		// view may need more than a 1920×1080 screen, or the window would
		// grow past it
		if ms := c.win.Content().MinSize(); ms.Width > 1900 || ms.Height > 1060 {
			t.Errorf("view %s needs %v, more than the screen", c.wall.View(), ms)
		}
		if c.wall.View() == "water" {
			for _, f := range city.Feeds {
				if got := c.mapView.LayerVisible(widgets.LayerID(f)); got != (f == city.FeedWater) {
					t.Errorf("water focus: layer %s visible %v", f, got)
				}
			}
			if len(c.wall.focusList.rows) != site.Wall.TopStations || !c.wall.focusList.rows[0].box.Visible() {
				t.Error("the water focus lists no stations")
			}
		}
	}
	want := []string{city.WallOverview, city.WallAlerts, "water", city.WallTrends, city.WallOverview}
	if !slices.Equal(seen, want) {
		t.Errorf("views shown %v, want %v", seen, want)
	}
	if !strings.Contains(c.wall.duty.Text, "李娜") {
		t.Errorf("on duty reads %q", c.wall.duty.Text)
	}
	if c.wall.clock.Text != now.In(city.Shanghai).Format("2006-01-02 15:04:05") {
		t.Errorf("clock %q", c.wall.clock.Text)
	}
	// the wall never opens a dialog, even for an error
	c.showError(errors.New("disk full"))
	if top := c.win.Canvas().Overlays().Top(); top != nil {
		t.Errorf("the wall opened a dialog: %T", top)
	}
	img, err := CaptureWindow(c.win, nil)
	if err != nil || img.Bounds().Dx() < 1000 {
		t.Fatalf("wall screenshot: %v", err)
	}
	_ = fyne.NewSize
}

// TestWallSettings checks the [wall] keys of the site settings.
func TestWallSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "site.toml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("[wall]\nrotate = \"15s\"\nviews = [\"alerts\", \"air\"]\ntrend_window = \"12h\"\n[wall.durations]\nalerts = \"45s\"\n")
	cfg, err := app.LoadSiteConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.Wall
	if w.Duration(city.WallAlerts, 0) != 45*time.Second || w.Duration("air", 0) != 15*time.Second || w.Duration(city.WallAlerts, 5*time.Second) != 5*time.Second {
		t.Errorf("durations: alerts %v, air %v, with --wall-rotate 5s %v", w.Duration(city.WallAlerts, 0), w.Duration("air", 0), w.Duration(city.WallAlerts, 5*time.Second))
	}
	if !slices.Equal(w.Views, []string{"alerts", "air"}) || w.TrendWindow != 12*time.Hour || w.TopStations != 5 {
		t.Errorf("wall settings %+v", w)
	}
	for _, bad := range []string{
		"[wall]\nviews = [\"weather\"]\n",
		"[wall]\nviews = []\n",
		"[wall]\nviews = [\"air\", \"air\"]\n",
		"[wall]\nrotate = \"0s\"\n",
		"[wall.durations]\noverview = \"100ms\"\n",
		"[wall.durations]\nradar = \"10s\"\n",
		"[wall]\ntop_stations = 0\n",
	} {
		write(bad)
		if _, err := app.LoadSiteConfig(path); err == nil || !strings.Contains(err.Error(), "wall.") {
			t.Errorf("%q: %v, want an error naming the wall key", bad, err)
		}
	}
}

// TestDistrictTrends computes the wall's district series from a real cache:
// per minute, the AQI of the mean concentrations of the air stations, their
// mean PM2.5, and the sum of the crowd zones' counts.
func TestDistrictTrends(t *testing.T) {
	db, err := cache.Open(t.TempDir(), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a1 := city.Station{ID: "A1", Feed: city.FeedAir, Name: "一", Location: orb.Point{121.48, 31.23}}
	a2 := city.Station{ID: "A2", Feed: city.FeedAir, Name: "二", Location: orb.Point{121.49, 31.22}}
	z1 := city.Station{ID: "Z1", Feed: city.FeedCrowd, Name: "区", Location: orb.Point{121.49, 31.24}}
	z2 := city.Station{ID: "Z2", Feed: city.FeedCrowd, Name: "场", Location: orb.Point{121.47, 31.24}}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Minute) // within the cache's retention
	var rs []city.Reading
	for m := 0; m < 10; m++ {
		at := t0.Add(time.Duration(m) * time.Minute)
		rs = append(rs,
			city.Reading{Feed: city.FeedAir, Station: "A1", Time: at, Values: []city.Measurement{{Param: city.ParamPM25, Value: 50, Unit: "µg/m³"}, {Param: city.ParamPM10, Value: 60, Unit: "µg/m³"}}},
			city.Reading{Feed: city.FeedAir, Station: "A2", Time: at, Values: []city.Measurement{{Param: city.ParamPM25, Value: 150, Unit: "µg/m³"}, {Param: city.ParamPM10, Value: 80, Unit: "µg/m³"}}},
			city.Reading{Feed: city.FeedCrowd, Station: "Z1", Time: at, Values: []city.Measurement{{Param: city.ParamCount, Value: float64(1000 + m), Unit: "persons"}}},
		)
		if m < 5 { // Z2 falls silent after five minutes: it still counts with its last count
			rs = append(rs, city.Reading{Feed: city.FeedCrowd, Station: "Z2", Time: at, Values: []city.Measurement{{Param: city.ParamCount, Value: 500, Unit: "persons"}}})
		}
	}
	if err := db.Submit(cache.Batch{Stations: []city.Station{a1, a2, z1, z2}, Readings: rs}); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	site := city.DefaultSiteConfig()
	tr := districtTrends(db, []city.Station{a1, a2, z1, z2}, site, t0.Add(-time.Hour), t0.Add(10*time.Minute))
	if len(tr.PM25) != 10 || len(tr.AQI) != 10 || len(tr.People) != 10 {
		t.Fatalf("points: AQI %d, PM2.5 %d, people %d; want 10 each", len(tr.AQI), len(tr.PM25), len(tr.People))
	}
	want, err := city.HourlyAQI(map[string]float64{city.ParamPM25: 100, city.ParamPM10: 70}, site.EditionAt(t0))
	if err != nil {
		t.Fatal(err)
	}
	if tr.PM25[0].V != 100 || tr.AQI[0].V != float64(want.AQI) || tr.People[9].V != 1509 {
		t.Errorf("first PM2.5 %v (want 100), AQI %v (want %d), last people %v (want 1509)", tr.PM25[0].V, tr.AQI[0].V, want.AQI, tr.People[9].V)
	}
}

// freshRendererClock brings Fyne's renderer cache clock up to date. Fyne
// stamps each renderer with a clock it reads only when a frame is painted;
// the GL driver paints every frame, but under the test driver only a
// software canvas's Capture does, so later in a long test run the clock is
// minutes old and renderers made now look expired to the next Capture,
// which destroys and remakes them mid-paint, before they are laid out (a
// rectangle of negative width). A throwaway capture reads the clock.
func freshRendererClock() {
	software.NewCanvas().Capture()
}
