package sim

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"onescreen/city"
)

// kind is what a simulated device is; it decides its parameters.
type kind uint8

const (
	kindAir kind = iota
	kindWater
	kindNoise
	kindSmoke
	kindHydrant
	kindElectrical
	kindCrowd
	numKinds
)

// baseCounts is the number of stations of each kind at Scale 1.
var baseCounts = [numKinds]int{
	kindAir: 5, kindWater: 3, kindNoise: 8,
	kindSmoke: 36, kindHydrant: 12, kindElectrical: 12,
	kindCrowd: 4,
}

// layoutSeed places the generated fire devices and the synthetic stations
// of higher scales. It is fixed, not Config.Seed, so that a station keeps
// its place from run to run whatever the seed of the values.
const layoutSeed = 0x4855414e47505531 // "HUANGPU1"

// airSite is a fixed air-quality station.
type airSite struct {
	id, name, code string
	at             orb.Point
	level          float64 // local PM level relative to the district background
	roadside       float64 // extra NO2 from an adjacent trunk road, µg/m³
}

// The air stations. 十五厂 (1142A) is a real national station; the other
// four are synthetic, placed where a district would plausibly put one.
var airSites = []airSite{
	{"air-shiwuchang", "十五厂", "1142A", orb.Point{121.478, 31.2036}, 1.00, 0},    // real national station
	{"air-renminguangchang", "人民广场", "", orb.Point{121.4700, 31.2338}, 1.03, 6}, // synthetic: 人民公园, by 南京西路
	{"air-waitan", "外滩", "", orb.Point{121.4849, 31.2372}, 0.95, 10},            // synthetic: roof at 福州路 and 中山东一路
	{"air-laoximen", "老西门", "", orb.Point{121.4815, 31.2205}, 1.05, 4},          // synthetic: 老西门, by 豫园 and 复兴东路
	{"air-dapuqiao", "打浦桥", "", orb.Point{121.4660, 31.2085}, 0.98, 2},          // synthetic: 打浦桥, 徐家汇路
}

// waterSite is a surface-water monitoring section.
type waterSite struct {
	id, name, target string
	at               orb.Point
	creek            bool
}

// The water sections (synthetic positions at real places): two on the
// Huangpu River, one on Suzhou Creek by the Garden Bridge.
var waterSites = []waterSite{
	{"water-suzhouhe-waibaiduqiao", "苏州河外白渡桥", "IV", orb.Point{121.4836, 31.24605}, true},
	{"water-huangpujiang-shiliupu", "黄浦江十六铺", "III", orb.Point{121.4969, 31.2302}, false},
	{"water-huangpujiang-nanpudaqiao", "黄浦江南浦大桥", "III", orb.Point{121.4996, 31.2072}, false},
}

// noiseSite is an environmental noise station with its GB 3096 zone class.
type noiseSite struct {
	id, name, zone string
	at             orb.Point
}

// The noise stations (synthetic positions) and their zone classes.
var noiseSites = []noiseSite{
	{"noise-ruijinyiyuan", "瑞金医院", "1", orb.Point{121.4640, 31.2125}},
	{"noise-sinanlu", "思南路居民区", "1", orb.Point{121.4665, 31.2175}},
	{"noise-wuliqiao", "五里桥居民区", "1", orb.Point{121.4790, 31.1990}},
	{"noise-renminguangchang", "人民广场", "2", orb.Point{121.4712, 31.2320}},
	{"noise-nanjingdonglu", "南京东路", "2", orb.Point{121.4780, 31.2384}},
	{"noise-zhongshandongyilu", "中山东一路", "4a", orb.Point{121.4855, 31.2384}}, // 30 m from the OSM 中山东一路
	{"noise-yanandonglu", "延安东路高架", "4a", orb.Point{121.4787, 31.2326}},      // 25 m from the OSM 延安高架路
	{"noise-xizangnanlu", "西藏南路", "4a", orb.Point{121.4775, 31.2232}},        // 25 m from the OSM 西藏南路
}

