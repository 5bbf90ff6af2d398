package widgets

import (
	"testing"
	"time"
)

// mapFrameTimer measures a benchmark's frames in wall-clock and CPU time.
type mapFrameTimer struct {
	wall time.Time
	cpu  time.Duration
	ok   bool
}

func startMapFrames(b *testing.B) mapFrameTimer {
	b.ResetTimer()
	cpu, ok := mapProcessCPUTime()
	return mapFrameTimer{wall: time.Now(), cpu: cpu, ok: ok}
}

// report adds ms/frame (wall clock) and, where measurable, cpu-ms/frame: the
// CPU time of the whole process per frame (it matches ms/frame on an idle
// machine; on a shared one ms/frame also counts waiting for a core).
func (t mapFrameTimer) report(b *testing.B) {
	b.StopTimer()
	b.ReportMetric(float64(time.Since(t.wall).Microseconds())/1000/float64(b.N), "ms/frame")
	if cpu, ok := mapProcessCPUTime(); ok && t.ok {
		b.ReportMetric(float64((cpu-t.cpu).Microseconds())/1000/float64(b.N), "cpu-ms/frame")
	}
}

// Frame benchmarks: one full 1920×1080 frame of Huangpu at the district view
// after a view change, so the base map and every layer are redrawn and
// composed. BenchmarkMapFrameBase is the same frame with no features, the
// baseline the feature counts are measured against.

const (
	mapBenchWidth  = 1920 // pixels, at scale 1
	mapBenchHeight = 1080
)

func benchmarkMapFrame(b *testing.B, n int) {
	m := newLoadedMap(b, n, mapBenchWidth, mapBenchHeight)
	m.render(mapBenchWidth, mapBenchHeight) // warm the caches (sprites, labels, buffers)
	t := startMapFrames(b)
	for i := 0; i < b.N; i++ {
		// a one-unit pan back and forth: a new view, so everything redraws
		if i%2 == 0 {
			m.PanBy(1, 0)
		} else {
			m.PanBy(-1, 0)
		}
		m.render(mapBenchWidth, mapBenchHeight)
	}
	t.report(b)
}

func BenchmarkMapFrameBase(b *testing.B) { benchmarkMapFrame(b, 0) }
func BenchmarkMapFrame10k(b *testing.B)  { benchmarkMapFrame(b, 10_000) }
func BenchmarkMapFrame100k(b *testing.B) { benchmarkMapFrame(b, 100_000) }

// benchmarkRefresh replaces the fire layer (88.5 % of the features) with
// fresh data and draws the frame: the view is unchanged, so the base map and
// the other layers come from their caches.
func benchmarkMapRefresh(b *testing.B, n int, layerImages bool) {
	m := newLoadedMap(b, n, mapBenchWidth, mapBenchHeight)
	m.SetLayerImages(layerImages)
	fire := [2][]Feature{mapSyntheticLayers(n, 7)["fire"], mapSyntheticLayers(n, 8)["fire"]}
	m.render(mapBenchWidth, mapBenchHeight)
	t := startMapFrames(b)
	for i := 0; i < b.N; i++ {
		m.SetLayer("fire", "fire", fire[i%2])
		m.render(mapBenchWidth, mapBenchHeight)
	}
	t.report(b)
}

func BenchmarkMapRefresh10k(b *testing.B)  { benchmarkMapRefresh(b, 10_000, true) }
func BenchmarkMapRefresh100k(b *testing.B) { benchmarkMapRefresh(b, 100_000, true) }

// The wall's way: every layer drawn straight into the frame, no image per
// layer (SetLayerImages(false)); the same refresh as above.
func BenchmarkMapRefresh10kStraight(b *testing.B) { benchmarkMapRefresh(b, 10_000, false) }
