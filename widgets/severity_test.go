package widgets

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"onescreen/city"
)

func TestSeverityColor(t *testing.T) {
	tests := []struct {
		sev  city.Severity
		want color.NRGBA
	}{
		{city.SeverityInfo, severityInfoBlue},
		{city.SeverityMinor, color.NRGBA{0xFF, 0xFF, 0x00, 0xFF}},
		{city.SeverityMajor, color.NRGBA{0xFF, 0x7E, 0x00, 0xFF}},
		{city.SeverityCritical, color.NRGBA{0xFF, 0x00, 0x00, 0xFF}},
		{0, severityInfoBlue},                                      // unknown, below: nearest is info
		{city.SeverityCritical + 3, color.NRGBA{0xFF, 0, 0, 0xFF}}, // unknown, above: critical
	}
	for _, tt := range tests {
		if got := SeverityColor(tt.sev); got != tt.want {
			t.Errorf("SeverityColor(%d) = %v, want %v", tt.sev, got, tt.want)
		}
	}
}

func TestAQILevelColor(t *testing.T) {
	tests := []struct {
		level int
		want  color.NRGBA
	}{
		{0, color.NRGBA{}},
		{1, color.NRGBA{0x00, 0xE4, 0x00, 0xFF}},
		{2, color.NRGBA{0xFF, 0xFF, 0x00, 0xFF}},
		{3, color.NRGBA{0xFF, 0x7E, 0x00, 0xFF}},
		{4, color.NRGBA{0xFF, 0x00, 0x00, 0xFF}},
		{5, color.NRGBA{0x99, 0x00, 0x4C, 0xFF}},
		{6, color.NRGBA{0x7E, 0x00, 0x23, 0xFF}},
		{9, color.NRGBA{0x7E, 0x00, 0x23, 0xFF}},
	}
	for _, tt := range tests {
		if got := AQILevelColor(tt.level); got != tt.want {
			t.Errorf("AQILevelColor(%d) = %v, want %v", tt.level, got, tt.want)
		}
	}
	// Minor, major and critical alerts share the AQI's yellow, orange, red.
	for sev, level := range map[city.Severity]int{city.SeverityMinor: 2, city.SeverityMajor: 3, city.SeverityCritical: 4} {
		if SeverityColor(sev) != AQILevelColor(level) {
			t.Errorf("severity %v colour %v differs from AQI level %d colour %v", sev, SeverityColor(sev), level, AQILevelColor(level))
		}
	}
}

func TestTextColorOn(t *testing.T) {
	tests := []struct {
		fill color.Color
		want color.NRGBA
	}{
		{aqiYellow, colorOnLight},
		{aqiGreen, colorOnLight},
		{aqiMaroon, colorOnDark},
		{color.Black, colorOnDark},
		{color.White, colorOnLight},
	}
	for _, tt := range tests {
		if got := TextColorOn(tt.fill); got != tt.want {
			t.Errorf("TextColorOn(%v) = %v, want %v", tt.fill, got, tt.want)
		}
	}
}

func TestThemedColours(t *testing.T) {
	newPanelTestApp(t)
	th := fyne.CurrentApp().Settings().Theme()
	if got := BadgeLive.themed(th); got != panelThemeColors[colorNameLive] {
		t.Errorf("live badge in the app's theme: %v, want the theme's %v", got, panelThemeColors[colorNameLive])
	}
	if got := nrgbaOf(staleColor(th)); got != panelThemeColors[colorNameStale] {
		t.Errorf("stale colour in the app's theme: %v, want the theme's %v", got, panelThemeColors[colorNameStale])
	}
	// A theme without the names (Fyne's own) gets the widgets' colours.
	plain := theme.DefaultTheme()
	for _, s := range []BadgeState{BadgeLive, BadgeDegraded, BadgeOffline} {
		if got := s.themed(plain); got != s.Color() {
			t.Errorf("%v in Fyne's theme: %v, want %v", s, got, s.Color())
		}
	}
}

