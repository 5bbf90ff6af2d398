package desk

import (
	"fmt"
	"time"

	"onescreen/cache/model"
	"onescreen/city"
)

// warmPending judges again, in a scratch engine, the readings stored in
// the last LongestMinDuration before the newest one, and gives the desk's
// engine the conditions that were waiting to be raised when the desk
// stopped (see city.Engine.AdoptPending): alert ids then do not depend on
// when a desk restarted. It returns how many conditions it took.
func warmPending(db AlertStore, e *city.Engine, stations []city.Station) (int, error) {
	window := e.Config().Alerts.LongestMinDuration()
	if window <= 0 {
		return 0, nil
	}
	latest, err := db.Latest()
	if err != nil {
		return 0, err
	}
	var newest time.Time
	for _, l := range latest {
		if l.Time.After(newest) {
			newest = l.Time
		}
	}
	if newest.IsZero() {
		return 0, nil
	}
	warm, err := city.NewEngine(e.Config())
	if err != nil {
		return 0, err
	}
	byID := make(map[string]city.Station, len(stations))
	for _, st := range stations {
		byID[st.ID] = st
	}
	var cur city.Reading
	judge := func() {
		if st, ok := byID[cur.Station]; ok && cur.Station != "" {
			_, _ = warm.Observe(st, cur) // what cannot be judged was a rejected reading then too
		}
	}
	err = db.EachReading(model.ReadingFilter{From: newest.Add(-window - time.Minute), To: newest.Add(time.Millisecond)}, func(r model.Row) error {
		if r.Station != cur.Station || !r.Time.Equal(cur.Time) {
			judge()
			cur = city.Reading{Feed: r.Feed, Station: r.Station, Time: r.Time}
		}
		if r.Event != "" {
			cur.Event = r.Event
		} else {
			cur.Values = append(cur.Values, city.Measurement{Param: r.Param, Value: r.Value, Unit: r.Unit})
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("judge recent readings again: %w", err)
	}
	judge()
	return e.AdoptPending(warm), nil
}
