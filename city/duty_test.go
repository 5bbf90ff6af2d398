package city

import (
	"errors"
	"testing"
	"time"
)

func testRoster() []Shift {
	return []Shift{
		{Name: "白班", Start: Clock(8, 0), End: Clock(20, 0), Leader: "王伟", Officers: []string{"李娜"}},
		{Name: "夜班", Start: Clock(20, 0), End: Clock(8, 0), Leader: "张强", Officers: []string{"赵敏"}},
	}
}

func TestShiftAt(t *testing.T) {
	r := testRoster()
	for _, tc := range []struct {
		at       time.Time
		name     string
		from, to time.Time
	}{
		{sh(2026, 9, 22, 8, 0), "白班", sh(2026, 9, 22, 8, 0), sh(2026, 9, 22, 20, 0)},
		{sh(2026, 9, 22, 19, 59), "白班", sh(2026, 9, 22, 8, 0), sh(2026, 9, 22, 20, 0)},
		{sh(2026, 9, 22, 20, 0), "夜班", sh(2026, 9, 22, 20, 0), sh(2026, 9, 23, 8, 0)},
		{sh(2026, 9, 23, 3, 0), "夜班", sh(2026, 9, 22, 20, 0), sh(2026, 9, 23, 8, 0)},
		{sh(2026, 10, 1, 0, 0), "夜班", sh(2026, 9, 30, 20, 0), sh(2026, 10, 1, 8, 0)},
	} {
		got, ok := ShiftAt(r, tc.at)
		if !ok || got.Shift.Name != tc.name || !got.From.Equal(tc.from) || !got.To.Equal(tc.to) {
			t.Errorf("ShiftAt(%v) = %s %v–%v %v, want %s %v–%v", tc.at, got.Shift.Name, got.From, got.To, ok, tc.name, tc.from, tc.to)
		}
	}
	day24 := []Shift{{Name: "24小时值班", Start: Clock(8, 30), End: Clock(8, 30), Leader: "王伟"}}
	for _, tc := range []struct{ at, from time.Time }{
		{sh(2026, 9, 22, 8, 30), sh(2026, 9, 22, 8, 30)},
		{sh(2026, 9, 23, 8, 29), sh(2026, 9, 22, 8, 30)},
		{sh(2026, 9, 22, 23, 0), sh(2026, 9, 22, 8, 30)},
	} {
		got, ok := ShiftAt(day24, tc.at)
		if !ok || !got.From.Equal(tc.from) || got.To.Sub(got.From) != 24*time.Hour {
			t.Errorf("24-hour shift at %v: %v–%v %v", tc.at, got.From, got.To, ok)
		}
	}
	if errs := ValidateRoster(append(day24, Shift{Name: "夜班", Start: Clock(20, 0), End: Clock(8, 0)})); len(errs) != 1 {
		t.Errorf("a shift beside a 24-hour shift: %v, want an overlap", errs)
	}
	if _, ok := ShiftAt(r[:1], sh(2026, 9, 22, 21, 0)); ok {
		t.Error("a time no shift covers found a shift")
	}
	st, _ := ShiftAt(r, sh(2026, 9, 22, 9, 0))
	if st.ID() != "2026-09-22T08:00:00+08:00|白班" {
		t.Errorf("ID = %q", st.ID())
	}
	if st.Shift.RoleIn("王伟") != RoleLeader || st.Shift.RoleIn("李娜") != RoleOfficer || !st.Shift.OnShift("李娜") || st.Shift.OnShift("张强") {
		t.Error("roles")
	}
}

func TestValidateRoster(t *testing.T) {
	if errs := ValidateRoster(testRoster()); len(errs) != 0 {
		t.Fatal(errs)
	}
	bad := append(testRoster(), Shift{Name: "白班", Start: Clock(12, 0), End: Clock(14, 0)}, Shift{Name: "", Start: Clock(1, 0), End: Clock(25*60, 0)})
	if errs := ValidateRoster(bad); len(errs) != 4 { // 白班 twice, overlap, empty name, bad time
		t.Errorf("got %d errors, want 4: %v", len(errs), errs)
	}
}

