package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/lang"

	"onescreen/app/desk"
	"onescreen/cache/model"
	"onescreen/city"
	"onescreen/widgets"
)

// History: the officer moves a slider back over the cache and the map, the
// KPI tiles and the alert panel show the district as it stood then. The
// pump builds the snapshot as of that time off the UI goroutine (see
// BuildSnapshotAsOf) and the console applies it like a live one, with
// three differences: a violet banner across the top says in large type
// that the screen shows history and which time; the feed badges, the
// freshness banner and the clock keep showing the real, live state; and
// the alert panel offers no workflow steps. An officer acts on an alert
// as it stands now, never on a past state of it (which may since have
// been acknowledged, dispatched or closed by someone else): Live returns
// to the present, where the buttons are. A new critical alert arriving
// while the officer looks back still sounds, and the banner counts the
// live alerts waiting for acknowledgement.

// AsOfSource is what the history reads from the cache. *cache.DB
// satisfies it.
type AsOfSource interface {
	Stations() ([]city.Station, error)
	LatestAsOf(at time.Time, window time.Duration) ([]model.Latest, error)
	LatestEventsAsOf(at time.Time, window time.Duration) ([]model.LatestEvent, error)
	AlertsAsOf(at, closedSince time.Time) ([]model.AsOfAlert, error)
}

// Tuning of the history.
const (
	// asOfWindow is how far before the chosen time a value is still
	// shown (greyed when older than the stale limit); older values are
	// not looked for, and the station shows as having no data.
	asOfWindow = 24 * time.Hour
	// closedWindow: with closed alerts shown, those closed this long
	// before the chosen time are listed.
	closedWindow = 24 * time.Hour
	// playEvery is how often the screen moves on while history plays.
	playEvery = 250 * time.Millisecond
	// earliestEvery is how often the oldest time held is read again.
	earliestEvery = time.Minute
	// widgetsSliderStep: a slider dragged to within this of now shows live.
	widgetsSliderStep = time.Minute
)

// HistoryView marks a snapshot as showing the past.
type HistoryView struct {
	At       time.Time // the time shown (Snapshot.Now is this time too)
	LiveNow  time.Time // the real time the snapshot was built at
	Gen      uint64    // the history session it belongs to
	Playing  bool
	Waiting  int  // live alerts waiting for acknowledgement
	LiveWarn bool // a live critical alert waits: sound the alarm
}

// BuildSnapshotAsOf reads the district as it stood at `at` from src: the
// stations, each one's newest values and event observed by then (within
// asOfWindow) and the alerts open then, in the state they had. The
// alerts carry no workflow steps. status is the live feed health, shown as
// it is; with showClosed the alerts closed in the day before are listed
// too.
func BuildSnapshotAsOf(src AsOfSource, status []city.FeedStatus, at time.Time, showClosed bool) Snapshot {
	s := Snapshot{Now: at, Status: status}
	sts, err := src.Stations()
	if err != nil {
		s.Err = err
		return s
	}
	names := make(map[string]string, len(sts))
	byID := make(map[string]*StationState, len(sts))
	states := make([]StationState, len(sts))
	for i, st := range sts {
		states[i] = StationState{Station: st, Values: map[string]model.Latest{}}
		names[st.ID] = st.Name
	}
	for i := range states {
		byID[states[i].Station.ID] = &states[i]
	}
	latest, err := src.LatestAsOf(at, asOfWindow)
	s.Err = errors.Join(s.Err, err)
	for _, l := range latest {
		ss := byID[l.Station]
		if ss == nil {
			continue
		}
		ss.Values[l.Param] = l
		if l.Time.After(ss.Newest) {
			ss.Newest = l.Time
			ss.Late = !l.Received.IsZero() && l.Received.Sub(l.Time) > desk.LateAfter
		}
	}
	events, err := src.LatestEventsAsOf(at, asOfWindow)
	s.Err = errors.Join(s.Err, err)
	s.Stations = withEvents(states, byID, events)
	var closedSince time.Time
	if showClosed {
		closedSince = at.Add(-closedWindow)
	}
	alerts, err := src.AlertsAsOf(at, closedSince)
	s.Err = errors.Join(s.Err, err)
	for _, a := range alerts {
		s.Alerts = append(s.Alerts, desk.AlertView{Alert: a.Alert, StationName: names[a.Alert.Station], Comments: a.Comments})
	}
	return s
}

