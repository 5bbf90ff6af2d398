package sim

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
)

// The embedded PM2.5 excerpt starts on Monday 2015-04-20 00:00 local time
// and holds four whole weeks, so that the weekly rhythm carries over when
// "now" is mapped onto it week by week.
const (
	pmSeriesWeeks = 4
	pmSeriesHours = pmSeriesWeeks * 7 * 24
	// pmScale brings 2015 levels to today's: Shanghai's annual mean PM2.5
	// fell from about 53 µg/m³ (2015) to about 30 µg/m³ (2020s).
	pmScale = 0.65
)

// shapes are the real daily and weekly shapes the simulator follows.
type shapes struct {
	pm25     [pmSeriesHours]float64 // µg/m³, US consulate, hourly
	workday  [24]float64            // 南京东路 exits per hour, working days, normalised to max 1
	holiday  [24]float64            // same, weekends and public holidays
	pmSeries time.Time              // local time of pm25[0]
}

var loadShapes = sync.OnceValues(parseShapes)

func parseShapes() (*shapes, error) {
	sh := &shapes{pmSeries: time.Date(2015, 4, 20, 0, 0, 0, 0, shanghai)}
	rows, err := readCSV("data/pm25_hourly.csv", 2)
	if err != nil {
		return nil, err
	}
	if len(rows) != pmSeriesHours {
		return nil, fmt.Errorf("data/pm25_hourly.csv: %d hours, want %d", len(rows), pmSeriesHours)
	}
	for i, r := range rows {
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil || v < 0 || !finite(v) {
			return nil, fmt.Errorf("data/pm25_hourly.csv row %d: bad value %q", i+2, r[1])
		}
		sh.pm25[i] = v
	}
	rows, err = readCSV("data/metro_exit_profile.csv", 3)
	if err != nil {
		return nil, err
	}
	if len(rows) != 24 {
		return nil, fmt.Errorf("data/metro_exit_profile.csv: %d hours, want 24", len(rows))
	}
	for h, r := range rows {
		for k, dst := range []*[24]float64{&sh.workday, &sh.holiday} {
			v, err := strconv.ParseFloat(r[1+k], 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("data/metro_exit_profile.csv hour %d: bad value %q", h, r[1+k])
			}
			dst[h] = v
		}
	}
	for _, p := range []*[24]float64{&sh.workday, &sh.holiday} {
		peak := 0.0
		for _, v := range p {
			peak = math.Max(peak, v)
		}
		if peak == 0 {
			return nil, fmt.Errorf("data/metro_exit_profile.csv: a profile is all zero")
		}
		for h := range p {
			p[h] /= peak
		}
	}
	return sh, nil
}

func readCSV(name string, cols int) ([][]string, error) {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = cols
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no data rows", name)
	}
	return rows[1:], nil
}

// PM25 returns the district's background PM2.5 (µg/m³) at local time t:
// the embedded real series, scaled to today's levels, with t mapped onto
// it by week of the year, weekday and hour, interpolated between hours.
func (sh *shapes) PM25(t time.Time) float64 {
	t = t.In(shanghai)
	hours := t.Sub(sh.pmSeries).Hours()
	idx := math.Mod(hours, pmSeriesHours)
	if idx < 0 {
		idx += pmSeriesHours
	}
	i := int(idx)
	frac := idx - float64(i)
	a, b := sh.pm25[i%pmSeriesHours], sh.pm25[(i+1)%pmSeriesHours]
	return pmScale * (a + (b-a)*frac)
}

// crowdProfile returns the relative footfall (0..1) at local time t: the
// 南京东路 station exits by hour, the holiday shape on weekends, a blend
// of the two on working days weighted by how much of the zone's crowd are
// visitors rather than commuters.
func (sh *shapes) crowdProfile(t time.Time, visitorShare float64) float64 {
	t = t.In(shanghai)
	h := float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600
	i := int(h)
	frac := h - float64(i)
	at := func(p *[24]float64) float64 {
		return p[i%24] + (p[(i+1)%24]-p[i%24])*frac
	}
	hol := at(&sh.holiday)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return hol
	}
	return (1-visitorShare)*at(&sh.workday) + visitorShare*hol
}

// hourOf returns the local hour of t with its fraction.
func hourOf(t time.Time) float64 {
	t = t.In(shanghai)
	return float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600
}

// dayOfYear returns the local day of the year of t with its fraction.
func dayOfYear(t time.Time) float64 {
	t = t.In(shanghai)
	return float64(t.YearDay()) + hourOf(t)/24
}

// traffic is the relative road traffic by hour (0..1), night low at 03:00.
// Night hours (22:00–06:00) stay at or below 0.25 so that a station's
// level keeps under its night limit.
var traffic = [24]float64{0.16, 0.08, 0.04, 0.02, 0.04, 0.1, 0.25, 0.7, 1, 0.95, 0.9, 0.9,
	0.88, 0.9, 0.9, 0.92, 0.95, 1, 0.95, 0.82, 0.7, 0.5, 0.22, 0.16}

func trafficAt(h float64) float64 {
	i := int(h) % 24
	frac := h - math.Floor(h)
	return traffic[i] + (traffic[(i+1)%24]-traffic[i])*frac
}

// bump is a bell of height 1 centred on hour c with width w hours.
func bump(h, c, w float64) float64 {
	d := math.Abs(h - c)
	if d > 12 {
		d = 24 - d
	}
	return math.Exp(-d * d / (2 * w * w))
}

// smoothstep eases 0→1 as x goes 0→1.
func smoothstep(x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	return x * x * (3 - 2*x)
}

// envelope is an incident's strength (0..1) dt after its onset: a smooth
// rise, a plateau and a smooth fall.
func envelope(dt, rise, hold, fall time.Duration) float64 {
	switch {
	case dt <= 0:
		return 0
	case dt < rise:
		return smoothstep(float64(dt) / float64(rise))
	case dt < rise+hold:
		return 1
	case dt < rise+hold+fall:
		return 1 - smoothstep(float64(dt-rise-hold)/float64(fall))
	}
	return 0
}

// mix is the SplitMix64 finaliser: a fast, well-spread 64-bit hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit maps a hash onto [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// signed maps a hash onto [-1, 1).
func signed(h uint64) float64 { return 2*unit(h) - 1 }

// drift is smooth value noise in [-1, 1] at time t (seconds), changing
// over about period seconds: hashed values at whole periods, eased in
// between. It needs no state, so a reading depends only on the seed, the
// station and the time.
func drift(salt uint64, t, period float64) float64 {
	x := t / period
	f := math.Floor(x)
	k := uint64(int64(f))
	a := signed(mix(salt ^ mix(k)))
	b := signed(mix(salt ^ mix(k+1)))
	return a + (b-a)*smoothstep(x-f)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// round returns v rounded to the given number of decimals.
func round(v float64, decimals int) float64 {
	p := pow10[decimals]
	return math.Round(v*p) / p
}

var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7}
