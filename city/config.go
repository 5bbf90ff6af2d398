package city

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// SiteConfig holds every site setting the standards leave to the site:
// which AQI edition to use, day and night hours, target and zone classes,
// crowd risk bands, fire thresholds and the alert engine's hysteresis. The
// app reads it from a TOML file (docs/config.md describes every key) by
// decoding into DefaultSiteConfig(), so that a key the file leaves out
// keeps its default, and then calls Validate.
type SiteConfig struct {
	// AQIEdition pins an edition of HJ 633; EditionByTime ("") follows
	// each reading's time (see EditionFor).
	AQIEdition AQIEdition    `toml:"aqi_edition"`
	Noise      NoiseSettings `toml:"noise"`
	Water      WaterSettings `toml:"water"`
	Crowd      CrowdSettings `toml:"crowd"`
	Fire       FireSettings  `toml:"fire"`
	Alerts     AlertSettings `toml:"alerts"`
	// Duty is the roster of shifts (city/duty.go); Case the disposal time
	// limits and the working calendar (city/case.go, city/workcal.go).
	Duty DutySettings `toml:"duty"`
	Case CaseSettings `toml:"case"`
	Wall WallSettings `toml:"wall"` // the briefing wall (wall.go)
	// Stations overrides attributes per station ID.
	Stations map[string]StationSettings `toml:"stations"`
}

// NoiseSettings are the local day hours of GB 3096 (local government may
// move them). Day is [DayStart, DayEnd), night the rest, Shanghai time.
type NoiseSettings struct {
	DayStart ClockTime `toml:"day_start"` // default 06:00
	DayEnd   ClockTime `toml:"day_end"`   // default 22:00
}

// WaterSettings are the defaults for water sections that neither their
// attributes nor a station override say otherwise about.
type WaterSettings struct {
	TargetClass WaterClass `toml:"target_class"` // default III
	Body        WaterBody  `toml:"water_body"`   // default river
}

// CrowdSettings map crowd density onto the risk levels shown to officers
// and set the capacity used for time to capacity.
type CrowdSettings struct {
	MediumAt           float64       `toml:"medium_at"`             // persons/m², default 1.0: 中 from here
	HighAt             float64       `toml:"high_at"`               // persons/m², default 2.5: 高 from here
	CriticalAt         float64       `toml:"critical_at"`           // persons/m², default 3.5: 极高 from here
	CapacityDensity    float64       `toml:"capacity_density"`      // persons/m², default 2.5: capacity = area × this when a zone has no capacity
	WarnTimeToCapacity time.Duration `toml:"warn_time_to_capacity"` // default 15m: alert when capacity is this close at the current inflow
}

// FireSettings are the fire-monitoring thresholds.
type FireSettings struct {
	HydrantMinMPa     float64       `toml:"hydrant_min_mpa"`     // MPa, default 0.14 (GB 50974-2014)
	HydrantMaxMPa     float64       `toml:"hydrant_max_mpa"`     // MPa, default 0.70 (GB 50974-2014)
	ResidualCurrentMA float64       `toml:"residual_current_ma"` // mA, default 300 (GB 50116-2013: 300–500)
	CableTempC        float64       `toml:"cable_temp_c"`        // °C, default 70 (usual range 55–140)
	HeartbeatTimeout  time.Duration `toml:"heartbeat_timeout"`   // default 15m: silent this long = offline
	LowBatteryPercent float64       `toml:"low_battery_percent"` // %, default 20
}

// RuleSettings tune one alert condition: the hysteresis margin (in the
// condition's unit, see docs/config.md) and how long the condition must
// hold before an alert is raised.
type RuleSettings struct {
	Margin      float64       `toml:"margin"`
	MinDuration time.Duration `toml:"min_duration"`
}

