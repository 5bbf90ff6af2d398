package cache

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"onescreen/city"
)

// Cases, the roster, handovers, the duty log, outages and the duty outbox
// come back as stored from a real SQLite file, also after reopening it.
func TestDutyRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{Now: fixedClock(t0), manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	a := raisedAlert("H-3", city.FeedFire, city.CondHydrantPressure, at(0))
	submit(t, db, Batch{AlertChanges: []city.Change{change(a, step(a, city.StepRaise, city.SystemOfficer, a.Raised))}})
	c := city.Case{Alert: a.ID, State: city.CaseAccepted, DecidedBy: "王伟", Decided: at(time.Minute),
		Shelved: true, ShelvedBy: "王伟", ShelvedAt: at(2 * time.Minute), ShelveReason: "待管网改造", Escalated: at(3 * time.Minute)}
	if err := db.SaveCase(c); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveCase(city.Case{Alert: "no such alert"}); err == nil {
		t.Error("a case of an unknown alert was stored")
	}
	roster := []city.Shift{{Name: "白班", Start: city.Clock(8, 0), End: city.Clock(20, 0), Leader: "王伟", Officers: []string{"李娜"}}}
	if err := db.SaveRoster(roster, "王伟", at(0), &DutyAction{ID: "r1", Kind: "duty_roster", Subject: "roster", Officer: "王伟", Time: at(0), Note: "{}"}); err != nil {
		t.Fatal(err)
	}
	sum := city.ShiftSummary{From: at(0), To: at(12 * time.Hour), Opened: 4, Closed: 1, StillOpen: 3, Overdue: 1,
		Outages: []city.Outage{{Feed: city.FeedAir, From: at(time.Hour), To: at(2 * time.Hour), Reason: "connection refused"}},
		Rejects: map[string]int{"air": 2}, OverdueIDs: []string{a.ID}}
	h := city.Handover{Shift: "s1", Summary: sum, SignedBy: "王伟", Signed: at(12 * time.Hour), Note: "交班"}
	if err := db.SaveHandover(h, &DutyAction{ID: "h1", Kind: "duty_signoff", Subject: "s1", Officer: "王伟", Time: h.Signed}); err != nil {
		t.Fatal(err)
	}
	h.AckedBy, h.Acked, h.AckNote = "张强", at(12*time.Hour+time.Minute), "接班"
	if err := db.SaveHandover(h, &DutyAction{ID: "h2", Kind: "duty_ack", Subject: "s1", Officer: "张强", Time: h.Acked}); err != nil {
		t.Fatal(err)
	}
	e := city.DutyEntry{ID: "e1", Officer: "李娜", Time: at(3 * time.Hour), Shift: "s1", Text: "巡查外滩，无异常"}
	if err := db.AddDutyEntry(e, &DutyAction{ID: "e1", Kind: "duty_log", Subject: "s1", Officer: "李娜", Time: e.Time, Note: e.Text}); err != nil {
		t.Fatal(err)
	}
	if err := db.OutageBegan(city.FeedAir, at(time.Hour), "connection refused"); err != nil {
		t.Fatal(err)
	}
	if err := db.OutageBegan(city.FeedAir, at(90*time.Minute), "again"); err != nil { // already open: no second row
		t.Fatal(err)
	}
	if err := db.OutageEnded(city.FeedAir, at(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.OutageBegan(city.FeedWater, at(11*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	submit(t, db, Batch{Rejects: []Reject{{At: at(time.Hour), Feed: "air", Reason: "bad"}, {At: at(13 * time.Hour), Feed: "air", Reason: "bad"}}})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(dir, Options{Now: fixedClock(t0), manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cases, err := db.Cases()
	if err != nil || !reflect.DeepEqual(cases[a.ID], c) {
		t.Errorf("case = %+v, %v; want %+v", cases[a.ID], err, c)
	}
	gotRoster, ok, err := db.Roster()
	if err != nil || !ok || !reflect.DeepEqual(gotRoster, roster) {
		t.Errorf("roster = %+v %v %v", gotRoster, ok, err)
	}
	got, ok, err := db.Handover("s1")
	if err != nil || !ok {
		t.Fatalf("handover: %v %v", ok, err)
	}
	if got.AckedBy != "张强" || !got.Acked.Equal(h.Acked) || got.Note != "交班" || got.Summary.Overdue != 1 ||
		!got.Summary.Outages[0].To.Equal(sum.Outages[0].To) || got.Summary.Rejects["air"] != 2 {
		t.Errorf("handover = %+v", got)
	}
	log, err := db.DutyLog(at(0), at(24*time.Hour))
	if err != nil || len(log) != 1 || log[0].Text != e.Text || !log[0].Time.Equal(e.Time) {
		t.Errorf("duty log = %+v %v", log, err)
	}
	outs, err := db.Outages(at(90*time.Minute), at(12*time.Hour))
	if err != nil || len(outs) != 2 || outs[0].Reason != "connection refused" || !outs[1].To.IsZero() {
		t.Errorf("outages = %+v %v", outs, err)
	}
	if outs, _ := db.Outages(at(3*time.Hour), at(4*time.Hour)); len(outs) != 0 {
		t.Errorf("outages of a quiet hour = %+v", outs)
	}
	rej, err := db.RejectCountsBetween(at(0), at(12*time.Hour))
	if err != nil || rej["air"] != 1 {
		t.Errorf("rejects = %v %v", rej, err)
	}
	pend, err := db.DutyOutboxPending(0)
	if err != nil || len(pend) != 4 || pend[0].ID != "r1" || pend[3].Note != e.Text {
		t.Fatalf("duty outbox = %+v %v", pend, err)
	}
	if err := db.DutyOutboxAcked("h1", t0); err != nil {
		t.Fatal(err)
	}
	if err := db.DutyOutboxAcked("nope", t0); !errors.Is(err, ErrNoOutboxItem) {
		t.Errorf("ack of an unknown id: %v", err)
	}
	if pend, _ := db.DutyOutboxPending(0); len(pend) != 3 {
		t.Errorf("after ack: %d pending, want 3", len(pend))
	}
}

// Other desks' duty records: stored once, the newest roster wins whatever
// order the edits arrive in (the same time: the JSON that sorts last),
// the earlier of two sign-offs or acknowledgements holds, and none of them
// enters the duty outbox.
func TestPeerDutyRecords(t *testing.T) {
	db, err := Open(t.TempDir(), Options{Now: fixedClock(t0), manualRetention: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := city.DutyEntry{ID: "duty-e1", Officer: "王伟", Time: at(time.Minute), Shift: "s1", Text: "巡查完毕"}
	for i, want := range []bool{true, false} {
		if stored, err := db.PeerDutyEntry(e); err != nil || stored != want {
			t.Fatalf("entry, time %d: stored %v, %v", i+1, stored, err)
		}
	}
	if log, _ := db.DutyLog(time.Time{}, time.Time{}); len(log) != 1 || log[0] != e {
		t.Fatalf("duty log %+v", log)
	}

	shift := func(leader string) []city.Shift {
		return []city.Shift{{Name: "白班", Start: city.Clock(8, 0), End: city.Clock(20, 0), Leader: leader}}
	}
	for _, c := range []struct {
		leader string
		at     time.Time
		want   bool
	}{
		{"王伟", at(2 * time.Minute), true},
		{"张强", at(time.Minute), false}, // older, delivered late
		{"李娜", at(3 * time.Minute), true},
		{"赵敏", at(3 * time.Minute), true},  // the same time: "赵敏" sorts after "李娜"
		{"李娜", at(3 * time.Minute), false}, // and stays whatever the order
	} {
		if stored, err := db.PeerRoster(shift(c.leader), c.leader, c.at); err != nil || stored != c.want {
			t.Errorf("roster by %s at %v: stored %v (%v), want %v", c.leader, c.at, stored, err, c.want)
		}
	}
	if r, _, _ := db.RosterEdit(); r.By != "赵敏" || !r.At.Equal(at(3*time.Minute)) || r.Shifts[0].Leader != "赵敏" {
		t.Errorf("roster %+v", r)
	}

	sum := city.ShiftSummary{From: at(0), To: at(12 * time.Hour), Opened: 2}
	sign := func(by string, t0 time.Duration) city.Handover {
		return city.Handover{Shift: "s1", Summary: sum, SignedBy: by, Signed: at(t0), Note: by + "交班"}
	}
	if ok, err := db.PeerSignOff(sign("王伟", 12*time.Hour)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, _ := db.PeerAck("s1", "张强", at(12*time.Hour+5*time.Minute), "接班"); !ok {
		t.Fatal("the acknowledgement was not stored")
	}
	if ok, _ := db.PeerSignOff(sign("李娜", 12*time.Hour+time.Minute)); ok {
		t.Error("a later sign-off replaced the earlier")
	}
	if ok, _ := db.PeerSignOff(sign("赵敏", 12*time.Hour-time.Minute)); !ok {
		t.Error("an earlier sign-off did not replace the later")
	}
	if ok, _ := db.PeerAck("s1", "孙磊", at(12*time.Hour+6*time.Minute), "后接"); ok {
		t.Error("a later acknowledgement replaced the earlier")
	}
	if ok, _ := db.PeerAck("nothing signed", "孙磊", at(12*time.Hour), ""); ok {
		t.Error("an acknowledgement of a shift not signed off was stored")
	}
	h, _, _ := db.Handover("s1")
	if h.SignedBy != "赵敏" || h.Note != "赵敏交班" || h.AckedBy != "张强" || h.AckNote != "接班" || h.Summary.Opened != 2 {
		t.Errorf("handover %+v", h)
	}
	if p, _ := db.DutyOutboxPending(0); len(p) != 0 {
		t.Errorf("the duty outbox holds %d records of other desks", len(p))
	}
	if err := db.AddDutyEntry(city.DutyEntry{ID: "duty-own", Officer: "李娜", Time: at(time.Hour), Text: "本台"},
		&DutyAction{ID: "duty-own", Kind: "duty_log", Subject: "s1", Officer: "李娜", Time: at(time.Hour), Note: "本台"}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"duty-own": true, "duty-e1": false} {
		if own, err := db.DutyOutboxHolds(id); err != nil || own != want {
			t.Errorf("DutyOutboxHolds(%s) = %v, %v", id, own, err)
		}
	}
}
