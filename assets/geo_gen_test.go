package assets

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
)

// The embedded base map is derived from the public data beside the
// repository (../shared/data/geo). TestGenerateGeo rebuilds it:
//
//	go test ./assets/ -run TestGenerateGeo -update-geo
//
// Without the flag it checks that the embedded files are what the
// generator makes from the shared data, and skips when that data is absent.
var updateGeo = flag.Bool("update-geo", false, "rewrite assets/geo from ../shared/data/geo")

// sharedGeo is the shared geodata directory relative to this package.
const sharedGeo = "../../shared/data/geo"

// geoClipBox is the demo map's extent: Huangpu (121.452–121.506 E,
// 31.190–31.246 N) with a margin of about 1 km.
var geoClipBox = orb.Bound{Min: orb.Point{121.44, 31.18}, Max: orb.Point{121.53, 31.26}}

const (
	geoRoundFactor = 1e6 // keep 6 decimals of a degree, about 0.1 m
	demoDistrict   = "黄浦区"

	creditOSM   = "© OpenStreetMap contributors (ODbL)"
	creditCodes = "街道 codes: AreaCity-JsSpider-StatsGov (MIT)"
	creditWater = "Water: Jqmap2, github.com/alex2wong/Jqmap2 (licence not stated)"
	creditExpwy = "Expressways: Jqmap2, github.com/alex2wong/Jqmap2 (licence not stated)"
)

func TestGenerateGeo(t *testing.T) {
	if _, err := os.Stat(sharedGeo); err != nil {
		t.Skipf("shared geodata not found: %v", err)
	}
	files, err := generateGeo(sharedGeo)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		path := filepath.Join("geo", name)
		if *updateGeo {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d bytes)", path, len(data))
			continue
		}
		have, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (run with -update-geo)", err)
			continue
		}
		if !bytes.Equal(have, data) {
			t.Errorf("%s differs from what the generator makes from %s (run with -update-geo)", path, sharedGeo)
		}
	}
}

// outFeature and outCollection are what the generator writes.
type outFeature struct {
	Type       string            `json:"type"`
	Properties map[string]string `json:"properties"`
	Geometry   outGeometry       `json:"geometry"`
}

type outGeometry struct {
	Type        string       `json:"type"`
	Coordinates orb.Geometry `json:"coordinates"`
}

type outCollection struct {
	Type        string       `json:"type"`
	Attribution string       `json:"attribution"`
	Source      string       `json:"source"`
	License     string       `json:"license"`
	Datum       string       `json:"datum"`
	Features    []outFeature `json:"features"`
}

func (c *outCollection) add(g orb.Geometry, props map[string]string) {
	c.Features = append(c.Features, outFeature{
		Type:       "Feature",
		Properties: props,
		Geometry:   outGeometry{Type: g.GeoJSONType(), Coordinates: g},
	})
}

func newOut(credit, source, license string) *outCollection {
	return &outCollection{Type: "FeatureCollection", Attribution: credit, Source: source, License: license, Datum: "WGS-84"}
}

