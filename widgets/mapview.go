package widgets

import (
	"image/color"
	"math"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"onescreen/city"
)

// LayerID names one data layer of the map. The app uses the feed names
// ("air", "water", "noise", "fire", "crowd"); any string works.
type LayerID string

// LayerOf returns the layer id the app uses for a feed.
func LayerOf(f city.Feed) LayerID { return LayerID(f) }

// Feature is one thing drawn on a data layer: a station or device at Point,
// or a zone covering Area.
type Feature struct {
	ID string
	// Layer names the feature's layer for the app's own use; the map files
	// a feature under the layer it was given to in SetLayer.
	Layer LayerID
	// Point is the WGS-84 lon/lat of a point feature.
	Point orb.Point
	// Area is the WGS-84 outline of a zone feature (crowd zones); nil for
	// point features. When set, Point is ignored.
	Area orb.Polygon
	// Color is the fill colour the app chose from the standards.
	Color color.NRGBA
	// Stale features are drawn grey, never hidden.
	Stale bool
	// Label is the name shown when the pointer rests on the feature.
	Label string
	// Severity runs from 0 (normal) to 3 (critical). Features above 0 are
	// drawn larger with a ring, above every layer, and never clustered.
	Severity int
}

// BaseKind says how a base-map shape is drawn.
type BaseKind int

// The kinds of base-map shape. Whatever order they come in, districts and
// water are filled first, then roads, expressways, 街道 outlines and the
// district outline are drawn over them.
const (
	BaseDistrict   BaseKind = iota // the district: filled slightly lighter, with a bright outline
	BaseStreet                     // 街道 (sub-district): a thin outline, labelled by name
	BaseWater                      // rivers and creeks: filled dark blue
	BaseRoad                       // ordinary roads: thin dim lines
	BaseExpressway                 // elevated roads and ring roads: brighter lines
)

// BaseShape is one shape of the base map, in WGS-84. Polygons, rings and
// line strings (and multi- and collection forms of them) are drawn; points
// are ignored.
type BaseShape struct {
	Geom  orb.Geometry
	Kind  BaseKind
	Label string
}

// LegendEntry is one row of a layer's legend: a colour and what it means.
// List entries from the best class to the worst: a cluster of features takes
// the colour of its worst member, judged by this order.
type LegendEntry struct {
	Color color.NRGBA
	Text  string
}

// MapView is the district map: a quiet base map with data layers on top,
// pan by drag, zoom by scroll or buttons, a legend that switches layers,
// hover names and tap callbacks. It draws what it is given and keeps no
// goroutines; call it from the UI goroutine only.
type MapView struct {
	widget.BaseWidget

	// direct: the layers are drawn straight into the frame, with no image
	// of their own (SetLayerImages).
	direct bool

	// OnFeatureTapped is called with a feature's ID when the user taps it.
	OnFeatureTapped func(id string)
	// OnViewChanged is called after the user or the app moves the view
	// (drag end, scroll, buttons, Fit…, ZoomAt, PanBy), with the WGS-84
	// centre and the zoom, so the app can remember it. SetView does not
	// call it.
	OnViewChanged func(center orb.Point, zoom float64)
	// OnLegendToggled is called when the user collapses or expands the
	// legend with its button, so the app can remember it.
	OnLegendToggled func(collapsed bool)

	attribution     string
	legendCollapsed bool
	base            []baseShape
	layers          []*mapLayer // in the order they were first named
	drawOrder       []*mapLayer // zone layers first, then point layers

	view    mapViewport
	viewSet bool // a view was chosen (SetView, Fit…, a gesture, the first fit)
	// fitted is the Mercator box of the last fit while nobody has moved the
	// view since: a resize fits it again, so a window that opens small and
	// then grows still shows the whole district. Any pan, zoom or SetView
	// clears it; data refreshes never touch it.
	fitted *orb.Bound

	frame    mapFrameState
	renderer *mapRenderer

	hover       fyne.Position
	hovering    bool
	dragging    bool
	dragBlocked bool          // the drag began on the legend or the buttons
	pressed     bool          // a mouse button is down
	pressAt     fyne.Position // where it went down
	hoverLabel  string
}

