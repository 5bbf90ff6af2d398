package sim

import (
	"math"
	"time"

	"onescreen/city"
)

// Units, looked up once.
var (
	unitPM25     = city.ParamUnits[city.ParamPM25]
	unitPM10     = city.ParamUnits[city.ParamPM10]
	unitSO2      = city.ParamUnits[city.ParamSO2]
	unitNO2      = city.ParamUnits[city.ParamNO2]
	unitCO       = city.ParamUnits[city.ParamCO]
	unitO3       = city.ParamUnits[city.ParamO3]
	unitDO       = city.ParamUnits[city.ParamDO]
	unitCODMn    = city.ParamUnits[city.ParamCODMn]
	unitNH3N     = city.ParamUnits[city.ParamNH3N]
	unitTP       = city.ParamUnits[city.ParamTP]
	unitPH       = city.ParamUnits[city.ParamPH]
	unitTemp     = city.ParamUnits[city.ParamTemp]
	unitLAeq     = city.ParamUnits[city.ParamLAeq]
	unitLmax     = city.ParamUnits[city.ParamLmax]
	unitPressure = city.ParamUnits[city.ParamPressure]
	unitResidual = city.ParamUnits[city.ParamResidualCurrent]
	unitCable    = city.ParamUnits[city.ParamCableTemp]
	unitBattery  = city.ParamUnits[city.ParamBattery]
	unitCount    = city.ParamUnits[city.ParamCount]
	unitInflow   = city.ParamUnits[city.ParamInflow]
)

// Periods of the slow drifts, in seconds.
const (
	minutes     = 60.0
	hours       = 3600.0
	tidalPeriod = 12.42 * hours // the Huangpu is tidal: semi-diurnal M2
	inflowLag   = 30 * time.Second
)

// environment is what all stations share at one tick.
type environment struct {
	t        time.Time
	ts       float64 // seconds since the Unix epoch
	white    uint64  // per-tick hash input for measurement noise
	hour     float64 // local hour with fraction
	pmBG     float64 // district background PM2.5, µg/m³
	rush     float64 // road traffic rush hours, 0..1
	traffic  float64 // road traffic, 0..1
	ozone    float64 // photochemical ozone potential, µg/m³ at the daily peak
	daylight float64 // 0..1, peaks at 14:00
	waterT   float64 // seasonal river temperature, °C
	diurnal  float64 // sin wave of the day, peaks 15:00
	tide     float64 // -1..1
	demand   float64 // water demand, 0..1 (hydrant pressure dips)
	load     float64 // electrical load of commercial buildings, 0..1
	evening  float64 // evening lights on the Bund, 0..1

	crowdWork, crowdHol       float64 // relative footfall now
	crowdWorkLag, crowdHolLag float64 // and inflowLag ago
	weekend, weekendLag       bool
}

func (s *Simulator) environment(now time.Time) environment {
	h := hourOf(now)
	doy := dayOfYear(now)
	e := environment{
		t:       now,
		ts:      float64(now.UnixNano()) / 1e9,
		white:   mix(uint64(now.UnixNano())),
		hour:    h,
		pmBG:    s.shapes.PM25(now),
		rush:    math.Max(bump(h, 8.3, 1.3), bump(h, 18, 1.5)),
		traffic: trafficAt(h),
		// Shanghai's ozone peaks in May–June and September, lowest in winter.
		ozone:   75 + 45*math.Sin(2*math.Pi*(doy-105)/365),
		waterT:  18.5 + 10.5*math.Sin(2*math.Pi*(doy-115)/365),
		diurnal: math.Sin(2 * math.Pi * (h - 9) / 24),
		tide:    math.Sin(2 * math.Pi * float64(now.Unix()) / tidalPeriod),
		demand:  math.Max(bump(h, 7.5, 1.2), bump(h, 19, 1.5)),
		load:    0.35 + 0.65*math.Max(bump(h, 11, 3), bump(h, 19.5, 2.5)),
		evening: bump(h, 20.5, 1.5),
	}
	if h > 8 && h < 20 {
		e.daylight = math.Pow(math.Sin(math.Pi*(h-8)/12), 1.5)
	}
	lag := now.Add(-inflowLag)
	e.crowdWork, e.crowdHol, e.weekend = s.footfall(now)
	e.crowdWorkLag, e.crowdHolLag, e.weekendLag = s.footfall(lag)
	return e
}

func (s *Simulator) footfall(t time.Time) (work, hol float64, weekend bool) {
	work = s.shapes.crowdProfile(t, 0)
	hol = s.shapes.crowdProfile(t, 1)
	wd := t.In(shanghai).Weekday()
	return work, hol, wd == time.Saturday || wd == time.Sunday
}