// AlertSettings tune the alert engine, one RuleSettings per condition.
type AlertSettings struct {
	// EscalateAfter escalates an alert nobody acknowledged for this long,
	// and again after each further period; 0 turns escalation off.
	EscalateAfter time.Duration `toml:"escalate_after"`

	AQI                 RuleSettings `toml:"aqi"`
	WaterClass          RuleSettings `toml:"water_class"`
	NoiseDay            RuleSettings `toml:"noise_day"`
	NoiseNight          RuleSettings `toml:"noise_night"`
	NoiseLmax           RuleSettings `toml:"noise_lmax"`
	CrowdDensity        RuleSettings `toml:"crowd_density"`
	CrowdTimeToCapacity RuleSettings `toml:"crowd_time_to_capacity"`
	FireAlarm           RuleSettings `toml:"fire_alarm"`
	DeviceFault         RuleSettings `toml:"device_fault"`
	DeviceTamper        RuleSettings `toml:"device_tamper"`
	LowBattery          RuleSettings `toml:"low_battery"`
	DeviceOffline       RuleSettings `toml:"device_offline"`
	HydrantPressure     RuleSettings `toml:"hydrant_pressure"`
	ResidualCurrent     RuleSettings `toml:"residual_current"`
	CableTemp           RuleSettings `toml:"cable_temp"`
}

// Rule returns the settings of condition c; false for an unknown condition.
func (a AlertSettings) Rule(c Condition) (RuleSettings, bool) {
	if p := a.rule(c); p != nil {
		return *p, true
	}
	return RuleSettings{}, false
}

func (a *AlertSettings) rule(c Condition) *RuleSettings {
	switch c {
	case CondAQI:
		return &a.AQI
	case CondWaterClass:
		return &a.WaterClass
	case CondNoiseDay:
		return &a.NoiseDay
	case CondNoiseNight:
		return &a.NoiseNight
	case CondNoiseLmax:
		return &a.NoiseLmax
	case CondCrowdDensity:
		return &a.CrowdDensity
	case CondCrowdTimeToCapacity:
		return &a.CrowdTimeToCapacity
	case CondFireAlarm:
		return &a.FireAlarm
	case CondDeviceFault:
		return &a.DeviceFault
	case CondDeviceTamper:
		return &a.DeviceTamper
	case CondLowBattery:
		return &a.LowBattery
	case CondDeviceOffline:
		return &a.DeviceOffline
	case CondHydrantPressure:
		return &a.HydrantPressure
	case CondResidualCurrent:
		return &a.ResidualCurrent
	case CondCableTemp:
		return &a.CableTemp
	}
	return nil
}

// StationSettings override one station's attributes; a zero field leaves
// the station's own attribute (or the site default) in force.
type StationSettings struct {
	TargetClass WaterClass `toml:"target_class"` // water: GB 3838 target class I..V
	WaterBody   WaterBody  `toml:"water_body"`   // water: river or lake
	ZoneClass   NoiseZone  `toml:"zone_class"`   // noise: GB 3096 zone class
	Capacity    float64    `toml:"capacity"`     // crowd: design capacity, persons
}

// Defaults of the site settings (see docs/config.md for their sources).
const (
	defaultMediumAt           = 1.0  // persons/m²: Still "stable" band starts
	defaultHighAt             = 2.5  // persons/m²: Still "at capacity" band starts
	defaultCriticalAt         = 3.5  // persons/m²: Still "unstable" band starts
	defaultCapacityDensity    = 2.5  // persons/m²
	defaultHydrantMinMPa      = 0.14 // MPa, GB 50974-2014 municipal hydrant minimum
	defaultHydrantMaxMPa      = 0.70 // MPa, GB 50974-2014 pressure-reducing threshold
	defaultResidualCurrentMA  = 300  // mA, GB 50116-2013 lower end of 300–500
	defaultCableTempC         = 70   // °C, within the usual 55–140
	defaultLowBatteryPercent  = 20   // %
	defaultHeartbeatTimeout   = 15 * time.Minute
	defaultWarnTimeToCapacity = 15 * time.Minute
	defaultEscalateAfter      = 10 * time.Minute
)

