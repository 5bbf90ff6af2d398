package feeds

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"onescreen/city"
)

// peerRecorder is a recorder that also takes relayed steps.
type peerRecorder struct {
	*recorder
	smu   sync.Mutex
	steps []WireAction
}

func (h *peerRecorder) PeerStep(a WireAction) {
	h.smu.Lock()
	h.steps = append(h.steps, a)
	h.smu.Unlock()
}

func (h *peerRecorder) stepIDs() []string {
	h.smu.Lock()
	defer h.smu.Unlock()
	var out []string
	for _, a := range h.steps {
		out = append(out, a.ID)
	}
	return out
}

func testAction(n int) WireAction {
	return WireAction{ID: fmt.Sprintf("act-%d", n), Alert: "alert-7", Step: "comment", Officer: "王伟",
		Time: time.Now().In(city.Shanghai).Format(time.RFC3339Nano), Note: fmt.Sprintf("备注 %d", n)}
}

// sendAction sends an action on a raw connection and waits for its ack.
func sendAction(t *testing.T, url string, a WireAction) {
	t.Helper()
	ws := dialRaw(t, url, nil)
	defer ws.Close()
	writeRaw(t, ws, `{"v":1,"type":"subscribe","subscribe":{"fire":{"after":0}}}`)
	b, err := Encode(Envelope{V: ProtocolVersion, Type: TypeAction, Action: &a})
	if err != nil {
		t.Fatal(err)
	}
	writeRaw(t, ws, string(b))
	r := &rawReader{ws: ws}
	for {
		if env := r.next(t); env.Type == TypeActionAck && env.ID == a.ID {
			return
		}
	}
}

// stepsAfter subscribes to steps only, from cursor, and returns the ids
// of the steps sent up to the first heartbeat.
func stepsAfter(t *testing.T, url string, cur Cursor) []string {
	t.Helper()
	ws := dialRaw(t, url, nil)
	defer ws.Close()
	b, _ := Encode(Envelope{V: ProtocolVersion, Type: TypeSubscribe, Subscribe: map[string]Cursor{StepsKey: cur}})
	writeRaw(t, ws, string(b))
	r := &rawReader{ws: ws}
	var ids []string
	for {
		env := r.next(t)
		switch env.Type {
		case TypeStep:
			ids = append(ids, env.Action.ID)
		case TypeHeartbeat:
			return ids
		}
	}
}

// TestStepLogSurvivesRestart: accepted steps are logged, relayed to every
// client that subscribed to steps, and after a restart of the server on
// the same step log a repeated action id is acknowledged but neither
// logged nor relayed again; a client resumes from its step cursor.
func TestStepLogSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps.jsonl")
	log1, err := OpenStepLog(path)
	if err != nil {
		t.Fatal(err)
	}
	var sw swapHandler
	s1 := NewServer(ServerConfig{Steps: log1, Heartbeat: 100 * time.Millisecond})
	putTestStations(t, s1)
	sw.set(s1)
	hs := httptest.NewServer(&sw)
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + StreamPath

	h := &peerRecorder{recorder: newRecorder()}
	c := startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedFire}, Handler: h, Cursors: h.Cursors})
	waitFor(t, "the client to connect", func() bool { return h.count(Connected) == 1 })
	acts := []WireAction{testAction(1), testAction(2), testAction(3)}
	for _, a := range acts {
		sendAction(t, url, a)
	}
	waitFor(t, "three relayed steps", func() bool { return len(h.stepIDs()) == 3 })
	lines, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(lines), "\n"); n != 3 {
		t.Fatalf("step log has %d lines, want 3:\n%s", n, lines)
	}
	epoch := log1.Epoch()
	s1.Close()
	if err := log1.Close(); err != nil {
		t.Fatal(err)
	}

	log2, err := OpenStepLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer log2.Close()
	if log2.Len() != 3 || log2.Epoch() != epoch {
		t.Fatalf("reopened log: %d steps, epoch %q; want 3 of epoch %q", log2.Len(), log2.Epoch(), epoch)
	}
	s2 := NewServer(ServerConfig{Steps: log2, Heartbeat: 100 * time.Millisecond})
	defer s2.Close()
	putTestStations(t, s2)
	sw.set(s2)
	waitFor(t, "the client to reconnect", func() bool { return h.count(Connected) == 2 })

	sendAction(t, url, acts[1]) // a resend whose first delivery was before the restart
	a4 := testAction(4)
	sendAction(t, url, a4)
	waitFor(t, "the fourth step", func() bool { return len(h.stepIDs()) == 4 })
	time.Sleep(200 * time.Millisecond)
	if got, want := h.stepIDs(), []string{"act-1", "act-2", "act-3", "act-4"}; !slices.Equal(got, want) {
		t.Errorf("relayed %v, want %v (each once)", got, want)
	}
	if st := s2.Stats(); st.Steps != 4 || st.ActionRepeats != 1 || st.Actions != 2 {
		t.Errorf("after the restart: %d steps logged, %d of %d actions repeats; want 4, 1 of 2", st.Steps, st.ActionRepeats, st.Actions)
	}
	if cur := c.StepCursor(); cur != (Cursor{Epoch: epoch, After: 4}) {
		t.Errorf("client step cursor %+v, want epoch %q after 4", cur, epoch)
	}
	if got := stepsAfter(t, url, Cursor{Epoch: epoch, After: 2}); !slices.Equal(got, []string{"act-3", "act-4"}) {
		t.Errorf("from step 2: %v, want act-3 and act-4", got)
	}
	if got := stepsAfter(t, url, Cursor{Epoch: "another log", After: 2}); len(got) != 4 {
		t.Errorf("a cursor of another step log got %v, want all 4", got)
	}
}

