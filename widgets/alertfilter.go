package widgets

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onescreen/city"
)

// AlertFilter narrows the alert panel's list. The fields combine; the zero
// filter lists everything.
type AlertFilter struct {
	Feed        city.Feed       // only this feed's alerts; "" for all
	MinSeverity city.Severity   // only alerts at least this severe; 0 for all
	State       city.AlertState // only alerts in this state; "" for all
}

// Active reports whether the filter hides anything at all.
func (f AlertFilter) Active() bool { return f != AlertFilter{} }

// Matches reports whether the filter lets r through.
func (f AlertFilter) Matches(r AlertRow) bool {
	if f.Feed != "" && r.Feed != f.Feed {
		return false
	}
	if f.MinSeverity != 0 && clampSeverity(r.Severity) < f.MinSeverity {
		return false
	}
	if f.State != "" && r.State != f.State {
		return false
	}
	return true
}

// AlertFeedChoice is one feed the panel's filter offers, with its name.
type AlertFeedChoice struct {
	Feed  city.Feed
	Label string
}

// FilterCounts says what the filter hides: how many rows, and how many of
// them are unacknowledged critical alerts (which the panel never hides
// silently: a pinned notice says so).
type FilterCounts struct {
	Hidden               int
	HiddenCriticalUnacks int
}

// filterAlerts returns the rows f lets through and what it hid.
func filterAlerts(rows []AlertRow, f AlertFilter) ([]AlertRow, FilterCounts) {
	if !f.Active() {
		return rows, FilterCounts{}
	}
	var n FilterCounts
	out := rows[:0:0]
	for _, r := range rows {
		if f.Matches(r) {
			out = append(out, r)
			continue
		}
		n.Hidden++
		if r.pinned() && clampSeverity(r.Severity) == city.SeverityCritical {
			n.HiddenCriticalUnacks++
		}
	}
	return out, n
}

// filterStates are the states the filter offers, in workflow order.
var filterStates = []city.AlertState{
	city.StateRaised, city.StateAcknowledged, city.StateDispatched, city.StateResolved,
	city.StateVerified, city.StateAutoCleared, city.StateClosed,
}

// stateName is the filter's name of a state.
func stateName(s city.AlertState) string {
	switch s {
	case city.StateRaised:
		return lang.L("Unacknowledged")
	case city.StateAcknowledged:
		return lang.L("Acknowledged")
	case city.StateDispatched:
		return lang.L("Dispatched")
	case city.StateResolved:
		return lang.L("Resolved")
	case city.StateVerified:
		return lang.L("Verified")
	case city.StateAutoCleared:
		return lang.L("Auto-cleared")
	case city.StateClosed:
		return lang.L("Closed")
	}
	return string(s)
}

// minSeverityName is the filter's name of a lowest severity.
func minSeverityName(s city.Severity) string {
	if s == city.SeverityCritical {
		return severityName(s)
	}
	return severityName(s) + " " + lang.L("and above")
}

// alertFilterBar is the panel's filter row: feed, severity and state
// selectors, the count of hidden alerts, a reset button, and the pinned
// notice of unacknowledged critical alerts the filter hides.
type alertFilterBar struct {
	feed, severity, state *widget.Select
	hidden                *widget.Label
	reset                 *widget.Button
	notice                *widget.Button
	box                   *fyne.Container

	feeds    []AlertFeedChoice
	updating bool // the selectors are being set from the filter
}

func newAlertFilterBar(p *AlertPanel) *alertFilterBar {
	b := &alertFilterBar{}
	b.feed = widget.NewSelect(nil, func(s string) { b.changed(p) })
	b.severity = widget.NewSelect(nil, func(s string) { b.changed(p) })
	b.state = widget.NewSelect(nil, func(s string) { b.changed(p) })
	b.hidden = widget.NewLabel("")
	b.hidden.Importance = widget.WarningImportance
	b.reset = widget.NewButtonWithIcon(lang.L("Show all"), theme.ContentClearIcon(), func() { p.SetFilter(AlertFilter{}) })
	b.reset.Importance = widget.LowImportance
	b.notice = widget.NewButtonWithIcon("", theme.WarningIcon(), func() { p.SetFilter(AlertFilter{}) })
	b.notice.Importance = widget.DangerImportance
	b.box = container.NewVBox(
		container.NewGridWithColumns(3, b.feed, b.severity, b.state),
		container.NewBorder(nil, nil, nil, b.reset, b.hidden),
		b.notice,
	)
	return b
}

