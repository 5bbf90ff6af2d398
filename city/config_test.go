package city

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestDefaultSiteConfigValid(t *testing.T) {
	c := DefaultSiteConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// The documented defaults.
	if c.AQIEdition != EditionByTime || c.Noise.DayStart != Clock(6, 0) || c.Noise.DayEnd != Clock(22, 0) ||
		c.Water.TargetClass != ClassIII || c.Water.Body != River ||
		c.Crowd.MediumAt != 1.0 || c.Crowd.HighAt != 2.5 || c.Crowd.CriticalAt != 3.5 ||
		c.Fire.HydrantMinMPa != 0.14 || c.Fire.HydrantMaxMPa != 0.70 || c.Fire.ResidualCurrentMA != 300 ||
		c.Fire.CableTempC != 70 || c.Fire.HeartbeatTimeout != 15*time.Minute || c.Alerts.EscalateAfter != 10*time.Minute {
		t.Errorf("defaults changed: %+v", c)
	}
	for _, cond := range Conditions {
		if _, ok := c.Alerts.Rule(cond); !ok {
			t.Errorf("no rule settings for %s", cond)
		}
	}
}

func TestValidateNamesEachBadKey(t *testing.T) {
	tests := []struct {
		key string
		mod func(c *SiteConfig)
	}{
		{"aqi_edition", func(c *SiteConfig) { c.AQIEdition = 2019 }},
		{"noise.day_start", func(c *SiteConfig) { c.Noise.DayStart = 24 * 60 }},
		{"noise.day_end", func(c *SiteConfig) { c.Noise.DayEnd = c.Noise.DayStart }},
		{"water.target_class", func(c *SiteConfig) { c.Water.TargetClass = ClassWorseThanV }},
		{"water.water_body", func(c *SiteConfig) { c.Water.Body = "sea" }},
		{"crowd", func(c *SiteConfig) { c.Crowd.HighAt = 0.5 }},
		{"crowd", func(c *SiteConfig) { c.Crowd.CriticalAt = math.NaN() }},
		{"crowd.capacity_density", func(c *SiteConfig) { c.Crowd.CapacityDensity = 0 }},
		{"crowd.warn_time_to_capacity", func(c *SiteConfig) { c.Crowd.WarnTimeToCapacity = -time.Minute }},
		{"fire", func(c *SiteConfig) { c.Fire.HydrantMinMPa = 0.8 }},
		{"fire.residual_current_ma", func(c *SiteConfig) { c.Fire.ResidualCurrentMA = 100 }},
		{"fire.residual_current_ma", func(c *SiteConfig) { c.Fire.ResidualCurrentMA = 501 }},
		{"fire.cable_temp_c", func(c *SiteConfig) { c.Fire.CableTempC = 150 }},
		{"fire.heartbeat_timeout", func(c *SiteConfig) { c.Fire.HeartbeatTimeout = 0 }},
		{"fire.low_battery_percent", func(c *SiteConfig) { c.Fire.LowBatteryPercent = 120 }},
		{"alerts.escalate_after", func(c *SiteConfig) { c.Alerts.EscalateAfter = -1 }},
		{"alerts.aqi.margin", func(c *SiteConfig) { c.Alerts.AQI.Margin = -1 }},
		{"alerts.water_class.margin", func(c *SiteConfig) { c.Alerts.WaterClass.Margin = 0.6 }},
		{"alerts.noise_day.min_duration", func(c *SiteConfig) { c.Alerts.NoiseDay.MinDuration = -time.Second }},
		{`stations."W1".target_class`, func(c *SiteConfig) { c.Stations = map[string]StationSettings{"W1": {TargetClass: 9}} }},
		{`stations."N1".zone_class`, func(c *SiteConfig) { c.Stations = map[string]StationSettings{"N1": {ZoneClass: "5"}} }},
		{`stations."C1".capacity`, func(c *SiteConfig) { c.Stations = map[string]StationSettings{"C1": {Capacity: -5}} }},
	}
	for _, tt := range tests {
		c := DefaultSiteConfig()
		tt.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.key+":") {
			t.Errorf("%s: got %v", tt.key, err)
		}
	}
}

func TestStationSettingsPrecedence(t *testing.T) {
	c := DefaultSiteConfig()
	w := Station{ID: "W1", Feed: FeedWater, Attrs: map[string]string{AttrTargetClass: "II", AttrWaterBody: "lake"}}
	if tc, _ := c.TargetClassFor(w); tc != ClassII {
		t.Errorf("attr target: %v", tc)
	}
	if b, _ := c.WaterBodyFor(w); b != Lake {
		t.Errorf("attr body: %v", b)
	}
	if tc, _ := c.TargetClassFor(Station{ID: "W2"}); tc != ClassIII {
		t.Errorf("default target: %v", tc)
	}
	c.Stations = map[string]StationSettings{"W1": {TargetClass: ClassIV, WaterBody: River}, "N1": {ZoneClass: Zone4a}}
	if tc, _ := c.TargetClassFor(w); tc != ClassIV {
		t.Errorf("override target: %v", tc)
	}
	if b, _ := c.WaterBodyFor(w); b != River {
		t.Errorf("override body: %v", b)
	}
	if z, err := c.ZoneClassFor(Station{ID: "N1", Attrs: map[string]string{AttrZoneClass: "1"}}); err != nil || z != Zone4a {
		t.Errorf("override zone: %v %v", z, err)
	}
	if z, err := c.ZoneClassFor(Station{ID: "N2", Attrs: map[string]string{AttrZoneClass: "4B"}}); err != nil || z != Zone4b {
		t.Errorf("attr zone: %v %v", z, err)
	}
	if _, err := c.ZoneClassFor(Station{ID: "N3"}); err == nil {
		t.Error("noise station without zone class accepted")
	}
	if _, err := c.TargetClassFor(Station{ID: "W3", Attrs: map[string]string{AttrTargetClass: "劣V"}}); err == nil {
		t.Error("劣V accepted as a target")
	}
	if _, err := c.CapacityFor(Station{ID: "C9", Attrs: map[string]string{AttrCapacity: "many"}}, 100); err == nil {
		t.Error("capacity \"many\" accepted")
	}
}

func TestConfigTextTypes(t *testing.T) {
	var e AQIEdition
	if err := e.UnmarshalText([]byte("2026")); err != nil || e != Edition2026 {
		t.Errorf("edition: %v %v", e, err)
	}
	if b, _ := EditionByTime.MarshalText(); string(b) != "" {
		t.Errorf("by time marshals as %q", b)
	}
	var c ClockTime
	if err := c.UnmarshalText([]byte("21:30")); err != nil || c != Clock(21, 30) {
		t.Errorf("clock: %v %v", c, err)
	}
	var z NoiseZone
	if err := z.UnmarshalText([]byte("4A")); err != nil || z != Zone4a {
		t.Errorf("zone: %v %v", z, err)
	}
	var w WaterClass
	if err := w.UnmarshalText([]byte("Ⅱ")); err != nil || w != ClassII {
		t.Errorf("class: %v %v", w, err)
	}
	var b WaterBody
	if err := b.UnmarshalText([]byte("水库")); err != nil || b != Lake {
		t.Errorf("body: %v %v", b, err)
	}
}
