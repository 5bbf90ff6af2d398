// Package city holds the domain of a district operations centre: stations,
// readings, alerts and the national standards that judge them. It does no I/O.
package city

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// Feed names one kind of city data stream.
type Feed string

// The five feeds of the demo district.
const (
	FeedAir   Feed = "air"
	FeedWater Feed = "water"
	FeedNoise Feed = "noise"
	FeedFire  Feed = "fire"
	FeedCrowd Feed = "crowd"
)

// Feeds lists every known feed in display order.
var Feeds = []Feed{FeedAir, FeedWater, FeedNoise, FeedFire, FeedCrowd}

// Valid reports whether f is one of the known feeds.
func (f Feed) Valid() bool {
	for _, k := range Feeds {
		if f == k {
			return true
		}
	}
	return false
}

// ParseFeed returns the feed named s, or an error for an unknown name.
func ParseFeed(s string) (Feed, error) {
	f := Feed(s)
	if !f.Valid() {
		return "", fmt.Errorf("unknown feed %q", s)
	}
	return f, nil
}

// Station kinds.
const (
	KindAirStation     = "air_station"
	KindWaterSection   = "water_section"
	KindNoiseStation   = "noise_station"
	KindSmokeDetector  = "smoke_detector"
	KindHydrant        = "hydrant"
	KindElectricalFire = "electrical_fire"
	KindCrowdZone      = "crowd_zone"
)

// Static attribute keys carried in Station.Attrs.
const (
	AttrZoneClass   = "zone_class"   // noise: GB 3096 zone class "0","1","2","3","4a","4b"
	AttrTargetClass = "target_class" // water: GB 3838 target class "I".."V"
	AttrWaterBody   = "water_body"   // water: "river" or "lake"
	AttrCapacity    = "capacity"     // crowd: design capacity in persons (optional)
	AttrStreet      = "street"       // 街道 the station stands in
	AttrCode        = "code"         // an external code, e.g. a national station code
)

// Station is a fixed monitoring point or zone.
type Station struct {
	ID       string            `json:"id"`
	Feed     Feed              `json:"feed"`
	Name     string            `json:"name"`
	Kind     string            `json:"kind"`
	Location orb.Point         `json:"-"` // WGS-84 lon, lat
	Area     orb.Polygon       `json:"-"` // WGS-84 polygon for zones; nil for points
	Attrs    map[string]string `json:"attrs,omitempty"`
}

// Canonical parameter names. The protocol also accepts the HJ 212-2017
// codes listed in HJ212Codes and maps them onto these.
const (
	ParamPM25  = "pm25" // µg/m³
	ParamPM10  = "pm10" // µg/m³
	ParamSO2   = "so2"  // µg/m³
	ParamNO2   = "no2"  // µg/m³
	ParamCO    = "co"   // mg/m³
	ParamO3    = "o3"   // µg/m³
	ParamPM25h = "pm25_24h"
	ParamPM10h = "pm10_24h"
	ParamO38h  = "o3_8h"

	ParamPH    = "ph"    // pH units
	ParamDO    = "do"    // mg/L
	ParamCODMn = "codmn" // mg/L
	ParamNH3N  = "nh3n"  // mg/L
	ParamTP    = "tp"    // mg/L
	ParamTN    = "tn"    // mg/L
	ParamTemp  = "temp"  // °C (water temperature)

	ParamLAeq = "laeq" // dB(A)
	ParamLmax = "lmax" // dB(A)

	ParamPressure        = "pressure"         // MPa (hydrant)
	ParamResidualCurrent = "residual_current" // mA
	ParamCableTemp       = "cable_temp"       // °C
	ParamBattery         = "battery"          // % (smoke detector)

	ParamCount  = "count"  // persons in a crowd zone
	ParamInflow = "inflow" // persons per minute entering a crowd zone
)

// HJ212Codes maps HJ 212-2017 pollutant codes onto canonical parameter names.
var HJ212Codes = map[string]string{
	"a34004": ParamPM25, "a34002": ParamPM10, "a21026": ParamSO2,
	"a21004": ParamNO2, "a21005": ParamCO, "a05024": ParamO3,
	"w01001": ParamPH, "w01009": ParamDO, "w01010": ParamTemp,
	"w01018": ParamCOD, "w01019": ParamCODMn, "w21003": ParamNH3N, "w21011": ParamTP, "w21001": ParamTN,
}

// ParamUnits gives the unit each canonical parameter is exchanged in.
var ParamUnits = map[string]string{
	ParamPM25: "µg/m³", ParamPM10: "µg/m³", ParamSO2: "µg/m³", ParamNO2: "µg/m³",
	ParamCO: "mg/m³", ParamO3: "µg/m³", ParamPM25h: "µg/m³", ParamPM10h: "µg/m³", ParamO38h: "µg/m³",
	ParamPH: "pH", ParamDO: "mg/L", ParamCODMn: "mg/L", ParamNH3N: "mg/L", ParamTP: "mg/L",
	ParamTN: "mg/L", ParamTemp: "°C", ParamCOD: "mg/L", ParamBOD5: "mg/L", ParamSO224h: "µg/m³",
	ParamLAeq: "dB(A)", ParamLmax: "dB(A)",
	ParamPressure: "MPa", ParamResidualCurrent: "mA", ParamCableTemp: "°C", ParamBattery: "%",
	ParamCount: "persons", ParamInflow: "persons/min",
}

// Fire device events (Reading.Event).
const (
	EventAlarm      = "alarm"
	EventCleared    = "cleared"
	EventFault      = "fault"
	EventLowBattery = "low_battery"
	EventTamper     = "tamper"
	EventTest       = "test"
	EventHeartbeat  = "heartbeat"
)

// FireEvents lists the events a fire device may report.
var FireEvents = []string{EventAlarm, EventCleared, EventFault, EventLowBattery, EventTamper, EventTest, EventHeartbeat}

// Measurement is one parameter's value in a reading.
type Measurement struct {
	Param string  `json:"param"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Reading is what one station observed at one time. Seq is the feed
// server's per-feed sequence number (0 when the reading did not come from a
// feed server, e.g. a CSV import).
type Reading struct {
	Feed    Feed          `json:"feed"`
	Station string        `json:"station"`
	Time    time.Time     `json:"time"`
	Seq     uint64        `json:"seq"`
	Values  []Measurement `json:"values"`
	Event   string        `json:"event,omitempty"`
}

// Value returns the named parameter's value and whether it is present.
func (r Reading) Value(param string) (float64, bool) {
	for _, m := range r.Values {
		if m.Param == param {
			return m.Value, true
		}
	}
	return 0, false
}

// Bounds is a WGS-84 box that plausible coordinates must fall inside.
type Bounds struct{ MinLon, MinLat, MaxLon, MaxLat float64 }

// Contains reports whether p lies inside the box.
func (b Bounds) Contains(p orb.Point) bool {
	return p[0] >= b.MinLon && p[0] <= b.MaxLon && p[1] >= b.MinLat && p[1] <= b.MaxLat
}

// ShanghaiBounds covers the whole municipality with a margin; the demo
// district lies well inside it.
var ShanghaiBounds = Bounds{MinLon: 120.8, MinLat: 30.6, MaxLon: 122.2, MaxLat: 31.9}

// Finite reports whether v is neither NaN nor an infinity.
func Finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Shanghai is the district's local time zone (Beijing time, UTC+8, no DST).
var Shanghai = time.FixedZone("CST", 8*3600)
