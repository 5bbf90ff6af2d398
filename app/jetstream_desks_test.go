package app

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"onescreen/app/desk"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
)

// TestJetStreamDesksShareOneAlertState runs two duty desks and a wall (a
// runtime on which no officer acts) through --feed nats://…, on one
// nats-server and on a cluster of three with the district's streams in
// three replicas; desk B reaches the servers through loopback proxies
// whose links are cut. The publisher plays the simulated district with its
// scripted incidents. Officers act on both desks, online and while desk B
// is cut off: both acknowledge the same alert then, and desk A
// acknowledges an alert raised meanwhile that desk B has not seen yet;
// desk B is closed and started again while still cut off, and acts again.
// One alert is resolved, verified and closed across the desks. During the
// cut both desks also write in the duty log and desk A edits the roster.
// After the reconnect every desk shows every alert alike (state, officers,
// times, team) and holds the same duty records, the steps stream holds
// each step once under its outbox id, each
// desk's history holds each step once, and no outbox holds another desk's
// step. Desk B is then closed and started again on its cache: the steps
// stream is replayed to it from the start, and it stores none of them
// again. Last a second wall is switched on with an empty cache: the steps
// stream and the readings are replayed to it side by side (a step may come
// before the reading that raises its alert, and waits for it), and it shows
// what the first wall shows.
func TestJetStreamDesksShareOneAlertState(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	t.Run("one server", func(t *testing.T) { desksOnJetStream(t, 1) })
	t.Run("cluster R3", func(t *testing.T) { desksOnJetStream(t, 3) })
}

