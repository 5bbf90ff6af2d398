package ui

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/paulmach/orb"

	"onescreen/app"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
	"onescreen/widgets"
)

// walkObjects calls fn on o and everything drawn inside it.
func walkObjects(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	fn(o)
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			walkObjects(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			walkObjects(c, fn)
		}
	}
}

// overlayButton finds the visible button reading text on w's top overlay.
func overlayButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open on %q", w.Title())
	}
	var found *widget.Button
	walkObjects(top, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q on the dialog", text)
	}
	return found
}

// overlayText is every label's text on w's top overlay.
func overlayText(w fyne.Window) string {
	var sb strings.Builder
	walkObjects(w.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			sb.WriteString(l.Text + "\n")
		}
	})
	return sb.String()
}

// TestConsoleDutyBoardHandoverAndCaseSteps drives the 值班 window, the
// handover dialog and the case buttons in Chinese with Fyne's test driver,
// against a runtime whose outbox delivers to a loopback feed server.
func TestConsoleDutyBoardHandoverAndCaseSteps(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv, addr := desktest.StartFeedServer(t, feeds.ServerConfig{Heartbeat: 200 * time.Millisecond, OnAction: func(a feeds.WireAction) {
		mu.Lock()
		got = append(got, a.Step+"/"+a.Officer)
		mu.Unlock()
	}})
	det := city.Station{ID: "fire-smoke-901", Feed: city.FeedFire, Name: "测试烟感", Kind: city.KindSmokeDetector, Location: orb.Point{121.4853, 31.2381}}
	if err := srv.PutStation(det); err != nil {
		t.Fatal(err)
	}
	l := time.Now().In(city.Shanghai)
	start := (city.Clock(l.Hour(), l.Minute()) + 21*60) % (24 * 60)
	end := (start + 12*60) % (24 * 60)
	site := city.DefaultSiteConfig()
	site.Duty.Shifts = []city.Shift{
		{Name: "甲班", Start: start, End: end, Leader: "王伟", Officers: []string{"李娜"}},
		{Name: "乙班", Start: end, End: start, Leader: "张强"},
	}
	rt, err := app.Start(context.Background(), app.Options{DataDir: filepath.Join(t.TempDir(), "data"), FeedURL: "ws://" + addr + feeds.StreamPath, Site: &site})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, err := srv.Publish(city.Reading{Feed: city.FeedFire, Station: det.ID, Time: time.Now().Add(-time.Second), Event: city.EventAlarm,
		Values: []city.Measurement{{Param: city.ParamBattery, Value: 80, Unit: "%"}}}); err != nil {
		t.Fatal(err)
	}
	var alertID string
	testutil.WaitFor(t, 10*time.Second, "the fire alarm", func() bool {
		for _, v := range rt.Desk.Views(time.Now(), false) {
			if v.Alert.Station == det.ID {
				alertID = v.Alert.ID
				return true
			}
		}
		return false
	})
	c, _ := newTestConsole(t, rt)
	c.duty, c.data = rt.Duty, rt.DB
	row := func() widgets.AlertRow {
		apply(c, rt)
		c.panel.Select(alertID)
		r, ok := c.panel.SelectedAlert()
		if !ok {
			t.Fatal("the alert is not in the panel")
		}
		return r
	}

	// A duty officer gets no case buttons; the shift leader gets 立案 and 不予立案.
	rt.Desk.SetOfficer("李娜")
	if r := row(); len(r.CaseActions) != 0 || !strings.Contains(r.CaseText, "待立案") {
		t.Errorf("duty officer: case actions %v, text %q", r.CaseActions, r.CaseText)
	}
	rt.Desk.SetOfficer("王伟")
	if r := row(); !slices.Equal(r.CaseActions, []city.StepKind{city.StepCaseAccept, city.StepCaseReject}) {
		t.Errorf("shift leader: case actions %v", r.CaseActions)
	}
	c.caseAct(alertID, city.StepCaseAccept)
	if r := row(); !strings.Contains(r.CaseText, "已立案") || !strings.Contains(r.CaseText, "时限") || r.Overdue {
		t.Errorf("after 立案: text %q overdue %v", r.CaseText, r.Overdue)
	}
	c.caseAct(alertID, city.StepCaseShelve)
	c.caseReason.SetText("待物业更换烟感主机")
	test.Tap(overlayButton(t, c.win, "确定"))
	if r := row(); !strings.Contains(r.CaseText, "挂账") {
		t.Errorf("after 挂账: text %q", r.CaseText)
	}

	// The duty board: who is on duty, a log entry.
	c.ShowDutyWindow()
	b := c.board
	if !strings.Contains(b.onDuty.Text, "甲班") || !strings.Contains(b.onDuty.Text, "值班长 王伟") || !strings.Contains(b.you.Text, "王伟（值班长）") {
		t.Errorf("board: %q / %q", b.onDuty.Text, b.you.Text)
	}
	if len(b.shifts) != 2 || b.roster.Length() != 2 {
		t.Errorf("roster shows %d shifts", b.roster.Length())
	}
	b.entry.SetText("接报南京东路施工噪声，已转城管")
	var add *widget.Button
	walkObjects(b.win.Content(), func(o fyne.CanvasObject) {
		if bt, ok := o.(*widget.Button); ok && bt.Text == "记入值班日志" {
			add = bt
		}
	})
	test.Tap(add)
	if len(b.entries) != 1 || b.entries[0].Officer != "王伟" || b.entry.Text != "" {
		t.Errorf("duty log after adding: %+v", b.entries)
	}

	// Roster: an overlapping shift is refused with the roster unchanged; a
	// changed leader is saved and in force.
	fillShift := func(i int, texts ...string) {
		t.Helper()
		c.editShift(i)
		var entries []*widget.Entry
		walkObjects(b.win.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			if e, ok := o.(*widget.Entry); ok {
				entries = append(entries, e)
			}
		})
		if len(entries) != 5 {
			t.Fatalf("shift form has %d entries, want 5", len(entries))
		}
		for j, tx := range texts {
			if tx != "" {
				entries[j].SetText(tx)
			}
		}
		test.Tap(overlayButton(t, b.win, "保存"))
	}
	fillShift(-1, "加班", "10:00", "11:00", "王伟", "")
	if n := len(rt.Duty.Roster()); n != 2 {
		t.Errorf("an overlapping shift was saved: %d shifts", n)
	}
	if top := b.win.Canvas().Overlays().Top(); top == nil {
		t.Error("no error shown for an overlapping shift")
	} else {
		b.win.Canvas().Overlays().Remove(top)
	}
	fillShift(1, "", "", "", "张强", "赵敏、孙磊")
	if r := rt.Duty.Roster(); len(r) != 2 || !slices.Equal(r[1].Officers, []string{"赵敏", "孙磊"}) || b.roster.Length() != 2 {
		t.Errorf("roster after the edit: %+v", r)
	}

	// Handover: 王伟 signs off with a note; 王伟 cannot take over; 张强 does.
	c.ShowHandover()
	text := overlayText(b.win)
	for _, want := range []string{"交班班次", "甲班", "新增告警", "仍未关闭", "超期", "数据中断", "拒收的消息"} {
		if !strings.Contains(text, want) {
			t.Errorf("handover dialog lacks %q:\n%s", want, text)
		}
	}
	c.handoverNote.SetText("烟感 901 已挂账，待物业更换主机")
	test.Tap(overlayButton(t, b.win, "交班签字"))
	st, _ := rt.Duty.OnDuty(time.Now())
	h, ok, err := rt.Duty.Handover(st.ID())
	if err != nil || !ok || h.SignedBy != "王伟" || h.Summary.Opened != 1 || h.Summary.StillOpen != 1 {
		t.Fatalf("after sign-off: %+v %v %v", h, ok, err)
	}
	c.ShowHandover()
	if !strings.Contains(overlayText(b.win), "交班人 王伟") {
		t.Errorf("acknowledgement dialog does not say who signed off:\n%s", overlayText(b.win))
	}
	test.Tap(overlayButton(t, b.win, "接班确认"))
	if h, _, _ := rt.Duty.Handover(st.ID()); !h.Acked.IsZero() {
		t.Error("the officer who signed off took the shift over")
	}
	rt.Desk.SetOfficer("张强")
	c.ShowHandover()
	test.Tap(overlayButton(t, b.win, "接班确认"))
	if h, _, _ := rt.Duty.Handover(st.ID()); h.AckedBy != "张强" {
		t.Errorf("after 张强 took over: %+v", h)
	}

	testutil.WaitFor(t, 10*time.Second, "the steps and duty messages at the server", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 7
	})
	mu.Lock()
	defer mu.Unlock()
	want := []string{"raise/system", "case_accept/王伟", "case_shelve/王伟", "duty_log/王伟", "duty_roster/王伟", "duty_signoff/王伟", "duty_ack/张强"}
	if !slices.Equal(got, want) {
		t.Errorf("server received %v, want %v", got, want)
	}
}
