package assets

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/project"

	"onescreen/city"
)

func TestDemoBaseMap(t *testing.T) {
	m, err := DemoBaseMap()
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "黄浦区" {
		t.Errorf("name = %q, want 黄浦区", m.Name)
	}

	// Huangpu is 20.5 km² (land and its half of the river).
	area := geo.Area(m.District) / 1e6
	if area < 19 || area > 22 {
		t.Errorf("district area = %.2f km², want about 20.5", area)
	}

	wantStreets := map[string]string{
		"南京东路街道": "310101002", "外滩街道": "310101013", "半淞园路街道": "310101015",
		"小东门街道": "310101017", "豫园街道": "310101018", "老西门街道": "310101019",
		"五里桥街道": "310101020", "打浦桥街道": "310101021", "淮海中路街道": "310101022",
		"瑞金二路街道": "310101023",
	}
	if len(m.Streets) != len(wantStreets) {
		t.Errorf("%d streets, want %d", len(m.Streets), len(wantStreets))
	}
	streetArea := 0.0
	for _, s := range m.Streets {
		if code, ok := wantStreets[s.Name]; !ok {
			t.Errorf("unexpected street %q", s.Name)
		} else if s.Code != code {
			t.Errorf("%s code = %q, want %s", s.Name, s.Code, code)
		}
		streetArea += geo.Area(s.Geometry) / 1e6
		c, _ := planar.CentroidArea(s.Geometry)
		if !planar.MultiPolygonContains(m.District, c) {
			t.Errorf("%s centre %v lies outside the district", s.Name, c)
		}
	}
	if math.Abs(streetArea-area)/area > 0.02 {
		t.Errorf("streets cover %.2f km², district %.2f km²; want equal within 2%%", streetArea, area)
	}

	var water []string
	for _, w := range m.Water {
		water = append(water, w.Name)
	}
	sort.Strings(water)
	if got := strings.Join(water, ","); got != "苏州河,黄浦江" {
		t.Errorf("water = %s, want 苏州河,黄浦江", got)
	}
	// The river runs through the district's east edge: part of the
	// district must be water.
	river := m.Water[0].Geometry
	if m.Water[1].Name == "黄浦江" {
		river = m.Water[1].Geometry
	}
	// Off the Bund: east of 中山东一路 (121.486 E) and west of the
	// mid-river district line (121.4895 E).
	offBund := orb.Point{121.4885, 31.2380}
	if !planar.MultiPolygonContains(river, offBund) {
		t.Errorf("黄浦江 polygon does not contain the point off the Bund %v", offBund)
	}
	if !planar.MultiPolygonContains(m.District, offBund) {
		t.Errorf("the district does not reach the river at %v", offBund)
	}

	if len(m.Roads) < 500 {
		t.Errorf("%d roads, want the 574 OSM segments", len(m.Roads))
	}
	if len(m.Expressways) < 100 {
		t.Errorf("%d expressway segments, want over 100", len(m.Expressways))
	}
	names := map[string]bool{}
	for _, r := range append(m.Roads, m.Expressways...) {
		names[r.Name] = true
		if r.Class == "" {
			t.Errorf("road %q has no class", r.Name)
		}
	}
	for _, n := range []string{"延安高架路", "南北高架路", "西藏中路", "人民大道"} {
		if !names[n] {
			t.Errorf("no road named %s", n)
		}
	}

	box := orb.Bound{Min: orb.Point{121.44, 31.18}, Max: orb.Point{121.53, 31.26}}
	check := func(what string, g orb.Geometry) {
		if b := g.Bound(); !box.Contains(b.Min) || !box.Contains(b.Max) {
			t.Errorf("%s extends to %v, outside the demo box", what, b)
		}
	}
	check("district", m.District)
	for _, w := range m.Water {
		check(w.Name, w.Geometry)
	}
	for _, r := range m.Expressways {
		check(r.Name, r.Line)
	}

	for _, want := range []string{"© OpenStreetMap contributors (ODbL)", "Jqmap2", "AreaCity-JsSpider-StatsGov"} {
		if !strings.Contains(m.Attribution, want) {
			t.Errorf("attribution %q lacks %q", m.Attribution, want)
		}
	}
	if strings.Count(m.Attribution, "OpenStreetMap") != 1 {
		t.Errorf("attribution repeats OpenStreetMap: %q", m.Attribution)
	}
}

func TestDemoBaseMapIsACopy(t *testing.T) {
	a, err := DemoBaseMap()
	if err != nil {
		t.Fatal(err)
	}
	a.District[0][0][0] = orb.Point{0, 0}
	a.Streets[0].Name = "changed"
	b, err := DemoBaseMap()
	if err != nil {
		t.Fatal(err)
	}
	if b.District[0][0][0] == (orb.Point{0, 0}) || b.Streets[0].Name == "changed" {
		t.Error("changing one DemoBaseMap changed the next")
	}
}

