package city

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

func TestWGS84ToGCJ02(t *testing.T) {
	const tol = 1e-6 // degrees
	tests := []struct {
		name string
		wgs  orb.Point
		want orb.Point
	}{
		// The widely published test point (Pudong).
		{"public test point", orb.Point{121.5272106, 31.1774276}, orb.Point{121.531541859215, 31.17530398364597}},
		// Outside China nothing moves.
		{"Tokyo", orb.Point{139.6917, 35.6895}, orb.Point{139.6917, 35.6895}},
		{"Greenwich", orb.Point{0, 51.4779}, orb.Point{0, 51.4779}},
		{"south of the box", orb.Point{121.5, 0.5}, orb.Point{121.5, 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WGS84ToGCJ02(tt.wgs)
			if math.Abs(got[0]-tt.want[0]) > tol || math.Abs(got[1]-tt.want[1]) > tol {
				t.Errorf("WGS84ToGCJ02(%v) = %.9f, %.9f; want %.9f, %.9f",
					tt.wgs, got[0], got[1], tt.want[0], tt.want[1])
			}
		})
	}
}

// TestGCJ02ShiftInShanghai checks the size and direction the standards
// document gives: in central Shanghai GCJ-02 lies ~450 m east and ~200 m
// south of WGS-84, about 480 m in all.
func TestGCJ02ShiftInShanghai(t *testing.T) {
	wgs := orb.Point{121.4903, 31.2397} // the Bund
	gcj := WGS84ToGCJ02(wgs)
	east := geo.Distance(wgs, orb.Point{gcj[0], wgs[1]})
	south := geo.Distance(wgs, orb.Point{wgs[0], gcj[1]})
	total := geo.Distance(wgs, gcj)
	if gcj[0] <= wgs[0] || gcj[1] >= wgs[1] {
		t.Fatalf("GCJ-02 %v should lie east and south of WGS-84 %v", gcj, wgs)
	}
	if east < 350 || east > 550 || south < 120 || south > 300 || total < 400 || total > 560 {
		t.Errorf("shift east %.0f m, south %.0f m, total %.0f m; want ~450, ~200, ~480", east, south, total)
	}
}

func TestGCJ02ToWGS84RoundTrip(t *testing.T) {
	const maxErr = 0.5 // metres
	// A grid over central Shanghai, about 1 km spacing.
	worst := 0.0
	n := 0
	for lon := 121.38; lon <= 121.56; lon += 0.01 {
		for lat := 31.15; lat <= 31.30; lat += 0.01 {
			wgs := orb.Point{lon, lat}
			back := GCJ02ToWGS84(WGS84ToGCJ02(wgs))
			d := geo.Distance(wgs, back)
			worst = math.Max(worst, d)
			n++
			if d > maxErr {
				t.Errorf("round trip of %v ends at %v, %.3f m away (want < %.1f m)", wgs, back, d, maxErr)
			}
		}
	}
	if n < 200 {
		t.Fatalf("grid has only %d points", n)
	}
	t.Logf("%d points, worst round-trip error %.2g m", n, worst)
}

func TestGCJ02ToWGS84PublicPoint(t *testing.T) {
	gcj := orb.Point{121.531541859215, 31.17530398364597}
	want := orb.Point{121.5272106, 31.1774276}
	got := GCJ02ToWGS84(gcj)
	if d := geo.Distance(got, want); d > 0.01 {
		t.Errorf("GCJ02ToWGS84(%v) = %v, %.4f m from %v", gcj, got, d, want)
	}
}

func TestOutOfChina(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
		want bool
	}{
		{"Huangpu", orb.Point{121.48, 31.23}, false},
		{"Urumqi", orb.Point{87.6, 43.8}, false},
		{"Harbin", orb.Point{126.6, 45.8}, false},
		{"Tokyo", orb.Point{139.69, 35.69}, true},
		{"London", orb.Point{-0.12, 51.5}, true},
		{"far north", orb.Point{121.5, 60}, true},
		{"west of the box", orb.Point{70, 35}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OutOfChina(tt.p); got != tt.want {
				t.Errorf("OutOfChina(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestGCJ02NoOffsetOutsideChina(t *testing.T) {
	for _, p := range []orb.Point{{139.69, 35.69}, {-74.0, 40.7}, {151.2, -33.9}} {
		if got := WGS84ToGCJ02(p); got != p {
			t.Errorf("WGS84ToGCJ02(%v) = %v, want unchanged", p, got)
		}
		if got := GCJ02ToWGS84(p); got != p {
			t.Errorf("GCJ02ToWGS84(%v) = %v, want unchanged", p, got)
		}
	}
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	p := orb.Point{121.4946, 31.2372}
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			WGS84ToGCJ02(p)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/point")
	})
	b.Run("reverse", func(b *testing.B) {
		for b.Loop() {
			GCJ02ToWGS84(p)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/point")
	})
}

func ExampleGCJ02ToWGS84() {
	// A point read off a map published in China (GCJ-02) ...
	gcj := orb.Point{121.531541859215, 31.17530398364597}
	// ... is stored as WGS-84.
	wgs := GCJ02ToWGS84(gcj)
	fmt.Printf("lon %.7f lat %.7f\n", wgs[0], wgs[1])
	// Output: lon 121.5272106 lat 31.1774276
}

func ExampleWGS84ToGCJ02() {
	wgs := orb.Point{121.5272106, 31.1774276}
	gcj := WGS84ToGCJ02(wgs)
	fmt.Printf("lon %.6f lat %.6f\n", gcj[0], gcj[1])
	// Output: lon 121.531542 lat 31.175304
}
