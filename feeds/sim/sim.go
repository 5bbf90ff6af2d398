// Package sim simulates the demo district, Huangpu (黄浦区, the Bund): five
// air stations, three water sections, eight noise stations, sixty fire
// devices and four crowd zones, whose values follow real daily and weekly
// shapes and which show a scripted set of incidents within minutes of the
// start, recurring every CyclePeriod. See README.md for the stations, the
// sources of every shape and place, and their licences.
//
// A Simulator is deterministic: the same Config (seed, scale, interval,
// start time) and the same tick times give the same readings.
package sim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"onescreen/city"
)

// Publisher receives what the simulator produces; feeds.Server is one.
type Publisher interface {
	PutStation(city.Station) error
	Publish(city.Reading) (uint64, error)
}

// refusal is an error by which a publisher refuses one reading for good
// (it has reported it itself) and can take the next.
type refusal interface{ Refused() bool }

// Defaults and limits of Config.
const (
	DefaultInterval = 5 * time.Second  // reporting period of every station
	MinInterval     = time.Millisecond // shortest reporting period accepted
	MaxScale        = 1000             // 80 000 stations
	HeartbeatEvery  = 12               // smoke detectors beat once per 12 reporting periods (60 s at the default)
	maxCatchUp      = 10               // a tick late by more periods than this does not replay missed events
)

var shanghai = city.Shanghai

// Config sets up a Simulator. The zero value is the base district at the
// default interval, seed 0, on the wall clock.
type Config struct {
	// Scale multiplies the number of stations of every feed; the stations
	// beyond the base set are synthetic ones spread over the district.
	// 0 means 1.
	Scale int
	// Interval is the reporting period; 0 means DefaultInterval. Smoke
	// detectors send a heartbeat every HeartbeatEvery intervals.
	Interval time.Duration
	// Seed varies the values and the choice of the incidents' stations.
	Seed int64
	// Now is the clock; nil means time.Now. Incidents are timed from the
	// moment New is called.
	Now func() time.Time
}

// Validate reports a Config that New would have to correct.
func (c Config) Validate() error {
	if c.Scale < 0 || c.Scale > MaxScale {
		return fmt.Errorf("scale %d: must be between 1 and %d", c.Scale, MaxScale)
	}
	if c.Interval < 0 || (c.Interval > 0 && c.Interval < MinInterval) {
		return fmt.Errorf("interval %v: must be at least %v", c.Interval, MinInterval)
	}
	return nil
}

