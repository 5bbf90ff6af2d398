package city

import (
	"fmt"
	"time"
)

// FeedState is a feed's health as the status strip and the banner show it.
type FeedState int

// String gives the badge text.
func (s FeedState) String() string {
	switch s {
	case FeedLive:
		return "LIVE"
	case FeedDegraded:
		return "DEGRADED"
	default:
		return "OFFLINE"
	}
}

// Feed states, worst first.
const (
	FeedOffline  FeedState = iota // not connected to the feed server
	FeedDegraded                  // connected, but this feed's data is not fresh
	FeedLive                      // connected and fresh
)

// FeedStatus is one feed's badge: state, rate, freshness and rejects.
type FeedStatus struct {
	Feed      Feed
	State     FeedState
	Since     time.Time // when the feed entered State (zero: since start)
	Rate      float64   // readings per second over the last RateWindow
	Newest    time.Time // observation time of the newest reading held (zero: none)
	Received  int64     // readings received since start
	Rejected  int       // messages rejected for this feed, all time
	Gaps      int       // gaps reported by the server since start
	LastError string    // the connection's last error, if any
	// SinceStart: offline since the app started, with nothing held to
	// tell when the link was last up.
	SinceStart bool
}

// Age is how old the newest reading is at now; negative when there is none.
func (s FeedStatus) Age(now time.Time) time.Duration {
	if s.Newest.IsZero() {
		return -1
	}
	return now.Sub(s.Newest)
}

// DefaultStaleAfter is how old a feed's newest reading may be before the
// feed counts as degraded even while connected.
const DefaultStaleAfter = 2 * time.Minute

// FormatAge writes a duration the way an officer reads it: 42s, 5m10s, 3h05m, 2d4h.
func FormatAge(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}
