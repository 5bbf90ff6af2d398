package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"onescreen/city"
)

// recorder is an in-memory Publisher that keeps what it is given.
type recorder struct {
	mu       sync.Mutex
	stations []city.Station
	readings []city.Reading
	seq      uint64
	failAt   int // Publish fails on this call (1-based); 0 never
}

func (r *recorder) PutStation(st city.Station) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stations = append(r.stations, st)
	return nil
}

func (r *recorder) Publish(rd city.Reading) (uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	if r.failAt > 0 && int(r.seq) == r.failAt {
		return 0, errors.New("feed server closed")
	}
	rd.Seq = r.seq
	r.readings = append(r.readings, rd)
	return r.seq, nil
}

func (r *recorder) counts() (int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.stations), len(r.readings)
}

// at returns a fixed clock.
func at(t time.Time) func() time.Time { return func() time.Time { return t } }

var (
	// a working day afternoon and a night, local time
	dayStart   = time.Date(2026, 4, 21, 14, 0, 0, 0, city.Shanghai)
	nightStart = time.Date(2026, 4, 21, 23, 30, 0, 0, city.Shanghai)
)

func newSim(t testing.TB, cfg Config) *Simulator {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = at(dayStart)
	}
	s := New(cfg)
	if err := s.Err(); err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// run ticks s every interval for d from its start and returns all readings.
func run(s *Simulator, d time.Duration) []city.Reading {
	var out []city.Reading
	iv := s.Config().Interval
	for t := s.Start(); !t.After(s.Start().Add(d)); t = t.Add(iv) {
		out = append(out, s.Tick(t)...)
	}
	return out
}