// historyState is where the screen stands in time: live, or a past time,
// paused or playing at a speed. The UI goroutine sets it; the pump reads
// it. Safe for concurrent use.
type historyState struct {
	mu       sync.Mutex
	active   bool
	at       time.Time // the time shown when set (or when play last changed)
	anchor   time.Time // the real time at was set at
	playing  bool
	speed    float64
	gen      uint64    // counts changes between live and history
	earliest time.Time // oldest reading held, as the pump last read it
	wake     chan struct{}
}

func newHistoryState() *historyState {
	return &historyState{speed: widgets.PlaySpeeds[1], wake: make(chan struct{}, 1)}
}

// poke asks the pump for a snapshot now.
func (h *historyState) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// current is the time shown at real time now, or ok false when live.
// History that plays up to now becomes live.
func (h *historyState) current(now time.Time) (at time.Time, gen uint64, playing, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.active {
		return time.Time{}, h.gen, false, false
	}
	at = h.at
	if h.playing {
		at = h.at.Add(time.Duration(float64(now.Sub(h.anchor)) * h.speed))
		if !at.Before(now) {
			h.active, h.playing = false, false
			h.gen++
			return time.Time{}, h.gen, false, false
		}
	}
	return at, h.gen, h.playing, true
}

// scrub shows at (paused when not playing).
func (h *historyState) scrub(at, now time.Time) {
	h.mu.Lock()
	if !h.active {
		h.active = true
		h.gen++
	}
	h.at, h.anchor = at, now
	h.mu.Unlock()
	h.poke()
}

// play starts or stops playing from the time shown.
func (h *historyState) play(on bool, now time.Time) {
	h.rebase(now)
	h.mu.Lock()
	h.playing = on && h.active
	h.mu.Unlock()
	h.poke()
}

// setSpeed changes the play speed from the time shown on.
func (h *historyState) setSpeed(s float64, now time.Time) {
	h.rebase(now)
	h.mu.Lock()
	h.speed = s
	h.mu.Unlock()
}

// rebase moves the anchor to now, keeping the time shown.
func (h *historyState) rebase(now time.Time) {
	at, _, _, ok := h.current(now)
	h.mu.Lock()
	if ok {
		h.at, h.anchor = at, now
	}
	h.mu.Unlock()
}

// live returns to the present.
func (h *historyState) live() {
	h.mu.Lock()
	if h.active {
		h.active, h.playing = false, false
		h.gen++
	}
	h.mu.Unlock()
	h.poke()
}

// state is the mode and session, for the UI.
func (h *historyState) state() (active bool, gen uint64, earliest time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.active, h.gen, h.earliest
}

func (h *historyState) isPlaying() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.active && h.playing
}

func (h *historyState) setEarliest(t time.Time) {
	h.mu.Lock()
	h.earliest = t
	h.mu.Unlock()
}

// historic builds the snapshot as of the time the console shows, or ok
// false when it shows live. It also keeps the oldest time held fresh.
func (p *Pump) historic(now time.Time) (Snapshot, bool) {
	h := p.view.hist
	if p.earliestAt.IsZero() || now.Sub(p.earliestAt) >= earliestEvery {
		if t, err := p.data.EarliestReading(); err == nil {
			h.setEarliest(t)
			p.earliestAt = now
		}
	}
	at, gen, playing, ok := h.current(now)
	if !ok {
		return Snapshot{}, false
	}
	snap := BuildSnapshotAsOf(p.data, p.live.Status(), at, p.view.closed())
	hv := &HistoryView{At: at, LiveNow: now, Gen: gen, Playing: playing}
	for _, v := range p.live.AlertViews(now, false) {
		if v.Alert.Unacknowledged() {
			hv.Waiting++
		}
		hv.LiveWarn = hv.LiveWarn || v.Flash
	}
	snap.History = hv
	if snap.Err == nil {
		snap.Err = p.live.DataErr()
	}
	return snap, true
}