var (
	_ fyne.Widget        = (*MapView)(nil)
	_ fyne.Tappable      = (*MapView)(nil)
	_ fyne.Draggable     = (*MapView)(nil)
	_ fyne.Scrollable    = (*MapView)(nil)
	_ desktop.Hoverable  = (*MapView)(nil)
	_ desktop.Mouseable  = (*MapView)(nil)
	_ desktop.Cursorable = (*MapView)(nil)
)

// Interaction constants.
const (
	scrollUnitsPerDoubling = 40.0 // scroll delta (Fyne units) that doubles the scale; one wheel notch is 10
	buttonZoomFactor       = 2.0  // scale factor of the + and − buttons
	clusterTapZoomFactor   = 4.0  // scale factor when a cluster is tapped
	mapDefaultZoom         = 13.0 // zoom before anything was fitted
)

// mapDefaultCenter is People's Square, used before the district is known.
var mapDefaultCenter = orb.Point{121.4737, 31.2304}

// NewMapView returns a map of the base shapes, crediting attribution
// (e.g. "© OpenStreetMap contributors") in its corner. Unless the app sets a
// view first, the map fits the district when it first gets a size, and keeps
// it fitted through resizes until the user or the app moves the view.
func NewMapView(base []BaseShape, attribution string) *MapView {
	m := &MapView{attribution: attribution}
	m.base = projectBase(base)
	m.view = mapViewport{center: lonLatToMercator(mapDefaultCenter), zoom: mapDefaultZoom}
	m.ExtendBaseWidget(m)
	return m
}

// Attribution returns the credit line shown in the map's corner.
func (m *MapView) Attribution() string { return m.attribution }

// layer returns the layer named id, creating it (visible, titled by its id)
// when absent.
func (m *MapView) layer(id LayerID) *mapLayer {
	for _, l := range m.layers {
		if l.id == id {
			return l
		}
	}
	l := &mapLayer{id: id, title: string(id), seq: len(m.layers), visible: true}
	m.layers = append(m.layers, l)
	m.sortLayers()
	return l
}

func (m *MapView) findLayer(id LayerID) *mapLayer {
	for _, l := range m.layers {
		if l.id == id {
			return l
		}
	}
	return nil
}

// sortLayers orders drawing: layers holding zones go below point layers,
// otherwise first named first.
func (m *MapView) sortLayers() {
	m.drawOrder = m.drawOrder[:0]
	for _, zones := range []bool{true, false} {
		for _, l := range m.layers {
			if l.hasAreas == zones {
				m.drawOrder = append(m.drawOrder, l)
			}
		}
	}
}

// SetLayer replaces the features of layer id and names it title in the
// legend. Only that layer is redrawn; the view does not move. Features whose
// coordinates are not finite WGS-84 inside Web Mercator's range are not
// drawn; RejectedFeatures lists them.
func (m *MapView) SetLayer(id LayerID, title string, features []Feature) {
	l := m.layer(id)
	titled := l.title != title
	l.title = title
	hadAreas := l.hasAreas
	l.setFeatures(features)
	if hadAreas != l.hasAreas {
		m.sortLayers()
	}
	m.frame.changed()
	m.afterDataChange(titled)
}

// SetLegend sets the legend rows shown under the layer's switch.
func (m *MapView) SetLegend(id LayerID, entries []LegendEntry) {
	l := m.layer(id)
	l.setLegend(entries)
	m.frame.changed()
	m.afterDataChange(true)
}

// RejectedFeatures returns the IDs of the features of layer id that were
// not drawn because their coordinates were unusable.
func (m *MapView) RejectedFeatures(id LayerID) []string {
	if l := m.findLayer(id); l != nil {
		return append([]string(nil), l.rejected...)
	}
	return nil
}

// SetLayerVisible shows or hides a layer, for drawing and for hit testing.
func (m *MapView) SetLayerVisible(id LayerID, on bool) {
	l := m.layer(id)
	if l.visible == on {
		return
	}
	l.visible = on
	m.frame.changed()
	m.afterDataChange(true)
}

