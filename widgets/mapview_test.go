package widgets

import (
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"github.com/paulmach/orb"
)

const mapTestW, mapTestH = 480, 360 // test window size, Fyne units (scale 1: pixels)

// Places in Huangpu used by the tests.
var (
	fxPeoplesSquare = orb.Point{121.4737, 31.2304}
	fxTheBund       = orb.Point{121.4903, 31.2400}
	fxYuGarden      = orb.Point{121.4920, 31.2272}
	fxXintiandi     = orb.Point{121.4747, 31.2196}
)

// newTestMap shows a map of Huangpu in a test window at zoom 14, with the
// test places 80+ units apart and well inside the window.
func newTestMap(t *testing.T) (*MapView, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	m := NewMapView(loadHuangpuBase(t), "© OpenStreetMap contributors")
	w := test.NewTempWindow(t, m)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(mapTestW, mapTestH))
	m.SetView(orb.Point{121.4830, 31.2298}, 14)
	for _, p := range []orb.Point{fxPeoplesSquare, fxTheBund, fxYuGarden, fxXintiandi} {
		if s := m.LonLatToScreen(p); s.X < 40 || s.Y < 10 || s.X > mapTestW-40 || s.Y > mapTestH-20 {
			t.Fatalf("test place %v drawn at %v, too mapColourNear the edge", p, s)
		}
	}
	return m, w
}

func mapAirStations() []Feature {
	return []Feature{
		{ID: "air-ps", Layer: "air", Point: fxPeoplesSquare, Color: fxAQIGood, Label: "人民广场"},
		{ID: "air-bund", Layer: "air", Point: fxTheBund, Color: fxAQIModerate, Label: "外滩"},
		{ID: "air-yu", Layer: "air", Point: fxYuGarden, Color: fxAQIUnhealthy, Label: "豫园", Stale: true},
	}
}

func mapWaterSections() []Feature {
	return []Feature{{ID: "water-xtd", Layer: "water", Point: fxXintiandi, Color: fxWaterII, Label: "太平桥"}}
}

// mapPixelAt reads the captured window image at a widget position.
func mapPixelAt(img image.Image, p fyne.Position) color.NRGBA {
	return color.NRGBAModel.Convert(img.At(int(p.X), int(p.Y))).(color.NRGBA)
}

func mapColourNear(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) int { return int(x) - int(y) }
	return math.Abs(float64(d(a.R, b.R))) <= float64(tol) && math.Abs(float64(d(a.G, b.G))) <= float64(tol) && math.Abs(float64(d(a.B, b.B))) <= float64(tol)
}

func TestMapFitsDistrictOnFirstSize(t *testing.T) {
	test.NewTempApp(t)
	m := NewMapView(loadHuangpuBase(t), "© OpenStreetMap contributors")
	w := test.NewTempWindow(t, m)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(mapTestW, mapTestH))
	b, ok := m.districtBound()
	if !ok {
		t.Fatal("no district bound")
	}
	for _, corner := range []orb.Point{b.Min, b.Max} {
		p := m.LonLatToScreen(corner)
		if p.X < 0 || p.Y < 0 || p.X > mapTestW || p.Y > mapTestH {
			t.Errorf("district corner %v drawn at %v, outside the %dx%d map", corner, p, mapTestW, mapTestH)
		}
	}
	c, z := m.View()
	if !b.Contains(c) || z < 11.5 || z > 13.5 {
		t.Errorf("view after the first fit: centre %v zoom %v, want Huangpu at about zoom 12–13", c, z)
	}
	// once the view was moved, a resize keeps it: no automatic refit
	m.PanBy(40, 0)
	before, zb := m.View()
	w.Resize(fyne.NewSize(mapTestW+100, mapTestH+50))
	after, za := m.View()
	if before != after || zb != za {
		t.Errorf("reuseSlice moved the view from %v@%v to %v@%v", before, zb, after, za)
	}
}

func TestMapLonLatScreenRoundTrip(t *testing.T) {
	m, _ := newTestMap(t)
	for _, p := range []orb.Point{fxPeoplesSquare, fxTheBund, fxYuGarden, fxXintiandi} {
		got := m.ScreenToLonLat(m.LonLatToScreen(p))
		if math.Abs(got[0]-p[0]) > 1e-6 || math.Abs(got[1]-p[1]) > 1e-6 {
			t.Errorf("%v → %v → %v, want within 1e-6°", p, m.LonLatToScreen(p), got)
		}
	}
}

