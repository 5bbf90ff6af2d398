package ui

import (
	"time"

	"onescreen/city"
	"onescreen/widgets"
)

// feedFreshness is whether a feed's KPI tile shows live figures, and how
// old its newest data is.
type feedFreshness struct {
	live   bool      // the feed is live and at least one station is fresh
	newest time.Time // the newest observation held for the feed
}

// kpiFreshness tells each feed's tile whether it is live: the feed's
// status is LIVE (when the snapshot has one) and a station of it holds
// fresh data (in a past view, only the data counts). A tile that is not live shows its last known figure greyed,
// with the age of the newest data.
func kpiFreshness(s *Snapshot, judged []Judgement) map[city.Feed]*feedFreshness {
	out := make(map[city.Feed]*feedFreshness, len(city.Feeds))
	for _, f := range city.Feeds {
		out[f] = &feedFreshness{}
	}
	anyFresh := map[city.Feed]bool{}
	for i, ss := range s.Stations {
		ff := out[ss.Station.Feed]
		if ff == nil {
			continue
		}
		if ss.Newest.After(ff.newest) {
			ff.newest = ss.Newest
		}
		if !judged[i].Stale {
			anyFresh[ss.Station.Feed] = true
		}
	}
	statusLive := map[city.Feed]bool{}
	hasStatus := map[city.Feed]bool{}
	status := s.Status
	if s.History != nil {
		status = nil // the link's state now says nothing of a past view
	}
	for _, st := range status {
		hasStatus[st.Feed] = true
		statusLive[st.Feed] = st.State == city.FeedLive
	}
	for f, ff := range out {
		ff.live = anyFresh[f] && (!hasStatus[f] || statusLive[f])
	}
	return out
}

// mark greys v with the data's age when the feed is not live.
func (ff *feedFreshness) mark(v *widgets.KPIValue, now time.Time) {
	if ff == nil || ff.live {
		return
	}
	v.Stale = true
	if !ff.newest.IsZero() {
		v.Age = city.FormatAge(now.Sub(ff.newest))
	}
}
