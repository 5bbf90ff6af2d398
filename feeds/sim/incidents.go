package sim

import (
	"time"
)

// CyclePeriod is how often the scripted incidents recur. Each cycle picks
// its stations afresh from the base set (by the seed), so the story moves
// around the district. Incidents are compressed in time: a real pollution
// episode builds over hours, here over a minute, so that a demo shows
// every kind of alert within two minutes of the start.
const CyclePeriod = 20 * time.Minute

// When each incident starts, counted from the start of its cycle, and how
// it develops (rise, hold, fall).
const (
	chenYiSurgeAt = 10 * time.Second // 陈毅广场 fills to 3–3.4 persons/m²
	chenYiRise    = 100 * time.Second
	chenYiHold    = 3 * time.Minute
	chenYiFall    = 4 * time.Minute

	airEpisodeAt = 15 * time.Second // PM2.5 climbs to AQI 150–200 at one station
	airRise      = 75 * time.Second
	airHold      = 5 * time.Minute
	airFall      = 3 * time.Minute

	waterEventAt = 20 * time.Second // a discharge drops one section below its target class
	waterRise    = 60 * time.Second
	waterHold    = 6 * time.Minute
	waterFall    = 6 * time.Minute

	bundSurgeAt = 20 * time.Second // 外滩滨水区 holiday surge to 2.7–3.3 persons/m²
	bundRise    = 5 * time.Minute
	bundHold    = 4 * time.Minute
	bundFall    = 5 * time.Minute

	noiseEventAt = 30 * time.Second // construction next to a zone-1 station: +14 dB
	noiseRise    = 20 * time.Second
	noiseHold    = 7 * time.Minute // long enough for a 5-minute minimum duration
	noiseFall    = 30 * time.Second
	noiseExcess  = 14.0 // dB(A) added to LAeq at the height of the incident

	smokeAlarmAt   = 40 * time.Second // a smoke detector alarms …
	smokeClearedAt = smokeAlarmAt + 150*time.Second
	hydrantDropAt  = 70 * time.Second // a hydrant loses pressure
	hydrantRise    = 25 * time.Second
	hydrantHold    = 4 * time.Minute
	hydrantFall    = 30 * time.Second
	silentFrom     = 150 * time.Second // a smoke detector stops beating
	silentFor      = 16 * time.Minute  // beyond a 15-minute heartbeat timeout
	lowBatteryAt   = 4 * time.Minute   // the weak detector reports its battery
	residualAt     = 7 * time.Minute   // residual current above the alarm level
	residualRise   = 40 * time.Second
	residualHold   = 2 * time.Minute
	residualFall   = 40 * time.Second
	faultAt        = 10 * time.Minute // a detector reports a fault

	lowBatteryLevel = 15.0 // % of the weak detector
)

// scene is one cycle's cast: which stations the incidents strike and how
// hard. Indexes are among the base stations of the kind.
type scene struct {
	cycle int64
	at    time.Time // start of the cycle

	air, water, noise                   int
	smokeAlarm, smokeSilent, smokeFault int
	hydrant, electrical                 int

	airPeak      float64 // PM2.5, µg/m³
	bundPeak     float64 // persons/m²
	chenYiPeak   float64 // persons/m²
	hydrantLow   float64 // MPa
	residualPeak float64 // mA
}

// zone-1 noise stations (the incidents' targets): indexes into noiseSites.
var quietNoiseSites = func() []int {
	var out []int
	for i, n := range noiseSites {
		if n.zone == "1" {
			out = append(out, i)
		}
	}
	return out
}()

// cycleOf returns the incident cycle t falls in (negative before start).
func (s *Simulator) cycleOf(t time.Time) int64 {
	d := t.Sub(s.start)
	c := int64(d / CyclePeriod)
	if d < 0 && d%CyclePeriod != 0 {
		c--
	}
	return c
}

// sceneAt returns the cast of the cycle now falls in, or nil before start.
func (s *Simulator) sceneAt(now time.Time) *scene {
	c := s.cycleOf(now)
	if c < 0 {
		return nil
	}
	return s.scene(c)
}

func (s *Simulator) scene(c int64) *scene {
	for i := range s.scenes {
		if s.scenes[i].cycle == c {
			return &s.scenes[i]
		}
	}
	// keep the newer of the two cached scenes, replace the older
	slot := 0
	if s.scenes[1].cycle < s.scenes[0].cycle {
		slot = 1
	}
	sc := &s.scenes[slot]
	*sc = s.cast(c)
	return sc
}

// cast picks the stations and strengths of cycle c from the seed.
func (s *Simulator) cast(c int64) scene {
	h := mix(uint64(s.cfg.Seed) ^ mix(uint64(c)+0x5eed))
	draw := func(tag uint64) uint64 { return mix(h ^ tag) }
	pick := func(tag uint64, n int) int { return int(draw(tag) % uint64(n)) }
	between := func(tag uint64, lo, hi float64) float64 { return lo + (hi-lo)*unit(draw(tag)) }

	sc := scene{cycle: c, at: s.start.Add(time.Duration(c) * CyclePeriod)}
	sc.air = pick(1, baseCounts[kindAir])
	if c%2 == 0 {
		sc.water = 0 // Suzhou Creek: pumping station discharge after rain
	} else {
		sc.water = 1 + pick(2, baseCounts[kindWater]-1)
	}
	sc.noise = quietNoiseSites[pick(3, len(quietNoiseSites))]

	n := baseCounts[kindSmoke]
	taken := map[int]bool{s.lowBatt: true}
	distinct := func(tag uint64) int {
		i := pick(tag, n)
		for taken[i] {
			i = (i + 1) % n
		}
		taken[i] = true
		return i
	}
	sc.smokeAlarm = distinct(4)
	sc.smokeSilent = distinct(5)
	sc.smokeFault = distinct(6)
	sc.hydrant = pick(7, baseCounts[kindHydrant])
	sc.electrical = pick(8, baseCounts[kindElectrical])

	sc.airPeak = between(9, 118, 145)     // IAQI 154–193: 中度污染
	sc.bundPeak = between(10, 2.7, 3.3)   // Still: at capacity
	sc.chenYiPeak = between(11, 3.0, 3.4) // at capacity, near unstable
	sc.hydrantLow = between(12, 0.05, 0.10)
	sc.residualPeak = between(13, 360, 430)
	return sc
}

// strength is how far into an incident the scene is at time t (0..1).
func (sc *scene) strength(t time.Time, at, rise, hold, fall time.Duration) float64 {
	if sc == nil {
		return 0
	}
	return envelope(t.Sub(sc.at.Add(at)), rise, hold, fall)
}