// LayerVisible reports whether layer id is shown. Unknown layers are shown
// once they get features, so they report true.
func (m *MapView) LayerVisible(id LayerID) bool {
	if l := m.findLayer(id); l != nil {
		return l.visible
	}
	return true
}

// afterDataChange redraws the map image and, when legendToo, the legend.
func (m *MapView) afterDataChange(legendToo bool) {
	if m.renderer == nil {
		return
	}
	if legendToo {
		m.renderer.syncLegend()
	}
	m.renderer.raster.Refresh()
	m.refreshHover()
}

// View returns the WGS-84 centre and the zoom level of the map.
func (m *MapView) View() (center orb.Point, zoom float64) {
	return mercatorToLonLat(m.view.center), m.view.zoom
}

// SetView centres the map on a WGS-84 point at a zoom level (clamped to
// [MapMinZoom, MapMaxZoom]). A centre that is not a usable coordinate is ignored.
// It does not call OnViewChanged.
func (m *MapView) SetView(center orb.Point, zoom float64) {
	if !validLonLat(center) {
		return
	}
	m.view.center = lonLatToMercator(center)
	m.view.zoom = clampZoom(zoom)
	m.viewSet = true
	m.fitted = nil
	m.viewMoved(false)
}

// FitBounds shows the WGS-84 box b as large as it fits. Before the widget
// has a size, the fit happens when it gets one.
func (m *MapView) FitBounds(b orb.Bound) {
	if !validLonLat(b.Min) || !validLonLat(b.Max) || b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return
	}
	mb := orb.Bound{Min: lonLatToMercator(b.Min), Max: lonLatToMercator(b.Max)}
	m.viewSet = true
	m.fitted = &mb
	if m.view.width <= 0 || m.view.height <= 0 {
		m.view.center = mb.Center()
		return
	}
	m.view.fit(mb)
	m.viewMoved(true)
}

// FitDistrict shows the whole district: the district shapes of the base map,
// or all base shapes, or failing those every feature.
func (m *MapView) FitDistrict() {
	if b, ok := m.districtBound(); ok {
		m.FitBounds(b)
	}
}

// districtBound is the WGS-84 box FitDistrict shows.
func (m *MapView) districtBound() (orb.Bound, bool) {
	var b orb.Bound
	found := false
	add := func(mb orb.Bound) {
		if !found {
			b, found = mb, true
			return
		}
		b = b.Union(mb)
	}
	for _, s := range m.base {
		if s.kind == BaseDistrict {
			add(s.bound)
		}
	}
	if !found {
		for _, s := range m.base {
			add(s.bound)
		}
	}
	if !found {
		for _, l := range m.layers {
			if lb, ok := l.bound(); ok {
				add(lb)
			}
		}
	}
	if !found {
		return orb.Bound{}, false
	}
	return orb.Bound{Min: mercatorToLonLat(b.Min), Max: mercatorToLonLat(b.Max)}, true
}

// ZoomAt scales the map by factor (2 zooms in one level) keeping the place
// under pos, in widget coordinates, where it is.
func (m *MapView) ZoomAt(pos fyne.Position, factor float64) {
	before := m.view
	m.view.zoomAt(float64(pos.X), float64(pos.Y), factor)
	m.viewSet = true
	m.fitted = nil
	if m.view != before {
		m.viewMoved(true)
	}
}

// PanBy moves the map content by (dx, dy) Fyne units.
func (m *MapView) PanBy(dx, dy float32) {
	m.panBy(dx, dy)
	m.notifyView()
}

func (m *MapView) panBy(dx, dy float32) {
	if dx == 0 && dy == 0 {
		return
	}
	m.view.panBy(float64(dx), float64(dy))
	m.viewSet = true
	m.fitted = nil
	m.viewMoved(false)
}

// ScreenToLonLat returns the WGS-84 point under pos (widget coordinates).
func (m *MapView) ScreenToLonLat(pos fyne.Position) orb.Point {
	return mercatorToLonLat(m.view.fromScreen(float64(pos.X), float64(pos.Y)))
}