// TestStepLogCorruptLines: lines that cannot be read are named in the
// error, left in the file and skipped; every other step is loaded, its id
// still drops a repeat, and new steps go on their own lines after a torn
// one.
func TestStepLogCorruptLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps.jsonl")
	l, err := OpenStepLog(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, seq, added, err := l.Append(testAction(i)); err != nil || !added || seq != uint64(i) {
			t.Fatalf("append %d: seq %d added %v err %v", i, seq, added, err)
		}
	}
	l.Close()
	b, _ := os.ReadFile(path)
	good := strings.Split(strings.TrimSpace(string(b)), "\n")
	bad := strings.Replace(good[1], `"comment"`, `"sneeze"`, 1) // seq 2 unreadable: seq 3 after it still counts
	content := good[0] + "\n" + "{not json\n" + bad + "\n" + good[2] + "\n" + `{"v":1,"type":"step","epo`
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}

	l, err = OpenStepLog(path)
	var ce *CorruptStepLogError
	if !errors.As(err, &ce) || l == nil {
		t.Fatalf("open a log with bad lines: %v (log %v), want a CorruptStepLogError and the log", err, l)
	}
	var lines []int
	for _, e := range ce.Lines {
		lines = append(lines, e.Line)
	}
	if !slices.Equal(lines, []int{2, 3, 5}) {
		t.Errorf("bad lines %v, want 2, 3 and 5: %v", lines, err)
	}
	for _, want := range []string{path, "line 2", "line 3: ", "unknown step \"sneeze\"", "line 5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if l.Len() != 2 || !l.Has("act-1") || !l.Has("act-3") || l.Has("act-2") {
		t.Errorf("loaded %d steps, want act-1 and act-3", l.Len())
	}
	if got := l.since(0); len(got) != 2 || !strings.Contains(string(got[1]), "act-3") {
		t.Errorf("steps relayed from the start: %q, want act-1 and act-3", got)
	}
	if _, _, added, err := l.Append(testAction(1)); added || err != nil {
		t.Errorf("a logged id appended again (added %v, err %v)", added, err)
	}
	if _, seq, added, err := l.Append(testAction(5)); !added || err != nil || seq != 4 {
		t.Errorf("append after the bad lines: seq %d added %v err %v, want seq 4", seq, added, err)
	}
	l.Close()

	after, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(after), content+"\n") {
		t.Errorf("the bad lines were not kept as they were:\n%s", after)
	}
	l, err = OpenStepLog(path)
	if !errors.As(err, &ce) || len(ce.Lines) != 3 {
		t.Fatalf("reopen: %v, want the same three bad lines", err)
	}
	defer l.Close()
	if l.Len() != 3 || !l.Has("act-5") {
		t.Errorf("reopened: %d steps, want 3 with act-5", l.Len())
	}
}

