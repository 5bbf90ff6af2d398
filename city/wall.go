package city

import (
	"slices"
	"time"
)

// WallSettings configure the briefing wall (onescreen --wall): which views
// it rotates through, in what order, and how long each stays up.
type WallSettings struct {
	// Rotate is how long a view stays up unless Durations says otherwise;
	// default 20s. The --wall-rotate flag overrides it.
	Rotate time.Duration `toml:"rotate"`
	// Views lists the views in rotation order (default all of WallViews):
	// "overview", "alerts", "trends" and one focus view per feed named by
	// the feed ("air", "water", "noise", "fire", "crowd").
	Views []string `toml:"views"`
	// Durations gives a view its own time on screen, e.g. overview = "40s".
	Durations map[string]time.Duration `toml:"durations"`
	// TrendWindow is how far back the trend charts reach; default 6h.
	TrendWindow time.Duration `toml:"trend_window"`
	// TopStations is how many stations a feed's focus view lists; default 5.
	TopStations int `toml:"top_stations"`
}

// The briefing wall's views besides the per-feed focus views.
const (
	WallOverview = "overview"
	WallAlerts   = "alerts"
	WallTrends   = "trends"
)

// WallViews is every wall view in the default order.
var WallViews = func() []string {
	v := []string{WallOverview, WallAlerts}
	for _, f := range Feeds {
		v = append(v, string(f))
	}
	return append(v, WallTrends)
}()

const (
	defaultWallRotate      = 20 * time.Second
	defaultWallTrendWindow = 6 * time.Hour
	defaultWallTopStations = 5
	minWallDuration        = time.Second
)

// DefaultWallSettings are the wall's documented defaults.
func DefaultWallSettings() WallSettings {
	return WallSettings{Rotate: defaultWallRotate, Views: slices.Clone(WallViews),
		TrendWindow: defaultWallTrendWindow, TopStations: defaultWallTopStations}
}

// Duration is how long view stays up, with rotate (when positive)
// replacing the site's default rotation period.
func (w WallSettings) Duration(view string, rotate time.Duration) time.Duration {
	if rotate > 0 {
		return rotate
	}
	if d, ok := w.Durations[view]; ok && d > 0 {
		return d
	}
	if w.Rotate > 0 {
		return w.Rotate
	}
	return defaultWallRotate
}

// validate reports the wall settings that are out of range.
func (w WallSettings) validate(bad func(key, format string, args ...any)) {
	if w.Rotate < minWallDuration {
		bad("wall.rotate", "%v is shorter than %v", w.Rotate, minWallDuration)
	}
	if len(w.Views) == 0 {
		bad("wall.views", "no views to show")
	}
	seen := map[string]bool{}
	for _, v := range w.Views {
		if !slices.Contains(WallViews, v) {
			bad("wall.views", "%q is not a view (want one of %v)", v, WallViews)
		}
		if seen[v] {
			bad("wall.views", "%q is listed twice", v)
		}
		seen[v] = true
	}
	for v, d := range w.Durations {
		if !slices.Contains(WallViews, v) {
			bad("wall.durations."+v, "not a view (want one of %v)", WallViews)
		} else if d < minWallDuration {
			bad("wall.durations."+v, "%v is shorter than %v", d, minWallDuration)
		}
	}
	if w.TrendWindow < time.Hour || w.TrendWindow > 7*24*time.Hour {
		bad("wall.trend_window", "%v is outside 1h–168h", w.TrendWindow)
	}
	if w.TopStations < 1 || w.TopStations > 20 {
		bad("wall.top_stations", "%d is outside 1–20", w.TopStations)
	}
}