// LonLatToScreen returns where the WGS-84 point p is drawn, in widget
// coordinates (possibly outside the widget).
func (m *MapView) LonLatToScreen(p orb.Point) fyne.Position {
	return screenPos(m.view.toScreen(lonLatToMercator(p)))
}

// FeatureAt returns the feature drawn at pos (widget coordinates), topmost
// first, using the per-view spatial index. It reports false for empty
// space, hidden layers and clusters (a cluster stands for several features).
func (m *MapView) FeatureAt(pos fyne.Position) (Feature, bool) {
	h, ok := m.hitAt(pos)
	if !ok || h.mark.kind == markCluster {
		return Feature{}, false
	}
	return h.layer.features[h.mark.feature], true
}

// mapHit is what lies under a screen position.
type mapHit struct {
	layer *mapLayer
	mark  *mapMark
}

// hitAt finds the topmost mark under pos: severe markers first (they are
// drawn above everything), then layers from the top of the drawing down, and
// within a layer the mark drawn last.
func (m *MapView) hitAt(pos fyne.Position) (mapHit, bool) {
	if m.view.width <= 0 || m.view.height <= 0 {
		return mapHit{}, false
	}
	x, y := pos.X, pos.Y
	var best mapHit
	var bestRank [4]int
	found := false
	for li, l := range m.drawOrder {
		if !l.visible || len(l.features) == 0 {
			continue
		}
		l.ensureLayout(m.view)
		for _, id := range l.grid.at(x, y) {
			mk := &l.marks[id]
			if !m.markContains(l, mk, x, y) {
				continue
			}
			top := 0
			if mk.top {
				top = 1
			}
			rank := [4]int{top, int(mk.severity) * top, li, int(id)}
			if !found || hitRankLess(bestRank, rank) {
				best, bestRank, found = mapHit{l, mk}, rank, true
			}
		}
	}
	return best, found
}

