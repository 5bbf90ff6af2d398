package city

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"
)

// Air quality index per HJ 633, in both the 2012 edition and the 2026
// edition that replaced it on 2026-03-01. The two editions share one
// breakpoint table except for the IAQI-100 breakpoints of PM2.5 and PM10;
// they differ further in input rounding and in two special rules for very
// high SO2 and O3 (see IAQI).

// AQIEdition names an edition of HJ 633. Its zero value, EditionByTime, is
// only meaningful in configuration, where it means "follow the reading's
// time" (see EditionFor).
type AQIEdition int

// The editions of HJ 633.
const (
	EditionByTime AQIEdition = 0    // configuration: choose by the reading's time
	Edition2012   AQIEdition = 2012 // HJ 633-2012, in force until 2026-02-28
	Edition2026   AQIEdition = 2026 // HJ 633-2026, in force from 2026-03-01
)

// Edition2026Start is the moment HJ 633-2026 came into force: 2026-03-01
// 00:00 Beijing time.
var Edition2026Start = time.Date(2026, time.March, 1, 0, 0, 0, 0, Shanghai)

// EditionFor returns the edition in force at t: 2026 from 2026-03-01 00:00
// Asia/Shanghai, 2012 before.
func EditionFor(t time.Time) AQIEdition {
	if t.Before(Edition2026Start) {
		return Edition2012
	}
	return Edition2026
}

// Valid reports whether e names a concrete edition (2012 or 2026).
func (e AQIEdition) Valid() bool { return e == Edition2012 || e == Edition2026 }

// String gives the standard's designation, e.g. "HJ 633-2026".
func (e AQIEdition) String() string {
	switch e {
	case EditionByTime:
		return "by time"
	case Edition2012, Edition2026:
		return fmt.Sprintf("HJ 633-%d", int(e))
	}
	return fmt.Sprintf("AQIEdition(%d)", int(e))
}

// ParseAQIEdition reads "2012", "2026", "HJ 633-2012", "HJ633-2026" and the
// like; "" and "auto" give EditionByTime.
func ParseAQIEdition(s string) (AQIEdition, error) {
	t := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	t = strings.TrimPrefix(t, "HJ633-")
	t = strings.TrimPrefix(t, "HJ633—")
	switch t {
	case "", "AUTO":
		return EditionByTime, nil
	case "2012":
		return Edition2012, nil
	case "2026":
		return Edition2026, nil
	}
	return 0, fmt.Errorf("unknown AQI edition %q (want \"\", \"2012\" or \"2026\")", s)
}

// MarshalText writes "" for EditionByTime and the year otherwise.
func (e AQIEdition) MarshalText() ([]byte, error) {
	switch e {
	case EditionByTime:
		return []byte(""), nil
	case Edition2012, Edition2026:
		return []byte(fmt.Sprint(int(e))), nil
	}
	return nil, fmt.Errorf("invalid AQI edition %d", int(e))
}

