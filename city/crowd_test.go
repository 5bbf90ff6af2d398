package city

import (
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// bundOrigin is a point on the Bund promenade (WGS-84).
var bundOrigin = orb.Point{121.4903, 31.2400}

// squareZone returns a closed square ring with its south-west corner at
// origin and sides of side metres.
func squareRing(origin orb.Point, side float64) orb.Ring {
	e := geo.PointAtBearingAndDistance(origin, 90, side)
	ne := geo.PointAtBearingAndDistance(e, 0, side)
	n := geo.PointAtBearingAndDistance(origin, 0, side)
	return orb.Ring{origin, e, ne, n, origin}
}

func TestWalkableArea(t *testing.T) {
	sq := orb.Polygon{squareRing(bundOrigin, 100)}
	a, err := WalkableArea(sq)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a-10000)/10000 > 0.005 {
		t.Errorf("100 m square: %.1f m², want 10000 within 0.5 %%", a)
	}
	// A 20 m × 20 m obstacle (a kiosk) is not walkable.
	hole := squareRing(geo.PointAtBearingAndDistance(geo.PointAtBearingAndDistance(bundOrigin, 90, 40), 0, 40), 20)
	withHole, err := WalkableArea(orb.Polygon{squareRing(bundOrigin, 100), hole})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(withHole-9600)/9600 > 0.005 {
		t.Errorf("with hole: %.1f m², want 9600", withHole)
	}
	bad := []orb.Polygon{
		nil,
		{{bundOrigin, {121.491, 31.24}}},
		{{bundOrigin, {121.491, 31.24}, {121.492, 31.24}, bundOrigin}}, // collinear: no area
		{{bundOrigin, {181, 31.24}, {121.49, 31.25}, bundOrigin}},
		{{bundOrigin, {math.NaN(), 31.24}, {121.49, 31.25}, bundOrigin}},
	}
	for i, p := range bad {
		if _, err := WalkableArea(p); err == nil {
			t.Errorf("bad polygon %d accepted", i)
		}
	}
}

