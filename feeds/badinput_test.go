package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"onescreen/city"
)

func newTestRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// rawServer serves a hand-driven websocket peer: each connection's
// subscribe is read, then fn(ws, n) runs for connection n (0-based).
func rawServer(t *testing.T, fn func(ws *websocket.Conn, n int)) string {
	t.Helper()
	var conns atomic.Int32
	var wg sync.WaitGroup
	stop := make(chan struct{})
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer ws.Close()
		go func() { <-stop; ws.Close() }()
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
		fn(ws, int(conns.Add(1)-1))
	}))
	t.Cleanup(func() {
		close(stop)
		hs.CloseClientConnections()
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + StreamPath
}

// writeRaw sends one text frame; a failure after the test's peer went
// away is not the test's concern.
func writeRaw(t *testing.T, ws *websocket.Conn, msg string) {
	_ = ws.WriteMessage(websocket.TextMessage, []byte(msg))
}

// dialRaw connects a hand-driven client.
func dialRaw(t *testing.T, url string, hdr http.Header) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, hdr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// rawReader reads a server's messages one at a time, unpacking batches.
type rawReader struct {
	ws      *websocket.Conn
	pending [][]byte
}

// next returns the next message.
func (r *rawReader) next(t *testing.T) Envelope {
	t.Helper()
	for {
		if len(r.pending) == 0 {
			_ = r.ws.SetReadDeadline(time.Now().Add(testWait))
			_, raw, err := r.ws.ReadMessage()
			if err != nil {
				t.Fatalf("reading from the server: %v", err)
			}
			r.pending = [][]byte{raw}
		}
		raw := r.pending[0]
		r.pending = r.pending[1:]
		env, err := Decode(raw)
		if err != nil {
			t.Fatalf("server sent an undecodable message: %v\n%s", err, raw)
		}
		if env.Type != TypeBatch {
			return env
		}
		for _, m := range env.Messages {
			r.pending = append(r.pending, m)
		}
	}
}

// until skips messages up to the next one of type typ.
func (r *rawReader) until(t *testing.T, typ string) Envelope {
	t.Helper()
	for {
		if env := r.next(t); env.Type == typ {
			return env
		}
	}
}

func writeCertPEM(t *testing.T, hs *httptest.Server) string {
	t.Helper()
	return writeFile(t, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw})))
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("f%d.pem", rand.Int()))
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestClientRejectsBadInput: a server sends every kind of bad message; each
// is rejected with its reason against the right feed, and the connection
// stays up (the good reading after them arrives on the same connection).
func TestClientRejectsBadInput(t *testing.T) {
	now := time.Now()
	good := readingJSON("air", "air-9", 1, now, airValues)
	bad := []struct {
		name string
		raw  string
		feed string
		kind error
	}{
		{"malformed JSON", `{"v":1,"type":"reading","reading":{`, "", ErrMalformed},
		{"unknown message type", `{"v":1,"type":"forecast"}`, "", ErrUnknownType},
		{"unknown feed", readingJSON("traffic", "air-9", 1, now, airValues), "", ErrUnknownFeed},
		{"wrong type", strings.Replace(readingJSON("air", "air-9", 1, now, airValues), `"station":"air-9"`, `"station":9`, 1), "air", ErrMalformed},
		{"infinite value", readingJSON("air", "air-9", 2, now, `{"pm25":{"v":1e999,"unit":"µg/m³"}}`), "air", ErrNotFinite},
		{"outside bounds", stationJSON("noise", "noise-9", city.KindNoiseStation, `{"type":"Point","coordinates":[2.35,48.85]}`, ""), "noise", ErrOutOfBounds},
		{"far future", readingJSON("air", "air-9", 3, now.Add(time.Hour), airValues), "air", ErrFuture},
		{"unknown parameter", readingJSON("air", "air-9", 4, now, `{"benzene":{"v":1,"unit":"µg/m³"}}`), "air", ErrUnknownParam},
		{"wrong unit", readingJSON("air", "air-9", 5, now, `{"pm25":{"v":1,"unit":"ppm"}}`), "air", ErrUnit},
		{"station never described", readingJSON("air", "air-404", 6, now, airValues), "air", ErrUnknownStation},
		{"nested batch", `{"v":1,"type":"batch","messages":[{"v":1,"type":"batch","messages":[{"v":1,"type":"heartbeat","epoch":"e"}]}]}`, "", ErrMalformed},
		{"client's type", `{"v":1,"type":"subscribe","subscribe":{"air":{"after":0}}}`, "", ErrUnexpectedType},
	}
	url := rawServer(t, func(ws *websocket.Conn, n int) {
		writeRaw(t, ws, `{"v":1,"type":"hello","epoch":"e"}`)
		writeRaw(t, ws, stationJSON("air", "air-9", city.KindAirStation, goodPoint, ""))
		for i, b := range bad {
			if i%2 == 0 {
				writeRaw(t, ws, b.raw)
			} else { // the same inside a batch
				writeRaw(t, ws, `{"v":1,"type":"batch","messages":[{"v":1,"type":"heartbeat","epoch":"e"},`+b.raw+`]}`)
			}
		}
		writeRaw(t, ws, strings.Replace(good, `"seq":1`, `"seq":7`, 1))
		time.Sleep(testWait)
	})
	h := newRecorder()
	startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedAir, city.FeedNoise}, Handler: h})
	waitFor(t, "the good reading", func() bool { return len(h.seqs(city.FeedAir)) == 1 })
	h.snapshot(func(h *recorder) {
		if len(h.rejects) != len(bad) {
			for _, r := range h.rejects {
				t.Logf("reject %q: %v", r.feed, r.err)
			}
			t.Fatalf("%d rejects, want %d", len(h.rejects), len(bad))
		}
		for i, b := range bad {
			r := h.rejects[i]
			if r.feed != b.feed || !errors.Is(r.err, b.kind) || len(r.raw) == 0 {
				t.Errorf("%s: got feed %q, %v; want feed %q, %v, with the raw message", b.name, r.feed, r.err, b.feed, b.kind)
			}
		}
		if len(h.gaps) != 0 {
			t.Errorf("gaps %v: rejected readings' seqs are accounted for, want none", h.gaps)
		}
	})
	if n := h.count(Disconnected); n != 0 {
		t.Errorf("disconnected %d times, want the connection to stay up", n)
	}
}

