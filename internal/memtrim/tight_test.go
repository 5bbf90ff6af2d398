package memtrim

import (
	"context"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimitFollowsLiveHeap(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct{ live, floor, want int64 }{
		{0, 48 * mib, 48 * mib},
		{28 * mib, 48 * mib, 48 * mib},
		{56 * mib, 48 * mib, 82 * mib},
		{400 * mib, 48 * mib, 512 * mib},
	} {
		if got := LimitFor(c.live, c.floor); got != c.want {
			t.Errorf("LimitFor(%d MiB, %d MiB) = %d MiB, want %d", c.live/mib, c.floor/mib, got/mib, c.want/mib)
		}
	}
}

// Tight sets a limit while it runs and puts the old one back when it ends.
func TestTightSetsAndRestoresTheLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Tight(ctx, 1<<40) }()
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) != 1<<40 {
		if time.Now().After(deadline) {
			t.Fatal("Tight set no limit")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if got := debug.SetMemoryLimit(-1); got != old {
		t.Errorf("limit after Tight ended = %d, want the old %d", got, old)
	}
}