// options fills the selectors' choices in the interface language.
func (b *alertFilterBar) options(feeds []AlertFeedChoice) {
	b.feeds = feeds
	fo := []string{lang.L("Every feed")}
	for _, f := range feeds {
		fo = append(fo, f.Label)
	}
	so := []string{lang.L("All severities")}
	for sev := city.SeverityCritical; sev >= city.SeverityMinor; sev-- {
		so = append(so, minSeverityName(sev))
	}
	st := []string{lang.L("All states")}
	for _, s := range filterStates {
		st = append(st, stateName(s))
	}
	b.feed.Options, b.severity.Options, b.state.Options = fo, so, st
}

// filter reads the selectors.
func (b *alertFilterBar) filter() AlertFilter {
	var f AlertFilter
	if i := b.feed.SelectedIndex(); i > 0 && i-1 < len(b.feeds) {
		f.Feed = b.feeds[i-1].Feed
	}
	if i := b.severity.SelectedIndex(); i > 0 {
		f.MinSeverity = city.SeverityCritical - city.Severity(i-1)
	}
	if i := b.state.SelectedIndex(); i > 0 && i-1 < len(filterStates) {
		f.State = filterStates[i-1]
	}
	return f
}

func (b *alertFilterBar) changed(p *AlertPanel) {
	if b.updating {
		return
	}
	p.SetFilter(b.filter())
}

// show sets the selectors from f and the counts from n.
func (b *alertFilterBar) show(f AlertFilter, n FilterCounts) {
	b.updating = true
	defer func() { b.updating = false }()
	fi := 0
	for i, c := range b.feeds {
		if c.Feed == f.Feed {
			fi = i + 1
		}
	}
	si := 0
	if f.MinSeverity >= city.SeverityMinor && f.MinSeverity <= city.SeverityCritical {
		si = int(city.SeverityCritical-f.MinSeverity) + 1
	}
	ti := 0
	for i, s := range filterStates {
		if s == f.State {
			ti = i + 1
		}
	}
	for _, x := range []struct {
		s *widget.Select
		i int
	}{{b.feed, fi}, {b.severity, si}, {b.state, ti}} {
		if x.s.SelectedIndex() != x.i {
			x.s.SetSelectedIndex(x.i)
		}
	}
	if f.Active() {
		b.hidden.SetText(lang.L("Hidden by filter") + " " + strconv.Itoa(n.Hidden))
		b.hidden.Show()
		b.reset.Show()
	} else {
		b.hidden.Hide()
		b.reset.Hide()
	}
	if n.HiddenCriticalUnacks > 0 {
		b.notice.SetText(strconv.Itoa(n.HiddenCriticalUnacks) + " " + lang.L("unacknowledged critical alerts hidden by the filter — show all"))
		b.notice.Show()
	} else {
		b.notice.Hide()
	}
}

// SetFeeds sets the feeds the filter offers, with their names.
func (p *AlertPanel) SetFeeds(feeds []AlertFeedChoice) {
	p.feeds = append([]AlertFeedChoice(nil), feeds...)
	if p.filterBar != nil {
		p.filterBar.options(p.feeds)
		p.Refresh()
	}
}

// SetFilter narrows the list to the alerts f lets through. Filtering by the
// closed state lists closed alerts (as "show closed" does).
func (p *AlertPanel) SetFilter(f AlertFilter) {
	if f == p.filter {
		return
	}
	p.filter = f
	if f.State == city.StateClosed && !p.showClosed {
		p.toggleShowClosed(true)
		return
	}
	p.reorder()
}

// Filter returns the filter in force.
func (p *AlertPanel) Filter() AlertFilter { return p.filter }

// FilterCounts says what the filter hides now.
func (p *AlertPanel) FilterCounts() FilterCounts { return p.filtered }

// toggleShowClosed is the header's "show closed" check box.
func (p *AlertPanel) toggleShowClosed(show bool) {
	if p.showClosed == show {
		return
	}
	p.SetShowClosed(show)
	if p.OnShowClosed != nil {
		p.OnShowClosed(show)
	}
}
