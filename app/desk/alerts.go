package desk

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"onescreen/cache/model"
	"onescreen/city"
)

// ErrReadOnly is the error of a step tried on a read-only screen.
var ErrReadOnly = errors.New("this screen is read-only")

// AlertView is one alert as the panel shows it.
type AlertView struct {
	Alert       city.Alert
	StationName string
	Comments    int
	Actions     []city.StepKind // officer steps the workflow allows now
	Flash       bool            // a critical alert not yet acknowledged: sound and flash
	Late        bool            // raised by a reading that arrived late (caught up after an outage)
	Case        CaseView        // the case model: 立案, 挂账, deadline, 超期 (app/case.go)
}

// officerSteps lists the steps an officer may try, in button order.
var officerSteps = []city.StepKind{city.StepAcknowledge, city.StepDispatch, city.StepResolve, city.StepVerify, city.StepClose, city.StepComment}

// allowedSteps is what the workflow allows officer on a now.
func allowedSteps(a city.Alert, officer string, now time.Time) []city.StepKind {
	var out []city.StepKind
	for _, k := range officerSteps {
		probe := city.Step{Alert: a.ID, Kind: k, Officer: officer, Team: "probe", Note: "probe", Time: now}
		if now.Before(a.Raised) {
			probe.Time = a.Raised
		}
		if _, err := a.Apply(probe); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// AlertDesk runs the alert engine over the stored readings and the
// officers' steps. Readings reach it from the ingest path; steps from the
// alert panel. Every change is stored in the cache, with its step in the
// alert's history and in the outbox for the feed server. Safe for
// concurrent use: one mutex guards the engine.
type AlertDesk struct {
	db AlertStore

	mu       sync.Mutex
	engine   *city.Engine
	comments map[string]int        // comment count per alert
	names    map[string]string     // station names
	closed   map[string]city.Alert // recently closed, kept for the "show closed" view
	officer  string
	onChange atomic.Pointer[func()]
	// stepsTo is where the officers' steps are stored
	// (StoreStepsThrough); nil: the cache itself.
	stepsTo submitter
	// lastUpdate is each open alert's last value update that was stored.
	lastUpdate map[string]storedUpdate
	// steps are the officer steps of the alerts held, this desk's and
	// other desks' (peersteps.go).
	steps deskSteps
	// late holds the alerts raised by a reading that arrived late.
	late     map[string]bool
	now      func() time.Time
	cases    *CaseBook // the case-model records (app/case.go)
	readOnly bool      // a read-only screen: Act refuses every step
}

// storedUpdate is when an alert's update was stored, and at what severity.
type storedUpdate struct {
	at  time.Time
	sev city.Severity
}

// updateEvery is how often a value update of an open alert is written to
// its history: a reading that only moves the value of an alert at the same
// severity is kept at most this often (the latest value is always on
// screen), so a long episode does not write a history row every reading.
const updateEvery = 5 * time.Minute

// NewAlertDesk restores the open alerts from db and judges with cfg.
func NewAlertDesk(db AlertStore, cfg city.SiteConfig) (*AlertDesk, error) {
	e, err := city.NewEngine(cfg)
	if err != nil {
		return nil, err
	}
	d := &AlertDesk{db: db, engine: e, comments: map[string]int{}, names: map[string]string{}, closed: map[string]city.Alert{},
		lastUpdate: map[string]storedUpdate{}, steps: newDeskSteps(), late: map[string]bool{}, now: time.Now}
	open, err := db.Alerts(model.AlertFilter{OpenOnly: true})
	if err != nil {
		return nil, fmt.Errorf("restore alerts: %w", err)
	}
	if err := e.Restore(open); err != nil {
		return nil, err
	}
	if d.cases, err = newCaseBook(db, cfg.Case); err != nil {
		return nil, err
	}
	for _, a := range open {
		steps, err := db.AlertSteps(a.ID)
		if err != nil {
			return nil, fmt.Errorf("restore alert history: %w", err)
		}
		for _, s := range steps {
			if s.Kind == city.StepComment {
				d.comments[a.ID]++
			}
			// the last update stored goes on thinning the updates as
			// before the restart, so every desk keeps the same ones
			switch s.Kind {
			case city.StepUpdate:
				d.lastUpdate[a.ID] = storedUpdate{at: s.Time, sev: a.Severity}
			case city.StepClear:
				delete(d.lastUpdate, a.ID)
			}
			if s.Kind.Folds() {
				d.steps.byAlert[a.ID] = append(d.steps.byAlert[a.ID], heldStep{id: model.OutboxID(s), step: s})
			}
		}
		if err := d.restoreLate(a); err != nil {
			return nil, err
		}
	}
	sts, err := db.Stations()
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		d.names[st.ID] = st.Name
	}
	if _, err := warmPending(db, e, sts); err != nil {
		return nil, err
	}
	if err := d.restoreClosed(time.Now()); err != nil {
		return nil, err
	}
	return d, nil
}

// SetOfficer sets the name recorded with the officer's steps.
func (d *AlertDesk) SetOfficer(name string) {
	d.mu.Lock()
	d.officer = strings.TrimSpace(name)
	d.mu.Unlock()
}

// Officer is the name recorded with the officer's steps.
func (d *AlertDesk) Officer() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.officer
}

