package widgets

import (
	"cmp"
	"image/color"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onescreen/city"
)

// AlertSteps lists the officer's workflow steps in the order of the action
// bar's buttons (the order of 一网统管: acknowledge → dispatch → resolve →
// verify → close, and a comment at any time). AlertRow.Actions says which
// of them an alert allows now.
var AlertSteps = []city.StepKind{
	city.StepAcknowledge, city.StepDispatch, city.StepResolve,
	city.StepVerify, city.StepClose, city.StepComment,
}

// stepLabel is the translated text of a step's button.
func stepLabel(step city.StepKind) string {
	switch step {
	case city.StepAcknowledge:
		return lang.L("Acknowledge")
	case city.StepDispatch:
		return lang.L("Dispatch…")
	case city.StepResolve:
		return lang.L("Resolve…")
	case city.StepVerify:
		return lang.L("Verify")
	case city.StepClose:
		return lang.L("Close alert")
	case city.StepComment:
		return lang.L("Comment…")
	}
	return string(step)
}

// AlertRow is one alert as the panel lists it. Text arrives formatted and
// translated by the app.
type AlertRow struct {
	ID           string
	Title        string // e.g. "PM2.5 超标 · 十五厂"
	Station      string // station name
	StateText    string // workflow state, e.g. "待确认"
	Team         string // assigned team; empty when none
	Age          string // time since raised, e.g. "12 min"
	Severity     city.Severity
	SeverityText string // e.g. "严重"
	Raised       time.Time
	Acknowledged bool
	Closed       bool            // closed or cleared: hidden unless "show closed" is on
	Flash        bool            // a new critical alert not yet acknowledged: the row flashes
	Comments     int             // number of comments
	Actions      []city.StepKind // officer's steps allowed now, from the workflow
	Escalated    bool            // left unacknowledged too long: marked
	Overdue      bool            // 超期: past its disposal time limit (marked, before Escalated)
	CaseText     string          // the case model, e.g. "已立案 · 时限 09-22 14:00"
	CaseActions  []city.StepKind // case steps allowed now (the shift leader's); their buttons show only then
	Feed         city.Feed       // for the filter
	State        city.AlertState // for the filter
}

// pinned reports whether the row belongs in the top group: open and not yet
// acknowledged.
func (a AlertRow) pinned() bool { return !a.Closed && !a.Acknowledged }

// allows reports whether step is among the row's allowed actions.
func (a AlertRow) allows(step city.StepKind) bool { return slices.Contains(a.Actions, step) }

// alertGroup ranks the three groups of the list: unacknowledged, then
// acknowledged and open, then closed.
func alertGroup(a AlertRow) int {
	switch {
	case a.Closed:
		return 2
	case !a.Acknowledged:
		return 0
	default:
		return 1
	}
}

// compareAlerts orders two alerts for the panel: by group, most severe
// first, newest first, and by ID so that equal alerts keep a stable order.
func compareAlerts(a, b AlertRow) int {
	return cmp.Or(
		cmp.Compare(alertGroup(a), alertGroup(b)),
		cmp.Compare(clampSeverity(b.Severity), clampSeverity(a.Severity)),
		b.Raised.Compare(a.Raised),
		cmp.Compare(a.ID, b.ID),
	)
}

// OrderAlerts returns the alerts the panel lists, in the order it lists
// them. Unacknowledged alerts are pinned at the top whatever their age;
// within that group and within the acknowledged ones, the most severe come
// first, then the newest. Closed (or cleared) alerts are left out. The input
// is not changed.
func OrderAlerts(rows []AlertRow) []AlertRow {
	return orderAlerts(rows, false)
}

// OrderAlertsWithClosed is OrderAlerts with the closed alerts kept, as a
// third group after all open ones (most severe, then newest first).
func OrderAlertsWithClosed(rows []AlertRow) []AlertRow {
	return orderAlerts(rows, true)
}

