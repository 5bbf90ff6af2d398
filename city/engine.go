package city

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Engine turns readings into alerts. It holds the open alerts and what it
// needs to judge the next reading (pending conditions, fire device state),
// but no clock and no goroutines: time comes from the readings, and from
// the now passed to Tick. It is not safe for concurrent use; one goroutine
// (the app's pump) owns it.
//
// For each station and condition:
//   - a condition enters at its threshold and is left only past the
//     threshold minus the rule's margin (hysteresis);
//   - it must hold for the rule's minimum duration before an alert is
//     raised (the wait continues while it holds within the margin);
//   - at most one alert is open; later readings update it;
//   - when the condition ends the alert clears itself, except a Critical
//     one, which records the end and stays until an officer closes it.
type Engine struct {
	cfg      SiteConfig
	alerts   map[string]*Alert        // every alert not yet closed, by ID
	active   map[alertKey]string      // the alert holding each station+condition slot
	pending  map[alertKey]pendingSlot // seen since, not yet raised
	devices  map[string]*fireDevice   // fire devices by station ID
	lastSeen map[string]time.Time     // newest reading per station
	// follow-up alerts after a close (followup.go)
	recent    map[alertKey][]judged
	closedAt  map[alertKey]time.Time
	followUps []Change
}

type alertKey struct {
	station string
	cond    Condition
}

// pendingSlot is a condition seen but not yet held for its minimum
// duration: since when, and the worst evaluation meanwhile (the one an
// alert raised from it describes).
type pendingSlot struct {
	since time.Time
	worst evaluation
}

type fireDevice struct {
	station Station
	state   DetectorState
}

// NewEngine returns an engine with no alerts, judging by cfg.
func NewEngine(cfg SiteConfig) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("alert engine: %w", err)
	}
	return &Engine{
		cfg:      cfg,
		alerts:   map[string]*Alert{},
		active:   map[alertKey]string{},
		pending:  map[alertKey]pendingSlot{},
		devices:  map[string]*fireDevice{},
		lastSeen: map[string]time.Time{},
	}, nil
}

// Config returns the settings the engine judges by.
func (e *Engine) Config() SiteConfig { return e.cfg }

// Restore loads alerts kept from an earlier run (e.g. from the cache), so
// that readings after a restart update them rather than raise duplicates.
// Closed alerts are skipped. Open fire alerts also restore the latched
// device state behind them (an alarm stays an alarm until cleared).
func (e *Engine) Restore(alerts []Alert) error {
	var errs []error
	for _, a := range alerts {
		if a.State == StateClosed {
			continue
		}
		if a.ID == "" || a.Station == "" || !a.State.Valid() || !a.Severity.Valid() {
			errs = append(errs, fmt.Errorf("restore alert %q: missing ID, station, state or severity", a.ID))
			continue
		}
		if _, known := e.cfg.Alerts.Rule(a.Condition); !known {
			errs = append(errs, fmt.Errorf("restore alert %q: unknown condition %q", a.ID, a.Condition))
			continue
		}
		if _, dup := e.alerts[a.ID]; dup {
			errs = append(errs, fmt.Errorf("restore alert %q: duplicate ID", a.ID))
			continue
		}
		k := alertKey{a.Station, a.Condition}
		if a.State != StateAutoCleared {
			if other, taken := e.active[k]; taken {
				errs = append(errs, fmt.Errorf("restore alert %q: %s already has open alert %q for %s", a.ID, a.Station, other, a.Condition))
				continue
			}
			e.active[k] = a.ID
			if a.Feed == FeedFire && a.Cleared.IsZero() {
				e.restoreDevice(a)
			}
		}
		c := a
		e.alerts[a.ID] = &c
	}
	if len(errs) > 0 {
		return fmt.Errorf("alert engine: %w", errors.Join(errs...))
	}
	return nil
}

func (e *Engine) restoreDevice(a Alert) {
	dev := e.devices[a.Station]
	if dev == nil {
		dev = &fireDevice{station: Station{ID: a.Station, Feed: FeedFire}}
		e.devices[a.Station] = dev
	}
	switch a.Condition {
	case CondFireAlarm:
		dev.state.Alarm, dev.state.AlarmSince = true, a.Began
	case CondDeviceFault:
		dev.state.Fault = true
	case CondDeviceTamper:
		dev.state.Tamper = true
	case CondLowBattery:
		dev.state.LowBattery = true
	}
}

