package city

import (
	"fmt"
	"math"
)

// badness orders the values of a condition: the larger, the further into
// the condition. Most conditions grow with their value; a battery and the
// time left to capacity grow worse as they fall; hydrant pressure is bad
// on both sides of its band.
func (e *Engine) badness(c Condition, v float64) float64 {
	switch c {
	case CondLowBattery, CondCrowdTimeToCapacity:
		return -v
	case CondHydrantPressure:
		f := e.cfg.Fire
		if v < (f.HydrantMinMPa+f.HydrantMaxMPa)/2 {
			return f.HydrantMinMPa - v
		}
		return v - f.HydrantMaxMPa
	}
	return v
}

// worse reports whether ev's value is further into its condition than old.
func (e *Engine) worse(ev evaluation, old float64) bool {
	if math.IsNaN(old) {
		return true
	}
	return e.badness(ev.cond, ev.value) > e.badness(ev.cond, old)
}

// valueText gives the value of an evaluation as a clause to append to a
// note ("，当前 0.168 MPa" / ", now 0.168 MPa"), or nothing when the
// evaluation carries no value.
func (e *Engine) valueText(ev evaluation) (zh, en string) {
	if ev.unit == "" || !Finite(ev.value) {
		return "", ""
	}
	switch ev.cond {
	case CondCrowdTimeToCapacity, CondDeviceOffline:
		return "", ""
	case CondWaterClass:
		c := WaterClass(ev.value)
		if !c.Valid() {
			return "", ""
		}
		return "，当前" + c.Label(), ", now class " + c.String()
	case CondAQI:
		return fmt.Sprintf("，当前 AQI %g", ev.value), fmt.Sprintf(", now AQI %g", ev.value)
	case CondCrowdDensity:
		return fmt.Sprintf("，当前 %.2f 人/㎡", ev.value), fmt.Sprintf(", now %.2f persons/m²", ev.value)
	case CondLowBattery:
		if ev.value <= 0 {
			return "", ""
		}
		return fmt.Sprintf("，当前电量 %g%%", ev.value), fmt.Sprintf(", now %g%% battery", ev.value)
	}
	return fmt.Sprintf("，当前 %g %s", ev.value, ev.unit), fmt.Sprintf(", now %g %s", ev.value, ev.unit)
}