func TestMapPanKeepsScale(t *testing.T) {
	m, w := newTestMap(t)
	var notified int
	m.OnViewChanged = func(orb.Point, float64) { notified++ }
	a0, b0 := m.LonLatToScreen(fxPeoplesSquare), m.LonLatToScreen(fxTheBund)
	_, z0 := m.View()
	test.Drag(w.Canvas(), fyne.NewPos(200, 150), 35, -20)
	a1, b1 := m.LonLatToScreen(fxPeoplesSquare), m.LonLatToScreen(fxTheBund)
	if _, z1 := m.View(); z1 != z0 {
		t.Errorf("zoom changed from %v to %v by a drag", z0, z1)
	}
	if d := a1.Subtract(a0); math.Abs(float64(d.X-35)) > 1e-3 || math.Abs(float64(d.Y+20)) > 1e-3 {
		t.Errorf("People's Square moved by %v, want (35, -20)", d)
	}
	if d0, d1 := b0.Subtract(a0), b1.Subtract(a1); math.Abs(float64(d0.X-d1.X)) > 1e-3 || math.Abs(float64(d0.Y-d1.Y)) > 1e-3 {
		t.Errorf("distance People's Square–Bund changed from %v to %v", d0, d1)
	}
	if notified != 1 {
		t.Errorf("OnViewChanged called %d times for one drag, want 1 (at its end)", notified)
	}
}

func TestMapZoomAtCursorKeepsPointFixed(t *testing.T) {
	m, _ := newTestMap(t)
	tests := []struct {
		name   string
		cursor fyne.Position
		zoom   func(fyne.Position)
		dz     float64
	}{
		{"scroll up", fyne.NewPos(80, 60), func(p fyne.Position) {
			m.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: p}, Scrolled: fyne.Delta{DY: 20}})
		}, 0.5},
		{"scroll down", fyne.NewPos(330, 240), func(p fyne.Position) {
			m.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: p}, Scrolled: fyne.Delta{DY: -40}})
		}, -1},
		{"ZoomAt", fyne.NewPos(10, 290), func(p fyne.Position) { m.ZoomAt(p, 4) }, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			under := m.ScreenToLonLat(tc.cursor)
			_, z0 := m.View()
			tc.zoom(tc.cursor)
			_, z1 := m.View()
			if math.Abs(z1-z0-tc.dz) > 1e-9 {
				t.Errorf("zoom went from %v to %v, want a change of %v", z0, z1, tc.dz)
			}
			if got := m.LonLatToScreen(under); math.Abs(float64(got.X-tc.cursor.X)) > 1e-3 || math.Abs(float64(got.Y-tc.cursor.Y)) > 1e-3 {
				t.Errorf("the place under the cursor moved from %v to %v", tc.cursor, got)
			}
		})
	}
}

func TestMapZoomButtonsAndFit(t *testing.T) {
	m, w := newTestMap(t)
	_, z0 := m.View()
	buttons := m.renderer.buttons.Objects
	test.Tap(buttons[0].(fyne.Tappable))
	if _, z := m.View(); math.Abs(z-z0-1) > 1e-9 {
		t.Errorf("after +: zoom %v, want %v", z, z0+1)
	}
	test.Tap(buttons[1].(fyne.Tappable))
	test.Tap(buttons[1].(fyne.Tappable))
	if _, z := m.View(); math.Abs(z-z0+1) > 1e-9 {
		t.Errorf("after + − −: zoom %v, want %v", z, z0-1)
	}
	test.Tap(buttons[2].(fyne.Tappable))
	b, _ := m.districtBound()
	for _, corner := range []orb.Point{b.Min, b.Max} {
		if p := m.LonLatToScreen(corner); p.X < 0 || p.Y < 0 || p.X > mapTestW || p.Y > mapTestH {
			t.Errorf("after fit: district corner at %v, outside the map", p)
		}
	}
	_ = w
}

