package app

import (
	"context"
	"errors"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/paulmach/orb"

	"onescreen/app/ingest"
	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/feeds/sim"
	"onescreen/internal/desktest"
	"onescreen/internal/testutil"
)

// jsTicks publishes the simulated district (scale 1), tick after tick at
// times of its own, through a JetStream publisher, and keeps what the
// stream acked.
type jsTicks struct {
	sim  *sim.Simulator
	next time.Time
	pub  *feeds.JetStreamPublisher

	mu    sync.Mutex
	acked map[string]int    // Nats-Msg-Id → acks
	seqs  map[string]uint64 // Nats-Msg-Id → stream sequence
	byID  map[string]city.Reading
}

func newJSTicks(t *testing.T, urls string, replicas int, start time.Time) *jsTicks {
	t.Helper()
	u, err := feeds.ParseNATSURLs(urls)
	if err != nil {
		t.Fatal(err)
	}
	p := &jsTicks{next: start, acked: map[string]int{}, seqs: map[string]uint64{}, byID: map[string]city.Reading{}}
	p.sim = sim.New(sim.Config{Scale: 1, Interval: 5 * time.Second, Seed: 7, Now: func() time.Time { return start }})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p.pub, err = feeds.NewJetStreamPublisher(ctx, feeds.JetStreamPublisherConfig{URLs: u, Replicas: replicas,
		OnAck: func(r city.Reading, seq uint64) {
			id := feeds.ReadingMsgID(r)
			p.mu.Lock()
			p.acked[id]++
			p.seqs[id] = seq
			p.byID[id] = r
			p.mu.Unlock()
		}, Logf: t.Logf})
	if err != nil {
		t.Fatalf("publisher: %v", err)
	}
	t.Cleanup(func() { p.pub.Close(5 * time.Second) })
	for _, st := range p.sim.Stations() {
		if err := p.pub.PutStation(st); err != nil {
			t.Fatalf("PutStation %s: %v", st.ID, err)
		}
	}
	return p
}

// ticks publishes n ticks and returns how many readings they held.
func (p *jsTicks) ticks(t *testing.T, n int) int {
	t.Helper()
	total := 0
	for i := 0; i < n; i++ {
		for _, r := range p.sim.Tick(p.next) {
			if _, err := p.pub.Publish(r); err != nil {
				t.Errorf("Publish: %v", err)
				return total
			}
			total++
		}
		p.next = p.next.Add(5 * time.Second)
	}
	return total
}

