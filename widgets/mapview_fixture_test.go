package widgets

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/paulmach/orb"
)

// huangpuBaseFile is the demo district's base map for tests: OpenStreetMap
// outlines and roads of 黄浦区 and the expressways and rivers around it,
// WGS-84 (see testdata/map_README.md).
const huangpuBaseFile = "testdata/map_huangpu_base.geojson"

// loadHuangpuBase reads the test base map.
func loadHuangpuBase(tb testing.TB) []BaseShape {
	tb.Helper()
	shapes, err := readBaseShapes(huangpuBaseFile)
	if err != nil {
		tb.Fatal(err)
	}
	return shapes
}

// readBaseShapes reads a GeoJSON FeatureCollection whose features carry
// "kind" and "name" properties. (orb/geojson would pull in a BSON module that
// is not in go.sum, so the few geometry types used here are decoded with
// encoding/json.)
func readBaseShapes(path string) ([]BaseShape, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read base map: %w", err)
	}
	var fc struct {
		Features []struct {
			Properties struct{ Kind, Name string }
			Geometry   struct {
				Type        string
				Coordinates json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		return nil, fmt.Errorf("parse base map %s: %w", path, err)
	}
	kinds := map[string]BaseKind{
		"district": BaseDistrict, "street": BaseStreet, "water": BaseWater,
		"road": BaseRoad, "expressway": BaseExpressway,
	}
	var out []BaseShape
	for i, f := range fc.Features {
		k, ok := kinds[f.Properties.Kind]
		if !ok {
			return nil, fmt.Errorf("base map %s feature %d: unknown kind %q", path, i, f.Properties.Kind)
		}
		var g orb.Geometry
		switch f.Geometry.Type {
		case "LineString":
			var ls orb.LineString
			err = json.Unmarshal(f.Geometry.Coordinates, &ls)
			g = ls
		case "Polygon":
			var p orb.Polygon
			err = json.Unmarshal(f.Geometry.Coordinates, &p)
			g = p
		case "MultiPolygon":
			var mp orb.MultiPolygon
			err = json.Unmarshal(f.Geometry.Coordinates, &mp)
			g = mp
		default:
			err = fmt.Errorf("geometry type %q not supported", f.Geometry.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("base map %s feature %d: %w", path, i, err)
		}
		out = append(out, BaseShape{Geom: g, Kind: k, Label: f.Properties.Name})
	}
	return out, nil
}

// The demo district's box, WGS-84.
const (
	huangpuMinLon, huangpuMaxLon = 121.46, 121.51
	huangpuMinLat, huangpuMaxLat = 31.19, 31.25
)

// Colours like the ones the app picks from the standards.
var (
	fxAQIGood      = color.NRGBA{0x00, 0xE4, 0x00, 0xFF}
	fxAQIModerate  = color.NRGBA{0xFF, 0xFF, 0x00, 0xFF}
	fxAQIUnhealthy = color.NRGBA{0xFF, 0x00, 0x00, 0xFF}
	fxFireNormal   = color.NRGBA{0x22, 0xC5, 0x5E, 0xFF}
	fxFireFault    = color.NRGBA{0xF5, 0x9E, 0x0B, 0xFF}
	fxFireAlarm    = color.NRGBA{0xEF, 0x44, 0x44, 0xFF}
	fxFireOffline  = color.NRGBA{0x94, 0xA3, 0xB8, 0xFF}
	fxWaterII      = color.NRGBA{0x38, 0xBD, 0xF8, 0xFF}
	fxWaterIV      = color.NRGBA{0xA8, 0x55, 0xF7, 0xFF}
	fxNoiseOK      = color.NRGBA{0x34, 0xD3, 0x99, 0xFF}
	fxNoiseOver    = color.NRGBA{0xF4, 0x72, 0xB6, 0xFF}
	fxCrowdLow     = color.NRGBA{0x3B, 0x82, 0xF6, 0xFF}
	fxCrowdHigh    = color.NRGBA{0xF9, 0x73, 0x16, 0xFF}
)

// mapSyntheticLayers spreads n features over Huangpu the way the district's
// feeds do: mostly fire devices, then noise, air and water stations and a
// few crowd zones (0.5 %); about 1 % in alarm (Severity > 0) and 5 % stale.
func mapSyntheticLayers(n int, seed uint64) map[LayerID][]Feature {
	rng := rand.New(rand.NewPCG(seed, 1))
	shares := []struct {
		id    LayerID
		share float64
	}{{"fire", 0.885}, {"noise", 0.05}, {"air", 0.03}, {"water", 0.03}, {"crowd", 0.005}}
	out := map[LayerID][]Feature{}
	for _, s := range shares {
		k := int(math.Round(float64(n) * s.share))
		fs := make([]Feature, 0, k)
		for i := 0; i < k; i++ {
			p := orb.Point{
				huangpuMinLon + rng.Float64()*(huangpuMaxLon-huangpuMinLon),
				huangpuMinLat + rng.Float64()*(huangpuMaxLat-huangpuMinLat),
			}
			f := Feature{
				ID: fmt.Sprintf("%s-%06d", s.id, i), Layer: s.id, Point: p,
				Label: fmt.Sprintf("%s %d", s.id, i), Stale: rng.IntN(20) == 0,
			}
			if rng.IntN(100) == 0 {
				f.Severity = 1 + rng.IntN(3)
			}
			switch s.id {
			case "fire":
				f.Color = []color.NRGBA{fxFireNormal, fxFireNormal, fxFireNormal, fxFireNormal, fxFireFault, fxFireOffline}[rng.IntN(6)]
				if f.Severity > 0 {
					f.Color = fxFireAlarm
				}
			case "air":
				f.Color = []color.NRGBA{fxAQIGood, fxAQIModerate}[rng.IntN(2)]
				if f.Severity > 0 {
					f.Color = fxAQIUnhealthy
				}
			case "water":
				f.Color = []color.NRGBA{fxWaterII, fxWaterIV}[rng.IntN(2)]
			case "noise":
				f.Color = []color.NRGBA{fxNoiseOK, fxNoiseOver}[rng.IntN(2)]
			case "crowd":
				f.Color = []color.NRGBA{fxCrowdLow, fxCrowdHigh}[rng.IntN(2)]
				f.Area = zoneAround(p, 40+rng.Float64()*110, 6+rng.IntN(5))
			}
			fs = append(fs, f)
		}
		out[s.id] = fs
	}
	return out
}

// zoneAround is a regular polygon of radius metres around p.
func zoneAround(p orb.Point, metres float64, sides int) orb.Polygon {
	const metresPerDegLat = 111_320.0 // metres per degree of latitude
	ring := make(orb.Ring, 0, sides+1)
	for i := 0; i < sides; i++ {
		a := 2 * math.Pi * float64(i) / float64(sides)
		ring = append(ring, orb.Point{
			p[0] + metres*math.Cos(a)/(metresPerDegLat*math.Cos(p[1]*math.Pi/180)),
			p[1] + metres*math.Sin(a)/metresPerDegLat,
		})
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}

// layerOrder is the order the app names its layers in.
var fixtureLayerOrder = []LayerID{"air", "water", "noise", "fire", "crowd"}

// newLoadedMap is a map of Huangpu with n synthetic features, sized w×h.
func newLoadedMap(tb testing.TB, n int, w, h float32) *MapView {
	tb.Helper()
	test.NewTempApp(tb)
	m := NewMapView(loadHuangpuBase(tb), "© OpenStreetMap contributors")
	layers := mapSyntheticLayers(n, 42)
	for _, id := range fixtureLayerOrder {
		m.SetLayer(id, string(id), layers[id])
	}
	m.SetLegend("fire", []LegendEntry{{fxFireNormal, "normal"}, {fxFireOffline, "offline"}, {fxFireFault, "fault"}, {fxFireAlarm, "alarm"}})
	m.Resize(fyne.NewSize(w, h))
	return m
}