// noise draws measurement noise in [-1, 1) for parameter p of device d.
func (e *environment) noise(d *device, p uint64) float64 {
	return signed(mix(d.salt ^ e.white ^ p*0x9e3779b97f4a7c15))
}

func put(m []city.Measurement, i int, param string, v float64, unit string, decimals int) {
	m[i] = city.Measurement{Param: param, Value: round(v, decimals), Unit: unit}
}

// air: PM2.5 follows the real series; PM10, NO2, CO, SO2 and O3 follow it
// and the day in the proportions usual in Shanghai (PM2.5/PM10 ≈ 0.6,
// NO2 with the rush hours, O3 with the afternoon sun and against NO2).
func (s *Simulator) air(d *device, e *environment, sc *scene, m []city.Measurement) []city.Measurement {
	pm := e.pmBG * d.level * (1 + 0.12*drift(d.salt^1, e.ts, 15*minutes) + 0.06*drift(d.salt^2, e.ts, 2*hours))
	pm *= 1 + 0.02*e.noise(d, 1)
	ep := 0.0
	if d.base && d.index == sc.airIndex() {
		ep = sc.strength(e.t, airEpisodeAt, airRise, airHold, airFall)
		pm += (sc.airPeak - pm) * ep
	}
	pm = math.Max(pm, 2)
	pm10 := pm*(1.5-0.2*ep+0.08*drift(d.salt^3, e.ts, 30*minutes)) + 6 + 3*drift(d.salt^4, e.ts, hours)
	no2 := (28 + d.level2 + 24*e.rush + 0.2*(pm-30)) * (1 + 0.1*drift(d.salt^5, e.ts, 20*minutes)) * (1 + 0.4*ep)
	no2 = math.Max(no2*(1+0.03*e.noise(d, 2)), 4)
	o3 := (18+e.ozone*e.daylight)*(1+0.1*drift(d.salt^6, e.ts, 40*minutes)) - 0.35*(no2-30)
	o3 = math.Max(o3*(1-0.35*ep)*(1+0.03*e.noise(d, 3)), 4)
	co := 0.42 + 0.0055*pm + 0.12*e.rush + 0.05*drift(d.salt^7, e.ts, hours) + 0.25*ep
	so2 := math.Max(6+0.03*pm+2*drift(d.salt^8, e.ts, 2*hours), 2)
	put(m, 0, city.ParamPM25, pm, unitPM25, 0)
	put(m, 1, city.ParamPM10, pm10, unitPM10, 0)
	put(m, 2, city.ParamSO2, so2, unitSO2, 0)
	put(m, 3, city.ParamNO2, no2, unitNO2, 0)
	put(m, 4, city.ParamCO, co, unitCO, 2)
	put(m, 5, city.ParamO3, o3, unitO3, 0)
	return m
}

// doSaturation is the oxygen solubility of fresh water at T °C (mg/L).
func doSaturation(t float64) float64 {
	return 14.62 - 0.3898*t + 0.006969*t*t - 0.00005897*t*t*t
}

// water: temperature follows the season, dissolved oxygen the temperature
// and the sun, the rest drifts slowly with the tide. The Huangpu sits in
// class II–III, Suzhou Creek in class III (target IV).
func (s *Simulator) water(d *device, e *environment, sc *scene, m []city.Measurement) []city.Measurement {
	temp := e.waterT + 0.4*e.diurnal + 0.3*drift(d.salt^1, e.ts, 6*hours)
	cod, nh3, tp, ph, frac := 3.4, 0.32, 0.115, 7.55, 0.78
	if d.creek {
		temp += 0.5
		cod, nh3, tp, ph, frac = 4.8, 0.75, 0.17, 7.35, 0.62
	}
	do := doSaturation(temp)*frac + 0.25*e.diurnal + 0.25*drift(d.salt^2, e.ts, 3*hours)
	cod *= 1 + 0.08*drift(d.salt^3, e.ts, 4*hours) + 0.04*e.tide
	nh3 *= 1 + 0.15*drift(d.salt^4, e.ts, 5*hours) + 0.06*e.tide
	tp *= 1 + 0.1*drift(d.salt^5, e.ts, 6*hours)
	ph += 0.06*drift(d.salt^6, e.ts, 8*hours) + 0.05*e.diurnal
	if d.base && d.index == sc.waterIndex() {
		k := sc.strength(e.t, waterEventAt, waterRise, waterHold, waterFall)
		if d.creek { // combined-sewer discharge: class V against target IV
			do += (2.3 - do) * k
			nh3 += (1.75 - nh3) * k
			cod += (8.4 - cod) * k
			tp += (0.34 - tp) * k
			ph += (7.1 - ph) * k
		} else { // polluted water from upstream: class IV against target III
			do += (4.3 - do) * k
			nh3 += (1.3 - nh3) * k
			cod += (6.9 - cod) * k
			tp += (0.24 - tp) * k
		}
	}
	put(m, 0, city.ParamDO, math.Max(do*(1+0.01*e.noise(d, 1)), 0.1), unitDO, 2)
	put(m, 1, city.ParamCODMn, cod*(1+0.01*e.noise(d, 2)), unitCODMn, 2)
	put(m, 2, city.ParamNH3N, nh3*(1+0.015*e.noise(d, 3)), unitNH3N, 3)
	put(m, 3, city.ParamTP, tp*(1+0.015*e.noise(d, 4)), unitTP, 3)
	put(m, 4, city.ParamPH, ph+0.01*e.noise(d, 5), unitPH, 2)
	put(m, 5, city.ParamTemp, temp+0.05*e.noise(d, 6), unitTemp, 1)
	return m
}

