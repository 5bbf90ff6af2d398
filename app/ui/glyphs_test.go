package ui

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onescreen/assets"
	"onescreen/internal/testutil"
)

// renderLine renders one bold label with th, the way the console's title is
// drawn, on the software test driver (no system fonts under -tags ci).
func renderLine(t *testing.T, th fyne.Theme, text string) image.Image {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(th)
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w := test.NewTempWindow(t, container.NewPadded(l))
	w.Resize(fyne.NewSize(420, 60))
	return w.Canvas().Capture()
}

// TestTofuDetector shows that the check the smoke test applies to the real
// window's screenshot tells Chinese text from missing-glyph boxes: Fyne's
// own font (no CJK) draws boxes, the bundled one draws glyphs.
func TestTofuDetector(t *testing.T) {
	const title = "黄浦区 · 一屏观天下"
	for _, tc := range []struct {
		name     string
		th       fyne.Theme
		wantTofu bool
	}{
		{"bundled CJK font", assets.NewTheme(), false},
		{"Fyne's default font", darkDefault{theme.DefaultTheme()}, true},
	} {
		img := renderLine(t, tc.th, title)
		band, ok := testutil.TextBand(img, img.Bounds(), 8)
		if !ok {
			t.Fatalf("%s: no text found", tc.name)
		}
		rep := testutil.Repetition(img, band)
		t.Logf("%s: repetition %.2f", tc.name, rep)
		if tofu := rep < testutil.TofuRepetition; tofu != tc.wantTofu {
			t.Errorf("%s: repetition %.2f; want tofu=%v", tc.name, rep, tc.wantTofu)
		}
	}
}

// darkDefault is Fyne's default theme forced dark, like ours, so the only
// difference between the two renderings is the font.
type darkDefault struct{ fyne.Theme }

func (d darkDefault) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return d.Theme.Color(n, theme.VariantDark)
}
