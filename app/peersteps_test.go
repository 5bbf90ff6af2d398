package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/paulmach/orb"

	"onescreen/app/desk"
	"onescreen/app/ingest"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
)

// stepServer is a feed server with a step log file on a fixed loopback
// address, so that it can be stopped and started again in its place.
type stepServer struct {
	srv  *feeds.Server
	hs   *http.Server
	log  *feeds.StepLog
	done chan struct{}
}

func startStepServer(t *testing.T, addr, logPath string, stations []city.Station) *stepServer {
	t.Helper()
	log, err := feeds.OpenStepLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := feeds.NewServer(feeds.ServerConfig{Heartbeat: 200 * time.Millisecond, Steps: log})
	for _, st := range stations {
		if err := srv.PutStation(st); err != nil {
			t.Fatal(err)
		}
	}
	var ln net.Listener
	for i := 0; i < 100; i++ {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s := &stepServer{srv: srv, hs: &http.Server{Handler: srv}, log: log, done: make(chan struct{})}
	go func() { defer close(s.done); _ = s.hs.Serve(ln) }()
	return s
}

func (s *stepServer) stop(t *testing.T) {
	t.Helper()
	_ = s.hs.Close()
	<-s.done
	if err := s.srv.Close(); err != nil {
		t.Error(err)
	}
	if err := s.log.Close(); err != nil {
		t.Error(err)
	}
}

// alertFace is what an officer reads of an alert on any desk.
type alertFace struct {
	ID, State, Severity                     string
	AckBy, Team, DispBy, ResBy, VerBy, ClBy string
	Ack, Disp, Res, Ver, Cl, Raised         int64
	Updated                                 int64
}

func faceOf(a city.Alert) alertFace {
	ns := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.UnixNano()
	}
	return alertFace{ID: a.ID, State: string(a.State), Severity: a.Severity.String(),
		AckBy: a.AcknowledgedBy, Team: a.Team, DispBy: a.DispatchedBy, ResBy: a.ResolvedBy, VerBy: a.VerifiedBy, ClBy: a.ClosedBy,
		Ack: ns(a.Acknowledged), Disp: ns(a.Dispatched), Res: ns(a.Resolved), Ver: ns(a.Verified), Cl: ns(a.Closed),
		Raised: ns(a.Raised), Updated: ns(a.Updated)}
}

// deskFaces is every alert a desk shows, by id.
func deskFaces(rt *Runtime) map[string]alertFace {
	out := map[string]alertFace{}
	for _, v := range rt.Desk.Views(time.Now(), true) {
		out[v.Alert.ID] = faceOf(v.Alert)
	}
	return out
}

// stepKey is a step's content, as an officer reads it in the history.
func stepKey(s city.Step) string {
	return fmt.Sprintf("%s %s %s team=%q note=%q %d", s.Alert, s.Kind, s.Officer, s.Team, s.Note, s.Time.UnixNano())
}

