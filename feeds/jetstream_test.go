package feeds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/paulmach/orb"

	"onescreen/city"
	"onescreen/internal/testutil"
)

// peerSteps is what the recorder was told of other desks' steps.
func (h *peerRecorder) peerSteps() []WireAction {
	h.smu.Lock()
	defer h.smu.Unlock()
	return append([]WireAction(nil), h.steps...)
}

// startPublisher connects a publisher to urls, puts the test stations and
// closes it at the end of the test.
func startPublisher(t *testing.T, urls string, replicas int, onAck func(city.Reading, uint64)) *JetStreamPublisher {
	t.Helper()
	u, err := ParseNATSURLs(urls)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := NewJetStreamPublisher(ctx, JetStreamPublisherConfig{URLs: u, Replicas: replicas, OnAck: onAck})
	if err != nil {
		t.Fatalf("publisher: %v", err)
	}
	t.Cleanup(func() { p.Close(5 * time.Second) })
	for _, st := range testStations {
		if err := p.PutStation(st); err != nil {
			t.Fatalf("PutStation %s: %v", st.ID, err)
		}
	}
	return p
}

// startJetStream runs a JetStream transport for h until the returned stop
// is called or the test ends.
func startJetStream(t *testing.T, urls, desk string, h Handler, cursors func() (map[city.Feed]Cursor, error)) (*JetStream, func()) {
	t.Helper()
	u, err := ParseNATSURLs(urls)
	if err != nil {
		t.Fatal(err)
	}
	j, err := NewJetStream(JetStreamConfig{URLs: u, Feeds: city.Feeds, Handler: h, Cursors: cursors, Desk: desk,
		MinBackoff: testMinBackoff, MaxBackoff: testMaxBackoff})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = j.Run(ctx)
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return j, stop
}

// jsBase is when the tests' readings start: an hour ago.
var jsBase = time.Now().Add(-time.Hour).Truncate(time.Second)

func airReadingAt(i int) city.Reading {
	r := airReading(float64(i % 300))
	r.Time = jsBase.Add(time.Duration(i) * time.Millisecond)
	return r
}

