package testutil

import (
	"image"
	"image/color"
)

// Ink reports whether a pixel is text ink on the dashboard's dark theme:
// bright and nearly grey.
func Ink(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	r, g, b = r>>8, g>>8, b>>8
	lum := (299*r + 587*g + 114*b) / 1000
	return lum > 150 && absDiff(r, g) < 40 && absDiff(g, b) < 40
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// TextBand returns the first band of rows in r (top down) that holds ink,
// at least minHeight rows tall, merging rows separated by up to two blank
// rows. ok is false when there is none.
func TextBand(img image.Image, r image.Rectangle, minHeight int) (band image.Rectangle, ok bool) {
	start, blank := -1, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		ink := false
		for x := r.Min.X; x < r.Max.X && !ink; x++ {
			ink = Ink(img.At(x, y))
		}
		switch {
		case ink && start < 0:
			start, blank = y, 0
		case ink:
			blank = 0
		case start >= 0:
			blank++
			if blank > 2 {
				end := y - blank + 1
				if end-start >= minHeight {
					return image.Rect(r.Min.X, start, r.Max.X, end), true
				}
				start = -1
			}
		}
	}
	return image.Rectangle{}, false
}

// Repetition measures how much a line of text repeats itself: the
// smallest, over horizontal shifts of a third of the line's height to
// twice it, of the ink that differs between the line and itself shifted,
// relative to the ink of either (0 = a pattern repeated exactly, 1 = nothing
// in common). A font that lacks the characters draws the same box or
// replacement mark for each of them, so such a line repeats almost exactly
// (about 0.35 for the console's title); a line of different Chinese
// characters does not (about 0.65).
func Repetition(img image.Image, band image.Rectangle) float64 {
	w, h := band.Dx(), band.Dy()
	ink := make([]float64, w*h)
	first, last := w, -1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if Ink(img.At(band.Min.X+x, band.Min.Y+y)) {
				ink[y*w+x] = 1
				first, last = min(first, x), max(last, x)
			}
		}
	}
	best := 1.0
	for d := max(h/3, 2); d <= 2*h && first+d <= last; d++ {
		var diff, sum float64
		for y := 0; y < h; y++ {
			for x := first; x+d <= last; x++ {
				a, b := ink[y*w+x], ink[y*w+x+d]
				diff += abs(a - b)
				sum += max(a, b)
			}
		}
		if sum > 0 {
			best = min(best, diff/sum)
		}
	}
	return best
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// TofuRepetition is the Repetition below which a line of Chinese text is
// taken for missing glyphs.
const TofuRepetition = 0.5
