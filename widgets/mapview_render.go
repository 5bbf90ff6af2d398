package widgets

import (
	"image"
	"image/color"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Colours of the map's own overlays, fixed because the map is always dark.
var (
	mapAttributionText = color.NRGBA{R: 0x8A, G: 0x97, B: 0xAD, A: 0xFF}
	mapAttributionBack = color.NRGBA{R: 0x04, G: 0x08, B: 0x10, A: 0x99}
	mapTooltipBack     = color.NRGBA{R: 0x0B, G: 0x12, B: 0x20, A: 0xEB}
	mapTooltipEdge     = color.NRGBA{R: 0x3D, G: 0x58, B: 0x80, A: 0xFF}
	mapTooltipText     = color.NRGBA{R: 0xE6, G: 0xED, B: 0xF7, A: 0xFF}
)

// Overlay geometry in Fyne units.
const (
	tooltipOffsetUnits = 14 // tooltip distance from the pointer
	minMapUnits        = 120
)

// mapRenderer draws a MapView: one raster holding the composed map image,
// and real widgets over it for the legend/layer switch, the zoom buttons,
// the attribution, the 街道 names and the hover tooltip.
type mapRenderer struct {
	m      *MapView
	raster *canvas.Raster

	streetLabels []*canvas.Text
	streetShape  []int // index into m.base of each street label

	panelBg      *canvas.Rectangle
	panel        *fyne.Container // the layers' lines (legendRowsLayout)
	panelScroll  *container.Scroll
	legendButton *SmallButton
	sharedRow    *fyne.Container // entries every layer shares, beside the button
	legendBox    *fyne.Container // the button, the shared entries and the scroll, placed by Layout
	blocks       map[LayerID]*mapLegendBlock

	buttons *fyne.Container

	attrBg *canvas.Rectangle
	attr   *canvas.Text

	tipBg *canvas.Rectangle
	tip   *canvas.Text

	objects []fyne.CanvasObject
}

// mapLegendBlock is one layer's switch and legend rows.
type mapLegendBlock struct {
	check   *SmallCheck
	rows    *fyne.Container // the layer's own entries (legendFlow)
	entries []LegendEntry   // the entries the rows show
}

func newMapRenderer(m *MapView) *mapRenderer {
	r := &mapRenderer{m: m, blocks: map[LayerID]*mapLegendBlock{}}
	r.raster = canvas.NewRaster(func(w, h int) image.Image { return m.render(w, h) })
	for i, s := range m.base {
		if s.kind == BaseStreet && s.label != "" {
			t := canvas.NewText(s.label, StreetLabelColor)
			t.Alignment = fyne.TextAlignCenter
			t.Hide()
			r.streetLabels = append(r.streetLabels, t)
			r.streetShape = append(r.streetShape, i)
		}
	}
	r.panelBg = canvas.NewRectangle(color.Transparent)
	r.panel = container.New(legendRowsLayout{})
	r.panelScroll = container.NewVScroll(r.panel)
	r.legendButton = newLegendButton(m)
	r.sharedRow = container.New(legendFlow{width: legendEntriesUnits})
	r.legendBox = container.NewWithoutLayout(r.legendButton, r.sharedRow, r.panelScroll)
	zoomIn := widget.NewButtonWithIcon("", theme.ZoomInIcon(), func() { m.zoomCentre(buttonZoomFactor) })
	zoomOut := widget.NewButtonWithIcon("", theme.ZoomOutIcon(), func() { m.zoomCentre(1 / buttonZoomFactor) })
	fit := widget.NewButtonWithIcon("", theme.ZoomFitIcon(), m.FitDistrict)
	r.buttons = container.NewVBox(zoomIn, zoomOut, fit)
	r.attrBg = canvas.NewRectangle(mapAttributionBack)
	r.attr = canvas.NewText(m.attribution, mapAttributionText)
	if m.attribution == "" {
		r.attrBg.Hide()
		r.attr.Hide()
	}
	r.tipBg = canvas.NewRectangle(mapTooltipBack)
	r.tipBg.StrokeColor = mapTooltipEdge
	r.tipBg.StrokeWidth = 1
	r.tipBg.CornerRadius = 4
	r.tip = canvas.NewText("", mapTooltipText)
	r.tipBg.Hide()
	r.tip.Hide()

	r.objects = []fyne.CanvasObject{r.raster}
	for _, t := range r.streetLabels {
		r.objects = append(r.objects, t)
	}
	r.objects = append(r.objects, r.panelBg, r.legendBox, r.buttons, r.attrBg, r.attr, r.tipBg, r.tip)
	r.applyTheme()
	r.syncLegend()
	return r
}

// zoomCentre zooms about the middle of the widget.
func (m *MapView) zoomCentre(factor float64) {
	m.ZoomAt(screenPos(m.view.width/2, m.view.height/2), factor)
}

func (r *mapRenderer) applyTheme() {
	th := r.m.Theme()
	v := theme.VariantDark
	if a := fyne.CurrentApp(); a != nil {
		v = a.Settings().ThemeVariant()
	}
	bg := th.Color(theme.ColorNameOverlayBackground, v)
	nr, ng, nb, _ := bg.RGBA()
	r.panelBg.FillColor = color.NRGBA{R: uint8(nr >> 8), G: uint8(ng >> 8), B: uint8(nb >> 8), A: 0xE0}
	r.panelBg.CornerRadius = th.Size(theme.SizeNameInputRadius)
	small := th.Size(theme.SizeNameCaptionText)
	r.attr.TextSize = small
	r.tip.TextSize = th.Size(theme.SizeNameText)
	for _, t := range r.streetLabels {
		t.TextSize = small
	}
}

// syncLegend rebuilds the legend panel from the layers.
func (r *mapRenderer) syncLegend() {
	th := r.m.Theme()
	v := theme.VariantDark
	if a := fyne.CurrentApp(); a != nil {
		v = a.Settings().ThemeVariant()
	}
	fg := th.Color(theme.ColorNameForeground, v)
	small := th.Size(theme.SizeNameCaptionText) - legendEntrySmaller
	// Entries that two or more layers list are shown once, beside the button.
	uses := map[LegendEntry]int{}
	var shared []LegendEntry
	for _, l := range r.m.layers {
		seen := map[LegendEntry]bool{}
		for _, e := range l.legend {
			if !seen[e] {
				seen[e] = true
				uses[e]++
				if uses[e] == 2 {
					shared = append(shared, e)
				}
			}
		}
	}
	objs := make([]fyne.CanvasObject, 0, 2*len(r.m.layers)+1)
	for _, l := range r.m.layers {
		b := r.blocks[l.id]
		if b == nil {
			id := l.id
			b = &mapLegendBlock{rows: container.New(legendFlow{width: legendEntriesUnits})}
			b.check = NewSmallCheck(l.title, func(on bool) { r.m.SetLayerVisible(id, on) })
			b.check.Checked = l.visible
			r.blocks[l.id] = b
		}
		if b.check.Text != l.title || b.check.Checked != l.visible {
			b.check.Text, b.check.Checked = l.title, l.visible
			b.check.Refresh()
		}
		own := make([]LegendEntry, 0, len(l.legend))
		for _, e := range l.legend {
			if uses[e] < 2 {
				own = append(own, e)
			}
		}
		if !slices.Equal(b.entries, own) {
			b.entries = own
			rows := make([]fyne.CanvasObject, 0, len(own))
			for _, e := range own {
				rows = append(rows, legendEntryView(e, fg, small))
			}
			b.rows.Objects = rows
			b.rows.Refresh()
		}
		if l.visible && len(own) > 0 {
			b.rows.Show()
		} else {
			b.rows.Hide()
		}
		objs = append(objs, b.check, b.rows)
	}
	views := make([]fyne.CanvasObject, 0, len(shared))
	for _, e := range shared {
		views = append(views, legendEntryView(e, fg, small))
	}
	r.sharedRow.Objects = views
	r.sharedRow.Refresh()
	r.panel.Objects = objs
	icon := theme.MenuDropUpIcon()
	if r.m.legendCollapsed {
		icon = theme.MenuDropDownIcon()
	}
	if r.legendButton.Icon != icon {
		r.legendButton.SetIcon(icon)
	}
	r.legendBox.Refresh()
	r.Layout(r.m.Size())
}

// Layout places the map image under the whole widget and the overlays in
// its corners.
func (r *mapRenderer) Layout(size fyne.Size) {
	th := r.m.Theme()
	pad := th.Size(theme.SizeNamePadding)
	r.raster.Move(fyne.NewPos(0, 0))
	r.raster.Resize(size)

	bs := r.buttons.MinSize()
	r.attr.Text = fitText(r.m.attribution, r.attr.TextSize, r.attr.TextStyle, size.Width-4*pad)
	as := r.attr.MinSize()
	r.layoutLegend(size, pad, bs.Width, as.Height)

	r.buttons.Move(fyne.NewPos(size.Width-bs.Width-2*pad, 2*pad))
	r.buttons.Resize(bs)

	r.attr.Move(fyne.NewPos(size.Width-as.Width-2*pad, size.Height-as.Height-pad/2))
	r.attr.Resize(as)
	r.attrBg.Move(fyne.NewPos(size.Width-as.Width-3*pad, size.Height-as.Height-pad))
	r.attrBg.Resize(as.AddWidthHeight(3*pad, pad))

	r.placeStreetLabels()
	r.placeTooltip()
}

// MinSize is small; the map takes what room it gets.
func (r *mapRenderer) MinSize() fyne.Size {
	ls := r.legendButton.MinSize()
	return fyne.NewSize(max(minMapUnits, ls.Width), max(minMapUnits, ls.Height))
}

// Refresh re-reads the theme and the layers and redraws.
func (r *mapRenderer) Refresh() {
	r.applyTheme()
	r.attr.Text = r.m.attribution
	r.syncLegend()
	r.m.frame.changed()
	r.raster.Refresh()
	for _, o := range []fyne.CanvasObject{r.panelBg, r.attrBg, r.attr, r.tipBg, r.tip} {
		o.Refresh()
	}
	for _, t := range r.streetLabels {
		t.Refresh()
	}
}

// Objects lists the canvas objects of the map.
func (r *mapRenderer) Objects() []fyne.CanvasObject { return r.objects }

// Destroy releases nothing: the map holds no resources beyond memory.
func (r *mapRenderer) Destroy() {}

// viewChanged redraws the image and moves the street names.
func (r *mapRenderer) viewChanged() {
	r.raster.Refresh()
	r.placeStreetLabels()
}

// overOverlay reports whether pos falls on the legend panel, the zoom
// buttons or the attribution, where map gestures do not apply.
func (r *mapRenderer) overOverlay(pos fyne.Position) bool {
	for _, o := range []fyne.CanvasObject{r.panelBg, r.buttons, r.attrBg} {
		if !o.Visible() {
			continue
		}
		p, s := o.Position(), o.Size()
		if pos.X >= p.X && pos.Y >= p.Y && pos.X < p.X+s.Width && pos.Y < p.Y+s.Height {
			return true
		}
	}
	return false
}

// placeStreetLabels shows the 街道 names that fit at this zoom, skipping any
// that would overlap one already placed.
func (r *mapRenderer) placeStreetLabels() {
	v := r.m.view
	var placed []fyne.Position // top-left and bottom-right pairs
	for i, t := range r.streetLabels {
		if v.zoom < streetLabelMinZoom || v.width <= 0 {
			if t.Visible() {
				t.Hide()
			}
			continue
		}
		x, y := v.toScreen(r.m.base[r.streetShape[i]].labelAt)
		sz := t.MinSize()
		tl := fyne.NewPos(float32(x)-sz.Width/2, float32(y)-sz.Height/2)
		br := tl.AddXY(sz.Width, sz.Height)
		ok := tl.X >= 0 && tl.Y >= 0 && br.X <= float32(v.width) && br.Y <= float32(v.height) && !r.overOverlayBox(tl, br)
		for j := 0; ok && j < len(placed); j += 2 {
			a, b := placed[j], placed[j+1]
			if tl.X < b.X && br.X > a.X && tl.Y < b.Y && br.Y > a.Y {
				ok = false
			}
		}
		if !ok {
			if t.Visible() {
				t.Hide()
			}
			continue
		}
		placed = append(placed, tl, br)
		t.Move(tl)
		t.Resize(sz)
		if !t.Visible() {
			t.Show()
		}
	}
}

// overOverlayBox reports whether a box touches the legend panel or buttons.
func (r *mapRenderer) overOverlayBox(tl, br fyne.Position) bool {
	for _, o := range []fyne.CanvasObject{r.panelBg, r.buttons} {
		if !o.Visible() {
			continue
		}
		p, s := o.Position(), o.Size()
		if tl.X < p.X+s.Width && br.X > p.X && tl.Y < p.Y+s.Height && br.Y > p.Y {
			return true
		}
	}
	return false
}

// showTooltip shows label near pos, or hides the tooltip for "".
func (r *mapRenderer) showTooltip(label string, pos fyne.Position) {
	if label == "" {
		if r.tip.Visible() {
			r.tip.Hide()
			r.tipBg.Hide()
		}
		return
	}
	if r.tip.Text != label {
		r.tip.Text = label
		r.tip.Refresh()
	}
	r.placeTooltip()
	if !r.tip.Visible() {
		r.tip.Show()
		r.tipBg.Show()
	}
}

// placeTooltip keeps the tooltip beside the pointer and inside the widget.
func (r *mapRenderer) placeTooltip() {
	if r.tip.Text == "" {
		return
	}
	pad := r.m.Theme().Size(theme.SizeNamePadding)
	ts := r.tip.MinSize()
	bs := ts.AddWidthHeight(4*pad, 2*pad)
	size := r.m.Size()
	p := r.m.hover.AddXY(tooltipOffsetUnits, tooltipOffsetUnits)
	if p.X+bs.Width > size.Width {
		p.X = r.m.hover.X - tooltipOffsetUnits - bs.Width
	}
	if p.Y+bs.Height > size.Height {
		p.Y = r.m.hover.Y - tooltipOffsetUnits - bs.Height
	}
	p.X, p.Y = max(p.X, 0), max(p.Y, 0)
	r.tipBg.Move(p)
	r.tipBg.Resize(bs)
	r.tip.Move(p.AddXY(2*pad, pad))
	r.tip.Resize(ts)
}
