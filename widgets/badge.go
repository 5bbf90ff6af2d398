package widgets

import (
	"image/color"
	"math"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// BadgeState is how a feed is doing, as the status strip shows it.
type BadgeState int

// Feed states. The zero value is BadgeOffline, so a badge that has not been
// told anything does not claim the feed is live.
const (
	BadgeOffline  BadgeState = iota // nothing is arriving (red)
	BadgeDegraded                   // data arrives late, partly, or after a gap (amber)
	BadgeLive                       // data flows on time (green)
)

// String gives "offline", "degraded" or "live".
func (s BadgeState) String() string {
	switch s {
	case BadgeLive:
		return "live"
	case BadgeDegraded:
		return "degraded"
	default:
		return "offline"
	}
}

// Color is the fill of the state's pill: green, amber or red.
func (s BadgeState) Color() color.NRGBA {
	switch s {
	case BadgeLive:
		return colorLive
	case BadgeDegraded:
		return colorDegraded
	default:
		return colorOffline
	}
}

// themed is the state's fill in theme th: the theme's badge colour when it
// defines one, else Color.
func (s BadgeState) themed(th fyne.Theme) color.NRGBA {
	switch s {
	case BadgeLive:
		return thColorOr(th, colorNameLive, colorLive)
	case BadgeDegraded:
		return thColorOr(th, colorNameDegraded, colorDegraded)
	default:
		return thColorOr(th, colorNameOffline, colorOffline)
	}
}

// defaultText is the state's label when the app gives none.
func (s BadgeState) defaultText() string {
	switch s {
	case BadgeLive:
		return lang.L("LIVE")
	case BadgeDegraded:
		return lang.L("DEGRADED")
	default:
		return lang.L("OFFLINE")
	}
}

// BadgeStatus is everything one feed's badge shows. Text fields arrive
// already translated and formatted by the app.
type BadgeStatus struct {
	Feed      string     // the feed's display name, e.g. "空气"
	State     BadgeState // live, degraded or offline
	StateText string     // label in the pill; empty means the default LIVE/DEGRADED/OFFLINE
	Rate      float64    // readings per second over the last minute
	Age       string     // age of the newest reading, e.g. "3 s"; empty when there is none
	Rejected  int        // readings rejected by validation; highlighted when > 0
	Tooltip   string     // longer explanation shown on hover, e.g. "offline since 14:02"
	Note      string     // shown instead of the rate when set, e.g. why the feed is offline
}

// FeedBadge is one feed's badge in the status strip: its name, a coloured
// LIVE / DEGRADED / OFFLINE pill, readings per second, the age of the newest
// reading and the count of rejected readings. Tapping it calls OnTapped
// (the app shows that feed's rejected messages).
type FeedBadge struct {
	widget.BaseWidget

	// OnTapped is called when the officer taps the badge.
	OnTapped func() `json:"-"`

	status  BadgeStatus
	tooltip *widget.PopUp
}

var (
	_ fyne.Widget        = (*FeedBadge)(nil)
	_ fyne.Tappable      = (*FeedBadge)(nil)
	_ desktop.Hoverable  = (*FeedBadge)(nil)
	_ desktop.Cursorable = (*FeedBadge)(nil)
)

// NewFeedBadge returns a badge showing an unnamed offline feed until
// SetStatus is called.
func NewFeedBadge() *FeedBadge {
	b := &FeedBadge{}
	b.ExtendBaseWidget(b)
	return b
}

// SetStatus replaces what the badge shows and redraws it.
func (b *FeedBadge) SetStatus(s BadgeStatus) {
	b.status = s
	b.Refresh()
}

// Status returns what the badge currently shows.
func (b *FeedBadge) Status() BadgeStatus { return b.status }

// Tapped calls OnTapped.
func (b *FeedBadge) Tapped(*fyne.PointEvent) {
	if b.OnTapped != nil {
		b.OnTapped()
	}
}

// Cursor shows a pointing hand when the badge can be tapped.
func (b *FeedBadge) Cursor() desktop.Cursor {
	if b.OnTapped != nil {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

// MouseIn shows the tooltip under the badge.
func (b *FeedBadge) MouseIn(*desktop.MouseEvent) {
	if b.status.Tooltip == "" {
		return
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(b)
	if c == nil {
		return
	}
	if b.tooltip == nil {
		b.tooltip = widget.NewPopUp(widget.NewLabel(""), c)
	}
	b.tooltip.Content.(*widget.Label).SetText(b.status.Tooltip)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
	b.tooltip.ShowAtPosition(pos.AddXY(0, b.Size().Height))
}

// MouseMoved does nothing; the tooltip stays where it opened.
func (b *FeedBadge) MouseMoved(*desktop.MouseEvent) {}

// MouseOut hides the tooltip.
func (b *FeedBadge) MouseOut() {
	if b.tooltip != nil {
		b.tooltip.Hide()
	}
}

// CreateRenderer links the badge to its renderer.
func (b *FeedBadge) CreateRenderer() fyne.WidgetRenderer {
	b.ExtendBaseWidget(b)
	r := &feedBadgeRenderer{badge: b}
	r.name.TextStyle.Bold = true
	r.state.TextStyle.Bold = true
	r.state.Alignment = fyne.TextAlignCenter
	r.rejected.Alignment = fyne.TextAlignCenter
	r.objects = []fyne.CanvasObject{&r.background, &r.name, &r.pill, &r.state, &r.rate, &r.age, &r.rejectedFill, &r.rejected}
	r.Refresh()
	return r
}

type feedBadgeRenderer struct {
	badge *FeedBadge

	background   canvas.Rectangle
	name         canvas.Text
	pill         canvas.Rectangle
	state        canvas.Text
	rate         canvas.Text
	age          canvas.Text
	rejectedFill canvas.Rectangle
	rejected     canvas.Text

	objects []fyne.CanvasObject
}

// cells are the badge's parts from left to right, each as wide as its text
// plus padding.
func (r *feedBadgeRenderer) cells() []*canvas.Text {
	return []*canvas.Text{&r.name, &r.state, &r.rate, &r.age, &r.rejected}
}

func (r *feedBadgeRenderer) padding() float32 {
	return r.badge.Theme().Size(theme.SizeNameInnerPadding)
}

func (r *feedBadgeRenderer) MinSize() fyne.Size {
	p := r.padding()
	w, h := p, float32(0)
	for _, t := range r.cells() {
		s := t.MinSize()
		w += s.Width + 2*p
		h = max(h, s.Height)
	}
	return fyne.NewSize(w, h+p)
}

func (r *feedBadgeRenderer) Layout(size fyne.Size) {
	p := r.padding()
	r.background.Resize(size)
	r.background.Move(fyne.NewPos(0, 0))
	x := p / 2
	for _, t := range r.cells() {
		w := t.MinSize().Width + 2*p
		t.Move(fyne.NewPos(x+p, 0))
		t.Resize(fyne.NewSize(w-2*p, size.Height))
		switch t {
		case &r.state:
			r.pill.Move(fyne.NewPos(x, p/4))
			r.pill.Resize(fyne.NewSize(w, size.Height-p/2))
		case &r.rejected:
			r.rejectedFill.Move(fyne.NewPos(x, p/4))
			r.rejectedFill.Resize(fyne.NewSize(w, size.Height-p/2))
		}
		x += w
	}
}

func (r *feedBadgeRenderer) Refresh() {
	b := r.badge
	th := b.Theme()
	s := b.status
	size := th.Size(theme.SizeNameText)
	fg := thColor(th, theme.ColorNameForeground)
	dim := staleColor(th)

	r.background.FillColor = thColor(th, theme.ColorNameInputBackground)
	r.background.CornerRadius = th.Size(theme.SizeNameInputRadius)

	r.name.Text = s.Feed
	r.name.Color = fg

	fill := s.State.themed(th)
	r.pill.FillColor = fill
	r.pill.CornerRadius = size // a pill: round ends
	r.state.Text = s.StateText
	if r.state.Text == "" {
		r.state.Text = s.State.defaultText()
	}
	r.state.Color = TextColorOn(fill)

	r.rate.Text = formatRate(s.Rate) + lang.L("/s") // "12.0/s"; in Chinese "12.0条/秒"
	r.rate.Color = fg
	if s.Note != "" {
		r.rate.Text = s.Note
		if s.State != BadgeLive {
			r.rate.Color = fill // in the state's colour: it says what is wrong
		}
	}
	r.age.Text = s.Age
	if r.age.Text == "" {
		r.age.Text = "—"
	}
	r.age.Color = fg

	r.rejected.Text = lang.L("rej.") + " " + strconv.Itoa(s.Rejected)
	if s.Rejected > 0 {
		amber := BadgeDegraded.themed(th)
		r.rejectedFill.FillColor = amber
		r.rejectedFill.Hidden = false
		r.rejected.Color = TextColorOn(amber)
		r.rejected.TextStyle.Bold = true
	} else {
		r.rejectedFill.Hidden = true
		r.rejected.Color = dim
		r.rejected.TextStyle.Bold = false
	}
	r.rejectedFill.CornerRadius = th.Size(theme.SizeNameInputRadius)

	for _, t := range r.cells() {
		t.TextSize = size
	}
	r.Layout(b.Size())
	for _, o := range r.objects {
		o.Refresh()
	}
}

func (r *feedBadgeRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *feedBadgeRenderer) Destroy() {}

// formatRate prints a readings-per-second figure with one decimal below 10.
func formatRate(v float64) string {
	switch {
	case v < 0 || math.IsNaN(v) || math.IsInf(v, 0): // nothing sensible to show
		return "—"
	case v < 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}
