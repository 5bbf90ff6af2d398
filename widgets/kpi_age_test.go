package widgets

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// A stale figure says how old it is, inside the tile.
func TestKPITileStaleShowsAge(t *testing.T) {
	newPanelTestApp(t)
	k := NewKPITile("District AQI")
	showWidget(t, k, fyne.NewSize(320, 180))
	r := test.WidgetRenderer(k).(*kpiRenderer)
	k.Set(KPIValue{Value: "156", Unit: "AQI", Stale: true, Age: "25m01s"})
	if r.staleTag.Hidden || r.staleTag.Text != "stale · 25m01s" {
		t.Fatalf("stale tag hidden %v text %q, want %q", r.staleTag.Hidden, r.staleTag.Text, "stale · 25m01s")
	}
	if end := r.staleTag.Position().X + r.staleTag.MinSize().Width; end > k.Size().Width {
		t.Errorf("stale tag ends at %v, outside the %v-wide tile", end, k.Size().Width)
	}
	k.Set(KPIValue{Value: "156", Unit: "AQI", Age: "25m01s"})
	if !r.staleTag.Hidden {
		t.Error("a fresh figure shows the stale tag")
	}
}
