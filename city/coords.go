package city

import (
	"math"

	"github.com/paulmach/orb"
)

// GCJ-02 is the datum maps published in China are drawn in: WGS-84 shifted
// by a deliberately nonlinear offset of a few hundred metres. The shift is
// computed on the Krasovsky 1940 ellipsoid and applied only inside China's
// bounding box. Store and exchange WGS-84; convert at the edge where a base
// map or a file is GCJ-02.
const (
	krasovskyA  = 6378245.0              // Krasovsky 1940 semi-major axis, metres
	krasovskyE2 = 0.00669342162296594323 // Krasovsky 1940 first eccentricity squared

	// The offset is a function of the position relative to this origin
	// (degrees).
	gcjOriginLon = 105.0
	gcjOriginLat = 35.0

	// China's bounding box (degrees); outside it GCJ-02 equals WGS-84.
	chinaMinLon = 72.004
	chinaMaxLon = 137.8347
	chinaMinLat = 0.8293
	chinaMaxLat = 55.8271

	// gcjReverseTolerance stops the inverse iteration once the forward
	// transform of the estimate lies this close to the target (degrees,
	// about 1 mm).
	gcjReverseTolerance = 1e-8
	// gcjReverseMaxIter bounds the inverse iteration; it converges in
	// three or four steps because the offset changes slowly.
	gcjReverseMaxIter = 30
)

// Datum names the geodetic datum a coordinate file is drawn in.
type Datum string

// The datums the product reads.
const (
	DatumWGS84 Datum = "WGS-84" // GPS, OpenStreetMap, most sensors; what we store
	DatumGCJ02 Datum = "GCJ-02" // maps published in China (AMap, Tencent, DataV outlines)
)

// OutOfChina reports whether p (lon, lat) lies outside the box in which
// GCJ-02 differs from WGS-84.
func OutOfChina(p orb.Point) bool {
	lon, lat := p[0], p[1]
	return lon < chinaMinLon || lon > chinaMaxLon || lat < chinaMinLat || lat > chinaMaxLat
}

// WGS84ToGCJ02 converts a WGS-84 point (lon, lat) to GCJ-02. Points outside
// China are returned unchanged.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if OutOfChina(p) {
		return p
	}
	dLon, dLat := gcjOffset(p[0], p[1])
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// GCJ02ToWGS84 converts a GCJ-02 point (lon, lat) back to WGS-84. The
// offset has no closed-form inverse, so the WGS-84 estimate is refined
// until its forward transform lands within about a millimetre of p; the
// result is accurate to well under a metre. Points outside China are
// returned unchanged.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if OutOfChina(p) {
		return p
	}
	// Start from p minus the offset at p, then correct by the residual:
	// the offset varies so slowly that this fixed-point step contracts
	// by orders of magnitude each round.
	w := p
	for range gcjReverseMaxIter {
		g := WGS84ToGCJ02(w)
		eLon, eLat := g[0]-p[0], g[1]-p[1]
		if math.Abs(eLon) < gcjReverseTolerance && math.Abs(eLat) < gcjReverseTolerance {
			break
		}
		w = orb.Point{w[0] - eLon, w[1] - eLat}
	}
	return w
}

// gcjOffset returns the GCJ-02 shift (degrees of longitude and latitude)
// at a WGS-84 position.
func gcjOffset(lon, lat float64) (dLon, dLat float64) {
	x, y := lon-gcjOriginLon, lat-gcjOriginLat
	tLon := gcjShiftLon(x, y)
	tLat := gcjShiftLat(x, y)

	// Turn the shift, in metre-like units, into degrees on the ellipsoid:
	// divide by the meridian radius of curvature (latitude) and by the
	// parallel's radius (longitude).
	phi := lat * math.Pi / 180
	s := math.Sin(phi)
	w2 := 1 - krasovskyE2*s*s
	w := math.Sqrt(w2)
	meridianRadius := krasovskyA * (1 - krasovskyE2) / (w2 * w)
	primeVerticalRadius := krasovskyA / w
	dLat = tLat * 180 / (meridianRadius * math.Pi)
	dLon = tLon * 180 / (primeVerticalRadius * math.Cos(phi) * math.Pi)
	return dLon, dLat
}

// gcjShiftLat is the published polynomial-plus-harmonics latitude term.
func gcjShiftLat(x, y float64) float64 {
	r := -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += gcjWave(x)
	r += (20*math.Sin(y*math.Pi) + 40*math.Sin(y/3*math.Pi)) * 2 / 3
	r += (160*math.Sin(y/12*math.Pi) + 320*math.Sin(y/30*math.Pi)) * 2 / 3
	return r
}

// gcjShiftLon is the published polynomial-plus-harmonics longitude term.
func gcjShiftLon(x, y float64) float64 {
	r := 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += gcjWave(x)
	r += (20*math.Sin(x*math.Pi) + 40*math.Sin(x/3*math.Pi)) * 2 / 3
	r += (150*math.Sin(x/12*math.Pi) + 300*math.Sin(x/30*math.Pi)) * 2 / 3
	return r
}

// gcjWave is the short-period harmonic shared by both terms.
func gcjWave(x float64) float64 {
	return (20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)) * 2 / 3
}
