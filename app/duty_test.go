package app

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
)

// TestDutyMessagesReachFeedServer sends a duty-log entry, a sign-off and
// its acknowledgement and a case step through the outbox to a real feed
// server on loopback, which acknowledges each once.
func TestDutyMessagesReachFeedServer(t *testing.T) {
	var mu sync.Mutex
	var got []feeds.WireAction
	srv, addr := desktest.StartFeedServer(t, feeds.ServerConfig{Heartbeat: 200 * time.Millisecond, OnAction: func(a feeds.WireAction) {
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	}})
	now := time.Now()
	l := now.In(city.Shanghai)
	start := (city.Clock(l.Hour(), l.Minute()) + 21*60) % (24 * 60) // began three hours ago
	end := (start + 12*60) % (24 * 60)
	site := city.DefaultSiteConfig()
	site.Duty.Shifts = []city.Shift{
		{Name: "甲班", Start: start, End: end, Leader: "王伟"},
		{Name: "乙班", Start: end, End: start, Leader: "张强"},
	}
	rt, err := Start(context.Background(), Options{DataDir: filepath.Join(t.TempDir(), "data"), FeedURL: "ws://" + addr + feeds.StreamPath, Site: &site})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	rt.Desk.SetOfficer("王伟")
	if _, err := rt.Duty.Log("接报：南京东路施工噪声投诉", time.Now()); err != nil {
		t.Fatal(err)
	}
	h, err := rt.Duty.SignOff("无遗留", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rt.Desk.SetOfficer("张强")
	if _, err := rt.Duty.Acknowledge(h.Shift, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, 10*time.Second, "the duty messages to reach the server", func() bool {
		mu.Lock()
		defer mu.Unlock()
		n, _ := rt.Outbox.Pending()
		return len(got) == 3 && n == 0
	})
	mu.Lock()
	defer mu.Unlock()
	var kinds []string
	for _, a := range got {
		kinds = append(kinds, a.Step+"/"+a.Officer)
		if a.Step != feeds.StepDutyLog && a.Alert != h.Shift {
			t.Errorf("%s about %q, want the shift %q", a.Step, a.Alert, h.Shift)
		}
	}
	if want := []string{"duty_log/王伟", "duty_signoff/王伟", "duty_ack/张强"}; !slices.Equal(kinds, want) {
		t.Errorf("server received %v, want %v", kinds, want)
	}
	if st := srv.Stats(); st.Actions != 3 || st.ActionRepeats != 0 {
		t.Errorf("server stats %+v", st)
	}
}