func (p *jsTicks) flush(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// rows is how many cache rows the acked readings make (one per station,
// time and parameter or event), and the highest stream sequence per feed.
func (p *jsTicks) rows() (int, map[city.Feed]uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := map[desktest.RowKey]bool{}
	last := map[city.Feed]uint64{}
	for id, r := range p.byID {
		for _, m := range r.Values {
			keys[desktest.RowKeyOf(r.Station, r.Time, m.Param)] = true
		}
		if r.Event != "" {
			keys[desktest.RowKeyOf(r.Station, r.Time, "!"+r.Event)] = true
		}
		last[r.Feed] = max(last[r.Feed], p.seqs[id])
	}
	return len(keys), last
}

func received(rt *Runtime) int64 {
	var n int64
	for _, s := range rt.Ingest.Status() {
		n += s.Received
	}
	return n
}

func readingCount(t *testing.T, db *cache.DB) int {
	t.Helper()
	n, err := db.ReadingCount()
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestJetStreamRuntimeResume: onescreen --feed nats://… ingests the
// district; closed and started again on the same cache, it resumes after
// the stream sequence it had stored: each reading published meanwhile
// arrives once, none twice, none lost.
func TestJetStreamRuntimeResume(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	pub := newJSTicks(t, ns.URLs(), 1, time.Now().Add(-2*time.Hour).Truncate(time.Second))
	n1 := pub.ticks(t, 20)
	pub.flush(t)

	dir := t.TempDir()
	start := func() *Runtime {
		rt, err := Start(context.Background(), Options{DataDir: dir, FeedURL: ns.URLs(), MaxBackoff: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}
	rt := start()
	rows1, last1 := pub.rows()
	testutil.WaitFor(t, 30*time.Second, "the first readings in the cache", func() bool { return readingCount(t, rt.DB) >= rows1 })
	if got := received(rt); got != int64(n1) {
		t.Fatalf("first run received %d readings, want %d", got, n1)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}

	n2 := pub.ticks(t, 15) // published while the desk is down
	pub.flush(t)
	rt = start()
	defer rt.Close()
	rows2, last2 := pub.rows()
	testutil.WaitFor(t, 30*time.Second, "the readings published meanwhile", func() bool { return readingCount(t, rt.DB) >= rows2 })
	time.Sleep(500 * time.Millisecond) // a doubled delivery would arrive now
	if got := received(rt); got != int64(n2) {
		t.Fatalf("after the restart %d readings arrived, want exactly the %d published meanwhile", got, n2)
	}
	if got := readingCount(t, rt.DB); got != rows2 {
		t.Fatalf("cache holds %d rows, want %d", got, rows2)
	}
	rt.Ingest.Flush()
	if err := rt.DB.Flush(); err != nil {
		t.Fatal(err)
	}
	cur, err := rt.DB.Cursors()
	if err != nil {
		t.Fatal(err)
	}
	for f, seq := range last2 {
		if cur[f].Seq != seq || !strings.HasPrefix(cur[f].Epoch, "js:ONESCREEN_HUANGPU@") {
			t.Errorf("%s cursor %+v, want stream seq %d (first run ended at %d)", f, cur[f], seq, last1[f])
		}
	}
	if gaps, _ := rt.DB.Gaps(10); len(gaps) != 0 {
		t.Errorf("gaps: %+v", gaps)
	}
	if rej, _ := rt.DB.Rejects(10); len(rej) != 0 {
		t.Errorf("rejects: %+v", rej)
	}
}

// TestJetStreamRuntimeBadInput: a bad message published onto a feed's
// subject is rejected, counted against that feed and stored with its
// reason, as on the websocket; the good readings around it are stored.
func TestJetStreamRuntimeBadInput(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	pub := newJSTicks(t, ns.URLs(), 1, time.Now().Add(-time.Hour).Truncate(time.Second))
	pub.ticks(t, 2)
	pub.flush(t)
	rt, err := Start(context.Background(), Options{DataDir: t.TempDir(), FeedURL: ns.URLs(), MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	nc, err := nats.Connect(ns.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	subj := pub.pub.Subjects()
	bads := map[string]string{
		subj.Reading(city.FeedAir):   `{"v":1,"type":"reading","reading":{"feed":"air","seq":1,"station":"air-nowhere","time":"2026-08-14T10:00:00+08:00","values":{"pm25":{"v":35,"unit":"µg/m³"}}}}`,
		subj.Reading(city.FeedWater): `{"v":1,"type":"reading","reading":{"feed":"water"`,
	}
	for s, body := range bads {
		if err := nc.Publish(s, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	pub.ticks(t, 2)
	pub.flush(t)
	rows, _ := pub.rows()
	testutil.WaitFor(t, 30*time.Second, "the readings and the two rejects", func() bool {
		rt.Ingest.Flush()
		rej, _ := rt.DB.Rejects(10)
		return readingCount(t, rt.DB) >= rows && len(rej) >= 2
	})
	counts, err := rt.DB.RejectCounts()
	if err != nil {
		t.Fatal(err)
	}
	if counts["air"] != 1 || counts["water"] != 1 {
		t.Fatalf("reject counts %v, want one each for air and water", counts)
	}
	rej, _ := rt.DB.Rejects(10)
	reasons := ""
	for _, r := range rej {
		reasons += r.Reason + "\n"
	}
	if !strings.Contains(reasons, "station never described") && !strings.Contains(reasons, "never described") {
		t.Errorf("reasons %q lack the unknown station", reasons)
	}
	if !strings.Contains(reasons, "malformed") && !strings.Contains(reasons, "JSON") {
		t.Errorf("reasons %q lack the malformed message", reasons)
	}
	for _, s := range rt.Ingest.Status() {
		if (s.Feed == city.FeedAir || s.Feed == city.FeedWater) && s.Rejected != 1 {
			t.Errorf("%s badge shows %d rejected, want 1", s.Feed, s.Rejected)
		}
	}
	if got := readingCount(t, rt.DB); got != rows {
		t.Fatalf("cache holds %d rows, want %d", got, rows)
	}
}

// countingHandler counts each reading handed on, by its Nats-Msg-Id.
type countingHandler struct {
	*ingest.Ingest
	mu   sync.Mutex
	seen map[string]int
	rej  []string
}

func (c *countingHandler) Reading(r city.Reading, epoch string) {
	c.mu.Lock()
	c.seen[feeds.ReadingMsgID(r)]++
	c.mu.Unlock()
	c.Ingest.Reading(r, epoch)
}

func (c *countingHandler) Reject(feed string, raw []byte, reason error) {
	c.mu.Lock()
	c.rej = append(c.rej, reason.Error())
	c.mu.Unlock()
	c.Ingest.Reject(feed, raw, reason)
}

// TestJetStreamClusterLeaderKilled: three nats-servers, the district's
// streams with three replicas; the readings stream's leader is killed
// (SIGKILL) while the publisher publishes and the desk consumes. Afterwards
// every reading the publisher had acked is in the cache, none was handed
// on twice, and the stream holds each once.
func TestJetStreamClusterLeaderKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("a cluster failover takes tens of seconds")
	}
	ns := testutil.StartNATS(t, 3)
	pub := newJSTicks(t, ns.URLs(), 3, time.Now().Add(-3*time.Hour).Truncate(time.Second))

	db, err := cache.Open(t.TempDir(), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in, err := ingest.NewIngest(db, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := &countingHandler{Ingest: in, seen: map[string]int{}}
	u, _ := feeds.ParseNATSURLs(ns.URLs())
	j, err := feeds.NewJetStream(feeds.JetStreamConfig{URLs: u, Feeds: city.Feeds, Handler: h, Cursors: in.Cursors, MaxBackoff: 500 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = in.Run(ctx) }()
	go func() { defer wg.Done(); _ = j.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()

	total := pub.ticks(t, 30)
	info, err := pub.pub.JetStream().Stream(context.Background(), pub.pub.Subjects().Readings)
	if err != nil {
		t.Fatal(err)
	}
	leader := info.CachedInfo().Cluster.Leader
	nd := ns.Node(leader)
	if nd == nil {
		t.Fatalf("no node is the stream's leader (%q)", leader)
	}
	t.Logf("killing the stream leader %s (pid %d) after %d readings published", leader, nd.PID(), total)
	nd.Kill(t)
	total += pub.ticks(t, 60)
	pub.flush(t)
	published, acked, retried := pub.pub.Counts()
	t.Logf("published %d readings, %d acked, %d sent again after a failed ack", published, acked, retried)
	if int(acked) != total {
		t.Fatalf("%d of %d readings acked", acked, total)
	}

	rows, _ := pub.rows()
	deadline := time.Now().Add(90 * time.Second)
	for {
		in.Flush()
		_ = db.Flush()
		if readingCount(t, db) >= rows {
			break
		}
		if time.Now().After(deadline) {
			h.mu.Lock()
			per := map[city.Feed]int{}
			for id := range pub.acked {
				if h.seen[id] == 0 {
					per[pub.byID[id].Feed]++
				}
			}
			rej := h.rej[:min(len(h.rej), 5)]
			h.mu.Unlock()
			var stacks strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&stacks, 2)
			t.Logf("goroutines:\n%s", stacks.String())
			t.Fatalf("timed out: the cache holds %d of %d rows; acked but not handed on, per feed: %v; rejects: %q", readingCount(t, db), rows, per, rej)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // a doubled delivery would arrive now
	in.Flush()
	_ = db.Flush()
	pub.mu.Lock()
	defer pub.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(pub.acked) != total {
		t.Errorf("%d distinct readings acked, want %d", len(pub.acked), total)
	}
	for id, n := range pub.acked {
		if h.seen[id] != 1 {
			t.Errorf("reading %s acked %d times, handed on %d times", id, n, h.seen[id])
		}
	}
	if len(h.seen) != len(pub.acked) {
		t.Errorf("%d readings handed on, %d acked", len(h.seen), len(pub.acked))
	}
	if got := readingCount(t, db); got != rows {
		t.Errorf("cache holds %d rows, want %d", got, rows)
	}
	if len(h.rej) > 0 {
		t.Errorf("rejects: %v", h.rej)
	}
	st, err := pub.pub.JetStream().Stream(context.Background(), pub.pub.Subjects().Readings)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; int(n) != total {
		t.Errorf("the stream holds %d readings, want %d (each once)", n, total)
	}
	if errors.Is(pub.pub.Err(), feeds.ErrClosed) {
		t.Errorf("publisher: %v", pub.pub.Err())
	}
}

// TestJetStreamLeafLinkLost: a desk on the district centre's leaf node
// while the city's server is killed and started again: the readings
// published before and after arrive once each, none lost.
func TestJetStreamLeafLinkLost(t *testing.T) {
	hub := testutil.StartNATS(t, 1)
	leaf := testutil.StartNATSLeaf(t, hub)
	pub := newJSTicks(t, hub.URLs(), 1, time.Now().Add(-2*time.Hour).Truncate(time.Second))
	n := pub.ticks(t, 10)
	pub.flush(t)
	rt, err := Start(context.Background(), Options{DataDir: t.TempDir(), FeedURL: leaf.URL, JSDomain: testutil.NATSDomain, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	rows, _ := pub.rows()
	deadline := time.Now().Add(30 * time.Second)
	for readingCount(t, rt.DB) < rows {
		if time.Now().After(deadline) {
			t.Fatalf("the first readings did not come through the leaf: %+v\nleaf log:\n%s", rt.Ingest.Status()[0], leaf.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}

	hub.Nodes[0].Kill(t)
	time.Sleep(2 * time.Second)
	hub.Nodes[0].Start(t)
	n += pub.ticks(t, 10)
	pub.flush(t)
	rows, _ = pub.rows()
	testutil.WaitFor(t, 60*time.Second, "the readings published after the hub came back", func() bool { return readingCount(t, rt.DB) >= rows })
	time.Sleep(500 * time.Millisecond)
	if got := received(rt); got != int64(n) {
		t.Fatalf("%d readings arrived, want exactly %d", got, n)
	}
	if got := readingCount(t, rt.DB); got != rows {
		t.Fatalf("cache holds %d rows, want %d", got, rows)
	}
}

// stepPeer takes other desks' steps.
type stepPeer struct {
	countingHandler
	pmu   sync.Mutex
	steps []feeds.WireAction
}

func (p *stepPeer) PeerStep(a feeds.WireAction) {
	p.pmu.Lock()
	p.steps = append(p.steps, a)
	p.pmu.Unlock()
}

func (p *stepPeer) got() []string {
	p.pmu.Lock()
	defer p.pmu.Unlock()
	var out []string
	for _, a := range p.steps {
		out = append(out, a.Step+"/"+a.Officer)
	}
	return out
}

// TestJetStreamOutboxSteps: the officer's steps go from the outbox into
// the district's step stream, each acked by its publish ack and stored
// once by its id, also when the server is killed and started again with
// steps waiting; another desk sees each step once.
func TestJetStreamOutboxSteps(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	pub := newJSTicks(t, ns.URLs(), 1, time.Now().Add(-time.Hour))
	det := city.Station{ID: "fire-smoke-900", Feed: city.FeedFire, Name: "测试烟感", Kind: city.KindSmokeDetector, Location: orb.Point{121.4853, 31.2381}}
	if err := pub.pub.PutStation(det); err != nil {
		t.Fatal(err)
	}
	rt, err := Start(context.Background(), Options{DataDir: t.TempDir(), FeedURL: ns.URLs(), MaxBackoff: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()

	// a second desk of the district, watching the steps
	db2, err := cache.Open(t.TempDir(), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	in2, _ := ingest.NewIngest(db2, 0)
	peer := &stepPeer{countingHandler: countingHandler{Ingest: in2, seen: map[string]int{}}}
	u, _ := feeds.ParseNATSURLs(ns.URLs())
	j2, err := feeds.NewJetStream(feeds.JetStreamConfig{URLs: u, Feeds: city.Feeds, Handler: peer, Cursors: in2.Cursors, MaxBackoff: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = j2.Run(ctx) }()
	defer func() { cancel(); <-done }()

	if _, err := pub.pub.Publish(city.Reading{Feed: city.FeedFire, Station: det.ID, Time: time.Now().Add(-time.Second), Event: city.EventAlarm,
		Values: []city.Measurement{{Param: city.ParamBattery, Value: 80, Unit: "%"}}}); err != nil {
		t.Fatal(err)
	}
	var alert city.Alert
	testutil.WaitFor(t, 15*time.Second, "the fire alarm to raise an alert", func() bool {
		for _, v := range rt.Desk.Views(time.Now(), false) {
			if v.Alert.Station == det.ID && v.Alert.Condition == city.CondFireAlarm {
				alert = v.Alert
				return true
			}
		}
		return false
	})
	act := func(officer string, kind city.StepKind, team, note string) {
		t.Helper()
		rt.Desk.SetOfficer(officer)
		if _, err := rt.Desk.Act(alert.ID, kind, team, note, time.Now()); err != nil {
			t.Fatalf("%s by %s: %v", kind, officer, err)
		}
	}
	pending := func() int {
		n, err := rt.Outbox.Pending()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	stepsStored := func() uint64 {
		st, err := pub.pub.JetStream().Stream(context.Background(), pub.pub.Subjects().Steps)
		if err != nil {
			return 0
		}
		return st.CachedInfo().State.Msgs
	}
	act("王伟", city.StepAcknowledge, "", "")
	act("王伟", city.StepDispatch, "消防救援站", "南京东路 23 号三楼")
	testutil.WaitFor(t, 15*time.Second, "raise, acknowledge and dispatch acked", func() bool { return pending() == 0 && stepsStored() == 3 })

	ns.Nodes[0].Kill(t) // the server is lost with steps to come
	act("王伟", city.StepResolve, "", "误报：厨房油烟，已通风复位")
	act("李娜", city.StepVerify, "", "现场复核无明火")
	time.Sleep(1500 * time.Millisecond)
	if n := pending(); n != 2 {
		t.Fatalf("outbox holds %d steps while the server is down, want 2", n)
	}
	ns.Nodes[0].Start(t)
	testutil.WaitFor(t, 30*time.Second, "the waiting steps acked", func() bool { return pending() == 0 })
	testutil.WaitFor(t, 15*time.Second, "the other desk to see every step", func() bool { return len(peer.got()) >= 5 })
	time.Sleep(500 * time.Millisecond)
	if n := stepsStored(); n != 5 {
		t.Errorf("the step stream holds %d steps, want 5 (each once)", n)
	}
	want := []string{"raise/system", "acknowledge/王伟", "dispatch/王伟", "resolve/王伟", "verify/李娜"}
	if got := peer.got(); !slices.Equal(got, want) {
		t.Errorf("the other desk saw %v, want %v", got, want)
	}
	// each stored step carries its outbox id as Nats-Msg-Id
	st, err := pub.pub.JetStream().Stream(context.Background(), pub.pub.Subjects().Steps)
	if err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 5; seq++ {
		m, err := st.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		env, err := feeds.Decode(m.Data)
		if err != nil || env.Action == nil || m.Header.Get(nats.MsgIdHdr) != env.Action.ID {
			t.Errorf("step %d: Nats-Msg-Id %q for action %+v (%v)", seq, m.Header.Get(nats.MsgIdHdr), env.Action, err)
		}
	}
}