func TestMapSetViewAndView(t *testing.T) {
	m, _ := newTestMap(t)
	called := false
	m.OnViewChanged = func(orb.Point, float64) { called = true }
	m.SetView(fxTheBund, 16.25)
	c, z := m.View()
	if math.Abs(c[0]-fxTheBund[0]) > 1e-9 || math.Abs(c[1]-fxTheBund[1]) > 1e-9 || z != 16.25 {
		t.Errorf("View() = %v, %v; want %v, 16.25", c, z, fxTheBund)
	}
	if called {
		t.Error("SetView called OnViewChanged")
	}
	m.SetView(orb.Point{math.NaN(), 31}, 12)
	if c2, z2 := m.View(); c2 != c || z2 != z {
		t.Errorf("a NaN centre changed the view to %v, %v", c2, z2)
	}
	m.SetView(fxTheBund, 40)
	if _, z := m.View(); z != MapMaxZoom {
		t.Errorf("zoom 40 became %v, want clamped to %v", z, MapMaxZoom)
	}
}

func TestMapFeatureAtFindsAndMisses(t *testing.T) {
	m, _ := newTestMap(t)
	m.SetLayer("air", "空气", mapAirStations())
	m.SetLayer("water", "水质", mapWaterSections())
	tests := []struct {
		name   string
		pos    fyne.Position
		wantID string
	}{
		{"on People's Square", m.LonLatToScreen(fxPeoplesSquare), "air-ps"},
		{"2 units off the Bund", m.LonLatToScreen(fxTheBund).AddXY(2, -2), "air-bund"},
		{"on a stale station", m.LonLatToScreen(fxYuGarden), "air-yu"},
		{"on another layer", m.LonLatToScreen(fxXintiandi), "water-xtd"},
		{"empty space", m.LonLatToScreen(fxPeoplesSquare).AddXY(30, 30), ""},
		{"outside the widget", fyne.NewPos(-10, 5000), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := m.FeatureAt(tc.pos)
			if tc.wantID == "" {
				if ok {
					t.Errorf("FeatureAt(%v) = %s, want nothing", tc.pos, f.ID)
				}
				return
			}
			if !ok || f.ID != tc.wantID {
				t.Errorf("FeatureAt(%v) = %q, %v; want %q", tc.pos, f.ID, ok, tc.wantID)
			}
		})
	}
}

func TestMapTapCallsOnFeatureTapped(t *testing.T) {
	m, w := newTestMap(t)
	m.SetLayer("air", "空气", mapAirStations())
	var tapped []string
	m.OnFeatureTapped = func(id string) { tapped = append(tapped, id) }
	test.TapCanvas(w.Canvas(), m.LonLatToScreen(fxTheBund))
	test.TapCanvas(w.Canvas(), m.LonLatToScreen(fxTheBund).AddXY(40, 40)) // empty
	if len(tapped) != 1 || tapped[0] != "air-bund" {
		t.Errorf("taps reported %v, want [air-bund]", tapped)
	}
}

func TestMapHoverShowsName(t *testing.T) {
	m, w := newTestMap(t)
	m.SetLayer("air", "空气", mapAirStations())
	test.MoveMouse(w.Canvas(), m.LonLatToScreen(fxPeoplesSquare))
	if got := m.HoverText(); got != "人民广场" {
		t.Errorf("hover text %q, want 人民广场", got)
	}
	if !m.renderer.tip.Visible() || m.renderer.tip.Text != "人民广场" {
		t.Errorf("tooltip visible %v text %q", m.renderer.tip.Visible(), m.renderer.tip.Text)
	}
	if m.Cursor() != desktop.PointerCursor {
		t.Error("cursor mapOver a feature is not the pointer")
	}
	test.MoveMouse(w.Canvas(), m.LonLatToScreen(fxPeoplesSquare).AddXY(35, 35))
	if got := m.HoverText(); got != "" || m.renderer.tip.Visible() {
		t.Errorf("mapOver empty space: hover text %q, tooltip visible %v", got, m.renderer.tip.Visible())
	}
}