// Observe judges a reading; the changes are returned for the caller to
// store together with the reading.
func (d *AlertDesk) Observe(st city.Station, r city.Reading) []city.Change {
	d.mu.Lock()
	if st.Name != "" {
		d.names[st.ID] = st.Name
	}
	ch, _ := d.engine.Observe(st, r) // a bad value is already a rejected reading; what could be judged was
	ch = d.thinUpdates(ch)
	d.markLate(ch, r)
	ch = append(ch, d.pendingForRaisedLocked(ch)...) // other desks' steps that waited for these alerts
	d.mu.Unlock()
	d.notify(ch)
	return ch
}

// thinUpdates drops value updates of an alert that had one stored less
// than updateEvery ago at the same severity. Called with d.mu held.
func (d *AlertDesk) thinUpdates(ch []city.Change) []city.Change {
	out := ch[:0]
	for _, c := range ch {
		id := c.Alert.ID
		switch {
		case c.Step.Kind == city.StepUpdate:
			last, seen := d.lastUpdate[id]
			if seen && last.sev == c.Alert.Severity && c.Alert.Cleared.IsZero() && c.Step.Time.Sub(last.at) < updateEvery {
				// no history row, but the alert's row keeps the value on
				// screen, so that a desk started again shows it too
				c.RowOnly = true
				break
			}
			d.lastUpdate[id] = storedUpdate{at: c.Step.Time, sev: c.Alert.Severity}
		case c.Step.Kind == city.StepClear || c.Alert.State == city.StateClosed:
			delete(d.lastUpdate, id)
		}
		out = append(out, c)
	}
	return out
}

// OnChange sets fn to be called whenever an alert is raised, changes state
// or is closed, a step is added to its history, or its case changes; not
// for a mere new value. It is how the screen learns of a change at once
// instead of at its next look. fn may be called with the desk's lock held:
// it must return at once (a non-blocking send) and not call the desk.
func (d *AlertDesk) OnChange(fn func()) { d.onChange.Store(&fn) }

// changed tells the OnChange function, if any, that something an officer
// sees has changed.
func (d *AlertDesk) changed() {
	if fn := d.onChange.Load(); fn != nil && *fn != nil {
		(*fn)()
	}
}

// notify tells the OnChange function of changes an officer sees: any but
// a mere value update.
func (d *AlertDesk) notify(ch []city.Change) {
	for _, c := range ch {
		if c.Step.Kind != city.StepUpdate {
			d.changed()
			return
		}
	}
}

// Tick runs the time-driven rules (missed heartbeats, escalation) and
// stores what changed.
func (d *AlertDesk) Tick(now time.Time) error {
	d.mu.Lock()
	ch := d.engine.Tick(now)
	peer := d.pendingForRaisedLocked(ch)
	d.mu.Unlock()
	d.notify(ch)
	if len(ch) == 0 {
		return nil
	}
	b := model.Batch{AlertChanges: append(ch, peer...)}
	for _, c := range peer {
		if b.FromPeers == nil {
			b.FromPeers = map[string]bool{}
		}
		b.FromPeers[model.OutboxID(c.Step)] = true
	}
	return d.db.Submit(b)
}

// Act records the officer's step on an alert: it checks the workflow,
// stores the step (and queues it for the feed server), and returns the
// alert after it.
func (d *AlertDesk) Act(id string, kind city.StepKind, team, note string, now time.Time) (city.Alert, error) {
	d.mu.Lock()
	a, changes, err := d.actLocked(id, kind, team, note, now)
	d.mu.Unlock()
	d.notify(changes) // a follow-up alert shows at once like any
	return a, err
}

// actLocked is Act; it returns the changes stored. Called with d.mu held.
func (d *AlertDesk) actLocked(id string, kind city.StepKind, team, note string, now time.Time) (city.Alert, []city.Change, error) {
	if d.readOnly {
		return city.Alert{}, nil, fmt.Errorf("%s: %w", kind.Name(), ErrReadOnly)
	}
	if d.officer == "" {
		return city.Alert{}, nil, fmt.Errorf("%s: set the duty officer's name first", kind.Name())
	}
	s := city.Step{Alert: id, Kind: kind, Officer: d.officer, Team: strings.TrimSpace(team), Note: strings.TrimSpace(note), Time: now}
	a, err := d.engine.Apply(s)
	if err != nil {
		return a, nil, err
	}
	a = d.ownStepLocked(a, s) // with the other desks' steps, in their order
	changes := append([]city.Change{{Alert: a, Step: s}}, d.engine.FollowUps()...)
	if err := d.stepStore().Submit(model.Batch{AlertChanges: changes}); err != nil {
		return a, nil, fmt.Errorf("store %s: %w", kind, err)
	}
	if kind == city.StepComment {
		d.comments[id]++
	}
	if a.State == city.StateClosed {
		d.keepClosed(a)
	}
	return a, changes, nil
}

