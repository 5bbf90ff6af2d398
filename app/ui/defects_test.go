package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/paulmach/orb"

	"onescreen/app/desk"
	"onescreen/app/export"
	"onescreen/assets"
	"onescreen/cache"
	"onescreen/city"
)

// newBareConsole is a console over an empty cache in a temporary
// directory, for tests that hand it snapshots themselves.
func newBareConsole(t *testing.T) (*Console, *cache.DB) {
	t.Helper()
	db, err := cache.Open(filepath.Join(t.TempDir(), "data"), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := test.NewTempApp(t)
	a.Settings().SetTheme(assets.NewTheme())
	if err := SetLanguage(LangZH); err != nil {
		t.Fatal(err)
	}
	c, err := NewConsole(a, db, ConsoleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.data = db
	c.exports = export.Cache{DB: db}
	c.win.Resize(fyne.NewSize(1600, 900))
	return c, db
}

func latestOf(st city.Station, param string, v float64, unit string, at, recv time.Time) cache.Latest {
	return cache.Latest{Station: st.ID, Feed: st.Feed, Param: param, Value: v, Unit: unit, Time: at, Received: recv}
}

// A hydrant at low pressure is not a fire: the fire tile counts only
// detectors in alarm and shows the hydrant apart; the hydrant's card says
// 低压, never 火警.
func TestHydrantLowPressureIsNotAFire(t *testing.T) {
	c, _ := newBareConsole(t)
	now := time.Now()
	hy := city.Station{ID: "HY-01", Feed: city.FeedFire, Kind: city.KindHydrant, Name: "福州路消火栓", Location: orb.Point{121.48, 31.235}}
	sd := city.Station{ID: "SD-01", Feed: city.FeedFire, Kind: city.KindSmokeDetector, Name: "外滩烟感", Location: orb.Point{121.49, 31.238}}
	sd2 := city.Station{ID: "SD-02", Feed: city.FeedFire, Kind: city.KindSmokeDetector, Name: "豫园烟感", Location: orb.Point{121.492, 31.227}}
	alert := func(st city.Station, cond city.Condition, sev city.Severity, v float64) desk.AlertView {
		return desk.AlertView{StationName: st.Name, Alert: city.Alert{ID: city.AlertID(st.ID, cond, now.Add(-time.Minute)), Station: st.ID, Feed: st.Feed,
			Condition: cond, Severity: sev, State: city.StateRaised, Began: now.Add(-2 * time.Minute), Raised: now.Add(-time.Minute), Updated: now.Add(-time.Minute), Value: v}}
	}
	s := &Snapshot{Now: now, Stations: []StationState{
		{Station: hy, Newest: now.Add(-30 * time.Second), Values: map[string]cache.Latest{city.ParamPressure: latestOf(hy, city.ParamPressure, 0.1, "MPa", now.Add(-30*time.Second), now.Add(-30*time.Second))}},
		{Station: sd, Newest: now.Add(-30 * time.Second), Values: map[string]cache.Latest{}},
		{Station: sd2, Newest: now.Add(-30 * time.Second), Values: map[string]cache.Latest{}},
	}, Alerts: []desk.AlertView{
		alert(hy, city.CondHydrantPressure, city.SeverityMajor, 0.1),
		alert(sd, city.CondFireAlarm, city.SeverityCritical, 0),
		alert(sd2, city.CondDeviceFault, city.SeverityMinor, 0),
	}}
	c.Apply(s)
	fire := c.tiles["fire"].Value()
	if fire.Value != "1" {
		t.Errorf("fire tile = %q, want 1 (one detector in alarm; the hydrant is no fire)", fire.Value)
	}
	for _, want := range []string{"故障 1", "水压 1", "离线 0"} {
		if !strings.Contains(fire.Caption, want) {
			t.Errorf("fire tile caption %q lacks %q", fire.Caption, want)
		}
	}
	c.showDetail(hy.ID)
	d := c.card.Detail()
	if strings.Contains(d.Status, "火警") || !strings.HasPrefix(d.Status, "低压") || !strings.Contains(d.Status, "0.10 MPa") {
		t.Errorf("hydrant card status %q; want 低压 with its pressure, never 火警", d.Status)
	}
	c.showDetail(sd.ID)
	if d := c.card.Detail(); !strings.HasPrefix(d.Status, "火警") {
		t.Errorf("detector in alarm: card status %q, want 火警", d.Status)
	}

	// Without the detector's alarm the tile reads 0 火警 but is not green
	// while a hydrant is short of pressure.
	s.Alerts = s.Alerts[:1]
	c.Apply(s)
	if v := c.tiles["fire"].Value(); v.Value != "0" || v.Accent == normalColor {
		t.Errorf("hydrant only: fire tile %q accent %v; want 0 and not the normal colour", v.Value, v.Accent)
	}
	// A high-pressure hydrant reads 高压.
	s.Alerts[0].Alert.Value = 0.8
	c.Apply(s)
	c.showDetail(hy.ID)
	if d := c.card.Detail(); !strings.HasPrefix(d.Status, "高压") {
		t.Errorf("high pressure: card status %q, want 高压", d.Status)
	}
}

// In English the water classes, noise zones and the default teams are
// English; the stored team stays as dispatched.
func TestEnglishClassesAndTeams(t *testing.T) {
	c, _ := newBareConsole(t)
	if err := SetLanguage(LangEN); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { SetLanguage(LangZH) })
	now := time.Now()
	ws := city.Station{ID: "WQ-01", Feed: city.FeedWater, Kind: city.KindWaterSection, Name: "黄浦江十六铺", Location: orb.Point{121.5, 31.23},
		Attrs: map[string]string{city.AttrTargetClass: "III", city.AttrWaterBody: "river"}}
	ns := city.Station{ID: "NZ-01", Feed: city.FeedNoise, Kind: city.KindNoiseStation, Name: "人民广场", Location: orb.Point{121.475, 31.232},
		Attrs: map[string]string{city.AttrZoneClass: "2"}}
	at := now.Add(-time.Minute)
	a := city.Alert{ID: city.AlertID(ws.ID, city.CondWaterClass, at), Station: ws.ID, Feed: ws.Feed, Condition: city.CondWaterClass,
		Severity: city.SeverityCritical, State: city.StateDispatched, Raised: at, Updated: at, Team: "街道网格员"}
	s := &Snapshot{Now: now, Stations: []StationState{
		{Station: ws, Newest: at, Values: map[string]cache.Latest{city.ParamNH3N: latestOf(ws, city.ParamNH3N, 2.5, "mg/L", at, at)}},
		{Station: ns, Newest: at, Values: map[string]cache.Latest{city.ParamLAeq: latestOf(ns, city.ParamLAeq, 50, "dB(A)", at, at)}},
	}, Alerts: []desk.AlertView{{Alert: a, StationName: ws.Name}}}
	c.Apply(s)
	if got := c.tiles["water"].Value().Caption; got != "worst below class V" {
		t.Errorf("water tile caption %q, want %q", got, "worst below class V")
	}
	c.showDetail(ws.ID)
	if got, want := c.card.Detail().Status, "below class V · target class III · worse than target"; got != want {
		t.Errorf("water card status %q, want %q", got, want)
	}
	c.showDetail(ns.ID)
	if got := c.card.Detail().Status; !strings.Contains(got, "zone 2") || strings.Contains(got, "类") {
		t.Errorf("noise card status %q, want zone 2 in English", got)
	}
	rows := c.panel.Alerts()
	if len(rows) != 1 || rows[0].Team != "street grid officers" {
		t.Fatalf("alert rows %+v, want the team in English", rows)
	}
	if TeamLabel("半淞园路街道网格组") != "半淞园路街道网格组" {
		t.Error("a site's own team name was changed")
	}
	if err := SetLanguage(LangZH); err != nil {
		t.Fatal(err)
	}
	c.Apply(s)
	if got := c.tiles["water"].Value().Caption; got != "最差 劣V类" {
		t.Errorf("Chinese water tile caption %q, want 最差 劣V类", got)
	}
	if rows := c.panel.Alerts(); rows[0].Team != "街道网格员" {
		t.Errorf("Chinese team %q", rows[0].Team)
	}
}
