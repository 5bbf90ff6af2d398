package widgets

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestScreenGridMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const w, h = 640, 480
	type box struct{ x0, y0, x1, y1 float32 }
	var boxes []box
	var g mapGrid
	g.reset(w, h)
	for i := 0; i < 500; i++ {
		x, y := rng.Float32()*(w+100)-50, rng.Float32()*(h+100)-50
		r := 1 + rng.Float32()*40
		b := box{x - r, y - r, x + r, y + r}
		boxes = append(boxes, b)
		g.add(int32(i), b.x0, b.y0, b.x1, b.y1)
	}
	g.build()
	for q := 0; q < 2000; q++ {
		x, y := rng.Float32()*w, rng.Float32()*h
		var want []int32
		for i, b := range boxes {
			if x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1 {
				want = append(want, int32(i))
			}
		}
		var got []int32
		for _, id := range g.at(x, y) {
			b := boxes[id]
			if x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1 {
				got = append(got, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("at (%v, %v): grid finds %v, brute force %v", x, y, got, want)
		}
	}
}

func TestScreenGridEdges(t *testing.T) {
	var g mapGrid
	g.reset(100, 100)
	g.add(0, -50, -50, -10, -10) // wholly outside: ignored
	g.add(1, 90, 90, 500, 500)   // partly outside: clipped
	g.add(2, 0, 0, 5, 5)
	g.build()
	tests := []struct {
		x, y float32
		want []int32
	}{
		{-20, -20, nil},
		{99, 99, []int32{1}},
		{2, 2, []int32{2}},
		{150, 50, nil},
	}
	for _, tc := range tests {
		if got := g.at(tc.x, tc.y); !slices.Equal(got, tc.want) {
			t.Errorf("at(%v, %v) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
	// rebuilding reuses the grid without leftovers
	g.reset(100, 100)
	g.build()
	if got := g.at(2, 2); len(got) != 0 {
		t.Errorf("after reset: at(2, 2) = %v, want nothing", got)
	}
}