// Helpers shared by the widget tests of this package's panel widgets.

// panelThemeColors are the colour names the app's theme adds (see the assets
// package), with values unlike the widgets' own so a test can tell which
// was used.
var panelThemeColors = map[fyne.ThemeColorName]color.NRGBA{
	colorNameStale:    {0x6B, 0x7A, 0x90, 0xFF},
	colorNameLive:     {0x22, 0xC5, 0x5E, 0xFF},
	colorNameDegraded: {0xF5, 0xA6, 0x23, 0xFF},
	colorNameOffline:  {0xE5, 0x48, 0x4D, 0xFF},
}

// panelTestTheme is Fyne's test theme plus panelThemeColors.
type panelTestTheme struct{ fyne.Theme }

func (o panelTestTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if c, ok := panelThemeColors[n]; ok {
		return c
	}
	return o.Theme.Color(n, v)
}

// newPanelTestApp starts a test app drawn in panelTestTheme.
func newPanelTestApp(t testing.TB) fyne.App {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(panelTestTheme{test.Theme()})
	return a
}

// showWidget puts o alone in a test window of the given size and returns the
// window's canvas.
func showWidget(t testing.TB, o fyne.CanvasObject, size fyne.Size) fyne.Canvas {
	t.Helper()
	w := test.NewTempWindow(t, o)
	w.SetPadded(false)
	w.Resize(size)
	o.Resize(size)
	return w.Canvas()
}

// drawnBounds is where o lies on canvas c, in pixels (the test canvas has
// scale 1). It walks the drawn tree, because the test driver does not know
// the positions of objects inside a list. It fails the test when o is not on
// c, so that no pixel check passes on an empty rectangle.
func drawnBounds(t testing.TB, c fyne.Canvas, o fyne.CanvasObject) image.Rectangle {
	t.Helper()
	p, ok := findPosition(c.Content(), o, fyne.Position{})
	s := o.Size()
	if !ok || s.Width < 1 || s.Height < 1 {
		t.Fatalf("%T not drawn on the canvas (found %v, size %v)", o, ok, s)
	}
	return image.Rect(int(p.X), int(p.Y), int(p.X+s.Width), int(p.Y+s.Height))
}

// drawnObjects returns every object drawn on c that is visible (with all its
// parents), walking the renderers the canvas uses. (test.LaidOutObjects
// creates new renderers, which would detach a widget from what is drawn.)
func drawnObjects(c fyne.Canvas) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		out = append(out, o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch)
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(x).Objects() {
				walk(ch)
			}
		}
	}
	walk(c.Content())
	return out
}

// findPosition finds target in the tree under o, whose parent lies at parent.
func findPosition(o, target fyne.CanvasObject, parent fyne.Position) (fyne.Position, bool) {
	at := parent.Add(o.Position())
	if o == target {
		return at, true
	}
	var children []fyne.CanvasObject
	switch x := o.(type) {
	case *fyne.Container:
		children = x.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(x).Objects()
	}
	for _, ch := range children {
		if p, ok := findPosition(ch, target, at); ok {
			return p, true
		}
	}
	return fyne.Position{}, false
}

// colorNear reports whether two colours differ by at most tol in every channel.
func colorNear(a, b color.Color, tol int) bool {
	x, y := nrgbaOf(a), nrgbaOf(b)
	d := func(p, q uint8) bool { return int(p)-int(q) <= tol && int(q)-int(p) <= tol }
	return d(x.R, y.R) && d(x.G, y.G) && d(x.B, y.B) && d(x.A, y.A)
}

// countColorNear counts the pixels of img inside r that are near c.
func countColorNear(img image.Image, r image.Rectangle, c color.Color, tol int) int {
	r = r.Intersect(img.Bounds())
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if colorNear(img.At(x, y), c, tol) {
				n++
			}
		}
	}
	return n
}

// pixelArea is the number of pixels of r.
func pixelArea(r image.Rectangle) int { return r.Dx() * r.Dy() }