// Ranges the standards give for device thresholds.
const (
	residualCurrentMinMA = 300 // mA, GB 50116-2013
	residualCurrentMaxMA = 500 // mA
	cableTempMinC        = 55  // °C, usual setting range
	cableTempMaxC        = 140 // °C
)

// DefaultSiteConfig returns the documented defaults.
func DefaultSiteConfig() SiteConfig {
	return SiteConfig{
		AQIEdition: EditionByTime,
		Noise:      NoiseSettings{DayStart: Clock(6, 0), DayEnd: Clock(22, 0)},
		Water:      WaterSettings{TargetClass: ClassIII, Body: River},
		Crowd: CrowdSettings{
			MediumAt: defaultMediumAt, HighAt: defaultHighAt, CriticalAt: defaultCriticalAt,
			CapacityDensity: defaultCapacityDensity, WarnTimeToCapacity: defaultWarnTimeToCapacity,
		},
		Fire: FireSettings{
			HydrantMinMPa: defaultHydrantMinMPa, HydrantMaxMPa: defaultHydrantMaxMPa,
			ResidualCurrentMA: defaultResidualCurrentMA, CableTempC: defaultCableTempC,
			HeartbeatTimeout: defaultHeartbeatTimeout, LowBatteryPercent: defaultLowBatteryPercent,
		},
		Wall: DefaultWallSettings(),
		Alerts: AlertSettings{
			EscalateAfter:       defaultEscalateAfter,
			AQI:                 RuleSettings{Margin: 10},
			WaterClass:          RuleSettings{Margin: 0.05},
			NoiseDay:            RuleSettings{Margin: 2, MinDuration: 5 * time.Minute},
			NoiseNight:          RuleSettings{Margin: 2, MinDuration: 5 * time.Minute},
			NoiseLmax:           RuleSettings{Margin: 2},
			CrowdDensity:        RuleSettings{Margin: 0.2, MinDuration: time.Minute},
			CrowdTimeToCapacity: RuleSettings{Margin: 2, MinDuration: time.Minute},
			FireAlarm:           RuleSettings{},
			DeviceFault:         RuleSettings{},
			DeviceTamper:        RuleSettings{},
			LowBattery:          RuleSettings{},
			DeviceOffline:       RuleSettings{},
			HydrantPressure:     RuleSettings{Margin: 0.02, MinDuration: time.Minute},
			ResidualCurrent:     RuleSettings{Margin: 30},
			CableTemp:           RuleSettings{Margin: 5},
		},
		Duty: DefaultDutySettings(),
		Case: DefaultCaseSettings(),
	}
}

// ParseSiteConfig reads site settings (docs/config.md) from the text of a
// TOML file over the documented defaults: a key the text leaves out keeps
// its default (also inside a table it sets), a key it does not know is an
// error, so that a misspelt setting is never silently ignored, and the
// result is validated. On an error the defaults are returned with it.
func ParseSiteConfig(text string) (SiteConfig, error) {
	cfg := DefaultSiteConfig()
	md, err := toml.Decode(text, &cfg)
	if err != nil {
		return DefaultSiteConfig(), err
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return DefaultSiteConfig(), fmt.Errorf("unknown keys: %s", strings.Join(keys, ", "))
	}
	if err := cfg.Validate(); err != nil {
		return DefaultSiteConfig(), err
	}
	return cfg, nil
}

// maxWaterMargin bounds the water hysteresis fraction.
const maxWaterMargin = 0.5

