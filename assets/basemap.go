package assets

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"

	"onescreen/city"
)

//go:embed geo/*.geojson
var geoFS embed.FS

// The layers of a base map. Each is read from a GeoJSON FeatureCollection
// named after the layer, optionally with a datum suffix: "district.geojson",
// "district_wgs84.geojson" or "district_gcj02.geojson".
const (
	LayerDistrict    = "district"    // required: the district outline (Polygon/MultiPolygon)
	LayerStreets     = "streets"     // 街道 polygons; each feature needs a "name", may have a "code"
	LayerWater       = "water"       // rivers and creeks as polygons, optional "name"
	LayerRoads       = "roads"       // lines with optional "name" and "class" (or OSM "highway")
	LayerExpressways = "expressways" // elevated roads, as roads
)

// Datum suffixes of layer file names.
const (
	suffixWGS84 = "_wgs84"
	suffixGCJ02 = "_gcj02"
	geoExt      = ".geojson"
)

// BaseMap is the vector map the district is drawn on, in WGS-84.
type BaseMap struct {
	Name        string           // the district's name, from the outline's "name"
	District    orb.MultiPolygon // district outline
	Streets     []Area           // 街道
	Water       []Area           // rivers and creeks
	Roads       []Road           // ordinary roads
	Expressways []Road           // elevated expressways and their ramps
	Attribution string           // credit lines of every layer, "; "-separated
}

// Area is a named polygon layer feature: a 街道 or a water body.
type Area struct {
	Name     string
	Code     string // statistics-bureau code of a 街道 (e.g. 310101013), if known
	Geometry orb.MultiPolygon
}

// Road is one road segment.
type Road struct {
	Name  string
	Class string // OSM highway class (primary, secondary …), or expressway / expressway_link
	Line  orb.LineString
}

// Bound is the district outline's bounding box.
func (m *BaseMap) Bound() orb.Bound { return m.District.Bound() }

// DemoBaseMap returns the embedded base map of the demo district, 黄浦区.
// Each call returns a fresh copy the caller may change.
func DemoBaseMap() (*BaseMap, error) {
	sub, err := fs.Sub(geoFS, "geo")
	if err != nil {
		return nil, fmt.Errorf("demo base map: %w", err)
	}
	m, err := LoadBaseMap(sub, city.DatumWGS84)
	if err != nil {
		return nil, fmt.Errorf("demo base map: %w", err)
	}
	return m, nil
}

// LoadBaseMap reads a base map from the layer files in fsys (use os.DirFS
// for a directory of a site's own GIS exports). The district layer is
// required; the others may be absent. A file whose name ends in _gcj02 is
// GCJ-02, _wgs84 is WGS-84; otherwise a "datum" member in the file decides,
// and failing that datum (empty means WGS-84). GCJ-02 coordinates are
// converted to WGS-84 on load.
func LoadBaseMap(fsys fs.FS, datum city.Datum) (*BaseMap, error) {
	switch datum {
	case "", city.DatumWGS84, city.DatumGCJ02:
	default:
		return nil, fmt.Errorf("load base map: unknown datum %q (want %q or %q)", datum, city.DatumWGS84, city.DatumGCJ02)
	}
	m := &BaseMap{}
	var credits []string
	for _, layer := range []string{LayerDistrict, LayerStreets, LayerWater, LayerRoads, LayerExpressways} {
		lf, err := readLayer(fsys, layer, datum)
		if err != nil {
			return nil, fmt.Errorf("load base map: %w", err)
		}
		if lf == nil {
			if layer == LayerDistrict {
				return nil, fmt.Errorf("load base map: no %s layer (want %s%s, %s%s%s or %s%s%s)",
					layer, layer, geoExt, layer, suffixWGS84, geoExt, layer, suffixGCJ02, geoExt)
			}
			continue
		}
		if err := m.add(layer, lf); err != nil {
			return nil, fmt.Errorf("load base map: %s: %w", lf.name, err)
		}
		credits = append(credits, credit(lf.fc, lf.name))
	}
	m.Attribution = joinCredits(credits)
	return m, nil
}

// layerFile is one parsed layer file with its geometries in WGS-84.
type layerFile struct {
	name  string
	fc    *featureCollection
	geoms []orb.Geometry // per feature, WGS-84
}