// Noise levels (LAeq, dB(A)) by zone class at full daytime traffic and in
// the quietest night hour; every level stays under its GB 3096 limit.
var noiseLevels = map[string][2]float64{
	"1":  {51, 39.5},
	"2":  {56, 44},
	"4a": {66, 47.5},
}

// noise: LAeq follows road traffic through the day; Lmax sits 7–13 dB
// above it.
func (s *Simulator) noise(d *device, e *environment, sc *scene, m []city.Measurement) []city.Measurement {
	lv, ok := noiseLevels[d.zone]
	if !ok {
		lv = noiseLevels["2"]
	}
	laeq := lv[1] + (lv[0]-lv[1])*e.traffic + d.level + 0.8*drift(d.salt^1, e.ts, 10*minutes) + 0.4*e.noise(d, 1)
	k := 0.0
	if d.base && d.index == sc.noiseIndex() {
		k = sc.strength(e.t, noiseEventAt, noiseRise, noiseHold, noiseFall)
		laeq += noiseExcess * k
	}
	lmax := laeq + 7 + 6*unit(mix(d.salt^e.white^2)) + 6*k
	put(m, 0, city.ParamLAeq, laeq, unitLAeq, 1)
	put(m, 1, city.ParamLmax, lmax, unitLmax, 1)
	return m
}

// hydrant: network pressure dips when the district draws water.
func (s *Simulator) hydrant(d *device, e *environment, sc *scene, m []city.Measurement) []city.Measurement {
	p := d.level - 0.035*e.demand + 0.006*drift(d.salt^1, e.ts, 20*minutes) + 0.002*e.noise(d, 1)
	if d.base && d.index == sc.hydrantIndex() {
		k := sc.strength(e.t, hydrantDropAt, hydrantRise, hydrantHold, hydrantFall)
		p += (sc.hydrantLow - p) * k
	}
	put(m, 0, city.ParamPressure, math.Max(p, 0), unitPressure, 3)
	return m
}

// electrical: residual current and cable temperature follow the load of
// the building.
func (s *Simulator) electrical(d *device, e *environment, sc *scene, m []city.Measurement) []city.Measurement {
	ir := d.level*(0.7+0.3*e.load) + 8*drift(d.salt^1, e.ts, 15*minutes) + 3*e.noise(d, 1)
	temp := d.level2 + 16*e.load + 1.5*drift(d.salt^2, e.ts, hours) + 0.2*e.noise(d, 2)
	if d.base && d.index == sc.electricalIndex() {
		k := sc.strength(e.t, residualAt, residualRise, residualHold, residualFall)
		ir += (sc.residualPeak - ir) * k
		temp += 8 * k
	}
	put(m, 0, city.ParamResidualCurrent, math.Max(ir, 0), unitResidual, 0)
	put(m, 1, city.ParamCableTemp, temp, unitCable, 1)
	return m
}

// density returns a crowd zone's density (persons/m²) at t, without
// measurement noise.
func (s *Simulator) density(d *device, e *environment, sc *scene, t time.Time, work, hol float64, weekend bool) float64 {
	prof := hol
	if !weekend {
		prof = (1-d.crowd.visitorShare)*work + d.crowd.visitorShare*hol
	}
	ev := d.crowd.eveningShow * bump(hourOf(t), 20.5, 1.5)
	ts := float64(t.UnixNano()) / 1e9
	dens := d.crowd.peak * (0.03 + 0.97*prof) * (1 + ev) * (1 + 0.08*drift(d.salt^1, ts, 15*minutes))
	if d.base && sc != nil {
		switch {
		case d.bundZone:
			k := sc.strength(t, bundSurgeAt, bundRise, bundHold, bundFall)
			dens += (sc.bundPeak - dens) * k
		case d.chenYi:
			k := sc.strength(t, chenYiSurgeAt, chenYiRise, chenYiHold, chenYiFall)
			dens += (sc.chenYiPeak - dens) * k
		}
	}
	return math.Max(dens, 0)
}

