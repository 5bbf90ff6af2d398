package desk

import (
	"fmt"
	"time"

	"onescreen/city"
)

// Alerts raised by readings that arrived late: after an outage the feed
// server replays what was missed, and an alert raised from it happened
// minutes or hours before the officer sees it. Such alerts are marked
// (补传) so nobody takes them for what is happening now.

// markLate marks the alerts raised by r when r arrived more than LateAfter
// after it was observed. Called with d.mu held.
func (d *AlertDesk) markLate(ch []city.Change, r city.Reading) {
	if d.now().Sub(r.Time) <= LateAfter {
		return
	}
	for _, c := range ch {
		if c.Step.Kind == city.StepRaise {
			d.late[c.Alert.ID] = true
		}
	}
}

// restoreLate marks a restored alert late when the reading that raised it
// was received more than LateAfter after it was observed.
func (d *AlertDesk) restoreLate(a city.Alert) error {
	recv, err := d.db.ReceivedAt(a.Station, a.Raised)
	if err != nil {
		return fmt.Errorf("restore alert %s: %w", a.ID, err)
	}
	if !recv.IsZero() && recv.Sub(a.Raised) > LateAfter {
		d.late[a.ID] = true
	}
	return nil
}

// LateAfter is how long after its observation a value may arrive before it
// is marked as having arrived late (caught up after an outage).
const LateAfter = 2 * time.Minute
