package widgets

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestKPITileStaleGreying(t *testing.T) {
	newPanelTestApp(t)
	k := NewKPITile("District AQI")
	c := showWidget(t, k, fyne.NewSize(320, 180))
	r := test.WidgetRenderer(k).(*kpiRenderer)
	th := k.Theme()
	fg := thColor(th, theme.ColorNameForeground)
	grey := panelThemeColors[colorNameStale]
	accent := AQILevelColor(4)

	k.Set(KPIValue{Value: "156", Unit: "AQI", Caption: "moderate pollution", Accent: accent, Trend: TrendUp})
	img := c.Capture()
	bar := drawnBounds(t, c, &r.accent)
	if n := countColorNear(img, bar, accent, 2); n != pixelArea(bar) {
		t.Errorf("fresh: %d of %d accent bar pixels are the AQI colour", n, pixelArea(bar))
	}
	value := drawnBounds(t, c, &r.value)
	if n := countColorNear(img, value, fg, 8); n == 0 {
		t.Error("fresh: no figure pixels in the text colour")
	}
	if n := countColorNear(img, value, grey, 8); n != 0 {
		t.Errorf("fresh: %d grey pixels in the figure", n)
	}
	if !r.staleTag.Hidden || r.arrow.Hidden {
		t.Errorf("fresh: stale tag hidden %v, arrow hidden %v; want tag hidden, arrow shown", r.staleTag.Hidden, r.arrow.Hidden)
	}

	k.Set(KPIValue{Value: "156", Unit: "AQI", Caption: "moderate pollution", Accent: accent, Stale: true})
	img = c.Capture()
	if n := countColorNear(img, bar, grey, 2); n != pixelArea(bar) {
		t.Errorf("stale: %d of %d accent bar pixels grey", n, pixelArea(bar))
	}
	if n := countColorNear(img, value, fg, 8); n != 0 {
		t.Errorf("stale: %d figure pixels still in the bright text colour", n)
	}
	if n := countColorNear(img, value, grey, 8); n == 0 {
		t.Error("stale: figure not drawnObjects in grey (it must stay visible)")
	}
	if r.staleTag.Hidden || r.staleTag.Text != "stale" {
		t.Errorf("stale: tag hidden %v text %q", r.staleTag.Hidden, r.staleTag.Text)
	}
	for _, tx := range []color.Color{r.value.Color, r.unit.Color, r.caption.Color} {
		if tx != color.Color(grey) {
			t.Errorf("stale text colour %v, want %v", tx, grey)
		}
	}
}

func TestKPITileReadableFromAfar(t *testing.T) {
	newPanelTestApp(t)
	k := NewKPITile("People in crowd zones")
	k.Set(KPIValue{Value: "12 480", Unit: "persons", Caption: "worst band: crowded"})
	showWidget(t, k, fyne.NewSize(320, 180))
	r := test.WidgetRenderer(k).(*kpiRenderer)
	text := k.Theme().Size(theme.SizeNameText)
	if r.value.TextSize < 3*text || !r.value.TextStyle.Bold {
		t.Errorf("figure %.0f pt bold=%v; want bold and at least 3× the %.0f pt body text", r.value.TextSize, r.value.TextStyle.Bold, text)
	}
	if !r.accent.Hidden {
		t.Error("accent bar drawnObjects without an accent colour")
	}
	if !r.arrow.Hidden {
		t.Error("trend arrow drawnObjects without a trend")
	}
	min := k.MinSize()
	if min.Width < r.value.MinSize().Width || min.Height < r.value.MinSize().Height+r.title.MinSize().Height {
		t.Errorf("tile min size %v too small for its figure %v", min, r.value.MinSize())
	}
}
