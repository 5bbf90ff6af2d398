package desk

import (
	"bytes"
	"encoding/csv"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"onescreen/app/export"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/desktest"
)

// TestShiftHandoverFromSignOffToAcknowledgement takes the day shift of a
// Tuesday from its sign-off to the night shift's acknowledgement, with
// alerts, a case put on the books, rejected messages, a feed outage and a
// duty-log entry, and checks every number of the summary.
func TestShiftHandoverFromSignOffToAcknowledgement(t *testing.T) {
	cfg := desktest.DutySite()
	db, err := cache.Open(filepath.Join(t.TempDir(), "data"), cache.Options{Now: func() time.Time { return desktest.ShT(20, 0) }}) // retention by the test's clock
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	old := desktest.DutyAlert("A", city.FeedFire, city.CondFireAlarm, desktest.ShT(7, 0)) // before the shift, open, overdue (0.5 h)
	done := desktest.DutyAlert("B", city.FeedAir, city.CondAQI, desktest.ShT(9, 0))       // raised and closed in the shift
	done.State, done.Closed, done.ClosedBy, done.Updated = city.StateClosed, desktest.ShT(11, 0), "王伟", desktest.ShT(11, 0)
	hyd := desktest.DutyAlert("C", city.FeedFire, city.CondHydrantPressure, desktest.ShT(10, 0)) // 4 working hours: due 14:00, overdue
	water := desktest.DutyAlert("D", city.FeedWater, city.CondWaterClass, desktest.ShT(12, 0))   // 24 working hours: not yet due
	shelved := desktest.DutyAlert("E", city.FeedFire, city.CondFireAlarm, desktest.ShT(13, 0))   // overdue, but put on the books
	var ch []city.Change
	for _, a := range []city.Alert{old, done, hyd, water, shelved} {
		ch = append(ch, city.Change{Alert: a, Step: city.Step{Alert: a.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Time: a.Raised}})
	}
	if err := db.Submit(cache.Batch{AlertChanges: ch, Rejects: []cache.Reject{
		{At: desktest.ShT(9, 30), Feed: "air", Reason: "bad"}, {At: desktest.ShT(9, 31), Feed: "air", Reason: "bad"},
		{At: desktest.ShT(10, 0), Feed: "noise", Reason: "bad"}, {At: desktest.ShT(21, 0), Feed: "air", Reason: "after the shift"},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	desk, err := NewAlertDesk(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	duty, err := NewDutyDesk(db, cfg, desk)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s  feeds.ConnState
		at time.Time
	}{{feeds.Connected, desktest.ShT(8, 0)}, {feeds.Disconnected, desktest.ShT(15, 0)}, {feeds.Connecting, desktest.ShT(15, 1)}, {feeds.Connected, desktest.ShT(15, 20)}} {
		if err := duty.ConnState(c.s, c.at); err != nil {
			t.Fatal(err)
		}
	}

	desk.SetOfficer("李娜")
	if _, err := desk.CaseAct("E", city.StepCaseAccept, "", desktest.ShT(13, 5)); !errors.Is(err, city.ErrNotLeader) {
		t.Fatalf("立案 by a duty officer: %v, want ErrNotLeader", err)
	}
	if _, err := duty.Log("巡查外滩观景平台，人流正常", desktest.ShT(10, 30)); err != nil {
		t.Fatal(err)
	}
	desk.SetOfficer("王伟")
	if _, err := desk.CaseAct("E", city.StepCaseAccept, "", desktest.ShT(13, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.CaseAct("E", city.StepCaseShelve, "", desktest.ShT(13, 6)); !errors.Is(err, city.ErrCaseReason) {
		t.Fatalf("挂账 without a reason: %v", err)
	}
	if _, err := desk.CaseAct("E", city.StepCaseShelve, "待物业更换主机", desktest.ShT(13, 6)); err != nil {
		t.Fatal(err)
	}
	if v := desk.Views(desktest.ShT(19, 0), false); len(v) != 4 {
		t.Fatalf("%d open alerts, want 4", len(v))
	} else {
		for _, a := range v {
			want := a.Alert.ID == "A" || a.Alert.ID == "C"
			if a.Case.Overdue != want {
				t.Errorf("alert %s overdue %v, want %v", a.Alert.ID, a.Case.Overdue, want)
			}
		}
	}
	esc, err := desk.CaseTick(desktest.ShT(19, 0))
	if err != nil || len(esc) != 2 {
		t.Fatalf("escalated %d (%v), want 2", len(esc), err)
	}
	if again, _ := desk.CaseTick(desktest.ShT(19, 1)); len(again) != 0 {
		t.Errorf("escalated again: %d", len(again))
	}

	h, err := duty.SignOff("消火栓 C 压力低已派水务所，烟感 E 挂账", desktest.ShT(19, 50))
	if err != nil {
		t.Fatal(err)
	}
	s := h.Summary
	if s.Opened != 4 || s.Closed != 1 || s.StillOpen != 4 || s.Overdue != 2 {
		t.Errorf("summary opened %d closed %d open %d overdue %d; want 4 1 4 2", s.Opened, s.Closed, s.StillOpen, s.Overdue)
	}
	if !slices.Equal(s.OverdueIDs, []string{"A", "C"}) {
		t.Errorf("overdue %v, want [A C]", s.OverdueIDs)
	}
	if s.Rejects["air"] != 2 || s.Rejects["noise"] != 1 || len(s.Rejects) != 2 {
		t.Errorf("rejects %v, want air 2 and noise 1", s.Rejects)
	}
	if len(s.Outages) != len(city.Feeds) || !s.Outages[0].From.Equal(desktest.ShT(15, 0)) || !s.Outages[0].To.Equal(desktest.ShT(15, 20)) {
		t.Errorf("outages %+v, want every feed 15:00–15:20", s.Outages)
	}
	if _, err := duty.SignOff("", desktest.ShT(19, 55)); !errors.Is(err, city.ErrHandoverSigned) {
		t.Errorf("second sign-off: %v", err)
	}
	if _, err := duty.Acknowledge(h.Shift, "", desktest.ShT(20, 5)); !errors.Is(err, city.ErrHandoverSelf) {
		t.Errorf("acknowledged by the officer who signed off: %v", err)
	}
	desk.SetOfficer("李娜")
	if _, err := duty.Acknowledge(h.Shift, "", desktest.ShT(20, 5)); !errors.Is(err, city.ErrBadStep) {
		t.Errorf("acknowledged by an officer of the outgoing shift: %v", err)
	}
	desk.SetOfficer("张强")
	if got, ok, _ := duty.Outgoing(desktest.ShT(20, 5)); !ok || got.ID() != h.Shift {
		t.Errorf("outgoing at 20:05 = %s, want the day shift", got.ID())
	}
	if _, err := duty.Acknowledge(h.Shift, "收到，继续跟踪 C", desktest.ShT(20, 5)); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := duty.Outgoing(desktest.ShT(20, 10)); !ok || got.Shift.Name != "夜班" {
		t.Errorf("outgoing after the acknowledgement = %s, want the night shift", got.ID())
	}
	if duty.Role("张强", desktest.ShT(21, 0)) != city.RoleLeader || duty.Role("王伟", desktest.ShT(23, 0)) != city.RoleOfficer {
		t.Error("roles from the roster")
	}
	stored, ok, err := db.Handover(h.Shift)
	if err != nil || !ok || stored.AckedBy != "张强" || stored.SignedBy != "王伟" || stored.Summary.Overdue != 2 {
		t.Errorf("stored handover %+v %v %v", stored, ok, err)
	}
	pend, err := db.DutyOutboxPending(0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range pend {
		kinds = append(kinds, p.Kind+"/"+p.Officer)
	}
	if want := []string{"duty_log/李娜", "duty_signoff/王伟", "duty_ack/张强"}; !slices.Equal(kinds, want) {
		t.Errorf("duty outbox %v, want %v", kinds, want)
	}
	if pend[1].Team != "opened=4 closed=1 open=4 overdue=2 outages=5 rejects=3" {
		t.Errorf("sign-off counts on the wire %q", pend[1].Team)
	}
	steps, err := db.AlertSteps("E")
	if err != nil {
		t.Fatal(err)
	}
	var ek []city.StepKind
	for _, s := range steps {
		ek = append(ek, s.Kind)
	}
	if !slices.Equal(ek, []city.StepKind{city.StepRaise, city.StepCaseAccept, city.StepCaseShelve}) {
		t.Errorf("history of E %v", ek)
	}

	var buf bytes.Buffer
	if err := export.ExportHandovers(db, desktest.ShT(0, 0), desktest.ShT(23, 0), &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("handover CSV %q %v", rows, err)
	}
	r := rows[1]
	if r[0] != h.Shift || r[3] != "4" || r[4] != "1" || r[5] != "4" || r[6] != "2" || r[7] != "A; C" ||
		!strings.HasPrefix(r[8], "air 2026-09-22T15:00:00.000+08:00/2026-09-22T15:20:00.000+08:00") || r[9] != "air=2; noise=1" ||
		r[10] != "王伟" || r[11] != "2026-09-22T19:50:00.000+08:00" || r[13] != "张强" || r[15] != "收到，继续跟踪 C" {
		t.Errorf("handover row %q", r)
	}
	buf.Reset()
	if err := export.ExportDutyLog(db, time.Time{}, time.Time{}, &buf); err != nil {
		t.Fatal(err)
	}
	rows, err = csv.NewReader(&buf).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "2026-09-22T10:30:00.000+08:00" || rows[1][1] != "李娜" || rows[1][3] != "巡查外滩观景平台，人流正常" {
		t.Errorf("duty log CSV %q %v", rows, err)
	}
}

// TestRejectedReportCloses: 不予立案 closes a report whose condition has
// ended at once, and keeps one whose condition holds open (not overdue).
func TestRejectedReportCloses(t *testing.T) {
	cfg := desktest.DutySite()
	db, err := cache.Open(filepath.Join(t.TempDir(), "data"), cache.Options{Now: func() time.Time { return desktest.ShT(20, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ended := desktest.DutyAlert("F", city.FeedFire, city.CondFireAlarm, desktest.ShT(9, 0))
	ended.Severity, ended.Cleared = city.SeverityCritical, desktest.ShT(9, 2)
	holding := desktest.DutyAlert("G", city.FeedFire, city.CondHydrantPressure, desktest.ShT(9, 0))
	var ch []city.Change
	for _, a := range []city.Alert{ended, holding} {
		ch = append(ch, city.Change{Alert: a, Step: city.Step{Alert: a.ID, Kind: city.StepRaise, Officer: city.SystemOfficer, Time: a.Raised}})
	}
	if err := db.Submit(cache.Batch{AlertChanges: ch}); err != nil {
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
	desk.SetOfficer("王伟")
	for _, id := range []string{"F", "G"} {
		if _, err := desk.CaseAct(id, city.StepCaseReject, "误报：厨房油烟", desktest.ShT(9, 5)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := desk.CaseTick(desktest.ShT(19, 0)); err != nil {
		t.Fatal(err)
	}
	views := desk.Views(desktest.ShT(19, 0), false)
	if len(views) != 1 || views[0].Alert.ID != "G" || views[0].Case.Overdue || views[0].Case.Case.State != city.CaseRejected {
		t.Fatalf("open after the rejections: %+v", views)
	}
	as, err := db.Alerts(cache.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.ID == "F" && (a.State != city.StateClosed || a.ClosedBy != "王伟") {
			t.Errorf("rejected report F stored as %s by %q, want closed by 王伟", a.State, a.ClosedBy)
		}
	}
	steps, _ := db.AlertSteps("F")
	if len(steps) != 2 || steps[1].Kind != city.StepCaseReject || steps[1].Note != "误报：厨房油烟" {
		t.Errorf("history of F: %+v", steps)
	}

	// Another desk's comment on the rejected report, here and on a desk
	// rebuilt from the cache, leaves it closed: the rejection is part of
	// the alert's fold, not a close the next fold forgets.
	comment := func(d *AlertDesk, at time.Time) {
		t.Helper()
		ch, _, err := d.PeerStep(city.Step{Alert: "F", Kind: city.StepComment, Officer: "李娜", Note: "已复核", Time: at})
		if err != nil {
			t.Fatal(err)
		}
		if len(ch) == 0 || ch[0].Alert.State != city.StateClosed || ch[0].Alert.ClosedBy != "王伟" {
			t.Errorf("after a peer's comment the rejected report is %+v, want closed by 王伟", ch)
		}
		for _, v := range d.Views(at, false) {
			if v.Alert.ID == "F" {
				t.Errorf("the rejected report is open again after a peer's comment: %s", v.Alert.State)
			}
		}
	}
	comment(desk, desktest.ShT(19, 1))
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	again, err := NewAlertDesk(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	comment(again, desktest.ShT(19, 2))
}