func (c Config) normalised() Config {
	c.Scale = max(1, min(c.Scale, MaxScale))
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	c.Interval = max(c.Interval, MinInterval)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Simulator produces the demo district's readings. Tick and Run must not
// be called from more than one goroutine at a time; Stations may be.
type Simulator struct {
	cfg      Config
	start    time.Time
	district *District
	shapes   *shapes
	stations []city.Station
	devs     []device
	err      error

	perKind  [numKinds][]int // device indexes by kind, base set first
	lowBatt  int             // the smoke detector whose battery is low
	hbPeriod int64           // smoke heartbeat period, ns
	valCap   int             // measurements per tick, upper bound

	last   time.Time
	scenes [2]scene // cache of the last cycles' scenes
}

// New builds the simulator for cfg. Out-of-range settings are corrected
// (see Config.Validate to refuse them instead). If the embedded district
// data cannot be read, Err reports it, Stations is empty and Run fails.
func New(cfg Config) *Simulator {
	cfg = cfg.normalised()
	s := &Simulator{cfg: cfg, start: cfg.Now(), lowBatt: -1}
	s.scenes[0].cycle, s.scenes[1].cycle = -1<<62, -1<<62
	s.district, s.err = Huangpu()
	if s.err != nil {
		return s
	}
	s.shapes, s.err = loadShapes()
	if s.err != nil {
		s.err = fmt.Errorf("embedded shapes: %w", s.err)
		return s
	}
	s.stations, s.devs, s.err = layout(s.district, cfg.Scale, cfg.Seed)
	if s.err != nil {
		return s
	}
	s.hbPeriod = int64(cfg.Interval) * HeartbeatEvery
	nSmoke := baseCounts[kindSmoke]
	s.lowBatt = int(mix(uint64(cfg.Seed)^0x10b) % uint64(nSmoke))
	for i := range s.devs {
		d := &s.devs[i]
		s.perKind[d.kind] = append(s.perKind[d.kind], i)
		switch d.kind {
		case kindAir, kindWater:
			s.valCap += 6
		case kindNoise, kindElectrical, kindCrowd:
			s.valCap += 2
		case kindSmoke, kindHydrant:
			s.valCap++
		}
		if d.kind == kindSmoke {
			// spread the heartbeats evenly over the period
			d.phase = int64(mix(d.salt)%uint64(s.hbPeriod/int64(time.Millisecond))) * int64(time.Millisecond)
			s.stations[i].Attrs[AttrHeartbeat] = strconv.FormatFloat(time.Duration(s.hbPeriod).Seconds(), 'f', -1, 64)
			if d.base && d.index == s.lowBatt {
				d.level = lowBatteryLevel
			}
		}
	}
	return s
}

// Err reports why the simulator could not be built, or nil.
func (s *Simulator) Err() error { return s.err }

// Config returns the settings in force (after New's corrections).
func (s *Simulator) Config() Config { return s.cfg }

// Start returns the time incidents are counted from.
func (s *Simulator) Start() time.Time { return s.start }

// Stations returns the simulated stations in a stable order: air, water,
// noise, fire, crowd, the base set of each before any synthetic ones. The
// slice is a copy; the stations' Attrs maps and geometry are shared and
// must not be modified.
func (s *Simulator) Stations() []city.Station {
	return append([]city.Station(nil), s.stations...)
}

// Tick returns the readings observed at now: one per air, water, noise,
// hydrant, electrical-fire station and crowd zone, plus the smoke
// detectors' heartbeats and any fire events that fell due since the
// previous tick (or within one interval, for the first). It does no I/O.
func (s *Simulator) Tick(now time.Time) []city.Reading {
	if s.err != nil {
		return nil
	}
	now = now.In(shanghai)
	first := s.last.IsZero()
	prev := now.Add(-s.cfg.Interval)
	if !s.last.IsZero() && s.last.Before(now) && now.Sub(s.last) <= maxCatchUp*s.cfg.Interval {
		prev = s.last
	}
	s.last = now

	e := s.environment(now)
	sc := s.sceneAt(now)
	if sc != nil {
		own := *sc // the cache may be refilled while this tick runs
		sc = &own
	}
	out := make([]city.Reading, 0, len(s.devs)+4)
	vals := make([]city.Measurement, s.valCap+8)
	v := 0
	take := func(n int) []city.Measurement {
		if v+n > len(vals) { // only when many events fall in one tick
			vals = make([]city.Measurement, max(len(vals), 64))
			v = 0
		}
		m := vals[v : v+n : v+n]
		v += n
		return m
	}
	for i := range s.devs {
		d := &s.devs[i]
		r := city.Reading{Feed: s.stations[i].Feed, Station: d.id, Time: now}
		switch d.kind {
		case kindAir:
			r.Values = s.air(d, &e, sc, take(6))
		case kindWater:
			r.Values = s.water(d, &e, sc, take(6))
		case kindNoise:
			r.Values = s.noise(d, &e, sc, take(2))
		case kindHydrant:
			r.Values = s.hydrant(d, &e, sc, take(1))
		case kindElectrical:
			r.Values = s.electrical(d, &e, sc, take(2))
		case kindCrowd:
			r.Values = s.crowd(d, &e, sc, take(2))
		case kindSmoke:
			out = s.smoke(d, prev, now, first, out, take)
			continue
		}
		out = append(out, r)
	}
	return out
}

// Run puts every station to pub, then publishes a tick of readings every
// interval until ctx is done (it then returns nil) or pub fails (a
// reading the publisher refuses for good alone is skipped).
func (s *Simulator) Run(ctx context.Context, pub Publisher) error {
	if s.err != nil {
		return s.err
	}
	if pub == nil {
		return errors.New("sim: nil publisher")
	}
	for _, st := range s.stations {
		if err := pub.PutStation(st); err != nil {
			return fmt.Errorf("put station %s: %w", st.ID, err)
		}
	}
	tk := time.NewTicker(s.cfg.Interval)
	defer tk.Stop()
	for {
		for _, r := range s.Tick(s.cfg.Now()) {
			if _, err := pub.Publish(r); err != nil {
				var ref refusal
				if errors.As(err, &ref) && ref.Refused() {
					continue // that reading only: the publisher counted and reported it
				}
				return fmt.Errorf("publish %s reading of %s: %w", r.Feed, r.Station, err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tk.C:
		}
	}
}
