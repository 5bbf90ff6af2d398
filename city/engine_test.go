package city

import (
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

var (
	airStation   = Station{ID: "AQ-01", Feed: FeedAir, Kind: KindAirStation, Name: "十五厂"}
	noiseStation = Station{ID: "NZ-01", Feed: FeedNoise, Kind: KindNoiseStation, Attrs: map[string]string{AttrZoneClass: "2"}}
	waterStation = Station{ID: "WQ-01", Feed: FeedWater, Kind: KindWaterSection, Attrs: map[string]string{AttrTargetClass: "III", AttrWaterBody: "river"}}
	smokeStation = Station{ID: "SD-01", Feed: FeedFire, Kind: KindSmokeDetector}
	hydrant      = Station{ID: "HY-01", Feed: FeedFire, Kind: KindHydrant}
)

func newEngine(t *testing.T, mod func(*SiteConfig)) *Engine {
	t.Helper()
	cfg := DefaultSiteConfig()
	cfg.AQIEdition = Edition2012
	if mod != nil {
		mod(&cfg)
	}
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// observe feeds a reading and fails the test on an error.
func observe(t *testing.T, e *Engine, st Station, r Reading) []Change {
	t.Helper()
	ch, err := e.Observe(st, r)
	if err != nil {
		t.Fatalf("observe %s at %v: %v", st.ID, r.Time, err)
	}
	return ch
}

func airReading(t time.Time, pm25 float64) Reading {
	return Reading{Feed: FeedAir, Station: airStation.ID, Time: t, Values: []Measurement{
		{Param: ParamPM25, Value: pm25}, {Param: ParamPM10, Value: 60}, {Param: ParamSO2, Value: 8},
		{Param: ParamNO2, Value: 35}, {Param: ParamCO, Value: 0.7}, {Param: ParamO3, Value: 40}}}
}

func noiseAt(t time.Time, laeq float64) Reading {
	return Reading{Feed: FeedNoise, Station: noiseStation.ID, Time: t, Values: []Measurement{{Param: ParamLAeq, Value: laeq}}}
}

func countSteps(chs []Change, kind StepKind) int {
	n := 0
	for _, c := range chs {
		if c.Step.Kind == kind {
			n++
		}
	}
	return n
}

func TestFlickerAtBoundaryRaisesOneAlert(t *testing.T) {
	// 2012 hourly AQI: PM2.5 75.5 → 100.6 → AQI 101 (level 3);
	// 74 → 98.75 → AQI 99. Fifty hours flickering across the 100/101 line.
	e := newEngine(t, nil)
	t0 := time.Date(2025, 12, 1, 0, 0, 0, 0, Shanghai)
	var all []Change
	for h := 0; h < 50; h++ {
		pm := 75.5
		if h%2 == 1 {
			pm = 74
		}
		all = append(all, observe(t, e, airStation, airReading(t0.Add(time.Duration(h)*time.Hour), pm))...)
	}
	if n := countSteps(all, StepRaise); n != 1 {
		t.Fatalf("%d alerts raised for a flickering value, want 1", n)
	}
	if n := countSteps(all, StepClear); n != 0 {
		t.Fatalf("%d clears while within the margin, want 0", n)
	}
	a, ok := e.OpenAlert(airStation.ID, CondAQI)
	if !ok || a.Severity != SeverityMinor || a.ID != AlertID(airStation.ID, CondAQI, t0) {
		t.Fatalf("open alert: %+v", a)
	}
	// AQI 82 (PM2.5 60) is below 101 − 10: the alert clears itself.
	ch := observe(t, e, airStation, airReading(t0.Add(50*time.Hour), 60))
	if countSteps(ch, StepClear) != 1 || ch[0].Alert.State != StateAutoCleared {
		t.Fatalf("no clear below the margin: %+v", ch)
	}
	if _, ok := e.OpenAlert(airStation.ID, CondAQI); ok {
		t.Error("slot still taken after clear")
	}
}

func TestFlickerWithMinimumDuration(t *testing.T) {
	// Zone 2 by day: limit 60 dB(A). LAeq every minute alternating 60.5 / 59.5.
	e := newEngine(t, nil) // noise_day: margin 2 dB, min_duration 5m
	t0 := at(10, 0)
	var all []Change
	for m := 0; m < 30; m++ {
		v := 60.5
		if m%2 == 1 {
			v = 59.5
		}
		ch := observe(t, e, noiseStation, noiseAt(t0.Add(time.Duration(m)*time.Minute), v))
		if countSteps(ch, StepRaise) == 1 && m != 5 {
			t.Errorf("raised at minute %d, want minute 5 (after the minimum duration)", m)
		}
		all = append(all, ch...)
	}
	if n := countSteps(all, StepRaise); n != 1 {
		t.Fatalf("%d alerts raised, want 1", n)
	}
	a, _ := e.OpenAlert(noiseStation.ID, CondNoiseDay)
	if !a.Began.Equal(t0) || !a.Raised.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("began %v raised %v", a.Began, a.Raised)
	}
	// Below 58 dB(A) it clears.
	ch := observe(t, e, noiseStation, noiseAt(t0.Add(31*time.Minute), 57.9))
	if countSteps(ch, StepClear) != 1 {
		t.Errorf("no clear at 57.9: %+v", ch)
	}

	// Control: without hysteresis and minimum duration the same input raises
	// an alert every other minute. This is what the settings prevent.
	bare := newEngine(t, func(c *SiteConfig) { c.Alerts.NoiseDay = RuleSettings{} })
	all = nil
	for m := 0; m < 30; m++ {
		v := 60.5
		if m%2 == 1 {
			v = 59.5
		}
		all = append(all, observe(t, bare, noiseStation, noiseAt(t0.Add(time.Duration(m)*time.Minute), v))...)
	}
	if n := countSteps(all, StepRaise); n != 15 {
		t.Errorf("control: %d raises, want 15", n)
	}
}

func TestMinimumDurationResetsWhenConditionEnds(t *testing.T) {
	e := newEngine(t, nil)
	t0 := at(10, 0)
	// Over for 3 minutes, then well below (57 < 58), then over again: the
	// wait starts afresh.
	for m, v := range []float64{62, 62, 62, 57, 62, 62, 62, 62, 62} {
		ch := observe(t, e, noiseStation, noiseAt(t0.Add(time.Duration(m)*time.Minute), v))
		if countSteps(ch, StepRaise) > 0 {
			t.Fatalf("raised at minute %d, before 5 minutes had passed since minute 4", m)
		}
	}
	ch := observe(t, e, noiseStation, noiseAt(t0.Add(9*time.Minute), 62))
	if countSteps(ch, StepRaise) != 1 {
		t.Fatalf("not raised at minute 9: %+v", ch)
	}
	if a := ch[0].Alert; !a.Began.Equal(t0.Add(4 * time.Minute)) {
		t.Errorf("began %v, want minute 4", a.Began)
	}
}

func TestUpdateNotDuplicate(t *testing.T) {
	e := newEngine(t, nil)
	t0 := time.Date(2025, 12, 1, 0, 0, 0, 0, Shanghai)
	var ids = map[string]bool{}
	// AQI 117, 117 again, 156 (level 4), 132 (level 3 again).
	for i, pm := range []float64{88, 88, 119, 100} {
		for _, c := range observe(t, e, airStation, airReading(t0.Add(time.Duration(i)*time.Hour), pm)) {
			ids[c.Alert.ID] = true
			switch i {
			case 0:
				if c.Step.Kind != StepRaise || c.Alert.Value != 117 {
					t.Errorf("reading 0: %+v", c.Step)
				}
			case 1:
				t.Errorf("an identical reading changed the alert: %+v", c.Step)
			case 2:
				if c.Step.Kind != StepUpdate || c.Alert.Severity != SeverityMajor || c.Alert.Value != 156 {
					t.Errorf("reading 2: %v %v %v", c.Step.Kind, c.Alert.Severity, c.Alert.Value)
				}
			case 3:
				// Severity, value and message stay at the worst seen while open.
				t.Errorf("a better reading changed the alert: %+v", c.Step)
			}
		}
	}
	if len(ids) != 1 || len(e.Alerts()) != 1 {
		t.Errorf("%d IDs, %d alerts; want one alert updated in place", len(ids), len(e.Alerts()))
	}
	a := e.Alerts()[0]
	if a.Value != 156 || !strings.Contains(a.Message, "AQI 156") || !strings.Contains(a.Message, "首要污染物 PM2.5") || !strings.Contains(a.Message, "HJ 633-2012") {
		t.Errorf("message: %s", a.Message)
	}
}

func TestCriticalStaysUntilClosed(t *testing.T) {
	e := newEngine(t, nil)
	t0 := at(2, 0)
	r := func(min int, ev string) Reading {
		return Reading{Feed: FeedFire, Station: smokeStation.ID, Time: t0.Add(time.Duration(min) * time.Minute), Event: ev}
	}
	observe(t, e, smokeStation, r(0, EventHeartbeat))
	ch := observe(t, e, smokeStation, r(1, EventAlarm))
	if len(ch) != 1 || ch[0].Step.Kind != StepRaise || ch[0].Alert.Severity != SeverityCritical || ch[0].Alert.Condition != CondFireAlarm {
		t.Fatalf("alarm: %+v", ch)
	}
	id := ch[0].Alert.ID
	// The alarm is reset at the panel: the alert records it but stays.
	ch = observe(t, e, smokeStation, r(3, EventCleared))
	if len(ch) != 1 || ch[0].Step.Kind != StepUpdate || ch[0].Alert.State != StateRaised || ch[0].Alert.Holding() {
		t.Fatalf("cleared: %+v", ch)
	}
	if a, ok := e.OpenAlert(smokeStation.ID, CondFireAlarm); !ok || a.ID != id || !a.Cleared.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("critical alert left: %+v %v", a, ok)
	}
	// It alarms again while the alert is open: the same alert, condition back.
	ch = observe(t, e, smokeStation, r(5, EventAlarm))
	if len(ch) != 1 || ch[0].Alert.ID != id || !ch[0].Alert.Holding() {
		t.Fatalf("re-alarm: %+v", ch)
	}
	observe(t, e, smokeStation, r(6, EventCleared))
	// An officer works it to closed.
	for _, s := range []Step{
		{Alert: id, Kind: StepAcknowledge, Officer: "王警官", Time: t0.Add(7 * time.Minute)},
		{Alert: id, Kind: StepDispatch, Officer: "王警官", Team: "黄浦消防救援站", Time: t0.Add(8 * time.Minute)},
		{Alert: id, Kind: StepResolve, Officer: "刘队长", Note: "厨房油烟误报", Time: t0.Add(30 * time.Minute)},
		{Alert: id, Kind: StepVerify, Officer: "王警官", Time: t0.Add(40 * time.Minute)},
		{Alert: id, Kind: StepClose, Officer: "王警官", Time: t0.Add(41 * time.Minute)},
	} {
		if _, err := e.Apply(s); err != nil {
			t.Fatalf("%s: %v", s.Kind, err)
		}
	}
	if len(e.Alerts()) != 0 {
		t.Fatalf("closed alert still held: %+v", e.Alerts())
	}
	// A new alarm is a new alert.
	ch = observe(t, e, smokeStation, r(50, EventAlarm))
	if len(ch) != 1 || ch[0].Step.Kind != StepRaise || ch[0].Alert.ID == id {
		t.Fatalf("new alarm: %+v", ch)
	}
}

