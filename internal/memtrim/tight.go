package memtrim

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"time"
)

// Tight keeps the Go heap of a long-running screen close to what it holds
// live: it sets the runtime's soft memory limit to a quarter more than the
// live heap plus headroom, never below floor. Without it the heap may grow
// to twice the live heap before a collection, and what a wall's scheduled
// snapshot paints (tens of MB, freed at once) stays resident for minutes.
// The live heap is read every tightEvery and the least of the last
// tightSamples readings counts, so a collection that ran while a snapshot
// was being painted does not raise the limit; a heap that really grows
// raises it within a minute, so a larger district never makes the
// collector run without pause. It returns when ctx ends, leaving the
// limit as it was.
func Tight(ctx context.Context, floor int64) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	var seen []int64
	set := func() {
		seen = append(seen, liveHeap())
		if len(seen) > tightSamples {
			seen = seen[1:]
		}
		debug.SetMemoryLimit(LimitFor(slices.Min(seen), floor))
	}
	set()
	t := time.NewTicker(tightEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			set()
		}
	}
}

// How often Tight reads the live heap, and how many readings it keeps.
const (
	tightEvery   = 10 * time.Second
	tightSamples = 6
)

// headroom is what the limit allows over 1.25 live heaps: the runtime's
// own memory (stacks, metadata) and a snapshot's painting.
const headroom = 12 << 20

// LimitFor is the soft memory limit Tight sets for a live heap of live
// bytes: 1.25 × live + 12 MiB, at least floor.
func LimitFor(live, floor int64) int64 {
	return max(floor, live+live/4+headroom)
}

// liveHeap is the heap the last collection found live, in bytes.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}