// crowd: the head count follows the metro exits' daily shape; inflow is the
// turnover (count ÷ mean stay) plus the growth of the count.
func (s *Simulator) crowd(d *device, e *environment, sc *scene, m []city.Measurement) []city.Measurement {
	now := s.density(d, e, sc, e.t, e.crowdWork, e.crowdHol, e.weekend) * d.areaM2
	before := s.density(d, e, sc, e.t.Add(-inflowLag), e.crowdWorkLag, e.crowdHolLag, e.weekendLag) * d.areaM2
	growth := (now - before) / inflowLag.Minutes()
	inflow := (now/d.crowd.dwellMin + math.Max(growth, 0)) * (1 + 0.05*e.noise(d, 1))
	count := now * (1 + 0.01*e.noise(d, 2))
	put(m, 0, city.ParamCount, math.Max(count, 0), unitCount, 0)
	put(m, 1, city.ParamInflow, math.Max(inflow, 0), unitInflow, 0)
	return m
}

// smoke appends a smoke detector's heartbeat, if one fell due in
// (prev, now], and the fire events the scenes script for it.
func (s *Simulator) smoke(d *device, prev, now time.Time, first bool, out []city.Reading, take func(int) []city.Measurement) []city.Reading {
	battery := d.level
	emit := func(at time.Time, event string) {
		m := take(1)
		put(m, 0, city.ParamBattery, battery, unitBattery, 0)
		out = append(out, city.Reading{Feed: city.FeedFire, Station: d.id, Time: at.In(shanghai), Values: m, Event: event})
	}
	// the heartbeat: the last beat boundary in (prev, now], unless silenced
	var hbAt time.Time
	pn, nn := prev.UnixNano()-d.phase, now.UnixNano()-d.phase
	b0, b1 := floorDiv(pn, s.hbPeriod), floorDiv(nn, s.hbPeriod)
	hbDue := false
	if b1 > b0 {
		hbAt = time.Unix(0, b1*s.hbPeriod+d.phase)
		hbDue = !s.silent(d, hbAt)
	} else if first {
		// on start every detector reports in, so the map shows the
		// whole network at once rather than after a heartbeat period
		hbAt = now
		hbDue = !s.silent(d, hbAt)
	}
	beat := func(before time.Time) {
		if hbDue && !hbAt.After(before) {
			hbDue = false
			emit(hbAt, city.EventHeartbeat)
		}
	}
	// scripted events of the cycles the window touches; everything this
	// device sends in one tick goes out in time order
	if d.base {
		for c := max(s.cycleOf(prev), 0); c <= s.cycleOf(now); c++ {
			sc := s.scene(c)
			due := func(off time.Duration) (time.Time, bool) {
				at := sc.at.Add(off)
				ok := at.After(prev) && !at.After(now)
				if ok {
					beat(at)
				}
				return at, ok
			}
			if d.index == sc.smokeAlarm {
				if at, ok := due(smokeAlarmAt); ok {
					emit(at, city.EventAlarm)
				}
				if at, ok := due(smokeClearedAt); ok {
					emit(at, city.EventCleared)
				}
			}
			if d.index == s.lowBatt {
				if at, ok := due(lowBatteryAt); ok {
					emit(at, city.EventLowBattery)
				}
			}
			if d.index == sc.smokeFault {
				if at, ok := due(faultAt); ok {
					emit(at, city.EventFault)
				}
			}
		}
	}
	beat(now)
	return out
}

// silent reports whether the scene of t has silenced device d.
func (s *Simulator) silent(d *device, t time.Time) bool {
	if !d.base {
		return false
	}
	sc := s.sceneAt(t)
	if sc == nil || d.index != sc.smokeSilent {
		return false
	}
	dt := t.Sub(sc.at)
	return dt >= silentFrom && dt < silentFrom+silentFor
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// The scene's targets, or -1 when there is no scene (before the start).
func (sc *scene) airIndex() int {
	if sc == nil {
		return -1
	}
	return sc.air
}

func (sc *scene) waterIndex() int {
	if sc == nil {
		return -1
	}
	return sc.water
}

func (sc *scene) noiseIndex() int {
	if sc == nil {
		return -1
	}
	return sc.noise
}

func (sc *scene) hydrantIndex() int {
	if sc == nil {
		return -1
	}
	return sc.hydrant
}

func (sc *scene) electricalIndex() int {
	if sc == nil {
		return -1
	}
	return sc.electrical
}
