package widgets

import (
	"image"
	"image/color"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// featureKind says how a feature is drawn.
type featureKind uint8

const (
	featureRejected featureKind = iota // unusable coordinates: not drawn
	featurePoint
	featureArea
)

// mapLayer is one data layer: its features projected once to Mercator, the
// marks laid out for the current view, and its own cached image.
type mapLayer struct {
	id      LayerID
	title   string
	seq     int // order in which the layer was first named
	visible bool
	legend  []LegendEntry

	features []Feature
	kind     []featureKind
	merc     []orb.Point   // Mercator position of each point feature
	areas    []orb.Polygon // Mercator outline of each zone feature (nil for points)
	bounds   []orb.Bound   // Mercator box of each zone feature
	rank     []int16       // legend position of each feature's colour; −1 when absent
	rejected []string
	hasAreas bool
	version  uint64 // bumped whenever what the layer draws changes

	// layout for one view
	layoutView    mapViewport
	layoutVersion uint64
	layoutOK      bool
	marks         []mapMark
	grid          mapGrid
	cluster       clusterer

	// image for one view at one pixel scale
	img        *image.RGBA
	tiles      dirtyTiles
	imgView    mapViewport
	imgVersion uint64
	imgScale   float64
	imgOK      bool
}

// setFeatures replaces the layer's features, projecting them once.
func (l *mapLayer) setFeatures(fs []Feature) {
	n := len(fs)
	l.features = append(l.features[:0], fs...)
	l.kind = reuseSlice(l.kind, n)
	l.merc = reuseSlice(l.merc, n)
	l.areas = reuseSlice(l.areas, n)
	l.bounds = reuseSlice(l.bounds, n)
	l.rejected = l.rejected[:0]
	l.hasAreas = false
	for i := range l.features {
		f := &l.features[i]
		l.areas[i] = nil
		l.kind[i] = featureRejected
		if f.Area != nil {
			if poly, ok := mercatorPolygon(f.Area); ok {
				l.kind[i] = featureArea
				l.areas[i] = poly
				l.bounds[i] = poly.Bound()
				l.merc[i] = l.bounds[i].Center()
				l.hasAreas = true
			}
		} else if validLonLat(f.Point) {
			l.kind[i] = featurePoint
			l.merc[i] = lonLatToMercator(f.Point)
		}
		if l.kind[i] == featureRejected {
			l.rejected = append(l.rejected, f.ID)
		}
	}
	l.rankColours()
	l.version++
}

// mercatorPolygon projects a WGS-84 polygon, refusing unusable ones.
func mercatorPolygon(p orb.Polygon) (orb.Polygon, bool) {
	if len(p) == 0 || len(p[0]) < 3 {
		return nil, false
	}
	for _, r := range p {
		for _, pt := range r {
			if !validLonLat(pt) {
				return nil, false
			}
		}
	}
	return orientRings(project.Polygon(p.Clone(), project.WGS84.ToMercator)), true
}

// reuseSlice returns s with length n, reusing its storage.
func reuseSlice[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// setLegend replaces the legend; the colour order matters to clusters.
func (l *mapLayer) setLegend(entries []LegendEntry) {
	l.legend = append([]LegendEntry(nil), entries...)
	l.rankColours()
	l.version++
}

// rankColours records where each feature's colour stands in the legend.
func (l *mapLayer) rankColours() {
	l.rank = reuseSlice(l.rank, len(l.features))
	for i := range l.features {
		l.rank[i] = -1
		for j := len(l.legend) - 1; j >= 0; j-- {
			if l.legend[j].Color == l.features[i].Color {
				l.rank[i] = int16(j)
				break
			}
		}
	}
}

// bound is the Mercator box of the layer's drawable features.
func (l *mapLayer) bound() (orb.Bound, bool) {
	var b orb.Bound
	found := false
	for i, k := range l.kind {
		var fb orb.Bound
		switch k {
		case featurePoint:
			fb = orb.Bound{Min: l.merc[i], Max: l.merc[i]}
		case featureArea:
			fb = l.bounds[i]
		default:
			continue
		}
		if !found {
			b, found = fb, true
		} else {
			b = b.Union(fb)
		}
	}
	return b, found
}

// ensureLayout lays the layer's marks out for view v and indexes them, unless
// that was already done for this view and these features.
func (l *mapLayer) ensureLayout(v mapViewport) {
	if l.layoutOK && l.layoutView == v && l.layoutVersion == l.version {
		return
	}
	l.marks = l.marks[:0]
	if l.hasAreas {
		l.marks = l.layoutAreas(v, l.marks)
	}
	l.marks = l.layoutPoints(v, l.marks)
	l.grid.reset(float32(v.width), float32(v.height))
	for i := range l.marks {
		mk := &l.marks[i]
		slop := float32(0)
		if mk.kind != markArea {
			slop = hitSlopUnits
		}
		l.grid.add(int32(i), mk.minX-slop, mk.minY-slop, mk.maxX+slop, mk.maxY+slop)
	}
	l.grid.build()
	l.layoutView, l.layoutVersion, l.layoutOK = v, l.version, true
}

// layoutAreas appends the marks of zone features visible in view v, severe
// zones last so they are drawn over their neighbours.
func (l *mapLayer) layoutAreas(v mapViewport, marks []mapMark) []mapMark {
	vb := v.bound(0)
	for pass := 0; pass < 2; pass++ {
		for i, k := range l.kind {
			if k != featureArea || (l.features[i].Severity > 0) != (pass == 1) {
				continue
			}
			b := l.bounds[i]
			if !b.Intersects(vb) {
				continue
			}
			x0, y0 := v.toScreen(orb.Point{b.Min[0], b.Max[1]})
			x1, y1 := v.toScreen(orb.Point{b.Max[0], b.Min[1]})
			f := &l.features[i]
			marks = append(marks, mapMark{
				kind: markArea, stale: f.Stale, severity: int8(min(max(f.Severity, 0), 3)),
				x: float32((x0 + x1) / 2), y: float32((y0 + y1) / 2),
				minX: float32(x0), minY: float32(y0), maxX: float32(x1), maxY: float32(y1),
				feature: int32(i), count: 1,
			})
		}
	}
	return marks
}

// Colours of data marks on the dark map.
var (
	mapMarkOutline = color.NRGBA{R: 0x05, G: 0x08, B: 0x10, A: 0xE6} // thin dark edge around every marker
	mapStaleFill   = color.NRGBA{R: 0x6E, G: 0x73, B: 0x79, A: 0xFF} // stale features: neutral grey
	clusterLight   = color.NRGBA{R: 0xF5, G: 0xF7, B: 0xFA, A: 0xFF} // count text on dark cluster colours
	clusterDark    = color.NRGBA{R: 0x0A, G: 0x11, B: 0x20, A: 0xFF} // count text on bright cluster colours
)

// Zone drawing.
const (
	zoneFillAlpha      = 0.42 // opacity of a zone's fill
	zoneEdgeUnits      = 0.7  // half-width of a zone's outline, Fyne units
	zoneSevereEdgeUnit = 1.4  // half-width of a severe zone's outline
	markOutlineUnits   = 1.0  // outline width of markers
	ringGapUnits       = 3.5  // gap from a severe marker to its halo ring's middle
	ringWidthUnits     = 2.0  // width of the halo ring
	clusterHaloUnits   = 3.0  // faint halo around clusters, so they read apart from single markers
)

// featureColour is the colour a mark is drawn in.
func (l *mapLayer) markColour(mk *mapMark) color.NRGBA {
	if mk.stale {
		return mapStaleFill
	}
	c := l.features[mk.feature].Color
	if c.A == 0 {
		c.A = 0xFF
	}
	return c
}

// ensureImage draws the layer's ordinary marks (not the severe ones, which
// the frame draws on top) into its own image for view v at pixel scale ps,
// unless that image is current.
func (l *mapLayer) ensureImage(f *mapFrameState, v mapViewport, wpx, hpx int, ps float64) {
	if l.imgOK && l.imgView == v && l.imgVersion == l.version && l.imgScale == ps &&
		l.img != nil && l.img.Rect.Dx() == wpx && l.img.Rect.Dy() == hpx {
		return
	}
	if l.img == nil || l.img.Rect.Dx() != wpx || l.img.Rect.Dy() != hpx {
		l.img = resizeRGBA(l.img, wpx, hpx)
		l.tiles.reset(wpx, hpx)
	} else {
		l.tiles.clearUsed(l.img)
	}
	l.ensureLayout(v)
	l.drawMarks(f, l.img, v, ps, &l.tiles)
	l.imgView, l.imgVersion, l.imgScale, l.imgOK = v, l.version, ps, true
}

// drawMarks draws the layer's ordinary marks (not the severe ones) into
// img, laid out for view v at pixel scale ps.
func (l *mapLayer) drawMarks(f *mapFrameState, img *image.RGBA, v mapViewport, ps float64, tiles *dirtyTiles) {
	for i := range l.marks {
		mk := &l.marks[i]
		switch {
		case mk.top:
			continue
		case mk.kind == markArea:
			f.drawArea(img, l, mk, v, ps, tiles)
		default:
			f.drawMarker(img, l, mk, ps, tiles)
		}
	}
}

// drawArea fills and outlines one zone.
func (f *mapFrameState) drawArea(img *image.RGBA, l *mapLayer, mk *mapMark, v mapViewport, ps float64, tiles *dirtyTiles) {
	poly := l.areas[mk.feature]
	c := l.markColour(mk)
	f.pts = f.pts[:0]
	for _, ring := range poly {
		start := len(f.pts)
		f.pts = appendScreen(f.pts, ring, v, ps)
		f.filler.addRing(f.pts[start:])
	}
	f.filler.fill(img, mapWithAlpha(c, zoneFillAlpha), tiles)
	hw := zoneEdgeUnits * ps
	if mk.severity > 0 {
		hw = zoneSevereEdgeUnit * ps
	}
	lut := f.coverage(hw)
	start := 0
	for _, ring := range poly {
		n := len(ring)
		mapStrokeLine(img, f.pts[start:start+n], lut, c, true, tiles)
		start += n
	}
}

// appendScreen appends the pixel positions of Mercator points.
func appendScreen(dst []pxPoint, pts []orb.Point, v mapViewport, ps float64) []pxPoint {
	s := v.scale()
	ox := v.center[0]*s - v.width/2
	oy := -v.center[1]*s - v.height/2
	for _, p := range pts {
		dst = append(dst, pxPoint{(p[0]*s - ox) * ps, (-p[1]*s - oy) * ps})
	}
	return dst
}

// drawMarker stamps a point or cluster marker (and a cluster's count).
func (f *mapFrameState) drawMarker(img *image.RGBA, l *mapLayer, mk *mapMark, ps float64, tiles *dirtyTiles) {
	c := l.markColour(mk)
	x, y := int(math.Floor(float64(mk.x)*ps)), int(math.Floor(float64(mk.y)*ps))
	stampSprite(img, f.markerSprite(mk, c, ps), x, y, tiles)
	if mk.kind != markCluster {
		return
	}
	text := clusterDark
	if mapLuminance(c) < 150 {
		text = clusterLight
	}
	if mask := f.countLabel(int(mk.count), ps); mask != nil {
		stampMask(img, mask, x-mask.Rect.Dx()/2, y-mask.Rect.Dy()/2, text, tiles)
	}
}

// mapLuminance is the perceived brightness of c, 0…255.
func mapLuminance(c color.NRGBA) float64 {
	return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
}
