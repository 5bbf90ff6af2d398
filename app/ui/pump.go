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

// PumpEvery is how often the screen is brought up to date.
const PumpEvery = time.Second

// Pump is how the data reaches the UI: every PumpEvery it builds a
// snapshot off the UI goroutine and hands it to the console with one
// fyne.Do (the console's own background reads hand back the same way).
type Pump struct {
	data    Data
	live    Live
	console *Console
	every   time.Duration

	earliestAt time.Time // when the oldest reading held was last read
}

// NewPump feeds c from the cache's reads and the live data path.
func NewPump(data Data, live Live, c *Console) *Pump {
	return &Pump{data: data, live: live, console: c, every: PumpEvery}
}

// Run pumps until ctx ends.
func (p *Pump) Run(ctx context.Context) {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		snap := p.snapshot(time.Now())
		fyne.Do(func() { p.console.Apply(&snap) })
		if !p.wait(ctx, t.C) {
			return
		}
	}
}

// snapshot is what the screen shows at now: the past time the history
// bar is on, or the present with the runtime's errors. It runs off the UI
// goroutine.
func (p *Pump) snapshot(now time.Time) Snapshot {
	snap, past := p.historic(now)
	if past {
		return snap
	}
	snap = BuildSnapshot(p.data, p.live.Status(), p.live.AlertViews(now, p.console.ShowClosed()), now)
	if snap.Err == nil {
		snap.Err = p.live.DataErr()
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