func orderAlerts(rows []AlertRow, showClosed bool) []AlertRow {
	out := make([]AlertRow, 0, len(rows))
	for _, r := range rows {
		if showClosed || !r.Closed {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, compareAlerts)
	return out
}

// alertFlashPeriod is one on-off cycle of a flashing row.
const alertFlashPeriod = time.Second

// AlertPanel is the alert list at the side of the duty console. A header
// counts open alerts per severity and the unacknowledged ones; the list
// pins unacknowledged alerts at the top (see OrderAlerts) and flashes new
// critical ones; selecting a row shows an action bar with the workflow
// steps the alert allows. It uses a widget.List, so thousands of alerts cost
// only the rows on screen.
type AlertPanel struct {
	widget.BaseWidget

	// OnSelect is called with the alert's ID when the officer selects a
	// row (not when Select is called).
	OnSelect func(alertID string) `json:"-"`
	// OnAction is called when the officer presses a step's button; the app
	// opens whatever dialog the step needs (team, note).
	OnAction func(alertID string, step city.StepKind) `json:"-"`
	// OnCaseAction is called when the shift leader presses a case step's
	// button (立案, 不予立案, 挂账, 取消挂账; see alertpanel_case.go).
	OnCaseAction func(alertID string, step city.StepKind) `json:"-"`
	// OnShowClosed is called when the officer switches "show closed" in
	// the header (or filters by the closed state), so that the app lists
	// the closed alerts too.
	OnShowClosed func(show bool) `json:"-"`
	// ReadOnly shows the selected alert without the step buttons (a
	// briefing wall, a read-only desk); set it before the panel is drawn.
	ReadOnly bool

	all        []AlertRow
	visible    []AlertRow
	selected   string
	showClosed bool
	filter     AlertFilter
	filtered   FilterCounts
	feeds      []AlertFeedChoice
	filterBar  *alertFilterBar // set by the renderer

	flashing []widget.ListItemID // indexes into visible of rows that flash
	flashOn  bool                // flashing rows show their severity colour now
	anim     *fyne.Animation

	list *widget.List // set by the renderer; nil until the panel is drawn
}

var _ fyne.Widget = (*AlertPanel)(nil)

// NewAlertPanel returns an empty panel.
func NewAlertPanel() *AlertPanel {
	p := &AlertPanel{}
	p.ExtendBaseWidget(p)
	return p
}

// SetAlerts replaces the alerts the panel lists. The selection follows its
// alert's ID; if that alert is no longer listed, nothing is selected. The
// list keeps its scroll position.
func (p *AlertPanel) SetAlerts(rows []AlertRow) {
	p.all = slices.Clone(rows)
	p.reorder()
}

// Alerts returns the rows the panel lists now, in list order.
func (p *AlertPanel) Alerts() []AlertRow { return slices.Clone(p.visible) }

// SetShowClosed shows or hides closed alerts (the header's toggle).
func (p *AlertPanel) SetShowClosed(show bool) {
	if p.showClosed == show {
		return
	}
	p.showClosed = show
	p.reorder()
}

// ShowClosed reports whether closed alerts are listed.
func (p *AlertPanel) ShowClosed() bool { return p.showClosed }

// Selected returns the selected alert's ID, or "" when none is.
func (p *AlertPanel) Selected() string { return p.selected }

// Select selects the alert with the given ID and scrolls it into view, as
// when the officer clicks its station on the map; "" or an ID not listed
// clears the selection. OnSelect is not called.
func (p *AlertPanel) Select(id string) {
	if p.indexOf(id) < 0 {
		id = ""
	}
	p.selected = id
	p.Refresh()
	if i := p.indexOf(id); i >= 0 && p.list != nil {
		p.list.ScrollTo(i)
	}
}

// SelectedAlert returns the selected row and whether one is selected.
func (p *AlertPanel) SelectedAlert() (AlertRow, bool) {
	if i := p.indexOf(p.selected); i >= 0 {
		return p.visible[i], true
	}
	return AlertRow{}, false
}

func (p *AlertPanel) indexOf(id string) int {
	if id == "" {
		return -1
	}
	return slices.IndexFunc(p.visible, func(r AlertRow) bool { return r.ID == id })
}

// reorder recomputes the listed rows, the flashing rows and the selection,
// starts or stops the flash animation and redraws.
func (p *AlertPanel) reorder() {
	p.visible, p.filtered = filterAlerts(orderAlerts(p.all, p.showClosed), p.filter)
	p.flashing = p.flashing[:0]
	for i, r := range p.visible {
		if r.Flash && r.pinned() {
			p.flashing = append(p.flashing, i)
		}
	}
	if p.indexOf(p.selected) < 0 {
		p.selected = ""
	}
	p.updateAnimation()
	p.Refresh()
}

// updateAnimation runs the flash animation while any row flashes.
func (p *AlertPanel) updateAnimation() {
	switch {
	case len(p.flashing) > 0 && p.anim == nil:
		p.anim = fyne.NewAnimation(alertFlashPeriod, p.flashTick)
		p.anim.Curve = fyne.AnimationLinear
		p.anim.RepeatCount = fyne.AnimationRepeatForever
		p.anim.Start()
	case len(p.flashing) == 0 && p.anim != nil:
		p.anim.Stop()
		p.anim = nil
		p.flashOn = false
	}
}

// Flashing reports whether the flash animation is running.
func (p *AlertPanel) Flashing() bool { return p.anim != nil }

// flashTick is the animation's tick: the first half of each period shows
// the severity colour, the second half the normal background. Only the
// flashing rows are redrawn, and only when the phase changes.
func (p *AlertPanel) flashTick(done float32) {
	on := done < 0.5
	if on == p.flashOn {
		return
	}
	p.flashOn = on
	if p.list == nil {
		return
	}
	for _, i := range p.flashing {
		p.list.RefreshItem(i)
	}
}

// tapped handles the list's selection: the panel keeps its own selection
// by alert ID, so it survives reordering, and clears the list's.
func (p *AlertPanel) tapped(i widget.ListItemID) {
	if i < 0 || i >= len(p.visible) {
		return
	}
	p.list.Unselect(i)
	id := p.visible[i].ID
	if id == p.selected {
		return
	}
	p.selected = id
	p.Refresh()
	if p.OnSelect != nil {
		p.OnSelect(id)
	}
}

// act handles an action button.
func (p *AlertPanel) act(step city.StepKind) {
	if p.ReadOnly {
		return
	}
	row, ok := p.SelectedAlert()
	if !ok || !row.allows(step) {
		return
	}
	if p.OnAction != nil {
		p.OnAction(row.ID, step)
	}
}

// severityCounts counts open alerts per severity, and the unacknowledged.
func severityCounts(rows []AlertRow) (perSeverity [severityLevels]int, unacknowledged int) {
	for _, r := range rows {
		if r.Closed {
			continue
		}
		perSeverity[severityIndex(r.Severity)]++
		if !r.Acknowledged {
			unacknowledged++
		}
	}
	return perSeverity, unacknowledged
}

// severityName is the header's name for a severity.
func severityName(sev city.Severity) string {
	switch clampSeverity(sev) {
	case city.SeverityCritical:
		return lang.L("Critical")
	case city.SeverityMajor:
		return lang.L("Major")
	case city.SeverityMinor:
		return lang.L("Minor")
	default:
		return lang.L("Info")
	}
}

// CreateRenderer links the panel to its renderer.
func (p *AlertPanel) CreateRenderer() fyne.WidgetRenderer {
	p.ExtendBaseWidget(p)
	r := &alertPanelRenderer{panel: p}

	// Header: a chip per severity (most severe first), the unacknowledged
	// count and the "show closed" toggle.
	chips := container.NewHBox()
	for sev := city.SeverityCritical; sev >= city.SeverityInfo; sev-- {
		i := severityIndex(sev)
		r.swatches[i] = canvas.NewRectangle(SeverityColor(sev))
		r.counts[i] = canvas.NewText("", nil)
		chips.Add(container.NewHBox(container.NewCenter(r.swatches[i]), r.counts[i]))
	}
	r.unacked = canvas.NewText("", nil)
	r.unacked.TextStyle.Bold = true
	r.showClosed = widget.NewCheck(lang.L("Show closed"), p.toggleShowClosed)
	r.filter = newAlertFilterBar(p)
	r.filter.options(p.feeds)
	p.filterBar = r.filter
	header := container.NewPadded(container.NewVBox(chips, container.NewBorder(nil, nil, r.unacked, r.showClosed), r.filter.box))

	r.list = widget.NewList(
		func() int { return len(p.visible) },
		func() fyne.CanvasObject { return newAlertRowView() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < 0 || i >= len(p.visible) {
				return
			}
			row := p.visible[i]
			o.(*alertRowView).set(row, p.flashOn && row.Flash && row.pinned(), row.ID == p.selected)
		},
	)
	r.list.OnSelected = p.tapped
	p.list = r.list

	// Action bar: every step's button, enabled when the alert allows it;
	// the buttons keep their places so that officers find them blind.
	r.actionTitle = canvas.NewText("", nil)
	r.actionTitle.TextStyle.Bold = true
	grid := container.NewGridWithColumns(3)
	for _, step := range AlertSteps {
		b := widget.NewButton(stepLabel(step), func() { p.act(step) })
		r.buttons = append(r.buttons, b)
		grid.Add(b)
	}
	r.caseRow = p.caseButtons(&r.caseButtons)
	grid.Hidden = p.ReadOnly
	r.caseRow.Hidden = p.ReadOnly
	r.actionBar = container.NewVBox(widget.NewSeparator(), r.actionTitle, grid, r.caseRow)

	r.content = container.NewBorder(header, r.actionBar, nil, nil, r.list)
	p.updateAnimation()
	r.Refresh()
	return r
}

type alertPanelRenderer struct {
	panel *AlertPanel

	swatches    [severityLevels]*canvas.Rectangle
	counts      [severityLevels]*canvas.Text
	unacked     *canvas.Text
	showClosed  *widget.Check
	filter      *alertFilterBar
	list        *widget.List
	actionTitle *canvas.Text
	buttons     []*widget.Button
	caseButtons []*widget.Button
	caseRow     *fyne.Container
	actionBar   *fyne.Container
	content     *fyne.Container
}

func (r *alertPanelRenderer) MinSize() fyne.Size { return r.content.MinSize() }

func (r *alertPanelRenderer) Layout(size fyne.Size) {
	r.content.Move(fyne.NewPos(0, 0))
	r.content.Resize(size)
}

func (r *alertPanelRenderer) Refresh() {
	p := r.panel
	th := p.Theme()
	fg := thColor(th, theme.ColorNameForeground)
	text := th.Size(theme.SizeNameText)

	per, unacked := severityCounts(p.all)
	for _, sev := range city.Severities {
		i := severityIndex(sev)
		r.swatches[i].SetMinSize(fyne.NewSquareSize(text * 0.8))
		r.swatches[i].CornerRadius = text * 0.2
		c := r.counts[i]
		c.Text = severityName(sev) + " " + strconv.Itoa(per[i])
		c.TextSize = text
		c.Color = fg
		if per[i] == 0 {
			c.Color = staleColor(th)
		}
		c.Refresh()
	}
	r.unacked.Text = lang.L("Unacknowledged") + " " + strconv.Itoa(unacked)
	r.unacked.TextSize = text * 1.15
	r.unacked.Color = fg
	if unacked > 0 {
		r.unacked.Color = SeverityColor(city.SeverityCritical)
	}
	r.unacked.Refresh()
	if r.showClosed.Checked != p.showClosed {
		r.showClosed.SetChecked(p.showClosed)
	}
	r.filter.show(p.filter, p.filtered)

	row, ok := p.SelectedAlert()
	r.actionBar.Hidden = !ok || row.Closed // a closed alert takes no more steps
	if ok {
		r.actionTitle.Text = row.Title
		r.actionTitle.TextSize = text
		r.actionTitle.Color = fg
		for i, step := range AlertSteps {
			if row.allows(step) {
				r.buttons[i].Enable()
			} else {
				r.buttons[i].Disable()
			}
		}
		// The first allowed step is what the officer most likely does next.
		first := true
		for i, step := range AlertSteps {
			imp := widget.MediumImportance
			if first && row.allows(step) && step != city.StepComment {
				imp, first = widget.HighImportance, false
			}
			if r.buttons[i].Importance != imp {
				r.buttons[i].Importance = imp
				r.buttons[i].Refresh()
			}
		}
		r.actionTitle.Refresh()
		refreshCaseButtons(row, r.caseButtons, r.caseRow, r.panel.ReadOnly)
	}
	r.list.Refresh()
	r.content.Refresh()
}

func (r *alertPanelRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.content}
}