// TestClientOversizeFrame: a frame over the client's read limit closes the
// connection (gorilla's rule); it is reported as a rejection and the
// client reconnects.
func TestClientOversizeFrame(t *testing.T) {
	url := rawServer(t, func(ws *websocket.Conn, n int) {
		writeRaw(t, ws, `{"v":1,"type":"hello","epoch":"e"}`)
		if n == 0 {
			writeRaw(t, ws, `{"v":1,"type":"error","error":"`+strings.Repeat("x", 8000)+`"}`)
		}
		time.Sleep(testWait)
	})
	h := newRecorder()
	startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedAir}, Handler: h, ReadLimit: 4096})
	waitFor(t, "the reconnection", func() bool { return h.count(Connected) == 2 })
	h.snapshot(func(h *recorder) {
		if len(h.rejects) != 1 || h.rejects[0].feed != "" || !errors.Is(h.rejects[0].err, ErrTooBig) {
			t.Fatalf("rejects %+v, want one ErrTooBig against feed \"\"", h.rejects)
		}
		for _, st := range h.states {
			if st.s == Disconnected && !errors.Is(st.err, ErrTooBig) {
				t.Errorf("disconnected with %v, want ErrTooBig", st.err)
			}
		}
	})
}

// TestServerRejectsBadInput: a client sends bad messages; each gets an
// error message with its code and the connection stays up.
func TestServerRejectsBadInput(t *testing.T) {
	s, url := newTestServer(t, ServerConfig{})
	ws := dialRaw(t, url, nil)
	tests := []struct {
		raw, code, feed string
	}{
		{`{"v":1,"type":"subscribe"`, CodeBadMessage, ""},
		{`{"v":1,"type":"subscribe","subscribe":{"air":{"after":"0"}}}`, CodeBadMessage, ""},
		{`{"v":3,"type":"subscribe","subscribe":{"air":{"after":0}}}`, CodeBadVersion, ""},
		{`{"v":1,"type":"dance"}`, CodeUnknownType, ""},
		{readingJSON("air", "air-1", 1, time.Now(), airValues), CodeUnexpectedType, ""},
		{`{"v":1,"type":"subscribe","subscribe":{"weather":{"after":0}}}`, CodeUnknownFeed, "weather"},
		{`{"v":1,"type":"action","action":{"id":"a-1","alert":"al-1","step":"acknowledge","officer":"王","time":"soon"}}`, CodeBadAction, ""},
	}
	rd := &rawReader{ws: ws}
	for _, tc := range tests {
		writeRaw(t, ws, tc.raw)
		env := rd.next(t)
		if env.Type != TypeError || env.Code != tc.code || env.Feed != tc.feed || env.Error == "" {
			t.Errorf("%s: got %s code %q feed %q error %q, want error code %q feed %q", tc.raw, env.Type, env.Code, env.Feed, env.Error, tc.code, tc.feed)
		}
	}
	// the connection is still up and serves a subscribe
	writeRaw(t, ws, `{"v":1,"type":"subscribe","subscribe":{"air":{"after":0},"rain":{"after":0}}}`)
	var hello, refusal Envelope
	for hello.Type == "" || refusal.Type == "" {
		switch env := rd.next(t); env.Type {
		case TypeHello:
			hello = env
		case TypeError:
			refusal = env
		}
	}
	if refusal.Code != CodeUnknownFeed || refusal.Feed != "rain" {
		t.Errorf("got %+v, want unknown_feed for rain", refusal)
	}
	if hello.Epoch != s.Epoch() || hello.HeartbeatMS != DefaultHeartbeat.Milliseconds() || hello.ReadLimit != DefaultServerReadLimit {
		t.Errorf("hello %+v", hello)
	}
	writeRaw(t, ws, `{"v":1,"type":"subscribe","subscribe":{"air":{"after":0}}}`)
	if env := rd.until(t, TypeError); env.Code != CodeAlreadySubscribed {
		t.Errorf("second subscribe: got %+v, want already_subscribed", env)
	}
	if got := s.Stats().Rejected; got != uint64(len(tests)+2) {
		t.Errorf("Rejected = %d, want %d", got, len(tests)+2)
	}
}

