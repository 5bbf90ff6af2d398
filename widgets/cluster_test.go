package widgets

import (
	"fmt"
	"image/color"
	"testing"

	"github.com/paulmach/orb"
)

// denseLayer is n point features within about 50 m of People's Square.
func denseLayer(n int, colour func(i int) color.NRGBA) *mapLayer {
	fs := make([]Feature, n)
	for i := range fs {
		fs[i] = Feature{
			ID:    fmt.Sprintf("p%d", i),
			Point: orb.Point{121.4737 + float64(i%10)*0.00005, 31.2304 + float64(i/10)*0.00005},
			Color: colour(i),
		}
	}
	l := &mapLayer{id: "fire", title: "fire", visible: true}
	l.setFeatures(fs)
	return l
}

func viewAt(zoom float64) viewport {
	return viewport{center: lonLatToMercator(orb.Point{121.4740, 31.2306}), zoom: zoom, width: 800, height: 600}
}

func countMarks(marks []mark) (points, clusters, members int) {
	for _, m := range marks {
		switch m.kind {
		case markPoint:
			points++
			members++
		case markCluster:
			clusters++
			members += int(m.count)
		}
	}
	return
}

func TestClusteringByZoom(t *testing.T) {
	l := denseLayer(100, func(int) color.NRGBA { return fireNormal })
	tests := []struct {
		zoom         float64
		wantClusters bool
	}{
		{13, true},
		{15, true},
		{clusterMaxZoom, false},
		{MaxZoom, false},
	}
	prev := 0
	for _, tc := range tests {
		marks := l.layoutPoints(viewAt(tc.zoom), nil)
		points, clusters, members := countMarks(marks)
		if members != 100 {
			t.Errorf("zoom %v: marks stand for %d features, want 100", tc.zoom, members)
		}
		if (clusters > 0) != tc.wantClusters {
			t.Errorf("zoom %v: %d clusters, want clusters: %v", tc.zoom, clusters, tc.wantClusters)
		}
		if !tc.wantClusters && points != 100 {
			t.Errorf("zoom %v: %d markers, want all 100 split out", tc.zoom, points)
		}
		if drawn := points + clusters; drawn < prev {
			t.Errorf("zoom %v: %d markers drawn, fewer than %d further out", tc.zoom, drawn, prev)
		} else {
			prev = drawn
		}
	}
}

func TestClusterTakesWorstFreshColour(t *testing.T) {
	legend := []LegendEntry{{fireNormal, "normal"}, {fireOffline, "offline"}, {fireFault, "fault"}}
	tests := []struct {
		name      string
		colour    func(i int) color.NRGBA
		stale     func(i int) bool
		wantColor color.NRGBA
		wantStale bool
	}{
		{"all normal", func(int) color.NRGBA { return fireNormal }, func(int) bool { return false }, fireNormal, false},
		{"one fault", func(i int) color.NRGBA {
			if i == 7 {
				return fireFault
			}
			return fireNormal
		}, func(int) bool { return false }, fireFault, false},
		{"the fault is stale", func(i int) color.NRGBA {
			if i == 7 {
				return fireFault
			}
			if i == 3 {
				return fireOffline
			}
			return fireNormal
		}, func(i int) bool { return i == 7 }, fireOffline, false},
		{"all stale", func(int) color.NRGBA { return fireNormal }, func(int) bool { return true }, fireNormal, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := make([]Feature, 20)
			for i := range fs {
				fs[i] = Feature{ID: fmt.Sprint(i), Point: orb.Point{121.4737 + float64(i)*0.00001, 31.2304}, Color: tc.colour(i), Stale: tc.stale(i)}
			}
			l := &mapLayer{id: "fire", visible: true}
			l.setFeatures(fs)
			l.setLegend(legend)
			marks := l.layoutPoints(viewAt(13), nil)
			if len(marks) != 1 || marks[0].kind != markCluster {
				t.Fatalf("got %d marks (%+v), want one cluster", len(marks), marks)
			}
			mk := &marks[0]
			got := l.features[mk.feature].Color
			if got != tc.wantColor || mk.stale != tc.wantStale {
				t.Errorf("cluster colour %v stale %v, want %v stale %v", got, mk.stale, tc.wantColor, tc.wantStale)
			}
			if mk.count != 20 {
				t.Errorf("cluster count %d, want 20", mk.count)
			}
		})
	}
}

func TestSevereFeaturesAreNeverClustered(t *testing.T) {
	l := denseLayer(100, func(int) color.NRGBA { return fireNormal })
	l.features[42].Severity = 3
	l.features[43].Severity = 1
	l.version++
	marks := l.layoutPoints(viewAt(12), nil)
	var severe []int32
	members := 0
	for _, m := range marks {
		if m.kind == markPoint && m.top {
			severe = append(severe, m.feature)
		}
		if m.kind == markCluster {
			members += int(m.count)
		}
	}
	if len(severe) != 2 || members != 98 {
		t.Errorf("severe markers %v and %d clustered, want features 42 and 43 alone and 98 clustered", severe, members)
	}
}

func TestClustersStayPutWhilePanning(t *testing.T) {
	l := denseLayer(100, func(int) color.NRGBA { return fireNormal })
	v := viewAt(14)
	before := l.layoutPoints(v, nil)
	v.panBy(37, -23)
	after := l.layoutPoints(v, nil)
	if len(before) != len(after) {
		t.Fatalf("%d marks before the pan, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i].count != after[i].count || before[i].x+37 != after[i].x && abs32(before[i].x+37-after[i].x) > 1e-3 {
			t.Errorf("mark %d: %+v before, %+v after a (37, -23) pan", i, before[i], after[i])
		}
	}
}

func abs32(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

func TestCountText(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{3, "3"}, {999, "999"}, {1000, "1.0k"}, {4250, "4.2k"}, {37_900, "37k"}}
	for _, tc := range tests {
		if got := countText(tc.n); got != tc.want {
			t.Errorf("countText(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