// wait sleeps until the next snapshot is due and says which: full (the
// pump's period, a nudge from the console — the slider moved, Live
// pressed — or, while history plays, playEvery) or for a change the data
// path reported. ok is false when ctx ended.
func (p *Pump) wait(ctx context.Context, tick <-chan time.Time) (full, ok bool) {
	var play <-chan time.Time
	if p.view.hist.isPlaying() {
		tm := time.NewTimer(playEvery)
		defer tm.Stop()
		play = tm.C
	}
	select {
	case <-ctx.Done():
		return false, false
	case <-tick:
		return true, true
	case <-p.view.hist.wake:
		return true, true
	case <-play:
		return true, true
	case <-p.live.Changes():
		if active, _, _ := p.view.hist.state(); active {
			return true, true // the past shown counts the live alerts waiting
		}
		if d := eventGap - time.Since(p.lastEvent); d > 0 {
			tm := time.NewTimer(d) // later changes of a burst join this one
			defer tm.Stop()
			select {
			case <-ctx.Done():
				return false, false
			case <-tm.C:
			}
		}
		return false, true
	}
}

// dropSnapshot reports whether s belongs to another mode than the one the
// officer chose since it was built: a live snapshot while history is shown,
// or one of an earlier history session (before Live was pressed).
func (c *Console) dropSnapshot(s *Snapshot) bool {
	active, gen, _ := c.view.hist.state()
	if s.History == nil {
		return active
	}
	return !active || s.History.Gen != gen
}

// statusNow is the real time of a snapshot: the feed badges, the freshness
// banner and the clock go by it.
func (s *Snapshot) statusNow() time.Time {
	if s.History != nil {
		return s.History.LiveNow
	}
	return s.Now
}

// statusView is s as the feed badges see it: at the real time.
func (s *Snapshot) statusView() *Snapshot {
	if s.History == nil {
		return s
	}
	v := *s
	v.Now = s.History.LiveNow
	return &v
}

// historyBar builds the slider bar and the history banner; called from
// build.
func (c *Console) historyBar() *widgets.TimeSlider {
	c.histBanner = widgets.NewHistoryBanner()
	t := widgets.NewTimeSlider()
	t.Location = city.Shanghai
	t.OnScrub = func(at time.Time) {
		if now := time.Now(); now.Sub(at) < widgetsSliderStep {
			c.view.hist.live() // dragged to the right end: the present
			return
		}
		c.view.hist.scrub(at, time.Now())
	}
	t.OnPlay = func(on bool) { c.view.hist.play(on, time.Now()) }
	t.OnSpeed = func(s float64) { c.view.hist.setSpeed(s, time.Now()) }
	t.OnLive = func() { c.view.hist.live() }
	c.view.hist.mu.Lock()
	speed := c.view.hist.speed
	c.view.hist.mu.Unlock()
	t.SetSpeed(speed)
	c.slider = t
	return t
}

// applyHistory shows whether s is history: the banner, the slider, and
// the alarm for a live critical alert while looking back.
func (c *Console) applyHistory(s *Snapshot) {
	if c.slider == nil {
		return
	}
	_, _, earliest := c.view.hist.state()
	c.slider.SetRange(earliest, s.statusNow())
	h := s.History
	if h == nil {
		c.slider.SetState(false, time.Time{}, false)
		c.histBanner.SetText("")
		return
	}
	c.slider.SetState(true, h.At, h.Playing)
	text := fmt.Sprintf(lang.L("History view %s — not live"), h.At.In(city.Shanghai).Format("2006-01-02 15:04"))
	if h.Playing {
		text += fmt.Sprintf(" · %s %g×", lang.L("playing"), c.slider.Speed())
	}
	if h.Waiting > 0 {
		text += " · " + fmt.Sprintf(lang.L("live alerts awaiting acknowledgement: %d"), h.Waiting)
	}
	text += " · " + lang.L("act on alerts in the live view")
	c.histBanner.SetText(text)
	if h.LiveWarn && c.Alarm != nil {
		c.Alarm()
	}
}

// HistoryAt shows the district as of at (the slider moved there); Live
// returns.
func (c *Console) HistoryAt(at time.Time) { c.slider.Scrub(at) }

// GoLive returns the screen to the present.
func (c *Console) GoLive() { c.slider.PressLive() }

// viewChoice is what the officer chose to see: the present or a past time
// (the history bar), and whether the panel lists closed alerts. The
// console writes it on the UI goroutine; the pump reads it to know what to
// build. It is shared state, not a widget: safe for concurrent use.
type viewChoice struct {
	hist       *historyState
	showClosed atomic.Bool
}

func newViewChoice() *viewChoice { return &viewChoice{hist: newHistoryState()} }

// closed reports whether closed alerts are listed.
func (v *viewChoice) closed() bool { return v.showClosed.Load() }