// UnmarshalText reads what ParseAQIEdition accepts.
func (e *AQIEdition) UnmarshalText(b []byte) error {
	v, err := ParseAQIEdition(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// Period is the averaging period of a concentration.
type Period int

// Averaging periods used by HJ 633.
const (
	Period1h  Period = 1  // one-hour mean
	Period8h  Period = 8  // eight-hour moving mean (O3)
	Period24h Period = 24 // 24-hour mean
)

// String gives "1h", "8h" or "24h".
func (p Period) String() string { return fmt.Sprintf("%dh", int(p)) }

// ParamSO224h is an optional input to HourlyAQI: the SO2 24-hour mean in
// µg/m³. HJ 633-2012 reports the SO2 24-hour IAQI in place of the one-hour
// one when the one-hour mean exceeds 800 µg/m³; without this value SO2 then
// counts as missing.
const ParamSO224h = "so2_24h"

// iaqiSteps are the IAQI values of the breakpoint columns.
var iaqiSteps = [...]float64{0, 50, 100, 150, 200, 300, 400, 500}

type tableKey struct {
	pollutant string
	period    Period
}

// Breakpoint concentrations in µg/m³ (CO in mg/m³), aligned with iaqiSteps.
// A column stops where the standard stops.
var breakpoints2012 = map[tableKey][]float64{
	{ParamSO2, Period24h}:  {0, 50, 150, 475, 800, 1600, 2100, 2620},
	{ParamSO2, Period1h}:   {0, 150, 500, 650, 800},
	{ParamNO2, Period24h}:  {0, 40, 80, 180, 280, 565, 750, 940},
	{ParamNO2, Period1h}:   {0, 100, 200, 700, 1200, 2340, 3090, 3840},
	{ParamPM10, Period24h}: {0, 50, 150, 250, 350, 420, 500, 600},
	{ParamCO, Period24h}:   {0, 2, 4, 14, 24, 36, 48, 60},
	{ParamCO, Period1h}:    {0, 5, 10, 35, 60, 90, 120, 150},
	{ParamO3, Period1h}:    {0, 160, 200, 300, 400, 800, 1000, 1200},
	{ParamO3, Period8h}:    {0, 100, 160, 215, 265, 800},
	{ParamPM25, Period24h}: {0, 35, 75, 115, 150, 250, 350, 500},
}

// breakpoints2026 differs from 2012 only at IAQI 100 of PM10 and PM2.5.
var breakpoints2026 = func() map[tableKey][]float64 {
	m := make(map[tableKey][]float64, len(breakpoints2012))
	for k, v := range breakpoints2012 {
		m[k] = append([]float64(nil), v...)
	}
	m[tableKey{ParamPM10, Period24h}][2] = 120
	m[tableKey{ParamPM25, Period24h}][2] = 60
	return m
}()

// Special-rule limits (µg/m³).
const (
	so2HourlyCeiling = 800 // SO2 1h above this: 2012 reports the 24h IAQI, 2026 counts IAQI 200
	o3EightHCeiling  = 800 // O3 8h above this: 2012 reports the O3 1h IAQI, 2026 counts IAQI 300
	so2Over800IAQI   = 200 // HJ 633-2026: IAQI of SO2 1h above 800
	o3Over800IAQI    = 300 // HJ 633-2026: IAQI of O3 8h above 800
	maxIAQI          = 500 // top of the table; beyond it the value is capped and flagged
)

// AQIRule names a special rule that changed how one pollutant was judged.
type AQIRule int

// Special rules of HJ 633.
const (
	RuleNone         AQIRule = iota
	RuleSO2Use24h            // 2012: SO2 1h > 800, the 24h IAQI is reported instead
	RuleSO2Fixed200          // 2026: SO2 1h > 800 counts as IAQI 200
	RuleO3Use1h              // 2012: O3 8h > 800, the O3 1h IAQI is reported instead
	RuleO3Fixed300           // 2026: O3 8h > 800 counts as IAQI 300
	RuleBeyondTable          // concentration beyond the table: capped at 500 and flagged
	RuleSO2No24h             // 2012: SO2 1h > 800 and no 24h mean to report instead
	RuleO3Replaced1h         // 2012: this O3 8h value is not counted (the 1h value is)
)

// Description explains the rule in Chinese.
func (r AQIRule) Description() string {
	switch r {
	case RuleSO2Use24h:
		return "SO2 1小时浓度超过800 μg/m³，按24小时平均浓度计算分指数"
	case RuleSO2Fixed200:
		return "SO2 1小时浓度超过800 μg/m³，分指数按200计"
	case RuleO3Use1h, RuleO3Replaced1h:
		return "O3 8小时浓度超过800 μg/m³，按1小时平均浓度计算分指数"
	case RuleO3Fixed300:
		return "O3 8小时浓度超过800 μg/m³，分指数按300计"
	case RuleBeyondTable:
		return "浓度超出标准分级上限，分指数按500计并标记"
	case RuleSO2No24h:
		return "SO2 1小时浓度超过800 μg/m³且无24小时平均浓度，不计算分指数"
	}
	return ""
}

// DescriptionEN explains the rule in English.
func (r AQIRule) DescriptionEN() string {
	switch r {
	case RuleSO2Use24h:
		return "SO2 1h above 800 µg/m³: the 24h IAQI is reported"
	case RuleSO2Fixed200:
		return "SO2 1h above 800 µg/m³: counted as IAQI 200"
	case RuleO3Use1h, RuleO3Replaced1h:
		return "O3 8h above 800 µg/m³: the O3 1h IAQI is reported"
	case RuleO3Fixed300:
		return "O3 8h above 800 µg/m³: counted as IAQI 300"
	case RuleBeyondTable:
		return "concentration beyond the table: capped at 500 and flagged"
	case RuleSO2No24h:
		return "SO2 1h above 800 µg/m³ and no 24h mean: no IAQI"
	}
	return ""
}

// iaqiOutcome is the internal result of judging one concentration.
type iaqiOutcome struct {
	value      float64 // raw IAQI
	judged     float64 // concentration as judged (after 2026 input rounding)
	ok         bool
	outOfRange bool
	rule       AQIRule
}

// IAQI returns the individual air quality index of one pollutant's
// concentration c (µg/m³; CO in mg/m³) averaged over period, under edition
// ed, unrounded (e.g. 116.25). Pollutants are the canonical parameter names
// pm25, pm10, so2, no2, co and o3. PM2.5 and PM10 have only 24-hour
// breakpoints; a one-hour value is judged against them, as the real-time
// publication does. Under 2026 the concentration is first rounded (§4.2.2).
//
// ok is false when the standard gives no IAQI: an unknown pollutant or
// period, a negative or non-finite concentration, an edition other than
// 2012 or 2026, or under 2012 an SO2 1h value above 800 or an O3 8h value
// above 800 (the standard then reports another value in their place; see
// HourlyAQI). outOfRange is true when c lies beyond the table's last
// column: the IAQI is then capped at 500.
func IAQI(pollutant string, period Period, c float64, ed AQIEdition) (iaqi float64, ok bool, outOfRange bool) {
	o := judge(pollutant, period, c, ed)
	return o.value, o.ok, o.outOfRange
}

func judge(pollutant string, period Period, c float64, ed AQIEdition) iaqiOutcome {
	var table map[tableKey][]float64
	switch ed {
	case Edition2012:
		table = breakpoints2012
	case Edition2026:
		table = breakpoints2026
	default:
		return iaqiOutcome{}
	}
	if !Finite(c) || c < 0 {
		return iaqiOutcome{}
	}
	if (pollutant == ParamPM25 || pollutant == ParamPM10) && period == Period1h {
		period = Period24h // real-time rule: PM 1h judged against the 24h breakpoints
	}
	bp, found := table[tableKey{pollutant, period}]
	if !found {
		return iaqiOutcome{}
	}
	if ed == Edition2026 {
		c = roundConcentration(pollutant, c)
	}
	o := iaqiOutcome{judged: c, ok: true}
	switch {
	case pollutant == ParamSO2 && period == Period1h && c > so2HourlyCeiling:
		if ed == Edition2012 {
			return iaqiOutcome{judged: c, rule: RuleSO2Use24h}
		}
		o.value, o.rule = so2Over800IAQI, RuleSO2Fixed200
		return o
	case pollutant == ParamO3 && period == Period8h && c > o3EightHCeiling:
		if ed == Edition2012 {
			return iaqiOutcome{judged: c, rule: RuleO3Use1h}
		}
		o.value, o.rule = o3Over800IAQI, RuleO3Fixed300
		return o
	}
	last := len(bp) - 1
	if c > bp[last] {
		o.value, o.outOfRange, o.rule = maxIAQI, true, RuleBeyondTable
		return o
	}
	for i := 1; i <= last; i++ {
		if c <= bp[i] {
			lo, hi := bp[i-1], bp[i]
			o.value = (iaqiSteps[i]-iaqiSteps[i-1])/(hi-lo)*(c-lo) + iaqiSteps[i-1]
			return o
		}
	}
	return o // unreachable: c ≤ bp[last] is handled by the loop
}

// Input rounding of HJ 633-2026 §4.2.2: whole µg/m³ for SO2, NO2, O3 and
// particulate matter, 0.1 mg/m³ for CO.
const (
	decimalsMass = 0 // µg/m³ pollutants
	decimalsCO   = 1 // CO, mg/m³
)

// roundConcentration rounds c to the digits HJ 633-2026 prescribes, by the
// rounding rule of GB/T 8170 (a trailing 5 rounds to the even neighbour).
func roundConcentration(pollutant string, c float64) float64 {
	d := decimalsMass
	if pollutant == ParamCO {
		d = decimalsCO
	}
	return roundDecimal(c, d)
}

// floatGuard is the decimal place at which float noise is cut off before
// rounding or taking a ceiling (9 decimals).
const floatGuard = 1e9

// roundDecimal rounds x to d decimals per GB/T 8170 after removing binary
// noise (0.35 is stored as 0.34999…, which must still count as a tie).
func roundDecimal(x float64, d int) float64 {
	scale := math.Pow10(d)
	scaled := math.Round(x*scale*floatGuard) / floatGuard
	return math.RoundToEven(scaled) / scale
}

// roundUp is the ceiling both editions apply to IAQI and AQI, guarded
// against float noise: 116.000000000001 is 116, 116.25 is 117.
func roundUp(x float64) int {
	return int(math.Ceil(math.Round(x*floatGuard) / floatGuard))
}

// PollutantIAQI is one indicator's contribution to an AQI.
type PollutantIAQI struct {
	Param      string  // the input key used, e.g. "pm25", "o3_8h", "so2_24h"
	Pollutant  string  // the pollutant: pm25, pm10, so2, no2, co or o3
	Period     Period  // the averaging period of the value
	Value      float64 // the concentration as judged (after 2026 rounding)
	IAQI       float64 // unrounded IAQI
	Index      int     // IAQI rounded up, as published
	Counted    bool    // whether it counts towards the AQI
	OutOfRange bool    // beyond the table; IAQI capped at 500
	Rule       AQIRule // a special rule that applied, if any
}

// AQIResult is a published AQI with its parts.
type AQIResult struct {
	Edition    AQIEdition
	Available  bool            // false: the AQI is NA (see Missing)
	AQI        int             // valid when Available
	Level      AQILevel        // zero when not Available
	Primary    []string        // input keys of the primary pollutant(s) when AQI > 50
	IAQIs      []PollutantIAQI // every indicator present, in table order
	Missing    []string        // pollutants with no usable value
	OutOfRange bool            // some counted value lay beyond the table
}

// indicator is one input a report judges.
type indicator struct {
	keys      []string // input keys, first present wins
	pollutant string
	period    Period
}

// The seven indicators of the real-time (hourly) report. PM is judged on
// its one-hour value against the 24h breakpoints.
var hourlyIndicators = []indicator{
	{[]string{ParamSO2}, ParamSO2, Period1h},
	{[]string{ParamNO2}, ParamNO2, Period1h},
	{[]string{ParamPM10}, ParamPM10, Period1h},
	{[]string{ParamCO}, ParamCO, Period1h},
	{[]string{ParamO3}, ParamO3, Period1h},
	{[]string{ParamO38h}, ParamO3, Period8h},
	{[]string{ParamPM25}, ParamPM25, Period1h},
}

// The seven indicators of the daily report: 24-hour means, the O3 daily
// maximum one-hour value and the O3 daily maximum eight-hour mean.
var dailyIndicators = []indicator{
	{[]string{ParamSO2}, ParamSO2, Period24h},
	{[]string{ParamNO2}, ParamNO2, Period24h},
	{[]string{ParamPM10h, ParamPM10}, ParamPM10, Period24h},
	{[]string{ParamCO}, ParamCO, Period24h},
	{[]string{ParamO3}, ParamO3, Period1h},
	{[]string{ParamO38h}, ParamO3, Period8h},
	{[]string{ParamPM25h, ParamPM25}, ParamPM25, Period24h},
}

// aqiPollutants are the six pollutants an AQI is made of, in table order.
var aqiPollutants = []string{ParamSO2, ParamNO2, ParamPM10, ParamCO, ParamO3, ParamPM25}

// NA threshold of HJ 633-2026 §5.3: with a pollutant missing, the AQI is
// still published when the others already give more than this.
const missingPublishAbove = 100

// HourlyAQI computes the real-time AQI from one-hour values: so2, no2, co,
// o3, pm25, pm10 (µg/m³, CO mg/m³) and, when present, o3_8h (the O3
// eight-hour moving mean). PM2.5 and PM10 one-hour values are judged
// against the 24h breakpoints. Under 2012 an SO2 1h value above 800 is
// replaced by the 24h IAQI of so2_24h when given. Other keys are ignored.
//
// A negative or non-finite value is reported in the error and treated as
// missing; the result is still computed from the rest.
func HourlyAQI(values map[string]float64, ed AQIEdition) (AQIResult, error) {
	return computeAQI(values, ed, hourlyIndicators)
}

// DailyAQI computes the daily AQI from 24-hour means of so2, no2, co, and
// of PM (pm25_24h or else pm25, pm10_24h or else pm10), the O3 daily
// maximum one-hour value (o3) and the O3 daily maximum eight-hour mean
// (o3_8h). Errors are as for HourlyAQI.
func DailyAQI(values map[string]float64, ed AQIEdition) (AQIResult, error) {
	return computeAQI(values, ed, dailyIndicators)
}

func computeAQI(values map[string]float64, ed AQIEdition, inds []indicator) (AQIResult, error) {
	res := AQIResult{Edition: ed}
	if !ed.Valid() {
		return res, fmt.Errorf("AQI: edition %v is not 2012 or 2026", ed)
	}
	var errs []error
	present := map[string]bool{}
	for _, ind := range inds {
		key, c, found := "", 0.0, false
		for _, k := range ind.keys {
			if v, ok := values[k]; ok {
				key, c, found = k, v, true
				break
			}
		}
		if !found {
			continue
		}
		if !Finite(c) || c < 0 {
			errs = append(errs, fmt.Errorf("AQI: %s = %v is not a concentration", key, c))
			continue
		}
		o := judge(ind.pollutant, ind.period, c, ed)
		p := PollutantIAQI{Param: key, Pollutant: ind.pollutant, Period: ind.period, Value: o.judged,
			IAQI: o.value, Counted: o.ok, OutOfRange: o.outOfRange, Rule: o.rule}
		switch o.rule {
		case RuleSO2Use24h:
			if v24, ok := values[ParamSO224h]; ok && Finite(v24) && v24 >= 0 {
				o24 := judge(ParamSO2, Period24h, v24, ed)
				p.Param, p.Period, p.Value, p.IAQI = ParamSO224h, Period24h, o24.judged, o24.value
				p.Counted, p.OutOfRange = o24.ok, o24.outOfRange
			} else {
				p.Rule = RuleSO2No24h
			}
		case RuleO3Use1h:
			p.Rule = RuleO3Replaced1h // the O3 1h indicator, if present, carries O3
		}
		if p.Counted {
			p.Index = roundUp(p.IAQI)
			present[ind.pollutant] = true
		}
		res.IAQIs = append(res.IAQIs, p)
	}
	for _, pol := range aqiPollutants {
		if !present[pol] {
			res.Missing = append(res.Missing, pol)
		}
	}
	best := -1
	for _, p := range res.IAQIs {
		if p.Counted && p.Index > best {
			best = p.Index
		}
	}
	if best < 0 {
		return res, errors.Join(errs...)
	}
	if ed == Edition2026 && len(res.Missing) > 0 && best <= missingPublishAbove {
		return res, errors.Join(errs...) // §5.3: AQI is NA
	}
	res.Available, res.AQI, res.Level = true, best, AQILevelOf(best)
	for _, p := range res.IAQIs {
		if !p.Counted {
			continue
		}
		if p.OutOfRange {
			res.OutOfRange = true
		}
		if best > 50 && p.Index == best {
			res.Primary = append(res.Primary, p.Param)
		}
	}
	return res, errors.Join(errs...)
}

// AQILevel is one of the six AQI levels with its category and colour.
type AQILevel struct {
	Level  int         // 1..6; 0 for no level
	Grade  string      // 一级 .. 六级
	Name   string      // category in Chinese, e.g. 轻度污染
	NameEN string      // category in English
	Colour color.NRGBA // the colour of HJ 633 Appendix A
}

// Hex gives the colour as "#RRGGBB".
func (l AQILevel) Hex() string {
	return fmt.Sprintf("#%02X%02X%02X", l.Colour.R, l.Colour.G, l.Colour.B)
}

// aqiLevels lists the levels by their upper AQI bound.
var aqiLevels = []struct {
	upTo  int
	level AQILevel
}{
	{50, AQILevel{1, "一级", "优", "Good", color.NRGBA{0x00, 0xE4, 0x00, 0xFF}}},
	{100, AQILevel{2, "二级", "良", "Moderate", color.NRGBA{0xFF, 0xFF, 0x00, 0xFF}}},
	{150, AQILevel{3, "三级", "轻度污染", "Light pollution", color.NRGBA{0xFF, 0x7E, 0x00, 0xFF}}},
	{200, AQILevel{4, "四级", "中度污染", "Moderate pollution", color.NRGBA{0xFF, 0x00, 0x00, 0xFF}}},
	{300, AQILevel{5, "五级", "重度污染", "Heavy pollution", color.NRGBA{0x99, 0x00, 0x4C, 0xFF}}},
	{math.MaxInt, AQILevel{6, "六级", "严重污染", "Severe pollution", color.NRGBA{0x7E, 0x00, 0x23, 0xFF}}},
}

// AQILevelOf returns the level of a published (integer) AQI: 0–50 一级 优,
// 51–100 二级 良, 101–150 三级 轻度污染, 151–200 四级 中度污染, 201–300 五级
// 重度污染, above 300 六级 严重污染. A negative AQI has no level (zero value).
func AQILevelOf(aqi int) AQILevel {
	if aqi < 0 {
		return AQILevel{}
	}
	for _, l := range aqiLevels {
		if aqi <= l.upTo {
			return l.level
		}
	}
	return AQILevel{} // unreachable
}

// PollutantLabel gives the published label of an AQI input key, e.g.
// "PM2.5" for pm25 or pm25_24h and "O3_8h" for o3_8h.
func PollutantLabel(param string) string {
	switch param {
	case ParamPM25, ParamPM25h:
		return "PM2.5"
	case ParamPM10, ParamPM10h:
		return "PM10"
	case ParamSO2, ParamSO224h:
		return "SO2"
	case ParamNO2:
		return "NO2"
	case ParamCO:
		return "CO"
	case ParamO3:
		return "O3"
	case ParamO38h:
		return "O3_8h"
	}
	return param
}

// PrimaryLabel joins the labels of the primary pollutants in table order,
// e.g. "PM10,PM2.5"; "" when there is none.
func (r AQIResult) PrimaryLabel() string {
	labels := make([]string, 0, len(r.Primary))
	seen := map[string]bool{}
	for _, p := range r.Primary {
		l := PollutantLabel(p)
		if !seen[l] {
			seen[l] = true
			labels = append(labels, l)
		}
	}
	return strings.Join(labels, ",")
}

// DistrictAQI is the district's AQI: the AQI, by edition ed, of the mean
// concentration of each pollutant over the stations' values (byParam:
// pollutant → one value per station). It is the figure of the console's
// and the wall's AQI tile and of the wall's AQI trend. No values: an
// unavailable result.
func DistrictAQI(byParam map[string][]float64, ed AQIEdition) (AQIResult, error) {
	mean := make(map[string]float64, len(byParam))
	for p, vs := range byParam {
		if len(vs) == 0 {
			continue
		}
		var sum float64
		for _, v := range vs {
			sum += v
		}
		mean[p] = sum / float64(len(vs))
	}
	if len(mean) == 0 {
		return AQIResult{}, nil
	}
	return HourlyAQI(mean, ed)
}