// TestClientRejectsBadSteps: relayed steps with an unknown step kind, a
// bad time, an unknown member or no seq are rejected like any bad message;
// a good one is delivered once, a resend of its seq dropped.
func TestClientRejectsBadSteps(t *testing.T) {
	now := time.Now().In(city.Shanghai).Format(time.RFC3339)
	step := func(seq int, step, tm, extra string) string {
		return fmt.Sprintf(`{"v":1,"type":"step","epoch":"L1","seq":%d,"action":{"id":"act-%d","alert":"alert-7","step":%q,"officer":"王伟","time":%q%s}}`, seq, seq, step, tm, extra)
	}
	url := rawServer(t, func(ws *websocket.Conn, n int) {
		writeRaw(t, ws, `{"v":1,"type":"hello","epoch":"E1","feeds":["fire"],"latest":{"fire":0}}`)
		writeRaw(t, ws, step(1, "sneeze", now, ""))
		writeRaw(t, ws, step(2, "acknowledge", "soon", ""))
		writeRaw(t, ws, step(3, "acknowledge", now, `,"colour":"red"`))
		writeRaw(t, ws, `{"v":1,"type":"step","epoch":"L1","action":{"id":"act-x","alert":"a","step":"comment","officer":"王伟","time":"`+now+`","note":"x"}}`)
		writeRaw(t, ws, step(4, "acknowledge", now, ""))
		writeRaw(t, ws, step(4, "acknowledge", now, ""))
		time.Sleep(time.Second)
	})
	h := &peerRecorder{recorder: newRecorder()}
	startClient(t, ClientConfig{URL: url, Feeds: []city.Feed{city.FeedFire}, Handler: h, Cursors: h.Cursors})
	waitFor(t, "the good step", func() bool { return len(h.stepIDs()) == 1 })
	waitFor(t, "four rejections", func() bool {
		n := 0
		h.snapshot(func(h *recorder) { n = len(h.rejects) })
		return n >= 4
	})
	time.Sleep(100 * time.Millisecond)
	if got := h.stepIDs(); !slices.Equal(got, []string{"act-4"}) {
		t.Errorf("delivered %v, want act-4 once", got)
	}
	h.snapshot(func(h *recorder) {
		var reasons []string
		for _, r := range h.rejects {
			reasons = append(reasons, r.err.Error())
		}
		all := strings.Join(reasons, "\n")
		for _, want := range []string{`unknown step "sneeze"`, `"soon" is not RFC 3339`, `unknown field "colour"`, `step message without "seq"`} {
			if !strings.Contains(all, want) {
				t.Errorf("no rejection says %q:\n%s", want, all)
			}
		}
		if len(h.rejects) != 4 {
			t.Errorf("%d rejections, want 4:\n%s", len(h.rejects), all)
		}
	})
}

