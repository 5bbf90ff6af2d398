package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"onescreen/city"
	"onescreen/feeds"
)

// send writes one message on the stream.
func (s *stream) send(env feeds.Envelope) {
	s.t.Helper()
	b, err := feeds.Encode(env)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		s.t.Fatal(err)
	}
}

// TestServeStepLog: serve keeps accepted steps beside its recording; after
// a restart on that step log with a corrupt line added, the line is named
// in the log, the step logged before is still there (relayed to a desk
// that asks for steps), and its id sent again is acknowledged but not
// logged twice.
func TestServeStepLog(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "rec.jsonl")
	steps := record + ".steps"
	act := feeds.WireAction{ID: "act-cityfeed-1", Alert: "SD-01|fire_alarm|2026-08-14T02:00:00Z", Step: "acknowledge", Officer: "王伟",
		Time: time.Now().In(city.Shanghai).Format(time.RFC3339)}
	acked := func(envs []feeds.Envelope) bool {
		for _, e := range envs {
			if e.Type == feeds.TypeActionAck && e.ID == act.ID {
				return true
			}
		}
		return false
	}

	p := start(t, "serve", "--addr", "127.0.0.1:0", "--record", record, "--interval", "1s")
	s := dial(t, p.url, "", nil)
	s.send(feeds.Envelope{V: feeds.ProtocolVersion, Type: feeds.TypeAction, Action: &act})
	s.collect(10*time.Second, acked)
	p.stop(t)
	b, err := os.ReadFile(steps)
	if err != nil {
		t.Fatalf("no step log beside the recording: %v", err)
	}
	if n := strings.Count(string(b), "\n"); n != 1 || !strings.Contains(string(b), act.ID) {
		t.Fatalf("step log after one action:\n%s", b)
	}
	f, err := os.OpenFile(steps, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{\"v\":1,\"type\":\"step\",\"seq\":\n")
	f.Close()

	p = start(t, "serve", "--addr", "127.0.0.1:0", "--steps", steps, "--interval", "1s")
	if l := p.log(); !strings.Contains(l, "step log "+steps+": 1 unreadable line(s)") || !strings.Contains(l, "line 2:") {
		t.Errorf("the corrupt line is not reported:\n%s", l)
	}
	s = dial(t, p.url, "", nil)
	s.send(feeds.Envelope{V: feeds.ProtocolVersion, Type: feeds.TypeAction, Action: &act})
	s.collect(10*time.Second, acked)
	ws, _, err := websocket.DefaultDialer.Dial(p.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	desk := &stream{t: t, ws: ws}
	defer ws.Close()
	desk.send(feeds.Envelope{V: feeds.ProtocolVersion, Type: feeds.TypeSubscribe, Subscribe: map[string]feeds.Cursor{feeds.StepsKey: {}}})
	got := desk.collect(10*time.Second, func(envs []feeds.Envelope) bool {
		for _, e := range envs {
			if e.Type == feeds.TypeHeartbeat {
				return true
			}
		}
		return false
	})
	var relayed []string
	for _, e := range got {
		if e.Type == feeds.TypeStep {
			relayed = append(relayed, e.Action.ID)
		}
	}
	if len(relayed) != 1 || relayed[0] != act.ID {
		t.Errorf("steps relayed after the restart: %v, want %s once", relayed, act.ID)
	}
	p.stop(t)
	b, _ = os.ReadFile(steps)
	if strings.Count(string(b), act.ID) != 1 || strings.Count(string(b), "\n") != 2 {
		t.Errorf("step log after the restart and a repeat:\n%s", b)
	}
}