func TestMapLayerSwitchHidesDrawingAndHits(t *testing.T) {
	m, w := newTestMap(t)
	m.SetLayer("air", "空气", mapAirStations())
	m.SetLayer("water", "水质", mapWaterSections())
	at := m.LonLatToScreen(fxPeoplesSquare)
	shown := mapPixelAt(w.Canvas().Capture(), at)
	if !mapColourNear(shown, fxAQIGood, 10) {
		t.Fatalf("air station pixel %v, want about %v", shown, fxAQIGood)
	}

	// switch the layer off through the legend's check box
	check := m.renderer.blocks["air"].check
	test.Tap(check)
	if m.LayerVisible("air") {
		t.Fatal("air layer still visible after unticking its check box")
	}
	hidden := mapPixelAt(w.Canvas().Capture(), at)
	if mapColourNear(hidden, fxAQIGood, 60) {
		t.Errorf("hidden layer still drawn: pixel %v", hidden)
	}
	if f, ok := m.FeatureAt(at); ok {
		t.Errorf("hidden layer still hit: %s", f.ID)
	}
	if f, ok := m.FeatureAt(m.LonLatToScreen(fxXintiandi)); !ok || f.ID != "water-xtd" {
		t.Errorf("the other layer's feature: %q %v, want water-xtd", f.ID, ok)
	}

	// and back on through the API; the check box follows
	m.SetLayerVisible("air", true)
	if !check.Checked {
		t.Error("check box not ticked after SetLayerVisible(true)")
	}
	if got := mapPixelAt(w.Canvas().Capture(), at); !mapColourNear(got, fxAQIGood, 10) {
		t.Errorf("shown again: pixel %v, want about %v", got, fxAQIGood)
	}
	if f, ok := m.FeatureAt(at); !ok || f.ID != "air-ps" {
		t.Errorf("shown again: FeatureAt = %q %v", f.ID, ok)
	}
}

func TestMapStaleFeaturesAreGrey(t *testing.T) {
	m, w := newTestMap(t)
	m.SetLayer("air", "空气", mapAirStations())
	img := w.Canvas().Capture()
	stale := mapPixelAt(img, m.LonLatToScreen(fxYuGarden))
	if !mapColourNear(stale, mapStaleFill, 12) {
		t.Errorf("stale station pixel %v, want grey %v", stale, mapStaleFill)
	}
	if d := int(stale.R) - int(stale.B); d > 20 || d < -20 {
		t.Errorf("stale pixel %v is not grey", stale)
	}
	// the same station fresh shows its colour
	fs := mapAirStations()
	fs[2].Stale = false
	m.SetLayer("air", "空气", fs)
	if got := mapPixelAt(w.Canvas().Capture(), m.LonLatToScreen(fxYuGarden)); !mapColourNear(got, fxAQIUnhealthy, 10) {
		t.Errorf("fresh station pixel %v, want %v", got, fxAQIUnhealthy)
	}
	// stale features still answer hit tests
	if f, ok := m.FeatureAt(m.LonLatToScreen(fxYuGarden)); !ok || f.ID != "air-yu" {
		t.Errorf("stale feature not hit: %q %v", f.ID, ok)
	}
}

func TestMapSevereFeatureDrawnOnTop(t *testing.T) {
	m, w := newTestMap(t)
	// an ordinary fire device and a critical air station at the same place
	m.SetLayer("air", "空气", []Feature{{ID: "air-alarm", Point: fxPeoplesSquare, Color: fxAQIUnhealthy, Severity: 3}})
	m.SetLayer("fire", "消防", []Feature{{ID: "fire-ok", Point: fxPeoplesSquare, Color: fxFireNormal}})
	at := m.LonLatToScreen(fxPeoplesSquare)
	if got := mapPixelAt(w.Canvas().Capture(), at); !mapColourNear(got, fxAQIUnhealthy, 10) {
		t.Errorf("pixel %v, want the severe feature's %v on top", got, fxAQIUnhealthy)
	}
	if f, ok := m.FeatureAt(at); !ok || f.ID != "air-alarm" {
		t.Errorf("FeatureAt = %q %v, want the severe feature", f.ID, ok)
	}
}

func TestMapSetLayerKeepsView(t *testing.T) {
	m, w := newTestMap(t)
	m.PanBy(-25, 10)
	c0, z0 := m.View()
	notified := false
	m.OnViewChanged = func(orb.Point, float64) { notified = true }
	for i := 0; i < 3; i++ {
		m.SetLayer("air", "空气", mapAirStations())
		m.SetLayer("fire", "消防", mapSyntheticLayers(2000, uint64(i))["fire"])
		w.Canvas().Capture()
	}
	if c, z := m.View(); c != c0 || z != z0 {
		t.Errorf("view moved from %v@%v to %v@%v on data refresh", c0, z0, c, z)
	}
	if notified {
		t.Error("OnViewChanged called on data refresh")
	}
}

