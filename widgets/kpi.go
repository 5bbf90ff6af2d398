package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Trend is which way a KPI moved since the previous period.
type Trend int

// Trends. TrendNone draws no arrow.
const (
	TrendNone Trend = iota
	TrendUp
	TrendDown
	TrendFlat
)

// KPIValue is what a KPI tile shows. Text arrives formatted and translated.
type KPIValue struct {
	Value   string      // the big figure, e.g. "156"
	Unit    string      // unit beside it, e.g. "AQI" or "人"
	Caption string      // a line under it, e.g. "中度污染 · 首要污染物 PM2.5"
	Accent  color.NRGBA // colour of the side bar, e.g. the AQI level colour; transparent for none
	Stale   bool        // the figure is old: grey it out, do not hide it
	Age     string      // with Stale: how old the figure is, e.g. "12m", shown by the stale mark
	Trend   Trend       // optional arrow beside the figure
}

// Text size multipliers of a tile, relative to the theme's sizes, so that a
// tile reads from two metres at 1920×1080.
const (
	kpiValueScale   = 2.0 // × heading text size for the figure
	kpiTitleScale   = 1.1 // × text size for the title
	kpiAccentWidths = 1.0 // × inner padding for the accent bar's width
)

// KPITile is a big-number tile: a title, a large bold figure with its unit,
// a caption, an accent bar and an optional trend arrow. Stale figures are
// greyed, not hidden.
type KPITile struct {
	widget.BaseWidget

	// Title names the figure, e.g. "District AQI" (already translated).
	Title string

	value KPIValue
}

var _ fyne.Widget = (*KPITile)(nil)

// NewKPITile returns a tile with the given (translated) title and no value.
func NewKPITile(title string) *KPITile {
	k := &KPITile{Title: title}
	k.ExtendBaseWidget(k)
	return k
}

// Set replaces the tile's figure and redraws it.
func (k *KPITile) Set(v KPIValue) {
	k.value = v
	k.Refresh()
}

// Value returns what the tile shows.
func (k *KPITile) Value() KPIValue { return k.value }

// CreateRenderer links the tile to its renderer.
func (k *KPITile) CreateRenderer() fyne.WidgetRenderer {
	k.ExtendBaseWidget(k)
	r := &kpiRenderer{tile: k}
	r.value.TextStyle.Bold = true
	r.title.TextStyle.Bold = true
	r.staleTag.Alignment = fyne.TextAlignTrailing
	r.arrow = canvas.NewImageFromResource(nil)
	r.arrow.FillMode = canvas.ImageFillContain
	r.objects = []fyne.CanvasObject{&r.background, &r.accent, &r.title, &r.staleTag, &r.value, &r.unit, r.arrow, &r.caption}
	r.Refresh()
	return r
}

type kpiRenderer struct {
	tile *KPITile

	background canvas.Rectangle
	accent     canvas.Rectangle
	title      canvas.Text
	staleTag   canvas.Text
	value      canvas.Text
	unit       canvas.Text
	arrow      *canvas.Image
	caption    canvas.Text

	objects []fyne.CanvasObject
}

func (r *kpiRenderer) padding() float32 {
	return r.tile.Theme().Size(theme.SizeNameInnerPadding)
}

func (r *kpiRenderer) arrowSize() float32 {
	return r.unit.MinSize().Height
}

func (r *kpiRenderer) MinSize() fyne.Size {
	p := r.padding()
	bar := p * kpiAccentWidths
	top := r.title.MinSize()
	if !r.staleTag.Hidden {
		top.Width += p + r.staleTag.MinSize().Width
	}
	mid := r.value.MinSize()
	mid.Width += p + r.unit.MinSize().Width
	if !r.arrow.Hidden {
		mid.Width += p + r.arrowSize()
	}
	cs := r.caption.MinSize() // its width does not count: a long caption is shortened to fit
	w := max(top.Width, mid.Width)
	h := top.Height + mid.Height + cs.Height
	return fyne.NewSize(bar+w+3*p, h+2*p)
}