func TestStationCountsPerFeed(t *testing.T) {
	tests := []struct {
		scale int
		want  map[city.Feed]int
	}{
		{0, map[city.Feed]int{city.FeedAir: 5, city.FeedWater: 3, city.FeedNoise: 8, city.FeedFire: 60, city.FeedCrowd: 4}},
		{1, map[city.Feed]int{city.FeedAir: 5, city.FeedWater: 3, city.FeedNoise: 8, city.FeedFire: 60, city.FeedCrowd: 4}},
		{3, map[city.Feed]int{city.FeedAir: 15, city.FeedWater: 9, city.FeedNoise: 24, city.FeedFire: 180, city.FeedCrowd: 12}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("scale", tt.scale), func(t *testing.T) {
			s := newSim(t, Config{Scale: tt.scale})
			got := map[city.Feed]int{}
			ids := map[string]bool{}
			for _, st := range s.Stations() {
				got[st.Feed]++
				if ids[st.ID] {
					t.Errorf("duplicate station ID %s", st.ID)
				}
				ids[st.ID] = true
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("stations per feed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBaseStations(t *testing.T) {
	s := newSim(t, Config{})
	byID := map[string]city.Station{}
	kinds := map[string]int{}
	zones := map[string]int{}
	for _, st := range s.Stations() {
		byID[st.ID] = st
		kinds[st.Kind]++
		if st.Feed == city.FeedNoise {
			zones[st.Attrs[city.AttrZoneClass]]++
		}
	}
	sw, ok := byID["air-shiwuchang"]
	if !ok || sw.Attrs[city.AttrCode] != "1142A" || sw.Location != (orb.Point{121.478, 31.2036}) {
		t.Errorf("十五厂 = %+v, want code 1142A at 121.478, 31.2036", sw)
	}
	wantKinds := map[string]int{city.KindAirStation: 5, city.KindWaterSection: 3, city.KindNoiseStation: 8,
		city.KindSmokeDetector: 36, city.KindHydrant: 12, city.KindElectricalFire: 12, city.KindCrowdZone: 4}
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Errorf("kinds = %v, want %v", kinds, wantKinds)
	}
	if zones["1"] == 0 || zones["2"] == 0 || zones["4a"] == 0 || zones["1"]+zones["2"]+zones["4a"] != 8 {
		t.Errorf("noise zone classes = %v, want a mix of 1, 2 and 4a", zones)
	}
	water := 0
	for _, st := range s.Stations() {
		if st.Feed == city.FeedWater {
			water++
			if st.Attrs[city.AttrWaterBody] != "river" || (st.Attrs[city.AttrTargetClass] != "III" && st.Attrs[city.AttrTargetClass] != "IV") {
				t.Errorf("%s attrs = %v, want river with target III or IV", st.ID, st.Attrs)
			}
		}
		if st.Kind == city.KindSmokeDetector && st.Attrs[AttrHeartbeat] != "60" {
			t.Errorf("%s heartbeat = %q, want 60", st.ID, st.Attrs[AttrHeartbeat])
		}
		if st.Attrs[city.AttrStreet] == "" || !strings.HasSuffix(st.Attrs[city.AttrStreet], "街道") {
			t.Errorf("%s street = %q, want a 街道", st.ID, st.Attrs[city.AttrStreet])
		}
	}
	for _, name := range []string{"外滩滨水区", "南京路步行街", "陈毅广场", "人民广场"} {
		found := false
		for _, st := range s.Stations() {
			if st.Feed == city.FeedCrowd && st.Name == name {
				found = true
			}
		}
		if !found {
			t.Errorf("crowd zone %s missing", name)
		}
	}
}

func TestStationsInsideDistrict(t *testing.T) {
	d, err := Huangpu()
	if err != nil {
		t.Fatal(err)
	}
	s := newSim(t, Config{Scale: 4})
	for _, st := range s.Stations() {
		if !city.ShanghaiBounds.Contains(st.Location) || !d.Contains(st.Location) {
			t.Errorf("%s at %v: outside Huangpu", st.ID, st.Location)
		}
		switch st.Feed {
		case city.FeedWater:
			if !d.InWater(st.Location) {
				t.Errorf("%s at %v: not in the river or creek", st.ID, st.Location)
			}
		case city.FeedCrowd:
			if len(st.Area) == 0 || !planar.PolygonContains(st.Area, st.Location) {
				t.Errorf("%s: location %v not on its own area", st.ID, st.Location)
			}
			for _, p := range st.Area[0] {
				if !d.OnLand(p) && !d.Contains(p) {
					t.Errorf("%s: vertex %v outside the district", st.ID, p)
				}
			}
		default:
			if !d.OnLand(st.Location) {
				t.Errorf("%s at %v: not on land", st.ID, st.Location)
			}
		}
	}
}

// TestLandStationsAgainstSharedWater checks the land rule against the
// water polygons of the shared reference data (when it is beside the
// repository): no land station may stand in the river or the creek.
func TestLandStationsAgainstSharedWater(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "geo", "huangpu_river_suzhou_creek_wgs84.geojson"))
	if err != nil {
		t.Skipf("shared reference data not beside the repository: %v", err)
	}
	var fc struct {
		Features []rawFeature `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatal(err)
	}
	var water orb.MultiPolygon
	for _, f := range fc.Features {
		switch f.Geometry.Type {
		case "Polygon":
			p, err := f.polygon()
			if err != nil {
				t.Fatal(err)
			}
			water = append(water, p)
		case "MultiPolygon":
			var mp orb.MultiPolygon
			if err := json.Unmarshal(f.Geometry.Coordinates, &mp); err != nil {
				t.Fatal(err)
			}
			water = append(water, mp...)
		}
	}
	s := newSim(t, Config{Scale: 4})
	for _, st := range s.Stations() {
		if st.Feed == city.FeedWater || st.Feed == city.FeedCrowd {
			continue
		}
		if planar.MultiPolygonContains(water, st.Location) {
			t.Errorf("%s at %v stands in the water", st.ID, st.Location)
		}
	}
}

// wantParams lists the parameters each kind reports (fire events aside).
var wantParams = map[string][]string{
	city.KindAirStation:     {city.ParamPM25, city.ParamPM10, city.ParamSO2, city.ParamNO2, city.ParamCO, city.ParamO3},
	city.KindWaterSection:   {city.ParamDO, city.ParamCODMn, city.ParamNH3N, city.ParamTP, city.ParamPH, city.ParamTemp},
	city.KindNoiseStation:   {city.ParamLAeq, city.ParamLmax},
	city.KindSmokeDetector:  {city.ParamBattery},
	city.KindHydrant:        {city.ParamPressure},
	city.KindElectricalFire: {city.ParamResidualCurrent, city.ParamCableTemp},
	city.KindCrowdZone:      {city.ParamCount, city.ParamInflow},
}

func TestReadingsFiniteWithUnits(t *testing.T) {
	s := newSim(t, Config{Scale: 2, Seed: 7})
	byID := map[string]city.Station{}
	for _, st := range s.Stations() {
		byID[st.ID] = st
	}
	rs := run(s, 25*time.Minute)
	seen := map[string]bool{}
	last := map[string]time.Time{}
	for _, r := range rs {
		st, ok := byID[r.Station]
		if !ok {
			t.Fatalf("reading of unknown station %s", r.Station)
		}
		seen[r.Station] = true
		if r.Time.Before(last[r.Station]) {
			t.Errorf("%s: reading at %v after one at %v; a station's readings must come in time order", r.Station, r.Time, last[r.Station])
		}
		last[r.Station] = r.Time
		if r.Feed != st.Feed {
			t.Errorf("%s: feed %s, want %s", r.Station, r.Feed, st.Feed)
		}
		if _, off := r.Time.Zone(); off != 8*3600 {
			t.Errorf("%s: time %v not in Beijing time", r.Station, r.Time)
		}
		var got []string
		for _, m := range r.Values {
			got = append(got, m.Param)
			if !city.Finite(m.Value) || m.Value < 0 {
				t.Errorf("%s %s = %v: not a finite non-negative value", r.Station, m.Param, m.Value)
			}
			if m.Unit != city.ParamUnits[m.Param] || m.Unit == "" {
				t.Errorf("%s %s unit %q, want %q", r.Station, m.Param, m.Unit, city.ParamUnits[m.Param])
			}
		}
		if !reflect.DeepEqual(got, wantParams[st.Kind]) {
			t.Errorf("%s params %v, want %v", r.Station, got, wantParams[st.Kind])
		}
		if r.Event != "" && st.Feed != city.FeedFire {
			t.Errorf("%s: event %q on a %s station", r.Station, r.Event, st.Feed)
		}
		if ph, ok := r.Value(city.ParamPH); ok && (ph < 6.5 || ph > 8.5) {
			t.Errorf("%s pH %v out of the plausible 6.5–8.5", r.Station, ph)
		}
	}
	for id := range byID {
		if !seen[id] {
			t.Errorf("station %s never reported in 25 minutes", id)
		}
	}
}

func TestPollutantRelations(t *testing.T) {
	s := newSim(t, Config{Seed: 3})
	var pm25, pm10 float64
	n := 0
	for _, r := range run(s, 3*time.Hour) {
		if r.Feed != city.FeedAir {
			continue
		}
		a, _ := r.Value(city.ParamPM25)
		b, _ := r.Value(city.ParamPM10)
		if b < a {
			t.Fatalf("%s at %v: PM10 %v below PM2.5 %v", r.Station, r.Time, b, a)
		}
		pm25 += a
		pm10 += b
		n++
	}
	if ratio := pm25 / pm10; ratio < 0.5 || ratio > 0.8 {
		t.Errorf("mean PM2.5/PM10 = %.2f, want 0.5–0.8 as in Shanghai", ratio)
	}
}

func TestNoiseDayNightCycle(t *testing.T) {
	s := newSim(t, Config{Interval: time.Minute, Now: at(time.Date(2026, 4, 21, 0, 0, 0, 0, city.Shanghai))})
	night, day := map[string][]float64{}, map[string][]float64{}
	for _, r := range run(s, 24*time.Hour) {
		if r.Feed != city.FeedNoise || noiseIncidentAt(s, r) {
			continue
		}
		v, _ := r.Value(city.ParamLAeq)
		switch h := r.Time.Hour(); {
		case h >= 1 && h < 5:
			night[r.Station] = append(night[r.Station], v)
		case h >= 9 && h < 17:
			day[r.Station] = append(day[r.Station], v)
		}
	}
	mean := func(v []float64) float64 {
		sum := 0.0
		for _, x := range v {
			sum += x
		}
		return sum / float64(len(v))
	}
	for id := range day {
		if d, n := mean(day[id]), mean(night[id]); d-n < 6 {
			t.Errorf("%s: day %.1f dB, night %.1f dB; want the day at least 6 dB louder", id, d, n)
		}
	}
}

// noiseIncidentAt reports whether r's station is the scene's noise target
// while the incident lasts.
func noiseIncidentAt(s *Simulator, r city.Reading) bool {
	sc := s.sceneAt(r.Time)
	if sc == nil {
		return false
	}
	return noiseSites[sc.noise].id == r.Station && sc.strength(r.Time, noiseEventAt, noiseRise, noiseHold, noiseFall) > 0
}

// firstAlerts feeds the simulator's readings into the city alert engine
// (the real one, default site settings) and returns when each feed first
// raised an alert, measured from the start, and every alert raised.
func firstAlerts(t *testing.T, s *Simulator, d time.Duration) (map[city.Feed]time.Duration, []city.Alert) {
	t.Helper()
	eng, err := city.NewEngine(city.DefaultSiteConfig())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]city.Station{}
	for _, st := range s.Stations() {
		byID[st.ID] = st
	}
	first := map[city.Feed]time.Duration{}
	var raised []city.Alert
	note := func(chs []city.Change) {
		for _, c := range chs {
			a := c.Alert
			if c.Step.Kind != city.StepRaise {
				continue
			}
			if _, ok := first[a.Feed]; !ok {
				first[a.Feed] = a.Raised.Sub(s.Start())
			}
			raised = append(raised, a)
		}
	}
	iv := s.Config().Interval
	for now := s.Start(); !now.After(s.Start().Add(d)); now = now.Add(iv) {
		rs := s.Tick(now)
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Time.Before(rs[j].Time) })
		for _, r := range rs {
			chs, err := eng.Observe(byID[r.Station], r)
			if err != nil {
				t.Fatalf("engine refused %s reading at %v: %v", r.Station, r.Time, err)
			}
			note(chs)
		}
		note(eng.Tick(now))
	}
	return first, raised
}

func TestIncidentsRaiseAlertsEarly(t *testing.T) {
	tests := []struct {
		name  string
		start time.Time
		// the latest time each feed's first alert may come
		want map[city.Feed]time.Duration
	}{
		{"night", nightStart, map[city.Feed]time.Duration{
			city.FeedAir: 2 * time.Minute, city.FeedWater: 2 * time.Minute, city.FeedNoise: 2 * time.Minute,
			city.FeedFire: 2 * time.Minute, city.FeedCrowd: 3 * time.Minute}},
		// by day the engine wants LAeq above the limit for 5 minutes
		{"day", dayStart, map[city.Feed]time.Duration{
			city.FeedAir: 2 * time.Minute, city.FeedWater: 2 * time.Minute, city.FeedNoise: 7 * time.Minute,
			city.FeedFire: 2 * time.Minute, city.FeedCrowd: 3 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Config{Seed: 42, Now: at(tt.start)})
			first, _ := firstAlerts(t, s, 8*time.Minute)
			t.Logf("first alert per feed: %v", first)
			for feed, limit := range tt.want {
				got, ok := first[feed]
				if !ok {
					t.Errorf("%s: no alert in 8 minutes", feed)
					continue
				}
				if got > limit {
					t.Errorf("%s: first alert after %v, want within %v", feed, got, limit)
				}
			}
		})
	}
}

// TestIncidentStory checks each scripted incident over two cycles against
// the engine: which conditions are raised, and that nothing else is.
func TestIncidentStory(t *testing.T) {
	s := newSim(t, Config{Seed: 9, Interval: 10 * time.Second, Now: at(nightStart)})
	_, raised := firstAlerts(t, s, 2*CyclePeriod)
	for _, a := range raised {
		t.Logf("%s %-24s %-32s %8.3f %s", a.Raised.Sub(s.Start()), a.Condition, a.Station, a.Value, a.Unit)
	}
	got := map[city.Condition]int{}
	for _, a := range raised {
		got[a.Condition]++
		if s.cycleOf(a.Raised) < 0 {
			t.Errorf("alert %s before the start", a.ID)
		}
	}
	for _, c := range []city.Condition{city.CondAQI, city.CondWaterClass, city.CondNoiseNight, city.CondNoiseLmax,
		city.CondCrowdDensity, city.CondCrowdTimeToCapacity, city.CondFireAlarm, city.CondDeviceFault,
		city.CondLowBattery, city.CondDeviceOffline, city.CondHydrantPressure, city.CondResidualCurrent} {
		if got[c] == 0 {
			t.Errorf("condition %s never raised in two cycles (raised: %v)", c, got)
		}
	}
	// every alert must be about a station the scenes cast
	cast := map[string]bool{}
	for c := int64(0); c < 3; c++ {
		sc := s.cast(c)
		add := func(k kind, i int) { cast[s.devs[s.perKind[k][i]].id] = true }
		add(kindAir, sc.air)
		add(kindWater, sc.water)
		add(kindNoise, sc.noise)
		add(kindSmoke, sc.smokeAlarm)
		add(kindSmoke, sc.smokeSilent)
		add(kindSmoke, sc.smokeFault)
		add(kindSmoke, s.lowBatt)
		add(kindHydrant, sc.hydrant)
		add(kindElectrical, sc.electrical)
	}
	cast[zoneBund], cast[zoneChenYi] = true, true
	for _, a := range raised {
		if !cast[a.Station] {
			t.Errorf("unscripted alert %s %s on %s (value %v %s)", a.Condition, a.Raised.Format(time.TimeOnly), a.Station, a.Value, a.Unit)
		}
	}
}

// TestQuietDayHasFewAlerts runs a whole day at a one-minute interval and
// checks that the baseline, away from the scripted stations, stays inside
// the standards (real PM2.5 hours above AQI 100 excepted).
func TestQuietDayHasFewAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated day")
	}
	s := newSim(t, Config{Scale: 2, Seed: 5, Interval: time.Minute, Now: at(time.Date(2026, 4, 25, 0, 0, 0, 0, city.Shanghai))})
	_, raised := firstAlerts(t, s, 24*time.Hour)
	t.Logf("%d alerts in a day", len(raised))
	for _, a := range raised {
		if a.Condition == city.CondAQI {
			continue // the real series has light-pollution hours
		}
		id := a.Station
		if syntheticID.MatchString(id) { // synthetic stations have no incidents
			t.Errorf("synthetic station alert %s on %s at %v (value %v %s)", a.Condition, id, a.Raised, a.Value, a.Unit)
		}
	}
}

var syntheticID = regexp.MustCompile(`-x\d{4}-`)

func TestDeterministicBySeed(t *testing.T) {
	a := run(newSim(t, Config{Seed: 11, Scale: 2}), 5*time.Minute)
	b := run(newSim(t, Config{Seed: 11, Scale: 2}), 5*time.Minute)
	c := run(newSim(t, Config{Seed: 12, Scale: 2}), 5*time.Minute)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed gave different readings")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("different seeds gave the same readings")
	}
	if !reflect.DeepEqual(newSim(t, Config{Seed: 1}).Stations(), newSim(t, Config{Seed: 2}).Stations()) {
		t.Error("stations moved with the seed; they must stay put")
	}
}

func TestHeartbeatsOncePerPeriod(t *testing.T) {
	s := newSim(t, Config{Seed: 4})
	beats := map[string]int{}
	powerOn := map[string]bool{}
	for _, r := range run(s, 10*time.Minute-time.Second) {
		if r.Event != city.EventHeartbeat {
			continue
		}
		if !r.Time.After(s.Start()) {
			powerOn[r.Station] = true // every detector reports in on the first tick
			continue
		}
		beats[r.Station]++
	}
	sc := s.cast(0)
	silent := s.devs[s.perKind[kindSmoke][sc.smokeSilent]].id
	for _, i := range s.perKind[kindSmoke] {
		id := s.devs[i].id
		want := 10
		if id == silent {
			if beats[id] < 2 || beats[id] > 3 {
				t.Errorf("silent detector %s beat %d times in 10 min, want 2–3 (silent after 2½ min)", id, beats[id])
			}
			continue
		}
		if !powerOn[id] {
			t.Errorf("%s did not report in on the first tick", id)
		}
		if beats[id] < want-1 || beats[id] > want {
			t.Errorf("%s beat %d times in 10 min after the first tick, want %d–%d", id, beats[id], want-1, want)
		}
	}
}

func TestEventsOnceAcrossIrregularTicks(t *testing.T) {
	// ticks at uneven times must still deliver each scripted event once
	s := newSim(t, Config{Seed: 8})
	events := map[string]int{}
	now := s.Start()
	for step := 0; now.Before(s.Start().Add(5 * time.Minute)); step++ {
		now = now.Add(time.Duration(1+step%7) * time.Second)
		for _, r := range s.Tick(now) {
			if r.Event != "" && r.Event != city.EventHeartbeat {
				events[r.Station+" "+r.Event]++
			}
		}
	}
	sc := s.cast(0)
	alarm := s.devs[s.perKind[kindSmoke][sc.smokeAlarm]].id
	for _, k := range []string{alarm + " alarm", alarm + " cleared"} {
		if events[k] != 1 {
			t.Errorf("%s delivered %d times, want once (all: %v)", k, events[k], events)
		}
	}
}

func TestRunPublishes(t *testing.T) {
	s := newSim(t, Config{Interval: 5 * time.Millisecond, Now: time.Now})
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, rec) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, n := rec.counts()
		if n > 3*40 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
	ns, nr := rec.counts()
	if ns != len(s.Stations()) {
		t.Errorf("put %d stations, want %d", ns, len(s.Stations()))
	}
	if nr < 3*40 {
		t.Errorf("published %d readings, want at least three ticks' worth", nr)
	}
}

func TestRunReportsPublisherError(t *testing.T) {
	s := newSim(t, Config{Interval: time.Millisecond, Now: time.Now})
	err := s.Run(context.Background(), &recorder{failAt: 10})
	if err == nil || !strings.Contains(err.Error(), "feed server closed") || !strings.Contains(err.Error(), "publish") {
		t.Errorf("Run = %v, want the publisher's error wrapped", err)
	}
	if err := s.Run(context.Background(), nil); err == nil {
		t.Error("Run(nil publisher) = nil, want an error")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string // substring of the error; "" for none
	}{
		{Config{}, ""},
		{Config{Scale: 1, Interval: time.Second}, ""},
		{Config{Scale: MaxScale}, ""},
		{Config{Scale: -1}, "scale"},
		{Config{Scale: MaxScale + 1}, "scale"},
		{Config{Interval: -time.Second}, "interval"},
		{Config{Interval: time.Microsecond}, "interval"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: Validate = %v, want nil", tt.cfg, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: Validate = %v, want an error about %s", tt.cfg, err, tt.want)
		}
	}
	// New corrects what Validate refuses
	s := New(Config{Scale: -3, Interval: -time.Second, Now: at(dayStart)})
	if got := s.Config(); got.Scale != 1 || got.Interval != DefaultInterval {
		t.Errorf("New corrected config to scale %d interval %v, want 1 and %v", got.Scale, got.Interval, DefaultInterval)
	}
}

func TestCrowdZonesDrawn(t *testing.T) {
	d, err := Huangpu()
	if err != nil {
		t.Fatal(err)
	}
	// walkable areas in m²: the Bund promenade long and narrow, the square small
	tests := []struct {
		id       string
		min, max float64
	}{
		{zoneBund, 30000, 45000},
		{"crowd-nanjinglu-buxingjie", 25000, 40000},
		{zoneChenYi, 3000, 6000},
		{"crowd-renmin-guangchang", 40000, 70000},
	}
	for _, tt := range tests {
		var z *CrowdZone
		for i := range d.CrowdZones {
			if d.CrowdZones[i].ID == tt.id {
				z = &d.CrowdZones[i]
			}
		}
		if z == nil {
			t.Errorf("zone %s missing", tt.id)
			continue
		}
		if z.AreaM2 < tt.min || z.AreaM2 > tt.max {
			t.Errorf("%s area %.0f m², want %.0f–%.0f", tt.id, z.AreaM2, tt.min, tt.max)
		}
		for _, o := range d.CrowdZones {
			if o.ID == z.ID {
				continue
			}
			for _, p := range o.Area[0] {
				if planar.PolygonContains(z.Area, p) {
					t.Errorf("zones %s and %s overlap at %v", z.ID, o.ID, p)
				}
			}
		}
	}
}

func BenchmarkTick(b *testing.B) {
	for _, scale := range []int{1, 100} {
		b.Run(fmt.Sprint("scale", scale), func(b *testing.B) {
			s := newSim(b, Config{Scale: scale, Interval: time.Second})
			now := s.Start()
			readings := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				now = now.Add(time.Second)
				readings += len(s.Tick(now))
			}
			b.ReportMetric(float64(readings)/b.Elapsed().Seconds(), "readings/s")
			b.ReportMetric(float64(readings)/float64(b.N), "readings/tick")
		})
	}
}
