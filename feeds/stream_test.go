package feeds

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"onescreen/city"
)

// Timing for websocket tests: short enough to keep tests quick, long
// enough for the race detector on a busy machine.
const (
	testPing       = 100 * time.Millisecond
	testPongWait   = 1 * time.Second
	testMinBackoff = 20 * time.Millisecond
	testMaxBackoff = 200 * time.Millisecond
	testWait       = 15 * time.Second // the longest a test waits for something that should happen
)

// recorder is a Handler that keeps everything, and a cache of cursors.
type recorder struct {
	mu       sync.Mutex
	hellos   []string
	stations []city.Station
	readings []city.Reading
	epochs   []string // the epoch of each reading
	gaps     []WireGap
	rejects  []rejectRec
	acks     []string
	refused  []string
	states   []stateRec
	cursors  map[city.Feed]Cursor
}

type rejectRec struct {
	feed string
	raw  []byte
	err  error
}

type stateRec struct {
	s   ConnState
	err error
	at  time.Time
}

func newRecorder() *recorder { return &recorder{cursors: map[city.Feed]Cursor{}} }

func (h *recorder) Hello(epoch string) {
	h.mu.Lock()
	h.hellos = append(h.hellos, epoch)
	h.mu.Unlock()
}
func (h *recorder) Station(st city.Station) {
	h.mu.Lock()
	h.stations = append(h.stations, st)
	h.mu.Unlock()
}
func (h *recorder) Reading(r city.Reading, epoch string) {
	h.mu.Lock()
	h.readings = append(h.readings, r)
	h.epochs = append(h.epochs, epoch)
	h.cursors[r.Feed] = Cursor{Epoch: epoch, After: r.Seq}
	h.mu.Unlock()
}
func (h *recorder) Gap(g WireGap, epoch string) {
	h.mu.Lock()
	h.gaps = append(h.gaps, g)
	h.mu.Unlock()
}
func (h *recorder) Reject(feed string, raw []byte, reason error) {
	h.mu.Lock()
	h.rejects = append(h.rejects, rejectRec{feed, raw, reason})
	h.mu.Unlock()
}
func (h *recorder) ActionAck(id string) { h.mu.Lock(); h.acks = append(h.acks, id); h.mu.Unlock() }
func (h *recorder) State(s ConnState, err error) {
	h.mu.Lock()
	h.states = append(h.states, stateRec{s, err, time.Now()})
	h.mu.Unlock()
}
func (h *recorder) Cursors() (map[city.Feed]Cursor, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[city.Feed]Cursor, len(h.cursors))
	for f, c := range h.cursors {
		out[f] = c
	}
	return out, nil
}

// snapshot runs fn under the recorder's lock.
func (h *recorder) snapshot(fn func(h *recorder)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn(h)
}

func (h *recorder) count(s ConnState) int {
	n := 0
	h.snapshot(func(h *recorder) {
		for _, st := range h.states {
			if st.s == s {
				n++
			}
		}
	})
	return n
}

func (h *recorder) lastState() stateRec {
	var st stateRec
	h.snapshot(func(h *recorder) {
		if len(h.states) > 0 {
			st = h.states[len(h.states)-1]
		}
	})
	return st
}

// refuser is a recorder that also learns of refused actions.
type refuser struct{ *recorder }

func (h refuser) ActionRefused(id, reason string) {
	h.mu.Lock()
	h.refused = append(h.refused, id+": "+reason)
	h.mu.Unlock()
}

// waitFor polls cond until it holds or testWait passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// swapHandler lets a test replace the server behind one URL (a restart).
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) set(h http.Handler) { s.h.Store(&h) }
func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// newTestServer starts a feed server with the test stations behind an
// httptest server and returns it with its websocket URL.
func newTestServer(t *testing.T, cfg ServerConfig) (*Server, string) {
	t.Helper()
	s := NewServer(cfg)
	putTestStations(t, s)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	return s, "ws" + strings.TrimPrefix(hs.URL, "http") + StreamPath
}

