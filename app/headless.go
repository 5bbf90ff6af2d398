package app

import (
	"context"
	"fmt"
	"io"
	"onescreen/city"
	"strings"
	"time"
)

// StatusEvery is how often headless mode prints each feed's status line.
const StatusEvery = 10 * time.Second

// RunHeadless runs the data path without a window and prints one status line
// per feed every `every` to w until ctx ends.
func RunHeadless(ctx context.Context, rt *Runtime, w io.Writer, every time.Duration) error {
	if every <= 0 {
		every = StatusEvery
	}
	fmt.Fprintf(w, "onescreen headless: cache %s, feed %s\n", rt.DB.Path(), rt.feedName())
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			now := time.Now()
			for _, s := range rt.Ingest.Status() {
				fmt.Fprintln(w, StatusLine(s, now))
			}
			if err := rt.Ingest.Err(); err != nil {
				fmt.Fprintf(w, "cache error: %v\n", err)
			}
		}
	}
}

func (rt *Runtime) feedName() string {
	if rt.Demo != nil {
		return "embedded demo " + rt.Demo.URL
	}
	return rt.Opts.FeedURL
}

// StatusLine formats one feed's status for a log or a terminal, e.g.
// "air    LIVE      25.0 readings/s  newest 3s ago  rejected 0".
func StatusLine(s city.FeedStatus, now time.Time) string {
	age := "no data"
	if a := s.Age(now); a >= 0 {
		age = "newest " + city.FormatAge(a) + " ago"
	}
	line := fmt.Sprintf("%-6s %-9s %8.1f readings/s  %-22s rejected %d", s.Feed, s.State, s.Rate, age, s.Rejected)
	if s.Gaps > 0 {
		line += fmt.Sprintf("  gaps %d", s.Gaps)
	}
	if s.State == city.FeedOffline && s.LastError != "" {
		line += "  (" + strings.TrimSpace(s.LastError) + ")"
	}
	return line
}
