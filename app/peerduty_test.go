package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/nats-io/nats.go"

	"onescreen/app/desk"
	"onescreen/app/ui"
	"onescreen/assets"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
)

// dutyDesk is one screen of the duty tests: a desk, or the wall.
type dutyDesk struct {
	name, officer string
	dataDir       string
	rt            *Runtime
}

// TestDesksShareDutyRecords runs two duty desks and a read-only wall on
// one feed server. Desk A writes in the duty log, edits the roster and
// signs the shift off; desk B takes the shift over. Then every screen
// holds the same duty log (each entry once, under its author's id), the
// same roster (which the wall shows on duty) and the same handover with
// both parts; an older roster edit delivered late and two bad rosters
// change nothing (the bad ones are rejected and counted at every screen);
// no duty outbox holds another desk's message, the wall's none at all,
// and a replayed message stores nothing twice.
func TestDesksShareDutyRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	dir := t.TempDir()
	addr := testutil.FreeAddr(t)
	server := startStepServer(t, addr, filepath.Join(dir, "steps.jsonl"), nil)
	defer func() { server.stop(t) }()
	shareDutyRecords(t, dir, "ws://"+addr+feeds.StreamPath, func(a feeds.WireAction) { sendRaw(t, addr, a) }, true)
}

// shareDutyRecords is the duty test on the feed at url: inject delivers a
// message of a third desk; ownBack: a desk's own messages come back to it
// (the websocket relay; JetStream leaves them out by the desk header).
func shareDutyRecords(t *testing.T, dir, url string, inject func(feeds.WireAction), ownBack bool) {
	site := city.DefaultSiteConfig()
	site.Duty.Shifts = []city.Shift{{Name: "全天", Start: city.Clock(0, 0), End: city.Clock(0, 0), Leader: "王伟", Officers: []string{"李娜"}}}
	desks := []*dutyDesk{{name: "desk A", officer: "王伟"}, {name: "desk B", officer: "李娜"}, {name: "wall"}}
	for i, d := range desks {
		d.dataDir = filepath.Join(dir, fmt.Sprintf("data%d", i))
		s := site
		rt, err := Start(context.Background(), Options{DataDir: d.dataDir, FeedURL: url,
			MaxBackoff: 500 * time.Millisecond, Officer: d.officer, Site: &s, ReadOnly: d.officer == ""})
		if err != nil {
			t.Fatal(err)
		}
		d.rt = rt
		defer rt.Close()
	}
	A, B, wall := desks[0], desks[1], desks[2]

	// desk B has its duty window open
	console := testConsole(t, B.rt, ui.ConsoleOptions{})
	console.ShowDutyWindow()
	// and the wall shows who is on duty
	wallConsole := testConsole(t, wall.rt, ui.ConsoleOptions{Wall: true})
	applyNow(wallConsole, wall.rt)
	wallConsole.StartWall(time.Now())
	onDuty := func() string {
		applyNow(wallConsole, wall.rt)
		return wallConsole.WallOnDuty()
	}
	if on := onDuty(); !strings.Contains(on, "王伟") || strings.Contains(on, "赵敏") {
		t.Fatalf("the wall shows on duty %q before the roster edit", on)
	}

	// desk A writes in the duty log
	entry, err := A.rt.Duty.Log("  南京东路步行街人流密集，已通知黄浦公安分局  ", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range desks[1:] {
		testutil.WaitFor(t, 10*time.Second, d.name+" to show desk A's duty-log entry", func() bool {
			es, err := d.rt.Duty.LogBetween(entry.Time.Add(-time.Minute), entry.Time.Add(time.Minute))
			return err == nil && len(es) == 1 && es[0].ID == entry.ID && es[0].Officer == "王伟" && es[0].Time.Equal(entry.Time)
		})
	}
	applyNow(console, B.rt)
	if es := console.DutyWindowEntries(); len(es) != 1 || es[0].Officer != "王伟" || es[0].Text != entry.Text {
		t.Errorf("desk B's duty window does not show desk A's entry after the next snapshot: %+v", es)
	}

	// desk A edits the roster: a third officer joins the shift
	edited := []city.Shift{{Name: "全天", Start: city.Clock(0, 0), End: city.Clock(0, 0), Leader: "王伟", Officers: []string{"李娜", "赵敏"}}}
	rosterAt := time.Now()
	if err := A.rt.Duty.SetRoster(slices.Clone(edited), rosterAt); err != nil {
		t.Fatal(err)
	}
	for _, d := range desks[1:] {
		testutil.WaitFor(t, 10*time.Second, d.name+" to take desk A's roster", func() bool {
			r := d.rt.Duty.Roster()
			return len(r) == 1 && slices.Equal(r[0].Officers, edited[0].Officers)
		})
	}
	if on := onDuty(); !strings.Contains(on, "赵敏") {
		t.Errorf("the wall shows on duty %q, want the roster desk A edited (with 赵敏)", on)
	}
	if _, err := wall.rt.Duty.Log("墙上不能写", time.Now()); !errors.Is(err, desk.ErrReadOnly) {
		t.Errorf("the wall wrote in the duty log: %v", err)
	}
	if err := wall.rt.Duty.SetRoster(slices.Clone(site.Duty.Shifts), time.Now()); !errors.Is(err, desk.ErrReadOnly) {
		t.Errorf("the wall edited the roster: %v", err)
	}

	// an older edit from a third desk arrives late; two bad rosters arrive
	stale := feeds.WireAction{ID: "duty-stale-roster-0001", Alert: "roster", Step: feeds.StepDutyRoster, Officer: "张强",
		Time: rosterAt.Add(-time.Minute).In(city.Shanghai).Format(time.RFC3339Nano),
		Note: `[{"name":"全天","start":"00:00","end":"00:00","leader":"张强","officers":["孙磊"]}]`}
	unparsable := feeds.WireAction{ID: "duty-bad-roster-0001", Alert: "roster", Step: feeds.StepDutyRoster, Officer: "张强",
		Time: time.Now().In(city.Shanghai).Format(time.RFC3339Nano), Note: `白班 08:00-20:00 张强`}
	overlapping := feeds.WireAction{ID: "duty-bad-roster-0002", Alert: "roster", Step: feeds.StepDutyRoster, Officer: "张强",
		Time: time.Now().In(city.Shanghai).Format(time.RFC3339Nano),
		Note: `[{"name":"白班","start":"08:00","end":"20:00","leader":"张强","officers":null},{"name":"加班","start":"19:00","end":"21:00","leader":"孙磊","officers":null}]`}
	for _, a := range []feeds.WireAction{stale, unparsable, overlapping} {
		inject(a)
	}
	for _, d := range desks {
		testutil.WaitFor(t, 10*time.Second, d.name+" to refuse the two bad rosters and keep the newer one", func() bool {
			st := d.rt.Duty.PeerDutyStats()
			return st.Rejected == 2 && st.Stale == 1
		})
		if r := d.rt.Duty.Roster(); len(r) != 1 || !slices.Equal(r[0].Officers, edited[0].Officers) {
			t.Errorf("%s: the roster is %+v after the late and the bad edits, want desk A's", d.name, r)
		}
	}

	// desk A signs off; desk B takes over
	signed, err := A.rt.Duty.SignOff("消火栓压力低已派水务所", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, 10*time.Second, "desk B to hold desk A's sign-off", func() bool {
		h, ok, err := B.rt.Duty.Handover(signed.Shift)
		return err == nil && ok && h.SignedBy == "王伟"
	})
	acked, err := B.rt.Duty.Acknowledge(signed.Shift, "已接班", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range desks {
		testutil.WaitFor(t, 10*time.Second, d.name+" to hold the whole handover", func() bool {
			h, ok, err := d.rt.Duty.Handover(signed.Shift)
			return err == nil && ok && h.AckedBy == "李娜" && h.Acked.Equal(acked.Acked)
		})
	}
	for _, d := range desks[:2] {
		testutil.WaitFor(t, 10*time.Second, d.name+" to have its duty messages acknowledged by the server", func() bool {
			p, err := d.rt.DB.DutyOutboxPending(0)
			return err == nil && len(p) == 0
		})
	}
	time.Sleep(300 * time.Millisecond) // anything still on its way would show now

	// every screen holds the same records
	face := desktest.DutyFace(t, A.rt.DB)
	for _, d := range desks[1:] {
		if got := desktest.DutyFace(t, d.rt.DB); got != face {
			t.Errorf("%s holds\n%s\ndesk A holds\n%s", d.name, got, face)
		}
	}
	if strings.Count(face, "log ") != 1 || !strings.Contains(face, entry.ID) || !strings.Contains(face, "赵敏") ||
		!strings.Contains(face, "signed 王伟") || !strings.Contains(face, "acked 李娜") {
		t.Errorf("the duty records are not what the desks did:\n%s", face)
	}
	wantStats := map[string]desk.PeerDutyStats{
		"desk A": {Taken: 1, Own: 3, Stale: 1, Rejected: 2}, // takes the acknowledgement
		"desk B": {Taken: 3, Own: 1, Stale: 1, Rejected: 2}, // the entry, the roster, the sign-off
		"wall":   {Taken: 4, Stale: 1, Rejected: 2},
	}
	if !ownBack {
		for k, st := range wantStats {
			st.Own = 0
			wantStats[k] = st
		}
	}
	for _, d := range desks {
		if st := d.rt.Duty.PeerDutyStats(); st != wantStats[d.name] {
			t.Errorf("%s: duty messages from other desks %+v, want %+v", d.name, st, wantStats[d.name])
		}
	}

	// a replay (a restarted desk sent every step again) stores nothing twice
	logAction := feeds.WireAction{ID: entry.ID, Alert: entry.Shift, Step: feeds.StepDutyLog, Officer: entry.Officer,
		Time: entry.Time.In(city.Shanghai).Format(time.RFC3339Nano), Note: entry.Text}
	wall.rt.Ingest.PeerStep(logAction)
	wall.rt.Ingest.PeerStep(stale)
	if st := wall.rt.Duty.PeerDutyStats(); st.Repeats != 1 || st.Stale != 2 || st.Taken != 4 {
		t.Errorf("the wall after a replay: %+v", st)
	}
	if got := desktest.DutyFace(t, wall.rt.DB); got != face {
		t.Errorf("after a replay the wall holds\n%s\nwant\n%s", got, face)
	}

	// the rejects are stored with their reason
	testutil.WaitFor(t, 10*time.Second, "the wall to store the rejected rosters", func() bool {
		rs, err := wall.rt.DB.Rejects(100)
		if err != nil {
			return false
		}
		n := 0
		for _, r := range rs {
			if strings.Contains(r.Reason, "duty-bad-roster-0001") && strings.Contains(r.Reason, "does not parse") ||
				strings.Contains(r.Reason, "duty-bad-roster-0002") && strings.Contains(r.Reason, "overlaps") {
				n++
			}
		}
		return n == 2
	})

	for _, d := range desks {
		if err := d.rt.Close(); err != nil {
			t.Fatalf("%s: close: %v", d.name, err)
		}
	}
	for _, d := range desks {
		for _, o := range desktest.DutyOutboxOfficers(t, d.dataDir) {
			if o != d.officer {
				t.Errorf("%s queued a duty message of %q in its duty outbox", d.name, o)
			}
		}
	}
	if n := len(desktest.DutyOutboxOfficers(t, A.dataDir)); n != 3 {
		t.Errorf("desk A's duty outbox held %d messages, want its 3", n)
	}
	if n := len(desktest.DutyOutboxOfficers(t, wall.dataDir)); n != 0 {
		t.Errorf("the wall's duty outbox held %d messages", n)
	}
	if ownBack {
		return
	}

	// On JetStream the steps are read from the start at every start: desk A
	// restarted (under a new desk name) is sent its own messages and desk
	// B's again, and tells its own apart by the duty outbox, stores nothing
	// twice and keeps the newer roster.
	s := site
	rt, err := Start(context.Background(), Options{DataDir: A.dataDir, FeedURL: url, MaxBackoff: 500 * time.Millisecond, Officer: A.officer, Site: &s})
	if err != nil {
		t.Fatal(err)
	}
	A.rt = rt
	defer rt.Close()
	want := desk.PeerDutyStats{Own: 3, Repeats: 1, Stale: 1, Rejected: 2}
	testutil.WaitFor(t, 10*time.Second, "the restarted desk A to be sent the duty messages again", func() bool {
		return A.rt.Duty.PeerDutyStats() == want
	})
	time.Sleep(300 * time.Millisecond)
	if st := A.rt.Duty.PeerDutyStats(); st != want {
		t.Errorf("the restarted desk A: %+v, want %+v", st, want)
	}
	if got := desktest.DutyFace(t, A.rt.DB); got != face {
		t.Errorf("the restarted desk A holds\n%s\nwant\n%s", got, face)
	}
	if p, err := A.rt.DB.DutyOutboxPending(0); err != nil || len(p) != 0 {
		t.Errorf("the restarted desk A queued %d duty messages again (%v)", len(p), err)
	}
}

// TestJetStreamDesksShareDutyRecords is TestDesksShareDutyRecords with
// the desks on a nats-server: the duty messages travel on the steps
// subject, the third desk's with a desk header of its own.
func TestJetStreamDesksShareDutyRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	ns := testutil.StartNATS(t, 1)
	pub := newJSTicks(t, ns.URLs(), 1, time.Now().Add(-time.Minute).Truncate(time.Second))
	pub.ticks(t, 1)
	pub.flush(t)
	nc, err := nats.Connect(ns.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	steps := pub.pub.Subjects().StepsSubject
	inject := func(a feeds.WireAction) {
		b, err := feeds.Encode(feeds.Envelope{V: feeds.ProtocolVersion, Type: feeds.TypeAction, Action: &a})
		if err != nil {
			t.Fatal(err)
		}
		m := nats.NewMsg(steps)
		m.Data = b
		m.Header.Set(nats.MsgIdHdr, a.ID)
		m.Header.Set(feeds.DeskHeader, "desk-c")
		if err := nc.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	shareDutyRecords(t, t.TempDir(), ns.URLs(), inject, false)
}

// testConsole is a console on rt's data under Fyne's test driver, in
// Chinese, at 1600×900.
func testConsole(t *testing.T, rt *Runtime, o ui.ConsoleOptions) *ui.Console {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(assets.NewTheme())
	if err := ui.SetLanguage(ui.LangZH); err != nil {
		t.Fatal(err)
	}
	o.Site = rt.Opts.Site
	c, err := ui.NewConsole(a, rt.DB, o)
	if err != nil {
		t.Fatal(err)
	}
	c.Connect(ui.Parts{Data: rt.DB, Live: rt, Desk: rt.Desk, Duty: rt.Duty, Site: rt.Opts.Site})
	c.Window().Resize(fyne.NewSize(1600, 900))
	return c
}

// applyNow hands the console a snapshot of rt as it stands now.
func applyNow(c *ui.Console, rt *Runtime) {
	now := time.Now()
	s := ui.BuildSnapshot(rt.DB, rt.Status(), rt.AlertViews(now, false), now)
	c.Apply(&s)
}
