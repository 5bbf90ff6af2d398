//go:build ignore

// gen_data derives the compact files in data/ from the shared reference
// data that sits beside the repository (../shared/data relative to the
// repository root). Run it from this directory:
//
//	go run gen_data.go
//
// It writes:
//   - data/huangpu.geojson: the district outline and its 10 街道 (OSM,
//     unchanged coordinates) plus the parts of the outline that run down
//     the middle of the Huangpu River and of Suzhou Creek;
//   - data/crowd_zones.geojson: the four crowd zones, drawn here from the
//     OSM district line and street geometry (no source polygon exists);
//   - data/pm25_hourly.csv: four weeks of hourly PM2.5 from April–May 2015;
//   - data/metro_exit_profile.csv: mean hourly exits at 南京东路 station.
package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

func main() {
	shared := flag.String("shared", "../../../shared/data", "the shared reference data directory")
	out := flag.String("out", "data", "output directory")
	flag.Parse()
	if err := run(*shared, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen_data:", err)
		os.Exit(1)
	}
}

func run(shared, out string) error {
	district, err := districtFile(shared)
	if err != nil {
		return err
	}
	if err := writeFeatures(filepath.Join(out, "huangpu.geojson"), district,
		map[string]any{"name": "huangpu_demo_district", "license": "ODbL-1.0", "attribution": "© OpenStreetMap contributors"}); err != nil {
		return err
	}
	zones, err := crowdZones(district)
	if err != nil {
		return err
	}
	if err := writeFeatures(filepath.Join(out, "crowd_zones.geojson"), zones,
		map[string]any{"name": "huangpu_crowd_zones", "license": "ODbL-1.0", "attribution": "© OpenStreetMap contributors",
			"note": "drawn for the demo from OSM street and district-line geometry; not surveyed boundaries"}); err != nil {
		return err
	}
	if err := pm25(shared, filepath.Join(out, "pm25_hourly.csv")); err != nil {
		return err
	}
	return metroProfile(shared, filepath.Join(out, "metro_exit_profile.csv"))
}

// feature is the little of GeoJSON this program needs (orb's geojson
// package pulls in a module this repository does not carry).
type feature struct {
	Properties map[string]any
	Geometry   orb.Geometry
}

