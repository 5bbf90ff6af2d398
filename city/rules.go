package city

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The alert rules: how a reading is judged into alert conditions, with the
// severities documented in docs/config.md.

// Thresholds of the rules that are not site settings.
const (
	aqiAlertAbove        = 100  // AQI: an alert from level 3 (轻度污染, AQI 101) on
	aqiMajorLevel        = 4    // AQI level from which the alert is Major (中度污染)
	aqiCriticalLevel     = 5    // AQI level from which the alert is Critical (重度污染)
	noiseMajorExceedance = 10.0 // dB(A) over the limit from which a noise alert is Major
)

// evaluation is one condition judged on one reading.
type evaluation struct {
	cond     Condition
	enter    bool // the condition starts (or holds) at its threshold
	hold     bool // it still holds within the hysteresis margin
	severity Severity
	value    float64
	unit     string
	msg      string // Chinese
	msgEN    string
}

// ended is the evaluation of a condition that does not hold.
func ended(c Condition) evaluation { return evaluation{cond: c} }

// quiet reports whether judging an evaluation of cond for station with
// these enter and hold flags can change nothing (no alert open for the
// slot, none pending that could hold, and the condition not entered), so
// that its messages need not be written. Most readings are quiet.
func (e *Engine) quiet(station string, cond Condition, enter, hold bool) bool {
	if enter {
		return false
	}
	k := alertKey{station, cond}
	if _, open := e.active[k]; open {
		return false
	}
	_, waiting := e.pending[k]
	return !(waiting && hold)
}

// readingValues gives a reading's values as a map; a repeated parameter
// keeps its last value.
func readingValues(r Reading) map[string]float64 {
	m := make(map[string]float64, len(r.Values))
	for _, v := range r.Values {
		m[v.Param] = v.Value
	}
	return m
}

// evaluate judges a reading of station st into conditions. Conditions the
// reading says nothing about are left out. The error reports bad values
// and missing station settings; what could be judged is still returned.
func (e *Engine) evaluate(st Station, r Reading) ([]evaluation, error) {
	switch st.Feed {
	case FeedAir:
		return e.evaluateAir(r)
	case FeedWater:
		return e.evaluateWater(st, r)
	case FeedNoise:
		return e.evaluateNoise(st, r)
	case FeedCrowd:
		return e.evaluateCrowd(st, r)
	case FeedFire:
		return e.evaluateFire(st, r)
	}
	return nil, fmt.Errorf("station %s: unknown feed %q", st.ID, st.Feed)
}

func (e *Engine) evaluateAir(r Reading) ([]evaluation, error) {
	res, err := HourlyAQI(readingValues(r), e.cfg.EditionAt(r.Time))
	if err != nil {
		err = fmt.Errorf("station %s: %w", r.Station, err)
	}
	if !res.Available {
		return nil, err // NA: the condition is unknown, nothing changes
	}
	margin := e.cfg.Alerts.AQI.Margin
	v := float64(res.AQI)
	ev := evaluation{cond: CondAQI, enter: res.AQI > aqiAlertAbove, hold: v >= aqiAlertAbove+1-margin,
		severity: SeverityMinor, value: v, unit: "AQI"}
	switch {
	case res.Level.Level >= aqiCriticalLevel:
		ev.severity = SeverityCritical
	case res.Level.Level >= aqiMajorLevel:
		ev.severity = SeverityMajor
	}
	if e.quiet(r.Station, ev.cond, ev.enter, ev.hold) {
		return []evaluation{ev}, err
	}
	ev.msg = fmt.Sprintf("AQI %d，%s%s", res.AQI, res.Level.Grade, res.Level.Name)
	ev.msgEN = fmt.Sprintf("AQI %d, %s", res.AQI, strings.ToLower(res.Level.NameEN))
	if p := res.PrimaryLabel(); p != "" {
		ev.msg += "，首要污染物 " + p
		ev.msgEN += ", primary pollutant " + p
	}
	if res.OutOfRange {
		ev.msg += "（浓度超出标准分级上限）"
		ev.msgEN += " (concentration beyond the table)"
	}
	ev.msg += fmt.Sprintf("（%s）", res.Edition)
	ev.msgEN += fmt.Sprintf(" (%s)", res.Edition)
	return []evaluation{ev}, err
}