func TestAutoClearVsCriticalForTheSameCondition(t *testing.T) {
	e := newEngine(t, nil)
	// Water section, target III. NH3-N 1.2 (class IV): Major.
	w := func(h int, vals ...Measurement) Reading {
		return Reading{Feed: FeedWater, Station: waterStation.ID, Time: at(0, 0).Add(time.Duration(h) * 4 * time.Hour), Values: vals}
	}
	nh3 := func(v float64) Measurement { return Measurement{Param: ParamNH3N, Value: v} }
	ch := observe(t, e, waterStation, w(0, nh3(1.2), Measurement{Param: ParamDO, Value: 6}))
	if len(ch) != 1 || ch[0].Alert.Severity != SeverityMajor || !strings.Contains(ch[0].Alert.Message, "氨氮 1.2 mg/L（III类限值 1，超标0.20倍）") {
		t.Fatalf("raise: %+v", ch)
	}
	// 0.98 meets III but not with the 5 % margin: still open, unchanged.
	if ch = observe(t, e, waterStation, w(1, nh3(0.98))); len(ch) != 0 {
		t.Fatalf("within margin: %+v", ch)
	}
	if a, _ := e.OpenAlert(waterStation.ID, CondWaterClass); !a.Holding() {
		t.Fatalf("within margin: not holding: %+v", a)
	}
	ch = observe(t, e, waterStation, w(2, nh3(0.9)))
	if len(ch) != 1 || ch[0].Step.Kind != StepClear || ch[0].Alert.State != StateAutoCleared {
		t.Fatalf("clear: %+v", ch)
	}
	// NH3-N 2.5 is 劣V: Critical; it does not clear itself.
	ch = observe(t, e, waterStation, w(3, nh3(2.5)))
	if len(ch) != 1 || ch[0].Alert.Severity != SeverityCritical {
		t.Fatalf("劣V: %+v", ch)
	}
	ch = observe(t, e, waterStation, w(4, nh3(0.3)))
	if len(ch) != 1 || ch[0].Step.Kind != StepUpdate || ch[0].Alert.State != StateRaised || ch[0].Alert.Holding() {
		t.Fatalf("critical after recovery: %+v", ch)
	}
	if got := len(e.Alerts()); got != 2 { // the auto-cleared one awaits closing; the critical one stays
		t.Errorf("%d alerts held, want 2", got)
	}
}