// demoFiles returns the embedded layer files keyed by name.
func demoFiles(t *testing.T) fstest.MapFS {
	t.Helper()
	files := fstest.MapFS{}
	for _, l := range []string{LayerDistrict, LayerStreets, LayerWater, LayerRoads, LayerExpressways} {
		data, err := geoFS.ReadFile("geo/" + l + "_wgs84.geojson")
		if err != nil {
			t.Fatal(err)
		}
		files[l+"_wgs84.geojson"] = &fstest.MapFile{Data: data}
	}
	return files
}

// shiftedDistrict returns the demo district file with every position moved
// to GCJ-02 and the datum member dropped.
func shiftedDistrict(t *testing.T) []byte {
	t.Helper()
	fc, err := decodeCollection(demoFiles(t)["district_wgs84.geojson"].Data)
	if err != nil {
		t.Fatal(err)
	}
	fc.Datum = ""
	for i := range fc.Features {
		g, err := fc.Features[i].Geometry.decode()
		if err != nil {
			t.Fatal(err)
		}
		g = project.Geometry(g, city.WGS84ToGCJ02)
		raw, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		fc.Features[i].Geometry = &geometry{Type: g.GeoJSONType(), Coordinates: raw}
	}
	data, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// maxVertexDistance is the largest distance in metres between matching
// vertices of two outlines of the same shape.
func maxVertexDistance(t *testing.T, a, b orb.MultiPolygon) float64 {
	t.Helper()
	worst := 0.0
	if len(a) != len(b) {
		t.Fatalf("%d polygons vs %d", len(a), len(b))
	}
	for i := range a {
		for j := range a[i] {
			for k := range a[i][j] {
				worst = math.Max(worst, geo.Distance(a[i][j][k], b[i][j][k]))
			}
		}
	}
	return worst
}

func TestLoadBaseMapConvertsGCJ02(t *testing.T) {
	want, err := DemoBaseMap()
	if err != nil {
		t.Fatal(err)
	}
	shifted := shiftedDistrict(t)
	tests := []struct {
		name    string
		file    string
		datum   city.Datum
		maxDist float64 // metres from the WGS-84 original
		minDist float64
	}{
		{"suffix _gcj02", "district_gcj02.geojson", city.DatumWGS84, 0.05, 0},
		{"argument GCJ-02", "district.geojson", city.DatumGCJ02, 0.05, 0},
		{"unmarked file read as WGS-84 stays shifted", "district.geojson", city.DatumWGS84, 700, 300},
		{"suffix _wgs84 wins over the argument", "district_wgs84.geojson", city.DatumGCJ02, 700, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{tt.file: &fstest.MapFile{Data: shifted}}
			m, err := LoadBaseMap(fsys, tt.datum)
			if err != nil {
				t.Fatal(err)
			}
			d := maxVertexDistance(t, m.District, want.District)
			if d > tt.maxDist || d < tt.minDist {
				t.Errorf("outline lies up to %.3f m from the original, want %.2f–%.2f m", d, tt.minDist, tt.maxDist)
			}
		})
	}
}

// TestLoadBaseMapRealGCJ02Outline loads the published GCJ-02 outline of
// Huangpu (Aliyun DataV) and checks it lands on the OpenStreetMap one: the
// two sit ~480 m apart unconverted.
func TestLoadBaseMapRealGCJ02Outline(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedGeo, "huangpu_310101_gcj02.geojson"))
	if err != nil {
		t.Skipf("shared geodata not found: %v", err)
	}
	want, err := DemoBaseMap()
	if err != nil {
		t.Fatal(err)
	}
	wantC, _ := planar.CentroidArea(want.District)
	for _, tt := range []struct {
		file       string
		minM, maxM float64
	}{
		{"district_gcj02.geojson", 0, 120},
		{"district_wgs84.geojson", 350, 650}, // deliberately mislabelled
	} {
		m, err := LoadBaseMap(fstest.MapFS{tt.file: &fstest.MapFile{Data: data}}, "")
		if err != nil {
			t.Fatal(err)
		}
		c, _ := planar.CentroidArea(m.District)
		d := geo.Distance(c, wantC)
		if d < tt.minM || d > tt.maxM {
			t.Errorf("%s: centre %.0f m from the OpenStreetMap outline's, want %.0f–%.0f m", tt.file, d, tt.minM, tt.maxM)
		}
		if !strings.Contains(m.Attribution, "source not stated") {
			t.Errorf("%s: attribution %q should say the source is not stated", tt.file, m.Attribution)
		}
	}
}

func TestLoadBaseMapFromDirectory(t *testing.T) {
	dir := t.TempDir()
	for name, f := range demoFiles(t) {
		if strings.HasPrefix(name, LayerExpressways) || strings.HasPrefix(name, LayerRoads) {
			continue // optional layers a site may not have
		}
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := LoadBaseMap(os.DirFS(dir), city.DatumWGS84)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Streets) != 10 || len(m.Water) != 2 || len(m.Roads) != 0 || len(m.Expressways) != 0 {
		t.Errorf("got %d streets, %d water, %d roads, %d expressways; want 10, 2, 0, 0",
			len(m.Streets), len(m.Water), len(m.Roads), len(m.Expressways))
	}
	if strings.Contains(m.Attribution, "Expressways") {
		t.Errorf("attribution %q credits a layer that was not loaded", m.Attribution)
	}
}

