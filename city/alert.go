package city

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Alerts and their workflow: raise → acknowledge → dispatch → resolve →
// verify → close (上报 → 处置 → 核查), each step with who and when. The alert
// engine (Engine) raises, updates, clears and escalates alerts from
// readings; officers move them on with Steps, checked by Alert.Apply.

// Severity ranks an alert.
type Severity int

// Severities, least to most severe.
const (
	SeverityInfo     Severity = iota + 1 // 提示
	SeverityMinor                        // 一般
	SeverityMajor                        // 较重
	SeverityCritical                     // 严重: stays open until an officer closes it
)

// Severities lists every severity, least severe first.
var Severities = []Severity{SeverityInfo, SeverityMinor, SeverityMajor, SeverityCritical}

// String gives "info", "minor", "major" or "critical".
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityMinor:
		return "minor"
	case SeverityMajor:
		return "major"
	case SeverityCritical:
		return "critical"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Name gives the severity in Chinese.
func (s Severity) Name() string {
	switch s {
	case SeverityInfo:
		return "提示"
	case SeverityMinor:
		return "一般"
	case SeverityMajor:
		return "较重"
	case SeverityCritical:
		return "严重"
	}
	return ""
}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return s >= SeverityInfo && s <= SeverityCritical }

// ParseSeverity reads what String gives.
func ParseSeverity(s string) (Severity, error) {
	for _, v := range Severities {
		if strings.EqualFold(strings.TrimSpace(s), v.String()) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q", s)
}

// MarshalText writes what String gives.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("invalid severity %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads what String gives.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Condition is the stable key of what an alert is about. At most one alert
// per station and condition is open at a time.
type Condition string

// The conditions the engine judges.
const (
	CondAQI                 Condition = "aqi"                    // AQI above 100 (level 3 or worse)
	CondWaterClass          Condition = "water_class"            // section worse than its target class
	CondNoiseDay            Condition = "noise_day"              // LAeq above the day limit
	CondNoiseNight          Condition = "noise_night"            // LAeq above the night limit
	CondNoiseLmax           Condition = "noise_lmax"             // night Lmax more than 15 dB above the limit
	CondCrowdDensity        Condition = "crowd_density"          // density at or above crowd.high_at
	CondCrowdTimeToCapacity Condition = "crowd_time_to_capacity" // capacity within crowd.warn_time_to_capacity
	CondFireAlarm           Condition = "fire_alarm"             // a detector in alarm
	CondDeviceFault         Condition = "device_fault"           // a device reporting a fault
	CondDeviceTamper        Condition = "device_tamper"          // a device removed or opened
	CondLowBattery          Condition = "low_battery"            // battery below fire.low_battery_percent
	CondDeviceOffline       Condition = "device_offline"         // no reading for fire.heartbeat_timeout
	CondHydrantPressure     Condition = "hydrant_pressure"       // pressure outside the hydrant band
	CondResidualCurrent     Condition = "residual_current"       // residual current at or above its setting
	CondCableTemp           Condition = "cable_temp"             // cable temperature at or above its setting
)

// Conditions lists every condition.
var Conditions = []Condition{
	CondAQI, CondWaterClass, CondNoiseDay, CondNoiseNight, CondNoiseLmax,
	CondCrowdDensity, CondCrowdTimeToCapacity,
	CondFireAlarm, CondDeviceFault, CondDeviceTamper, CondLowBattery, CondDeviceOffline,
	CondHydrantPressure, CondResidualCurrent, CondCableTemp,
}

// Name gives the condition in Chinese.
func (c Condition) Name() string {
	switch c {
	case CondAQI:
		return "空气质量污染"
	case CondWaterClass:
		return "水质未达目标"
	case CondNoiseDay:
		return "昼间噪声超标"
	case CondNoiseNight:
		return "夜间噪声超标"
	case CondNoiseLmax:
		return "夜间突发噪声超标"
	case CondCrowdDensity:
		return "人群密度过高"
	case CondCrowdTimeToCapacity:
		return "人流即将饱和"
	case CondFireAlarm:
		return "火警"
	case CondDeviceFault:
		return "设备故障"
	case CondDeviceTamper:
		return "设备被拆"
	case CondLowBattery:
		return "电池欠压"
	case CondDeviceOffline:
		return "设备离线"
	case CondHydrantPressure:
		return "消火栓压力异常"
	case CondResidualCurrent:
		return "剩余电流超限"
	case CondCableTemp:
		return "线缆温度超限"
	}
	return string(c)
}

// NameEN gives the condition in English.
func (c Condition) NameEN() string {
	switch c {
	case CondAQI:
		return "Air pollution"
	case CondWaterClass:
		return "Water below target class"
	case CondNoiseDay:
		return "Daytime noise over limit"
	case CondNoiseNight:
		return "Night noise over limit"
	case CondNoiseLmax:
		return "Night sudden noise over limit"
	case CondCrowdDensity:
		return "Crowd density high"
	case CondCrowdTimeToCapacity:
		return "Crowd nearing capacity"
	case CondFireAlarm:
		return "Fire alarm"
	case CondDeviceFault:
		return "Device fault"
	case CondDeviceTamper:
		return "Device tampered"
	case CondLowBattery:
		return "Low battery"
	case CondDeviceOffline:
		return "Device offline"
	case CondHydrantPressure:
		return "Hydrant pressure out of band"
	case CondResidualCurrent:
		return "Residual current over setting"
	case CondCableTemp:
		return "Cable temperature over setting"
	}
	return string(c)
}

// AlertState is where an alert stands in the workflow.
type AlertState string

// Workflow states.
const (
	StateRaised       AlertState = "raised"       // 已上报: waiting for an officer
	StateAcknowledged AlertState = "acknowledged" // 已确认
	StateDispatched   AlertState = "dispatched"   // 已派遣: a team is on it
	StateResolved     AlertState = "resolved"     // 已处置: the team reports it dealt with
	StateVerified     AlertState = "verified"     // 已核查: a second officer checked
	StateClosed       AlertState = "closed"       // 已关闭: final
	StateAutoCleared  AlertState = "auto_cleared" // 已自动解除: the condition ended by itself
)

// Name gives the state in Chinese.
func (s AlertState) Name() string {
	switch s {
	case StateRaised:
		return "已上报"
	case StateAcknowledged:
		return "已确认"
	case StateDispatched:
		return "已派遣"
	case StateResolved:
		return "已处置"
	case StateVerified:
		return "已核查"
	case StateClosed:
		return "已关闭"
	case StateAutoCleared:
		return "已自动解除"
	}
	return string(s)
}

// Valid reports whether s is a known state.
func (s AlertState) Valid() bool {
	switch s {
	case StateRaised, StateAcknowledged, StateDispatched, StateResolved, StateVerified, StateClosed, StateAutoCleared:
		return true
	}
	return false
}

// Alert is one alert about one station and condition, with its workflow.
type Alert struct {
	ID        string    // deterministic: station|condition|raised time (UTC, RFC 3339)
	Station   string    // station ID
	Feed      Feed      // the station's feed
	Condition Condition // what it is about
	Severity  Severity  // the worst severity seen while open
	State     AlertState

	Began   time.Time // the first reading showing the condition (before the minimum duration)
	Raised  time.Time // when the alert was raised
	Updated time.Time // the last change
	Cleared time.Time // when the condition ended; zero while it holds

	Value     float64 // the worst value seen while the condition held (the one Message describes), in Unit
	Unit      string
	Message   string // Chinese, for officers
	MessageEN string

	Escalations int       // how many escalation periods it went unacknowledged
	Escalated   time.Time // the last escalation

	AcknowledgedBy string
	Acknowledged   time.Time
	Team           string // the team dispatched
	DispatchedBy   string
	Dispatched     time.Time
	ResolvedBy     string
	Resolved       time.Time
	VerifiedBy     string
	Verified       time.Time
	ClosedBy       string
	Closed         time.Time
}

// Open reports whether the alert is not yet closed.
func (a Alert) Open() bool { return a.State != StateClosed }

// Holding reports whether the alert's condition still holds.
func (a Alert) Holding() bool { return a.Cleared.IsZero() && a.State != StateAutoCleared }

// Unacknowledged reports whether no officer has taken the alert on yet.
func (a Alert) Unacknowledged() bool { return a.State == StateRaised }

// AlertID is the deterministic ID of the alert on station and condition
// raised at raised: "station|condition|2026-03-01T02:00:00Z" (UTC, with
// fractional seconds when the time has them).
func AlertID(station string, c Condition, raised time.Time) string {
	return station + "|" + string(c) + "|" + raised.UTC().Format(time.RFC3339Nano)
}

// StepKind names a step in an alert's history.
type StepKind string

// Steps officers take.
const (
	StepAcknowledge StepKind = "acknowledge" // 确认
	StepDispatch    StepKind = "dispatch"    // 派遣 (needs a team)
	StepComment     StepKind = "comment"     // 备注 (needs a note)
	StepResolve     StepKind = "resolve"     // 处置完成
	StepVerify      StepKind = "verify"      // 核查 (another officer than the resolver)
	StepClose       StepKind = "close"       // 关闭
)

// Steps the alert engine takes.
const (
	StepRaise    StepKind = "raise"
	StepUpdate   StepKind = "update"
	StepClear    StepKind = "clear"
	StepEscalate StepKind = "escalate"
)

// Name gives the step in Chinese.
func (k StepKind) Name() string {
	switch k {
	case StepAcknowledge:
		return "确认"
	case StepDispatch:
		return "派遣"
	case StepComment:
		return "备注"
	case StepResolve:
		return "处置完成"
	case StepVerify:
		return "核查"
	case StepClose:
		return "关闭"
	case StepRaise:
		return "上报"
	case StepUpdate:
		return "更新"
	case StepClear:
		return "自动解除"
	case StepEscalate:
		return "升级"
	}
	return string(k)
}

// ByOfficer reports whether officers take this step (rather than the engine).
func (k StepKind) ByOfficer() bool {
	switch k {
	case StepAcknowledge, StepDispatch, StepComment, StepResolve, StepVerify, StepClose:
		return true
	}
	return false
}

// SystemOfficer is the Officer of steps the alert engine takes.
const SystemOfficer = "system"

// Step is one entry in an alert's history: who did what, when.
type Step struct {
	Alert   string // alert ID
	Kind    StepKind
	Officer string // who; SystemOfficer for engine steps
	Team    string // dispatch: the team sent
	Note    string
	Time    time.Time
}

// Errors Apply returns, wrapped with details.
var (
	ErrAlertClosed  = errors.New("alert is closed")
	ErrBadStep      = errors.New("step not allowed")
	ErrSameOfficer  = errors.New("verification must be by another officer than the one who resolved")
	ErrStepMismatch = errors.New("step is for another alert")
)

// Apply returns the alert after an officer's step, or an error when the
// workflow does not allow it:
//
//   - every step needs an officer and a time no earlier than the raise;
//     a closed alert takes no more steps;
//   - acknowledge: only a raised alert;
//   - dispatch: needs a team; from raised (which counts as acknowledged by
//     the same officer), acknowledged, or dispatched (re-dispatch);
//   - comment: needs a note; any open alert;
//   - resolve: from acknowledged or dispatched;
//   - verify: from resolved, by another officer than the resolver;
//   - close: from verified, or from auto-cleared (the condition ended by
//     itself and there is nothing to verify).
//
// An auto-cleared alert can only be commented on or closed.
func (a Alert) Apply(s Step) (Alert, error) {
	if s.Alert != a.ID {
		return a, fmt.Errorf("%w: step for %q applied to %q", ErrStepMismatch, s.Alert, a.ID)
	}
	if !s.Kind.ByOfficer() {
		return a, fmt.Errorf("%w: %q is taken by the alert engine, not by an officer", ErrBadStep, s.Kind)
	}
	officer := strings.TrimSpace(s.Officer)
	if officer == "" {
		return a, fmt.Errorf("%w: %s needs an officer", ErrBadStep, s.Kind)
	}
	if s.Time.IsZero() {
		return a, fmt.Errorf("%w: %s needs a time", ErrBadStep, s.Kind)
	}
	if s.Time.Before(a.Raised) {
		return a, fmt.Errorf("%w: %s at %s is before the alert was raised at %s", ErrBadStep, s.Kind,
			s.Time.Format(time.RFC3339), a.Raised.Format(time.RFC3339))
	}
	if a.State == StateClosed {
		return a, fmt.Errorf("%w: %s on %s", ErrAlertClosed, s.Kind, a.ID)
	}
	refuse := func(why string) (Alert, error) {
		return a, fmt.Errorf("%w: cannot %s an alert that is %s: %s", ErrBadStep, s.Kind, a.State, why)
	}
	n := a
	switch s.Kind {
	case StepAcknowledge:
		if a.State != StateRaised {
			return refuse("only a raised alert is acknowledged")
		}
		n.State, n.AcknowledgedBy, n.Acknowledged = StateAcknowledged, officer, s.Time
	case StepDispatch:
		team := strings.TrimSpace(s.Team)
		if team == "" {
			return a, fmt.Errorf("%w: dispatch needs a team", ErrBadStep)
		}
		switch a.State {
		case StateRaised:
			n.AcknowledgedBy, n.Acknowledged = officer, s.Time
		case StateAcknowledged, StateDispatched:
		default:
			return refuse("dispatch follows acknowledgement")
		}
		n.State, n.Team, n.DispatchedBy, n.Dispatched = StateDispatched, team, officer, s.Time
	case StepComment:
		if strings.TrimSpace(s.Note) == "" {
			return a, fmt.Errorf("%w: a comment needs a note", ErrBadStep)
		}
	case StepResolve:
		if a.State != StateAcknowledged && a.State != StateDispatched {
			return refuse("resolve follows acknowledgement or dispatch")
		}
		n.State, n.ResolvedBy, n.Resolved = StateResolved, officer, s.Time
	case StepVerify:
		if a.State != StateResolved {
			return refuse("only a resolved alert is verified")
		}
		if officer == a.ResolvedBy {
			return a, fmt.Errorf("%w (%s)", ErrSameOfficer, officer)
		}
		n.State, n.VerifiedBy, n.Verified = StateVerified, officer, s.Time
	case StepClose:
		if a.State != StateVerified && a.State != StateAutoCleared {
			return refuse("an alert is closed once verified, or after it cleared itself")
		}
		n.State, n.ClosedBy, n.Closed = StateClosed, officer, s.Time
	}
	if s.Time.After(n.Updated) {
		n.Updated = s.Time
	}
	return n, nil
}

// Change is what the engine did to one alert: the alert as it now stands
// and the step that records it in the alert's history.
type Change struct {
	Alert Alert
	Step  Step
	// RowOnly: the alert's stored row takes Alert, but Step is not kept
	// in its history (a value update thinned out of the history).
	RowOnly bool
}
