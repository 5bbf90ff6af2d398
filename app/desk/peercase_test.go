package desk

import (
	"path/filepath"
	"testing"
	"time"

	"onescreen/cache"
	"onescreen/city"
	"onescreen/internal/desktest"
)

// twoDeskCase opens a desk on a fresh cache holding one raised fire alarm.
func twoDeskCase(t *testing.T, name string) (*AlertDesk, *cache.DB) {
	t.Helper()
	cfg := desktest.DutySite()
	db, err := cache.Open(filepath.Join(t.TempDir(), name), cache.Options{Now: func() time.Time { return desktest.ShT(14, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := desktest.DutyAlert("F", city.FeedFire, city.CondFireAlarm, desktest.ShT(13, 0))
	if err := db.Submit(cache.Batch{AlertChanges: []city.Change{{Alert: a, Step: city.Step{Alert: a.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Time: a.Raised}}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	desk, err := NewAlertDesk(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewDutyDesk(db, cfg, desk); err != nil {
		t.Fatal(err)
	}
	return desk, db
}

// TestPeerCaseStepsReachEveryDesk: the shift leader accepts and shelves a
// report at desk A; desk B takes both from the relay once, whatever how
// often they come, stores them in the alert's history without queuing them
// in its own outbox, and shows the same case state; a conflicting decision
// arriving later changes nothing.
func TestPeerCaseStepsReachEveryDesk(t *testing.T) {
	deskA, dbA := twoDeskCase(t, "a")
	deskB, dbB := twoDeskCase(t, "b")
	deskA.SetOfficer("王伟") // the day shift's leader
	if _, err := deskA.CaseAct("F", city.StepCaseAccept, "", desktest.ShT(13, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := deskA.CaseAct("F", city.StepCaseShelve, "待物业更换主机", desktest.ShT(13, 6)); err != nil {
		t.Fatal(err)
	}
	if err := dbA.Flush(); err != nil {
		t.Fatal(err)
	}
	stepsA, err := dbA.AlertSteps("F")
	if err != nil {
		t.Fatal(err)
	}
	var caseSteps []city.Step
	for _, s := range stepsA {
		if s.Kind == city.StepCaseAccept || s.Kind == city.StepCaseShelve {
			caseSteps = append(caseSteps, s)
		}
	}
	if len(caseSteps) != 2 {
		t.Fatalf("desk A holds %d case steps, want 2", len(caseSteps))
	}
	// the relay delivers each twice (a repeat after a reconnect), and A its own echo
	for range 2 {
		for _, s := range caseSteps {
			if err := deskB.PeerCaseStep(s); err != nil {
				t.Fatal(err)
			}
			if err := deskA.PeerCaseStep(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	// a reject that conflicts with the accepted case, from a third desk
	late := city.Step{Alert: "F", Kind: city.StepCaseReject, Officer: "王伟", Note: "误报", Time: desktest.ShT(13, 7)}
	if err := deskB.PeerCaseStep(late); err != nil {
		t.Fatal(err)
	}
	for _, db := range []*cache.DB{dbA, dbB} {
		if err := db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	ca, cb := deskA.Cases().Case("F"), deskB.Cases().Case("F")
	if ca.State != cb.State || ca.State != city.CaseAccepted || !ca.Shelved || !cb.Shelved ||
		cb.ShelvedBy != "王伟" || cb.ShelveReason != "待物业更换主机" || !cb.ShelvedAt.Equal(ca.ShelvedAt) {
		t.Errorf("case: desk A %+v, desk B %+v, want both accepted and shelved alike", ca, cb)
	}
	for name, db := range map[string]*cache.DB{"A": dbA, "B": dbB} {
		steps, err := db.AlertSteps("F")
		if err != nil {
			t.Fatal(err)
		}
		n := map[city.StepKind]int{}
		for _, s := range steps {
			n[s.Kind]++
		}
		if n[city.StepCaseAccept] != 1 || n[city.StepCaseShelve] != 1 || n[city.StepCaseReject] != 0 {
			t.Errorf("desk %s history: %v, want one accept, one shelve, no reject", name, n)
		}
	}
	pending, err := dbB.OutboxPending(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range pending {
		if it.Step.Kind == city.StepCaseAccept || it.Step.Kind == city.StepCaseShelve {
			t.Errorf("desk B queued desk A's %s in its own outbox", it.Step.Kind)
		}
	}
	// restarted, desk B still holds the case as shelved
	cases, err := dbB.Cases()
	if err != nil {
		t.Fatal(err)
	}
	if c := cases["F"]; c.State != city.CaseAccepted || !c.Shelved {
		t.Errorf("desk B's stored case: %+v, want accepted and shelved", c)
	}
}
