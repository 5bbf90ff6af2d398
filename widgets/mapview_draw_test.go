package widgets

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

func TestOverMatchesPerChannelBlend(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 100_000; i++ {
		a := uint32(rng.IntN(256))
		// premultiplied source: channels ≤ alpha
		s := [4]uint32{uint32(rng.IntN(int(a) + 1)), uint32(rng.IntN(int(a) + 1)), uint32(rng.IntN(int(a) + 1)), a}
		d := [4]uint32{uint32(rng.IntN(256)), uint32(rng.IntN(256)), uint32(rng.IntN(256)), uint32(rng.IntN(256))}
		pack := func(c [4]uint32) uint32 { return c[0] | c[1]<<8 | c[2]<<16 | c[3]<<24 }
		got := mapOver(pack(s), pack(d))
		for ch := 0; ch < 4; ch++ {
			want := float64(s[ch]) + float64(d[ch])*float64(255-a)/255
			if g := float64(got >> (8 * ch) & 0xFF); math.Abs(g-want) > 1 {
				t.Fatalf("mapOver(%v, %v) channel %d = %v, want %.2f", s, d, ch, g, want)
			}
		}
	}
}

func TestPolygonFillCoversItsArea(t *testing.T) {
	tests := []struct {
		name string
		ring []pxPoint
		area float64
	}{
		{"square", []pxPoint{{10, 10}, {50, 10}, {50, 50}, {10, 50}}, 1600},
		{"offset square", []pxPoint{{10.5, 10.25}, {50.5, 10.25}, {50.5, 50.25}, {10.5, 50.25}}, 1600},
		{"triangle", []pxPoint{{0, 0}, {60, 0}, {0, 60}}, 1800},
		{"clipped", []pxPoint{{-20, -20}, {30, -20}, {30, 30}, {-20, 30}}, 900},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, 64, 64))
			var f polygonFiller
			f.addRing(tc.ring)
			f.fill(img, color.NRGBA{255, 255, 255, 255}, nil)
			sum := 0.0
			for i := 3; i < len(img.Pix); i += 4 {
				sum += float64(img.Pix[i]) / 255
			}
			if math.Abs(sum-tc.area) > 0.02*tc.area+2 {
				t.Errorf("covered %.1f pixels, want about %.0f", sum, tc.area)
			}
		})
	}
}

func TestStrokeCoversItsLength(t *testing.T) {
	tests := []struct {
		name   string
		hw     float64
		a, b   pxPoint
		length float64
	}{
		{"thin horizontal", 0.5, pxPoint{10, 20.5}, pxPoint{90, 20.5}, 80},
		{"thin slanted", 0.5, pxPoint{10, 10.3}, pxPoint{70, 52.1}, math.Hypot(60, 41.8)},
		{"wide steep", 1.5, pxPoint{30, 5}, pxPoint{40, 95}, math.Hypot(10, 90)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, 100, 100))
			mapStrokeLine(img, []pxPoint{tc.a, tc.b}, newCoverageLUT(tc.hw), color.NRGBA{255, 255, 255, 255}, false, nil)
			sum := 0.0
			for i := 3; i < len(img.Pix); i += 4 {
				sum += float64(img.Pix[i]) / 255
			}
			want := tc.length * 2 * tc.hw
			if math.Abs(sum-want) > 0.15*want+3 {
				t.Errorf("ink %.1f, want about %.1f (length × width)", sum, want)
			}
		})
	}
}

func TestStampClipsAtEveryEdge(t *testing.T) {
	sp := makeDisc(discStyle{radius: 6, outline: 1, fill: fxAQIGood, edge: mapMarkOutline})
	img := image.NewRGBA(image.Rect(0, 0, 20, 20))
	var tiles dirtyTiles
	tiles.reset(20, 20)
	for _, p := range [][2]int{{0, 0}, {19, 19}, {-5, 10}, {10, -5}, {25, 10}, {10, 25}, {-30, -30}} {
		stampSprite(img, sp, p[0], p[1], &tiles) // must not panic
	}
	if c := img.RGBAAt(0, 0); c.A == 0 {
		t.Error("a marker at the corner left no ink")
	}
	tiles.clearUsed(img)
	for i := 3; i < len(img.Pix); i += 4 {
		if img.Pix[i] != 0 {
			t.Fatalf("pixel %d left after clearing the used tiles", i/4)
		}
	}
}
