package city

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Surface water quality classes per GB 3838-2002. A section's class is its
// worst single parameter; worse than class V is 劣V. pH outside 6–9 fails
// every class. Total phosphorus has separate limits for lakes and
// reservoirs; total nitrogen is judged for lakes and reservoirs only; water
// temperature is never part of the class.

// Optional water parameters beyond the canonical set in city.go (mg/L).
const (
	ParamCOD  = "cod"  // chemical oxygen demand, mg/L (HJ 212 w01018)
	ParamBOD5 = "bod5" // five-day biochemical oxygen demand, mg/L
)

// WaterClass is a GB 3838 surface water class. The zero value means "not
// assessed".
type WaterClass int

// The classes, best to worst.
const (
	ClassI          WaterClass = 1
	ClassII         WaterClass = 2
	ClassIII        WaterClass = 3
	ClassIV         WaterClass = 4
	ClassV          WaterClass = 5
	ClassWorseThanV WaterClass = 6 // 劣V类
)

var waterClassNames = [...]string{"", "I", "II", "III", "IV", "V", "劣V"}

// String gives "I", "II", "III", "IV", "V" or "劣V"; "" for the zero value.
func (c WaterClass) String() string {
	if c >= 0 && int(c) < len(waterClassNames) {
		return waterClassNames[c]
	}
	return fmt.Sprintf("WaterClass(%d)", int(c))
}

// Label gives the class as officers write it, e.g. "III类", "劣V类".
func (c WaterClass) Label() string {
	if !c.Valid() {
		return c.String()
	}
	return c.String() + "类"
}

// Valid reports whether c is one of I..V or 劣V.
func (c WaterClass) Valid() bool { return c >= ClassI && c <= ClassWorseThanV }

// WorseThan reports whether c is a worse class than o.
func (c WaterClass) WorseThan(o WaterClass) bool { return c > o }

// ParseWaterClass reads "I".."V" and "劣V" in ASCII or Unicode Roman
// numerals (Ⅰ..Ⅴ), with or without a trailing 类, or the digits 1..5.
func ParseWaterClass(s string) (WaterClass, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(t, "类")
	t = strings.NewReplacer("Ⅰ", "I", "Ⅱ", "II", "Ⅲ", "III", "Ⅳ", "IV", "Ⅴ", "V").Replace(t)
	worse := strings.HasPrefix(t, "劣")
	t = strings.ToUpper(strings.TrimPrefix(t, "劣"))
	var c WaterClass
	switch t {
	case "I", "1":
		c = ClassI
	case "II", "2":
		c = ClassII
	case "III", "3":
		c = ClassIII
	case "IV", "4":
		c = ClassIV
	case "V", "5":
		c = ClassV
	default:
		return 0, fmt.Errorf("unknown water class %q (want I, II, III, IV, V or 劣V)", s)
	}
	if worse {
		if c != ClassV {
			return 0, fmt.Errorf("unknown water class %q (劣 only goes with V)", s)
		}
		return ClassWorseThanV, nil
	}
	return c, nil
}

// MarshalText writes the class as String does.
func (c WaterClass) MarshalText() ([]byte, error) {
	if c != 0 && !c.Valid() {
		return nil, fmt.Errorf("invalid water class %d", int(c))
	}
	return []byte(c.String()), nil
}

// UnmarshalText reads what ParseWaterClass accepts; "" gives the zero value.
func (c *WaterClass) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*c = 0
		return nil
	}
	v, err := ParseWaterClass(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// WaterBody is the kind of water a section lies in.
type WaterBody string

// Water bodies GB 3838 tells apart.
const (
	River WaterBody = "river" // rivers and canals
	Lake  WaterBody = "lake"  // lakes and reservoirs
)

// ParseWaterBody reads "river" (河流) or "lake" ("reservoir", 湖泊, 水库, 湖库).
func ParseWaterBody(s string) (WaterBody, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "river", "河流", "河":
		return River, nil
	case "lake", "reservoir", "湖泊", "水库", "湖库", "湖":
		return Lake, nil
	}
	return "", fmt.Errorf("unknown water body %q (want river or lake)", s)
}