// keptClosed is how many closed alerts the "show closed" view keeps, so a
// wall screen that runs for weeks does not grow without bound; the cache
// keeps them all (export alerts).
const keptClosed = 500

// keepClosed remembers a closed alert for the "show closed" view, dropping
// the one closed longest ago when the view is full. Called with d.mu held.
func (d *AlertDesk) keepClosed(a city.Alert) {
	d.closed[a.ID] = a
	if len(d.closed) <= keptClosed {
		return
	}
	oldest := ""
	for id, c := range d.closed {
		if oldest == "" || c.Closed.Before(d.closed[oldest].Closed) {
			oldest = id
		}
	}
	delete(d.closed, oldest)
	delete(d.comments, oldest)
	delete(d.steps.byAlert, oldest)
	delete(d.late, oldest)
}

// Views lists the open alerts (and, with closed, those closed this run)
// for the panel, with the steps the current officer may take.
func (d *AlertDesk) Views(now time.Time, closed bool) []AlertView {
	d.mu.Lock()
	defer d.mu.Unlock()
	as := d.engine.Alerts()
	if closed {
		for _, a := range d.closed {
			as = append(as, a)
		}
	}
	out := make([]AlertView, 0, len(as))
	role := d.cases.Role(d.officer, now) // once: it reads the roster
	for _, a := range as {
		officer := d.officer
		if officer == "" {
			officer = "?"
		}
		out = append(out, AlertView{
			Alert: a, StationName: d.names[a.Station], Comments: d.comments[a.ID],
			Actions: allowedSteps(a, officer, now),
			Flash:   a.Severity == city.SeverityCritical && a.State == city.StateRaised,
			Late:    d.late[a.ID],
			Case:    d.cases.View(a, d.officer, role, now),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Alert.Raised.After(out[j].Alert.Raised) })
	return out
}

// restoreClosed fills the "show closed" view with the alerts closed in the
// last closedLookback (of those raised in the day before that too), at
// most keptClosed, the most recently raised first.
func (d *AlertDesk) restoreClosed(now time.Time) error {
	as, err := d.db.Alerts(model.AlertFilter{From: now.Add(-closedLookback - 24*time.Hour)})
	if err != nil {
		return fmt.Errorf("restore closed alerts: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range as {
		if a.State != city.StateClosed || now.Sub(a.Closed) > closedLookback {
			continue
		}
		if len(d.closed) >= keptClosed {
			break
		}
		steps, err := d.db.AlertSteps(a.ID)
		if err != nil {
			return fmt.Errorf("restore closed alerts: %w", err)
		}
		for _, s := range steps {
			if s.Kind == city.StepComment {
				d.comments[a.ID]++
			}
			if s.Kind.Folds() {
				// held, so that another desk's step replayed after a
				// restart is known as a repeat, not applied again
				d.steps.byAlert[a.ID] = append(d.steps.byAlert[a.ID], heldStep{id: model.OutboxID(s), step: s})
			}
		}
		d.keepClosed(a)
	}
	return nil
}

// View returns one alert as the panel would show it, open or closed this
// run (or restored as closed), whether listed or not.
func (d *AlertDesk) View(id string, now time.Time) (AlertView, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.engine.Alert(id)
	if !ok {
		a, ok = d.closed[id]
	}
	if !ok {
		return AlertView{}, false
	}
	officer := d.officer
	if officer == "" {
		officer = "?"
	}
	return AlertView{
		Alert: a, StationName: d.names[a.Station], Comments: d.comments[a.ID],
		Actions: allowedSteps(a, officer, now),
		Flash:   a.Severity == city.SeverityCritical && a.State == city.StateRaised,
	}, true
}

// closedLookback is how far back the "show closed" view reaches at start:
// alerts closed in an earlier run (the last shift's) are listed too, so
// their record can be chosen and read.
const closedLookback = 24 * time.Hour

// SetReadOnly makes the desk refuse every step: a screen that shows
// alerts and other desks' steps but takes none (a briefing wall).
func (d *AlertDesk) SetReadOnly(on bool) {
	d.mu.Lock()
	d.readOnly = on
	d.mu.Unlock()
}

// submitter stores a batch and returns once it is committed.
type submitter interface{ Submit(b model.Batch) error }

// StoreStepsThrough makes the officers' steps (this desk's and other
// desks' case decisions) be stored through s instead of straight into the
// cache: the runtime passes the ingest, so that the readings that raised
// an alert are stored before the steps taken on it, and the outbox keeps
// the steps in the order they happened. Call it before the desk runs.
func (d *AlertDesk) StoreStepsThrough(s submitter) {
	d.mu.Lock()
	d.stepsTo = s
	d.mu.Unlock()
}

// stepStore is where officers' steps are stored. Called with d.mu held.
func (d *AlertDesk) stepStore() submitter {
	if d.stepsTo != nil {
		return d.stepsTo
	}
	return d.db
}
