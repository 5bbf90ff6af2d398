package app

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"onescreen/cache"
	"onescreen/city"
	"onescreen/internal/testutil"
)

// headlessProc is a running `onescreen --headless` whose output is watched.
type headlessProc struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	out strings.Builder
}

func startHeadless(t *testing.T, bin string, args ...string) *headlessProc {
	t.Helper()
	p := &headlessProc{cmd: exec.Command(bin, append([]string{"--headless", "--status-every", "500ms"}, args...)...)}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() })
	return p
}

func (p *headlessProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func cacheState(t *testing.T, dataDir string) (map[city.Feed]cache.Cursor, int64) {
	t.Helper()
	db, err := cache.Open(dataDir, cache.Options{})
	if err != nil {
		t.Fatalf("reopen after the crash: %v", err)
	}
	defer db.Close()
	if err := db.IntegrityCheck(); err != nil {
		t.Fatalf("PRAGMA integrity_check after SIGKILL: %v", err)
	}
	cs, err := db.Cursors()
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.ReadingCount()
	if err != nil {
		t.Fatal(err)
	}
	return cs, n
}

// TestKilledDuringIngestRecovers kills the headless app with SIGKILL during
// heavy ingest, checks the database with PRAGMA integrity_check, restarts
// the app and shows ingest resuming from the stored cursor: in the end every
// value cityfeed sent up to the cursors is stored exactly once.
func TestKilledDuringIngestRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	dir := t.TempDir()
	feedBin := testutil.Build(t, dir, "./cmd/cityfeed", "")
	appBin := testutil.Build(t, dir, ".", testutil.AppTags)
	addr := testutil.FreeAddr(t)
	record := filepath.Join(dir, "record.jsonl")
	srv := exec.Command(feedBin, "serve", "--addr", addr, "--record", record,
		"--scale", "20", "--interval", "200ms", "--seed", "11", "--replay-buffer", "500000")
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	testutil.WaitFor(t, 20*time.Second, "cityfeed to listen", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	dataDir := filepath.Join(dir, "data")
	feedURL := "ws://" + addr + "/v1/stream"

	first := startHeadless(t, appBin, "--data", dataDir, "--feed", feedURL)
	testutil.WaitFor(t, 30*time.Second, "heavy ingest", func() bool {
		return strings.Contains(first.output(), "fire   LIVE")
	})
	time.Sleep(2 * time.Second) // well into ingest, mid-batch
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.cmd.Wait()

	cursors1, count1 := cacheState(t, dataDir)
	if count1 == 0 {
		t.Fatal("nothing was stored before the kill")
	}
	for _, f := range city.Feeds {
		if cursors1[f].Seq == 0 {
			t.Errorf("feed %s: no cursor stored before the kill", f)
		}
	}

	second := startHeadless(t, appBin, "--data", dataDir, "--feed", feedURL)
	testutil.WaitFor(t, 30*time.Second, "ingest after the restart", func() bool {
		return strings.Count(second.output(), "fire   LIVE") >= 3
	})
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.cmd.Wait(); err != nil {
		t.Fatalf("headless app after SIGTERM: %v\n%s", err, second.output())
	}
	if strings.Contains(second.output(), "gaps") {
		t.Errorf("the restarted app saw a gap, so it did not resume from its cursor:\n%s", second.output())
	}
	cursors2, count2 := cacheState(t, dataDir)
	for _, f := range city.Feeds {
		if cursors2[f].Seq <= cursors1[f].Seq {
			t.Errorf("feed %s: cursor did not move after the restart (%d → %d)", f, cursors1[f].Seq, cursors2[f].Seq)
		}
		if cursors2[f].Epoch != cursors1[f].Epoch {
			t.Errorf("feed %s: epoch changed although cityfeed kept running", f)
		}
	}
	if count2 <= count1 {
		t.Errorf("no new readings after the restart (%d → %d)", count1, count2)
	}
	_ = srv.Process.Signal(syscall.SIGTERM)
	_ = srv.Wait()
	want, stored := verifyStoredOnce(t, record, dataDir)
	t.Logf("before kill: %d rows; after restart: %d rows; %d values sent up to the cursors, %d stored", count1, count2, want, stored)
}