// Destroy stops the flash animation; a new renderer starts it again.
func (r *alertPanelRenderer) Destroy() {
	if p := r.panel; p.anim != nil {
		p.anim.Stop()
		p.anim = nil
		p.flashOn = false
	}
	r.panel.list = nil
	r.panel.filterBar = nil
}

// Row geometry.
const (
	alertRowTitleScale = 1.15 // × the theme's text size for a row's title
	alertRowMinWidth   = 240  // narrowest row, in canvas units
)

// alertRowView draws one row of the alert list.
type alertRowView struct {
	widget.BaseWidget

	row      AlertRow
	flash    bool // show the severity colour behind the row now
	selected bool
}

func newAlertRowView() *alertRowView {
	v := &alertRowView{}
	v.ExtendBaseWidget(v)
	return v
}

func (v *alertRowView) set(row AlertRow, flash, selected bool) {
	v.row, v.flash, v.selected = row, flash, selected
	v.Refresh()
}

func (v *alertRowView) CreateRenderer() fyne.WidgetRenderer {
	v.ExtendBaseWidget(v)
	r := &alertRowRenderer{view: v}
	r.title.TextStyle.Bold = true
	r.age.Alignment = fyne.TextAlignTrailing
	r.escalated.Alignment = fyne.TextAlignTrailing
	r.escalated.TextStyle.Bold = true
	r.objects = []fyne.CanvasObject{&r.background, &r.bar, &r.title, &r.age, &r.details, &r.escalated}
	r.Refresh()
	return r
}

