//go:build ignore

// Command genicon draws the application icon, assets/icon.png: a dark
// rounded square holding a green ring (one screen watching the city) around
// a blue skyline with the river beneath it. Run it from the assets
// directory: go run genicon.go
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

const (
	size = 256 // icon edge, pixels
	ss   = 4   // supersampling factor per axis for anti-aliasing
)

var (
	bgTop    = color.NRGBA{0x17, 0x25, 0x3D, 0xFF} // background gradient, top
	bgBottom = color.NRGBA{0x08, 0x0F, 0x1C, 0xFF} // background gradient, bottom
	green    = color.NRGBA{0x00, 0xE4, 0x00, 0xFF} // AQI level 1 green
	blue     = color.NRGBA{0x3F, 0xA9, 0xF5, 0xFF} // skyline
	river    = color.NRGBA{0x1C, 0x6E, 0xB4, 0xFF} // water band
)

// shade returns the colour of the icon at (x, y) in icon pixels, or a
// transparent colour outside the rounded square.
func shade(x, y float64) color.NRGBA {
	const margin, radius = 8.0, 48.0
	if !inRoundRect(x, y, margin, margin, size-margin, size-margin, radius) {
		return color.NRGBA{}
	}
	t := (y - margin) / (size - 2*margin)
	c := lerp(bgTop, bgBottom, t)

	const cx, cy = 128.0, 128.0
	d := math.Hypot(x-cx, y-cy)
	const ringOuter, ringInner = 94.0, 83.0
	if d >= ringInner && d <= ringOuter {
		return green
	}
	if d > ringInner-6 { // a dark gap inside the ring
		return c
	}

	// Skyline: towers standing on the embankment at y = 166.
	const ground = 166.0
	towers := []struct{ x0, x1, top float64 }{
		{62, 80, 128}, {84, 100, 104}, {104, 116, 140},
		{146, 160, 118}, {164, 180, 96}, {184, 198, 134},
	}
	for _, tw := range towers {
		if x >= tw.x0 && x <= tw.x1 && y >= tw.top && y <= ground {
			return blue
		}
	}
	// A tower with two spheres on a spire, in the middle of the skyline.
	if math.Abs(x-cx) <= 2.5 && y >= 50 && y <= ground {
		return blue
	}
	if math.Hypot(x-cx, y-142) <= 13 || math.Hypot(x-cx, y-92) <= 8.5 {
		return blue
	}
	if y >= 146 && y <= ground && math.Abs(x-cx) <= 9+(y-146)*0.45 {
		return blue
	}
	// The river below, two bands.
	if (y >= 174 && y <= 184) || (y >= 191 && y <= 197 && x > 84 && x < 172) {
		return river
	}
	return c
}

func inRoundRect(x, y, x0, y0, x1, y1, r float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return math.Hypot(x-cx, y-cy) <= r
}

func lerp(a, b color.NRGBA, t float64) color.NRGBA {
	mix := func(p, q uint8) uint8 { return uint8(math.Round(float64(p) + (float64(q)-float64(p))*t)) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), mix(a.A, b.A)}
}

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := range size {
		for px := range size {
			// Average ss×ss samples with premultiplied alpha.
			var r, g, b, a float64
			for sy := range ss {
				for sx := range ss {
					c := shade(float64(px)+(float64(sx)+0.5)/ss, float64(py)+(float64(sy)+0.5)/ss)
					al := float64(c.A) / 255
					r += float64(c.R) * al
					g += float64(c.G) * al
					b += float64(c.B) * al
					a += al
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r / a)), G: uint8(math.Round(g / a)), B: uint8(math.Round(b / a)),
				A: uint8(math.Round(a / (ss * ss) * 255)),
			})
		}
	}
	f, err := os.Create("icon.png")
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