// generateGeo returns the embedded base-map files made from src.
func generateGeo(src string) (map[string][]byte, error) {
	read := func(name string) (*featureCollection, []orb.Geometry, error) {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return nil, nil, err
		}
		fc, err := decodeCollection(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		gs := make([]orb.Geometry, len(fc.Features))
		for i := range fc.Features {
			if gs[i], err = fc.Features[i].Geometry.decode(); err != nil {
				return nil, nil, fmt.Errorf("%s: feature %d: %w", name, i, err)
			}
		}
		return fc, gs, nil
	}
	codes, err := streetCodes(filepath.Join(src, "shanghai_street_codes.csv"))
	if err != nil {
		return nil, err
	}
	out := map[string]*outCollection{}

	// The district outline.
	fc, gs, err := read("huangpu_district_osm_wgs84.geojson")
	if err != nil {
		return nil, err
	}
	c := newOut(creditOSM, "OpenStreetMap: the 10 街道 relations of 黄浦区, dissolved", "ODbL-1.0")
	for i, g := range gs {
		name := fc.Features[i].stringProp("name")
		if name != demoDistrict {
			return nil, fmt.Errorf("district outline is %q, want %s", name, demoDistrict)
		}
		c.add(orb.Round(g, geoRoundFactor), map[string]string{"name": name})
	}
	out["district_wgs84.geojson"] = c

	// The district's 街道, with statistics codes.
	fc, gs, err = read("huangpu_changning_subdistricts_wgs84.geojson")
	if err != nil {
		return nil, err
	}
	c = newOut(creditOSM+"; "+creditCodes,
		"OpenStreetMap 街道 relations (Geofabrik 2026-07) via shanghai-property-sector-map; codes from AreaCity-JsSpider-StatsGov",
		"ODbL-1.0 (geometry), MIT (codes)")
	for i, g := range gs {
		f := &fc.Features[i]
		if f.stringProp("district") != demoDistrict {
			continue
		}
		name := f.stringProp("name")
		if lic := f.stringProp("license"); lic != "ODbL-1.0" {
			return nil, fmt.Errorf("street %s has licence %q, want ODbL-1.0", name, lic)
		}
		code, ok := codes[name]
		if !ok {
			return nil, fmt.Errorf("no statistics code for %s", name)
		}
		c.add(orb.Round(g, geoRoundFactor), map[string]string{"name": name, "code": code})
	}
	if len(c.Features) != 10 {
		return nil, fmt.Errorf("found %d streets of %s, want 10", len(c.Features), demoDistrict)
	}
	out["streets_wgs84.geojson"] = c

	// Water polygons, clipped to the box.
	fc, gs, err = read("huangpu_river_suzhou_creek_wgs84.geojson")
	if err != nil {
		return nil, err
	}
	c = newOut(creditWater, "Jqmap2 Asset/water.shp, generalised (banks ±100 m), clipped to the district", "unknown")
	for i, g := range gs {
		g = clip.Geometry(geoClipBox, g)
		if g == nil {
			continue
		}
		name, _, _ := strings.Cut(fc.Features[i].stringProp("name"), " ") // "黄浦江 Huangpu River"
		c.add(orb.Round(g, geoRoundFactor), map[string]string{"name": name})
	}
	out["water_wgs84.geojson"] = c

	// Core roads, with their OSM highway class.
	fc, gs, err = read("huangpu_core_roads_osm_wgs84.geojson")
	if err != nil {
		return nil, err
	}
	c = newOut(creditOSM, "OpenStreetMap drive graph around People's Square via le-degn-system", "ODbL-1.0")
	for i, g := range gs {
		f := &fc.Features[i]
		if err := addClippedLines(c, g, f.stringProp("name"), f.stringProp("highway")); err != nil {
			return nil, fmt.Errorf("roads feature %d: %w", i, err)
		}
	}
	out["roads_wgs84.geojson"] = c

	// Elevated expressways; ramps are told apart by their names.
	fc, gs, err = read("central_expressways_wgs84.geojson")
	if err != nil {
		return nil, err
	}
	c = newOut(creditExpwy, "Jqmap2 Asset/shroad.json, clipped to the district", "unknown")
	for i, g := range gs {
		name := fc.Features[i].stringProp("NAME")
		class := "expressway"
		if strings.HasSuffix(name, "出口") || strings.HasSuffix(name, "入口") {
			class = "expressway_link"
		}
		if err := addClippedLines(c, g, name, class); err != nil {
			return nil, fmt.Errorf("expressways feature %d: %w", i, err)
		}
	}
	out["expressways_wgs84.geojson"] = c

	files := map[string][]byte{}
	for name, c := range out {
		data, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		files[name] = append(data, '\n')
	}
	return files, nil
}

// addClippedLines clips a line to the box and adds each remaining piece.
func addClippedLines(c *outCollection, g orb.Geometry, name, class string) error {
	ls, ok := g.(orb.LineString)
	if !ok {
		return fmt.Errorf("%s, want LineString", g.GeoJSONType())
	}
	for _, part := range clip.LineString(geoClipBox, ls) {
		part = dropRepeats(orb.Round(part, geoRoundFactor).(orb.LineString))
		if len(part) < 2 {
			continue
		}
		props := map[string]string{"class": class}
		if name != "" {
			props["name"] = name
		}
		c.add(part, props)
	}
	return nil
}

// dropRepeats removes consecutive repeated points that rounding can make.
func dropRepeats(ls orb.LineString) orb.LineString {
	var out orb.LineString
	for i, p := range ls {
		if i == 0 || p != ls[i-1] {
			out = append(out, p)
		}
	}
	return out
}

// streetCodes maps a 街道's full name to its 9-digit statistics code.
func streetCodes(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	codes := map[string]string{}
	for _, r := range rows[1:] { // id,pid,deep,name,pinyin_prefix,pinyin,ext_id,ext_name
		if len(r) >= 8 && r[2] == "3" {
			codes[r[7]] = r[0]
		}
	}
	return codes, nil
}