func (e *Engine) evaluateWater(st Station, r Reading) ([]evaluation, error) {
	target, err := e.cfg.TargetClassFor(st)
	if err != nil {
		return nil, err
	}
	body, err := e.cfg.WaterBodyFor(st)
	if err != nil {
		return nil, err
	}
	vals := readingValues(r)
	a, err := WaterClassOf(vals, body)
	if err != nil {
		err = fmt.Errorf("station %s: %w", st.ID, err)
	}
	if !a.Class.Valid() {
		return nil, err
	}
	enter := !a.Meets(target)
	ev := evaluation{cond: CondWaterClass, enter: enter,
		hold:     enter || waterFailsWithin(vals, body, target, e.cfg.Alerts.WaterClass.Margin),
		severity: SeverityMajor, value: float64(a.Class), unit: "class"}
	if a.Class == ClassWorseThanV {
		ev.severity = SeverityCritical
	}
	if e.quiet(st.ID, ev.cond, ev.enter, ev.hold) {
		return []evaluation{ev}, err
	}
	ev.msg = fmt.Sprintf("水质%s，目标%s", a.Class.Label(), target.Label())
	ev.msgEN = fmt.Sprintf("water %s, target %s", a.Class.LabelEN(), target.LabelEN())
	var zh, en []string
	for _, x := range a.Exceedances(target) {
		switch x.Param {
		case ParamPH:
			zh = append(zh, fmt.Sprintf("pH %g（应在6～9）", x.Value))
			en = append(en, fmt.Sprintf("pH %g (must be 6–9)", x.Value))
		case ParamDO:
			zh = append(zh, fmt.Sprintf("溶解氧 %g mg/L（%s限值 ≥%g）", x.Value, target.Label(), x.Limit))
			en = append(en, fmt.Sprintf("dissolved oxygen %g mg/L (%s needs ≥ %g)", x.Value, target.LabelEN(), x.Limit))
		default:
			zh = append(zh, fmt.Sprintf("%s %g mg/L（%s限值 %g，超标%.2f倍）", WaterParamName(x.Param), x.Value, target.Label(), x.Limit, x.Times))
			en = append(en, fmt.Sprintf("%s %g mg/L (%s limit %g, %.2f× over)", WaterParamNameEN(x.Param), x.Value, target.LabelEN(), x.Limit, x.Times))
		}
	}
	if len(zh) > 0 {
		ev.msg += "；超标项目：" + strings.Join(zh, "，")
		ev.msgEN += "; exceeding: " + strings.Join(en, ", ")
	}
	return []evaluation{ev}, err
}

func (e *Engine) evaluateNoise(st Station, r Reading) ([]evaluation, error) {
	zone, err := e.cfg.ZoneClassFor(st)
	if err != nil {
		return nil, err
	}
	a, err := AssessNoise(zone, r, e.cfg.Noise)
	if err != nil {
		return nil, fmt.Errorf("station %s: %w", st.ID, err)
	}
	var evs []evaluation
	if a.HasLAeq {
		cur, other := CondNoiseDay, CondNoiseNight
		period, periodEN := "昼间", "day"
		if a.Night {
			cur, other = CondNoiseNight, CondNoiseDay
			period, periodEN = "夜间", "night"
		}
		rule, _ := e.cfg.Alerts.Rule(cur)
		ev := evaluation{cond: cur, enter: a.Over, hold: guarded(a.LAeq) > a.Limit-rule.Margin,
			severity: SeverityMinor, value: a.LAeq, unit: "dB(A)"}
		if a.Exceedance >= noiseMajorExceedance {
			ev.severity = SeverityMajor
		}
		if !e.quiet(st.ID, ev.cond, ev.enter, ev.hold) {
			ev.msg = fmt.Sprintf("%s等效声级 %g dB(A)，%s声环境功能区限值 %g dB(A)", period, a.LAeq, zone.Label(), a.Limit)
			ev.msgEN = fmt.Sprintf("%s LAeq %g dB(A), zone %s limit %g dB(A)", periodEN, a.LAeq, zone, a.Limit)
			if a.Over {
				ev.msg += fmt.Sprintf("，超标 %g dB(A)", a.Exceedance)
				ev.msgEN += fmt.Sprintf(", %g dB(A) over", a.Exceedance)
			}
		}
		evs = append(evs, ev, ended(other)) // the other period's limit is not in force now
	}
	if a.HasLmax {
		if !a.Night {
			evs = append(evs, ended(CondNoiseLmax))
		} else {
			m := e.cfg.Alerts.NoiseLmax.Margin
			evs = append(evs, evaluation{cond: CondNoiseLmax, enter: a.LmaxOver,
				hold: guarded(a.Lmax) > a.LmaxLimit-m, severity: SeverityMinor, value: a.Lmax, unit: "dB(A)",
				msg: fmt.Sprintf("夜间突发噪声最大声级 %g dB(A)，超过%s夜间限值 %g dB(A) 逾15 dB(A)", a.Lmax, zone.Label(), a.Limit),
				msgEN: fmt.Sprintf("night sudden noise Lmax %g dB(A), more than 15 dB(A) over the zone %s night limit %g dB(A)",
					a.Lmax, zone, a.Limit)})
		}
	}
	return evs, nil
}