type rawFeature struct {
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
	Geometry   struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

func (f *feature) MarshalJSON() ([]byte, error) {
	var typ string
	switch f.Geometry.(type) {
	case orb.Polygon:
		typ = "Polygon"
	case orb.MultiPolygon:
		typ = "MultiPolygon"
	case orb.MultiLineString:
		typ = "MultiLineString"
	case orb.LineString:
		typ = "LineString"
	default:
		return nil, fmt.Errorf("unsupported geometry %T", f.Geometry)
	}
	var r rawFeature
	r.Type = "Feature"
	r.Properties = f.Properties
	r.Geometry.Type = typ
	c, err := json.Marshal(f.Geometry)
	if err != nil {
		return nil, err
	}
	r.Geometry.Coordinates = c
	return json.Marshal(r)
}

func readFC(path string) ([]*feature, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []rawFeature `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []*feature
	for _, r := range fc.Features {
		f := &feature{Properties: r.Properties}
		var err error
		switch r.Geometry.Type {
		case "Polygon":
			var p orb.Polygon
			err = json.Unmarshal(r.Geometry.Coordinates, &p)
			f.Geometry = p
		case "MultiPolygon":
			var p orb.MultiPolygon
			err = json.Unmarshal(r.Geometry.Coordinates, &p)
			f.Geometry = p
		default:
			err = fmt.Errorf("unsupported geometry %q", r.Geometry.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func newFeature(g orb.Geometry, props map[string]any) *feature {
	return &feature{Geometry: g, Properties: props}
}

// districtFile returns the outline, the 街道 and the river lines.
func districtFile(shared string) ([]*feature, error) {
	fc, err := readFC(filepath.Join(shared, "geo/huangpu_district_osm_wgs84.geojson"))
	if err != nil {
		return nil, err
	}
	outline, ok := fc[0].Geometry.(orb.Polygon)
	if !ok {
		return nil, errors.New("district outline is not a polygon")
	}
	f := newFeature(outline, map[string]any{"kind": "district", "name": "黄浦区", "adcode": "310101",
		"source": "OSM 街道 relations dissolved (huangpu_district_osm_wgs84.geojson)"})
	feats := []*feature{f}

	subs, err := readFC(filepath.Join(shared, "geo/huangpu_changning_subdistricts_wgs84.geojson"))
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		if s.Properties["district"] != "黄浦区" {
			continue
		}
		g := newFeature(s.Geometry, map[string]any{"kind": "subdistrict", "name": s.Properties["name"]})
		feats = append(feats, g)
	}

	// Which stretches of the outline run through water: each vertex is
	// classified against the (generalised) water polygons; the lines kept
	// are OSM vertices only.
	water, err := readFC(filepath.Join(shared, "geo/huangpu_river_suzhou_creek_wgs84.geojson"))
	if err != nil {
		return nil, err
	}
	river, _ := water[0].Geometry.(orb.MultiPolygon)
	creekPoly, _ := water[1].Geometry.(orb.Polygon)
	if river == nil || creekPoly == nil {
		return nil, errors.New("water polygons have unexpected types")
	}
	ring := outline[0]
	cls := make([]byte, len(ring))
	for i, p := range ring {
		switch {
		case planar.MultiPolygonContains(river, p):
			cls[i] = 'H'
		case planar.PolygonContains(creekPoly, p):
			cls[i] = 'C'
		default:
			cls[i] = '.'
		}
	}
	// A stretch is a run of one class, allowing short gaps of land-classed
	// vertices (the water polygons are generalised by about 100 m).
	const maxGap = 9 // land-classed vertices bridged inside a water stretch
	for _, c := range []byte{'H', 'C'} {
		var ml orb.MultiLineString
		n := len(ring) - 1 // closed ring: last == first
		// rotate so that we start on a vertex that is not of class c
		start := -1
		for i := 0; i < n; i++ {
			if cls[i] != c && cls[(i+n-1)%n] != c {
				start = i
				break
			}
		}
		if start < 0 {
			return nil, fmt.Errorf("class %c covers the whole outline", c)
		}
		var cur orb.LineString
		gap := 0
		for k := 0; k <= n; k++ {
			i := (start + k) % n
			if cls[i] == c {
				cur = append(cur, ring[i])
				gap = 0
				continue
			}
			if len(cur) > 0 && gap < maxGap && k < n {
				// look ahead: does the class resume soon?
				resume := false
				for j := 1; j <= maxGap-gap; j++ {
					if cls[(i+j)%n] == c {
						resume = true
						break
					}
				}
				if resume {
					cur = append(cur, ring[i])
					gap++
					continue
				}
			}
			if len(cur) >= 2 {
				ml = append(ml, cur)
			}
			cur, gap = nil, 0
		}
		props := map[string]any{"kind": "river_line", "name": "黄浦江", "note": "district line down the middle of the Huangpu River"}
		if c == 'C' {
			props = map[string]any{"kind": "creek_line", "name": "苏州河", "note": "district line down Suzhou Creek"}
		}
		g := newFeature(ml, props)
		feats = append(feats, g)
	}
	return feats, nil
}

// offsetLine moves each vertex of ls by d metres to the side that the
// polygon inside lies on (perpendicular to the local direction).
func offsetLine(ls orb.LineString, inside orb.Polygon, d float64) orb.LineString {
	out := make(orb.LineString, len(ls))
	for i := range ls {
		a, b := ls[max(i-1, 0)], ls[min(i+1, len(ls)-1)]
		br := geo.Bearing(a, b)
		left := geo.PointAtBearingAndDistance(ls[i], br-90, 30)
		side := -90.0
		if !planar.PolygonContains(inside, left) {
			side = 90
		}
		out[i] = roundPt(geo.PointAtBearingAndDistance(ls[i], br+side, d))
	}
	return out
}

// strip returns a polygon of the given width centred on the axis.
func strip(axis orb.LineString, width float64) orb.Polygon {
	l := make(orb.LineString, len(axis))
	r := make(orb.LineString, len(axis))
	for i := range axis {
		a, b := axis[max(i-1, 0)], axis[min(i+1, len(axis)-1)]
		br := geo.Bearing(a, b)
		l[i] = roundPt(geo.PointAtBearingAndDistance(axis[i], br-90, width/2))
		r[i] = roundPt(geo.PointAtBearingAndDistance(axis[i], br+90, width/2))
	}
	return between(l, r)
}

// between returns the polygon bounded by two roughly parallel lines.
func between(l, r orb.LineString) orb.Polygon {
	ring := orb.Ring{}
	ring = append(ring, l...)
	for i := len(r) - 1; i >= 0; i-- {
		ring = append(ring, r[i])
	}
	ring = append(ring, ring[0])
	if ring.Orientation() != orb.CCW {
		ring.Reverse()
	}
	return orb.Polygon{ring}
}

func roundPt(p orb.Point) orb.Point {
	return orb.Point{math.Round(p[0]*1e7) / 1e7, math.Round(p[1]*1e7) / 1e7}
}

// Widths of the drawn zones in metres.
const (
	bankFromMidline   = 195.0 // the Huangpu is about 390 m wide at the Bund
	promenadeWidth    = 22.0  // the flood-wall promenade and the walk beside it
	nanjingRoadWidth  = 22.0  // building line to building line, pedestrian street
	squareSetback     = 15.0  // 人民广场 plaza starts this far from 人民大道
	squareDepth       = 110.0 // and reaches this far towards the museum
	squareEndTrimming = 40.0
)

func crowdZones(district []*feature) ([]*feature, error) {
	outline := district[0].Geometry.(orb.Polygon)
	// The Bund: the district line down the river from opposite 黄浦公园
	// (31.2431 N) to opposite 十六铺 (31.2323 N), moved onto the land.
	var mid orb.LineString
	for _, p := range outline[0] {
		if p[0] > 121.487 && p[1] > 31.2322 && p[1] < 31.2432 {
			mid = append(mid, p)
		}
	}
	if len(mid) < 5 {
		return nil, fmt.Errorf("only %d mid-river vertices along the Bund", len(mid))
	}
	if mid[0][1] < mid[len(mid)-1][1] { // run north to south
		for i, j := 0, len(mid)-1; i < j; i, j = i+1, j-1 {
			mid[i], mid[j] = mid[j], mid[i]
		}
	}
	outer := offsetLine(mid, outline, bankFromMidline+2)
	inner := offsetLine(mid, outline, bankFromMidline+2+promenadeWidth)
	bund := between(outer, inner)

	// Nanjing Road pedestrian street, 西藏中路 to 中山东一路. The crossing
	// points are read off the OSM roads (西藏中路, 浙江中路, 福建中路, 河南中路
	// and the parallel 九江路, which lies about 90 m south); the street
	// itself is not in the roads file.
	nanjing := strip(orb.LineString{
		{121.47020, 31.23660}, // 西藏中路
		{121.47380, 31.23760}, // 浙江中路
		{121.47560, 31.23820}, // 福建中路
		{121.48040, 31.23940}, // 河南中路
		{121.48370, 31.24020}, // 四川中路
		{121.48540, 31.24050}, // 中山东一路 (the Bund)
	}, nanjingRoadWidth)

	// Chen Yi Square: between 中山东一路 (east carriageway at about
	// 121.4858) and the promenade, from 九江路 to 南京东路.
	chenyi := orb.Polygon{orb.Ring{
		{121.48605, 31.23970}, {121.48655, 31.23970}, {121.48655, 31.24050},
		{121.48605, 31.24050}, {121.48605, 31.23970},
	}}

	// People's Square: the open plaza on the south-east side of 人民大道
	// between 黄陂北路 and 西藏中路 (the museum behind it is left out).
	rmdd := orb.LineString{{121.46713, 31.23003}, {121.47197, 31.23319}}
	br := geo.Bearing(rmdd[0], rmdd[1])
	a := geo.PointAtBearingAndDistance(rmdd[0], br, squareEndTrimming)
	b := geo.PointAtBearingAndDistance(rmdd[1], br+180, squareEndTrimming)
	side := br + 90 // south-east of a line running north-east
	plaza := between(
		orb.LineString{roundPt(geo.PointAtBearingAndDistance(a, side, squareSetback)), roundPt(geo.PointAtBearingAndDistance(b, side, squareSetback))},
		orb.LineString{roundPt(geo.PointAtBearingAndDistance(a, side, squareSetback+squareDepth)), roundPt(geo.PointAtBearingAndDistance(b, side, squareSetback+squareDepth))},
	)

	zones := []struct {
		id, name, drawn string
		poly            orb.Polygon
	}{
		{"crowd-waitan-binshui", "外滩滨水区", fmt.Sprintf("district mid-river line moved %.0f–%.0f m inland (the promenade along the flood wall, 黄浦公园 to 十六铺)", bankFromMidline+2, bankFromMidline+2+promenadeWidth), bund},
		{"crowd-nanjinglu-buxingjie", "南京路步行街", fmt.Sprintf("axis through the OSM crossings of 西藏中路, 浙江中路, 福建中路, 河南中路, 四川中路; %.0f m wide", nanjingRoadWidth), nanjing},
		{"crowd-chenyi-guangchang", "陈毅广场", "box between the east carriageway of 中山东一路 and the promenade, 九江路 to 南京东路", chenyi},
		{"crowd-renmin-guangchang", "人民广场", fmt.Sprintf("plaza %.0f–%.0f m south-east of the OSM 人民大道 centre line", squareSetback, squareSetback+squareDepth), plaza},
	}
	var feats []*feature
	for _, z := range zones {
		for _, p := range z.poly[0] {
			if !planar.PolygonContains(outline, p) {
				return nil, fmt.Errorf("zone %s: vertex %v outside the district", z.id, p)
			}
		}
		f := newFeature(z.poly, map[string]any{"id": z.id, "name": z.name, "drawn_from": z.drawn,
			"area_m2": math.Round(geo.Area(z.poly))})
		feats = append(feats, f)
	}
	return feats, nil
}

func writeFeatures(path string, feats []*feature, meta map[string]any) error {
	var sb strings.Builder
	sb.WriteString(`{"type":"FeatureCollection",`)
	mb, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	sb.Write(mb[1 : len(mb)-1])
	sb.WriteString(`,"features":[` + "\n")
	for i, f := range feats {
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		sb.Write(b)
		if i < len(feats)-1 {
			sb.WriteString(",")
		}
		sb.WriteString("\n")
	}
	sb.WriteString("]}\n")
	return os.WriteFile(path, []byte(sb.String()), 0o644)
}

// The PM2.5 excerpt: 28 days from Monday 2015-04-20 00:00 (local time),
// the US consulate column, gaps filled with the mean of Jing'an and
// Xuhui, and remaining gaps interpolated.
var pmStart = time.Date(2015, 4, 20, 0, 0, 0, 0, time.UTC)

const pmHours = 28 * 24

func pm25(shared, out string) error {
	f, err := os.Open(filepath.Join(shared, "air/shanghai_pm25_hourly_2013-2015.csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	vals := make([]float64, pmHours)
	for i := range vals {
		vals[i] = math.NaN()
	}
	num := func(r []string, name string) (float64, bool) {
		v, err := strconv.ParseFloat(r[col[name]], 64)
		return v, err == nil
	}
	for _, r := range rows[1:] {
		y, _ := strconv.Atoi(r[col["year"]])
		m, _ := strconv.Atoi(r[col["month"]])
		d, _ := strconv.Atoi(r[col["day"]])
		h, _ := strconv.Atoi(r[col["hour"]])
		t := time.Date(y, time.Month(m), d, h, 0, 0, 0, time.UTC)
		i := int(t.Sub(pmStart) / time.Hour)
		if i < 0 || i >= pmHours {
			continue
		}
		if v, ok := num(r, "PM_US Post"); ok {
			vals[i] = v
			continue
		}
		a, okA := num(r, "PM_Jingan")
		b, okB := num(r, "PM_Xuhui")
		switch {
		case okA && okB:
			vals[i] = (a + b) / 2
		case okA:
			vals[i] = a
		case okB:
			vals[i] = b
		}
	}
	for i := range vals {
		if !math.IsNaN(vals[i]) {
			continue
		}
		j := i
		for j < len(vals) && math.IsNaN(vals[j]) {
			j++
		}
		if i == 0 || j == len(vals) {
			return fmt.Errorf("pm25: gap at the edge of the excerpt (hour %d)", i)
		}
		for k := i; k < j; k++ {
			vals[k] = vals[i-1] + (vals[j]-vals[i-1])*float64(k-i+1)/float64(j-i+1)
		}
	}
	var sb strings.Builder
	sb.WriteString("time,pm25_ugm3\n")
	for i, v := range vals {
		fmt.Fprintf(&sb, "%s,%.1f\n", pmStart.Add(time.Duration(i)*time.Hour).Format("2006-01-02T15"), v)
	}
	return os.WriteFile(out, []byte(sb.String()), 0o644)
}

// metroProfile averages the April 2015 hourly exits at 南京东路 over
// working days and over weekends plus the Qingming holiday (4–6 April).
func metroProfile(shared, out string) error {
	f, err := os.Open(filepath.Join(shared, "metro/sptcc_2015-04_nanjing_east_road_hourly_exits.csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return err
	}
	var sum [2][24]float64
	var n [2][24]int
	for _, r := range rows[1:] {
		h, err := strconv.Atoi(r[2])
		if err != nil || h < 0 || h > 23 {
			return fmt.Errorf("metro: bad hour %q", r[2])
		}
		v, err := strconv.ParseFloat(r[3], 64)
		if err != nil {
			return fmt.Errorf("metro: bad count %q", r[3])
		}
		k := 0
		if r[1] == "Sat" || r[1] == "Sun" || r[0] == "2015-04-06" {
			k = 1
		}
		sum[k][h] += v
		n[k][h]++
	}
	var sb strings.Builder
	sb.WriteString("hour,workday_exits,holiday_exits\n")
	for h := 0; h < 24; h++ {
		fmt.Fprintf(&sb, "%d,%.0f,%.0f\n", h, sum[0][h]/float64(n[0][h]), sum[1][h]/float64(n[1][h]))
	}
	return os.WriteFile(out, []byte(sb.String()), 0o644)
}
