package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The legend is drawn in the caption size with tight padding. Fyne's own
// check box and button take their sizes from the theme, and giving them
// other sizes takes a container.ThemeOverride, which costs a parse of the
// whole font each time it is refreshed or its renderer is made again (the
// parses are never freed; see TestRefreshKeepsNoFontFaces). The legend's
// switches are therefore these two small widgets, which size themselves.

// Sizes of the small legend controls in Fyne units.
const (
	smallPad      = 2 // around the control
	smallInnerGap = 3 // between the icon and the text
)

// SmallCheck is a check box with its label in the caption size.
type SmallCheck struct {
	widget.BaseWidget
	Text      string
	Checked   bool
	OnChanged func(bool)
	hovered   bool
}

// NewSmallCheck makes a SmallCheck that calls changed when it is toggled.
func NewSmallCheck(text string, changed func(bool)) *SmallCheck {
	c := &SmallCheck{Text: text, OnChanged: changed}
	c.ExtendBaseWidget(c)
	return c
}

// Tapped toggles the box.
func (c *SmallCheck) Tapped(*fyne.PointEvent) {
	c.Checked = !c.Checked
	c.Refresh()
	if c.OnChanged != nil {
		c.OnChanged(c.Checked)
	}
}

// Cursor shows the pointer over the control.
func (c *SmallCheck) Cursor() desktop.Cursor { return desktop.PointerCursor }

// MouseIn, MouseMoved and MouseOut light the control under the pointer.
func (c *SmallCheck) MouseIn(*desktop.MouseEvent)    { c.hovered = true; c.Refresh() }
func (c *SmallCheck) MouseMoved(*desktop.MouseEvent) {}
func (c *SmallCheck) MouseOut()                      { c.hovered = false; c.Refresh() }

// CreateRenderer implements fyne.Widget.
func (c *SmallCheck) CreateRenderer() fyne.WidgetRenderer {
	checked := theme.NewPrimaryThemedResource(theme.CheckButtonCheckedIcon()) // once: the image redraws only when the box changes
	unchecked := theme.CheckButtonIcon()
	icon := func() fyne.Resource {
		if c.Checked {
			return checked
		}
		return unchecked
	}
	return newSmallRenderer(&c.BaseWidget, func() (fyne.Resource, string, bool) { return icon(), c.Text, c.hovered })
}

// SmallButton is a flat button with an icon and a caption-size label.
type SmallButton struct {
	widget.BaseWidget
	Icon     fyne.Resource
	Text     string
	OnTapped func()
	hovered  bool
}

// NewSmallButton makes a SmallButton that calls tapped.
func NewSmallButton(text string, icon fyne.Resource, tapped func()) *SmallButton {
	b := &SmallButton{Text: text, Icon: icon, OnTapped: tapped}
	b.ExtendBaseWidget(b)
	return b
}

// SetIcon changes the button's icon.
func (b *SmallButton) SetIcon(r fyne.Resource) {
	b.Icon = r
	b.Refresh()
}

// Tapped runs the button's action.
func (b *SmallButton) Tapped(*fyne.PointEvent) {
	if b.OnTapped != nil {
		b.OnTapped()
	}
}

// Cursor shows the pointer over the control.
func (b *SmallButton) Cursor() desktop.Cursor { return desktop.PointerCursor }

// MouseIn, MouseMoved and MouseOut light the control under the pointer.
func (b *SmallButton) MouseIn(*desktop.MouseEvent)    { b.hovered = true; b.Refresh() }
func (b *SmallButton) MouseMoved(*desktop.MouseEvent) {}
func (b *SmallButton) MouseOut()                      { b.hovered = false; b.Refresh() }

// CreateRenderer implements fyne.Widget.
func (b *SmallButton) CreateRenderer() fyne.WidgetRenderer {
	return newSmallRenderer(&b.BaseWidget, func() (fyne.Resource, string, bool) { return b.Icon, b.Text, b.hovered })
}

// smallRenderer draws an icon and a text in the caption size, on a
// background that shows when the pointer is over it.
type smallRenderer struct {
	w     *widget.BaseWidget
	state func() (fyne.Resource, string, bool)
	bg    *canvas.Rectangle
	icon  *canvas.Image
	text  *canvas.Text
}

func newSmallRenderer(w *widget.BaseWidget, state func() (fyne.Resource, string, bool)) *smallRenderer {
	r := &smallRenderer{w: w, state: state, bg: canvas.NewRectangle(color.Transparent), icon: canvas.NewImageFromResource(nil), text: canvas.NewText("", color.White)}
	r.icon.FillMode = canvas.ImageFillContain
	r.Refresh()
	return r
}

func (r *smallRenderer) sizes() (textSize, iconSize float32) {
	ts := r.w.Theme().Size(theme.SizeNameCaptionText)
	return ts, ts + 2
}

func (r *smallRenderer) MinSize() fyne.Size {
	ts, is := r.sizes()
	tm := fyne.MeasureText(r.text.Text, ts, r.text.TextStyle)
	return fyne.NewSize(2*smallPad+is+smallInnerGap+tm.Width, 2*smallPad+max(is, tm.Height))
}

func (r *smallRenderer) Layout(s fyne.Size) {
	_, is := r.sizes()
	r.bg.Resize(s)
	r.icon.Move(fyne.NewPos(smallPad, (s.Height-is)/2))
	r.icon.Resize(fyne.NewSquareSize(is))
	tm := r.text.MinSize()
	r.text.Move(fyne.NewPos(smallPad+is+smallInnerGap, (s.Height-tm.Height)/2))
	r.text.Resize(tm)
}

func (r *smallRenderer) Refresh() {
	th := r.w.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	res, text, hovered := r.state()
	ts, _ := r.sizes()
	r.text.Text, r.text.TextSize, r.text.Color = text, ts, th.Color(theme.ColorNameForeground, v)
	if r.icon.Resource != res {
		r.icon.Resource = res
	}
	r.bg.FillColor = color.Transparent
	if hovered {
		r.bg.FillColor = th.Color(theme.ColorNameHover, v)
	}
	r.bg.CornerRadius = th.Size(theme.SizeNameInputRadius)
	r.Layout(r.w.Size())
	r.bg.Refresh()
	r.icon.Refresh()
	r.text.Refresh()
}

func (r *smallRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.icon, r.text}
}

func (r *smallRenderer) Destroy() {}