func putTestStations(t *testing.T, s *Server) {
	t.Helper()
	for _, st := range testStations {
		if err := s.PutStation(st); err != nil {
			t.Fatalf("PutStation %s: %v", st.ID, err)
		}
	}
}

func airReading(pm25 float64) city.Reading {
	return city.Reading{Feed: city.FeedAir, Station: "air-1", Time: time.Now(),
		Values: []city.Measurement{{Param: city.ParamPM25, Value: pm25, Unit: "µg/m³"}}}
}

func publishN(t *testing.T, s *Server, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := s.Publish(airReading(float64(i % 300))); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
}

// startClient runs a client until the test ends.
func startClient(t *testing.T, cfg ClientConfig) *Client {
	t.Helper()
	if cfg.PingInterval == 0 {
		cfg.PingInterval, cfg.PongWait = testPing, testPongWait
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = testMinBackoff, testMaxBackoff
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
		case <-time.After(testWait):
			t.Error("Run did not return after cancel")
		}
	})
	return c
}

// seqs returns the seqs of the recorded readings of one feed.
func (h *recorder) seqs(f city.Feed) []uint64 {
	var out []uint64
	h.snapshot(func(h *recorder) {
		for _, r := range h.readings {
			if r.Feed == f {
				out = append(out, r.Seq)
			}
		}
	})
	return out
}

func wantRun(t *testing.T, got []uint64, from, to uint64) {
	t.Helper()
	if uint64(len(got)) != to-from+1 {
		t.Fatalf("got %d readings, want %d (seq %d..%d)", len(got), to-from+1, from, to)
	}
	for i, s := range got {
		if s != from+uint64(i) {
			t.Fatalf("reading %d has seq %d, want %d (duplicate or loss)", i, s, from+uint64(i))
		}
	}
}

func TestSubscribeReplayAndLive(t *testing.T) {
	s, url := newTestServer(t, ServerConfig{Heartbeat: 200 * time.Millisecond})
	publishN(t, s, 100)
	h := newRecorder()
	startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedAir, city.FeedCrowd}, Handler: h, Cursors: h.Cursors})
	waitFor(t, "the replayed readings", func() bool { return len(h.seqs(city.FeedAir)) == 100 })
	publishN(t, s, 100)
	waitFor(t, "the live readings", func() bool { return len(h.seqs(city.FeedAir)) == 200 })
	wantRun(t, h.seqs(city.FeedAir), 1, 200)
	h.snapshot(func(h *recorder) {
		if !slices.Equal(h.hellos, []string{s.Epoch()}) {
			t.Errorf("hellos %q, want [%q]", h.hellos, s.Epoch())
		}
		var ids []string
		for _, st := range h.stations {
			ids = append(ids, st.ID)
		}
		if want := []string{"air-1", "zone-1"}; !slices.Equal(ids, want) {
			t.Errorf("stations %q, want %q (only the subscribed feeds')", ids, want)
		}
		for _, e := range h.epochs {
			if e != s.Epoch() {
				t.Fatalf("reading epoch %q, want %q", e, s.Epoch())
			}
		}
		if len(h.rejects)+len(h.gaps) > 0 {
			t.Errorf("rejects %v, gaps %v; want none", h.rejects, h.gaps)
		}
	})
	if got := s.Clients(); got != 1 {
		t.Errorf("Clients() = %d, want 1", got)
	}
}

// TestResumeAcrossDisconnects drops the client again and again while
// readings flow; every seq must arrive exactly once.
func TestResumeAcrossDisconnects(t *testing.T) {
	s, url := newTestServer(t, ServerConfig{})
	h := newRecorder()
	startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedAir}, Handler: h, Cursors: h.Cursors})
	const rounds, perRound = 8, 250
	for i := 0; i < rounds; i++ {
		publishN(t, s, perRound)
		if i%2 == 0 {
			waitFor(t, "a connection", func() bool { return s.Clients() == 1 })
		}
		s.disconnectAll()
	}
	waitFor(t, "every reading", func() bool { return len(h.seqs(city.FeedAir)) >= rounds*perRound })
	time.Sleep(100 * time.Millisecond) // let any duplicate show itself
	wantRun(t, h.seqs(city.FeedAir), 1, rounds*perRound)
	if n := h.count(Connected); n < 2 {
		t.Errorf("connected %d times, want several", n)
	}
	h.snapshot(func(h *recorder) {
		if len(h.gaps) > 0 {
			t.Errorf("gaps %v, want none", h.gaps)
		}
	})
}

