package city

import (
	"testing"
	"time"
)

func at(h, m int) time.Time { return time.Date(2026, 7, 15, h, m, 0, 0, Shanghai) }

func TestNoiseLimitEveryZoneDayAndNight(t *testing.T) {
	def := DefaultSiteConfig().Noise
	limits := []struct {
		zone       NoiseZone
		day, night float64
	}{
		{Zone0, 50, 40}, {Zone1, 55, 45}, {Zone2, 60, 50}, {Zone3, 65, 55}, {Zone4a, 70, 55}, {Zone4b, 70, 60},
	}
	times := []struct {
		t     time.Time
		night bool
	}{
		{at(0, 0), true}, {at(5, 59), true}, {at(6, 0), false}, {at(12, 0), false},
		{at(21, 59), false}, {at(22, 0), true}, {at(23, 59), true},
		// 14:00 UTC is 22:00 in Shanghai; 21:59 UTC is 05:59 next day.
		{time.Date(2026, 7, 15, 14, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 7, 15, 21, 59, 59, 0, time.UTC), true},
		{time.Date(2026, 7, 15, 22, 0, 0, 0, time.UTC), false},
	}
	for _, l := range limits {
		for _, tt := range times {
			got, night, err := NoiseLimit(l.zone, tt.t, def)
			want := l.day
			if tt.night {
				want = l.night
			}
			if err != nil || got != want || night != tt.night {
				t.Errorf("NoiseLimit(%s, %v) = %v night=%v %v; want %v night=%v", l.zone, tt.t, got, night, err, want, tt.night)
			}
		}
	}
	if _, _, err := NoiseLimit("5", at(12, 0), def); err == nil {
		t.Error("zone 5 accepted")
	}
}

func TestNoiseSiteHours(t *testing.T) {
	// Local government moved the day to 07:00–23:00.
	n := NoiseSettings{DayStart: Clock(7, 0), DayEnd: Clock(23, 0)}
	for _, tt := range []struct {
		t     time.Time
		night bool
	}{{at(6, 30), true}, {at(7, 0), false}, {at(22, 30), false}, {at(23, 0), true}} {
		if got := n.IsNight(tt.t); got != tt.night {
			t.Errorf("07–23: IsNight(%v) = %v", tt.t.Format("15:04"), got)
		}
	}
	// A day running past midnight: 07:00–00:30.
	w := NoiseSettings{DayStart: Clock(7, 0), DayEnd: Clock(0, 30)}
	for _, tt := range []struct {
		t     time.Time
		night bool
	}{{at(0, 15), false}, {at(0, 30), true}, {at(6, 59), true}, {at(7, 0), false}, {at(23, 59), false}} {
		if got := w.IsNight(tt.t); got != tt.night {
			t.Errorf("07–00:30: IsNight(%v) = %v", tt.t.Format("15:04"), got)
		}
	}
}

func noiseReading(t time.Time, laeq, lmax float64) Reading {
	r := Reading{Feed: FeedNoise, Station: "N1", Time: t}
	if laeq >= 0 {
		r.Values = append(r.Values, Measurement{Param: ParamLAeq, Value: laeq, Unit: "dB(A)"})
	}
	if lmax >= 0 {
		r.Values = append(r.Values, Measurement{Param: ParamLmax, Value: lmax, Unit: "dB(A)"})
	}
	return r
}

func TestAssessNoise(t *testing.T) {
	def := DefaultSiteConfig().Noise
	tests := []struct {
		name       string
		zone       NoiseZone
		t          time.Time
		laeq, lmax float64
		want       NoiseAssessment
	}{
		{"day at limit", Zone2, at(10, 0), 60, -1,
			NoiseAssessment{Zone: Zone2, Limit: 60, HasLAeq: true, LAeq: 60}},
		{"day over", Zone2, at(10, 0), 63.5, 80,
			NoiseAssessment{Zone: Zone2, Limit: 60, HasLAeq: true, LAeq: 63.5, Exceedance: 3.5, Over: true, HasLmax: true, Lmax: 80}},
		{"night Lmax at +15 is allowed", Zone2, at(23, 0), 48, 65,
			NoiseAssessment{Zone: Zone2, Night: true, Limit: 50, HasLAeq: true, LAeq: 48, HasLmax: true, Lmax: 65, LmaxLimit: 65}},
		{"night Lmax over +15", Zone2, at(23, 0), 48, 65.1,
			NoiseAssessment{Zone: Zone2, Night: true, Limit: 50, HasLAeq: true, LAeq: 48, HasLmax: true, Lmax: 65.1, LmaxLimit: 65, LmaxOver: true}},
		{"4b night Lmax only", Zone4b, at(3, 0), -1, 76,
			NoiseAssessment{Zone: Zone4b, Night: true, Limit: 60, HasLmax: true, Lmax: 76, LmaxLimit: 75, LmaxOver: true}},
		{"0 night over", Zone0, at(22, 0), 41, -1,
			NoiseAssessment{Zone: Zone0, Night: true, Limit: 40, HasLAeq: true, LAeq: 41, Exceedance: 1, Over: true}},
	}
	for _, tt := range tests {
		got, err := AssessNoise(tt.zone, noiseReading(tt.t, tt.laeq, tt.lmax), def)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v %v\nwant %+v", tt.name, got, err, tt.want)
		}
	}
	bad := Reading{Time: at(10, 0), Values: []Measurement{{Param: ParamLAeq, Value: -3}}}
	if _, err := AssessNoise(Zone1, bad, def); err == nil {
		t.Error("negative LAeq accepted")
	}
}

func TestParseNoiseZoneAndClock(t *testing.T) {
	for _, s := range []string{"0", "1", "2", "3", "4a", "4A", "4b", "2类", " 4b "} {
		if _, err := ParseNoiseZone(s); err != nil {
			t.Errorf("ParseNoiseZone(%q): %v", s, err)
		}
	}
	for _, s := range []string{"4", "4c", "", "a"} {
		if _, err := ParseNoiseZone(s); err == nil {
			t.Errorf("ParseNoiseZone(%q) accepted", s)
		}
	}
	c, err := ParseClockTime("06:30")
	if err != nil || c != Clock(6, 30) || c.String() != "06:30" {
		t.Errorf("ParseClockTime: %v %v", c, err)
	}
	for _, s := range []string{"24:00", "6", "06:60", "noon"} {
		if _, err := ParseClockTime(s); err == nil {
			t.Errorf("ParseClockTime(%q) accepted", s)
		}
	}
}
