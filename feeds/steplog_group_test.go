package feeds

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"onescreen/city"
)

// stalledSync replaces a step log's fsync: the first sync waits until
// release is called, the others pass; it counts them all.
type stalledSync struct {
	entered chan struct{} // closed when the first sync starts
	gate    chan struct{}
	once    sync.Once
	mu      sync.Mutex
	n       int
	fail    error // returned by the first sync, once released
}

func newStalledSync(t *testing.T, l *StepLog) *stalledSync {
	s := &stalledSync{entered: make(chan struct{}), gate: make(chan struct{})}
	l.syncFile = s.sync
	t.Cleanup(s.release) // never leave an appender stalled
	return s
}

func (s *stalledSync) sync(f *os.File) error {
	s.mu.Lock()
	s.n++
	first := s.n == 1
	s.mu.Unlock()
	if first {
		close(s.entered)
		<-s.gate
		if s.fail != nil {
			return s.fail
		}
	}
	return f.Sync()
}

func (s *stalledSync) release() { s.once.Do(func() { close(s.gate) }) }

func (s *stalledSync) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *stalledSync) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-s.entered:
	case <-time.After(testWait):
		t.Fatal("no sync started")
	}
}

// waiting is how many steps are accepted and not yet durable (those of
// the group being synced included).
func (l *StepLog) waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pend)
}

type appendResult struct {
	id    string
	seq   uint64
	added bool
	err   error
}

// TestStepLogGroupCommit: while one step's fsync is under way the log is
// not locked: its readers answer and other appenders' steps are accepted
// (not acknowledged: their Appends return only once their steps are
// synced, and no reader sees them before), and all the steps that came
// in during the fsync share the next one. A repeat of an id still waiting
// waits for it and is not logged twice.
func TestStepLogGroupCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps.jsonl")
	l, err := OpenStepLog(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() }) // after the stall is released (cleanups run last first)
	var relayed []uint64
	l.setRelay(func(msgs [][]byte) { // called with the log's lock held
		for _, m := range msgs {
			env, err := Decode(m)
			if err != nil {
				t.Errorf("relayed %s: %v", m, err)
				continue
			}
			relayed = append(relayed, env.Seq)
		}
	})
	stall := newStalledSync(t, l)

	results := make(chan appendResult, 32)
	appendAsync := func(a WireAction) {
		go func() {
			_, seq, added, err := l.Append(a)
			results <- appendResult{a.ID, seq, added, err}
		}()
	}
	appendAsync(testAction(1))
	stall.waitEntered(t)

	// the log's readers answer while the fsync is stalled
	answered := make(chan string, 1)
	go func() {
		answered <- fmt.Sprintf("has %v, len %d, last %d, since %d", l.Has("act-1"), l.Len(), l.Last(), len(l.since(0)))
	}()
	select {
	case got := <-answered:
		if want := "has false, len 0, last 0, since 0"; got != want {
			t.Errorf("during the first fsync the log says %q, want %q: nothing is there before it is durable", got, want)
		}
	case <-time.After(testWait):
		t.Fatal("the step log's readers are blocked behind an fsync")
	}

	const others = 8
	for i := 2; i <= others+1; i++ {
		appendAsync(testAction(i))
	}
	waitFor(t, "the other appenders' steps to be accepted during the fsync", func() bool { return l.waiting() == others+1 })
	appendAsync(testAction(1)) // a repeat of the step being synced
	appendAsync(testAction(5)) // a repeat of a step waiting
	select {
	case r := <-results:
		t.Fatalf("Append of %s returned before its step was synced: %+v", r.id, r)
	case <-time.After(50 * time.Millisecond):
	}
	if len(relayed) != 0 {
		t.Fatalf("relayed %v before the fsync", relayed)
	}

	stall.release()
	got := map[string][]appendResult{}
	for range others + 3 {
		select {
		case r := <-results:
			if r.err != nil {
				t.Fatalf("append %s: %v", r.id, r.err)
			}
			got[r.id] = append(got[r.id], r)
		case <-time.After(testWait):
			t.Fatal("appends did not return after the fsync")
		}
	}
	seqs := map[uint64]string{}
	for id, rs := range got {
		added := 0
		for _, r := range rs {
			if r.seq != rs[0].seq {
				t.Errorf("%s got seqs %d and %d", id, rs[0].seq, r.seq)
			}
			if r.added {
				added++
			}
		}
		if added != 1 {
			t.Errorf("%s added %d times, want once", id, added)
		}
		if other, dup := seqs[rs[0].seq]; dup {
			t.Errorf("seq %d given to %s and %s", rs[0].seq, id, other)
		}
		seqs[rs[0].seq] = id
	}
	if got["act-1"][0].seq != 1 || len(seqs) != others+1 {
		t.Errorf("act-1 has seq %d, %d seqs in all; want 1 and %d", got["act-1"][0].seq, len(seqs), others+1)
	}
	if n := stall.count(); n != 2 {
		t.Errorf("%d fsyncs for %d steps, want 2: the steps taken during the first share the second", n, others+1)
	}
	if want := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(relayed, want) {
		t.Errorf("relayed seqs %v, want %v: each once, in order", relayed, want)
	}
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "\n"); n != others+1 {
		t.Errorf("the file holds %d lines, want %d", n, others+1)
	}
	l.Close()
	l2, err := OpenStepLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if l2.Len() != others+1 || l2.Last() != others+1 {
		t.Errorf("reopened: %d steps, last %d; want %d", l2.Len(), l2.Last(), others+1)
	}
}

