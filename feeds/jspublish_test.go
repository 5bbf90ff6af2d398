package feeds

import (
	"context"
	"errors"
	"fmt"
	"math"
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

func TestPermanentPublishError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nats.ErrMaxPayload, true},
		{fmt.Errorf("publish: %w", nats.ErrMaxPayload), true},
		{nats.ErrBadSubject, true},
		{nats.ErrPermissionViolation, true},
		{errors.New(`nats: Permissions Violation for Publish to "city.sh.steps"`), true},
		{jetstream.ErrStreamMessageExceedsMaximum, true},
		{&jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamMessageExceedsMaximum, Description: "message size exceeds maximum allowed"}, true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}, false},
		{nats.ErrTimeout, false},
		{context.DeadlineExceeded, false},
		{nats.ErrNoResponders, false},
		{jetstream.ErrNoStreamResponse, false},
		{nats.ErrConnectionClosed, false},
		{nats.ErrConnectionReconnecting, false},
		{nil, false},
	} {
		if got := permanentPublishError(c.err); got != c.want {
			t.Errorf("permanentPublishError(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// bigZone is the test crowd zone with a polygon of n vertices.
func bigZone(n int) city.Station {
	st := testStations[4]
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, orb.Point{121.4905 + 0.001*math.Cos(a), 31.2405 + 0.001*math.Sin(a)})
	}
	st.Area = orb.Polygon{append(ring, ring[0])}
	return st
}

// allAirReading is an air reading at i with every air parameter: a
// message much bigger than airReadingAt's.
func allAirReading(i int) city.Reading {
	r := airReadingAt(i)
	r.Values = nil
	for _, p := range feedParamList[city.FeedAir] {
		r.Values = append(r.Values, city.Measurement{Param: p, Value: 10, Unit: city.ParamUnits[p]})
	}
	return r
}

// TestJetStreamPublisherRefusesForGood: messages the NATS servers can
// never take (a station over the servers' max_payload, readings over the
// stream's largest message, a desk's step over max_payload) are refused
// at once with a reason, counted and reported, not retried for ever; the
// messages around them are published as usual.
func TestJetStreamPublisherRefusesForGood(t *testing.T) {
	const maxPayload = 2048
	ns := testutil.StartNATSWith(t, 1, testutil.NATSConfig{MaxPayload: maxPayload})
	u, err := ParseNATSURLs(ns.URLs())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// the readings stream takes messages up to halfway between a small
	// reading and a big one
	subj, _ := DistrictSubjects("")
	size := func(r city.Reading) int {
		body, err := encodeReadingBody(r)
		if err != nil {
			t.Fatal(err)
		}
		hdr := len("NATS/1.0\r\n" + nats.MsgIdHdr + ": " + ReadingMsgID(r) + "\r\n\r\n")
		return len(spliceReading(r.Feed, 1000, body)) + hdr
	}
	small, big := size(airReadingAt(0)), size(allAirReading(0))
	if big-small < 200 || big > maxPayload {
		t.Fatalf("readings of %d and %d bytes do not bracket a limit well", small, big)
	}
	nc, err := nats.Connect(ns.URLs())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	admin, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := EnsureStreams(ctx, admin, subj, 1, DefaultReadingsMaxAge); err != nil {
		t.Fatal(err)
	}
	st, err := admin.Stream(ctx, subj.Readings)
	if err != nil {
		t.Fatal(err)
	}
	scfg := st.CachedInfo().Config
	scfg.MaxMsgSize = int32((small + big) / 2)
	if _, err := admin.UpdateStream(ctx, scfg); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var refused []string
	var acked []uint64
	p, err := NewJetStreamPublisher(ctx, JetStreamPublisherConfig{URLs: u,
		OnAck: func(r city.Reading, _ uint64) { mu.Lock(); acked = append(acked, r.Seq); mu.Unlock() },
		OnReject: func(r city.Reading, err error) {
			mu.Lock()
			refused = append(refused, fmt.Sprintf("%d: %v", r.Seq, err))
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(5 * time.Second)

	// a station over max_payload: refused at once, the others put
	done := make(chan error, 1)
	go func() { done <- p.PutStation(bigZone(200)) }()
	select {
	case err := <-done:
		var rej *PublishRejectedError
		if !errors.As(err, &rej) || !errors.Is(err, nats.ErrMaxPayload) || !strings.Contains(err.Error(), "station zone-1") {
			t.Errorf("a station over max_payload: %v, want a PublishRejectedError naming it and the max payload", err)
		}
	case <-time.After(testWait):
		t.Fatal("a station over max_payload is being sent again and again")
	}
	for _, st := range testStations {
		if err := p.PutStation(st); err != nil {
			t.Fatalf("PutStation %s: %v", st.ID, err)
		}
	}

	// readings: every third one too big for the stream
	var wantAcked, wantRefused []uint64
	for i := range 30 {
		r := airReadingAt(i)
		if i%3 == 1 {
			r = allAirReading(i)
		}
		seq, err := p.Publish(r)
		if err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
		if i%3 == 1 {
			wantRefused = append(wantRefused, seq)
		} else {
			wantAcked = append(wantAcked, seq)
		}
	}
	fctx, fcancel := context.WithTimeout(ctx, testWait)
	defer fcancel()
	if err := p.Flush(fctx); err != nil {
		t.Fatalf("flush with readings the stream refuses: %v", err)
	}
	mu.Lock()
	slices.Sort(acked)
	if !slices.Equal(acked, wantAcked) {
		t.Errorf("acked %v, want %v", acked, wantAcked)
	}
	if len(refused) != len(wantRefused) {
		t.Errorf("%d readings refused, want %d: %q", len(refused), len(wantRefused), refused)
	}
	for i, r := range refused {
		if want := fmt.Sprintf("%d: reading air/air-1/", wantRefused[i]); !strings.HasPrefix(r, want) || !strings.Contains(r, "message size exceeds maximum") {
			t.Errorf("refusal %q, want it to start %q and give the stream's reason", r, want)
		}
	}
	mu.Unlock()
	if n := p.Rejected(); n != uint64(len(wantRefused))+1 {
		t.Errorf("Rejected() = %d, want %d readings and a station", n, len(wantRefused)+1)
	}
	if pub, ack, _ := p.Counts(); pub != 30 || ack != uint64(len(wantAcked)) {
		t.Errorf("counts: %d published, %d acked; want 30, %d", pub, ack, len(wantAcked))
	}

	// a desk's step over max_payload is refused, the next one goes on
	h := refuser{newRecorder()}
	j, _ := startJetStream(t, ns.URLs(), "desk-a", h, h.Cursors)
	waitFor(t, "the desk to connect", func() bool { return h.count(Connected) > 0 })
	long := WireAction{ID: "step-long", Alert: "A-air-1-aqi", Step: "comment", Officer: "王强", Time: time.Now().Format(time.RFC3339),
		Note: strings.Repeat("n", MaxTextLen-10)}
	short := WireAction{ID: "step-short", Alert: "A-air-1-aqi", Step: "acknowledge", Officer: "王强", Time: time.Now().Format(time.RFC3339)}
	for _, a := range []WireAction{long, short} {
		if err := j.SendAction(a); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the short step's ack", func() bool {
		n := 0
		h.snapshot(func(h *recorder) { n = len(h.acks) })
		return n == 1
	})
	h.snapshot(func(h *recorder) {
		if !slices.Equal(h.acks, []string{"step-short"}) {
			t.Errorf("acks %v, want step-short only", h.acks)
		}
		if len(h.refused) != 1 || !strings.HasPrefix(h.refused[0], "step-long: step step-long refused by NATS for good") ||
			!strings.Contains(h.refused[0], "maximum payload exceeded") {
			t.Errorf("refused %q, want step-long with the reason", h.refused)
		}
	})
}
