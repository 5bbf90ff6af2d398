package widgets

import (
	"math"

	"fyne.io/fyne/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// Zoom follows the web-map convention: at zoom z the whole Mercator world is
// worldUnitsAtZoom0·2^z Fyne units wide, so zoom levels mean the same here as
// on any slippy map.
const (
	worldUnitsAtZoom0 = 256.0 // Fyne units across the world at zoom 0 (one 256-px tile)
	// MapMinZoom is the widest view the map allows (the Shanghai region).
	MapMinZoom = 9.0
	// MapMaxZoom is the closest view the map allows (single buildings).
	MapMaxZoom = 19.0

	mercatorWorldWidth = 2 * math.Pi * orb.EarthRadius // metres across the Mercator world
	mercatorMaxY       = math.Pi * orb.EarthRadius     // metres from the equator to the Mercator edge
	maxMercatorLat     = 85.05112878                   // degrees; Web Mercator's latitude limit
	fitPaddingUnits    = 24.0                          // Fyne units kept free around a fitted bound
)

// lonLatToMercator projects a WGS-84 lon/lat point to Web Mercator metres.
func lonLatToMercator(p orb.Point) orb.Point { return project.WGS84.ToMercator(p) }

// mercatorToLonLat is the inverse of lonLatToMercator.
func mercatorToLonLat(p orb.Point) orb.Point { return project.Mercator.ToWGS84(p) }

// validLonLat reports whether p is a finite WGS-84 coordinate that Web
// Mercator can show.
func validLonLat(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0) &&
		p[0] >= -180 && p[0] <= 180 && p[1] >= -maxMercatorLat && p[1] <= maxMercatorLat
}

// mapViewport maps between Web Mercator metres and the widget's screen, in Fyne
// units with the origin at the widget's top-left corner.
type mapViewport struct {
	center orb.Point // Web Mercator metres at the middle of the widget
	zoom   float64   // web-map zoom level
	width  float64   // widget width, Fyne units
	height float64   // widget height, Fyne units
}

// scale is the number of Fyne units per Mercator metre.
func (v mapViewport) scale() float64 {
	return worldUnitsAtZoom0 * math.Exp2(v.zoom) / mercatorWorldWidth
}

// toScreen maps Mercator metres to screen units.
func (v mapViewport) toScreen(m orb.Point) (x, y float64) {
	s := v.scale()
	return (m[0]-v.center[0])*s + v.width/2, (v.center[1]-m[1])*s + v.height/2
}

// fromScreen maps screen units to Mercator metres.
func (v mapViewport) fromScreen(x, y float64) orb.Point {
	s := v.scale()
	return orb.Point{v.center[0] + (x-v.width/2)/s, v.center[1] - (y-v.height/2)/s}
}

// bound is the Mercator box the widget currently shows, grown by margin
// screen units on every side.
func (v mapViewport) bound(margin float64) orb.Bound {
	a := v.fromScreen(-margin, v.height+margin)
	b := v.fromScreen(v.width+margin, -margin)
	return orb.Bound{Min: a, Max: b}
}

// clampZoom keeps z inside [MapMinZoom, MapMaxZoom]; NaN becomes MapMinZoom.
func clampZoom(z float64) float64 {
	if math.IsNaN(z) || z < MapMinZoom {
		return MapMinZoom
	}
	if z > MapMaxZoom {
		return MapMaxZoom
	}
	return z
}

// clampCenter keeps a Mercator point inside the Mercator world.
func clampCenter(c orb.Point) orb.Point {
	for i, lim := range [2]float64{mercatorWorldWidth / 2, mercatorMaxY} {
		if math.IsNaN(c[i]) {
			c[i] = 0
		}
		c[i] = math.Max(-lim, math.Min(lim, c[i]))
	}
	return c
}

// zoomAt multiplies the scale by factor while the Mercator point under the
// screen position (x, y) stays under it.
func (v *mapViewport) zoomAt(x, y, factor float64) {
	if !(factor > 0) || math.IsInf(factor, 0) {
		return
	}
	fixed := v.fromScreen(x, y)
	v.zoom = clampZoom(v.zoom + math.Log2(factor))
	s := v.scale()
	v.center = clampCenter(orb.Point{fixed[0] - (x-v.width/2)/s, fixed[1] + (y-v.height/2)/s})
}

// panBy moves the map content by (dx, dy) screen units: dragging right by
// 10 units moves what was under the cursor 10 units to the right.
func (v *mapViewport) panBy(dx, dy float64) {
	s := v.scale()
	v.center = clampCenter(orb.Point{v.center[0] - dx/s, v.center[1] + dy/s})
}

// fit centres the Mercator box b and chooses the largest zoom that shows all
// of it with fitPaddingUnits to spare.
func (v *mapViewport) fit(b orb.Bound) {
	v.center = clampCenter(b.Center())
	w := math.Max(v.width-2*fitPaddingUnits, 1)
	h := math.Max(v.height-2*fitPaddingUnits, 1)
	dx, dy := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	if dx <= 0 && dy <= 0 {
		v.zoom = clampZoom(16)
		return
	}
	// units per metre that fits each axis; take the tighter one.
	s := math.Inf(1)
	if dx > 0 {
		s = w / dx
	}
	if dy > 0 {
		s = math.Min(s, h/dy)
	}
	v.zoom = clampZoom(math.Log2(s * mercatorWorldWidth / worldUnitsAtZoom0))
}

// screenPos converts screen units to a fyne.Position.
func screenPos(x, y float64) fyne.Position { return fyne.NewPos(float32(x), float32(y)) }