func (r *kpiRenderer) Layout(size fyne.Size) {
	p := r.padding()
	bar := p * kpiAccentWidths
	r.background.Move(fyne.NewPos(0, 0))
	r.background.Resize(size)
	r.accent.Move(fyne.NewPos(0, 0))
	r.accent.Resize(fyne.NewSize(bar, size.Height))

	x := bar + p
	inner := size.Width - x - p
	y := p
	th := r.title.MinSize()
	r.title.Move(fyne.NewPos(x, y))
	r.title.Resize(fyne.NewSize(inner, th.Height))
	r.staleTag.Move(fyne.NewPos(x, y))
	r.staleTag.Resize(fyne.NewSize(inner, th.Height))
	y += th.Height

	vs := r.value.MinSize()
	r.value.Move(fyne.NewPos(x, y))
	r.value.Resize(vs)
	us := r.unit.MinSize()
	ux := x + vs.Width + p
	// The unit sits on the figure's baseline, roughly: bottom-aligned.
	r.unit.Move(fyne.NewPos(ux, y+vs.Height-us.Height))
	r.unit.Resize(us)
	a := r.arrowSize()
	r.arrow.Move(fyne.NewPos(ux+us.Width+p, y+vs.Height-us.Height))
	r.arrow.Resize(fyne.NewSize(a, a))
	y += vs.Height

	r.caption.Text = fitText(r.tile.value.Caption, r.caption.TextSize, r.caption.TextStyle, inner)
	cs := r.caption.MinSize()
	r.caption.Move(fyne.NewPos(x, y))
	r.caption.Resize(fyne.NewSize(inner, cs.Height))
}

func (r *kpiRenderer) Refresh() {
	k := r.tile
	th := k.Theme()
	v := k.value
	text := th.Size(theme.SizeNameText)
	fg := thColor(th, theme.ColorNameForeground)
	grey := staleColor(th)

	r.background.FillColor = thColor(th, theme.ColorNameInputBackground)
	r.background.CornerRadius = th.Size(theme.SizeNameInputRadius)

	r.title.Text = k.Title
	r.title.TextSize = text * kpiTitleScale
	r.title.Color = thColor(th, theme.ColorNamePlaceHolder)

	r.staleTag.Text = lang.L("stale")
	if v.Age != "" {
		r.staleTag.Text += " · " + v.Age
	}
	r.staleTag.TextSize = text
	r.staleTag.Color = grey
	r.staleTag.Hidden = !v.Stale

	r.value.Text = v.Value
	if r.value.Text == "" {
		r.value.Text = "—"
	}
	r.value.TextSize = th.Size(theme.SizeNameHeadingText) * kpiValueScale
	r.unit.Text = v.Unit
	r.unit.TextSize = th.Size(theme.SizeNameSubHeadingText)
	r.caption.Text = v.Caption
	r.caption.TextSize = text

	r.accent.FillColor = v.Accent
	r.accent.Hidden = v.Accent.A == 0
	if v.Stale {
		r.value.Color, r.unit.Color, r.caption.Color = grey, grey, grey
		r.accent.FillColor = grey
	} else {
		r.value.Color, r.unit.Color, r.caption.Color = fg, fg, fg
	}

	r.arrow.Hidden = v.Trend == TrendNone
	switch v.Trend {
	case TrendUp:
		r.arrow.Resource = theme.MenuDropUpIcon()
	case TrendDown:
		r.arrow.Resource = theme.MenuDropDownIcon()
	case TrendFlat:
		r.arrow.Resource = theme.ContentRemoveIcon()
	default:
		r.arrow.Resource = nil
	}
	if v.Stale && r.arrow.Resource != nil {
		r.arrow.Resource = theme.NewDisabledResource(r.arrow.Resource)
	}

	r.Layout(k.Size())
	for _, o := range r.objects {
		o.Refresh()
	}
}

func (r *kpiRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *kpiRenderer) Destroy() {}
