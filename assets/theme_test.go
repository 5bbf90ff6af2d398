package assets

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// These tests need Fyne's test driver built with -tags ci, which turns off
// the fallback to system fonts: without it a machine with CJK fonts
// installed would draw Chinese even if the bundled font were missing.

// render draws text in a label with th and returns the window's image.
func render(t *testing.T, th fyne.Theme, text string, style fyne.TextStyle) image.Image {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(th)
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, style)
	w := test.NewTempWindow(t, l)
	w.Resize(fyne.NewSize(420, 60))
	return w.Canvas().Capture()
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

// inkPixels counts pixels that differ from the top-left (background) pixel.
func inkPixels(img image.Image) int {
	bg := img.At(img.Bounds().Min.X, img.Bounds().Min.Y)
	br, bgc, bb, _ := bg.RGBA()
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r != br || g != bgc || b != bb {
				n++
			}
		}
	}
	return n
}

// TestThemeDrawsChinese renders several hanzi one at a time. Missing glyphs
// all draw the same empty box (tofu), so with Fyne's default font every
// image is the same; with ours every hanzi must look different.
func TestThemeDrawsChinese(t *testing.T) {
	chars := []string{"黄", "浦", "区", "外", "滩", "空", "气", "严", "重", "污", "染"}
	for _, face := range []struct {
		name  string
		style fyne.TextStyle
	}{{"regular", fyne.TextStyle{}}, {"bold", fyne.TextStyle{Bold: true}}} {
		style := face.style
		ours := map[string]image.Image{}
		for _, c := range chars {
			ours[c] = render(t, NewTheme(), c, style)
			if inkPixels(ours[c]) == 0 {
				t.Errorf("%s: %s draws nothing", face.name, c)
			}
		}
		for i, a := range chars {
			for _, b := range chars[i+1:] {
				if sameImage(ours[a], ours[b]) {
					t.Errorf("%s: %s and %s render the same image: the font has no glyph for them", face.name, a, b)
				}
			}
		}

		// The control: the default theme shows the same box for each, which
		// proves the comparison above can fail.
		def := render(t, theme.DefaultTheme(), chars[0], style)
		for _, c := range chars[1:3] {
			if !sameImage(def, render(t, theme.DefaultTheme(), c, style)) {
				t.Fatalf("%s: the default theme draws %s and %s differently; is system-font fallback on? (run with -tags ci)", face.name, chars[0], c)
			}
		}
	}
}

func TestThemeLabelDiffersFromDefault(t *testing.T) {
	const text = "黄浦区 外滩 空气质量 严重污染"
	ours := render(t, NewTheme(), text, fyne.TextStyle{})
	def := render(t, theme.DefaultTheme(), text, fyne.TextStyle{})
	if sameImage(ours, def) {
		t.Fatal("the label renders the same with our theme and the default one")
	}
	if testing.Verbose() {
		var buf bytes.Buffer
		if err := png.Encode(&buf, ours); err == nil {
			t.Logf("rendered %d×%d, %d ink pixels, PNG %d bytes", ours.Bounds().Dx(), ours.Bounds().Dy(), inkPixels(ours), buf.Len())
		}
	}
}

func TestThemeFont(t *testing.T) {
	th := NewTheme()
	def := theme.DefaultTheme()
	tests := []struct {
		name  string
		style fyne.TextStyle
		want  fyne.Resource
	}{
		{"regular", fyne.TextStyle{}, FontRegular},
		{"bold", fyne.TextStyle{Bold: true}, FontBold},
		{"italic falls back to regular", fyne.TextStyle{Italic: true}, FontRegular},
		{"bold italic falls back to bold", fyne.TextStyle{Bold: true, Italic: true}, FontBold},
		{"monospace is Fyne's", fyne.TextStyle{Monospace: true}, def.Font(fyne.TextStyle{Monospace: true})},
		{"symbol is Fyne's", fyne.TextStyle{Symbol: true}, def.Font(fyne.TextStyle{Symbol: true})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := th.Font(tt.style); got != tt.want {
				t.Errorf("Font(%+v) = %s, want %s", tt.style, got.Name(), tt.want.Name())
			}
		})
	}
	if len(FontRegular.Content()) < 1<<20 || len(FontBold.Content()) < 1<<20 {
		t.Errorf("embedded fonts are %d and %d bytes; expected megabytes", len(FontRegular.Content()), len(FontBold.Content()))
	}
}

