package sim

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/project"
)

//go:generate go run gen_data.go

//go:embed data/huangpu.geojson data/crowd_zones.geojson data/pm25_hourly.csv data/metro_exit_profile.csv
var dataFS embed.FS

// Distances that keep generated points on the right side of the water, in
// metres from the district line (which runs down the middle of the Huangpu
// River and of Suzhou Creek).
const (
	landFromRiverLine  = 300.0 // the Huangpu is 350–500 m wide along the district
	landFromCreekLine  = 60.0  // Suzhou Creek is 50–80 m wide
	waterFromRiverLine = 100.0 // a river section stays this close to mid-river
	waterFromCreekLine = 12.0  // a creek section stays this close to mid-creek
)

// Subdistrict is one 街道 of the demo district.
type Subdistrict struct {
	Name string
	Area orb.Polygon

	bound orb.Bound
}

// CrowdZone is one of the drawn crowd zones of the demo district.
type CrowdZone struct {
	ID, Name  string
	Area      orb.Polygon
	DrawnFrom string  // how the polygon was drawn
	AreaM2    float64 // walkable area in m², computed from the polygon
}

// District is the demo district's geometry (WGS-84), from OpenStreetMap
// (© OpenStreetMap contributors, ODbL-1.0).
type District struct {
	Outline      orb.Polygon
	Subdistricts []Subdistrict
	RiverLine    orb.MultiLineString // the district line down the Huangpu River
	CreekLine    orb.MultiLineString // the district line down Suzhou Creek
	CrowdZones   []CrowdZone

	outlineBound orb.Bound
	riverM       orb.MultiLineString // RiverLine in Web Mercator metres
	creekM       orb.MultiLineString
}

// Huangpu returns the demo district, parsed once from the embedded files.
func Huangpu() (*District, error) { return loadHuangpu() }

var loadHuangpu = sync.OnceValues(func() (*District, error) {
	d, err := parseDistrict()
	if err != nil {
		return nil, fmt.Errorf("embedded demo district: %w", err)
	}
	return d, nil
})

type rawFeature struct {
	Properties map[string]any `json:"properties"`
	Geometry   struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

func readFeatures(name string) ([]rawFeature, error) {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []rawFeature `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return fc.Features, nil
}

func (f rawFeature) str(key string) string {
	s, _ := f.Properties[key].(string)
	return s
}

func (f rawFeature) polygon() (orb.Polygon, error) {
	if f.Geometry.Type != "Polygon" {
		return nil, fmt.Errorf("feature %q: geometry %q, want Polygon", f.str("name"), f.Geometry.Type)
	}
	var p orb.Polygon
	if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
		return nil, fmt.Errorf("feature %q: %w", f.str("name"), err)
	}
	if len(p) == 0 || len(p[0]) < 4 {
		return nil, fmt.Errorf("feature %q: polygon has no ring", f.str("name"))
	}
	return p, nil
}

func (f rawFeature) lines() (orb.MultiLineString, error) {
	if f.Geometry.Type != "MultiLineString" {
		return nil, fmt.Errorf("feature %q: geometry %q, want MultiLineString", f.str("name"), f.Geometry.Type)
	}
	var m orb.MultiLineString
	if err := json.Unmarshal(f.Geometry.Coordinates, &m); err != nil {
		return nil, fmt.Errorf("feature %q: %w", f.str("name"), err)
	}
	return m, nil
}

func parseDistrict() (*District, error) {
	feats, err := readFeatures("data/huangpu.geojson")
	if err != nil {
		return nil, err
	}
	d := &District{}
	for _, f := range feats {
		switch f.str("kind") {
		case "district":
			d.Outline, err = f.polygon()
		case "subdistrict":
			var p orb.Polygon
			p, err = f.polygon()
			d.Subdistricts = append(d.Subdistricts, Subdistrict{Name: f.str("name"), Area: p, bound: p.Bound()})
		case "river_line":
			d.RiverLine, err = f.lines()
		case "creek_line":
			d.CreekLine, err = f.lines()
		}
		if err != nil {
			return nil, err
		}
	}
	if d.Outline == nil || len(d.Subdistricts) == 0 || d.RiverLine == nil || d.CreekLine == nil {
		return nil, errors.New("data/huangpu.geojson lacks the outline, 街道 or river lines")
	}
	d.outlineBound = d.Outline.Bound()
	d.riverM = project.MultiLineString(d.RiverLine.Clone(), project.WGS84.ToMercator)
	d.creekM = project.MultiLineString(d.CreekLine.Clone(), project.WGS84.ToMercator)

	zones, err := readFeatures("data/crowd_zones.geojson")
	if err != nil {
		return nil, err
	}
	for _, f := range zones {
		p, err := f.polygon()
		if err != nil {
			return nil, err
		}
		z := CrowdZone{ID: f.str("id"), Name: f.str("name"), Area: p, DrawnFrom: f.str("drawn_from"), AreaM2: geo.Area(p)}
		if z.ID == "" || z.AreaM2 <= 0 {
			return nil, fmt.Errorf("crowd zone %q has no id or no area", z.Name)
		}
		d.CrowdZones = append(d.CrowdZones, z)
	}
	return d, nil
}

// Contains reports whether p lies inside the district outline.
func (d *District) Contains(p orb.Point) bool {
	return d.outlineBound.Contains(p) && planar.PolygonContains(d.Outline, p)
}

// distanceM returns the distance in metres from p to a line held in Web
// Mercator metres.
func distanceM(lines orb.MultiLineString, p orb.Point) float64 {
	return planar.DistanceFrom(lines, project.Point(p, project.WGS84.ToMercator)) / project.MercatorScaleFactor(p)
}

// OnLand reports whether p lies in the district and clear of the river and
// the creek.
func (d *District) OnLand(p orb.Point) bool {
	return d.Contains(p) && distanceM(d.riverM, p) >= landFromRiverLine && distanceM(d.creekM, p) >= landFromCreekLine
}

// InWater reports whether p lies in the district's half of the Huangpu
// River or of Suzhou Creek, near enough to mid-stream to be surely wet.
func (d *District) InWater(p orb.Point) bool {
	return d.Contains(p) && (distanceM(d.riverM, p) <= waterFromRiverLine || distanceM(d.creekM, p) <= waterFromCreekLine)
}

// Street returns the name of the 街道 that contains p, or "" when none does.
func (d *District) Street(p orb.Point) string {
	for _, s := range d.Subdistricts {
		if s.bound.Contains(p) && planar.PolygonContains(s.Area, p) {
			return s.Name
		}
	}
	return ""
}