// crowdSite holds the behaviour of a drawn crowd zone.
type crowdSite struct {
	peak         float64 // usual daily peak density, persons/m²
	visitorShare float64 // share of visitors (vs commuters) on working days
	eveningShow  float64 // extra evening crowd for the lights, relative
	dwellMin     float64 // mean stay in minutes
}

var crowdSites = map[string]crowdSite{
	"crowd-waitan-binshui":      {peak: 0.9, visitorShare: 0.8, eveningShow: 0.5, dwellMin: 25},
	"crowd-nanjinglu-buxingjie": {peak: 0.8, visitorShare: 0.7, eveningShow: 0.2, dwellMin: 30},
	"crowd-chenyi-guangchang":   {peak: 0.7, visitorShare: 0.8, eveningShow: 0.4, dwellMin: 8},
	"crowd-renmin-guangchang":   {peak: 0.35, visitorShare: 0.3, eveningShow: 0, dwellMin: 15},
}

// Crowd-zone indexes the incidents use.
const (
	zoneBund   = "crowd-waitan-binshui"
	zoneChenYi = "crowd-chenyi-guangchang"
)

// device is a station with what the simulator needs to make its values.
type device struct {
	kind  kind
	index int    // index among the stations of its kind
	base  bool   // one of the Scale 1 stations
	salt  uint64 // hashes this device's noise
	id    string

	level    float64 // kind-specific baseline (see the feeds' files)
	level2   float64
	zone     string // noise zone class
	creek    bool   // water section on Suzhou Creek
	areaM2   float64
	crowd    crowdSite
	bundZone bool
	chenYi   bool
	phase    int64 // heartbeat phase, nanoseconds
}