// UnmarshalText reads what ParseWaterBody accepts; "" gives "".
func (b *WaterBody) UnmarshalText(t []byte) error {
	if strings.TrimSpace(string(t)) == "" {
		*b = ""
		return nil
	}
	v, err := ParseWaterBody(string(t))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// pH band of GB 3838, the same for every class.
const (
	PHMin = 6.0 // pH units
	PHMax = 9.0 // pH units
	// pHBandWidth is the width of the band; the hysteresis margin narrows
	// it by margin × this at each end.
	pHBandWidth = PHMax - PHMin
)

// waterLimit holds one parameter's class limits for classes I..V.
type waterLimit struct {
	floor  bool       // DO: a floor (higher is better); the others are ceilings
	limits [5]float64 // mg/L, classes I..V
}

// Limits of GB 3838-2002 Table 1 (mg/L).
var (
	limitDO    = waterLimit{floor: true, limits: [5]float64{7.5, 6, 5, 3, 2}}
	limitCODMn = waterLimit{limits: [5]float64{2, 4, 6, 10, 15}}
	limitCOD   = waterLimit{limits: [5]float64{15, 15, 20, 30, 40}}
	limitBOD5  = waterLimit{limits: [5]float64{3, 3, 4, 6, 10}}
	limitNH3N  = waterLimit{limits: [5]float64{0.15, 0.5, 1.0, 1.5, 2.0}}
	limitTPRiv = waterLimit{limits: [5]float64{0.02, 0.1, 0.2, 0.3, 0.4}}
	limitTPLak = waterLimit{limits: [5]float64{0.01, 0.025, 0.05, 0.1, 0.2}}
	limitTNLak = waterLimit{limits: [5]float64{0.2, 0.5, 1.0, 1.5, 2.0}}
)

// waterParams lists the parameters judged for a body, in display order.
func waterParams(body WaterBody) []string {
	ps := []string{ParamPH, ParamDO, ParamCODMn, ParamCOD, ParamBOD5, ParamNH3N, ParamTP}
	if body == Lake {
		ps = append(ps, ParamTN)
	}
	return ps
}

func waterLimitOf(param string, body WaterBody) (waterLimit, bool) {
	switch param {
	case ParamDO:
		return limitDO, true
	case ParamCODMn:
		return limitCODMn, true
	case ParamCOD:
		return limitCOD, true
	case ParamBOD5:
		return limitBOD5, true
	case ParamNH3N:
		return limitNH3N, true
	case ParamTP:
		if body == Lake {
			return limitTPLak, true
		}
		return limitTPRiv, true
	case ParamTN:
		if body == Lake {
			return limitTNLak, true
		}
	}
	return waterLimit{}, false
}

// guarded cuts binary noise off a measured value (9 decimals) so that a
// value typed as 0.3 but computed as 0.30000000000000004 meets a 0.3 limit.
func guarded(v float64) float64 { return math.Round(v*floatGuard) / floatGuard }

// classOf gives the class of one parameter's value.
func (l waterLimit) classOf(v float64) WaterClass {
	v = guarded(v)
	for i, lim := range l.limits {
		if (l.floor && v >= lim) || (!l.floor && v <= lim) {
			return WaterClass(i + 1)
		}
	}
	return ClassWorseThanV
}

// WaterParamClass is one parameter's class in an assessment.
type WaterParamClass struct {
	Param string
	Value float64 // mg/L, pH units for pH
	Class WaterClass
}

// WaterAssessment is a section's class with the parameters behind it.
type WaterAssessment struct {
	Body     WaterBody
	Class    WaterClass        // the worst parameter's class; 0 if nothing was assessable
	Decisive []string          // the parameter(s) that gave Class (ties list all)
	Params   []WaterParamClass // every assessed parameter, in display order
	Ignored  []string          // present but not part of the class (e.g. temp; tn for rivers)
}

// Meets reports whether the section meets target: assessed and no worse.
func (a WaterAssessment) Meets(target WaterClass) bool {
	return a.Class.Valid() && a.Class <= target
}

// WaterExceedance is one parameter failing a target class.
type WaterExceedance struct {
	Param string
	Value float64
	Limit float64 // the target class's limit (a floor for DO; 6–9 band for pH: the violated end)
	Class WaterClass
	Times float64 // 超标倍数 (value − limit) / limit for ceilings; 0 for DO and pH
}

// Exceedances lists the parameters worse than target, in display order.
func (a WaterAssessment) Exceedances(target WaterClass) []WaterExceedance {
	var out []WaterExceedance
	if !target.Valid() || target == ClassWorseThanV {
		return nil
	}
	for _, p := range a.Params {
		if p.Class <= target {
			continue
		}
		e := WaterExceedance{Param: p.Param, Value: p.Value, Class: p.Class}
		switch p.Param {
		case ParamPH:
			e.Limit = PHMin
			if p.Value > PHMax {
				e.Limit = PHMax
			}
		default:
			l, _ := waterLimitOf(p.Param, a.Body)
			e.Limit = l.limits[target-1]
			if !l.floor {
				e.Times = guarded((p.Value - e.Limit) / e.Limit)
			}
		}
		out = append(out, e)
	}
	return out
}

// WaterClassOf classes a section from its measured values (mg/L; pH in pH
// units) per GB 3838-2002: each parameter's class is the best class whose
// limit it meets (a value equal to a limit meets it), the section's class
// is the worst of them, and pH outside 6–9 is 劣V. Rivers leave out TN;
// every body leaves out water temperature. Keys it does not judge are
// listed in Ignored.
//
// A negative or non-finite value, or a pH outside 0–14, is reported in the
// error and left out; the rest is still assessed. With nothing assessable
// the class is 0.
func WaterClassOf(values map[string]float64, body WaterBody) (WaterAssessment, error) {
	if body == "" {
		body = River
	}
	a := WaterAssessment{Body: body}
	if body != River && body != Lake {
		return a, fmt.Errorf("water class: unknown water body %q", body)
	}
	var errs []error
	judged := map[string]bool{}
	for _, p := range waterParams(body) {
		v, ok := values[p]
		if !ok {
			continue
		}
		judged[p] = true
		if !Finite(v) || v < 0 || (p == ParamPH && v > 14) {
			errs = append(errs, fmt.Errorf("water class: %s = %v is not a valid value", p, v))
			continue
		}
		var c WaterClass
		if p == ParamPH {
			c = ClassI
			if g := guarded(v); g < PHMin || g > PHMax {
				c = ClassWorseThanV
			}
		} else {
			l, _ := waterLimitOf(p, body)
			c = l.classOf(v)
		}
		a.Params = append(a.Params, WaterParamClass{Param: p, Value: v, Class: c})
		if c > a.Class {
			a.Class = c
		}
	}
	for k := range values {
		if !judged[k] {
			a.Ignored = append(a.Ignored, k)
		}
	}
	slices.Sort(a.Ignored)
	for _, p := range a.Params {
		if p.Class == a.Class {
			a.Decisive = append(a.Decisive, p.Param)
		}
	}
	return a, errors.Join(errs...)
}

// waterFailsWithin reports whether the values still fail target once every
// limit is tightened by margin (a fraction: ceilings × (1 − margin), the DO
// floor × (1 + margin), the pH band narrowed by margin × 3 pH units at each
// end). It is the hold test of the water alert: a section that failed stays
// failing until it meets its target with that much to spare.
func waterFailsWithin(values map[string]float64, body WaterBody, target WaterClass, margin float64) bool {
	if !target.Valid() || target == ClassWorseThanV {
		return false
	}
	for _, p := range waterParams(body) {
		v, ok := values[p]
		if !ok || !Finite(v) || v < 0 {
			continue
		}
		v = guarded(v)
		if p == ParamPH {
			if v > 14 {
				continue
			}
			d := margin * pHBandWidth
			if v < guarded(PHMin+d) || v > guarded(PHMax-d) {
				return true
			}
			continue
		}
		l, _ := waterLimitOf(p, body)
		lim := l.limits[target-1]
		if l.floor {
			if v < guarded(lim*(1+margin)) {
				return true
			}
		} else if v > guarded(lim*(1-margin)) {
			return true
		}
	}
	return false
}

// WaterParamName gives a water parameter's Chinese name.
func WaterParamName(param string) string {
	switch param {
	case ParamPH:
		return "pH"
	case ParamDO:
		return "溶解氧"
	case ParamCODMn:
		return "高锰酸盐指数"
	case ParamCOD:
		return "化学需氧量"
	case ParamBOD5:
		return "五日生化需氧量"
	case ParamNH3N:
		return "氨氮"
	case ParamTP:
		return "总磷"
	case ParamTN:
		return "总氮"
	case ParamTemp:
		return "水温"
	}
	return param
}

// WaterParamNameEN gives a water parameter's English name.
func WaterParamNameEN(param string) string {
	switch param {
	case ParamPH:
		return "pH"
	case ParamDO:
		return "dissolved oxygen"
	case ParamCODMn:
		return "permanganate index"
	case ParamCOD:
		return "COD"
	case ParamBOD5:
		return "BOD5"
	case ParamNH3N:
		return "ammonia nitrogen"
	case ParamTP:
		return "total phosphorus"
	case ParamTN:
		return "total nitrogen"
	case ParamTemp:
		return "water temperature"
	}
	return param
}