func (e *Engine) evaluateCrowd(st Station, r Reading) ([]evaluation, error) {
	if _, ok := r.Value(ParamCount); !ok {
		return nil, nil
	}
	a, err := AssessCrowd(st, r, e.cfg)
	if err != nil {
		return nil, err
	}
	cs := e.cfg.Crowd
	dm := e.cfg.Alerts.CrowdDensity.Margin
	ev := evaluation{cond: CondCrowdDensity, enter: guarded(a.Density) >= cs.HighAt,
		hold: guarded(a.Density) >= cs.HighAt-dm, severity: SeverityMajor, value: a.Density, unit: "persons/m²"}
	if !e.quiet(st.ID, ev.cond, ev.enter, ev.hold) {
		ev.msg = fmt.Sprintf("人群密度 %.2f 人/㎡（%.0f 人，可步行面积 %.0f ㎡），风险%s，%s",
			a.Density, a.Count, a.Area, a.Risk.Name(), a.Band.Name())
		ev.msgEN = fmt.Sprintf("crowd density %.2f persons/m² (%.0f persons on %.0f m²), %s risk, %s",
			a.Density, a.Count, a.Area, a.Risk, a.Band)
	}
	if a.Risk == RiskCritical {
		ev.severity = SeverityCritical
	}
	evs := []evaluation{ev}
	if a.HasInflow && cs.WarnTimeToCapacity > 0 {
		tm := time.Duration(e.cfg.Alerts.CrowdTimeToCapacity.Margin * float64(time.Minute))
		t := evaluation{cond: CondCrowdTimeToCapacity, severity: SeverityMajor, unit: "min"}
		if a.ToCapacity {
			t.enter = a.TimeToCapacity <= cs.WarnTimeToCapacity
			t.hold = a.TimeToCapacity <= cs.WarnTimeToCapacity+tm
			t.value = a.TimeToCapacity.Minutes()
			if a.TimeToCapacity < time.Minute/2 {
				t.msg = fmt.Sprintf("已达到容量 %.0f 人（现有 %.0f 人），仍以 %.0f 人/分钟进入",
					a.Capacity, a.Count, a.Inflow)
				t.msgEN = fmt.Sprintf("at capacity %.0f (now %.0f) and still filling at %.0f persons/min",
					a.Capacity, a.Count, a.Inflow)
			} else {
				t.msg = fmt.Sprintf("按当前进入速度 %.0f 人/分钟，约 %s 后达到容量 %.0f 人（现有 %.0f 人）",
					a.Inflow, minutesText(a.TimeToCapacity), a.Capacity, a.Count)
				t.msgEN = fmt.Sprintf("at the current inflow of %.0f persons/min, capacity %.0f is reached in about %s (now %.0f)",
					a.Inflow, a.Capacity, a.TimeToCapacity.Round(time.Minute), a.Count)
			}
		}
		evs = append(evs, t)
	}
	return evs, nil
}

// minutesText gives a duration in whole minutes, in Chinese.
func minutesText(d time.Duration) string {
	return fmt.Sprintf("%d 分钟", int(d.Round(time.Minute)/time.Minute))
}