// TestDesksShareOneAlertState runs two duty desks and a passive wall on one
// feed server with a step log. Officers act on both desks while every link
// is cut (two of them acknowledge the same alert), an acknowledgement is
// lost on the way back, the server restarts, and the wall comes back only
// after a new alert it has not seen yet was acknowledged elsewhere. Then
// every desk shows every alert identically (state, who, when, team), each
// step is stored exactly once on each desk and once in the server's log,
// and no desk queued another desk's step in its outbox. Both desks also
// write in the duty log during the cut: every desk holds both entries once,
// and the restarted wall is not sent them again.
func TestDesksShareOneAlertState(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	dir := t.TempDir()
	addr := testutil.FreeAddr(t)
	logPath := filepath.Join(dir, "steps.jsonl")
	var dets []city.Station
	for i := 1; i <= 4; i++ {
		dets = append(dets, city.Station{ID: fmt.Sprintf("fire-smoke-91%d", i), Feed: city.FeedFire, Name: fmt.Sprintf("测试烟感%d", i),
			Kind: city.KindSmokeDetector, Location: orb.Point{121.4853 + float64(i)/1000, 31.2381}})
	}
	server := startStepServer(t, addr, logPath, dets)
	defer func() { server.stop(t) }()

	type deskRun struct {
		name, officer string
		proxy         *testutil.Proxy
		dataDir       string
		rt            *Runtime
	}
	desks := []*deskRun{{name: "desk A", officer: "王伟"}, {name: "desk B", officer: "李娜"}, {name: "wall"}}
	for i, d := range desks {
		d.proxy = testutil.NewProxy(t, addr)
		d.dataDir = filepath.Join(dir, fmt.Sprintf("data%d", i))
		rt, err := Start(context.Background(), Options{DataDir: d.dataDir, FeedURL: "ws://" + d.proxy.Addr + feeds.StreamPath,
			MaxBackoff: 500 * time.Millisecond, Officer: d.officer})
		if err != nil {
			t.Fatal(err)
		}
		d.rt = rt
		defer rt.Close()
	}
	A, B, wall := desks[0], desks[1], desks[2]

	alarm := func(srv *feeds.Server, det city.Station, at time.Time) {
		t.Helper()
		if _, err := srv.Publish(city.Reading{Feed: city.FeedFire, Station: det.ID, Time: at, Event: city.EventAlarm,
			Values: []city.Measurement{{Param: city.ParamBattery, Value: 80, Unit: "%"}}}); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now().Add(-2 * time.Second)
	for i, det := range dets[:3] {
		alarm(server.srv, det, t0.Add(time.Duration(i)*time.Millisecond))
	}
	alertOf := func(d *deskRun, station string) (city.Alert, bool) {
		for _, v := range d.rt.Desk.Views(time.Now(), true) {
			if v.Alert.Station == station {
				return v.Alert, true
			}
		}
		return city.Alert{}, false
	}
	ids := make([]string, 3)
	for _, d := range desks {
		testutil.WaitFor(t, 10*time.Second, d.name+" to raise the three fire alarms", func() bool { return len(d.rt.Desk.Views(time.Now(), true)) == 3 })
		for i, det := range dets[:3] {
			a, _ := alertOf(d, det.ID)
			if ids[i] == "" {
				ids[i] = a.ID
			} else if a.ID != ids[i] {
				t.Fatalf("%s raised %q for %s; another desk raised %q: alert ids are not deterministic", d.name, a.ID, det.ID, ids[i])
			}
		}
	}

	// Online: desk A acknowledges alert 1, and everyone sees who and when.
	var taken []city.Step
	act := func(d *deskRun, alert string, kind city.StepKind, team, note string) city.Step {
		t.Helper()
		at := time.Now()
		if _, err := d.rt.Desk.Act(alert, kind, team, note, at); err != nil {
			t.Fatalf("%s: %s %s: %v", d.name, kind, alert, err)
		}
		s := city.Step{Alert: alert, Kind: kind, Officer: d.officer, Team: team, Note: note, Time: at}
		taken = append(taken, s)
		time.Sleep(5 * time.Millisecond)
		return s
	}
	act(A, ids[0], city.StepAcknowledge, "", "")
	for _, d := range []*deskRun{B, wall} {
		testutil.WaitFor(t, 10*time.Second, d.name+" to see desk A's acknowledgement", func() bool {
			a, _ := alertOf(d, dets[0].ID)
			return a.State == city.StateAcknowledged && a.AcknowledgedBy == "王伟"
		})
	}

	// The links drop; both desks go on working.
	for _, d := range desks {
		d.proxy.Cut()
	}
	act(A, ids[0], city.StepDispatch, "外滩消防站", "三楼烟感报警")
	act(A, ids[1], city.StepAcknowledge, "", "") // first: this one holds
	act(B, ids[1], city.StepAcknowledge, "", "") // second: kept in the history, changes nothing
	act(B, ids[2], city.StepDispatch, "南京东路消防站", "")
	act(B, ids[0], city.StepComment, "", "物业已到场")
	lost := act(A, ids[2], city.StepComment, "", "已电话联系业主")
	for _, d := range []*deskRun{A, B} { // and both write in the duty log
		if _, err := d.rt.Duty.Log(d.name+"：断网期间人工值守", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if a, _ := alertOf(B, dets[1].ID); a.AcknowledgedBy != "李娜" {
		t.Fatalf("during the cut desk B shows alert 2 acknowledged by %q, want its own officer", a.AcknowledgedBy)
	}

	// Desk A's last step reached the server just before the cut, but the
	// acknowledgement did not come back: the outbox will send it again.
	sendRaw(t, addr, ingest.WireActionOf(cache.OutboxID(lost), lost))

	// The server restarts (its readings start a new epoch; its step log
	// is reloaded), and a new alarm goes off while the wall is still cut.
	server.stop(t)
	server = startStepServer(t, addr, logPath, dets)
	if n := server.log.Len(); n == 0 {
		t.Fatal("the step log came back empty after the restart")
	}
	A.proxy.Restore(t)
	B.proxy.Restore(t)
	alarm(server.srv, dets[3], time.Now().Add(-time.Second))
	for _, d := range []*deskRun{A, B} {
		testutil.WaitFor(t, 10*time.Second, d.name+" to raise the fourth alarm", func() bool { _, ok := alertOf(d, dets[3].ID); return ok })
	}
	a4, _ := alertOf(A, dets[3].ID)
	if b4, _ := alertOf(B, dets[3].ID); b4.ID != a4.ID {
		t.Fatalf("desks raised %q and %q for the same alarm", a4.ID, b4.ID)
	}
	act(B, a4.ID, city.StepAcknowledge, "", "")
	act(A, a4.ID, city.StepComment, "", "消防已出动")
	testutil.WaitFor(t, 10*time.Second, "desk A to see desk B's acknowledgement of the new alarm", func() bool {
		a, _ := alertOf(A, dets[3].ID)
		return a.AcknowledgedBy == "李娜"
	})
	// The wall returns: the steps on the new alarm reach it before the
	// reading that raises it there.
	wall.proxy.Restore(t)

	pending := func(d *deskRun) int {
		n, err := d.rt.Outbox.Pending()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	alike := func() bool {
		for _, d := range desks {
			if pending(d) != 0 || d.rt.Desk.PeerStepStats().Pending != 0 {
				return false
			}
		}
		fa := deskFaces(A.rt)
		da := desktest.DutyFace(t, A.rt.DB)
		return len(fa) == 4 && fmt.Sprint(fa) == fmt.Sprint(deskFaces(B.rt)) && fmt.Sprint(fa) == fmt.Sprint(deskFaces(wall.rt)) &&
			strings.Count(da, "log ") == 2 && da == desktest.DutyFace(t, B.rt.DB) && da == desktest.DutyFace(t, wall.rt.DB)
	}
	for end := time.Now().Add(20 * time.Second); !alike(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			for _, d := range desks {
				t.Logf("%s: outbox %d, peer steps %+v, status %+v", d.name, pending(d), d.rt.Desk.PeerStepStats(), d.rt.Ingest.Status())
				for _, f := range deskFaces(d.rt) {
					t.Logf("  %+v", f)
				}
			}
			t.Fatal("timed out waiting for every desk to show every alert alike")
		}
	}
	time.Sleep(500 * time.Millisecond) // anything still on its way would show now

	// What every desk shows: the first acknowledgement of alert 2 holds,
	// desk B's dispatch of alert 3 acknowledged it, the wall shows all.
	faces := deskFaces(A.rt)
	for _, d := range desks[1:] {
		if got := deskFaces(d.rt); fmt.Sprint(got) != fmt.Sprint(faces) {
			t.Errorf("%s shows\n%v\ndesk A shows\n%v", d.name, got, faces)
		}
	}
	want := map[string][3]string{ // state, acknowledged by, team
		ids[0]: {"dispatched", "王伟", "外滩消防站"},
		ids[1]: {"acknowledged", "王伟", ""},
		ids[2]: {"dispatched", "李娜", "南京东路消防站"},
		a4.ID:  {"acknowledged", "李娜", ""},
	}
	for id, w := range want {
		f := faces[id]
		if f.State != w[0] || f.AckBy != w[1] || f.Team != w[2] {
			t.Errorf("alert %s: %s, acknowledged by %q, team %q; want %v", id, f.State, f.AckBy, f.Team, w)
		}
	}
	if st := wall.rt.Desk.PeerStepStats(); st.Applied != len(taken) {
		t.Errorf("the wall applied %d steps from the desks, want %d (%+v)", st.Applied, len(taken), st)
	}
	duties := desktest.DutyFace(t, A.rt.DB)
	if st := wall.rt.Duty.PeerDutyStats(); st != (desk.PeerDutyStats{Taken: 2}) {
		t.Errorf("the wall took the duty messages %+v, want both duty-log entries once", st)
	}
	if st := A.rt.Desk.PeerStepStats(); st.Ignored != 1 {
		t.Errorf("desk A: %d peer steps without effect, want 1 (desk B's late acknowledgement): %+v", st.Ignored, st)
	}
	if st := server.srv.Stats(); st.ActionRepeats == 0 {
		t.Errorf("the step sent before the restart was not recognised when the outbox sent it again: %+v", st)
	}

	// The wall restarts: it resumes from the step cursor it stored, so it
	// is sent no step again and shows the same.
	if err := wall.rt.Close(); err != nil {
		t.Fatal(err)
	}
	rt, err := Start(context.Background(), Options{DataDir: wall.dataDir, FeedURL: "ws://" + wall.proxy.Addr + feeds.StreamPath, MaxBackoff: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	wall.rt = rt
	testutil.WaitFor(t, 10*time.Second, "the restarted wall to reconnect", func() bool {
		return wall.rt.Client.StepCursor().After == server.log.Last()
	})
	time.Sleep(300 * time.Millisecond)
	if st := wall.rt.Desk.PeerStepStats(); st != (desk.PeerStepStats{}) {
		t.Errorf("the restarted wall was sent steps again: %+v", st)
	}
	if got := deskFaces(wall.rt); fmt.Sprint(got) != fmt.Sprint(faces) {
		t.Errorf("after its restart the wall shows\n%v\nwant\n%v", got, faces)
	}
	if st := wall.rt.Duty.PeerDutyStats(); st != (desk.PeerDutyStats{}) {
		t.Errorf("the restarted wall was sent duty messages again: %+v", st)
	}
	if got := desktest.DutyFace(t, wall.rt.DB); got != duties {
		t.Errorf("after its restart the wall holds the duty records\n%s\nwant\n%s", got, duties)
	}

	for _, d := range desks {
		if err := d.rt.Close(); err != nil {
			t.Fatalf("%s: close: %v", d.name, err)
		}
	}
	server.stop(t)

	// Each desk's history holds every step exactly once; its outbox only
	// its own.
	wantSteps := map[string]int{}
	for _, s := range taken {
		wantSteps[stepKey(s)]++
	}
	var caches []deskCache
	for _, d := range desks {
		caches = append(caches, deskCache{d.name, d.officer, d.dataDir})
	}
	rows := checkSharedHistories(t, caches, append(slices.Clone(ids), a4.ID), wantSteps)

	// The server's step log holds each step once, and one raise per alert
	// however many desks raised it.
	log, err := feeds.OpenStepLog(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	logged := map[string]int{}
	raises := map[string]int{}
	duty := 0
	for _, a := range log.Steps() {
		if feeds.IsDutyStep(a.Step) {
			duty++
			continue
		}
		s, err := desk.StepOfWire(a)
		if err != nil {
			t.Fatal(err)
		}
		if s.Kind.ByOfficer() {
			logged[stepKey(s)]++
		}
		if s.Kind == city.StepRaise {
			raises[s.Alert]++
		}
	}
	if fmt.Sprint(logged) != fmt.Sprint(wantSteps) {
		t.Errorf("the step log holds\n%v\nwant each of\n%v\nonce", logged, wantSteps)
	}
	if duty != 2 {
		t.Errorf("the step log holds %d duty messages, want the two duty-log entries", duty)
	}
	if len(raises) != 4 {
		t.Errorf("the step log holds raises of %d alerts, want 4: %v", len(raises), raises)
	}
	for id, n := range raises {
		if n != 1 {
			t.Errorf("alert %s raised %d times in the step log", id, n)
		}
	}
	t.Logf("%d officer steps on 4 alerts; step log %d lines; histories of %d rows alike on 3 desks", len(taken), log.Len(), rows)
}

// sendRaw delivers one operator action to the feed server at addr and
// waits for its acknowledgement, as a desk whose connection then dropped.
func sendRaw(t *testing.T, addr string, a feeds.WireAction) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+feeds.StreamPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, m := range []feeds.Envelope{
		{V: feeds.ProtocolVersion, Type: feeds.TypeSubscribe, Subscribe: map[string]feeds.Cursor{"fire": {}}},
		{V: feeds.ProtocolVersion, Type: feeds.TypeAction, Action: &a},
	} {
		b, err := feeds.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
			t.Fatal(err)
		}
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for the ack of %s: %v", a.ID, err)
		}
		if strings.Contains(string(b), `"action_ack"`) && strings.Contains(string(b), a.ID) {
			return
		}
	}
}

// outboxOfficers lists the officer of every step a desk's outbox ever held.
func outboxOfficers(t *testing.T, dataDir string) []string {
	t.Helper()
	out := desktest.CacheStrings(t, dataDir, `SELECT s.officer FROM outbox o JOIN alert_step s ON s.id = o.id`)
	if len(out) == 0 {
		t.Errorf("the outbox in %s never held a step", dataDir)
	}
	return out
}

// deskCache names one desk's cache for checkSharedHistories.
type deskCache struct{ name, officer, dataDir string }

// checkSharedHistories checks that every desk's cache holds each officer
// step of want exactly once among the steps of the alerts, that all hold
// the same history rows, and that no desk's outbox holds another desk's
// step; it returns how many rows the first desk's history has.
func checkSharedHistories(t *testing.T, desks []deskCache, alerts []string, want map[string]int) int {
	t.Helper()
	var histories []string
	for _, d := range desks {
		db, err := cache.OpenReadOnly(d.dataDir)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		var all []string
		for _, id := range alerts {
			steps, err := db.AlertSteps(id)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range steps {
				all = append(all, stepKey(s))
				if s.Kind.ByOfficer() {
					got[stepKey(s)]++
				}
			}
		}
		db.Close()
		sort.Strings(all)
		histories = append(histories, strings.Join(all, "\n"))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s stores the officer steps\n%v\nwant each of\n%v\nonce", d.name, got, want)
		}
		for _, o := range outboxOfficers(t, d.dataDir) {
			if o != d.officer && o != city.SystemOfficer {
				t.Errorf("%s queued a step of %q in its outbox", d.name, o)
			}
		}
	}
	for i := 1; i < len(histories); i++ {
		if histories[i] != histories[0] {
			t.Errorf("%s's history differs from %s's:\n%s\n---\n%s", desks[i].name, desks[0].name, histories[i], histories[0])
		}
	}
	if len(histories) == 0 {
		return 0
	}
	return strings.Count(histories[0], "\n") + 1
}