func TestLoadBaseMapRoadClassAndMultiLine(t *testing.T) {
	fsys := fstest.MapFS{
		"district.geojson": {Data: []byte(`{"type":"FeatureCollection","attribution":"Site GIS","features":[
			{"type":"Feature","properties":{"name":"测试区"},"geometry":{"type":"Polygon","coordinates":[[[121.47,31.22],[121.48,31.22],[121.48,31.23],[121.47,31.22]]]}}]}`)},
		"roads.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{"name":"A路","highway":"primary"},"geometry":{"type":"MultiLineString","coordinates":[[[121.47,31.22],[121.48,31.22]],[[121.47,31.23],[121.48,31.23,4.5]]]}},
			{"type":"Feature","properties":{"class":"secondary"},"geometry":{"type":"LineString","coordinates":[[121.47,31.22],[121.48,31.23]]}}]}`)},
		"expressways.geojson": {Data: []byte(`{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{"name":"高架"},"geometry":{"type":"LineString","coordinates":[[121.47,31.22],[121.48,31.23]]}}]}`)},
	}
	m, err := LoadBaseMap(fsys, "")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(m.Roads[0].Name, m.Roads[0].Class, len(m.Roads), m.Roads[2].Class, m.Expressways[0].Class)
	if want := "A路primary3secondaryexpressway"; got != want {
		t.Errorf("roads = %s, want %s", got, want)
	}
	if m.Attribution != "Site GIS; roads.geojson: source not stated; expressways.geojson: source not stated" {
		t.Errorf("attribution = %q", m.Attribution)
	}
	// An open ring is closed on load.
	if r := m.District[0][0]; !r.Closed() || len(r) != 4 {
		t.Errorf("ring = %v, want it closed with 4 positions", r)
	}
}

func TestLoadBaseMapErrors(t *testing.T) {
	poly := `{"type":"Polygon","coordinates":[[[121.47,31.22],[121.48,31.22],[121.48,31.23],[121.47,31.22]]]}`
	district := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":` + poly + `}]}`
	fc := func(geom string, props string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}]}`
	}
	tests := []struct {
		name  string
		files map[string]string
		datum city.Datum
		want  string
	}{
		{"no district", map[string]string{"streets.geojson": district}, "", "no district layer"},
		{"two district files", map[string]string{"district.geojson": district, "district_gcj02.geojson": district}, "", "several files"},
		{"not JSON", map[string]string{"district.geojson": "PK\x03\x04"}, "", "not GeoJSON"},
		{"a Feature, not a collection", map[string]string{"district.geojson": `{"type":"Feature"}`}, "", "want FeatureCollection"},
		{"latitude, longitude swapped", map[string]string{"district.geojson": fc(`{"type":"Polygon","coordinates":[[[31.22,121.47],[31.22,121.48],[31.23,121.48],[31.22,121.47]]]}`, `{}`)}, "", "not a longitude, latitude"},
		{"position with one number", map[string]string{"district.geojson": fc(`{"type":"Polygon","coordinates":[[[121.47],[121.48,31.22],[121.48,31.23],[121.47,31.22]]]}`, `{}`)}, "", "has 1 numbers"},
		{"ring too short", map[string]string{"district.geojson": fc(`{"type":"Polygon","coordinates":[[[121.47,31.22],[121.48,31.22]]]}`, `{}`)}, "", "want at least 4"},
		{"line as district", map[string]string{"district.geojson": fc(`{"type":"LineString","coordinates":[[121.47,31.22],[121.48,31.22]]}`, `{}`)}, "", "LineString where a Polygon"},
		{"unsupported geometry", map[string]string{"district.geojson": fc(`{"type":"GeometryCollection","geometries":[]}`, `{}`)}, "", `unsupported geometry type "GeometryCollection"`},
		{"no geometry", map[string]string{"district.geojson": `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{}}]}`}, "", "no geometry"},
		{"empty district", map[string]string{"district.geojson": `{"type":"FeatureCollection","features":[]}`}, "", "no polygon"},
		{"street without a name", map[string]string{"district.geojson": district, "streets.geojson": fc(poly, `{"code":"1"}`)}, "", `needs a "name"`},
		{"polygon as road", map[string]string{"district.geojson": district, "roads.geojson": fc(poly, `{}`)}, "", "Polygon where a LineString"},
		{"unknown datum argument", map[string]string{"district.geojson": district}, "BD-09", `unknown datum "BD-09"`},
		{"unknown datum member", map[string]string{"district.geojson": `{"type":"FeatureCollection","datum":"BD-09","features":[]}`}, "", `unknown datum "BD-09"`},
		{"datum member contradicts name", map[string]string{"district_gcj02.geojson": `{"type":"FeatureCollection","datum":"WGS-84","features":[]}`}, "", "file name says GCJ-02 but the file says WGS-84"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, d := range tt.files {
				fsys[n] = &fstest.MapFile{Data: []byte(d)}
			}
			m, err := LoadBaseMap(fsys, tt.datum)
			if err == nil {
				t.Fatalf("loaded %+v, want an error containing %q", m, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}