func publishAir(t *testing.T, p *JetStreamPublisher, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := p.Publish(airReadingAt(i)); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestParseNATSURLs(t *testing.T) {
	for in, want := range map[string]string{
		"nats://a:4222":                "nats://a:4222",
		"nats://a:4222,b:4223":         "nats://a:4222,nats://b:4223",
		"nats://a:4222, nats://b:4223": "nats://a:4222,nats://b:4223",
		"tls://a:4222":                 "tls://a:4222",
	} {
		got, err := ParseNATSURLs(in)
		if err != nil || strings.Join(got, ",") != want {
			t.Errorf("ParseNATSURLs(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a:4222", "ws://a:1", "nats://", "nats://a:4222/x"} {
		if _, err := ParseNATSURLs(bad); err == nil {
			t.Errorf("ParseNATSURLs(%q): no error", bad)
		}
	}
	s, _ := DistrictSubjects("huangpu")
	if got := s.Station("air-1142A"); got != "onescreen.huangpu.station.air-1142A" {
		t.Errorf("Station subject %q", got)
	}
	if got := s.Station("a.b *>"); strings.ContainsAny(strings.TrimPrefix(got, "onescreen.huangpu.station."), ".*> ") {
		t.Errorf("Station subject %q is not one safe token", got)
	}
	if s.Readings != "ONESCREEN_HUANGPU" || s.Reading(city.FeedAir) != "onescreen.huangpu.air.reading" || s.StepsSubject != "onescreen.huangpu.steps" {
		t.Errorf("subjects %+v", s)
	}
}

// TestJetStreamIngestAndResume: every reading arrives once, with its
// stream sequence as the cursor, and a restarted consumer resumes exactly
// after the cursor it was given.
func TestJetStreamIngestAndResume(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	p := startPublisher(t, ns.URLs(), 1, nil)
	publishAir(t, p, 0, 200)

	h := newRecorder()
	_, stop := startJetStream(t, ns.URLs(), "desk-a", h, h.Cursors)
	waitFor(t, "200 readings", func() bool { n := 0; h.snapshot(func(h *recorder) { n = len(h.readings) }); return n >= 200 })
	stop()
	publishAir(t, p, 200, 300)
	// the server restarts too: the stream, its sequences and its epoch stay
	ns.Nodes[0].Kill(t)
	ns.Nodes[0].Start(t)
	_, stop2 := startJetStream(t, ns.URLs(), "desk-a", h, h.Cursors)
	waitFor(t, "300 readings", func() bool { n := 0; h.snapshot(func(h *recorder) { n = len(h.readings) }); return n >= 300 })
	time.Sleep(300 * time.Millisecond) // anything doubled would arrive now
	stop2()
	h.snapshot(func(h *recorder) {
		if len(h.readings) != 300 {
			t.Fatalf("%d readings, want 300", len(h.readings))
		}
		for i, r := range h.readings {
			if want := airReadingAt(i).Time; !r.Time.Equal(want) {
				t.Fatalf("reading %d has time %v, want %v (lost, doubled or out of order)", i, r.Time, want)
			}
			if i > 0 && r.Seq != h.readings[i-1].Seq+1 {
				t.Fatalf("reading %d has stream seq %d after %d", i, r.Seq, h.readings[i-1].Seq)
			}
			if !strings.HasPrefix(h.epochs[i], "js:ONESCREEN_HUANGPU@") || h.epochs[i] != h.epochs[0] {
				t.Fatalf("epoch %q", h.epochs[i])
			}
		}
		if len(h.stations) < len(testStations) || len(h.rejects) != 0 || len(h.gaps) != 0 {
			t.Fatalf("%d stations, rejects %v, gaps %v", len(h.stations), h.rejects, h.gaps)
		}
	})
}

// TestJetStreamBadInput: what is published onto the subjects by anyone is
// judged as on the websocket; each bad message is rejected with its reason
// and counted against the feed of its subject, and the good ones pass.
func TestJetStreamBadInput(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	p := startPublisher(t, ns.URLs(), 1, nil)
	h := newRecorder()
	startJetStream(t, ns.URLs(), "desk-a", h, h.Cursors)
	waitFor(t, "connected", func() bool { return h.count(Connected) > 0 })

	js := testutil.JetStream(t, ns.URLs())
	air, water := p.Subjects().Reading(city.FeedAir), p.Subjects().Reading(city.FeedWater)
	now := time.Now().Format(time.RFC3339)
	bad := []struct {
		subject, body string
		kind          error
	}{
		{air, `{"v":1,"type":"reading","reading":{"feed":"air"`, ErrMalformed},
		{air, `{"v":1,"type":"reading","reading":{"feed":"air","seq":1,"station":"air-1","time":"` + now + `","values":{"pm25":{"v":35,"unit":"µg/m³"}}},"colour":"red"}`, ErrMalformed},
		{air, `{"v":1,"type":"heartbeat","epoch":"x"}`, ErrUnexpectedType},
		{air, `{"v":1,"type":"reading","reading":{"feed":"water","seq":1,"station":"water-1","time":"` + now + `","values":{"ph":{"v":7,"unit":"pH"}}}}`, ErrField},
		{air, `{"v":1,"type":"reading","reading":{"feed":"air","seq":1,"station":"nowhere","time":"` + now + `","values":{"pm25":{"v":35,"unit":"µg/m³"}}}}`, ErrUnknownStation},
		{air, `{"v":1,"type":"reading","reading":{"feed":"air","seq":1,"station":"air-1","time":"` + now + `","values":{"pm25":{"v":1e999,"unit":"µg/m³"}}}}`, ErrNotFinite},
		{air, `{"v":1,"type":"reading","reading":{"feed":"air","seq":1,"station":"air-1","time":"` + time.Now().Add(time.Hour).Format(time.RFC3339) + `","values":{"pm25":{"v":35,"unit":"µg/m³"}}}}`, ErrFuture},
		{water, `{"v":1,"type":"reading","reading":{"feed":"water","seq":1,"station":"water-1","time":"` + now + `","values":{"ph":{"v":15,"unit":"pH"}}}}`, ErrValue},
		{p.Subjects().Station("bad-1"), `{"v":1,"type":"station","station":{"id":"bad-1","feed":"air","name":"x","kind":"air_station","geometry":{"type":"Point","coordinates":[116.4,39.9]}}}`, ErrOutOfBounds},
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	for _, b := range bad {
		if _, err := js.Publish(ctx, b.subject, []byte(b.body)); err != nil {
			t.Fatal(err)
		}
	}
	good := `{"v":1,"type":"reading","reading":{"feed":"air","seq":7,"station":"air-1","time":"` + now + `","values":{"a34004":{"v":35,"unit":"ug/m3"}}}}`
	if _, err := js.Publish(ctx, air, []byte(good)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rejects and the good reading", func() bool {
		n, g := 0, 0
		h.snapshot(func(h *recorder) { n, g = len(h.rejects), len(h.readings) })
		return n >= len(bad) && g >= 1
	})
	h.snapshot(func(h *recorder) {
		if len(h.rejects) != len(bad) || len(h.readings) != 1 {
			t.Fatalf("%d rejects, %d readings; want %d and 1: %v", len(h.rejects), len(h.readings), len(bad), h.rejects)
		}
		// the rejects arrive per consumer in order; match them by body
		for _, b := range bad {
			found := false
			for _, r := range h.rejects {
				if string(r.raw) == b.body {
					found = true
					if !errors.Is(r.err, b.kind) {
						t.Errorf("%.60s: rejected as %v, want %v", b.body, r.err, b.kind)
					}
					want := "air"
					if b.subject == water {
						want = "water"
					}
					if b.kind == ErrOutOfBounds {
						want = "air" // the station's feed
					}
					if r.feed != want {
						t.Errorf("%.60s: counted against %q, want %q", b.body, r.feed, want)
					}
				}
			}
			if !found {
				t.Errorf("%.60s: not rejected", b.body)
			}
		}
		if r := h.readings[0]; r.Values[0].Param != city.ParamPM25 || r.Seq == 7 {
			t.Errorf("good reading %+v (HJ 212 code mapped, seq the stream's)", r)
		}
	})
}

// TestJetStreamNewStationThenReading: a station put just before its first
// reading is known when the reading arrives.
func TestJetStreamNewStationThenReading(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	p := startPublisher(t, ns.URLs(), 1, nil)
	h := newRecorder()
	startJetStream(t, ns.URLs(), "desk-a", h, h.Cursors)
	waitFor(t, "connected", func() bool { return h.count(Connected) > 0 })
	for i := 0; i < 20; i++ {
		st := city.Station{ID: "air-new-" + string(rune('a'+i)), Feed: city.FeedAir, Name: "新站", Kind: city.KindAirStation, Location: orb.Point{121.48, 31.23}}
		if err := p.PutStation(st); err != nil {
			t.Fatal(err)
		}
		r := airReadingAt(i)
		r.Station = st.ID
		if _, err := p.Publish(r); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "20 readings", func() bool { n := 0; h.snapshot(func(h *recorder) { n = len(h.readings) }); return n >= 20 })
	h.snapshot(func(h *recorder) {
		if len(h.rejects) != 0 {
			t.Fatalf("rejects: %v", h.rejects)
		}
	})
}

// TestJetStreamStepsOnceAndToPeers: a step published twice with the same
// id is stored once, acked both times, and reaches the other desk (not
// its own) as a PeerStep, once.
func TestJetStreamStepsOnceAndToPeers(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	p := startPublisher(t, ns.URLs(), 1, nil)
	a, b := &peerRecorder{recorder: newRecorder()}, &peerRecorder{recorder: newRecorder()}
	ja, _ := startJetStream(t, ns.URLs(), "desk-a", a, a.Cursors)
	startJetStream(t, ns.URLs(), "desk-b", b, b.Cursors)
	waitFor(t, "both connected", func() bool { return a.count(Connected) > 0 && b.count(Connected) > 0 })
	step := WireAction{ID: "desk-a-step-1", Alert: "A-air-1-aqi", Step: "acknowledge", Officer: "王强", Time: time.Now().Format(time.RFC3339)}
	for i := 0; i < 2; i++ {
		if err := ja.SendAction(step); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "two acks", func() bool { n := 0; a.snapshot(func(h *recorder) { n = len(h.acks) }); return n >= 2 })
	waitFor(t, "the peer step", func() bool { return len(b.peerSteps()) >= 1 })
	time.Sleep(300 * time.Millisecond)
	if got := b.peerSteps(); len(got) != 1 || got[0] != step {
		t.Fatalf("desk b got %+v, want the one step", got)
	}
	if got := a.peerSteps(); len(got) != 0 {
		t.Fatalf("desk a got its own step back as a peer's: %+v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	st, err := p.JetStream().Stream(ctx, p.Subjects().Steps)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; n != 1 {
		t.Fatalf("the steps stream holds %d messages, want 1", n)
	}
	// a bad step on the subject is rejected, not passed on
	nc, _ := nats.Connect(ns.URLs())
	defer nc.Close()
	if err := nc.Publish(p.Subjects().StepsSubject, []byte(`{"v":1,"type":"action","action":{"id":"x","alert":"a","step":"acknowledge","officer":"","time":"now"}}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the bad step rejected", func() bool { n := 0; b.snapshot(func(h *recorder) { n = len(h.rejects) }); return n >= 1 })
	if got := b.peerSteps(); len(got) != 1 {
		t.Fatalf("a bad step was passed on: %+v", got)
	}
}

// TestJetStreamGapAfterRetention: readings the stream no longer holds
// (its max age passed; here purged) when a desk comes back are recorded
// as a gap in stream sequences, and the rest arrive.
func TestJetStreamGapAfterRetention(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	p := startPublisher(t, ns.URLs(), 1, nil)
	publishAir(t, p, 0, 50)
	h := newRecorder()
	_, stop := startJetStream(t, ns.URLs(), "desk-a", h, h.Cursors)
	waitFor(t, "50 readings", func() bool { n := 0; h.snapshot(func(h *recorder) { n = len(h.readings) }); return n >= 50 })
	stop()
	publishAir(t, p, 50, 100)
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	st, err := p.JetStream().Stream(ctx, p.Subjects().Readings)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(ctx, jetstream.WithPurgeSequence(80)); err != nil { // keeps 80 and later
		t.Fatal(err)
	}
	var last uint64
	h.snapshot(func(h *recorder) { last = h.readings[49].Seq })
	first := st.CachedInfo().State.FirstSeq
	if info, err := st.Info(ctx); err == nil {
		first = info.State.FirstSeq
	}
	want := 50 + int(last+50-first+1) // the first 50, then what the stream still holds of the next 50
	startJetStream(t, ns.URLs(), "desk-a", h, h.Cursors)
	waitFor(t, "the readings still held", func() bool { n := 0; h.snapshot(func(h *recorder) { n = len(h.readings) }); return n >= want })
	time.Sleep(300 * time.Millisecond)
	h.snapshot(func(h *recorder) {
		if len(h.gaps) != 1 || h.gaps[0].Feed != "air" || h.gaps[0].From != last+1 || h.gaps[0].To != first-1 {
			t.Fatalf("gaps %+v, want air %d..%d", h.gaps, last+1, first-1)
		}
		if got := h.readings[50].Seq; got != first {
			t.Fatalf("first reading after the gap has seq %d, want %d", got, first)
		}
		if n := len(h.readings); n != want {
			t.Fatalf("%d readings, want %d", n, want)
		}
	})
}

// TestConsumerMadeWhenStreamAnswers: a consumer whose making fails (here
// its stream is missing, as while a stream leader is being elected) is
// kept and made by the watchdog once the stream answers; it then delivers
// every message once, in order. Before, such a failure ended the session
// and stopped the other consumers with it.
func TestConsumerMadeWhenStreamAnswers(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	js := testutil.JetStream(t, ns.URLs())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := jetstream.StreamConfig{Name: "WATCHED", Subjects: []string{"watched.>"}}
	st, err := js.CreateStream(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(ctx, cfg.Name); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var got []uint64
	var logs []string
	w := &watchedConsumer{stream: st, subject: "watched.a", cfg: jetstream.OrderedConsumerConfig{FilterSubjects: []string{"watched.a"}},
		fn: func(_ jetstream.Msg, md *jetstream.MsgMetadata) {
			mu.Lock()
			got = append(got, md.Sequence.Stream)
			mu.Unlock()
		},
		logf: func(f string, a ...any) {
			mu.Lock()
			logs = append(logs, fmt.Sprintf(f, a...))
			mu.Unlock()
		}}
	var set consumerSet
	set.add(w)
	sctx, scancel := context.WithTimeout(ctx, time.Second)
	err = w.start(sctx, 0)
	scancel()
	if err == nil {
		t.Fatal("a consumer was made on a missing stream")
	}
	wctx, wcancel := context.WithCancel(ctx)
	watchDone := make(chan struct{})
	go func() { defer close(watchDone); set.watch(wctx) }()
	defer func() { wcancel(); <-watchDone; set.stop() }()

	time.Sleep(2 * jsWatchEvery) // the watchdog tries and fails while the stream is missing
	if _, err := js.CreateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		subj := "watched.a"
		if i%2 == 1 {
			subj = "watched.b" // not this consumer's
		}
		if _, err := js.Publish(ctx, subj, []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the 10 messages of watched.a", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 10 })
	time.Sleep(2 * jsWatchEvery) // a doubled delivery would arrive now
	mu.Lock()
	defer mu.Unlock()
	want := []uint64{1, 3, 5, 7, 9, 11, 13, 15, 17, 19}
	if !slices.Equal(got, want) {
		t.Errorf("delivered stream sequences %v, want %v", got, want)
	}
	if !slices.ContainsFunc(logs, func(l string) bool { return strings.Contains(l, "trying again") }) ||
		!slices.ContainsFunc(logs, func(l string) bool { return strings.Contains(l, "made after 0") }) {
		t.Errorf("the watchdog's tries are not logged: %q", logs)
	}
}