// Observe judges one reading of station st and returns what happened to
// alerts: raised, updated, cleared. A reading older than the newest one
// already observed for the station changes nothing (it is history, not
// the present). The error reports a reading that does not belong to st,
// bad values and missing station settings; conditions that could still
// be judged are.
func (e *Engine) Observe(st Station, r Reading) ([]Change, error) {
	switch {
	case r.Station != st.ID:
		return nil, fmt.Errorf("observe: reading of station %q given with station %q", r.Station, st.ID)
	case r.Feed != st.Feed:
		return nil, fmt.Errorf("observe: reading of feed %q given with station %s of feed %q", r.Feed, st.ID, st.Feed)
	case r.Time.IsZero():
		return nil, fmt.Errorf("observe: reading of station %s has no time", st.ID)
	}
	if last, ok := e.lastSeen[st.ID]; ok && r.Time.Before(last) {
		return nil, nil
	}
	e.lastSeen[st.ID] = r.Time
	evs, err := e.evaluate(st, r)
	var changes []Change
	for _, ev := range evs {
		if c, ok := e.judge(st, r.Time, ev); ok {
			changes = append(changes, c)
		}
	}
	return changes, err
}

// judge applies one evaluation at time t to the station+condition slot.
func (e *Engine) judge(st Station, t time.Time, ev evaluation) (Change, bool) {
	k := alertKey{st.ID, ev.cond}
	hold := ev.hold || ev.enter
	if _, ok := e.active[k]; ok {
		e.noteJudged(k, st, t, ev)
	} else if e.beforeClose(k, t) {
		return Change{}, false // judged with the alert that an officer closed later
	}
	if id, ok := e.active[k]; ok {
		a := e.alerts[id]
		if a.Cleared.IsZero() {
			if hold {
				return e.update(a, t, ev, "")
			}
			// The message keeps describing the worst value; the reading
			// that ended the condition goes into the step's note.
			a.Cleared, a.Updated = t, t
			now, nowEN := e.valueText(ev)
			if a.Severity == SeverityCritical {
				return e.change(a, StepUpdate, t, "条件已解除"+now+"，严重告警待官员关闭 / condition ended"+nowEN+"; a critical alert stays until an officer closes it"), true
			}
			a.State = StateAutoCleared
			delete(e.active, k)
			delete(e.recent, k)
			return e.change(a, StepClear, t, "条件已解除"+now+" / condition ended"+nowEN), true
		}
		// A critical alert whose condition had ended: it returns only at
		// its threshold, not within the margin.
		if !ev.enter {
			return Change{}, false
		}
		a.Cleared = time.Time{}
		return e.update(a, t, ev, "条件再次出现 / condition returned")
	}
	slot, waiting := e.pending[k]
	if !ev.enter && !(waiting && hold) {
		delete(e.pending, k)
		return Change{}, false
	}
	if !waiting {
		slot = pendingSlot{since: t, worst: ev}
	} else if ev.enter && e.worse(ev, slot.worst.value) {
		slot.worst = ev
	}
	e.pending[k] = slot
	since := slot.since
	rule, _ := e.cfg.Alerts.Rule(ev.cond)
	if t.Sub(since) < rule.MinDuration {
		return Change{}, false
	}
	delete(e.pending, k)
	// Raised on a reading within the margin, the alert still describes
	// the worst reading that held the condition.
	w := slot.worst
	if w.severity > ev.severity {
		ev.severity = w.severity
	}
	ev.value, ev.unit, ev.msg, ev.msgEN = w.value, w.unit, w.msg, w.msgEN
	id := AlertID(st.ID, ev.cond, t)
	for n := 2; e.alerts[id] != nil; n++ {
		id = AlertID(st.ID, ev.cond, t) + "#" + strconv.Itoa(n)
	}
	a := &Alert{ID: id, Station: st.ID, Feed: st.Feed, Condition: ev.cond, Severity: ev.severity,
		State: StateRaised, Began: since, Raised: t, Updated: t,
		Value: ev.value, Unit: ev.unit, Message: ev.msg, MessageEN: ev.msgEN}
	e.alerts[id] = a
	e.active[k] = id
	return e.change(a, StepRaise, t, ev.msg), true
}

// update refreshes an open alert from an evaluation that holds. Severity
// only rises while the alert is open, and the value and message change
// only to a worse reading at the threshold: an alert describes the worst
// value that held it, never a reading within the hysteresis margin (which
// would read e.g. "0.15 MPa, below 0.14 MPa"). It reports a change only
// when the value, message or severity changed (or note is given).
func (e *Engine) update(a *Alert, t time.Time, ev evaluation, note string) (Change, bool) {
	changed := note != ""
	if ev.severity > a.Severity {
		a.Severity, changed = ev.severity, true
	}
	if ev.enter && ev.msg != "" && (e.worse(ev, a.Value) || a.Message == "") &&
		(ev.value != a.Value || ev.msg != a.Message || ev.msgEN != a.MessageEN || ev.unit != a.Unit) {
		a.Value, a.Unit, a.Message, a.MessageEN, changed = ev.value, ev.unit, ev.msg, ev.msgEN, true
	}
	if !changed {
		return Change{}, false
	}
	if t.After(a.Updated) {
		a.Updated = t
	}
	if note == "" {
		note = ev.msg
	}
	return e.change(a, StepUpdate, t, note), true
}

