package widgets

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// denseTestLayer is n point features within about 50 m of People's Square.
func denseTestLayer(n int, colour func(i int) color.NRGBA) *mapLayer {
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

func clusterTestView(zoom float64) mapViewport {
	return mapViewport{center: lonLatToMercator(orb.Point{121.4740, 31.2306}), zoom: zoom, width: 800, height: 600}
}

func countMarks(marks []mapMark) (points, clusters, members int) {
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
	l := denseTestLayer(100, func(int) color.NRGBA { return fxFireNormal })
	tests := []struct {
		zoom         float64
		wantClusters bool
	}{
		{13, true},
		{15, true},
		{clusterMaxZoom, false},
		{MapMaxZoom, false},
	}
	prev := 0
	for _, tc := range tests {
		marks := l.layoutPoints(clusterTestView(tc.zoom), nil)
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
	legend := []LegendEntry{{fxFireNormal, "normal"}, {fxFireOffline, "offline"}, {fxFireFault, "fault"}}
	tests := []struct {
		name      string
		colour    func(i int) color.NRGBA
		stale     func(i int) bool
		wantColor color.NRGBA
		wantStale bool
	}{
		{"all normal", func(int) color.NRGBA { return fxFireNormal }, func(int) bool { return false }, fxFireNormal, false},
		{"one fault", func(i int) color.NRGBA {
			if i == 7 {
				return fxFireFault
			}
			return fxFireNormal
		}, func(int) bool { return false }, fxFireFault, false},
		{"the fault is stale", func(i int) color.NRGBA {
			if i == 7 {
				return fxFireFault
			}
			if i == 3 {
				return fxFireOffline
			}
			return fxFireNormal
		}, func(i int) bool { return i == 7 }, fxFireOffline, false},
		{"all stale", func(int) color.NRGBA { return fxFireNormal }, func(int) bool { return true }, fxFireNormal, true},
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
			marks := l.layoutPoints(clusterTestView(13), nil)
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
	l := denseTestLayer(100, func(int) color.NRGBA { return fxFireNormal })
	l.features[42].Severity = 3
	l.features[43].Severity = 1
	l.version++
	marks := l.layoutPoints(clusterTestView(12), nil)
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
	l := denseTestLayer(100, func(int) color.NRGBA { return fxFireNormal })
	v := clusterTestView(14)
	before := l.layoutPoints(v, nil)
	v.panBy(37, -23)
	after := l.layoutPoints(v, nil)
	if len(before) != len(after) {
		t.Fatalf("%d marks before the pan, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i].count != after[i].count || math.Abs(float64(before[i].x+37-after[i].x)) > 1e-3 || math.Abs(float64(before[i].y-23-after[i].y)) > 1e-3 {
			t.Errorf("mark %d: %+v before, %+v after a (37, -23) pan", i, before[i], after[i])
		}
	}
}

func TestCountText(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{3, "3"}, {999, "999"}, {1000, "1.0k"}, {4250, "4.2k"}, {37_900, "37k"}}
	for _, tc := range tests {
		if got := clusterCountText(tc.n); got != tc.want {
			t.Errorf("clusterCountText(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
