package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Banner levels.
const (
	BannerWarning  = 1 // amber: a feed is degraded
	BannerCritical = 2 // red: a feed is offline
)

// bannerTextScale enlarges the banner's text over the theme's text size.
const bannerTextScale = 1.3

// Banner is the freshness banner across the top of the window. It is shown
// whenever a feed is not live and says since when; with no message it is
// hidden and takes no space.
type Banner struct {
	widget.BaseWidget

	text  string
	level int
}

var _ fyne.Widget = (*Banner)(nil)

// NewBanner returns a hidden banner.
func NewBanner() *Banner {
	b := &Banner{}
	b.ExtendBaseWidget(b)
	b.Hide()
	return b
}

// SetMessage shows text (already translated) at level BannerWarning (amber)
// or BannerCritical (red); levels outside 1..2 are clamped. An empty text
// hides the banner.
func (b *Banner) SetMessage(text string, level int) {
	b.text = text
	b.level = min(max(level, BannerWarning), BannerCritical)
	if text == "" {
		b.Hide()
		return
	}
	b.Show()
	b.Refresh()
}

// Message returns the banner's text and level; the text is empty when the
// banner is hidden.
func (b *Banner) Message() (string, int) { return b.text, b.level }

// MinSize is zero while the banner has nothing to say.
func (b *Banner) MinSize() fyne.Size {
	b.ExtendBaseWidget(b)
	if b.text == "" {
		return fyne.Size{}
	}
	return b.BaseWidget.MinSize()
}

// CreateRenderer links the banner to its renderer.
func (b *Banner) CreateRenderer() fyne.WidgetRenderer {
	b.ExtendBaseWidget(b)
	r := &bannerRenderer{banner: b}
	r.label.TextStyle.Bold = true
	r.label.Alignment = fyne.TextAlignCenter
	r.objects = []fyne.CanvasObject{&r.background, &r.label}
	r.Refresh()
	return r
}

type bannerRenderer struct {
	banner     *Banner
	background canvas.Rectangle
	label      canvas.Text
	objects    []fyne.CanvasObject
}

func (r *bannerRenderer) fill() color.NRGBA {
	if r.banner.level >= BannerCritical {
		return BadgeOffline.themed(r.banner.Theme())
	}
	return BadgeDegraded.themed(r.banner.Theme())
}

func (r *bannerRenderer) MinSize() fyne.Size {
	if r.banner.text == "" {
		return fyne.Size{}
	}
	// The banner spans the window: it asks for its height only, and a long
	// message is set smaller to fit (Layout) rather than widen the window
	// past the screen.
	p := r.banner.Theme().Size(theme.SizeNameInnerPadding)
	return fyne.NewSize(2*p, r.label.MinSize().Height+p)
}

// bannerMinFit is the smallest fraction of its size a message is shrunk to.
const bannerMinFit = 0.6

func (r *bannerRenderer) Layout(size fyne.Size) {
	r.background.Move(fyne.NewPos(0, 0))
	r.background.Resize(size)
	r.label.Move(fyne.NewPos(0, 0))
	r.label.Resize(size)
	full := r.banner.Theme().Size(theme.SizeNameText) * bannerTextScale
	r.label.TextSize = full
	p := r.banner.Theme().Size(theme.SizeNameInnerPadding)
	if avail := size.Width - 2*p; avail > 0 && r.label.Text != "" {
		if w := fyne.MeasureText(r.label.Text, full, r.label.TextStyle).Width; w > avail {
			r.label.TextSize = full * max(avail/w, bannerMinFit)
		}
	}
}

func (r *bannerRenderer) Refresh() {
	fill := r.fill()
	r.background.FillColor = fill
	r.label.Text = r.banner.text
	r.label.Color = TextColorOn(fill)
	r.Layout(r.banner.Size())
	r.background.Refresh()
	r.label.Refresh()
}

func (r *bannerRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *bannerRenderer) Destroy() {}
