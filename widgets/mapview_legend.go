package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
)

// The map's legend is also its layer switch: one line per layer, its check
// box and, beside it, its colours and what they mean, wrapped in a narrow
// column. Entries that several layers share (the grey of stale data) are
// shown once, beside the legend's button. It is drawn in the caption size with tight
// padding, so the five layers take about a tenth of the map at the default
// window size; a button in its corner collapses it to that button alone
// (the app remembers the choice). Where the map is too short it scrolls
// rather than being cut off.

// Legend geometry in Fyne units.
const (
	legendEntriesUnits = 262 // width of a layer's colour entries, wrapped
	legendEntryGap     = 6   // between two entries on a line
	legendSwatchGap    = 3   // between a swatch and its text
	legendEntrySmaller = 1   // entries' text is this much under the caption size (the layers' names)
)

// SetLegendCollapsed collapses the legend to its button, or expands it.
// OnLegendToggled is not called.
func (m *MapView) SetLegendCollapsed(collapsed bool) {
	if m.legendCollapsed == collapsed {
		return
	}
	m.legendCollapsed = collapsed
	if m.renderer != nil {
		m.renderer.syncLegend()
	}
}

// LegendCollapsed reports whether the legend shows only its button.
func (m *MapView) LegendCollapsed() bool { return m.legendCollapsed }

// LegendBounds returns where the legend (its background) is drawn, in the
// map's coordinates; a zero size before the map is drawn.
func (m *MapView) LegendBounds() (fyne.Position, fyne.Size) {
	if m.renderer == nil || !m.renderer.panelBg.Visible() {
		return fyne.Position{}, fyne.Size{}
	}
	return m.renderer.panelBg.Position(), m.renderer.panelBg.Size()
}

// LegendFits reports whether the whole legend is on screen without
// scrolling.
func (m *MapView) LegendFits() bool {
	if m.renderer == nil {
		return false
	}
	r := m.renderer
	return r.panelScroll.Size().Height+0.5 >= r.panel.MinSize().Height
}

// toggleLegend is the legend's button.
func (m *MapView) toggleLegend() {
	m.SetLegendCollapsed(!m.legendCollapsed)
	if m.OnLegendToggled != nil {
		m.OnLegendToggled(m.legendCollapsed)
	}
}

// legendFlow lays its objects out left to right, wrapping into lines no
// wider than width (or the room it gets, when less).
type legendFlow struct{ width float32 }

func (l legendFlow) lines(objs []fyne.CanvasObject, width float32, place bool) fyne.Size {
	x, y, lineH, widest := float32(0), float32(0), float32(0), float32(0)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		s := o.MinSize()
		if x > 0 && x+s.Width > width {
			y += lineH
			x, lineH = 0, 0
		}
		if place {
			o.Move(fyne.NewPos(x, y))
			o.Resize(s)
		}
		x += s.Width
		widest = max(widest, x)
		x += legendEntryGap
		lineH = max(lineH, s.Height)
	}
	return fyne.NewSize(widest, y+lineH)
}

func (l legendFlow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.lines(objs, max(size.Width, 1), true)
}

func (l legendFlow) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := l.lines(objs, l.width, false)
	return fyne.NewSize(min(s.Width, l.width), s.Height)
}

// legendEntryView is one swatch and its text.
func legendEntryView(e LegendEntry, fg color.Color, size float32) fyne.CanvasObject {
	sw := canvas.NewRectangle(e.Color)
	sw.StrokeColor = mapMarkOutline
	sw.StrokeWidth = 1
	sw.CornerRadius = 2
	sw.SetMinSize(fyne.NewSquareSize(size * 0.8))
	txt := canvas.NewText(e.Text, fg)
	txt.TextSize = size
	return container.New(&swatchLayout{}, sw, txt)
}

// swatchLayout puts a swatch left of its text, centred on the text.
type swatchLayout struct{}

func (swatchLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	sw, txt := objs[0], objs[1]
	ss, ts := sw.MinSize(), txt.MinSize()
	sw.Move(fyne.NewPos(0, (size.Height-ss.Height)/2))
	sw.Resize(ss)
	txt.Move(fyne.NewPos(ss.Width+legendSwatchGap, (size.Height-ts.Height)/2))
	txt.Resize(ts)
}

