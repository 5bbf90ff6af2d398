package widgets

import (
	"image"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// leftEdgeSample is a strip inside the left end of a rectangle, clear of the text
// centred in it and of its rounded corners.
func leftEdgeSample(b image.Rectangle) image.Rectangle {
	mid := b.Min.Y + b.Dy()/2
	return image.Rect(b.Min.X+2, mid-2, b.Min.X+5, mid+3)
}

func TestFeedBadgeStateColours(t *testing.T) {
	newPanelTestApp(t)
	b := NewFeedBadge()
	c := showWidget(t, b, fyne.NewSize(520, 40))
	r := test.WidgetRenderer(b).(*feedBadgeRenderer)

	tests := []struct {
		state    BadgeState
		text     string
		wantText string
	}{
		{BadgeLive, "", "LIVE"},
		{BadgeDegraded, "", "DEGRADED"},
		{BadgeOffline, "", "OFFLINE"},
		{BadgeOffline, "离线", "离线"},
	}
	for _, tt := range tests {
		b.SetStatus(BadgeStatus{Feed: "air", State: tt.state, StateText: tt.text, Rate: 2.5, Age: "3 s"})
		if r.state.Text != tt.wantText {
			t.Errorf("%v: pill reads %q, want %q", tt.state, r.state.Text, tt.wantText)
		}
		want := panelThemeColors[map[BadgeState]fyne.ThemeColorName{BadgeLive: colorNameLive, BadgeDegraded: colorNameDegraded, BadgeOffline: colorNameOffline}[tt.state]]
		img := c.Capture()
		s := leftEdgeSample(drawnBounds(t, c, &r.pill))
		if n := countColorNear(img, s, want, 2); n != pixelArea(s) {
			t.Errorf("%v: %d of %d pill pixels are %v", tt.state, n, pixelArea(s), want)
		}
	}
	if got := r.rate.Text; got != "2.5/s" {
		t.Errorf("rate reads %q", got)
	}
	if got := r.age.Text; got != "3 s" {
		t.Errorf("age reads %q", got)
	}
}

func TestFeedBadgeZeroValueIsOffline(t *testing.T) {
	newPanelTestApp(t)
	b := NewFeedBadge()
	showWidget(t, b, fyne.NewSize(400, 40))
	r := test.WidgetRenderer(b).(*feedBadgeRenderer)
	if r.state.Text != "OFFLINE" || r.pill.FillColor != panelThemeColors[colorNameOffline] {
		t.Errorf("a badge told nothing shows %q in %v; want OFFLINE in red", r.state.Text, r.pill.FillColor)
	}
}

func TestFeedBadgeRejectedHighlight(t *testing.T) {
	newPanelTestApp(t)
	b := NewFeedBadge()
	c := showWidget(t, b, fyne.NewSize(520, 40))
	r := test.WidgetRenderer(b).(*feedBadgeRenderer)
	amber := panelThemeColors[colorNameDegraded]

	b.SetStatus(BadgeStatus{Feed: "water", State: BadgeLive, Rate: 12, Age: "1 s", Rejected: 0})
	cell := drawnBounds(t, c, &r.rejected)
	if n := countColorNear(c.Capture(), cell, amber, 2); n != 0 {
		t.Errorf("no rejections, yet %d amber pixels behind the count", n)
	}
	if r.rejected.Text != "rej. 0" {
		t.Errorf("count reads %q", r.rejected.Text)
	}

	b.SetStatus(BadgeStatus{Feed: "water", State: BadgeLive, Rate: 12, Age: "1 s", Rejected: 7})
	cell = drawnBounds(t, c, &r.rejectedFill)
	img := c.Capture()
	if n := countColorNear(img, leftEdgeSample(cell), amber, 2); n != pixelArea(leftEdgeSample(cell)) {
		t.Errorf("7 rejections: %d of %d sampled pixels amber", n, pixelArea(leftEdgeSample(cell)))
	}
	if r.rejected.Text != "rej. 7" || !r.rejected.TextStyle.Bold {
		t.Errorf("count reads %q bold=%v, want bold \"rej. 7\"", r.rejected.Text, r.rejected.TextStyle.Bold)
	}
	// The highlight does not spill onto the age next to it.
	if n := countColorNear(img, drawnBounds(t, c, &r.age), amber, 2); n != 0 {
		t.Errorf("%d amber pixels over the age", n)
	}
}

func TestFeedBadgeTapped(t *testing.T) {
	newPanelTestApp(t)
	b := NewFeedBadge()
	taps := 0
	b.OnTapped = func() { taps++ }
	c := showWidget(t, b, fyne.NewSize(400, 40))
	test.TapCanvas(c, fyne.NewPos(20, 20))
	if taps != 1 {
		t.Errorf("OnTapped called %d times, want 1", taps)
	}
}

func TestFormatRate(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{{0, "0.0"}, {2.46, "2.5"}, {9.94, "9.9"}, {12.4, "12"}, {-1, "—"}}
	for _, tt := range tests {
		if got := formatRate(tt.in); got != tt.want {
			t.Errorf("formatRate(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFeedBadgeTooltip(t *testing.T) {
	newPanelTestApp(t)
	b := NewFeedBadge()
	c := showWidget(t, b, fyne.NewSize(400, 40))

	b.MouseIn(&desktop.MouseEvent{})
	if b.tooltip != nil || len(c.Overlays().List()) != 0 {
		t.Fatal("a badge without a tooltip opened one")
	}
	b.SetStatus(BadgeStatus{Feed: "fire", State: BadgeOffline, Tooltip: "offline since 14:02"})
	b.MouseIn(&desktop.MouseEvent{})
	pop := b.tooltip
	if pop == nil || !pop.Visible() || len(c.Overlays().List()) != 1 {
		t.Fatalf("hovering: tooltip %v, %d overlays; want one pop-up shown", pop, len(c.Overlays().List()))
	}
	if got := pop.Content.(*widget.Label).Text; got != "offline since 14:02" {
		t.Errorf("tooltip reads %q", got)
	}
	if pop.Position().Y < b.Size().Height {
		t.Errorf("tooltip at %v covers the badge (height %v)", pop.Position(), b.Size().Height)
	}
	b.MouseOut()
	if pop.Visible() {
		t.Error("tooltip still shown after the pointer left")
	}
}
