package assets

import (
	"io/fs"
	"math"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"

	"onescreen/city"
)

// fuzzLayers are the layer file names a fuzzed file is given, by index.
var fuzzLayers = []string{
	"district_wgs84.geojson", "district_gcj02.geojson", "district.geojson",
	"streets.geojson", "water_gcj02.geojson", "roads.geojson", "expressways_wgs84.geojson",
}

// FuzzBaseMap reads arbitrary bytes as one layer file of a base map (when
// the fuzzed one is not the district, a small district goes with it). It
// never panics; a refusal names the file; a map it accepts
// has a district, and every position of every layer is a finite WGS-84
// longitude and latitude, every ring closed with at least four positions,
// every line at least two, every 街道 named.
func FuzzBaseMap(f *testing.F) {
	demo, err := fs.ReadFile(geoFS, "geo/district_wgs84.geojson")
	if err != nil {
		f.Fatal(err)
	}
	streets, err := fs.ReadFile(geoFS, "geo/streets_wgs84.geojson")
	if err != nil {
		f.Fatal(err)
	}
	const poly = `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"外滩","code":310101013},"geometry":{"type":"Polygon","coordinates":[[[121.48,31.23],[121.49,31.23],[121.49,31.24]]]}}]}`
	const lines = `{"type":"FeatureCollection","datum":"GCJ-02","features":[{"type":"Feature","properties":{"name":"中山东一路","highway":"primary"},"geometry":{"type":"MultiLineString","coordinates":[[[121.48,31.23,4],[121.49,31.24]],[[0,0],[180,90]]]}}]}`
	for i, s := range []string{
		string(demo), string(streets[:min(len(streets), 4000)]), poly, lines,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[1,1],[2,1],[2,2],[1,1]]],[]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[121.4]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}`,
		`{"type":"FeatureCollection","datum":"BD-09","features":[]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1e400,0],[1,1],[2,2]]]}}]}`,
		`{"type":"Feature"}`, `[]`, `{`, "",
	} {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		name := fuzzLayers[int(which)%len(fuzzLayers)]
		fsys := fstest.MapFS{name: {Data: data}}
		if !strings.HasPrefix(name, LayerDistrict) {
			fsys["district_wgs84.geojson"] = &fstest.MapFile{Data: []byte(poly)}
		}
		m, err := LoadBaseMap(fsys, city.DatumWGS84)
		if err != nil {
			if !strings.Contains(err.Error(), "load base map: ") || !strings.Contains(err.Error(), ".geojson") {
				t.Fatalf("a refusal that names no file: %v", err)
			}
			return
		}
		if len(m.District) == 0 {
			t.Fatal("a map without a district")
		}
		checkPoint := func(what string, p orb.Point) {
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
				t.Fatalf("%s: position %v is not a longitude, latitude", what, p)
			}
		}
		checkAreas := func(what string, mp orb.MultiPolygon) {
			for _, poly := range mp {
				if len(poly) == 0 {
					t.Fatalf("%s: a polygon without rings", what)
				}
				for _, r := range poly {
					if len(r) < 4 || !r.Closed() {
						t.Fatalf("%s: ring of %d positions, closed %v", what, len(r), r.Closed())
					}
					for _, p := range r {
						checkPoint(what, p)
					}
				}
			}
		}
		checkAreas("district", m.District)
		for _, a := range m.Streets {
			if a.Name == "" {
				t.Fatal("a 街道 without a name")
			}
			checkAreas("street "+a.Name, a.Geometry)
		}
		for _, a := range m.Water {
			checkAreas("water "+a.Name, a.Geometry)
		}
		for _, rs := range [][]Road{m.Roads, m.Expressways} {
			for _, r := range rs {
				if len(r.Line) < 2 {
					t.Fatalf("road %q of %d positions", r.Name, len(r.Line))
				}
				for _, p := range r.Line {
					checkPoint("road "+r.Name, p)
				}
			}
		}
		b := m.Bound()
		if math.IsNaN(b.Min[0]) || math.IsNaN(b.Max[1]) || b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
			t.Fatalf("district bound %v", b)
		}
	})
}
