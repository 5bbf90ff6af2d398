package widgets

import (
	"image"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// pillSample is a strip inside the left end of a rectangle, clear of the text
// centred in it and of its rounded corners.
func pillSample(b image.Rectangle) image.Rectangle {
	mid := b.Min.Y + b.Dy()/2
	return image.Rect(b.Min.X+2, mid-2, b.Min.X+5, mid+3)
}

func TestFeedBadgeStateColours(t *testing.T) {
	newTestApp(t)
	b := NewFeedBadge()
	c := showIn(t, b, fyne.NewSize(520, 40))
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
		want := opsColors[map[BadgeState]fyne.ThemeColorName{BadgeLive: colorNameLive, BadgeDegraded: colorNameDegraded, BadgeOffline: colorNameOffline}[tt.state]]
		img := c.Capture()
		s := pillSample(boundsOf(t, c, &r.pill))
		if n := countNear(img, s, want, 2); n != area(s) {
			t.Errorf("%v: %d of %d pill pixels are %v", tt.state, n, area(s), want)
		}
	}
	if got := r.rate.Text; got != "2.5 readings/s" {
		t.Errorf("rate reads %q", got)
	}
	if got := r.age.Text; got != "3 s" {
		t.Errorf("age reads %q", got)
	}
}

func TestFeedBadgeZeroValueIsOffline(t *testing.T) {
	newTestApp(t)
	b := NewFeedBadge()
	showIn(t, b, fyne.NewSize(400, 40))
	r := test.WidgetRenderer(b).(*feedBadgeRenderer)
	if r.state.Text != "OFFLINE" || r.pill.FillColor != opsColors[colorNameOffline] {
		t.Errorf("a badge told nothing shows %q in %v; want OFFLINE in red", r.state.Text, r.pill.FillColor)
	}
}

func TestFeedBadgeRejectedHighlight(t *testing.T) {
	newTestApp(t)
	b := NewFeedBadge()
	c := showIn(t, b, fyne.NewSize(520, 40))
	r := test.WidgetRenderer(b).(*feedBadgeRenderer)
	amber := opsColors[colorNameDegraded]

	b.SetStatus(BadgeStatus{Feed: "water", State: BadgeLive, Rate: 12, Age: "1 s", Rejected: 0})
	cell := boundsOf(t, c, &r.rejected)
	if n := countNear(c.Capture(), cell, amber, 2); n != 0 {
		t.Errorf("no rejections, yet %d amber pixels behind the count", n)
	}
	if r.rejected.Text != "rejected 0" {
		t.Errorf("count reads %q", r.rejected.Text)
	}

	b.SetStatus(BadgeStatus{Feed: "water", State: BadgeLive, Rate: 12, Age: "1 s", Rejected: 7})
	cell = boundsOf(t, c, &r.rejectedFill)
	img := c.Capture()
	if n := countNear(img, pillSample(cell), amber, 2); n != area(pillSample(cell)) {
		t.Errorf("7 rejections: %d of %d sampled pixels amber", n, area(pillSample(cell)))
	}
	if r.rejected.Text != "rejected 7" || !r.rejected.TextStyle.Bold {
		t.Errorf("count reads %q bold=%v, want bold \"rejected 7\"", r.rejected.Text, r.rejected.TextStyle.Bold)
	}
	// The highlight does not spill onto the age next to it.
	if n := countNear(img, boundsOf(t, c, &r.age), amber, 2); n != 0 {
		t.Errorf("%d amber pixels over the age", n)
	}
}

func TestFeedBadgeTapped(t *testing.T) {
	newTestApp(t)
	b := NewFeedBadge()
	taps := 0
	b.OnTapped = func() { taps++ }
	c := showIn(t, b, fyne.NewSize(400, 40))
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