func TestMapRefreshRedrawsOnlyThatLayer(t *testing.T) {
	m := newLoadedMap(t, 5000, mapTestW, mapTestH)
	m.render(mapTestW, mapTestH)
	air, fire := m.findLayer("air"), m.findLayer("fire")
	airImg, fireImg := air.imgVersion, fire.imgVersion
	baseView := m.frame.baseView

	m.SetLayer("fire", "fire", mapSyntheticLayers(5000, 9)["fire"])
	m.render(mapTestW, mapTestH)
	if air.imgVersion != airImg || air.imgView != m.view {
		t.Error("the air layer was redrawn when only the fire layer changed")
	}
	if fire.imgVersion == fireImg {
		t.Error("the fire layer was not redrawn after SetLayer")
	}
	if m.frame.baseView != baseView {
		t.Error("the base map was redrawn after a data change")
	}
}

func TestMapClusteringOnScreen(t *testing.T) {
	m := newLoadedMap(t, 3000, mapTestW, mapTestH)
	fire := m.findLayer("fire")
	markers := func() (drawn, clusters int) {
		m.render(mapTestW, mapTestH)
		for _, mk := range fire.marks {
			drawn++
			if mk.kind == markCluster {
				clusters++
			}
		}
		return
	}
	m.FitDistrict()
	outDrawn, outClusters := markers()
	visible := 0
	for _, p := range fire.merc {
		x, y := m.view.toScreen(p)
		if x >= -markMarginUnits && y >= -markMarginUnits && x <= mapTestW+markMarginUnits && y <= mapTestH+markMarginUnits {
			visible++
		}
	}
	if outClusters == 0 || outDrawn >= visible/4 {
		t.Errorf("district view: %d markers (%d clusters) for %d features, want far fewer markers", outDrawn, outClusters, visible)
	}
	m.SetView(fxPeoplesSquare, MapMaxZoom)
	inDrawn, inClusters := markers()
	if inClusters != 0 || inDrawn == 0 {
		t.Errorf("at zoom %v: %d markers, %d clusters; want single markers only", MapMaxZoom, inDrawn, inClusters)
	}
	// a tap on a cluster zooms in
	m.FitDistrict()
	m.render(mapTestW, mapTestH)
	var cl *mapMark
	for i := range fire.marks {
		if fire.marks[i].kind == markCluster && !fire.marks[i].top && !m.renderer.overOverlay(fyne.NewPos(fire.marks[i].x, fire.marks[i].y)) {
			cl = &fire.marks[i]
			break
		}
	}
	if cl == nil {
		t.Fatal("no cluster at the district view")
	}
	_, z0 := m.View()
	pos := fyne.NewPos(cl.x, cl.y)
	if f, ok := m.FeatureAt(pos); ok {
		t.Logf("a feature (%s) lies mapOver the cluster; skipping the tap check", f.ID)
		return
	}
	m.Tapped(&fyne.PointEvent{Position: pos})
	if _, z := m.View(); z <= z0 {
		t.Errorf("tapping a cluster left zoom at %v (was %v)", z, z0)
	}
}

func TestMapRejectsUnusableFeatures(t *testing.T) {
	m, _ := newTestMap(t)
	m.SetLayer("noise", "噪声", []Feature{
		{ID: "ok", Point: fxPeoplesSquare, Color: fxNoiseOK},
		{ID: "nan", Point: orb.Point{math.NaN(), 31.2}, Color: fxNoiseOK},
		{ID: "pole", Point: orb.Point{121.4, 89.9}, Color: fxNoiseOK},
		{ID: "bad-zone", Area: orb.Polygon{{{121.47, 31.23}, {121.48, math.Inf(1)}, {121.47, 31.24}}}, Color: fxCrowdLow},
		{ID: "tiny-zone", Area: orb.Polygon{{{121.47, 31.23}}}, Color: fxCrowdLow},
	})
	got := m.RejectedFeatures("noise")
	want := []string{"nan", "pole", "bad-zone", "tiny-zone"}
	if len(got) != len(want) {
		t.Fatalf("rejected %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rejected[%d] = %q, want %q", i, got[i], want[i])
		}
	}
	if f, ok := m.FeatureAt(m.LonLatToScreen(fxPeoplesSquare)); !ok || f.ID != "ok" {
		t.Errorf("the good feature: %q %v", f.ID, ok)
	}
}