func TestSummarize(t *testing.T) {
	from, to := sh(2026, 9, 22, 8, 0), sh(2026, 9, 22, 20, 0)
	cs := DefaultCaseSettings()
	fireOld := caseAlert(CondFireAlarm, FeedFire, from.Add(-2*time.Hour)) // open, overdue
	fireOld.ID = "old"
	closedIn := caseAlert(CondAQI, FeedAir, from.Add(time.Hour))
	closedIn.ID, closedIn.State, closedIn.Closed = "closed-in", StateClosed, from.Add(3*time.Hour)
	closedLater := caseAlert(CondFireAlarm, FeedFire, from.Add(2*time.Hour))
	closedLater.ID, closedLater.State, closedLater.Closed = "closed-later", StateClosed, to.Add(time.Hour)
	shelved := caseAlert(CondFireAlarm, FeedFire, from.Add(time.Hour))
	shelved.ID = "shelved"
	resolvedLate := caseAlert(CondFireAlarm, FeedFire, from.Add(4*time.Hour)) // overdue at the end, resolved after it
	resolvedLate.ID, resolvedLate.State, resolvedLate.Resolved = "resolved-late", StateResolved, to.Add(time.Hour)
	resolvedIn := caseAlert(CondFireAlarm, FeedFire, from.Add(4*time.Hour)) // resolved within the shift: disposed of
	resolvedIn.ID, resolvedIn.State, resolvedIn.Resolved = "resolved-in", StateResolved, from.Add(5*time.Hour)
	after := caseAlert(CondFireAlarm, FeedFire, to.Add(time.Minute))
	cases := map[string]Case{"shelved": {State: CaseAccepted, Shelved: true}}
	outages := []Outage{
		{Feed: FeedAir, From: from.Add(-time.Hour), To: from.Add(time.Hour)},
		{Feed: FeedWater, From: to.Add(-time.Hour)},
		{Feed: FeedNoise, From: from.Add(-3 * time.Hour), To: from.Add(-2 * time.Hour)},
	}
	s := Summarize(from, to, []Alert{fireOld, closedIn, closedLater, shelved, resolvedLate, resolvedIn, after}, cases, cs, outages, map[string]int{"air": 3, "fire": 0})
	if s.Opened != 5 || s.Closed != 1 || s.StillOpen != 5 || s.Overdue != 3 {
		t.Errorf("opened %d closed %d open %d overdue %d, want 5 1 5 3", s.Opened, s.Closed, s.StillOpen, s.Overdue)
	}
	if len(s.OverdueIDs) != 3 || s.OverdueIDs[0] != "closed-later" || s.OverdueIDs[1] != "old" || s.OverdueIDs[2] != "resolved-late" {
		t.Errorf("overdue IDs %v", s.OverdueIDs)
	}
	if len(s.Outages) != 2 || !s.Outages[0].From.Equal(from) || s.Outages[0].Feed != FeedAir || !s.Outages[1].To.IsZero() {
		t.Errorf("outages %+v", s.Outages)
	}
	if len(s.Rejects) != 1 || s.Rejects["air"] != 3 {
		t.Errorf("rejects %v", s.Rejects)
	}
}

func TestHandover(t *testing.T) {
	t0 := sh(2026, 9, 22, 19, 55)
	h := Handover{Shift: "x"}
	if _, err := h.Acknowledge("张强", "", t0); !errors.Is(err, ErrBadStep) {
		t.Errorf("ack before sign-off: %v", err)
	}
	h, err := h.SignOff("王伟", "消火栓 H-3 压力低，已派", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.SignOff("王伟", "", t0); !errors.Is(err, ErrHandoverSigned) {
		t.Errorf("second sign-off: %v", err)
	}
	if _, err := h.Acknowledge("王伟", "", t0.Add(time.Minute)); !errors.Is(err, ErrHandoverSelf) {
		t.Errorf("self ack: %v", err)
	}
	if _, err := h.Acknowledge("张强", "", t0.Add(-time.Minute)); err == nil {
		t.Error("ack before the sign-off time accepted")
	}
	h, err = h.Acknowledge(" 张强 ", "收到", t0.Add(5*time.Minute))
	if err != nil || h.AckedBy != "张强" {
		t.Fatalf("ack: %+v %v", h, err)
	}
	if _, err := h.Acknowledge("赵敏", "", t0.Add(6*time.Minute)); err == nil {
		t.Error("second ack accepted")
	}
	if CheckDutyText("entry", "  ") == nil || CheckDutyText("entry", string(make([]byte, MaxDutyText+1))) == nil || CheckDutyText("entry", "巡查") != nil {
		t.Error("CheckDutyText")
	}
}