func desksOnJetStream(t *testing.T, nodes int) {
	began := time.Now()
	ns := testutil.StartNATSWith(t, nodes, testutil.NATSConfig{NoAdvertise: true})
	start := time.Now().Add(-3 * time.Minute).Truncate(time.Second)
	pub := newJSTicks(t, ns.URLs(), nodes, start)
	published := pub.ticks(t, 20) // to 100 s into the incidents: alarms of every feed
	pub.flush(t)

	type deskRun struct {
		name, officer, url string
		proxies            []*testutil.Proxy
		dataDir            string
		rt                 *Runtime
		before             int // readings published before this run of the desk
	}
	dir := t.TempDir()
	desks := []*deskRun{{name: "desk A", officer: "王伟"}, {name: "desk B", officer: "李娜"}, {name: "wall"}}
	A, B, wall := desks[0], desks[1], desks[2]
	var viaProxies []string
	for _, nd := range ns.Nodes {
		p := testutil.NewProxy(t, strings.TrimPrefix(nd.URL, "nats://"))
		B.proxies = append(B.proxies, p)
		viaProxies = append(viaProxies, "nats://"+p.Addr)
	}
	for i, d := range desks {
		d.url = ns.URLs()
		if d.proxies != nil {
			d.url = strings.Join(viaProxies, ",")
		}
		d.dataDir = filepath.Join(dir, fmt.Sprintf("data%d", i))
	}
	open := func(d *deskRun) {
		t.Helper()
		rt, err := Start(context.Background(), Options{DataDir: d.dataDir, FeedURL: d.url, MaxBackoff: 300 * time.Millisecond, Officer: d.officer})
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		d.rt = rt
	}
	for _, d := range desks {
		open(d)
	}
	defer func() {
		for _, d := range desks {
			if d.rt != nil {
				d.rt.Close()
			}
		}
	}()

	caughtUp := func(d *deskRun) bool { return received(d.rt) == int64(published-d.before) }
	for _, d := range desks {
		testutil.WaitFor(t, 30*time.Second, d.name+" to receive the readings", func() bool { return caughtUp(d) })
	}
	// three alerts that await an officer, raised alike on every desk
	var ids []string
	testutil.WaitFor(t, 10*time.Second, "three raised alerts on every desk", func() bool {
		ids = ids[:0]
		for id, f := range deskFaces(A.rt) {
			if f.State == string(city.StateRaised) {
				ids = append(ids, id)
			}
		}
		if len(ids) < 4 {
			return false
		}
		fa := fmt.Sprint(deskFaces(A.rt))
		return fa == fmt.Sprint(deskFaces(B.rt)) && fa == fmt.Sprint(deskFaces(wall.rt))
	})
	sort.Strings(ids)
	ids = ids[:4]

	var taken []city.Step
	act := func(d *deskRun, alert string, kind city.StepKind, team, note string) {
		t.Helper()
		at := time.Now()
		if _, err := d.rt.Desk.Act(alert, kind, team, note, at); err != nil {
			t.Fatalf("%s: %s %s: %v", d.name, kind, alert, err)
		}
		taken = append(taken, city.Step{Alert: alert, Kind: kind, Officer: d.officer, Team: team, Note: note, Time: at})
		time.Sleep(5 * time.Millisecond)
	}
	faceOn := func(d *deskRun, id string) alertFace { return deskFaces(d.rt)[id] }

	// Online: desk A acknowledges alert 1; alert 4 is acknowledged and resolved on desk A,
	// verified on desk B and closed on desk A.
	act(A, ids[0], city.StepAcknowledge, "", "")
	act(A, ids[3], city.StepAcknowledge, "", "")
	act(A, ids[3], city.StepResolve, "", "现场核实：传感器误报")
	for _, d := range []*deskRun{B, wall} {
		testutil.WaitFor(t, 10*time.Second, d.name+" to see desk A's steps", func() bool {
			return faceOn(d, ids[0]).AckBy == "王伟" && faceOn(d, ids[3]).ResBy == "王伟"
		})
	}
	act(B, ids[3], city.StepVerify, "", "复核无异常")
	testutil.WaitFor(t, 10*time.Second, "desk A to see desk B's verification", func() bool { return faceOn(A, ids[3]).VerBy == "李娜" })
	act(A, ids[3], city.StepClose, "", "")

	// Desk B's link drops; both desks go on working, and the district
	// goes on publishing.
	for _, p := range B.proxies {
		p.Cut()
	}
	testutil.WaitFor(t, 10*time.Second, "desk B to see its link down", func() bool {
		for _, s := range B.rt.Ingest.Status() {
			if s.State != city.FeedOffline {
				return false
			}
		}
		return true
	})
	act(A, ids[0], city.StepDispatch, "外滩消防站", "三楼烟感报警")
	act(A, ids[1], city.StepAcknowledge, "", "") // first: this one holds
	act(B, ids[1], city.StepAcknowledge, "", "") // second: kept in the history, changes nothing
	act(B, ids[2], city.StepDispatch, "南京东路消防站", "")
	act(B, ids[0], city.StepComment, "", "物业已到场")
	act(A, ids[2], city.StepComment, "", "已电话联系业主")
	// and the duty records: both write in the duty log, desk A names the
	// officers of the roster
	if _, err := A.rt.Duty.Log("外滩观景平台人流已疏导", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := B.rt.Duty.Log("断网期间记录：南京东路消防站已出动", time.Now()); err != nil {
		t.Fatal(err)
	}
	roster := A.rt.Duty.Roster()
	roster[0].Leader, roster[0].Officers = "王伟", []string{"李娜"}
	if err := A.rt.Duty.SetRoster(roster, time.Now()); err != nil {
		t.Fatal(err)
	}
	if f := faceOn(B, ids[1]); f.AckBy != "李娜" {
		t.Fatalf("during the cut desk B shows alert 2 acknowledged by %q, want its own officer", f.AckBy)
	}
	// The district publishes on until a new alert is raised, which desk A
	// acknowledges: desk B has not seen its readings yet.
	beforeCut := published
	var fresh string
	for i := 0; fresh == "" && i < 40; i++ {
		published += pub.ticks(t, 1)
		pub.flush(t)
		testutil.WaitFor(t, 10*time.Second, "desk A to receive the new readings", func() bool { return caughtUp(A) })
		onB := deskFaces(B.rt)
		for id, f := range deskFaces(A.rt) {
			if _, seen := onB[id]; !seen && f.State == string(city.StateRaised) {
				fresh = id
			}
		}
	}
	if fresh == "" {
		t.Fatal("no new alert was raised while desk B was cut off")
	}
	act(A, fresh, city.StepAcknowledge, "", "")
	// Desk B is closed and started again while still cut off, and its
	// officer goes on working.
	if err := B.rt.Close(); err != nil {
		t.Fatalf("desk B: close: %v", err)
	}
	B.rt = nil
	B.before = beforeCut
	open(B)
	act(B, ids[2], city.StepComment, "", "消防车已到达")
	time.Sleep(500 * time.Millisecond)
	for _, p := range B.proxies {
		p.Restore(t)
	}

	pending := func(d *deskRun) int {
		d.rt.Ingest.Flush() // what was received is in the cache, its steps in the outbox
		if err := d.rt.DB.Flush(); err != nil {
			t.Fatal(err)
		}
		n, err := d.rt.Outbox.Pending()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var faces map[string]alertFace
	withClosed := true // a restarted desk shows the alerts closed before its start no more
	facesOf := func(d *deskRun) map[string]alertFace {
		out := deskFaces(d.rt)
		for id, f := range out {
			if !withClosed && f.State == string(city.StateClosed) {
				delete(out, id)
			}
		}
		return out
	}
	// the comment count each desk shows on each alert
	commentsOf := func(d *deskRun) map[string]int {
		out := map[string]int{}
		for _, v := range d.rt.Desk.Views(time.Now(), withClosed) {
			out[v.Alert.ID] = v.Comments
		}
		return out
	}
	alike := func() bool {
		for _, d := range desks {
			if !caughtUp(d) || pending(d) != 0 || d.rt.Desk.PeerStepStats().Pending != 0 {
				return false
			}
		}
		faces = facesOf(A)
		fa := fmt.Sprint(faces)
		ca := fmt.Sprint(commentsOf(A))
		for _, d := range desks[1:] {
			if fmt.Sprint(facesOf(d)) != fa || fmt.Sprint(commentsOf(d)) != ca {
				return false
			}
		}
		return true
	}
	waitAlike := func(what string) {
		t.Helper()
		show := func() {
			for _, d := range desks {
				t.Logf("%s: received %d of %d, outbox %d, peer steps %+v, comments %v", d.name, received(d.rt), published, pending(d), d.rt.Desk.PeerStepStats(), commentsOf(d))
				for _, f := range facesOf(d) {
					t.Logf("  %+v", f)
				}
			}
		}
		for end := time.Now().Add(30 * time.Second); !alike(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(end) {
				show()
				t.Fatalf("timed out waiting for every desk to show every alert alike %s", what)
			}
		}
		time.Sleep(500 * time.Millisecond) // anything still on its way would show now
		if !alike() {
			show()
			t.Fatalf("the desks parted again %s", what)
		}
	}
	waitAlike("after the reconnect")
	dutyAlike := func(what string) {
		t.Helper()
		testutil.WaitFor(t, 20*time.Second, "every desk to hold the same duty records "+what, func() bool {
			fa := desktest.DutyFace(t, A.rt.DB)
			for _, d := range desks[1:] {
				if desktest.DutyFace(t, d.rt.DB) != fa {
					return false
				}
			}
			return strings.Count(fa, "log ") == 2 && strings.Contains(fa, "Leader:王伟")
		})
	}
	dutyAlike("after the reconnect")
	duties := desktest.DutyFace(t, A.rt.DB)

	want := map[string][4]string{ // state, acknowledged by, team, closed by
		fresh:  {"acknowledged", "王伟", "", ""},
		ids[0]: {"dispatched", "王伟", "外滩消防站", ""},
		ids[1]: {"acknowledged", "王伟", "", ""},
		ids[2]: {"dispatched", "李娜", "南京东路消防站", ""},
		ids[3]: {"closed", "王伟", "", "王伟"},
	}
	for id, w := range want {
		f := faces[id]
		if f.State != w[0] || f.AckBy != w[1] || f.Team != w[2] || f.ClBy != w[3] {
			t.Errorf("alert %s: %s, acknowledged by %q, team %q, closed by %q; want %v", id, f.State, f.AckBy, f.Team, f.ClBy, w)
		}
	}
	if st := wall.rt.Desk.PeerStepStats(); st.Applied != len(taken) || st.Repeats != 0 {
		t.Errorf("the wall applied %d steps from the desks, want each of %d once: %+v", st.Applied, len(taken), st)
	}
	if c := commentsOf(A); c[ids[0]] != 1 || c[ids[2]] != 2 {
		t.Errorf("comments shown %v, want 1 on alert 1 and 2 on alert 3", c)
	}
	// desk B's own late acknowledgement lost its place to desk A's, which
	// took effect there; on desk A and the wall desk B's is the one without
	// effect
	for _, d := range []*deskRun{A, wall} {
		if st := d.rt.Desk.PeerStepStats(); st.Ignored != 1 {
			t.Errorf("%s: %d peer steps without effect, want 1 (desk B's acknowledgement of alert 2): %+v", d.name, st.Ignored, st)
		}
	}
	if st := B.rt.Desk.PeerStepStats(); st.Ignored != 0 {
		t.Errorf("desk B: %d peer steps without effect, want 0: %+v", st.Ignored, st)
	}

	// Desk B restarts on its cache: every step of the stream comes again
	// (its own too, under the new run's desk name), none is taken twice.
	if err := B.rt.Close(); err != nil {
		t.Fatalf("desk B: close: %v", err)
	}
	B.rt = nil
	B.before = published // it resumes after the readings it stored
	open(B)
	shown := faces // every alert, with the one closed
	withClosed = false
	testutil.WaitFor(t, 20*time.Second, "the restarted desk B to be replayed every step", func() bool {
		return B.rt.Desk.PeerStepStats().Repeats >= len(taken)
	})
	waitAlike("after desk B's restart")
	for id, f := range shown {
		if g, ok := faces[id]; f.State != string(city.StateClosed) && (!ok || g != f) {
			t.Errorf("alert %s after desk B's restart: %+v, before: %+v", id, g, f)
		}
	}
	if st := B.rt.Desk.PeerStepStats(); st != (desk.PeerStepStats{Repeats: len(taken)}) {
		t.Errorf("the restarted desk B took replayed steps again: %+v, want %d repeats only", st, len(taken))
	}
	// its own duty-log entry, desk A's entry and roster
	testutil.WaitFor(t, 10*time.Second, "the restarted desk B to be replayed the duty messages", func() bool {
		return B.rt.Duty.PeerDutyStats() == desk.PeerDutyStats{Own: 1, Repeats: 2}
	})
	if got := desktest.DutyFace(t, B.rt.DB); got != duties {
		t.Errorf("after its restart desk B holds the duty records\n%s\nwant\n%s", got, duties)
	}

	// A second wall is switched on with an empty cache: a step that comes
	// before the reading raising its alert waits for it.
	wall2 := &deskRun{name: "second wall", url: ns.URLs(), dataDir: filepath.Join(dir, "data3")}
	open(wall2)
	desks = append(desks, wall2)
	waitAlike("with the second wall")
	if got, want := fmt.Sprint(deskFaces(wall2.rt)), fmt.Sprint(deskFaces(wall.rt)); got != want {
		t.Errorf("the second wall shows\n%s\nthe first\n%s", got, want)
	}
	if st := wall2.rt.Desk.PeerStepStats(); st.Applied != len(taken) || st.Repeats != 0 || st.Ignored != 1 {
		t.Errorf("the second wall: %+v, want each of %d steps applied once, one without effect", st, len(taken))
	}
	dutyAlike("with the second wall")
	if st := wall2.rt.Duty.PeerDutyStats(); st != (desk.PeerDutyStats{Taken: 3}) {
		t.Errorf("the second wall: duty messages %+v, want the two entries and the roster taken once", st)
	}

	faces = shown

	// The steps stream: each step once, under its outbox id.
	wantSteps := map[string]int{}
	for _, s := range taken {
		wantSteps[stepKey(s)]++
	}
	js := pub.pub.JetStream()
	stream, err := js.Stream(context.Background(), pub.pub.Subjects().Steps)
	if err != nil {
		t.Fatal(err)
	}
	info := stream.CachedInfo()
	inStream := map[string]int{}
	msgIDs := map[string]int{}
	dutyInStream := 0
	raises := map[string]int{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := stream.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatalf("step %d: %v", seq, err)
		}
		env, err := feeds.Decode(m.Data)
		if err != nil || env.Action == nil {
			t.Fatalf("step %d: %v", seq, err)
		}
		if id := m.Header.Get(nats.MsgIdHdr); id != env.Action.ID {
			t.Errorf("step %d: Nats-Msg-Id %q for action %s", seq, id, env.Action.ID)
		}
		msgIDs[env.Action.ID]++
		if feeds.IsDutyStep(env.Action.Step) {
			dutyInStream++
			continue
		}
		s, err := desk.StepOfWire(*env.Action)
		if err != nil {
			t.Fatal(err)
		}
		if cache.OutboxID(s) != env.Action.ID {
			t.Errorf("step %d: id %s is not its outbox id %s", seq, env.Action.ID, cache.OutboxID(s))
		}
		if s.Kind.ByOfficer() {
			inStream[stepKey(s)]++
		}
		if s.Kind == city.StepRaise {
			raises[s.Alert]++
		}
	}
	if fmt.Sprint(inStream) != fmt.Sprint(wantSteps) {
		t.Errorf("the steps stream holds\n%v\nwant each of\n%v\nonce", inStream, wantSteps)
	}
	for id, n := range msgIDs {
		if n != 1 {
			t.Errorf("the steps stream holds %s %d times", id, n)
		}
	}
	if dutyInStream != 3 {
		t.Errorf("the steps stream holds %d duty messages, want the two entries and the roster", dutyInStream)
	}
	for id, n := range raises {
		if n != 1 {
			t.Errorf("alert %s raised %d times in the steps stream", id, n)
		}
	}

	for _, d := range desks {
		if err := d.rt.Close(); err != nil {
			t.Fatalf("%s: close: %v", d.name, err)
		}
		d.rt = nil
	}

	// Each desk's history holds every officer step exactly once, and the
	// same rows as every other desk's; its outbox only its own steps.
	var caches []deskCache
	for _, d := range desks {
		caches = append(caches, deskCache{d.name, d.officer, d.dataDir})
	}
	rows := checkSharedHistories(t, caches, slices.Collect(maps.Keys(faces)), wantSteps)
	t.Logf("%d readings, %d alerts, %d officer steps; steps stream %d messages; histories of %d rows alike on %d desks; desk B restarted: %d steps replayed, 0 taken again; %v",
		published, len(faces), len(taken), info.State.Msgs, rows, len(desks), len(taken), time.Since(began).Round(100*time.Millisecond))
}

// TestJetStreamDesksAcrossServerRestart: the nats-server itself is killed
// while officers on two desks act (both acknowledge the same alert), and
// started again: every desk and the wall show every alert alike, and the
// steps stream holds each officer step once.
func TestJetStreamDesksAcrossServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	ns := testutil.StartNATS(t, 1)
	pub := newJSTicks(t, ns.URLs(), 1, time.Now().Add(-3*time.Minute).Truncate(time.Second))
	published := pub.ticks(t, 20)
	pub.flush(t)
	dir := t.TempDir()
	var rts []*Runtime
	for i, officer := range []string{"王伟", "李娜", ""} {
		rt, err := Start(context.Background(), Options{DataDir: filepath.Join(dir, fmt.Sprint(i)), FeedURL: ns.URLs(), MaxBackoff: 300 * time.Millisecond, Officer: officer})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		rts = append(rts, rt)
	}
	A, B, wall := rts[0], rts[1], rts[2]
	for _, rt := range rts {
		testutil.WaitFor(t, 30*time.Second, "every desk to receive the readings", func() bool { return received(rt) == int64(published) })
	}
	var ids []string
	testutil.WaitFor(t, 10*time.Second, "three raised alerts", func() bool {
		ids = ids[:0]
		for id, f := range deskFaces(A) {
			if f.State == string(city.StateRaised) {
				ids = append(ids, id)
			}
		}
		return len(ids) >= 3
	})
	sort.Strings(ids)
	var taken []city.Step
	act := func(rt *Runtime, id string, kind city.StepKind, team, note string) {
		t.Helper()
		at := time.Now()
		if _, err := rt.Desk.Act(id, kind, team, note, at); err != nil {
			t.Fatal(err)
		}
		taken = append(taken, city.Step{Alert: id, Kind: kind, Officer: rt.Desk.Officer(), Team: team, Note: note, Time: at})
		time.Sleep(5 * time.Millisecond)
	}
	act(A, ids[0], city.StepAcknowledge, "", "")
	testutil.WaitFor(t, 10*time.Second, "the acknowledgement on the wall", func() bool { return deskFaces(wall)[ids[0]].AckBy == "王伟" })

	ns.Nodes[0].Kill(t)
	act(A, ids[1], city.StepAcknowledge, "", "") // first: this one holds
	act(B, ids[1], city.StepAcknowledge, "", "")
	act(B, ids[2], city.StepDispatch, "外滩消防站", "")
	act(A, ids[2], city.StepComment, "", "已通知物业")
	time.Sleep(time.Second)
	ns.Nodes[0].Start(t)
	published += pub.ticks(t, 3)
	pub.flush(t)

	alike := func() bool {
		for _, rt := range rts {
			rt.Ingest.Flush()
			if err := rt.DB.Flush(); err != nil {
				t.Fatal(err)
			}
			if n, err := rt.Outbox.Pending(); err != nil || n != 0 || received(rt) != int64(published) || rt.Desk.PeerStepStats().Pending != 0 {
				return false
			}
		}
		fa := fmt.Sprint(deskFaces(A))
		return fa == fmt.Sprint(deskFaces(B)) && fa == fmt.Sprint(deskFaces(wall))
	}
	for end := time.Now().Add(40 * time.Second); !alike(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			for _, rt := range rts {
				n, _ := rt.Outbox.Pending()
				t.Logf("received %d of %d, outbox %d, peer steps %+v", received(rt), published, n, rt.Desk.PeerStepStats())
			}
			t.Fatal("timed out waiting for every desk to show every alert alike after the server's restart")
		}
	}
	if f := deskFaces(B)[ids[1]]; f.AckBy != "王伟" {
		t.Errorf("alert 2 acknowledged by %q on every desk, want the first, 王伟", f.AckBy)
	}
	if st := wall.Desk.PeerStepStats(); st.Applied != len(taken) || st.Repeats != 0 {
		t.Errorf("the wall: %+v, want each of %d steps applied once", st, len(taken))
	}
	stream, err := pub.pub.JetStream().Stream(context.Background(), pub.pub.Subjects().Steps)
	if err != nil {
		t.Fatal(err)
	}
	info := stream.CachedInfo()
	want, got := map[string]int{}, map[string]int{}
	for _, s := range taken {
		want[stepKey(s)]++
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := stream.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		env, err := feeds.Decode(m.Data)
		if err != nil || env.Action == nil {
			t.Fatalf("step %d: %v", seq, err)
		}
		if s, err := desk.StepOfWire(*env.Action); err == nil && s.Kind.ByOfficer() {
			got[stepKey(s)]++
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the steps stream holds\n%v\nwant each of\n%v\nonce", got, want)
	}
}
