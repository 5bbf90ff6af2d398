package ui

import (
	"io"
	"time"

	"onescreen/app/desk"
	"onescreen/cache/model"
	"onescreen/city"
)

// The screen links no database and no transport: what it shows and does
// reaches it through these interfaces, which the running data path
// (app.Runtime, the cache and app/export) satisfies. main.go connects them.

// Data is what the screen reads from the cache: the present (Source), the
// past (AsOfSource), an alert's history and the rejected messages.
type Data interface {
	Source
	AsOfSource
	// EarliestReading is the observation time of the oldest reading held.
	EarliestReading() (time.Time, error)
	AlertSteps(alertID string) ([]city.Step, error)
	Rejects(limit int) ([]model.Reject, error)
}

// Live is the data path as it runs now: each feed's health, the desk's
// alerts and the errors met in the background.
type Live interface {
	Status() []city.FeedStatus
	AlertViews(now time.Time, closed bool) []desk.AlertView
	// DataErr is the data path's problem now (a cache that cannot store,
	// a stopped feed source), nil when there is none.
	DataErr() error
	// Changes is signalled when something an officer sees has changed:
	// an alert raised, a step taken, a case decided, a feed connected or
	// lost. One receiver (the pump) takes it.
	Changes() <-chan struct{}
}

// Exporter writes the files the File menu offers.
type Exporter interface {
	Readings(f model.ReadingFilter, site city.SiteConfig, w io.Writer) error
	Alerts(f model.AlertFilter, w io.Writer) error
	CAP(f model.AlertFilter, opts city.CAPOptions, dir string) ([]string, error)
	Handovers(from, to time.Time, w io.Writer) error
	DutyLog(from, to time.Time, w io.Writer) error
}

// Parts are the running pieces a console is connected to.
type Parts struct {
	Data    Data
	Live    Live
	Desk    *desk.AlertDesk // the alert workflow
	Duty    *desk.DutyDesk  // roster, handover and duty log
	Exports Exporter        // nil: the File menu's exports are not offered
	Site    *city.SiteConfig
	// StaleAfter: when a connected feed's data counts as stale (0 →
	// city.DefaultStaleAfter).
	StaleAfter time.Duration
}
