package widgets

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// A long outage message does not widen the window: the banner asks for
// its height only and sets the message smaller to fit its width.
func TestBannerLongMessageFits(t *testing.T) {
	newPanelTestApp(t)
	b := NewBanner()
	showWidget(t, b, fyne.NewSize(600, 60))
	b.SetMessage("Short", BannerCritical)
	r := test.WidgetRenderer(b).(*bannerRenderer)
	full := r.label.TextSize
	long := strings.Repeat("All feeds offline since 21:10:19 · reason: connection refused · ", 3)
	b.SetMessage(long, BannerCritical)
	if w := b.MinSize().Width; w > 100 {
		t.Errorf("banner asks for %v px of width; want its height only", w)
	}
	b.Resize(fyne.NewSize(1200, b.MinSize().Height))
	if r.label.TextSize >= full || r.label.TextSize < full*bannerMinFit {
		t.Errorf("long message set at %v (full %v); want smaller, not below %v", r.label.TextSize, full, full*bannerMinFit)
	}
	b.SetMessage("Short", BannerCritical)
	if r.label.TextSize != full {
		t.Errorf("short message at %v, want the full %v", r.label.TextSize, full)
	}
}
