package widgets

import (
	"fmt"
	"image"
	"slices"
	"sort"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onescreen/city"
)

// alertT0 is a fixed time for the alert tests.
var alertT0 = time.Date(2025, 3, 14, 9, 0, 0, 0, city.Shanghai)

func alertIDs(rows []AlertRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func TestOrderAlerts(t *testing.T) {
	ago := func(m int) time.Time { return alertT0.Add(-time.Duration(m) * time.Minute) }
	tests := []struct {
		name       string
		rows       []AlertRow
		want       []string
		withClosed []string // OrderAlertsWithClosed; nil means same as want
	}{
		{
			name: "empty",
			rows: nil,
			want: []string{},
		},
		{
			name: "unacknowledged pinned above acknowledged whatever age and severity",
			rows: []AlertRow{
				{ID: "ack-critical-new", Severity: city.SeverityCritical, Raised: ago(1), Acknowledged: true},
				{ID: "unack-info-old", Severity: city.SeverityInfo, Raised: ago(600)},
			},
			want: []string{"unack-info-old", "ack-critical-new"},
		},
		{
			name: "within a group most severe first",
			rows: []AlertRow{
				{ID: "minor", Severity: city.SeverityMinor, Raised: ago(1)},
				{ID: "critical", Severity: city.SeverityCritical, Raised: ago(50)},
				{ID: "major", Severity: city.SeverityMajor, Raised: ago(5)},
				{ID: "info", Severity: city.SeverityInfo, Raised: ago(0)},
			},
			want: []string{"critical", "major", "minor", "info"},
		},
		{
			name: "same severity newest first, in both groups",
			rows: []AlertRow{
				{ID: "a-old", Severity: city.SeverityMajor, Raised: ago(30), Acknowledged: true},
				{ID: "u-old", Severity: city.SeverityMajor, Raised: ago(30)},
				{ID: "a-new", Severity: city.SeverityMajor, Raised: ago(2), Acknowledged: true},
				{ID: "u-new", Severity: city.SeverityMajor, Raised: ago(2)},
				{ID: "u-mid", Severity: city.SeverityMajor, Raised: ago(10)},
			},
			want: []string{"u-new", "u-mid", "u-old", "a-new", "a-old"},
		},
		{
			name: "closed hidden, kept last when shown",
			rows: []AlertRow{
				{ID: "closed-critical", Severity: city.SeverityCritical, Raised: ago(1), Acknowledged: true, Closed: true},
				{ID: "cleared-unack", Severity: city.SeverityCritical, Raised: ago(0), Closed: true},
				{ID: "open-minor", Severity: city.SeverityMinor, Raised: ago(90), Acknowledged: true},
			},
			want:       []string{"open-minor"},
			withClosed: []string{"open-minor", "cleared-unack", "closed-critical"},
		},
		{
			name: "equal alerts ordered by ID",
			rows: []AlertRow{
				{ID: "b", Severity: city.SeverityMinor, Raised: ago(3)},
				{ID: "a", Severity: city.SeverityMinor, Raised: ago(3)},
			},
			want: []string{"a", "b"},
		},
		{
			name: "unknown severities rank as the nearest known one",
			rows: []AlertRow{
				{ID: "critical-old", Severity: city.SeverityCritical, Raised: ago(9)},
				{ID: "above-new", Severity: 99, Raised: ago(1)},
				{ID: "zero", Severity: 0, Raised: ago(0)},
				{ID: "minor", Severity: city.SeverityMinor, Raised: ago(20)},
			},
			want: []string{"above-new", "critical-old", "minor", "zero"},
		},
		{
			name: "the duty scene",
			rows: []AlertRow{
				{ID: "noise-ack", Severity: city.SeverityMinor, Raised: ago(40), Acknowledged: true},
				{ID: "fire-new", Severity: city.SeverityCritical, Raised: ago(0), Flash: true},
				{ID: "pm25-old-unack", Severity: city.SeverityMajor, Raised: ago(180), Escalated: true},
				{ID: "crowd-ack", Severity: city.SeverityCritical, Raised: ago(15), Acknowledged: true},
				{ID: "water-closed", Severity: city.SeverityMajor, Raised: ago(5), Acknowledged: true, Closed: true},
				{ID: "pm25-minor", Severity: city.SeverityMinor, Raised: ago(3)},
			},
			want:       []string{"fire-new", "pm25-old-unack", "pm25-minor", "crowd-ack", "noise-ack"},
			withClosed: []string{"fire-new", "pm25-old-unack", "pm25-minor", "crowd-ack", "noise-ack", "water-closed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.rows)
			if got := alertIDs(OrderAlerts(tt.rows)); !slices.Equal(got, tt.want) {
				t.Errorf("OrderAlerts = %v, want %v", got, tt.want)
			}
			wantAll := tt.withClosed
			if wantAll == nil {
				wantAll = tt.want
			}
			if got := alertIDs(OrderAlertsWithClosed(tt.rows)); !slices.Equal(got, wantAll) {
				t.Errorf("OrderAlertsWithClosed = %v, want %v", got, wantAll)
			}
			if !slices.EqualFunc(in, tt.rows, func(a, b AlertRow) bool { return a.ID == b.ID }) {
				t.Errorf("input reordered: %v, was %v", alertIDs(tt.rows), alertIDs(in))
			}
		})
	}
}

// TestOrderAlertsInvariants checks the rule on many generated alerts: every
// unacknowledged alert above every acknowledged one, and within a group no
// alert below a more severe one or a newer one of the same severity.
func TestOrderAlertsInvariants(t *testing.T) {
	rows := make([]AlertRow, 0, 500)
	for i := range 500 {
		rows = append(rows, AlertRow{
			ID:           fmt.Sprintf("a%03d", i),
			Severity:     city.Severity(1 + (i*7)%4),
			Raised:       alertT0.Add(-time.Duration((i*37)%300) * time.Minute),
			Acknowledged: (i*11)%3 == 0,
			Closed:       (i*13)%10 == 0,
		})
	}
	got := OrderAlerts(rows)
	open := 0
	for _, r := range rows {
		if !r.Closed {
			open++
		}
	}
	if len(got) != open {
		t.Fatalf("listed %d alerts, want the %d open ones", len(got), open)
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		switch {
		case b.Closed:
			t.Fatalf("closed alert %s listed", b.ID)
		case a.Acknowledged && !b.Acknowledged:
			t.Fatalf("unacknowledged %s below acknowledged %s", b.ID, a.ID)
		case a.Acknowledged == b.Acknowledged && a.Severity < b.Severity:
			t.Fatalf("%s (severity %d) below less severe %s (%d)", b.ID, b.Severity, a.ID, a.Severity)
		case a.Acknowledged == b.Acknowledged && a.Severity == b.Severity && a.Raised.Before(b.Raised):
			t.Fatalf("newer %s below older %s", b.ID, a.ID)
		}
	}
}

// panelRows is a small duty scene: three unacknowledged, two acknowledged,
// one closed.
func panelRows() []AlertRow {
	ago := func(m int) time.Time { return alertT0.Add(-time.Duration(m) * time.Minute) }
	all := []city.StepKind{city.StepAcknowledge, city.StepComment}
	return []AlertRow{
		{ID: "fire", Title: "Smoke alarm", Station: "Mall B2", Severity: city.SeverityCritical, Raised: ago(1), Flash: true, Actions: all},
		{ID: "pm25", Title: "PM2.5 over limit", Station: "Shiwuchang", Severity: city.SeverityMajor, Raised: ago(200), Escalated: true, Actions: all},
		{ID: "noise", Title: "Noise over limit", Station: "Bund", Severity: city.SeverityMinor, Raised: ago(3), Actions: all},
		{ID: "crowd", Title: "Crowd density", Station: "Nanjing Rd", Severity: city.SeverityCritical, Raised: ago(20), Acknowledged: true, Team: "Team 3", Comments: 2,
			Actions: []city.StepKind{city.StepDispatch, city.StepComment}},
		{ID: "water", Title: "DO low", Station: "Suzhou Creek", Severity: city.SeverityMajor, Raised: ago(60), Acknowledged: true,
			Actions: []city.StepKind{city.StepResolve, city.StepComment}},
		{ID: "old", Title: "Closed one", Station: "Bund", Severity: city.SeverityCritical, Raised: ago(5), Acknowledged: true, Closed: true},
	}
}

// rowViews returns the row views the list shows on screen, top to bottom.
func rowViews(t testing.TB, c fyne.Canvas) []*alertRowView {
	var views []*alertRowView
	for _, o := range drawnObjects(c) {
		if v, ok := o.(*alertRowView); ok && v.row.ID != "" {
			views = append(views, v)
		}
	}
	sort.Slice(views, func(i, j int) bool { return drawnBounds(t, c, views[i]).Min.Y < drawnBounds(t, c, views[j]).Min.Y })
	return views
}

func TestAlertPanelRowsAndHeader(t *testing.T) {
	newPanelTestApp(t)
	p := NewAlertPanel()
	p.SetAlerts(panelRows())
	c := showWidget(t, p, fyne.NewSize(520, 900))
	r := test.WidgetRenderer(p).(*alertPanelRenderer)

	want := []string{"fire", "pm25", "noise", "crowd", "water"}
	if got := r.list.Length(); got != len(want) {
		t.Fatalf("list length %d, want %d", got, len(want))
	}
	var shown []string
	for _, v := range rowViews(t, c) {
		shown = append(shown, v.row.ID)
	}
	if !slices.Equal(shown, want) {
		t.Errorf("rows on screen %v, want %v", shown, want)
	}
	if got, want := r.unacked.Text, "Unacknowledged 3"; got != want {
		t.Errorf("unacknowledged counter %q, want %q", got, want)
	}
	for sev, n := range map[city.Severity]int{city.SeverityCritical: 2, city.SeverityMajor: 2, city.SeverityMinor: 1, city.SeverityInfo: 0} {
		want := fmt.Sprintf("%s %d", severityName(sev), n)
		if got := r.counts[severityIndex(sev)].Text; got != want {
			t.Errorf("header for %v: %q, want %q", sev, got, want)
		}
	}
	if !r.actionBar.Hidden {
		t.Error("action bar shown with nothing selected")
	}

	// The toggle lists the closed alert too, last.
	test.Tap(r.showClosed)
	if !p.ShowClosed() || r.list.Length() != 6 {
		t.Fatalf("after show closed: ShowClosed %v, length %d; want true, 6", p.ShowClosed(), r.list.Length())
	}
	views := rowViews(t, c)
	if last := views[len(views)-1].row.ID; last != "old" {
		t.Errorf("last row %q, want the closed alert", last)
	}
	test.Tap(r.showClosed)
	if r.list.Length() != 5 {
		t.Errorf("after hiding closed: length %d, want 5", r.list.Length())
	}
}

func TestAlertPanelSelectionAndActions(t *testing.T) {
	newPanelTestApp(t)
	p := NewAlertPanel()
	var selected []string
	type action struct {
		id   string
		step city.StepKind
	}
	var actions []action
	p.OnSelect = func(id string) { selected = append(selected, id) }
	p.OnAction = func(id string, step city.StepKind) { actions = append(actions, action{id, step}) }
	p.SetAlerts(panelRows())
	c := showWidget(t, p, fyne.NewSize(520, 900))
	r := test.WidgetRenderer(p).(*alertPanelRenderer)

	// The officer taps the fourth row (crowd).
	row := rowViews(t, c)[3]
	b := drawnBounds(t, c, row)
	test.TapCanvas(c, fyne.NewPos(float32(b.Min.X+b.Dx()/2), float32(b.Min.Y+b.Dy()/2)))
	if !slices.Equal(selected, []string{"crowd"}) || p.Selected() != "crowd" {
		t.Fatalf("after tapping the crowd row: OnSelect %v, Selected %q", selected, p.Selected())
	}
	if r.actionBar.Hidden {
		t.Fatal("action bar hidden with a row selected")
	}
	if r.actionTitle.Text != "Crowd density" {
		t.Errorf("action bar title %q", r.actionTitle.Text)
	}
	enabled := map[string]bool{}
	for i, btn := range r.buttons {
		if !btn.Disabled() {
			enabled[string(AlertSteps[i])] = true
		}
		if btn.Text != stepLabel(AlertSteps[i]) {
			t.Errorf("button %d reads %q, want %q", i, btn.Text, stepLabel(AlertSteps[i]))
		}
	}
	if want := map[string]bool{"dispatch": true, "comment": true}; !stepSetEqual(enabled, want) {
		t.Errorf("enabled buttons %v, want %v", enabled, want)
	}
	for _, btn := range r.buttons {
		test.Tap(btn) // disabled buttons ignore taps
	}
	want := []action{{"crowd", city.StepDispatch}, {"crowd", city.StepComment}}
	if !slices.Equal(actions, want) {
		t.Errorf("OnAction calls %v, want %v", actions, want)
	}

	// A new alert arrives above: the selection follows the alert, not the row.
	rows := append(panelRows(), AlertRow{ID: "new", Title: "New", Severity: city.SeverityCritical, Raised: alertT0})
	p.SetAlerts(rows)
	if p.Selected() != "crowd" || r.actionTitle.Text != "Crowd density" {
		t.Errorf("after reorder: Selected %q, title %q; want crowd", p.Selected(), r.actionTitle.Text)
	}
	for _, v := range rowViews(t, c) {
		if v.selected != (v.row.ID == "crowd") {
			t.Errorf("row %s drawn selected=%v", v.row.ID, v.selected)
		}
	}

	// Select from the map: no OnSelect echo; the buttons follow the alert.
	p.Select("water")
	if p.Selected() != "water" || len(selected) != 1 {
		t.Errorf("Select(water): Selected %q, OnSelect calls %v", p.Selected(), selected)
	}
	if r.buttons[slices.Index(AlertSteps, city.StepResolve)].Disabled() || !r.buttons[slices.Index(AlertSteps, city.StepDispatch)].Disabled() {
		t.Error("buttons did not follow the selected alert's actions")
	}

	// Tapping the crowd row again re-selects it (the list keeps no
	// selection of its own that could swallow the tap).
	row = nil
	for _, v := range rowViews(t, c) {
		if v.row.ID == "crowd" {
			row = v
		}
	}
	b = drawnBounds(t, c, row)
	test.TapCanvas(c, fyne.NewPos(float32(b.Min.X+b.Dx()/2), float32(b.Min.Y+b.Dy()/2)))
	if p.Selected() != "crowd" || !slices.Equal(selected, []string{"crowd", "crowd"}) {
		t.Errorf("tapping crowd again: Selected %q, OnSelect calls %v", p.Selected(), selected)
	}

	// A step the alert does not allow is refused even if asked for
	// (say by a keyboard shortcut).
	before := len(actions)
	p.act(city.StepClose)
	if len(actions) != before {
		t.Errorf("a step the alert does not allow reached OnAction: %v", actions[before:])
	}

	// The selected alert is closed and disappears: nothing is selected.
	rows = panelRows()
	rows[3].Closed = true // crowd
	p.SetAlerts(rows)
	if p.Selected() != "" || !r.actionBar.Hidden {
		t.Errorf("after the selected alert closed: Selected %q, action bar hidden %v", p.Selected(), r.actionBar.Hidden)
	}
	p.Select("no-such-alert")
	if p.Selected() != "" {
		t.Errorf("Select of an unknown ID selected %q", p.Selected())
	}
}

func stepSetEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// redShare is the share of a row's pixels that are the critical red.
func redShare(t testing.TB, c fyne.Canvas, img image.Image, v *alertRowView) float64 {
	b := drawnBounds(t, c, v)
	return float64(countColorNear(img, b, SeverityColor(city.SeverityCritical), 8)) / float64(pixelArea(b))
}

func TestAlertPanelFlashing(t *testing.T) {
	newPanelTestApp(t)
	p := NewAlertPanel()
	rows := panelRows()
	p.SetAlerts(rows)
	c := showWidget(t, p, fyne.NewSize(520, 900))
	if !p.Flashing() {
		t.Fatal("a new critical unacknowledged alert does not flash")
	}
	views := rowViews(t, c)
	fire, crowd := views[0], views[3] // both critical; only fire flashes
	if fire.row.ID != "fire" || crowd.row.ID != "crowd" {
		t.Fatalf("unexpected rows %s, %s", fire.row.ID, crowd.row.ID)
	}
	for _, phase := range []struct {
		done float32
		on   bool
	}{{0.25, true}, {0.75, false}, {0.1, true}, {0.9, false}} {
		p.flashTick(phase.done)
		img := c.Capture()
		got := redShare(t, c, img, fire)
		if phase.on && got < 0.5 {
			t.Errorf("tick %.2f: flashing row %.0f%% red, want most of it", phase.done, got*100)
		}
		if !phase.on && got > 0.15 {
			t.Errorf("tick %.2f: flashing row %.0f%% red in its off phase, want only its bar", phase.done, got*100)
		}
		if s := redShare(t, c, img, crowd); s > 0.15 {
			t.Errorf("tick %.2f: acknowledged critical row %.0f%% red, want only its bar", phase.done, s*100)
		}
	}

	// Acknowledged: the row stops flashing and the animation stops.
	p.flashTick(0.25)
	rows[0].Acknowledged = true
	p.SetAlerts(rows)
	if p.Flashing() {
		t.Error("animation still running with no row to flash")
	}
	p.flashTick(0.25)
	img := c.Capture()
	for _, v := range rowViews(t, c) {
		if s := redShare(t, c, img, v); s > 0.15 {
			t.Errorf("row %s %.0f%% red after acknowledgement", v.row.ID, s*100)
		}
	}
}

// benchAlerts makes n alerts with varied severity, age and state.
func benchAlerts(n, seed int) []AlertRow {
	rows := make([]AlertRow, n)
	for i := range rows {
		k := i*7919 + seed*104729
		rows[i] = AlertRow{
			ID:           fmt.Sprintf("alert-%05d", i),
			Title:        fmt.Sprintf("PM2.5 over limit · station %d", i%300),
			Station:      fmt.Sprintf("station %d", i%300),
			StateText:    "open",
			Age:          fmt.Sprintf("%d min", k%600),
			Severity:     city.Severity(1 + k%4),
			Raised:       alertT0.Add(-time.Duration(k%36000) * time.Second),
			Acknowledged: k%3 == 0,
			Closed:       k%17 == 0,
			Flash:        k%97 == 0,
			Actions:      []city.StepKind{city.StepAcknowledge, city.StepComment},
		}
	}
	return rows
}

// BenchmarkAlertPanelSetAlerts measures replacing 5 000 alerts in a panel on
// screen (ordering, counting, redrawing the rows in view), in ms/op. As a
// baseline measured in the same loop on the same input it reports
// OrderAlerts alone (order-ms/op): the difference is the panel's own cost.
func BenchmarkAlertPanelSetAlerts(b *testing.B) {
	const n = 5000
	newPanelTestApp(b)
	p := NewAlertPanel()
	sets := [2][]AlertRow{benchAlerts(n, 1), benchAlerts(n, 2)}
	showWidget(b, p, fyne.NewSize(480, 1000))
	p.SetAlerts(sets[1])
	var panel, order time.Duration
	i := 0
	for b.Loop() {
		set := sets[i%2]
		start := time.Now()
		_ = OrderAlerts(set)
		mid := time.Now()
		p.SetAlerts(set)
		order += mid.Sub(start)
		panel += time.Since(mid)
		i++
	}
	perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(perOp(panel), "ns/op") // SetAlerts only, not the baseline
	b.ReportMetric(perOp(panel)/1e6, "ms/op")
	b.ReportMetric(perOp(order)/1e6, "order-ms/op")
	if p.list == nil || p.list.Length() != len(OrderAlerts(sets[(i-1)%2])) {
		b.Fatal("the panel does not list the alerts it was given")
	}
}
