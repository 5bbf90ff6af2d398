package city

import (
	"fmt"
	"time"
)

// Urban IoT fire monitoring: smoke detector state from device events,
// hydrant network pressure (GB 50974-2014) and electrical fire monitoring
// (GB 50116-2013), judged against the site's FireSettings.

// DetectorState is what a fire device's events say about it. Alarm is
// latched until an alarm-cleared event; a fault or tamper lasts until the
// device reports a heartbeat again; low battery lasts until a battery value
// at or above the site's setting.
type DetectorState struct {
	Alarm      bool
	AlarmSince time.Time // when the current alarm began
	Fault      bool
	Tamper     bool // removed from its base or opened
	LowBattery bool
	Battery    float64 // %, the last value reported
	HasBattery bool
	LastHeard  time.Time // the newest reading of any kind
	LastTest   time.Time // the newest test event
}

// Apply folds one reading of the device into its state. Readings older
// than the newest one already applied change nothing. An unknown event is
// an error and changes nothing but LastHeard.
func (s DetectorState) Apply(r Reading, f FireSettings) (DetectorState, error) {
	if !s.LastHeard.IsZero() && r.Time.Before(s.LastHeard) {
		return s, nil
	}
	s.LastHeard = r.Time
	switch r.Event {
	case "":
	case EventAlarm:
		if !s.Alarm {
			s.Alarm, s.AlarmSince = true, r.Time
		}
	case EventCleared:
		s.Alarm, s.AlarmSince = false, time.Time{}
	case EventFault:
		s.Fault = true
	case EventTamper:
		s.Tamper = true
	case EventLowBattery:
		s.LowBattery = true
	case EventTest:
		s.LastTest = r.Time // a test never raises a fire alarm
	case EventHeartbeat:
		s.Fault, s.Tamper = false, false
	default:
		return s, fmt.Errorf("fire device %s: unknown event %q", r.Station, r.Event)
	}
	if v, ok := r.Value(ParamBattery); ok {
		if !Finite(v) || v < 0 || v > 100 {
			return s, fmt.Errorf("fire device %s: battery %v %% is not a charge level", r.Station, v)
		}
		s.Battery, s.HasBattery = v, true
		s.LowBattery = v < f.LowBatteryPercent || (r.Event == EventLowBattery)
	}
	return s, nil
}

// Offline reports whether the device has been silent for longer than
// timeout at now (a missing heartbeat is itself a fault). A device never
// heard from is not judged.
func (s DetectorState) Offline(now time.Time, timeout time.Duration) bool {
	return !s.LastHeard.IsZero() && now.Sub(s.LastHeard) > timeout
}

// PressureStatus is a hydrant's pressure against the site's band.
type PressureStatus int

// Pressure states.
const (
	PressureNormal PressureStatus = iota
	PressureLow                   // below the band: the hydrant will not serve a fire
	PressureHigh                  // above the band: needs pressure reduction
)

// String gives "normal", "low" or "high".
func (p PressureStatus) String() string {
	switch p {
	case PressureLow:
		return "low"
	case PressureHigh:
		return "high"
	}
	return "normal"
}

// HydrantPressure judges a hydrant pressure p (MPa) against the band
// [hydrant_min_mpa, hydrant_max_mpa]; the band's ends are normal.
func HydrantPressure(p float64, f FireSettings) (PressureStatus, error) {
	if !Finite(p) || p < 0 {
		return PressureNormal, fmt.Errorf("hydrant pressure %v MPa is not a pressure", p)
	}
	switch g := guarded(p); {
	case g < f.HydrantMinMPa:
		return PressureLow, nil
	case g > f.HydrantMaxMPa:
		return PressureHigh, nil
	}
	return PressureNormal, nil
}

// ResidualCurrentOver reports whether a residual current (mA) has reached
// the site's alarm setting; the detector alarms at its set value.
func ResidualCurrentOver(mA float64, f FireSettings) (bool, error) {
	if !Finite(mA) || mA < 0 {
		return false, fmt.Errorf("residual current %v mA is not a current", mA)
	}
	return guarded(mA) >= f.ResidualCurrentMA, nil
}

// CableTempOver reports whether a cable temperature (°C) has reached the
// site's alarm setting.
func CableTempOver(c float64, f FireSettings) (bool, error) {
	if !Finite(c) || c < -273.15 {
		return false, fmt.Errorf("cable temperature %v °C is not a temperature", c)
	}
	return guarded(c) >= f.CableTempC, nil
}