func TestServerRestartNewEpoch(t *testing.T) {
	var sw swapHandler
	s1 := NewServer(ServerConfig{})
	putTestStations(t, s1)
	sw.set(s1)
	hs := httptest.NewServer(&sw)
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + StreamPath

	h := newRecorder()
	startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedAir}, Handler: h, Cursors: h.Cursors})
	publishN(t, s1, 30)
	waitFor(t, "the first life's readings", func() bool { return len(h.seqs(city.FeedAir)) == 30 })

	s2 := NewServer(ServerConfig{})
	defer s2.Close()
	putTestStations(t, s2)
	publishN(t, s2, 5)
	sw.set(s2)
	s1.Close() // the restart
	waitFor(t, "the second life's readings", func() bool { return len(h.seqs(city.FeedAir)) == 35 })
	if s1.Epoch() == s2.Epoch() {
		t.Fatal("two server lives share an epoch")
	}
	h.snapshot(func(h *recorder) {
		if !slices.Equal(h.hellos, []string{s1.Epoch(), s2.Epoch()}) {
			t.Errorf("hellos %q, want both epochs", h.hellos)
		}
		for i, r := range h.readings[30:] {
			if r.Seq != uint64(i+1) || h.epochs[30+i] != s2.Epoch() {
				t.Errorf("after restart reading %d: seq %d epoch %q, want seq %d epoch %q", i, r.Seq, h.epochs[30+i], i+1, s2.Epoch())
			}
		}
		if c := h.cursors[city.FeedAir]; c != (Cursor{Epoch: s2.Epoch(), After: 5}) {
			t.Errorf("cursor %+v, want the new epoch at 5", c)
		}
		if len(h.gaps) > 0 {
			t.Errorf("gaps %v, want none (the new life's ring starts at 1)", h.gaps)
		}
	})
}

func TestGapWhenHistoryIsGone(t *testing.T) {
	s, url := newTestServer(t, ServerConfig{ReplayPerFeed: 10})
	publishN(t, s, 50)
	tests := []struct {
		name   string
		cursor Cursor
		gap    WireGap
	}{
		{"cursor older than the ring", Cursor{Epoch: s.Epoch(), After: 5}, WireGap{Feed: "air", From: 6, To: 40}},
		{"no cursor", Cursor{}, WireGap{Feed: "air", From: 1, To: 40}},
		{"cursor of an earlier life", Cursor{Epoch: "old", After: 45}, WireGap{Feed: "air", From: 1, To: 40}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newRecorder()
			h.cursors[city.FeedAir] = tc.cursor
			startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedAir}, Handler: h, Cursors: h.Cursors})
			waitFor(t, "the ring's readings", func() bool { return len(h.seqs(city.FeedAir)) == 10 })
			wantRun(t, h.seqs(city.FeedAir), 41, 50)
			h.snapshot(func(h *recorder) {
				if !slices.Equal(h.gaps, []WireGap{tc.gap}) {
					t.Errorf("gaps %+v, want [%+v]", h.gaps, tc.gap)
				}
			})
		})
	}
}