func TestServerOversizeFrame(t *testing.T) {
	s, url := newTestServer(t, ServerConfig{ReadLimit: 1024})
	ws := dialRaw(t, url, nil)
	writeRaw(t, ws, `{"v":1,"type":"action","action":{"id":"a","alert":"b","step":"comment","officer":"c","time":"2026-01-01T00:00:00Z","note":"`+strings.Repeat("长", 1000)+`"}}`)
	_ = ws.SetReadDeadline(time.Now().Add(testWait))
	_, _, err := ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("got %v, want close 1009 (message too big)", err)
	}
	waitFor(t, "the rejection to be counted", func() bool { return s.Stats().Rejected == 1 })
}

func TestActions(t *testing.T) {
	var mu sync.Mutex
	var passed []string
	s, url := newTestServer(t, ServerConfig{OnAction: func(a WireAction) {
		mu.Lock()
		passed = append(passed, a.ID)
		mu.Unlock()
	}})
	_ = s
	act := WireAction{ID: "act-1", Alert: "alert-7", Step: "acknowledge", Officer: "王伟", Time: time.Now().Format(time.RFC3339)}
	idle, err := NewClient(ClientConfig{URL: url, Feeds: []city.Feed{city.FeedFire}, Handler: newRecorder()})
	if err != nil {
		t.Fatal(err)
	}
	if err := idle.SendAction(act); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("not connected: got %v, want ErrNotConnected", err)
	}
	h := refuser{newRecorder()}
	c := startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedFire}, Handler: h})
	waitFor(t, "the connection", func() bool { return h.count(Connected) == 1 })
	for i := 0; i < 2; i++ { // the second is a redelivery from the outbox
		if err := c.SendAction(act); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the ack", func() bool {
			n := 0
			h.snapshot(func(h *recorder) { n = len(h.acks) })
			return n == i+1
		})
	}
	if err := c.SendAction(WireAction{ID: "act-2"}); err == nil {
		t.Error("an action without alert, step, officer and time was sent")
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(passed, []string{"act-1"}) {
		t.Errorf("OnAction got %q, want act-1 once", passed)
	}
	h.snapshot(func(h *recorder) {
		if !slices.Equal(h.acks, []string{"act-1", "act-1"}) {
			t.Errorf("acks %q, want act-1 twice", h.acks)
		}
	})
}

func TestActionRefusedReachesHandler(t *testing.T) {
	url := rawServer(t, func(ws *websocket.Conn, n int) {
		writeRaw(t, ws, `{"v":1,"type":"hello","epoch":"e"}`)
		writeRaw(t, ws, `{"v":1,"type":"error","code":"bad_action","id":"act-9","error":"unknown alert"}`)
		writeRaw(t, ws, `{"v":1,"type":"error","code":"unknown_feed","feed":"rain","error":"unknown feed"}`)
		time.Sleep(testWait)
	})
	h := refuser{newRecorder()}
	startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedAir}, Handler: h})
	waitFor(t, "the refusals", func() bool {
		n := 0
		h.snapshot(func(h *recorder) { n = len(h.refused) + len(h.rejects) })
		return n == 2
	})
	h.snapshot(func(h *recorder) {
		if !slices.Equal(h.refused, []string{"act-9: unknown alert"}) {
			t.Errorf("refused %q", h.refused)
		}
		if len(h.rejects) != 1 || h.rejects[0].feed != "" || !errors.Is(h.rejects[0].err, ErrRefused) {
			t.Errorf("rejects %+v, want one ErrRefused against feed \"\"", h.rejects)
		}
	})
}