func (e *Engine) change(a *Alert, kind StepKind, t time.Time, note string) Change {
	return Change{Alert: *a, Step: Step{Alert: a.ID, Kind: kind, Officer: SystemOfficer, Note: note, Time: t}}
}

// Escalate escalates every alert still unacknowledged (raised) once per
// alerts.escalate_after since it was raised, and returns the escalations.
// Severity does not change: escalation tells the shift leader.
func (e *Engine) Escalate(now time.Time) []Change {
	period := e.cfg.Alerts.EscalateAfter
	if period <= 0 {
		return nil
	}
	var changes []Change
	for _, id := range slices.Sorted(maps.Keys(e.alerts)) {
		a := e.alerts[id]
		if a.State != StateRaised {
			continue
		}
		n := int(now.Sub(a.Raised) / period)
		if n <= a.Escalations {
			continue
		}
		// The escalation's time is when the period ran out, not when this
		// check ran, so that every desk records the same escalation.
		at := a.Raised.Add(time.Duration(n) * period)
		a.Escalations, a.Escalated = n, at
		if at.After(a.Updated) {
			a.Updated = at
		}
		changes = append(changes, e.change(a, StepEscalate, at,
			fmt.Sprintf("超过 %s 未确认（第 %d 次升级）/ unacknowledged for over %s (escalation %d)",
				minutesText(time.Duration(n)*period), n, time.Duration(n)*period, n)))
	}
	return changes
}

// CheckHeartbeats raises device_offline for every fire device silent for
// longer than fire.heartbeat_timeout at now. A device is known from its
// first reading; hearing from it again clears the alert (see Observe).
// The alert is raised at the time the data gives (last heard + timeout +
// the rule's minimum duration), not at now, so that its ID is the same on
// every desk whenever each desk's clock ran the check.
func (e *Engine) CheckHeartbeats(now time.Time) []Change {
	timeout := e.cfg.Fire.HeartbeatTimeout
	rule, _ := e.cfg.Alerts.Rule(CondDeviceOffline)
	var changes []Change
	for _, id := range slices.Sorted(maps.Keys(e.devices)) {
		dev := e.devices[id]
		k := alertKey{id, CondDeviceOffline}
		if _, on := e.active[k]; on || !dev.state.Offline(now, timeout) {
			continue
		}
		wentOff := dev.state.LastHeard.Add(timeout)
		at := wentOff.Add(rule.MinDuration)
		if now.Before(at) {
			continue
		}
		ev := offlineEvaluation(dev.state.LastHeard, timeout)
		if _, waiting := e.pending[k]; !waiting {
			e.pending[k] = pendingSlot{since: wentOff, worst: ev}
		}
		if c, ok := e.judge(dev.station, at, ev); ok {
			changes = append(changes, c)
		}
	}
	return changes
}

// Tick runs the time-driven checks at now: heartbeats, then escalation.
func (e *Engine) Tick(now time.Time) []Change {
	return append(e.CheckHeartbeats(now), e.Escalate(now)...)
}

// Apply records an officer's step on an alert the engine holds (see
// Alert.Apply for the workflow rules) and returns the alert after it. A
// closed alert leaves the engine; its station and condition are then free
// for a new alert.
func (e *Engine) Apply(s Step) (Alert, error) {
	a, ok := e.alerts[s.Alert]
	if !ok {
		return Alert{}, fmt.Errorf("apply %s: no open alert %q", s.Kind, s.Alert)
	}
	n, err := a.Apply(s)
	if err != nil {
		return *a, err
	}
	*a = n
	if n.State == StateClosed {
		delete(e.alerts, n.ID)
		k := alertKey{n.Station, n.Condition}
		if e.active[k] == n.ID {
			delete(e.active, k)
			e.afterClose(k, n.Closed)
		}
	}
	return n, nil
}

// Alerts returns every alert not yet closed, oldest first.
func (e *Engine) Alerts() []Alert {
	out := make([]Alert, 0, len(e.alerts))
	for _, a := range e.alerts {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(x, y Alert) int {
		return cmp.Or(x.Raised.Compare(y.Raised), cmp.Compare(x.ID, y.ID))
	})
	return out
}

// Alert returns the alert with the given ID if the engine holds it.
func (e *Engine) Alert(id string) (Alert, bool) {
	a, ok := e.alerts[id]
	if !ok {
		return Alert{}, false
	}
	return *a, true
}

// OpenAlert returns the alert holding station's slot for condition c: the
// one later readings update.
func (e *Engine) OpenAlert(station string, c Condition) (Alert, bool) {
	id, ok := e.active[alertKey{station, c}]
	if !ok {
		return Alert{}, false
	}
	return *e.alerts[id], true
}
