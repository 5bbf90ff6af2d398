package widgets

import (
	"image/color"
	"reflect"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onescreen/city"
)

// AuditFact is one line of an alert's facts: what it is about, its values,
// its times. Text arrives formatted and translated.
type AuditFact struct {
	Label string // e.g. "站点"
	Value string // e.g. "打浦桥 (air-01)"
}

// AuditStep is one entry of an alert's history, formatted and translated.
type AuditStep struct {
	Kind    city.StepKind
	Name    string // the step's name, e.g. "派遣"
	Time    string // e.g. "11-25 10:23:05"
	Officer string // who; "系统" for the alert engine
	Team    string // dispatch: the team sent
	Note    string // the note or comment, in full
}

// AlertAudit is everything the alert detail shows about one alert: its
// facts, its whole history (上报 → 确认 → 派遣 → 处置 → 核查 → 关闭, with
// comments), and the steps the officer may take now.
type AlertAudit struct {
	ID       string
	Title    string
	Severity city.Severity
	State    string // the workflow state, translated
	Closed   bool
	Facts    []AuditFact
	Steps    []AuditStep // oldest first
	Allowed  []string    // the steps allowed now, translated
	Loading  bool        // the history is being read
	Err      string      // the history could not be read
}

// AlertDetail shows one alert's facts and its audit trail: who did what
// and when, with each team and note. It draws what it is given; the app
// reads the history off the UI goroutine.
type AlertDetail struct {
	widget.BaseWidget

	audit AlertAudit
	set   bool
	r     *alertDetailRenderer // what is on screen, once rendered
}

var _ fyne.Widget = (*AlertDetail)(nil)

// NewAlertDetail returns a detail that asks the officer to choose an alert.
func NewAlertDetail() *AlertDetail {
	d := &AlertDetail{}
	d.ExtendBaseWidget(d)
	return d
}

// SetAudit replaces what the detail shows.
func (d *AlertDetail) SetAudit(a AlertAudit) {
	if d.set && reflect.DeepEqual(a, d.audit) {
		return // the same record: its widgets are built again only when it changes
	}
	a.Facts = slices.Clone(a.Facts)
	a.Steps = slices.Clone(a.Steps)
	a.Allowed = slices.Clone(a.Allowed)
	d.audit, d.set = a, true
	d.Refresh()
}

// Clear goes back to the "choose an alert" hint.
func (d *AlertDetail) Clear() {
	d.audit, d.set = AlertAudit{}, false
	d.Refresh()
}

// Audit returns (a copy of) what the detail shows and whether it shows an
// alert.
func (d *AlertDetail) Audit() (AlertAudit, bool) {
	a := d.audit
	a.Facts, a.Steps, a.Allowed = slices.Clone(a.Facts), slices.Clone(a.Steps), slices.Clone(a.Allowed)
	return a, d.set
}

// Texts returns every text the detail shows now, in reading order; tests
// and the screenshot check read it.
func (d *AlertDetail) Texts() []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *canvas.Text:
			out = append(out, v.Text)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(v.Content)
		}
	}
	if d.r != nil { // what the renderer shows, not a fresh build
		walk(d.r.head)
		walk(d.r.scroll.Content)
		return out
	}
	head, body := d.content()
	walk(head)
	walk(body)
	return out
}