// Validate reports every setting that is out of range, each named by its
// TOML key.
func (c SiteConfig) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.AQIEdition != EditionByTime && !c.AQIEdition.Valid() {
		bad("aqi_edition", "%d is not \"\", 2012 or 2026", int(c.AQIEdition))
	}

	if !c.Noise.DayStart.Valid() {
		bad("noise.day_start", "%d min is not a time of day", int(c.Noise.DayStart))
	}
	if !c.Noise.DayEnd.Valid() {
		bad("noise.day_end", "%d min is not a time of day", int(c.Noise.DayEnd))
	}
	if c.Noise.DayStart == c.Noise.DayEnd {
		bad("noise.day_end", "equals day_start %v: there would be no day or no night", c.Noise.DayStart)
	}

	if !c.Water.TargetClass.Valid() || c.Water.TargetClass == ClassWorseThanV {
		bad("water.target_class", "%q is not a target class I..V", c.Water.TargetClass)
	}
	if c.Water.Body != River && c.Water.Body != Lake {
		bad("water.water_body", "%q is not river or lake", c.Water.Body)
	}

	cr := c.Crowd
	if !(finitePositive(cr.MediumAt) && cr.MediumAt < cr.HighAt && cr.HighAt < cr.CriticalAt && Finite(cr.CriticalAt)) {
		bad("crowd", "risk bands must rise: 0 < medium_at (%v) < high_at (%v) < critical_at (%v) persons/m²",
			cr.MediumAt, cr.HighAt, cr.CriticalAt)
	}
	if !finitePositive(cr.CapacityDensity) {
		bad("crowd.capacity_density", "%v persons/m² is not positive", cr.CapacityDensity)
	}
	if cr.WarnTimeToCapacity < 0 {
		bad("crowd.warn_time_to_capacity", "%v is negative", cr.WarnTimeToCapacity)
	}

	f := c.Fire
	if !(finitePositive(f.HydrantMinMPa) && f.HydrantMinMPa < f.HydrantMaxMPa && Finite(f.HydrantMaxMPa)) {
		bad("fire", "hydrant band must satisfy 0 < hydrant_min_mpa (%v) < hydrant_max_mpa (%v)", f.HydrantMinMPa, f.HydrantMaxMPa)
	}
	if !(f.ResidualCurrentMA >= residualCurrentMinMA && f.ResidualCurrentMA <= residualCurrentMaxMA) {
		bad("fire.residual_current_ma", "%v mA is outside %d–%d mA (GB 50116-2013)", f.ResidualCurrentMA, residualCurrentMinMA, residualCurrentMaxMA)
	}
	if !(f.CableTempC >= cableTempMinC && f.CableTempC <= cableTempMaxC) {
		bad("fire.cable_temp_c", "%v °C is outside the usual %d–%d °C", f.CableTempC, cableTempMinC, cableTempMaxC)
	}
	if f.HeartbeatTimeout <= 0 {
		bad("fire.heartbeat_timeout", "%v is not positive", f.HeartbeatTimeout)
	}
	if !(f.LowBatteryPercent >= 0 && f.LowBatteryPercent <= 100) {
		bad("fire.low_battery_percent", "%v is outside 0–100 %%", f.LowBatteryPercent)
	}

	if c.Alerts.EscalateAfter < 0 {
		bad("alerts.escalate_after", "%v is negative", c.Alerts.EscalateAfter)
	}
	for _, cond := range Conditions {
		r, _ := c.Alerts.Rule(cond)
		key := "alerts." + string(cond)
		if !Finite(r.Margin) || r.Margin < 0 {
			bad(key+".margin", "%v is not a non-negative number", r.Margin)
		}
		if cond == CondWaterClass && r.Margin > maxWaterMargin {
			bad(key+".margin", "%v is a fraction of each limit and must not exceed %v", r.Margin, maxWaterMargin)
		}
		if r.MinDuration < 0 {
			bad(key+".min_duration", "%v is negative", r.MinDuration)
		}
	}

	errs = append(errs, ValidateRoster(c.Duty.Shifts)...)
	errs = append(errs, c.Case.Validate()...)

	for _, id := range slices.Sorted(maps.Keys(c.Stations)) {
		s := c.Stations[id]
		key := fmt.Sprintf("stations.%q", id)
		if strings.TrimSpace(id) == "" {
			bad("stations", "an override has an empty station ID")
		}
		if s.TargetClass != 0 && (!s.TargetClass.Valid() || s.TargetClass == ClassWorseThanV) {
			bad(key+".target_class", "%q is not a target class I..V", s.TargetClass)
		}
		if s.WaterBody != "" && s.WaterBody != River && s.WaterBody != Lake {
			bad(key+".water_body", "%q is not river or lake", s.WaterBody)
		}
		if s.ZoneClass != "" && !s.ZoneClass.Valid() {
			bad(key+".zone_class", "%q is not a zone class", s.ZoneClass)
		}
		if !Finite(s.Capacity) || s.Capacity < 0 {
			bad(key+".capacity", "%v persons is not a capacity", s.Capacity)
		}
	}
	c.Wall.validate(bad)
	if len(errs) > 0 {
		return fmt.Errorf("site configuration: %w", errors.Join(errs...))
	}
	return nil
}