func (swatchLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	ss, ts := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(ss.Width+legendSwatchGap+ts.Width, max(ss.Height, ts.Height))
}

// legendRowsLayout lays the layers' lines out: the check boxes in a column
// as wide as the widest, the entries beside them; an odd last object
// spans the whole width.
type legendRowsLayout struct{}

func (legendRowsLayout) col(objs []fyne.CanvasObject) float32 {
	var w float32
	for i := 0; i+1 < len(objs); i += 2 {
		w = max(w, objs[i].MinSize().Width)
	}
	return w + legendEntryGap
}

func (l legendRowsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	cw := l.col(objs)
	y := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		check, rows := objs[i], objs[i+1]
		cs := check.MinSize()
		h := cs.Height
		if rows.Visible() {
			h = max(h, rows.MinSize().Height)
			rows.Move(fyne.NewPos(cw, y+max(0, (cs.Height-rows.MinSize().Height)/2)))
			rows.Resize(fyne.NewSize(max(size.Width-cw, 0), rows.MinSize().Height))
		}
		check.Move(fyne.NewPos(0, y))
		check.Resize(fyne.NewSize(cw, cs.Height))
		y += h
	}
	if len(objs)%2 == 1 { // the shared entries
		last := objs[len(objs)-1]
		last.Move(fyne.NewPos(0, y))
		last.Resize(fyne.NewSize(size.Width, last.MinSize().Height))
	}
}

func (l legendRowsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	cw := l.col(objs)
	var w, h float32
	for i := 0; i+1 < len(objs); i += 2 {
		check, rows := objs[i], objs[i+1]
		rh := check.MinSize().Height
		if rows.Visible() {
			rh = max(rh, rows.MinSize().Height)
			w = max(w, rows.MinSize().Width)
		}
		h += rh
	}
	if len(objs)%2 == 1 {
		last := objs[len(objs)-1].MinSize()
		h += last.Height
		w = max(w, last.Width-cw)
	}
	return fyne.NewSize(cw+w, h)
}

// newLegendButton is the legend's collapse/expand button.
func newLegendButton(m *MapView) *SmallButton {
	return NewSmallButton(lang.L("Legend"), theme.MenuDropUpIcon(), m.toggleLegend)
}

// layoutLegend places the legend in the top-left corner: its button, and
// unless collapsed its lines, scrolling when the map is too short for them
// and never wider than the room left of the zoom buttons.
func (r *mapRenderer) layoutLegend(size fyne.Size, pad, buttonsWidth, attrHeight float32) {
	if len(r.panel.Objects) == 0 {
		r.legendBox.Hide()
		r.panelBg.Hide()
		return
	}
	bs := r.legendButton.MinSize()
	w, h := bs.Width, bs.Height
	r.legendButton.Move(fyne.NewPos(0, 0))
	if r.m.legendCollapsed {
		r.panelScroll.Hide()
		r.sharedRow.Hide()
	} else {
		if len(r.sharedRow.Objects) > 0 {
			ss := r.sharedRow.MinSize()
			r.sharedRow.Move(fyne.NewPos(bs.Width+2*pad, (bs.Height-ss.Height)/2))
			r.sharedRow.Resize(ss)
			r.sharedRow.Show()
			w = bs.Width + 2*pad + ss.Width
		}
		ps := r.panel.MinSize()
		avail := max(size.Height-4*pad-attrHeight-bs.Height, 0)
		sh := min(ps.Height, avail)
		sw := ps.Width
		if sh < ps.Height {
			sw += r.m.Theme().Size(theme.SizeNameScrollBar) + pad
		}
		sw = max(min(sw, size.Width-buttonsWidth-6*pad), 0)
		r.panelScroll.Move(fyne.NewPos(0, bs.Height))
		r.panelScroll.Resize(fyne.NewSize(sw, sh))
		r.panelScroll.Show()
		w, h = max(w, sw), bs.Height+sh
	}
	r.legendButton.Resize(bs)
	r.legendBox.Move(fyne.NewPos(2*pad, 2*pad))
	r.legendBox.Resize(fyne.NewSize(w, h))
	r.panelBg.Move(fyne.NewPos(pad, pad))
	r.panelBg.Resize(fyne.NewSize(w+2*pad, h+2*pad))
	r.legendBox.Show()
	r.panelBg.Show()
}
