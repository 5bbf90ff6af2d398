package city

import (
	"fmt"
	"strings"
	"time"
)

// Environmental noise limits per GB 3096-2008: an equivalent continuous
// A-weighted level (LAeq, dB(A)) per acoustic zone class, by day and by
// night in local time, and at night a ceiling on sudden noise (Lmax).

// NoiseZone is a GB 3096 acoustic environment zone class.
type NoiseZone string

// The zone classes of GB 3096-2008.
const (
	Zone0  NoiseZone = "0"  // convalescence: sanatoria, high-end retreats
	Zone1  NoiseZone = "1"  // residential, hospitals, schools, offices
	Zone2  NoiseZone = "2"  // commercial and mixed
	Zone3  NoiseZone = "3"  // industrial, logistics
	Zone4a NoiseZone = "4a" // along trunk roads, urban rail (above ground), inland waterways
	Zone4b NoiseZone = "4b" // along railway trunk lines
)

// NoiseZones lists the zone classes in order.
var NoiseZones = []NoiseZone{Zone0, Zone1, Zone2, Zone3, Zone4a, Zone4b}

// noiseLimits are the LAeq limits of GB 3096-2008 Table 1, dB(A): day, night.
var noiseLimits = map[NoiseZone][2]float64{
	Zone0:  {50, 40},
	Zone1:  {55, 45},
	Zone2:  {60, 50},
	Zone3:  {65, 55},
	Zone4a: {70, 55},
	Zone4b: {70, 60},
}

// NightLmaxAllowance is how far a sudden noise's Lmax may exceed the night
// limit, dB(A) (GB 3096-2008).
const NightLmaxAllowance = 15.0

// Valid reports whether z is a GB 3096 zone class.
func (z NoiseZone) Valid() bool { _, ok := noiseLimits[z]; return ok }

// Label gives the class as officers write it, e.g. "4a类".
func (z NoiseZone) Label() string { return string(z) + "类" }

// ParseNoiseZone reads "0".."3", "4a", "4b" (any case, optional 类 suffix).
func ParseNoiseZone(s string) (NoiseZone, error) {
	t := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "类"))
	z := NoiseZone(t)
	if !z.Valid() {
		return "", fmt.Errorf("unknown noise zone class %q (want 0, 1, 2, 3, 4a or 4b)", s)
	}
	return z, nil
}

// UnmarshalText reads what ParseNoiseZone accepts; "" gives "".
func (z *NoiseZone) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*z = ""
		return nil
	}
	v, err := ParseNoiseZone(string(b))
	if err != nil {
		return err
	}
	*z = v
	return nil
}

// ClockTime is a time of day in minutes after local midnight (0..1439),
// written "HH:MM".
type ClockTime int

// minutesPerDay is the length of a day in minutes.
const minutesPerDay = 24 * 60

// Clock returns the ClockTime h:m.
func Clock(h, m int) ClockTime { return ClockTime(h*60 + m) }

// Valid reports whether c lies within 00:00..23:59.
func (c ClockTime) Valid() bool { return c >= 0 && c < minutesPerDay }

// String gives "HH:MM".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// ParseClockTime reads "HH:MM" (24-hour clock).
func ParseClockTime(s string) (ClockTime, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("time of day %q: want HH:MM: %w", s, err)
	}
	return Clock(t.Hour(), t.Minute()), nil
}

// MarshalText writes "HH:MM".
func (c ClockTime) MarshalText() ([]byte, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("invalid time of day %d min", int(c))
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads "HH:MM".
func (c *ClockTime) UnmarshalText(b []byte) error {
	v, err := ParseClockTime(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// clockOf gives t's local time of day in Shanghai.
func clockOf(t time.Time) ClockTime {
	l := t.In(Shanghai)
	return Clock(l.Hour(), l.Minute())
}

// IsNight reports whether t falls in the night period: from DayEnd
// (inclusive) to DayStart (exclusive), local time in Shanghai. The default
// day is 06:00–22:00, so 06:00 is day and 22:00 is night.
func (n NoiseSettings) IsNight(t time.Time) bool {
	c := clockOf(t)
	if n.DayStart <= n.DayEnd {
		return c < n.DayStart || c >= n.DayEnd
	}
	// A day that wraps past midnight (e.g. 07:00–00:30).
	return c < n.DayStart && c >= n.DayEnd
}

// NoiseLimit returns the LAeq limit (dB(A)) of zone at t and whether t is
// night, per GB 3096-2008 with the site's day hours.
func NoiseLimit(zone NoiseZone, t time.Time, n NoiseSettings) (limit float64, night bool, err error) {
	l, ok := noiseLimits[zone]
	if !ok {
		return 0, false, fmt.Errorf("noise limit: unknown zone class %q", zone)
	}
	if night = n.IsNight(t); night {
		return l[1], true, nil
	}
	return l[0], false, nil
}

// NoiseAssessment judges one noise reading against its zone.
type NoiseAssessment struct {
	Zone       NoiseZone
	Night      bool
	Limit      float64 // LAeq limit in force, dB(A)
	HasLAeq    bool
	LAeq       float64 // dB(A)
	Exceedance float64 // LAeq − Limit when positive, else 0, dB(A)
	Over       bool    // LAeq above the limit (equal is compliant)
	HasLmax    bool
	Lmax       float64 // dB(A)
	LmaxLimit  float64 // night only: Limit + 15 dB(A); 0 by day
	LmaxOver   bool    // night only: Lmax more than 15 dB(A) above the limit
}

// AssessNoise judges a noise station's reading (laeq and, optionally,
// lmax) at the reading's local time. A reading without laeq still gets its
// limit and, at night, its Lmax judged.
func AssessNoise(zone NoiseZone, r Reading, n NoiseSettings) (NoiseAssessment, error) {
	limit, night, err := NoiseLimit(zone, r.Time, n)
	if err != nil {
		return NoiseAssessment{}, err
	}
	a := NoiseAssessment{Zone: zone, Night: night, Limit: limit}
	if v, ok := r.Value(ParamLAeq); ok {
		if !Finite(v) || v < 0 {
			return a, fmt.Errorf("noise: laeq = %v is not a level", v)
		}
		a.HasLAeq, a.LAeq = true, v
		if guarded(v) > limit {
			a.Over, a.Exceedance = true, guarded(v-limit)
		}
	}
	if v, ok := r.Value(ParamLmax); ok {
		if !Finite(v) || v < 0 {
			return a, fmt.Errorf("noise: lmax = %v is not a level", v)
		}
		a.HasLmax, a.Lmax = true, v
		if night {
			a.LmaxLimit = limit + NightLmaxAllowance
			a.LmaxOver = guarded(v) > a.LmaxLimit
		}
	}
	return a, nil
}