type alertRowRenderer struct {
	view *alertRowView

	background canvas.Rectangle
	bar        canvas.Rectangle
	title      canvas.Text
	age        canvas.Text
	details    canvas.Text
	escalated  canvas.Text

	fullTitle, fullDetails string // before fitting to the row's width

	objects []fyne.CanvasObject
}

func (r *alertRowRenderer) padding() float32 {
	return r.view.Theme().Size(theme.SizeNameInnerPadding)
}

func (r *alertRowRenderer) MinSize() fyne.Size {
	p := r.padding()
	// The list gives every row the template's size, so measure sample text
	// rather than this row's: a long title is cut, not wrapped.
	t := fyne.MeasureText("Hg", r.title.TextSize, r.title.TextStyle)
	d := fyne.MeasureText("Hg", r.details.TextSize, r.details.TextStyle)
	return fyne.NewSize(alertRowMinWidth, t.Height+d.Height+p)
}

func (r *alertRowRenderer) Layout(size fyne.Size) {
	p := r.padding()
	r.background.Move(fyne.NewPos(0, 0))
	r.background.Resize(size)
	r.bar.Move(fyne.NewPos(0, 0))
	r.bar.Resize(fyne.NewSize(p*0.75, size.Height))
	x := p * 1.75
	th := r.title.MinSize().Height
	aw := r.age.MinSize().Width
	ew := r.escalated.MinSize().Width
	if r.escalated.Hidden {
		ew = 0
	}
	inner := size.Width - x - p
	r.title.Move(fyne.NewPos(x, p/2))
	r.title.Resize(fyne.NewSize(max(inner-aw-p, 0), th))
	r.age.Move(fyne.NewPos(x, p/2))
	r.age.Resize(fyne.NewSize(inner, th))
	r.title.Text = fitText(r.fullTitle, r.title.TextSize, r.title.TextStyle, max(inner-aw-p, 0))
	r.details.Text = fitText(r.fullDetails, r.details.TextSize, r.details.TextStyle, max(inner-ew-p, 0))
	dh := r.details.MinSize().Height
	r.details.Move(fyne.NewPos(x, p/2+th))
	r.details.Resize(fyne.NewSize(max(inner-ew-p, 0), dh))
	r.escalated.Move(fyne.NewPos(x, p/2+th))
	r.escalated.Resize(fyne.NewSize(inner, dh))
}

