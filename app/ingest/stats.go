package ingest

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"
)

// ProcessStats are the figures a long-running screen is watched by: they
// must stay bounded over days.
type ProcessStats struct {
	Goroutines int
	HeapMB     float64 // Go heap in use, garbage not yet collected included
	LiveMB     float64 // Go heap still reachable at the last collection
	RSSMB      float64 // resident set (Linux; 0 elsewhere)
	FDs        int     // open file descriptors (Linux; 0 elsewhere)
}

// ReadProcessStats samples this process.
func ReadProcessStats() ProcessStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := ProcessStats{Goroutines: runtime.NumGoroutine(), HeapMB: float64(ms.HeapInuse) / (1 << 20)}
	// The heap in use rises and falls with the collector's pacing (by
	// some hundred MB between collections when screenshots are taken);
	// what a leak raises is the heap still live after a collection.
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	if live[0].Value.Kind() == metrics.KindUint64 {
		s.LiveMB = float64(live[0].Value.Uint64()) / (1 << 20)
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var kb float64
			if _, err := fmt.Sscanf(line, "VmRSS: %f kB", &kb); err == nil {
				s.RSSMB = kb / 1024
			}
		}
	}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		s.FDs = len(ents)
	}
	return s
}

// String is the stats line: "stats goroutines=12 heap_mb=80.1 live_mb=40.2 rss_mb=210.3 fds=23".
func (s ProcessStats) String() string {
	return fmt.Sprintf("stats goroutines=%d heap_mb=%.1f live_mb=%.1f rss_mb=%.1f fds=%d", s.Goroutines, s.HeapMB, s.LiveMB, s.RSSMB, s.FDs)
}

// LogStats writes a stats line to w every period until ctx ends. The
// first time the goroutines jump to four times their first count (and
// past 100), it also writes what they are doing, once.
func LogStats(ctx context.Context, w io.Writer, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	first, dumped := 0, false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s := ReadProcessStats()
			fmt.Fprintln(w, s)
			if first == 0 {
				first = s.Goroutines
			}
			if !dumped && s.Goroutines > 100 && s.Goroutines > 4*first {
				dumped = true
				fmt.Fprintln(w, "stats: goroutines jumped; their stacks follow")
				_ = pprof.Lookup("goroutine").WriteTo(w, 1)
			}
		}
	}
}
