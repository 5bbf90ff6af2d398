package ui

import (
	"context"
	"sort"
	"time"

	"fyne.io/fyne/v2"

	"onescreen/app/desk"
	"onescreen/cache/model"
	"onescreen/city"
)

// Source is what the console reads from the cache. *cache.DB satisfies it.
type Source interface {
	Stations() ([]city.Station, error)
	Latest() ([]model.Latest, error)
	LatestEvents() ([]model.LatestEvent, error)
	History(station, param string, from, to time.Time) ([]model.Point, error)
}

// StationState is a station with its newest values.
type StationState struct {
	Station city.Station
	Values  map[string]model.Latest // by parameter
	Event   model.LatestEvent       // fire devices: the newest event (zero when none)
	Newest  time.Time               // observation time of the newest value or event
	Late    bool                    // the newest value arrived well after it was observed
}

// Snapshot is everything the console shows at one moment. The pump builds
// it off the UI goroutine; Console.Apply draws it.
type Snapshot struct {
	Now      time.Time
	Status   []city.FeedStatus
	Stations []StationState // by feed, then id
	Alerts   []desk.AlertView
	Err      error        // the cache's last error, shown to the officer
	History  *HistoryView // nil when live; else the past time shown (history.go)

	// Judged holds each station's judgement by the standards (Judged[i]
	// is Stations[i]'s) and District the district's figures; the pump
	// works both out off the UI goroutine (district.go).
	Judged   []Judgement
	District *District
}

// BuildSnapshot reads the current state from src and the feed health.
func BuildSnapshot(src Source, status []city.FeedStatus, alerts []desk.AlertView, now time.Time) Snapshot {
	s := Snapshot{Now: now, Status: status, Alerts: alerts}
	sts, err := src.Stations()
	if err != nil {
		s.Err = err
		return s
	}
	byID := make(map[string]*StationState, len(sts))
	states := make([]StationState, len(sts))
	for i, st := range sts {
		states[i] = StationState{Station: st, Values: map[string]model.Latest{}}
	}
	for i := range states {
		byID[states[i].Station.ID] = &states[i]
	}
	latest, err := src.Latest()
	if err != nil {
		s.Err = err
	}
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
	events, err := src.LatestEvents()
	if err != nil && s.Err == nil {
		s.Err = err
	}
	s.Stations = withEvents(states, byID, events)
	return s
}

// PumpEvery is how often the screen is brought up to date when nothing
// is reported: the station values, the feeds' ages, the clock.
const PumpEvery = time.Second

// eventGap is the least time between two snapshots made for reported
// changes: a burst of alerts is drawn once, not once per alert.
const eventGap = 30 * time.Millisecond

// Pump is the one place where data reaches the widgets. Off the UI
// goroutine it builds what the screen shows and hands it over with one
// fyne.Do (deliver):
//   - every PumpEvery, a full snapshot, the station values read from the
//     cache;
//   - as soon as the desk or the link reports a change (Live.Changes: an
//     alert raised, acknowledged, closed, a case decided, a feed connected
//     or lost), the alerts and the feeds' health with the station values
//     held, read from memory: no cache read, so the officer sees it at
//     once;
//   - the results of the reads the console asks for (Request): a
//     station's history, an alert's record, the duty log, the wall's
//     trends.
//
// It reads no widget: what to build (live or a past time, closed alerts
// or not) is the officer's choice, which the console writes into the
// pump's viewChoice.
type Pump struct {
	data    Data
	live    Live
	console *Console
	view    *viewChoice
	every   time.Duration
	deliver func(func()) // runs a function on the UI goroutine

	site       city.SiteConfig // the standards the stations are judged by
	staleAfter time.Duration

	earliestAt time.Time      // when the oldest reading held was last read
	stations   []StationState // the station values of the last full snapshot; never changed after
	lastEvent  time.Time      // when the last snapshot for a reported change was made
}

// NewPump feeds c from the cache's reads and the live data path, and
// takes c's reads. Call it on the UI goroutine, before Run.
func NewPump(data Data, live Live, c *Console) *Pump {
	p := &Pump{data: data, live: live, console: c, view: c.view, every: PumpEvery, deliver: fyne.Do,
		site: c.site, staleAfter: c.staleAfter()}
	c.ask = p.Request
	c.onUI = p.deliver
	return p
}

// Request runs read off the UI goroutine and the function it returns, if
// any, on it. The console asks for its slow reads this way.
func (p *Pump) Request(read func() (apply func())) {
	go func() {
		if apply := read(); apply != nil {
			p.deliver(apply)
		}
	}()
}

// Run pumps until ctx ends.
func (p *Pump) Run(ctx context.Context) {
	t := time.NewTicker(p.every)
	defer t.Stop()
	full := true
	for {
		now := time.Now()
		var snap Snapshot
		if full || p.stations == nil {
			snap = p.snapshot(now)
		} else {
			snap = p.changed(now)
		}
		snap.judge(p.site, p.staleAfter)
		p.deliver(func() { p.console.Apply(&snap) })
		var ok bool
		if full, ok = p.wait(ctx, t.C); !ok {
			return
		}
	}
}

// changed is the live screen after a reported change: the alerts and the
// feeds' health as they are now, the station values of the last full
// snapshot. It reads no cache.
func (p *Pump) changed(now time.Time) Snapshot {
	p.lastEvent = now
	s := Snapshot{Now: now, Status: p.live.Status(), Alerts: p.live.AlertViews(now, p.view.closed()), Stations: p.stations}
	s.Err = p.live.DataErr()
	return s
}

// snapshot is what the screen shows at now: the past time the history
// bar is on, or the present with the runtime's errors. It runs off the UI
// goroutine.
func (p *Pump) snapshot(now time.Time) Snapshot {
	snap, past := p.historic(now)
	if past {
		return snap
	}
	snap = BuildSnapshot(p.data, p.live.Status(), p.live.AlertViews(now, p.view.closed()), now)
	if snap.Err == nil {
		snap.Err = p.live.DataErr()
	}
	if snap.Stations != nil {
		p.stations = snap.Stations
	}
	return snap
}

// withEvents puts each fire device's newest event on its station state and
// returns the states ordered by feed, then id.
func withEvents(states []StationState, byID map[string]*StationState, events []model.LatestEvent) []StationState {
	for _, e := range events {
		if ss := byID[e.Station]; ss != nil {
			ss.Event = e
			if e.Time.After(ss.Newest) {
				ss.Newest = e.Time
			}
		}
	}
	sort.Slice(states, func(i, j int) bool {
		a, b := states[i].Station, states[j].Station
		if a.Feed != b.Feed {
			return a.Feed < b.Feed
		}
		return a.ID < b.ID
	})
	return states
}
