package widgets

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestViewportRoundTrip(t *testing.T) {
	points := []orb.Point{
		{121.4737, 31.2304}, // People's Square
		{121.4903, 31.2400}, // the Bund
		{121.46, 31.19},     // Huangpu's south-west corner
		{121.51, 31.25},
		{121.4801, 31.2201}, // a few metres from the centre of the view
		{121.4795, 31.2198},
		{121.4812, 31.2206},
		{0, 0},
		{-73.9857, 40.7484},
	}
	for _, zoom := range []float64{MapMinZoom, 12.3, 14.43, 17, MapMaxZoom} {
		v := mapViewport{center: lonLatToMercator(orb.Point{121.48, 31.22}), zoom: zoom, width: 1920, height: 1080}
		checked := 0
		for _, p := range points {
			x, y := v.toScreen(lonLatToMercator(p))
			// through float32 screen positions, as the widget's API does
			pos := screenPos(x, y)
			got := mercatorToLonLat(v.fromScreen(float64(pos.X), float64(pos.Y)))
			// Points far off the screen sit where float32 positions are
			// coarse; only points within a few widths must round-trip.
			mapColourNear := math.Abs(x) < 4*v.width && math.Abs(y) < 4*v.height
			if mapColourNear {
				checked++
			}
			if mapColourNear && (math.Abs(got[0]-p[0]) > 1e-6 || math.Abs(got[1]-p[1]) > 1e-6) {
				t.Errorf("zoom %v: %v → (%v, %v) → %v, want within 1e-6°", zoom, p, x, y, got)
			}
		}
		if checked < 4 {
			t.Errorf("zoom %v: only %d points mapColourNear the screen were checked", zoom, checked)
		}
	}
}

func TestViewportScaleMatchesWebMapZoom(t *testing.T) {
	// At zoom z the equator is 256·2^z units round: one degree of longitude
	// is 256·2^z/360 units.
	for _, z := range []float64{10, 14, 18} {
		v := mapViewport{zoom: z, width: 100, height: 100}
		x0, _ := v.toScreen(lonLatToMercator(orb.Point{0, 0}))
		x1, _ := v.toScreen(lonLatToMercator(orb.Point{1, 0}))
		want := 256 * math.Exp2(z) / 360
		if got := x1 - x0; math.Abs(got-want) > 1e-6*want {
			t.Errorf("zoom %v: one degree = %v units, want %v", z, got, want)
		}
	}
}

func TestViewportZoomAtKeepsPointFixed(t *testing.T) {
	tests := []struct {
		name   string
		x, y   float64
		factor float64
	}{
		{"in at a corner", 10, 20, 2},
		{"out at the middle", 960, 540, 0.5},
		{"fine scroll step", 1500, 900, math.Exp2(10.0 / scrollUnitsPerDoubling)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := mapViewport{center: lonLatToMercator(orb.Point{121.48, 31.22}), zoom: 14, width: 1920, height: 1080}
			before := v.fromScreen(tc.x, tc.y)
			v.zoomAt(tc.x, tc.y, tc.factor)
			if want := 14 + math.Log2(tc.factor); math.Abs(v.zoom-want) > 1e-12 {
				t.Errorf("zoom = %v, want %v", v.zoom, want)
			}
			x, y := v.toScreen(before)
			if math.Abs(x-tc.x) > 1e-6 || math.Abs(y-tc.y) > 1e-6 {
				t.Errorf("point under the cursor moved from (%v, %v) to (%v, %v)", tc.x, tc.y, x, y)
			}
		})
	}
}

func TestViewportZoomIsClamped(t *testing.T) {
	v := mapViewport{center: lonLatToMercator(orb.Point{121.48, 31.22}), zoom: 14, width: 800, height: 600}
	v.zoomAt(400, 300, 1e9)
	if v.zoom != MapMaxZoom {
		t.Errorf("zoom after a huge zoom-in = %v, want %v", v.zoom, MapMaxZoom)
	}
	v.zoomAt(400, 300, 1e-9)
	if v.zoom != MapMinZoom {
		t.Errorf("zoom after a huge zoom-out = %v, want %v", v.zoom, MapMinZoom)
	}
	for _, bad := range []float64{0, -2, math.NaN(), math.Inf(1)} {
		before := v
		v.zoomAt(400, 300, bad)
		if v != before {
			t.Errorf("factor %v changed the view to %+v", bad, v)
		}
	}
}

func TestViewportFit(t *testing.T) {
	b := orb.Bound{Min: lonLatToMercator(orb.Point{121.46, 31.19}), Max: lonLatToMercator(orb.Point{121.51, 31.25})}
	for _, size := range [][2]float64{{1920, 1080}, {400, 300}, {300, 900}} {
		v := mapViewport{width: size[0], height: size[1]}
		v.fit(b)
		x0, y0 := v.toScreen(orb.Point{b.Min[0], b.Max[1]})
		x1, y1 := v.toScreen(orb.Point{b.Max[0], b.Min[1]})
		if x0 < fitPaddingUnits-1e-6 || y0 < fitPaddingUnits-1e-6 || x1 > size[0]-fitPaddingUnits+1e-6 || y1 > size[1]-fitPaddingUnits+1e-6 {
			t.Errorf("%v: fitted box spans (%.1f,%.1f)–(%.1f,%.1f), outside the padded widget", size, x0, y0, x1, y1)
		}
		// the box touches the padding on at least one axis
		if math.Abs(x0-fitPaddingUnits) > 1e-6 && math.Abs(y0-fitPaddingUnits) > 1e-6 {
			t.Errorf("%v: fitted box (%.1f,%.1f)–(%.1f,%.1f) is not as large as it fits", size, x0, y0, x1, y1)
		}
	}
}

func TestValidLonLat(t *testing.T) {
	tests := []struct {
		p    orb.Point
		want bool
	}{
		{orb.Point{121.47, 31.23}, true},
		{orb.Point{180, 85}, true},
		{orb.Point{181, 0}, false},
		{orb.Point{0, 86}, false},
		{orb.Point{math.NaN(), 31}, false},
		{orb.Point{121, math.Inf(1)}, false},
	}
	for _, tc := range tests {
		if got := validLonLat(tc.p); got != tc.want {
			t.Errorf("validLonLat(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
}

// The view maps WGS-84 to screen units with orb's Web Mercator projection;
// at zoom 14 the Bund lies about 190 units east and 130 units north of
// People's Square.
func Example_viewport() {
	v := mapViewport{center: lonLatToMercator(orb.Point{121.4737, 31.2304}), zoom: 14, width: 800, height: 600}
	x, y := v.toScreen(lonLatToMercator(orb.Point{121.4903, 31.2400}))
	fmt.Printf("the Bund at (%.0f, %.0f)\n", x, y)
	back := mercatorToLonLat(v.fromScreen(x, y))
	fmt.Printf("back to %.4f, %.4f\n", back[0], back[1])
	// Output:
	// the Bund at (593, 169)
	// back to 121.4903, 31.2400
}
