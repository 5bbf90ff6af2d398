package ui

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"onescreen/app"
	"onescreen/app/desk"
	"onescreen/app/ingest"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/feeds/sim"
)

// closedPort is a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// seedCacheReceived is seedCache with the readings received at recv.
func seedCacheReceived(t *testing.T, dir string, observed, recv time.Time) []city.Station {
	t.Helper()
	s := sim.New(sim.Config{Seed: 3})
	db, err := cache.Open(dir, cache.Options{Now: func() time.Time { return recv }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sts := s.Stations()
	if err := db.Submit(cache.Batch{Stations: sts, Readings: s.Tick(observed)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	return sts
}

// labelTexts collects the text of every label under o.
func labelTexts(o fyne.CanvasObject) string {
	var b strings.Builder
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return b.String()
}

// The app starts on a cache last fed 25 minutes ago, with the feed server
// not listening: the banner says offline since the data last arrived (not
// since the app started) and why; every KPI tile shows its last figure
// greyed with its age; tapping a badge tells the feed's whole state.
func TestOutageScreen(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	lastUp := time.Now().Add(-25 * time.Minute).Truncate(time.Millisecond)
	seedCacheReceived(t, dataDir, lastUp.Add(-time.Second), lastUp)
	rt, err := app.Start(context.Background(), app.Options{DataDir: dataDir, FeedURL: "ws://" + closedPort(t) + "/stream", MaxBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, _ := newTestConsole(t, rt)
	deadline := time.Now().Add(10 * time.Second)
	for rt.Ingest.Status()[0].LastError == "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	snap := apply(c, rt)

	msg, level := c.banner.Message()
	since := lastUp.In(city.Shanghai).Format("15:04:05")
	if lastUp.In(city.Shanghai).YearDay() != snap.Now.In(city.Shanghai).YearDay() {
		since = lastUp.In(city.Shanghai).Format("2006-01-02 15:04")
	}
	for _, want := range []string{"全部数据源 离线 自 " + since, "原因：连接被拒绝（connection refused）", "25m"} {
		if !strings.Contains(msg, want) {
			t.Errorf("banner %q (level %d) lacks %q", msg, level, want)
		}
	}
	if level != 2 {
		t.Errorf("banner level %d, want 2", level)
	}
	for _, id := range []string{"aqi", "water", "noise", "fire", "crowd"} {
		v := c.tiles[id].Value()
		if !v.Stale || !strings.HasPrefix(v.Age, "25m") {
			t.Errorf("%s tile: stale %v age %q; want greyed with age 25m", id, v.Stale, v.Age)
		}
		if id != "fire" && (v.Value == "" || v.Value == "—") {
			t.Errorf("%s tile is blank in the outage: %+v", id, v)
		}
	}
	b := c.badges[city.FeedAir]
	if st := b.Status(); st.Note != "连接被拒绝" || !strings.Contains(st.Tooltip, "自 "+since) || !strings.Contains(st.Tooltip, "原因：连接被拒绝") {
		t.Errorf("air badge %+v; want the reason on the badge and since when and why in the tooltip", st)
	}
	// The outage's longer texts do not widen the window past a 1920-pixel screen.
	if w := c.win.Content().MinSize().Width; w > 1920 {
		t.Errorf("window content needs %v px, wider than the screen", w)
	}
	test.Tap(b)
	top := c.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("tapping the badge showed nothing")
	}
	text := labelTexts(top)
	for _, want := range []string{"状态：离线", "起始时间：" + since, "原因：连接被拒绝", "最新数据：", "(25m", "速率：0.0", "没有被拒收的消息。"} {
		if !strings.Contains(text, want) {
			t.Errorf("feed info lacks %q:\n%s", want, text)
		}
	}
}

// Link reasons are told apart and translated; an unknown error is shown
// as it came.
func TestLinkReason(t *testing.T) {
	if err := SetLanguage(LangZH); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ err, zh, en string }{
		{"dial ws://127.0.0.1:1/stream: dial tcp 127.0.0.1:1: connect: connection refused", "连接被拒绝（connection refused）", "connection refused"},
		{"feed server refused the token: ws://x answered HTTP 401 Unauthorized: bad token", "令牌被拒绝（token refused (401)）", "token refused (401)"},
		{"no message or pong from the server for 30s: connection presumed dead", "超时（timeout）", "timeout"},
		{"dial ws://h/stream: dial tcp: i/o timeout", "超时（timeout）", "timeout"},
		{"dial ws://nohost/stream: dial tcp: lookup nohost: no such host", "找不到主机（host not found）", "host not found"},
		{"something odd", "something odd", "something odd"},
		{"", "", ""},
	}
	for _, tc := range tests {
		if got := linkReason(tc.err); got != tc.zh {
			t.Errorf("zh %q → %q, want %q", tc.err, got, tc.zh)
		}
	}
	if err := SetLanguage(LangEN); err != nil {
		t.Fatal(err)
	}
	defer SetLanguage(LangZH)
	for _, tc := range tests {
		if got := linkReason(tc.err); got != tc.en {
			t.Errorf("en %q → %q, want %q", tc.err, got, tc.en)
		}
	}
}

// An alert raised by a reading that arrived late is marked 补传 on its
// row, live and after a restart (from the reading's receive time held in
// the cache); one raised as it happened is not.
func TestLateAlertMarked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db, err := cache.Open(dir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.NewAlertDesk(db, city.DefaultSiteConfig())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Millisecond)
	smoke := func(id string) city.Station {
		return city.Station{ID: id, Feed: city.FeedFire, Kind: city.KindSmokeDetector, Name: "烟感 " + id}
	}
	var b cache.Batch
	for _, x := range []struct {
		id string
		at time.Time
	}{{"SD-LATE", now.Add(-40 * time.Minute)}, {"SD-NOW", now.Add(-time.Second)}} {
		st := smoke(x.id)
		r := city.Reading{Feed: city.FeedFire, Station: st.ID, Time: x.at, Event: city.EventAlarm}
		b.Stations = append(b.Stations, st)
		b.Readings = append(b.Readings, r)
		b.AlertChanges = append(b.AlertChanges, d.Observe(st, r)...)
	}
	if err := db.Submit(b); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	check := func(when string, views []desk.AlertView) {
		t.Helper()
		if len(views) != 2 {
			t.Fatalf("%s: %d alerts, want 2", when, len(views))
		}
		for _, v := range views {
			if want := v.Alert.Station == "SD-LATE"; v.Late != want {
				t.Errorf("%s: %s late = %v, want %v", when, v.Alert.Station, v.Late, want)
			}
		}
	}
	views := d.Views(now, false)
	check("live", views)

	c, _ := newBareConsole(t)
	c.Apply(&Snapshot{Now: now, Alerts: views})
	for _, r := range c.panel.Alerts() {
		late := strings.Contains(r.StateText, "补传")
		if late != strings.Contains(r.Title, "SD-LATE") {
			t.Errorf("row %q state %q: 补传 mark %v", r.Title, r.StateText, late)
		}
	}
	db.Close()

	db2, err := cache.Open(dir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	d2, err := desk.NewAlertDesk(db2, city.DefaultSiteConfig())
	if err != nil {
		t.Fatal(err)
	}
	check("after restart", d2.Views(now, false))
}

// Offline since is when the link dropped: not the app's start, not the
// last status refresh; with nothing known, it says so.
func TestOfflineSinceLinkDropped(t *testing.T) {
	db, err := cache.Open(filepath.Join(t.TempDir(), "data"), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in, err := ingest.NewIngest(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, city.Shanghai)
	clock := t0
	in.SetClock(func() time.Time { return clock })
	if st := in.Status()[0]; st.State != city.FeedOffline || !st.SinceStart {
		t.Errorf("never connected, nothing held: %+v; want offline since start", st)
	}
	clock = t0.Add(time.Minute)
	in.State(feeds.Connected, nil)
	clock = t0.Add(50 * time.Minute)
	in.State(feeds.Disconnected, errors.New("read: connection reset by peer"))
	clock = t0.Add(70 * time.Minute)
	in.State(feeds.Connecting, nil)
	in.State(feeds.Disconnected, errors.New("dial tcp 127.0.0.1:1: connect: connection refused"))
	clock = t0.Add(90 * time.Minute)
	st := in.Status()[0]
	if st.State != city.FeedOffline || st.SinceStart || !st.Since.Equal(t0.Add(50*time.Minute)) {
		t.Errorf("after the drop: %+v; want offline since %v", st, t0.Add(50*time.Minute))
	}
	if linkReasonKey(st.LastError) != "connection refused" {
		t.Errorf("last error %q", st.LastError)
	}
}