func TestEscalation(t *testing.T) {
	e := newEngine(t, nil) // escalate_after 10m
	t0 := time.Date(2025, 12, 1, 8, 0, 0, 0, Shanghai)
	ch := observe(t, e, airStation, airReading(t0, 88))
	id := ch[0].Alert.ID
	if got := e.Escalate(t0.Add(9 * time.Minute)); len(got) != 0 {
		t.Fatalf("escalated after 9 min: %+v", got)
	}
	got := e.Escalate(t0.Add(10 * time.Minute))
	if len(got) != 1 || got[0].Step.Kind != StepEscalate || got[0].Alert.Escalations != 1 || got[0].Alert.Severity != SeverityMinor {
		t.Fatalf("at 10 min: %+v", got)
	}
	if got := e.Escalate(t0.Add(15 * time.Minute)); len(got) != 0 {
		t.Fatalf("escalated twice in one period: %+v", got)
	}
	if got := e.Escalate(t0.Add(20 * time.Minute)); len(got) != 1 || got[0].Alert.Escalations != 2 {
		t.Fatalf("at 20 min: %+v", got)
	}
	if _, err := e.Apply(Step{Alert: id, Kind: StepAcknowledge, Officer: "王警官", Time: t0.Add(21 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got := e.Escalate(t0.Add(60 * time.Minute)); len(got) != 0 {
		t.Fatalf("acknowledged alert escalated: %+v", got)
	}
	off := newEngine(t, func(c *SiteConfig) { c.Alerts.EscalateAfter = 0 })
	observe(t, off, airStation, airReading(t0, 88))
	if got := off.Escalate(t0.Add(24 * time.Hour)); len(got) != 0 {
		t.Error("escalation not off at 0")
	}
}

func TestDeviceOffline(t *testing.T) {
	e := newEngine(t, nil) // heartbeat_timeout 15m
	t0 := at(9, 0)
	observe(t, e, smokeStation, Reading{Feed: FeedFire, Station: smokeStation.ID, Time: t0, Event: EventHeartbeat})
	if got := e.Tick(t0.Add(15 * time.Minute)); len(got) != 0 {
		t.Fatalf("offline at exactly the timeout: %+v", got)
	}
	got := e.Tick(t0.Add(16 * time.Minute))
	if len(got) != 1 || got[0].Alert.Condition != CondDeviceOffline || got[0].Alert.Severity != SeverityMajor {
		t.Fatalf("not offline after 16 min: %+v", got)
	}
	if again := e.CheckHeartbeats(t0.Add(30 * time.Minute)); len(again) != 0 {
		t.Fatalf("offline raised twice: %+v", again)
	}
	ch := observe(t, e, smokeStation, Reading{Feed: FeedFire, Station: smokeStation.ID, Time: t0.Add(31 * time.Minute), Event: EventHeartbeat})
	if len(ch) != 1 || ch[0].Step.Kind != StepClear || ch[0].Alert.Condition != CondDeviceOffline {
		t.Fatalf("heard again: %+v", ch)
	}
}

func TestFireDeviceConditions(t *testing.T) {
	e := newEngine(t, func(c *SiteConfig) { c.Alerts.HydrantPressure.MinDuration = 0 })
	t0 := at(9, 0)
	ch := observe(t, e, smokeStation, Reading{Feed: FeedFire, Station: smokeStation.ID, Time: t0, Event: EventTest})
	if len(ch) != 0 {
		t.Fatalf("a test raised: %+v", ch)
	}
	want := map[string]struct {
		cond Condition
		sev  Severity
	}{
		EventFault:      {CondDeviceFault, SeverityMinor},
		EventTamper:     {CondDeviceTamper, SeverityMajor},
		EventLowBattery: {CondLowBattery, SeverityInfo},
	}
	for i, ev := range []string{EventFault, EventTamper, EventLowBattery} {
		ch := observe(t, e, smokeStation, Reading{Feed: FeedFire, Station: smokeStation.ID, Time: t0.Add(time.Duration(i+1) * time.Minute), Event: ev})
		if len(ch) != 1 || ch[0].Alert.Condition != want[ev].cond || ch[0].Alert.Severity != want[ev].sev {
			t.Errorf("%s: %+v", ev, ch)
		}
	}
	// Hydrant: low is Major, high Minor; the band's ends are normal.
	p := func(min int, v float64) Reading {
		return Reading{Feed: FeedFire, Station: hydrant.ID, Time: t0.Add(time.Duration(min) * time.Minute), Values: []Measurement{{Param: ParamPressure, Value: v}}}
	}
	if ch := observe(t, e, hydrant, p(0, 0.14)); len(ch) != 0 {
		t.Errorf("0.14 MPa raised: %+v", ch)
	}
	ch = observe(t, e, hydrant, p(1, 0.10))
	if len(ch) != 1 || ch[0].Alert.Severity != SeverityMajor || !strings.Contains(ch[0].Alert.Message, "低于 0.14 MPa") {
		t.Fatalf("low pressure: %+v", ch)
	}
	// 0.15 is inside the band but within the 0.02 margin: still open.
	if ch := observe(t, e, hydrant, p(2, 0.15)); len(ch) != 0 {
		t.Errorf("0.15 MPa: %+v", ch)
	}
	if a, ok := e.OpenAlert(hydrant.ID, CondHydrantPressure); !ok || !a.Holding() {
		t.Errorf("0.15 MPa: not holding: %+v", a)
	}
	if ch := observe(t, e, hydrant, p(3, 0.2)); len(ch) != 1 || ch[0].Step.Kind != StepClear {
		t.Errorf("0.2 MPa: %+v", ch)
	}
	ch = observe(t, e, hydrant, p(4, 0.8))
	if len(ch) != 1 || ch[0].Alert.Severity != SeverityMinor {
		t.Errorf("high pressure: %+v", ch)
	}
	// Electrical fire monitor.
	ef := Station{ID: "EF-01", Feed: FeedFire, Kind: KindElectricalFire}
	ch = observe(t, e, ef, Reading{Feed: FeedFire, Station: "EF-01", Time: t0, Values: []Measurement{
		{Param: ParamResidualCurrent, Value: 320}, {Param: ParamCableTemp, Value: 72}}})
	if len(ch) != 2 || ch[0].Alert.Condition != CondResidualCurrent || ch[1].Alert.Condition != CondCableTemp {
		t.Errorf("electrical: %+v", ch)
	}
}

func TestNoiseDayNightHandover(t *testing.T) {
	e := newEngine(t, func(c *SiteConfig) { c.Alerts.NoiseDay.MinDuration, c.Alerts.NoiseNight.MinDuration = 0, 0 })
	ch := observe(t, e, noiseStation, noiseAt(at(21, 50), 63)) // day limit 60
	if len(ch) != 1 || ch[0].Alert.Condition != CondNoiseDay {
		t.Fatalf("day: %+v", ch)
	}
	// 22:00: the day limit is no longer in force; 53 is over the night limit 50.
	ch = observe(t, e, noiseStation, noiseAt(at(22, 0), 53))
	if len(ch) != 2 || ch[0].Step.Kind != StepRaise || ch[0].Alert.Condition != CondNoiseNight ||
		ch[1].Step.Kind != StepClear || ch[1].Alert.Condition != CondNoiseDay {
		t.Fatalf("22:00: %+v", ch)
	}
	// Night Lmax: 66 over limit 50 + 15.
	r := Reading{Feed: FeedNoise, Station: noiseStation.ID, Time: at(23, 0), Values: []Measurement{{Param: ParamLmax, Value: 66}}}
	ch = observe(t, e, noiseStation, r)
	if len(ch) != 1 || ch[0].Alert.Condition != CondNoiseLmax {
		t.Fatalf("Lmax: %+v", ch)
	}
	// Over by 10 dB or more is Major.
	ch = observe(t, e, noiseStation, noiseAt(at(23, 30), 61))
	if len(ch) != 1 || ch[0].Alert.Severity != SeverityMajor {
		t.Fatalf("+11 dB: %+v", ch)
	}
}

func TestCrowdAlerts(t *testing.T) {
	e := newEngine(t, func(c *SiteConfig) {
		c.Alerts.CrowdDensity.MinDuration, c.Alerts.CrowdTimeToCapacity.MinDuration = 0, 0
	})
	zone := Station{ID: "CZ-01", Feed: FeedCrowd, Kind: KindCrowdZone, Area: orb.Polygon{squareRing(bundOrigin, 100)},
		Attrs: map[string]string{AttrCapacity: "30000"}}
	r := func(min int, count, inflow float64) Reading {
		return Reading{Feed: FeedCrowd, Station: zone.ID, Time: at(23, 0).Add(time.Duration(min) * time.Minute),
			Values: []Measurement{{Param: ParamCount, Value: count}, {Param: ParamInflow, Value: inflow}}}
	}
	// ~2.0 persons/m²: no density alert; 10 000 to go at 1 000/min = 10 min ≤ 15 min.
	ch := observe(t, e, zone, r(0, 20000, 1000))
	if len(ch) != 1 || ch[0].Alert.Condition != CondCrowdTimeToCapacity || ch[0].Alert.Severity != SeverityMajor {
		t.Fatalf("time to capacity: %+v", ch)
	}
	// ~2.6 persons/m²: high → Major density alert.
	ch = observe(t, e, zone, r(1, 26000, 1000))
	if countSteps(ch, StepRaise) != 1 || ch[0].Alert.Condition != CondCrowdDensity || ch[0].Alert.Severity != SeverityMajor {
		t.Fatalf("high density: %+v", ch)
	}
	// ~3.6 persons/m²: critical.
	ch = observe(t, e, zone, r(2, 36000, 0))
	if ch[0].Alert.Condition != CondCrowdDensity || ch[0].Alert.Severity != SeverityCritical {
		t.Fatalf("critical density: %+v", ch)
	}
}

func TestObserveRefusesAndIgnores(t *testing.T) {
	e := newEngine(t, nil)
	if _, err := e.Observe(airStation, Reading{Feed: FeedAir, Station: "AQ-99", Time: at(1, 0)}); err == nil {
		t.Error("reading of another station accepted")
	}
	if _, err := e.Observe(airStation, Reading{Feed: FeedNoise, Station: airStation.ID, Time: at(1, 0)}); err == nil {
		t.Error("reading of another feed accepted")
	}
	if _, err := e.Observe(airStation, Reading{Feed: FeedAir, Station: airStation.ID}); err == nil {
		t.Error("reading without time accepted")
	}
	bare := Station{ID: "NZ-09", Feed: FeedNoise}
	if _, err := e.Observe(bare, Reading{Feed: FeedNoise, Station: "NZ-09", Time: at(1, 0), Values: []Measurement{{Param: ParamLAeq, Value: 70}}}); err == nil ||
		!strings.Contains(err.Error(), "zone class") {
		t.Errorf("noise station without zone class: %v", err)
	}
	// A late reading (older than one already seen) is history: no change.
	t0 := time.Date(2025, 12, 1, 8, 0, 0, 0, Shanghai)
	observe(t, e, airStation, airReading(t0, 30))
	if ch := observe(t, e, airStation, airReading(t0.Add(-time.Hour), 200)); len(ch) != 0 {
		t.Errorf("late reading raised: %+v", ch)
	}
	// Bad values are reported; the rest is still judged.
	r := airReading(t0.Add(time.Hour), 200)
	r.Values = append(r.Values, Measurement{Param: ParamNO2, Value: -5})
	ch, err := e.Observe(airStation, r)
	if err == nil || len(ch) != 1 {
		t.Errorf("bad NO2: %v, %d changes", err, len(ch))
	}
	if _, err := e.Apply(Step{Alert: "nope", Kind: StepAcknowledge, Officer: "x", Time: t0}); err == nil {
		t.Error("step on an unknown alert accepted")
	}
}

func TestEditionFollowsReadingTime(t *testing.T) {
	cfg := DefaultSiteConfig() // by time
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// PM2.5 70: 2012 → 93.75 → 94 (no alert); 2026 → 109.09 → 110 (alert).
	before := airReading(time.Date(2026, 2, 28, 23, 0, 0, 0, Shanghai), 70)
	after := airReading(time.Date(2026, 3, 1, 0, 0, 0, 0, Shanghai), 70)
	if ch := observe(t, e, airStation, before); len(ch) != 0 {
		t.Fatalf("2012 rules raised: %+v", ch)
	}
	ch := observe(t, e, airStation, after)
	if len(ch) != 1 || ch[0].Alert.Value != 110 || !strings.Contains(ch[0].Alert.Message, "HJ 633-2026") {
		t.Fatalf("2026 rules: %+v", ch)
	}
}

func TestRestoreAndDeterminism(t *testing.T) {
	t0 := time.Date(2025, 12, 1, 8, 0, 0, 0, Shanghai)
	run := func() []Change {
		e := newEngine(t, nil)
		var all []Change
		for h, pm := range []float64{88, 120, 40, 160} {
			all = append(all, observe(t, e, airStation, airReading(t0.Add(time.Duration(h)*time.Hour), pm))...)
		}
		return all
	}
	a, b := run(), run()
	if len(a) != len(b) {
		t.Fatalf("runs differ: %d vs %d changes", len(a), len(b))
	}
	for i := range a {
		if a[i].Alert.ID != b[i].Alert.ID || a[i].Step != b[i].Step {
			t.Errorf("change %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
	// Restart: restore the open alerts; the next reading updates, not raises.
	e := newEngine(t, nil)
	observe(t, e, airStation, airReading(t0, 88))
	observe(t, e, smokeStation, Reading{Feed: FeedFire, Station: smokeStation.ID, Time: t0, Event: EventAlarm})
	kept := e.Alerts()
	e2 := newEngine(t, nil)
	if err := e2.Restore(kept); err != nil {
		t.Fatal(err)
	}
	ch := observe(t, e2, airStation, airReading(t0.Add(time.Hour), 100))
	if len(ch) != 1 || ch[0].Step.Kind != StepUpdate || ch[0].Alert.ID != kept[0].ID {
		t.Errorf("after restore: %+v", ch)
	}
	// The restored fire alarm is still latched: a heartbeat does not end it.
	ch = observe(t, e2, smokeStation, Reading{Feed: FeedFire, Station: smokeStation.ID, Time: t0.Add(time.Hour), Event: EventHeartbeat})
	if len(ch) != 0 {
		t.Errorf("heartbeat ended a restored alarm: %+v", ch)
	}
	if err := e2.Restore(kept[:1]); err == nil {
		t.Error("restoring the same alert twice accepted")
	}
}