func TestMapZoneFeatures(t *testing.T) {
	m, w := newTestMap(t)
	zone := zoneAround(fxPeoplesSquare, 120, 8)
	m.SetLayer("crowd", "客流", []Feature{{ID: "zone-ps", Area: zone, Color: fxCrowdHigh, Label: "人民广场"}})
	m.SetLayer("air", "空气", []Feature{{ID: "air-ps", Point: fxPeoplesSquare, Color: fxAQIGood}})
	centre := m.LonLatToScreen(fxPeoplesSquare)
	inside := centre.AddXY(0, 12) // in the zone, off the air marker
	if f, ok := m.FeatureAt(inside); !ok || f.ID != "zone-ps" {
		t.Errorf("inside the zone: %q %v, want zone-ps", f.ID, ok)
	}
	if f, ok := m.FeatureAt(centre); !ok || f.ID != "air-ps" {
		t.Errorf("on the station inside the zone: %q %v, want the station on top", f.ID, ok)
	}
	if _, ok := m.FeatureAt(m.LonLatToScreen(fxTheBund)); ok {
		t.Error("hit outside the zone")
	}
	// the zone is filled with its colour, translucent over the base map
	px := mapPixelAt(w.Canvas().Capture(), inside)
	if px.R < 60 || px.R < px.B {
		t.Errorf("zone pixel %v does not show the zone's orange", px)
	}
}

func TestMapLegend(t *testing.T) {
	m, _ := newTestMap(t)
	m.SetLayer("air", "空气质量", mapAirStations())
	m.SetLegend("air", []LegendEntry{{fxAQIGood, "优"}, {fxAQIModerate, "良"}, {fxAQIUnhealthy, "中度污染"}})
	b := m.renderer.blocks["air"]
	if b == nil || b.check.Text != "空气质量" || !b.check.Checked {
		t.Fatalf("legend block %+v", b)
	}
	if n := len(b.rows.Objects); n != 3 || !b.rows.Visible() {
		t.Errorf("legend rows: %d, visible %v; want 3 visible", n, b.rows.Visible())
	}
	m.SetLayerVisible("air", false)
	if b.rows.Visible() {
		t.Error("legend rows still shown for a hidden layer")
	}
	// taps on the legend panel do not reach features under it
	if !m.renderer.overOverlay(m.renderer.panelBg.Position().AddXY(2, 2)) {
		t.Error("legend panel not treated as an overlay")
	}
	if m.Attribution() != "© OpenStreetMap contributors" || m.renderer.attr.Text != m.Attribution() || !m.renderer.attr.Visible() {
		t.Errorf("attribution %q shown %v", m.renderer.attr.Text, m.renderer.attr.Visible())
	}
}

func TestMapStreetLabelsByZoom(t *testing.T) {
	m, _ := newTestMap(t)
	shown := func() int {
		n := 0
		for _, l := range m.renderer.streetLabels {
			if l.Visible() {
				n++
			}
		}
		return n
	}
	if len(m.renderer.streetLabels) != 10 {
		t.Fatalf("%d street labels, want Huangpu's 10", len(m.renderer.streetLabels))
	}
	m.SetView(fxPeoplesSquare, 14)
	if shown() == 0 {
		t.Error("no 街道 names at zoom 14")
	}
	m.SetView(fxPeoplesSquare, 11)
	if n := shown(); n != 0 {
		t.Errorf("%d 街道 names at zoom 11, want none", n)
	}
}

func TestMapWithoutBaseOrSize(t *testing.T) {
	test.NewTempApp(t)
	m := NewMapView(nil, "")
	// no size yet: hit tests and rendering do not fail
	if _, ok := m.FeatureAt(fyne.NewPos(1, 1)); ok {
		t.Error("hit on a map without size")
	}
	if img := m.render(10, 10); img.Bounds().Dx() != 10 {
		t.Errorf("render size %v", img.Bounds())
	}
	m.SetLayer("air", "air", mapAirStations())
	m.FitDistrict() // falls back to the features
	m.Resize(fyne.NewSize(mapTestW, mapTestH))
	for _, f := range mapAirStations() {
		if p := m.LonLatToScreen(f.Point); p.X < 0 || p.Y < 0 || p.X > mapTestW || p.Y > mapTestH {
			t.Errorf("%s at %v after fitting to the features", f.ID, p)
		}
	}
}

