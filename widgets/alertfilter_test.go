package widgets

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"onescreen/city"
)

// filterRows are alerts of every feed, severity and state.
func filterRows() []AlertRow {
	ago := func(m int) AlertRow { return AlertRow{Raised: alertT0.Add(-timeMinutes(m))} }
	mk := func(id string, f city.Feed, sev city.Severity, st city.AlertState, m int) AlertRow {
		r := ago(m)
		r.ID, r.Feed, r.Severity, r.State = id, f, sev, st
		r.Title = id
		r.Acknowledged = st != city.StateRaised
		r.Closed = st == city.StateClosed
		return r
	}
	return []AlertRow{
		mk("fire-crit-unack", city.FeedFire, city.SeverityCritical, city.StateRaised, 1),
		mk("fire-crit-disp", city.FeedFire, city.SeverityCritical, city.StateDispatched, 2),
		mk("air-major-unack", city.FeedAir, city.SeverityMajor, city.StateRaised, 3),
		mk("air-minor-ack", city.FeedAir, city.SeverityMinor, city.StateAcknowledged, 4),
		mk("water-major-res", city.FeedWater, city.SeverityMajor, city.StateResolved, 5),
		mk("noise-info-unack", city.FeedNoise, city.SeverityInfo, city.StateRaised, 6),
		mk("crowd-crit-closed", city.FeedCrowd, city.SeverityCritical, city.StateClosed, 7),
	}
}

func TestAlertFilterCombines(t *testing.T) {
	tests := []struct {
		name       string
		f          AlertFilter
		want       []string
		hidden     int
		critUnacks int
	}{
		{"none", AlertFilter{}, []string{"fire-crit-unack", "air-major-unack", "noise-info-unack", "fire-crit-disp", "water-major-res", "air-minor-ack"}, 0, 0},
		{"feed", AlertFilter{Feed: city.FeedAir}, []string{"air-major-unack", "air-minor-ack"}, 4, 1},
		{"severity at least major", AlertFilter{MinSeverity: city.SeverityMajor}, []string{"fire-crit-unack", "air-major-unack", "fire-crit-disp", "water-major-res"}, 2, 0},
		{"state", AlertFilter{State: city.StateRaised}, []string{"fire-crit-unack", "air-major-unack", "noise-info-unack"}, 3, 0},
		{"feed and severity", AlertFilter{Feed: city.FeedFire, MinSeverity: city.SeverityCritical}, []string{"fire-crit-unack", "fire-crit-disp"}, 4, 0},
		{"feed, severity and state", AlertFilter{Feed: city.FeedFire, MinSeverity: city.SeverityCritical, State: city.StateDispatched}, []string{"fire-crit-disp"}, 5, 1},
		{"nothing matches", AlertFilter{Feed: city.FeedNoise, State: city.StateResolved}, []string{}, 6, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			p := NewAlertPanel()
			test.NewTempWindow(t, p).Resize(fyne.NewSize(420, 700))
			p.SetAlerts(filterRows())
			p.SetFilter(tc.f)
			if got := alertIDs(p.Alerts()); !slices.Equal(got, tc.want) {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
			n := p.FilterCounts()
			if n.Hidden != tc.hidden || n.HiddenCriticalUnacks != tc.critUnacks {
				t.Errorf("counts %+v, want hidden %d, hidden unacknowledged critical %d", n, tc.hidden, tc.critUnacks)
			}
			bar := p.filterBar
			if bar.hidden.Visible() != tc.f.Active() {
				t.Errorf("hidden count shown %v with filter %+v", bar.hidden.Visible(), tc.f)
			}
			if tc.f.Active() && !strings.Contains(bar.hidden.Text, itoa(tc.hidden)) {
				t.Errorf("hidden count reads %q, want %d", bar.hidden.Text, tc.hidden)
			}
			if bar.notice.Visible() != (tc.critUnacks > 0) {
				t.Errorf("notice shown %v with %d hidden unacknowledged critical", bar.notice.Visible(), tc.critUnacks)
			}
			if tc.critUnacks > 0 {
				if !strings.HasPrefix(bar.notice.Text, itoa(tc.critUnacks)+" ") {
					t.Errorf("notice %q does not start with the count %d", bar.notice.Text, tc.critUnacks)
				}
				test.Tap(bar.notice) // the notice shows everything again
				if p.Filter().Active() || len(p.Alerts()) != 6 {
					t.Errorf("after tapping the notice: filter %+v, %d listed", p.Filter(), len(p.Alerts()))
				}
			}
		})
	}
}

// TestAlertFilterSelectors drives the filter through its selectors, and
// filtering by the closed state lists the closed alerts.
func TestAlertFilterSelectors(t *testing.T) {
	test.NewTempApp(t)
	p := NewAlertPanel()
	p.SetFeeds([]AlertFeedChoice{{city.FeedAir, "空气"}, {city.FeedWater, "水质"}, {city.FeedNoise, "噪声"}, {city.FeedFire, "消防"}, {city.FeedCrowd, "客流"}})
	test.NewTempWindow(t, p).Resize(fyne.NewSize(420, 700))
	var closedAsked []bool
	p.OnShowClosed = func(show bool) { closedAsked = append(closedAsked, show) }
	p.SetAlerts(filterRows())
	bar := p.filterBar
	bar.feed.SetSelected("消防")
	bar.severity.SetSelectedIndex(1) // critical
	if got := p.Filter(); got.Feed != city.FeedFire || got.MinSeverity != city.SeverityCritical {
		t.Fatalf("filter after choosing 消防 and 严重: %+v", got)
	}
	if got := alertIDs(p.Alerts()); !slices.Equal(got, []string{"fire-crit-unack", "fire-crit-disp"}) {
		t.Errorf("listed %v", got)
	}
	bar.feed.SetSelectedIndex(0)
	bar.severity.SetSelectedIndex(0)
	bar.state.SetSelected(stateName(city.StateClosed))
	if !p.ShowClosed() || !slices.Equal(closedAsked, []bool{true}) {
		t.Errorf("filtering by closed: show closed %v, asked %v", p.ShowClosed(), closedAsked)
	}
	if got := alertIDs(p.Alerts()); !slices.Equal(got, []string{"crowd-crit-closed"}) {
		t.Errorf("closed filter lists %v", got)
	}
	test.Tap(bar.reset)
	if p.Filter().Active() || bar.state.SelectedIndex() != 0 {
		t.Errorf("reset left filter %+v, state selector at %d", p.Filter(), bar.state.SelectedIndex())
	}
}

// TestShowClosedCheckTellsTheApp: the header's check box asks the app to
// list closed alerts (it used to change only the panel, which had none).
func TestShowClosedCheckTellsTheApp(t *testing.T) {
	test.NewTempApp(t)
	p := NewAlertPanel()
	test.NewTempWindow(t, p).Resize(fyne.NewSize(420, 700))
	var asked []bool
	p.OnShowClosed = func(show bool) { asked = append(asked, show) }
	r := test.WidgetRenderer(p).(*alertPanelRenderer)
	test.Tap(r.showClosed)
	test.Tap(r.showClosed)
	if !slices.Equal(asked, []bool{true, false}) {
		t.Errorf("OnShowClosed calls %v, want [true false]", asked)
	}
	p.SetShowClosed(true) // the app's own change is not echoed back
	if len(asked) != 2 {
		t.Errorf("SetShowClosed called OnShowClosed: %v", asked)
	}
}

func timeMinutes(m int) time.Duration { return time.Duration(m) * time.Minute }

func itoa(n int) string { return strconv.Itoa(n) }