func hitRankLess(a, b [4]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// hitSlopUnits widens markers for hit testing, in Fyne units, so small
// markers are easy to hit.
const hitSlopUnits = 3

// markContains reports whether screen point (x, y) lies on mark mk.
func (m *MapView) markContains(l *mapLayer, mk *mapMark, x, y float32) bool {
	if mk.kind == markArea {
		if x < mk.minX || x > mk.maxX || y < mk.minY || y > mk.maxY {
			return false
		}
		p := m.view.fromScreen(float64(x), float64(y))
		return planar.PolygonContains(l.areas[mk.feature], p)
	}
	dx, dy := x-mk.x, y-mk.y
	r := mk.r + hitSlopUnits
	return dx*dx+dy*dy <= r*r
}

// Resize sets the widget's size. The centre and zoom stay, except that a fit
// nobody has moved since (including the first, automatic fit of the
// district) is fitted again to the new size.
func (m *MapView) Resize(size fyne.Size) {
	if m.view.width != float64(size.Width) || m.view.height != float64(size.Height) {
		m.view.width, m.view.height = float64(size.Width), float64(size.Height)
		if size.Width > 0 && size.Height > 0 {
			if !m.viewSet {
				if b, ok := m.districtBound(); ok {
					m.viewSet = true
					m.fitted = &orb.Bound{Min: lonLatToMercator(b.Min), Max: lonLatToMercator(b.Max)}
				}
			}
			if m.fitted != nil {
				m.view.fit(*m.fitted)
			}
		}
		m.frame.changed()
		if m.renderer != nil {
			m.renderer.viewChanged()
		}
	}
	m.BaseWidget.Resize(size)
}

// viewMoved redraws after a view change and, when notify, tells the app.
func (m *MapView) viewMoved(notify bool) {
	m.frame.changed()
	if m.renderer != nil {
		m.renderer.viewChanged()
		m.refreshHover()
	}
	if notify {
		m.notifyView()
	}
}

func (m *MapView) notifyView() {
	if m.OnViewChanged != nil {
		c, z := m.View()
		m.OnViewChanged(c, z)
	}
}

// CreateRenderer builds the map's renderer. It is called by Fyne.
func (m *MapView) CreateRenderer() fyne.WidgetRenderer {
	m.ExtendBaseWidget(m)
	r := newMapRenderer(m)
	m.renderer = r
	return r
}

// MinSize is small: the map fills whatever room it is given.
func (m *MapView) MinSize() fyne.Size {
	m.ExtendBaseWidget(m)
	return m.BaseWidget.MinSize()
}

// Tapped calls OnFeatureTapped for a feature and zooms into a cluster.
func (m *MapView) Tapped(ev *fyne.PointEvent) {
	if m.renderer != nil && m.renderer.overOverlay(ev.Position) {
		return
	}
	h, ok := m.hitAt(ev.Position)
	if !ok {
		return
	}
	if h.mark.kind == markCluster {
		m.ZoomAt(fyne.NewPos(h.mark.x, h.mark.y), clusterTapZoomFactor)
		return
	}
	if m.OnFeatureTapped != nil {
		m.OnFeatureTapped(h.layer.features[h.mark.feature].ID)
	}
}

// Dragged pans the map with the pointer, unless the drag began on the
// legend panel or the buttons.
func (m *MapView) Dragged(ev *fyne.DragEvent) {
	if !m.dragging {
		m.dragging = true
		start := ev.Position.SubtractXY(ev.Dragged.DX, ev.Dragged.DY)
		if m.pressed {
			start = m.pressAt
		}
		m.dragBlocked = m.renderer != nil && m.renderer.overOverlay(start)
		m.hovering = false
		m.refreshHover()
	}
	if !m.dragBlocked {
		m.panBy(ev.Dragged.DX, ev.Dragged.DY)
	}
}

// DragEnd reports the new view once the drag is over.
func (m *MapView) DragEnd() {
	m.dragging = false
	if m.dragBlocked {
		m.dragBlocked = false
		return
	}
	m.notifyView()
}

// Scrolled zooms at the pointer: scrolling up zooms in.
func (m *MapView) Scrolled(ev *fyne.ScrollEvent) {
	m.ZoomAt(ev.Position, math.Exp2(float64(ev.Scrolled.DY)/scrollUnitsPerDoubling))
}

// MouseIn starts hover tracking.
func (m *MapView) MouseIn(ev *desktop.MouseEvent) { m.MouseMoved(ev) }

// MouseMoved shows the name of the feature under the pointer.
func (m *MapView) MouseMoved(ev *desktop.MouseEvent) {
	m.hover = ev.Position
	m.hovering = !m.dragging
	m.refreshHover()
}

// MouseOut hides the hover name.
func (m *MapView) MouseOut() {
	m.hovering = false
	m.refreshHover()
}

// MouseDown hides the hover name while a button is held and notes where a
// drag would start.
func (m *MapView) MouseDown(ev *desktop.MouseEvent) {
	m.pressed, m.pressAt = true, ev.Position
	m.hovering = false
	m.refreshHover()
}

// MouseUp resumes hover tracking.
func (m *MapView) MouseUp(ev *desktop.MouseEvent) {
	m.pressed = false
	m.hover = ev.Position
	m.hovering = true
	m.refreshHover()
}

// Cursor is a pointing hand over a feature or cluster.
func (m *MapView) Cursor() desktop.Cursor {
	if m.hoverLabel != "" {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

// HoverText returns the name shown under the pointer, or "" when none is.
func (m *MapView) HoverText() string { return m.hoverLabel }

// refreshHover re-evaluates what is under the pointer and updates the
// tooltip.
func (m *MapView) refreshHover() {
	label := ""
	if m.hovering && (m.renderer == nil || !m.renderer.overOverlay(m.hover)) {
		if h, ok := m.hitAt(m.hover); ok {
			label = h.label()
		}
	}
	m.hoverLabel = label
	if m.renderer != nil {
		m.renderer.showTooltip(label, m.hover)
	}
}

// label is the hover text of a hit: the feature's name, or the layer's
// title and member count for a cluster.
func (h mapHit) label() string {
	if h.mark.kind == markCluster {
		return h.layer.title + " ×" + strconv.Itoa(int(h.mark.count))
	}
	f := &h.layer.features[h.mark.feature]
	if f.Label != "" {
		return f.Label
	}
	return f.ID
}