// layout builds the stations and devices for a scale.
func layout(d *District, scale int, seed int64) ([]city.Station, []device, error) {
	var stations []city.Station
	var devs []device
	counts := [numKinds]int{}
	add := func(st city.Station, dv device) {
		dv.index = counts[dv.kind]
		counts[dv.kind]++
		dv.id = st.ID
		dv.salt = mix(uint64(seed) ^ mix(hashString(st.ID)))
		if st.Attrs == nil {
			st.Attrs = map[string]string{}
		}
		if s := d.Street(st.Location); s != "" {
			st.Attrs[city.AttrStreet] = s
		}
		stations = append(stations, st)
		devs = append(devs, dv)
	}
	rng := newLayoutRand(layoutSeed)

	for _, a := range airSites {
		st := city.Station{ID: a.id, Feed: city.FeedAir, Name: a.name, Kind: city.KindAirStation, Location: a.at}
		if a.code != "" {
			st.Attrs = map[string]string{city.AttrCode: a.code}
		}
		add(st, device{kind: kindAir, base: true, level: a.level, level2: a.roadside})
	}
	for _, w := range waterSites {
		st := city.Station{ID: w.id, Feed: city.FeedWater, Name: w.name, Kind: city.KindWaterSection, Location: w.at,
			Attrs: map[string]string{city.AttrTargetClass: w.target, city.AttrWaterBody: "river"}}
		add(st, device{kind: kindWater, base: true, creek: w.creek})
	}
	for _, n := range noiseSites {
		st := city.Station{ID: n.id, Feed: city.FeedNoise, Name: n.name, Kind: city.KindNoiseStation, Location: n.at,
			Attrs: map[string]string{city.AttrZoneClass: n.zone}}
		add(st, device{kind: kindNoise, base: true, zone: n.zone, level: rng.between(-1, 1)})
	}
	for i := 0; i < baseCounts[kindSmoke]; i++ {
		st, dv := fireDevice(d, rng, kindSmoke, fmt.Sprintf("fire-smoke-%03d", i+1), fmt.Sprintf("独立式烟感 %03d", i+1))
		dv.base = true
		add(st, dv)
	}
	for i := 0; i < baseCounts[kindHydrant]; i++ {
		st, dv := fireDevice(d, rng, kindHydrant, fmt.Sprintf("fire-hydrant-%03d", i+1), fmt.Sprintf("市政消火栓 %03d", i+1))
		dv.base = true
		add(st, dv)
	}
	for i := 0; i < baseCounts[kindElectrical]; i++ {
		st, dv := fireDevice(d, rng, kindElectrical, fmt.Sprintf("fire-elec-%03d", i+1), fmt.Sprintf("电气火灾监控 %03d", i+1))
		dv.base = true
		add(st, dv)
	}
	for _, z := range d.CrowdZones {
		cs, ok := crowdSites[z.ID]
		if !ok {
			return nil, nil, fmt.Errorf("crowd zone %s has no behaviour", z.ID)
		}
		c := pointOnSurface(z.Area)
		c = orb.Point{round(c[0], 7), round(c[1], 7)}
		st := city.Station{ID: z.ID, Feed: city.FeedCrowd, Name: z.Name, Kind: city.KindCrowdZone, Location: c, Area: z.Area,
			Attrs: map[string]string{city.AttrCapacity: strconv.Itoa(int(z.AreaM2 * capacityDensity))}}
		add(st, device{kind: kindCrowd, base: true, areaM2: z.AreaM2, crowd: cs, bundZone: z.ID == zoneBund, chenYi: z.ID == zoneChenYi})
	}

	// Synthetic stations for higher scales, spread over the district.
	for k := 2; k <= scale; k++ {
		n := k - 1
		for i := 0; i < baseCounts[kindAir]; i++ {
			at := rng.land(d)
			id := fmt.Sprintf("air-x%04d-%d", n, i+1)
			add(city.Station{ID: id, Feed: city.FeedAir, Name: fmt.Sprintf("模拟空气站 %d-%d", n, i+1), Kind: city.KindAirStation, Location: at},
				device{kind: kindAir, level: rng.between(0.9, 1.1), level2: rng.between(0, 8)})
		}
		for i := 0; i < baseCounts[kindWater]; i++ {
			at, creek := rng.water(d)
			target := "III"
			if creek {
				target = "IV"
			}
			id := fmt.Sprintf("water-x%04d-%d", n, i+1)
			add(city.Station{ID: id, Feed: city.FeedWater, Name: fmt.Sprintf("模拟水质断面 %d-%d", n, i+1), Kind: city.KindWaterSection, Location: at,
				Attrs: map[string]string{city.AttrTargetClass: target, city.AttrWaterBody: "river"}},
				device{kind: kindWater, creek: creek})
		}
		for i := 0; i < baseCounts[kindNoise]; i++ {
			at := rng.land(d)
			zone := [...]string{"1", "2", "4a"}[rng.intn(3)]
			id := fmt.Sprintf("noise-x%04d-%d", n, i+1)
			add(city.Station{ID: id, Feed: city.FeedNoise, Name: fmt.Sprintf("模拟噪声站 %d-%d", n, i+1), Kind: city.KindNoiseStation, Location: at,
				Attrs: map[string]string{city.AttrZoneClass: zone}},
				device{kind: kindNoise, zone: zone, level: rng.between(-1, 1)})
		}
		for _, fk := range []struct {
			k        kind
			id, name string
		}{{kindSmoke, "fire-smoke", "独立式烟感"}, {kindHydrant, "fire-hydrant", "市政消火栓"}, {kindElectrical, "fire-elec", "电气火灾监控"}} {
			for i := 0; i < baseCounts[fk.k]; i++ {
				add(fireDevice(d, rng, fk.k, fmt.Sprintf("%s-x%04d-%02d", fk.id, n, i+1), fmt.Sprintf("%s %d-%02d", fk.name, n, i+1)))
			}
		}
		for i := 0; i < baseCounts[kindCrowd]; i++ {
			at := rng.land(d)
			side := rng.between(30, 70) // metres: a small plaza or a metro forecourt
			poly := square(at, side)
			area := geo.Area(poly)
			id := fmt.Sprintf("crowd-x%04d-%d", n, i+1)
			add(city.Station{ID: id, Feed: city.FeedCrowd, Name: fmt.Sprintf("模拟人流区 %d-%d", n, i+1), Kind: city.KindCrowdZone, Location: at, Area: poly,
				Attrs: map[string]string{city.AttrCapacity: strconv.Itoa(int(area * capacityDensity))}},
				device{kind: kindCrowd, areaM2: area, crowd: crowdSite{peak: rng.between(0.2, 0.7), visitorShare: rng.between(0.2, 0.8), dwellMin: rng.between(10, 25)}})
		}
	}
	return stations, devs, nil
}

