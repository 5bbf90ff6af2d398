package ingest

import (
	"path/filepath"
	"testing"
	"time"

	"onescreen/app/desk"
	"onescreen/cache"
	"onescreen/feeds"
	"onescreen/internal/desktest"
)

// TestPeerAcknowledgementBeforeItsSignOff: an acknowledgement that reaches
// a desk before its sign-off waits for it, and the handover is whole once
// the sign-off arrives; a later second sign-off of the shift changes
// nothing, an earlier one (or an earlier acknowledgement) takes its place.
func TestPeerAcknowledgementBeforeItsSignOff(t *testing.T) {
	cfg := desktest.DutySite()
	db, err := cache.Open(filepath.Join(t.TempDir(), "data"), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dk, err := desk.NewAlertDesk(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	duty, err := desk.NewDutyDesk(db, cfg, dk)
	if err != nil {
		t.Fatal(err)
	}
	in, err := NewIngest(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	in.OnPeerStep(dk.PeerStep)
	in.OnPeerDuty(duty.PeerDuty)
	shift := desktest.ShT(8, 0).Format(time.RFC3339) + "|白班"
	wire := func(id, step, officer string, at time.Time, team, note string) feeds.WireAction {
		return feeds.WireAction{ID: id, Alert: shift, Step: step, Officer: officer, Time: at.Format(time.RFC3339Nano), Team: team, Note: note}
	}
	ack := wire("duty-ack-1", feeds.StepDutyAck, "张强", desktest.ShT(20, 5), "", "已接班")
	in.PeerStepAt(ack, feeds.Cursor{Epoch: "e1", After: 7})
	if st := duty.PeerDutyStats(); st.Waiting != 1 || st.Taken != 0 {
		t.Fatalf("the acknowledgement before its sign-off: %+v", st)
	}
	if _, found, _ := db.Handover(shift); found {
		t.Fatal("an acknowledgement alone made a handover")
	}
	in.PeerStepAt(wire("duty-sign-1", feeds.StepDutySignOff, "王伟", desktest.ShT(20, 1), "opened=4 closed=1 open=3 overdue=2 outages=5 rejects=3", "交接"),
		feeds.Cursor{Epoch: "e1", After: 8})
	in.PeerStepAt(wire("duty-sign-2", feeds.StepDutySignOff, "李娜", desktest.ShT(20, 2), "opened=0 closed=0 open=0 overdue=0 outages=0 rejects=0", ""),
		feeds.Cursor{Epoch: "e1", After: 9})
	h, found, err := db.Handover(shift)
	if err != nil || !found {
		t.Fatalf("no handover after the sign-off: %v", err)
	}
	if h.SignedBy != "王伟" || !h.Signed.Equal(desktest.ShT(20, 1)) || h.Note != "交接" || h.AckedBy != "张强" || !h.Acked.Equal(desktest.ShT(20, 5)) || h.AckNote != "已接班" {
		t.Errorf("handover %+v", h)
	}
	s := h.Summary
	if !s.From.Equal(desktest.ShT(8, 0)) || !s.To.Equal(desktest.ShT(20, 0)) || s.Opened != 4 || s.Closed != 1 || s.StillOpen != 3 || s.Overdue != 2 || s.OutageCount != 5 || s.RejectCount != 3 {
		t.Errorf("summary %+v", s)
	}
	if st := duty.PeerDutyStats(); st != (desk.PeerDutyStats{Taken: 2, Stale: 1}) {
		t.Errorf("stats %+v", st)
	}

	// two sign-offs and two acknowledgements of the shift (desks cut off
	// from each other): the earlier of each holds at every dk, whatever
	// the order they arrive in
	in.PeerStep(wire("duty-sign-3", feeds.StepDutySignOff, "赵敏", desktest.ShT(20, 0).Add(30*time.Second), "opened=1 closed=0 open=1 overdue=0 outages=0 rejects=0", "早交"))
	in.PeerStep(wire("duty-ack-2", feeds.StepDutyAck, "孙磊", desktest.ShT(20, 3), "", "先接"))
	in.PeerStep(wire("duty-ack-3", feeds.StepDutyAck, "周杰", desktest.ShT(20, 4), "", "后接"))
	h, _, _ = db.Handover(shift)
	if h.SignedBy != "赵敏" || h.Note != "早交" || h.Summary.Opened != 1 || h.AckedBy != "孙磊" || !h.Acked.Equal(desktest.ShT(20, 3)) || h.AckNote != "先接" {
		t.Errorf("after the conflicting sign-offs and acknowledgements: %+v", h)
	}
	if st := duty.PeerDutyStats(); st != (desk.PeerDutyStats{Taken: 4, Stale: 2}) {
		t.Errorf("stats %+v", st)
	}
	in.mu.Lock()
	waiting := len(in.steps.waiting)
	in.mu.Unlock()
	if waiting != 0 {
		t.Errorf("the step cursor still waits for %d duty messages", waiting)
	}
	if p, err := db.DutyOutboxPending(0); err != nil || len(p) != 0 {
		t.Errorf("the duty outbox holds %d messages of other desks (%v)", len(p), err)
	}
}