// TestStepLogCompact: compacting drops the steps taken before the cut-off
// from the front, keeps the others under their seqs and the log's epoch,
// on disk too (a restart loads the compacted log), sends a client whose
// cursor lies before the oldest step kept from the oldest, and goes on
// numbering after the newest; a log with unreadable lines is left alone.
func TestStepLogCompact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps.jsonl")
	l, err := OpenStepLog(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	at := func(n int, age time.Duration) WireAction {
		a := testAction(n)
		a.Time = now.Add(-age).In(city.Shanghai).Format(time.RFC3339Nano)
		return a
	}
	steps := []WireAction{at(1, 100*24*time.Hour), at(2, 95*24*time.Hour), at(3, 91*24*time.Hour), at(4, 10*24*time.Hour), at(5, time.Hour),
		at(6, 92*24*time.Hour)} // an old step after a newer one stays: no seq is skipped inside the log
	for i, a := range steps {
		if _, seq, added, err := l.Append(a); err != nil || !added || seq != uint64(i+1) {
			t.Fatalf("append %d: seq %d added %v err %v", i+1, seq, added, err)
		}
	}
	epoch := l.Epoch()
	n, err := l.Compact(now.Add(-DefaultStepKeep))
	if err != nil || n != 3 {
		t.Fatalf("compact: %d dropped, %v; want 3", n, err)
	}
	seqsOf := func(msgs [][]byte) []uint64 {
		var out []uint64
		for _, m := range msgs {
			env, err := Decode(m)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, env.Seq)
		}
		return out
	}
	check := func(what string, l *StepLog) {
		t.Helper()
		if l.First() != 4 || l.Last() != 6 || l.Len() != 3 || l.Epoch() != epoch {
			t.Errorf("%s: first %d last %d len %d epoch %q; want 4, 6, 3, %q", what, l.First(), l.Last(), l.Len(), l.Epoch(), epoch)
		}
		if got := seqsOf(l.since(0)); !slices.Equal(got, []uint64{4, 5, 6}) {
			t.Errorf("%s: a client from 0 is sent seqs %v, want 4 5 6", what, got)
		}
		if got := seqsOf(l.since(4)); !slices.Equal(got, []uint64{5, 6}) {
			t.Errorf("%s: a client after 4 is sent seqs %v, want 5 6", what, got)
		}
		if l.Has("act-1") || !l.Has("act-4") {
			t.Errorf("%s: holds act-1 %v, act-4 %v", what, l.Has("act-1"), l.Has("act-4"))
		}
	}
	check("compacted", l)
	if _, seq, added, err := l.Append(at(7, 0)); err != nil || !added || seq != 7 {
		t.Fatalf("append after compacting: seq %d added %v err %v; want 7", seq, added, err)
	}
	if _, seq, added, _ := l.Append(at(5, 0)); added || seq != 5 {
		t.Errorf("a repeat of act-5: seq %d added %v; want 5, not added", seq, added)
	}
	l.Close()
	b, _ := os.ReadFile(path)
	if lines := strings.Count(string(b), "\n"); lines != 4 {
		t.Errorf("the compacted file holds %d lines, want 4:\n%s", lines, b)
	}
	l2, err := OpenStepLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if l2.First() != 4 || l2.Last() != 7 || l2.Epoch() != epoch {
		t.Errorf("reloaded: first %d last %d epoch %q; want 4, 7, %q", l2.First(), l2.Last(), l2.Epoch(), epoch)
	}
	if n, err := l2.Compact(now.Add(-DefaultStepKeep)); err != nil || n != 0 {
		t.Errorf("compacting again: %d dropped, %v; want 0", n, err)
	}

	// unreadable lines are moved aside by a compaction, and the newest
	// step stays however old, with the epoch and the seq to go on from
	if err := os.WriteFile(path, append(b, []byte("{not json\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	l2.Close()
	l3, err := OpenStepLog(path)
	var ce *CorruptStepLogError
	if !errors.As(err, &ce) {
		t.Fatalf("open: %v, want a CorruptStepLogError", err)
	}
	if n, err := l3.Compact(now.Add(time.Hour)); err != nil || n != 3 {
		t.Errorf("compacting a log with an unreadable line: %d dropped, %v; want 3", n, err)
	}
	l3.Close()
	if u, err := os.ReadFile(path + ".unreadable"); err != nil || string(u) != "{not json\n" {
		t.Errorf("unreadable lines kept aside: %q, %v", u, err)
	}
	l4, err := OpenStepLog(path)
	if err != nil {
		t.Fatalf("open the compacted log: %v", err)
	}
	defer l4.Close()
	if l4.First() != 7 || l4.Last() != 7 || l4.Epoch() != epoch {
		t.Errorf("after compacting all but the newest: first %d last %d epoch %q; want 7, 7, %q", l4.First(), l4.Last(), l4.Epoch(), epoch)
	}
}

// TestStepLogSeqJump: a line whose seq jumps far past the one before it
// (a damaged seq) is unreadable, not room made for every seq skipped.
func TestStepLogSeqJump(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps.jsonl")
	l, err := OpenStepLog(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if _, _, _, err := l.Append(testAction(i)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	jumped := strings.Replace(lines[1], `"seq":2`, `"seq":18446744073709551615`, 1)
	if jumped == lines[1] {
		t.Fatalf("no seq in %s", lines[1])
	}
	if err := os.WriteFile(path, []byte(lines[0]+"\n"+jumped+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err = OpenStepLog(path)
	var ce *CorruptStepLogError
	if !errors.As(err, &ce) || len(ce.Lines) != 1 || ce.Lines[0].Line != 2 || !strings.Contains(ce.Lines[0].Reason, "jumps") {
		t.Fatalf("open: %v", err)
	}
	defer l.Close()
	if l.Last() != 1 || l.Len() != 1 {
		t.Errorf("last %d, len %d; want 1, 1", l.Last(), l.Len())
	}
}
