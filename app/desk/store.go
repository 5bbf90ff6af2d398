package desk

import (
	"time"

	"onescreen/cache/model"
	"onescreen/city"
)

// AlertStore is what the alert desk and its case book keep in the cache
// and read back from it. The cache (*cache.DB) satisfies it; the desk
// itself links no database.
type AlertStore interface {
	// Submit stores a batch (alert changes, their steps, the outbox) and
	// returns once it is committed.
	Submit(b model.Batch) error
	Alert(id string) (city.Alert, bool, error)
	Alerts(f model.AlertFilter) ([]city.Alert, error)
	AlertSteps(alertID string) ([]city.Step, error)
	Stations() ([]city.Station, error)
	Cases() (map[string]city.Case, error)
	SaveCase(c city.Case) error
	// ReceivedAt is when the reading of station observed at t arrived.
	ReceivedAt(station string, t time.Time) (time.Time, error)
	// EachReading and Latest are read once at start, to judge the
	// readings that arrived while the desk was closed.
	EachReading(f model.ReadingFilter, fn func(model.Row) error) error
	Latest() ([]model.Latest, error)
}

// DutyStore is what the duty desk keeps: the roster, the handovers, the
// duty log and its outbox, the outages, and other desks' duty records.
type DutyStore interface {
	Alerts(f model.AlertFilter) ([]city.Alert, error)
	Cases() (map[string]city.Case, error)
	RejectCountsBetween(from, to time.Time) (map[string]int, error)

	RosterEdit() (model.RosterEdit, bool, error)
	SaveRoster(shifts []city.Shift, by string, at time.Time, out *model.DutyAction) error
	Handover(shift string) (city.Handover, bool, error)
	SaveHandover(h city.Handover, out *model.DutyAction) error
	AddDutyEntry(e city.DutyEntry, out *model.DutyAction) error
	DutyLog(from, to time.Time) ([]city.DutyEntry, error)
	DutyOutboxHolds(id string) (bool, error)
	DutyOutboxPending(limit int) ([]model.DutyAction, error)

	OutageBegan(feed city.Feed, at time.Time, reason string) error
	OutageEnded(feed city.Feed, at time.Time) error
	Outages(from, to time.Time) ([]city.Outage, error)

	PeerAck(shift, by string, at time.Time, note string) (bool, error)
	PeerDutyEntry(e city.DutyEntry) (bool, error)
	PeerRoster(shifts []city.Shift, by string, at time.Time) (bool, error)
	PeerSignOff(h city.Handover) (bool, error)
}