// TestSilentServerNoticed: a server that accepts, says hello and then goes
// silent (no data, no pongs: a half-open connection) is given up within
// PongWait, and the client dials again.
func TestSilentServerNoticed(t *testing.T) {
	url := rawServer(t, func(ws *websocket.Conn, n int) {
		writeRaw(t, ws, `{"v":1,"type":"hello","epoch":"silent"}`)
		time.Sleep(testWait) // never read again: pings go unanswered
	})
	h := newRecorder()
	startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedAir}, Handler: h})
	waitFor(t, "the dead connection to be noticed", func() bool { return h.count(Disconnected) >= 1 })
	var connected, dropped stateRec
	h.snapshot(func(h *recorder) {
		for _, st := range h.states {
			if st.s == Connected && connected.at.IsZero() {
				connected = st
			}
			if st.s == Disconnected && dropped.at.IsZero() {
				dropped = st
			}
		}
	})
	if connected.at.IsZero() {
		t.Fatal("never connected")
	}
	if took := dropped.at.Sub(connected.at); took > testPongWait+time.Second {
		t.Errorf("noticed after %v, want within about %v", took, testPongWait)
	}
	if dropped.err == nil || !strings.Contains(dropped.err.Error(), "presumed dead") {
		t.Errorf("error %v, want one saying the connection is presumed dead", dropped.err)
	}
	waitFor(t, "a redial", func() bool { return h.count(Connecting) >= 2 })
}

// TestServerDropsSilentClient: a client that stops answering pings is
// dropped within missedHeartbeats heartbeats.
func TestServerDropsSilentClient(t *testing.T) {
	s, url := newTestServer(t, ServerConfig{Heartbeat: 100 * time.Millisecond})
	ws := dialRaw(t, url, nil)
	writeRaw(t, ws, `{"v":1,"type":"subscribe","subscribe":{"air":{"after":0}}}`)
	waitFor(t, "the client", func() bool { return s.Clients() == 1 })
	start := time.Now()
	waitFor(t, "the silent client to be dropped", func() bool { return s.Clients() == 0 })
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("dropped after %v, want about %v", took, missedHeartbeats*100*time.Millisecond)
	}
}

func TestAuth(t *testing.T) {
	s, url := newTestServer(t, ServerConfig{Token: "s3cret"})
	httpURL := "http" + strings.TrimPrefix(url, "ws")

	t.Run("HTTP", func(t *testing.T) {
		tests := []struct {
			path, auth string
			want       int
		}{
			{StreamPath, "", http.StatusUnauthorized},
			{StreamPath, "Bearer wrong", http.StatusUnauthorized},
			{StreamPath, "Basic czNjcmV0", http.StatusUnauthorized},
			{StreamPath, "Bearer s3cret", http.StatusBadRequest}, // right token, but not a websocket request
			{"/v2/stream", "Bearer s3cret", http.StatusNotFound},
		}
		for _, tc := range tests {
			req, _ := http.NewRequest("GET", strings.TrimSuffix(httpURL, StreamPath)+tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s with %q: HTTP %d, want %d", tc.path, tc.auth, resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without a Bearer challenge")
			}
		}
	})

	for _, tc := range []struct{ name, token, inErr string }{
		{"missing token", "", "missing bearer token"},
		{"wrong token", "guess", "wrong bearer token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newRecorder()
			startClient(t, ClientConfig{URL: url, Token: tc.token, Feeds: []city.Feed{city.FeedAir}, Handler: h,
				MinBackoff: 10 * time.Millisecond, MaxBackoff: 5 * time.Second})
			waitFor(t, "the refusal", func() bool { return h.count(AuthFailed) == 1 })
			st := h.lastState()
			if !errors.Is(st.err, ErrAuth) || !strings.Contains(st.err.Error(), "401") || !strings.Contains(st.err.Error(), tc.inErr) {
				t.Errorf("error %v, want ErrAuth with HTTP 401 and %q", st.err, tc.inErr)
			}
			time.Sleep(500 * time.Millisecond)
			if n := h.count(Connecting); n != 1 {
				t.Errorf("dialled %d times within 0.5 s of a refusal, want 1 (back off to MaxBackoff)", n)
			}
		})
	}

	t.Run("right token", func(t *testing.T) {
		publishN(t, s, 3)
		h := newRecorder()
		startClient(t, ClientConfig{URL: url, Token: "s3cret", Feeds: []city.Feed{city.FeedAir}, Handler: h})
		waitFor(t, "readings", func() bool { return len(h.seqs(city.FeedAir)) == 3 })
	})
}