func (r *alertRowRenderer) Refresh() {
	v := r.view
	row := v.row
	th := v.Theme()
	text := th.Size(theme.SizeNameText)
	fg := thColor(th, theme.ColorNameForeground)
	dim := thColor(th, theme.ColorNamePlaceHolder)
	sev := SeverityColor(row.Severity)

	r.bar.FillColor = sev
	switch {
	case v.flash:
		r.background.FillColor = sev
	case v.selected:
		r.background.FillColor = thColor(th, theme.ColorNameSelection)
	default:
		r.background.FillColor = color.Transparent
	}

	titleColor, detailColor := fg, dim
	if row.Closed {
		titleColor, detailColor = staleColor(th), staleColor(th)
		r.bar.FillColor = nrgbaOf(staleColor(th))
	}
	if v.flash {
		titleColor = TextColorOn(sev)
		detailColor = titleColor
	}

	r.fullTitle = row.Title
	r.title.TextSize = text * alertRowTitleScale
	r.title.TextStyle.Bold = !row.Acknowledged
	r.title.Color = titleColor
	r.age.Text = row.Age
	r.age.TextSize = text
	r.age.Color = detailColor

	parts := make([]string, 0, 5)
	for _, s := range []string{row.SeverityText, row.Station, row.StateText, row.Team, row.CaseText} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if row.Comments > 0 {
		parts = append(parts, lang.L("Comments")+" "+strconv.Itoa(row.Comments))
	}
	r.fullDetails = strings.Join(parts, " · ")
	r.details.TextSize = text
	r.details.Color = detailColor

	r.escalated.Text = lang.L("Escalated")
	r.escalated.TextSize = text
	r.escalated.Color = SeverityColor(city.SeverityCritical)
	if v.flash {
		r.escalated.Color = titleColor
	}
	r.escalated.Hidden = !row.Escalated
	if row.Overdue {
		r.escalated.Text, r.escalated.Hidden = lang.L("Overdue"), false
	}

	r.Layout(v.Size())
	for _, o := range r.objects {
		o.Refresh()
	}
}

func (r *alertRowRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *alertRowRenderer) Destroy() {}

// fitText shortens s with a trailing "…" so that it fits width at size:
// canvas.Text does not clip, and a long alert message would run under the
// age or the escalation mark.
func fitText(s string, size float32, style fyne.TextStyle, width float32) string {
	if width <= 0 || fyne.MeasureText(s, size, style).Width <= width {
		return s
	}
	rs := []rune(s)
	lo, hi := 0, len(rs) // the longest prefix that fits, by bisection
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fyne.MeasureText(string(rs[:mid])+"…", size, style).Width <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(rs[:lo]) + "…"
}
