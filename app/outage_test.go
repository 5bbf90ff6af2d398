package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"onescreen/cache"
	"onescreen/city"
	"onescreen/feeds"
	"onescreen/internal/testutil"
)

// readingKey identifies one stored value: station + observation time + parameter.
type readingKey struct {
	station string
	ms      int64
	param   string
}

// recordedReadings reads a cityfeed --record file and returns, per feed,
// the keys of every reading value with its seq.
func recordedReadings(t *testing.T, path string) (map[readingKey]uint64, map[city.Feed]uint64, map[readingKey]city.Feed) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[readingKey]uint64{}
	feedOf := map[readingKey]city.Feed{}
	last := map[city.Feed]uint64{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var env feeds.Envelope
		if err := json.Unmarshal(sc.Bytes(), &env); err != nil {
			t.Fatalf("record line %q: %v", sc.Text(), err)
		}
		if env.Type != feeds.TypeReading || env.Reading == nil {
			continue
		}
		r := env.Reading
		tm, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			t.Fatalf("record time %q: %v", r.Time, err)
		}
		add := func(param string) {
			k := readingKey{r.Station, tm.UnixMilli(), param}
			if _, dup := keys[k]; dup {
				t.Fatalf("the record holds %v twice", k)
			}
			keys[k] = r.Seq
			feedOf[k] = city.Feed(r.Feed)
		}
		for p := range r.Values {
			if c, ok := city.HJ212Codes[p]; ok {
				p = c
			}
			add(p)
		}
		if r.Event != "" {
			add("event")
		}
		if r.Seq > last[city.Feed(r.Feed)] {
			last[city.Feed(r.Feed)] = r.Seq
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return keys, last, feedOf
}

// TestOutageEveryReadingStoredOnce runs the real cityfeed binary with
// --record, connects the app's data path to it through a loopback TCP proxy,
// cuts the link four times mid-stream while cityfeed keeps publishing, and
// then proves from the record and the cache that every reading sent up to
// the client's final cursor is stored, and stored exactly once.
func TestOutageEveryReadingStoredOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	dir := t.TempDir()
	bin := testutil.Build(t, dir, "./cmd/cityfeed", "")
	addr := testutil.FreeAddr(t)
	record := filepath.Join(dir, "record.jsonl")
	srv := exec.Command(bin, "serve", "--addr", addr, "--record", record, "--interval", "200ms", "--scale", "2", "--seed", "7")
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	testutil.WaitFor(t, 20*time.Second, "cityfeed to listen", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	proxy := testutil.NewProxy(t, addr)
	rt, err := Start(context.Background(), Options{
		DataDir:    filepath.Join(dir, "data"),
		FeedURL:    "ws://" + proxy.Addr + feeds.StreamPath,
		MaxBackoff: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			rt.Close()
		}
	}()

	stored := func() int64 {
		if err := rt.DB.Flush(); err != nil {
			t.Fatal(err)
		}
		n, err := rt.DB.ReadingCount()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for cut := 1; cut <= 4; cut++ {
		before := stored()
		testutil.WaitFor(t, 20*time.Second, fmt.Sprintf("readings before cut %d", cut), func() bool { return stored() > before+50 })
		proxy.Cut()
		time.Sleep(time.Duration(600+300*cut) * time.Millisecond) // cityfeed keeps publishing meanwhile
		proxy.Restore(t)
	}
	// Let the client catch up on what it missed during the last cut.
	time.Sleep(3 * time.Second)
	if err := rt.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	closed = true
	_ = srv.Process.Signal(syscall.SIGTERM)
	_ = srv.Wait()

	want, n := verifyStoredOnce(t, record, filepath.Join(dir, "data"))
	t.Logf("%d values sent up to the cursors, %d stored, 4 cuts", want, n)
}

// verifyStoredOnce proves from a cityfeed record and the cache in dataDir
// that every value sent up to each feed's stored cursor is in the cache
// exactly once, that the cache holds nothing that was not sent, and that
// every feed's cursor caught up with the record. It returns how many values
// were sent up to the cursors and how many are stored.
func verifyStoredOnce(t *testing.T, record, dataDir string) (int, int) {
	t.Helper()
	keys, last, feedOf := recordedReadings(t, record)
	db, err := cache.Open(dataDir, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cursors, err := db.Cursors()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[readingKey]int{}
	err = db.EachReading(cache.ReadingFilter{}, func(r cache.Row) error {
		p := r.Param
		if r.Event != "" {
			p = "event"
		}
		seen[readingKey{r.Station, r.Time.UnixMilli(), p}]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%v stored %d times", k, n)
		}
		if _, ok := keys[k]; !ok {
			t.Errorf("%v is in the cache but was never sent", k)
		}
	}
	want := 0
	for k, seq := range keys {
		c := cursors[feedOf[k]]
		if seq > c.Seq {
			continue // sent after the client's final cursor
		}
		want++
		if seen[k] != 1 {
			t.Errorf("%v (feed %s seq %d ≤ cursor %d) stored %d times", k, feedOf[k], seq, c.Seq, seen[k])
		}
	}
	for _, f := range city.Feeds {
		c := cursors[f]
		if c.Seq == 0 {
			t.Errorf("feed %s: no cursor stored", f)
			continue
		}
		// The client must have caught up to within the last second of publishing.
		if last[f]-c.Seq > uint64(last[f]/5+50) {
			t.Errorf("feed %s: cursor %d lags the record's last seq %d", f, c.Seq, last[f])
		}
	}
	if want < 1000 {
		t.Errorf("only %d values up to the cursors; the test did not exercise enough traffic", want)
	}
	return want, len(seen)
}