// readLayer finds, parses and (if GCJ-02) converts one layer's file. It
// returns nil when the layer has no file.
func readLayer(fsys fs.FS, layer string, datum city.Datum) (*layerFile, error) {
	var found []string
	for _, suffix := range []string{"", suffixWGS84, suffixGCJ02} {
		name := layer + suffix + geoExt
		if _, err := fs.Stat(fsys, name); err == nil {
			found = append(found, name)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("%s layer: several files (%s); keep one", layer, strings.Join(found, ", "))
	}
	name := found[0]
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	fc, err := decodeCollection(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	fileDatum, err := layerDatum(name, city.Datum(fc.Datum), datum)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lf := &layerFile{name: name, fc: fc, geoms: make([]orb.Geometry, len(fc.Features))}
	for i := range fc.Features {
		g, err := fc.Features[i].Geometry.decode()
		if err != nil {
			return nil, fmt.Errorf("%s: feature %d: %w", name, i, err)
		}
		if fileDatum == city.DatumGCJ02 {
			g = project.Geometry(g, city.GCJ02ToWGS84)
		}
		lf.geoms[i] = g
	}
	return lf, nil
}

// layerDatum decides a file's datum: its name's suffix, else its own
// "datum" member, else the caller's default.
func layerDatum(name string, member, def city.Datum) (city.Datum, error) {
	base := strings.TrimSuffix(name, geoExt)
	var byName city.Datum
	switch {
	case strings.HasSuffix(base, suffixGCJ02):
		byName = city.DatumGCJ02
	case strings.HasSuffix(base, suffixWGS84):
		byName = city.DatumWGS84
	}
	switch member {
	case "", city.DatumWGS84, city.DatumGCJ02:
	default:
		return "", fmt.Errorf("unknown datum %q", member)
	}
	switch {
	case byName != "" && member != "" && byName != member:
		return "", fmt.Errorf("file name says %s but the file says %s", byName, member)
	case byName != "":
		return byName, nil
	case member != "":
		return member, nil
	case def != "":
		return def, nil
	default:
		return city.DatumWGS84, nil
	}
}

// add decodes one layer's features into the map.
func (m *BaseMap) add(layer string, lf *layerFile) error {
	for i, g := range lf.geoms {
		f := &lf.fc.Features[i]
		switch layer {
		case LayerDistrict:
			mp, err := multiPolygon(g)
			if err != nil {
				return fmt.Errorf("feature %d: %w", i, err)
			}
			m.District = append(m.District, mp...)
			if m.Name == "" {
				m.Name = f.stringProp("name")
			}
		case LayerStreets, LayerWater:
			mp, err := multiPolygon(g)
			if err != nil {
				return fmt.Errorf("feature %d: %w", i, err)
			}
			a := Area{Name: f.stringProp("name"), Code: f.stringProp("code"), Geometry: mp}
			if layer == LayerStreets {
				if a.Name == "" {
					return fmt.Errorf("feature %d: a 街道 needs a \"name\" property", i)
				}
				m.Streets = append(m.Streets, a)
			} else {
				m.Water = append(m.Water, a)
			}
		case LayerRoads, LayerExpressways:
			lines, err := lineStrings(g)
			if err != nil {
				return fmt.Errorf("feature %d: %w", i, err)
			}
			class := f.stringProp("class")
			if class == "" {
				class = f.stringProp("highway")
			}
			if class == "" && layer == LayerExpressways {
				class = "expressway"
			}
			for _, ls := range lines {
				r := Road{Name: f.stringProp("name"), Class: class, Line: ls}
				if layer == LayerRoads {
					m.Roads = append(m.Roads, r)
				} else {
					m.Expressways = append(m.Expressways, r)
				}
			}
		}
	}
	if layer == LayerDistrict && len(m.District) == 0 {
		return errors.New("district layer has no polygon")
	}
	return nil
}

func multiPolygon(g orb.Geometry) (orb.MultiPolygon, error) {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	case orb.MultiPolygon:
		return g, nil
	default:
		return nil, fmt.Errorf("%s where a Polygon or MultiPolygon belongs", g.GeoJSONType())
	}
}

func lineStrings(g orb.Geometry) (orb.MultiLineString, error) {
	switch g := g.(type) {
	case orb.LineString:
		return orb.MultiLineString{g}, nil
	case orb.MultiLineString:
		return g, nil
	default:
		return nil, fmt.Errorf("%s where a LineString or MultiLineString belongs", g.GeoJSONType())
	}
}

// credit is a layer file's attribution line, or a note that it has none.
func credit(fc *featureCollection, name string) string {
	switch {
	case fc.Attribution != "":
		return fc.Attribution
	case fc.Source != "" && fc.License != "":
		return fmt.Sprintf("%s (%s)", fc.Source, fc.License)
	case fc.Source != "":
		return fc.Source + " (licence not stated)"
	default:
		return name + ": source not stated"
	}
}

// joinCredits joins credit lines, each part once, in first-seen order.
func joinCredits(credits []string) string {
	var parts []string
	seen := map[string]bool{}
	for _, c := range credits {
		for p := range strings.SplitSeq(c, "; ") {
			if p = strings.TrimSpace(p); p != "" && !seen[p] {
				seen[p] = true
				parts = append(parts, p)
			}
		}
	}
	return strings.Join(parts, "; ")
}