// content builds the detail's objects from its state: the head that stays
// put (title, state, steps allowed) and the body that scrolls (history and
// facts).
func (d *AlertDetail) content() (head, body fyne.CanvasObject) {
	th := d.Theme()
	text := th.Size(theme.SizeNameText)
	if !d.set {
		hint := widget.NewLabel(lang.L("Choose an alert to see who did what and when."))
		hint.Wrapping = fyne.TextWrapWord
		hint.Importance = widget.LowImportance
		return container.NewVBox(), container.NewVBox(hint)
	}
	a := d.audit
	bar := canvas.NewRectangle(SeverityColor(a.Severity))
	if a.Closed {
		bar.FillColor = staleColor(th)
	}
	bar.SetMinSize(fyne.NewSize(text*0.4, text))
	title := widget.NewLabelWithStyle(a.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapWord
	state := widget.NewLabelWithStyle(a.State, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	objs := []fyne.CanvasObject{container.NewBorder(nil, nil, bar, state, title)}

	allowed := lang.L("none")
	if len(a.Allowed) > 0 {
		allowed = strings.Join(a.Allowed, " · ")
	}
	now := widget.NewLabel(lang.L("Steps allowed now") + ": " + allowed)
	now.Wrapping = fyne.TextWrapWord
	head = denseColumn(append(objs, now, widget.NewSeparator())...)
	objs = nil

	// The history first: who did what and when is what the officer
	// chose the alert for; the facts follow.
	hist := widget.NewLabelWithStyle(lang.L("Step history"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	objs = append(objs, hist)
	switch {
	case a.Err != "":
		e := widget.NewLabel(lang.L("History could not be read") + ": " + a.Err)
		e.Wrapping = fyne.TextWrapWord
		e.Importance = widget.DangerImportance
		objs = append(objs, e)
	case a.Loading && len(a.Steps) == 0:
		objs = append(objs, widget.NewLabel(lang.L("Reading the history…")))
	case len(a.Steps) == 0:
		objs = append(objs, widget.NewLabel(lang.L("No steps recorded.")))
	}
	for _, s := range a.Steps {
		objs = append(objs, auditStepView(th, s))
	}

	facts := container.New(&auditFactLayout{})
	for _, f := range a.Facts {
		l := canvas.NewText(f.Label, thColor(th, theme.ColorNamePlaceHolder))
		l.TextSize = th.Size(theme.SizeNameCaptionText)
		v := widget.NewLabel(f.Value)
		v.Wrapping = fyne.TextWrapWord
		facts.Add(l)
		facts.Add(v)
	}
	objs = append(objs, widget.NewSeparator(), facts)
	return head, denseColumn(objs...)
}

// auditStepView is one history entry: a coloured mark, time, step, who
// (and the team), and the note in full on the lines below.
func auditStepView(th fyne.Theme, s AuditStep) fyne.CanvasObject {
	line := s.Time + "  " + s.Name + " · " + s.Officer
	if s.Team != "" {
		line += " → " + s.Team
	}
	head := widget.NewLabelWithStyle(line, fyne.TextAlignLeading, fyne.TextStyle{Bold: s.Kind.ByOfficer()})
	head.Wrapping = fyne.TextWrapWord
	mark := canvas.NewRectangle(stepColor(th, s.Kind))
	mark.SetMinSize(fyne.NewSize(4, 4))
	body := denseColumn(head)
	if s.Note != "" {
		note := widget.NewLabel(s.Note)
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.LowImportance
		if s.Kind == city.StepComment || s.Kind == city.StepResolve || s.Kind == city.StepDispatch {
			note.Importance = widget.MediumImportance
			note.TextStyle.Italic = true
		}
		body.Add(note)
	}
	return container.NewBorder(nil, nil, mark, nil, body)
}

// stepColor marks a history entry: officers' steps in the accent colour,
// the engine's raise and escalation in the severity colours, the rest grey.
func stepColor(th fyne.Theme, k city.StepKind) color.Color {
	switch k {
	case city.StepRaise:
		return SeverityColor(city.SeverityMajor)
	case city.StepEscalate:
		return SeverityColor(city.SeverityCritical)
	case city.StepUpdate, city.StepClear:
		return staleColor(th)
	}
	return thColor(th, theme.ColorNamePrimary)
}

// CreateRenderer links the detail to its renderer.
func (d *AlertDetail) CreateRenderer() fyne.WidgetRenderer {
	d.ExtendBaseWidget(d)
	head, body := d.content()
	r := &alertDetailRenderer{d: d, head: container.NewStack(head), scroll: container.NewVScroll(body)}
	r.wrap = container.NewBorder(r.head, nil, nil, nil, r.scroll)
	r.Refresh()
	d.r = r
	return r
}

type alertDetailRenderer struct {
	d      *AlertDetail
	head   *fyne.Container // title, state and the steps allowed: never scrolled away
	scroll *container.Scroll
	wrap   *fyne.Container // the head above the scrolled history
	shown  string          // the alert whose history is shown, to keep the scroll on a redraw
}

func (r *alertDetailRenderer) MinSize() fyne.Size {
	return fyne.NewSize(alertRowMinWidth, 3*r.d.Theme().Size(theme.SizeNameText))
}

func (r *alertDetailRenderer) Layout(s fyne.Size) {
	r.wrap.Move(fyne.NewPos(0, 0))
	r.wrap.Resize(s)
}

func (r *alertDetailRenderer) Refresh() {
	off := r.scroll.Offset
	head, body := r.d.content()
	r.head.Objects = []fyne.CanvasObject{head}
	r.scroll.Content = body
	r.wrap.Refresh()
	if r.d.audit.ID == r.shown {
		r.scroll.Offset = off
		r.scroll.Refresh()
	}
	r.shown = r.d.audit.ID
}

func (r *alertDetailRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.wrap}
}

func (r *alertDetailRenderer) Destroy() {}

// auditFactLayout lays out label/value pairs in two columns: the labels as
// wide as the widest, the values taking the rest (and wrapping).
type auditFactLayout struct{}

func (l *auditFactLayout) labelWidth(objs []fyne.CanvasObject) float32 {
	var w float32
	for i := 0; i+1 < len(objs); i += 2 {
		w = max(w, objs[i].MinSize().Width)
	}
	return w
}

func (l *auditFactLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	lw := l.labelWidth(objs)
	gap := theme.Padding()
	y := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		lab, val := objs[i], objs[i+1]
		vw := max(size.Width-lw-gap, 0)
		val.Resize(fyne.NewSize(vw, val.MinSize().Height))
		h := max(val.MinSize().Height, lab.MinSize().Height)
		lab.Move(fyne.NewPos(0, y+(h-lab.MinSize().Height)/2))
		lab.Resize(lab.MinSize())
		val.Move(fyne.NewPos(lw+gap, y))
		y += h
		if i+3 < len(objs) {
			y += denseSpacing(val, objs[i+3])
		}
	}
}

func (l *auditFactLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	lw := l.labelWidth(objs)
	var h, vw float32
	for i := 0; i+1 < len(objs); i += 2 {
		h += max(objs[i+1].MinSize().Height, objs[i].MinSize().Height)
		if i+3 < len(objs) {
			h += denseSpacing(objs[i+1], objs[i+3])
		}
		vw = max(vw, objs[i+1].MinSize().Width)
	}
	return fyne.NewSize(lw+theme.Padding()+vw, h)
}

// A dense column stacks an alert's history tightly, so that a long one
// fits: the inner padding above and below a label's text is transparent,
// so two labels may overlap theirs and leave denseGap between their texts.
// (A container.ThemeOverride with smaller padding would do the same but
// costs a parse of the font on every refresh; see smallcheck.go.)
const denseGap = 6

// denseColumn is a VBox whose labels overlap their padding.
func denseColumn(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(denseColumnLayout{}, objs...)
}

type denseColumnLayout struct{}

// textEdge is the transparent padding between o's top (or bottom) edge and
// the text nearest it: a label's inner padding; for a dense column, that
// of its first (last) object; for another container the most of its
// children's, rectangles left out (a colour mark runs its full height).
func textEdge(o fyne.CanvasObject, top bool) float32 {
	switch v := o.(type) {
	case *widget.Label:
		return theme.InnerPadding()
	case *fyne.Container:
		var vis []fyne.CanvasObject
		for _, c := range v.Objects {
			if c.Visible() {
				vis = append(vis, c)
			}
		}
		if len(vis) == 0 {
			return 0
		}
		if _, ok := v.Layout.(denseColumnLayout); ok {
			if top {
				return textEdge(vis[0], true)
			}
			return textEdge(vis[len(vis)-1], false)
		}
		var e float32
		for _, c := range vis {
			if _, rect := c.(*canvas.Rectangle); !rect {
				e = max(e, textEdge(c, top))
			}
		}
		return e
	}
	return 0
}

// denseSpacing is the space between a and b below it: denseGap between
// their texts.
func denseSpacing(a, b fyne.CanvasObject) float32 {
	return denseGap - textEdge(a, false) - textEdge(b, true)
}

func (denseColumnLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	var prev fyne.CanvasObject
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		if prev != nil {
			y += denseSpacing(prev, o)
		}
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h
		prev = o
	}
}

func (denseColumnLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	var prev fyne.CanvasObject
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		if prev != nil {
			h += denseSpacing(prev, o)
		}
		s := o.MinSize()
		w, h = max(w, s.Width), h+s.Height
		prev = o
	}
	return fyne.NewSize(w, h)
}
