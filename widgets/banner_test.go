package widgets

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestBannerHiddenWhenEmpty(t *testing.T) {
	newPanelTestApp(t)
	b := NewBanner()
	below := widget.NewLabel("map")
	box := container.NewVBox(b, below)
	c := showWidget(t, box, fyne.NewSize(600, 200))

	if b.Visible() || !b.MinSize().IsZero() {
		t.Fatalf("new banner visible %v, min size %v; want hidden, zero", b.Visible(), b.MinSize())
	}
	if y := below.Position().Y; y != 0 {
		t.Errorf("content below a hidden banner starts at y=%v, want 0", y)
	}

	b.SetMessage("Air feed offline since 14:02", BannerCritical)
	box.Refresh()
	if !b.Visible() || b.MinSize().Height <= 0 {
		t.Fatalf("banner with a message: visible %v, min size %v", b.Visible(), b.MinSize())
	}
	if y := below.Position().Y; y < b.MinSize().Height {
		t.Errorf("content below starts at y=%v, inside the banner (height %v)", y, b.MinSize().Height)
	}
	r := test.WidgetRenderer(b).(*bannerRenderer)
	bg := drawnBounds(t, c, &r.background)
	corner := leftEdgeSample(bg)
	if n := countColorNear(c.Capture(), corner, panelThemeColors[colorNameOffline], 2); n != pixelArea(corner) {
		t.Errorf("level 2: %d of %d sampled pixels red", n, pixelArea(corner))
	}

	b.SetMessage("Noise feed degraded since 13:40", BannerWarning)
	if n := countColorNear(c.Capture(), corner, panelThemeColors[colorNameDegraded], 2); n != pixelArea(corner) {
		t.Errorf("level 1: %d of %d sampled pixels amber", n, pixelArea(corner))
	}
	if got, lvl := b.Message(); got != "Noise feed degraded since 13:40" || lvl != BannerWarning {
		t.Errorf("Message() = %q, %d", got, lvl)
	}

	b.SetMessage("", BannerWarning)
	box.Refresh()
	if b.Visible() || !b.MinSize().IsZero() {
		t.Errorf("cleared banner visible %v, min size %v; want hidden, zero", b.Visible(), b.MinSize())
	}
	if y := below.Position().Y; y != 0 {
		t.Errorf("after clearing, content below starts at y=%v, want 0", y)
	}
}