func TestMapDragOnLegendDoesNotPan(t *testing.T) {
	m, w := newTestMap(t)
	m.SetLayer("air", "空气", mapAirStations())
	c0, _ := m.View()
	onPanel := m.renderer.panelBg.Position().AddXY(3, 3)
	m.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: onPanel}})
	test.Drag(w.Canvas(), onPanel.AddXY(30, 30), 30, 30)
	m.MouseUp(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: onPanel.AddXY(30, 30)}})
	if c, _ := m.View(); c != c0 {
		t.Errorf("a drag on the legend moved the view from %v to %v", c0, c)
	}
	test.Drag(w.Canvas(), fyne.NewPos(mapTestW/2, mapTestH/2), 30, 30)
	if c, _ := m.View(); c == c0 {
		t.Error("a drag on the map did not move the view")
	}
}

func TestMapRendersAtPixelScale(t *testing.T) {
	m, _ := newTestMap(t)
	m.SetLayer("air", "空气", mapAirStations())
	for _, scale := range []int{1, 2, 3} {
		img := m.render(mapTestW*scale, mapTestH*scale)
		p := m.LonLatToScreen(fxPeoplesSquare)
		got := color.NRGBAModel.Convert(img.At(int(p.X)*scale, int(p.Y)*scale)).(color.NRGBA)
		if !mapColourNear(got, fxAQIGood, 10) {
			t.Errorf("scale %d: pixel under People's Square %v, want %v", scale, got, fxAQIGood)
		}
		// the marker is scale times as wide: 4·scale pixels to its side is still marker
		got = color.NRGBAModel.Convert(img.At(int(p.X)*scale+3*scale, int(p.Y)*scale)).(color.NRGBA)
		if !mapColourNear(got, fxAQIGood, 40) {
			t.Errorf("scale %d: pixel 3 units right of the centre %v, want the marker", scale, got)
		}
	}
}

func TestMapZoneHoleStaysOpen(t *testing.T) {
	m, w := newTestMap(t)
	outer := zoneAround(fxPeoplesSquare, 300, 4)[0]
	hole := zoneAround(fxPeoplesSquare, 120, 4)[0] // same winding as the outer ring
	m.SetLayer("crowd", "客流", []Feature{{ID: "ring-zone", Area: orb.Polygon{outer, hole}, Color: fxCrowdHigh}})
	img := w.Canvas().Capture()
	centre := m.LonLatToScreen(fxPeoplesSquare)
	inRing := m.LonLatToScreen(orb.Point{fxPeoplesSquare[0], fxPeoplesSquare[1] + 0.0019})
	if px := mapPixelAt(img, centre); px.R > 60 {
		t.Errorf("pixel in the hole %v shows the zone's fill", px)
	}
	if px := mapPixelAt(img, inRing); px.R < 60 {
		t.Errorf("pixel between hole and outline %v does not show the fill", px)
	}
	if _, ok := m.FeatureAt(centre); ok {
		t.Error("the hole answers a hit test")
	}
	if f, ok := m.FeatureAt(inRing); !ok || f.ID != "ring-zone" {
		t.Errorf("between hole and outline: %q %v", f.ID, ok)
	}
}

// TestMapAttributionFitsNarrowMap: on a map narrower than its attribution
// the attribution is cut with "…" and stays inside the map, keeping its
// first source, rather than running off the left edge.
func TestMapAttributionFitsNarrowMap(t *testing.T) {
	test.NewTempApp(t)
	long := "© OpenStreetMap contributors; 街道 codes: AreaCity-JsSpider-StatsGov (MIT); Water: Jqmap2 (licence not stated); Expressways: Jqmap2 (licence not stated)"
	m := NewMapView(loadHuangpuBase(t), long)
	w := test.NewTempWindow(t, m)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(500, 300))
	a := m.renderer.attr
	if !strings.HasPrefix(a.Text, "© OpenStreetMap contributors") || !strings.HasSuffix(a.Text, "…") {
		t.Errorf("attribution on a 500-wide map: %q", a.Text)
	}
	if a.Position().X < 0 || a.Position().X+a.Size().Width > 500 {
		t.Errorf("attribution at x %.0f, %.0f wide, on a 500-wide map", a.Position().X, a.Size().Width)
	}
	w.Resize(fyne.NewSize(1800, 300))
	if a.Text != long {
		t.Errorf("attribution on a wide map cut to %q", a.Text)
	}
}