// TestSlowClientDropped: a writer whose cursor fell behind the ring stops
// with errTooSlow (the client is then disconnected and resumes).
func TestSlowClientDropped(t *testing.T) {
	s := NewServer(ServerConfig{ReplayPerFeed: 8})
	defer s.Close()
	putTestStations(t, s)
	c := &serverConn{s: s, ctl: make(chan []byte, 1), plan: make(chan *subscription, 1)}
	c.cursors = []feedCursor{{ring: s.rings[city.FeedAir], after: 2}}
	publishN(t, s, 20) // the ring holds 13..20 now
	if err := c.flush(); !errors.Is(err, errTooSlow) {
		t.Fatalf("flush: got %v, want errTooSlow", err)
	}
}

func TestPublishAndPutStationErrors(t *testing.T) {
	s := NewServer(ServerConfig{})
	putTestStations(t, s)
	r := airReading(10)
	r.Station = "air-404"
	if _, err := s.Publish(r); !errors.Is(err, ErrUnknownStation) {
		t.Errorf("unknown station: got %v", err)
	}
	r = airReading(10)
	r.Values[0].Unit = "mg/L"
	if _, err := s.Publish(r); !errors.Is(err, ErrUnit) {
		t.Errorf("wrong unit: got %v", err)
	}
	r = airReading(10)
	r.Values[0].Unit = ""
	if seq, err := s.Publish(r); err != nil || seq != 1 {
		t.Errorf("empty unit: got %d, %v; want seq 1", seq, err)
	}
	bad := testStations[0]
	bad.Location[0] = 0
	if err := s.PutStation(bad); !errors.Is(err, ErrOutOfBounds) {
		t.Errorf("station at 0,0: got %v", err)
	}
	zone := testStations[4]
	zone.Location = [2]float64{}
	if err := s.PutStation(zone); err != nil {
		t.Errorf("zone without location: %v (its centroid should be used)", err)
	}
	s.Close()
	if _, err := s.Publish(airReading(1)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: got %v", err)
	}
}

func TestRecording(t *testing.T) {
	var rec bytes.Buffer
	s := NewServer(ServerConfig{Record: &rec})
	putTestStations(t, s)
	publishN(t, s, 3)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(rec.String()), "\n")
	if len(lines) != len(testStations)+3 {
		t.Fatalf("%d lines, want %d", len(lines), len(testStations)+3)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("line is not JSON: %s", l)
		}
	}
	var stations, seqs []string
	err := ReadRecording(strings.NewReader(rec.String()), NewValidator(), func(st *city.Station, rd *city.Reading) error {
		if st != nil {
			stations = append(stations, st.ID)
		} else {
			seqs = append(seqs, fmt.Sprint(rd.Seq))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stations) != len(testStations) || !slices.Equal(seqs, []string{"1", "2", "3"}) {
		t.Errorf("stations %q, seqs %q", stations, seqs)
	}
	if err := ReadRecording(strings.NewReader(`{"v":1,"type":"heartbeat","epoch":"e"}`), NewValidator(), nil); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("heartbeat in a recording: got %v", err)
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRecordingError(t *testing.T) {
	s := NewServer(ServerConfig{Record: failWriter{}})
	putTestStations(t, s)
	publishN(t, s, 1)
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close: got %v, want the recording error", err)
	}
}

// A duty message is an action of a duty kind: the server acknowledges it
// and passes it on once; a misspelt duty kind is refused as bad_action.
func TestDutyActions(t *testing.T) {
	var mu sync.Mutex
	var passed []string
	_, url := newTestServer(t, ServerConfig{OnAction: func(a WireAction) {
		mu.Lock()
		passed = append(passed, a.Step+"/"+a.Alert)
		mu.Unlock()
	}})
	h := refuser{newRecorder()}
	c := startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedFire}, Handler: h})
	waitFor(t, "the connection", func() bool { return h.count(Connected) == 1 })
	shift := "2026-08-14T08:00:00+08:00|白班"
	now := time.Now().Format(time.RFC3339)
	for i, step := range DutySteps {
		a := WireAction{ID: fmt.Sprintf("duty-%d", i), Alert: shift, Step: step, Officer: "王伟", Time: now, Note: "交班：无遗留"}
		if err := c.SendAction(a); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the acks", func() bool {
		n := 0
		h.snapshot(func(h *recorder) { n = len(h.acks) })
		return n == len(DutySteps)
	})
	if err := c.SendAction(WireAction{ID: "duty-x", Alert: shift, Step: "duty_sign_off", Officer: "王伟", Time: now}); err == nil {
		t.Error("a misspelt duty kind was sent")
	}
	v := NewValidator()
	if err := v.Action(&WireAction{ID: "duty-y", Alert: shift, Step: "duty_handover", Officer: "王伟", Time: now}); err == nil {
		t.Error("validator took an unknown duty kind")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(passed) != len(DutySteps) || passed[0] != StepDutySignOff+"/"+shift {
		t.Errorf("server passed on %q", passed)
	}
}
