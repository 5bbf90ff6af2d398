package ingest

import (
	"sync"
	"time"

	"onescreen/city"
)

// RateWindow is the period over which a feed's readings/s is averaged.
const RateWindow = 10 * time.Second

// rateMeter counts events in one-second buckets over RateWindow.
type rateMeter struct {
	secs   [10]int64 // the Unix second each bucket holds
	counts [10]int64
}

func (m *rateMeter) add(now time.Time, n int64) {
	s := now.Unix()
	i := int(s % int64(len(m.secs)))
	if m.secs[i] != s {
		m.secs[i], m.counts[i] = s, 0
	}
	m.counts[i] += n
}

func (m *rateMeter) rate(now time.Time) float64 {
	s := now.Unix()
	var sum int64
	for i := range m.secs {
		// count the full seconds of the window before the current one, and
		// the current partial second, so the rate does not dip each second
		if d := s - m.secs[i]; d >= 0 && d < int64(len(m.secs)) {
			sum += m.counts[i]
		}
	}
	return float64(sum) / RateWindow.Seconds()
}

// feedHealth tracks one feed for the status strip.
type feedHealth struct {
	meter    rateMeter
	newest   time.Time
	lastRecv time.Time
	received int64
	rejected int
	gaps     int
	state    city.FeedState
	since    time.Time
}

// healthBoard keeps every feed's health; safe for concurrent use.
type healthBoard struct {
	mu         sync.Mutex
	feeds      map[city.Feed]*feedHealth
	connected  bool
	connSince  time.Time
	lastErr    string
	staleAfter time.Duration
}

func newHealthBoard(staleAfter time.Duration) *healthBoard {
	if staleAfter <= 0 {
		staleAfter = city.DefaultStaleAfter
	}
	b := &healthBoard{feeds: map[city.Feed]*feedHealth{}, staleAfter: staleAfter}
	for _, f := range city.Feeds {
		b.feeds[f] = &feedHealth{}
	}
	return b
}

func (b *healthBoard) feed(f city.Feed) *feedHealth {
	h := b.feeds[f]
	if h == nil {
		h = &feedHealth{}
		b.feeds[f] = h
	}
	return h
}

// snapshot computes every known feed's status at now, in city.Feeds order.
func (b *healthBoard) snapshot(now time.Time) []city.FeedStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]city.FeedStatus, 0, len(city.Feeds))
	for _, f := range city.Feeds {
		h := b.feed(f)
		st := city.FeedOffline
		if b.connected {
			st = city.FeedDegraded
			if !h.newest.IsZero() && now.Sub(h.newest) <= b.staleAfter && now.Sub(h.lastRecv) <= b.staleAfter {
				st = city.FeedLive
			}
		}
		if st != h.state || h.since.IsZero() {
			h.state, h.since = st, now
		}
		if st == city.FeedOffline && !b.connSince.IsZero() {
			h.since = b.connSince // offline since the link dropped, however often it was retried
		}
		out = append(out, city.FeedStatus{
			Feed: f, State: st, Since: h.since, Rate: h.meter.rate(now), Newest: h.newest,
			Received: h.received, Rejected: h.rejected, Gaps: h.gaps, LastError: b.lastErr,
			SinceStart: st == city.FeedOffline && b.connSince.IsZero(),
		})
	}
	return out
}