func TestBackoff(t *testing.T) {
	rnd := newTestRand()
	const lo, hi = 100 * time.Millisecond, 5 * time.Second
	prevFloor := time.Duration(0)
	for n := 0; n < 70; n++ {
		ceil := hi
		if n < 6 {
			ceil = lo << n // 100 ms … 3.2 s, then capped at 5 s
		}
		seen := map[time.Duration]bool{}
		for i := 0; i < 50; i++ {
			d := backoff(n, lo, hi, rnd)
			if d < ceil/2 || d > ceil {
				t.Fatalf("attempt %d: %v outside [%v, %v]", n, d, ceil/2, ceil)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("attempt %d: only %d distinct delays in 50: no jitter", n, len(seen))
		}
		if ceil/2 < prevFloor {
			t.Errorf("attempt %d: floor %v fell below %v", n, ceil/2, prevFloor)
		}
		prevFloor = ceil / 2
	}
	if d := backoff(1<<30, lo, hi, rnd); d > hi {
		t.Errorf("huge attempt: %v over the cap %v", d, hi)
	}
}

func TestTLS(t *testing.T) {
	s := NewServer(ServerConfig{})
	putTestStations(t, s)
	publishN(t, s, 4)
	hs := httptest.NewUnstartedServer(s)
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // the unknown-CA case makes the server log a handshake error
	hs.StartTLS()
	defer func() { s.Close(); hs.Close() }()
	url := "wss" + strings.TrimPrefix(hs.URL, "https") + StreamPath
	caFile := writeCertPEM(t, hs)

	t.Run("site CA", func(t *testing.T) {
		h := newRecorder()
		startClient(t, ClientConfig{URL: url, CAFile: caFile, Feeds: []city.Feed{city.FeedAir}, Handler: h})
		waitFor(t, "readings over TLS", func() bool { return len(h.seqs(city.FeedAir)) == 4 })
	})
	t.Run("unknown CA", func(t *testing.T) {
		h := newRecorder()
		startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedAir}, Handler: h})
		waitFor(t, "the refusal", func() bool { return h.count(Disconnected) >= 1 })
		if st := h.lastState(); st.err == nil || !strings.Contains(st.err.Error(), "certificate") {
			t.Errorf("error %v, want a certificate error", st.err)
		}
	})
	t.Run("bad CA files", func(t *testing.T) {
		for _, f := range []string{t.TempDir() + "/missing.pem", writeFile(t, "not a certificate")} {
			if _, err := NewClient(ClientConfig{URL: url, CAFile: f, Feeds: []city.Feed{city.FeedAir}, Handler: newRecorder()}); err == nil {
				t.Errorf("CA file %s accepted", f)
			}
		}
	})
}

func TestNewClientChecks(t *testing.T) {
	ok := ClientConfig{URL: "ws://127.0.0.1:1/v1/stream", Feeds: []city.Feed{city.FeedAir}, Handler: newRecorder()}
	tests := []struct {
		name string
		edit func(c *ClientConfig)
	}{
		{"http scheme", func(c *ClientConfig) { c.URL = "http://127.0.0.1:1" }},
		{"no host", func(c *ClientConfig) { c.URL = "ws:///v1/stream" }},
		{"no handler", func(c *ClientConfig) { c.Handler = nil }},
		{"no feeds", func(c *ClientConfig) { c.Feeds = nil }},
		{"unknown feed", func(c *ClientConfig) { c.Feeds = []city.Feed{"rain"} }},
		{"pong wait below ping", func(c *ClientConfig) { c.PingInterval, c.PongWait = time.Second, time.Second/2 }},
		{"backoff inverted", func(c *ClientConfig) { c.MinBackoff, c.MaxBackoff = time.Second, time.Millisecond }},
		{"CA file for ws", func(c *ClientConfig) { c.CAFile = "ca.pem" }},
	}
	for _, tc := range tests {
		cfg := ok
		tc.edit(&cfg)
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	c, err := NewClient(ClientConfig{URL: "ws://127.0.0.1:1", Feeds: []city.Feed{city.FeedAir}, Handler: newRecorder()})
	if err != nil {
		t.Fatal(err)
	}
	if c.url != "ws://127.0.0.1:1"+StreamPath {
		t.Errorf("URL %q, want the stream path added", c.url)
	}
}