func finitePositive(v float64) bool { return Finite(v) && v > 0 }

// EditionAt returns the AQI edition to judge a reading taken at t: the
// pinned one, or the one in force at t.
func (c SiteConfig) EditionAt(t time.Time) AQIEdition {
	if c.AQIEdition.Valid() {
		return c.AQIEdition
	}
	return EditionFor(t)
}

// TargetClassFor returns a water section's target class: the station
// override, else its target_class attribute, else the site default.
func (c SiteConfig) TargetClassFor(st Station) (WaterClass, error) {
	if s, ok := c.Stations[st.ID]; ok && s.TargetClass != 0 {
		return s.TargetClass, nil
	}
	if v, ok := st.Attrs[AttrTargetClass]; ok && strings.TrimSpace(v) != "" {
		tc, err := ParseWaterClass(v)
		if err != nil {
			return 0, fmt.Errorf("station %s: %w", st.ID, err)
		}
		if tc == ClassWorseThanV {
			return 0, fmt.Errorf("station %s: 劣V cannot be a target class", st.ID)
		}
		return tc, nil
	}
	return c.Water.TargetClass, nil
}

// WaterBodyFor returns a water section's body: the station override, else
// its water_body attribute, else the site default.
func (c SiteConfig) WaterBodyFor(st Station) (WaterBody, error) {
	if s, ok := c.Stations[st.ID]; ok && s.WaterBody != "" {
		return s.WaterBody, nil
	}
	if v, ok := st.Attrs[AttrWaterBody]; ok && strings.TrimSpace(v) != "" {
		b, err := ParseWaterBody(v)
		if err != nil {
			return "", fmt.Errorf("station %s: %w", st.ID, err)
		}
		return b, nil
	}
	return c.Water.Body, nil
}

// ZoneClassFor returns a noise station's zone class: the station override,
// else its zone_class attribute. There is no site default: a noise station
// without a zone class is an error.
func (c SiteConfig) ZoneClassFor(st Station) (NoiseZone, error) {
	if s, ok := c.Stations[st.ID]; ok && s.ZoneClass != "" {
		return s.ZoneClass, nil
	}
	v, ok := st.Attrs[AttrZoneClass]
	if !ok || strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("station %s: no noise zone class (attribute %q or stations.%q.zone_class)", st.ID, AttrZoneClass, st.ID)
	}
	z, err := ParseNoiseZone(v)
	if err != nil {
		return "", fmt.Errorf("station %s: %w", st.ID, err)
	}
	return z, nil
}

// CapacityFor returns a crowd zone's capacity in persons: the station
// override, else its capacity attribute, else walkable area (m²) ×
// crowd.capacity_density.
func (c SiteConfig) CapacityFor(st Station, area float64) (float64, error) {
	if s, ok := c.Stations[st.ID]; ok && s.Capacity > 0 {
		return s.Capacity, nil
	}
	if v, ok := st.Attrs[AttrCapacity]; ok && strings.TrimSpace(v) != "" {
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !finitePositive(n) {
			return 0, fmt.Errorf("station %s: capacity %q is not a positive number", st.ID, v)
		}
		return n, nil
	}
	if !finitePositive(area) {
		return 0, fmt.Errorf("station %s: no capacity and no walkable area", st.ID)
	}
	return area * c.Crowd.CapacityDensity, nil
}