// capacityDensity is the density (persons/m²) a zone's capacity is quoted
// at: the lower edge of Still's "at capacity" band.
const capacityDensity = 2.5

// fireDevice places one fire device on land and gives it its baseline.
func fireDevice(d *District, rng *layoutRand, k kind, id, name string) (city.Station, device) {
	at := rng.land(d)
	dv := device{kind: k}
	st := city.Station{ID: id, Feed: city.FeedFire, Name: name, Location: at}
	switch k {
	case kindSmoke:
		st.Kind = city.KindSmokeDetector
		dv.level = rng.between(55, 100) // battery %
	case kindHydrant:
		st.Kind = city.KindHydrant
		dv.level = rng.between(0.26, 0.42) // MPa
	case kindElectrical:
		st.Kind = city.KindElectricalFire
		dv.level = rng.between(40, 160) // residual current, mA
		dv.level2 = rng.between(26, 32) // cable temperature at no load, °C
	}
	return st, dv
}

// AttrHeartbeat is the station attribute that gives a fire device's
// heartbeat period in seconds; a device silent for several periods is
// offline.
const AttrHeartbeat = "heartbeat_s"

// square returns a square of the given side (metres) centred on c.
func square(c orb.Point, side float64) orb.Polygon {
	h := side / 2
	n := geo.PointAtBearingAndDistance(c, 0, h)[1]
	s := geo.PointAtBearingAndDistance(c, 180, h)[1]
	e := geo.PointAtBearingAndDistance(c, 90, h)[0]
	w := geo.PointAtBearingAndDistance(c, 270, h)[0]
	return orb.Polygon{orb.Ring{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}}
}

// pointOnSurface returns the polygon's centroid when that lies inside it,
// or else the middle of the polygon's widest run along the centroid's
// latitude (a long curved strip such as the Bund has its centroid off it).
func pointOnSurface(p orb.Polygon) orb.Point {
	c, _ := planar.CentroidArea(p)
	if planar.PolygonContains(p, c) {
		return c
	}
	var xs []float64
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			if (a[1] > c[1]) != (b[1] > c[1]) {
				xs = append(xs, a[0]+(c[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]))
			}
		}
	}
	sort.Float64s(xs)
	best, at := -1.0, c
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > best {
			best, at = w, orb.Point{(xs[i] + xs[i+1]) / 2, c[1]}
		}
	}
	return at
}

// hashString is FNV-1a.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// layoutRand draws the layout's points; it is a counter hashed with mix.
type layoutRand struct{ state uint64 }

func newLayoutRand(seed uint64) *layoutRand { return &layoutRand{state: seed} }

func (r *layoutRand) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return mix(r.state)
}

func (r *layoutRand) between(lo, hi float64) float64 { return lo + (hi-lo)*unit(r.next()) }

func (r *layoutRand) intn(n int) int { return int(r.next() % uint64(n)) }

// land draws a point on land inside the district.
func (r *layoutRand) land(d *District) orb.Point {
	b := d.outlineBound
	for {
		p := orb.Point{r.between(b.Min[0], b.Max[0]), r.between(b.Min[1], b.Max[1])}
		if d.OnLand(p) {
			return orb.Point{round(p[0], 6), round(p[1], 6)}
		}
	}
}

// water draws a point in the district's half of the river or the creek.
func (r *layoutRand) water(d *District) (orb.Point, bool) {
	b := d.outlineBound
	for {
		p := orb.Point{r.between(b.Min[0], b.Max[0]), r.between(b.Min[1], b.Max[1])}
		p = orb.Point{round(p[0], 6), round(p[1], 6)}
		if !d.Contains(p) {
			continue
		}
		if distanceM(d.riverM, p) <= waterFromRiverLine {
			return p, false
		}
		if distanceM(d.creekM, p) <= waterFromCreekLine {
			return p, true
		}
	}
}
