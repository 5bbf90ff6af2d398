package ui

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/paulmach/orb"

	"onescreen/app"
	"onescreen/app/desk"
	"onescreen/assets"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
	"onescreen/widgets"
)

// raiseFireAlarm starts a runtime on a loopback feed server and raises a
// smoke detector's alarm; it returns the runtime and the alert.
func raiseFireAlarm(t *testing.T) (*app.Runtime, city.Alert) {
	t.Helper()
	srv, addr := desktest.StartFeedServer(t, feeds.ServerConfig{Heartbeat: 200 * time.Millisecond})
	det := city.Station{ID: "fire-smoke-901", Feed: city.FeedFire, Name: "审计烟感", Kind: city.KindSmokeDetector, Location: orb.Point{121.4853, 31.2381}}
	if err := srv.PutStation(det); err != nil {
		t.Fatal(err)
	}
	rt, err := app.Start(context.Background(), app.Options{DataDir: filepath.Join(t.TempDir(), "data"), FeedURL: "ws://" + addr + feeds.StreamPath, MaxBackoff: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	if _, err := srv.Publish(city.Reading{Feed: city.FeedFire, Station: det.ID, Time: time.Now().Add(-time.Second), Event: city.EventAlarm,
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
	return rt, alert
}

// TestAlertDetailShowsWholeHistory takes an alert through the workflow and
// checks that choosing it, open and then closed, shows every step with who,
// when, the team and the note texts, read from the cache, in both
// languages.
func TestAlertDetailShowsWholeHistory(t *testing.T) {
	rt, alert := raiseFireAlarm(t)
	act := func(officer string, kind city.StepKind, team, note string) {
		t.Helper()
		rt.Desk.SetOfficer(officer)
		if _, err := rt.Desk.Act(alert.ID, kind, team, note, time.Now()); err != nil {
			t.Fatalf("%s by %s: %v", kind, officer, err)
		}
	}
	act("王伟", city.StepAcknowledge, "", "")
	act("王伟", city.StepDispatch, "消防救援站", "南京东路 23 号三楼，住户报告有烟")
	act("王伟", city.StepComment, "", "已通知物业检查排烟管道")
	if err := rt.DB.Flush(); err != nil {
		t.Fatal(err)
	}

	c, _ := newTestConsole(t, rt)
	c.data = rt.DB
	apply(c, rt)
	c.focusAlert(alert.ID)
	got, ok := c.audit.detail.Audit()
	if !ok || got.ID != alert.ID {
		t.Fatalf("choosing the alert shows %+v (%v)", got.ID, ok)
	}
	var steps []string
	for _, s := range got.Steps {
		steps = append(steps, string(s.Kind)+"/"+s.Officer+"/"+s.Team)
	}
	want := []string{"raise/系统/", "acknowledge/王伟/", "dispatch/王伟/消防救援站", "comment/王伟/"}
	if !slices.Equal(steps, want) {
		t.Errorf("open alert history %v, want %v", steps, want)
	}
	texts := strings.Join(c.audit.detail.Texts(), "\n")
	for _, w := range []string{"南京东路 23 号三楼，住户报告有烟", "已通知物业检查排烟管道", "派遣 · 王伟 → 消防救援站", "审计烟感 (fire-smoke-901)", "处置完成", "允许的操作"} {
		if !strings.Contains(texts, w) {
			t.Errorf("the detail does not show %q; it shows:\n%s", w, texts)
		}
	}
	for _, s := range got.Steps {
		if s.Time == "" {
			t.Errorf("step %s without a time", s.Kind)
		}
	}

	// A new step appears without choosing the alert again, although the
	// cache's writer stores it a moment after the desk took it: the
	// snapshots of the next seconds read the history again.
	act("王伟", city.StepResolve, "", "误报：厨房油烟，已通风复位")
	apply(c, rt)
	time.Sleep(auditRereadEvery + 200*time.Millisecond)
	apply(c, rt)
	if got, _ := c.audit.detail.Audit(); len(got.Steps) != 5 || got.Steps[4].Note != "误报：厨房油烟，已通风复位" {
		t.Errorf("after resolving, the detail shows %d steps: %+v", len(got.Steps), got.Steps)
	}

	act("李娜", city.StepVerify, "", "现场复核无明火")
	act("李娜", city.StepClose, "", "")
	if err := rt.DB.Flush(); err != nil {
		t.Fatal(err)
	}
	// Closed while chosen, with "show closed" off: it leaves the list but
	// the detail follows it to its final state.
	apply(c, rt)
	if got, _ := c.audit.detail.Audit(); !got.Closed || len(got.Allowed) != 0 {
		t.Errorf("the chosen alert, closed and no longer listed, shows closed %v, allowed %v", got.Closed, got.Allowed)
	}
	// The closed alert is listed once "show closed" is on, and choosing it
	// shows its record.
	c.setShowClosed(true)
	c.audit.detail.Clear()
	c.audit.id = ""
	now := time.Now()
	s := BuildSnapshot(rt.DB, rt.Ingest.Status(), rt.AlertViews(now, true), now)
	c.Apply(&s)
	if !slices.ContainsFunc(c.panel.Alerts(), func(r widgets.AlertRow) bool { return r.ID == alert.ID }) {
		t.Fatal("the closed alert is not listed with show closed on")
	}
	c.focusAlert(alert.ID)
	got, ok = c.audit.detail.Audit()
	if !ok || !got.Closed || len(got.Steps) != 7 || got.Steps[6].Kind != city.StepClose || got.Steps[5].Officer != "李娜" {
		t.Fatalf("closed alert detail: closed %v, steps %+v", got.Closed, got.Steps)
	}
	if len(got.Allowed) != 0 {
		t.Errorf("a closed alert allows %v", got.Allowed)
	}
	// After a restart the closed alert is still listed with show closed
	// on, with its comment count, read from the cache.
	dk, err := desk.NewAlertDesk(rt.DB, city.DefaultSiteConfig())
	if err != nil {
		t.Fatal(err)
	}
	vs := dk.Views(time.Now(), true)
	if i := slices.IndexFunc(vs, func(v desk.AlertView) bool { return v.Alert.ID == alert.ID }); i < 0 || vs[i].Comments != 1 || vs[i].Alert.State != city.StateClosed {
		t.Errorf("after a restart the closed alert is not in the show-closed view with its comment: %+v", vs)
	}
	if vs := dk.Views(time.Now(), false); slices.ContainsFunc(vs, func(v desk.AlertView) bool { return v.Alert.ID == alert.ID }) {
		t.Error("the closed alert is listed with show closed off")
	}

	// English: the language switch rebuilds the window and keeps the
	// filter and the chosen alert.
	c.panel.SetFilter(widgets.AlertFilter{Feed: city.FeedFire})
	c.SetLanguage(LangEN)
	defer SetLanguage(LangZH)
	if f := c.panel.Filter(); f.Feed != city.FeedFire {
		t.Errorf("the filter after the language switch: %+v", f)
	}
	if got, ok := c.audit.detail.Audit(); !ok || got.ID != alert.ID {
		t.Errorf("the chosen alert after the language switch: %q (%v)", got.ID, ok)
	}
	texts = strings.Join(c.audit.detail.Texts(), "\n")
	for _, w := range []string{"Step history", "Raised · System", "Dispatched · 王伟 → 消防救援站", "现场复核无明火", "Station", "Steps allowed now: none"} {
		if !strings.Contains(texts, w) {
			t.Errorf("the English detail does not show %q; it shows:\n%s", w, texts)
		}
	}
}

// TestStepDialogsAreSized opens the dispatch, resolve and comment dialogs
// at the default window size and checks that the team selector is wide
// enough for the longest team name and the note entry shows several lines
// of a sentence, in both languages. Fyne would size them to one character.
func TestStepDialogsAreSized(t *testing.T) {
	for _, code := range []string{LangZH, LangEN} {
		t.Run(code, func(t *testing.T) {
			a := test.NewTempApp(t)
			a.Settings().SetTheme(assets.NewTheme())
			if err := SetLanguage(code); err != nil {
				t.Fatal(err)
			}
			defer SetLanguage(LangZH)
			w := test.NewTempWindow(t, widget.NewLabel(""))
			w.Resize(fyne.NewSize(1600, 900))
			th := a.Settings().Theme()
			text := th.Size(theme.SizeNameText)
			teams := append(slices.Clone(DefaultTeams), "Environmental enforcement brigade, night shift")
			longest := float32(0)
			for _, tm := range teams {
				longest = max(longest, fyne.MeasureText(tm, text, fyne.TextStyle{}).Width)
			}
			line := fyne.MeasureText("Hg", text, fyne.TextStyle{}).Height
			for _, step := range []city.StepKind{city.StepDispatch, city.StepResolve, city.StepComment} {
				f := newStepForm(step, teams, w, func(string, string) {})
				f.dlg.Show()
				if step == city.StepDispatch {
					if f.team == nil {
						t.Fatal("dispatch without a team selector")
					}
					if got := f.team.Size().Width; got < longest+text {
						t.Errorf("team selector %.0f wide; the longest team needs %.0f", got, longest+text)
					}
				}
				ns := f.note.Size()
				if ns.Height < 4*line {
					t.Errorf("%s note entry %.0f high: fewer than 4 lines of %.0f", step, ns.Height, line)
				}
				if ns.Width < 20*text {
					t.Errorf("%s note entry %.0f wide: fewer than 20 characters of %.0f", step, ns.Width, text)
				}
				if ds := f.note.Size(); ds.Width > 1600 {
					t.Errorf("%s note wider than the window: %.0f", step, ds.Width)
				}
				f.dlg.Hide()
			}
		})
	}
}

// TestLegendCompactCollapsibleNotClipped checks the map legend at the
// default window size and at 1920×1080, in both languages: expanded it
// takes under 13 % (the English fire layer has seven states) of the map and fits without being cut off; collapsed
// it leaves only a small button; the choice is remembered.
func TestLegendCompactCollapsibleNotClipped(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	seedCache(t, dataDir, time.Now().Add(-time.Minute))
	_, addr := desktest.StartFeedServer(t, feeds.ServerConfig{Heartbeat: 200 * time.Millisecond})
	rt, err := app.Start(context.Background(), app.Options{DataDir: dataDir, FeedURL: "ws://" + addr + feeds.StreamPath})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	c, a := newTestConsole(t, rt)
	defer SetLanguage(LangZH)
	for _, code := range []string{LangZH, LangEN} {
		c.SetLanguage(code)
		for _, size := range []fyne.Size{fyne.NewSize(1600, 900), fyne.NewSize(1920, 1080)} {
			c.win.Resize(size)
			apply(c, rt)
			c.mapView.SetLegendCollapsed(false)
			ms := c.mapView.Size()
			pos, ls := c.mapView.LegendBounds()
			share := ls.Width * ls.Height / (ms.Width * ms.Height)
			t.Logf("%s %v: map %v, legend %v at %v, %.1f %% of the map", code, size, ms, ls, pos, 100*share)
			if share <= 0 || share > 0.13 {
				t.Errorf("%s %v: the legend takes %.1f %% of the map, want under 13 %%", code, size, 100*share)
			}
			if pos.X < 0 || pos.Y < 0 || pos.X+ls.Width > ms.Width || pos.Y+ls.Height > ms.Height {
				t.Errorf("%s %v: legend %v at %v runs off the %v map", code, size, ls, pos, ms)
			}
			if !c.mapView.LegendFits() {
				t.Errorf("%s %v: the legend has to scroll", code, size)
			}
			c.mapView.SetLegendCollapsed(true)
			_, cs := c.mapView.LegendBounds()
			if cs.Width*cs.Height > 0.01*ms.Width*ms.Height || cs.Height > 60 {
				t.Errorf("%s %v: collapsed legend %v is not a small button", code, size, cs)
			}
		}
	}
	// The legend's button toggles it, and the choice is remembered.
	c.mapView.SetLegendCollapsed(false)
	var btn *widgets.SmallButton
	for _, o := range test.LaidOutObjects(c.mapView) {
		if b, ok := o.(*widgets.SmallButton); ok && b.Text == "Legend" {
			btn = b
		}
	}
	if btn == nil {
		t.Fatal("no legend button on the map")
	}
	test.Tap(btn)
	if !c.mapView.LegendCollapsed() || !a.Preferences().Bool(prefLegendCollapsed) {
		t.Errorf("after tapping the button: collapsed %v, remembered %v", c.mapView.LegendCollapsed(), a.Preferences().Bool(prefLegendCollapsed))
	}
	c.SetLanguage(LangZH) // rebuilds the window from the preferences
	if !c.mapView.LegendCollapsed() {
		t.Error("the collapsed legend came back expanded after a rebuild")
	}
}

// TestAuditNotesInTheInterfaceLanguage: the engine's bilingual notes show
// the half in the interface language; officers' notes stay as written.
func TestAuditNotesInTheInterfaceLanguage(t *testing.T) {
	test.NewTempApp(t)
	defer SetLanguage(LangZH)
	raised := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	a := city.Alert{ID: "x", Station: "fire-1", Feed: city.FeedFire, Condition: city.CondHydrantPressure, Severity: city.SeverityMajor,
		State: city.StateAutoCleared, Raised: raised, Message: "压力低", MessageEN: "low pressure", Unit: "MPa", Value: 0.12}
	steps := []city.Step{
		{Alert: "x", Kind: city.StepRaise, Officer: city.SystemOfficer, Note: "压力低", Time: raised},
		{Alert: "x", Kind: city.StepComment, Officer: "王伟", Note: "已通知水务所 / water office told", Time: raised.Add(time.Minute)},
		{Alert: "x", Kind: city.StepClear, Officer: city.SystemOfficer, Note: "条件已解除 / condition ended", Time: raised.Add(2 * time.Minute)},
	}
	c := &Console{}
	for _, tc := range []struct {
		code  string
		notes []string
	}{
		{LangZH, []string{"压力低", "已通知水务所 / water office told", "条件已解除"}},
		{LangEN, []string{"low pressure", "已通知水务所 / water office told", "condition ended"}},
	} {
		if err := SetLanguage(tc.code); err != nil {
			t.Fatal(err)
		}
		got := c.buildAudit(desk.AlertView{Alert: a, StationName: "市政消火栓 001"}, steps, nil, false)
		var notes []string
		for _, s := range got.Steps {
			notes = append(notes, s.Note)
		}
		if !slices.Equal(notes, tc.notes) {
			t.Errorf("%s: notes %q, want %q", tc.code, notes, tc.notes)
		}
	}
}