func (e *Engine) evaluateFire(st Station, r Reading) ([]evaluation, error) {
	dev := e.devices[st.ID]
	if dev == nil {
		dev = &fireDevice{}
		e.devices[st.ID] = dev
	}
	dev.station = st
	var errs []error
	state, err := dev.state.Apply(r, e.cfg.Fire)
	if err != nil {
		errs = append(errs, err)
	}
	dev.state = state
	f := e.cfg.Fire
	evs := []evaluation{ended(CondDeviceOffline)} // it was just heard from
	evs = append(evs,
		evaluation{cond: CondFireAlarm, enter: state.Alarm, severity: SeverityCritical,
			msg: "火灾报警", msgEN: "fire alarm"},
		evaluation{cond: CondDeviceFault, enter: state.Fault, severity: SeverityMinor,
			msg: "设备故障", msgEN: "device fault"},
		evaluation{cond: CondDeviceTamper, enter: state.Tamper, severity: SeverityMajor,
			msg: "设备被拆除或打开", msgEN: "device removed or opened"},
		evaluation{cond: CondLowBattery, enter: state.LowBattery, severity: SeverityInfo, value: state.Battery, unit: "%",
			msg: "电池电量低，请更换", msgEN: "battery low, replace it"},
	)
	if state.HasBattery {
		last := &evs[len(evs)-1]
		last.msg = fmt.Sprintf("电池电量 %g%%，低于 %g%%，请更换", state.Battery, f.LowBatteryPercent)
		last.msgEN = fmt.Sprintf("battery %g%%, below %g%%, replace it", state.Battery, f.LowBatteryPercent)
	}
	for i := range evs {
		evs[i].hold = evs[i].enter
	}
	if p, ok := r.Value(ParamPressure); ok {
		status, err := HydrantPressure(p, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("station %s: %w", st.ID, err))
		} else {
			m := e.cfg.Alerts.HydrantPressure.Margin
			g := guarded(p)
			ev := evaluation{cond: CondHydrantPressure, enter: status != PressureNormal,
				hold: g < f.HydrantMinMPa+m || g > f.HydrantMaxMPa-m, severity: SeverityMajor, value: p, unit: "MPa",
				msg:   fmt.Sprintf("消火栓压力 %g MPa，低于 %g MPa，供水不足", p, f.HydrantMinMPa),
				msgEN: fmt.Sprintf("hydrant pressure %g MPa, below %g MPa: it will not serve a fire", p, f.HydrantMinMPa)}
			if g > (f.HydrantMinMPa+f.HydrantMaxMPa)/2 {
				ev.severity = SeverityMinor
				ev.msg = fmt.Sprintf("消火栓压力 %g MPa，高于 %g MPa，需减压", p, f.HydrantMaxMPa)
				ev.msgEN = fmt.Sprintf("hydrant pressure %g MPa, above %g MPa: needs pressure reduction", p, f.HydrantMaxMPa)
			}
			evs = append(evs, ev)
		}
	}
	if v, ok := r.Value(ParamResidualCurrent); ok {
		over, err := ResidualCurrentOver(v, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("station %s: %w", st.ID, err))
		} else {
			evs = append(evs, evaluation{cond: CondResidualCurrent, enter: over,
				hold:     guarded(v) >= f.ResidualCurrentMA-e.cfg.Alerts.ResidualCurrent.Margin,
				severity: SeverityMajor, value: v, unit: "mA",
				msg:   fmt.Sprintf("剩余电流 %g mA，达到报警设定值 %g mA", v, f.ResidualCurrentMA),
				msgEN: fmt.Sprintf("residual current %g mA, at or over the %g mA setting", v, f.ResidualCurrentMA)})
		}
	}
	if v, ok := r.Value(ParamCableTemp); ok {
		over, err := CableTempOver(v, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("station %s: %w", st.ID, err))
		} else {
			evs = append(evs, evaluation{cond: CondCableTemp, enter: over,
				hold:     guarded(v) >= f.CableTempC-e.cfg.Alerts.CableTemp.Margin,
				severity: SeverityMajor, value: v, unit: "°C",
				msg:   fmt.Sprintf("线缆温度 %g °C，达到报警设定值 %g °C", v, f.CableTempC),
				msgEN: fmt.Sprintf("cable temperature %g °C, at or over the %g °C setting", v, f.CableTempC)})
		}
	}
	return evs, errors.Join(errs...)
}

// offlineEvaluation is the condition of a device silent since lastHeard.
func offlineEvaluation(lastHeard time.Time, timeout time.Duration) evaluation {
	at := lastHeard.In(Shanghai).Format("2006-01-02 15:04")
	return evaluation{cond: CondDeviceOffline, enter: true, hold: true, severity: SeverityMajor,
		value: timeout.Minutes(), unit: "min",
		msg:   fmt.Sprintf("设备离线：超过 %s 无心跳，最后通信 %s", minutesText(timeout), at),
		msgEN: fmt.Sprintf("device offline: silent for more than %s, last heard %s", timeout, at)}
}