func TestThemeIsDarkWhateverTheVariant(t *testing.T) {
	test.NewTempApp(t)
	th := NewTheme()
	for _, n := range []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameForeground, theme.ColorNameShadow, theme.ColorNameScrollBar} {
		dark := th.Color(n, theme.VariantDark)
		light := th.Color(n, theme.VariantLight)
		if dark != light {
			t.Errorf("%s: light variant %v differs from dark %v", n, light, dark)
		}
	}
	bg := th.Color(theme.ColorNameBackground, theme.VariantLight)
	fg := th.Color(theme.ColorNameForeground, theme.VariantLight)
	if lum(bg) > 0.15 || lum(fg) < 0.8 {
		t.Errorf("background %v (luma %.2f) and foreground %v (luma %.2f) are not a dark theme", bg, lum(bg), fg, lum(fg))
	}
	if got := th.Color(ColorNameSeverityCritical, theme.VariantLight); got != SeverityCritical {
		t.Errorf("critical severity colour = %v, want %v", got, SeverityCritical)
	}
}

func lum(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xFFFF
}

func TestThemeSizesLargerThanDefault(t *testing.T) {
	th, def := NewTheme(), theme.DefaultTheme()
	for _, n := range []fyne.ThemeSizeName{theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText, theme.SizeNameCaptionText} {
		if got, base := th.Size(n), def.Size(n); got <= base {
			t.Errorf("size %s = %v, want more than the default %v", n, got, base)
		}
	}
	if got, want := th.Size(theme.SizeNameScrollBar), def.Size(theme.SizeNameScrollBar); got != want {
		t.Errorf("scroll bar size = %v, want the default %v", got, want)
	}
}

func hex(c color.NRGBA) uint32 { return uint32(c.R)<<16 | uint32(c.G)<<8 | uint32(c.B) }

func TestAQILevelColor(t *testing.T) {
	tests := []struct {
		level int
		want  uint32
	}{
		{1, 0x00E400}, {2, 0xFFFF00}, {3, 0xFF7E00}, {4, 0xFF0000}, {5, 0x99004C}, {6, 0x7E0023},
		{0, hex(StaleGrey)}, {7, hex(StaleGrey)}, {-1, hex(StaleGrey)},
	}
	for _, tt := range tests {
		got := AQILevelColor(tt.level)
		if hex(got) != tt.want || got.A != 0xFF {
			t.Errorf("AQILevelColor(%d) = #%06X (alpha %d), want #%06X", tt.level, hex(got), got.A, tt.want)
		}
	}
}

func TestWaterClassColor(t *testing.T) {
	// Ⅰ–Ⅱ blue, Ⅲ green, Ⅳ yellow, Ⅴ orange, 劣Ⅴ red.
	tests := []struct {
		class int
		hue   string
	}{
		{1, "blue"}, {2, "blue"}, {3, "green"}, {4, "yellow"}, {5, "orange"}, {6, "red"}, {0, "grey"}, {7, "grey"},
	}
	for _, tt := range tests {
		c := WaterClassColor(tt.class)
		if got := hueName(c); got != tt.hue {
			t.Errorf("WaterClassColor(%d) = #%06X looks %s, want %s", tt.class, hex(c), got, tt.hue)
		}
	}
}

// hueName classifies a colour coarsely.
func hueName(c color.NRGBA) string {
	r, g, b := int(c.R), int(c.G), int(c.B)
	switch {
	case max(r, g, b)-min(r, g, b) < 60:
		return "grey"
	case b > r && b >= g-20:
		return "blue"
	case g > r && g > b:
		return "green"
	case r > 200 && g > 200:
		return "yellow"
	case r > 200 && g > 100:
		return "orange"
	case r > 200:
		return "red"
	}
	return "other"
}

func TestContrastText(t *testing.T) {
	dark, light := ContrastText(color.White), ContrastText(color.Black)
	if dark == light {
		t.Fatalf("ContrastText gives %v on both white and black", dark)
	}
	tests := []struct {
		level int
		want  color.NRGBA
	}{
		{1, dark}, {2, dark}, {3, dark}, {4, dark}, {5, light}, {6, light},
	}
	for _, tt := range tests {
		bg := AQILevelColor(tt.level)
		ink := ContrastText(bg)
		if ink != tt.want {
			t.Errorf("AQI level %d: text #%06X, want #%06X", tt.level, hex(ink), hex(tt.want))
		}
		if ratio := contrastRatio(bg, ink); ratio < 4.5 {
			t.Errorf("AQI level %d: text #%06X on #%06X has contrast %.1f, want at least 4.5", tt.level, hex(ink), hex(bg), ratio)
		}
	}
	if r := contrastRatio(color.White, color.Black); r < 20.9 || r > 21.1 {
		t.Errorf("contrast of white on black = %.2f, want 21", r)
	}
}
