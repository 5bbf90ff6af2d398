package assets

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// The GeoJSON (RFC 7946) subset the base map reads: a FeatureCollection of
// Point, LineString, MultiLineString, Polygon and MultiPolygon features.
// orb's own geojson package needs a BSON module this build does not carry,
// so decoding is done here with encoding/json into orb's types.

// featureCollection is a GeoJSON FeatureCollection with the foreign members
// our files use to say where they came from.
type featureCollection struct {
	Type        string    `json:"type"`
	Attribution string    `json:"attribution,omitempty"` // credit line shown to users
	Source      string    `json:"source,omitempty"`      // where the data was taken from
	License     string    `json:"license,omitempty"`     // licence of the data
	Datum       string    `json:"datum,omitempty"`       // "WGS-84" or "GCJ-02"
	Features    []feature `json:"features"`
}

// feature is one GeoJSON Feature.
type feature struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   *geometry      `json:"geometry"`
}

// geometry is a GeoJSON geometry object; Coordinates stays raw until the
// type is known.
type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// decodeCollection parses a GeoJSON FeatureCollection.
func decodeCollection(data []byte) (*featureCollection, error) {
	var fc featureCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("not GeoJSON: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("GeoJSON type %q, want FeatureCollection", fc.Type)
	}
	return &fc, nil
}

// stringProp returns the named property as a string; numbers are formatted
// without a fraction so that codes stored as numbers still read as codes.
func (f *feature) stringProp(name string) string {
	switch v := f.Properties[name].(type) {
	case string:
		return v
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return fmt.Sprintf("%.0f", v)
		}
		return fmt.Sprint(v)
	default:
		return ""
	}
}

// decode turns the feature's geometry into an orb geometry, checking every
// position is a finite longitude and latitude.
func (g *geometry) decode() (orb.Geometry, error) {
	if g == nil {
		return nil, errors.New("feature has no geometry")
	}
	switch g.Type {
	case "Point":
		var c []float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("Point coordinates: %w", err)
		}
		return position(c)
	case "LineString":
		var c [][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("LineString coordinates: %w", err)
		}
		return lineString(c)
	case "MultiLineString":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("MultiLineString coordinates: %w", err)
		}
		mls := make(orb.MultiLineString, 0, len(c))
		for i, l := range c {
			ls, err := lineString(l)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i, err)
			}
			mls = append(mls, ls)
		}
		return mls, nil
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("Polygon coordinates: %w", err)
		}
		return polygon(c)
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("MultiPolygon coordinates: %w", err)
		}
		mp := make(orb.MultiPolygon, 0, len(c))
		for i, pc := range c {
			p, err := polygon(pc)
			if err != nil {
				return nil, fmt.Errorf("polygon %d: %w", i, err)
			}
			mp = append(mp, p)
		}
		return mp, nil
	case "":
		return nil, errors.New("geometry has no type")
	default:
		return nil, fmt.Errorf("unsupported geometry type %q", g.Type)
	}
}

// position checks one GeoJSON position (lon, lat[, alt]).
func position(c []float64) (orb.Point, error) {
	if len(c) < 2 {
		return orb.Point{}, fmt.Errorf("position %v has %d numbers, want lon, lat", c, len(c))
	}
	lon, lat := c[0], c[1]
	if math.IsNaN(lon) || math.IsInf(lon, 0) || math.IsNaN(lat) || math.IsInf(lat, 0) ||
		lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return orb.Point{}, fmt.Errorf("position (%g, %g) is not a longitude, latitude", lon, lat)
	}
	return orb.Point{lon, lat}, nil
}

func lineString(c [][]float64) (orb.LineString, error) {
	if len(c) < 2 {
		return nil, fmt.Errorf("line has %d positions, want at least 2", len(c))
	}
	ls := make(orb.LineString, len(c))
	for i, pc := range c {
		p, err := position(pc)
		if err != nil {
			return nil, fmt.Errorf("position %d: %w", i, err)
		}
		ls[i] = p
	}
	return ls, nil
}

// polygon reads rings, closing any that are left open.
func polygon(c [][][]float64) (orb.Polygon, error) {
	if len(c) == 0 {
		return nil, errors.New("polygon has no rings")
	}
	p := make(orb.Polygon, 0, len(c))
	for i, rc := range c {
		ls, err := lineString(rc)
		if err != nil {
			return nil, fmt.Errorf("ring %d: %w", i, err)
		}
		r := orb.Ring(ls)
		if !r.Closed() {
			r = append(r, r[0])
		}
		if len(r) < 4 {
			return nil, fmt.Errorf("ring %d has %d positions, want at least 4", i, len(r))
		}
		p = append(p, r)
	}
	return p, nil
}
