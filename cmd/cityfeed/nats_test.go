package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/testutil"
)

// streamMsgs is how many messages a stream holds.
func streamMsgs(t *testing.T, url, name string) uint64 {
	t.Helper()
	js := testutil.JetStream(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	return s.CachedInfo().State.Msgs
}

var passRE = regexp.MustCompile(`pass 1 done: (\d+) readings, (\d+) refused`)

// TestReplayIntoJetStream: cityfeed replay --nats plays a file into the
// district's streams, made on the way; played twice, each reading is
// stored once (its Nats-Msg-Id comes from its data); a desk consuming the
// streams takes every reading without a rejection.
func TestReplayIntoJetStream(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	var n int
	for i := 0; i < 2; i++ {
		out, err := exec.Command(binPath, "replay", filepath.Join("testdata", "air_realtime_shanghai.csv"), "--speed", "1000000", "--nats", ns.URLs()).CombinedOutput()
		if err != nil {
			t.Fatalf("replay --nats: %v\n%s", err, out)
		}
		m := passRE.FindSubmatch(out)
		if m == nil {
			t.Fatalf("no pass line in:\n%s", out)
		}
		n, _ = strconv.Atoi(string(m[1]))
	}
	if n == 0 {
		t.Fatal("nothing replayed")
	}
	if got := streamMsgs(t, ns.URLs(), "ONESCREEN_HUANGPU"); got != uint64(n) {
		t.Fatalf("after two replays the stream holds %d readings, want %d (each once)", got, n)
	}
	if got := streamMsgs(t, ns.URLs(), "ONESCREEN_HUANGPU_STATIONS"); got != 4 {
		t.Errorf("stations stream holds %d, want the 4 Shanghai stations", got)
	}
	h := &countHandler{}
	u, _ := feeds.ParseNATSURLs(ns.URLs())
	j, err := feeds.NewJetStream(feeds.JetStreamConfig{URLs: u, Feeds: city.Feeds, Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = j.Run(ctx) }()
	testutil.WaitFor(t, 20*time.Second, "every replayed reading", func() bool { r, _ := h.counts(); return r >= n })
	cancel()
	<-done
	if r, rej := h.counts(); r != n || rej != 0 {
		t.Fatalf("%d readings and %d rejects, want %d and 0", r, rej, n)
	}
}

// TestServeIntoJetStream: cityfeed serve --nats publishes the simulated
// district until interrupted, then waits for its acks and exits cleanly.
func TestServeIntoJetStream(t *testing.T) {
	ns := testutil.StartNATS(t, 1)
	cmd := exec.Command(binPath, "serve", "--nats", ns.URLs(), "--interval", "100ms", "--district", "huangpu")
	var mu sync.Mutex
	var logs []byte
	cmd.Stderr = writerFunc(func(b []byte) (int, error) { mu.Lock(); logs = append(logs, b...); mu.Unlock(); return len(b), nil })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	js := testutil.JetStream(t, ns.URLs())
	testutil.WaitFor(t, 20*time.Second, "readings in the stream", func() bool {
		s, err := js.Stream(context.Background(), "ONESCREEN_HUANGPU")
		return err == nil && s.CachedInfo().State.Msgs > 500
	})
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGINT)
	err := cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		t.Fatalf("serve --nats: %v\n%s", err, logs)
	}
	m := regexp.MustCompile(`(\d+) readings published, (\d+) acked`).FindSubmatch(logs)
	if m == nil || string(m[1]) != string(m[2]) {
		t.Fatalf("not every reading acked at the end:\n%s", logs)
	}
	acked, _ := strconv.Atoi(string(m[2]))
	if got := streamMsgs(t, ns.URLs(), "ONESCREEN_HUANGPU"); got != uint64(acked) {
		t.Errorf("the stream holds %d readings, %d were acked", got, acked)
	}
	if got := streamMsgs(t, ns.URLs(), "ONESCREEN_HUANGPU_STEPS"); got != 0 {
		t.Errorf("steps stream holds %d", got)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// countHandler counts readings and rejects.
type countHandler struct {
	mu            sync.Mutex
	readings, rej int
}

func (h *countHandler) Hello(string)                 {}
func (h *countHandler) Station(city.Station)         {}
func (h *countHandler) Gap(feeds.WireGap, string)    {}
func (h *countHandler) ActionAck(string)             {}
func (h *countHandler) State(feeds.ConnState, error) {}
func (h *countHandler) Reading(city.Reading, string) { h.mu.Lock(); h.readings++; h.mu.Unlock() }
func (h *countHandler) Reject(string, []byte, error) { h.mu.Lock(); h.rej++; h.mu.Unlock() }
func (h *countHandler) counts() (int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.readings, h.rej
}
