package widgets

import (
	"image"
	"image/color"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/project"
)

// The base map's palette: an operations-room dark map on which data stands
// out.
var (
	baseBackground = color.NRGBA{R: 0x08, G: 0x0E, B: 0x1B, A: 0xFF} // near-black navy outside the district
	baseDistrict   = color.NRGBA{R: 0x10, G: 0x1A, B: 0x2D, A: 0xFF} // the district, slightly lighter
	baseDistrictEd = color.NRGBA{R: 0x3D, G: 0x58, B: 0x80, A: 0xFF} // the district's outline
	baseWater      = color.NRGBA{R: 0x0D, G: 0x2A, B: 0x4A, A: 0xFF} // rivers
	baseWaterEdge  = color.NRGBA{R: 0x14, G: 0x37, B: 0x5E, A: 0xFF} // river banks
	baseRoad       = color.NRGBA{R: 0x24, G: 0x2E, B: 0x3F, A: 0xFF} // ordinary roads, dim grey
	baseExpressway = color.NRGBA{R: 0x3A, G: 0x47, B: 0x5D, A: 0xFF} // expressways, a little brighter
	baseStreetEdge = color.NRGBA{R: 0x2C, G: 0x3F, B: 0x5C, A: 0xFF} // 街道 outlines, thin grey-blue
	// StreetLabelColor is the muted colour of 街道 names on the map.
	StreetLabelColor = color.NRGBA{R: 0x6A, G: 0x7B, B: 0x96, A: 0xFF}
)

// Base-map line half-widths in Fyne units, and the zooms they appear at.
const (
	roadHalfUnits       = 0.45 // ordinary roads
	expresswayHalfUnits = 1.0  // expressways
	streetHalfUnits     = 0.5  // 街道 outlines
	districtHalfUnits   = 0.9  // the district outline
	waterEdgeHalfUnits  = 0.5  // river banks
	roadMinZoom         = 12.5 // below this ordinary roads are left out
	streetLabelMinZoom  = 13.0 // below this 街道 names are left out
)

// baseShape is a base-map shape projected to Mercator once.
type baseShape struct {
	kind    BaseKind
	label   string
	polys   []orb.Polygon    // areas (filled for districts and water, outlined for streets)
	lines   []orb.LineString // lines (stroked)
	bound   orb.Bound
	labelAt orb.Point // Mercator point for the label
}

// projectBase projects the base shapes to Mercator, dropping shapes with no
// drawable geometry or unusable coordinates.
func projectBase(in []BaseShape) []baseShape {
	out := make([]baseShape, 0, len(in))
	for _, s := range in {
		bs := baseShape{kind: s.Kind, label: s.Label}
		if !collectGeometry(&bs, s.Geom) {
			continue
		}
		first := true
		for _, p := range bs.polys {
			bs.bound = mapUnionBound(bs.bound, p.Bound(), &first)
		}
		for _, l := range bs.lines {
			bs.bound = mapUnionBound(bs.bound, l.Bound(), &first)
		}
		if first {
			continue
		}
		bs.labelAt = labelPoint(bs)
		out = append(out, bs)
	}
	return out
}

func mapUnionBound(b, add orb.Bound, first *bool) orb.Bound {
	if *first {
		*first = false
		return add
	}
	return b.Union(add)
}

// collectGeometry adds g's polygons and lines, projected, to bs. It reports
// false if g holds an unusable coordinate.
func collectGeometry(bs *baseShape, g orb.Geometry) bool {
	ok := true
	check := func(pts []orb.Point) {
		for _, p := range pts {
			if !validLonLat(p) {
				ok = false
			}
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			check(r)
		}
		if ok && len(g) > 0 && len(g[0]) >= 3 {
			bs.polys = append(bs.polys, orientRings(project.Polygon(g.Clone(), project.WGS84.ToMercator)))
		}
	case orb.MultiPolygon:
		for _, p := range g {
			ok = collectGeometry(bs, p) && ok
		}
	case orb.Ring:
		ok = collectGeometry(bs, orb.Polygon{g})
	case orb.LineString:
		check(g)
		if ok && len(g) >= 2 {
			bs.lines = append(bs.lines, project.LineString(g.Clone(), project.WGS84.ToMercator))
		}
	case orb.MultiLineString:
		for _, l := range g {
			ok = collectGeometry(bs, l) && ok
		}
	case orb.Collection:
		for _, c := range g {
			ok = collectGeometry(bs, c) && ok
		}
	}
	return ok
}

// orientRings turns a polygon's outer ring counter-clockwise and its holes
// clockwise, in place, so the non-zero fill leaves holes open whatever order
// the data came in, and overlapping polygons drawn together do not cancel.
func orientRings(p orb.Polygon) orb.Polygon {
	for i, r := range p {
		want := orb.CCW
		if i > 0 {
			want = orb.CW
		}
		if o := r.Orientation(); o != 0 && o != want {
			r.Reverse()
		}
	}
	return p
}

// labelPoint is where a shape's name goes: the centroid of its largest
// polygon when that lies inside it, else the middle of its box.
func labelPoint(bs baseShape) orb.Point {
	var best orb.Polygon
	bestArea := -1.0
	for _, p := range bs.polys {
		if a := planar.Area(p); a > bestArea {
			best, bestArea = p, a
		}
	}
	if best != nil {
		c, _ := planar.CentroidArea(best)
		if planar.PolygonContains(best, c) {
			return c
		}
		return best.Bound().Center()
	}
	return bs.bound.Center()
}

// drawBase paints the whole base map for view v into img (pixel scale ps).
func (f *mapFrameState) drawBase(img *image.RGBA, base []baseShape, v mapViewport, ps float64) {
	mapFillImage(img, baseBackground)
	vb := v.bound(4)
	visible := func(s *baseShape) bool { return s.bound.Intersects(vb) }

	fillKind := func(kind BaseKind, c color.NRGBA) {
		for i := range base {
			s := &base[i]
			if s.kind != kind || !visible(s) {
				continue
			}
			for _, p := range s.polys {
				for _, r := range p {
					f.pts = appendScreen(f.pts[:0], r, v, ps)
					f.filler.addRing(f.pts)
				}
			}
		}
		f.filler.fill(img, c, nil)
	}
	strokeKind := func(kind BaseKind, c color.NRGBA, halfUnits float64) {
		lut := f.coverage(halfUnits * ps)
		for i := range base {
			s := &base[i]
			if s.kind != kind || !visible(s) {
				continue
			}
			for _, p := range s.polys {
				for _, r := range p {
					if r.Bound().Intersects(vb) {
						f.pts = appendScreen(f.pts[:0], r, v, ps)
						mapStrokeLine(img, f.pts, lut, c, true, nil)
					}
				}
			}
			for _, l := range s.lines {
				if l.Bound().Intersects(vb) {
					f.pts = appendScreen(f.pts[:0], l, v, ps)
					mapStrokeLine(img, f.pts, lut, c, false, nil)
				}
			}
		}
	}

	fillKind(BaseDistrict, baseDistrict)
	fillKind(BaseWater, baseWater)
	strokeKind(BaseWater, baseWaterEdge, waterEdgeHalfUnits)
	if v.zoom >= roadMinZoom {
		strokeKind(BaseRoad, baseRoad, roadHalfUnits)
	}
	strokeKind(BaseExpressway, baseExpressway, expresswayHalfUnits)
	strokeKind(BaseStreet, baseStreetEdge, streetHalfUnits)
	strokeKind(BaseDistrict, baseDistrictEd, districtHalfUnits)
}
