package ui

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"fyne.io/fyne/v2/lang"

	"onescreen/assets"
	"onescreen/city"
)

// Judgement is what the standards say of a station's newest values: the
// colour it is drawn in, how severe it is, and a one-line status.
type Judgement struct {
	Color    color.NRGBA
	Severity int    // 0 normal … 3 critical (drawn on top, never clustered away)
	Status   string // e.g. "AQI 156 中度污染 · 首要污染物 PM2.5"
	Stale    bool
	Value    float64 // the headline figure (AQI, class, dB over, density …)

	AQI    city.AQIResult // air
	Water  city.WaterAssessment
	Meets  bool // water: meets its target class
	Noise  city.NoiseAssessment
	Crowd  city.CrowdAssessment
	Fire   FireState // fire devices
	Judged bool      // there were values to judge
}

// FireState is a fire device's state on the map.
type FireState int

// Fire device states, best first. Only a detector in alarm is a fire
// alarm (火警); a hydrant out of its pressure band and an electrical fire
// monitor over its setting are equipment warnings, told apart from faults.
const (
	FireNormal FireState = iota
	FireLowBattery
	FireFault
	FireOverSetting  // residual current or cable temperature at its setting
	FirePressureHigh // hydrant above its band
	FirePressureLow  // hydrant below its band: it will not serve a fire
	FireOffline
	FireAlarm
)

// FireStates lists every fire device state, best first.
var FireStates = []FireState{FireNormal, FireLowBattery, FireFault, FireOverSetting, FirePressureHigh, FirePressureLow, FireOffline, FireAlarm}

// normalColor is a station with nothing to report.
var normalColor = color.NRGBA{0x2E, 0xCC, 0x71, 0xFF}

func valuesOf(ss StationState) map[string]float64 {
	m := make(map[string]float64, len(ss.Values))
	for p, l := range ss.Values {
		m[p] = l.Value
	}
	return m
}

func readingOf(ss StationState) city.Reading {
	r := city.Reading{Feed: ss.Station.Feed, Station: ss.Station.ID, Time: ss.Newest, Event: ss.Event.Event}
	for p, l := range ss.Values {
		r.Values = append(r.Values, city.Measurement{Param: p, Value: l.Value, Unit: l.Unit})
	}
	return r
}

func sevIndex(s city.Severity) int {
	switch s {
	case city.SeverityCritical:
		return 3
	case city.SeverityMajor:
		return 2
	case city.SeverityMinor:
		return 1
	}
	return 0
}

// staleLimit is how old a station's newest value may be before it is
// greyed: fire devices report only on events and heartbeats, so they go
// by the heartbeat timeout.
func staleLimit(f city.Feed, site city.SiteConfig, staleAfter time.Duration) time.Duration {
	if f == city.FeedFire && site.Fire.HeartbeatTimeout > 0 {
		return site.Fire.HeartbeatTimeout
	}
	return staleAfter
}