func TestDensityBandEdges(t *testing.T) {
	tests := []struct {
		d    float64
		want DensityBand
	}{
		{0, BandFreeFlow}, {0.99, BandFreeFlow}, {1, BandStable}, {2.49, BandStable},
		{2.5, BandAtCapacity}, {3.49, BandAtCapacity}, {3.5, BandUnstable}, {4.99, BandUnstable},
		{5, BandCongested}, {9, BandCongested},
		{0.1 + 0.2 + 0.7, BandStable}, // 0.9999999999999999 in binary is 1 on paper
	}
	for _, tt := range tests {
		if got := DensityBandOf(tt.d); got != tt.want {
			t.Errorf("DensityBandOf(%v) = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func TestFruinLoS(t *testing.T) {
	type c struct {
		d    float64
		want LevelOfService
	}
	tests := []struct {
		k     FacilityKind
		cases []c
	}{
		{Walkway, []c{{0, 'A'}, {0.307, 'A'}, {0.308, 'B'}, {0.431, 'C'}, {0.718, 'D'}, {1.076, 'E'}, {2.152, 'E'}, {2.153, 'F'}}},
		{QueueArea, []c{{0.827, 'A'}, {0.828, 'B'}, {1.076, 'C'}, {1.538, 'D'}, {3.588, 'E'}, {5.381, 'E'}, {5.382, 'F'}}},
		{Stairs, []c{{0.537, 'A'}, {0.538, 'B'}, {0.718, 'C'}, {1.076, 'D'}, {1.538, 'E'}, {2.690, 'E'}, {2.691, 'F'}}},
	}
	for _, tt := range tests {
		for _, cs := range tt.cases {
			got, ok := FruinLoS(tt.k, cs.d)
			if !ok || got != cs.want {
				t.Errorf("FruinLoS(%d, %v) = %v, want %v", tt.k, cs.d, got, cs.want)
			}
		}
	}
	if _, ok := FruinLoS(FacilityKind(9), 1); ok {
		t.Error("unknown facility accepted")
	}
}

func TestCrowdRiskDefaults(t *testing.T) {
	cs := DefaultSiteConfig().Crowd
	tests := []struct {
		d    float64
		want CrowdRisk
		name string
	}{
		{0.99, RiskLow, "低"}, {1.0, RiskMedium, "中"}, {2.49, RiskMedium, "中"},
		{2.5, RiskHigh, "高"}, {3.49, RiskHigh, "高"}, {3.5, RiskCritical, "极高"}, {6, RiskCritical, "极高"},
	}
	for _, tt := range tests {
		if got := cs.RiskOf(tt.d); got != tt.want || got.Name() != tt.name {
			t.Errorf("RiskOf(%v) = %v %s, want %v %s", tt.d, got, got.Name(), tt.want, tt.name)
		}
	}
}

func TestTimeToCapacity(t *testing.T) {
	tests := []struct {
		count, capacity, inflow float64
		want                    time.Duration
		ok                      bool
	}{
		{1000, 2500, 100, 15 * time.Minute, true},
		{1000, 2500, 7, 3*time.Hour + 34*time.Minute + 17*time.Second, true}, // 1500/7 min
		{72000, 72000, 0, 0, true},                                           // at capacity now
		{80000, 72000, 500, 0, true},                                         // over capacity
		{1000, 2500, 0, 0, false},                                            // nobody entering: never
		{1000, 2500, -20, 0, false},                                          // net outflow: never
		{1000, 0, 10, 0, false},                                              // no capacity
		{math.NaN(), 2500, 10, 0, false},
	}
	for _, tt := range tests {
		got, ok := TimeToCapacity(tt.count, tt.capacity, tt.inflow)
		if got != tt.want || ok != tt.ok {
			t.Errorf("TimeToCapacity(%v, %v, %v) = %v %v, want %v %v", tt.count, tt.capacity, tt.inflow, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAssessCrowd(t *testing.T) {
	cfg := DefaultSiteConfig()
	st := Station{ID: "C1", Feed: FeedCrowd, Kind: KindCrowdZone, Area: orb.Polygon{squareRing(bundOrigin, 100)}}
	r := Reading{Feed: FeedCrowd, Station: "C1", Time: at(20, 0), Values: []Measurement{
		{Param: ParamCount, Value: 20000}, {Param: ParamInflow, Value: 400}}}
	a, err := AssessCrowd(st, r, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// ~10 000 m² → ~2.0 persons/m²; capacity = area × 2.5 ≈ 25 000; (25 000 − 20 000)/400 ≈ 12.5 min.
	if a.Band != BandStable || a.Risk != RiskMedium || a.LoS != 'E' || !a.ToCapacity ||
		math.Abs(a.TimeToCapacity.Minutes()-12.5) > 0.2 || math.Abs(a.Capacity-2.5*a.Area) > 1e-6 {
		t.Errorf("assessment: %+v", a)
	}
	// A capacity attribute wins over area × density; a station override wins over both.
	st.Attrs = map[string]string{AttrCapacity: "22000"}
	a, _ = AssessCrowd(st, r, cfg)
	if a.Capacity != 22000 || math.Abs(a.TimeToCapacity.Minutes()-5) > 1e-9 {
		t.Errorf("attr capacity: %v, %v", a.Capacity, a.TimeToCapacity)
	}
	cfg.Stations = map[string]StationSettings{"C1": {Capacity: 30000}}
	if a, _ = AssessCrowd(st, r, cfg); a.Capacity != 30000 {
		t.Errorf("override capacity: %v", a.Capacity)
	}
	st.Area = nil
	if _, err := AssessCrowd(st, r, cfg); err == nil {
		t.Error("zone without polygon accepted")
	}
}