// TestStepLogGroupSyncFails: when the fsync of a group fails, every step
// of the group and every step waiting behind it gets the error (none is
// acknowledged, relayed or shown by the log), and the log takes no more.
func TestStepLogGroupSyncFails(t *testing.T) {
	l, err := OpenStepLog(filepath.Join(t.TempDir(), "steps.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	relayed := 0
	l.setRelay(func(msgs [][]byte) { relayed += len(msgs) })
	stall := newStalledSync(t, l)
	stall.fail = errors.New("input/output error")
	results := make(chan appendResult, 8)
	for i := 1; i <= 4; i++ {
		go func() {
			_, seq, added, err := l.Append(testAction(i))
			results <- appendResult{fmt.Sprint(i), seq, added, err}
		}()
		if i == 1 {
			stall.waitEntered(t)
		}
	}
	waitFor(t, "four steps waiting", func() bool { return l.waiting() == 4 })
	stall.release()
	for range 4 {
		r := <-results
		if r.err == nil || !strings.Contains(r.err.Error(), "input/output error") || r.added {
			t.Errorf("append %s: added %v, err %v; want the sync error", r.id, r.added, r.err)
		}
	}
	if l.Len() != 0 || l.Last() != 0 || relayed != 0 || l.Has("act-1") {
		t.Errorf("after a failed sync: len %d, last %d, %d relayed", l.Len(), l.Last(), relayed)
	}
	if _, _, _, err := l.Append(testAction(9)); err == nil {
		t.Error("the log took a step after a failed sync")
	}
}

// TestServerStepWaitsForSync: a feed server relays and acknowledges a
// step only once the step log has synced it, and a desk subscribing to
// steps meanwhile is served at once, not held behind the fsync; it gets
// the step once it is durable, once.
func TestServerStepWaitsForSync(t *testing.T) {
	l, err := OpenStepLog(filepath.Join(t.TempDir(), "steps.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	stall := newStalledSync(t, l)
	_, url := newTestServer(t, ServerConfig{Steps: l, Heartbeat: 100 * time.Millisecond})
	t.Cleanup(func() { l.Close() })

	h := &peerRecorder{recorder: newRecorder()}
	c := startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedFire}, Handler: h, Cursors: h.Cursors})
	waitFor(t, "desk A to connect", func() bool { return h.count(Connected) == 1 })
	if err := c.SendAction(testAction(1)); err != nil {
		t.Fatal(err)
	}
	stall.waitEntered(t)

	ws := dialRaw(t, url, nil) // desk B
	defer ws.Close()
	writeRaw(t, ws, `{"v":1,"type":"subscribe","subscribe":{"steps":{"after":0}}}`)
	// desk B reads all along (answering the server's pings) while the
	// test waits on desk A
	envs := make(chan Envelope, 1024)
	go func() {
		defer close(envs)
		for {
			_, raw, err := ws.ReadMessage()
			if err != nil {
				return
			}
			env, err := Decode(raw)
			if err != nil {
				return
			}
			if env.Type != TypeBatch {
				envs <- env
				continue
			}
			for _, m := range env.Messages {
				if e, err := Decode(m); err == nil {
					envs <- e
				}
			}
		}
	}()
	next := func() Envelope {
		t.Helper()
		select {
		case env, ok := <-envs:
			if !ok {
				t.Fatal("desk B's connection ended")
			}
			return env
		case <-time.After(testWait):
			t.Fatal("desk B got nothing") // so when its subscription waits for the fsync
		}
		return Envelope{}
	}
	if env := next(); env.Type != TypeHello {
		t.Fatalf("desk B got %s first, want hello", env.Type)
	}
	time.Sleep(100 * time.Millisecond)
	h.snapshot(func(h *recorder) {
		if len(h.acks) != 0 {
			t.Errorf("desk A got an ack before its step was synced: %v", h.acks)
		}
	})
	if got := h.stepIDs(); len(got) != 0 {
		t.Errorf("desk A was relayed %v before the step was synced", got)
	}

	stall.release()
	waitFor(t, "desk A's ack", func() bool {
		n := 0
		h.snapshot(func(h *recorder) { n = len(h.acks) })
		return n == 1
	})
	waitFor(t, "the step relayed to desk A", func() bool { return len(h.stepIDs()) == 1 })
	var steps []string
	for beats := 0; beats < 2; { // two heartbeats after the step: no second copy of it
		switch env := next(); env.Type {
		case TypeStep:
			steps = append(steps, env.Action.ID)
		case TypeHeartbeat:
			if len(steps) > 0 {
				beats++
			}
		}
	}
	if !slices.Equal(steps, []string{"act-1"}) {
		t.Errorf("desk B got steps %v, want act-1 once", steps)
	}
	if got := h.stepIDs(); !slices.Equal(got, []string{"act-1"}) {
		t.Errorf("desk A was relayed %v, want act-1 once", got)
	}
}

// TestStepLogWriteFailsThenRecovers: a write that fails half way (the
// disk full) is cut off the file again; its steps and those waiting
// behind it are not logged, relayed or acknowledged (each Append returns
// the error), and the log takes steps again once writes succeed: the same
// steps sent again get the seqs that follow the last durable one, and the
// file reads back without an unreadable line.
func TestStepLogWriteFailsThenRecovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps.jsonl")
	l, err := OpenStepLog(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if _, _, _, err := l.Append(testAction(1)); err != nil {
		t.Fatal(err)
	}
	var relayed []string
	l.setRelay(func(msgs [][]byte) {
		for _, m := range msgs {
			env, _ := Decode(m)
			relayed = append(relayed, env.Action.ID)
		}
	})
	full := errors.New("no space left on device")
	entered, gate := make(chan struct{}), make(chan struct{})
	var once sync.Once
	l.writeFile = func(f *os.File, b []byte) (int, error) {
		first := false
		once.Do(func() { first = true })
		if !first {
			return f.Write(b)
		}
		close(entered)
		<-gate
		n, _ := f.Write(b[:len(b)/2]) // half of it reaches the file
		return n, full
	}
	results := make(chan appendResult, 8)
	for i := 2; i <= 4; i++ {
		go func() {
			_, seq, added, err := l.Append(testAction(i))
			results <- appendResult{fmt.Sprint(i), seq, added, err}
		}()
		if i == 2 {
			<-entered
		}
	}
	waitFor(t, "three steps waiting", func() bool { return l.waiting() == 3 })
	close(gate)
	for range 3 {
		if r := <-results; r.err == nil || !errors.Is(r.err, full) || r.added {
			t.Errorf("append act-%s during the failed write: added %v seq %d err %v; want the write's error", r.id, r.added, r.seq, r.err)
		}
	}
	if l.Len() != 1 || l.Last() != 1 || l.Has("act-2") || len(relayed) != 0 {
		t.Fatalf("after the failed write: len %d last %d, relayed %v; want only act-1", l.Len(), l.Last(), relayed)
	}
	for i, id := range []int{3, 2, 5} { // sent again, and a new one
		if _, seq, added, err := l.Append(testAction(id)); err != nil || !added || seq != uint64(i+2) {
			t.Fatalf("append act-%d after the failed write: seq %d added %v err %v; want seq %d", id, seq, added, err, i+2)
		}
	}
	if want := []string{"act-3", "act-2", "act-5"}; !slices.Equal(relayed, want) {
		t.Errorf("relayed %v, want %v", relayed, want)
	}
	l.Close()
	l2, err := OpenStepLog(path)
	if err != nil {
		t.Fatalf("reopen after a failed write: %v (the half line was not cut off)", err)
	}
	defer l2.Close()
	if l2.Len() != 4 || l2.Last() != 4 {
		t.Errorf("reopened: %d steps, last %d; want 4", l2.Len(), l2.Last())
	}
}