// Judge applies the national standards to a station's newest values.
// alerts are the station's open alerts.
func Judge(ss StationState, alerts []city.Alert, site city.SiteConfig, now time.Time, staleAfter time.Duration) Judgement {
	j := Judgement{Color: assets.StaleGrey}
	if ss.Newest.IsZero() {
		j.Stale, j.Status = true, lang.L("No data yet")
		return j
	}
	j.Stale = now.Sub(ss.Newest) > staleLimit(ss.Station.Feed, site, staleAfter)
	for _, a := range alerts {
		if s := sevIndex(a.Severity); s > j.Severity && a.Holding() {
			j.Severity = s
		}
	}
	st, vals := ss.Station, valuesOf(ss)
	zh := isZH()
	switch st.Feed {
	case city.FeedAir:
		res, _ := city.HourlyAQI(vals, site.EditionAt(ss.Newest))
		j.AQI = res
		if res.Available {
			j.Judged, j.Color, j.Value = true, res.Level.Colour, float64(res.AQI)
			name := res.Level.Name
			if !zh {
				name = res.Level.NameEN
			}
			j.Status = fmt.Sprintf("AQI %d %s", res.AQI, name)
			if p := res.PrimaryLabel(); p != "" {
				j.Status += " · " + lang.L("primary pollutant") + " " + p
			}
		} else {
			j.Status = "AQI NA"
		}
	case city.FeedWater:
		body, _ := site.WaterBodyFor(st)
		target, _ := site.TargetClassFor(st)
		wa, _ := city.WaterClassOf(vals, body)
		j.Water = wa
		if wa.Class.Valid() {
			j.Judged, j.Value = true, float64(wa.Class)
			j.Meets = wa.Meets(target)
			j.Color = assets.WaterClassColor(int(wa.Class))
			verdict := lang.L("meets target")
			if !j.Meets {
				verdict = lang.L("worse than target")
			}
			if zh {
				j.Status = fmt.Sprintf("%s %s · %s %s · %s", lang.L("Class"), wa.Class.Label(), lang.L("target"), target.Label(), verdict)
			} else {
				j.Status = fmt.Sprintf("%s · %s %s · %s", classLabel(wa.Class), lang.L("target"), classLabel(target), verdict)
			}
		}
	case city.FeedNoise:
		zone, err := site.ZoneClassFor(st)
		if err != nil {
			j.Status = err.Error()
			break
		}
		na, err := city.AssessNoise(zone, readingOf(ss), site.Noise)
		if err != nil {
			j.Status = err.Error()
			break
		}
		j.Noise, j.Judged, j.Value = na, true, na.Exceedance
		switch {
		case na.Over && na.Exceedance >= 5 || na.LmaxOver:
			j.Color = assets.SeverityMajor
		case na.Over:
			j.Color = assets.SeverityMinor
		default:
			j.Color = normalColor
		}
		period := lang.L("day")
		if na.Night {
			period = lang.L("night")
		}
		j.Status = fmt.Sprintf("LAeq %.1f dB(A) · %s %s %.0f dB(A)", na.LAeq, zoneLabel(zone), period, na.Limit)
		if na.Over {
			j.Status += fmt.Sprintf(" · %s %.1f dB", lang.L("over by"), na.Exceedance)
		}
	case city.FeedCrowd:
		ca, err := city.AssessCrowd(st, readingOf(ss), site)
		if err != nil {
			j.Status = err.Error()
			break
		}
		j.Crowd, j.Judged, j.Value = ca, true, ca.Density
		j.Color = riskColor(ca.Risk)
		band := ca.Band.Name()
		if !zh {
			band = ca.Band.String()
		}
		j.Status = fmt.Sprintf("%.0f %s · %.2f %s · %s", ca.Count, lang.L("people"), ca.Density, lang.L("persons/m²"), band)
		if ca.ToCapacity && ca.TimeToCapacity > 0 {
			j.Status += fmt.Sprintf(" · %s %s", lang.L("full in"), city.FormatAge(ca.TimeToCapacity))
		}
	case city.FeedFire:
		j.Judged = true
		j.Fire = FireNormal
		for _, a := range alerts {
			if !a.Holding() {
				continue
			}
			switch a.Condition {
			case city.CondFireAlarm:
				j.Fire = FireAlarm
			case city.CondHydrantPressure:
				if a.Value > (site.Fire.HydrantMinMPa+site.Fire.HydrantMaxMPa)/2 {
					j.Fire = max(j.Fire, FirePressureHigh)
				} else {
					j.Fire = max(j.Fire, FirePressureLow)
				}
			case city.CondResidualCurrent, city.CondCableTemp:
				j.Fire = max(j.Fire, FireOverSetting)
			case city.CondDeviceOffline:
				j.Fire = max(j.Fire, FireOffline)
			case city.CondDeviceFault, city.CondDeviceTamper:
				j.Fire = max(j.Fire, FireFault)
			case city.CondLowBattery:
				j.Fire = max(j.Fire, FireLowBattery)
			}
		}
		if j.Stale {
			j.Fire = max(j.Fire, FireOffline)
		}
		j.Color, j.Status = fireLook(j.Fire)
		if p, ok := vals[city.ParamPressure]; ok {
			j.Status += fmt.Sprintf(" · %.2f MPa", p)
		}
	}
	if math.IsNaN(j.Value) {
		j.Value = 0
	}
	return j
}

// riskColor is the colour of a crowd risk level.
func riskColor(r city.CrowdRisk) color.NRGBA {
	switch r {
	case city.RiskCritical:
		return assets.SeverityCritical
	case city.RiskHigh:
		return assets.SeverityMajor
	case city.RiskMedium:
		return assets.SeverityMinor
	}
	return normalColor
}

func fireLook(s FireState) (color.NRGBA, string) {
	switch s {
	case FireAlarm:
		return assets.SeverityCritical, lang.L("Alarm")
	case FirePressureLow:
		return assets.SeverityMajor, lang.L("Low pressure")
	case FirePressureHigh:
		return assets.SeverityMinor, lang.L("High pressure")
	case FireOverSetting:
		return assets.SeverityMajor, lang.L("Over setting")
	case FireOffline:
		return color.NRGBA{0x8E, 0x99, 0xA8, 0xFF}, lang.L("Offline")
	case FireFault:
		return assets.SeverityMajor, lang.L("Fault")
	case FireLowBattery:
		return assets.SeverityMinor, lang.L("Low battery")
	}
	return normalColor, lang.L("Normal")
}

// currentLang is the interface language, set by SetLanguage.
var currentLang = LangZH
