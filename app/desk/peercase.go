package desk

import (
	"fmt"

	"onescreen/cache/model"
	"onescreen/city"
)

// PeerCaseStep takes a case step (立案, 不予立案, 挂账, 取消挂账) that the
// shift leader took at another desk of the district, so every desk shows
// the same case state. The other desk checked the leader's role against its
// roster; this desk takes the decision as made. A step this desk already
// holds (its own, echoed back, or one replayed after a restart) changes
// nothing; so does one that conflicts with a decision already taken (two
// desks deciding the same report during a cut: the first to arrive holds).
// A step for an alert that is not open here is left to its own desk's
// record: the case model only concerns open reports.
func (d *AlertDesk) PeerCaseStep(s city.Step) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	defer d.changed() // a case step changes what the alert row says
	a, ok := d.engine.Alert(s.Alert)
	if !ok {
		return nil
	}
	b := d.cases
	b.mu.Lock()
	defer b.mu.Unlock()
	id := model.OutboxID(s)
	if _, seen := b.seen[id]; seen {
		return nil
	}
	held, err := d.db.AlertSteps(a.ID)
	if err != nil {
		return fmt.Errorf("read the steps of %s: %w", a.ID, err)
	}
	for _, h := range held {
		if model.OutboxID(h) == id {
			b.seen[id] = a.ID
			return nil
		}
	}
	c, err := b.cases[a.ID].Apply(a, s, city.RoleLeader)
	if err != nil {
		b.seen[id] = a.ID // a decision already taken holds
		return nil
	}
	followUps, a := d.rejectLocked(a, s)
	batch := model.Batch{AlertChanges: append([]city.Change{{Alert: a, Step: s}}, followUps...), FromPeers: map[string]bool{id: true}}
	if err := d.stepStore().Submit(batch); err != nil {
		return fmt.Errorf("store %s: %w", city.CaseStepName(s.Kind), err)
	}
	if err := d.db.SaveCase(c); err != nil {
		return err
	}
	b.cases[a.ID] = c
	b.seen[id] = a.ID
	return nil
}
